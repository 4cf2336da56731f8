"""Live AWS state on boto3, read-only by construction.

Every client this module makes carries a ``before-call`` hook that refuses any operation that is
not a Describe/List/Get call (and a few Get calls that return secret material), so a bug here
cannot change an account. Listing is paginated everywhere; retries with backoff on throttling
come from botocore (``standard`` or ``adaptive`` mode); every call has a timeout; calls in flight
across regions and services are bounded by one semaphore. A call that is denied, times out or
fails becomes a :class:`~scanner.collectors.collection.Gap` (whole resource types it would have
produced) or an ``Unresolved`` detail on the resource, never a silent absence.

Resources keep the API's own shape (``attributes``), type = the CloudFormation type name, address
= ARN (or the id where the API has no ARN), ``format="aws-api"``; ``scanner/mappings/aws_live.yaml``
turns them into the facts the IaC mappings produce. A few attributes are joined from a second call
and named after it (``EnableDnsSupport`` from DescribeVpcAttribute, ``Parameters`` from
DescribeDBClusterParameters, ...); docs/aws.md lists them.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
    ERROR,
    REGION_UNAVAILABLE,
    THROTTLED,
    TIMEOUT,
    CallFailed,
    CallRunner,
    CollectorError,
    Deadline,
    ReadOnlyViolation,
    Unit,
    http_url,
    read_only_operation,
    refuse_unless,
    unit,
    unit_types,
)
from scanner.collectors.calls import Record as _Record
from scanner.collectors.calls import chunks as _chunks
from scanner.collectors.collection import Collection, Gap
from scanner.model import Resource, Unresolved
from scanner.registry import Registry

__all__ = ["AwsCollector", "AwsOptions", "CallFailed", "CollectorError", "ReadOnlyViolation", "classify", "collect",
           "is_read_only", "refuse_writes", "resource_types"]

PROVIDER = "aws"
FORMAT = "aws-api"
READ_PREFIXES = ("Describe", "List", "Get")
# Read calls that hand out secret material or object contents: never needed, so never allowed.
SENSITIVE_READS = frozenset({
    "GetSecretValue", "BatchGetSecretValue", "GetPasswordData", "GetAuthorizationToken", "GetSessionToken",
    "GetFederationToken", "GetParameter", "GetParameters", "GetParametersByPath", "GetObject",
    "GetObjectTorrent", "GetCredentialsForIdentity", "GetOpenIdToken", "GetRoleCredentials",
    "GetClusterCredentials", "GetConsoleOutput", "GetConsoleScreenshot", "GetLaunchTemplateData",
})
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                                 "UnauthorizedAccess", "AuthorizationError", "AuthorizationErrorException",
                                 "Forbidden", "NotAuthorized", "403"})
REGION_UNAVAILABLE_CODES = frozenset({"OptInRequired", "AuthFailure", "UnrecognizedClientException",
                                      "InvalidClientTokenId", "RegionDisabledException"})
THROTTLED_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded",
                             "TooManyRequestsException", "SlowDown", "RequestThrottled",
                             "RequestThrottledException", "ProvisionedThroughputExceededException"})
SERVICES = ("ec2", "elbv2", "ecs", "rds", "elasticache", "s3", "cloudfront", "cloudformation")

VPC, SUBNET, ROUTE_TABLE = "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable"
NAT_GATEWAY, INTERNET_GATEWAY = "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway"
SECURITY_GROUP, INSTANCE = "AWS::EC2::SecurityGroup", "AWS::EC2::Instance"
LOAD_BALANCER, LISTENER = "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener"
ECS_CLUSTER, ECS_SERVICE, TASK_DEFINITION = "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition"
DB_CLUSTER, DB_INSTANCE = "AWS::RDS::DBCluster", "AWS::RDS::DBInstance"
REPLICATION_GROUP = "AWS::ElastiCache::ReplicationGroup"
BUCKET, DISTRIBUTION, STACK = "AWS::S3::Bucket", "AWS::CloudFront::Distribution", "AWS::CloudFormation::Stack"

T = TypeVar("T")
R = TypeVar("R")


def is_read_only(operation: str) -> bool:
    """True for Describe*/List*/Get* operations that do not return secret material."""
    return read_only_operation(operation, READ_PREFIXES, SENSITIVE_READS)


def refuse_writes(model: Any = None, **_: Any) -> None:
    """botocore ``before-call`` hook: raise before anything is sent for a non-read operation."""
    name = getattr(model, "name", "")
    service = getattr(getattr(model, "service_model", None), "service_name", "?")
    refuse_unless(is_read_only(name), f"{service}:{name}")


@dataclass(frozen=True)
class AwsOptions:
    """Where and how to read. Credentials, profile, default region and endpoints follow boto3's own
    configuration (environment, ~/.aws/config); these only add to it."""

    profile: str | None = None
    regions: tuple[str, ...] = ()  # empty: the configured default region
    endpoint_url: str | None = None
    services: tuple[str, ...] = ()  # empty: every service in SERVICES
    concurrency: int = 8  # calls in flight at once, across regions and services
    retry_mode: str = "standard"  # botocore retry mode: standard | adaptive | legacy
    max_attempts: int = 5
    timeout: float = 20.0  # seconds, per call (connect and read)
    page_size: int | None = None  # None: each API's maximum
    deadline: float | None = None  # seconds for the whole collection; None: no limit


UNITS: Registry[Unit] = Registry("AWS collector unit")  # all in this module: run in registration order


def _unit(name: str, service: str, api: str, types: tuple[str, ...], is_global: bool = False,
          ) -> Callable[[Callable[[AwsCollector, str], list[_Record]]], Callable[[AwsCollector, str], list[_Record]]]:
    return unit(UNITS, name, service, api, types, is_global)


def resource_types(services: Sequence[str] = ()) -> tuple[str, ...]:
    """Every resource type the collector produces (for the services named, or all)."""
    return unit_types(UNITS.values(), services)


def _api_name(client: Any, service: str, operation: str) -> str:
    """``rds:DescribeDBClusters``: the operation as AWS spells it (and as IAM policies name it)."""
    return f"{service}:{client.meta.method_to_api_mapping.get(operation, operation)}"


class UnreadableAnswer(Exception):
    """A successful status with a body that is not what the protocol documents (not JSON for a JSON API)."""


def refuse_unreadable(operation_model: Any = None, response_dict: Any = None, **_: Any) -> None:
    """botocore ``before-parse`` hook: a JSON API's answer with a 2xx status and a body that is not JSON is
    refused. botocore would parse it as an empty answer (``{}``), a listing with nothing in it: a silent gap."""
    if operation_model is None or not isinstance(response_dict, dict):
        return
    status = response_dict.get("status_code") or 0
    body = response_dict.get("body") or b""
    if not 200 <= status < 300 or not body or operation_model.metadata.get("protocol") not in ("json", "rest-json"):
        return
    import json

    try:
        json.loads(body)
    except ValueError:
        raise UnreadableAnswer(f"the answer (status {status}) is not the JSON the API documents") from None


def _raw_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str((response or {}).get("Error", {}).get("Code") or "") if isinstance(response, dict) else ""


def classify(exc: BaseException, timeout: float) -> tuple[str, str]:
    """(code, reason) of a failed call; the reason is one line a person can act on."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "error"))
        message = " ".join(str(error.get("Message") or "").split())[:240]
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        text = f"{code}: {message}" if message else code
        if code in ACCESS_DENIED_CODES:
            return ACCESS_DENIED, text
        if code in REGION_UNAVAILABLE_CODES:
            return REGION_UNAVAILABLE, text
        if code in THROTTLED_CODES:
            return THROTTLED, f"{text} (still throttled after {attempts + 1} attempts)"
        return ERROR, text
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        return TIMEOUT, f"no answer within {timeout:g}s ({type(exc).__name__})"
    if isinstance(exc, EndpointConnectionError):
        return REGION_UNAVAILABLE, f"endpoint unreachable: {exc}"
    if isinstance(exc, NoCredentialsError):
        return ACCESS_DENIED, "no AWS credentials"
    return ERROR, " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


class AwsCollector:
    """Reads one account across regions; ``collect()`` returns a Collection. Thread-safe inside.

    Retries with backoff on throttling are botocore's (``retry_mode``); concurrency, the deadline, gaps and
    the detail pool are the shared :class:`~scanner.collectors.calls.CallRunner`."""

    def __init__(self, options: AwsOptions) -> None:
        import boto3
        import botocore.config
        from botocore.exceptions import BotoCoreError

        self.options = options
        try:
            self._session = boto3.session.Session(profile_name=options.profile)
            credentials = self._session.get_credentials()
        except BotoCoreError as exc:  # unknown profile, broken config file, expired SSO token
            raise CollectorError(f"AWS configuration: {exc}") from None
        if credentials is None:
            raise CollectorError("no AWS credentials found (environment, profile, SSO or instance role)")
        regions = options.regions or ((self._session.region_name,) if self._session.region_name else ())
        if not regions:
            raise CollectorError("no AWS region: pass --region or configure a default region")
        self.regions: tuple[str, ...] = tuple(dict.fromkeys(regions))
        unknown = set(options.services) - set(SERVICES)
        if unknown:
            raise CollectorError(f"unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}")
        self.services: tuple[str, ...] = options.services or SERVICES
        self._config = botocore.config.Config(
            retries={"mode": options.retry_mode, "total_max_attempts": options.max_attempts},
            connect_timeout=options.timeout, read_timeout=options.timeout,
            max_pool_connections=max(10, options.concurrency * 2), user_agent_extra="specdrift")
        self._clients: dict[tuple[str, str], Any] = {}
        self.runner = CallRunner(PROVIDER, options.concurrency, Deadline(options.deadline))
        # botocore makes its own attempts inside a call, each bounded by the timeout, with its backoff between
        # them (at most 2**i seconds before attempt i + 2, capped at 20): the whole call by all of that, and one
        # more timeout of room, so that botocore's own timeout is what a silent server meets first
        attempts = max(1, options.max_attempts)
        self.call_limit = options.timeout * (attempts + 1) + sum(min(20, 2 ** i) for i in range(attempts - 1))
        self._lock = self.runner.lock
        self._instance_types: dict[tuple[str, str], Any] = {}
        self._parameters: dict[tuple[str, str, str], Any] = {}
        self._parameter_locks: dict[tuple[str, str, str], threading.Lock] = {}

    @property
    def stats(self) -> dict[str, Any]:
        return self.runner.stats

    # -- clients -------------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        """A boto3 client that can only read (see :func:`refuse_writes`)."""
        key = (service, region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._session.client(service, region_name=region, endpoint_url=self.options.endpoint_url,
                                             config=self._config)
                found.meta.events.register("before-call", refuse_writes)
                found.meta.events.register("before-call", self._count_call)
                found.meta.events.register("after-call", self._count_retries)
                found.meta.events.register("before-parse", refuse_unreadable)
                self._clients[key] = found
            return found

    def _count_call(self, model: Any = None, **_: Any) -> None:
        prefix = getattr(getattr(model, "service_model", None), "endpoint_prefix", "?")
        self.runner.counted(f"{prefix}:{getattr(model, 'name', '?')}")

    def _count_retries(self, parsed: Any = None, **_: Any) -> None:
        attempts = (parsed or {}).get("ResponseMetadata", {}).get("RetryAttempts", 0) if isinstance(parsed, dict) \
            else 0
        self.runner.retried(attempts)

    # -- calls ---------------------------------------------------------------------------------
    def call(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        """One call, inside a concurrency slot; failure raises CallFailed."""
        client = self.client(service, region)
        api = _api_name(client, service, operation)
        try:
            with self.runner.slot(api):
                answer: dict[str, Any] = self.runner.bounded(api, lambda: getattr(client, operation)(**params),
                                                             self.call_limit)
                return answer
        except (ReadOnlyViolation, CallFailed):
            raise
        except Exception as exc:
            code, reason = classify(exc, self.options.timeout)
            raise CallFailed(api, code, reason, _raw_code(exc)) from None

    def pages(self, service: str, region: str, operation: str, key: str, **params: Any) -> Iterator[Any]:
        """Every item under ``key`` (dotted) across all pages; one slot per page request."""
        client = self.client(service, region)
        api = _api_name(client, service, operation)
        if not client.can_paginate(operation):
            answer = self.call(service, region, operation, **params)
            yield from _dig(answer, key)
            return
        config = {"PageSize": self.options.page_size} if self.options.page_size else {}
        iterator = iter(client.get_paginator(operation).paginate(PaginationConfig=config, **params))
        while True:
            try:
                with self.runner.slot(api):
                    page = self.runner.bounded(api, lambda: next(iterator, None), self.call_limit)
            except (ReadOnlyViolation, CallFailed):
                raise
            except Exception as exc:
                code, reason = classify(exc, self.options.timeout)
                raise CallFailed(api, code, reason, _raw_code(exc)) from None
            if page is None:
                return
            yield from _dig(page, key)

    def detail(self, service: str, region: str | None, operation: str, types: tuple[str, ...] = (),
               absent: dict[str, Any] | None = None, **params: Any) -> Any:
        """A second call that completes a resource: its answer, ``absent[code]`` when the API says the
        thing is not configured, or ``Unresolved`` (with a gap recorded) when it failed."""
        return self.runner.detail(lambda: self.call(service, region or self.regions[0], operation, **params),
                                  service, region, types, absent)

    def note(self, service: str, failed: CallFailed, region: str | None, types: tuple[str, ...] = ()) -> Gap:
        return self.runner.note(service, failed, region, types)

    def detail_map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``func`` over ``items`` on the detail pool (calls inside still take a slot each)."""
        return self.runner.detail_map(func, items)

    def instance_types(self, region: str, names: Iterable[str]) -> dict[str, Any]:
        """vCPU/memory of EC2 instance types (RDS classes minus ``db.``), cached; Unresolved when unreadable."""
        wanted = sorted({n for n in names if n})
        missing = [n for n in wanted if (region, n) not in self._instance_types]
        for batch in _chunks(missing, 100):
            try:
                answer = self.call("ec2", region, "describe_instance_types", InstanceTypes=list(batch))
                found: dict[str, Any] = {t["InstanceType"]: _type_info(t) for t in answer.get("InstanceTypes", [])}
            except CallFailed as failed:
                if failed.error_code != "InvalidInstanceType":
                    gap = self.note("ec2", failed, region)
                    found = {n: Unresolved(gap.api, gap.reason) for n in batch}
                else:  # one unknown name fails the batch: ask one by one
                    found = {}
                    for name in batch:
                        one = self.detail("ec2", region, "describe_instance_types", InstanceTypes=[name],
                                          absent={"InvalidInstanceType": None})
                        if isinstance(one, dict):
                            found.update({t["InstanceType"]: _type_info(t) for t in one.get("InstanceTypes", [])})
                        else:
                            found[name] = one
            with self._lock:
                for name in batch:
                    self._instance_types[(region, name)] = found.get(name)
        return {n: self._instance_types.get((region, n)) for n in wanted}

    def db_parameters(self, region: str, group: str, cluster: bool) -> Any:
        """``{name: value}`` of a DB (cluster) parameter group's set values, cached per group."""
        key = (region, group, "cluster" if cluster else "instance")
        with self._lock:
            group_lock = self._parameter_locks.setdefault(key, threading.Lock())
        with group_lock:  # many clusters share a group: read it once
            return self._db_parameters(region, group, cluster, key)

    def _db_parameters(self, region: str, group: str, cluster: bool, key: tuple[str, str, str]) -> Any:
        if key not in self._parameters:
            operation, param = (("describe_db_cluster_parameters", "DBClusterParameterGroupName") if cluster
                                else ("describe_db_parameters", "DBParameterGroupName"))
            try:
                value: Any = {p["ParameterName"]: p["ParameterValue"]
                              for p in self.pages("rds", region, operation, "Parameters", **{param: group})
                              if "ParameterValue" in p}
            except CallFailed as failed:
                gap = self.note("rds", failed, region)
                value = Unresolved(gap.api, gap.reason)
            with self._lock:
                self._parameters[key] = value
        return self._parameters[key]

    # -- the run -------------------------------------------------------------------------------
    def collect(self) -> Collection:
        started = time.perf_counter()
        collection = Collection(PROVIDER, regions=self.regions, services=self.services)
        collection.account = self._account(self.regions[0])
        selected = [u for u in UNITS.values() if u.service in self.services]
        records = self.runner.run_units(self, selected, self.regions, self._probe)
        _link(records, self.runner.gaps)
        return self.runner.finish(collection, records, FORMAT, started)

    def _account(self, region: str) -> str | None:
        try:
            return str(self.call("sts", region, "get_caller_identity").get("Account") or "") or None
        except CallFailed as failed:
            self.note("sts", failed, None)
            return None

    def _probe(self, region: str) -> Gap | None:
        """A region that cannot answer at all (disabled, unreachable) is one gap, not one per call."""
        try:
            self.call("ec2", region, "describe_availability_zones")
        except CallFailed as failed:
            if failed.code in ("region_unavailable", "timeout"):
                return Gap(PROVIDER, "*", failed.api, f"region unavailable: {failed.reason}", region,
                           (), failed.code)
        return None


def collect(options: AwsOptions) -> Collection:
    """Read the account described by ``options`` (boto3 configuration plus these overrides)."""
    return AwsCollector(options).collect()


@collector("aws")
class Aws:
    """The AWS source for ``specdrift collect aws`` and ``drift --aws``."""

    name = PROVIDER
    description = "read live state from AWS now"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("AWS (credentials, default region and endpoints follow boto3's "
                                          "configuration)")
        group.add_argument("--profile", help="named profile from ~/.aws/config")
        group.add_argument("--region", action="append", default=[], metavar="REGION",
                           help="region to read (repeatable; default: the configured region)")
        group.add_argument("--endpoint-url", metavar="URL", type=http_url,
                           help="send every call to this endpoint (a proxy, a VPC endpoint, a local emulator)")
        group.add_argument("--service", action="append", default=[], metavar="NAME",
                           help=f"only these services (repeatable): {', '.join(SERVICES)}")
        group.add_argument("--retry-mode", choices=("standard", "adaptive", "legacy"), default="standard",
                           help="botocore retry mode; throttled calls back off and retry (default standard)")

    def options(self, args: argparse.Namespace) -> AwsOptions:
        return AwsOptions(profile=args.profile, regions=tuple(args.region), endpoint_url=args.endpoint_url,
                          services=tuple(args.service), concurrency=max(1, args.concurrency),
                          retry_mode=args.retry_mode, max_attempts=max(1, args.max_attempts), timeout=args.timeout,
                          deadline=args.deadline)

    def collect(self, options: AwsOptions) -> Collection:
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return resource_types()

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        """The default VPC and its parts, default security groups, main route tables and stacks (these are
        the IaC's own records): AWS makes them, nobody declares them."""
        default_vpcs = {str(r.attributes.get("VpcId")) for r in live
                        if r.type == VPC and r.attributes.get("IsDefault") is True}
        return frozenset(r.address for r in live if _aws_made(r, default_vpcs))


def _aws_made(resource: Resource, default_vpcs: set[str]) -> bool:
    attrs = resource.attributes
    if resource.type == STACK:
        return True
    if attrs.get("IsDefault") is True or attrs.get("DefaultForAz") is True:
        return True
    if resource.type == SECURITY_GROUP and attrs.get("GroupName") == "default":
        return True
    if resource.type == ROUTE_TABLE:
        return any(a.get("Main") for a in attrs.get("Associations") or [] if isinstance(a, Mapping)) \
            or attrs.get("VpcId") in default_vpcs
    if attrs.get("VpcId") in default_vpcs:
        return True
    return resource.type == INTERNET_GATEWAY and any(
        a.get("VpcId") in default_vpcs for a in attrs.get("Attachments") or [] if isinstance(a, Mapping))


def _dig(answer: Any, key: str) -> list[Any]:
    node = answer
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return list(node or [])


def _type_info(item: dict[str, Any]) -> dict[str, Any]:
    return {"InstanceType": item.get("InstanceType"), "VCpuInfo": item.get("VCpuInfo", {}),
            "MemoryInfo": item.get("MemoryInfo", {}),
            "NetworkPerformance": item.get("NetworkInfo", {}).get("NetworkPerformance")}


def _tag_list(tags: Any) -> Any:
    """Tags as the API's ``[{Key, Value}]`` list whatever the service spells (ECS: key/value)."""
    if isinstance(tags, Unresolved) or tags is None:
        return tags if tags is not None else []
    return [{"Key": t.get("Key", t.get("key")), "Value": t.get("Value", t.get("value"))} for t in tags]


def _nest(pairs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """ELBv2 attributes ``[{Key: "a.b.c", Value}]`` as ``{a: {b: {c: Value}}}``, so mapping paths reach them."""
    out: dict[str, Any] = {}
    for pair in pairs:
        node = out
        *parents, last = str(pair.get("Key", "")).split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {"": child}
            node = child
        node[last] = pair.get("Value")
    return out


# -- EC2 -------------------------------------------------------------------------------------------
@_unit("ec2.vpcs", "ec2", "ec2:DescribeVpcs", (VPC,))
def _vpcs(c: AwsCollector, region: str) -> list[_Record]:
    def one(vpc: dict[str, Any]) -> _Record:
        attrs = dict(vpc)
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            key = attribute[0].upper() + attribute[1:]
            answer = c.detail("ec2", region, "describe_vpc_attribute", VpcId=vpc["VpcId"], Attribute=attribute)
            attrs[key] = answer if isinstance(answer, Unresolved) else answer.get(key, {}).get("Value")
        return _Record(VPC, vpc["VpcId"], "ec2:DescribeVpcs", region, attrs)

    return c.detail_map(one, list(c.pages("ec2", region, "describe_vpcs", "Vpcs")))


def _listing(rtype: str, operation: str, key: str, address_keys: tuple[str, ...],
             skip_states: tuple[str, ...] = ()) -> Callable[[AwsCollector, str], list[_Record]]:
    """A unit that is one paginated list call, one resource per item (address: the first key present)."""
    def run(c: AwsCollector, region: str) -> list[_Record]:
        api = _api_name(c.client("ec2", region), "ec2", operation)
        return [_Record(rtype, next(str(item[k]) for k in address_keys if item.get(k)), api, region, dict(item))
                for item in c.pages("ec2", region, operation, key) if item.get("State") not in skip_states]

    return run


for _type, _operation, _key, _address in (
        (SUBNET, "describe_subnets", "Subnets", ("SubnetArn", "SubnetId")),
        (ROUTE_TABLE, "describe_route_tables", "RouteTables", ("RouteTableId",)),
        (NAT_GATEWAY, "describe_nat_gateways", "NatGateways", ("NatGatewayId",)),
        (INTERNET_GATEWAY, "describe_internet_gateways", "InternetGateways", ("InternetGatewayId",)),
        (SECURITY_GROUP, "describe_security_groups", "SecurityGroups", ("SecurityGroupArn", "GroupId"))):
    _api = "ec2:" + "".join(part.capitalize() for part in _operation.split("_"))
    _unit(f"ec2.{_key.lower()}", "ec2", _api, (_type,))(
        _listing(_type, _operation, _key, _address, ("deleted", "deleting") if _type == NAT_GATEWAY else ()))


@_unit("ec2.instances", "ec2", "ec2:DescribeInstances", (INSTANCE,))
def _instances(c: AwsCollector, region: str) -> list[_Record]:
    found = [i for r in c.pages("ec2", region, "describe_instances", "Reservations")
             for i in r.get("Instances", []) if i.get("State", {}).get("Name") not in ("terminated", "shutting-down")]
    types = c.instance_types(region, (i.get("InstanceType", "") for i in found))
    return [_Record(INSTANCE, i["InstanceId"], "ec2:DescribeInstances", region,
                    {**i, "InstanceTypeInfo": types.get(i.get("InstanceType", ""))}) for i in found]


# -- ELBv2 -----------------------------------------------------------------------------------------
@_unit("elbv2", "elbv2", "elbv2:DescribeLoadBalancers", (LOAD_BALANCER, LISTENER))
def _load_balancers(c: AwsCollector, region: str) -> list[_Record]:
    balancers = list(c.pages("elbv2", region, "describe_load_balancers", "LoadBalancers"))
    tags: dict[str, Any] = {}
    for batch in _chunks([b["LoadBalancerArn"] for b in balancers], 20):
        answer = c.detail("elbv2", region, "describe_tags", types=(LOAD_BALANCER,), ResourceArns=list(batch))
        for arn in batch:
            tags[arn] = answer if isinstance(answer, Unresolved) else []
        if isinstance(answer, dict):
            tags.update({d["ResourceArn"]: d.get("Tags", []) for d in answer.get("TagDescriptions", [])})

    def one(lb: dict[str, Any]) -> list[_Record]:
        arn = lb["LoadBalancerArn"]
        attrs = dict(lb, Tags=tags.get(arn, []))
        answer = c.detail("elbv2", region, "describe_load_balancer_attributes", LoadBalancerArn=arn)
        attrs["Attributes"] = answer if isinstance(answer, Unresolved) else _nest(answer.get("Attributes", []))
        try:
            listeners = list(c.pages("elbv2", region, "describe_listeners", "Listeners", LoadBalancerArn=arn))
        except CallFailed as failed:
            gap = c.note("elbv2", failed, region, (LISTENER,))
            attrs["Listeners"] = Unresolved(gap.api, gap.reason)
            return [_Record(LOAD_BALANCER, arn, "elbv2:DescribeLoadBalancers", region, attrs)]
        attrs["Listeners"] = listeners
        return [_Record(LOAD_BALANCER, arn, "elbv2:DescribeLoadBalancers", region, attrs)] + [
            _Record(LISTENER, item["ListenerArn"], "elbv2:DescribeListeners", region, dict(item))
            for item in listeners]

    return [r for group in c.detail_map(one, balancers) for r in group]


# -- ECS -------------------------------------------------------------------------------------------
@_unit("ecs", "ecs", "ecs:ListClusters", (ECS_CLUSTER, ECS_SERVICE, TASK_DEFINITION))
def _ecs(c: AwsCollector, region: str) -> list[_Record]:
    arns = list(c.pages("ecs", region, "list_clusters", "clusterArns"))
    clusters: list[dict[str, Any]] = []
    for batch in _chunks(arns, 100):
        clusters.extend(c.call("ecs", region, "describe_clusters", clusters=list(batch),
                               include=["SETTINGS", "CONFIGURATIONS", "TAGS"]).get("clusters", []))
    records = [_Record(ECS_CLUSTER, cl["clusterArn"], "ecs:DescribeClusters", region,
                       dict(cl, tags=_tag_list(cl.get("tags")))) for cl in clusters]

    def services(cluster: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            found = list(c.pages("ecs", region, "list_services", "serviceArns", cluster=cluster["clusterArn"]))
            out: list[dict[str, Any]] = []
            for batch in _chunks(found, 10):
                out.extend(c.call("ecs", region, "describe_services", cluster=cluster["clusterArn"],
                                  services=list(batch), include=["TAGS"]).get("services", []))
            return out
        except CallFailed as failed:
            c.note("ecs", failed, region, (ECS_SERVICE,))
            return []

    all_services = [s for group in c.detail_map(services, clusters) for s in group]
    records += [_Record(ECS_SERVICE, s["serviceArn"], "ecs:DescribeServices", region,
                        dict(s, tags=_tag_list(s.get("tags")))) for s in all_services]
    try:
        wanted = [f for f in c.pages("ecs", region, "list_task_definition_families", "families", status="ACTIVE")]
    except CallFailed as failed:
        c.note("ecs", failed, region, (TASK_DEFINITION,))
        wanted = []
    wanted += [s["taskDefinition"] for s in all_services if s.get("taskDefinition")]

    def task_definition(ref: str) -> Any:
        return c.detail("ecs", region, "describe_task_definition", types=(TASK_DEFINITION,), taskDefinition=ref,
                        include=["TAGS"])

    seen: set[str] = set()
    for answer in c.detail_map(task_definition, list(dict.fromkeys(wanted))):
        if not isinstance(answer, dict) or "taskDefinition" not in answer:
            continue
        definition = answer["taskDefinition"]
        if definition["taskDefinitionArn"] in seen:
            continue
        seen.add(definition["taskDefinitionArn"])
        records.append(_Record(TASK_DEFINITION, definition["taskDefinitionArn"], "ecs:DescribeTaskDefinition",
                               region, dict(definition, tags=_tag_list(answer.get("tags")))))
    return records


# -- RDS -------------------------------------------------------------------------------------------
@_unit("rds.clusters", "rds", "rds:DescribeDBClusters", (DB_CLUSTER,))
def _db_clusters(c: AwsCollector, region: str) -> list[_Record]:
    def one(cluster: dict[str, Any]) -> _Record:
        group = cluster.get("DBClusterParameterGroup")
        parameters = c.db_parameters(region, group, cluster=True) if group else {}
        return _Record(DB_CLUSTER, cluster["DBClusterArn"], "rds:DescribeDBClusters", region,
                       dict(cluster, Parameters=parameters))

    return c.detail_map(one, list(c.pages("rds", region, "describe_db_clusters", "DBClusters")))


@_unit("rds.instances", "rds", "rds:DescribeDBInstances", (DB_INSTANCE,))
def _db_instances(c: AwsCollector, region: str) -> list[_Record]:
    found = list(c.pages("rds", region, "describe_db_instances", "DBInstances"))
    classes = c.instance_types(region, (str(i.get("DBInstanceClass", "")).removeprefix("db.") for i in found
                                        if str(i.get("DBInstanceClass", "")).startswith("db.")
                                        and i.get("DBInstanceClass") != "db.serverless"))

    def one(instance: dict[str, Any]) -> _Record:
        groups = instance.get("DBParameterGroups") or []
        name = groups[0].get("DBParameterGroupName") if groups else None
        parameters = c.db_parameters(region, name, cluster=False) if name else {}
        info = classes.get(str(instance.get("DBInstanceClass", "")).removeprefix("db."))
        return _Record(DB_INSTANCE, instance["DBInstanceArn"], "rds:DescribeDBInstances", region,
                       dict(instance, Parameters=parameters, InstanceTypeInfo=info))

    return c.detail_map(one, found)


# -- ElastiCache -----------------------------------------------------------------------------------
@_unit("elasticache", "elasticache", "elasticache:DescribeReplicationGroups", (REPLICATION_GROUP,))
def _replication_groups(c: AwsCollector, region: str) -> list[_Record]:
    def one(group: dict[str, Any]) -> _Record:
        arn = group.get("ARN") or group["ReplicationGroupId"]
        tags = c.detail("elasticache", region, "list_tags_for_resource", types=(REPLICATION_GROUP,),
                        ResourceName=arn) if group.get("ARN") else {"TagList": []}
        return _Record(REPLICATION_GROUP, arn, "elasticache:DescribeReplicationGroups", region,
                       dict(group, Tags=tags if isinstance(tags, Unresolved) else tags.get("TagList", []),
                            CacheSubnetGroupName=subnet_group(group)))

    def subnet_group(group: dict[str, Any]) -> Any:
        """The group's subnet group: only its member clusters name it (all members share one)."""
        members = group.get("MemberClusters") or []
        if not members:
            return Unresolved("elasticache:DescribeCacheClusters", "the replication group lists no member cluster")
        answer = c.detail("elasticache", region, "describe_cache_clusters", absent={"CacheClusterNotFound": None},
                          CacheClusterId=members[0])
        if isinstance(answer, Unresolved):
            return answer
        clusters = (answer or {}).get("CacheClusters") or []
        if not clusters:
            return Unresolved("elasticache:DescribeCacheClusters", f"member cluster {members[0]} was not found")
        return clusters[0].get("CacheSubnetGroupName") or Unresolved(
            "elasticache:DescribeCacheClusters", f"member cluster {members[0]} names no subnet group")

    return c.detail_map(one, list(c.pages("elasticache", region, "describe_replication_groups",
                                          "ReplicationGroups")))


# -- S3 (global listing; each bucket reports its own region) ------------------------------------------
_S3_ABSENT: dict[str, tuple[str, str, Any]] = {
    "get_bucket_encryption": ("ServerSideEncryptionConfiguration", "ServerSideEncryptionConfigurationNotFoundError",
                              None),
    "get_bucket_lifecycle_configuration": ("Rules", "NoSuchLifecycleConfiguration", []),
    "get_public_access_block": ("PublicAccessBlockConfiguration", "NoSuchPublicAccessBlockConfiguration", {}),
    "get_bucket_tagging": ("TagSet", "NoSuchTagSet", []),
}
_S3_KEYS = {"get_bucket_encryption": "ServerSideEncryptionConfiguration",
            "get_bucket_lifecycle_configuration": "LifecycleRules",
            "get_public_access_block": "PublicAccessBlockConfiguration", "get_bucket_tagging": "Tags"}


@_unit("s3", "s3", "s3:ListBuckets", (BUCKET,), is_global=True)
def _buckets(c: AwsCollector, region: str) -> list[_Record]:
    buckets = list(c.pages("s3", region, "list_buckets", "Buckets"))

    def one(bucket: dict[str, Any]) -> _Record | None:
        name = bucket["Name"]
        location = c.detail("s3", region, "get_bucket_location", Bucket=name)
        bucket_region = (location.get("LocationConstraint") or "us-east-1") if isinstance(location, dict) else None
        bucket_region = {"EU": "eu-west-1"}.get(bucket_region or "", bucket_region)
        if bucket_region is not None and bucket_region not in c.regions:
            return None  # outside the regions in scope
        attrs: dict[str, Any] = dict(bucket, Region=bucket_region or location)
        versioning = c.detail("s3", region, "get_bucket_versioning", Bucket=name)
        attrs["Versioning"] = versioning if isinstance(versioning, Unresolved) else {
            k: v for k, v in versioning.items() if k in ("Status", "MFADelete")}
        for operation, (key, absent_code, empty) in _S3_ABSENT.items():
            answer = c.detail("s3", region, operation, absent={absent_code: {key: empty}}, Bucket=name)
            attrs[_S3_KEYS[operation]] = answer if isinstance(answer, Unresolved) else answer.get(key, empty)
        return _Record(BUCKET, f"arn:aws:s3:::{name}", "s3:ListBuckets", bucket_region, attrs)

    return [r for r in c.detail_map(one, buckets) if r is not None]


# -- CloudFront (global) ------------------------------------------------------------------------------
@_unit("cloudfront", "cloudfront", "cloudfront:ListDistributions", (DISTRIBUTION,), is_global=True)
def _distributions(c: AwsCollector, region: str) -> list[_Record]:
    def one(summary: dict[str, Any]) -> _Record:
        attrs = dict(summary)
        answer = c.detail("cloudfront", region, "get_distribution", Id=summary["Id"])
        attrs["DistributionConfig"] = answer if isinstance(answer, Unresolved) else \
            answer.get("Distribution", {}).get("DistributionConfig", {})
        tags = c.detail("cloudfront", region, "list_tags_for_resource", Resource=summary["ARN"])
        attrs["Tags"] = tags if isinstance(tags, Unresolved) else tags.get("Tags", {}).get("Items", [])
        return _Record(DISTRIBUTION, summary["ARN"], "cloudfront:ListDistributions", None, attrs)

    return c.detail_map(one, list(c.pages("cloudfront", region, "list_distributions", "DistributionList.Items")))


# -- CloudFormation (which logical ID is which physical resource) ---------------------------------------
@_unit("cloudformation", "cloudformation", "cloudformation:DescribeStacks", (STACK,))
def _stacks(c: AwsCollector, region: str) -> list[_Record]:
    def one(stack: dict[str, Any]) -> _Record:
        try:
            resources: Any = [r for r in c.pages("cloudformation", region, "list_stack_resources",
                                                 "StackResourceSummaries", StackName=stack["StackId"])
                              if r.get("LogicalResourceId")]
        except CallFailed as failed:
            gap = c.note("cloudformation", failed, region)
            resources = Unresolved(gap.api, gap.reason)
        attrs = {k: v for k, v in stack.items() if k not in ("Parameters", "Outputs")}
        # Parameter values can be secrets even when not NoEcho; keep only their names.
        attrs["ParameterKeys"] = [p.get("ParameterKey") for p in stack.get("Parameters", [])]
        attrs["StackResources"] = resources
        return _Record(STACK, stack["StackId"], "cloudformation:DescribeStacks", region, attrs)

    stacks = [s for s in c.pages("cloudformation", region, "describe_stacks", "Stacks")
              if s.get("StackStatus") != "DELETE_COMPLETE"]
    return c.detail_map(one, stacks)


# -- joins that need no call ---------------------------------------------------------------------------
def _link(records: list[_Record], gaps: Sequence[Gap]) -> None:
    """Attach each subnet's effective route table and each DB cluster's member instances."""
    def unavailable(rtype: str, region: str | None) -> Unresolved | None:
        for gap in gaps:
            if rtype in gap.types and gap.region in (None, region):
                return Unresolved(gap.api, gap.reason)
        return None

    tables = [r for r in records if r.type == ROUTE_TABLE]
    by_subnet: dict[str, dict[str, Any]] = {}
    main: dict[tuple[str | None, str], dict[str, Any]] = {}
    for table in tables:
        for assoc in table.attrs.get("Associations", []):
            if assoc.get("Main"):
                main[(table.region, table.attrs.get("VpcId", ""))] = table.attrs
            elif assoc.get("SubnetId"):
                by_subnet[assoc["SubnetId"]] = table.attrs
    for subnet in (r for r in records if r.type == SUBNET):
        effective = by_subnet.get(subnet.attrs["SubnetId"]) or main.get((subnet.region, subnet.attrs.get("VpcId", "")))
        if effective is not None:
            subnet.attrs["RouteTable"] = {"RouteTableId": effective.get("RouteTableId"),
                                          "Routes": effective.get("Routes", []),
                                          "Explicit": subnet.attrs["SubnetId"] in by_subnet}
        else:
            subnet.attrs["RouteTable"] = unavailable(ROUTE_TABLE, subnet.region) or {}
    instances = {(r.region, r.attrs.get("DBInstanceIdentifier")): r.attrs for r in records if r.type == DB_INSTANCE}
    for cluster in (r for r in records if r.type == DB_CLUSTER):
        missing = unavailable(DB_INSTANCE, cluster.region)
        members = []
        for member in cluster.attrs.get("DBClusterMembers", []):
            found = instances.get((cluster.region, member.get("DBInstanceIdentifier")))
            if found is None:
                continue
            members.append({k: found.get(k) for k in ("DBInstanceIdentifier", "DBInstanceClass", "AvailabilityZone",
                                                     "PubliclyAccessible", "DBInstanceStatus")}
                           | {"IsClusterWriter": member.get("IsClusterWriter")})
        cluster.attrs["MemberInstances"] = missing if missing is not None and not members else members
