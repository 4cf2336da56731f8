"""Loaders turn files into Resources; this module finds the files and the loader for each.

A loader is a class in a module of this package decorated with ``@loader("name", order=N)``
(discovered, not listed, so adding a format touches one file); the loaders are asked to claim a file
by ``order``, lowest first. Loaders import their parser library lazily, and choosing a file's loader
imports only the modules of the loaders asked (``scanner.registry``).
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.faults import describe, reraise_when_debugging
from scanner.loaders.base import Loader, LoadResult, ParseError
from scanner.loaders.not_infrastructure import KUSTOMIZE_PATCH, TEMPLATE, is_template, kustomize_patches, what_is
from scanner.loaders.path_globs import PathFilter
from scanner.model import Resource
from scanner.registry import DEFAULT_ORDER, Registry

__all__ = ["LOADERS", "MAX_FILE_BYTES", "LoadOutcome", "Loader", "ParseError", "all_loaders", "decode", "iter_files",
           "load_files", "loader", "loader_for"]

SKIP_DIRS = {".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox",
             ".mypy_cache", ".ruff_cache", ".pytest_cache", ".specdrift-cache", ".venv-checkov"}
MAX_FILE_BYTES = 20 * 1024 * 1024
SNIFF_CHARS = 64 * 1024
SECRETS_ONLY = "plaintext"  # the loader that only searches a file for literal secrets
UNKNOWN_FORMAT = "unknown"  # the format of a file no loader could be chosen for (its error says why)


LOADERS: Registry[Loader] = Registry("loader", __name__, decorator="loader")


def loader(name: str, order: int = DEFAULT_ORDER) -> Callable[[type[Loader]], type[Loader]]:
    """Class decorator: the format ``name``'s loader, asked to claim a file after those of a lower ``order``."""
    return LOADERS.register_class(name, order)


def all_loaders() -> tuple[Loader, ...]:
    """Every loader, in the order they are asked to claim a file (imports every loader module)."""
    return tuple(LOADERS.values())


def _loaders_named(names: set[str]) -> list[Loader]:
    """The loaders of these formats, in claiming order (importing only their modules)."""
    return [LOADERS[name] for name in LOADERS.names() if name in names]


def loader_for(path: Path, head: str, only: Sequence[str] | None = None, last: Loader | None = None,
               ) -> Loader | None:
    return select_loader(path, head, only, last)[0]


def select_loader(path: Path, head: str, only: Sequence[str] | None = None,
                  last: Loader | None = None) -> tuple[Loader | None, str | None]:
    """The loader that claims ``path``, and what the file is when it is not infrastructure (None when it is).

    A file that is not infrastructure (a CI workflow, a Helm template) is searched for secrets only:
    no structural loader may claim it, whatever its content looks like. With ``last``, the loaders asked
    after it are not asked (nor imported): the caller only wants to know whether one up to it claims.
    """
    other = what_is(path, head)
    for name in LOADERS.names():
        if not (only and name not in only) and not (other and name != SECRETS_ONLY):
            chosen = LOADERS[name]
            if chosen.claims(path, head):
                return chosen, other
        if last is not None and name == last.name:
            break
    return None, other


def last_in_order(chosen: Iterable[Loader]) -> Loader | None:
    """Of ``chosen``, the loader asked last when a file's loader is chosen."""
    position = {name: index for index, name in enumerate(LOADERS.names())}
    return max(chosen, key=lambda loader: position.get(loader.name, len(position)), default=None)


SYMLINK_NOT_FOLLOWED = "a symbolic link (not followed without --follow-symlinks)"
SYMLINK_OUTSIDE = "a symbolic link leading out of the scanned directories"
NOT_REGULAR = "not a regular file (a FIFO, socket or device): not read"
UNREADABLE_DIRECTORY = "cannot read directory"
BINARY = "binary content where text was expected"
# Names that say "infrastructure as code": such a file holding binary content is an error, not skipped unseen
# (a manifest saved in an encoding without a BOM, a corrupted template), whether or not a loader claims it.
IAC_SUFFIXES = (".yaml", ".yml", ".json", ".tf", ".tfvars", ".hcl", ".conf", ".sql", ".sh", ".template", ".env")


def iter_files(paths: Iterable[str | os.PathLike[str]], skip: PathFilter | None = None, follow_symlinks: bool = False,
               passed_over: dict[str, str] | None = None) -> Iterator[Path]:
    """Files under ``paths`` (files given directly are yielded too), in a stable order, without those ``skip``
    leaves out (matched relative to the directory walked; a named file relative to the working directory).

    The tree is a boundary: a symbolic link is followed only with ``follow_symlinks``, and then only to a
    target inside a named directory or the working directory (each directory once: a link back up is no
    loop); a FIFO, socket or device is never yielded (reading one would hang, or never end). What is passed
    over is recorded in ``passed_over`` (shown path -> why), for the report's notes.
    """
    passed = passed_over if passed_over is not None else {}
    named = [Path(raw) for raw in paths]
    roots = [os.path.realpath(os.getcwd())] + [os.path.realpath(p) for p in named if p.is_dir()] \
        if follow_symlinks else []
    seen: set[str] = set()
    for path in named:
        if path.is_symlink() and not _follow(path, follow_symlinks, roots, passed):
            continue
        if path.is_dir():
            yield from _walk(path, path, "", skip, follow_symlinks, roots, seen, passed)
        elif not (skip and skip.skips_file(_display(path).replace(os.sep, "/"))):
            yield path


def _follow(path: Path | os.DirEntry[str], follow: bool, roots: list[str], passed: dict[str, str]) -> bool:
    """Whether a symbolic link is followed (recording why not)."""
    if not follow:
        passed[_display(Path(path))] = SYMLINK_NOT_FOLLOWED
        return False
    target = os.path.realpath(path)
    if not any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
        passed[_display(Path(path))] = SYMLINK_OUTSIDE
        return False
    return True


def _walk(top: Path, directory: Path, prefix: str, skip: PathFilter | None, follow: bool, roots: list[str],
          seen: set[str], passed: dict[str, str]) -> Iterator[Path]:
    """``os.walk``'s order (a directory's files, sorted, then each subdirectory, sorted), from one scandir per
    directory: the entry's type comes with it, so telling files, links and FIFOs apart costs no stat."""
    if follow:
        real = os.path.realpath(directory)
        if real in seen:
            return
        seen.add(real)
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:  # an error finding (load_files): what is under it was not checked
        passed[_display(directory)] = f"{UNREADABLE_DIRECTORY}: {exc.strerror or exc}"
        return
    files: list[Path] = []
    dirs: list[str] = []
    for entry in entries:
        name = entry.name
        try:
            if entry.is_symlink():
                if not _follow(entry, follow, roots, passed):
                    continue
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            else:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if name not in SKIP_DIRS and not (skip and skip.skips_dir(prefix + name)):
                dirs.append(name)
        elif skip and skip.skips_file(prefix + name, check_parents=False):
            continue
        elif is_file:
            files.append(directory / name)
        else:
            passed[_display(directory / name)] = NOT_REGULAR
    yield from files
    for name in dirs:
        yield from _walk(top, directory / name, prefix + name + "/", skip, follow, roots, seen, passed)


@dataclass
class LoadOutcome:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> format
    skipped: list[str] = field(default_factory=list)  # files no loader claims
    not_infrastructure: dict[str, str] = field(default_factory=dict)  # path -> what it is (not judged)
    passed_over: dict[str, str] = field(default_factory=dict)  # path -> why it was not read (a link, a FIFO)


def _display(path: Path, cwd: str | None = None) -> str:
    """The path as reports show it: relative to the working directory when inside it, and text every report
    format can hold (see ``printable``)."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)  # string work, not resolve(): that costs syscalls per path component
    if absolute.startswith(cwd + os.sep):
        return printable(absolute[len(cwd) + 1:])
    return printable(str(path))


def printable(name: str) -> str:
    """A file name as text: the bytes of a name that is not UTF-8 (which Python keeps as lone surrogates, and
    no UTF-8 report, JSON, SARIF or XML can hold) written as ``\\xff`` escapes."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _wide_encoding(data: bytes) -> tuple[str, int] | None:
    """(encoding, length of its byte-order mark) of text in UTF-16/32 with a BOM, else None."""
    if data[:1] not in (b"\xff", b"\xfe", b"\x00"):
        return None
    return next(((name, len(bom)) for bom, name in _BOMS if data.startswith(bom)), None)


def decode(data: bytes) -> str:
    """A file's text as every loader gets it: UTF-8 (undecodable bytes replaced), without a byte-order mark;
    UTF-16 or UTF-32 when a BOM says so (a manifest saved so would otherwise look binary and be passed over).

    Editors on Windows write a BOM; YAML, JSON and HCL parsers, and the content sniffing of every
    loader, would otherwise see it as a character before the first key.
    """
    wide = _wide_encoding(data)
    if wide is not None:
        return data[wide[1]:].decode(wide[0], errors="replace")
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


class _NotRegular(Exception):
    """The path is a FIFO, socket or device."""


def _read_capped(path: Path) -> bytes:
    """The file's bytes, at most ``MAX_FILE_BYTES + 1`` (the one more tells a file past the limit): the limit
    applies before reading, so a huge file costs no more memory than the limit. Opened without blocking and
    checked to be a regular file, so a FIFO (which would wait for a writer) or a device (``/dev/zero``, which
    never ends) is refused, even named directly."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise _NotRegular
        return handle.read(min(status.st_size, MAX_FILE_BYTES) + 1)


def load_file(path: Path, only: Sequence[str] | None = None, shown: str | None = None, secrets: bool = True,
              cached: bool = False) -> tuple[str | None, LoadResult]:
    """Load one file: (format or None if no loader claims it, result); ``shown`` is its display path.
    ``secrets`` False: no search for literal secrets (third-party code read only for context, such as a
    Terraform module installed by ``terraform init``). ``cached``: a file read only for context, whose parse
    is kept between runs (``parse_cache``)."""
    shown = shown or _display(path)
    try:
        data = _read_capped(path)
    except OSError as exc:
        return "unreadable", LoadResult(errors=[ParseError(shown, None, f"cannot read file: {exc.strerror}",
                                                           "unknown")])
    except _NotRegular:
        return "unreadable", LoadResult(errors=[ParseError(shown, None, NOT_REGULAR, "unknown")])
    wide = _wide_encoding(data)
    binary = wide is None and b"\x00" in data[:8192]
    text = "" if binary else decode(data)
    try:
        loader, other = select_loader(path, text[:SNIFF_CHARS] if text else "", only)
    except Exception as exc:  # a loader's content sniffing failed on this file: reported, the scan goes on
        reraise_when_debugging()
        why = "nesting too deep to parse" if isinstance(exc, RecursionError) else \
            f"choosing a loader failed on this file ({describe(exc, quote_message=False)})"
        return UNKNOWN_FORMAT, LoadResult(errors=[ParseError(shown, None, why, UNKNOWN_FORMAT)])
    if loader is None and binary and (path.name.lower().endswith(IAC_SUFFIXES) or path.name.startswith("Dockerfile")):
        return UNKNOWN_FORMAT, LoadResult(errors=[ParseError(shown, 1, BINARY, UNKNOWN_FORMAT)])
    if loader is None:
        return None, LoadResult(not_infrastructure={shown: other} if other else {})
    if binary:
        return loader.name, LoadResult(errors=[ParseError(shown, 1, BINARY, loader.name)])
    if len(data) > MAX_FILE_BYTES:
        return loader.name, LoadResult(errors=[ParseError(shown, None, "file larger than 20 MiB; not scanned",
                                                          loader.name)])
    if "\ufffd" in text:  # only then can the bytes be invalid UTF-8 (decode replaced what it could not read)
        encoding, start = wide or ("utf-8", 0)
        try:
            data[start:].decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[start: start + exc.start].decode(encoding, "replace").count("\n") + 1
            return loader.name, LoadResult(errors=[ParseError(shown, line, "not UTF-8 text", loader.name)])
    from scanner.loaders.budget import ParseTimeout, parse_budget

    # The secrets-only loader remembers each secret it finds for masking: a side effect a kept result would skip.
    cached = cached and loader.name != SECRETS_ONLY
    kept = None
    if cached:
        from scanner.loaders import parse_cache

        kept = parse_cache.read(loader.name, shown, data)
    try:
        if kept is not None:
            result = kept
        else:
            with parse_budget():
                result = loader.load(shown, text)
            if cached:  # before the additions below, which are made afresh at every run
                parse_cache.write(loader.name, shown, data, result)
    except ParseTimeout as stopped:  # the file's parse budget (scanner/loaders/budget.py): the scan goes on
        result = LoadResult(errors=[ParseError(shown, None, f"{stopped.reason}; not scanned", loader.name)])
    except RecursionError:
        result = LoadResult(errors=[ParseError(shown, None, "nesting too deep to parse", loader.name)])
    except Exception as exc:  # the loader's own fault, on this file alone: reported, the scan goes on
        reraise_when_debugging()
        result = LoadResult(errors=[ParseError(shown, None, f"the {loader.name} loader failed on this file "
                                                            f"({describe(exc)})", loader.name)])
    if other:
        result.not_infrastructure[shown] = other
    elif result.errors and not result.resources and is_template(text):
        # A parser failing on `{{ .Values.x }}` met a template, not a malformed file.
        result = LoadResult(not_infrastructure={shown: TEMPLATE})
    if secrets and loader.name != SECRETS_ONLY:  # ME-SEC-01: secrets are looked for in every file, whoever reads it
        from scanner.loaders.secrets import credential_resources

        try:
            result.resources.extend(credential_resources(shown, text, loader.name))
        except Exception as exc:
            reraise_when_debugging()
            result.errors.append(ParseError(shown, None, f"looking for literal secrets failed on this file "
                                                         f"({describe(exc, quote_message=False)})", loader.name))
    return loader.name, result


def _common_directory(files: Iterable[str]) -> str:
    """The directory the files share, as reports show paths (relative and absolute ones share none: ".")."""
    unique = sorted(set(files))
    try:
        return os.path.commonpath(unique) if unique else "."
    except ValueError:  # relative (inside the working directory) and absolute paths together
        return "."


def load_files(paths: Iterable[str | os.PathLike[str]], context: dict[str, Any] | None = None,
               only: Sequence[str] | None = None, jobs: int | None = None, skip: Sequence[str] = (),
               then: Callable[[list[Resource], list[ParseError]], list[Resource]] | None = None) -> LoadOutcome:
    """Load every recognised file under ``paths`` but those the ``skip`` globs match, link cross-file formats;
    ``then`` (``mappings.load_paths`` passes the step that attaches facts) takes each format's resources as soon
    as they are linked, with the list of errors to add to, and gives the resources kept.

    Large trees load across ``jobs`` processes (default: the idle CPUs; see ``parallel``).
    """
    from scanner.loaders.parallel import load_many
    from scanner.progress import step

    context = context or {}
    outcome = LoadOutcome()
    by_format: dict[str, list[Resource]] = {}
    cwd = os.getcwd()
    files = list(iter_files(paths, PathFilter(skip), bool(context.get("follow_symlinks")), outcome.passed_over))
    for shown, why in list(outcome.passed_over.items()):
        if why.startswith(UNREADABLE_DIRECTORY):  # not a note: the files under it were not checked
            outcome.errors.append(ParseError(shown, None, why, UNKNOWN_FORMAT))
            del outcome.passed_over[shown]
    names = [_display(path, cwd) for path in files]
    patches = kustomize_patches(files)
    context_files = {os.path.abspath(p) for p in context.get("context_files", ())}
    cached = [name for path, name in zip(files, names, strict=True) if os.path.abspath(path) in context_files]
    loaded = load_many(files, names, only, jobs, cached)
    for done, (path, shown, (fmt, result)) in enumerate(zip(files, names, loaded, strict=True), 1):
        step("files", done, len(files))
        if patches and fmt is not None and os.path.normpath(os.path.abspath(path)) in patches:
            # What a kustomization patches with is no object of its own: gaps in it are not defects.
            result = LoadResult([r for r in result.resources if r.provider != "kubernetes"],
                                not_infrastructure={shown: KUSTOMIZE_PATCH})
        outcome.not_infrastructure.update(result.not_infrastructure)
        if fmt is None:
            if not result.not_infrastructure:
                outcome.skipped.append(str(path))
            continue
        if result.resources or result.errors or shown not in result.not_infrastructure:
            outcome.files[shown] = fmt
        outcome.errors.extend(result.errors)
        by_format.setdefault(fmt, []).extend(result.resources)
    for loader in _loaders_named({fmt for fmt, resources in by_format.items() if resources}):
        # taken out of ``by_format``: once linked, the resources as loaded are freed before normalizing
        resources = by_format.pop(loader.name, None)
        if not resources:
            continue
        link = getattr(loader, "link", None)
        if link is not None:
            try:
                linked: LoadResult = link(resources, context)
            except Exception as exc:  # each file's resources are still checked, as written, without the links
                reraise_when_debugging()
                where = _common_directory(r.origin.file for r in resources if r.origin.file)
                outcome.errors.append(ParseError(where, None, f"linking the {loader.name} files failed "
                                                              f"({describe(exc)}); their resources are checked "
                                                              "without cross-file references", loader.name))
            else:
                resources = linked.resources
                outcome.errors.extend(linked.errors)
        outcome.resources.extend(then(resources, outcome.errors) if then is not None else resources)
    return outcome
