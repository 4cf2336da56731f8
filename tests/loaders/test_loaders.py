"""Loaders: lines, references, content detection."""

from __future__ import annotations

from pathlib import Path

import yaml

from scanner.mappings import load_paths
from scanner.model import Unresolved
from tests.conftest import EXAMPLE


def _by_address(path: Path | str, **context):
    outcome = load_paths([path], context)
    assert not outcome.errors, outcome.errors
    return {r.address: r for r in outcome.resources}


def test_terraform_blocks_and_attribute_lines() -> None:
    res = _by_address(EXAMPLE / "gcp")
    sql = res["google_sql_database_instance.postgres"]
    assert sql.origin.line == 95 and sql.origin.end_line == 131
    assert sql.facts["publicly_accessible"] is False
    assert sql.fact_lines["publicly_accessible"] == 121  # the ipv4_enabled line
    pool = res["google_container_node_pool.primary_nodes"]
    assert pool.attributes["node_config"][0]["machine_type"] == "n1-standard-4"
    assert isinstance(pool.attributes["location"], Unresolved)
    assert "var.region" in pool.attributes["location"].expression


def test_terraform_variables_locals_and_tfvars(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "days" {\n  default = 14\n}\nvariable "env" {}\nlocals {\n  name = "pg-${var.env}"\n'
        '  keep = var.days\n}\n')
    (tmp_path / "main.tf").write_text(
        'resource "aws_db_instance" "db" {\n  identifier = local.name\n  backup_retention_period = local.keep\n}\n')
    db = _by_address(tmp_path)["aws_db_instance.db"]
    assert db.facts["backup_retention"].text == "14d"
    assert isinstance(db.attributes["identifier"], Unresolved)
    assert "env" in db.attributes["identifier"].reason
    (tmp_path / "prod.tfvars").write_text('env = "prod"\ndays = 35\n')
    db = _by_address(tmp_path, var_files=[str(tmp_path / "prod.tfvars")])["aws_db_instance.db"]
    assert db.attributes["identifier"] == "pg-prod"
    assert db.facts["backup_retention"].text == "35d"


def test_hcl_detected_by_content_despite_yaml_extension(tmp_path: Path) -> None:
    f = tmp_path / "guide-fence.yaml"
    f.write_text('resource "aws_db_instance" "db" {\n  backup_retention_period = 30\n}\n')
    outcome = load_paths([f])
    assert outcome.files == {str(f): "terraform"} or list(outcome.files.values()) == ["terraform"]


def test_cloudformation_short_tags_lines_and_global_loader_untouched() -> None:
    before = dict(yaml.SafeLoader.yaml_constructors), dict(yaml.SafeLoader.yaml_multi_constructors)
    res = _by_address(EXAMPLE / "aws")
    assert (dict(yaml.SafeLoader.yaml_constructors), dict(yaml.SafeLoader.yaml_multi_constructors)) == before
    subnet = res["PublicSubnetA"]
    assert subnet.attributes["VpcId"] == {"Ref": "VPC"}
    assert subnet.attributes["AvailabilityZone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    cluster = res["RDSCluster"]
    assert cluster.origin.line == 53
    assert cluster.fact_lines["backup_retention"] == 65
    assert cluster.attributes["MasterUserPassword"] == {"Ref": "DBPassword"}  # the excerpt declares no parameters
    assert yaml.safe_load("a: 1") == {"a": 1}


def test_cloudformation_parameters_resolved_and_noecho_kept_secret(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("Parameters:\n  Days: {Type: Number, Default: 30}\n  Pw: {Type: String, NoEcho: true}\n"
                 "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n"
                 "      BackupRetentionPeriod: !Ref Days\n      MasterUserPassword: !Ref Pw\n")
    db = _by_address(f)["Db"]
    assert db.facts["backup_retention"].text == "30d"
    assert isinstance(db.attributes["MasterUserPassword"], Unresolved)
    assert "NoEcho" in db.attributes["MasterUserPassword"].reason


def test_arm_parameters_resolved() -> None:
    res = _by_address(EXAMPLE / "azure")
    pg = res["Microsoft.DBforPostgreSQL/flexibleServers/marketing-engine-postgres"]
    assert pg.origin.line == 61
    assert isinstance(pg.attributes["location"], Unresolved)  # defaultValue is itself an expression
    assert pg.facts["backup_retention"].text == "30d"
    aks = res["Microsoft.ContainerService/managedClusters/marketing-engine-aks"]
    assert aks.attributes["properties"]["agentPoolProfiles"][0]["vmSize"] == "Standard_DS3_v2"


def test_kubernetes_multi_document_lines(tmp_path: Path) -> None:
    f = tmp_path / "all.yaml"
    docs = [(EXAMPLE / "kubernetes" / n).read_text() for n in ("namespace.yaml", "deployment.yaml", "service.yaml")]
    f.write_text("---\n".join(docs))
    res = _by_address(f)
    assert set(res) == {"Namespace/marketing-engine", "marketing-engine/Deployment/api-server",
                        "marketing-engine/Service/api-server"}
    dep = res["marketing-engine/Deployment/api-server"]
    text = f.read_text().splitlines()
    assert text[dep.fact_lines["replicas"] - 1].strip() == "replicas: 3"
    assert dep.facts["images"] == ["marketingengine/api:latest"]


def test_unrecognised_files_are_skipped_not_errors(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# hello\n")
    (tmp_path / "settings.yaml").write_text("replicaCount: 3\n")
    (tmp_path / "values.yaml").write_text("replicaCount: 3\n")
    outcome = load_paths([tmp_path])
    assert not outcome.errors and not outcome.resources
    assert len(outcome.skipped) == 2
    assert list(outcome.not_infrastructure.values()) == ["Helm values"]  # known, so noted rather than unclaimed


def _tfvars_module(root: Path, default: int = 30) -> None:
    (root / "main.tf").write_text(
        f'variable "days" {{\n  default = {default}\n}}\nvariable "env" {{\n  default = "dev"\n}}\n'
        'resource "aws_db_instance" "db" {\n  identifier = "pg-${var.env}"\n  backup_retention_period = var.days\n}\n'
        'module "child" {\n  source = "./child"\n}\n')
    (root / "child").mkdir()
    (root / "child" / "main.tf").write_text(
        'variable "days" {\n  default = 35\n}\n'
        'resource "aws_db_instance" "c" {\n  backup_retention_period = var.days\n}\n')


def test_terraform_loads_the_root_modules_own_variables_files_as_terraform_does(tmp_path: Path) -> None:
    """terraform.tfvars(.json), then *.auto.tfvars(.json) in lexical order, then --var-file: later wins."""
    _tfvars_module(tmp_path)
    (tmp_path / "terraform.tfvars").write_text("days = 1\n")  # a compliant default overridden: must not pass
    res = _by_address(tmp_path)
    assert res["aws_db_instance.db"].facts["backup_retention"].text == "1d"
    assert res["module.child.aws_db_instance.c"].facts["backup_retention"].text == "35d"  # not the root's file
    (tmp_path / "terraform.tfvars.json").write_text('{"days": 2, "env": "json"}')
    (tmp_path / "b.auto.tfvars").write_text("days = 4\n")
    (tmp_path / "a.auto.tfvars.json").write_text('{"days": 3, "env": "auto"}')
    res = _by_address(tmp_path)
    assert res["aws_db_instance.db"].facts["backup_retention"].text == "4d"
    assert res["aws_db_instance.db"].attributes["identifier"] == "pg-auto"
    (tmp_path / "child" / "terraform.tfvars").write_text("days = 5\n")  # a called module's own file is ignored
    explicit = tmp_path / "prod.tfvars"
    explicit.write_text("days = 40\n")
    res = _by_address(tmp_path, var_files=[str(explicit)])
    assert res["aws_db_instance.db"].facts["backup_retention"].text == "40d"
    assert res["module.child.aws_db_instance.c"].facts["backup_retention"].text == "35d"


def test_an_unreadable_variables_file_is_a_parse_error_and_its_module_unknown(tmp_path: Path) -> None:
    _tfvars_module(tmp_path)
    (tmp_path / "terraform.tfvars").write_text("days = 30\nenv =\n")
    (tmp_path / "x.auto.tfvars.json").write_text("[1, 2]")
    outcome = load_paths([tmp_path])
    errors = {(Path(e.file).name, e.line): e.message for e in outcome.errors}
    assert ("terraform.tfvars", 3) in errors or ("terraform.tfvars", 2) in errors, errors
    assert any(name == "x.auto.tfvars.json" and "one object" in message for (name, _), message in errors.items())
    res = {r.address: r for r in outcome.resources}
    days = res["aws_db_instance.db"].attributes["backup_retention_period"]
    assert isinstance(days, Unresolved) and "could not be read" in days.reason  # not the default's 30
    assert res["module.child.aws_db_instance.c"].facts["backup_retention"].text == "35d"  # the scan goes on
