"""A local AWS for tests: moto in server mode, the scenario template deployed into it, and a proxy that
injects faults (throttling, denial, a failing region, slowness) or pages answers, in front of moto.

boto3 reaches all of it through ``--endpoint-url``, as a user would; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import server_unavailable

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "aws"
TEMPLATE = FIXTURES / "marketing-engine.yaml"
STACK = "marketing-engine"
REGION = "us-east-1"
# Types moto's CloudFormation cannot create (or creates without most properties: a task definition loses its
# cpu, compatibilities and storage): the test creates them through the API, tagged as CloudFormation tags
# what it creates, with their !Refs resolved against the stack.
API_REALIZED = ("AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
                "AWS::ElastiCache::SubnetGroup", "AWS::ElastiCache::ReplicationGroup",
                "AWS::CloudFront::Distribution", "AWS::ECS::TaskDefinition")
# Types neither moto can create nor the collector reads (AWS Backup): declared only, so the drift report
# judges the template with them and the live side says it cannot see them.
NOT_DEPLOYED = ("AWS::Backup::BackupVault", "AWS::Backup::BackupPlan", "AWS::Backup::BackupSelection",
                "AWS::ElastiCache::ParameterGroup")


def aws_env() -> dict[str, str]:
    """Fake credentials and no shared config, so nothing of a real account is ever read."""
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}


@contextmanager
def moto_server() -> Iterator[str]:
    """A fresh moto server on a free loopback port; yields its URL."""
    try:
        import logging

        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto[server] is in the dev extra
        server_unavailable(f"moto[server] is not installed: {exc}")
        raise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:
        server_unavailable(f"moto server cannot start: {exc}")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _reset(url)  # moto keeps its state per process, not per server: start from an empty account
    try:
        yield url
    finally:
        _reset(url)
        server.stop()


def _reset(url: str) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()


def client(url: str, service: str, region: str = REGION) -> Any:
    import boto3

    env = aws_env()
    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


# -- the scenario --------------------------------------------------------------------------------------
@dataclass
class Deployment:
    url: str
    physical: dict[str, str] = field(default_factory=dict)  # logical ID -> physical ID (as CloudFormation says)
    stack_id: str = ""


def _template() -> dict[str, Any]:
    from scanner.loaders.yaml_lines import load_documents

    return json.loads(json.dumps(load_documents(TEMPLATE.read_text(encoding="utf-8"), cfn_tags=True)[0]))


def deploy(url: str) -> Deployment:
    """The scenario template, deployed compliant: moto's CloudFormation for what it supports, the API for
    the rest (with the aws:cloudformation:* tags CloudFormation puts on what it creates)."""
    template = _template()
    cert = client(url, "acm").request_certificate(DomainName="api.marketingengine.io")["CertificateArn"]
    parameters = {"DBUsername": "marketing_admin", "DBPassword": "s3cret-Passw0rd", "RedisAuthToken":
                  "redis-auth-token-0123456789", "CertificateArn": cert}
    rest = {k: v for k, v in template["Resources"].items() if v["Type"] in API_REALIZED}
    stack_body = dict(template, Resources={k: v for k, v in template["Resources"].items()
                                           if k not in rest and v["Type"] not in NOT_DEPLOYED})
    cfn = client(url, "cloudformation")
    stack_id = cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(stack_body),
                                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()
                                            if k in stack_body.get("Parameters", {})])["StackId"]
    dep = Deployment(url, stack_id=stack_id)
    for item in cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]:
        if item.get("LogicalResourceId"):
            dep.physical[item["LogicalResourceId"]] = item["PhysicalResourceId"]
    _settle(dep, template)
    for logical, body in rest.items():
        props = _resolve(body.get("Properties", {}), dep, parameters)
        tags = [{"Key": "aws:cloudformation:logical-id", "Value": logical},
                {"Key": "aws:cloudformation:stack-name", "Value": STACK},
                {"Key": "aws:cloudformation:stack-id", "Value": stack_id}]
        dep.physical[logical] = _CREATE[body["Type"]](url, f"{STACK}-{logical}".lower(), props, tags)
    return dep


def _settle(dep: Deployment, template: dict[str, Any]) -> None:
    """Properties moto's CloudFormation accepts but does not apply, applied as CloudFormation would."""
    url, resources = dep.url, template["Resources"]
    ec2 = client(url, "ec2")
    for logical, body in resources.items():
        props = body.get("Properties", {})
        if body["Type"] == "AWS::EC2::VPC":
            for key in ("EnableDnsSupport", "EnableDnsHostnames"):
                if key in props:
                    ec2.modify_vpc_attribute(VpcId=dep.physical[logical], **{key: {"Value": bool(props[key])}})
        elif body["Type"] == "AWS::EC2::SubnetRouteTableAssociation":
            tables = ec2.describe_route_tables(RouteTableIds=[dep.physical[props["RouteTableId"]["Ref"]]])
            subnet = dep.physical[props["SubnetId"]["Ref"]]
            if not any(a.get("SubnetId") == subnet for a in tables["RouteTables"][0].get("Associations", [])):
                ec2.associate_route_table(SubnetId=subnet, RouteTableId=tables["RouteTables"][0]["RouteTableId"])
        elif body["Type"] == "AWS::EC2::Subnet" and props.get("MapPublicIpOnLaunch"):
            ec2.modify_subnet_attribute(SubnetId=dep.physical[logical], MapPublicIpOnLaunch={"Value": True})
        elif body["Type"] == "AWS::S3::Bucket":
            s3, bucket = client(url, "s3"), dep.physical[logical]
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"])
            if "PublicAccessBlockConfiguration" in props:
                s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=props[
                    "PublicAccessBlockConfiguration"])
            for rule in props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
                s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}]})
            rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
            if rules:
                s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
                    {"ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": ""},
                     "Expiration": {"Days": r["ExpirationInDays"]}} for r in rules]})
    ecs = resources["ECSCluster"]["Properties"]
    client(url, "ecs").put_cluster_capacity_providers(
        cluster=dep.physical["ECSCluster"], capacityProviders=ecs["CapacityProviders"],
        defaultCapacityProviderStrategy=[{"capacityProvider": s["CapacityProvider"], "weight": s["Weight"],
                                          "base": s.get("Base", 0)} for s in ecs["DefaultCapacityProviderStrategy"]])


def _resolve(value: Any, dep: Deployment, parameters: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return parameters.get(value["Ref"], dep.physical.get(value["Ref"]))
        if set(value) == {"Fn::GetAZs"}:
            return [f"{REGION}{z}" for z in "abc"]
        if set(value) == {"Fn::Select"}:
            index, items = value["Fn::Select"]
            return _resolve(items, dep, parameters)[int(index)]
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            assert attribute == "DNSName", attribute
            lb = client(dep.url, "elbv2").describe_load_balancers(LoadBalancerArns=[dep.physical[logical]])
            return lb["LoadBalancers"][0]["DNSName"]
        return {k: _resolve(v, dep, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, dep, parameters) for v in value]
    return value


def _param_group(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    rds = client(url, "rds")
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=name, DBParameterGroupFamily=props["Family"],
                                          Description=props["Description"], Tags=tags)
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=[
        {"ParameterName": k, "ParameterValue": str(v), "ApplyMethod": "pending-reboot"}
        for k, v in props["Parameters"].items()])
    return name


def _db_cluster(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    client(url, "rds").create_db_cluster(DBClusterIdentifier=name, Tags=tags, **props)
    return name


def _db_instance(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    client(url, "rds").create_db_instance(DBInstanceIdentifier=name, Tags=tags, **props)
    return name


def _cache_subnet_group(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    client(url, "elasticache").create_cache_subnet_group(CacheSubnetGroupName=name, SubnetIds=props["SubnetIds"],
                                                         CacheSubnetGroupDescription=props["Description"], Tags=tags)
    return name


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the ECS API's camelCase parameters."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    return [_camel(v) for v in value] if isinstance(value, list) else value


def _task_definition(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    answer = client(url, "ecs").register_task_definition(**_camel(props), tags=[
        {"key": t["Key"], "value": t["Value"]} for t in tags])
    return str(answer["taskDefinition"]["taskDefinitionArn"])


def _replication_group(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    # A reference to a type moto cannot create (the parameter group) resolves to nothing: left out.
    props = {k: v for k, v in props.items() if v is not None}
    client(url, "elasticache").create_replication_group(ReplicationGroupId=name, Tags=tags, **props)
    return name


def _distribution(url: str, name: str, props: dict[str, Any], tags: list[dict[str, str]]) -> str:
    config = props["DistributionConfig"]
    origins = [{"Id": o["Id"], "DomainName": o["DomainName"],
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                       "OriginProtocolPolicy": o["CustomOriginConfig"]["OriginProtocolPolicy"]}}
               for o in config["Origins"]]
    behavior = config["DefaultCacheBehavior"]
    answer = client(url, "cloudfront").create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": {
            "CallerReference": name, "Comment": config["Comment"], "Enabled": config["Enabled"],
            "Origins": {"Quantity": len(origins), "Items": origins},
            "DefaultCacheBehavior": {"TargetOriginId": behavior["TargetOriginId"],
                                     "ViewerProtocolPolicy": behavior["ViewerProtocolPolicy"],
                                     "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}},
                                     "MinTTL": 0}},
        "Tags": {"Items": tags}})
    return str(answer["Distribution"]["Id"])


_CREATE: dict[str, Callable[[str, str, dict[str, Any], list[dict[str, str]]], str]] = {
    "AWS::RDS::DBClusterParameterGroup": _param_group, "AWS::RDS::DBCluster": _db_cluster,
    "AWS::RDS::DBInstance": _db_instance, "AWS::ElastiCache::SubnetGroup": _cache_subnet_group,
    "AWS::ElastiCache::ReplicationGroup": _replication_group, "AWS::CloudFront::Distribution": _distribution,
    "AWS::ECS::TaskDefinition": _task_definition,
}


def drift(dep: Deployment) -> None:
    """What the drifted scenario plants: retention 30 -> 7, a public instance, an HTTP-only load balancer
    (HTTPS listener deleted, HTTP forwarding instead of redirecting), an unmanaged cluster, a deleted
    instance."""
    url = dep.url
    rds = client(url, "rds")
    rds.modify_db_cluster(DBClusterIdentifier=dep.physical["RDSCluster"], BackupRetentionPeriod=7,
                          ApplyImmediately=True)
    rds.modify_db_instance(DBInstanceIdentifier=dep.physical["RDSInstanceA"], PubliclyAccessible=True,
                           ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier=dep.physical["RDSInstanceC"], SkipFinalSnapshot=True)
    rds.create_db_cluster(DBClusterIdentifier="legacy-reporting", Engine="aurora-postgresql", EngineVersion="15.3",
                          MasterUsername="report", MasterUserPassword="legacy-Passw0rd", BackupRetentionPeriod=1)
    elbv2 = client(url, "elbv2")
    elbv2.delete_listener(ListenerArn=dep.physical["HttpsListener"])
    elbv2.modify_listener(ListenerArn=dep.physical["HttpListener"], DefaultActions=[
        {"Type": "forward", "TargetGroupArn": dep.physical["ApiTargetGroup"]}])


# -- a proxy in front of moto that injects faults or pages ---------------------------------------------------
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Request:
    service: str
    region: str
    operation: str
    body: bytes


@dataclass
class Rule:
    """Answer requests that match with ``status``/``body`` (``times`` at most, None: always), or delay them."""

    match: Callable[[Request], bool]
    status: int = 400
    body: str = ""
    content_type: str = "text/xml"
    times: int | None = None
    delay: float = 0.0
    answer: Callable[[Request], str] | None = None  # a body computed from the request (paging)
    seen: int = 0


def operation_of(service: str, method: str, path: str, headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    if "Action" in form:
        return form["Action"][0]
    query = urllib.parse.urlparse(path).query
    return f"{method} {urllib.parse.urlparse(path).path}?{query}" if query else f"{method} {path}"


def query_error(code: str, message: str, ec2: bool = False) -> str:
    if ec2:
        return (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>fault</RequestID></Response>")
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>fault</RequestId></ErrorResponse>")


class FaultProxy:
    """``ThreadingHTTPServer`` on 127.0.0.1 forwarding to ``upstream`` (moto) unless a rule answers first."""

    def __init__(self, upstream: str | None, rules: list[Rule]) -> None:
        self.rules = rules
        self.requests: list[Request] = []
        parsed = urllib.parse.urlparse(upstream) if upstream else None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                found = _CREDENTIAL.search(self.headers.get("Authorization", ""))
                region, service = (found.group(1), found.group(2)) if found else ("", "")
                request = Request(service, region, operation_of(service, self.command, self.path, self.headers, body),
                                  body)
                proxy.requests.append(request)
                for rule in proxy.rules:
                    if (rule.times is None or rule.seen < rule.times) and rule.match(request):
                        rule.seen += 1
                        if rule.delay:  # answer nothing in time: the client has given up by then
                            time.sleep(rule.delay)
                            return
                        body = rule.answer(request) if rule.answer else rule.body
                        self._reply(rule.status, body.encode(), rule.content_type)
                        return
                if parsed is None:
                    self._reply(404, query_error("UnknownOperation", "not answered here").encode(), "text/xml")
                    return
                upstream_conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                try:
                    upstream_conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = upstream_conn.getresponse()
                    data = answer.read()
                except OSError as exc:
                    self._reply(502, query_error("ProxyError", str(exc)).encode(), "text/xml")
                    return
                finally:
                    upstream_conn.close()
                self._reply(answer.status, data, answer.getheader("Content-Type") or "text/xml")

            def _reply(self, status: int, data: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (a timeout test)
                    pass

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def count(self, operation: str) -> int:
        return sum(1 for r in self.requests if r.operation == operation)
