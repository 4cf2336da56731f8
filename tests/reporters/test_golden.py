"""Every reporter against its golden file (tests/reporters/golden/); ``python3 -m tests.reporters.golden
--update`` writes them again after a deliberate change, to be reviewed as a diff."""

from __future__ import annotations

import pytest

from scanner.reporters import REPORTERS
from scanner.reporters.text import cell_width
from tests.reporters.golden import CASES, GOLDEN, rendered


@pytest.mark.parametrize("name", sorted(CASES))
def test_reporter_output_matches_its_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert rendered(name) == expected, f"{name} changed: run `python3 -m tests.reporters.golden --update` " \
                                       f"and review the diff"


def test_every_format_has_a_golden_file() -> None:
    covered = {name.split(".")[1] if name.startswith("report.") else name.split("-")[0] for name in CASES}
    assert {"json", "sarif", "junit", "gitlab", "md", "github", "text", "html"} <= covered
    assert len(REPORTERS.names()) == 8


@pytest.mark.parametrize("name", ["text-80.txt", "text-80-passing.txt", "text-80-quiet.txt"])
def test_text_at_80_columns_fits_outside_code(name: str) -> None:
    lines = (GOLDEN / name).read_text(encoding="utf-8").splitlines()
    assert all(cell_width(line) <= 80 for line in lines), [line for line in lines if cell_width(line) > 80]
