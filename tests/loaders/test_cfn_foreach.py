"""``Fn::ForEach`` (valid with ``Transform: AWS::LanguageExtensions``) expands as CloudFormation expands it: one
resource per item of the collection, ``${Identifier}``/``&{Identifier}`` substituted in keys and values and
``!Ref Identifier`` read as the item. A collection the template does not fix (a parameter without a default)
leaves the resources written once, whether they exist unknown: never an error on a valid template."""

from __future__ import annotations

from pathlib import Path

from scanner.mappings import load_paths
from scanner.model import EXISTS_WHEN, Unresolved

_HEAD = '''AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Names:
    Type: CommaDelimitedList
    Default: "alpha, beta"
  Unknown:
    Type: CommaDelimitedList
Resources:
'''


def _load(tmp_path: Path, resources: str) -> dict[str, object]:
    (tmp_path / "template.yaml").write_text(_HEAD + resources)
    outcome = load_paths([tmp_path])
    assert not outcome.errors, outcome.errors
    return {r.address: r for r in outcome.resources if r.type != "credential"}


def test_literal_collection_expands_keys_values_and_refs(tmp_path: Path) -> None:
    found = _load(tmp_path, '''  Fn::ForEach::Buckets:
    - Name
    - [Logs, Data]
    - ${Name}Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub "my-${Name}-bucket"
          Tags:
            - Key: purpose
              Value: !Ref Name
''')
    assert sorted(found) == ["DataBucket", "LogsBucket"]
    logs = found["LogsBucket"]
    assert logs.type == "AWS::S3::Bucket"
    assert logs.attributes["BucketName"] == "my-Logs-bucket"
    assert logs.attributes["Tags"][0]["Value"] == "Logs"
    assert logs.origin.line == 13  # the OutputKey's line
    assert EXISTS_WHEN not in logs.attributes


def test_comma_delimited_parameter_and_ampersand_form(tmp_path: Path) -> None:
    found = _load(tmp_path, '''  Fn::ForEach::Queues:
    - Item
    - !Ref Names
    - Queue&{Item}:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: ${Item}
  Fn::ForEach::Subnets:
    - Cidr
    - ["10.0.1.0/24"]
    - Subnet&{Cidr}:
        Type: AWS::EC2::Subnet
        Properties:
          CidrBlock: !Ref Cidr
''')
    assert sorted(found) == ["Queuealpha", "Queuebeta", "Subnet1001024"]
    assert found["Queuebeta"].attributes["QueueName"] == "beta"
    assert found["Subnet1001024"].attributes["CidrBlock"] == "10.0.1.0/24"


def test_nested_loops(tmp_path: Path) -> None:
    found = _load(tmp_path, '''  Fn::ForEach::Outer:
    - Env
    - [dev, prod]
    - Fn::ForEach::Inner:
        - Kind
        - [a, b]
        - ${Env}${Kind}Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Sub "${Env}-${Kind}"
''')
    assert sorted(found) == ["devaTopic", "devbTopic", "prodaTopic", "prodbTopic"]
    assert found["prodbTopic"].attributes["TopicName"] == "prod-b"


def test_unknown_collection_is_unknown_not_an_error(tmp_path: Path) -> None:
    found = _load(tmp_path, '''  Fn::ForEach::Buckets:
    - Name
    - !Ref Unknown
    - ${Name}Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub "my-${Name}-bucket"
          VersioningConfiguration:
            Status: Enabled
''')
    assert list(found) == ["${Name}Bucket"]
    bucket = found["${Name}Bucket"]
    assert bucket.type == "AWS::S3::Bucket"
    exists = bucket.attributes[EXISTS_WHEN]
    assert isinstance(exists, Unresolved) and "Unknown" in exists.reason
    assert isinstance(bucket.attributes["BucketName"], Unresolved)
    assert bucket.attributes["VersioningConfiguration"]["Status"] == "Enabled"


def test_malformed_loop_is_still_an_error(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(_HEAD + '''  Fn::ForEach::Bad:
    - Name
    - [a]
''')
    outcome = load_paths([tmp_path])
    assert [e.message for e in outcome.errors] == [
        "Fn::ForEach::Bad must be [identifier, collection, {OutputKey: value}]"]


def test_loop_inside_properties(tmp_path: Path) -> None:
    found = _load(tmp_path, '''  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Fn::ForEach::Names:
        - Part
        - [Display, Topic]
        - ${Part}Name: !Sub "x-${Part}"
''')
    assert dict(found["Topic"].attributes) == {"DisplayName": "x-Display", "TopicName": "x-Topic"}


def test_without_the_transform_a_loop_is_no_resource(tmp_path: Path) -> None:
    head = _HEAD.replace("Transform: AWS::LanguageExtensions\n", "")
    (tmp_path / "template.yaml").write_text(head + '''  Fn::ForEach::Buckets:
    - Name
    - [Logs]
    - ${Name}Bucket:
        Type: AWS::S3::Bucket
''')
    outcome = load_paths([tmp_path])
    assert [e.message for e in outcome.errors] == ["resource Fn::ForEach::Buckets has no Type"]
