"""A regular install's shipped files are known by the install (scanner/installed.py): the caches of what only they
decide (policy pack, mapping tables, plugin index) are read without listing or hashing the files, until pip installs
again; a checkout reads its files, as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner import installed, tables
from scanner.policy import pack

POLICY = """id: ME-TEST-01
requirements: [ME-TEST-01]
title: A test policy
severity: low
sources: [terraform]
applies_to:
  kinds: [sql_database]
check:
  fact: engine
  op: "=="
  value: postgres
"""


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site-packages holding a package and its distribution's record, as pip leaves them."""
    root = tmp_path / "site-packages"
    (root / "scanner").mkdir(parents=True)
    (root / "specdrift-0.1.0.dist-info").mkdir()
    (root / "specdrift-0.1.0.dist-info" / "RECORD").write_text("scanner/__init__.py,sha256=x,1\n")
    monkeypatch.setattr(installed, "PACKAGE", root / "scanner")
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPECDRIFT_NO_CACHE", raising=False)
    installed.install_stamp.cache_clear()
    yield root
    installed.install_stamp.cache_clear()


def _reinstall(site: Path) -> None:
    record = site / "specdrift-0.1.0.dist-info" / "RECORD"
    record.write_text(record.read_text() + "scanner/policies/x,sha256=y,2\n")  # pip rewrites it
    installed.install_stamp.cache_clear()


def test_a_checkout_is_no_install() -> None:
    installed.install_stamp.cache_clear()
    assert (installed.PACKAGE.parent / "pyproject.toml").is_file()  # the tests run from the checkout
    assert installed.install_stamp() is None


def test_the_stamp_names_the_record_and_changes_with_a_reinstall(site: Path) -> None:
    first = installed.install_stamp()
    assert first is not None and "RECORD" in first
    assert installed.shipped(site / "scanner" / "policies") and not installed.shipped(site)
    _reinstall(site)
    assert installed.install_stamp() != first


def test_two_records_are_no_answer(site: Path) -> None:
    (site / "specdrift-0.2.0.dist-info").mkdir()
    installed.install_stamp.cache_clear()
    assert installed.install_stamp() is None


def test_a_shipped_pack_is_not_listed_again_until_a_reinstall(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = site / "scanner" / "policies" / "test" / "ME-TEST-01"
    policies.mkdir(parents=True)
    (policies / "policy.yaml").write_text(POLICY)
    listed: list[Path] = []
    policy_files = pack.policy_files

    def listing(dirs: list[Path]) -> list[Path]:
        listed.extend(dirs)
        return policy_files(dirs)

    monkeypatch.setattr(pack, "policy_files", listing)
    shipped_dir = [site / "scanner" / "policies"]
    assert [p.id for p in pack.load_policies(shipped_dir)] == ["ME-TEST-01"]
    assert [p.id for p in pack.load_policies(shipped_dir)] == ["ME-TEST-01"]
    assert len(listed) == 1  # the second run read the install's entry
    _reinstall(site)
    (policies / "policy.yaml").write_text(POLICY.replace("postgres", "mysql"))
    [policy] = pack.load_policies(shipped_dir)
    assert len(listed) == 2 and "mysql" in repr(policy.check)


def test_a_pack_outside_the_install_is_read_at_every_run(site: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own" / "ME-TEST-01"
    own.mkdir(parents=True)
    (own / "policy.yaml").write_text(POLICY)
    pack.load_policies([tmp_path / "own"])
    (own / "policy.yaml").write_text(POLICY.replace("postgres", "mysql"))
    [policy] = pack.load_policies([tmp_path / "own"])
    assert "mysql" in repr(policy.check)


def test_a_cache_entry_is_written_only_where_caching_is_on(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_NO_CACHE", "1")
    built: list[int] = []
    assert tables.cached_shipped("shipped-test", "k", lambda: built.append(1) or 5) == 5
    assert tables.cached_shipped("shipped-test", "k", lambda: built.append(1) or 5) == 5
    assert len(built) == 2 and not (Path(os.environ["SPECDRIFT_CACHE_DIR"])).exists()
