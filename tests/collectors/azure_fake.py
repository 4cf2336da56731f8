"""A local Azure Resource Manager for the Azure collector's tests: HTTPS on 127.0.0.1 with a throwaway CA
(trustme), answering the calls the collector makes with ARM's documented response shapes.

- ``GET /subscriptions/{s}``: the subscription; ``GET /subscriptions/{s}/resources?$filter=resourceType eq 'T'``:
  the inventory (``GenericResourceExpanded`` items), paged by ``nextLink``;
- ``GET {id}?api-version=``: a resource's body; ``GET {id}/{collection}``: the items a resource owns, paged.

``faults`` serves 429 (with ``Retry-After``), 403, 500 or any status on demand for requests whose path and
query contain a text; ``requests`` records every request seen (method, path, Authorization), so a test can
assert that nothing but GET ever arrived and that the SDK's bearer-token policy ran.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.local_server import serving

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
GROUP = "marketing-engine"
LOCATION = "westeurope"


@dataclass
class Fault:
    """Answer ``status`` to requests containing ``match`` (path and query), ``times`` times (None: always)."""

    match: str
    status: int
    times: int | None = None
    retry_after: str | None = None
    code: str = ""
    message: str = ""
    delay: float = 0.0  # seconds before answering (a slow call); with status 200 the normal answer follows


@dataclass
class Seen:
    method: str
    path: str
    query: str
    authorization: str


@dataclass
class FakeArm:
    """The state the fake serves: resources by ID, the collections they own, faults, and what it saw."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    owned: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    page_size: int = 2
    subscriptions: tuple[str, ...] = (SUBSCRIPTION,)
    requests: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, body: dict[str, Any], **collections: list[dict[str, Any]]) -> dict[str, Any]:
        self.resources[body["id"].casefold()] = body
        for segment, items in collections.items():
            self.owned[(body["id"].casefold(), segment.casefold())] = items
        return body

    def remove(self, name: str) -> None:
        for key in [k for k, v in self.resources.items() if v["name"] == name]:
            del self.resources[key]

    def fault(self, path: str, query: str) -> Fault | None:
        text = unquote(f"{path}?{query}")
        with self.lock:
            for fault in self.faults:
                if fault.match in text and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


def resource_id(rtype: str, name: str, subscription: str = SUBSCRIPTION, group: str = GROUP) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{rtype}/{name}"


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _any(self) -> None:
        arm = self.server.arm
        split = urlsplit(self.path)
        with arm.lock:
            arm.requests.append(Seen(self.command, split.path, split.query, self.headers.get("Authorization", "")))
            arm.in_flight += 1
            arm.most_in_flight = max(arm.most_in_flight, arm.in_flight)
        try:
            self._serve(arm, split)
        finally:
            with arm.lock:
                arm.in_flight -= 1

    def _serve(self, arm: FakeArm, split: Any) -> None:
        if self.command != "GET":
            self._answer(405, _error("MethodNotAllowed", "the fake only reads"))
            return
        fault = arm.fault(split.path, split.query)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status != 200:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            code = fault.code or {403: "AuthorizationFailed", 429: "TooManyRequests"}.get(fault.status,
                                                                                            "InternalServerError")
            self._answer(fault.status, _error(code, fault.message or f"fake {fault.status} for {split.path}"), headers)
            return
        query = parse_qs(split.query)
        if "api-version" not in query:
            self._answer(400, _error("MissingApiVersionParameter", "api-version is required"))
            return
        self._route(split.path, query)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        arm = self.server.arm
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "subscriptions":
            if parts[1] in arm.subscriptions:
                self._answer(200, {"id": path, "subscriptionId": parts[1], "displayName": "fake", "state": "Enabled"})
            else:
                self._answer(404, _error("SubscriptionNotFound", f"subscription {parts[1]} not found"))
            return
        if len(parts) == 3 and parts[2] == "resources":
            wanted = query.get("$filter", [""])[0].split("'")[1::2]
            items = [{k: v for k, v in r.items() if k in ("id", "name", "type", "location", "tags", "sku", "kind")}
                     for r in arm.resources.values()
                     if r["id"].startswith(f"/subscriptions/{parts[1]}/")
                     and (not wanted or r["type"].casefold() == wanted[0].casefold())]
            self._page(path, query, sorted(items, key=lambda r: r["id"]))
            return
        key = path.casefold()
        if key in arm.resources:
            self._answer(200, arm.resources[key])
            return
        parent, _, segment = path.rpartition("/")
        owned = arm.owned.get((parent.casefold(), segment.casefold()))
        if owned is not None:
            self._page(path, query, owned)
            return
        self._answer(404, _error("ResourceNotFound", f"{path} was not found"))

    def _page(self, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]) -> None:
        arm = self.server.arm
        start = int(query.get("$skiptoken", ["0"])[0])
        body: dict[str, Any] = {"value": items[start:start + arm.page_size]}
        if start + arm.page_size < len(items):
            rest = "&".join(f"{k}={quote(v[0])}" for k, v in query.items() if k != "$skiptoken")
            body["nextLink"] = f"{arm.url}{path}?{rest}&$skiptoken={start + arm.page_size}"
        self._answer(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    arm: FakeArm


class StaticToken:
    """A credential that hands out one bearer token: the SDK's authentication policy runs unchanged."""

    def __init__(self, token: str = "fake-token") -> None:
        self.token = token
        self.calls = 0

    def get_token(self, *scopes: str, **_: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


@contextmanager
def serve(arm: FakeArm, directory: Path) -> Iterator[tuple[FakeArm, str]]:
    """Run the fake over HTTPS; yields it and the path of the CA bundle that verifies it."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    bundle = directory / "fake-arm-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = _Server(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.arm = arm
    arm.url = f"https://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield arm, str(bundle)


# -- the guide's deployment (examples/marketing-engine/azure), as ARM would answer for it ----------------
VNET_ID = resource_id("Microsoft.Network/virtualNetworks", "marketing-engine-vnet")
PG_ID = resource_id("Microsoft.DBforPostgreSQL/flexibleServers", "marketing-engine-postgres")
AKS_ID = resource_id("Microsoft.ContainerService/managedClusters", "marketing-engine-aks")
NSG_ID = resource_id("Microsoft.Network/networkSecurityGroups", "marketing-engine-api-nsg")


def _rule(name: str, priority: int, source: str, port: str, access: str = "Allow") -> dict[str, Any]:
    return {"id": f"{NSG_ID}/securityRules/{name}", "name": name,
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": {"provisioningState": "Succeeded", "protocol": "Tcp", "sourcePortRange": "*",
                           "destinationPortRange": port, "sourceAddressPrefix": source,
                           "destinationAddressPrefix": "*", "access": access, "priority": priority,
                           "direction": "Inbound"}}


def _configuration(name: str, value: str, default: str, user: bool) -> dict[str, Any]:
    return {"id": f"{PG_ID}/configurations/{name}", "name": name,
            "type": "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
            "properties": {"value": value, "defaultValue": default, "dataType": "Integer",
                           "source": "user-override" if user else "system-default", "isReadOnly": False}}


def guide(retention: int = 30, ha: str = "ZoneRedundant", internet_rule: bool = False, vm_size: str = "Standard_DS3_v2",
          extra_server: bool = False) -> FakeArm:
    """The deployment of the guide's template (plus its API NSG and Redis cache), drifted as asked."""
    arm = FakeArm()
    arm.add({"id": VNET_ID, "name": "marketing-engine-vnet", "type": "Microsoft.Network/virtualNetworks",
             "location": LOCATION, "tags": {},
             "properties": {"provisioningState": "Succeeded", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                            "subnets": [
                                {"id": f"{VNET_ID}/subnets/api-subnet", "name": "api-subnet",
                                 "type": "Microsoft.Network/virtualNetworks/subnets",
                                 "properties": {"addressPrefix": "10.0.1.0/24", "delegations": [],
                                                "networkSecurityGroup": {"id": NSG_ID}}},
                                {"id": f"{VNET_ID}/subnets/database-subnet", "name": "database-subnet",
                                 "type": "Microsoft.Network/virtualNetworks/subnets",
                                 "properties": {"addressPrefix": "10.0.10.0/24", "delegations": [
                                     {"name": "pg", "properties": {
                                         "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}}]}}]}})
    rules = [_rule("allow-https-from-vnet", 100, "VirtualNetwork", "443")]
    if internet_rule:
        rules.append(_rule("allow-ssh-anywhere", 110, "*", "22"))
    arm.add({"id": NSG_ID, "name": "marketing-engine-api-nsg", "type": "Microsoft.Network/networkSecurityGroups",
             "location": LOCATION, "tags": {}, "properties": {"securityRules": rules, "defaultSecurityRules": []}})
    pool = {"name": "apipool", "count": 3, "vmSize": vm_size, "mode": "System", "enableAutoScaling": True,
            "minCount": 3, "maxCount": 10, "osType": "Linux", "scaleSetPriority": "Regular",
            "provisioningState": "Succeeded"}
    arm.add({"id": AKS_ID, "name": "marketing-engine-aks", "type": "Microsoft.ContainerService/ManagedClusters",
             "location": LOCATION, "tags": {},
             "properties": {"dnsPrefix": "marketing-engine", "kubernetesVersion": "1.29.2",
                            "nodeResourceGroup": f"MC_{GROUP}_marketing-engine-aks_{LOCATION}",
                            "agentPoolProfiles": [pool],
                            "networkProfile": {"networkPlugin": "azure", "networkPolicy": "azure",
                                               "serviceCidr": "10.2.0.0/16", "dnsServiceIP": "10.2.0.10"}}},
            agentPools=[{"id": f"{AKS_ID}/agentPools/apipool", "name": "apipool",
                         "type": "Microsoft.ContainerService/managedClusters/agentPools",
                         "properties": {k: v for k, v in pool.items() if k != "name"}}])
    # An NSG AKS made in its node resource group: Azure's, never reported unmanaged.
    arm.add({"id": resource_id("Microsoft.Network/networkSecurityGroups", "aks-agentpool-1234-nsg",
                               group=f"MC_{GROUP}_marketing-engine-aks_{LOCATION}"),
             "name": "aks-agentpool-1234-nsg", "type": "Microsoft.Network/networkSecurityGroups",
             "location": LOCATION, "properties": {"securityRules": []}})
    for name in ("marketing-engine-postgres", *(("reporting-postgres",) if extra_server else ())):
        server_id = resource_id("Microsoft.DBforPostgreSQL/flexibleServers", name)
        arm.add({"id": server_id, "name": name, "type": "Microsoft.DBforPostgreSQL/flexibleServers",
                 "location": LOCATION, "tags": {},
                 "sku": {"name": "Standard_D8ds_v4", "tier": "GeneralPurpose"},
                 "properties": {"version": "15", "state": "Ready", "administratorLogin": "pgadmin",
                                "storage": {"storageSizeGB": 512, "autoGrow": "Disabled"},
                                "backup": {"backupRetentionDays": retention, "geoRedundantBackup": "Enabled"},
                                "highAvailability": {"mode": ha, "state": "Healthy" if ha != "Disabled" else
                                                     "NotEnabled"},
                                "network": {"publicNetworkAccess": "Disabled",
                                            "delegatedSubnetResourceId": f"{VNET_ID}/subnets/database-subnet"},
                                "maintenanceWindow": {"customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0,
                                                      "startMinute": 0}}},
                configurations=[_configuration("max_connections", "400", "859", True),
                                _configuration("shared_buffers", "1048576", "1048576", False),
                                _configuration("work_mem", "4096", "4096", False)],
                firewallRules=[])
    return arm
