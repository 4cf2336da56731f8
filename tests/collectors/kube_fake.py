"""A local Kubernetes API server for the Kubernetes collector's tests: plain HTTP on 127.0.0.1, answering the
list and get calls the collector makes with the API's documented JSON shapes, and a kubeconfig that points at it.

- ``GET /api/v1/{plural}``, ``/apis/{group}/{version}/{plural}`` and their ``/namespaces/{ns}/`` forms: a
  ``{Kind}List`` (items without kind/apiVersion, as the API server writes them), paged by ``limit`` and
  ``continue`` (``metadata.continue``), with ``status``, ``managedFields`` and the other fields the server adds;
- ``Accept: ...;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1``: a ``PartialObjectMetadataList`` (metadata
  only); ``Accept: ...;as=Table;g=meta.k8s.io;v=v1``: a ``Table`` of the columns ``kubectl get`` prints (a Secret's
  Name, Type, Data count, Age) with each row's metadata object; without either, Secrets are answered in full, so a
  test sees when their data would have been sent;
- ``GET /api/v1/namespaces/{ns}``: one Namespace; a CRD not served (``crds``): 404.

``faults`` serves 403, 429 (with ``Retry-After``) or any status on demand for paths containing a text, or
answers late;
``requests`` records every request (method, path, query, Accept, Authorization).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.local_server import serving

TOKEN = "fake-bearer-token"
SECRET_VALUE = "c3VwZXItc2VjcmV0LXBhc3N3b3Jk"  # base64 of a password no output may ever show
# plural -> (kind, group/version, namespaced)
SERVED: dict[str, tuple[str, str, bool]] = {
    "namespaces": ("Namespace", "v1", False), "services": ("Service", "v1", True),
    "secrets": ("Secret", "v1", True), "deployments": ("Deployment", "apps/v1", True),
    "statefulsets": ("StatefulSet", "apps/v1", True), "daemonsets": ("DaemonSet", "apps/v1", True),
    "ingresses": ("Ingress", "networking.k8s.io/v1", True),
    "networkpolicies": ("NetworkPolicy", "networking.k8s.io/v1", True),
    "horizontalpodautoscalers": ("HorizontalPodAutoscaler", "autoscaling/v2", True),
    "poddisruptionbudgets": ("PodDisruptionBudget", "policy/v1", True),
    "sealedsecrets": ("SealedSecret", "bitnami.com/v1alpha1", True),
}
METADATA_ACCEPT = "as=PartialObjectMetadataList"
TABLE_ACCEPT = "as=Table"
_NAME_AGE = [("Name", "string", "name"), ("Age", "string", "")]
# the columns the API server's table printer gives a kind (pkg/printers/internalversion: Secret)
TABLE_COLUMNS = {"Secret": [("Name", "string", "name"), ("Type", "string", ""), ("Data", "string", ""),
                            ("Age", "string", "")]}


def _cells(kind: str, obj: dict[str, Any]) -> list[Any]:
    name = obj["metadata"]["name"]
    if kind == "Secret":
        return [name, obj.get("type", "Opaque"), str(len(obj.get("data") or {})), "5d"]
    return [name, "5d"]


@dataclass
class Fault:
    """Answer ``status`` to requests whose path contains ``match``, ``times`` times (None: always)."""

    match: str
    status: int
    times: int | None = None
    retry_after: str | None = None
    message: str = ""
    delay: float = 0.0  # seconds before answering (a slow call); with status 200 the normal answer follows


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    accept: str
    authorization: str


@dataclass
class FakeKube:
    """The objects the fake serves (as ``kubectl apply`` would have stored them), faults, and what it saw."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    crds: set[str] = field(default_factory=lambda: {"sealedsecrets"})
    requests: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Store a manifest as the API server would: defaulted, with status and server metadata."""
        obj = served(manifest, len(self.objects) + 1)
        self.objects.append(obj)
        return obj

    def find(self, kind: str, name: str) -> dict[str, Any]:
        return next(o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name)

    def remove(self, kind: str, name: str) -> None:
        self.objects.remove(self.find(kind, name))

    def fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match in path and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


def served(manifest: dict[str, Any], number: int) -> dict[str, Any]:
    """What the API server stores for an applied manifest: server metadata, the last-applied annotation, status
    and the container fields it defaults (quantities in its canonical spelling)."""
    obj = copy.deepcopy(manifest)
    metadata = obj.setdefault("metadata", {})
    if obj["kind"] != "Namespace":
        metadata.setdefault("namespace", "default")
    metadata.update({"uid": f"00000000-0000-0000-0000-{number:012d}", "resourceVersion": str(1000 + number),
                     "creationTimestamp": "2026-12-01T10:00:00Z", "generation": 1,
                     "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update"}]})
    metadata.setdefault("annotations", {})[
        "kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(manifest, sort_keys=True)
    if obj["kind"] == "Namespace":
        metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata["name"]
        obj["spec"] = {"finalizers": ["kubernetes"]}
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
        metadata["annotations"]["deployment.kubernetes.io/revision"] = "1"
        pod = obj["spec"]["template"]
        pod.setdefault("metadata", {})["creationTimestamp"] = None
        spec = pod["spec"]
        spec.update({"restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                     "terminationGracePeriodSeconds": 30, "securityContext": spec.get("securityContext", {})})
        for container in spec.get("containers", []):
            _default_container(container)
        obj["status"] = {"replicas": obj["spec"].get("replicas", 1), "readyReplicas": 1, "observedGeneration": 1}
    if obj["kind"] == "Service":
        obj["spec"].update({"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "sessionAffinity": "None"})
        obj["spec"].setdefault("type", "ClusterIP")
        obj["status"] = {"loadBalancer": {}}
    if obj["kind"] == "NetworkPolicy":
        obj["spec"].setdefault("policyTypes", ["Ingress", *(["Egress"] if obj["spec"].get("egress") else [])])
    if obj["kind"] == "HorizontalPodAutoscaler":
        obj["status"] = {"currentReplicas": 3, "desiredReplicas": 3}
    return obj


def _default_container(container: dict[str, Any]) -> None:
    image = str(container.get("image", ""))
    container.setdefault("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image
                         else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports", []):
        port.setdefault("protocol", "TCP")
    for name in ("livenessProbe", "readinessProbe"):
        probe = container.get(name)
        if isinstance(probe, dict):
            for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                               ("failureThreshold", 3)):
                probe.setdefault(key, value)
            if "httpGet" in probe:
                probe["httpGet"].setdefault("scheme", "HTTP")
    for part in container["resources"].values():  # the server's canonical spelling: 1000m -> 1
        for key, value in part.items():
            if isinstance(value, str) and value.endswith("000m"):
                part[key] = value[:-4]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: Any) -> None:
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

    def _status(self, code: int, reason: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._answer(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}, headers)

    def _any(self) -> None:
        kube = self.server.kube
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        with kube.lock:
            kube.requests.append(Seen(self.command, split.path, query, self.headers.get("Accept", ""),
                                      self.headers.get("Authorization", "")))
        if self.command != "GET":
            self._status(405, "MethodNotAllowed", "the fake only reads")
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._status(401, "Unauthorized", "Unauthorized")
            return
        fault = kube.fault(split.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status != 200:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            reason = {403: "Forbidden", 429: "TooManyRequests"}.get(fault.status, "InternalError")
            self._status(fault.status, reason, fault.message or f"fake {fault.status} for {split.path}", headers)
            return
        self._route(split.path, query)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        kube = self.server.kube
        parts = path.strip("/").split("/")
        version = parts[1] if parts[0] == "api" else "/".join(parts[1:3])
        rest = parts[2:] if parts[0] == "api" else parts[3:]
        if rest[:1] == ["namespaces"] and len(rest) == 2:  # GET one Namespace
            found = [o for o in kube.objects if o["kind"] == "Namespace" and o["metadata"]["name"] == rest[1]]
            if found:
                self._answer(200, found[0])
            else:
                self._status(404, "NotFound", f'namespaces "{rest[1]}" not found')
            return
        namespace = rest[1] if rest[:1] == ["namespaces"] and len(rest) == 3 else None
        plural = rest[-1] if rest else ""
        if plural not in SERVED or SERVED[plural][1] != version or (SERVED[plural][1].startswith("bitnami")
                                                                    and plural not in kube.crds):
            self._status(404, "NotFound", "the server could not find the requested resource")
            return
        kind, group_version, _ = SERVED[plural]
        items = [o for o in kube.objects if o["kind"] == kind
                 and (namespace is None or o["metadata"].get("namespace") == namespace)]
        self._page(kind, group_version, items, query)

    def _page(self, kind: str, group_version: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> None:
        limit = int(query.get("limit", ["0"])[0]) or len(items) or 1
        start = int(query.get("continue", ["0"])[0])
        page = items[start:start + limit]
        metadata: dict[str, Any] = {"resourceVersion": "9999"}
        if start + limit < len(items):
            metadata["continue"] = str(start + limit)
        body: dict[str, Any]
        if TABLE_ACCEPT in self.headers.get("Accept", ""):
            # what `kubectl get` prints, with each object's metadata (includeObject=Metadata), as the API server does
            body = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
                    "columnDefinitions": [{"name": n, "type": t, "format": f, "description": "", "priority": 0}
                                          for n, t, f in TABLE_COLUMNS.get(kind, _NAME_AGE)],
                    "rows": [{"cells": _cells(kind, o),
                              "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                         "metadata": o["metadata"]}} for o in page]}
        elif METADATA_ACCEPT in self.headers.get("Accept", ""):
            body = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                    "metadata": metadata,
                                    "items": [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                               "metadata": o["metadata"]} for o in page]}
        else:
            body = {"kind": f"{kind}List", "apiVersion": group_version, "metadata": metadata,
                    "items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]}
        self._answer(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    kube: FakeKube

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a slow answer (a timeout test) closed the socket: nothing to report


def write_kubeconfig(path: Path, url: str, context: str = "fake", namespace: str | None = None) -> Path:
    """A normal kubeconfig: one cluster at ``url``, a user with a bearer token, one current context."""
    ctx: dict[str, Any] = {"cluster": "fake-cluster", "user": "specdrift"}
    if namespace:
        ctx["namespace"] = namespace
    config = {"apiVersion": "v1", "kind": "Config", "current-context": context,
              "clusters": [{"name": "fake-cluster", "cluster": {"server": url}}],
              "users": [{"name": "specdrift", "user": {"token": TOKEN}}],
              "contexts": [{"name": context, "context": ctx},
                           {"name": "other", "context": {"cluster": "fake-cluster", "user": "specdrift"}}]}
    path.write_text(json.dumps(config))
    return path


@contextmanager
def running(kube: FakeKube) -> Iterator[FakeKube]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.kube = kube
    kube.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield kube
