"""Files that look like infrastructure but are not: CI workflows, Helm charts, kustomize and compose files.

They are YAML or JSON, some quote a manifest (a workflow's ``run:`` script piping one to kubectl) or
are one with gaps (a Helm template, a strategic-merge patch), so content sniffing alone would hand
them to a structural loader that then reports them as malformed. They are recognised first, by name,
place and a little content; no structural loader reads them, the scan notes them once, and they are
still searched for literal secrets (the plaintext loader may claim them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from scanner.regex import lazy_compile

HELM_TEMPLATE = "a Helm chart template"
TEMPLATE = "a template that is not valid YAML or JSON until rendered"
KUSTOMIZATION = "a kustomization file"
KUSTOMIZE_PATCH = "a kustomize patch"
LOCAL_CONFIG = "local configuration (config.kubernetes.io/local-config), never applied to a cluster"

_NAMES = {
    ".gitlab-ci.yml": "a GitLab CI configuration",
    ".travis.yml": "a Travis CI configuration",
    "azure-pipelines.yml": "an Azure Pipelines definition",
    "azure-pipelines.yaml": "an Azure Pipelines definition",
    "bitbucket-pipelines.yml": "a Bitbucket Pipelines definition",
    "action.yml": "a GitHub Action definition",
    "action.yaml": "a GitHub Action definition",
    ".pre-commit-config.yaml": "a pre-commit configuration",
    ".pre-commit-config.yml": "a pre-commit configuration",
    ".pre-commit-hooks.yaml": "pre-commit hook definitions",
    "chart.yaml": "Helm chart metadata",
    "chart.lock": "Helm chart metadata",
    "values.schema.json": "a Helm values schema",
    "kustomization.yaml": KUSTOMIZATION,
    "kustomization.yml": KUSTOMIZATION,
    "kustomization": KUSTOMIZATION,
}
_CI_DIRS = {".circleci": "a CircleCI configuration", ".gitlab": "a GitLab CI configuration",
            ".buildkite": "a Buildkite pipeline", ".azure-pipelines": "an Azure Pipelines definition"}
_COMPOSE = lazy_compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$", re.I)
_HELM_VALUES = lazy_compile(r"^values(?:[.-][\w.-]+)?\.ya?ml$", re.I)
_STRUCTURED = (".yaml", ".yml", ".json")
# Go template actions that only Helm gives meaning to (its built-in objects and functions); an Argo
# `{{inputs.parameters.x}}`, a Prometheus `{{ $labels.instance }}` or an Alertmanager `{{ template "x" . }}`
# inside a string is data, not Helm.
_HELM_ACTION = lazy_compile(r"\{\{-?\s*(?:[^{}\n]*?\.(?:Values|Release|Chart|Capabilities|Files)\b"
                            r"|(?:include|toYaml|tpl)\s)")
# Template syntax of any kind (Go text/template, Helm, Jinja `{{ name | filter }}`, `{% if %}`): text that is
# not YAML until rendered. Prometheus' `{{ $labels.x }}` and `{{ $value }}` are alert text, and CloudFormation's
# `{{resolve:ssm:x}}` a dynamic reference: neither makes a file a template.
_TEMPLATE_SYNTAX = lazy_compile(r"\{\{-?\s*(?:\.|\$(?!labels\b|value\b|externalLabels\b|externalURL\b)"
                                r"|(?:if|else|end|range|with|include|define|template|toYaml|tpl|printf|quote|default"
                                r"|required)\b|[A-Za-z_][\w.]*\s*(?:\|[^{}\n]*)?-?\}\})|\{%-?\s*\w")
# Go template actions (not Jinja's `{{ name }}`, which Argo's `{{inputs.parameters.x}}` looks like).
_GO_TEMPLATE = lazy_compile(r"\{\{-|\{\{\s*(?:\.|\$(?!labels\b|value\b|externalLabels\b|externalURL\b)"
                            r"|(?:if|else|end|range|with|include|define|template|toYaml|tpl)\b)")
_OPENAPI = lazy_compile(r"^(?:openapi|swagger)\s*:|\A\s*\{[^{}]{0,200}?\"(?:openapi|swagger)\"\s*:", re.M)
_JSON_SCHEMA = lazy_compile(r"\"\$schema\"\s*:\s*\"https?://json-schema\.org/|^\$schema\s*:\s*[\"']?https?://json-schema",
                            re.M)


def what_is(path: Path, head: str) -> str | None:
    """What ``path`` is when it is a file that is not infrastructure (a phrase for the note), else None."""
    name = path.name.lower()
    known = _NAMES.get(name)
    if known is not None:
        return known
    if path.suffix.lower() not in _STRUCTURED:
        return None
    parts = [part.lower() for part in path.parts[:-1]]
    if len(parts) >= 2 and parts[-1] == "workflows" and parts[-2] in (".github", ".gitea", ".forgejo"):
        return "a GitHub Actions workflow"
    if ".github" in parts:
        return "GitHub configuration"
    ci = next((_CI_DIRS[part] for part in parts if part in _CI_DIRS), None)
    if ci is not None:
        return ci
    if _COMPOSE.match(name):
        return "a Docker Compose file"
    if _HELM_VALUES.match(name):
        return "Helm values"
    if "{{" in head and (_HELM_ACTION.search(head) or ("templates" in parts and _GO_TEMPLATE.search(head))):
        return HELM_TEMPLATE
    if ("openapi" in head or "swagger" in head) and _OPENAPI.search(head):
        return "an OpenAPI document"
    if "json-schema.org" in head and _JSON_SCHEMA.search(head):
        return "a JSON schema"
    return None


def is_template(text: str) -> bool:
    """Whether ``text`` holds template syntax (``{{ .Values.x }}``, ``{% if %}``): a parser failing on it
    met a template, not a malformed file."""
    return ("{{" in text or "{%" in text) and bool(_TEMPLATE_SYNTAX.search(text))


def hint(what: str) -> str:
    """What to do to have such a file judged, when something can be done."""
    if what == HELM_TEMPLATE:
        return "render with `helm template` and scan the output"
    if what == TEMPLATE:
        return "render and scan the output"
    if what in (KUSTOMIZATION, KUSTOMIZE_PATCH):
        return "run `kustomize build` and scan the output"
    return ""


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_PATCH_KEYS = ("patches", "patchesStrategicMerge", "patchesJson6902", "patchesJSON6902")


def kustomize_patches(files: Iterable[Path]) -> set[str]:
    """The files (normalised absolute paths) that kustomizations beside or above ``files`` name as patches.

    A patch in an overlay is a fragment of an object (no selector, no image): judged as a manifest, it
    would fail every check. The kustomization that names it says what it is; the kustomizations of
    the files' directories and their parents are read (a named patch's kustomization may not be named).
    """
    parents = {os.path.dirname(str(file)) for file in files if file.suffix.lower() in _STRUCTURED}
    directories: set[str] = set()
    for parent in map(os.path.abspath, parents):
        directories.update((parent, os.path.dirname(parent)))
    patches: set[str] = set()
    for directory in directories:
        for name in KUSTOMIZATION_NAMES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                patches.update(_named_patches(path))
                break
    return patches


def _named_patches(path: str) -> tuple[str, ...]:
    import yaml

    from scanner.loaders import decode

    try:
        with open(path, "rb") as handle:
            data = yaml.load(decode(handle.read()), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return ()
    if not isinstance(data, dict):
        return ()
    base = os.path.dirname(path)
    out = []
    for key in _PATCH_KEYS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else ():
            ref = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and ref.strip() and "\n" not in ref and "://" not in ref:  # not an inline patch
                out.append(os.path.normpath(os.path.join(base, ref.strip())))
    return tuple(out)
