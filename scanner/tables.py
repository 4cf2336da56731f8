"""Data tables: the one way specdrift reads a YAML file of data, shipped (the policy pack, the mapping
tables, the catalogues) or the user's (configuration, baselines): safe-loaded, optionally validated
against a JSON Schema, and cached on disk by content.

Why a cache: parsing the pack and the tables and validating them (importing ``jsonschema`` alone costs
about 65 ms) would cost more than a pre-commit run's own parsing, and they rarely change between runs.
The parsed data is kept in ``$SPECDRIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/specdrift``, else
``~/.cache/specdrift``; a warm run reads JSON and never imports PyYAML.

Safe when a file changes: the key hashes the specdrift version, the kind of table, the schema and each
file's path and bytes, so any edit is a miss; what is stored is the file's whole data, so no code change
can leave an entry of an old shape. Only data that parsed and validated is written, as JSON (never
pickle: loading a cache must not be able to run code); YAML values plain JSON cannot hold (mapping keys
that are not strings, dates) are tagged so they come back as they were. ``SPECDRIFT_NO_CACHE=1`` turns the
cache off; an unwritable, corrupt or wrongly shaped cache entry is ignored, and so is one whose documents do not
hash (with the entry's key) to the hash in its header: an entry changed after it was written, or copied under
another key, is rebuilt rather than trusted. (The hash guards against corruption and naive edits, not against
whoever can write the cache directory and recompute it: a cache restored from an untrusted job must not be
shared with a trusted one; see docs/reliability.md.)

This module sits at the bottom of the layers (it imports nothing of specdrift but its version), so
every package may read its tables through it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.digest import sha256

FORMAT = 4  # bump when what is stored changes shape
_ITEMS, _DATE, _DATETIME = "\x00items", "\x00date", "\x00datetime"  # tags of values JSON cannot hold
_TAGS = (_ITEMS, _DATE, _DATETIME)


class TableError(Exception):
    """A table that cannot be read, is not YAML, or does not validate (callers pass their own type)."""


def cache_dir() -> Path | None:
    """Where specdrift keeps caches; None when caching is off."""
    if os.environ.get("SPECDRIFT_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("SPECDRIFT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "specdrift"


def read_table(path: Path, kind: str | None, *, schema: Path | None = None,
               error: Callable[[str], Exception] = TableError) -> Any:
    """The data of one YAML file (None when empty), from the cache when the file did not change.

    ``kind`` names the cache entry (one per kind and content); None reads without the cache, for a
    file a command reads once and no scan reads (a policy's ``expected.yaml``).

    ``schema``: a JSON Schema the data must satisfy. ``error(message)``: what is raised for a file that
    cannot be read, is not YAML or does not validate (the caller's error type); the message names the
    file, and for a schema error has one line per error, each with the line in the file and the path.
    """
    return read_tables(kind, [path], schema=schema, error=error)[0]


def read_tables(kind: str | None, paths: Sequence[Path], *, schema: Path | bytes | None = None,
                error: Callable[[str], Exception] = TableError) -> list[Any]:
    """``read_table`` of each of ``paths``, kept as one cache entry (a file that fails is never cached,
    so its error repeats on every run until it is fixed). ``schema`` may be the schema's text itself (the
    policy schema with external check functions added)."""
    try:
        contents = [path.read_bytes() for path in paths]
        schema_bytes = schema if isinstance(schema, bytes) else schema.read_bytes() if schema is not None else b""
    except OSError as exc:
        raise error(f"{exc.filename}: {exc.strerror or exc}") from None
    entry = _entry(kind, paths, contents, schema_bytes) if kind is not None else None
    if entry is not None:
        cached = _read(entry, len(paths), (dict, list, type(None)))
        if cached is not None:
            return cached
    values, problems = [], []
    for path, raw in zip(paths, contents, strict=True):
        data = _parse(path, raw, error)
        if schema is not None:  # every file's every error, then one exception that lists them
            problems += _problems(data, path, raw, schema_bytes)
        values.append(data)
    if problems:
        raise error("\n".join(problems))
    if entry is not None:
        _write(entry, values)
    return values


def cached_value(kind: str, files: Sequence[Path], build: Callable[[list[bytes]], Any], *,
                 installed: bool = False) -> Any:
    """``build(contents of files)``, from the cache when no file changed: one value derived from several files;
    on a hit the contents are not read again. ``installed``: the files are a package's data, which only an
    install changes: known by size, modification time and inode, not read at all (the Kubernetes definitions,
    1.8 MB, were read and hashed for every kind's schema)."""
    stamps = [_file_stamp(path) if installed else _file_digest(path) for path in files]
    return _kept(_entry(kind, files, stamps, hashed=True), lambda: build([path.read_bytes() for path in files]))


def cached_shipped(kind: str, key: str, build: Callable[[], Any]) -> Any:
    """``build()``, from the cache when this install has stored it under ``key`` (``scanner.installed``: what
    only the installed package's own files decide, kept until pip installs it again)."""
    directory = cache_dir()
    digest = sha256(f"specdrift {__version__} {kind}-cache {FORMAT}\0{key}".encode()).hexdigest()[:40]
    return _kept(directory / f"{kind}-{digest}.json" if directory is not None else None, build)


def _kept(entry: Path | None, build: Callable[[], Any]) -> Any:
    """The one value of the cache entry; else ``build()``, stored there (nothing stored when caching is off)."""
    if entry is None:
        return build()
    cached = _read(entry, 1, (object,))
    if cached is not None:
        return cached[0]
    value = build()
    _write(entry, [value])
    return value


def _file_stamp(path: Path) -> bytes:
    status = path.stat()
    return f"stamp {status.st_size} {status.st_mtime_ns} {status.st_ino}".encode()


def _file_digest(path: Path) -> bytes:
    return sha256(path.read_bytes()).digest()


def _parse(path: Path, raw: bytes, error: Callable[[str], Exception]) -> Any:
    import yaml  # only when a file changed: a cache hit is JSON

    try:
        text = raw.decode("utf-8-sig")
        safe = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        if "*" not in text:  # no alias: nothing can expand
            return yaml.load(text, Loader=safe)
        loader = safe(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            check_aliases(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"{path}: {exc}") from None


# An alias shares its anchor's value, so the bomb costs nothing to load: it explodes in whatever walks the data
# (a secret search, a JSON dump of the cache, a mapping), 6 GB and 35 s for 423 bytes. Aliases may add this many
# nodes, or ten times the document's own, whichever is more (SnakeYAML and Go's yaml.v3 refuse similarly).
ALIAS_NODES = 10_000
ALIAS_RATIO = 10


def check_aliases(root: Any) -> None:
    """Raise a YAML ``ConstructorError`` (at the first alias) when the composed node ``root`` would expand, aliases
    followed, to more nodes than the budget above; linear in the distinct nodes, without recursion."""
    import yaml

    if not _shares_a_collection(root, yaml.MappingNode):
        return  # without a collection reached twice, the expansion is the document's own size
    expanded: dict[int, int] = {}  # node id -> nodes it expands to
    distinct = 0
    first_alias: Any = None
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in expanded and not children_done:
            first_alias = first_alias or node  # reached again: an alias (or a merge) of a node already counted
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [item for pair in node.value for item in pair] if isinstance(node, yaml.MappingNode) else []
        if not children_done:
            expanded[key] = 1
            distinct += 1
            stack.append((node, True))
            stack.extend((child, False) for child in children)
            continue
        expanded[key] = 1 + sum(expanded.get(id(child), 1) for child in children)
    total = expanded[id(root)]
    if total - distinct > max(ALIAS_NODES, ALIAS_RATIO * distinct):
        mark = (first_alias or root).start_mark
        raise yaml.constructor.ConstructorError(
            None, None, f"aliases expand {distinct} nodes to {total}: refused (an alias bomb?); at most "
                        f"{max(ALIAS_NODES, ALIAS_RATIO * distinct)} more nodes may come from aliases", mark)


def _shares_a_collection(root: Any, mapping: type) -> bool:
    """Whether a sequence or mapping node is reached twice (by an alias or a merge): only then can aliases
    expand a document beyond its own size. One pass over the collections; most texts with an ``&`` stop here."""
    seen: set[int] = set()
    stack = [root]
    pop, push, chain = stack.pop, stack.extend, itertools.chain.from_iterable
    while stack:
        node = pop()
        value = node.value
        if value.__class__ is list:  # a sequence's or a mapping's children; a scalar's value is a str
            key = id(node)
            if key in seen:
                return True
            seen.add(key)
            push(chain(value) if isinstance(node, mapping) else value)
    return False


@cache
def _validator(schema: bytes) -> Any:
    import jsonschema

    document = json.loads(schema)
    return jsonschema.validators.validator_for(document, default=jsonschema.Draft202012Validator)(document)


def validate(data: Any, schema: Path, where: str, error: Callable[[str], Exception] = TableError) -> None:
    """Data already in hand (no file to point into) against a JSON Schema: ``error("where: location: why")``."""
    problems = _problems(data, where, None, schema.read_bytes())
    if problems:
        raise error("\n".join(problems))


def _problems(data: Any, where: object, raw: bytes | None, schema: bytes) -> list[str]:
    """Every error of ``data``, one line each (``where:line: location: why``, the line when the YAML text is
    known), in the order of the data: a person fixing a file sees all that is wrong with it at once."""
    reasons = [reason for found in _validator(schema).iter_errors(data) for reason in _reasons(found)]
    if not reasons:
        return []
    root = _composed(raw) if raw is not None else None
    out: list[str] = []
    for steps, message in sorted(reasons, key=lambda r: [str(s) for s in r[0]]):
        location = "/".join(str(p) for p in steps) or "(top)"
        line = f":{_line_in(root, steps)}" if raw is not None else ""
        text = f"{where}{line}: {location}: {message}"
        if text not in out:
            out.append(text)
    return out


_LONG_ENUM = 12  # an enum longer than this is named, not listed, in a message (the generated fact list is ~500)


def _reasons(error: Any) -> list[tuple[list[Any], str]]:
    """(path, message) of what is wrong, for a person: jsonschema's "is not valid under any of the given schemas"
    replaced by the errors of the alternative the value was meant to be (the one with the fewest errors at the
    value itself, a check with a ``fact`` key being a fact check), and a name a long enum does not know by its
    closest known names."""
    steps = list(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)

        def at_value(errors: list[Any]) -> int:
            return sum(1 for e in errors if len(e.absolute_path) <= len(steps))

        fewest = min(at_value(errors) for errors in branches.values())
        meant = [errors for errors in branches.values() if at_value(errors) == fewest]
        if len(meant) == 1 or fewest == 0:
            return [reason for errors in meant for sub in errors for reason in _reasons(sub)]
        unknown = [sub for sub in error.context if sub.validator == "enum"]  # a name no alternative accepts
        if unknown:
            return _reasons(unknown[0])
    if error.validator == "enum":
        return [(steps, _unknown_name(error.instance, [str(v) for v in error.validator_value], steps, error.message))]
    return [(steps, error.message)]


def _unknown_name(value: Any, known: list[str], steps: list[Any], message: str) -> str:
    import difflib

    key = next((str(s) for s in reversed(steps) if isinstance(s, str)), "value")
    noun = key[:-1] if key.endswith("s") else key  # kinds: a kind
    text = f"{value!r} is not a known {noun}" if len(known) > _LONG_ENUM else message
    close = difflib.get_close_matches(str(value), known, n=3)
    return text + ("; did you mean " + " or ".join(f"`{c}`" for c in close) + "?" if close else "")


def line_of(path: Path, steps: Sequence[Any]) -> int:
    """The line (1-based) of the value at ``steps`` (keys and indexes) in the YAML file at ``path``: for an error
    about a value the data no longer says where it was (1 when the file cannot be read again)."""
    import yaml

    try:
        return _line_in(_composed(path.read_bytes()), steps)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 1


def _composed(raw: bytes) -> Any:
    import yaml

    return yaml.compose(raw.decode("utf-8-sig"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _line_in(node: Any, steps: Sequence[Any]) -> int:
    import yaml

    if node is None:
        return 1
    for step in steps:
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if getattr(key, "value", None) == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        else:
            child = None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _entry(kind: str, files: Sequence[Path], contents: Sequence[bytes], extra_key: bytes = b"",
           hashed: bool = False) -> Path | None:
    """The cache file for this content of ``files`` (None when caching is off); ``hashed``: ``contents`` are
    the files' SHA-256 digests already."""
    directory = cache_dir()
    if directory is None:
        return None
    digest = sha256(f"specdrift {__version__} {kind}-cache {FORMAT}\0".encode())
    digest.update(sha256(extra_key).digest())
    for path, data in zip(files, contents, strict=True):
        digest.update(os.fsencode(path.resolve()) + b"\0" + (data if hashed else sha256(data).digest()))
    return directory / f"{kind}-{digest.hexdigest()[:40]}.json"


def _read(entry: Path, expected: int, shapes: tuple[type, ...]) -> list[Any] | None:
    """The values of a cache entry; None (a miss) when it is missing, corrupt, not of the expected shape, or its
    documents do not hash to what its header says (changed after writing, or copied from another key)."""
    try:
        header_text, documents_text = entry.read_bytes().split(b"\n", 1)
        header = json.loads(header_text)
        if not isinstance(header, dict) or header.get("format") != FORMAT \
                or header.get("sha256") != _digest(entry, documents_text):
            return None
        # Tagged values are rare (a YAML date, a non-string key): without one, no Python call per object.
        tagged = b"\\u0000" in documents_text
        values = json.loads(documents_text, object_hook=_untag) if tagged else json.loads(documents_text)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != expected or not all(isinstance(v, shapes) for v in values):
        return None
    return values


def _digest(entry: Path, documents: bytes) -> str:
    """The hash an entry's header holds: of its key (the file name) and its documents' text."""
    return sha256(entry.name.encode() + b"\0" + documents).hexdigest()


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if _ITEMS in obj:
            return {key: value for key, value in obj[_ITEMS]}
        if _DATE in obj:
            return dt.date.fromisoformat(obj[_DATE])
        if _DATETIME in obj:
            return dt.datetime.fromisoformat(obj[_DATETIME])
    return obj


def _tag(value: Any) -> Any:
    """``value`` with what JSON cannot hold tagged (TypeError for what cannot be tagged either)."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not (len(value) == 1 and next(iter(value)) in _TAGS):
            return {k: _tag(v) for k, v in value.items()}
        return {_ITEMS: [[_tag(k), _tag(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_tag(item) for item in value]
    if isinstance(value, dt.datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _encoded(values: list[Any]) -> str | None:
    """The text of the documents of a cache entry that reads back as ``values``: plain JSON when it does, else
    tagged; None when neither does (a set or bytes; a key 1 beside a key 1.0)."""
    for tagged in (False, True):
        try:
            text = json.dumps(_tag(values) if tagged else values)
            if json.loads(text, object_hook=_untag) == values:
                return text
        except (TypeError, ValueError):
            continue
    return None


def _write(entry: Path, values: list[Any]) -> None:
    documents = _encoded(values)
    if documents is None:
        return
    body = documents.encode()
    # One line of header, then the documents: the hash is checked over their bytes as written, unparsed.
    header = json.dumps({"format": FORMAT, "version": __version__, "sha256": _digest(entry, body)})
    text = header + "\n" + documents
    import tempfile  # only when writing: a cache hit never pays for it

    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=entry.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, entry)  # atomic: a concurrent run reads the old file or the new one, never half
    except OSError:
        return
    _prune(entry)


def _prune(keep: Path, limit: int = 8) -> None:
    """Keep the newest few entries of this kind (each edit makes a new one)."""
    try:
        kind = keep.name.rsplit("-", 1)[0]
        entries = sorted(keep.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[limit:]:
            if old != keep:
                old.unlink()
    except OSError:
        pass
