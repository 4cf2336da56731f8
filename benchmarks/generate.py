"""Deterministic (seeded) corpora for the benchmarks: Terraform, Kubernetes, a mixed monorepo.

Everything is written under a directory the caller names (a temp or git-ignored one); nothing
here is committed. The same ``(size, seed)`` always produces byte-identical files, so two runs
of the benchmark (or two tools in one run) scan exactly the same input.

The Terraform corpus looks like real root modules: ``versions.tf``, ``variables.tf`` (with and
without defaults, validation blocks), ``locals.tf`` (``merge``, maps, interpolation), resources
using ``count`` and ``for_each``, dynamic blocks, a child module called from the root with
inputs, and outputs. Resource types are the common ones of AWS, GCP and Azure, so as policies
and mapping tables are added the corpus exercises them without being regenerated differently.

    python3 -m benchmarks.generate terraform 1000 /tmp/tf-1k
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SEED = 20240611


@dataclass
class Corpus:
    """What was generated: the root directory and what it holds."""

    root: Path
    files: int
    resources: int  # Terraform resource/data blocks, CloudFormation resources, ARM resources, k8s objects

    def describe(self) -> str:
        return f"{self.files} files, {self.resources} resources"


# --------------------------------------------------------------------------------------------
# Terraform
# --------------------------------------------------------------------------------------------

def _tf_vpc(rng: random.Random, name: str) -> str:
    return f'''resource "aws_vpc" "{name}" {{
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = {rng.choice(["true", "var.enable_dns_hostnames"])}
  instance_tenancy     = "default"

  tags = merge(local.common_tags, {{
    Name = "${{local.name}}-{name}"
  }})
}}
'''


def _tf_subnet(rng: random.Random, name: str) -> str:
    public = rng.random() < 0.3
    return f'''resource "aws_subnet" "{name}" {{
  for_each = local.{"public" if public else "private"}_subnets

  vpc_id                  = var.vpc_id
  cidr_block              = each.value.cidr
  availability_zone       = each.value.az
  map_public_ip_on_launch = {"true" if public else "false"}

  tags = merge(local.common_tags, {{
    Name = "${{local.name}}-{name}-${{each.key}}"
    Tier = "{"public" if public else "private"}"
  }})
}}
'''


def _tf_security_group(rng: random.Random, name: str) -> str:
    port = rng.choice([443, 5432, 6379, 8080, 22])
    cidr = rng.choice(['"0.0.0.0/0"', "var.vpc_cidr", '"10.0.0.0/16"'])
    return f'''resource "aws_security_group" "{name}" {{
  name        = "${{local.name}}-{name}"
  description = "Security group for {name}"
  vpc_id      = var.vpc_id

  ingress {{
    description = "service port"
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = [{cidr}]
  }}

  dynamic "ingress" {{
    for_each = var.extra_ingress_ports
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.vpc_cidr]
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = local.common_tags
}}
'''


def _tf_db_instance(rng: random.Random, name: str) -> str:
    retention = rng.choice(["var.backup_retention_days", "local.backup_retention", "7", "30", "35"])
    public = rng.choice(["false", "false", "true", "var.publicly_accessible"])
    return f'''resource "aws_db_instance" "{name}" {{
  count = var.replica_count

  identifier              = "${{local.name}}-{name}-${{count.index}}"
  engine                  = "postgres"
  engine_version          = "{rng.choice(["15.4", "14.9", "15.5", "13.12"])}"
  instance_class          = "{rng.choice(["db.r6g.2xlarge", "db.m6g.xlarge", "db.t3.medium"])}"
  allocated_storage       = {rng.choice([100, 500, 512, 1000])}
  storage_type            = "{rng.choice(["gp3", "io1", "gp2"])}"
  storage_encrypted       = {rng.choice(["true", "false"])}
  username                = "app"
  password                = var.db_password
  backup_retention_period = {retention}
  backup_window           = "03:00-04:00"
  maintenance_window      = "sun:04:00-sun:05:00"
  publicly_accessible     = {public}
  deletion_protection     = true
  multi_az                = {rng.choice(["true", "false"])}
  db_subnet_group_name    = var.db_subnet_group
  vpc_security_group_ids  = [var.security_group_id]

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = local.common_tags
}}
'''


def _tf_rds_cluster(rng: random.Random, name: str) -> str:
    return f'''resource "aws_rds_cluster" "{name}" {{
  cluster_identifier      = "${{local.name}}-{name}"
  engine                  = "aurora-postgresql"
  engine_version          = "{rng.choice(["15.4", "14.9"])}"
  database_name           = "marketing"
  master_username         = "app"
  master_password         = var.db_password
  backup_retention_period = {rng.choice(["var.backup_retention_days", "30", "7"])}
  preferred_backup_window = "03:00-04:00"
  storage_encrypted       = true
  deletion_protection     = true
  db_subnet_group_name    = var.db_subnet_group
  vpc_security_group_ids  = [var.security_group_id]

  serverlessv2_scaling_configuration {{
    min_capacity = 2
    max_capacity = 16
  }}

  tags = local.common_tags
}}

resource "aws_rds_cluster_instance" "{name}_member" {{
  count              = 3
  identifier         = "${{local.name}}-{name}-${{count.index}}"
  cluster_identifier = aws_rds_cluster.{name}.id
  instance_class     = "db.r6g.2xlarge"
  engine             = aws_rds_cluster.{name}.engine
  publicly_accessible = false
}}
'''


def _tf_elasticache(rng: random.Random, name: str) -> str:
    return f'''resource "aws_elasticache_replication_group" "{name}" {{
  replication_group_id       = "${{local.name}}-{name}"
  description                = "Redis for {name}"
  node_type                  = "{rng.choice(["cache.r6g.xlarge", "cache.m6g.large", "cache.t3.micro"])}"
  num_cache_clusters         = {rng.choice([1, 2, 3])}
  engine_version             = "7.0"
  port                       = 6379
  automatic_failover_enabled = {rng.choice(["true", "false"])}
  transit_encryption_enabled = {rng.choice(["true", "false"])}
  at_rest_encryption_enabled = true
  subnet_group_name          = var.cache_subnet_group
  security_group_ids         = [var.security_group_id]
  tags                       = local.common_tags
}}
'''


def _tf_s3(rng: random.Random, name: str) -> str:
    return f'''resource "aws_s3_bucket" "{name}" {{
  bucket        = "${{local.name}}-{name}"
  force_destroy = false
  tags          = local.common_tags
}}

resource "aws_s3_bucket_versioning" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  versioning_configuration {{
    status = "{rng.choice(["Enabled", "Suspended"])}"
  }}
}}
'''


def _tf_instance(rng: random.Random, name: str) -> str:
    return f'''resource "aws_instance" "{name}" {{
  for_each = toset(var.instance_names)

  ami                         = var.ami_id
  instance_type               = "{rng.choice(["m6i.xlarge", "c6i.2xlarge", "t3.large"])}"
  subnet_id                   = var.subnet_ids[0]
  associate_public_ip_address = {rng.choice(["false", "true"])}
  monitoring                  = true
  ebs_optimized               = true

  root_block_device {{
    volume_size = {rng.choice([20, 50, 100])}
    volume_type = "{rng.choice(["gp3", "gp2"])}"
    encrypted   = true
  }}

  metadata_options {{
    http_tokens   = "required"
    http_endpoint = "enabled"
  }}

  tags = merge(local.common_tags, {{ Name = "${{local.name}}-{name}-${{each.key}}" }})
}}
'''


def _tf_lb_listener(rng: random.Random, name: str) -> str:
    https = rng.random() < 0.7
    if https:
        body = f'''  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "{rng.choice(["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08"])}"
  certificate_arn   = var.certificate_arn

  default_action {{
    type             = "forward"
    target_group_arn = var.target_group_arn
  }}'''
    else:
        body = '''  port     = 80
  protocol = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }'''
    return f'''resource "aws_lb_listener" "{name}" {{
  load_balancer_arn = var.load_balancer_arn
{body}
}}
'''


def _tf_gcp_sql(rng: random.Random, name: str) -> str:
    return f'''resource "google_sql_database_instance" "{name}" {{
  name             = "${{local.name}}-{name}"
  database_version = "{rng.choice(["POSTGRES_15", "POSTGRES_14"])}"
  region           = var.region

  settings {{
    tier              = "{rng.choice(["db-custom-8-32768", "db-custom-4-16384"])}"
    availability_type = "{rng.choice(["REGIONAL", "ZONAL"])}"
    disk_type         = "PD_SSD"
    disk_size         = 500

    backup_configuration {{
      enabled                        = true
      start_time                     = "03:00"
      point_in_time_recovery_enabled = {rng.choice(["true", "false"])}
      transaction_log_retention_days = 7
      backup_retention_settings {{
        retained_backups = {rng.choice([7, 30])}
      }}
    }}

    ip_configuration {{
      ipv4_enabled    = {rng.choice(["false", "true"])}
      private_network = var.network_id
    }}

    database_flags {{
      name  = "max_connections"
      value = "500"
    }}
  }}
}}
'''


def _tf_gke_pool(rng: random.Random, name: str) -> str:
    return f'''resource "google_container_node_pool" "{name}" {{
  name       = "{name}"
  cluster    = var.cluster_id
  node_count = {rng.choice([1, 3, 5])}

  autoscaling {{
    min_node_count = 3
    max_node_count = 10
  }}

  node_config {{
    machine_type = "{rng.choice(["n1-standard-4", "n2-standard-8", "e2-standard-4"])}"
    disk_size_gb = 100
    disk_type    = "pd-ssd"
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
    labels       = local.common_tags
  }}
}}
'''


def _tf_azure_pg(rng: random.Random, name: str) -> str:
    return f'''resource "azurerm_postgresql_flexible_server" "{name}" {{
  name                          = "${{local.name}}-{name}"
  resource_group_name           = var.resource_group_name
  location                      = var.location
  version                       = "{rng.choice(["15", "14"])}"
  sku_name                      = "{rng.choice(["GP_Standard_D8ds_v4", "GP_Standard_D4ds_v4"])}"
  storage_mb                    = 524288
  backup_retention_days         = {rng.choice([7, 30, 35])}
  geo_redundant_backup_enabled  = {rng.choice(["true", "false"])}
  public_network_access_enabled = {rng.choice(["false", "true"])}
  administrator_login           = "app"
  administrator_password        = var.db_password

  high_availability {{
    mode = "ZoneRedundant"
  }}
}}
'''


def _tf_data_ami(_rng: random.Random, name: str) -> str:
    return f'''data "aws_iam_policy_document" "{name}" {{
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${{local.name}}-*/*"]
  }}
}}
'''


# (weight, template); weights keep a realistic mix where networking and storage dominate.
_TF_TEMPLATES: list[tuple[int, Callable[[random.Random, str], str], int]] = [
    # (weight, template, blocks the template writes)
    (4, _tf_subnet, 1), (4, _tf_security_group, 1), (2, _tf_vpc, 1), (3, _tf_db_instance, 1),
    (1, _tf_rds_cluster, 2), (2, _tf_elasticache, 1), (3, _tf_s3, 2), (3, _tf_instance, 1),
    (2, _tf_lb_listener, 1), (2, _tf_gcp_sql, 1), (2, _tf_gke_pool, 1), (2, _tf_azure_pg, 1),
    (2, _tf_data_ami, 1),
]

_TF_VERSIONS = '''terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}
'''

_TF_VARIABLES = '''variable "project" {
  description = "Project name, used as a prefix"
  type        = string
  default     = "%(project)s"
}

variable "environment" {
  type    = string
  default = "%(environment)s"
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod"
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "vpc_id" {
  type = string
}

variable "enable_dns_hostnames" {
  type    = bool
  default = true
}

variable "backup_retention_days" {
  type    = number
  default = %(retention)d
}

variable "publicly_accessible" {
  type    = bool
  default = false
}

variable "replica_count" {
  type    = number
  default = %(replicas)d
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "extra_ingress_ports" {
  type    = list(number)
  default = [8443, 9090]
}

variable "instance_names" {
  type    = list(string)
  default = ["a", "b"]
}

variable "tags" {
  type    = map(string)
  default = {
    Owner = "platform"
  }
}
'''

_TF_MODULE_VARIABLES = '''variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "backup_retention_days" {
  type    = number
  default = 30
}

variable "publicly_accessible" {
  type    = bool
  default = false
}

variable "enable_dns_hostnames" {
  type    = bool
  default = true
}

variable "replica_count" {
  type    = number
  default = 2
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "extra_ingress_ports" {
  type    = list(number)
  default = []
}

variable "instance_names" {
  type    = list(string)
  default = ["a"]
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  name             = var.name
  common_tags      = merge(var.tags, { Module = "data" })
  backup_retention = var.backup_retention_days
  # one public subnet: a for_each over an empty map declares no resource (as terraform plan reads it)
  public_subnets = {
    a = { cidr = cidrsubnet(var.vpc_cidr, 8, 19), az = "${var.region}a" }
  }
  private_subnets = {
    a = { cidr = cidrsubnet(var.vpc_cidr, 8, 20), az = "${var.region}a" }
    b = { cidr = cidrsubnet(var.vpc_cidr, 8, 21), az = "${var.region}b" }
  }
}
'''

_TF_INPUTS = "".join(f'''
variable "{name}" {{
  type        = {kind}
  description = "{name} from the platform stack"
}}
''' for name, kind in (("db_subnet_group", "string"), ("cache_subnet_group", "string"),
                        ("security_group_id", "string"), ("subnet_ids", "list(string)"), ("ami_id", "string"),
                        ("certificate_arn", "string"), ("target_group_arn", "string"),
                        ("load_balancer_arn", "string"), ("network_id", "string"), ("cluster_id", "string"),
                        ("resource_group_name", "string"), ("location", "string")))

_TF_LOCALS = '''locals {
  name        = "${var.project}-${var.environment}"
  environment = var.environment
  backup_retention = var.backup_retention_days

  common_tags = merge(var.tags, {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  public_subnets = {
    a = { cidr = cidrsubnet(var.vpc_cidr, 8, 1), az = "${var.region}a" }
    b = { cidr = cidrsubnet(var.vpc_cidr, 8, 2), az = "${var.region}b" }
  }

  private_subnets = {
    for idx, az in ["a", "b", "c"] : az => {
      cidr = cidrsubnet(var.vpc_cidr, 8, 10 + idx)
      az   = "${var.region}${az}"
    }
  }
}
'''


def _tf_module_call(index: int) -> str:
    return f'''module "data_{index}" {{
  source = "./modules/data"

  name                  = "${{local.name}}-data"
  vpc_id                = var.vpc_id
  vpc_cidr              = var.vpc_cidr
  region                = var.region
  backup_retention_days = var.backup_retention_days
  db_password           = var.db_password
  tags                  = local.common_tags
}}
'''


_TF_OUTPUTS = '''output "name" {
  value = local.name
}

output "tags" {
  value = local.common_tags
}
'''


def _tf_resource_file(rng: random.Random, blocks: int, prefix: str) -> str:
    """``blocks`` resource/data blocks drawn from the weighted templates."""
    weights = [w for w, _, _ in _TF_TEMPLATES]
    parts: list[str] = []
    written = 0
    serial = 0
    while written < blocks:
        _, template, size = rng.choices(_TF_TEMPLATES, weights)[0]
        if size > blocks - written:
            template, size = _tf_subnet, 1
        parts.append(template(rng, f"{prefix}_{serial}"))
        serial += 1
        written += size
    return "\n".join(parts)


# Files of one stack: 6 without resources plus 3 with resources (more when the file budget is larger).
_TF_SUPPORT_FILES = 6
_TF_RESOURCE_FILES = 3


def terraform(dest: Path, resources: int, files: int | None = None, seed: int = SEED) -> Corpus:
    """A Terraform tree of ``resources`` resource/data blocks in about ``files`` files.

    The default file count keeps the density of terraform-aws-modules/terraform-aws-vpc
    (635 resources in 77 files, about 8 per file).
    """
    rng = random.Random(seed)
    files = files or max(_TF_SUPPORT_FILES + _TF_RESOURCE_FILES, round(resources / 8.25))
    stacks = max(1, files // (_TF_SUPPORT_FILES + _TF_RESOURCE_FILES))
    extra_files = files - stacks * (_TF_SUPPORT_FILES + _TF_RESOURCE_FILES)
    resource_files: list[Path] = []
    written_files = 0
    for s in range(stacks):
        stack = dest / f"stack-{s:04d}"
        module = stack / "modules" / "data"
        module.mkdir(parents=True, exist_ok=True)
        values = {"project": f"svc{s}", "environment": rng.choice(["dev", "staging", "prod"]),
                  "retention": rng.choice([7, 30, 35]), "replicas": rng.choice([1, 2, 3])}
        (stack / "versions.tf").write_text(_TF_VERSIONS)
        (stack / "variables.tf").write_text(_TF_VARIABLES % values + _TF_INPUTS)
        (stack / "locals.tf").write_text(_TF_LOCALS)
        (stack / "outputs.tf").write_text(_TF_OUTPUTS)
        (module / "variables.tf").write_text(_TF_MODULE_VARIABLES + _TF_INPUTS)
        (module / "outputs.tf").write_text('output "ready" {\n  value = true\n}\n')
        written_files += _TF_SUPPORT_FILES
        resource_files += [stack / "main.tf", stack / "network.tf", module / "main.tf"]
        written_files += _TF_RESOURCE_FILES
    for e in range(max(0, extra_files)):
        resource_files.append(dest / f"stack-{e % stacks:04d}" / f"extra_{e // stacks}.tf")
    per_file, remainder = divmod(resources, len(resource_files))
    total = 0
    for index, path in enumerate(resource_files):
        count = per_file + (1 if index < remainder else 0)
        text = _tf_resource_file(rng, count, path.stem)
        if path.name == "main.tf" and path.parent.parent.name != "modules":
            text = _tf_module_call(index) + "\n" + text
        path.write_text(text)
        total += count
    return Corpus(dest, written_files + max(0, extra_files), total)


# --------------------------------------------------------------------------------------------
# Kubernetes
# --------------------------------------------------------------------------------------------

def _k8s_deployment(rng: random.Random, name: str, ns: str) -> str:
    replicas = rng.choice([1, 2, 3, 5])
    image = rng.choice(["api:1.4.2", "api:latest", "worker:2.0.1", "web:3.1.0"])
    return f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app: {name}
    tier: {rng.choice(["api", "worker", "web"])}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      securityContext:
        runAsNonRoot: {rng.choice(["true", "false"])}
      containers:
      - name: {name}
        image: registry.example.com/{image}
        ports:
        - containerPort: 8080
        env:
        - name: NODE_ENV
          value: production
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef:
              name: {name}-db
              key: url
        resources:
          requests:
            cpu: "{rng.choice(["250m", "500m", "1000m", "2"])}"
            memory: "{rng.choice(["512Mi", "1Gi", "2Gi", "4Gi"])}"
          limits:
            cpu: "{rng.choice(["1", "2000m", "4"])}"
            memory: "{rng.choice(["1Gi", "4Gi", "8Gi"])}"
        livenessProbe:
          httpGet:
            path: /health
            port: 8080
          initialDelaySeconds: 30
        readinessProbe:
          httpGet:
            path: /ready
            port: 8080
'''


def _k8s_service(_rng: random.Random, name: str, ns: str) -> str:
    return f'''apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
'''


def _k8s_configmap(rng: random.Random, name: str, ns: str) -> str:
    return f'''apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {ns}
data:
  LOG_LEVEL: {rng.choice(["info", "debug", "warn"])}
  CACHE_TTL: "{rng.choice([60, 300, 3600])}"
'''


def _k8s_hpa(rng: random.Random, name: str, ns: str) -> str:
    return f'''apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: {ns}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: {rng.choice([1, 2, 3])}
  maxReplicas: {rng.choice([5, 10, 20])}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
'''


def _k8s_ingress(rng: random.Random, name: str, ns: str) -> str:
    tls = rng.random() < 0.7
    tls_block = f'''  tls:
  - hosts:
    - {name}.example.com
    secretName: {name}-tls
''' if tls else ""
    return f'''apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {ns}
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt-prod
spec:
{tls_block}  rules:
  - host: {name}.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: {name}
            port:
              number: 80
'''


def _k8s_statefulset(rng: random.Random, name: str, ns: str) -> str:
    return f'''apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}-cache
  namespace: {ns}
spec:
  serviceName: {name}-cache
  replicas: {rng.choice([1, 3])}
  selector:
    matchLabels:
      app: {name}-cache
  template:
    metadata:
      labels:
        app: {name}-cache
    spec:
      containers:
      - name: redis
        image: redis:{rng.choice(["7.2", "6.2", "latest"])}
        resources:
          requests:
            cpu: "500m"
            memory: 1Gi
'''


# One "app" = these documents, written to one multi-document file or split into one file each.
_K8S_APP = [_k8s_deployment, _k8s_service, _k8s_configmap, _k8s_hpa, _k8s_ingress, _k8s_statefulset]


def kubernetes(dest: Path, documents: int, seed: int = SEED) -> Corpus:
    """``documents`` manifests: apps of six documents, half as multi-document files, half split."""
    rng = random.Random(seed + 1)
    written = files = 0
    app = 0
    while written < documents:
        ns = f"team-{app % 17}"
        name = f"app-{app:05d}"
        folder = dest / ns / name
        folder.mkdir(parents=True, exist_ok=True)
        docs = [make(rng, name, ns) for make in _K8S_APP[: documents - written]]
        if app % 2 == 0:
            (folder / "all.yaml").write_text("---\n".join(docs))
            files += 1
        else:
            for make, doc in zip(_K8S_APP[: len(docs)], docs, strict=True):
                (folder / f"{make.__name__.removeprefix('_k8s_')}.yaml").write_text(doc)
                files += 1
        written += len(docs)
        app += 1
    return Corpus(dest, files, written)


# --------------------------------------------------------------------------------------------
# CloudFormation and ARM (for the monorepo)
# --------------------------------------------------------------------------------------------

def _cfn_template(rng: random.Random, name: str) -> str:
    return f'''AWSTemplateFormatVersion: "2010-09-09"
Description: {name} data tier
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
  Retention:
    Type: Number
    Default: {rng.choice([7, 30])}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      EnableDnsSupport: true
      EnableDnsHostnames: true
  PrivateSubnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.10.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
      MapPublicIpOnLaunch: {rng.choice(["false", "true"])}
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      EngineVersion: "{rng.choice(["15.4", "14.9"])}"
      MasterUsername: app
      MasterUserPassword: !Ref DBPassword
      BackupRetentionPeriod: !Ref Retention
      PreferredBackupWindow: "03:00-04:00"
      StorageEncrypted: true
      DeletionProtection: true
  Instance:
    Type: AWS::RDS::DBInstance
    Properties:
      DBClusterIdentifier: !Ref Cluster
      DBInstanceClass: db.r6g.2xlarge
      Engine: aurora-postgresql
      PubliclyAccessible: {rng.choice(["false", "true"])}
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: !Sub "${{AWS::StackName}} cache"
      CacheNodeType: cache.r6g.xlarge
      NumCacheClusters: 3
      TransitEncryptionEnabled: {rng.choice(["true", "false"])}
'''


_CFN_RESOURCES = 5


def _arm_template(rng: random.Random, name: str) -> str:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
                       "retention": {"type": "int", "defaultValue": rng.choice([7, 30])}},
        "resources": [
            {"type": "Microsoft.DBforPostgreSQL/flexibleServers", "apiVersion": "2022-12-01",
             "name": f"{name}-pg", "location": "[parameters('location')]",
             "sku": {"name": "Standard_D8ds_v4", "tier": "GeneralPurpose"},
             "properties": {"version": rng.choice(["15", "14"]),
                            "storage": {"storageSizeGB": 512},
                            "backup": {"backupRetentionDays": "[parameters('retention')]",
                                       "geoRedundantBackup": rng.choice(["Enabled", "Disabled"])},
                            "network": {"publicNetworkAccess": rng.choice(["Disabled", "Enabled"])},
                            "highAvailability": {"mode": "ZoneRedundant"}}},
            {"type": "Microsoft.Cache/redis", "apiVersion": "2023-04-01", "name": f"{name}-redis",
             "location": "[parameters('location')]",
             "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 1},
                            "enableNonSslPort": rng.choice([False, True]), "minimumTlsVersion": "1.2"}},
        ],
    }
    return json.dumps(template, indent=2) + "\n"


_ARM_RESOURCES = 2


def _source_file(rng: random.Random, index: int) -> tuple[str, str]:
    """A file no loader should claim (application code, docs), as monorepos are mostly made of."""
    kind = rng.choice(["py", "ts", "md", "json", "yaml"])
    if kind == "py":
        return f"module_{index}.py", "\n".join(f"def handler_{i}(event):\n    return {{'ok': {i}}}\n"
                                                for i in range(rng.randint(5, 40)))
    if kind == "ts":
        return f"component_{index}.ts", "\n".join(f"export const value{i} = {i};" for i in range(rng.randint(5, 60)))
    if kind == "md":
        return f"NOTES_{index}.md", "# Notes\n\n" + "Some prose about the service.\n" * rng.randint(5, 50)
    if kind == "json":
        return f"package_{index}.json", json.dumps({"name": f"pkg{index}", "version": "1.0.0",
                                                    "dependencies": {f"dep{i}": "^1.0.0" for i in range(20)}},
                                                   indent=2)
    return f"config_{index}.yaml", "settings:\n" + "".join(f"  key{i}: value{i}\n" for i in range(rng.randint(5, 40)))


def monorepo(dest: Path, services: int = 40, seed: int = SEED) -> Corpus:
    """``services`` services, each with Terraform, Kubernetes, CloudFormation, ARM and application files."""
    rng = random.Random(seed + 2)
    files = resources = 0
    for s in range(services):
        svc = dest / "services" / f"svc-{s:03d}"
        tf = terraform(svc / "infra" / "terraform", resources=60, files=9, seed=seed + 100 + s)
        k8s = kubernetes(svc / "deploy" / "k8s", documents=12, seed=seed + 200 + s)
        (svc / "infra" / "cloudformation").mkdir(parents=True, exist_ok=True)
        (svc / "infra" / "cloudformation" / "data.yaml").write_text(_cfn_template(rng, f"svc{s}"))
        (svc / "infra" / "azure").mkdir(parents=True, exist_ok=True)
        (svc / "infra" / "azure" / "azuredeploy.json").write_text(_arm_template(rng, f"svc{s}"))
        src = svc / "src"
        src.mkdir(parents=True, exist_ok=True)
        for i in range(30):
            name, text = _source_file(rng, i)
            (src / name).write_text(text)
        files += tf.files + k8s.files + 2 + 30
        resources += tf.resources + k8s.resources + _CFN_RESOURCES + _ARM_RESOURCES
    return Corpus(dest, files, resources)


GENERATORS: dict[str, Callable[[Path, int], Corpus]] = {
    "terraform": lambda dest, size: terraform(dest, size),
    "kubernetes": lambda dest, size: kubernetes(dest, size),
    "monorepo": lambda dest, size: monorepo(dest, size),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.generate", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(GENERATORS))
    parser.add_argument("size", type=int, help="resources (terraform), documents (kubernetes), services (monorepo)")
    parser.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    corpus = GENERATORS[args.kind](args.dest, args.size)
    print(f"{corpus.root}: {corpus.describe()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
