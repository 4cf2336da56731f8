"""Matching and diffing without a server: names, Terraform state, stacks, what counts as unmanaged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.collectors.collection import Collection, Gap
from scanner.drift.match import MatchOptions, match
from scanner.drift.report import build
from scanner.drift.tfstate import load_ids
from scanner.mappings import load_paths, normalize
from scanner.model import Origin, Resource
from scanner.policy.pack import load_policies

ACCOUNT, REGION = "123456789012", "eu-west-1"


def _live(rtype: str, address: str, api: str, **attrs: Any) -> Resource:
    return normalize(Resource("aws", rtype, address, Origin(account=ACCOUNT, region=REGION, api=api), attrs,
                              format="aws-api", source="live"))


def _cluster(name: str, retention: int, **extra: Any) -> Resource:
    return _live("AWS::RDS::DBCluster", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{name}", "rds:DescribeDBClusters",
                 DBClusterIdentifier=name, DBClusterArn=f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{name}",
                 Engine="aurora-postgresql", BackupRetentionPeriod=retention, MemberInstances=[], **extra)


def _stack(name: str, resources: dict[str, tuple[str, str]]) -> Resource:
    return _live("AWS::CloudFormation::Stack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/1",
                 "cloudformation:DescribeStacks", StackName=name, StackResources=[
                     {"LogicalResourceId": k, "ResourceType": t, "PhysicalResourceId": p}
                     for k, (t, p) in resources.items()])


def _declared(tmp_path: Path, name: str, text: str) -> list[Resource]:
    path = tmp_path / name
    path.write_text(text)
    return load_paths([path]).resources


TEMPLATE = """
Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      BackupRetentionPeriod: 30
"""


def test_a_literal_identifier_pairs_and_live_values_that_comply_can_be_taken_into_the_iac(tmp_path: Path) -> None:
    named = TEMPLATE.replace("Engine:", "DBClusterIdentifier: Orders-DB\n      Engine:")
    declared = _declared(tmp_path, "named.yaml", named)
    collection = Collection("aws", [_cluster("orders-db", 35)], regions=(REGION,))
    report = build(declared, collection, load_policies())
    [item] = [i for i in report.items if i.pair.declared is not None]
    assert item.status == "changed" and item.pair.matched_by == "name Orders-DB"
    assert [(d.fact, str(d.declared), str(d.live)) for d in item.differences] == [("backup_retention", "30d", "35d")]
    # Live complies (35 >= 30): either restore 30 in the cloud, or write 35 into the template. (The minimal
    # template and cluster break other rules too, such as log exports, each with its own fix.)
    retention = [f for f in item.fixes if f.fact == "backup_retention"]
    fixes = {f.direction: f for f in retention}
    assert len(retention) == len(fixes) == 2
    assert fixes["cloud"].snippet.endswith("--backup-retention-period 30 --apply-immediately")
    assert fixes["iac"].format == "cloudformation" and "BackupRetentionPeriod: 35" in fixes["iac"].snippet


def test_terraform_state_ids_pair_resources_the_iac_does_not_name(tmp_path: Path) -> None:
    declared = _declared(tmp_path, "main.tf", 'resource "aws_rds_cluster" "main" {\n  engine = "aurora-postgresql"\n'
                                              '  backup_retention_period = 30\n}\n')
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps({"version": 4, "resources": [{"mode": "managed", "type": "aws_rds_cluster",
                                                              "name": "main", "instances": [{"attributes": {
                                                                  "id": "prod-main", "arn": "arn:x"}}]}]}))
    live = [_cluster("prod-main", 7), _cluster("other", 30)]
    pairs = match(declared, live, [], MatchOptions(tf_state=load_ids(state)))
    matched = [p for p in pairs if p.status == "matched"]
    assert [(p.declared.address, p.live.attributes["DBClusterIdentifier"], p.matched_by) for p in matched
            if p.declared and p.live] == [("aws_rds_cluster.main", "prod-main", "terraform state")]
    assert [p.live.attributes["DBClusterIdentifier"] for p in pairs if p.status == "unmanaged" and p.live] == ["other"]
    report = build(declared, Collection("aws", live, regions=(REGION,)), load_policies(),
                   MatchOptions(tf_state=load_ids(state)))
    changed = next(i for i in report.items if i.status == "changed")
    iac = [f for f in changed.fixes if f.direction == "iac"]
    # 7 days violates ME-DB-02: the IaC must not take it over. (IaC fixes for what the minimal declaration
    # itself breaks, such as its windows, are there: none takes a live value over.)
    assert [f for f in iac if f.fact == "backup_retention"] == []
    assert [f for f in iac if f.description.startswith("or accept the live value")] == []
    assert [f.snippet for f in changed.fixes if f.fact == "backup_retention"] == [
        "aws rds modify-db-cluster --db-cluster-identifier prod-main --backup-retention-period 30 --apply-immediately"]


def test_two_stacks_from_one_template_need_a_choice(tmp_path: Path) -> None:
    declared = _declared(tmp_path, "t.yaml", TEMPLATE)
    live = [_cluster("staging-db", 30), _cluster("prod-db", 30),
            _stack("staging", {"Db": ("AWS::RDS::DBCluster", "staging-db")}),
            _stack("prod", {"Db": ("AWS::RDS::DBCluster", "prod-db")})]
    [pair] = [p for p in match(declared, live, []) if p.declared is not None]
    assert pair.status == "unknown" and "--stack" in pair.note
    pairs = match(declared, live, [], MatchOptions(stacks=("prod",)))
    [chosen] = [p for p in pairs if p.declared is not None]
    assert chosen.live is not None and chosen.live.attributes["DBClusterIdentifier"] == "prod-db"
    assert chosen.matched_by == "stack prod (prod-db)"
    # The staging cluster belongs to another stack: managed, so not unmanaged.
    assert [p for p in pairs if p.status == "unmanaged"] == []


def test_aws_defaults_and_undeclared_types_are_not_unmanaged(tmp_path: Path) -> None:
    declared = _declared(tmp_path, "t.yaml", TEMPLATE.replace("Engine:", "DBClusterIdentifier: db\n      Engine:"))
    live = [_cluster("db", 30),
            _live("AWS::EC2::VPC", "vpc-default", "ec2:DescribeVpcs", VpcId="vpc-default", IsDefault=True),
            _live("AWS::EC2::VPC", "vpc-extra", "ec2:DescribeVpcs", VpcId="vpc-extra", IsDefault=False),
            _live("AWS::EC2::SecurityGroup", "sg-1", "ec2:DescribeSecurityGroups", GroupId="sg-1",
                  GroupName="default", VpcId="vpc-extra")]
    assert [p.status for p in match(declared, live, [])] == ["matched"]
    every = match(declared, live, [], MatchOptions(unmanaged="all"))
    assert sorted(p.live.address for p in every if p.status == "unmanaged" and p.live) == ["vpc-extra"]


def test_a_gap_turns_missing_into_unknown(tmp_path: Path) -> None:
    declared = _declared(tmp_path, "t.yaml", TEMPLATE)
    gap = Gap("aws", "rds", "rds:DescribeDBClusters", "AccessDenied: no", REGION, ("AWS::RDS::DBCluster",),
              "access_denied")
    [pair] = match(declared, [], [gap], MatchOptions(regions=(REGION,)))
    assert pair.status == "unknown" and "AccessDenied" in pair.note
    [missing] = match(declared, [], [], MatchOptions(regions=(REGION,)))
    assert missing.status == "missing"


def test_terraform_show_json_with_modules_and_counts(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "prior_state": {"values": {"root_module": {
        "resources": [{"address": "aws_s3_bucket.backups", "mode": "managed", "values": {"id": "backups",
                                                                                          "bucket": "backups"}}],
        "child_modules": [{"resources": [{"address": "module.db.aws_rds_cluster.this[0]", "mode": "managed",
                                          "values": {"id": "db-0", "arn": "arn:aws:rds:x"}}]}]}}}}))
    ids = load_ids(plan)
    assert ids == {"aws_s3_bucket.backups": {"backups"}, "module.db.aws_rds_cluster.this[0]": {"db-0",
                                                                                               "arn:aws:rds:x"}}


def test_every_collected_type_has_a_live_mapping_identity_and_valid_cli_facts() -> None:
    from scanner.collectors.aws import resource_types
    from scanner.mappings import mapping_for_type
    from scanner.mappings.identity import IDENTITIES, STACK_TYPE
    from scanner.mappings.remediation import cli_templates

    for rtype in resource_types():
        if rtype == STACK_TYPE:
            continue
        mapping = mapping_for_type(rtype, "aws-api")
        assert mapping is not None and mapping.format == "aws-api" and mapping.kinds, rtype
        assert rtype in IDENTITIES, rtype
    from scanner.mappings.identity import provider_identity

    for rtype, facts in cli_templates().items():  # every provider's: each in its own live format
        table = provider_identity(IDENTITIES[rtype].provider)
        mapping = mapping_for_type(rtype, table.format if table else "aws-api")
        assert mapping is not None, rtype
        assert set(facts) <= set(mapping.facts), (rtype, set(facts) - set(mapping.facts))


def test_live_entries_replace_the_cloudformation_spelling_of_the_same_type() -> None:
    """A live RDS cluster reads EnabledCloudwatchLogsExports (API), never EnableCloudwatchLogsExports (CFN)."""
    live = _cluster("db", 30, EnableCloudwatchLogsExports=["postgresql"])
    assert live.facts["log_exports"] == []  # the API's own key is absent: nothing is exported
    cfn = normalize(Resource("aws", "AWS::RDS::DBCluster", "Db", Origin("t.yaml", 1),
                             {"EnableCloudwatchLogsExports": ["postgresql"]}, format="cloudformation"))
    assert cfn.facts["log_exports"] == ["postgresql"]
