"""Golden files: every reporter's output on the shared findings (tests/findings_fixture.py), kept in
tests/reporters/golden/ and reviewed as diffs when a reporter changes.

    python3 -m tests.reporters.golden --update     # write them again, then read ``git diff``

What differs from machine to machine (the checkout's path in SARIF, the package version) is replaced by a
fixed word, so the files are the same everywhere.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner import __version__
from scanner.model import Severity
from scanner.reporters import REPORTERS
from scanner.reporters.text import TextReporter
from tests.findings_fixture import sample_report

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent.parent
FAIL_ON = Severity.INFO


def _registered(name: str) -> Callable[[], str]:
    return lambda: REPORTERS[name].render(sample_report(), FAIL_ON, False)


def _text(**options: object) -> Callable[[], str]:
    return lambda: TextReporter(**options).render(sample_report(), FAIL_ON, False)  # type: ignore[arg-type]


# golden file -> how its text is made
CASES: dict[str, Callable[[], str]] = {
    "text-80.txt": _text(width=80),
    "text-160.txt": _text(width=160),
    "text-80-passing.txt": _text(width=80, show_passing=True),
    "text-80-quiet.txt": _text(width=80, quiet=True),
    "text-compact.txt": _text(width=80, compact=True),
    "report.json": _registered("json"),
    "report.sarif": _registered("sarif"),
    "report.junit.xml": _registered("junit"),
    "report.gitlab.json": _registered("gitlab"),
    "report.md": _registered("markdown"),
    "report.github.txt": _registered("github"),
    "report.html": _registered("html"),
}
_VERSION = re.compile(r'("(?:version|semanticVersion)": )"' + re.escape(__version__) + '"')


@contextmanager
def _at_root() -> Iterator[None]:
    """Reporters that locate files (SARIF) do so from the working directory: the checkout's root."""
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def rendered(name: str) -> str:
    """The golden file's text as the reporters make it now, machine-specific parts replaced."""
    with _at_root():
        text = CASES[name]()
    text = text.replace(ROOT.as_uri(), "file:///CHECKOUT")
    return _VERSION.sub(r'\1"VERSION"', text).replace(f"<footer>specdrift {__version__} ", "<footer>specdrift VERSION ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.reporters.golden", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="write the golden files (default: compare)")
    args = parser.parse_args(argv)
    stale = []
    for name in CASES:
        path, text = GOLDEN / name, rendered(name)
        if args.update:
            path.write_text(text, encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    for name in stale:
        print(f"differs: {GOLDEN / name}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
