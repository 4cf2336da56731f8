"""Terraform override files (``override.tf``, ``*_override.tf`` and their ``.tf.json`` forms) are merged into the
blocks they override, as Terraform does: an argument replaces the original's; a nested block type replaces
every block of that type in the original; a local or a variable default replaces the original's."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import Resource
from tests.conftest import write_files

MAIN = '''variable "size" {
  default = "db.t3.micro"
}
locals {
  engine = "mysql"
}
resource "aws_db_instance" "db" {
  engine                  = local.engine
  instance_class          = var.size
  backup_retention_period = 1
  storage_encrypted       = true
  tags = {
    a = "b"
  }
}
resource "google_container_cluster" "c" {
  name             = "c"
  enable_autopilot = true
  addons_config {
    http_load_balancing {
      disabled = false
    }
  }
}
'''


def _load(tmp_path: Path, files: dict[str, str]) -> dict[str, Resource]:
    write_files(tmp_path, files)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {r.address: r for r in outcome.resources}


def test_an_override_file_is_merged_into_its_block(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": MAIN, "override.tf": '''resource "aws_db_instance" "db" {
  backup_retention_period = 30
}
resource "google_container_cluster" "c" {
  addons_config {
    gke_backup_agent_config {
      enabled = true
    }
  }
}
''', "db_override.tf": '''variable "size" {
  default = "db.r6g.large"
}
locals {
  engine = "postgres"
}
'''})
    db = resources["aws_db_instance.db"]
    assert db.attributes["backup_retention_period"] == 30  # replaced
    assert db.attributes["storage_encrypted"] is True  # kept
    assert db.attributes["engine"] == "postgres" and db.attributes["instance_class"] == "db.r6g.large"
    assert db.origin.file == str(tmp_path / "main.tf")
    cluster = resources["google_container_cluster.c"]
    assert cluster.attributes["enable_autopilot"] is True
    addons = cluster.attributes["addons_config"][0]
    assert "gke_backup_agent_config" in addons and "http_load_balancing" not in addons  # the block type replaced
    assert sum(1 for r in resources.values() if r.type == "google_container_cluster") == 1


def test_a_file_that_only_mentions_override_is_not_one(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": MAIN, "overrides.tf": '''resource "aws_s3_bucket" "b" {
  bucket = "b"
}
'''})
    assert resources["aws_db_instance.db"].attributes["backup_retention_period"] == 1
    assert "aws_s3_bucket.b" in resources
