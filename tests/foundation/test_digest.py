"""SHA-256 without hashlib's import (scanner/digest.py): the same digests, and a scan's common modules do not
import hashlib (which loads OpenSSL's bindings)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from scanner.digest import sha256


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 4099, "é\x1fkey".encode()])
def test_the_same_digests_as_hashlib(data: bytes) -> None:
    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    incremental = sha256()
    incremental.update(data[:7])
    incremental.update(data[7:])
    assert incremental.digest() == hashlib.sha256(data).digest()


def test_a_scans_common_modules_do_not_import_hashlib() -> None:
    modules = ["scanner.cli.scan", "scanner.model", "scanner.tables", "scanner.policy.pack", "scanner.policy.engine",
               "scanner.policy.functions", "scanner.loaders.parse_cache", "scanner.loaders.hcl_functions",
               "scanner.loaders.terraform", "scanner.mappings"]
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\nprint('hashlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
