"""On-disk cache of the validated policy pack, keyed by the content of every file it depends on.

Reading the pack means parsing every ``policy.yaml`` and validating it against the JSON
Schema; importing ``jsonschema`` alone costs about 65 ms, more than a pre-commit run's
parsing. The pack rarely changes between runs, so the validated YAML data is kept in
``$SPECDRIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/specdrift``, else ``~/.cache/specdrift``.

Safe when the pack changes: the key hashes the specdrift version, the schema, and each
policy file's path and bytes, so any edit (or an added or removed policy) is a miss and
the pack is validated again. Only data that validated is ever written, as JSON (never
pickle: loading a cache must not be able to run code). ``SPECDRIFT_NO_CACHE=1`` turns
the cache off; an unwritable or corrupt cache is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scanner import __version__

FORMAT = 2  # bump when what is stored changes shape


def cache_dir() -> Path | None:
    """Where specdrift keeps caches; None when caching is off."""
    if os.environ.get("SPECDRIFT_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("SPECDRIFT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "specdrift"


def validated_pack(files: Sequence[Path], schema: Path,
                   validate: Callable[[Path, bytes], Any]) -> list[Any]:
    """The data of each policy file, validated by ``validate(path, bytes)`` unless cached.

    ``validate`` raises on an invalid file; nothing is cached then, so the error repeats on
    every run until the file is fixed. The schema is part of the key: a schema change revalidates.
    """
    return cached_documents("policies", files, validate, extra_key=schema.read_bytes())


def cached_documents(kind: str, files: Sequence[Path], parse: Callable[[Path, bytes], Any],
                     extra_key: bytes = b"") -> list[Any]:
    """``parse(path, bytes)`` of each file, from the cache when no file (nor ``extra_key``) changed.

    Used for data the scanner reads on every run (the policy pack, the mapping tables), so a
    pre-commit run does not parse and validate the same YAML again.
    """
    contents = [path.read_bytes() for path in files]
    entry = _entry(kind, files, contents, extra_key)
    if entry is None:
        return [parse(path, data) for path, data in zip(files, contents, strict=True)]
    cached = _read(entry, len(files))
    if cached is not None:
        return cached
    values = [parse(path, data) for path, data in zip(files, contents, strict=True)]
    _write(entry, values)
    return values


def cached_value(kind: str, files: Sequence[Path], build: Callable[[list[bytes]], Any]) -> Any:
    """``build(contents of files)``, from the cache when no file changed: one value derived from several files."""
    contents = [path.read_bytes() for path in files]
    entry = _entry(kind, files, contents)
    if entry is None:
        return build(contents)
    cached = _read(entry, 1)
    if cached is not None:
        return cached[0]
    value = build(contents)
    _write(entry, [value])
    return value


def _entry(kind: str, files: Sequence[Path], contents: Sequence[bytes], extra_key: bytes = b"") -> Path | None:
    """The cache file for this content of ``files`` (None when caching is off)."""
    directory = cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha256(f"specdrift {__version__} {kind}-cache {FORMAT}\0".encode())
    digest.update(hashlib.sha256(extra_key).digest())
    for path, data in zip(files, contents, strict=True):
        digest.update(os.fsencode(path.resolve()) + b"\0" + hashlib.sha256(data).digest())
    return directory / f"{kind}-{digest.hexdigest()[:40]}.json"


def cached_yaml(kind: str, path: Path) -> Any:
    """A shipped YAML data file (safe-loaded), from the cache when unchanged: for tables read on every run."""
    def parse(_: Path, raw: bytes) -> Any:
        import yaml  # only when the file changed: a hit is JSON

        return yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    return cached_documents(kind, [path], parse)[0]


def _read(entry: Path, expected: int) -> list[Any] | None:
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return None
    values = stored.get("documents")
    if not isinstance(values, list) or len(values) != expected:
        return None
    return values


def _write(entry: Path, values: list[Any]) -> None:
    try:
        text = json.dumps({"format": FORMAT, "version": __version__, "documents": values})
    except (TypeError, ValueError):  # YAML gave a value JSON cannot hold (a date): just don't cache
        return
    if json.loads(text)["documents"] != values:  # e.g. integer mapping keys would come back as strings
        return
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
