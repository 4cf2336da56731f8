"""Benchmark (not a test): AWS collection time and peak memory for 1k and 5k resources in a moto server.

    python3 benchmarks/collect_aws.py [--sizes 1000 5000] [--concurrency 8]

Starts moto in server mode on 127.0.0.1 (its own process, so its memory is not counted), fills it with a
mix shaped like an application account (security groups, subnets in a few VPCs, Aurora clusters, S3
buckets with their settings, ECS clusters), then runs each collection in a fresh child process and prints
one table row per run: resources, concurrency, seconds, API calls, gaps, and the child's RSS after
imports and at its peak (ru_maxrss). The time is dominated by moto answering on one process.
Only loopback traffic; the server is stopped on exit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
# Per 1000 resources.
MIX = {"security_group": 400, "subnet": 300, "db_cluster": 100, "bucket": 100, "ecs_cluster": 100}
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION,
       "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **ENV})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto server did not start within 60 s")


class Seeder:
    """Creates resources through the API (what the collector will then read back)."""

    def __init__(self, url: str) -> None:
        import boto3

        def client(name: str) -> Any:
            return boto3.client(name, endpoint_url=url, region_name=REGION, aws_access_key_id="bench",
                                aws_secret_access_key="bench")

        self.ec2, self.rds, self.s3, self.ecs = client("ec2"), client("rds"), client("s3"), client("ecs")
        self.vpcs = [self.ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(10)]
        self.rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="bench-pg", Description="bench",
                                                   DBParameterGroupFamily="aurora-postgresql15")
        self.counts = dict.fromkeys(MIX, 0)

    def create(self, kind: str, n: int) -> None:
        vpc = self.vpcs[n % len(self.vpcs)]
        if kind == "security_group":
            group = self.ec2.create_security_group(GroupName=f"sg-{n}", Description="bench", VpcId=vpc)
            self.ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        elif kind == "subnet":
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n % 10}.{n // 10 % 256}.{(n // 2560) * 16}/28")
        elif kind == "db_cluster":
            self.rds.create_db_cluster(DBClusterIdentifier=f"db-{n}", Engine="aurora-postgresql",
                                       EngineVersion="15.3", MasterUsername="bench",
                                       MasterUserPassword="bench-Passw0rd", BackupRetentionPeriod=30,
                                       DBClusterParameterGroupName="bench-pg")
        elif kind == "bucket":
            name = f"bench-bucket-{n}"
            self.s3.create_bucket(Bucket=name)
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        elif kind == "ecs_cluster":
            self.ecs.create_cluster(clusterName=f"cluster-{n}")

    def fill(self, total: int) -> float:
        """Create resources until the mix reaches ``total``; returns seconds spent."""
        started = time.perf_counter()
        jobs = []
        for kind, per_thousand in MIX.items():
            wanted = per_thousand * total // 1000
            jobs += [(kind, n) for n in range(self.counts[kind], wanted)]
            self.counts[kind] = max(self.counts[kind], wanted)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda job: self.create(*job), jobs))
        return time.perf_counter() - started


def measure(url: str, concurrency: int) -> dict[str, Any]:
    """One collection in this (fresh) process: time, calls, peak RSS and peak Python heap."""
    sys.path.insert(0, str(ROOT))
    import boto3  # noqa: F401  (imported before measuring, as a long-running collector would have it)

    from scanner.collectors.aws import AwsOptions, collect

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    collection = collect(AwsOptions(endpoint_url=url, regions=(REGION,), concurrency=concurrency))
    seconds = time.perf_counter() - started
    gaps = sorted({f"{g.api} {g.reason[:60]}" for g in collection.gaps})
    return {"resources": len(collection.resources), "seconds": round(seconds, 2),
            "calls": collection.stats["calls"], "gaps": len(collection.gaps), "gap_kinds": gaps,
            "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_mib": round(rss_before / 1024, 1)}


def _measure_in_child(url: str, concurrency: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", url, "--concurrency", str(concurrency)],
                          capture_output=True, text=True, env={**os.environ, **ENV}, timeout=1800, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def benchmark(resources: int, runs: int, concurrency: int = 8) -> dict[str, Any]:
    """Case (f) of ``python3 -m benchmarks``: median collection time over ``runs`` fresh processes."""
    import statistics

    proc, url = _start_moto()
    try:
        Seeder(url).fill(resources)
        measured = [_measure_in_child(url, concurrency) for _ in range(max(1, runs))]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"wall_s": statistics.median(m["seconds"] for m in measured),
            "peak_mib": max(m["rss_peak_mib"] for m in measured),
            "note": f"{measured[0]['resources']} collected, concurrency {concurrency}, "
                    f"{measured[0]['calls']} API calls, {measured[0]['gaps']} gaps"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.concurrency[0])))
        return 0
    proc, url = _start_moto()
    rows = []
    try:
        seeder = Seeder(url)
        for size in sorted(args.sizes):
            seeded = seeder.fill(size)
            print(f"seeded {size} resources in {seeded:.0f}s", file=sys.stderr)
            for concurrency in args.concurrency:
                row = {"target": size, "concurrency": concurrency, **_measure_in_child(url, concurrency)}
                for gap in row.pop("gap_kinds"):
                    print(f"  gap: {gap}", file=sys.stderr)
                rows.append(row)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    header = ("target", "resources", "concurrency", "seconds", "calls", "gaps", "rss_before_mib", "rss_peak_mib")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(str(row[h]) for h in header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
