"""Every fix snippet the policy fixtures produce parses in its format and names the resource as written.

The fixtures of every policy (``pass/`` and ``fail/``, as ``test_policy_fixtures`` runs them) are judged, and
each violation's remediation snippet is parsed with its format's own parser: Terraform with the project's
tree-sitter HCL parser, CloudFormation, Kubernetes manifests, Prometheus and DR configuration as YAML
(CloudFormation tags included), ARM and Grafana as JSON, SQL with pglast (PostgreSQL's own parser), shell with
``bash -n``, ``kubectl`` commands with shlex (and their JSON patch as JSON), redis.conf, postgresql.conf,
Dockerfiles, nginx and k6 with the project's loaders. ``text`` remediations are prose, not parsed.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from scanner.loaders.base import LoadResult
from scanner.mappings import load_paths
from scanner.mappings.remediation import label, terraform_labels
from scanner.model import Resource, Status
from scanner.policy.engine import Engine
from scanner.policy.pack import load_policies
from tests.conftest import POLICIES

ALL = load_policies([POLICIES])


@dataclass(frozen=True)
class Snippet:
    policy: str
    file: str
    resource: Resource
    format: str
    text: str

    def __str__(self) -> str:
        return f"{self.policy} {self.file} {self.resource.address} ({self.format}):\n{self.text}"


@cache
def snippets() -> tuple[Snippet, ...]:
    found = []
    for policy in ALL:
        for sub in ("pass", "fail"):
            outcome = load_paths([policy.directory / sub], jobs=1)
            by_address = {(r.origin.file, r.address): r for r in outcome.resources}
            for finding in Engine([policy]).run(outcome.resources):
                if finding.status != Status.VIOLATES or finding.remediation is None:
                    continue
                resource = by_address.get((finding.file, finding.resource_address))
                if resource is not None:
                    found.append(Snippet(policy.id, Path(finding.file or "").name, resource,
                                         finding.remediation.format, finding.remediation.snippet))
    return tuple(found)


def _terraform(text: str) -> None:
    from scanner.loaders.hcl_tree import parse

    parse(text)


def _yaml(text: str) -> None:
    yaml.safe_load(text)


def _cloudformation(text: str) -> None:
    from scanner.loaders.yaml_lines import load_documents

    load_documents(text, cfn_tags=True)  # YAML with CloudFormation's !Ref / !GetAtt tags


def _shell(text: str) -> None:
    result = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def _kubernetes(text: str) -> None:
    if not text.startswith("kubectl "):
        _yaml(text)  # a manifest fragment
        return
    words = shlex.split(text, comments=True)
    assert words[0] == "kubectl"
    if "-p" in words:
        json.loads(words[words.index("-p") + 1])  # the patch itself


def _sql(text: str) -> None:
    import pglast

    pglast.parse_sql(text)


def _loader(name: str, file_name: str) -> Callable[[str], None]:
    def parse(text: str) -> None:
        from scanner.loaders import all_loaders

        loader = next(loader for loader in all_loaders() if loader.name == name)
        result: LoadResult = loader.load(file_name, text)
        assert not result.errors, result.errors

    return parse


def _dockerfile(text: str) -> None:
    # Instructions for the final stage are written to go after its FROM: parsed in a stage of their own.
    stage = text if re.match(r"\s*(#.*\n\s*)*(FROM|ARG)\b", text, re.I) else f"FROM scratch\n{text}"
    _loader("dockerfile", "Dockerfile")(stage)


PARSERS: dict[str, Callable[[str], None]] = {
    "terraform": _terraform,
    "cloudformation": _cloudformation,
    "kubernetes": _kubernetes,
    "prometheus": _yaml,
    "dr-config": _yaml,
    "arm": json.loads,
    "grafana": json.loads,
    "sql": _sql,
    "shell": _shell,
    "redis_conf": _loader("redis_conf", "redis.conf"),
    "postgresql_conf": _loader("postgresql_conf", "postgresql.conf"),
    "dockerfile": _dockerfile,
    "nginx": _loader("nginx", "nginx.conf"),
    "k6": _loader("k6", "load.js"),
}
PROSE = {"text", "plaintext"}  # a description, or a masked line: read by people, not parsed


def test_the_fixtures_produce_snippets_in_every_format() -> None:
    formats = {s.format for s in snippets()}
    assert formats <= set(PARSERS) | PROSE, formats - set(PARSERS) - PROSE
    assert {"terraform", "cloudformation", "arm", "kubernetes", "sql", "shell", "redis_conf"} <= formats


@pytest.mark.parametrize("fmt", sorted(PARSERS))
def test_every_snippet_parses_in_its_format(fmt: str) -> None:
    failed = []
    for snippet in snippets():
        if snippet.format != fmt:
            continue
        try:
            PARSERS[fmt](snippet.text)
        except Exception as exc:  # every failure is listed, not only the first
            failed.append(f"{snippet}\n  -> {type(exc).__name__}: {exc}")
    assert not failed, f"{len(failed)} {fmt} snippet(s) do not parse:\n\n" + "\n\n".join(failed[:15])


_TF_BLOCK = re.compile(r'^resource\s+"([^"]+)"\s+"([^"]+)"', re.M)


def test_terraform_snippets_name_the_resource_by_its_label() -> None:
    wrong = []
    for snippet in snippets():
        if snippet.format != "terraform" or snippet.resource.format != "terraform":
            continue
        rtype, name = terraform_labels(snippet.resource.address)
        parent = snippet.resource.facts.get("parent")
        if isinstance(parent, dict):  # an inline node pool is fixed in its parent's block
            rtype, name = terraform_labels(str(parent["address"]))
        for block_type, block_label in _TF_BLOCK.findall(snippet.text):
            if block_type == rtype and block_label != name:
                wrong.append(f"{snippet}\n  -> block label {block_label!r}, the resource is {rtype}.{name}")
        for referenced in re.findall(rf"\b{re.escape(rtype)}\.([A-Za-z_][\w-]*)", snippet.text):
            if referenced != name:
                wrong.append(f"{snippet}\n  -> refers to {rtype}.{referenced}, the resource is {rtype}.{name}")
    assert not wrong, "\n\n".join(wrong[:10])


def test_cloudformation_snippets_name_the_resource_by_its_logical_id() -> None:
    from scanner.loaders.yaml_lines import load_documents

    wrong = []
    for snippet in snippets():
        if snippet.format != "cloudformation" or snippet.resource.format != "cloudformation":
            continue
        documents = load_documents(snippet.text, cfn_tags=True)
        top = documents[0] if documents else None
        body = next(iter(top.values()), None) if isinstance(top, dict) and top else None
        # a fragment of the resource itself (Properties without a Type) is keyed by its logical ID
        if isinstance(body, dict) and "Properties" in body and "Type" not in body and \
                next(iter(top)) != label(snippet.resource):
            wrong.append(f"{snippet}\n  -> keyed {next(iter(top))!r}, the logical ID is {snippet.resource.address}")
    assert not wrong, "\n\n".join(wrong[:10])
