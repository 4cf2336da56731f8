"""A local stand-in for the Google Cloud REST APIs the GCP collector calls, on 127.0.0.1.

It answers the documented REST shapes (Compute Engine ``networks.list``, ``firewalls.list``,
``globalForwardingRules.list``, ``machineTypes.get``, and the ``aggregatedList`` of subnetworks, routers,
instances, disks, SSL policies, target HTTPS proxies, backend services, URL maps and forwarding rules, whose
``items`` map each scope (``regions/x``, ``zones/x``, ``global``) to ``{<key>: [...]}``; GKE
``projects.locations.clusters.list``; Cloud SQL Admin ``instances.list``;
Memorystore ``projects.locations.instances.list``), serves pages of ``page_size`` items with
``nextPageToken``, and on demand answers 429 (with ``Retry-After``), 403 (denied, or the API disabled in the
project) or 500 for a path. Every request is recorded (method, path, the Authorization header) so the tests
can assert the collector only ever read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.local_server import serving

AGGREGATED = ("subnetworks", "routers", "instances", "disks", "sslPolicies", "targetHttpsProxies", "backendServices",
              "urlMaps", "forwardingRules")
# path pattern -> (state key, the answer's list key); group 1 is the project
ROUTES = [
    (re.compile(r"^/compute/v1/projects/([^/]+)/global/networks$"), "networks", "items"),
    (re.compile(r"^/compute/v1/projects/([^/]+)/global/firewalls$"), "firewalls", "items"),
    (re.compile(r"^/compute/v1/projects/([^/]+)/global/forwardingRules$"), "globalForwardingRules", "items"),
    *[(re.compile(rf"^/compute/v1/projects/([^/]+)/aggregated/{key}$"), key, "items") for key in AGGREGATED],
    (re.compile(r"^/v1/projects/([^/]+)/locations/-/clusters$"), "clusters", "clusters"),
    (re.compile(r"^/v1/projects/([^/]+)/instances$"), "sql", "items"),
    (re.compile(r"^/v1/projects/([^/]+)/locations/-/instances$"), "redis", "instances"),
]
# machineTypes.get: group 1 the project, 2 the zone, 3 the machine type's name
MACHINE_TYPE = re.compile(r"^/compute/v1/projects/([^/]+)/zones/([^/]+)/machineTypes/([^/]+)$")
SERVICES = ("compute", "container", "sqladmin", "redis")


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    at: float


@dataclass
class FakeGcp:
    """State per project and key; ``faults[key]``: statuses to answer, in order, before the real answer."""

    projects: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    page_size: int = 2
    faults: dict[str, list[int | str]] = field(default_factory=dict)  # an HTTP status, or "disabled" (403)
    retry_after: str = "0"
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def fail(self, key: str, *statuses: int | str) -> None:
        self.faults.setdefault(key, []).extend(statuses)

    def endpoint_args(self) -> list[str]:
        return [arg for s in SERVICES for arg in ("--gcp-endpoint", f"{s}={self.url}")]

    def endpoints(self) -> dict[str, str]:
        return dict.fromkeys(SERVICES, self.url)

    def answer(self, method: str, target: str, authorization: str | None) -> tuple[int, dict[str, str], Any]:
        import time

        parts = urlsplit(target)
        query = parse_qs(parts.query)
        self.requests.append(Seen(method, parts.path, query, authorization, time.monotonic()))
        if method not in ("GET", "HEAD"):
            return 405, {}, _error(405, "only reads are expected here", "METHOD_NOT_ALLOWED")
        for pattern, key, items in ROUTES:
            match = pattern.match(parts.path)
            if match:
                return self._route(key, items, match.group(1), query)
        match = MACHINE_TYPE.match(parts.path)
        if match:
            return self._machine_type(*match.groups())
        return 404, {}, _error(404, f"no such path {parts.path}", "NOT_FOUND")

    def _route(self, key: str, items: str, project: str, query: dict[str, list[str]],
               ) -> tuple[int, dict[str, str], Any]:
        pending = self.faults.get(key)
        if pending:
            status = pending.pop(0)
            if status == 429:
                return 429, {"Retry-After": self.retry_after}, _error(429, "Quota exceeded", "RATE_LIMIT_EXCEEDED")
            if status == "disabled":
                return 403, {}, _error(403, f"{key} API has not been used in project {project} before or it is "
                                            f"disabled.", "SERVICE_DISABLED")
            if status == 403:
                return 403, {}, _error(403, "The caller does not have permission", "IAM_PERMISSION_DENIED")
            return int(status), {}, _error(int(status), "Internal error", "INTERNAL")
        found = self.projects.get(project, {}).get(key, [])
        if key == "clusters":  # GKE answers every cluster at once
            return 200, {}, {"clusters": found}
        token = (query.get("pageToken") or ["0"])[0] or "0"
        start = int(token)
        page = found[start:start + self.page_size]
        body: dict[str, Any] = {}
        if key in AGGREGATED:
            by_scope: dict[str, Any] = {}
            for item in page:
                by_scope.setdefault(_scope(item), {key: []})[key].append(item)
            # a scope with nothing answers a warning instead of a list, as Compute Engine does
            by_scope.setdefault("regions/us-east1", {"warning": {
                "code": "NO_RESULTS_ON_PAGE",
                "message": "There are no results for scope 'regions/us-east1' on this page."}})
            body[items] = by_scope
        else:
            body[items] = page
        if start + self.page_size < len(found):
            body["nextPageToken"] = str(start + self.page_size)
        return 200, {}, body


    def _machine_type(self, project: str, zone: str, name: str) -> tuple[int, dict[str, str], Any]:
        pending = self.faults.get("machineTypes")
        if pending:
            status = pending.pop(0)
            return int(status), {}, _error(int(status), "The caller does not have permission", "IAM_PERMISSION_DENIED")
        for item in self.projects.get(project, {}).get("machineTypes", []):
            if item["name"] == name and item["zone"] == zone:
                return 200, {}, item
        return 404, {}, _error(404, f"The resource 'projects/{project}/zones/{zone}/machineTypes/{name}' was not "
                                    "found", "NOT_FOUND")


def _scope(item: dict[str, Any]) -> str:
    """The aggregated list's key of an item: ``zones/x`` for a zonal one, ``regions/x``, else ``global``."""
    for field_name, scope in (("zone", "zones"), ("region", "regions")):
        if item.get(field_name):
            return f"{scope}/" + str(item[field_name]).rsplit("/", 1)[-1]
    return "global"


def _error(code: int, message: str, reason: str) -> dict[str, Any]:
    status = {403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 404: "NOT_FOUND"}.get(code, "INTERNAL")
    return {"error": {"code": code, "message": message, "status": status, "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}]}}


@contextmanager
def serve(fake: FakeGcp) -> Iterator[FakeGcp]:
    """Run ``fake`` on a free port of 127.0.0.1 (threaded) for the ``with`` block."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = fake.answer(self.command, self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield fake
