"""Fetch Terraform module sources for ``--download-external-modules``: registry protocol, git, archives.

Only ``terraform_modules`` calls this, and only when the user asked for downloads. Sources land in a
per-user cache (``<specdrift cache>/modules``, see ``tables.cache_dir``; a temporary directory when
caching is off), one directory per source and version, so a second scan fetches nothing it has.

Registry (https://developer.hashicorp.com/terraform/internals/module-registry-protocol): service discovery
``https://<host>/.well-known/terraform.json`` -> ``modules.v1``; ``<base><ns>/<name>/<provider>/versions``;
``<base>.../<version>/download`` -> the ``X-Terraform-Get`` header (or a JSON ``location``), a go-getter
address: an archive URL (``//subdir``, ``?archive=zip``) or ``git::...``. A token for the host is read
from ``TF_TOKEN_<host>`` as terraform reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from scanner.loaders.terraform_modules import ModuleSource, VersionError, newest_matching, parse_source

TIMEOUT = 60.0
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
_META = "specdrift-module.json"


class FetchError(Exception):
    """A source that could not be fetched; the message says what failed."""


class Fetcher:
    """Fetch sources into the cache; one fetch per source and version per scan."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache or _cache_root()
        self._done: dict[tuple[str, str], str | FetchError] = {}  # failures too: one attempt per scan
        self._services: dict[str, str] = {}

    def fetch(self, source: ModuleSource, version: str | None) -> str:
        """The directory holding ``source`` (its ``//subdir`` applied); raises FetchError."""
        key = (source.raw, version or "")
        if key not in self._done:
            try:
                self._done[key] = _subdir(self._root_of(source, version), source.subdir)
            except FetchError as exc:
                self._done[key] = exc
        done = self._done[key]
        if isinstance(done, FetchError):
            raise done
        return done

    def _root_of(self, source: ModuleSource, version: str | None) -> Path:
        if source.kind == "registry":
            return self._registry(source, version)
        if source.kind in ("git", "archive"):
            return self._cached(f"{source.kind}|{source.location}|{source.ref or ''}", source.raw,
                                lambda into: _get(source, into))
        raise FetchError(f"specdrift cannot fetch {source.raw!r} (registry, git and http(s) archive sources only)")

    # --- the registry protocol ---

    def _registry(self, source: ModuleSource, constraint: str | None) -> Path:
        host, module = source.location.split("/", 1)
        try:
            base = self._modules_api(host)
            listing = _json(_request(f"{base}{module}/versions", host))
            versions = [str(v["version"]) for m in listing.get("modules", []) for v in m.get("versions", [])
                        if isinstance(v, dict) and isinstance(v.get("version"), str)]
        except FetchError:
            cached = self._newest_cached(source.location, constraint)
            if cached is None:
                raise
            return cached  # offline, but a copy that satisfies the constraint is in the cache
        try:
            chosen = newest_matching(versions, constraint)
        except VersionError as exc:
            raise FetchError(f"version constraint {constraint!r}: {exc}") from None
        if chosen is None:
            raise FetchError(f"no version of {source.location} satisfies {constraint!r} "
                             f"(available: {', '.join(versions[-8:]) or 'none'})")

        def download(into: Path) -> None:
            url = f"{base}{module}/{chosen}/download"
            response = _request(url, host, keep=True)
            location = response.headers.get("X-Terraform-Get")
            if not location and response.status == 200:
                location = _json(response.body).get("location")
            if not location:
                raise FetchError(f"{url} answered without X-Terraform-Get")
            _get_address(location, url, into)

        return self._cached(f"registry|{source.location}|{chosen}", source.location, download,
                            {"version": chosen})

    def _modules_api(self, host: str) -> str:
        if host not in self._services:
            from urllib.parse import urljoin

            discovery = f"https://{host}/.well-known/terraform.json"
            services = _json(_request(discovery, host))
            base = services.get("modules.v1")
            if not isinstance(base, str):
                raise FetchError(f"{host} offers no module registry (no modules.v1 in {discovery})")
            self._services[host] = urljoin(discovery, base if base.endswith("/") else base + "/")
        return self._services[host]

    # --- the cache ---

    def _cached(self, key: str, label: str, fill: Any, meta: dict[str, str] | None = None) -> Path:
        entry = self.cache / hashlib.sha256(key.encode()).hexdigest()[:24]
        if (entry / _META).is_file():
            return entry / "src"
        self.cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=self.cache))
        try:
            fill(work / "src")
            (work / _META).write_text(json.dumps({"source": label, **(meta or {})}))
            try:
                os.replace(work, entry)
            except OSError:  # another scan filled it meanwhile
                if not (entry / _META).is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return entry / "src"

    def _newest_cached(self, location: str, constraint: str | None) -> Path | None:
        found: dict[str, Path] = {}
        for meta in self.cache.glob(f"*/{_META}") if self.cache.is_dir() else ():
            try:
                data = json.loads(meta.read_text())
            except (OSError, ValueError):
                continue
            if data.get("source") == location and isinstance(data.get("version"), str):
                found[data["version"]] = meta.parent / "src"
        try:
            chosen = newest_matching(list(found), constraint)
        except VersionError:
            return None
        return found.get(chosen) if chosen else None


def _cache_root() -> Path:
    from scanner.tables import cache_dir

    base = cache_dir()
    if base is None:  # caching is off: this scan's downloads go when it ends
        import atexit

        temporary = tempfile.mkdtemp(prefix="specdrift-modules-")
        atexit.register(shutil.rmtree, temporary, True)
        return Path(temporary)
    return base / "modules"


def _subdir(root: Path, subdir: str) -> str:
    """``root/subdir``; a glob (``*``, as GitHub archives' top directory) must match exactly one directory."""
    if not subdir:
        return str(root)
    if any(c in subdir for c in "*?["):
        matches = [p for p in sorted(root.glob(subdir)) if p.is_dir()]
        if len(matches) != 1:
            raise FetchError(f"subdirectory {subdir!r} matches {len(matches)} directories of the download")
        return str(matches[0])
    target = (root / subdir).resolve()
    if root.resolve() not in (target, *target.parents):
        raise FetchError(f"subdirectory {subdir!r} leaves the module")
    return str(target)


# --- go-getter addresses ---

def _get_address(address: str, base_url: str, into: Path) -> None:
    """Fetch a go-getter address (an ``X-Terraform-Get`` value, relative to ``base_url``) into ``into``."""
    from urllib.parse import urljoin

    source = parse_source(address)
    if source.kind not in ("git", "archive"):
        main, _, query = address.partition("?")
        start = main.find("//", 1)  # a relative archive path with a //subdir
        path, subdir = (main[:start], main[start + 2:]) if start > 0 else (main, "")
        source = parse_source(urljoin(base_url, path) + (f"//{subdir}" if subdir else "") +
                              (f"?{query}" if query else ""))
    if source.kind not in ("git", "archive"):
        raise FetchError(f"the registry points to {address!r}, which specdrift cannot fetch")
    staging = into.parent / "package"
    _get(source, staging)
    shutil.move(_subdir(staging, source.subdir), str(into))


def _get(source: ModuleSource, into: Path) -> None:
    """The whole repository or archive of ``source`` into ``into`` (its ``//subdir`` is the caller's)."""
    if source.kind == "git":
        _clone(source, into)
    else:
        _unpack(source.location, into)


def _clone(source: ModuleSource, into: Path) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    found = shutil.which("git")
    if found is None:
        raise FetchError("git is not installed")
    # A source is untrusted text: never a transport that runs commands (``ext::``), whatever the user's config.
    git = [found, "-c", "protocol.ext.allow=never"]
    depth = ["--depth", str(source.depth or 1)]
    attempts = [[*git, "clone", "--quiet", *depth, *(["--branch", source.ref] if source.ref else []), "--",
                 source.location, str(into)]]
    if source.ref:  # a commit is not a branch or tag: clone everything, then check it out
        attempts.append([*git, "clone", "--quiet", "--", source.location, str(into)])
    error = ""
    for index, command in enumerate(attempts):
        shutil.rmtree(into, ignore_errors=True)
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
            if done.returncode == 0 and index == 1:
                done = subprocess.run([*git, "-C", str(into), "checkout", "--quiet", source.ref or "HEAD"],
                                      capture_output=True, text=True, env=env, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"git clone {source.location}: {exc}") from None
        if done.returncode == 0:
            return
        error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    raise FetchError(f"git clone {source.location}{f' at {source.ref}' if source.ref else ''}: {error}")


def _unpack(url: str, into: Path) -> None:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "archive"]
    kind = dict(parse_qsl(parts.query)).get("archive", "")
    # No registry token goes to an archive's host: terraform sends it to the registry's API only.
    response = _request(urlunsplit(parts._replace(query=urlencode(params))), "", keep=True)
    redirect = response.headers.get("X-Terraform-Get")
    if redirect:  # a plain http(s) source that names where the module really is
        _get_address(redirect, url, into)
        return
    body = response.body
    name = parts.path.lower()
    into.mkdir(parents=True)
    if kind == "zip" or name.endswith(".zip") or (not kind and body[:4] == b"PK\x03\x04"):
        _unzip(body, into)
    elif kind or name.endswith(_ARCHIVE_SUFFIXES) or body[:2] == b"\x1f\x8b":
        _untar(body, into)
    else:
        raise FetchError(f"{url} is not an archive specdrift can read (tar.gz, tgz, zip)")


_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


def _untar(body: bytes, into: Path) -> None:
    import io
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
            archive.extractall(into, filter="data")  # no paths outside ``into``, no devices, no odd modes
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FetchError(f"the archive does not unpack: {exc}") from None


def _unzip(body: bytes, into: Path) -> None:
    import io
    import zipfile

    root = into.resolve()
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.namelist():
                target = (root / member).resolve()
                if root not in (target, *target.parents):
                    raise FetchError(f"the archive's {member!r} would land outside the module")
            archive.extractall(into)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FetchError(f"the archive does not unpack: {exc}") from None


# --- HTTP ---

class _Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def _token(host: str) -> str | None:
    """``TF_TOKEN_app_terraform_io`` for ``app.terraform.io`` (dots as ``_``, dashes as ``__``), as terraform."""
    name = "TF_TOKEN_" + host.split(":", 1)[0].replace("-", "__").replace(".", "_")
    return os.environ.get(name) or None


def _tls() -> Any:
    """The TLS context: the system's authorities, or ``SSL_CERT_FILE`` (OpenSSL reads it), or else the
    ``REQUESTS_CA_BUNDLE`` that Python tools behind a corporate proxy are usually given."""
    import ssl

    bundle = os.environ.get("REQUESTS_CA_BUNDLE") if not os.environ.get("SSL_CERT_FILE") else None
    return ssl.create_default_context(cafile=bundle or None)


def _request(url: str, host: str, keep: bool = False) -> Any:
    """GET ``url`` (https verified, see ``_tls``); the body's bytes, or a response with status and headers
    when ``keep``."""
    import urllib.error
    import urllib.request

    from scanner import __version__

    headers = {"User-Agent": f"specdrift/{__version__}"}
    token = _token(host) if host and url.split("/")[2] == host else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=TIMEOUT, context=_tls()) as reply:
            body = reply.read(MAX_ARCHIVE_BYTES + 1)
            if len(body) > MAX_ARCHIVE_BYTES:
                raise FetchError(f"{url} is larger than {MAX_ARCHIVE_BYTES // 2**20} MiB")
            response = _Response(reply.status, reply.headers, body)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    return response if keep else response.body


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise FetchError(f"the registry answered with something that is not JSON: {exc}") from None
    return data if isinstance(data, dict) else {}
