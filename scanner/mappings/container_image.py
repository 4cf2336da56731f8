"""Transforms for container images built from Dockerfiles (``container_image.yaml``)."""

from __future__ import annotations

import posixpath
from typing import Any

from scanner.mappings import MISSING, transform
from scanner.model import Resource
from scanner.regex import lazy_compile


@transform("dockerfile_stage_count")
def dockerfile_stage_count(_: Any, resource: Resource) -> int:
    stages = resource.attributes.get("stages")
    return len(stages) if isinstance(stages, list) else 1


# Base images whose own configuration runs them as a non-root user: distroless images tagged nonroot (user nonroot,
# UID 65532) and NGINX's unprivileged image (UID 101). A final stage without USER runs as that user.
_NONROOT_TAG = lazy_compile(r"(?:^|[-_.])nonroot(?:$|[-_.])")
_NONROOT_IMAGES = {"nginxinc/nginx-unprivileged": "101"}


@transform("dockerfile_user")
def dockerfile_user(_: Any, resource: Resource) -> Any:
    """``USER name[:group]`` -> the user part, as Docker resolves it (a name or a numeric UID); without USER, the
    user of a base image known to run as a non-root user (absent otherwise: the image's user, root for most)."""
    value = resource.attributes.get("USER")
    if isinstance(value, str):
        return value.strip().split(":", 1)[0]
    if value is None:
        image = resource.attributes.get("image")
        found = _base_image_user(image) if isinstance(image, str) else None
        return MISSING if found is None else found
    return value


def _base_image_user(image: str) -> str | None:
    """The non-root user ``image`` runs as by its own configuration, when it is one known to (None otherwise)."""
    reference = image.split("@", 1)[0]
    name, _, tag = reference.rpartition(":") if ":" in reference.rsplit("/", 1)[-1] else (reference, "", "")
    if tag and _NONROOT_TAG.search(tag):
        return "nonroot"
    path = name.split("/", 1)[1] if "." in name.split("/", 1)[0] and "/" in name else name
    return _NONROOT_IMAGES.get(path)


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
