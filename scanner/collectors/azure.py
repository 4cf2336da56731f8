"""Live Azure state through Azure Resource Manager, read-only by construction.

The inventory is azure-mgmt-resource's ``resources.list`` (one listing per resource type and subscription,
so a type the credential may not read is a gap of that type alone); each resource's properties come from
``resources.get_by_id`` with the api-version of its type, and the collections a resource owns (a flexible
server's configurations and firewall rules, a cluster's agent pools, a CDN profile's origins) from GETs of
their collection URLs, page by page (``nextLink``). No service SDK is needed: the generic API answers every
property the tables read.

ARM answers in the shape an ARM template declares (a template's resource is the body of the PUT that
creates it), so live resources are ``format="arm"`` and the ARM entries of the domain tables give them the
same facts as a template: one mapping for both sides, nothing to keep in step. Type = the table's spelling
of the ARM type (``Microsoft.Cache/redis`` even where the API says ``Redis``), address = the resource ID.

Every client carries a pipeline policy after the SDK's own that refuses anything but GET/HEAD before it is
sent (the SDK's automatic resource-provider registration included). Retries on 429 and 5xx honour
``Retry-After`` (:func:`scanner.collectors.calls.with_retries`; the SDK's own retries are off so the deadline
and the counts see every attempt); every call has a connect and read timeout; calls in flight are bounded.
Endpoints, the cloud and credentials follow the SDK's normal configuration (``AZURE_CLOUD``, azure-identity's
``DefaultAzureCredential``); ``--arm-endpoint`` and ``--azure-ca-bundle`` only add to it.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
    DISABLED,
    ERROR,
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
    refuse_unless,
    retry_after_seconds,
    token_pages,
    with_retries,
)
from scanner.collectors.collection import Collection, Gap
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile

__all__ = ["AzureCollector", "AzureOptions", "ReadGuard", "collect", "resource_types", "without_nulls"]

PROVIDER = "azure"
FORMAT = "arm"  # ARM's REST shapes are the template's: the ARM mappings read both (module docstring)
SUBSCRIPTION_API = "2022-12-01"

VNET, SUBNET = "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets"
NSG = "Microsoft.Network/networkSecurityGroups"
APP_GATEWAY = "Microsoft.Network/applicationGateways"
FRONT_DOOR = "Microsoft.Network/frontDoors"
CDN_PROFILE, CDN_ORIGIN = "Microsoft.Cdn/profiles", "Microsoft.Cdn/profiles/originGroups/origins"
AKS, AGENT_POOL = "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerService/managedClusters/agentPools"
POSTGRES = "Microsoft.DBforPostgreSQL/flexibleServers"
PG_CONFIGURATION = "Microsoft.DBforPostgreSQL/flexibleServers/configurations"
REDIS = "Microsoft.Cache/redis"

# The api-version each type is read with: the newest stable one that returns every property the tables read
# (delegations on subnets, highAvailability and backup on flexible servers, networkDataplane on AKS).
API_VERSIONS: Mapping[str, str] = {
    VNET: "2023-09-01", NSG: "2023-09-01", APP_GATEWAY: "2023-09-01", FRONT_DOOR: "2021-06-01",
    CDN_PROFILE: "2023-05-01", AKS: "2024-02-01", POSTGRES: "2022-12-01", REDIS: "2023-08-01",
}

T = TypeVar("T")
_REGISTER = lazy_compile(r"/providers/([^/?]+)/register\b", re.IGNORECASE)


class RegistrationRefused(ReadOnlyViolation):
    """The SDK tried to register a resource provider (on 409 MissingSubscriptionRegistration): refused unsent.
    The subscription has nothing of that provider then, so the call is a ``disabled`` gap, not a crash."""


class ReadGuard:
    """Pipeline policy (per retry, so after the SDK's registration policy): a non-GET request never leaves."""

    next: Any = None

    def send(self, request: Any) -> Any:
        http = request.http_request
        if not read_only_method(http.method) and _REGISTER.search(str(http.url)):
            raise RegistrationRefused(f"refusing {http.method} {http.url}: specdrift only sends read calls")
        refuse_unless(read_only_method(http.method), f"{http.method} {http.url}")
        return self.next.send(request)


@dataclass(frozen=True)
class AzureOptions:
    """Where and how to read. Credentials and the cloud follow azure-identity and azure-core's configuration;
    these only add to it."""

    subscriptions: tuple[str, ...] = ()  # empty: AZURE_SUBSCRIPTION_ID
    arm_endpoint: str | None = None  # None: the cloud's Resource Manager (AZURE_CLOUD, default public)
    ca_bundle: str | None = None  # a CA bundle to verify ARM's certificate (a TLS-inspecting proxy)
    types: tuple[str, ...] = ()  # empty: every type in API_VERSIONS
    concurrency: int = 8
    max_attempts: int = 5
    timeout: float = 20.0  # seconds, per call (connect and read)
    deadline: float | None = None
    credential: Any = None  # an azure-core TokenCredential; None: DefaultAzureCredential()


@dataclass(frozen=True)
class _Listed:
    """One resource type listed per subscription, with the child types its reading produces."""

    type: str
    children: tuple[str, ...] = ()


def _classify(api: str, exc: BaseException, timeout: float) -> CallFailed:
    """A failed call as a ``CallFailed``: 401/403 denied, 429 and 5xx retryable (with ``Retry-After``)."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    if isinstance(exc, HttpResponseError) and exc.response is not None:
        status = exc.status_code or 0
        error = getattr(exc, "error", None)
        code = str(getattr(error, "code", "") or status)
        message = " ".join(str(getattr(error, "message", "") or exc.reason or "").split())[:240]
        reason = f"{status} {code}: {message}" if message else f"{status} {code}"
        retry_after = retry_after_seconds(getattr(exc.response, "headers", {}).get("Retry-After"))
        if status in (401, 403):
            return CallFailed(api, ACCESS_DENIED, reason, code)
        if status == 429:
            return CallFailed(api, THROTTLED, reason, code, True, retry_after)
        if status >= 500:
            return CallFailed(api, ERROR, reason, code, True, retry_after)
        if status == 409 and code == "MissingSubscriptionRegistration":
            return CallFailed(api, DISABLED, reason, code)
        return CallFailed(api, ERROR, reason, str(status) if status == 404 else code)
    if isinstance(exc, (ServiceResponseError, ServiceRequestError)) and "timed out" in str(exc).lower():
        return CallFailed(api, TIMEOUT, f"no answer within {timeout:g}s")
    return CallFailed(api, ERROR, " ".join(f"{type(exc).__name__}: {exc}".split())[:300])


def _next_page(pages: Iterator[Any]) -> list[Any] | None:
    """The next page's items, None after the last (a failed page can be asked again: the SDK's page iterator
    moves on only once a page has answered)."""
    page = next(pages, None)
    return None if page is None else list(page)


def without_nulls(value: Any) -> Any:
    """ARM's answer without its nulls: ARM writes ``"podCidr": null`` for what is not set, which a template
    leaves out; kept, the fact would be ``None`` live and absent declared, a difference of spelling only."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _raw(pipeline_response: Any, _deserialized: Any, _headers: Any) -> Any:
    """``cls`` hook of a generated operation: the JSON as ARM sent it (the model would drop ``zones``)."""
    return without_nulls(pipeline_response.http_response.json())


def _client_class() -> Any:
    try:  # azure-mgmt-resource 26 moved the client to a subpackage
        from azure.mgmt.resource.resources import ResourceManagementClient
    except ImportError:
        try:
            from azure.mgmt.resource import ResourceManagementClient  # type: ignore[no-redef,attr-defined]
        except ImportError:
            raise CollectorError("azure-mgmt-resource is not installed: pip install 'specdrift[azure]'") from None
    return ResourceManagementClient


class AzureCollector:
    """Reads subscriptions through ARM; ``collect()`` returns a Collection. Thread-safe inside."""

    def __init__(self, options: AzureOptions) -> None:
        self.options = options
        env = os.environ.get("AZURE_SUBSCRIPTION_ID", "")
        subscriptions = options.subscriptions or tuple(s for s in (env,) if s)
        if not subscriptions:
            raise CollectorError("no Azure subscription: pass --subscription (or set AZURE_SUBSCRIPTION_ID)")
        self.subscriptions: tuple[str, ...] = tuple(dict.fromkeys(subscriptions))
        unknown = set(options.types) - set(API_VERSIONS)
        if unknown:
            raise CollectorError(f"unknown Azure type(s) {', '.join(sorted(unknown))}; known: "
                                 f"{', '.join(API_VERSIONS)}")
        self.types: tuple[str, ...] = options.types or tuple(API_VERSIONS)
        self._client_type = _client_class()
        if options.credential is not None:
            self.credential = options.credential
        else:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise CollectorError("azure-identity is not installed: pip install 'specdrift[azure]'") from None
            self.credential = DefaultAzureCredential()
        self.runner = CallRunner(PROVIDER, options.concurrency, Deadline(options.deadline))
        self.retry = RetryPolicy(max_attempts=max(1, options.max_attempts))
        self._clients: dict[str, Any] = {}
        self._timeouts = {"connection_timeout": options.timeout, "read_timeout": options.timeout}

    @property
    def stats(self) -> dict[str, Any]:
        return self.runner.stats

    def client(self, subscription: str) -> Any:
        """A ResourceManagementClient for ``subscription`` that sends nothing but reads."""
        with self.runner.lock:
            found = self._clients.get(subscription)
            if found is None:
                kwargs: dict[str, Any] = {"retry_total": 0, "per_retry_policies": [ReadGuard()],
                                          "user_agent": "specdrift"}
                if self.options.ca_bundle:
                    kwargs["connection_verify"] = self.options.ca_bundle
                found = self._client_type(self.credential, subscription, base_url=self.options.arm_endpoint,
                                          **kwargs)
                self._clients[subscription] = found
            return found

    # -- calls ---------------------------------------------------------------------------------
    def call(self, api: str, send: Callable[[], T]) -> T:
        """One call (and its retries), each attempt inside a concurrency slot; failure raises CallFailed."""
        from azure.core.exceptions import ClientAuthenticationError

        def attempt() -> T:
            with self.runner.slot(api):
                self.runner.counted(api)
                try:
                    return self.runner.bounded(api, send, self.options.timeout)
                except RegistrationRefused as refused:
                    found = _REGISTER.search(str(refused))
                    raise CallFailed(api, DISABLED, f"resource provider {found.group(1) if found else '?'} is not "
                                     "registered in the subscription (specdrift does not register it: it only "
                                     "reads)", "MissingSubscriptionRegistration") from None
                except (ReadOnlyViolation, CallFailed):
                    raise
                except ClientAuthenticationError as exc:
                    if exc.response is None:  # the credential itself failed: nothing can be read
                        raise CollectorError(f"Azure credentials: {' '.join(str(exc).split())[:300]}") from None
                    raise _classify(api, exc, self.options.timeout) from None
                except Exception as exc:
                    raise _classify(api, exc, self.options.timeout) from None

        return with_retries(attempt, self.retry, self.runner.deadline, on_retry=lambda: self.runner.retried(1))

    def get(self, subscription: str, resource_id: str, rtype: str) -> dict[str, Any]:
        """One resource's body with its type's api-version, as ARM sent it."""
        client = self.client(subscription)
        answer: dict[str, Any] = self.call(f"{rtype}/read", lambda: client.resources.get_by_id(
            resource_id, api_version=API_VERSIONS[rtype], cls=_raw, **self._timeouts))
        return answer

    def collection(self, subscription: str, url: str, api_version: str, rtype: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection URL (``{id}/configurations``), following ``nextLink``."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        client = self.client(subscription)

        def page(next_link: str | None) -> Mapping[str, Any]:
            def send() -> Mapping[str, Any]:
                response = client.send_request(HttpRequest("GET", next_link or f"{url}?api-version={api_version}"),
                                               **self._timeouts)
                if response.status_code >= 400:
                    raise HttpResponseError(response=response, error_format=ARMErrorFormat)
                body: Mapping[str, Any] = without_nulls(response.json())
                return body

            return self.call(f"{rtype}/read", send)

        yield from token_pages(page, "value", "nextLink")

    def inventory(self, subscription: str, rtype: str) -> list[Any]:
        """The resources of ``rtype`` in the subscription (azure-mgmt-resource's listing, every page)."""
        client = self.client(subscription)
        pages = client.resources.list(filter=f"resourceType eq '{rtype}'", **self._timeouts).by_page()
        found: list[Any] = []
        while True:
            page = self.call("Microsoft.Resources/subscriptions/resources/read", lambda: _next_page(pages))
            if page is None:
                return found
            found.extend(page)

    # -- the run -------------------------------------------------------------------------------
    def collect(self) -> Collection:
        started = time.perf_counter()
        collection = Collection(PROVIDER, account=",".join(self.subscriptions), regions=self.subscriptions,
                                services=self.types)
        units = [u for u in UNITS if u.types[0] in self.types]
        records = self.runner.run_units(self, units, self.subscriptions, self._probe)
        return self.runner.finish(collection, records, FORMAT, started)

    def _probe(self, subscription: str) -> Gap | None:
        """A subscription the credential cannot see (or that does not exist) is one gap per type."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        client = self.client(subscription)

        def send() -> None:
            response = client.send_request(HttpRequest(
                "GET", f"/subscriptions/{subscription}?api-version={SUBSCRIPTION_API}"), **self._timeouts)
            if response.status_code >= 400:
                raise HttpResponseError(response=response, error_format=ARMErrorFormat)

        try:
            self.call("Microsoft.Resources/subscriptions/read", send)
        except CallFailed as failed:
            return Gap(PROVIDER, "*", failed.api, f"subscription unavailable: {failed.reason}", subscription,
                       (), failed.code)
        return None


# -- what is read, per type ------------------------------------------------------------------------
def _segments(resource_id: str) -> dict[str, str]:
    """``/subscriptions/s/resourceGroups/rg/providers/...`` -> {'subscriptions': 's', 'resourcegroups': 'rg'}."""
    parts = resource_id.strip("/").split("/")
    return {parts[i].casefold(): parts[i + 1] for i in range(0, len(parts) - 1, 2) if i < 4}


def _child(rtype: str, parent: Mapping[str, Any], item: Mapping[str, Any], api: str, region: str | None,
           ) -> Record:
    """A resource a parent owns, named as a template names it standalone (``server/setting``: ``armName``)."""
    attrs = dict(item, armName=f"{parent.get('armName') or parent.get('name')}/{item.get('name')}")
    return Record(rtype, str(item.get("id") or f"{parent.get('id')}/{item.get('name')}"), api, region, attrs)


def _read(c: AzureCollector, subscription: str, rtype: str,
          more: Callable[[AzureCollector, str, dict[str, Any], Record], list[Record]] | None = None) -> list[Record]:
    """List ``rtype``, read each resource's body (a resource gone meanwhile is skipped; one that cannot be read
    is a gap of its type, so the checks on it are unknown), then what ``more`` adds (its children)."""
    listed = c.inventory(subscription, rtype)

    def one(item: Any) -> list[Record]:
        try:
            body = c.get(subscription, str(item.id), rtype)
        except CallFailed as failed:
            if failed.error_code != "404":
                c.runner.note(rtype.split("/")[0], failed, subscription, (rtype, *CHILDREN.get(rtype, ())))
            return []
        body = dict(body, type=rtype)  # the table's spelling: ARM types are case-insensitive
        record = Record(rtype, str(body.get("id") or item.id), f"{rtype}/read", body.get("location"), body)
        return [record, *(more(c, subscription, body, record) if more else [])]

    return [r for group in c.runner.detail_map(one, listed) for r in group]


def _owned(c: AzureCollector, subscription: str, parent: Mapping[str, Any], segment: str, rtype: str,
           api_version: str) -> list[dict[str, Any]] | Unresolved:
    """The items of a parent's collection (``{id}/agentPools``); Unresolved, with a gap hiding ``rtype``."""
    try:
        return list(c.collection(subscription, f"{parent['id']}/{segment}", api_version, rtype))
    except CallFailed as failed:
        gap = c.runner.note(rtype.split("/")[0], failed, subscription, (rtype,) if rtype in CHILD_TYPES else ())
        return Unresolved(gap.api, gap.reason)


def _vnet_subnets(c: AzureCollector, subscription: str, body: dict[str, Any], record: Record) -> list[Record]:
    """Subnets come inline in the network's body (delegations included): no second call."""
    subnets = (body.get("properties") or {}).get("subnets") or []
    return [_child(SUBNET, body, s, f"{VNET}/read", record.region) for s in subnets if isinstance(s, Mapping)]


def _aks_pools(c: AzureCollector, subscription: str, body: dict[str, Any], record: Record) -> list[Record]:
    pools = _owned(c, subscription, body, "agentPools", AGENT_POOL, API_VERSIONS[AKS])
    if isinstance(pools, Unresolved):
        return []
    return [_child(AGENT_POOL, body, p, f"{AGENT_POOL}/read", record.region) for p in pools]


def _postgres_parts(c: AzureCollector, subscription: str, body: dict[str, Any], record: Record) -> list[Record]:
    """Firewall rules are joined (``firewallRules``); every configuration is a resource of its own, as a
    template declares one (those at the system default are Azure's: never unmanaged)."""
    record.attrs["firewallRules"] = _owned(c, subscription, body, "firewallRules",
                                           f"{POSTGRES}/firewallRules", API_VERSIONS[POSTGRES])
    settings = _owned(c, subscription, body, "configurations", PG_CONFIGURATION, API_VERSIONS[POSTGRES])
    if isinstance(settings, Unresolved):
        return []
    return [_child(PG_CONFIGURATION, body, s, f"{PG_CONFIGURATION}/read", record.region) for s in settings]


def _cdn_origins(c: AzureCollector, subscription: str, body: dict[str, Any], record: Record) -> list[Record]:
    """A Front Door Standard/Premium (or CDN) profile's origins, through its origin groups."""
    groups = _owned(c, subscription, body, "originGroups", CDN_ORIGIN, API_VERSIONS[CDN_PROFILE])
    if isinstance(groups, Unresolved):
        return []
    out: list[Record] = []
    for group in groups:
        group = dict(group, armName=f"{body.get('name')}/{group.get('name')}")
        origins = _owned(c, subscription, group, "origins", CDN_ORIGIN, API_VERSIONS[CDN_PROFILE])
        if not isinstance(origins, Unresolved):
            out.extend(_child(CDN_ORIGIN, group, o, f"{CDN_ORIGIN}/read", record.region) for o in origins)
    return out


_MORE: dict[str, Callable[[AzureCollector, str, dict[str, Any], Record], list[Record]]] = {
    VNET: _vnet_subnets, AKS: _aks_pools, POSTGRES: _postgres_parts, CDN_PROFILE: _cdn_origins}
CHILDREN: dict[str, tuple[str, ...]] = {VNET: (SUBNET,), AKS: (AGENT_POOL,), POSTGRES: (PG_CONFIGURATION,),
                                        CDN_PROFILE: (CDN_ORIGIN,)}
CHILD_TYPES = frozenset(t for types in CHILDREN.values() for t in types)


def _unit(rtype: str) -> Unit:
    more = _MORE.get(rtype)
    return Unit(rtype, rtype.split("/")[0], "Microsoft.Resources/subscriptions/resources/read",
                (rtype, *CHILDREN.get(rtype, ())), lambda c, subscription: _read(c, subscription, rtype, more))


UNITS: tuple[Unit, ...] = tuple(_unit(t) for t in API_VERSIONS)


def resource_types(types: Sequence[str] = ()) -> tuple[str, ...]:
    """Every resource type the collector produces (for the listed types named, or all)."""
    return tuple(t for u in UNITS if not types or u.types[0] in types for t in u.types)


def collect(options: AzureOptions) -> Collection:
    """Read the subscriptions described by ``options`` (the SDK's configuration plus these)."""
    return AzureCollector(options).collect()


@collector("azure")
class Azure:
    """The Azure source for ``specdrift collect azure`` and ``drift --azure``."""

    name = PROVIDER
    description = "read live state from Azure Resource Manager now"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("Azure (credentials follow azure-identity's DefaultAzureCredential; "
                                          "the cloud follows AZURE_CLOUD)")
        group.add_argument("--subscription", action="append", default=[], metavar="ID",
                           help="subscription to read (repeatable; default: AZURE_SUBSCRIPTION_ID)")
        group.add_argument("--arm-endpoint", metavar="URL",
                           help="Resource Manager endpoint (Azure Stack, a proxy; default: the cloud's)")
        group.add_argument("--azure-ca-bundle", metavar="FILE",
                           help="CA bundle that verifies the Resource Manager endpoint's certificate")
        group.add_argument("--azure-type", action="append", default=[], metavar="TYPE",
                           help=f"only these resource types (repeatable): {', '.join(API_VERSIONS)}")

    def options(self, args: argparse.Namespace) -> AzureOptions:
        return AzureOptions(subscriptions=tuple(args.subscription), arm_endpoint=args.arm_endpoint,
                            ca_bundle=args.azure_ca_bundle, types=tuple(args.azure_type),
                            concurrency=max(1, args.concurrency), max_attempts=max(1, args.max_attempts),
                            timeout=args.timeout, deadline=args.deadline)

    def collect(self, options: AzureOptions) -> Collection:
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return resource_types()

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        """What Azure makes by itself: server configurations at their system default, resources another
        resource manages (``managedBy``), and everything in an AKS cluster's node resource group."""
        node_groups = {str((r.attributes.get("properties") or {}).get("nodeResourceGroup") or "").casefold()
                       for r in live if r.type == AKS and isinstance(r.attributes.get("properties"), Mapping)}
        node_groups.discard("")
        return frozenset(r.address for r in live if _azure_made(r, node_groups))


def _azure_made(resource: Resource, node_groups: set[str]) -> bool:
    attrs = resource.attributes
    if resource.type == PG_CONFIGURATION:
        properties = attrs.get("properties")
        return not (isinstance(properties, Mapping) and properties.get("source") == "user-override")
    if attrs.get("managedBy"):
        return True
    return _segments(resource.address).get("resourcegroups", "").casefold() in node_groups
