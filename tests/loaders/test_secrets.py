"""ME-SEC-01's detector (literals vs references) and the masking that keeps secrets out of every report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.loaders.secrets import detect
from scanner.masking import is_credential_name, mask, redact
from scanner.model import Origin, Resource, Severity, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import Policy
from tests.conftest import POLICIES, run_cli


@pytest.mark.parametrize(("text", "fmt", "key", "literal"), [
    ("password: hunter2-hunter2\n", "", "password", True),
    ("db:\n  password: ${DB_PASSWORD}\n", "", "password", False),
    ('resource "x" "y" {\n  password = var.db_password\n}\n', "terraform", "password", False),
    ('resource "x" "y" {\n  password = "literal-in-hcl"\n}\n', "terraform", "password", True),
    ('variable "db_password" {\n  default = "a-default-pw"\n}\n', "terraform", "db_password", True),
    ("      MasterUserPassword: !Ref DBPassword\n", "cloudformation", "MasterUserPassword", False),
    ("  AuthToken: '{{resolve:secretsmanager:redis:SecretString:token}}'\n", "", "AuthToken", False),
    ('{"administratorLoginPassword": "[parameters(\'pw\')]"}', "arm", "administratorLoginPassword", False),
    ('{"parameters": {"adminPassword": {"type": "securestring", "defaultValue": "arm-default-1"}}}', "arm",
     "adminPassword", True),
    ("        - name: DB_PASSWORD\n          value: k8s-env-literal\n", "kubernetes", "DB_PASSWORD", True),
    ("spec:\n  encryptedData:\n    password: AgDnZa3xyz\n", "kubernetes", "password", False),
    ("requirepass ${REDIS_PASSWORD}\n", "", "requirepass", False),
    ("export PGPASSWORD=sh-literal-pw\n", "shell", "PGPASSWORD", True),
    ("DATABASE_URL=postgres://app:url-literal@db/me\n", "", "DATABASE_URL", True),
    ("url: mysql://app:${DB_PW}@db/me\n", "", "url", False),
    ("key_vault: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/pw)'\napi_key: "
     "'@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/pw)'\n", "", "api_key", False),
    ("client_secret: arn:aws:secretsmanager:us-east-1:1:secret:x\n", "", "client_secret", False),
    ("token: ENC[AES256_GCM,data:abc,iv:def]\n", "", "token", False),
    ("password: <your password here>\n", "", "password", False),
    ("mysql --password=flag-literal db\n", "shell", "--password", True),
    ("aws_access_key_id = AKIAQWERTYUIOPASDFGH\n", "", "aws_access_key_id", True),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "",
     "private key", True),
])
def test_detector_tells_literals_from_references(text: str, fmt: str, key: str, literal: bool) -> None:
    found = {c.key: c for c in detect(text, fmt)}
    assert key in found, found
    assert found[key].literal is literal, found[key]


@pytest.mark.parametrize("text", [
    "secretName: api-tls\n", "password_length: 32\n", "passwordFile: /run/secrets/pw\n", "token_ttl: 3600\n",
    "replicaCount: 3\n", "kms_key_id: alias/backups\n", "password:\n  valueFrom:\n    secretKeyRef: {name: x}\n",
    "require_password: true\n", "secrets: []\n", 'locals {\n  password = <<EOT\n${var.a}\nEOT\n}\n',
])
def test_not_credentials(text: str) -> None:
    assert detect(text) == []


def test_names_and_mask() -> None:
    assert is_credential_name("CLIENT_SECRET") and is_credential_name("apiKey") and is_credential_name("PGPASSWORD")
    assert not is_credential_name("secretKeyRef") and not is_credential_name("tokenizer")
    assert mask("passw0rd-abcd") == "pa****cd (13 chars)"
    assert mask("short") == "**** (5 chars)"
    detect("password: a-secret-in-a-message\n")
    assert redact("the value a-secret-in-a-message leaked") == f"the value {mask('a-secret-in-a-message')} leaked"


def test_engine_masks_a_secret_echoed_by_any_policy(extra_fixes: dict[str, dict[str, Any]]) -> None:
    planted = "Echoed-By-A-Policy-42"
    detect(f"password: {planted}\n")  # the loaders' hook has seen it
    resource = Resource("x", "thing", "thing.a", Origin("f.yaml", 3), {}, {"value": planted}, frozenset({"thing"}))
    check = {"fact": "value", "op": "==", "value": "something else"}
    policy = Policy("ME-SEC-01", ("ME-SEC-01",), "echo test", Severity.HIGH, frozenset({"thing"}), check,
                    message="value is {observed}", remediation={"requirement_fact": "value"})
    extra_fixes["thing"] = {"value": "set it to {observed}"}
    finding = Engine([policy]).evaluate(policy, resource)
    assert finding is not None and finding.status == Status.VIOLATES
    text = repr(finding)
    assert planted not in text
    assert mask(planted) in finding.message


PLANTED = {
    "prod.env": ("DB_PASSWORD=Env-Planted-Secret-0001\n", "Env-Planted-Secret-0001"),
    "main.tf": ('resource "aws_db_instance" "db" {\n  engine   = "postgres"\n'
                '  password = "Tf-Planted-Secret-0002"\n}\n', "Tf-Planted-Secret-0002"),
    "deploy.yaml": ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
                    "      containers:\n        - name: api\n          image: api:1.0.0\n          env:\n"
                    "            - name: API_TOKEN\n              value: K8s-Planted-Secret-0003\n",
                    "K8s-Planted-Secret-0003"),
    "site.conf": ("location /api/ {\n    proxy_pass http://svc:Nginx-Planted-Secret-0004@backend;\n"
                  "    proxy_cache api;\n    proxy_cache_valid 200 1m;\n    proxy_cache_lock on;\n}\n",
                  "Nginx-Planted-Secret-0004"),
    "backup.sh": ("#!/bin/bash\nexport PGPASSWORD=Shell-Planted-Secret-0005\npg_dump db | gzip > /b/db.gz\n",
                  "Shell-Planted-Secret-0005"),
    "prometheus.yaml": ("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: api\n    basic_auth:\n"
                        "      username: prom\n      password: Prom-Planted-Secret-0006\n",
                        "Prom-Planted-Secret-0006"),
    "broken.yaml": ("password: Broken-Planted-Secret-0007\n  bad: [indent\n", "Broken-Planted-Secret-0007"),
}
ECHO_POLICY = """id: ME-SEC-01-ECHO
requirements: [ME-SEC-01]
title: echoes the proxy_pass of every location
severity: high
applies_to: {kinds: [http_location]}
check: {fact: proxy_pass, op: "==", value: "http://nothing"}
message: "proxy_pass is {observed}"
remediation:
  description: was {observed}
"""


def test_planted_secrets_never_reach_any_output(tmp_path: Path) -> None:
    scanned = tmp_path / "repo"
    scanned.mkdir()
    for name, (text, _) in PLANTED.items():
        (scanned / name).write_text(text)
    echo = tmp_path / "echo-pack" / "ME-SEC-01-ECHO"
    echo.mkdir(parents=True)
    (echo / "policy.yaml").write_text(ECHO_POLICY)
    packs = ("--policies-dir", str(POLICIES), "--policies-dir", str(tmp_path / "echo-pack"))
    outputs = {}
    for fmt in ("text", "json"):
        result = run_cli("scan", str(scanned), "--format", fmt, *packs, env={"COLUMNS": "400"})
        assert "Traceback" not in result.stderr, result.stderr
        outputs[fmt] = result
        for name, (_, secret) in PLANTED.items():
            assert secret not in result.stdout, (fmt, name)
            assert secret not in result.stderr, (fmt, name)
    findings = json.loads(outputs["json"].stdout)["findings"]
    literal = [f for f in findings if f["policy_id"] == "ME-SEC-01" and f["status"] == "violates"]
    assert len(literal) >= 6, [(f["location"]["file"], f["message"]) for f in literal]
    proxy = [f for f in findings if f["policy_id"] == "ME-SEC-01-ECHO" and f["status"] == "violates"]
    assert [f["observed"] for f in proxy] == ["http://svc:****@backend"]  # the echo happened, masked
    assert "proxy_pass is http://svc:****@backend" in outputs["text"].stdout


# --- the fast paths: pre-filters must never let a secret through ---------------------------------------

def test_redact_masks_a_secret_learned_after_an_earlier_redact() -> None:
    assert redact("nothing to see here") == "nothing to see here"  # builds redact's view of the known secrets
    detect("api_key: Learned-Later-Secret-77\n")
    assert redact("echo Learned-Later-Secret-77 twice: Learned-Later-Secret-77") == \
        f"echo {mask('Learned-Later-Secret-77')} twice: {mask('Learned-Later-Secret-77')}"


def test_redact_masks_a_secret_containing_another_whole() -> None:
    detect("password: Outer-Inner-Secret-9000\ntoken: Inner-Secret-9000\n")
    assert redact("got Outer-Inner-Secret-9000") == f"got {mask('Outer-Inner-Secret-9000')}"
    assert redact("got Inner-Secret-9000") == f"got {mask('Inner-Secret-9000')}"


def test_redact_masks_a_short_secret_only_when_it_is_the_whole_text() -> None:
    detect("pwd: q7z9\ntoken: q7z9x2k\n")
    assert redact("q7z9") == mask("q7z9") and redact("q7z9x2k") == mask("q7z9x2k")
    assert redact("q7z9 in a sentence") == "q7z9 in a sentence"  # shorter than MIN_INSIDE: occurs by chance
    assert redact("q7z9x2k in a sentence") == "q7z9x2k in a sentence"


def test_a_default_database_password_is_masked_only_as_the_whole_value() -> None:
    """POSTGRES_PASSWORD: postgres (the voting app's manifests) is the engine's own name: masking it inside other
    values turned ``postgres-exporter`` and ``postgres:15-alpine`` in every later finding into ``**** (8 chars)``."""
    assert detect("env:\n- name: POSTGRES_PASSWORD\n  value: postgres\n", "kubernetes")
    assert redact("postgres") == mask("postgres")
    text = "image postgres:15-alpine, app postgres-exporter"
    assert redact(text) == text


@pytest.mark.parametrize("text", [
    "postgres://app:Url-In-Report-31@db/x", "key AKIAZZZZYYYYXXXXWWWW here", "ghp_" + "k" * 40, "sk_live_" + "9" * 24,
])
def test_redact_masks_recognisable_secrets_never_seen(text: str) -> None:
    masked = redact(f"before {text} after")
    assert text not in masked and masked.startswith("before ") and masked.endswith(" after")


@pytest.mark.parametrize(("text", "key"), [
    ("a: 1\nb: 2\nc: 3\nd: 4\n" * 5 + "x: AKIAQQQQWWWWEEEERRRR\n", "x"),  # a token on a late line of a long file
    ("url: https://example.com/\nnote: mail me @ home\nDSN: mysql://u:Dsn-Late-Secret@h/d\n", "DSN"),
    ("#!/bin/sh\nredis-cli --pass x\nmysql --Password=Flag-Mixed-Case db\n", "--Password"),
    ("requirepa\u017fs Long-S-Folds-To-S\n", "requirepa\u017fs"),  # case-insensitive match beyond ASCII
    ("curl -H 'Authorization: Bearer abcdefghijklmnop1234'\n", "Bearer credentials"),
])
def test_detector_pre_filters_keep_rare_forms(text: str, key: str) -> None:
    found = {c.key: c for c in detect(text)}
    assert key in found and found[key].literal, found


def test_engine_masks_secrets_in_every_value_of_a_finding(extra_fixes: dict[str, dict[str, Any]]) -> None:
    planted = "Every-Field-Secret-55"
    detect(f"client_secret: {planted}\n")
    resource = Resource("x", "thing", f"thing.{planted}", Origin("f.yaml", 3), {},
                        {"value": [planted, {"k": planted}], "ok": planted}, frozenset({"thing"}))
    violates = Policy("P-1", ("R",), "t", Severity.HIGH, frozenset({"thing"}),
                      {"fact": "value", "op": "==", "value": planted},
                      remediation={"description": "was {observed}", "requirement_fact": "value"})
    extra_fixes["thing"] = {"value": "value = {observed}"}
    complies = Policy("P-2", ("R",), "t", Severity.HIGH, frozenset({"thing"}), {"fact": "ok", "op": "==",
                                                                                   "value": planted})
    for policy in (violates, complies):
        finding = Engine([policy]).evaluate(policy, resource)
        assert finding is not None and finding.status in (Status.VIOLATES, Status.COMPLIES)
        # the address is a name, never masked (tests/reporters/test_secrets_masking.py); every value is
        assert finding.resource_address == f"thing.{planted}"
        assert planted not in repr(finding).replace(f"thing.{planted}", ""), repr(finding)
    finding = Engine([violates]).evaluate(violates, resource)
    assert finding is not None and finding.remediation is not None
    assert finding.remediation.snippet == "value = ['REDACTED', {'k': 'REDACTED'}]"
    assert finding.remediation.description == f"was {mask(planted)}, k={mask(planted)}"  # words, not a repr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_secret_seen_by_a_loader_worker_is_masked_in_the_parent(tmp_path: Path, jobs: str) -> None:
    # With worker processes the findings are made in the parent: it must learn what the workers saw.
    planted = "Seen-In-A-Worker-0042"
    scanned = tmp_path / "repo"
    scanned.mkdir()
    (scanned / "prod.env").write_text(f"DB_PASSWORD={planted}\n")
    (scanned / "site.conf").write_text(f"location /api/ {{\n    proxy_pass http://backend/{planted};\n}}\n")
    echo = tmp_path / "echo-pack" / "ME-SEC-01-ECHO"
    echo.mkdir(parents=True)
    (echo / "policy.yaml").write_text(ECHO_POLICY)
    result = run_cli("scan", str(scanned), "--format", "json", "--policies-dir", str(POLICIES), "--policies-dir",
                     str(tmp_path / "echo-pack"), env={"SPECDRIFT_JOBS": jobs})
    assert "Traceback" not in result.stderr, result.stderr
    assert planted not in result.stdout and planted not in result.stderr
    proxy = [f for f in json.loads(result.stdout)["findings"] if f["policy_id"] == "ME-SEC-01-ECHO"]
    assert [f["observed"] for f in proxy] == [f"http://backend/{mask(planted)}"]  # the echo happened, masked


@pytest.mark.parametrize("few", [10**6, 0])  # substring tests for a few known secrets, window lookups for many
def test_redact_finds_known_secrets_however_many(monkeypatch: pytest.MonkeyPatch, few: int) -> None:
    import scanner.masking as masking

    monkeypatch.setattr(masking, "_FEW_SECRETS", few)
    monkeypatch.setattr(masking, "_known_size", -1)  # rebuild the view under this threshold
    detect("password: Window-Lookup-Secret-1234\ntoken: abcdefgh\napi_key: abcdef\n")
    assert redact("x Window-Lookup-Secret-1234 y") == f"x {mask('Window-Lookup-Secret-1234')} y"
    assert redact("Window-Lookup-Secret-1234") == mask("Window-Lookup-Secret-1234")
    assert redact("abcdefgh") == mask("abcdefgh") and redact("x/abcdefgh/x") == f"x/{mask('abcdefgh')}/x"
    assert redact("abcdef") == mask("abcdef") and redact("xabcdefx") == "xabcdefx"  # short: whole values only
    assert redact("Window-Lookup") == "Window-Lookup"


@pytest.mark.parametrize("text, expected", [
    # the whole-file hints that let most files skip the rare detectors must not hide what a line holds
    ("x: 1\nrequ\u0131repass s3cretvalue99\nnon-ascii \u00e9\n", [("requ\u0131repass", 2)]),  # dotless i folds
    ("requirepa\u017fs s3cretvalue99\n\u00e9\n", [("requirepa\u017fs", 1)]),  # long s folds
    ("a: 1\nb: Basic\n  dXNlcjpwYXNzd29yZDEyMzQ=\nc: Bearer abcdefghijklmnop\n", [("Bearer credentials", 4)]),
    ("url: postgres://admin:hunter2hunter2@db:5432/x\n", [("url", 1)]),
    ("deep:\n  er:\n    - name: DB_PASSWORD\n      value: s3cretvalue99\n", [("DB_PASSWORD", 4)]),
])
def test_rare_detectors_and_key_paths(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(c.key, c.line) for c in detect(text) if c.literal] == expected


def test_the_same_line_text_under_other_keys() -> None:
    # one text, four meanings: what a line is may be worked out once, what it sets depends on where it stands
    text = """plain:
  value: s3cretvalue99
db_password:
  value: s3cretvalue99
spec:
  encryptedData:
    value: s3cretvalue99
env:
  - name: API_TOKEN
    value: s3cretvalue99
"""
    assert [(c.key, c.line, c.literal) for c in detect(text)] == [
        ("db_password", 4, True), ("value", 7, False), ("API_TOKEN", 10, True)]
