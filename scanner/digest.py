"""SHA-256 without importing ``hashlib``.

``hashlib`` loads OpenSSL's bindings when it is imported: 3.5 to 9 ms measured on this project's machines, paid by
every run for the few short keys a scan hashes (cache entries, finding fingerprints). CPython's own SHA-256
module, which ``hashlib`` itself falls back to without OpenSSL, imports in 0.3 ms and gives the same digests
(``tests/foundation/test_digest.py``). Where it is absent (another interpreter), ``hashlib``'s is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256 as sha256
else:
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython 3.12 and later
        except ImportError:
            from hashlib import sha256

__all__ = ["sha256"]
