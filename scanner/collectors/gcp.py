"""Live GCP state on Google's own client libraries, read-only by construction.

From google-cloud-compute: networks, subnetworks, firewall rules, Cloud Routers and the Cloud NAT configurations
inside them, VM instances (with their boot disk's type and, for a machine type the shape catalogue lacks, its
vCPUs and memory), SSL policies, target HTTPS proxies, backend services (Cloud CDN), URL maps and forwarding
rules, most through ``aggregatedList`` (every region, zone and ``global`` in one paginated call). GKE clusters
and their node pools from google-cloud-container (REST transport); Cloud SQL instances from the Cloud SQL Admin
API through google-api-python-client and its bundled discovery document; Memorystore for Redis instances from
google-cloud-redis. Credentials are Application Default Credentials (``gcloud auth application-default login``,
``GOOGLE_APPLICATION_CREDENTIALS``, workload identity, the metadata server); the projects are ``--project``
(repeatable) or ADC's project.

Read-only twice over: the collector only calls ``list``/``get`` methods (anything else raises before a
client is asked), and every HTTP session it hands a client refuses a method other than GET or HEAD before a
byte is sent. The SDKs' own retries are switched off so that every call, whatever the library, goes through
:mod:`scanner.collectors.calls`: one concurrency bound, a per-call timeout, retries with backoff on 429 and
5xx honouring ``Retry-After``, the collection's deadline, and a gap (``access_denied``, ``disabled``,
``throttled``, ``timeout``, ``error``) on the types a failed listing would have produced.

Resources keep the REST API's JSON shape (camelCase, as ``gcloud ... --format=json`` prints it), type = the
Cloud Asset Inventory type name (``sqladmin.googleapis.com/Instance``), address = the ``selfLink`` (or the
resource name), ``format="gcp-api"``; ``scanner/mappings/gcp_live.yaml`` turns them into the facts the
Terraform tables give the ``google_*`` types. Joined (not in the API's answer): ``project`` on every record,
``resourceName`` (the relative name Terraform keeps as the ID), a node pool's ``cluster`` and ``location``, a
Cloud NAT's router, an instance's machine type and zone names (docs/gcp.md).
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
    DISABLED,
    ERROR,
    RETRYABLE_STATUS,
    THROTTLED,
    TIMEOUT,
    CallFailed,
    CallRunner,
    CollectorError,
    Deadline,
    ReadOnlyViolation,
    Record,
    RetryPolicy,
    Unit,
    read_only_method,
    read_only_operation,
    refuse_unless,
    retry_after_seconds,
    token_pages,
    unit,
    unit_types,
    with_retries,
)
from scanner.collectors.collection import Collection, Gap
from scanner.model import Resource, Unresolved
from scanner.registry import Registry

__all__ = ["GcpCollector", "GcpOptions", "classify", "collect", "resource_types"]

PROVIDER = "gcp"
FORMAT = "gcp-api"
READ_PREFIXES = ("list", "get", "aggregated_list")
SCOPES = ("https://www.googleapis.com/auth/cloud-platform.read-only",)
SERVICES = ("compute", "container", "sqladmin", "redis")

NETWORK, SUBNETWORK = "compute.googleapis.com/Network", "compute.googleapis.com/Subnetwork"
FIREWALL = "compute.googleapis.com/Firewall"
# A router's Cloud NAT configurations are records of their own (Terraform declares them apart:
# google_compute_router_nat); Cloud Asset Inventory has no type for them, so the name is the router's plus /Nat.
ROUTER, ROUTER_NAT = "compute.googleapis.com/Router", "compute.googleapis.com/RouterNat"
INSTANCE = "compute.googleapis.com/Instance"
SSL_POLICY, HTTPS_PROXY = "compute.googleapis.com/SslPolicy", "compute.googleapis.com/TargetHttpsProxy"
BACKEND_SERVICE, URL_MAP = "compute.googleapis.com/BackendService", "compute.googleapis.com/UrlMap"
FORWARDING_RULE = "compute.googleapis.com/ForwardingRule"
GLOBAL_FORWARDING_RULE = "compute.googleapis.com/GlobalForwardingRule"
CLUSTER, NODE_POOL = "container.googleapis.com/Cluster", "container.googleapis.com/NodePool"
SQL_INSTANCE, REDIS_INSTANCE = "sqladmin.googleapis.com/Instance", "redis.googleapis.com/Instance"
# A 403 whose ErrorInfo reason (or legacy reason) says the API is off in the project, not that we are denied.
DISABLED_REASONS = ("SERVICE_DISABLED", "accessNotConfigured", "API_DISABLED")


@dataclass(frozen=True)
class GcpOptions:
    """Where and how to read. Credentials follow Application Default Credentials; these only add to them."""

    projects: tuple[str, ...] = ()  # empty: ADC's project
    services: tuple[str, ...] = ()  # empty: every service in SERVICES
    endpoints: Mapping[str, str] = field(default_factory=dict)  # service -> client_options api_endpoint
    concurrency: int = 8
    max_attempts: int = 5
    timeout: float = 20.0  # seconds, per call
    page_size: int | None = None  # None: each API's default
    deadline: float | None = None


UNITS: Registry[Unit] = Registry("GCP collector unit")


def _unit(name: str, service: str, api: str, types: tuple[str, ...], is_global: bool = False,
          ) -> Callable[[Callable[[GcpCollector, str], list[Record]]], Callable[[GcpCollector, str], list[Record]]]:
    return unit(UNITS, name, service, api, types, is_global)


def resource_types(services: Sequence[str] = ()) -> tuple[str, ...]:
    """Every resource type the collector produces (for the services named, or all)."""
    return unit_types(UNITS.values(), services)


def _error_reason(payload: Any) -> str:
    """The ErrorInfo reason (or the legacy ``errors[].reason``) of a Google JSON error body."""
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return ""
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and detail.get("reason"):
            return str(detail["reason"])
    for item in error.get("errors") or []:
        if isinstance(item, Mapping) and item.get("reason"):
            return str(item["reason"])
    return ""


def _failure(api: str, status: int, message: str, reason: str, retry_after: str | None) -> CallFailed:
    text = " ".join(f"{status} {reason + ': ' if reason else ''}{message}".split())[:300]
    if status == 403 and (reason in DISABLED_REASONS or "has not been used" in message or "is disabled" in message):
        return CallFailed(api, DISABLED, f"API disabled in the project: {text}", reason)
    if status in (401, 403):
        return CallFailed(api, ACCESS_DENIED, text, reason or str(status))
    if status == 429:
        return CallFailed(api, THROTTLED, text, reason or "429", True, retry_after_seconds(retry_after))
    return CallFailed(api, ERROR, text, reason or str(status), status in RETRYABLE_STATUS,
                      retry_after_seconds(retry_after))


def classify(api: str, exc: BaseException, timeout: float) -> CallFailed:
    """A failed call as ``CallFailed``: its class, a one-line reason, whether a retry may help, ``Retry-After``."""
    from google.api_core import exceptions as core
    from google.auth import exceptions as auth
    from googleapiclient.errors import HttpError

    if isinstance(exc, core.GoogleAPICallError):
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or {}
        status = exc.code if isinstance(exc.code, int) else int(getattr(response, "status_code", 0) or 0)
        return _failure(api, status, str(exc.message or ""), str(exc.reason or ""), headers.get("Retry-After"))
    if isinstance(exc, HttpError):
        try:
            import json

            payload: Any = json.loads(exc.content.decode("utf-8", errors="replace"))
        except ValueError:
            payload = {}
        message = str((payload.get("error") or {}).get("message", "")) if isinstance(payload, dict) else ""
        return _failure(api, int(exc.resp.status), message or exc.reason or "", _error_reason(payload),
                        exc.resp.get("retry-after"))
    if isinstance(exc, auth.DefaultCredentialsError):
        return CallFailed(api, ACCESS_DENIED, f"no Google credentials: {exc}")
    if isinstance(exc, auth.RefreshError):
        return CallFailed(api, ACCESS_DENIED, f"credentials could not be refreshed: {exc}")
    name = type(exc).__name__
    if isinstance(exc, (TimeoutError, socket.timeout)) or "Timeout" in name:
        return CallFailed(api, TIMEOUT, f"no answer within {timeout:g}s ({name})")
    return CallFailed(api, ERROR, " ".join(f"{name}: {exc}".split())[:300], name, "Connection" in name)


def _read_only_session(session: Any) -> Any:
    """Make a ``requests`` session refuse every method but GET/HEAD before sending (gapic REST transports)."""
    from requests.adapters import HTTPAdapter

    class ReadOnlyAdapter(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            refuse_unless(read_only_method(str(request.method)), f"{request.method} {request.url}")
            return super().send(request, *args, **kwargs)

    adapter = ReadOnlyAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class GcpCollector:
    """Reads projects; ``collect()`` returns a Collection. Thread-safe inside."""

    def __init__(self, options: GcpOptions) -> None:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        self.options = options
        try:
            self.credentials, default_project = google.auth.default(scopes=list(SCOPES))
        except DefaultCredentialsError as exc:
            raise CollectorError(f"no Google credentials (Application Default Credentials): {exc}") from None
        projects = options.projects or ((default_project,) if default_project else ())
        if not projects:
            raise CollectorError("no GCP project: pass --project or set one in Application Default Credentials")
        self.projects: tuple[str, ...] = tuple(dict.fromkeys(projects))
        unknown = (set(options.services) | set(options.endpoints)) - set(SERVICES)
        if unknown:
            raise CollectorError(f"unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}")
        self.services: tuple[str, ...] = options.services or SERVICES
        self.runner = CallRunner(PROVIDER, options.concurrency, Deadline(options.deadline))
        self.retry = RetryPolicy(max_attempts=max(1, options.max_attempts))
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def stats(self) -> dict[str, Any]:
        return self.runner.stats

    # -- clients -------------------------------------------------------------------------------
    def _client_options(self, service: str) -> Any:
        from google.api_core.client_options import ClientOptions

        endpoint = self.options.endpoints.get(service)
        return ClientOptions(api_endpoint=endpoint) if endpoint else None

    def client(self, name: str) -> Any:
        """A gapic client (``compute.Networks``, ``container``, ``redis``) whose HTTP session only reads."""
        with self._lock:
            found = self._clients.get(name)
            if found is None:
                found = self._make_client(name)
                _read_only_session(found.transport._session)  # the REST transport's AuthorizedSession
                self._clients[name] = found
            return found

    def _make_client(self, name: str) -> Any:
        service = name.split(".", 1)[0]
        common = {"credentials": self.credentials, "client_options": self._client_options(service)}
        if service == "compute":
            from google.cloud import compute_v1

            return getattr(compute_v1, f"{name.split('.', 1)[1]}Client")(**common)
        if service == "container":
            from google.cloud import container_v1

            return container_v1.ClusterManagerClient(transport="rest", **common)
        from google.cloud import redis_v1

        return redis_v1.CloudRedisClient(transport="rest", **common)

    def sqladmin(self) -> Any:
        """The Cloud SQL Admin API (bundled discovery document); one per thread, as httplib2 is not thread-safe."""
        service = getattr(self._local, "sqladmin", None)
        if service is None:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build

            class ReadOnlyHttp(google_auth_httplib2.AuthorizedHttp):
                def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
                    refuse_unless(read_only_method(method), f"{method} {uri}")
                    return super().request(uri, method, *args, **kwargs)

            http = ReadOnlyHttp(self.credentials, http=httplib2.Http(timeout=self.options.timeout))
            endpoint = self.options.endpoints.get("sqladmin")
            service = build("sqladmin", "v1", http=http, static_discovery=True, cache_discovery=False,
                            client_options={"api_endpoint": endpoint} if endpoint else None)
            self._local.sqladmin = service
        return service

    # -- calls ---------------------------------------------------------------------------------
    def call(self, api: str, operation: str, send: Callable[[], Any]) -> Any:
        """One call (``operation`` names the library method), in a slot, retried on 429/5xx; failure raises
        CallFailed."""
        refuse_unless(read_only_operation(operation, READ_PREFIXES), f"{api} ({operation})")

        def attempt() -> Any:
            with self.runner.slot(api):
                self.runner.counted(api)
                try:
                    return self.runner.bounded(api, send, self.options.timeout)
                except (ReadOnlyViolation, CallFailed):
                    raise
                except Exception as exc:
                    raise classify(api, exc, self.options.timeout) from None

        return with_retries(attempt, self.retry, self.runner.deadline, on_retry=lambda: self.runner.retried(1))

    def gapic_pages(self, client: str, operation: str, api: str, request: Mapping[str, Any], items: str,
                    page_size_field: str = "max_results") -> Iterator[Any]:
        """Every item under ``items`` across pages of a gapic list method, each page one call (as REST JSON)."""
        method = getattr(self.client(client), operation)

        def fetch(token: str | None) -> Mapping[str, Any]:
            query = dict(request, page_token=token or "")
            if self.options.page_size:
                query[page_size_field] = self.options.page_size
            return self.call(api, operation, lambda: _as_json(next(iter(
                method(request=query, retry=None, timeout=self.options.timeout).pages))))

        return token_pages(fetch, items)

    def sql_pages(self, project: str) -> Iterator[Any]:
        def fetch(token: str | None) -> Mapping[str, Any]:
            def send() -> Any:
                query: dict[str, Any] = {"project": project}
                if token:
                    query["pageToken"] = token
                if self.options.page_size:
                    query["maxResults"] = self.options.page_size
                return self.sqladmin().instances().list(**query).execute(num_retries=0)

            return self.call("sqladmin.instances.list", "list", send)

        return token_pages(fetch, "items")

    # -- the run -------------------------------------------------------------------------------
    def collect(self) -> Collection:
        started = time.perf_counter()
        collection = Collection(PROVIDER, regions=self.projects, services=self.services,
                                account=",".join(self.projects))
        selected = [u for u in UNITS.values() if u.service in self.services]
        records = self.runner.run_units(self, selected, self.projects)
        return self.runner.finish(collection, records, FORMAT, started)


def _as_json(message: Any) -> dict[str, Any]:
    """A proto-plus answer as the REST API's JSON (camelCase, enum names, unset fields left out)."""
    result: dict[str, Any] = type(message).to_dict(message, use_integers_for_enums=False,
                                                    preserving_proto_field_name=False,
                                                    always_print_fields_with_no_presence=False)
    return result


def _relative(self_link: str, marker: str = "/projects/") -> str:
    """``projects/p/global/networks/n`` from a selfLink (the ID Terraform keeps for most google_* types)."""
    at = self_link.find(marker)
    return self_link[at + 1:] if at >= 0 else self_link


def _region(url: Any) -> str | None:
    """The last segment of a region/zone URL (``.../regions/europe-west1`` -> ``europe-west1``)."""
    return str(url).rstrip("/").rsplit("/", 1)[-1] if url else None


def collect(options: GcpOptions) -> Collection:
    """Read the projects described by ``options`` (Application Default Credentials plus these overrides)."""
    return GcpCollector(options).collect()


# -- Compute Engine --------------------------------------------------------------------------------
def _compute_record(rtype: str, api: str, project: str, item: dict[str, Any]) -> Record:
    link = str(item.get("selfLink") or f"projects/{project}/{item.get('name')}")
    return Record(rtype, link, api, _region(item.get("region")),
                  dict(item, project=project, resourceName=_relative(link)))


@_unit("compute.networks", "compute", "compute.networks.list", (NETWORK,))
def _networks(c: GcpCollector, project: str) -> list[Record]:
    return [_compute_record(NETWORK, "compute.networks.list", project, item)
            for item in c.gapic_pages("compute.Networks", "list", "compute.networks.list", {"project": project},
                                      "items")]


@_unit("compute.firewalls", "compute", "compute.firewalls.list", (FIREWALL,))
def _firewalls(c: GcpCollector, project: str) -> list[Record]:
    return [_compute_record(FIREWALL, "compute.firewalls.list", project, item)
            for item in c.gapic_pages("compute.Firewalls", "list", "compute.firewalls.list", {"project": project},
                                      "items")]


@_unit("compute.subnetworks", "compute", "compute.subnetworks.aggregatedList", (SUBNETWORK,))
def _subnetworks(c: GcpCollector, project: str) -> list[Record]:
    api = "compute.subnetworks.aggregatedList"
    return [_compute_record(SUBNETWORK, api, project, item)
            for item in _aggregated(c, project, "compute.Subnetworks", api, "subnetworks")]


def _aggregated(c: GcpCollector, project: str, client: str, api: str, key: str) -> list[dict[str, Any]]:
    """Every item of an ``aggregatedList`` across pages: a page's ``items`` is a map scope -> {key: [...]}
    (``regions/x``, ``zones/x``, ``global``), or a warning where a scope has none."""
    method = c.client(client).aggregated_list

    def fetch(token: str | None) -> Mapping[str, Any]:
        query: dict[str, Any] = {"project": project, "page_token": token or ""}
        if c.options.page_size:
            query["max_results"] = c.options.page_size
        page = c.call(api, "aggregated_list", lambda: _as_json(next(iter(
            method(request=query, retry=None, timeout=c.options.timeout).pages))))
        return {"maps": [page.get("items") or {}], "nextPageToken": page.get("nextPageToken")}

    return [item for scoped in token_pages(fetch, "maps") for entry in scoped.values()
            for item in (entry or {}).get(key) or []]


@_unit("compute.routers", "compute", "compute.routers.aggregatedList", (ROUTER, ROUTER_NAT))
def _routers(c: GcpCollector, project: str) -> list[Record]:
    """Cloud Routers, and each Cloud NAT configuration inside one as a record of its own (as Terraform
    declares it: google_compute_router_nat), joined to its router."""
    api = "compute.routers.aggregatedList"
    out = []
    for router in _aggregated(c, project, "compute.Routers", api, "routers"):
        record = _compute_record(ROUTER, api, project, router)
        nats = router.get("nats") or []
        record.attrs["natNames"] = [n.get("name") for n in nats]
        out.append(record)
        region = _region(router.get("region"))
        for nat in nats:
            name = nat.get("name")
            out.append(Record(ROUTER_NAT, f"{record.address}/nats/{name}", api, region, dict(
                nat, project=project, region=region, router=record.address, routerName=router.get("name"),
                resourceName=f"{record.attrs['resourceName']}/{name}")))
    return out


@_unit("compute.instances", "compute", "compute.instances.aggregatedList", (INSTANCE,))
def _instances(c: GcpCollector, project: str) -> list[Record]:
    """VM instances, with their boot disk's type (``disks.aggregatedList``: the instance names only the disk) and
    their machine type's vCPUs and memory (``machineTypes.get``, once per zone and type) where the shape
    catalogue does not know the type (a custom or new one)."""
    from scanner.catalog.shapes import lookup

    api = "compute.instances.aggregatedList"
    records = []
    for item in _aggregated(c, project, "compute.Instances", api, "instances"):
        zone = _region(item.get("zone"))
        record = _compute_record(INSTANCE, api, project, item)
        record.region = zone.rsplit("-", 1)[0] if zone else None
        record.attrs.update(zoneName=zone, machineTypeName=_region(item.get("machineType")))
        records.append(record)
    if records:  # the boot disk's type is the Disk resource's: one listing of every disk, not a call per VM
        disks = c.runner.detail(lambda: {d.get("selfLink"): d for d in _aggregated(
            c, project, "compute.Disks", "compute.disks.aggregatedList", "disks")}, "compute", project)
        for record in records:
            boot = next((d for d in record.attrs.get("disks") or [] if d.get("boot")), None)
            disk = disks if isinstance(disks, Unresolved) else disks.get((boot or {}).get("source"))
            if disk is not None:
                record.attrs["bootDiskType"] = disk if isinstance(disk, Unresolved) else _region(disk.get("type"))
    wanted = sorted({(str(r.attrs["zoneName"]), str(r.attrs["machineTypeName"])) for r in records
                     if r.attrs.get("zoneName") and r.attrs.get("machineTypeName")
                     and lookup(str(r.attrs["machineTypeName"])) is None})

    def machine_type(key: tuple[str, str]) -> Any:
        zone, name = key
        client = c.client("compute.MachineTypes")
        return c.runner.detail(lambda: c.call("compute.machineTypes.get", "get", lambda: _as_json(client.get(
            request={"project": project, "zone": zone, "machine_type": name}, retry=None,
            timeout=c.options.timeout))), "compute", zone.rsplit("-", 1)[0])

    details = dict(zip(wanted, c.runner.detail_map(machine_type, wanted), strict=True))
    for record in records:
        found = details.get((str(record.attrs.get("zoneName")), str(record.attrs.get("machineTypeName"))))
        if found is not None:
            record.attrs["machineTypeDetail"] = found
    return records


def _scoped(record: Record) -> Record:
    """Join ``scopeFlag``, what gcloud takes to tell a regional resource from a global one of the same name."""
    record.attrs["scopeFlag"] = f"--region {record.region}" if record.region else "--global"
    return record


def _edge_unit(rtype: str, key: str, client: str, scoped: bool = False,
               keep: Callable[[dict[str, Any]], bool] | None = None) -> None:
    """One type read from one compute ``aggregatedList`` (``compute.<key>``): a record per item, with
    ``scopeFlag`` where gcloud needs ``--global``/``--region`` to name it, and only the items ``keep`` takes."""
    api = f"compute.{key}.aggregatedList"

    @_unit(f"compute.{key}", "compute", api, (rtype,))
    def read(c: GcpCollector, project: str) -> list[Record]:
        records = [_compute_record(rtype, api, project, item) for item in _aggregated(c, project, client, api, key)
                   if keep is None or keep(item)]
        return [_scoped(r) for r in records] if scoped else records


_edge_unit(SSL_POLICY, "sslPolicies", "compute.SslPolicies", scoped=True)
_edge_unit(HTTPS_PROXY, "targetHttpsProxies", "compute.TargetHttpsProxies")
# global and regional backend services; Cloud CDN is ``enableCDN`` with its ``cdnPolicy``
_edge_unit(BACKEND_SERVICE, "backendServices", "compute.BackendServices", scoped=True)
_edge_unit(URL_MAP, "urlMaps", "compute.UrlMaps")
# regional forwarding rules: the aggregated list's ``global`` scope, where a service answers one, is left to
# globalForwardingRules.list
_edge_unit(FORWARDING_RULE, "forwardingRules", "compute.ForwardingRules", keep=lambda item: bool(item.get("region")))


@_unit("compute.globalForwardingRules", "compute", "compute.globalForwardingRules.list", (GLOBAL_FORWARDING_RULE,))
def _global_forwarding_rules(c: GcpCollector, project: str) -> list[Record]:
    api = "compute.globalForwardingRules.list"
    return [_compute_record(GLOBAL_FORWARDING_RULE, api, project, item)
            for item in c.gapic_pages("compute.GlobalForwardingRules", "list", api, {"project": project}, "items")]


# -- GKE ---------------------------------------------------------------------------------------------
@_unit("container.clusters", "container", "container.projects.locations.clusters.list", (CLUSTER, NODE_POOL))
def _clusters(c: GcpCollector, project: str) -> list[Record]:
    api = "container.projects.locations.clusters.list"
    client = c.client("container")
    answer = c.call(api, "list_clusters", lambda: _as_json(client.list_clusters(
        request={"parent": f"projects/{project}/locations/-"}, retry=None, timeout=c.options.timeout)))
    missing = answer.get("missingZones") or []
    if missing:  # the clusters of these zones could not be listed: they are unknown, not absent
        c.runner.add_gap(Gap(PROVIDER, "container", api, f"zones did not answer: {', '.join(missing)}", project,
                             (CLUSTER, NODE_POOL), ERROR))
    out: list[Record] = []
    for cluster in answer.get("clusters") or []:
        link = str(cluster.get("selfLink") or f"projects/{project}/locations/{cluster.get('location')}/clusters/"
                                                f"{cluster.get('name')}")
        pools = cluster.get("nodePools") or []
        attrs = {k: v for k, v in cluster.items() if k != "nodePools"}
        attrs.update(project=project, resourceName=_relative(link), nodePoolNames=[p.get("name") for p in pools])
        out.append(Record(CLUSTER, link, api, cluster.get("location"), attrs))
        for pool in pools:
            pool_link = str(pool.get("selfLink") or f"{link}/nodePools/{pool.get('name')}")
            out.append(Record(NODE_POOL, pool_link, api, cluster.get("location"),
                              dict(pool, project=project, resourceName=_relative(pool_link),
                                   cluster=cluster.get("name"), location=cluster.get("location"))))
    return out


# -- Cloud SQL -----------------------------------------------------------------------------------------
@_unit("sqladmin.instances", "sqladmin", "sqladmin.instances.list", (SQL_INSTANCE,))
def _sql_instances(c: GcpCollector, project: str) -> list[Record]:
    out = []
    for item in c.sql_pages(project):
        link = str(item.get("selfLink") or f"projects/{project}/instances/{item.get('name')}")
        # serverCaCert and the like carry certificates, not secrets; masking still runs on every record
        out.append(Record(SQL_INSTANCE, link, "sqladmin.instances.list", item.get("region"),
                          dict(item, project=project, resourceName=f"projects/{project}/instances/{item.get('name')}")))
    return out


# -- Memorystore for Redis -------------------------------------------------------------------------------
@_unit("redis.instances", "redis", "redis.projects.locations.instances.list", (REDIS_INSTANCE,))
def _redis_instances(c: GcpCollector, project: str) -> list[Record]:
    api = "redis.projects.locations.instances.list"
    out = []
    for item in c.gapic_pages("redis", "list_instances", api, {"parent": f"projects/{project}/locations/-"},
                              "instances", page_size_field="page_size"):
        name = str(item.get("name") or "")  # projects/P/locations/REGION/instances/NAME
        parts = name.split("/")
        region = parts[3] if len(parts) >= 6 else None
        attrs = {k: v for k, v in item.items() if k != "authString"}  # never kept, whatever an API answers
        out.append(Record(REDIS_INSTANCE, name, api, region,
                          dict(attrs, project=project, resourceName=name, shortName=parts[-1], region=region)))
    return out


@collector("gcp")
class Gcp:
    """The GCP source for ``specdrift collect gcp`` and ``drift --gcp``."""

    name = PROVIDER
    description = "read live state from GCP now"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("GCP (credentials follow Application Default Credentials)")
        group.add_argument("--project", action="append", default=[], metavar="PROJECT",
                           help="project to read (repeatable; default: ADC's project)")
        group.add_argument("--gcp-service", action="append", default=[], metavar="NAME",
                           help=f"only these APIs (repeatable): {', '.join(SERVICES)}")
        group.add_argument("--gcp-endpoint", action="append", default=[], metavar="SERVICE=URL",
                           help="the client library's api_endpoint for one API (repeatable): a Private Service "
                                "Connect endpoint, a proxy; e.g. sqladmin=https://sqladmin-myendpoint.p.googleapis.com")

    def options(self, args: argparse.Namespace) -> GcpOptions:
        endpoints: dict[str, str] = {}
        for item in args.gcp_endpoint:
            service, sep, url = str(item).partition("=")
            if not sep or not url:
                raise CollectorError(f"--gcp-endpoint wants SERVICE=URL, not {item!r}")
            endpoints[service.strip()] = url.strip()
        return GcpOptions(projects=tuple(args.project), services=tuple(args.gcp_service), endpoints=endpoints,
                          concurrency=max(1, args.concurrency), max_attempts=max(1, args.max_attempts),
                          timeout=args.timeout, deadline=args.deadline)

    def collect(self, options: GcpOptions) -> Collection:
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return resource_types()

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        """The ``default`` network (auto mode) with its subnetworks and ``default-allow-*`` rules, and GKE's own
        firewall rules (``gke-<cluster>-...``): GCP makes them, nobody declares them."""
        defaults = {r.address for r in live if r.type == NETWORK and r.attributes.get("name") == "default"}
        out = set(defaults)
        for r in live:
            name = str(r.attributes.get("name") or "")
            by_default = r.type in (SUBNETWORK, FIREWALL) and r.attributes.get("network") in defaults
            if by_default or (r.type == FIREWALL and name.startswith(("gke-", "k8s-"))):
                out.add(r.address)
        return frozenset(out)
