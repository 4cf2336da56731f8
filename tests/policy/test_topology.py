"""Cross-resource reasoning: subnets' route tables, zones of counted subnets, unresolved inputs stay unknown."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from scanner.policy.resource_index import ResourceIndex
from scanner.policy.topology import subnet_exposure
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}


def _scan(tmp_path: Path, text: str, *policy_ids: str) -> dict[tuple[str, str], object]:
    (tmp_path / "main.tf").write_text(text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    findings = Engine([POLICY[p] for p in policy_ids]).run(outcome.resources)
    return {(f.policy_id, f.resource_address): f for f in findings}


def test_main_route_table_decides_for_subnets_without_an_association(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}
resource "aws_default_route_table" "main" {
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}
resource "aws_subnet" "loose" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.3.0/24"
}
''')
    resources = load_paths([tmp_path]).resources
    subnet = next(r for r in resources if r.address == "aws_subnet.loose")
    exposure = subnet_exposure(ResourceIndex(resources), subnet)
    assert exposure.state == "public" and "main route table aws_default_route_table.main" in exposure.reason


def test_route_targets_are_read_from_references_or_left_unknown(tmp_path: Path) -> None:
    findings = _scan(tmp_path, """
resource "aws_subnet" "app" {
  vpc_id                  = "vpc-1"
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}
resource "aws_route_table" "app" {
  vpc_id = "vpc-1"
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.elsewhere.id
  }
}
resource "aws_route_table_association" "app" {
  subnet_id      = aws_subnet.app.id
  route_table_id = aws_route_table.app.id
}
resource "aws_subnet" "other" {
  vpc_id                  = "vpc-1"
  cidr_block              = "10.0.2.0/24"
  map_public_ip_on_launch = true
}
resource "aws_route_table" "other" {
  vpc_id = "vpc-1"
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = var.gateway_id
  }
}
resource "aws_route_table_association" "other" {
  subnet_id      = aws_subnet.other.id
  route_table_id = aws_route_table.other.id
}
""", "ME-NET-03")
    # the reference's type says internet gateway even though the gateway is declared in another module
    app = findings[("ME-NET-03", "aws_subnet.app")]
    assert app.status == Status.COMPLIES and "internet gateway" in app.message
    other = findings[("ME-NET-03", "aws_subnet.other")]
    assert other.status == Status.UNKNOWN and "var.gateway_id" in other.message


def test_zones_follow_count_and_index(tmp_path: Path) -> None:
    findings = _scan(tmp_path, '''
data "aws_availability_zones" "az" {}
resource "aws_subnet" "public" {
  count             = 3
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = element(data.aws_availability_zones.az.names, count.index)
}
resource "aws_lb" "all" {
  subnets = aws_subnet.public[*].id
}
resource "aws_lb" "first" {
  subnets = [aws_subnet.public[0].id]
}
resource "aws_lb" "from_variable" {
  subnets = var.public_subnet_ids
}
''', "ME-NET-06")
    assert findings[("ME-NET-06", "aws_lb.all")].status == Status.COMPLIES
    assert "3 zones" in findings[("ME-NET-06", "aws_lb.all")].message
    assert findings[("ME-NET-06", "aws_lb.first")].status == Status.VIOLATES
    unknown = findings[("ME-NET-06", "aws_lb.from_variable")]
    assert unknown.status == Status.UNKNOWN and "public_subnet_ids" in unknown.message


def test_two_subnets_are_two_zones(tmp_path: Path) -> None:
    """The ELB API takes at most one subnet per Availability Zone: two distinct subnets the files do not place
    are two zones; one subnet (or the same one twice) is not enough, and subnets declared in one zone stay a
    violation."""
    findings = _scan(tmp_path, '''
variable "a" { type = string }
variable "b" { type = string }
variable "subnets" { type = list(string) }
resource "aws_lb" "dangling" {
  subnets = [aws_subnet.one.id, aws_subnet.elsewhere.id]
}
resource "aws_subnet" "one" {
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}
resource "aws_subnet" "two" {
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1a"
}
resource "aws_lb" "ids" {
  subnets = ["subnet-13f44a58", "subnet-9918eec4"]
}
resource "aws_lb" "variables" {
  subnet_mapping {
    subnet_id = var.a
  }
  subnet_mapping {
    subnet_id = var.b
  }
}
resource "aws_lb" "same" {
  subnets = [var.a, var.a]
}
resource "aws_lb" "one_id" {
  subnets = ["subnet-13f44a58"]
}
resource "aws_lb" "list" {
  subnets = var.subnets
}
resource "aws_lb" "one_zone" {
  subnets = [aws_subnet.one.id, aws_subnet.two.id]
}
''', "ME-NET-06")
    statuses = {address: f.status for (policy, address), f in findings.items()}
    assert statuses["aws_lb.ids"] == Status.COMPLIES, findings[("ME-NET-06", "aws_lb.ids")].message
    assert statuses["aws_lb.variables"] == Status.COMPLIES
    assert statuses["aws_lb.same"] == Status.UNKNOWN
    assert statuses["aws_lb.one_id"] == Status.UNKNOWN
    assert statuses["aws_lb.list"] == Status.UNKNOWN
    assert statuses["aws_lb.one_zone"] == Status.VIOLATES
    assert statuses["aws_lb.dangling"] == Status.UNKNOWN  # aws_subnet.elsewhere: not declared, maybe no subnet


def test_a_subnetwork_range_not_in_the_files_is_unknown(tmp_path: Path) -> None:
    """A GCP network is judged by its subnetworks' ranges: one left to a variable without a default leaves it
    unknown (never outside the guide's range), and one range outside still makes it violate."""
    text = '''
variable "range" { type = string }
resource "google_compute_network" "vpc" {
  name                    = "vpc"
  auto_create_subnetworks = false
}
resource "google_compute_subnetwork" "app" {
  name          = "app"
  network       = google_compute_network.vpc.id
  ip_cidr_range = var.range
}
resource "google_compute_subnetwork" "db" {
  name          = "db"
  network       = google_compute_network.vpc.id
  ip_cidr_range = "RANGE"
}
'''
    inside = _scan(tmp_path, text.replace("RANGE", "10.0.2.0/24"), "ME-NET-01")[
        ("ME-NET-01", "google_compute_network.vpc")]
    assert inside.status == Status.UNKNOWN and "var.range" in inside.message, inside.message
    outside = _scan(tmp_path, text.replace("RANGE", "192.168.0.0/24"), "ME-NET-01")[
        ("ME-NET-01", "google_compute_network.vpc")]
    assert outside.status == Status.VIOLATES and "192.168.0.0/24" in outside.message, outside.message


def test_unresolved_port_makes_the_firewall_check_unknown(tmp_path: Path) -> None:
    findings = _scan(tmp_path, '''
resource "aws_security_group" "db" {
  ingress {
    from_port   = var.db_port
    to_port     = var.db_port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''', "ME-NET-08")
    finding = findings[("ME-NET-08", "aws_security_group.db")]
    assert finding.status == Status.UNKNOWN and "db_port" in finding.message


def test_secrets_never_reach_a_finding(tmp_path: Path) -> None:
    findings = _scan(tmp_path, '''
resource "aws_db_instance" "db" {
  engine   = "postgres"
  password = "correct-horse-battery-staple"
}
''', "ME-DB-09")
    finding = findings[("ME-DB-09", "aws_db_instance.db")]
    assert finding.status == Status.VIOLATES
    shown = " ".join(str(v) for v in (finding.message, finding.observed, finding.expected,
                                      finding.remediation.snippet if finding.remediation else ""))
    assert "correct-horse" not in shown
