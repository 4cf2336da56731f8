"""One bad value, one failing loader, policy or remediation never ends the scan: the rest is still reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Status
from scanner.scan import ScanOptions, scan
from tests.conftest import run_cli

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

EMPTY_PORTS = {
    "main.tf": """resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = ""
    to_port     = ""
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""",
    "sg.yaml": """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: ""
          ToPort: ""
          CidrIp: 0.0.0.0/0
""",
    "nsg.json": json.dumps({
        "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg",
            "location": "westeurope",
            "properties": {"securityRules": [{"name": "open", "properties": {
                "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow",
                "direction": "Inbound", "priority": 100, "sourcePortRange": "*", "destinationPortRange": ""}}]},
        }],
    }, indent=2),
}


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize("name", sorted(EMPTY_PORTS))
def test_an_empty_port_range_is_unknown_with_its_reason_not_a_crash(tmp_path: Path, name: str) -> None:
    root = _write(tmp_path, {name: EMPTY_PORTS[name]})
    report = scan(ScanOptions([str(root)], policies=["ME-NET-*"]))
    rules = [f for f in report.findings if f.fact and f.fact.startswith("ingress_rules")]
    assert rules, [(f.policy_id, f.status, f.message) for f in report.findings]
    for finding in rules:
        assert finding.status == Status.UNKNOWN, (finding.policy_id, finding.status, finding.message)
        assert "port" in finding.message and "''" in finding.message, finding.message
        assert finding.line is not None and finding.line > 1


def test_an_empty_port_range_among_other_files_exits_with_a_report(tmp_path: Path) -> None:
    root = _write(tmp_path, EMPTY_PORTS)
    result = run_cli("scan", str(root), "--format", "json")
    assert "internal error" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert {Path(f["location"]["file"]).name for f in report["findings"]} >= set(EMPTY_PORTS)


ARM_EXPRESSION_NAMES = json.dumps({
    "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
    "parameters": {"prefix": {"type": "string"}},
    "resources": [
        {"type": "Microsoft.DBforPostgreSQL/flexibleServers", "apiVersion": "2022-12-01",
         "name": "[concat(parameters('prefix'), '-db')]", "location": "westeurope",
         "properties": {"version": "14", "backup": {"backupRetentionDays": 7},
                        "network": {"publicNetworkAccess": "Enabled"}}},
        {"type": "Microsoft.Cache/redis", "apiVersion": "2022-12-01",
         "name": "[format('{0}-cache', parameters('prefix'))]", "location": "westeurope",
         "properties": {"enableNonSslPort": True, "sku": {"name": "Basic", "family": "C", "capacity": 1}}},
    ],
}, indent=2)


def test_an_arm_name_left_an_expression_is_fixed_by_that_expression(tmp_path: Path) -> None:
    root = _write(tmp_path, {"azuredeploy.json": ARM_EXPRESSION_NAMES})
    result = run_cli("scan", str(root), "--format", "json")
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    violations = [f for f in report["findings"] if f["status"] == "violates"]
    assert {f["resource"]["type"] for f in violations} >= {"Microsoft.DBforPostgreSQL/flexibleServers",
                                                          "Microsoft.Cache/redis"}
    written = {"Microsoft.DBforPostgreSQL/flexibleServers": "[concat(parameters('prefix'), '-db')]",
               "Microsoft.Cache/redis": "[format('{0}-cache', parameters('prefix'))]"}
    named = 0
    for finding in violations:
        snippet = finding["remediation"]["snippet"] if finding.get("remediation") else ""
        assert "<unresolved" not in snippet, snippet
        if finding["remediation"]["format"] == "arm" and snippet.lstrip().startswith("{"):
            body = json.loads(snippet)
            if body.get("type") == finding["resource"]["type"]:
                # the name as the template writes it: a user can paste the fix back into the same resource
                assert body["name"] == written[body["type"]], body
                named += 1
    assert named >= 2


# --- fault isolation: one failing stage on one file, resource or policy ------------------------------------

SECRET = "Zq8-very-secret-Pw-4471"
GOOD = {
    "db.tf": f"""resource "aws_db_instance" "main" {{
  engine                  = "postgres"
  engine_version          = "16"
  backup_retention_period = 7
  password                = "{SECRET}"
}}
""",
    "sg.tf": EMPTY_PORTS["main.tf"].replace('""', "22"),
    "sg.yaml": EMPTY_PORTS["sg.yaml"].replace('""', "5432"),
    "deploy.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: marketing-engine}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: marketingengine/api:latest
""",
}


def _loader(name: str):  # type: ignore[no-untyped-def]
    from scanner.loaders import all_loaders

    return next(loader for loader in all_loaders() if loader.name == name)


def _fails_on(monkeypatch: pytest.MonkeyPatch, owner: object, attribute: str, when: object,
              exc: Exception) -> None:
    """Make ``owner.attribute`` (or ``owner[attribute]``) raise ``exc`` when ``when(*args)`` holds."""
    original = owner[attribute] if isinstance(owner, dict) else getattr(owner, attribute)

    def failing(*args: object, **kwargs: object) -> object:
        if when(*args):  # type: ignore[operator]
            raise exc
        return original(*args, **kwargs)

    if isinstance(owner, dict):
        monkeypatch.setitem(owner, attribute, failing)
    else:
        monkeypatch.setattr(owner, attribute, failing)


def _statuses(report) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    return {(f.policy_id, Path(f.file or "").name): f.status.value for f in report.findings}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_loader_that_raises_on_one_file_is_an_error_finding_for_that_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    from scanner.loaders import parallel

    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1)
    root = _write(tmp_path, GOOD)
    _fails_on(monkeypatch, type(_loader("kubernetes")), "load", lambda _self, path, _text: path.endswith("deploy.yaml"),
              RuntimeError(f"bad node near {SECRET}"))
    report = scan(ScanOptions([str(root)], jobs=jobs))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert [(Path(f.file or "").name, f.policy_id) for f in errors] == [("deploy.yaml", "SD-PARSE")]
    assert "kubernetes loader failed" in errors[0].message and "RuntimeError" in errors[0].message
    assert SECRET not in errors[0].message  # the literal password of db.tf is masked here too
    judged = {Path(f.file or "").name for f in report.findings if f.status != Status.ERROR}
    assert {"db.tf", "sg.tf", "sg.yaml"} <= judged


def test_a_linker_that_raises_leaves_the_files_checked_as_written(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write(tmp_path, GOOD)
    _fails_on(monkeypatch, type(_loader("terraform")), "link", lambda *_: True, KeyError("module"))
    report = scan(ScanOptions([str(root)]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert len(errors) == 1 and "linking the terraform files failed" in errors[0].message, errors
    assert _statuses(report)[("ME-DB-02", "db.tf")] == "violates"  # still judged from the file as written
    assert _statuses(report)[("ME-K8S-03", "deploy.yaml")] == "violates"


def test_a_linker_that_raises_on_files_inside_and_outside_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import EXAMPLE, ROOT

    monkeypatch.chdir(ROOT)  # the example's files are shown relative, tmp_path's absolute
    root = _write(tmp_path, GOOD)
    _fails_on(monkeypatch, type(_loader("terraform")), "link", lambda *_: True, KeyError("module"))
    report = scan(ScanOptions([str(root), str((EXAMPLE / "gcp").relative_to(ROOT))]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert len(errors) == 1 and errors[0].file == ".", errors


def test_a_transform_that_raises_makes_only_the_checks_reading_its_fact_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import mappings

    mappings.TRANSFORMS.import_all()
    root = _write(tmp_path, GOOD)
    _fails_on(monkeypatch, mappings.TRANSFORMS.loaded, "aws_sg_ingress", lambda *_: True, TypeError("unhashable"))
    report = scan(ScanOptions([str(root)]))
    errors = [f for f in report.findings if f.status == Status.ERROR]
    assert errors and {Path(f.file or "").name for f in errors} == {"sg.tf", "sg.yaml"}
    for finding in errors:
        assert finding.policy_id.startswith("ME-NET"), finding.policy_id
        assert finding.resource_address in ("aws_security_group.web", "Web")
        assert "ingress_rules" in finding.message and "TypeError: unhashable" in finding.message
        assert finding.line is not None
    assert _statuses(report)[("ME-DB-02", "db.tf")] == "violates"


def test_a_check_function_that_raises_is_an_error_for_that_policy_and_resource(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.policy import functions

    functions.FUNCTIONS.import_all()
    root = _write(tmp_path, GOOD)
    report = scan(ScanOptions([str(root)]))
    # every registered function fails on the Deployment: its policies are errors, the others still judge
    for fn in list(functions.FUNCTIONS.loaded):
        _fails_on(monkeypatch, functions.FUNCTIONS.loaded, fn, lambda ctx, *_: ctx.resource.type == "Deployment",
                  ZeroDivisionError("division by zero"))
    faulty = scan(ScanOptions([str(root)]))
    before, after = _statuses(report), _statuses(faulty)
    assert after[("ME-DB-02", "db.tf")] == before[("ME-DB-02", "db.tf")] == "violates"
    changed = {key for key in before if before[key] != after.get(key)}
    assert changed and all(key[1] == "deploy.yaml" and after[key] == "error" for key in changed), changed
    error = next(f for f in faulty.findings if f.status == Status.ERROR)
    assert error.policy_id in error.message and "ZeroDivisionError" in error.message
    assert error.resource_address == "marketing-engine/Deployment/api" and error.line


def test_a_fix_that_cannot_be_written_keeps_the_violation_and_reports_the_fault(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.mappings import remediation

    root = _write(tmp_path, GOOD)
    _fails_on(monkeypatch, remediation, "render", lambda *_: True, ValueError("no such path"))
    report = scan(ScanOptions([str(root)], policies=["ME-DB-02"]))
    by_status = {f.status: f for f in report.findings}
    assert by_status[Status.VIOLATES].remediation is None or by_status[Status.VIOLATES].remediation.format == "text"
    fault = by_status[Status.ERROR]
    assert fault.policy_id == "ME-DB-02" and fault.resource_address == "aws_db_instance.main"
    assert "writing the fix failed (ValueError: no such path)" in fault.message
    assert fault.fingerprint != by_status[Status.VIOLATES].fingerprint


def test_a_faulty_stage_is_not_an_internal_error_on_the_command_line(tmp_path: Path) -> None:
    # A real fault, not a mock: a loader fed content it cannot read is reported per file; exit is the gate's.
    root = _write(tmp_path, {**GOOD, **{f"bad{name}": text for name, text in EMPTY_PORTS.items()}})
    (root / "nsg2.json").write_text(ARM_EXPRESSION_NAMES)
    result = run_cli("scan", str(root), "--format", "json")
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr


@pytest.mark.parametrize(("address", "labels"), [
    ("aws_db_instance.main", ("aws_db_instance", "main")),
    ("module.db.aws_db_instance.main", ("aws_db_instance", "main")),
    ('aws_s3_bucket.this["logs.v2"]', ("aws_s3_bucket", "this")),
    ('module.x["a"].aws_s3_bucket.this[0]', ("aws_s3_bucket", "this")),
    ("data.aws_vpc.default", ("aws_vpc", "default")),
])
def test_a_terraform_fix_names_the_block_by_its_labels(address: str, labels: tuple[str, str]) -> None:
    from scanner.mappings.remediation import terraform_labels

    assert terraform_labels(address) == labels


ARM_HEAD = f'{{\n  "$schema": "{ARM_SCHEMA}",\n'
MALFORMED_SHAPES = {
    "params.json": (ARM_HEAD + '  "parameters": [1],\n  "resources": [{"type": "Microsoft.Cache/redis", '
                    '"name": "[parameters(\'p\')]"}]\n}\n', 3, "parameters must be an object"),
    "props.json": (ARM_HEAD + '  "resources": [\n    {"type": "Microsoft.Cache/redis", "name": "c",\n'
                   '     "properties": "abc"}\n  ]\n}\n', 5, "properties of Microsoft.Cache/redis c must be an object"),
    "cfn.yaml": ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n'
                 '    Properties: abc\n', 5, "Properties of Db must be a mapping"),
    "pod.yaml": ("apiVersion: v1\nkind: Pod\nmetadata: abc\nspec: {}\n", 3, "metadata must be a mapping"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_SHAPES))
def test_a_section_of_the_wrong_shape_is_an_error_at_its_line(tmp_path: Path, name: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_DEBUG", "1")  # a root cause, not a fault caught at the boundary
    text, line, message = MALFORMED_SHAPES[name]
    report = scan(ScanOptions([str(_write(tmp_path, {name: text}))]))
    errors = [(f.line, f.message) for f in report.findings if f.status == Status.ERROR]
    assert errors == [(line, message)], errors
