"""Redis checks YAML cannot say: RDB snapshot points cover the guide's schedule; the users of an ElastiCache
RBAC user group authenticate, with passwords not written in the files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register
from scanner.policy.resource_index import index_for
from scanner.policy.topology import line_in

CONFIG_FILE = "redis_config_file"  # the kind of Redis's own configuration file (mappings/redis.yaml)


def _pairs(points: Any) -> list[tuple[int, int]]:
    """``["900 1", ...]`` or ``[[900, 1], ...]`` as (seconds, changes) pairs."""
    pairs = []
    for point in points:
        seconds, changes = (point.split() if isinstance(point, str) else point)
        pairs.append((int(seconds), int(changes)))
    return pairs


@register("redis_save_points")
def redis_save_points(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Every required point (S seconds, C changes) is covered by a configured point at least as eager.

    A configured ``save s c`` with s <= S and c <= C snapshots at least as often as the guide's
    point, so extra or tighter points comply; a missing or looser one violates.
    """
    fact = "redis_save"
    required = _pairs(resolve_value(args["required"], ctx.params))
    expected = " / ".join(f"save {s} {c}" for s, c in required)
    if fact not in facts:
        if CONFIG_FILE not in ctx.resource.kinds:  # a managed service: its table gives the default it has
            return Outcome(SKIP)
        return Outcome(Status.UNKNOWN, fact, None, expected, "no save directive: Redis uses its built-in snapshot "
                       "schedule, which differs by version (7.0+: 3600 1 300 100 60 10000)")
    configured = facts[fact]
    if isinstance(configured, Unresolved):
        return Outcome(Status.UNKNOWN, fact, configured.expression, expected, configured.reason)
    points = _pairs(configured)
    observed = " / ".join(f"save {s} {c}" for s, c in points) or 'save "" (snapshots off)'
    missing = [(s, c) for s, c in required if not any(ps <= s and pc <= c for ps, pc in points)]
    if not missing:
        return Outcome(Status.COMPLIES, fact, observed, expected)
    if not points:
        message = "RDB snapshots are turned off (save \"\")"
    else:
        message = "no snapshot point covers " + ", ".join(f"save {s} {c}" for s, c in missing)
    return Outcome(Status.VIOLATES, fact, observed, expected, message, op="redis_save_points",
                   wanted=[f"{s} {c}" for s, c in required])


@register("elasticache_rbac_users")
def elasticache_rbac_users(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """The users of the cache's RBAC user groups (those the files declare) need a password or IAM to connect,
    and no password of theirs is written in the files. Skipped without a declared group or user: the cache's
    own facts (a user group is attached) are the verdict then."""
    groups = facts.get("redis_user_groups")
    if groups is None:
        return Outcome(SKIP)
    resource = ctx.resource
    index = index_for(ctx.resources)
    users = [(group, user) for _, group in index.targets(groups, resource) if group is not None
             for _, user in index.users_of(group) if user is not None]
    open_users = [(g, u) for g, u in users if u.facts.get("redis_password_required") is False]
    if open_users:
        group, user = open_users[0]
        names = ", ".join(u.address for _, u in open_users)
        return Outcome(Status.VIOLATES, "redis_auth_enabled", False, "authentication required",
                       f"user group {group.address} has users that need no password ({names}): clients connect "
                       "without authenticating", line=line_in(resource, user))
    literal = [u for _, u in users if u.facts.get("redis_secret_literal") is True]
    if literal:
        return Outcome(Status.VIOLATES, "redis_secret_literal", True,
                       "a password reference (${VAR}, NoEcho parameter, secret)",
                       f"the password of RBAC user {literal[0].address} is written in the file (value not shown)",
                       line=line_in(resource, literal[0]))
    for _, user in users:
        required = user.facts.get("redis_password_required")
        if isinstance(required, Unresolved):
            return Outcome(Status.UNKNOWN, "redis_auth_enabled", required.expression, "authentication required",
                           f"whether RBAC user {user.address} needs a password cannot be told: {required.expression}: "
                           f"{required.reason}")
    return Outcome(SKIP)
