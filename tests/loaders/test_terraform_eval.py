"""Terraform evaluated as terraform does: expressions and functions, count/for_each instances, dynamic
blocks, null as omitted, native JSON (``*.tf.json``) and companions linked per instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.loaders.addressing import refs_in
from scanner.mappings import load_paths
from scanner.model import Resource, Status, Unresolved
from scanner.scan import ScanOptions, scan
from tests.conftest import write_files


def _load(tmp_path: Path, files: dict[str, str]) -> dict[str, Resource]:
    write_files(tmp_path, files)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {r.address: r for r in outcome.resources if r.type not in ("variable", "local")}


def _findings(tmp_path: Path, policy: str) -> list[tuple[str, str, int | None]]:
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=[policy]))
    return sorted((f.resource_address, f.status.value, f.line) for f in report.findings
                  if f.policy_id == policy)


# --- the expression evaluator ------------------------------------------------------------------


def _value(tmp_path: Path, expression: str, prelude: str = "") -> Any:
    resources = _load(tmp_path, {"main.tf": f'{prelude}\nresource "null_resource" "x" {{\n  v = {expression}\n}}\n'})
    return resources["null_resource.x"].attributes.get("v", "<omitted>")


VARIABLES = """
variable "env" { default = "prod" }
variable "enabled" { default = false }
variable "sizes" { default = { small = 1, large = 8 } }
variable "names" { default = ["a", "b", "a"] }
variable "unset" {}
locals {
  prefix = "${var.env}-app"
  merged = merge({ a = 1 }, { b = 2 }, { a = 3 })
}
"""


@pytest.mark.parametrize(("expression", "expected"), [
    ('var.enabled ? 1 : 0', 0),
    ('"${local.prefix}-db"', "prod-app-db"),
    ('local.merged', {"a": 3, "b": 2}),
    ('length(var.names) * 2 + 1', 7),
    ('lookup(var.sizes, "large", 2)', 8),
    ('lookup(var.sizes, "huge", 2)', 2),
    ('try(var.sizes.huge, "fallback")', "fallback"),
    ('can(var.sizes.huge)', False),
    ('coalesce("", null, "x")', "x"),
    ('coalescelist([], ["y"])', ["y"]),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ('tostring(5)', "5"),
    ('tonumber("35")', 35),
    ('tobool("true")', True),
    ('toset(var.names)', ["a", "b"]),
    ('format("%s-%03d", var.env, 7)', "prod-007"),
    ('join(",", split("-", "a-b-c"))', "a,b,c"),
    ('element(["x", "y"], 3)', "y"),
    ('contains(var.names, "b")', True),
    ('keys(var.sizes)', ["large", "small"]),
    ('values(var.sizes)', [8, 1]),
    ('upper(lower("AbC"))', "ABC"),
    ('replace("a.b.c", ".", "-")', "a-b-c"),
    ('replace("abc123", "/[0-9]+/", "")', "abc"),
    ('trimspace("  x ")', "x"),
    ('flatten([["a"], ["b", ["c"]]])', ["a", "b", "c"]),
    ('distinct(var.names)', ["a", "b"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('max(1, 5, 3) - min(4, 2) + abs(-1)', 4),
    ('ceil(1.2) + floor(1.8)', 3),
    ('jsondecode(jsonencode({ a = [1, true] }))', {"a": [1, True]}),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('one(["only"])', "only"),
    ('startswith("prod-x", "prod") && endswith("prod-x", "-x")', True),
    ('substr("marketing", 0, 6)', "market"),
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ('[for n in var.names : upper(n) if n != "b"]', ["A", "A"]),
    ('{ for k, v in var.sizes : k => v * 2 }', {"small": 2, "large": 16}),
    ('[{ n = 1 }, { n = 2 }][*].n', [1, 2]),
    ('var.env == "prod" || var.unset', True),
    ('!var.enabled', True),
    ('10 / 4', 2.5),
    ('7 % 3', 1),
    ('"%{if var.enabled}on%{else}off%{endif}"', "off"),
    ('"%{for n in distinct(var.names)}${n};%{endfor}"', "a;b;"),
    # a factory folder left null (cloud-foundation-fabric's factories_config): fileset() of null fails, try() gives []
    ('try(fileset(try(pathexpand(null), null), "**/*.yaml"), [])', []),
    ('pathexpand("modules/x")', "modules/x"),
])
def test_expressions_evaluate(tmp_path: Path, expression: str, expected: Any) -> None:
    assert _value(tmp_path, expression, VARIABLES) == expected


def test_heredoc_with_interpolation(tmp_path: Path) -> None:
    value = _value(tmp_path, '<<-EOT\n    name: ${var.env}\n      indented\n  EOT', VARIABLES)
    assert value == "name: prod\n  indented\n"


def test_multiline_expression_with_comments(tmp_path: Path) -> None:
    value = _value(tmp_path, 'merge(\n    # the base tags\n    { a = 1 },\n    { b = var.env } # and more\n  )',
                   VARIABLES)
    assert value == {"a": 1, "b": "prod"}


def test_unknown_values_name_what_was_unknown(tmp_path: Path) -> None:
    value = _value(tmp_path, 'upper(var.unset)', VARIABLES)
    assert isinstance(value, Unresolved)
    assert "unset" in value.reason and "no default" in value.reason
    value = _value(tmp_path, 'var.enabled ? 1 : aws_kms_key.k.arn', VARIABLES)
    assert isinstance(value, Unresolved) and value.expression == "aws_kms_key.k.arn"
    assert "aws_kms_key.k.arn" in value.reason
    value = _value(tmp_path, 'coalesce(var.unset, "x")', VARIABLES)
    assert isinstance(value, Unresolved) and "unset" in value.reason
    value = _value(tmp_path, 'nosuchfunction(1)', VARIABLES)
    assert isinstance(value, Unresolved) and "nosuchfunction" in value.reason


def test_a_partly_known_collection_keeps_what_is_known(tmp_path: Path) -> None:
    value = _value(tmp_path, 'concat([var.env], [aws_security_group.a.id])', VARIABLES)
    assert value[0] == "prod"
    assert isinstance(value[1], Unresolved) and value[1].expression == "aws_security_group.a.id"


def test_a_broken_expression_is_unknown_not_a_crash(tmp_path: Path) -> None:
    for expression in ('1 + "x"', 'var.sizes["nope"]', '[1, 2][5]', 'tonumber("abc")', 'element([], 0)'):
        value = _value(tmp_path, expression, VARIABLES)
        assert isinstance(value, Unresolved), expression


# --- null is omitted -----------------------------------------------------------------------------


def test_null_is_omitted_so_the_provider_default_applies(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": """
variable "retention" { default = null }
variable "multi_az" {
  type    = bool
  default = null
}
resource "aws_db_instance" "db" {
  engine                  = "postgres"
  backup_retention_period = var.retention
  multi_az                = var.multi_az == null ? null : var.multi_az
  storage_encrypted       = null
}
"""})
    db = resources["aws_db_instance.db"]
    for name in ("backup_retention_period", "multi_az", "storage_encrypted"):
        assert name not in db.attributes
    retention = db.facts["backup_retention"]  # the mapping's declared provider default (1 day), not unknown
    assert not isinstance(retention, Unresolved) and retention.value == 86400
    assert db.facts["storage_encrypted"] is False


# --- count and for_each ----------------------------------------------------------------------------


def test_count_expands_and_zero_means_absent(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": """
variable "enabled" { default = false }
variable "replicas" { default = 2 }
resource "aws_db_instance" "off" {
  count = var.enabled ? 1 : 0
  publicly_accessible = true
}
resource "aws_db_instance" "zero" {
  count = 0
}
resource "aws_db_instance" "this" {
  count      = var.replicas
  identifier = "db-${count.index}"
}
"""})
    assert not [a for a in resources if ".off" in a or ".zero" in a]
    assert resources["aws_db_instance.this[0]"].attributes["identifier"] == "db-0"
    assert resources["aws_db_instance.this[1]"].attributes["identifier"] == "db-1"
    assert "aws_db_instance.this" not in resources


def test_count_zero_gives_no_finding(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
variable "create" { default = false }
resource "aws_security_group" "open" {
  count = var.create ? 1 : 0
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""")
    assert _findings(tmp_path, "ME-NET-08") == []


def test_for_each_expands_with_keys_in_addresses(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": """
variable "buckets" {
  default = {
    logs    = { versioned = true }
    backups = { versioned = false }
  }
}
resource "aws_s3_bucket" "this" {
  for_each = var.buckets
  bucket   = "me-${each.key}"
  tags     = { Versioned = tostring(each.value.versioned) }
}
resource "aws_s3_bucket" "named" {
  for_each = toset(["a", "b"])
  bucket   = each.value
}
resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
}
resource "aws_s3_bucket_public_access_block" "this" {
  for_each = var.buckets
  bucket   = aws_s3_bucket.this[each.key].id
}
"""})
    logs = resources['aws_s3_bucket.this["logs"]']
    assert logs.attributes["bucket"] == "me-logs" and logs.attributes["tags"] == {"Versioned": "true"}
    assert resources['aws_s3_bucket.named["b"]'].attributes["bucket"] == "b"
    versioning = resources['aws_s3_bucket_versioning.this["backups"]'].attributes["bucket"]
    assert isinstance(versioning, Unresolved) and versioning.expression == 'aws_s3_bucket.this["backups"].id'
    block = resources['aws_s3_bucket_public_access_block.this["logs"]'].attributes["bucket"]
    assert isinstance(block, Unresolved) and block.expression == 'aws_s3_bucket.this["logs"].id'


def test_unknown_count_keeps_one_resource_and_says_why(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": """
variable "n" {}
resource "aws_instance" "web" {
  count         = var.n
  instance_type = "t3.micro"
  tags          = { Name = "web-${count.index}" }
}
"""})
    web = resources["aws_instance.web"]
    assert web.attributes["instance_type"] == "t3.micro"
    name = web.attributes["tags"]["Name"]
    assert isinstance(name, Unresolved) and "count" in name.reason and "n" in name.reason
    assert "no default" in str(web.facts["instances_unknown"])


def test_resource_references_with_count_follow_the_instance(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf": """
resource "aws_lb" "this" {
  count = 1
  internal = false
}
resource "aws_lb_listener" "this" {
  count             = 1
  load_balancer_arn = aws_lb.this[count.index].arn
}
resource "aws_instance" "web" {
  count = 2
}
resource "aws_lb_target_group_attachment" "web" {
  count     = 2
  target_id = element(aws_instance.web[*].id, count.index)
  zone      = element(data.aws_availability_zones.available.names, count.index)
  all       = aws_instance.web[*].id
}
"""})
    arn = resources["aws_lb_listener.this[0]"].attributes["load_balancer_arn"]
    assert arn.expression == "aws_lb.this[0].arn"
    attachment = resources["aws_lb_target_group_attachment.web[1]"].attributes
    assert attachment["target_id"].expression == "aws_instance.web[1].id"
    assert attachment["zone"].expression == "data.aws_availability_zones.available.names[1]"
    assert [v.expression for v in attachment["all"]] == ["aws_instance.web[0].id", "aws_instance.web[1].id"]


def test_module_count_and_for_each(tmp_path: Path) -> None:
    resources = _load(tmp_path, {
        "main.tf": """
module "db" {
  source   = "./modules/db"
  for_each = { a = 7, b = 35 }
  days     = each.value
}
module "off" {
  source = "./modules/db"
  count  = 0
  days   = 1
}
""",
        "modules/db/main.tf": """
variable "days" {}
resource "aws_db_instance" "this" {
  backup_retention_period = var.days
}
"""})
    assert resources['module.db["a"].aws_db_instance.this'].attributes["backup_retention_period"] == 7
    assert resources['module.db["b"].aws_db_instance.this'].attributes["backup_retention_period"] == 35
    assert not [a for a in resources if a.startswith("module.off")]


# --- dynamic blocks ------------------------------------------------------------------------------

DYNAMIC = """
variable "rules" {
  default = [
    { port = 443, cidrs = ["0.0.0.0/0"] },
    { port = 22, cidrs = ["0.0.0.0/0"] },
  ]
}
resource "aws_security_group" "web" {
  name = "web"
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port   = rule.value.port
      to_port     = rule.value.port
      protocol    = "tcp"
      cidr_blocks = rule.value.cidrs
    }
  }
  dynamic "egress" {
    for_each = []
    content {
      from_port = 0
    }
  }
}
"""


def test_dynamic_blocks_expand(tmp_path: Path) -> None:
    web = _load(tmp_path, {"main.tf": DYNAMIC})["aws_security_group.web"]
    ingress = web.attributes["ingress"]
    assert [(b["from_port"], b["cidr_blocks"]) for b in ingress] == [(443, ["0.0.0.0/0"]), (22, ["0.0.0.0/0"])]
    assert "dynamic" not in web.attributes and "egress" not in web.attributes


def test_dynamic_open_ingress_violates(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(DYNAMIC)
    found = _findings(tmp_path, "ME-NET-08")
    assert [(a, s) for a, s, _ in found] == [("aws_security_group.web", Status.VIOLATES.value)]


def test_dynamic_block_with_unknown_for_each_is_unknown(tmp_path: Path) -> None:
    web = _load(tmp_path, {"main.tf": """
variable "rules" {}
resource "aws_security_group" "web" {
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
"""})["aws_security_group.web"]
    (block,) = web.attributes["ingress"]
    assert isinstance(block["from_port"], Unresolved) and "rules" in block["from_port"].reason
    assert block["cidr_blocks"] == ["0.0.0.0/0"]


# --- native JSON ---------------------------------------------------------------------------------

TF_JSON = """{
  "variable": {"retention": {"default": 35}, "env": {"default": "prod"}},
  "locals": {"name": "${var.env}-db"},
  "resource": {
    "aws_db_instance": {
      "main": {
        "identifier": "${local.name}",
        "engine": "postgres",
        "backup_retention_period": "${var.retention}",
        "vpc_security_group_ids": ["${aws_security_group.db[0].id}"]
      }
    },
    "aws_security_group": {
      "db": {
        "count": 1,
        "ingress": [{"from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]
      }
    }
  }
}
"""


def test_terraform_json_loads_like_hcl(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf.json": TF_JSON})
    db = resources["aws_db_instance.main"]
    assert db.format == "terraform"
    assert db.attributes["identifier"] == "prod-db"
    assert db.attributes["backup_retention_period"] == 35
    assert db.origin.line == 6 and db.line_of("backup_retention") == 9
    assert db.attributes["vpc_security_group_ids"][0].expression == "aws_security_group.db[0].id"
    assert "aws_security_group.db[0]" in resources


def test_terraform_json_findings_have_lines(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(TF_JSON)
    found = _findings(tmp_path, "ME-NET-08")
    assert [(a, s) for a, s, _ in found] == [("aws_security_group.db[0]", "violates")]
    assert found[0][2] in (15, 16)


def test_broken_terraform_json_is_an_error_with_a_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n    "aws_s3_bucket": {"b": {"bucket": }\n}\n')
    outcome = load_paths([tmp_path])
    assert [(e.format, e.line) for e in outcome.errors] == [("terraform", 3)]


# --- companions per instance -------------------------------------------------------------------------

COMPANIONS = """
locals {
  buckets = toset(["me-db-backups", "me-wal-backups"])
}
resource "aws_s3_bucket" "backup" {
  for_each = local.buckets
  bucket   = each.value
}
resource "aws_s3_bucket_versioning" "backup" {
  for_each = aws_s3_bucket.backup
  bucket   = each.value.id
  versioning_configuration {
    status = each.key == "me-db-backups" ? "Enabled" : "Suspended"
  }
}
resource "aws_s3_bucket_lifecycle_configuration" "backup" {
  for_each = local.buckets
  bucket   = each.value
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = 90
    }
  }
}
"""


def test_companions_link_per_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(COMPANIONS)
    found = {(a, s) for a, s, _ in _findings(tmp_path, "ME-BAK-03")}
    assert found == {('aws_s3_bucket.backup["me-db-backups"]', "complies"),
                     ('aws_s3_bucket.backup["me-wal-backups"]', "violates")}


def test_terraform_json_templates_keep_their_strings(tmp_path: Path) -> None:
    resources = _load(tmp_path, {"main.tf.json": """{
  "variable": {"m": {"default": {"k": "v"}}},
  "resource": {"null_resource": {"x": {
    "quoted": "say \\"hi\\" to ${lookup(var.m, \\"k\\", \\"d\\")}",
    "plain": "only $ and { and }",
    "empty": "${}",
    "dynamic": {"setting": {"for_each": "${var.m}", "content": {"name": "${setting.key}"}}}
  }}}
}"""})
    x = resources["null_resource.x"].attributes
    assert x["quoted"] == 'say "hi" to v'
    assert x["setting"][0]["name"] == "k"
    assert x["plain"] == "only $ and { and }"
    assert isinstance(x["empty"], Unresolved)  # not an expression terraform accepts: unknown, never a crash


def test_parameter_group_linked_by_name_through_locals(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
locals {
  name = "orders"
}
resource "aws_db_parameter_group" "pg" {
  name   = "${local.name}-pg"
  family = "postgres14"
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}
resource "aws_db_instance" "db" {
  engine               = "postgres"
  engine_version       = "14.7"
  parameter_group_name = "${local.name}-pg"
}
""")
    assert [(a, s) for a, s, _ in _findings(tmp_path, "ME-TLS-03")] == [("aws_db_instance.db", "complies")]


def test_listener_per_load_balancer_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
variable "lbs" {
  default = { public = 443, legacy = 80 }
}
resource "aws_lb" "this" {
  for_each           = var.lbs
  load_balancer_type = "application"
  internal           = false
}
resource "aws_lb_listener" "this" {
  for_each          = var.lbs
  load_balancer_arn = aws_lb.this[each.key].arn
  port              = each.value
  protocol          = each.value == 443 ? "HTTPS" : "HTTP"
  certificate_arn   = each.value == 443 ? "arn:aws:acm:eu-west-1:1:certificate/x" : null
  ssl_policy        = each.value == 443 ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null
}
""")
    found = {(a, s) for a, s, _ in _findings(tmp_path, "ME-TLS-01")}
    assert ('aws_lb_listener.this["legacy"]', "violates") in found
    assert ('aws_lb_listener.this["public"]', "complies") in found


def test_module_outputs_evaluate_and_stay_unknown_when_the_source_is_missing(tmp_path: Path) -> None:
    resources = _load(tmp_path, {
        "main.tf": """
module "label" {
  source  = "./modules/label"
  enabled = false
  name    = "orders"
}
module "registry" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
}
locals {
  enabled = module.label.enabled
}
resource "aws_s3_bucket" "off" {
  count  = local.enabled ? 1 : 0
  bucket = module.label.id
}
resource "aws_s3_bucket" "on" {
  count  = module.label.enabled ? 0 : 1
  bucket = module.label.id
  tags   = { Arn = module.label.arn }
}
resource "aws_s3_bucket" "maybe" {
  count  = module.registry.enabled ? 1 : 0
  bucket = "x"
}
""",
        "modules/label/main.tf": """
variable "enabled" {
  default = null
}
variable "name" {}
locals {
  enabled = var.enabled == null ? true : var.enabled
}
resource "aws_iam_role" "r" {}
output "enabled" {
  value = local.enabled
}
output "id" {
  value = "me-${var.name}"
}
output "arn" {
  value = aws_iam_role.r.arn
}
"""})
    assert not [a for a in resources if a.startswith("aws_s3_bucket.off")]
    on = resources["aws_s3_bucket.on[0]"].attributes
    assert on["bucket"] == "me-orders"
    # the module's own resource: unknown, a reference by its full address (module.label.aws_iam_role.r),
    # never to a resource of the caller's module named aws_iam_role.r
    arn = on["tags"]["Arn"]
    assert isinstance(arn, Unresolved) and "aws_iam_role.r.arn" in arn.reason
    assert arn.expression == "module.label.aws_iam_role.r.arn"
    assert [ref.target for ref in refs_in(arn)] == ["module.label.aws_iam_role.r"]
    maybe = resources["aws_s3_bucket.maybe"]
    assert "module.registry.enabled" in maybe.facts["instances_unknown"]
    assert "output.enabled" not in {r.address for r in load_paths([tmp_path]).resources}


@pytest.mark.parametrize("enabled", ["true", "module.this.enabled"])
def test_companions_link_inside_a_module_through_locals_and_join(tmp_path: Path, enabled: str) -> None:
    """cloudposse's pattern: the bucket under count, its id through join("", ...[*].id) in a local."""
    (tmp_path / "modules" / "s3").mkdir(parents=True)
    (tmp_path / "main.tf").write_text('module "backups" {\n  source = "./modules/s3"\n}\n')
    (tmp_path / "modules" / "s3" / "main.tf").write_text(f"""
module "this" {{
  source  = "cloudposse/label/null"
  version = "0.25.0"
}}
locals {{
  enabled   = {enabled}
  bucket_id = join("", aws_s3_bucket.default[*].id)
}}
resource "aws_s3_bucket" "default" {{
  count  = local.enabled ? 1 : 0
  bucket = "me-db-backups"
}}
resource "aws_s3_bucket_versioning" "default" {{
  count  = local.enabled ? 1 : 0
  bucket = local.bucket_id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
resource "aws_s3_bucket_lifecycle_configuration" "default" {{
  count  = local.enabled ? 1 : 0
  bucket = one(aws_s3_bucket.default[*].id)
  rule {{
    id     = "expire"
    status = "Enabled"
    filter {{}}
    expiration {{
      days = 90
    }}
  }}
}}
""")
    found = [(a, s) for a, s, _ in _findings(tmp_path, "ME-BAK-03")]
    suffix = "[0]" if enabled == "true" else ""
    assert found == [(f"module.backups.aws_s3_bucket.default{suffix}", "complies")]


def test_cluster_members_found_inside_a_module_instance(tmp_path: Path) -> None:
    from scanner.policy.resource_index import ResourceIndex

    resources = _load(tmp_path, {
        "main.tf": 'module "db" {\n  source = "./modules/aurora"\n  replicas = 3\n}\n',
        "modules/aurora/main.tf": """
variable "replicas" {}
resource "aws_rds_cluster" "this" {
  engine = "aurora-postgresql"
}
resource "aws_rds_cluster_instance" "this" {
  count              = var.replicas
  cluster_identifier = aws_rds_cluster.this.id
}
"""})
    index = ResourceIndex(list(resources.values()))
    members = index.members_of(resources["module.db.aws_rds_cluster.this"])
    assert [m.address for m in members] == [f"module.db.aws_rds_cluster_instance.this[{i}]" for i in range(3)]


def test_every_function_takes_wrong_values_without_crashing() -> None:
    """Each function, fed values of every type (and unknowns), gives a value or an unknown naming the
    error: never an exception the evaluator did not expect."""
    import itertools

    from scanner.loaders.hcl_eval import Scope, Unknown, evaluate_text
    from scanner.loaders.hcl_functions import FUNCTIONS, SPECIAL

    class Vars(Scope):
        def root(self, name: str) -> Any:
            if name == "unknown":
                return Unknown("unknown on purpose")
            return super().root(name)

    values = ["null", "-1", '"a,b"', "true", '[1, "x", null]', "{ k = [2] }", "unknown"]
    scope = Vars()
    for name in sorted({*FUNCTIONS, *SPECIAL}):
        for arity in range(4):
            combos = itertools.product(values, repeat=arity)
            for args in itertools.islice(combos, 0, None, 1 if arity < 3 else 7):
                value, _, _ = evaluate_text(f"{name}({', '.join(args)})", scope)
                if isinstance(value, Unknown):
                    assert "cannot be evaluated" not in value.reason, (name, args, value.reason)


def test_optional_object_attributes_take_their_defaults(tmp_path: Path) -> None:
    resources = _load(tmp_path, {
        "main.tf": """
module "db" {
  source = "./modules/db"
  settings = { engine = "postgres" }
  replicas = { a = {}, b = { size = "5" } }
}
""",
        "modules/db/main.tf": """
variable "settings" {
  type = object({
    engine    = string
    retention = optional(number, 35)
    encrypted = optional(bool)
  })
}
variable "replicas" {
  type = map(object({ size = optional(number, 1) }))
}
resource "aws_db_instance" "this" {
  engine                  = var.settings.engine
  backup_retention_period = var.settings.retention
  storage_encrypted       = var.settings.encrypted
  tags                    = { for k, v in var.replicas : k => v.size + 1 }
}
"""})
    db = resources["module.db.aws_db_instance.this"].attributes
    assert db["engine"] == "postgres" and db["backup_retention_period"] == 35
    assert "storage_encrypted" not in db  # optional without a default: null, so omitted
    assert db["tags"] == {"a": 2, "b": 6}


def test_a_conditional_whose_branches_agree_does_not_depend_on_its_condition(tmp_path: Path) -> None:
    """``var.unset ? null : null`` is null whatever the condition (a module's ``auth_token =
    var.transit ? var.auth_token : null`` with the token left at null); branches that differ stay unknown."""
    assert _value(tmp_path, 'var.unset ? null : null', VARIABLES) == "<omitted>"
    assert _value(tmp_path, 'var.unset ? var.env : "prod"', VARIABLES) == "prod"
    value = _value(tmp_path, 'var.unset ? var.env : "dev"', VARIABLES)
    assert isinstance(value, Unresolved) and "unset" in value.reason
    value = _value(tmp_path, 'var.unset ? aws_kms_key.k.arn : aws_kms_key.k.arn', VARIABLES)
    assert isinstance(value, Unresolved)


# --- attributes of other resources set in their configuration ----------------------------------------

AURORA = """
resource "aws_rds_cluster" "this" {
  count              = 1
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  engine_version     = "11.9"
  storage_encrypted  = true
}
resource "aws_rds_cluster_instance" "one" {
  cluster_identifier = aws_rds_cluster.this[0].id
  engine             = aws_rds_cluster.this[0].engine
  engine_version     = aws_rds_cluster.this[0].engine_version
  instance_class     = "db.r6g.large"
  tags               = { encrypted = aws_rds_cluster.this[0].storage_encrypted, ghost = aws_rds_cluster.this[0].port }
}
resource "aws_rds_cluster" "loop" {
  engine         = aws_rds_cluster.loop.engine
  engine_version = "16.4"
}
"""


def test_an_attribute_another_resource_sets_in_its_configuration_is_known_at_plan(tmp_path: Path) -> None:
    """As in `terraform plan`: a configured argument's value is known, and the reference still links."""
    instance = _load(tmp_path, {"main.tf": AURORA})["aws_rds_cluster_instance.one"]
    assert instance.attributes["engine"] == "aurora-postgresql"
    assert instance.attributes["engine_version"] == "11.9"
    assert instance.attributes["tags"]["encrypted"] is True
    ghost = instance.attributes["tags"]["ghost"]  # port is not configured: known only after apply
    assert isinstance(ghost, Unresolved) and "after apply" in ghost.reason
    assert isinstance(instance.attributes["cluster_identifier"], Unresolved)  # id: computed
    [ref] = refs_in(instance.attributes["engine_version"])
    assert ref.target.startswith("aws_rds_cluster.this")


def test_a_configured_attribute_that_refers_to_itself_stays_unknown(tmp_path: Path) -> None:
    loop = _load(tmp_path, {"main.tf": AURORA})["aws_rds_cluster.loop"]
    assert isinstance(loop.attributes["engine"], Unresolved)


def test_a_cluster_whose_global_cluster_sets_an_old_version_violates_the_version_policy(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": """
resource "aws_rds_global_cluster" "this" {
  global_cluster_identifier = "orders"
  engine                    = "aurora-postgresql"
  engine_version            = "11.9"
}
resource "aws_rds_cluster" "primary" {
  global_cluster_identifier = aws_rds_global_cluster.this.id
  engine                    = aws_rds_global_cluster.this.engine
  engine_version            = aws_rds_global_cluster.this.engine_version
}
"""})
    found = dict((a, s) for a, s, _ in _findings(tmp_path, "ME-DB-01"))
    assert found.get("aws_rds_cluster.primary") == "violates", found


# --- a resource's id is never null ------------------------------------------------------------

_KEY = 'resource "aws_kms_key" "k" {}\n'


@pytest.mark.parametrize("expression, expected", [
    ('aws_kms_key.k.id == null ? "null" : "set"', "set"),
    ('aws_kms_key.k.id != null ? "set" : "null"', "set"),
    ('null == aws_kms_key.k.id ? "null" : "set"', "set"),
])
def test_a_resource_id_compared_with_null_is_known(tmp_path: Path, expression: str, expected: str) -> None:
    # Terraform requires every resource to have an id once created: whether it is null is known at plan time.
    assert _value(tmp_path, expression, _KEY) == expected


def test_other_unknown_attributes_compared_with_null_stay_unknown(tmp_path: Path) -> None:
    value = _value(tmp_path, 'aws_kms_key.k.arn == null ? "null" : "set"', _KEY)
    assert isinstance(value, Unresolved)


def test_a_resource_id_passed_to_a_module_compared_with_null_is_known(tmp_path: Path) -> None:
    resources = _load(tmp_path, {
        "main.tf": _KEY + 'module "m" {\n  source = "./m"\n  key_id = aws_kms_key.k.id\n}\n',
        "m/main.tf": 'variable "key_id" {\n  default = null\n}\n'
                     'resource "null_resource" "x" {\n  v = var.key_id == null ? "null" : "set"\n}\n',
    })
    assert resources["module.m.null_resource.x"].attributes["v"] == "set"


def test_an_element_at_an_unknown_position_still_names_its_resource(tmp_path: Path) -> None:
    """``element(coalescelist(aws_route_table.database[*].id, aws_route_table.private[*].id), count.index)`` with
    no database route table (count 0) and a count the files do not fix (terraform-aws-vpc's database subnets): the
    value is one of the private route tables, so it names them and not the absent database one."""
    resources = _load(tmp_path, {"main.tf": """
variable "zones" {
  type = list(string)
}
resource "aws_route_table" "database" {
  count = 0
}
resource "aws_route_table" "private" {
  count = length(var.zones)
}
resource "aws_route_table_association" "database" {
  count          = length(var.zones)
  route_table_id = element(coalescelist(aws_route_table.database[*].id, aws_route_table.private[*].id), count.index)
}
"""})
    route_table = resources["aws_route_table_association.database"].attributes["route_table_id"]
    assert [ref.target for ref in refs_in(route_table)] == ["aws_route_table.private"], route_table


def test_for_each_over_a_map_whose_keys_are_unknown(tmp_path: Path) -> None:
    """``{for x in list : "${var.unset}-${x.name}" => x}``: the keys are not known, the entries are (duplicate keys
    are an error, so a plan that succeeds has one instance per entry): each instance has its each.value."""
    resources = _load(tmp_path, {"main.tf": '''variable "prefix" {}
locals {
  subnets = [{ name = "a", ip = "10.10.1.0/24" }, { name = "b", ip = "10.10.2.0/24" }]
}
resource "google_compute_subnetwork" "s" {
  for_each      = { for x in local.subnets : "${var.prefix}-${x.name}" => x }
  name          = each.key
  ip_cidr_range = each.value.ip
}
'''})
    subnets = {address: r for address, r in resources.items() if address.startswith("google_compute_subnetwork")}
    assert sorted(r.attributes["ip_cidr_range"] for r in subnets.values()) == ["10.10.1.0/24", "10.10.2.0/24"]
    assert all(isinstance(r.attributes["name"], Unresolved) for r in subnets.values())
    assert len(set(subnets)) == 2


def test_a_network_judged_by_subnetworks_whose_keys_are_unknown(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.tf": '''variable "name" {}
locals {
  subnets = [{ name = "a", ip = "10.10.1.0/24" }]
}
resource "google_compute_network" "n" {
  name                    = var.name
  auto_create_subnetworks = false
}
resource "google_compute_subnetwork" "s" {
  for_each      = { for x in local.subnets : "${var.name}-${x.name}" => x }
  name          = each.key
  network       = google_compute_network.n.id
  ip_cidr_range = each.value.ip
}
'''})
    assert [(address, status) for address, status, _ in _findings(tmp_path, "ME-NET-01")] == [
        ("google_compute_network.n", "violates")]


@pytest.mark.parametrize("expression, expected", [
    ('{ a = aws_eni.x.id } == null', False),
    ('[aws_eni.x.id] != null', True),
    ('null == { 0 = { id = aws_eni.x.id } }', False),
    ('"p-${aws_eni.x.id}" == null', False),  # a template with known text is a string, never null
])
def test_a_value_partly_unknown_is_still_not_null(tmp_path: Path, expression: str, expected: bool) -> None:
    """A collection (or a string with known text) is not null whatever its unknown parts: compared with null, the
    answer is known (``var.network_interface == null`` with a map of resource IDs)."""
    assert _value(tmp_path, expression, VARIABLES) is expected
