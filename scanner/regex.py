"""Regular expressions compiled at their first use, not at import.

A module-level ``re.compile`` runs at every import of its module: about 150 of them ran in a pre-commit scan of
one ``.tf`` file (11 ms of a 150 ms run), and 104 of those were never used by it (docs/performance.md, issue 18).
``lazy_compile`` returns a stand-in that compiles on the first attribute it is asked for, then keeps the
compiled pattern's methods and attributes as its own: later calls find them directly, as fast as on the pattern.
The compiling itself is ``scanner.bytecode.pattern``: a pattern compiled by an earlier run comes from its kept
program.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast, overload

from scanner.bytecode import pattern as _kept

# What the stand-in takes over from the compiled pattern at its first use.
_TAKEN = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner", "pattern",
          "flags", "groups", "groupindex")


class _Lazy:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for names not set yet: the first use
        if name.startswith("__") or name == "_source":  # copy, pickle and the like probe before __init__ ran
            raise AttributeError(name)
        compiled: Any = _kept(*self._source)
        for taken in _TAKEN:
            setattr(self, taken, getattr(compiled, taken))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r})"


@overload
def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]: ...
@overload
def lazy_compile(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...
def lazy_compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, done when the pattern is first used. Not for ``re.sub(p, ...)`` and the
    like, which want a real pattern: call the stand-in's own methods."""
    return cast("re.Pattern[AnyStr]", _Lazy(pattern, flags))


@overload
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]: ...
@overload
def compiled(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...
def compiled(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)`` now, from the program an earlier run kept when there is one (for patterns
    known only at run time, such as a policy's)."""
    return _kept(pattern, flags)
