"""Containers compare as the API server defaults them (scanner/mappings/kubernetes_live.py): a manifest that omits
a default and one that writes it agree with what runs; a real change does not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scanner.mappings.kubernetes_live import as_defaulted, k8s_live_containers

MANIFEST: dict[str, Any] = {
    "name": "api", "image": "marketingengine/api:1.4.2", "ports": [{"containerPort": 3000}],
    "resources": {"requests": {"cpu": "1000m", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4096Mi"}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 3000}, "periodSeconds": 10}}
SERVED: dict[str, Any] = {
    "name": "api", "image": "marketingengine/api:1.4.2", "imagePullPolicy": "IfNotPresent",
    "ports": [{"containerPort": 3000, "protocol": "TCP"}], "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 3000, "scheme": "HTTP"}, "periodSeconds": 10,
                      "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}}


def test_what_the_server_defaults_is_no_difference() -> None:
    assert k8s_live_containers([MANIFEST], [SERVED]) == ([], [])
    assert k8s_live_containers([SERVED], [SERVED]) == ([], [])  # a manifest that writes every default


@pytest.mark.parametrize(("path", "value"), [
    (("image",), "marketingengine/api:latest"),
    (("resources", "limits", "memory"), "8Gi"),
    (("livenessProbe", "timeoutSeconds"), 5),
    (("ports", 0, "protocol"), "UDP"),
    (("imagePullPolicy",), "Always"),
])
def test_a_change_the_server_did_not_default_is_one(path: tuple[Any, ...], value: Any) -> None:
    live = copy.deepcopy(SERVED)
    node: Any = live
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    declared, actual = k8s_live_containers([MANIFEST], [live])
    assert declared == [MANIFEST] and actual == [live]


def test_pull_policy_defaults_follow_the_tag() -> None:
    assert "imagePullPolicy" not in as_defaulted({"image": "nginx", "imagePullPolicy": "Always"})
    assert "imagePullPolicy" not in as_defaulted({"image": "nginx:latest", "imagePullPolicy": "Always"})
    assert "imagePullPolicy" not in as_defaulted({"image": "nginx@sha256:abc", "imagePullPolicy": "IfNotPresent"})
    assert as_defaulted({"image": "nginx:1.25", "imagePullPolicy": "Always"})["imagePullPolicy"] == "Always"
