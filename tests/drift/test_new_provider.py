"""Adding a cloud is one collector module and one table: a fake provider, registered here with a table of its
own, pairs, drifts, offers fixes and goes unmanaged/missing through the generic drift path, without a line of
scanner/drift/ knowing it."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import scanner.mappings
from scanner.collectors import COLLECTORS
from scanner.collectors.collection import Collection, Gap
from scanner.drift.report import build
from scanner.mappings import normalize
from scanner.model import Origin, Resource
from scanner.policy.pack import load_policies

TABLE = """
types:
  fakecloud_database:
    format: terraform
    kinds: [sql_database]
    facts:
      name: {path: name}
      backup_retention: {path: backup_retention_days, unit: d}
  fake.Database:
    format: fake-api
    kinds: [sql_database]
    facts:
      name: {path: name}
      backup_retention: {path: retention.days, unit: d}
identity:
  provider: fake
  format: fake-api
  cli_format: fake-cli
  tags: [labels]
  name_tag: display-name
  drift_fixes:
    missing:
      "*": {format: shell, command: "terraform apply -target={address}", description: create it again}
    delete:
      "*": {format: text, command: "fake db delete {id}", description: it runs outside the IaC}
    adopt:
      terraform: {format: shell, command: "terraform import {declared_type}.NAME {id}", description: adopt it}
  types:
    fake.Database:
      keys: [id, name]
      cli: name
      names: {terraform: [name]}
      declared: {terraform: [fakecloud_database]}
cli:
  fake.Database:
    backup_retention: fake db update {id} --retention-days {value}
"""


class FakeCollector:
    """The whole collector of the fake cloud: what it read, and the database it made by itself."""

    name = "fake"
    description = "read the fake cloud"

    def add_arguments(self, parser: Any) -> None: ...

    def options(self, args: Any) -> None: ...

    def collect(self, options: Any) -> Collection:
        def db(name: str, days: int, **extra: Any) -> Resource:
            return Resource("fake", "fake.Database", f"fake://db/{name}", Origin(account="p1", region="r1",
                                                                               api="db.list"),
                            {"id": f"db-{name}", "name": name, "retention": {"days": days}, **extra},
                            format="fake-api", source="live")

        return Collection("fake", [db("orders", 3), db("stray", 30), db("system", 1, builtin=True)],
                          [Gap("fake", "cache", "cache.list", "403 Forbidden", "r1", ("fake.Cache",),
                               "access_denied")], account="p1", regions=("r1",))

    def resource_types(self) -> tuple[str, ...]:
        return ("fake.Database",)

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        return frozenset(r.address for r in live if r.attributes.get("builtin"))


def _clear_table_caches() -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("scanner.mappings") and module is not None:
            for value in vars(module).values():
                if isinstance(value, functools._lru_cache_wrapper):
                    value.cache_clear()


@pytest.fixture
def fake_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    tables = tmp_path / "tables"
    shutil.copytree(scanner.mappings.TABLE_DIR, tables, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tables / "fake_live.yaml").write_text(TABLE)
    monkeypatch.setattr(scanner.mappings, "TABLE_DIR", tables)
    monkeypatch.setitem(COLLECTORS.loaded, "fake", FakeCollector())
    _clear_table_caches()
    yield
    monkeypatch.undo()
    _clear_table_caches()


def _declared(name: str, days: int) -> Resource:
    return normalize(Resource("fake", "fakecloud_database", f"fakecloud_database.{name}", Origin("main.tf", 3),
                              {"name": name, "backup_retention_days": days}, format="terraform"))


def test_a_new_cloud_pairs_drifts_and_fixes_through_the_generic_path(fake_cloud: None) -> None:
    collection = COLLECTORS["fake"].collect(None)
    report = build([_declared("orders", 30), _declared("gone", 30)], collection, load_policies())
    by_status = {(i.status, (i.pair.declared or i.pair.live).address if (i.pair.declared or i.pair.live) else
                  i.pair.type): i for i in report.items}
    changed = by_status[("changed", "fakecloud_database.orders")]
    assert changed.pair.matched_by == "name orders" and changed.pair.live is not None
    [diff] = [d for d in changed.differences if d.fact == "backup_retention"]
    assert (str(diff.declared), str(diff.live), diff.status) == ("30d", "3d", "changed")
    assert [(f.format, f.snippet) for f in changed.fixes if f.direction == "cloud"] == [
        ("fake-cli", "fake db update orders --retention-days 30")]
    # the live value violates the retention policy, so taking it into the IaC is not offered
    assert any(r.live is not None and r.live.verdict == "violates" for r in changed.requirements)
    assert not any(f.direction == "iac" and f.fact == "backup_retention" for f in changed.fixes)
    missing = by_status[("missing", "fakecloud_database.gone")]
    assert [f.snippet for f in missing.fixes] == ["terraform apply -target=fakecloud_database.gone"]
    stray = by_status[("unmanaged", "fake://db/stray")]
    assert [f.snippet for f in stray.fixes] == ["fake db delete stray",
                                                "terraform import fakecloud_database.NAME stray"]
    assert ("unmanaged", "fake://db/system") not in by_status  # the provider made it: nobody declares it
    assert report.failing(next(iter(report.policies)).severity)  # drift fails the gate, as for AWS


def test_the_drift_package_names_no_provider() -> None:
    drift = Path(scanner.mappings.__file__).parents[1] / "drift"
    for path in sorted(drift.glob("*.py")):
        text = path.read_text()
        for word in ('"aws"', "aws-api", "AWS::", "cloudformation:", "gcp", "azure"):
            assert word not in text, (path.name, word)
