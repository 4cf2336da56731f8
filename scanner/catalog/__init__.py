"""The requirement catalogue the policies cite (a copy of the guide's REQUIREMENTS.md, shipped as data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("requirements.md")
_ROW = re.compile(r"^\|\s*(ME-[A-Z0-9]+-\d{2})\s*\|(.*)\|\s*$")


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str
    value: str
    where: str  # the "where it can be seen" column; empty for tables without it
    basis: str
    section: str

    @property
    def group(self) -> str:
        return self.id.split("-")[1]


@cache
def requirements() -> dict[str, Requirement]:
    """Requirement ID -> row, parsed from the catalogue's markdown tables."""
    found: dict[str, Requirement] = {}
    section = ""
    header: list[str] = []
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| ID |"):
            header = [c.strip().lower() for c in line.strip("|").split("|")]
        match = _ROW.match(line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            row = dict(zip(header, cells, strict=False))
            found[match.group(1)] = Requirement(
                id=match.group(1), text=row.get("requirement", ""), value=row.get("value", ""),
                where=row.get("where it can be seen", ""), basis=row.get("basis", ""), section=section)
    return found
