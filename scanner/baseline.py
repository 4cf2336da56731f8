"""The baseline: findings a team has accepted, the ``accepted:`` list of a baseline file.

(The same ``baselines/<env>.yaml`` may also describe the environment's components: that is
``scanner.environment``, a different thing read by the sizing policies.)

Each entry names a policy (ID or requirement ID, wildcards allowed), a resource address and
optionally the file and the single attribute (``fact``) it accepts, with who accepted it, why, and
until when::

    accepted:
      - policy: ME-K8S-03
        resource: marketing-engine/Deployment/api-server
        file: k8s/deployment.yaml            # relative to the repository root
        fact: containers[api].image          # only this attribute; leave out for the whole finding
        owner: platform-team
        reason: the image is retagged by the release pipeline
        expires: 2025-06-30

An entry whose policy or resource is only wildcards (``policy: "*"``) would accept everything a pull request
brings, parse errors included: it is refused unless it says so with ``all: true`` (and its reason).

A finding an entry accepts still appears in every report (marked accepted) but no longer fails the
gate; once the expiry date has passed it fails again. The rest of the file (``components:``, comments)
is left as written when ``specdrift baseline create/update`` rewrites this list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.model import Acceptance, Finding, Status
from scanner.regex import lazy_compile
from scanner.repository import find_root, repo_path
from scanner.tables import line_of, read_table


class BaselineError(ValueError):
    """A baseline file that is missing, unreadable or malformed (a usage error: exit 2)."""

KEY = "accepted"
REQUIRED = ("policy", "resource", "owner", "reason", "expires")
OPTIONAL = ("file", "fact", "all")
ACCEPTABLE = (Status.VIOLATES, Status.ERROR)  # what can fail a gate can be accepted
SOON_DAYS = 14  # an acceptance expiring within this many days is named on stderr at every run
# The IDs of the findings specdrift makes itself, beside the pack's policies and requirements (parse errors,
# unseen modules, checkov's run, suppressions, drift): an acceptance may name them.
BUILTIN_IDS = ("SD-PARSE", "SD-MODULE", "SD-CHECKOV", "SD-SUPPRESSION", "SD-DRIFT")
# Other tools' checks merged into findings (checkov) have IDs of their own: accepted without a pack to check them.
FOREIGN_IDS = ("CKV_*", "CKV2_*")


def glob(name: str, pattern: str) -> bool:
    """``*`` and ``?`` wildcards only: addresses and facts contain brackets (``x[0]``, ``containers[api]``)."""
    return _glob_regex(pattern).fullmatch(name) is not None


def _matches_everything(pattern: str) -> bool:
    """A glob of only wildcards (``*``, ``**``, ``*?``): a pull request adding one would accept everything."""
    return "*" in pattern and not pattern.strip("*?")


@functools.cache
def _glob_regex(pattern: str) -> Any:
    """The glob as an RE2 regex: a baseline is written by anyone with a pull request, and Python's engine
    backtracks on ``*a*a*...*b`` for minutes; RE2 matches in time linear in the name."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.dot_nl = True  # ``*`` spans newlines too
    return re2.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), options=options)




@dataclass(frozen=True)
class AcceptedFinding:
    policy: str
    resource: str
    owner: str
    reason: str
    expires: dt.date
    file: str | None = None
    fact: str | None = None
    all: bool = False  # written by hand: this entry matches every policy or every resource, and means to

    def matches(self, finding: Finding, path: str | None) -> bool:
        """Does this entry accept ``finding`` (whose file, relative to the repository root, is ``path``)?"""
        if not any(glob(name, self.policy) for name in (finding.policy_id, *finding.requirement_ids)):
            return False
        if not glob(finding.resource_address, self.resource):
            return False
        if self.file is not None and (path is None or not glob(path, self.file)):
            return False
        return self.fact is None or (finding.fact is not None and glob(finding.fact, self.fact))

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy": self.policy, "resource": self.resource}
        if self.file is not None:
            out["file"] = self.file
        if self.fact is not None:
            out["fact"] = self.fact
        if self.all:
            out["all"] = True
        out.update(owner=self.owner, reason=self.reason, expires=self.expires)
        return out


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise BaselineError(f"{where}: expires must be a date (YYYY-MM-DD), got {value!r}") from None


def parse_entries(raw: Any, where: str) -> list[AcceptedFinding]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BaselineError(f"{where}: '{KEY}' must be a list of entries")
    entries = []
    for index, item in enumerate(raw):
        at = f"{where}: {KEY}[{index}]"
        if not isinstance(item, dict):
            raise BaselineError(f"{at}: an entry is a table of {', '.join(REQUIRED)}")
        unknown = set(item) - set(REQUIRED) - set(OPTIONAL)
        if unknown:
            raise BaselineError(f"{at}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        missing = [k for k in REQUIRED if item.get(k) in (None, "")]
        if missing:
            raise BaselineError(f"{at}: missing {', '.join(missing)} (every acceptance has an owner, "
                                f"a reason and an expiry)")
        everything = [key for key in ("policy", "resource") if _matches_everything(str(item[key]))]
        if item.get("all") not in (None, True):
            raise BaselineError(f"{at}: all must be true (an entry meant to match every policy or resource)")
        if everything and item.get("all") is not True:
            raise BaselineError(f"{at}: {' and '.join(everything)} {str(item[everything[0]])!r} matches every "
                                f"{'finding' if len(everything) > 1 else everything[0]}; write `all: true` (with "
                                "the reason) if that is meant")
        entries.append(AcceptedFinding(
            policy=str(item["policy"]), resource=str(item["resource"]), owner=str(item["owner"]),
            reason=str(item["reason"]), expires=_date(item["expires"], at),
            file=None if item.get("file") is None else str(item["file"]),
            fact=None if item.get("fact") is None else str(item["fact"]), all=item.get("all") is True))
    return entries


def load_accepted(path: str | Path) -> list[AcceptedFinding]:
    data = read_table(Path(path), "accepted", error=lambda message: BaselineError(f"cannot read baseline {message}"))
    if data is None:
        return []
    if not isinstance(data, dict):
        raise BaselineError(f"baseline {path}: expected a mapping with an '{KEY}' list")
    return parse_entries(data.get(KEY), str(path))


def accept(findings: Sequence[Finding], entries: Sequence[AcceptedFinding], today: dt.date | None = None,
           root: Path | None = None) -> tuple[list[Finding], list[AcceptedFinding]]:
    """Findings with their acceptance attached, and the entries that accepted nothing."""
    today = today or dt.date.today()
    root = root or find_root()
    used: set[int] = set()
    out = []
    for finding in findings:
        if finding.status in ACCEPTABLE and entries:
            path = repo_path(finding.file, root) if finding.file else None
            matching = [i for i, e in enumerate(entries) if e.matches(finding, path)]
            if matching:
                used.update(matching)
                # A live acceptance beats an expired one for the same finding.
                best = min(matching, key=lambda i: (entries[i].expired(today), -entries[i].expires.toordinal()))
                entry = entries[best]
                finding = dataclasses.replace(finding, acceptance=Acceptance(
                    entry.owner, entry.reason, entry.expires.isoformat(), entry.expired(today)))
        out.append(finding)
    return out, [e for i, e in enumerate(entries) if i not in used]


def known_ids(policies: Iterable[Any]) -> set[str]:
    """The IDs an acceptance may name: each policy's and its requirements'."""
    return {name for p in policies for name in (p.id, *p.requirements)}


def check_policies(entries: Sequence[AcceptedFinding], path: str | Path, known: Collection[str]) -> None:
    """Every entry names a policy or requirement of ``known`` (by ID or glob), or specdrift's own or a foreign
    check: a misspelt ID accepts nothing, and the finding it meant fails the night with nobody knowing why."""
    import difflib

    known = {*known, *BUILTIN_IDS}
    problems = []
    for index, entry in enumerate(entries):
        if entry.all or any(glob(name, entry.policy) for name in known) or \
                any(glob(entry.policy, foreign) for foreign in FOREIGN_IDS):
            continue
        close = difflib.get_close_matches(entry.policy, sorted(known), n=3)
        problems.append(f"{path}:{line_of(Path(path), [KEY, index, 'policy'])}: {KEY}[{index}]: policy "
                        f"{entry.policy!r} is not a policy or requirement of the pack"
                        + ("; did you mean " + " or ".join(f"`{c}`" for c in close) + "?" if close else ""))
    if problems:
        raise BaselineError("\n".join(problems))


def apply_baseline(findings: Sequence[Finding], path: str,
                   known: Collection[str] | None = None) -> tuple[list[Finding], list[str]]:
    """The scan's hook: accept findings from the baseline at ``path``; notes for stderr. ``known``: the policy
    and requirement IDs of the pack, which every acceptance must name (see ``check_policies``)."""
    entries = load_accepted(path)
    if known is not None:
        check_policies(entries, path, known)
    accepted, unused = accept(findings, entries)
    today = dt.date.today()
    notes = []
    expired = [f for f in accepted if f.acceptance is not None and f.acceptance.expired]
    if expired:
        notes.append(f"baseline {path}: {len(expired)} acceptance(s) expired and fail again: " + ", ".join(
            f"{f.policy_id} {f.resource_address} (owner {f.acceptance.owner}, expired {f.acceptance.expires})"
            for f in expired if f.acceptance is not None))
    if unused:
        notes.append(f"baseline {path}: {len(unused)} acceptance(s) match no finding any more (fixed?); "
                     f"`specdrift baseline update` drops them: " +
                     ", ".join(f"{e.policy} {e.resource}" for e in unused))
    soon = [e for e in entries if 0 <= (e.expires - today).days <= SOON_DAYS]
    if soon:
        notes.append(f"baseline {path}: {len(soon)} acceptance(s) expire within {SOON_DAYS} days: " + ", ".join(
            f"{e.policy} {e.resource} (owner {e.owner}, expires {e.expires.isoformat()})" for e in soon))
    return accepted, notes


def entry_for(finding: Finding, owner: str, reason: str, expires: dt.date, root: Path) -> AcceptedFinding:
    """The narrowest acceptance of one finding: its policy, resource, file and attribute."""
    return AcceptedFinding(policy=finding.policy_id, resource=finding.resource_address, owner=owner, reason=reason,
                           expires=expires, file=repo_path(finding.file, root) if finding.file else None,
                           fact=finding.fact)


def updated_entries(findings: Iterable[Finding], existing: Sequence[AcceptedFinding], owner: str, reason: str,
                    expires: dt.date, root: Path | None = None) -> tuple[list[AcceptedFinding], int, int]:
    """Existing entries that still accept a finding, plus new entries for findings none accepts.

    Returns (entries, added, dropped).
    """
    root = root or find_root()
    kept: dict[int, AcceptedFinding] = {}
    added: list[AcceptedFinding] = []
    for finding in findings:
        if finding.status not in ACCEPTABLE:
            continue
        path = repo_path(finding.file, root) if finding.file else None
        matching = [i for i, e in enumerate(existing) if e.matches(finding, path)]
        if matching:
            kept.update((i, existing[i]) for i in matching)
        else:
            entry = entry_for(finding, owner, reason, expires, root)
            if entry not in added:
                added.append(entry)
    entries = [kept[i] for i in sorted(kept)] + added
    return entries, len(added), len(existing) - len(kept)


def hidden_environment(path: Path) -> Path | None:
    """The environment file that writing accepted findings to ``path`` would hide, if any.

    ``path`` is looked up as the environment of its name (``baselines/production.yaml`` is the environment
    ``production`` when ``baselines/`` is searched first): a file there holding ``accepted:`` alone would
    shadow the guide's components and turn every sizing policy ``unknown``. So when ``path`` is missing or
    holds nothing but ``accepted:``, and an environment of its name with components is found elsewhere, this
    is that file, for ``path`` to start from.
    """
    from scanner.environment import baseline_dirs, find_baseline

    if path.suffix not in (".yaml", ".yml"):
        return None
    if path.exists():
        data = read_table(path, "accepted", error=lambda message: BaselineError(f"cannot read baseline {message}"))
        if isinstance(data, dict) and set(data) - {KEY}:
            return None  # the file has its own components (or other settings): it is the environment
    own = path.resolve()
    for directory in baseline_dirs():
        found = find_baseline(path.stem, [directory])
        if found is None or found.resolve() == own:
            continue
        data = read_table(found, "baseline", error=lambda message: BaselineError(f"cannot read {message}"))
        if isinstance(data, dict) and data.get("components"):
            return found
    return None


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory, or the shipped file's name (no machine's absolute path)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"specdrift's shipped baselines/{path.name}"


def start_from_environment(path: Path, environment: Path) -> None:
    """Write the environment file ``environment`` (comments and all) at the start of ``path``, before the
    accepted findings ``path`` may already hold, so the components keep applying where ``path`` is found."""
    held = path.read_text(encoding="utf-8") if path.exists() else ""
    text = environment.read_text(encoding="utf-8")
    header = (f"# Copied by `specdrift baseline` from {shown_path(environment)}: this file is found first as\n"
              f"# the environment {path.stem!r}, and accepted findings alone would hide its components (every\n"
              f"# sizing policy would turn unknown). Edit them where your environment differs.\n\n")
    path.write_text(header + text + ("" if text.endswith("\n") else "\n") + ("\n" + held if held.strip() else ""),
                    encoding="utf-8")


_TOP_LEVEL = lazy_compile(r"^[^\s#-]")


def _round_trip_yaml() -> Any:
    """ruamel.yaml's round-trip reader and writer: comments on the entries that stay are kept; never an anchor
    (PyYAML wrote ``&id001`` for a date shared by every new entry, so deleting the first entry broke the file)."""
    from ruamel.yaml import YAML

    rt = YAML()
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = 4096  # an entry's reason on one line, as people write it
    rt.representer.ignore_aliases = lambda *_: True
    return rt


def _render(block: str, entries: Sequence[AcceptedFinding]) -> str:
    """The ``accepted:`` block ``block`` rewritten to hold ``entries``: an old entry that is kept stays where it
    was, with its comments; the others are dropped; new ones are appended."""
    import io

    from ruamel.yaml.comments import CommentedMap

    rt = _round_trip_yaml()
    doc = rt.load(block) if block.strip() else None
    if not isinstance(doc, dict):
        doc = CommentedMap()
    old = doc.get(KEY)
    if not isinstance(old, list):
        old = []
    wanted = list(entries)
    keep: list[bool] = []
    for node in old:
        try:
            parsed = parse_entries([dict(node)], "") if isinstance(node, dict) else []
        except BaselineError:
            parsed = []
        keep.append(bool(parsed) and parsed[0] in wanted)
        if keep[-1]:
            wanted.remove(parsed[0])
    for index in reversed(range(len(old))):
        if not keep[index]:
            del old[index]
    old.extend(CommentedMap(entry.to_dict()) for entry in wanted)
    if not isinstance(doc.get(KEY), list):
        doc[KEY] = old
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


def write_accepted(path: Path, entries: Sequence[AcceptedFinding]) -> None:
    """Rewrite the ``accepted:`` list of ``path``, leaving every other line of the file as it was."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{KEY}\s*:", line)), None)
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        prefix = "\n" if lines else ""
        path.write_text("".join(lines) + prefix + _render("", entries), encoding="utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL.match(lines[i])), len(lines))
    # Blank lines and column-0 comments just above the next key belong to that key.
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    block = _render("".join(lines[start:end]), entries)
    path.write_text("".join(lines[:start]) + block + "".join(lines[end:]), encoding="utf-8")


def accepted_aliases(path: Path) -> int:
    """How many values of the ``accepted:`` list of ``path`` are YAML aliases (``*id001``) of another: older
    specdrift wrote them with PyYAML for a date shared by every new entry, so deleting the entry holding the
    anchor (the first) broke the file."""
    import yaml

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 0  # reported where the file is loaded
    if not isinstance(root, yaml.MappingNode):
        return 0
    seen: set[int] = set()
    aliases = 0
    pending = [value for key, value in root.value if getattr(key, "value", None) == KEY]
    while pending:  # an alias is the node it names, met again
        node = pending.pop()
        if id(node) in seen:
            aliases += 1
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
    return aliases


def old_layout(path: Path) -> list[str]:
    """How the baseline file ``path`` differs from what ``specdrift baseline`` writes now (nothing: [])."""
    problems = []
    environment = hidden_environment(path) if path.is_file() else None
    if environment is not None:
        problems.append(f"it holds only accepted findings where the environment {path.stem!r} is looked up first, "
                        f"so it would hide the components of {shown_path(environment)} (read from there "
                        f"meanwhile: the sizing policies still run)")
    aliases = accepted_aliases(path) if path.is_file() else 0
    if aliases:
        problems.append(f"its accepted: list uses YAML anchors, {aliases} value(s) written as an alias (*id001) of "
                        f"another: deleting the entry that holds the anchor breaks the file")
    return problems


def migrate_command(path: Path | str) -> str:
    import shlex

    return f"specdrift baseline migrate {shlex.quote(str(path))}"


def old_layout_notes(environment: str, baseline: str | None) -> list[str]:
    """A note for each baseline file of an older layout that this scan reads: the environment's files passed
    over (a file of accepted findings alone where the environment is looked up) and the ``--baseline`` file."""
    from scanner.environment import environment_file

    _, passed_over = environment_file(environment)
    files = [*passed_over, *([Path(baseline)] if baseline else [])]
    notes, seen = [], set()
    for path in files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        problems = old_layout(path)
        if problems:
            try:  # as a person in the working directory names it
                shown: Path | str = path.resolve().relative_to(Path.cwd().resolve())
            except ValueError:
                shown = path
            notes.append(f"warning: baseline {shown} was written by an older specdrift: {'; '.join(problems)}. "
                         f"Migrate it (comments kept) with: {migrate_command(shown)}")
    return notes


def migrate(path: Path) -> list[str]:
    """Rewrite the baseline file ``path`` in the current layout: the components of the environment it hides
    copied in (with their comments), the ``accepted:`` list without anchors (entries and their comments kept).
    Returns what was done ([]: the file was already current)."""
    entries = load_accepted(path)  # refuses a malformed file before anything is written
    done = []
    environment = hidden_environment(path)
    if environment is not None:
        start_from_environment(path, environment)
        done.append(f"copied in the components of {shown_path(environment)}, which it hid as the environment "
                    f"{path.stem!r}")
    if accepted_aliases(path):
        write_accepted(path, entries)
        done.append(f"wrote its {len(entries)} accepted finding(s) without YAML anchors")
    if load_accepted(path) != entries:
        raise BaselineError(f"{path}: the migrated file does not accept what it accepted before")  # never silent
    return done
