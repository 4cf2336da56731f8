"""Accepted findings: only new findings fail, down to one attribute; expired acceptances fail again."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from scanner.baseline import (
    AcceptedFinding,
    BaselineError,
    accept,
    load_accepted,
    updated_entries,
    write_accepted,
)
from scanner.model import Status
from tests.conftest import EXAMPLE, ROOT, run_cli
from tests.findings_fixture import FINDINGS, K8S, TF

TODAY = dt.date(2025, 6, 1)
IMAGE = FINDINGS[1]  # ME-K8S-03 on prod/Deployment/api, fact containers[api].image


def _entry(**kw: object) -> AcceptedFinding:
    base: dict[str, object] = {"policy": "ME-K8S-03", "resource": "prod/Deployment/api", "owner": "platform",
                               "reason": "retagged by the release pipeline", "expires": dt.date(2025, 12, 31)}
    return AcceptedFinding(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("entry", "accepted"), [
    (_entry(), True),
    (_entry(file=K8S, fact="containers[api].image"), True),  # down to the single attribute
    (_entry(fact="containers[sidecar].image"), False),  # another attribute of the same resource
    (_entry(file=TF), False),
    (_entry(policy="ME-K8S-*", resource="prod/*"), True),  # wildcards
    (_entry(policy="ME-K8S-03", resource="staging/Deployment/api"), False),
])
def test_an_entry_accepts_exactly_what_it_names(entry: AcceptedFinding, accepted: bool) -> None:
    out, unused = accept([IMAGE], [entry], TODAY, ROOT)
    assert out[0].accepted is accepted
    assert (unused == []) is accepted


def test_expired_acceptance_fails_again_and_a_live_one_wins() -> None:
    expired = _entry(expires=dt.date(2025, 5, 31))
    out, _ = accept([IMAGE], [expired], TODAY, ROOT)
    assert out[0].acceptance is not None and out[0].acceptance.expired and not out[0].accepted
    out, _ = accept([IMAGE], [expired, _entry()], TODAY, ROOT)
    assert out[0].accepted
    complies = FINDINGS[3]
    assert complies.status == Status.COMPLIES
    assert accept([complies], [_entry(policy="*", resource="*")], TODAY, ROOT)[0][0].acceptance is None


def test_entries_without_owner_reason_or_expiry_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("accepted:\n  - {policy: ME-K8S-03, resource: x, owner: me, expires: 2025-01-01}\n")
    with pytest.raises(BaselineError, match="missing reason"):
        load_accepted(path)
    path.write_text("accepted:\n  - {policy: X, resource: x, owner: me, reason: r, expires: soon}\n")
    with pytest.raises(BaselineError, match="expires must be a date"):
        load_accepted(path)


def test_rewriting_accepted_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "production.yaml"
    path.write_text("# production baseline\ncomponents:  # the inventory\n  api: {selector: app=api, count: 3}\n\n"
                    "accepted:\n  - {policy: OLD, resource: x, owner: a, reason: b, expires: 2030-01-01}\n\n"
                    "# drift settings follow\nnotes: keep me\n", encoding="utf-8")
    write_accepted(path, [_entry(file=K8S, fact="containers[api].image")])
    text = path.read_text()
    assert text.startswith("# production baseline\ncomponents:  # the inventory\n")
    assert "# drift settings follow\nnotes: keep me\n" in text and "OLD" not in text
    data = yaml.safe_load(text)
    assert data["components"]["api"]["count"] == 3
    assert data["accepted"] == [{"policy": "ME-K8S-03", "resource": "prod/Deployment/api", "file": K8S,
                                 "fact": "containers[api].image", "owner": "platform",
                                 "reason": "retagged by the release pipeline", "expires": dt.date(2025, 12, 31)}]
    assert load_accepted(path)[0].fact == "containers[api].image"


def test_update_keeps_matching_entries_adds_new_drops_fixed() -> None:
    kept = _entry(owner="original-owner")
    gone = _entry(resource="prod/Deployment/removed")
    entries, added, dropped = updated_entries(FINDINGS, [kept, gone], "new-owner", "new", TODAY, ROOT)
    assert entries[0] == kept and gone not in entries and dropped == 1
    new = entries[1:]
    assert added == len(new) and {e.owner for e in new} == {"new-owner"}
    assert {(e.policy, e.file) for e in new} >= {("ME-DB-02", TF), ("SD-PARSE", "deploy/k8s/broken.yaml")}
    assert not [e for e in new if e.policy == "ME-K8S-02"]  # compliant: nothing to accept


def _copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def test_baseline_cli_create_gate_expiry_and_update(tmp_path: Path) -> None:
    example = _copy_example(tmp_path)
    baseline = tmp_path / "baselines" / "production.yaml"
    baseline.parent.mkdir()
    baseline.write_text("components:\n  api: {count: 3}\n", encoding="utf-8")
    plain = run_cli("scan", str(example), "--format", "json")
    assert plain.returncode == 1
    violated = {f["policy_id"] for f in json.loads(plain.stdout)["findings"] if f["status"] == "violates"}
    assert {"ME-NET-02", "ME-DB-02", "ME-K8S-03"} <= violated
    created = run_cli("baseline", "create", str(baseline), str(example), "--owner", "platform-team",
                      "--reason", "known at adoption", "--expires", "2999-01-01")
    assert created.returncode == 0, created.stderr
    data = yaml.safe_load(baseline.read_text())
    assert data["components"] == {"api": {"count": 3}}
    assert {e["policy"] for e in data["accepted"]} == violated
    assert all(e["owner"] == "platform-team" and e["fact"] for e in data["accepted"])
    gated = run_cli("scan", str(example), "--baseline", str(baseline), "--format", "json")
    assert gated.returncode == 0, gated.stderr  # nothing new
    report = json.loads(gated.stdout)
    assert report["summary"]["accepted"] == len(data["accepted"]) and report["summary"]["failing"] == 0
    again = run_cli("baseline", "create", str(baseline), str(example), "--owner", "x")
    assert again.returncode == 2 and "baseline update" in again.stderr
    # a new finding fails although the old ones are accepted
    deployment = example / "kubernetes" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace('memory: "4Gi"', 'memory: "1Gi"'))  # limit under the guide's
    assert run_cli("scan", str(example), "--baseline", str(baseline)).returncode == 1
    # expiry: the same acceptances, past their date, fail the gate again
    expired = baseline.read_text().replace("2999-01-01", "2001-01-01")
    baseline.write_text(expired)
    deployment.write_text(deployment.read_text().replace('memory: "1Gi"', 'memory: "4Gi"'))
    result = run_cli("scan", str(example), "--baseline", str(baseline))
    assert result.returncode == 1 and "expired and fail again" in result.stderr
    # update: fix the image, the image's entry goes, the others keep owner and expiry
    deployment.write_text(deployment.read_text().replace("marketingengine/api:latest", "marketingengine/api:1.4.2"))
    updated = run_cli("baseline", "update", str(baseline), str(example), "--owner", "someone-else")
    assert updated.returncode == 0 and "1 dropped" in updated.stderr, updated.stderr
    entries = yaml.safe_load(baseline.read_text())["accepted"]
    assert {e["policy"] for e in entries} == violated - {"ME-K8S-03"}
    assert {e["owner"] for e in entries} == {"platform-team"} and {str(e["expires"]) for e in entries} == {"2001-01-01"}


def test_a_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("accepted: {policy: x}\n")
    result = run_cli("scan", "examples/marketing-engine/kubernetes", "--baseline", str(bad))
    assert result.returncode == 2 and "must be a list" in result.stderr
    missing = run_cli("scan", "examples/marketing-engine/kubernetes", "--baseline", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "cannot read baseline" in missing.stderr


UNKNOWN_POLICY = """accepted:
  - policy: ME-K8S-03
    resource: prod/Deployment/api
    owner: platform
    reason: retagged by the release pipeline
    expires: 2999-01-01
  - policy: ME-K8S-3
    resource: prod/Deployment/api
    owner: platform
    reason: a typo that would accept nothing
    expires: 2999-01-01
"""


def test_an_acceptance_naming_an_unknown_policy_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    from scanner.baseline import check_policies

    path = tmp_path / "baseline.yaml"
    path.write_text(UNKNOWN_POLICY)
    known = {"ME-K8S-03", "ME-K8S-04", "GUIDE-4.2"}
    with pytest.raises(BaselineError) as raised:
        check_policies(load_accepted(path), path, known)
    assert str(raised.value).startswith(f"{path}:7: accepted[1]: policy 'ME-K8S-3' is not a policy")
    assert "did you mean `ME-K8S-03`" in str(raised.value)
    fine = [_entry(policy=p) for p in ("ME-K8S-*", "GUIDE-4.2", "SD-DRIFT", "CKV_AWS_20", "CKV2_AWS_5")]
    check_policies(fine, path, known)  # a glob, a requirement, specdrift's own and checkov's IDs are fine
    with pytest.raises(BaselineError, match=r"accepted\[0\]: policy 'XX-\*'"):
        check_policies([_entry(policy="XX-*")], path, known)  # a glob that matches nothing


def test_scan_refuses_a_baseline_naming_an_unknown_policy(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(UNKNOWN_POLICY)
    done = run_cli("scan", str(EXAMPLE / "kubernetes"), "--baseline", str(path))
    assert done.returncode == 2 and f"{path}:7: accepted[1]: policy 'ME-K8S-3'" in done.stderr, done.stderr


def test_the_builtin_ids_are_the_ones_specdrift_makes() -> None:
    from scanner.baseline import BUILTIN_IDS
    from scanner.checkov.runner import RUN_ERROR_POLICY
    from scanner.drift.findings import DRIFT_POLICY
    from scanner.model import PARSE_ERROR_POLICY
    from scanner.policy.unseen_modules import UNSEEN_MODULE_POLICY
    from scanner.suppression import SUPPRESSION_POLICY

    assert set(BUILTIN_IDS) == {RUN_ERROR_POLICY, DRIFT_POLICY, PARSE_ERROR_POLICY, UNSEEN_MODULE_POLICY,
                                SUPPRESSION_POLICY}
