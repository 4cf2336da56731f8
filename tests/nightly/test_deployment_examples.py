"""The deployment examples of docs/nightly.md (examples/nightly/): the docs show the files as they are, and the
Kubernetes manifests pass specdrift's own policies, which really judge their pod templates."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples" / "nightly"
DOC = ROOT / "docs" / "nightly.md"
CRONJOBS = ("specdrift/CronJob/specdrift-nightly", "specdrift/CronJob/specdrift-nightly-shards",
            "specdrift/CronJob/specdrift-nightly-merge")
# what the pack checks of a workload's pod template: pinned images, requests and limits, secrets by reference,
# a non-root user
WORKLOAD_POLICIES = {"ME-K8S-03", "ME-K8S-04", "ME-K8S-06", "ME-K8S-11"}


def _shown() -> dict[str, str]:
    """The files docs/nightly.md shows: path -> the text of its block."""
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```", DOC.read_text(), flags=re.S)
    return dict(blocks)


def test_the_docs_show_every_example_file_as_it_is() -> None:
    shown = _shown()
    files = {str(p.relative_to(ROOT)) for p in EXAMPLES.rglob("*") if p.is_file()}
    assert set(shown) == files and len(files) >= 7
    for path, text in shown.items():
        assert text == (ROOT / path).read_text(), f"docs/nightly.md shows {path} otherwise than the file"


def _scan(*paths: Path) -> dict[str, Any]:
    done = run_cli("scan", *map(str, paths), "--format", "json", "--strict")
    assert done.returncode in (0, 1), done.stderr
    return dict(json.loads(done.stdout))


def test_the_manifests_pass_specdrifts_own_policies() -> None:
    report = _scan(EXAMPLES)
    statuses = report["summary"]["by_status"]
    assert statuses["violates"] == statuses["error"] == statuses["unknown"] == 0, [
        (f["policy_id"], f["resource"]["address"], f["message"]) for f in report["findings"]
        if f["status"] != "complies"]
    judged: dict[str, set[str]] = defaultdict(set)
    for finding in report["findings"]:
        judged[finding["resource"]["address"]].add(finding["policy_id"])
    for cronjob in CRONJOBS:  # every CronJob's pod template was judged, not passed over
        assert WORKLOAD_POLICIES | {"ME-K8S-13"} <= judged[cronjob], (cronjob, judged[cronjob])
    assert {"Namespace/specdrift", "ClusterRole/specdrift-reader", "specdrift/ServiceAccount/specdrift"} <= set(judged)


def test_the_policies_see_into_the_cronjob_pod_template(tmp_path: Path) -> None:
    """The same CronJob made worse in four ways fails the four policies: the pass above is not a blind spot."""
    text = (EXAMPLES / "kubernetes" / "cronjob.yaml").read_text()
    worse = (text.replace("specdrift:0.1.0", "specdrift:latest")
             .replace("""              resources:
                requests:
                  cpu: 500m
                  memory: 1Gi
                limits:
                  cpu: "2"
                  memory: 2Gi
""", "")
             .replace("            runAsNonRoot: true\n            runAsUser: 10001", "            runAsUser: 0")
             .replace("                runAsNonRoot: true\n", "")
             .replace("                - name: SPECDRIFT_CACHE_DIR\n",
                      "                - name: PGPASSWORD\n                  value: correct-horse-battery\n"
                      "                - name: SPECDRIFT_CACHE_DIR\n"))
    assert worse.count("PGPASSWORD") == 1 and "specdrift:latest" in worse and "memory: 1Gi" not in worse
    path = tmp_path / "cronjob.yaml"
    path.write_text(worse)
    report = _scan(path)
    violated = {f["policy_id"] for f in report["findings"] if f["status"] == "violates"}
    assert violated >= WORKLOAD_POLICIES, violated


def test_the_configurations_and_command_lines_of_the_examples_are_ones_specdrift_takes(tmp_path: Path) -> None:
    import yaml

    from scanner.cli import build_parser
    from scanner.cli.nightly import load_config
    from scanner.history.shards import parse_shard

    documents = [d for p in sorted((EXAMPLES / "kubernetes").glob("*.yaml"))
                 for d in yaml.safe_load_all(p.read_text()) if d]
    [configmap] = [d for d in documents if d["kind"] == "ConfigMap"]
    inline = tmp_path / "nightly.yaml"
    inline.write_text(configmap["data"]["nightly.yaml"])
    for path in (inline, EXAMPLES / "systemd" / "nightly.yaml"):  # valid against the configuration's schema
        config = load_config(str(path))
        assert config["sources"] and str(config["store"]).startswith("postgresql://?service=")
    argvs = [c["args"] for d in documents if d["kind"] == "CronJob"
             for c in d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]]
    assert len(argvs) == 3
    for argv in argvs:
        args = build_parser(argv).parse_args(argv)
        assert args.command == "nightly" and args.config == "/etc/specdrift/nightly.yaml"
    [shards] = [d for d in documents if d["metadata"]["name"] == "specdrift-nightly-shards"]
    job = shards["spec"]["jobTemplate"]["spec"]
    [container] = job["template"]["spec"]["containers"]
    spec = parse_shard(container["args"][container["args"].index("--shard") + 1], {"JOB_COMPLETION_INDEX": "3"})
    assert job["completionMode"] == "Indexed" and spec.count == job["completions"] == job["parallelism"]
