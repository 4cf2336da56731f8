"""Checks on container image references (Dockerfile ``FROM``) that a regex alone says badly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.mappings.container_image import ImageReference
from scanner.model import Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.regex import lazy_compile

_DIGEST = lazy_compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,}$")


@register("image_pinned")
def image_pinned(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """A base image pinned by digest, or by a version tag with enough numeric parts and not a moving tag."""
    fact = "base_image"
    image = facts.get(fact)
    if image is None:
        return Outcome(SKIP)  # FROM an earlier stage or scratch: nothing is pulled
    min_parts = int(resolve_value(args.get("min_version_parts", 1), ctx.params))
    floating = {str(t).lower() for t in resolve_value(args.get("floating_tags", ["latest"]), ctx.params)}
    require_digest = bool(resolve_value(args.get("require_digest", False), ctx.params))
    expected = "a digest" if require_digest else (
        f"a version tag ({min_parts}+ numeric part{'s' if min_parts > 1 else ''}) or a digest")
    if isinstance(image, Unresolved):
        return Outcome(Status.UNKNOWN, fact, image.expression, expected, f"base image {image.expression}: "
                       f"{image.reason}")
    ref = ImageReference.parse(str(image))
    if ref.digest and _DIGEST.match(ref.digest):
        return Outcome(Status.COMPLIES, fact, image, expected)
    if require_digest:
        problem = "is not pinned by digest"
    elif ref.tag is None:
        problem = "has no tag, so it pulls whatever latest is at build time"
    elif ref.tag.lower() in floating:
        problem = f"uses the moving tag '{ref.tag}'"
    elif ref.version_parts() < min_parts:
        problem = (f"tag '{ref.tag}' carries {ref.version_parts() or 'no'} numeric version part(s); "
                   f"{min_parts} required")
    else:
        return Outcome(Status.COMPLIES, fact, image, expected)
    tag = ref.tag if ref.tag and ref.tag.lower() not in floating and ref.version_parts() >= min_parts \
        else "<version>"
    return Outcome(Status.VIOLATES, fact, image, expected, f"base image {image} {problem}", op="image_pinned",
                   wanted=f"{ref.repository}:{tag}@sha256:<digest>")
