"""Live Kubernetes objects through the official ``kubernetes`` client, read-only by construction.

The cluster comes from a kubeconfig (``--kubeconfig``, else ``KUBECONFIG``, else ``~/.kube/config``; ``--context``
picks a context) or, with none and inside a pod, the service account (in-cluster configuration). Each kind is
listed once per ``--namespace`` (repeatable; default: all namespaces), page by page (``limit`` / ``continue``);
a kind the credential may not list (RBAC 403) is a gap of that kind alone, so only its checks are ``unknown``.

Every request goes through a guard on the client's REST layer that refuses anything but GET before it is sent,
and watches too (``KubeGuard``). Retries on 429 and 5xx honour ``Retry-After``
(:func:`scanner.collectors.calls.with_retries`); each call has a connect and read timeout.

Secrets are listed as a ``Table`` with metadata objects (``Accept: ...;as=Table;g=meta.k8s.io``,
``includeObject=Metadata``: what ``kubectl get secrets`` shows), so the API server sends each Secret's metadata and
its Type and Data count columns, never ``data``; the type is kept (a declared ``kubernetes.io/tls`` Secret that runs
as ``Opaque`` is drift), the count is not. No plain-JSON fallback is offered (a server that cannot answer a Table
answers 406, a gap). The ``kubectl.kubernetes.io/last-applied-configuration``
annotation, which holds a Secret's data when it was applied with ``kubectl apply``, is dropped from every object.
SealedSecrets (Bitnami's CRD) are read through the custom objects API; without the CRD there are none.

Objects keep the manifest's shape (``format="kubernetes"``, address ``namespace/Kind/name``), so the manifests'
table (``scanner/mappings/kubernetes.yaml``) gives them the same facts and drift pairs them by address; what the
API server adds or manages (``status``, ``managedFields``, ``resourceVersion``, ``uid``, ...) is removed here, and
the container fields it defaults are compared as defaulted (``scanner/mappings/kubernetes_live.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
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
from scanner.collectors.collection import Collection
from scanner.model import Resource

__all__ = ["KINDS", "KubeGuard", "Kubernetes", "KubernetesOptions", "collect", "live_object"]

PROVIDER = "kubernetes"
FORMAT = "kubernetes"  # the manifests' own shape: one table gives both sides their facts
ALL = "*"  # the scope of a listing across every namespace
# Metadata and table columns only, nothing else: with a plain `application/json` alternative a server could send
# the data. A Table's rows are what `kubectl get` prints (Name, Type, Data: a count, Age), with the metadata object.
METADATA_ONLY = "application/json;as=Table;g=meta.k8s.io;v=v1"
METADATA_QUERY = ("includeObject", "Metadata")
TABLE_COLUMNS = {"Type": "type"}  # the columns kept, as the manifest's field they show
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# What the API server writes into metadata by itself: never declared, so never drift.
SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")
SERVER_ANNOTATIONS = (LAST_APPLIED, "deployment.kubernetes.io/revision")
SERVER_LABELS = {"Namespace": ("kubernetes.io/metadata.name",)}
# Namespaces and objects the cluster makes by itself: nobody declares them, so they are never unmanaged.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """One kind the collector lists: where it is served and how."""

    kind: str
    group_version: str  # "v1" (the core group) or "apps/v1"
    plural: str
    namespaced: bool = True
    metadata_only: bool = False  # Secrets: never their data
    custom: bool = False  # a CRD (custom objects API): absent CRD -> no objects, not a gap

    def path(self, namespace: str) -> str:
        base = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if not self.namespaced:
            return f"{base}/{self.plural}"
        return f"{base}/{self.plural}" if namespace == ALL else f"{base}/namespaces/{namespace}/{self.plural}"


KINDS: tuple[Kind, ...] = (
    Kind("Namespace", "v1", "namespaces", namespaced=False),
    Kind("Deployment", "apps/v1", "deployments"),
    Kind("StatefulSet", "apps/v1", "statefulsets"),
    Kind("DaemonSet", "apps/v1", "daemonsets"),
    Kind("Service", "v1", "services"),
    Kind("Ingress", "networking.k8s.io/v1", "ingresses"),
    Kind("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers"),
    Kind("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    Kind("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets"),
    Kind("Secret", "v1", "secrets", metadata_only=True),
    Kind("SealedSecret", "bitnami.com/v1alpha1", "sealedsecrets", custom=True),
)


@dataclass(frozen=True)
class KubernetesOptions:
    """Which cluster (kubeconfig and context, or in-cluster) and namespaces; how to call it."""

    kubeconfig: str | None = None  # None: KUBECONFIG, else ~/.kube/config, else in-cluster
    context: str | None = None
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    concurrency: int = 8
    max_attempts: int = 5
    timeout: float = 20.0  # seconds, per call (connect and read)
    deadline: float | None = None
    page_size: int = 500


class KubeGuard:
    """Wraps the client's REST layer: a request that is not a GET, or that watches, is refused unsent."""

    def __init__(self, request: Callable[..., Any]) -> None:
        self._request = request

    def __call__(self, method: str, url: str, query_params: Any = None, *args: Any, **kwargs: Any) -> Any:
        query = dict(query_params or ())
        watching = "watch=" in url or str(query.get("watch", "")).lower() in ("true", "1")
        refuse_unless(read_only_method(method) and method.upper() == "GET" and not watching, f"{method} {url}")
        return self._request(method, url, query_params, *args, **kwargs)


def _status_message(body: Any) -> str:
    """The API server's Status ``message`` from an error body, else the body's first line."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        found = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    return str(found.get("message") or found.get("reason") or "")[:300] if isinstance(found, dict) else ""


def _classify(api: str, exc: BaseException, timeout: float) -> CallFailed:
    """A failed call: 401/403 denied (RBAC), 404 not served, 429 and 5xx retryable with ``Retry-After``."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException) and exc.status:
        status = int(exc.status)
        message = _status_message(exc.body) or str(exc.reason or "")
        reason = f"{status} {exc.reason or ''}".strip() + (f": {message}" if message else "")
        headers = exc.headers or {}
        retry_after = retry_after_seconds(headers.get("Retry-After") if hasattr(headers, "get") else None)
        if status in (401, 403):
            return CallFailed(api, ACCESS_DENIED, reason, str(status))
        if status == 429:
            return CallFailed(api, THROTTLED, reason, str(status), retryable=True, retry_after=retry_after)
        return CallFailed(api, ERROR, reason, str(status), retryable=status >= 500, retry_after=retry_after)
    name = type(exc).__name__
    if "Timeout" in name or "timed out" in str(exc):
        return CallFailed(api, TIMEOUT, f"no answer within {timeout:g}s", retryable=True)
    return CallFailed(api, ERROR, f"{name}: {' '.join(str(exc).split())[:300]}", retryable="ProtocolError" in name)


def table_items(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A ``Table``'s rows as objects: each row's metadata object, and the columns of ``TABLE_COLUMNS`` as the fields
    they show (Type -> ``type``); the other cells (a Secret's Data count, Age) are not kept."""
    names = [str(c.get("name", "")) for c in answer.get("columnDefinitions") or [] if isinstance(c, Mapping)]
    out: list[dict[str, Any]] = []
    for row in answer.get("rows") or []:
        if not isinstance(row, Mapping) or not isinstance(row.get("object"), Mapping):
            continue
        item: dict[str, Any] = {"metadata": dict(row["object"].get("metadata") or {})}
        cells = row.get("cells") or []
        for column, field_name in TABLE_COLUMNS.items():
            if column in names and names.index(column) < len(cells) and isinstance(cells[names.index(column)], str):
                item[field_name] = cells[names.index(column)]
        out.append(item)
    return out


def live_object(item: Mapping[str, Any], kind: Kind) -> dict[str, Any]:
    """An object as a manifest would declare it: kind and apiVersion set (list items omit them), and what the
    API server writes by itself removed; a Secret keeps its metadata only."""
    metadata = dict(item.get("metadata") or {})
    for key in SERVER_METADATA:
        metadata.pop(key, None)
    for key, drop in (("annotations", SERVER_ANNOTATIONS), ("labels", SERVER_LABELS.get(kind.kind, ()))):
        kept = {k: v for k, v in (metadata.get(key) or {}).items() if k not in drop}
        if kept:
            metadata[key] = kept
        else:
            metadata.pop(key, None)
    out: dict[str, Any] = {"apiVersion": kind.group_version, "kind": kind.kind, "metadata": metadata}
    if kind.metadata_only:  # whatever else a server sent (it should send nothing else) is not kept
        out.update((k, v) for k, v in item.items() if k in TABLE_COLUMNS.values())
        return out
    out.update((k, v) for k, v in item.items() if k not in ("apiVersion", "kind", "metadata", "status"))
    template = (out.get("spec") or {}).get("template") if isinstance(out.get("spec"), dict) else None
    if isinstance(template, dict) and isinstance(template.get("metadata"), dict):
        template["metadata"].pop("creationTimestamp", None)
    return out


def _address(obj: Mapping[str, Any], kind: Kind) -> str:
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", "<unnamed>"))
    return f"{metadata.get('namespace') or 'default'}/{kind.kind}/{name}" if kind.namespaced else f"{kind.kind}/{name}"


class KubernetesCollector:
    """One run: the configured client, the runner every call goes through."""

    def __init__(self, options: KubernetesOptions) -> None:
        self.options = options
        self.client, self.cluster = _client(options)
        self.runner = CallRunner(PROVIDER, options.concurrency, Deadline(options.deadline))
        self.retry = RetryPolicy(max_attempts=max(1, options.max_attempts))

    def call(self, api: str, send: Callable[[], T]) -> T:
        """One GET with retries (429, 5xx), inside a slot; a failure is a classified ``CallFailed``."""
        def attempt() -> T:
            with self.runner.slot(api):
                self.runner.counted(api)
                try:
                    return self.runner.bounded(api, send, self.options.timeout)
                except (CallFailed, ReadOnlyViolation):  # a write refused is a bug to show, not a gap
                    raise
                except Exception as exc:
                    raise _classify(api, exc, self.options.timeout) from None

        return with_retries(attempt, self.retry, self.runner.deadline, on_retry=lambda: self.runner.retried(1))

    def get(self, path: str, query: Sequence[tuple[str, Any]] = (), accept: str = "application/json") -> Any:
        """The JSON answer of one GET of ``path`` (raw: the manifest's camelCase shape, not the client's models)."""
        timeout = (self.options.timeout, self.options.timeout)

        def send() -> Any:
            response = self.client.call_api(path, "GET", query_params=list(query), header_params={"Accept": accept},
                                            auth_settings=["BearerToken"], _preload_content=False,
                                            _request_timeout=timeout, _return_http_data_only=True)
            return json.loads(response.data or b"{}")

        return self.call(f"GET {path}", send)

    def custom(self, kind: Kind, namespace: str, query: Mapping[str, Any]) -> Any:
        """A page of a custom resource through the custom objects API."""
        from kubernetes.client import CustomObjectsApi

        group, version = kind.group_version.split("/", 1)
        api = CustomObjectsApi(self.client)
        timeout = (self.options.timeout, self.options.timeout)

        def send() -> Any:
            if namespace == ALL:
                return api.list_cluster_custom_object(group, version, kind.plural, _request_timeout=timeout,
                                                      **query)
            return api.list_namespaced_custom_object(group, version, namespace, kind.plural,
                                                     _request_timeout=timeout, **query)

        return self.call(f"GET {kind.path(namespace)}", send)

    def items(self, kind: Kind, namespace: str) -> list[Any]:
        """Every object of ``kind`` in ``namespace`` (``*``: all), page by page."""
        if kind.kind == "Namespace" and namespace != ALL:
            return [self.get(f"/api/v1/namespaces/{namespace}")]

        def page(token: str | None) -> Mapping[str, Any]:
            if kind.custom:
                query: dict[str, Any] = {"limit": self.options.page_size}
                if token:
                    query["_continue"] = token
                answer = self.custom(kind, namespace, query)
            else:
                pairs: list[tuple[str, Any]] = [("limit", self.options.page_size)]
                if token:
                    pairs.append(("continue", token))
                if kind.metadata_only:
                    answer = self.get(kind.path(namespace), [*pairs, METADATA_QUERY], METADATA_ONLY)
                    return {"items": table_items(answer), "next": (answer.get("metadata") or {}).get("continue")}
                answer = self.get(kind.path(namespace), pairs)
            return {"items": answer.get("items") or [], "next": (answer.get("metadata") or {}).get("continue")}

        try:
            return list(token_pages(page, "items", next_token="next"))
        except CallFailed as failed:
            if kind.custom and failed.error_code == "404":
                return []  # the CRD is not installed: there are none
            raise

    def records(self, kind: Kind, namespace: str) -> list[Record]:
        api = f"GET {kind.path(namespace)}"
        region = None if namespace == ALL else namespace
        out = []
        for item in self.items(kind, namespace):
            if isinstance(item, Mapping):
                obj = live_object(item, kind)
                out.append(Record(kind.kind, _address(obj, kind), api, region, obj))
        return out

    def collect(self) -> Collection:
        started = time.perf_counter()
        scopes = list(self.options.namespaces) or [ALL]
        units = [Unit(k.kind, k.group_version, f"GET {k.path(ALL)}", (k.kind,), _lister(k),
                      is_global=not k.namespaced and not self.options.namespaces) for k in KINDS]
        collection = Collection(PROVIDER, account=self.cluster, regions=tuple(scopes),
                                services=tuple(dict.fromkeys(k.group_version for k in KINDS)))
        try:
            records = self.runner.run_units(self, units, scopes)
        finally:
            self.client.close()  # its connection pool (and thread pool) now, not when the garbage collector runs
        return self.runner.finish(collection, records, FORMAT, started)


def _lister(kind: Kind) -> Callable[[Any, str], list[Record]]:
    """A unit's run: the records of ``kind`` in one scope."""
    return lambda c, scope: c.records(kind, scope)


def _client(options: KubernetesOptions) -> tuple[Any, str]:
    """The API client (the read-only guard on its REST layer) and the cluster's name for the snapshot."""
    from kubernetes import client, config

    configuration = client.Configuration()
    path = options.kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or \
        str(Path("~/.kube/config").expanduser())
    try:
        if Path(path).is_file() or options.kubeconfig or options.context:
            config.load_kube_config(config_file=path, context=options.context, client_configuration=configuration)
            cluster = options.context or _current_context(path)
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config(client_configuration=configuration)
            cluster = "in-cluster"
        else:
            raise CollectorError(f"no kubeconfig at {path} and not running in a cluster (pass --kubeconfig)")
    except config.ConfigException as exc:
        raise CollectorError(f"kubeconfig {path}: {exc}") from None
    # urllib3 would retry a 429 with Retry-After by itself, unseen: the runner retries, counts and keeps the deadline
    configuration.retries = 0
    api = client.ApiClient(configuration)
    api.rest_client.request = KubeGuard(api.rest_client.request)
    return api, f"{cluster} ({configuration.host})"


def _current_context(path: str) -> str:
    from kubernetes import config

    try:
        _, active = config.list_kube_config_contexts(config_file=path)
    except config.ConfigException:
        return "kubeconfig"
    return str((active or {}).get("name") or "kubeconfig")


def collect(options: KubernetesOptions) -> Collection:
    """Read the cluster and namespaces ``options`` name."""
    return KubernetesCollector(options).collect()


def _made(resource: Resource) -> bool:
    """Made by the cluster or by a controller, never declared: system namespaces and what is in them, the API's
    own ``kubernetes`` Service, service-account tokens, and every object another object owns (the Secret a
    SealedSecret becomes)."""
    attrs = resource.attributes
    found = attrs.get("metadata")
    metadata: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace", ""))
    if resource.type == "Namespace":
        return name in SYSTEM_NAMESPACES or name == "default"
    if namespace in SYSTEM_NAMESPACES or metadata.get("ownerReferences"):
        return True
    return (resource.type, namespace, name) == ("Service", "default", "kubernetes")


@collector("kubernetes")
class Kubernetes:
    """The Kubernetes source for ``specdrift collect kubernetes`` and ``drift --kubernetes`` (or ``--kube``)."""

    name = PROVIDER
    aliases = ("kube",)  # drift's other spelling of the flag (the issue's and kubectl users' word)
    description = "read live objects from a Kubernetes cluster now (kubeconfig or in-cluster)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("Kubernetes (get/list on the kinds read, Secrets metadata only; "
                                          "docs/kubernetes-live.md)")
        group.add_argument("--kubeconfig", metavar="FILE",
                           help="kubeconfig file (default: KUBECONFIG, else ~/.kube/config, else in-cluster)")
        group.add_argument("--context", metavar="NAME", help="kubeconfig context (default: its current context)")
        group.add_argument("--namespace", action="append", default=[], metavar="NAME",
                           help="only this namespace (repeatable; default: every namespace)")

    def options(self, args: argparse.Namespace) -> KubernetesOptions:
        return KubernetesOptions(kubeconfig=args.kubeconfig, context=args.context,
                                 namespaces=tuple(dict.fromkeys(args.namespace)),
                                 concurrency=max(1, args.concurrency), max_attempts=max(1, args.max_attempts),
                                 timeout=args.timeout, deadline=args.deadline)

    def collect(self, options: KubernetesOptions) -> Collection:
        try:
            import kubernetes  # noqa: F401
        except ImportError:
            raise CollectorError("the kubernetes package is not installed (pip install 'specdrift[kubernetes-live]')") \
                from None
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return tuple(k.kind for k in KINDS)

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        return frozenset(r.address for r in live if _made(r))
