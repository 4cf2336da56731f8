"""Transforms for container images built from Dockerfiles (``container_image.yaml``)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from scanner.mappings import MISSING, transform
from scanner.model import Resource
from scanner.regex import lazy_compile

_VERSION = lazy_compile(r"^v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class ImageReference:
    """A container image reference (Dockerfile ``FROM``), split as Docker reads it."""

    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        """``[registry[:port]/]path[:tag][@digest]``; a ``:`` before the last ``/`` is a registry port."""
        name, _, digest = text.partition("@")
        slash = name.rfind("/")
        colon = name.rfind(":")
        if colon > slash:
            return cls(name[:colon], name[colon + 1:], digest or None)
        return cls(name, None, digest or None)

    def version_parts(self) -> int:
        """Numeric components the tag starts with: ``20-alpine`` 1, ``20.11.1-alpine`` 3, ``jammy`` 0."""
        match = _VERSION.match(self.tag or "")
        return len(match.group(1).split(".")) if match else 0


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
    reference = ImageReference.parse(image)
    if reference.tag and _NONROOT_TAG.search(reference.tag):
        return "nonroot"
    name = reference.repository
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
