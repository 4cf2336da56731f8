"""The mapping tables: well-formed, merged across domain files, defaults and remediation from data."""

from __future__ import annotations

from scanner.mappings import TRANSFORMS, mapping_for, tables
from scanner.mappings.remediation import render
from scanner.model import Origin, Resource


def test_every_named_transform_exists() -> None:
    TRANSFORMS.import_all()
    for entries in tables().values():
        for entry in entries:
            for spec in entry.facts.values():
                for name in (spec.transform, spec.compute):
                    assert name is None or name in TRANSFORMS.loaded, f"{entry.type}.{spec.name}: no transform {name}"


def test_defaults_apply_when_attribute_absent() -> None:
    from scanner.mappings import normalize

    r = normalize(Resource("aws", "aws_rds_cluster", "aws_rds_cluster.x", Origin("m.tf", 1), {}, format="terraform"))
    assert r.facts["backup_retention"].text == "1d"
    assert "sql_database" in r.kinds


def test_remediation_per_format() -> None:
    tf = Resource("gcp", "google_sql_database_instance", "google_sql_database_instance.pg", Origin("m.tf", 1), {},
                  format="terraform")
    snippet = render(tf, "publicly_accessible", False)
    assert snippet is not None
    assert snippet.snippet.splitlines() == [
        'resource "google_sql_database_instance" "pg" {', "  settings {", "    ip_configuration {",
        "      ipv4_enabled = false", "    }", "  }", "}"]
    cfn = Resource("aws", "AWS::RDS::DBCluster", "Db", Origin("t.yaml", 1), {}, format="cloudformation")
    fix = render(cfn, "backup_retention", "30d")
    assert fix is not None and fix.snippet == "Db:\n  Properties:\n    BackupRetentionPeriod: 30"


def test_mapping_for_respects_format() -> None:
    live = Resource("aws", "aws_rds_cluster", "x", Origin(api="rds"), {}, format="something-else")
    assert mapping_for(live) is not None  # entries without a format apply to every format


def test_the_source_index_names_the_module_of_every_transform_it_lists() -> None:
    """A transform is imported through the index (``scanner.registry``): every name it lists must be where it
    says. Names registered in a loop (``transform(f"cfn_lb_{fact}")``) are not listed: asking for one
    imports every module, as ``test_an_unlisted_transform_is_still_found`` shows."""
    TRANSFORMS.import_all()
    index = TRANSFORMS.names()
    assert len(index) > 100
    assert set(index) <= set(TRANSFORMS.loaded)
    for name in index:
        assert TRANSFORMS.loaded[name].__module__.startswith("scanner.mappings."), name


def test_an_unlisted_transform_is_still_found() -> None:
    import subprocess
    import sys

    code = ("from scanner.mappings import TRANSFORMS\n"
            "assert TRANSFORMS.get('cfn_lb_deletion_protection') is not None\n"
            "assert TRANSFORMS.get('no_such_transform') is None\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
