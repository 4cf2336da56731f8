"""How a live object's containers compare with its manifest's: as the API server defaults and spells them.

The API server fills in what a manifest leaves out (``terminationMessagePath``, a probe's ``periodSeconds: 10``,
a port's ``protocol: TCP``, ``imagePullPolicy`` from the image's tag) and rewrites quantities in its canonical
spelling (``cpu: 1000m`` runs as ``1``). Neither is drift: both sides are compared with the defaults removed
and the quantities read, so a manifest that omits a default, or writes it, agrees with what runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.mappings import transform
from scanner.units import CPU, SIZE, parse_quantity

CONTAINER_DEFAULTS: Mapping[str, Any] = {"terminationMessagePath": "/dev/termination-log",
                                         "terminationMessagePolicy": "File", "resources": {}}
PROBE_DEFAULTS: Mapping[str, Any] = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                                     "failureThreshold": 3}
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _pull_policy(image: Any) -> str:
    """What the API server defaults ``imagePullPolicy`` to: Always for ``:latest`` or no tag, else IfNotPresent."""
    text = str(image or "")
    if "@" in text:
        return "IfNotPresent"
    last = text.rsplit("/", 1)[-1]
    return "Always" if ":" not in last or last.endswith(":latest") else "IfNotPresent"


def _without(node: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if not (k in defaults and v == defaults[k])}


def _quantities(resources: Any) -> Any:
    """requests and limits read as amounts (``1000m`` and ``1`` are one CPU, ``2Gi`` and ``2048Mi`` one size)."""
    if not isinstance(resources, Mapping):
        return resources
    out: dict[str, Any] = {}
    for part, amounts in resources.items():
        if not isinstance(amounts, Mapping):
            out[part] = amounts
            continue
        read: dict[str, Any] = {}
        for name, amount in amounts.items():
            dimension, bare = (CPU, "cores") if name == "cpu" else (SIZE, "B") if name == "memory" else (None, None)
            found = parse_quantity(str(amount), dimension, bare)  # a bare number: cores, bytes
            read[name] = round(found.value, 9) if found is not None else amount
        out[part] = read
    return out


def _probe(probe: Any) -> Any:
    if not isinstance(probe, Mapping):
        return probe
    out = _without(probe, PROBE_DEFAULTS)
    handler = out.get("httpGet")
    if isinstance(handler, Mapping) and handler.get("scheme") == "HTTP":
        out["httpGet"] = {k: v for k, v in handler.items() if k != "scheme"}
    return out


def as_defaulted(container: Any) -> Any:
    """A container without the fields at the API server's default, its quantities read."""
    if not isinstance(container, Mapping):
        return container
    out = _without(container, CONTAINER_DEFAULTS)
    if out.get("imagePullPolicy") == _pull_policy(out.get("image")):
        del out["imagePullPolicy"]
    if "resources" in out:
        out["resources"] = _quantities(out["resources"])
    for name in PROBES:
        if name in out:
            out[name] = _probe(out[name])
    if isinstance(out.get("ports"), list):
        out["ports"] = [_without(p, {"protocol": "TCP"}) if isinstance(p, Mapping) else p for p in out["ports"]]
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@transform("k8s_live_containers")
def k8s_live_containers(declared: Any, live: Any) -> tuple[list[Any], list[Any]]:
    """(the manifest's containers, the live ones) when they differ once defaulted, else two empty lists."""
    if _key([as_defaulted(c) for c in declared]) == _key([as_defaulted(c) for c in live]):
        return [], []
    return list(declared), list(live)
