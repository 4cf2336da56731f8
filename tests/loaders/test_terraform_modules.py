"""Terraform modules from the registry and git: modules.json, unknowns for unseen modules, downloads, roots."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from scanner.loaders.terraform_modules import (
    ModuleSource,
    VersionError,
    newest_matching,
    parse_source,
)
from scanner.mappings import load_paths
from scanner.model import Finding, Severity, Status
from scanner.scan import ScanOptions, scan
from tests.conftest import ROOT, run_cli, write_files
from tests.module_registry import Registry, make_ca, serve, tar_gz, zip_bytes

DB_MODULE = (
    'variable "backup_retention_period" {\n  default = 1\n}\n'
    'variable "storage_encrypted" {\n  default = true\n}\n'
    'resource "aws_db_instance" "this" {\n'
    '  engine                  = "postgres"\n'
    '  backup_retention_period = var.backup_retention_period\n'
    '  storage_encrypted       = var.storage_encrypted\n'
    '  deletion_protection     = true\n'
    '}\n')


def _findings(path: Path, **options: object) -> list[Finding]:
    return scan(ScanOptions(paths=[str(path)], **options)).findings  # type: ignore[arg-type]


def _by(findings: list[Finding], policy: str) -> dict[str, Finding]:
    return {f.resource_address: f for f in findings if f.policy_id == policy}


# --- 1. modules.json, as terraform init leaves it -----------------------------------------------------

def _initialised_root(root: Path, manifest: object) -> None:
    write_files(root, {
        "main.tf": 'module "db" {\n  source  = "terraform-aws-modules/rds/aws"\n  version = "~> 6.1"\n'
                   '  backup_retention_period = 7\n}\n',
        ".terraform/modules/db/main.tf":
            'variable "backup_retention_period" {}\n'
            'module "db_instance" {\n  source = "./modules/db_instance"\n'
            '  backup_retention_period = var.backup_retention_period\n}\n'
            'module "kms" {\n  source  = "terraform-aws-modules/kms/aws"\n  version = "2.0.0"\n}\n',
        ".terraform/modules/db/modules/db_instance/main.tf": DB_MODULE,
        ".terraform/modules/db.kms/main.tf":
            'resource "aws_db_instance" "replica" {\n  backup_retention_period = 3\n}\n',
        ".terraform/modules/modules.json": json.dumps(manifest),
    })


MANIFEST = {"Modules": [
    {"Key": "", "Source": "", "Dir": "."},
    {"Key": "db", "Source": "registry.terraform.io/terraform-aws-modules/rds/aws", "Version": "6.1.0",
     "Dir": ".terraform/modules/db"},
    {"Key": "db.db_instance", "Source": "./modules/db_instance", "Dir": ".terraform/modules/db/modules/db_instance"},
    {"Key": "db.kms", "Source": "registry.terraform.io/terraform-aws-modules/kms/aws", "Version": "2.0.0",
     "Dir": ".terraform/modules/db.kms"},
]}


def test_a_registry_module_installed_by_terraform_init_is_read_from_modules_json(tmp_path: Path) -> None:
    _initialised_root(tmp_path, MANIFEST)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    res = {r.address: r for r in outcome.resources}
    db = res["module.db.module.db_instance.aws_db_instance.this"]
    assert db.facts["backup_retention"].text == "7d"  # the root's input, through the module's variable
    assert db.origin.file is not None and db.origin.file.endswith(".terraform/modules/db/modules/db_instance/main.tf")
    assert res["module.db.module.kms.aws_db_instance.replica"].facts["backup_retention"].text == "3d"
    retention = _by(_findings(tmp_path), "ME-DB-02")
    assert retention["module.db.module.db_instance.aws_db_instance.this"].status == Status.VIOLATES
    assert retention["module.db.module.db_instance.aws_db_instance.this"].line == 9


def test_a_modules_json_that_does_not_parse_is_an_error_with_its_line_and_the_module_stays_unknown(
        tmp_path: Path) -> None:
    _initialised_root(tmp_path, MANIFEST)
    (tmp_path / ".terraform/modules/modules.json").write_text('{"Modules": [\n  {"Key": "db",\n}')
    findings = _findings(tmp_path)
    errors = [f for f in findings if f.status == Status.ERROR]
    assert len(errors) == 1 and errors[0].file.endswith("modules.json") and errors[0].line == 3, errors
    assert _by(findings, "ME-DB-02")["module.db"].status == Status.UNKNOWN


def test_a_module_whose_source_changed_since_terraform_init_is_not_read_from_the_stale_copy(tmp_path: Path) -> None:
    stale = json.loads(json.dumps(MANIFEST))
    stale["Modules"][1]["Source"] = "registry.terraform.io/someone-else/rds/aws"
    _initialised_root(tmp_path, stale)
    retention = _by(_findings(tmp_path), "ME-DB-02")
    assert set(retention) == {"module.db"} and retention["module.db"].status == Status.UNKNOWN
    assert "terraform init" in retention["module.db"].message


# --- 2. a module nowhere to be found is unknown, never silent ----------------------------------------

def test_a_module_that_is_nowhere_yields_one_unknown_per_requirement_its_inputs_touch(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": (
        'module "db" {\n  source  = "terraform-aws-modules/rds/aws"\n  version = "6.1.0"\n'
        '  identifier = "orders"\n'
        '  backup_retention_period = 7\n  storage_encrypted = false\n  deletion_protection = false\n}\n')})
    findings = [f for f in _findings(tmp_path) if f.resource_address == "module.db"]
    by_policy = {f.policy_id: f for f in findings}
    assert {"ME-DB-02", "ME-DB-08"} <= set(by_policy), findings
    assert len(findings) == len(by_policy)  # one per policy, not one per input
    assert all(f.status == Status.UNKNOWN for f in findings)
    retention = by_policy["ME-DB-02"]
    assert retention.line == 5 and retention.observed == 7 and retention.file.endswith("main.tf")
    assert "module.db" in retention.message and "terraform-aws-modules/rds/aws" in retention.message
    assert "terraform init" in retention.message and "--download-external-modules" in retention.message
    assert "backup_retention_period" in retention.message
    assert "SD-MODULE" not in by_policy


def test_an_input_that_rules_a_policy_out_does_not_make_it_unknown(tmp_path: Path) -> None:
    """ME-DB-01 is for PostgreSQL: a module told engine = "mysql" does not touch it."""
    write_files(tmp_path, {"main.tf": (
        'module "pg" {\n  source = "terraform-aws-modules/rds/aws"\n  engine = "postgres"\n'
        '  engine_version = "14"\n}\n'
        'module "my" {\n  source = "terraform-aws-modules/rds/aws"\n  engine = "mysql"\n'
        '  engine_version = "8.0"\n}\n')})
    major = _by(_findings(tmp_path), "ME-DB-01")
    assert set(major) == {"module.pg"} and major["module.pg"].status == Status.UNKNOWN


def test_a_module_with_no_recognised_input_still_yields_a_note(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": (
        'module "labels" {\n  source = "git::https://example.com/acme/labels.git?ref=v1"\n  stage = "prod"\n}\n'
        'module "gone" {\n  source = "./modules/not-there"\n}\n'
        'module "computed" {\n  source = local.where\n}\n')})
    findings = _findings(tmp_path)
    notes = {f.resource_address: f for f in findings if f.policy_id == "SD-MODULE"}
    assert set(notes) == {"module.labels", "module.gone", "module.computed"}
    for finding in notes.values():
        assert finding.status == Status.UNKNOWN and finding.severity == Severity.INFO
    assert "git::https://example.com/acme/labels.git?ref=v1" in notes["module.labels"].message
    assert "not-there" in notes["module.gone"].message
    assert "not a literal string" in notes["module.computed"].message
    assert len(findings) == 3


# --- 3. --download-external-modules ------------------------------------------------------------------

@pytest.fixture()
def registry(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    certificates = make_ca(tmp_path_factory.mktemp("tls"))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates[0]))
    reg = Registry()
    reg.modules["acme/rds/aws"] = {v: f"/archives/rds-{v}.tar.gz" for v in
                                   ("5.0.0", "6.0.0", "6.1.0", "7.0.0", "6.9.0-beta1")}
    reg.modules["acme/rds/aws"]["6.2.1"] = "/archives/rds-6.2.1.tar.gz"
    for version in reg.modules["acme/rds/aws"]:
        reg.files[f"/archives/rds-{version}.tar.gz"] = tar_gz({
            "main.tf": DB_MODULE.replace('"this"', f'"v{version.replace(".", "_").replace("-", "_")}"'),
            "modules/replica/main.tf": 'resource "aws_db_instance" "replica" {\n  backup_retention_period = 2\n}\n'})
    # GitHub's archives have a top directory: the registry says so with ``//*`` and names the type.
    reg.modules["acme/cluster/aws"] = {"1.0.0": "/codeload/cluster-1.0.0//*?archive=zip"}
    reg.files["/codeload/cluster-1.0.0"] = zip_bytes({
        "terraform-aws-cluster-1.0.0/main.tf":
            'resource "aws_rds_cluster" "this" {\n  backup_retention_period = 35\n}\n'})
    with serve(reg, certificates) as running:
        yield running


def test_download_resolves_the_version_constraint_over_the_registry_protocol(registry: Registry,
                                                                            tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": (
        f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n  version = "~> 6.1"\n'
        '  backup_retention_period = 7\n}\n'
        f'module "replica" {{\n  source  = "{registry.host}/acme/rds/aws//modules/replica"\n'
        '  version = ">= 5.0, < 7"\n}\n'
        f'module "cluster" {{\n  source  = "{registry.host}/acme/cluster/aws"\n}}\n')})
    retention = _by(_findings(tmp_path, download_external_modules=True), "ME-DB-02")
    assert retention["module.db.aws_db_instance.v6_2_1"].status == Status.VIOLATES  # 6.2.1: newest ~> 6.1
    assert retention["module.replica.aws_db_instance.replica"].observed == "2d"
    assert retention["module.cluster.aws_rds_cluster.this"].status == Status.COMPLIES
    assert "module.db" not in retention
    assert "/.well-known/terraform.json" in registry.requests
    assert "/v1/modules/acme/rds/aws/6.2.1/download" in registry.requests
    fetched = len(registry.requests)
    again = _by(_findings(tmp_path, download_external_modules=True), "ME-DB-02")  # from the cache now
    assert again["module.db.aws_db_instance.v6_2_1"].status == Status.VIOLATES
    assert not [r for r in registry.requests[fetched:] if r.startswith("/archives/")]


def test_the_requests_ca_bundle_is_trusted_when_ssl_cert_file_is_not_set(registry: Registry, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["SSL_CERT_FILE"])
    monkeypatch.delenv("SSL_CERT_FILE")
    write_files(tmp_path, {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                 '  version = "5.0.0"\n  backup_retention_period = 7\n}\n'})
    retention = _by(_findings(tmp_path, download_external_modules=True), "ME-DB-02")
    assert retention["module.db.aws_db_instance.v5_0_0"].status == Status.VIOLATES


def test_a_registry_token_goes_to_the_registry_api_only(registry: Registry, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_TOKEN_127_0_0_1", "s3cr3t-token")
    write_files(tmp_path, {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                 '  version = "6.0.0"\n}\n'})
    _findings(tmp_path, download_external_modules=True)
    assert registry.authorization.get("/v1/modules/acme/rds/aws/6.0.0/download") == "Bearer s3cr3t-token"
    assert "/archives/rds-6.0.0.tar.gz" in registry.requests
    assert not [path for path in registry.authorization if path.startswith("/archives/")]


def test_without_the_flag_nothing_is_fetched(registry: Registry, tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                 '  backup_retention_period = 7\n}\n'})
    retention = _by(_findings(tmp_path), "ME-DB-02")
    assert retention["module.db"].status == Status.UNKNOWN
    assert registry.requests == []


def test_a_version_no_release_satisfies_is_unknown_naming_the_constraint(registry: Registry, tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                 '  version = "~> 8.0"\n  backup_retention_period = 7\n}\n'})
    retention = _by(_findings(tmp_path, download_external_modules=True), "ME-DB-02")
    assert retention["module.db"].status == Status.UNKNOWN and "~> 8.0" in retention["module.db"].message


def test_the_cli_flag_downloads_and_the_configuration_key_too(registry: Registry, tmp_path: Path) -> None:
    write_files(tmp_path / "infra", {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                           '  version = "6.1.0"\n  backup_retention_period = 7\n}\n'})
    env = {"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"], "PYTHONPATH": str(ROOT)}  # this checkout's scanner
    flagged = run_cli("scan", "infra", "--format", "json", "--download-external-modules", cwd=tmp_path, env=env)
    assert flagged.returncode == 1, flagged.stderr
    addresses = {f["resource"]["address"] for f in json.loads(flagged.stdout)["findings"]}
    assert "module.db.aws_db_instance.v6_1_0" in addresses, addresses
    (tmp_path / ".specdrift.yaml").write_text("download_external_modules: true\n")
    configured = run_cli("config", cwd=tmp_path, env=env)
    assert "download_external_modules" in configured.stdout and "True" in configured.stdout.replace("true", "True")


def test_git_sources_are_cloned_at_their_ref(tmp_path: Path) -> None:
    repo = tmp_path / "upstream"
    write_files(repo, {"modules/db/main.tf": DB_MODULE})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    subprocess.run([*git, "tag", "v1.0.0"], check=True)
    (repo / "modules/db/main.tf").write_text(DB_MODULE.replace('"this"', '"after_the_tag"'))
    subprocess.run([*git, "commit", "-qam", "later"], check=True)
    first = subprocess.run([*git, "rev-list", "--max-parents=0", "HEAD"], check=True, capture_output=True,
                           text=True).stdout.strip()
    root = tmp_path / "infra"
    write_files(root, {"main.tf": f'module "db" {{\n  source = "git::file://{repo}//modules/db?ref=v1.0.0"\n'
                             '  backup_retention_period = 40\n}\n'
                             f'module "pinned" {{\n  source = "git::file://{repo}//modules/db?ref={first}"\n'
                             '  backup_retention_period = 3\n}\n'})
    retention = _by(_findings(root, download_external_modules=True), "ME-DB-02")
    assert retention["module.db.aws_db_instance.this"].status == Status.COMPLIES
    assert retention["module.pinned.aws_db_instance.this"].status == Status.VIOLATES  # a commit, not a tag
    assert not any("after_the_tag" in address for address in retention)


def test_an_unreachable_registry_falls_back_to_a_cached_copy_that_satisfies_the_constraint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    certificates = make_ca(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates[0]))
    reg = Registry(modules={"acme/rds/aws": {"6.1.0": "/a.tar.gz"}},
                   files={"/a.tar.gz": tar_gz({"main.tf": DB_MODULE})})
    infra = tmp_path / "infra"
    with serve(reg, certificates):
        write_files(infra, {"main.tf": f'module "db" {{\n  source  = "{reg.host}/acme/rds/aws"\n'
                                  '  version = "~> 6.0"\n  backup_retention_period = 7\n}\n'})
        first = _by(_findings(infra, download_external_modules=True), "ME-DB-02")
    assert first["module.db.aws_db_instance.this"].status == Status.VIOLATES
    offline = _by(_findings(infra, download_external_modules=True), "ME-DB-02")  # the server is gone
    assert offline["module.db.aws_db_instance.this"].status == Status.VIOLATES


def test_an_archive_that_would_write_outside_its_directory_is_refused(tmp_path: Path) -> None:
    from scanner.loaders.terraform_registry import FetchError, _untar, _unzip

    with pytest.raises(FetchError):
        _unzip(zip_bytes({"../escaped.tf": "x"}), tmp_path / "zip")
    with pytest.raises(FetchError):
        _untar(tar_gz({"../escaped.tf": "x"}), tmp_path / "tar")
    assert not (tmp_path / "escaped.tf").exists()


# --- version constraints and source addresses ---------------------------------------------------------

@pytest.mark.parametrize(("constraint", "expected"), [
    ("~> 6.1", "6.2.1"), ("~> 6.1.0", "6.1.0"), (">= 5.0, < 7", "6.2.1"), ("6.0.0", "6.0.0"), ("= 6.0.0", "6.0.0"),
    ("!= 7.0.0", "6.2.1"), (None, "7.0.0"), ("~> 6", "7.0.0"), ("> 7.0.0", None), ("6.9.0-beta1", "6.9.0-beta1"),
])
def test_version_constraints_as_terraform_reads_them(constraint: str | None, expected: str | None) -> None:
    available = ["5.0.0", "6.0.0", "6.1.0", "6.2.1", "6.9.0-beta1", "7.0.0"]
    assert newest_matching(available, constraint) == expected


def test_a_malformed_constraint_is_an_error() -> None:
    with pytest.raises(VersionError):
        newest_matching(["1.0.0"], "~> banana")


@pytest.mark.parametrize(("text", "kind", "where"), [
    ("./modules/db", "local", "./modules/db"),
    ("terraform-aws-modules/rds/aws", "registry", "registry.terraform.io/terraform-aws-modules/rds/aws"),
    ("app.terraform.io/acme/rds/aws//modules/x", "registry", "app.terraform.io/acme/rds/aws"),
    ("github.com/acme/repo//sub?ref=v1", "git", "https://github.com/acme/repo.git"),
    ("git::https://example.com/repo.git?ref=v2", "git", "https://example.com/repo.git"),
    ("git@github.com:acme/repo.git", "git", "git@github.com:acme/repo.git"),
    ("https://example.com/module.zip", "archive", "https://example.com/module.zip"),
    ("s3::https://s3.amazonaws.com/bucket/module.zip", "other", "s3::https://s3.amazonaws.com/bucket/module.zip"),
])
def test_source_addresses_are_told_apart(text: str, kind: str, where: str) -> None:
    source = parse_source(text)
    assert isinstance(source, ModuleSource) and source.kind == kind and source.location == where
    if "//sub" in text:
        assert source.subdir == "sub"
    if "?ref=v1" in text:
        assert source.ref == "v1"


# --- 4. two roots calling the same module ------------------------------------------------------------

def test_two_roots_calling_the_same_local_module_say_which_root_each_finding_came_from(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "modules/db/main.tf": DB_MODULE,
        "envs/prod/main.tf": 'module "db" {\n  source = "../../modules/db"\n  backup_retention_period = 7\n}\n',
        "envs/staging/main.tf": 'module "db" {\n  source = "../../modules/db"\n  backup_retention_period = 35\n}\n',
        "solo/main.tf": 'module "own" {\n  source = "../modules/db"\n  backup_retention_period = 30\n}\n',
    })
    findings = [f for f in _findings(tmp_path) if f.policy_id == "ME-DB-02"]
    by_address = {f.resource_address: f for f in findings}
    prod = next(a for a in by_address if "prod" in a)
    staging = next(a for a in by_address if "staging" in a)
    assert prod.endswith(":module.db.aws_db_instance.this") and prod.startswith(str(tmp_path / "envs/prod"))
    assert by_address[prod].status == Status.VIOLATES and by_address[staging].status == Status.COMPLIES
    assert by_address[prod].fingerprint != by_address[staging].fingerprint
    assert by_address[prod].file == by_address[staging].file  # both in the module's own file
    assert "module.own.aws_db_instance.this" in by_address  # no collision: the address terraform would print


def test_a_cache_that_cannot_be_written_leaves_the_module_unknown_and_the_scan_going(
        registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("SPECDRIFT_CACHE_DIR", str(blocked))
    write_files(tmp_path / "infra", {"main.tf": f'module "db" {{\n  source  = "{registry.host}/acme/rds/aws"\n'
                                           '  backup_retention_period = 7\n}\n'
                                           'resource "aws_db_instance" "own" {\n  backup_retention_period = 3\n}\n'})
    retention = _by(_findings(tmp_path / "infra", download_external_modules=True), "ME-DB-02")
    assert retention["module.db"].status == Status.UNKNOWN and "could not" in retention["module.db"].message
    assert retention["aws_db_instance.own"].status == Status.VIOLATES


def test_an_installed_module_file_that_does_not_parse_is_an_error_with_its_line(tmp_path: Path) -> None:
    _initialised_root(tmp_path, MANIFEST)
    (tmp_path / ".terraform/modules/db.kms/main.tf").write_text('resource "aws_db_instance" "replica" {\n  x = \n')
    findings = _findings(tmp_path)
    errors = [f for f in findings if f.status == Status.ERROR]
    assert len(errors) == 1 and errors[0].file.endswith(".terraform/modules/db.kms/main.tf") and errors[0].line
    retention = _by(findings, "ME-DB-02")  # the rest of the module tree is still judged
    assert retention["module.db.module.db_instance.aws_db_instance.this"].status == Status.VIOLATES


def test_a_bare_flag_like_enabled_is_not_read_as_every_nested_setting_of_that_name(tmp_path: Path) -> None:
    """cloudposse modules all take ``enabled``: it is not ``versioning.enabled`` or ``logging.enabled``."""
    write_files(tmp_path,
                {"main.tf": 'module "bucket" {\n  source  = "cloudposse/s3-bucket/aws"\n  enabled = true\n}\n'})
    findings = [f for f in _findings(tmp_path) if f.resource_address == "module.bucket"]
    assert [f.policy_id for f in findings] == ["SD-MODULE"], [(f.policy_id, f.message) for f in findings]


def test_an_object_input_is_read_by_the_nested_settings_it_names(tmp_path: Path) -> None:
    """terraform-google-sql-db takes ``backup_configuration = { retained_backups = 7 }``."""
    write_files(tmp_path, {"main.tf": (
        'module "sql" {\n  source = "GoogleCloudPlatform/sql-db/google//modules/postgresql"\n'
        '  backup_configuration = {\n    enabled          = true\n    retained_backups = 7\n  }\n}\n')})
    retention = _by(_findings(tmp_path), "ME-DB-02")
    assert retention["module.sql"].status == Status.UNKNOWN
    assert "backup_configuration.retained_backups = 7" in retention["module.sql"].message
    assert retention["module.sql"].line == 3 and retention["module.sql"].observed == 7  # the input's line


def test_a_flat_input_is_read_as_the_setting_of_the_service_the_module_is_named_for(tmp_path: Path) -> None:
    """``tier`` is Cloud SQL's ``settings.tier`` and Memorystore's ``tier``: a ``sql-db`` module means the first."""
    write_files(tmp_path, {"main.tf": (
        'module "sql" {\n  source = "GoogleCloudPlatform/sql-db/google//modules/postgresql"\n'
        '  tier = "db-custom-2-7680"\n}\n'
        'module "cache" {\n  source = "terraform-google-modules/memorystore/google"\n  tier = "BASIC"\n}\n')})
    findings = _findings(tmp_path)
    sql = {f.policy_id for f in findings if f.resource_address == "module.sql"}
    cache = {f.policy_id for f in findings if f.resource_address == "module.cache"}
    assert "ME-DB-10" in sql and not any(p.startswith("ME-RED") for p in sql), sql
    assert not any(p.startswith("ME-DB") for p in cache), cache


# --- cycles and depth: an error finding, never resources silently dropped (issue 17) ---------------------

PUBLIC_DB = 'resource "aws_db_instance" "{name}" {{\n  publicly_accessible = true\n}}\n'


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == Status.ERROR]


def _addresses(findings: list[Finding]) -> set[str]:
    return {f.resource_address for f in findings if f.status != Status.ERROR and f.resource_address}


def test_a_module_calling_its_own_directory_is_an_error_and_its_resources_are_still_checked(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": 'module "me" {\n  source = "./"\n}\n' + PUBLIC_DB.format(name="db")})
    findings = _findings(tmp_path)
    errors = _errors(findings)
    assert len(errors) == 1 and errors[0].file.endswith("main.tf") and errors[0].line == 1, errors
    assert "module.me" in errors[0].message and "cycle" in errors[0].message
    assert _addresses(findings) == {"aws_db_instance.db"}


def test_mutually_recursive_modules_are_one_error_and_each_resource_is_instantiated_once(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + PUBLIC_DB.format(name="in_a"),
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n' + PUBLIC_DB.format(name="in_b"),
    })
    findings = _findings(tmp_path)
    errors = _errors(findings)
    assert len(errors) == 1 and errors[0].file.endswith(os.path.join("b", "main.tf")), errors
    assert "cycle" in errors[0].message and "module.a" in errors[0].message
    assert _addresses(findings) == {"module.a.aws_db_instance.in_a", "module.a.module.b.aws_db_instance.in_b"}


def test_a_cycle_no_root_calls_is_still_read_and_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + PUBLIC_DB.format(name="in_a"),
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n' + PUBLIC_DB.format(name="in_b"),
    })
    findings = _findings(tmp_path)
    assert len(_errors(findings)) == 1
    assert {"aws_db_instance.in_a", "module.b.aws_db_instance.in_b"} <= _addresses(findings)


def test_a_deep_chain_of_distinct_modules_drops_no_resource(tmp_path: Path) -> None:
    depth = 12  # deeper than any fixed limit a loader might keep silently
    files = {"main.tf": 'module "m1" {\n  source = "./m1"\n}\n'}
    for level in range(1, depth + 1):
        call = f'module "m{level + 1}" {{\n  source = "../m{level + 1}"\n}}\n' if level < depth else ""
        files[f"m{level}/main.tf"] = call + PUBLIC_DB.format(name=f"l{level}")
    write_files(tmp_path, files)
    findings = _findings(tmp_path)
    assert not _errors(findings)
    deepest = ".".join(f"module.m{level}" for level in range(1, depth + 1)) + f".aws_db_instance.l{depth}"
    assert deepest in _addresses(findings)


def test_a_module_called_with_count_zero_is_still_not_read_as_a_root(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": 'module "off" {\n  source = "./off"\n  count = 0\n}\n',
                           "off/main.tf": PUBLIC_DB.format(name="never")})
    findings = _findings(tmp_path)
    assert not _errors(findings) and not any("never" in a for a in _addresses(findings))
