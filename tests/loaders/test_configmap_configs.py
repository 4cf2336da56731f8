"""A redis.conf or postgresql.conf held in a ConfigMap (and mounted into the server's pod) is that server's
configuration: it is read as the file would be, addressed under the ConfigMap, with its lines in the manifest."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import Status
from tests.conftest import scan_files, write_files

MANIFEST = '''apiVersion: v1
kind: ConfigMap
metadata:
  name: redis-cluster
data:
  redis.conf: |+
    cluster-enabled yes
    appendonly yes
    protected-mode no
    port 6379
  app.properties: |
    greeting=hello
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pg
  namespace: db
data:
  postgresql.conf: |
    shared_buffers = 128MB
    max_wal_size = 1GB
'''


def test_configs_in_a_configmap_are_read(tmp_path: Path) -> None:
    write_files(tmp_path, {"cm.yaml": MANIFEST})
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    by_address = {r.address: r for r in outcome.resources}
    redis = by_address["default/ConfigMap/redis-cluster/redis.conf"]
    assert redis.type == "redis.conf" and redis.attributes["protected-mode"] == "no"
    assert redis.attributes.key_lines["protected-mode"] == 9  # its line in the manifest
    assert redis.origin.file == str(tmp_path / "cm.yaml") and redis.origin.line == 7
    postgres = by_address["db/ConfigMap/pg/postgresql.conf"]
    assert postgres.type == "postgresql.conf" and postgres.attributes["shared_buffers"] == "128MB"
    assert not any(address.endswith("app.properties") for address in by_address)


def test_redis_policies_judge_the_embedded_file(tmp_path: Path) -> None:
    found = {(f.resource_address, f.policy_id): f.status
             for f in scan_files(tmp_path, {"cm.yaml": MANIFEST}, "ME-RED-01", "ME-RED-05")}
    assert found[("default/ConfigMap/redis-cluster/redis.conf", "ME-RED-01")] == Status.VIOLATES  # no requirepass
    assert found[("default/ConfigMap/redis-cluster/redis.conf", "ME-RED-05")] == Status.COMPLIES  # appendonly yes
