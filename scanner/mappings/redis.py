"""Transforms for Redis facts (``redis.yaml``): redis.conf and the managed Redis services."""

from __future__ import annotations

from typing import Any

from scanner.coerce import listed, whole
from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.transforms import to_bool
from scanner.model import Resource, Unresolved


@transform("redis_conf_auth_enabled")
def redis_conf_auth_enabled(_: Any, resource: Resource) -> Any:
    """Clients must authenticate: requirepass set (a ${VAR} reference counts), or ACL users with passwords."""
    attributes = resource.attributes
    password = attributes.get("requirepass")
    if isinstance(password, Unresolved) or (isinstance(password, str) and password != ""):
        return True
    users = listed(attributes.get("user"), "user")
    if isinstance(users, Unresolved):
        return users
    for user in users:
        words = [w for w in (user if isinstance(user, list) else [user]) if isinstance(w, str)]
        if words and words[0] == "default":
            return any(w.startswith((">", "#")) for w in words[1:]) and "nopass" not in words
    if "aclfile" in attributes:
        return Unresolved(f"aclfile {attributes['aclfile']}", "users and passwords are defined in the ACL file")
    return False


@transform("redis_conf_secret_literal")
def redis_conf_secret_literal(_: Any, resource: Resource) -> bool:
    """The password is written in the file (a ``${VAR}`` placeholder is a reference, not a literal)."""
    password = resource.attributes.get("requirepass")
    return isinstance(password, str) and password != ""


@transform("redis_bind_addresses")
def redis_bind_addresses(value: Any, _: Resource) -> Any:
    """``bind`` addresses without the ``-`` that marks an optional one."""
    if isinstance(value, Unresolved):
        return value
    words = value if isinstance(value, list) else [value]
    return [w[1:] if isinstance(w, str) and w.startswith("-") else w for w in words]


@transform("redis_save_points")
def redis_save_points(value: Any, _: Resource) -> Any:
    """``save`` lines as ``[seconds, changes]`` pairs in order; ``save ""`` (snapshots off) gives ``[]``."""
    points: list[Any] = []
    for occurrence in value if isinstance(value, list) else [value]:
        words = list(occurrence) if isinstance(occurrence, list) else [occurrence]
        if any(isinstance(w, Unresolved) for w in words):
            return next(w for w in words if isinstance(w, Unresolved))
        if words == [""]:
            points = []  # save "" clears every point set before it
            continue
        written = " ".join(map(str, words))
        if len(words) % 2:
            return Unresolved(f"save {written}", "save takes pairs of <seconds> <changes>")
        numbers = [whole(w, "a save point") for w in words]
        if any(isinstance(n, Unresolved) for n in numbers):
            return Unresolved(f"save {written}", "save takes integer <seconds> <changes> pairs")
        points.extend([numbers[i], numbers[i + 1]] for i in range(0, len(numbers), 2))
    return points


# Directives Redis 7.0 introduced: older servers refuse to start on them ("Bad directive"), so a file that
# sets one runs on 7.0+, whose built-in save schedule is 3600 1 / 300 100 / 60 10000.
_REDIS_7_DIRECTIVES = frozenset((
    "appenddirname", "aof-timestamp-enabled", "repl-diskless-sync-max-replicas", "enable-protected-configs",
    "enable-debug-command", "enable-module-command", "latency-tracking", "latency-tracking-info-percentiles",
    "shutdown-timeout", "shutdown-on-sigint", "shutdown-on-sigterm", "maxmemory-clients",
    "hash-max-listpack-entries", "hash-max-listpack-value", "zset-max-listpack-entries",
    "zset-max-listpack-value", "list-max-listpack-size", "cluster-allow-pubsubshard-when-down",
))
_REDIS_7_SAVE = [[3600, 1], [300, 100], [60, 10000]]


@transform("redis_conf_save")
def redis_conf_save(_: Any, resource: Resource) -> Any:
    """The save points; without a save line, Redis 7's built-in schedule when the file needs Redis 7.0+
    (None otherwise: the built-in schedule differs by version)."""
    if "save" in resource.attributes:
        return redis_save_points(resource.attributes["save"], resource)
    return _REDIS_7_SAVE if _REDIS_7_DIRECTIVES.intersection(resource.attributes) else None


def _secret_is_literal(value: Any) -> bool:
    """A literal token in the IaC, not a reference (NoEcho parameter, variable, dynamic reference)."""
    if isinstance(value, str):
        return value != "" and "{{resolve:" not in value
    return False  # Unresolved or an intrinsic function: a reference


def _elasticache_token(resource: Resource) -> Any:
    key = "auth_token" if resource.format == "terraform" else "AuthToken"
    return resource.attributes.get(key)


@transform("elasticache_auth_enabled")
def elasticache_auth_enabled(_: Any, resource: Resource) -> bool:
    """An AuthToken is set (a NoEcho parameter or variable counts: it is set at deploy time), or RBAC user
    groups are attached: their users authenticate with passwords or IAM (ElastiCache RBAC replaces AUTH)."""
    token = _elasticache_token(resource)
    if token is not None and token != "":
        return True
    groups = resource.attributes.get("user_group_ids" if resource.format == "terraform" else "UserGroupIds")
    return isinstance(groups, Unresolved) or (isinstance(groups, (list, tuple)) and len(groups) > 0)


@transform("elasticache_token_literal")
def elasticache_token_literal(_: Any, resource: Resource) -> bool:
    return _secret_is_literal(_elasticache_token(resource))


def _native(resource: Resource, terraform: str, cloudformation: str) -> Any:
    return resource.attributes.get(terraform if resource.format == "terraform" else cloudformation)


@transform("elasticache_serverless_auth_enabled")
def elasticache_serverless_auth_enabled(_: Any, resource: Resource) -> Any:
    """A serverless cache authenticates its clients only through an RBAC user group (absent for memcached)."""
    engine = _native(resource, "engine", "Engine")
    if isinstance(engine, str) and engine.lower() == "memcached":
        return MISSING
    group = _native(resource, "user_group_id", "UserGroupId")
    return isinstance(group, Unresolved) or (isinstance(group, str) and group != "")


def _user_modes(resource: Resource) -> list[Any]:
    """An ElastiCache user's authentication mode(s): Terraform's ``authentication_mode`` blocks, CloudFormation's
    ``AuthenticationMode`` object (an Unresolved stands for itself)."""
    mode = _native(resource, "authentication_mode", "AuthenticationMode")
    if mode is None:
        return []
    return mode if isinstance(mode, list) else [mode]


@transform("elasticache_user_password_required")
def elasticache_user_password_required(_: Any, resource: Resource) -> Any:
    """False when a client may be this user without a password (``no_password_required``, or the
    ``no-password-required`` authentication mode); True for a password or IAM user."""
    flag = _native(resource, "no_password_required", "NoPasswordRequired")
    if isinstance(flag, Unresolved):
        return flag
    if to_bool(flag, resource) is True:
        return False
    for mode in _user_modes(resource):
        kind = mode.get("type" if resource.format == "terraform" else "Type") if isinstance(mode, dict) else mode
        if isinstance(kind, Unresolved):
            return kind
        if isinstance(kind, str) and kind.lower() == "no-password-required":
            return False
    return True


@transform("elasticache_user_secret_literal")
def elasticache_user_secret_literal(_: Any, resource: Resource) -> bool:
    """One of the user's passwords is written in the file (not a variable, parameter or secret reference)."""
    key = "passwords" if resource.format == "terraform" else "Passwords"
    lists = [resource.attributes.get(key)] + [m.get(key) for m in _user_modes(resource) if isinstance(m, dict)]
    return any(_secret_is_literal(password) for passwords in lists if isinstance(passwords, list)
               for password in passwords)


@transform("elasticache_replicas")
def elasticache_replicas(_: Any, resource: Resource) -> Any:
    """Replicas per shard: ReplicasPerNodeGroup, else NumCacheClusters minus the primary."""
    for per_group, clusters in (("ReplicasPerNodeGroup", "NumCacheClusters"),
                                ("replicas_per_node_group", "num_cache_clusters")):
        replicas = resource.attributes.get(per_group)
        if replicas is not None:
            return whole(replicas, per_group)
        count = whole(resource.attributes.get(clusters), clusters) if clusters in resource.attributes else None
        if isinstance(count, Unresolved):
            return count
        if count is not None:
            return count - 1
    return 0  # a single node: neither replicas per node group nor more than one cache cluster


_ELASTICACHE_DEFAULTS = {"maxmemory-policy": "volatile-lru"}


def _elasticache_parameter(resource: Resource, name: str) -> Any:
    """A parameter group's value for ``name``: as set, else the family default; MISSING for memcached."""
    family = resource.attributes.get("family" if resource.format == "terraform" else "CacheParameterGroupFamily")
    if isinstance(family, str) and family.lower().startswith("memcached"):
        return MISSING
    if resource.format == "terraform":
        blocks = listed(resource.attributes.get("parameter"), "parameter")
        if isinstance(blocks, Unresolved):
            return blocks
        for block in blocks:
            if isinstance(block, dict) and block.get("name") == name:
                return block.get("value")
    else:
        value = lookup(resource.attributes, ("Properties", name))
        if value is not MISSING:
            return value
    return _ELASTICACHE_DEFAULTS[name]


@transform("elasticache_maxmemory_policy")
def elasticache_maxmemory_policy(_: Any, resource: Resource) -> Any:
    value = _elasticache_parameter(resource, "maxmemory-policy")
    return value.lower() if isinstance(value, str) else value


@transform("elasticache_group_maxmemory_policy")
def elasticache_group_maxmemory_policy(_: Any, resource: Resource) -> Any:
    """A replication group on a default parameter group (none named, or ``default.*``) evicts with the
    family default; one on a group of its own is judged through that group (absent here)."""
    key = "parameter_group_name" if resource.format == "terraform" else "CacheParameterGroupName"
    engine = resource.attributes.get("engine" if resource.format == "terraform" else "Engine", "redis")
    if isinstance(engine, str) and engine.lower() == "memcached":
        return MISSING
    group = resource.attributes.get(key)
    if group is None or (isinstance(group, str) and group.lower().startswith("default.")):
        return _ELASTICACHE_DEFAULTS["maxmemory-policy"]
    return MISSING


@transform("memorystore_failover")
def memorystore_failover(_: Any, resource: Resource) -> Any:
    tier = resource.attributes.get("tier", "BASIC")
    return tier if isinstance(tier, Unresolved) else str(tier).upper() == "STANDARD_HA"


@transform("memorystore_replicas")
def memorystore_replicas(_: Any, resource: Resource) -> Any:
    """replica_count when set; STANDARD_HA keeps one replica by default, BASIC none."""
    count = resource.attributes.get("replica_count")
    if count is not None:
        return whole(count, "replica_count")
    failover = memorystore_failover(None, resource)
    return failover if isinstance(failover, Unresolved) else (1 if failover else 0)


# rdb_snapshot_period values of both Memorystore resources, in seconds.
_MEMORYSTORE_PERIODS = {"ONE_HOUR": 3600, "SIX_HOURS": 21600, "TWELVE_HOURS": 43200, "TWENTY_FOUR_HOURS": 86400}


def _memorystore_persistence(resource: Resource) -> tuple[Any, Any]:
    """(mode, the block) of persistence_config; mode DISABLED when the block is absent (the API default)."""
    config = lookup(resource.attributes, ("persistence_config",))
    if isinstance(config, Unresolved):
        return config, config
    if not isinstance(config, dict):
        return "DISABLED", {}
    mode = config.get("mode" if resource.type == "google_redis_cluster" else "persistence_mode")
    if isinstance(mode, Unresolved):
        return mode, config
    mode = str(mode or "DISABLED").upper()
    return ("DISABLED" if mode in ("PERSISTENCE_MODE_UNSPECIFIED", "DISABLED") else mode), config


@transform("memorystore_save_points")
def memorystore_save_points(_: Any, resource: Resource) -> Any:
    """RDB persistence as redis.conf save points: a snapshot every rdb_snapshot_period when anything changed
    (``[[seconds, 1]]``, 24 hours when the period is not set); ``[]`` without RDB persistence."""
    mode, config = _memorystore_persistence(resource)
    if isinstance(mode, Unresolved):
        return mode
    if mode != "RDB":
        return []
    period = lookup(config, ("rdb_config", "rdb_snapshot_period") if resource.type == "google_redis_cluster"
                    else ("rdb_snapshot_period",))
    if isinstance(period, Unresolved):
        return period
    seconds = _MEMORYSTORE_PERIODS.get(str(period or "TWENTY_FOUR_HOURS").upper())
    if seconds is None:
        return Unresolved(f"rdb_snapshot_period = {period}", "not a snapshot period Memorystore accepts")
    return [[seconds, 1]]


@transform("memorystore_appendonly")
def memorystore_appendonly(_: Any, resource: Resource) -> Any:
    mode, _config = _memorystore_persistence(resource)
    return mode if isinstance(mode, Unresolved) else mode == "AOF"


@transform("memorystore_appendfsync")
def memorystore_appendfsync(_: Any, resource: Resource) -> Any:
    """aof_config.append_fsync in redis.conf's spelling (EVERYSEC -> everysec), everysec when not set;
    absent without AOF persistence (there is no file to fsync)."""
    mode, config = _memorystore_persistence(resource)
    if isinstance(mode, Unresolved) or mode != "AOF":
        return mode if isinstance(mode, Unresolved) else MISSING
    fsync = lookup(config, ("aof_config", "append_fsync"))
    if isinstance(fsync, Unresolved):
        return fsync
    return str(fsync or "EVERYSEC").lower()


@transform("memorystore_cluster_auth_enabled")
def memorystore_cluster_auth_enabled(_: Any, resource: Resource) -> Any:
    """IAM authentication is the cluster's only client authentication; AUTH_MODE_DISABLED by default."""
    mode = resource.attributes.get("authorization_mode")
    if isinstance(mode, Unresolved):
        return mode
    return str(mode or "AUTH_MODE_DISABLED").upper() == "AUTH_MODE_IAM_AUTH"


@transform("memorystore_cluster_mode")
def memorystore_cluster_mode(_: Any, __: Resource) -> bool:
    """A Memorystore for Redis Cluster always runs Redis in cluster mode."""
    return True


@transform("memorystore_cluster_failover")
def memorystore_cluster_failover(_: Any, resource: Resource) -> Any:
    """A shard fails over automatically to one of its replicas, so only with replica_count >= 1 (default 0)."""
    count = whole(resource.attributes.get("replica_count") or 0, "replica_count")
    return count if isinstance(count, Unresolved) else count >= 1


def _azure_sku(resource: Resource) -> Any:
    if resource.format == "terraform":
        return resource.attributes.get("sku_name", "Basic")
    return lookup(resource.attributes, ("properties", "sku", "name"))


@transform("azure_redis_failover")
def azure_redis_failover(_: Any, resource: Resource) -> Any:
    sku = _azure_sku(resource)
    if isinstance(sku, Unresolved):
        return sku
    return isinstance(sku, str) and sku.lower() in ("standard", "premium")


@transform("azure_redis_replicas")
def azure_redis_replicas(_: Any, resource: Resource) -> Any:
    """replicasPerMaster (Premium); Standard keeps one replica, Basic none."""
    keys = ("replicas_per_master", "replicas_per_primary") if resource.format == "terraform" else ()
    values = [resource.attributes.get(k) for k in keys] + [
        lookup(resource.attributes, ("properties", k)) for k in ("replicasPerMaster", "replicasPerPrimary")
        if resource.format != "terraform"]
    for value in values:
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, (int, str)) and str(value).isdigit():
            return int(value)
    failover = azure_redis_failover(None, resource)
    return failover if isinstance(failover, Unresolved) else (1 if failover else 0)


@transform("azure_redis_auth_enabled")
def azure_redis_auth_enabled(_: Any, resource: Resource) -> Any:
    """Access keys are required unless ``authnotrequired`` is "true"."""
    value = lookup(resource.attributes, ("properties", "redisConfiguration", "authnotrequired"))
    if isinstance(value, Unresolved):
        return value
    flag = to_bool(value, resource) if isinstance(value, (str, bool)) else False
    return flag is not True


@transform("azure_redis_save_points")
def azure_redis_save_points(_: Any, resource: Resource) -> Any:
    """Azure RDB persistence as redis.conf save points: one snapshot every ``rdb-backup-frequency``
    minutes when anything changed (``[[minutes * 60, 1]]``); ``[]`` when RDB persistence is off (the default)."""
    if resource.format == "terraform":
        config = lookup(resource.attributes, ("redis_configuration",))
        enabled_key, frequency_key = "rdb_backup_enabled", "rdb_backup_frequency"
    else:
        config = lookup(resource.attributes, ("properties", "redisConfiguration"))
        enabled_key, frequency_key = "rdb-backup-enabled", "rdb-backup-frequency"
    if isinstance(config, Unresolved):
        return config
    if not isinstance(config, dict):
        return []
    enabled = to_bool(config.get(enabled_key, False), resource)
    if isinstance(enabled, Unresolved):
        return enabled
    if enabled is not True:
        return []
    frequency = config.get(frequency_key)
    if isinstance(frequency, Unresolved):
        return frequency
    if frequency is None or not str(frequency).isdigit():
        return Unresolved(f"{frequency_key} = {frequency}", "RDB persistence is on but its frequency is not a number "
                          "of minutes")
    return [[int(frequency) * 60, 1]]
