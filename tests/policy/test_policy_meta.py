"""Meta-tests over the pack: schema-valid, unique IDs, known requirements, parameters used."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from scanner.catalog import CATALOGUE, requirements
from scanner.policy.pack import SCHEMA_PATH, PolicyError, load_policies, parse_policy
from tests.conftest import POLICIES, ROOT

ALL = load_policies([POLICIES])


def test_policy_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text()))


def test_ids_unique_and_well_formed() -> None:
    ids = [p.id for p in ALL]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"ME-[A-Z0-9]+-\d{2}[A-Z0-9-]*", i) for i in ids), ids


def test_every_policy_cites_known_requirements() -> None:
    known = requirements()
    for policy in ALL:
        for rid in policy.requirements:
            assert rid in known, f"{policy.id} cites unknown requirement {rid}"


def test_every_declared_parameter_is_used() -> None:
    for policy in ALL:
        text = Path(policy.path).read_text()
        for name in policy.parameters:
            assert re.search(rf"param:\s*{name}\b|\{{{name}\}}", text), f"{policy.id}: parameter {name} unused"


def test_catalogue_copy_matches_shared_when_present() -> None:
    shared = ROOT.parent / "shared" / "REQUIREMENTS.md"
    if not shared.exists():
        pytest.skip("../shared/REQUIREMENTS.md is not beside this checkout")
    assert CATALOGUE.read_text() == shared.read_text(), "scanner/catalog/requirements.md drifted from shared/"


def test_invalid_policy_is_rejected_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "x" / "policy.yaml"
    bad.parent.mkdir()
    bad.write_text("id: ME-DB-02\nrequirements: [ME-DB-02]\ntitle: broken policy\nseverity: extreme\n"
                   "applies_to: {kinds: [sql_database]}\ncheck: {fact: backup_retention, op: '=='}\n")
    with pytest.raises(PolicyError, match="severity"):
        parse_policy(bad)


def test_duplicate_ids_rejected(tmp_path: Path) -> None:
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        d.joinpath("policy.yaml").write_text(Path(ALL[0].path).read_text())
    with pytest.raises(PolicyError, match="duplicate"):
        load_policies([tmp_path])
