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


def test_a_digit_that_is_not_ascii_is_no_number_and_no_crash() -> None:
    """'²' is a digit to str.isdigit, not to JavaScript (found by tests/loaders/test_properties.py)."""
    from scanner.loaders.k6 import tokenize

    tokens = tokenize("\u00b2import http from 'k6/http';\nconst x = 1.5 + .5;\n")
    assert [t.text for t in tokens if t.kind == "number"] == ["1.5", ".5"]
    assert "\u00b2" in tokens[0].text
