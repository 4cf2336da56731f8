"""ME-RED-01 on ElastiCache with RBAC: a replication group or a serverless cache whose user group's users
need no password lets clients in without authenticating; users whose passwords are written in the files put
the secret in the files. The users are the group's ``user_ids`` and the users associated with the group by
``aws_elasticache_user_group_association`` (Terraform) or the group's ``UserIds`` (CloudFormation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.mappings import load_paths
from scanner.model import Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

POLICY = {p.id: p for p in load_policies([POLICIES])}["ME-RED-01"]

_GROUP = '''
variable "password" {
  type      = string
  sensitive = true
}
resource "aws_elasticache_user_group" "app" {
  engine        = "redis"
  user_group_id = "app"
  user_ids      = [aws_elasticache_user.default.user_id]
}
resource "aws_elasticache_user" "default" {
  user_id       = "app-default"
  user_name     = "default"
  access_string = "off -@all"
  engine        = "REDIS"
  %(default)s
}
resource "aws_elasticache_user" "reader" {
  user_id       = "reader"
  user_name     = "reader"
  access_string = "on ~* +@read"
  engine        = "REDIS"
  %(reader)s
}
resource "aws_elasticache_user_group_association" "reader" {
  user_group_id = aws_elasticache_user_group.app.user_group_id
  user_id       = aws_elasticache_user.reader.user_id
}
'''

_REPLICATION_GROUP = '''
resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
  description          = "cache"
  node_type            = "cache.t4g.small"
  user_group_ids       = [aws_elasticache_user_group.app.id]
}
'''

_SERVERLESS = '''
resource "aws_elasticache_serverless_cache" "cache" {
  engine        = "%(engine)s"
  name          = "cache"
  user_group_id = aws_elasticache_user_group.app.id
}
'''

_IAM = 'authentication_mode {\n    type = "iam"\n  }'
_VARIABLE = 'authentication_mode {\n    type      = "password"\n    passwords = [var.password]\n  }'
_OPEN = 'authentication_mode {\n    type = "no-password-required"\n  }'
_LITERAL = 'passwords = ["password123456789"]'
_LITERAL_MODE = 'authentication_mode {\n    type      = "password"\n    passwords = ["password123456789"]\n  }'


def _findings(tmp_path: Path, text: str) -> dict[str, tuple[Status, str]]:
    (tmp_path / "main.tf").write_text(text)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {f.resource_address: (f.status, f.message) for f in Engine([POLICY]).run(outcome.resources)}


@pytest.mark.parametrize("default, reader, expected, said", [
    (_IAM, _VARIABLE, Status.COMPLIES, ""),
    (_OPEN, _VARIABLE, Status.VIOLATES, "aws_elasticache_user.default"),  # the default user needs no password
    (_IAM, _OPEN, Status.VIOLATES, "aws_elasticache_user.reader"),  # a user by association needs none
    ("no_password_required = true", _IAM, Status.VIOLATES, "no password"),
    (_LITERAL, _IAM, Status.VIOLATES, "written in the file"),
    (_IAM, _LITERAL_MODE, Status.VIOLATES, "written in the file"),
])
def test_replication_group_judged_by_its_users(tmp_path: Path, default: str, reader: str, expected: Status,
                                               said: str) -> None:
    found = _findings(tmp_path, _GROUP % {"default": default, "reader": reader} + _REPLICATION_GROUP)
    status, message = found["aws_elasticache_replication_group.cache"]
    assert status == expected, message
    assert said in message
    if said:
        assert "password123456789" not in message


@pytest.mark.parametrize("engine", ["redis", "valkey"])
def test_serverless_cache_is_judged(tmp_path: Path, engine: str) -> None:
    open_group = _GROUP % {"default": _OPEN, "reader": _OPEN}
    status, message = _findings(tmp_path, open_group + _SERVERLESS % {"engine": engine})[
        "aws_elasticache_serverless_cache.cache"]
    assert status == Status.VIOLATES, message
    safe_group = _GROUP % {"default": _IAM, "reader": _VARIABLE}
    status, message = _findings(tmp_path, safe_group + _SERVERLESS % {"engine": engine})[
        "aws_elasticache_serverless_cache.cache"]
    assert status == Status.COMPLIES, message


def test_serverless_cache_without_user_group_needs_no_authentication(tmp_path: Path) -> None:
    text = 'resource "aws_elasticache_serverless_cache" "cache" {\n  engine = "valkey"\n  name = "cache"\n}\n'
    status, message = _findings(tmp_path, text)["aws_elasticache_serverless_cache.cache"]
    assert status == Status.VIOLATES, message


def test_memcached_serverless_cache_is_not_redis(tmp_path: Path) -> None:
    text = 'resource "aws_elasticache_serverless_cache" "cache" {\n  engine = "memcached"\n  name = "cache"\n}\n'
    assert "aws_elasticache_serverless_cache.cache" not in _findings(tmp_path, text)


def test_user_group_not_in_the_files_keeps_the_verdict_of_the_group_alone(tmp_path: Path) -> None:
    text = _REPLICATION_GROUP.replace("aws_elasticache_user_group.app.id", '"app"')
    status, _ = _findings(tmp_path, text)["aws_elasticache_replication_group.cache"]
    assert status == Status.COMPLIES


def test_cloudformation_user_group(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text('''
Resources:
  Default:
    Type: AWS::ElastiCache::User
    Properties:
      UserId: app-default
      UserName: default
      Engine: redis
      AccessString: "on ~* +@all"
      NoPasswordRequired: true
  Group:
    Type: AWS::ElastiCache::UserGroup
    Properties:
      UserGroupId: app
      Engine: redis
      UserIds: [!Ref Default]
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: cache
      CacheNodeType: cache.t4g.small
      UserGroupIds: [!Ref Group]
''')
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    found = {f.resource_address: f.status for f in Engine([POLICY]).run(outcome.resources)}
    assert found["Cache"] == Status.VIOLATES
