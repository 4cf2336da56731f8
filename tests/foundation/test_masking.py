"""One masker (``scanner.masking``) for both of its former uses: the credential fields of an API answer kept in
a snapshot, and the literal secrets a scan saw, wherever a finding, a fix or a fault description quotes them;
one classifier of credential names behind both."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from scanner import masking
from scanner.loaders.secrets import detect
from scanner.masking import MASK, holds_credentials, is_credential_name, mask, mask_fields, mask_value, redact

SEEN = "Detected-Literal-Secret-8842"


@pytest.mark.parametrize(("name", "credential"), [
    # names a file spells (the detector's use) ...
    ("db_password", True), ("apiKey", True), ("CLIENT_SECRET", True), ("requirepass", True), ("PGPASSWORD", True),
    ("secretName", False), ("password_length", False), ("passwordKey", False), ("tokenTtl", False),
    # ... and names an API answer spells (the snapshot's use), by the same rule
    ("MasterUserPassword", True), ("AuthToken", True), ("SecretString", True), ("PreSharedKey", True),
    ("MasterUserSecretArn", False), ("KmsKeyId", False), ("AuthTokenEnabled", False), ("AuthTokenStatus", False),
    ("SecretStatus", False), ("PasswordLastUsed", True), ("TokenEndpoint", False), ("HttpTokensEnforced", False),
])
def test_one_classifier_decides_for_files_and_for_api_answers(name: str, credential: bool) -> None:
    assert is_credential_name(name) is credential
    assert (mask_fields({name: "some value"})[name] == MASK) is credential
    assert bool(detect(f"{name}: Zq8-literal-value-77\n", "kubernetes")) is credential


def test_a_list_of_credentials_is_masked_item_by_item() -> None:
    assert holds_credentials("redactionTokens") and not is_credential_name("redactionTokens")
    answer = {"Passwords": ["a1", "b2"], "Tags": [{"Key": "team", "Value": "x"}], "Ports": [5432]}
    assert mask_fields(answer) == {"Passwords": [MASK, MASK], "Tags": [{"Key": "team", "Value": "x"}], "Ports": [5432]}


def test_a_snapshot_keeps_no_credential_of_the_answer() -> None:
    from scanner.collectors.collection import Collection
    from scanner.collectors.snapshot import dumps
    from scanner.model import Origin, Resource

    resource = Resource("aws", "AWS::ElastiCache::ReplicationGroup", "rg", Origin(api="live"), {
        "AuthToken": "tok-9f8e7d6c5b4a", "AuthTokenStatus": "ROTATING",
        "Environment": [{"Name": "API_KEY", "Value": "k-123456789"}, {"Name": "REGION", "Value": "eu-west-1"}]})
    text = dumps(Collection("aws", resources=[resource]))
    assert "tok-9f8e7d6c5b4a" not in text and "k-123456789" not in text
    stored = json.loads(text)["resources"][0]["attributes"]
    assert stored["AuthToken"] == MASK and stored["AuthTokenStatus"] == "ROTATING"
    assert stored["Environment"] == [{"Name": "API_KEY", "Value": MASK}, {"Name": "REGION", "Value": "eu-west-1"}]


def test_a_secret_the_detector_saw_is_masked_in_values_messages_and_faults() -> None:
    from scanner.faults import describe

    assert detect(f"password: {SEEN}\n")  # seen: remembered by the one masker
    assert mask_value({"observed": [f"x/{SEEN}/y"]}) == {"observed": [f"x/{mask(SEEN)}/y"]}
    assert redact(f"parse error near {SEEN!r}") == f"parse error near '{mask(SEEN)}'"
    assert SEEN not in describe(ValueError(f"bad value {SEEN}"))
    assert describe(ValueError(f"bad value {SEEN}"), quote_message=False) == "ValueError"


def test_a_secret_a_worker_saw_is_masked_here_too() -> None:
    secret = "Worker-Only-Secret-5531"
    assert redact(secret) == secret
    masking.remember_secrets([secret])
    assert secret in masking.known_secrets() and redact(f"[{secret}]") == f"[{mask(secret)}]"


def _imports(module: str) -> set[str]:
    tree = ast.parse((Path(masking.__file__ or "").parent / f"{module}.py").read_text(encoding="utf-8"))
    found = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return found | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}


def test_the_masker_sits_at_the_bottom_of_the_layers() -> None:
    """It imports nothing of specdrift but the lazy regex compiler (which imports only the kept compiled forms,
    which import nothing of specdrift), and faults reach it without the detector (which imports the loaders)."""
    assert {m for m in _imports("masking") if m.startswith("scanner")} == {"scanner.regex"}
    assert {m for m in _imports("regex") if m.startswith("scanner")} == {"scanner.bytecode"}
    assert not {m for m in _imports("bytecode") if m.startswith("scanner")}
    assert {m for m in _imports("faults") if m.startswith("scanner")} == {"scanner.masking", "scanner.model"}


@pytest.mark.parametrize(("text", "secret"), [
    ("redis://:s3cretpw0rd@cache:6379/0", "s3cretpw0rd"),  # Redis AUTH with no user name
    ("rediss://:s3cretpw0rd@cache:6380", "s3cretpw0rd"),
    ("host=db port=5432 password=s3cretpw0rd dbname=app", "s3cretpw0rd"),  # a libpq keyword/value string
    ("postgresql://db/app?sslmode=require&password=s3cretpw0rd", "s3cretpw0rd"),  # ... or URI parameter
    ("mongodb://db/app?authSource=admin&pwd=s3cretpw0rd", "s3cretpw0rd"),
])
def test_a_password_in_any_connection_string_spelling_is_masked(text: str, secret: str) -> None:
    from scanner.masking import redact

    assert secret not in redact(text)


@pytest.mark.parametrize("text", ["password=${DB_PASSWORD}", "host=db password=$PGPASSWORD",
                                  "redis://cache:6379/0", "user:@host", "password="])
def test_references_and_empty_passwords_are_left_as_written(text: str) -> None:
    from scanner.masking import redact

    assert redact(text) == text
