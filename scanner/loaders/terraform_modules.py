"""Where a Terraform module call's source is: on disk, installed by ``terraform init``, or downloaded.

A module call's ``source`` is resolved as ``terraform init`` would resolve it, without ever running it:

- a local path (``./modules/db``) is read from disk, scanned or not;
- any other source is read from the root module's ``.terraform/modules/modules.json`` (what ``terraform
  init`` installed: each call by its key in the module tree, ``db`` or ``db.db_instance``), as long as the
  recorded source is the one the call names and the installed version satisfies its constraint;
- with ``download_external_modules`` (``--download-external-modules``) registry, git and archive sources
  are fetched into a per-user cache keyed by source and version; without it nothing is fetched, ever.

A call none of these finds is *unseen*: its resource carries ``module_unseen`` (why, and how to make it
visible), and ``scanner.policy.unseen_modules`` reports what its inputs would have been checked for.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.loaders.base import ParseError
from scanner.model import Resource
from scanner.regex import lazy_compile

DEFAULT_REGISTRY = "registry.terraform.io"
MANIFEST = os.path.join(".terraform", "modules", "modules.json")
UNSEEN = "module_unseen"  # the fact an unseen call carries: why it is unseen and how to make it visible
SOURCE = "module_source"
_LABEL = lazy_compile(r"^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$")
_PROVIDER = lazy_compile(r"^[0-9a-z]{1,64}$")
_FORCED = lazy_compile(r"^([A-Za-z0-9]+)::(.+)$")
_SCP_LIKE = lazy_compile(r"^[\w.-]+@[\w.-]+:")
_INDEX = lazy_compile(r"\[[^\]]*\]")
_MODULE_NAME = lazy_compile(r"module\.([A-Za-z0-9_-]+)")


# --- source addresses ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleSource:
    """A parsed ``source``: ``kind`` local | registry | git | archive | other; ``location`` without the
    ``//subdir`` and (git) the query; a registry location is ``host/namespace/name/provider``."""

    raw: str
    kind: str
    location: str
    subdir: str = ""
    ref: str | None = None
    depth: int | None = None

    @property
    def provider(self) -> str | None:
        """The cloud provider the module is for, when its address says (registry, ``terraform-aws-x``)."""
        if self.kind == "registry":
            return self.location.rsplit("/", 1)[-1]
        match = re.search(r"terraform-([a-z0-9]+)-", self.location)
        return match.group(1) if match else None


def _split_subdir(text: str) -> tuple[str, str, str]:
    """(address, subdir, query) as go-getter splits ``https://host/x.git//sub/dir?ref=v1``."""
    address, _, query = text.partition("?")
    start = address.find("://")
    start = start + 3 if start >= 0 else 0
    cut = address.find("//", start)
    if cut < 0:
        return address, "", query
    return address[:cut], address[cut + 2:].strip("/"), query


def _query(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query, keep_blank_values=True))


def _registry(address: str) -> str | None:
    if "://" in address:
        return None
    parts = address.split("/")
    if len(parts) == 4:
        host = parts[0].lower()
        if ("." not in host and ":" not in host and host != "localhost") or host in ("github.com", "bitbucket.org"):
            return None
        parts = parts[1:]
    else:
        host = DEFAULT_REGISTRY
    if len(parts) != 3 or not _LABEL.match(parts[0]) or not _LABEL.match(parts[1]) \
            or not _PROVIDER.match(parts[2]):
        return None
    return f"{host}/{'/'.join(parts)}"


def parse_source(text: str) -> ModuleSource:
    """Tell a source address apart the way terraform does (local, registry, then go-getter's detectors)."""
    if text.startswith(("./", "../")):
        return ModuleSource(text, "local", text)
    forced = _FORCED.match(text)
    getter, rest = (forced.group(1).lower(), forced.group(2)) if forced else (None, text)
    address, subdir, query = _split_subdir(rest)
    params = _query(query)
    ref = params.get("ref") or None
    depth = int(params["depth"]) if params.get("depth", "").isdigit() else None
    if getter is None and not query and (location := _registry(address)) is not None:
        return ModuleSource(text, "registry", location, subdir)
    if getter == "git" or (getter is None and address.endswith(".git")) or _SCP_LIKE.match(address):
        return ModuleSource(text, "git", address, subdir, ref, depth)
    if getter is None and address.startswith(("github.com/", "bitbucket.org/")):
        repo = address.removesuffix(".git")
        return ModuleSource(text, "git", f"https://{repo}.git", subdir, ref, depth)
    if getter in (None, "http", "https") and address.startswith(("https://", "http://")):
        return ModuleSource(text, "archive", address + (f"?{query}" if query else ""), subdir)
    return ModuleSource(text, "other", text)


def module_key(address: str) -> str:
    """The call's key in ``modules.json``: ``module.db["a"].module.x`` -> ``db.x`` (instances share it)."""
    return ".".join(_MODULE_NAME.findall(_INDEX.sub("", address)))


# --- versions --------------------------------------------------------------------------------------

class VersionError(ValueError):
    """A version or constraint that does not parse."""


_VERSION = lazy_compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_OPERATOR = lazy_compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$")


@dataclass(frozen=True, order=True)
class _Version:
    core: tuple[int, int, int]
    final: bool  # a release sorts after its pre-releases
    pre: tuple[tuple[int, int | str], ...]
    given: int = 3  # how many of major.minor.patch were written (for ~>)

    @classmethod
    def parse(cls, text: str) -> _Version:
        match = _VERSION.match(text.strip())
        if not match:
            raise VersionError(f"{text!r} is not a version")
        numbers = [int(n) if n is not None else 0 for n in match.group(1, 2, 3)]
        given = sum(1 for n in match.group(1, 2, 3) if n is not None)
        pre = match.group(4)
        parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ()
        return cls((numbers[0], numbers[1], numbers[2]), pre is None, parts, given)


def _satisfies(version: _Version, operator: str, bound: _Version) -> bool:
    if not version.final and (bound.final or version.core != bound.core):
        return False  # a pre-release is only chosen by a constraint that names it
    key, limit = (version.core, version.final, version.pre), (bound.core, bound.final, bound.pre)
    if operator in ("", "="):
        return key == limit
    if operator == "!=":
        return key != limit
    if operator == ">":
        return key > limit
    if operator == ">=":
        return key >= limit
    if operator == "<":
        return key < limit
    if operator == "<=":
        return key <= limit
    # ~> X.Y.Z: the leading segments before the last one written stay, the last may only grow.
    prefix = max(bound.given - 1, 0)
    return key >= limit and version.core[:prefix] == bound.core[:prefix]


def newest_matching(available: Sequence[str], constraint: str | None) -> str | None:
    """The newest of ``available`` that satisfies ``constraint`` (``~> 6.1``, ``>= 5.0, < 7``), as terraform
    chooses; None when none does. Without a constraint, the newest release (no pre-release)."""
    clauses: list[tuple[str, _Version]] = []
    for part in (constraint or "").split(","):
        if not part.strip():
            continue
        match = _OPERATOR.match(part)
        if not match:
            raise VersionError(f"{part.strip()!r} is not a version constraint")
        clauses.append((match.group(1) or "", _Version.parse(match.group(2))))
    candidates = []
    for text in available:
        try:
            version = _Version.parse(text)
        except VersionError:
            continue  # a registry's odd tag is not a reason to fail the others
        if all(_satisfies(version, op, bound) for op, bound in clauses) if clauses else version.final:
            candidates.append((version, text))
    return max(candidates)[1] if candidates else None


# --- modules.json ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Installed:
    """One record of ``modules.json``: where ``terraform init`` put a module call's source."""

    key: str
    source: str
    version: str
    directory: str


def read_manifest(root: str) -> tuple[dict[str, Installed], ParseError | None]:
    """The records of ``root``'s ``.terraform/modules/modules.json`` by key ({} when there is none)."""
    path = os.path.normpath(os.path.join(root, MANIFEST))
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, ParseError(path, None, f"cannot read the module manifest: {exc.strerror}", "terraform")
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        return {}, ParseError(path, getattr(exc, "lineno", None), f"module manifest does not parse: {exc}",
                              "terraform")
    records = data.get("Modules") if isinstance(data, dict) else None
    if not isinstance(records, list):
        return {}, ParseError(path, 1, 'module manifest does not parse: expected {"Modules": [...]}', "terraform")
    found: dict[str, Installed] = {}
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("Key"), str) and isinstance(record.get("Dir"), str):
            directory = record["Dir"].replace("/", os.sep)
            found[record["Key"]] = Installed(record["Key"], str(record.get("Source") or ""),
                                             str(record.get("Version") or ""),
                                             os.path.normpath(os.path.join(root, directory)))
    return found, None


def _same_source(installed: str, wanted: ModuleSource) -> bool:
    """Does the recorded source name the call's source? Terraform records a normalised spelling."""
    if wanted.kind == "local" or not installed:
        return True
    recorded = parse_source(installed)
    if recorded.kind != wanted.kind:
        return False
    if wanted.kind == "git":
        return (recorded.location.removesuffix(".git"), recorded.subdir, recorded.ref) == \
            (wanted.location.removesuffix(".git"), wanted.subdir, wanted.ref)
    return (recorded.location.lower(), recorded.subdir) == (wanted.location.lower(), wanted.subdir)


# --- the resolver the Terraform linker asks ----------------------------------------------------------

class ModuleSources:
    """Resolve module calls to directories, read the directories the scan did not load, remember the unseen.

    ``context`` is the loader context: ``download_external_modules`` turns fetching on.
    """

    def __init__(self, context: Mapping[str, Any], known: set[str] | None = None) -> None:
        self.download = bool(context.get("download_external_modules"))
        self.errors: list[ParseError] = []
        self.known = known if known is not None else set()  # directories whose files the scan loaded
        self.unseen: dict[tuple[str, str], tuple[str, str]] = {}  # (root, call address) -> (source, why)
        self._manifests: dict[str, dict[str, Installed]] = {}
        self._fetcher: Any = None

    def target(self, call: Resource, address: str, root: str) -> str | None:
        """The directory holding ``call``'s source, or None (recorded as unseen, with the reason)."""
        raw = call.attributes.get("source")
        if not isinstance(raw, str):
            self.unseen[(root, address)] = (str(getattr(raw, "expression", raw)),
                                            "its source is not a literal string, which terraform requires")
            return None
        source = parse_source(raw)
        if source.kind == "local":
            local = os.path.normpath(os.path.join(os.path.dirname(call.origin.file or ""), raw))
            if local in self.known or _has_configuration(local):
                return local
            self.unseen[(root, address)] = (raw, f"{local} holds no Terraform files")
            return None
        constraint = call.attributes.get("version")
        version = constraint if isinstance(constraint, str) else None
        directory, why = self._installed(root, module_key(address), source, version)
        if directory is None and self.download:
            directory, fetch_why = self._fetched(source, version)
            why = f"{why}; {fetch_why}" if directory is None else why
        elif directory is None:
            why += "; or scan with --download-external-modules"
        if directory is None:
            self.unseen[(root, address)] = (raw + (f" {version}" if version else ""), why)
        return directory

    def _installed(self, root: str, key: str, source: ModuleSource, version: str | None,
                   ) -> tuple[str | None, str]:
        if root not in self._manifests:
            self._manifests[root], error = read_manifest(root)
            if error is not None:
                self.errors.append(error)
        manifest = os.path.join(root, MANIFEST)
        record = self._manifests[root].get(key)
        init = f"run `terraform init` in {root}"
        if record is None:
            return None, f"{manifest} does not list it ({init})"
        if not _same_source(record.source, source):
            return None, f"{manifest} installed it from {record.source}, not this source ({init} again)"
        if version and record.version:
            try:
                matches = newest_matching([record.version], version) is not None
            except VersionError:
                matches = True  # terraform rejects the constraint itself; the installed copy is all there is
            if not matches:
                return None, f"the installed version {record.version} does not satisfy {version!r} ({init} -upgrade)"
        if not _has_configuration(record.directory):
            return None, f"{record.directory}, where {manifest} says it is, holds no Terraform files ({init})"
        return record.directory, ""

    def _fetched(self, source: ModuleSource, version: str | None) -> tuple[str | None, str]:
        from scanner.loaders.terraform_registry import Fetcher, FetchError

        if self._fetcher is None:
            self._fetcher = Fetcher()
        try:
            directory = self._fetcher.fetch(source, version)
        except FetchError as exc:
            return None, f"--download-external-modules could not fetch it: {exc}"
        except (OSError, ValueError) as exc:  # the cache directory, a move, an odd subdirectory: this call only
            return None, f"--download-external-modules could not store it: {exc}"
        if not _has_configuration(directory):
            return None, f"the downloaded copy has no Terraform files in {directory}"
        return directory, ""

    def load(self, directory: str) -> list[Resource]:
        """The Terraform blocks of a module directory the scan did not load (parse errors kept); third-party
        code read for context, so not searched for literal secrets."""
        from scanner.loaders import load_file
        from scanner.loaders.terraform import NAME

        self.known.add(directory)
        found: list[Resource] = []
        for name in _configuration_files(directory):
            path = os.path.join(directory, name)
            _, result = load_file(Path(path), only=(NAME,), shown=path, secrets=False, cached=True)
            found.extend(result.resources)
            self.errors.extend(result.errors)
        return found

    def finish(self, by_root: Mapping[str, list[Resource]]) -> list[Resource]:
        """The instances of every root: unseen calls marked, and a resource of a module that several roots
        instantiate at the same address in the same file addressed ``<root>:<address>``, so each
        finding says which root it came from."""
        roots: dict[tuple[str, str], set[str]] = {}
        for root, resources in by_root.items():
            for res in resources:
                if res.address.startswith("module."):
                    roots.setdefault((res.origin.file or "", res.address), set()).add(root)
        out: list[Resource] = []
        for root, resources in by_root.items():
            for res in resources:
                unseen = self.unseen.get((root, res.address)) if res.type == "module" else None
                shared = res.address.startswith("module.") and len(roots[(res.origin.file or "", res.address)]) > 1
                if unseen is not None:
                    res = dataclasses.replace(res, facts={**res.facts, SOURCE: unseen[0], UNSEEN: unseen[1]})
                if shared:
                    res = dataclasses.replace(res, address=f"{root}:{res.address}")
                out.append(res)
        return out


def _configuration_files(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(n for n in names if n.endswith((".tf", ".tf.json")) and not n.startswith("."))


def _has_configuration(directory: str) -> bool:
    return bool(_configuration_files(directory))
