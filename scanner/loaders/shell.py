"""Shell scripts via bashlex: which failures a script notices, and which it does not.

The script is walked in source order, tracking the options in force (``set -e``/``-u``/
``-o pipefail``, combined ``set -euo pipefail``, a ``bash -e`` shebang, ``trap ... ERR``)
and the command whose exit status ``$?`` holds at each point. It yields:

- ``shell_script``: one per file: commands run, off-site uploads, local pruning
  (``find -mtime +N -delete``), and the failures nobody checks (errexit off, no test);
- ``shell_pipeline``: one per pipeline of two or more commands: the commands whose failure
  the pipeline hides (pipefail off and no ``PIPESTATUS`` test);
- ``shell_status_test``: one per use of ``$?``: the command it really tests, and the
  commands run since the last check whose status it does not see.

The flow is approximated: branches of ``if``/``case`` are walked in order, a function body
where it is defined. bashlex does not implement every bash construct (``case``, arrays, some
``[[ ]]`` forms); ``[[ ]]`` and ``$(( ))`` are rewritten, length for length, into forms it
reads; anything else it rejects is one ParseError naming the construct and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.yaml_lines import LineDict
from scanner.model import Origin, Resource

NAME = "shell"
PRIORITY = 30
_SHEBANG = re.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:ba|da)?sh\b([^\n]*)")
# Commands whose failure is no news: a report listing them would only be noise.
_TRIVIAL = {"echo", "printf", "true", "false", ":", "test", "[", "[[", "local", "export", "readonly", "declare",
            "typeset", "set", "shift", "exit", "return", "source", ".", "trap", "unset", "shopt", "read", "sleep",
            "wait", "date", "logger", "let"}
_UPLOADS = (("aws", "s3", ("cp", "sync", "mv")), ("gsutil", None, ("cp", "rsync", "mv")),
            ("gcloud", "storage", ("cp", "rsync", "mv")), ("azcopy", None, ("copy", "cp", "sync")),
            ("az", "storage", ("blob", "file")), ("rclone", None, ("copy", "sync", "move", "copyto")),
            ("s3cmd", None, ("put", "sync")), ("mc", None, ("cp", "mirror")), ("restic", None, ("backup",)),
            ("borg", None, ("create",)))
_SUBCOMMAND = re.compile(r"^[a-z][a-z0-9-]*$")
# Tools whose first words name the action (``aws s3 cp``); other commands show only their name,
# so a report never repeats an argument (which may be a credential).
_MULTI_WORD = {"aws", "gcloud", "gsutil", "az", "azcopy", "kubectl", "docker", "git", "rclone", "restic", "borg",
               "s3cmd", "mc", "helm", "systemctl"}
_UNSUPPORTED = ((re.compile(r"^\s*case\b.*\bin\b", re.M), "case statements"),
                (re.compile(r"^\s*select\b", re.M), "select loops"),
                (re.compile(r"^\s*coproc\b", re.M), "coprocesses"))


@dataclass
class Step:
    """One command (or pipeline) that ran, with the status it left in ``$?``."""

    text: str
    line: int
    commands: list[str]

    @property
    def trivial(self) -> bool:
        return all(c in _TRIVIAL or "=" in c for c in self.commands)

    def describe(self) -> str:
        return f"{self.text} (line {self.line})"


@dataclass
class _Options:
    errexit: int = 0  # the line that turned the option on; 0 when off
    nounset: int = 0
    pipefail: int = 0
    errtrap: int = 0


@dataclass
class _Analysis:
    lines: list[int]
    options: _Options = field(default_factory=_Options)
    pending: Step | None = None  # the step whose status ``$?`` holds, not yet looked at
    unseen: list[Step] = field(default_factory=list)  # steps whose status nobody looked at
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[Step] = field(default_factory=list)
    commands: list[tuple[str, int]] = field(default_factory=list)
    uploads: list[Step] = field(default_factory=list)
    prunes: list[tuple[str, int]] = field(default_factory=list)

    def line(self, pos: int) -> int:
        import bisect

        return bisect.bisect_right(self.lines, pos) + 1

    # -- status bookkeeping -------------------------------------------------------------
    def ran(self, step: Step, checked: bool) -> None:
        """``step`` ran: the previous pending status is lost unless a test consumed it."""
        if self.pending is not None:
            self.unseen.append(self.pending)
        self.pending = None
        if checked or (self.options.errexit or self.options.errtrap):
            return
        self.pending = step

    def status_test(self, line: int) -> None:
        unseen = [s for s in self.unseen if not s.trivial]
        self.tests.append({"line": line, "tested": self.pending, "unseen": unseen})
        self.unseen = []
        self.pending = None

    def finish(self) -> None:
        self.ignored.extend(s for s in self.unseen if not s.trivial)
        self.unseen = []


def _preprocess(text: str) -> str:
    """Rewrite ``[[ ]]`` and ``$(( ))`` (which bashlex rejects) into same-length forms it reads."""
    def brackets(match: re.Match[str]) -> str:
        inner = re.sub(r"[<>&|();]", "_", match.group(1))
        return f"[ {inner} ]"

    text = re.sub(r"\[\[(.*?)\]\]", brackets, text)
    out, i = [], 0
    while (start := text.find("$((", i)) >= 0:
        depth, j = 0, start + 1
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        out.append(text[i:start])
        out.append("".join("\n" if c == "\n" else "0" for c in text[start:j + 1]))
        i = j + 1
    out.append(text[i:])
    return "".join(out)


class ShellLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix.lower() in (".sh", ".bash"):
            return True
        return bool(_SHEBANG.match(head)) and path.suffix.lower() in ("", ".txt", ".cmd", ".run")

    def load(self, path: str, text: str) -> LoadResult:
        import bashlex

        lines = [i for i, ch in enumerate(text) if ch == "\n"]
        commands = any(row.strip() and not row.lstrip().startswith("#") for row in text.splitlines())
        try:
            nodes = bashlex.parse(_preprocess(text)) if commands else []  # bashlex fails on comments only
        except bashlex.errors.ParsingError as exc:
            line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
            hint = " (the construct starting here is never closed)" if "EOF" in str(exc.message) else ""
            return LoadResult(errors=[ParseError(path, line, f"shell syntax error: {exc.message}{hint}", NAME)])
        except (NotImplementedError, AttributeError, TypeError, ValueError, IndexError, AssertionError) as exc:
            line, construct = _unsupported(text, exc)
            return LoadResult(errors=[ParseError(path, line, f"bashlex cannot read this script ({construct}); "
                                                 "its failure handling was not analysed", NAME)])
        analysis = _Analysis(lines)
        shebang = _SHEBANG.match(text)
        if shebang:
            _set_options(analysis.options, shebang.group(1).split(), 1)
        walker = _Walker(analysis)
        for node in nodes:
            walker.visit(node, condition=False)
        analysis.finish()
        return LoadResult(resources=_resources(path, analysis))


def _unsupported(text: str, exc: Exception) -> tuple[int | None, str]:
    """The line and name of the construct bashlex gave up on, as far as can be told."""
    for pattern, construct in _UNSUPPORTED:
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1, f"{construct} are not supported"
    message = str(exc).strip()
    return None, f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _set_options(options: _Options, args: list[str], line: int) -> None:
    """Apply ``set`` (or shebang) arguments: -e, +e, -o pipefail, -euo pipefail, ..."""
    letters = {"e": "errexit", "u": "nounset"}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-o", "+o") and i + 1 < len(args):
            if args[i + 1] in ("errexit", "nounset", "pipefail"):
                setattr(options, args[i + 1], line if arg == "-o" else 0)
            i += 2
            continue
        if re.fullmatch(r"[-+][a-zA-Z]+", arg):
            on = arg[0] == "-"
            takes_name = False
            for letter in arg[1:]:
                if letter in letters:
                    setattr(options, letters[letter], line if on else 0)
                elif letter == "o":
                    takes_name = True
            if takes_name and i + 1 < len(args):
                if args[i + 1] == "pipefail":
                    options.pipefail = line if on else 0
                i += 1
        i += 1


class _Walker:
    def __init__(self, analysis: _Analysis) -> None:
        self.a = analysis

    def visit(self, node: Any, condition: bool) -> None:
        kind = node.kind
        if kind == "list":
            self.sequence(node.parts, condition)
        elif kind == "pipeline":
            self.pipeline(node, condition)
        elif kind == "command":
            self.command(node, condition)
        elif kind == "compound":
            self.compound(node, condition)
        elif kind == "function":
            self.function(node)
        elif kind in ("if", "while", "until", "for"):
            self.control(node, condition)

    def sequence(self, parts: list[Any], condition: bool) -> None:
        items = [p for p in parts if p.kind != "operator"]
        ops = [p.op for p in parts if p.kind == "operator"]
        for index, item in enumerate(items):
            following = ops[index] if index < len(ops) else ";"
            # The left side of && / || and a background job are not where a failure stops the script.
            self.visit(item, condition or following in ("&&", "||", "&"))
            if following in ("&&", "||"):
                self.a.pending = None  # the operator looked at the status

    def compound(self, node: Any, condition: bool) -> None:
        for part in node.list:
            if part.kind not in ("reservedword", "operator"):
                self.visit(part, condition)

    def control(self, node: Any, condition: bool) -> None:
        """if/while/until: conditions are checked; bodies run in order; for: the body."""
        in_condition = node.kind in ("if", "while", "until")
        for part in node.parts:
            if part.kind == "reservedword":
                if part.word in ("then", "do", "else"):
                    in_condition = False
                elif part.word in ("if", "elif", "while", "until"):
                    in_condition = True
                continue
            if part.kind in ("word", "operator"):
                continue
            self.visit(part, condition or in_condition)
            if in_condition:
                self.a.pending = None  # the if/while looked at it
        self.a.pending = None

    def function(self, node: Any) -> None:
        saved = (self.a.pending, self.a.unseen)
        self.a.pending, self.a.unseen = None, []
        for part in node.parts:
            if part.kind == "compound":
                self.compound(part, condition=False)
        self.a.finish()
        self.a.pending, self.a.unseen = saved

    def pipeline(self, node: Any, condition: bool) -> None:
        members = [p for p in node.parts if p.kind not in ("pipe", "reservedword")]
        negated = any(p.kind == "reservedword" and p.word == "!" for p in node.parts)
        if len(members) == 1:
            self.visit(members[0], condition or negated)
            return
        names: list[list[str]] = []
        for member in members:
            names.append(_names(member))
            self._uses(member)
        hidden = [n for group in names[:-1] for n in group if n not in _TRIVIAL]
        line = self.a.line(node.pos[0])
        text = " | ".join(_display(member) for member in members)
        if hidden:
            self.a.pipelines.append({"line": line, "text": text, "hidden": hidden,
                                     "pipefail": bool(self.a.options.pipefail), "pipestatus": False})
        for group in names:
            for name in group:
                self.a.commands.append((name, line))
        self.a.ran(Step(text, line, [n for group in names for n in group]), condition or negated)

    def command(self, node: Any, condition: bool) -> None:
        line = self.a.line(node.pos[0])
        words = [p for p in node.parts if p.kind == "word"]
        if _reads_status(node):
            self.a.status_test(line)
        if _reads_pipestatus(node) and self.a.pipelines:
            self.a.pipelines[-1]["pipestatus"] = True
            self.a.pending = None  # PIPESTATUS holds the pipeline's statuses: it is being looked at
        substituted = [s for s in _substitutions(node)]
        for sub in substituted:  # $(cmd) runs first; its status is the assignment's
            self.a.commands.extend((n, line) for n in _names(sub))
        if not words:
            commands = [n for sub in substituted for n in _names(sub)] or ["="]
            self.a.ran(Step(_display(node), line, commands), condition)
            return
        name = words[0].word
        args = [w.word for w in words[1:]]
        self.a.commands.append((name, line))
        if name == "set":
            _set_options(self.a.options, args, line)
        elif name == "trap" and "ERR" in args[1:]:
            self.a.options.errtrap = line
        step = Step(_display(node), line, [name])
        if _is_upload(name, args):
            self.a.uploads.append(step)
        if name == "find":
            self._prune(args, line)
        self.a.ran(step, condition or name in ("exit", "return"))

    def _prune(self, args: list[str], line: int) -> None:
        if "-delete" not in args and not ("-exec" in args and any(a in ("rm", "/bin/rm") for a in args)):
            return
        for flag, unit in (("-mtime", "d"), ("-mmin", "min"), ("-ctime", "d"), ("-cmin", "min")):
            if flag in args and args.index(flag) + 1 < len(args):
                value = args[args.index(flag) + 1]
                if value.startswith("+") and value[1:].isdigit():
                    self.a.prunes.append((f"{value[1:]}{unit}", line))
                    return

    def _uses(self, member: Any) -> None:
        if member.kind == "command":
            if _reads_status(member):
                self.a.status_test(self.a.line(member.pos[0]))
            words = [p.word for p in member.parts if p.kind == "word"]
            if words and _is_upload(words[0], words[1:]):
                self.a.uploads.append(Step(_display(member), self.a.line(member.pos[0]), [words[0]]))


def _walk_nodes(node: Any) -> list[Any]:
    found = [node]
    for attr in ("parts", "list"):
        for child in getattr(node, attr, None) or []:
            found.extend(_walk_nodes(child))
    command = getattr(node, "command", None)
    if command is not None and node.kind in ("commandsubstitution", "processsubstitution"):
        found.extend(_walk_nodes(command))
    output = getattr(node, "output", None)
    if output is not None and not isinstance(output, int):
        found.extend(_walk_nodes(output))
    return found


def _reads_status(node: Any) -> bool:
    return any(n.kind == "parameter" and n.value == "?" for n in _walk_nodes(node))


def _reads_pipestatus(node: Any) -> bool:
    return any(n.kind == "parameter" and str(n.value).startswith("PIPESTATUS") for n in _walk_nodes(node))


def _substitutions(node: Any) -> list[Any]:
    return [n.command for n in _walk_nodes(node) if n.kind == "commandsubstitution"]


def _names(node: Any) -> list[str]:
    """Names of the commands a node runs (first word of each simple command)."""
    out = []
    for inner in _walk_nodes(node):
        if inner.kind == "command":
            words = [p for p in inner.parts if p.kind == "word"]
            if words:
                out.append(words[0].word)
    return out


def _display(node: Any) -> str:
    """A safe short name: the command and its plain sub-commands (``aws s3 cp``), never its arguments."""
    if node.kind != "command":
        names = _names(node)
        return " && ".join(dict.fromkeys(names)) if names else node.kind
    words = [p.word for p in node.parts if p.kind == "word"]
    if not words:
        names = [n for s in _substitutions(node) for n in _names(s)]
        assigned = [p.word.split("=", 1)[0] for p in node.parts if p.kind == "assignment"]
        return f"{', '.join(assigned)}=$({' | '.join(names)})" if names else f"{', '.join(assigned)}=..."
    shown = [words[0]]
    for word in words[1:3] if words[0] in _MULTI_WORD else ():
        if not _SUBCOMMAND.match(word):
            break
        shown.append(word)
    return " ".join(shown)


def _is_upload(name: str, args: list[str]) -> bool:
    for tool, sub, verbs in _UPLOADS:
        if name != tool:
            continue
        rest = args
        if sub is not None:
            rest = _after_global_options(args, sub)
            if not rest or rest[0] != sub:
                continue
            rest = rest[1:]
        if any(verb in rest[:2] for verb in verbs):
            return True
    return False


def _after_global_options(args: list[str], sub: str) -> list[str]:
    """The words from the sub-command on: ``aws $AWS_ARGS s3 cp`` and ``aws --endpoint-url URL s3 cp`` upload too."""
    index, takes_value = 0, False
    while index < len(args) and args[index] != sub:
        word = args[index]
        if word.startswith(("-", "$")):
            takes_value = word.startswith("--") and "=" not in word
        elif takes_value:  # the value of the option before it
            takes_value = False
        else:
            break
        index += 1
    return args[index:]


def _dict(values: dict[str, Any], lines: dict[str, int], line: int) -> LineDict:
    out = LineDict(values)
    out.line = out.end_line = line
    out.key_lines = {key: lines.get(key, line) for key in values}
    return out


def _resources(path: str, a: _Analysis) -> list[Resource]:
    script = Path(path).name
    commands = list(dict.fromkeys(name for name, _ in a.commands))
    common = {"script": script, "commands": commands}
    resources = []
    ignored = ", ".join(s.describe() for s in a.ignored)
    upload = a.uploads[0] if a.uploads else None
    prune = a.prunes[0] if a.prunes else None
    values: dict[str, Any] = {**common, "errexit": bool(a.options.errexit), "nounset": bool(a.options.nounset),
                              "pipefail": bool(a.options.pipefail)}
    lines = {"errexit": a.options.errexit or 1, "nounset": a.options.nounset or 1, "pipefail": a.options.pipefail or 1}
    if a.ignored:  # absent when none: the script itself then has nothing to report
        values["ignored_failures"] = ignored
        lines["ignored_failures"] = a.ignored[0].line
    if upload is not None:
        values["upload"] = upload.text
        lines["upload"] = upload.line
    if prune is not None:
        values["local_retention"] = prune[0]
        lines["local_retention"] = prune[1]
    resources.append(Resource("shell", "shell_script", script, Origin(path, 1, _last(a)),
                              _dict(values, lines, 1), format=NAME))
    seen: dict[str, int] = {}
    for pipe in a.pipelines:
        hidden = "" if pipe["pipefail"] or pipe["pipestatus"] else ", ".join(dict.fromkeys(pipe["hidden"]))
        values = {**common, "name": pipe["text"], "pipefail": pipe["pipefail"], "hidden_failures": hidden}
        address = _unique(f"pipeline {pipe['text']}", seen)
        resources.append(Resource("shell", "shell_pipeline", address, Origin(path, pipe["line"]),
                                  _dict(values, {}, pipe["line"]), format=NAME))
    for test in a.tests:
        tested: Step | None = test["tested"]
        name = tested.describe() if tested else "the status left before it"
        unseen = ", ".join(s.describe() for s in test["unseen"])
        values = {**common, "name": name, "tested": tested.text if tested else "", "unchecked": unseen}
        lines = {"tested": tested.line if tested else test["line"]}
        address = _unique(f"$? after {tested.text if tested else 'start'}", seen)
        resources.append(Resource("shell", "shell_status_test", address, Origin(path, test["line"]),
                                  _dict(values, {**lines, "unchecked": test["line"]}, test["line"]), format=NAME))
    return resources


def _last(a: _Analysis) -> int:
    return len(a.lines) or 1


def _unique(address: str, seen: dict[str, int]) -> str:
    seen[address] = seen.get(address, 0) + 1
    return address if seen[address] == 1 else f"{address} #{seen[address]}"


LOADER = ShellLoader()
