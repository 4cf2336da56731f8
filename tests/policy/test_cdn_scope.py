"""ME-NET-07: a CDN keeps a load balancer it does not name unknown only when one of its origins could be that
load balancer (a value the files do not resolve, a host name written out); a CDN whose origins are other
declared resources or storage endpoints says nothing of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files

LB = '''resource "aws_lb" "api" {
  name    = "api"
  subnets = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
}
resource "aws_s3_bucket" "assets" {
  bucket = "assets"
}
variable "origin" {}
'''


def _cdn(*domains: str) -> str:
    origins = "".join(f'''
  origin {{
    origin_id   = "o{i}"
    domain_name = {domain}
  }}''' for i, domain in enumerate(domains))
    return f'''resource "aws_cloudfront_distribution" "cdn" {{
  enabled = true{origins}
}}
'''


@pytest.mark.parametrize("domains, expected", [
    (["aws_lb.api.dns_name"], Status.COMPLIES),
    (["aws_s3_bucket.assets.bucket_regional_domain_name"], Status.VIOLATES),
    (['"assets.s3.amazonaws.com"', '"assets.s3.eu-west-1.amazonaws.com"'], Status.VIOLATES),
    (["aws_s3_bucket.assets.bucket_regional_domain_name", "var.origin"], Status.UNKNOWN),
    (['"api.example.com"'], Status.UNKNOWN),  # a name that may point at the load balancer
])
def test_only_a_cdn_that_may_front_it_keeps_it_unknown(tmp_path: Path, domains: list[str],
                                                       expected: Status) -> None:
    found = {f.resource_address: f for f in scan_files(tmp_path, {"main.tf": LB + _cdn(*domains)}, "ME-NET-07")}
    assert found["aws_lb.api"].status == expected, found["aws_lb.api"].message


def test_a_bucket_distribution_elsewhere_in_the_scan(tmp_path: Path) -> None:
    """Two stacks in one scan: the static site's distribution in front of its bucket says nothing of the API's
    load balancer, which has no CDN."""
    found = {f.resource_address: f for f in scan_files(tmp_path, {
        "api/main.tf": LB.replace('variable "origin" {}\n', ""),
        "site/main.tf": 'resource "aws_s3_bucket" "site" {\n  bucket = "site"\n}\n'
                        + _cdn("aws_s3_bucket.site.bucket_regional_domain_name"),
    }, "ME-NET-07")}
    assert found["aws_lb.api"].status == Status.VIOLATES, found["aws_lb.api"].message
