"""Kubernetes checks YAML cannot say: per-container rules, and objects that must agree with each other.

Cross-object checks (an HPA scales an existing Deployment, a NetworkPolicy selects the API pods)
read the other manifests of the scan through ``scanner.policy.resource_index.index_for``. Secrets' values never
reach a finding: a literal credential is reported by its variable name only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from scanner.coerce import shown, whole
from scanner.loaders.base import line_at
from scanner.mappings.transforms import k8s_containers, pod_spec
from scanner.masking import is_credential_name
from scanner.model import Resource, Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.check import regex as compiled
from scanner.policy.functions import register
from scanner.policy.resource_index import index_for
from scanner.regex import lazy_compile
from scanner.units import CPU, SIZE, comparable, parse_quantity

_LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Rollout",
                 "DeploymentConfig"}
_DSN_NAME = lazy_compile(r"(?i)(^|_)dsn$")  # a data source name carries the connection's credentials
_URL_WITH_CREDENTIALS = lazy_compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)


def _arg(ctx: EvalContext, args: Mapping[str, Any], name: str, default: Any = None) -> Any:
    return resolve_value(args[name], ctx.params) if name in args else default


def is_api(resource: Resource, pattern: str) -> bool:
    """Whether a workload is an API server: its app label or its name matches ``pattern``."""
    labels = resource.facts.get("labels")
    app = labels.get("app") if isinstance(labels, Mapping) else None
    regex = compiled(pattern)
    return bool((isinstance(app, str) and regex.search(app)) or regex.search(str(resource.facts.get("name", ""))))


def _main_containers(resource: Resource) -> list[Any]:
    return [c for c in _list(pod_spec(resource).get("containers")) if isinstance(c, dict)]


def _api_containers(resource: Resource, pattern: str) -> list[Any]:
    """The API's own containers in an API workload: those named like the API, else the first one."""
    main = _main_containers(resource)
    named = [c for c in main if compiled(pattern).search(str(c.get("name", ""))) or c.get("name") == "api"]
    return named or main[:1]


def long_running(resource: Resource) -> bool:
    """Whether a workload's pods serve until stopped: a controller that keeps them, or a bare Pod the kubelet
    restarts (restartPolicy Always, the default); a Job's or a run-once Pod's pods finish."""
    if resource.type == "Pod":
        return str(pod_spec(resource).get("restartPolicy") or "Always") == "Always"
    return resource.type in _LONG_RUNNING


def _line(item: Any, *keys: str) -> int | None:
    return line_at(item, list(keys)) if isinstance(item, dict) else None


def _violation(fact: str, observed: Any, expected: Any, message: str, line: int | None) -> Outcome:
    return Outcome(Status.VIOLATES, fact, observed, expected, message, line=line)


# --- ME-K8S-02 -----------------------------------------------------------------------------------

@register("k8s_min_replicas")
def k8s_min_replicas(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The workload keeps at least N replicas: spec.replicas, or its HorizontalPodAutoscaler's minReplicas."""
    minimum = int(_arg(ctx, args, "min"))
    replicas, source = index_for(ctx.resources).effective_replicas(ctx.resource)
    if replicas is None:
        return Outcome(SKIP)
    expected = f">= {minimum}"
    try:
        value = int(replicas)
    except (TypeError, ValueError):
        return Outcome(Status.UNKNOWN, "replicas", replicas, expected, f"replicas {replicas!r} is not a number")
    if source:  # an HPA decides; spec.replicas is ignored once it scales the workload
        hpa = index_for(ctx.resources).hpa_for(ctx.resource)
        status = Status.COMPLIES if value >= minimum else Status.VIOLATES
        # A compliant finding points at the workload's own replicas line when it has one.
        fact = "replicas" if status == Status.COMPLIES and "replicas" in ctx.resource.fact_lines else "hpa_min_replicas"
        return Outcome(status, fact, value, expected,
                       f"{source}, fewer than {minimum}; raise minReplicas of "
                       f"{hpa.address if hpa else 'the HPA'}")
    if value >= minimum:
        return Outcome(Status.COMPLIES, "replicas", value, expected)
    return Outcome(Status.VIOLATES, "replicas", value, expected, "", minimum, ">=")


# --- ME-K8S-04 -----------------------------------------------------------------------------------

def _quantity(value: Any, dimension: str) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    return parse_quantity(value if isinstance(value, str) else str(value), dimension,
                          "cpu" if dimension == CPU else "B")


def _at_least(value: Any, minimum: Any, dimension: str) -> bool | None:
    have, want = _quantity(value, dimension), _quantity(minimum, dimension)
    if have is None or want is None:
        return None
    a, b = comparable(have, want)
    return bool(a >= b)


@register("k8s_resources")
def k8s_resources(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Every container sets requests and limits for cpu and memory; API containers at least the guide's."""
    resource = ctx.resource
    containers = k8s_containers(None, resource)
    if isinstance(containers, Unresolved):
        return Outcome(Status.UNKNOWN, "containers", containers.expression, None, containers.reason)
    if not containers:
        return Outcome(SKIP)
    pattern = str(_arg(ctx, args, "api_selector"))
    minimums = {kind: {what: _arg(ctx, args, f"api_{kind}_{what}") for what in ("cpu", "memory")}
                for kind in ("requests", "limits")}
    api = {id(c) for c in _api_containers(resource, pattern)} if is_api(resource, pattern) else set()
    expected = "requests and limits for cpu and memory"
    for container in containers:
        name = container.get("name", "?")
        res = container.get("resources") if isinstance(container.get("resources"), dict) else {}
        missing = [f"{kind}.{what}" for kind in ("requests", "limits") for what in ("cpu", "memory")
                   if not isinstance(res.get(kind), dict) or res[kind].get(what) in (None, "")]
        if missing:
            return _violation(f"containers[{name}].resources", None, expected,
                              f"container {name} has no {', '.join(missing)}",
                              _line(container, "resources") or _line(container, "name"))
        if id(container) in api:
            for kind, wanted in minimums.items():
                for what, minimum in wanted.items():
                    value = res[kind][what]
                    ok = _at_least(value, minimum, CPU if what == "cpu" else SIZE)
                    if ok is None:
                        return Outcome(Status.UNKNOWN, f"containers[{name}].resources.{kind}.{what}", value, minimum,
                                       f"cannot read {kind}.{what} {value!r} as a quantity")
                    if not ok:
                        return _violation(f"containers[{name}].resources.{kind}.{what}", value, f">= {minimum}",
                                          f"API container {name} {kind} {what} {value} is below the guide's {minimum}",
                                          _line(res, kind, what))
    return Outcome(Status.COMPLIES, "containers", f"{len(containers)} container(s) with requests and limits", expected)


# --- ME-K8S-05 -----------------------------------------------------------------------------------

def _ports(container: Mapping[str, Any]) -> set[str]:
    ports = set()
    for port in _list(container.get("ports")):
        if isinstance(port, dict):
            for key in ("containerPort", "name"):
                if port.get(key) is not None:
                    ports.add(str(port[key]))
    return ports


@register("k8s_probes")
def k8s_probes(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Long-running containers have liveness and readiness probes; the API's hit its health paths on its port."""
    resource = ctx.resource
    if not long_running(resource):
        return Outcome(SKIP)
    containers = _main_containers(resource)
    if not containers:
        return Outcome(SKIP)
    pattern = str(_arg(ctx, args, "api_selector"))
    paths = {"livenessProbe": _arg(ctx, args, "liveness_path"), "readinessProbe": _arg(ctx, args, "readiness_path")}
    api = {id(c) for c in _api_containers(resource, pattern)} if is_api(resource, pattern) else set()
    for container in containers:
        name = container.get("name", "?")
        for probe_key, path in paths.items():
            probe = container.get(probe_key)
            if not isinstance(probe, dict):
                return _violation(f"containers[{name}].{probe_key}", None, "set",
                                  f"container {name} has no {probe_key}", _line(container, "name"))
            if id(container) not in api:
                continue
            http = probe.get("httpGet") if isinstance(probe.get("httpGet"), dict) else None
            if http is None or http.get("path") != path:
                shown = http.get("path") if http else next(iter(k for k in probe if k.endswith(("Get", "Socket", "exec",
                                                                                                   "grpc"))), None)
                return _violation(f"containers[{name}].{probe_key}", shown, f"httpGet {path}",
                                  f"API container {name} {probe_key} does not GET {path}",
                                  _line(probe, "httpGet", "path") or _line(container, probe_key))
            ports = _ports(container)
            if ports and str(http.get("port")) not in ports:
                return _violation(f"containers[{name}].{probe_key}", http.get("port"), f"one of {sorted(ports)}",
                                  f"API container {name} {probe_key} targets port {http.get('port')}, "
                                  f"not a port the container serves ({', '.join(sorted(ports))})",
                                  _line(probe, "httpGet", "port"))
    return Outcome(Status.COMPLIES, "containers", "liveness and readiness probes", "liveness and readiness probes")


# --- ME-K8S-06 -----------------------------------------------------------------------------------

def _credential_name(name: str) -> bool:
    """A variable that holds a credential (DB_PASSWORD, apiKey, SENTRY_DSN), not one about one: a flag, a mode
    or a file path (DISABLE_AUTH, TOKENREF_STRICT_MODE, PASSWORD_FILE) may be a literal or come from a ConfigMap."""
    return is_credential_name(name) or bool(_DSN_NAME.search(name))


def _env_problems(container: Mapping[str, Any]) -> Iterator[tuple[str, str, int | None]]:
    for env in _list(container.get("env")):
        if not isinstance(env, dict):
            continue
        name = str(env.get("name", ""))
        value = env.get("value")
        ref: Mapping[str, Any] = env["valueFrom"] if isinstance(env.get("valueFrom"), dict) else {}
        line = _line(env, "value") or getattr(env, "line", None)
        if isinstance(value, str) and value and _URL_WITH_CREDENTIALS.search(value):
            yield name, f"env {name} holds a connection string with credentials in the manifest", line
        elif value not in (None, "") and _credential_name(name):
            yield name, f"env {name} is set to a literal value in the manifest", line
        elif "configMapKeyRef" in ref and _credential_name(name):
            yield name, f"env {name} comes from a ConfigMap, which is not for secrets", _line(env, "valueFrom")


@register("k8s_secret_references")
def k8s_secret_references(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Secrets reach pods only by reference; no plain Secret manifests, no literal credentials in env."""
    resource = ctx.resource
    if "k8s_secret_reference" in resource.kinds:
        return Outcome(Status.COMPLIES, "kind", resource.type, "a sealed or external secret")
    if "k8s_secret" in resource.kinds:
        if str(facts.get("secret_type", "")) == "kubernetes.io/service-account-token":
            return Outcome(SKIP)  # holds no value of its own: the control plane fills it in
        return _violation("kind", "Secret", "SealedSecret or ExternalSecret",
                          f"Secret {facts.get('name')} is a plain Secret manifest: its values are only base64-encoded; "
                          "commit a SealedSecret (or an ExternalSecret) instead", resource.origin.line)
    containers = k8s_containers(None, resource)
    if isinstance(containers, Unresolved):
        return Outcome(Status.UNKNOWN, "containers", containers.expression, None, containers.reason)
    if not containers:
        return Outcome(SKIP)
    for container in containers:
        env = container.get("env")
        if env is not None and not isinstance(env, list):  # nothing can be read of it: not a pass
            return Outcome(Status.UNKNOWN, f"containers[{container.get('name', '?')}].env", shown(env),
                           "secretKeyRef", f"env is {shown(env)}, not a list of variables",
                           line=_line(container, "env"))
        for name, message, line in _env_problems(container):
            # The value itself is never shown: only the variable's name.
            return _violation(f"containers[{container.get('name', '?')}].env.{name}", f"{name}=<redacted>",
                              "secretKeyRef", message, line)
    return Outcome(Status.COMPLIES, "containers", "no literal credentials", "secretKeyRef")


# --- ME-K8S-08 -----------------------------------------------------------------------------------

def _host_covered(host: str, tls_hosts: list[str]) -> bool:
    for pattern in tls_hosts:
        if pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:]) and host.count(".") ==
                               pattern.count(".")):
            return True
    return False


@register("k8s_ingress")
def k8s_ingress(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """TLS for every host with a certificate secret, a cert-manager issuer, and an ingress-nginx rate limit."""
    resource = ctx.resource
    spec: Mapping[str, Any] = resource.attributes["spec"] if isinstance(resource.attributes.get("spec"), dict) else {}
    annotations: Mapping[str, Any] = facts["annotations"] if isinstance(facts.get("annotations"), Mapping) else {}
    meta = resource.attributes.get("metadata") or {}
    tls = spec.get("tls") if isinstance(spec.get("tls"), list) else []
    hosts = [r.get("host") for r in _list(spec.get("rules")) if isinstance(r, dict) and r.get("host")]
    if not tls:
        return _violation("tls", None, "tls with hosts and secretName", "the Ingress serves no TLS (spec.tls is empty)",
                          _line(spec, "rules") or resource.origin.line)
    tls_hosts = [str(h) for t in tls if isinstance(t, dict) for h in _list(t.get("hosts"))]
    for entry in tls:
        if isinstance(entry, dict) and not entry.get("secretName"):
            return _violation("tls", entry.get("hosts"), "secretName", "a tls entry names no secretName",
                              getattr(entry, "line", None))
    uncovered = [h for h in hosts if not _host_covered(str(h), tls_hosts)]
    if uncovered:
        return _violation("tls", tls_hosts, f"hosts {hosts}",
                          f"host(s) {', '.join(map(str, uncovered))} have no TLS entry", _line(spec, "tls"))
    issuers = list(_arg(ctx, args, "issuer_annotations"))
    if not any(annotations.get(a) for a in issuers):
        return _violation("annotations", None, " or ".join(issuers),
                          "no cert-manager issuer annotation: nothing renews the certificate",
                          _line(meta, "annotations") or _line(meta, "name"))
    ingress_class = str(spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class") or "")
    limits = list(_arg(ctx, args, "rate_limit_annotations"))
    present = [a for a in limits if str(annotations.get(a, "")).strip()]
    if ingress_class and "nginx" not in ingress_class.lower():
        return Outcome(Status.UNKNOWN, "annotations", ingress_class, " or ".join(limits),
                       f"ingress class {ingress_class} rate-limits outside the Ingress annotations this checks")
    if not present:
        near = [a for a in annotations if "rate" in str(a).lower() or "limit" in str(a).lower()]
        hint = (f"; {near[0]} is not an ingress-nginx annotation, so the controller ignores it" if near else "")
        return _violation("annotations", {a: annotations[a] for a in near} or None, " or ".join(limits),
                          f"no ingress-nginx rate limit ({', '.join(limits)}){hint}",
                          _line(meta, "annotations", near[0]) if near else _line(meta, "annotations"))
    value = str(annotations[present[0]]).strip()
    if not value.isdigit() or int(value) <= 0:
        return _violation("annotations", value, "a positive number", f"{present[0]} is {value!r}",
                          _line(meta, "annotations", present[0]))
    return Outcome(Status.COMPLIES, "annotations", f"TLS for {', '.join(map(str, hosts)) or 'all hosts'}, "
                                                   f"{present[0]}={value}", "TLS, issuer, rate limit")


# --- ME-K8S-09 -----------------------------------------------------------------------------------

@register("k8s_autoscaling")
def k8s_autoscaling(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """API workloads are scaled by an HPA with the guide's bounds and targets; every HPA scales something real."""
    resource = ctx.resource
    pattern = str(_arg(ctx, args, "api_selector"))
    index = index_for(ctx.resources)
    if "k8s_workload" in resource.kinds:
        if resource.type not in ("Deployment", "StatefulSet") or not is_api(resource, pattern):
            return Outcome(SKIP)
        hpa = index.hpa_for(resource)
        if hpa is None:
            return _violation("hpa", None, "a HorizontalPodAutoscaler",
                              f"no HorizontalPodAutoscaler scales {resource.type} {facts.get('name')}",
                              resource.origin.line)
        return Outcome(Status.COMPLIES, "hpa", f"scaled by {hpa.facts.get('name')}", "a HorizontalPodAutoscaler")
    target: Mapping[str, Any] = facts["target"] if isinstance(facts.get("target"), Mapping) else {}
    namespace = str(facts.get("namespace") or "default")
    key = (namespace, str(target.get("kind", "")), str(target.get("name", "")))
    workload = index.workloads.get(key)
    spec = resource.attributes.get("spec") or {}
    if workload is None:
        if index.workloads_in(namespace):
            return _violation("target", f"{key[1]}/{key[2]}", "an existing workload",
                              f"the HPA scales {key[1]} {key[2]}, which is not among the namespace's manifests",
                              _line(spec, "scaleTargetRef"))
        if not compiled(pattern).search(key[2]):
            return Outcome(Status.UNKNOWN, "target", f"{key[1]}/{key[2]}", "an existing workload",
                           f"the HPA's target {key[1]} {key[2]} is not in the scanned files")
    elif not is_api(workload, pattern):
        return Outcome(Status.COMPLIES, "target", f"{key[1]}/{key[2]}", "an existing workload")
    checks = [("min_replicas", ">=", _arg(ctx, args, "min_replicas"), "minReplicas"),
              ("max_replicas", ">=", _arg(ctx, args, "max_replicas"), "maxReplicas"),
              ("cpu_utilization", "<=", _arg(ctx, args, "cpu_target"), "cpu averageUtilization"),
              ("memory_utilization", "<=", _arg(ctx, args, "memory_target"), "memory averageUtilization")]
    for fact, op, wanted, label in checks:
        value = facts.get(fact)
        if value is None:
            return _violation(fact, None, f"{label} {op} {wanted}", f"the HPA sets no {label}",
                              _line(spec, "metrics") or _line(spec, "maxReplicas") or resource.origin.line)
        number = whole(value, label)
        if isinstance(number, Unresolved):
            return Outcome(Status.UNKNOWN, fact, number.expression, f"{op} {wanted}", number.reason,
                           line=_line(spec, "metrics") or resource.origin.line)
        ok = number >= int(wanted) if op == ">=" else number <= int(wanted)
        if not ok:
            target_value = int(wanted)
            return Outcome(Status.VIOLATES, fact, value, f"{op} {wanted}", f"the HPA's {label} is {value}, the guide "
                           f"requires {op} {wanted}", target_value if fact.endswith("replicas") else None, op,
                           None)
    return Outcome(Status.COMPLIES, "min_replicas", f"{facts.get('min_replicas')}-{facts.get('max_replicas')}, "
                   f"cpu {facts.get('cpu_utilization')}%, memory {facts.get('memory_utilization')}%",
                   "HPA bounds and targets")


# --- ME-K8S-10 -----------------------------------------------------------------------------------

def _list(value: Any) -> list[Any]:
    """The items of a list as written; a scalar or mapping where a list belongs has none readable."""
    return value if isinstance(value, list) else []


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against a label set."""
    if not isinstance(selector, Mapping):
        return False
    match_labels, expressions = selector.get("matchLabels") or {}, selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        return False  # a selector the API server would reject selects nothing
    for key, value in match_labels.items():
        if str(labels.get(key)) != str(value):
            return False
    for expression in expressions:
        if not isinstance(expression, Mapping) or not isinstance(expression.get("values") or [], list):
            return False
        key, op = str(expression.get("key")), str(expression.get("operator", ""))
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if (op == "In" and (not present or str(labels[key]) not in values)) or \
                (op == "NotIn" and present and str(labels[key]) in values) or \
                (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def _pod_labels(workload: Resource) -> Mapping[str, Any]:
    labels = workload.facts.get("labels")
    return labels if isinstance(labels, Mapping) else {}


def _namespace_label_is(selector: Any, namespace: str) -> bool:
    labels = (selector or {}).get("matchLabels") or {} if isinstance(selector, Mapping) else {}
    return isinstance(labels, Mapping) and any(labels.get(k) == namespace
                                               for k in ("name", "kubernetes.io/metadata.name"))


def _port_numbers(ports: Any) -> list[str]:
    items = ports if isinstance(ports, list) else [] if ports is None else [{"port": f"unreadable ports {ports!r}"}]
    return [str(p.get("port")) for p in items if isinstance(p, Mapping) and p.get("port") is not None]


def _ingress_problem(rule: Any, ingress_ns: str, api_ports: set[str]) -> str | None:
    if not isinstance(rule, Mapping):
        return "an ingress rule that is not a mapping"
    peers = rule.get("from")
    if not peers:
        return "an ingress rule admits every source (no from:)"
    if not isinstance(peers, list):
        return f"an ingress rule's from: is {shown(peers)}, not a list of peers"
    for peer in peers:
        if not isinstance(peer, Mapping) or "namespaceSelector" not in peer or \
                not _namespace_label_is(peer.get("namespaceSelector"), ingress_ns):
            return f"an ingress rule admits a source other than the {ingress_ns} namespace"
    ports = _port_numbers(rule.get("ports"))
    if not ports:
        return "an ingress rule opens every port"
    stray = [p for p in ports if p not in api_ports]
    return f"an ingress rule opens port {stray[0]}, not the API's {'/'.join(sorted(api_ports))}" if stray else None


def _egress_problem(rule: Any, namespace: str, allowed: list[Mapping[str, Any]], allow_dns: bool) -> str | None:
    if not isinstance(rule, Mapping):
        return "an egress rule that is not a mapping"
    ports = _port_numbers(rule.get("ports"))
    if allow_dns and ports and set(ports) <= {"53"}:
        return None  # name resolution: pods cannot reach anything by name without it
    peers = rule.get("to")
    if not peers:
        return "an egress rule allows every destination (no to:)"
    if not isinstance(peers, list):
        return f"an egress rule's to: is {shown(peers)}, not a list of peers"
    for peer in peers:
        if not isinstance(peer, Mapping):
            return "an egress peer that is not a mapping"
        if "ipBlock" in peer:
            return f"an egress rule allows the address block {peer['ipBlock'].get('cidr', '?')}"
        if "namespaceSelector" in peer and "podSelector" not in peer:
            if _namespace_label_is(peer["namespaceSelector"], namespace):
                continue
            return "an egress rule allows another namespace"
        labels = ((peer.get("podSelector") or {}).get("matchLabels") or {}) if isinstance(peer.get("podSelector"),
                                                                                            Mapping) else {}
        if not isinstance(labels, Mapping):
            return f"an egress peer's podSelector.matchLabels is {shown(labels)}, not labels"
        match = next((a for a in allowed if labels.get("app") == a.get("app")), None)
        if match is None:
            return f"an egress rule allows pods {dict(labels) or 'of any kind'}, not the database or cache"
        if ports != [str(match.get("port"))]:
            return f"egress to {match['app']} is open on {', '.join(ports) or 'every port'}, not {match['port']}"
    return None


def _policy_problems(policy: Resource, args: Mapping[str, Any]) -> tuple[str | None, int | None]:
    spec = policy.attributes.get("spec") or {}
    namespace = str(policy.facts.get("namespace") or "default")
    written = policy.facts.get("policy_types") or []
    types = {str(t) for t in written} if isinstance(written, list) else set()
    if not {"Ingress", "Egress"} <= types:
        return f"policyTypes is {sorted(types)}, not Ingress and Egress", _line(spec, "policyTypes")
    api_ports = {str(p) for p in args["api_ports"]}
    for direction in ("ingress", "egress"):
        if not isinstance(spec.get(direction) or [], list):
            return f"{direction} is {shown(spec[direction])}, not a list of rules", _line(spec, direction)
    for rule in spec.get("ingress") or []:
        problem = _ingress_problem(rule, str(args["ingress_namespace"]), api_ports)
        if problem:
            return problem, getattr(rule, "line", None)
    for rule in spec.get("egress") or []:
        problem = _egress_problem(rule, namespace, list(args["egress"]), bool(args["allow_dns"]))
        if problem:
            return problem, getattr(rule, "line", None)
    return None, None


@register("k8s_network_policy")
def k8s_network_policy(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A NetworkPolicy selects the API pods, admitting only the ingress controller and reaching only its stores."""
    resource = ctx.resource
    pattern = str(_arg(ctx, args, "api_selector"))
    values = {k: _arg(ctx, args, k) for k in ("ingress_namespace", "api_ports", "egress", "allow_dns")}
    index = index_for(ctx.resources)
    if "k8s_workload" in resource.kinds:
        if not long_running(resource) or not is_api(resource, pattern):
            return Outcome(SKIP)
        namespace = str(facts.get("namespace") or "default")
        labels = _pod_labels(resource)
        selecting = [p for p in index.in_namespace("NetworkPolicy", namespace)
                     if selector_matches(p.facts.get("pod_selector") or {}, labels)]
        if not selecting:
            return _violation("network_policy", None, "a NetworkPolicy selecting its pods",
                              f"no NetworkPolicy selects the pods of {resource.type} {facts.get('name')} "
                              f"({', '.join(f'{k}={v}' for k, v in labels.items())})", resource.origin.line)
        return Outcome(Status.COMPLIES, "network_policy", ", ".join(str(p.facts.get("name")) for p in selecting),
                       "a NetworkPolicy selecting its pods")
    namespace = str(facts.get("namespace") or "default")
    selector = facts.get("pod_selector") or {}
    workloads = index.workloads_in(namespace)
    selected = [w for w in workloads if selector_matches(selector, _pod_labels(w))]
    match_labels = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    app = match_labels.get("app") if isinstance(match_labels, Mapping) else None
    protects_api = any(is_api(w, pattern) for w in selected) or (
        not workloads and isinstance(app, str) and bool(compiled(pattern).search(app)))
    if not protects_api:
        return Outcome(SKIP)
    problem, line = _policy_problems(resource, values)
    if problem:
        return _violation("policy_types" if problem.startswith("policyTypes") else "rules", None,
                          "ingress from the ingress controller only; egress to the database, cache and namespace",
                          problem, line)
    return Outcome(Status.COMPLIES, "rules", "ingress controller in, database/cache/namespace out",
                   "the guide's API network policy")


# --- ME-K8S-11 -----------------------------------------------------------------------------------

def _non_root(context: Any) -> bool | None:
    """True / False when a securityContext decides, None when it says nothing."""
    if not isinstance(context, Mapping):
        return None
    user = context.get("runAsUser")
    if user is not None and str(user).isdigit():
        if int(user) == 0:
            return False
        if context.get("runAsNonRoot") is not False:
            return True
    flag = context.get("runAsNonRoot")
    return flag if isinstance(flag, bool) else None


@register("k8s_non_root")
def k8s_non_root(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Every container runs as a non-root user (its own securityContext, else the pod's)."""
    resource = ctx.resource
    containers = k8s_containers(None, resource)
    if isinstance(containers, Unresolved):
        return Outcome(Status.UNKNOWN, "containers", containers.expression, None, containers.reason)
    if not containers:
        return Outcome(SKIP)
    pod = pod_spec(resource).get("securityContext")
    pod_says = _non_root(pod)
    for container in containers:
        own = _non_root(container.get("securityContext"))
        decided = own if own is not None else pod_says
        if decided is not True:
            name = container.get("name", "?")
            why = ("runs as root (runAsUser 0 or runAsNonRoot false)" if decided is False else
                   "sets neither runAsNonRoot nor a non-zero runAsUser (the image's user decides, root by default)")
            line = _line(container, "securityContext") or _line(container, "name")
            # The pod-level securityContext is the one place a fix covers every container.
            target = True if own is None else None
            return Outcome(Status.VIOLATES, "run_as_non_root" if target else f"containers[{name}].securityContext",
                           decided, "runAsNonRoot: true", f"container {name} {why}", target, "==", line)
    return Outcome(Status.COMPLIES, "run_as_non_root", True, "runAsNonRoot: true")


# --- ME-K8S-13 -----------------------------------------------------------------------------------

@cache
def _schema_validator(version: str, api_version: str, kind: str, strict: bool) -> Any:
    """A cached validator for one kind, or None when no schema is bundled for it.

    The schemas are kubernetes-validate's, read here once per kind (its own ``validate`` re-reads
    them on every call); the validator is jsonschema-rs, which imports and compiles in about 15 ms
    where jsonschema took about 90 ms, most of a pre-commit run's budget (docs/performance.md).
    Their ``$ref``s name ``/api/_definitions.json``, so the schema and its definitions are given
    those addresses in a local registry, and the validator never fetches (``offline``).
    """
    import json

    import jsonschema_rs

    root = _schema_root()
    wanted = _version_key(version)[:2]
    versions = sorted((v for v in _bundled_versions(root) if _version_key(v)[:2] <= wanted), key=_version_key)
    if not versions:
        raise LookupError(f"kubernetes-validate does not support version {version}")
    base = root / f"v{versions[-1]}-local{'-strict' if strict else ''}"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = base / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    from scanner.tables import cached_value

    # The definitions file holds every API type (1.8 MB); one kind needs a few dozen of them. Reading it
    # whole and compiling a registry of it took longer than the rest of a pre-commit run, so the schema
    # and the definitions it reaches are kept together in the cache, keyed by both files' bytes.
    kind_file = f"{base.name}-{path.stem}"
    document = cached_value(f"k8s-schema-{kind_file}", [path, base / "_definitions.json"],
                            lambda contents: _reachable(json.loads(contents[0]), json.loads(contents[1])),
                            installed=True)  # kubernetes-validate's own files
    registry = jsonschema_rs.Registry([(f"{SCHEMA_ROOT}_definitions.json", document["definitions"])])
    return jsonschema_rs.validator_for(document["schema"], registry=registry,
                                       base_uri=f"{SCHEMA_ROOT}{path.name}", offline=True)


def _reachable(schema: Any, definitions: Mapping[str, Any]) -> dict[str, Any]:
    """The schema, and the part of the definitions document its ``$ref``s reach (directly or through others)."""
    every = definitions.get("$defs", {})
    kept: dict[str, Any] = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and "/$defs/" in ref:
                name = ref.rsplit("/$defs/", 1)[1]
                if name not in kept and name in every:
                    kept[name] = every[name]
                    pending.append(every[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return {"schema": schema, "definitions": {**definitions, "$defs": kept}}


SCHEMA_ROOT = "file:///api/"


@cache
def _schema_root() -> Path:
    """kubernetes-validate's schema folder, found without importing it (its import pulls in jsonschema)."""
    import importlib.util

    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("kubernetes-validate is not installed", name="kubernetes_validate")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def _bundled_versions(root: Path) -> tuple[str, ...]:
    return tuple(m.group(1) for entry in root.iterdir() if (m := re.match(r"v(\d+\.\d+\.\d+)-local$", entry.name)))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def _error_path(error: Any) -> list[str]:
    return list(map(str, error.instance_path))


def _plain(value: Any) -> Any:
    """What the validator reads, for a tree it refuses: string keys, dates as JSON strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):  # an unquoted YAML timestamp: a string in JSON
        return value.isoformat().replace("+00:00", "Z")
    return value


@register("k8s_schema")
def k8s_schema(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The manifest validates against the Kubernetes OpenAPI schema of the given version (kubernetes-validate)."""
    resource = ctx.resource
    if resource.source != "iac":
        return Outcome(SKIP)
    version = str(_arg(ctx, args, "kubernetes_version"))
    strict = bool(_arg(ctx, args, "strict", True))
    api_version, kind = str(resource.attributes.get("apiVersion")), resource.type
    try:
        validator = _schema_validator(version, api_version, kind, strict)
    except ImportError as exc:
        missing = "jsonschema-rs" if exc.name == "jsonschema_rs" else "kubernetes-validate"
        return Outcome(Status.UNKNOWN, "schema", None, f"Kubernetes {version} schema",
                       f"{missing} is not installed (pip install 'specdrift[kubernetes]')")
    except Exception as exc:  # a version the bundled schemas do not cover
        return Outcome(Status.UNKNOWN, "schema", None, f"Kubernetes {version} schema",
                       str(getattr(exc, "message", exc)))
    if validator is None:
        return Outcome(Status.UNKNOWN, "schema", f"{api_version} {kind}", f"Kubernetes {version} schema",
                       f"no bundled schema for {api_version} {kind} (a custom resource): not validated")
    try:  # the line-aware tree as it is: the validator reads dict and list subclasses as plain ones
        errors = sorted(validator.iter_errors(resource.attributes), key=_error_path)
    except ValueError:  # a value JSON has no type for (an unquoted YAML date), a key that is no string
        errors = sorted(validator.iter_errors(_plain(resource.attributes)), key=_error_path)
    if not errors:
        return Outcome(Status.COMPLIES, "schema", f"{api_version} {kind}", f"Kubernetes {version} schema")
    first = errors[0]
    path = list(first.instance_path)
    where = ".".join(str(p) for p in path) or "(top)"
    message = first.message
    if first.kind.name == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown field(s)")
        extra = sorted(first.kind.unexpected)
        if extra:  # point at the stray key itself, not at its parent
            path = [*path, extra[0]]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return _violation("schema", where, f"valid {api_version} {kind}", f"{where}: {message}{more}",
                      line_at(resource.attributes, path) or resource.origin.line)
