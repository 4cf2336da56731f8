"""ME-NET-04: a subnet without a default route that holds a data store is an isolated data subnet, whether a DB /
cache subnet group lists it or the store names it itself (ElastiCache Serverless's subnet_ids); a subnet without a
default route that holds nothing is a private workload subnet missing its NAT route."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files

NETWORK = '''resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "data" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_route_table" "data" {
  vpc_id = aws_vpc.this.id
}
resource "aws_route_table_association" "data" {
  subnet_id      = aws_subnet.data.id
  route_table_id = aws_route_table.data.id
}
'''


@pytest.mark.parametrize("store, expected", [
    ('resource "aws_elasticache_serverless_cache" "c" {\n  engine     = "valkey"\n  name       = "c"\n'
     '  subnet_ids = [aws_subnet.data.id]\n}\n', Status.COMPLIES),
    ('resource "aws_elasticache_subnet_group" "g" {\n  name       = "g"\n  subnet_ids = [aws_subnet.data.id]\n}\n',
     Status.COMPLIES),
    ("", Status.VIOLATES),
])
def test_a_subnet_holding_a_data_store_needs_no_nat(tmp_path: Path, store: str, expected: Status) -> None:
    found = {f.resource_address: f for f in scan_files(tmp_path, {"main.tf": NETWORK + store}, "ME-NET-04")}
    assert found["aws_subnet.data"].status == expected, found["aws_subnet.data"].message
