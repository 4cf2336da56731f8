"""The k6 loader's identifier pattern."""

from __future__ import annotations


def test_identifier_pattern_matches_what_the_unicode_range_did() -> None:
    """The identifier class is written by the ASCII it excludes (fast to compile): same characters as the
    range it replaced, ``[A-Za-z_$\\u0080-\\uffff][\\w$\\u0080-\\uffff]*``, over the whole BMP."""
    import re

    from scanner.loaders.k6 import _ident

    old = re.compile(r"[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*")
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert bool(_ident().fullmatch(char)) == bool(old.fullmatch(char)), hex(code)
        assert bool(_ident().fullmatch("a" + char)) == bool(old.fullmatch("a" + char)), hex(code)
