"""Kubernetes manifests: multi-document YAML (and ``kind: List``), one Resource per object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.yaml_lines import error_line, load_documents
from scanner.model import Origin, Resource

NAME = "kubernetes"
PRIORITY = 20
_SNIFF_API = re.compile(r"^\s*[\"']?apiVersion[\"']?\s*:", re.M)
_SNIFF_KIND = re.compile(r"^\s*[\"']?kind[\"']?\s*:\s*[\"']?[A-Z]", re.M)
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                   "CustomResourceDefinition", "ClusterIssuer", "Node", "PriorityClass", "IngressClass"}


class KubernetesLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".yaml", ".yml") and bool(_SNIFF_API.search(head)) \
            and bool(_SNIFF_KIND.search(head))

    def load(self, path: str, text: str) -> LoadResult:
        try:
            documents = load_documents(text)
        except yaml.YAMLError as exc:
            return LoadResult(errors=[ParseError(path, error_line(exc), f"invalid YAML: {_problem(exc)}", NAME)])
        result = LoadResult()
        for doc in documents:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                result.errors.append(ParseError(path, getattr(doc, "line", None),
                                                "a manifest document must be a mapping", NAME))
                continue
            items = doc.get("items") if str(doc.get("kind", "")).endswith("List") else [doc]
            for obj in items if isinstance(items, list) else ():
                metadata = obj.get("metadata") if isinstance(obj, dict) else None
                if metadata is not None and not isinstance(metadata, dict):  # the API server rejects it too
                    result.errors.append(ParseError(path, getattr(obj, "key_lines", {}).get("metadata"),
                                                    "metadata must be a mapping", NAME))
                    continue
                resource = to_resource(obj, path)
                if resource is None:
                    result.errors.append(ParseError(path, getattr(obj, "line", None),
                                                    "object without apiVersion and kind", NAME))
                else:
                    result.resources.append(resource)
        return result


def to_resource(obj: Any, path: str | None, origin: Origin | None = None, source: str = "iac") -> Resource | None:
    """A Resource for one Kubernetes object; also used by the live collector."""
    if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
        return None
    kind = str(obj["kind"])
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", "<unnamed>"))
    namespace = None if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    address = f"{namespace}/{kind}/{name}" if namespace else f"{kind}/{name}"
    origin = origin or Origin(path, getattr(obj, "line", None), getattr(obj, "end_line", None))
    return Resource("kubernetes", kind, address, origin, obj, format=NAME, source=source)


def _problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc).strip()


LOADER = KubernetesLoader()
