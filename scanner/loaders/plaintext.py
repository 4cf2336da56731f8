"""Configuration files no other loader reads (.env, .ini, .properties, .tfvars, ...): scanned for secrets only.

Every other loader's files are scanned for secrets too (``scanner.loaders.secrets``, called for each
file); this loader, claiming last, brings the files where credentials usually hide and that
no structural loader understands. It claims such a file only when it holds a credential-like
setting, so a harmless unknown file (a Helm ``values.yaml``) is still skipped, not reported.
"""

from __future__ import annotations

from pathlib import Path

from scanner.loaders import loader
from scanner.loaders.base import LoadResult
from scanner.loaders.secrets import credential_resources, detect

NAME = "plaintext"
_SUFFIXES = {".env", ".ini", ".cfg", ".conf", ".cnf", ".properties", ".toml", ".tfvars", ".yaml", ".yml", ".json",
             ".npmrc", ".pypirc", ".netrc", ".pgpass", ".htpasswd", ".pem", ".key"}
_NAMES = {".env", "credentials", ".npmrc", ".pypirc", ".netrc", ".pgpass", ".git-credentials", "id_rsa", "id_ecdsa",
          "id_ed25519"}


@loader("plaintext", order=99)
class PlaintextLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        name = path.name.lower()
        named = name in _NAMES or name.startswith(".env.") or path.suffix.lower() in _SUFFIXES
        return named and bool(detect(head))

    def load(self, path: str, text: str) -> LoadResult:
        return LoadResult(resources=credential_resources(path, text, NAME))
