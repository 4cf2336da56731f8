"""``specdrift collect aws --out state.json``: snapshot live state where the credentials are."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, command, write_output

PROVIDERS = ("aws",)


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``collect aws`` and ``drift --aws``; the rest comes from boto3's own configuration."""
    group = parser.add_argument_group("AWS (credentials, default region and endpoints follow boto3's configuration)")
    group.add_argument("--profile", help="named profile from ~/.aws/config")
    group.add_argument("--region", action="append", default=[], metavar="REGION",
                       help="region to read (repeatable; default: the configured region)")
    group.add_argument("--endpoint-url", metavar="URL", type=_endpoint_url,
                       help="send every call to this endpoint (a proxy, a VPC endpoint, a local emulator)")
    group.add_argument("--service", action="append", default=[], metavar="NAME",
                       help="only these services (repeatable): ec2, elbv2, ecs, rds, elasticache, s3, cloudfront, "
                            "cloudformation")
    group.add_argument("--concurrency", type=int, default=8, metavar="N",
                       help="API calls in flight at once across regions and services (default 8)")
    group.add_argument("--timeout", type=_seconds, default=20.0, metavar="SECONDS",
                       help="per-call connect and read timeout (default 20)")
    group.add_argument("--retry-mode", choices=("standard", "adaptive", "legacy"), default="standard",
                       help="botocore retry mode; throttled calls back off and retry (default standard)")
    group.add_argument("--max-attempts", type=int, default=5, metavar="N",
                       help="attempts per call, the first included (default 5)")


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (botocore refuses 0 and below with a traceback; NaN never ends)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _endpoint_url(text: str) -> str:
    """An http(s) URL with a host (botocore refuses anything else with a traceback)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # an invalid port or IPv6 address
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def aws_options(args: argparse.Namespace) -> Any:
    from scanner.collectors.aws import AwsOptions

    return AwsOptions(profile=args.profile, regions=tuple(args.region), endpoint_url=args.endpoint_url,
                      services=tuple(args.service), concurrency=max(1, args.concurrency), retry_mode=args.retry_mode,
                      max_attempts=max(1, args.max_attempts), timeout=args.timeout)


@command("collect", order=60)
def register(sub: Any) -> None:
    collect = sub.add_parser("collect", help="snapshot live state to a file (evaluate later with drift --live)",
                             description="Read live state (read-only calls only) and write a versioned JSON "
                                         "snapshot, credentials masked, for `specdrift drift --live FILE`.")
    collect.add_argument("provider", choices=PROVIDERS)
    collect.add_argument("--out", "-o", metavar="FILE", help="write the snapshot here (default: stdout)")
    collect.add_argument("--strict", action="store_true",
                         help="exit 2 when anything could not be read (denied, disabled region, timeout)")
    add_aws_arguments(collect)
    collect.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.collectors.aws import CollectorError, collect
    from scanner.collectors.snapshot import dumps

    try:
        collection = collect(aws_options(args))
    except CollectorError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    write_output(dumps(collection), args.out)
    print(f"specdrift: {len(collection.resources)} resources from account {collection.account or '?'} in "
          f"{', '.join(collection.regions)} ({collection.stats.get('calls', 0)} calls, "
          f"{collection.duration_s:.1f}s)", file=sys.stderr)
    for gap in collection.gaps:
        print(f"specdrift: could not read {gap.describe()}", file=sys.stderr)
    return EXIT_ERROR if args.strict and collection.gaps else EXIT_OK
