"""ME-CMP-08 on an EC2 instance that leaves its root volume to the AMI: the public SSM parameter of an Amazon
Linux AMI names the root volume's type (``...-gp2``: General Purpose SSD; ``...-ebs``: magnetic); any other
AMI leaves it unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files

CFN = '''AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  LatestAmiId:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: {parameter}
Resources:
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      InstanceType: t3.small
      ImageId: !Ref LatestAmiId
'''


@pytest.mark.parametrize("parameter, expected", [
    ("/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", Status.COMPLIES),
    ("/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2", Status.COMPLIES),
    ("/aws/service/ami-amazon-linux-latest/amzn-ami-hvm-x86_64-ebs", Status.VIOLATES),
    ("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", Status.UNKNOWN),
    ("ami-0123456789abcdef0", Status.UNKNOWN),
])
def test_cloudformation_instance_takes_the_ami_root_volume(tmp_path: Path, parameter: str,
                                                           expected: Status) -> None:
    found = {f.resource_address: f for f in scan_files(tmp_path, {"ec2.yaml": CFN.format(parameter=parameter)},
                                                        "ME-CMP-08")}
    assert found["Instance"].status == expected, found["Instance"].message


@pytest.mark.parametrize("ami, root, expected", [
    ('"resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2"', "", Status.COMPLIES),
    ('"resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2"',
     'root_block_device {\n    volume_type = "standard"\n  }', Status.VIOLATES),
    ('"ami-0123456789abcdef0"', "", Status.UNKNOWN),
])
def test_terraform_instance_takes_the_ami_root_volume(tmp_path: Path, ami: str, root: str,
                                                      expected: Status) -> None:
    text = f'resource "aws_instance" "vm" {{\n  ami           = {ami}\n  instance_type = "t3.small"\n  {root}\n}}\n'
    found = {f.resource_address: f for f in scan_files(tmp_path, {"main.tf": text}, "ME-CMP-08")}
    assert found["aws_instance.vm"].status == expected, found["aws_instance.vm"].message
