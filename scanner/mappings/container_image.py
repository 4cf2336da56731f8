"""Transforms for container images built from Dockerfiles (``container_image.yaml``)."""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.mappings import transform
from scanner.model import Resource


@transform("dockerfile_stage_count")
def dockerfile_stage_count(_: Any, resource: Resource) -> int:
    stages = resource.attributes.get("stages")
    return len(stages) if isinstance(stages, list) else 1


@transform("dockerfile_user")
def dockerfile_user(value: Any, _: Resource) -> Any:
    """``USER name[:group]`` -> the user part, as Docker resolves it (a name or a numeric UID)."""
    if isinstance(value, str):
        return value.strip().split(":", 1)[0]
    return value


@transform("entrypoint_program")
def entrypoint_program(value: Any, _: Resource) -> Any:
    """The basename of the program an ENTRYPOINT starts as PID 1 (``/usr/bin/env X`` starts X)."""
    if isinstance(value, list):
        words = [w for w in value if isinstance(w, str)]
        if words and posixpath.basename(words[0]) == "env" and len(words) > 1:
            words = words[1:]
        return posixpath.basename(words[0]) if words else None
    if isinstance(value, str):
        return "/bin/sh (shell-form ENTRYPOINT)"
    return value
