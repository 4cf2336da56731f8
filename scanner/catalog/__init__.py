"""The requirement catalogue the policies cite (a copy of the guide's REQUIREMENTS.md, shipped as data),
and where each requirement can be seen: the sources its row names, read with the catalogue's convention
(``aws`` = CloudFormation + Terraform + the live API, ...), or ``sources.yaml`` where the row does not say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scanner.regex import lazy_compile
from scanner.tables import read_table

CATALOGUE = Path(__file__).with_name("requirements.md")
SOURCES_FILE = Path(__file__).with_name("sources.yaml")
_ROW = lazy_compile(r"^\|\s*(ME-[A-Z0-9]+-\d{2})\s*\|(.*)\|\s*$")

IAC_SOURCES = ("cloudformation", "terraform/aws", "terraform/gcp", "terraform/azure", "arm", "kubernetes")
LIVE_SOURCES = ("live/aws", "live/gcp", "live/azure", "live/kubernetes", "live/postgres", "live/redis")
# What a word of the "where it can be seen" column stands for.
_WORDS = {
    "aws": ("cloudformation", "terraform/aws", "live/aws"),
    "gcp": ("terraform/gcp", "live/gcp"),
    "azure": ("arm", "terraform/azure", "live/azure"),
    "k8s": ("kubernetes",),
    "kubernetes": ("kubernetes",),
    "cloudformation": ("cloudformation",),
    "terraform": ("terraform/aws", "terraform/gcp", "terraform/azure"),
    "arm": ("arm",),
}
_LIVE_WORDS = lazy_compile(r"\blive\s+(postgres|redis|kubernetes|aws|gcp|azure)\b")


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

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source (IaC format per cloud, live API) the requirement can be seen in."""
        return required_sources(self)

    @property
    def iac_sources(self) -> tuple[str, ...]:
        return tuple(s for s in self.sources if s in IAC_SOURCES)


def sources_in(text: str) -> tuple[str, ...]:
    """Sources a "where it can be seen" text names: its cloud / format words and ``live <system>``."""
    found: list[str] = []
    lowered = text.lower()
    for word in re.findall(r"[a-z0-9]+", lowered):
        for source in _WORDS.get(word, ()):
            if source not in found:
                found.append(source)
    for match in _LIVE_WORDS.finditer(lowered):
        source = f"live/{match.group(1)}"
        if source not in found:
            found.append(source)
    order = IAC_SOURCES + LIVE_SOURCES
    return tuple(sorted(found, key=order.index))


@cache
def _overrides() -> dict[str, dict[str, list[str]]]:
    data = read_table(SOURCES_FILE, "requirement-sources") or {}
    return {"groups": data.get("groups") or {}, "requirements": data.get("requirements") or {}}


def required_sources(requirement: Requirement) -> tuple[str, ...]:
    overrides = _overrides()
    words = overrides["requirements"].get(requirement.id) or overrides["groups"].get(requirement.group)
    if words is None:
        return sources_in(requirement.where)
    order = IAC_SOURCES + LIVE_SOURCES
    found = {s for word in words for s in ((word,) if word in order else sources_in(word))}
    return tuple(sorted(found, key=order.index))


@cache
def requirements() -> dict[str, Requirement]:
    """Requirement ID -> row, parsed from the catalogue's markdown tables."""
    found: dict[str, Requirement] = {}
    section = ""
    header: list[str] = []
    previous_where = ""
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| ID |"):
            header = [c.strip().lower() for c in line.strip("|").split("|")]
        match = _ROW.match(line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            row = dict(zip(header, cells, strict=False))
            where = row.get("where it can be seen", "")
            if where.strip().lower() == "same":  # "same" as the row above
                where = previous_where
            previous_where = where
            found[match.group(1)] = Requirement(
                id=match.group(1), text=row.get("requirement", ""), value=row.get("value", ""),
                where=where, basis=row.get("basis", ""), section=section)
    return found
