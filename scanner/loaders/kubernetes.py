"""Kubernetes manifests: multi-document YAML or JSON (and ``List`` objects), one Resource per object.

A document is a manifest object when it has ``apiVersion`` and ``kind``, as the API server requires.
A file none of whose documents is one (a configuration file that happens to name both keys) is not
a manifest: it is noted, not reported as malformed. Kustomize's own files (a Kustomization, a
strategic-merge patch with ``$patch`` directives) describe changes to manifests, not objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.lines import LineDict
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.documents import json_document, yaml_documents
from scanner.loaders.not_infrastructure import KUSTOMIZATION, KUSTOMIZE_PATCH, LOCAL_CONFIG
from scanner.model import Origin, Resource
from scanner.regex import lazy_compile

NAME = "kubernetes"
# Top-level keys: at the start of a line, or in a flow mapping (`{"apiVersion": "v1", ...}` is YAML too).
_SNIFF_API = lazy_compile(r"(?:^|[{,])[ \t]*[\"']?apiVersion[\"']?[ \t]*:", re.M)
_SNIFF_KIND = lazy_compile(r"(?:^|[{,])[ \t]*[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?[A-Z]", re.M)
# JSON: keys with string values (a JSON schema names them as properties with object values).
_JSON_API = lazy_compile(r"\"apiVersion\"\s*:\s*\"")
_JSON_KIND = lazy_compile(r"\"kind\"\s*:\s*\"[A-Z]")
_PATCH_DIRECTIVES = ("$patch", "$setElementOrder/", "$retainKeys", "$deleteFromPrimitiveList/")
KUSTOMIZE_GROUP = "kustomize.config.k8s.io/"
NOT_A_MANIFEST = "not a Kubernetes manifest (no document has a Kubernetes apiVersion and a kind)"
# What an API server serves: `v1`, `apps/v1`, `example.com/v1beta1` (a DNS-like group, then a version).
_GROUP_VERSION = lazy_compile(r"(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "CustomResourceDefinition", "ClusterIssuer", "Node", "PriorityClass", "IngressClass"}


@loader("kubernetes", order=20)
class KubernetesLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        suffix = path.suffix.lower()
        # every pattern below holds "apiVersion": a find rules out most files before the regexes' scans
        if suffix not in (".json", ".yaml", ".yml") or "apiVersion" not in head:
            return False
        json_keys = bool(_JSON_API.search(head)) and bool(_JSON_KIND.search(head))
        if suffix == ".json":
            return json_keys
        return suffix in (".yaml", ".yml") and (json_keys or (bool(_SNIFF_API.search(head))
                                                              and bool(_SNIFF_KIND.search(head))))

    def load(self, path: str, text: str) -> LoadResult:
        if text.lstrip().startswith(("{", "[")):
            document, error = json_document(path, text, NAME)
            documents = [] if document is None else [document]
        else:
            documents, error = yaml_documents(path, text, NAME)
        if error is not None:
            return LoadResult(errors=[error])
        result = LoadResult()
        with_directives = any(directive in text for directive in _PATCH_DIRECTIVES)
        other: list[Any] = []  # mappings that are no manifest object
        skipped_as = None
        for doc in documents:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                result.errors.append(ParseError(path, getattr(doc, "line", None),
                                                "a manifest document must be a mapping", NAME))
                continue
            if str(doc.get("apiVersion", "")).startswith(KUSTOMIZE_GROUP):
                skipped_as = KUSTOMIZATION
            elif with_directives and _has_patch_directive(doc):
                skipped_as = KUSTOMIZE_PATCH
            elif _local_config(doc):
                skipped_as = skipped_as or LOCAL_CONFIG
            elif ("apiVersion" not in doc and "kind" not in doc) or not _served(doc):
                other.append(doc)
            else:
                for obj in _objects(doc):
                    metadata = obj.get("metadata") if isinstance(obj, dict) else None
                    if metadata is not None and not isinstance(metadata, dict):  # the API server rejects it too
                        result.errors.append(ParseError(path, getattr(obj, "key_lines", {}).get("metadata"),
                                                        "metadata must be a mapping", NAME))
                        continue
                    resource = to_resource(obj, path)
                    if resource is None:
                        result.errors.append(ParseError(path, getattr(obj, "line", None), _missing(obj), NAME))
                    else:
                        result.resources.append(resource)
                        if resource.type == "ConfigMap":
                            _embedded_configs(obj, path, resource.address, text, result)
        if result.resources or result.errors:
            # Among manifests, a document without apiVersion and kind is one kubectl rejects.
            result.errors.extend(ParseError(path, getattr(doc, "line", None), _missing(doc), NAME) for doc in other)
        elif skipped_as or other:
            result.not_infrastructure[path] = skipped_as or NOT_A_MANIFEST
        return result


# A YAML block scalar's header at the end of its key's line: its text starts on the next line, one line each.
_BLOCK_SCALAR = lazy_compile(r":[ \t]*[|>][-+0-9]*[ \t]*(#.*)?$")


def _embedded_configs(obj: Mapping[str, Any], path: str, address: str, text: str, result: LoadResult) -> None:
    """The server configuration files a ConfigMap holds, to be mounted into the server's pod (a redis.conf, a
    postgresql.conf: a data key the file's loader claims by its name and content), read as those files would
    be, addressed under the ConfigMap (``default/ConfigMap/redis/redis.conf``), their lines the manifest's."""
    from scanner.loaders.postgresql import PostgresqlConfLoader
    from scanner.loaders.redis_conf import RedisConfLoader

    data = obj.get("data")
    if not isinstance(data, dict):
        return
    lines: list[str] | None = None
    for key, value in data.items():
        if not isinstance(value, str) or "\n" not in value.strip():
            continue
        reader = next((r for r in (RedisConfLoader(), PostgresqlConfLoader()) if r.claims(Path(str(key)), value)),
                      None)
        if reader is None:
            continue
        key_line = int(getattr(data, "key_lines", {}).get(key) or getattr(obj, "line", None) or 1)
        if lines is None:
            lines = text.split("\n")
        # A block scalar (``redis.conf: |``) starts on the next line; a quoted value is placed at its key's line.
        first = key_line + 1 if key_line <= len(lines) and _BLOCK_SCALAR.search(lines[key_line - 1]) else key_line
        loaded = reader.load(path, "\n" * (first - 1) + value)
        result.errors.extend(loaded.errors)
        result.resources.extend(replace(r, address=f"{address}/{key}", origin=Origin(path, first, r.origin.end_line))
                                for r in loaded.resources)


def _objects(doc: Any) -> Iterator[Any]:
    """The objects of a document: itself, or the items of a List.

    A typed list (``PodList``, as the API returns it) may omit its items' apiVersion and kind;
    they are the list's own, without the ``List`` suffix.
    """
    kind = str(doc.get("kind", ""))
    items = doc.get("items")
    if not kind.endswith("List") or "items" not in doc or not isinstance(items, list | None):
        yield doc  # not a list, or a malformed one the schema check reports
        return
    item_kind = kind[: -len("List")]
    for item in items or ():
        if item_kind and isinstance(item, dict) and "kind" not in item and "apiVersion" not in item:
            for key, value in (("apiVersion", doc.get("apiVersion")), ("kind", item_kind)):
                if isinstance(item, LineDict):
                    item.put(key, value, item.line)
                else:
                    item[key] = value
        yield item


def _local_config(doc: Mapping[str, Any]) -> bool:
    """An object kpt and kustomize never apply (``config.kubernetes.io/local-config: "true"``): blueprint metadata,
    function configurations. It describes the package, it is no cluster object."""
    metadata = doc.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    flag = annotations.get("config.kubernetes.io/local-config") if isinstance(annotations, Mapping) else None
    return str(flag).lower() == "true"


def _served(doc: Mapping[str, Any]) -> bool:
    """Whether an API server could serve the document's apiVersion (an absent one is another error)."""
    version = doc.get("apiVersion")
    return version is None or (isinstance(version, str) and bool(_GROUP_VERSION.fullmatch(version)))


def _missing(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "a List item that is not a mapping"
    absent = [key for key in ("apiVersion", "kind") if key not in obj]
    if not absent and not _served(obj):
        return (f"apiVersion {obj['apiVersion']} is not a Kubernetes group/version "
                "(v1, apps/v1, example.com/v1beta1)")
    return f"object without {' and '.join(absent)}" if absent else "object without apiVersion and kind"


def _has_patch_directive(node: Any, depth: int = 0) -> bool:
    """Whether a strategic-merge patch directive (``$patch: delete``...) occurs anywhere in ``node``."""
    if depth > 64:
        return False
    if isinstance(node, dict):
        return any(str(key).startswith(_PATCH_DIRECTIVES) or _has_patch_directive(value, depth + 1)
                   for key, value in node.items())
    if isinstance(node, list):
        return any(_has_patch_directive(item, depth + 1) for item in node)
    return False


def to_resource(obj: Any, path: str | None, origin: Origin | None = None, source: str = "iac") -> Resource | None:
    """A Resource for one Kubernetes object; also used by the live collector."""
    if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
        return None
    kind = str(obj["kind"])
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    name = str(metadata.get("name", "<unnamed>"))
    namespace = None if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    address = f"{namespace}/{kind}/{name}" if namespace else f"{kind}/{name}"
    origin = origin or Origin(path, getattr(obj, "line", None), getattr(obj, "end_line", None))
    return Resource("kubernetes", kind, address, origin, obj, format=NAME, source=source)
