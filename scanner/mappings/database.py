"""Transforms the database table names: engine family and major version, PITR, maintenance windows,
geo-redundant backups and where credentials come from (a label, never the secret itself)."""

from __future__ import annotations

import re
from typing import Any

from scanner.coerce import listed, whole
from scanner.lines import LineDict
from scanner.mappings import MISSING, lookup, transform
from scanner.mappings.transforms import k8s_containers, to_bool
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile

_FAMILIES = (("aurora-postgresql", "postgresql"), ("postgres", "postgresql"), ("aurora-mysql", "mysql"),
             ("mysql", "mysql"), ("mariadb", "mysql"), ("sqlserver", "sqlserver"), ("oracle", "oracle"),
             ("aurora", "mysql"))


@transform("engine_family")
def engine_family(value: Any, _: Resource) -> Any:
    """``aurora-postgresql``, ``postgres``, ``POSTGRES_15`` -> ``postgresql``; ``aurora`` is Aurora MySQL."""
    text = str(value).lower()
    for prefix, family in _FAMILIES:
        if text.startswith(prefix):
            return family
    return text


@transform("major_version")
def major_version(value: Any, _: Resource) -> Any:
    """``15.3`` / ``15`` / ``POSTGRES_15`` -> 15 (``9.6.x`` -> 9.6: majors before 10 had two parts)."""
    match = re.search(r"(\d+)(?:[._](\d+))?", str(value))
    if not match:
        return Unresolved(str(value), f"no version number in {value!r}")
    major = int(match.group(1))
    if major < 10 and match.group(2) is not None:
        return float(f"{major}.{match.group(2)}")
    return major


@transform("positive")
def positive(value: Any, _: Resource) -> Any:
    """Automated backups (and so point-in-time recovery) are on when retention is above zero."""
    days = whole(value, "backup retention")
    return days if isinstance(days, Unresolved) else days > 0


@transform("gcp_pitr")
def gcp_pitr(_: Any, resource: Resource) -> Any:
    backup = lookup(resource.attributes, ("settings", "backup_configuration"))
    if not isinstance(backup, dict):
        return False
    enabled = to_bool(backup.get("enabled", False), resource)
    pitr = to_bool(backup.get("point_in_time_recovery_enabled", False), resource)
    for value in (enabled, pitr):
        if isinstance(value, Unresolved):
            return value
    if enabled is True and pitr is not True and _is_mysql(resource):
        # MySQL's point-in-time recovery is binary logging ("(MySQL only) Whether binary log is enabled",
        # Cloud SQL Admin API BackupConfiguration); point_in_time_recovery_enabled is the other engines' switch.
        pitr = to_bool(backup.get("binary_log_enabled", False), resource)
        if isinstance(pitr, Unresolved):
            return pitr
    return enabled is True and pitr is True


def _is_mysql(resource: Resource) -> bool:
    version = resource.attributes.get("database_version")
    return isinstance(version, str) and version.upper().startswith("MYSQL")


@transform("gcp_backup_geo_redundant")
def gcp_backup_geo_redundant(_: Any, resource: Resource) -> Any:
    """Cloud SQL keeps backups in the multi-region nearest the instance unless ``location`` names a region;
    without ``backup_configuration { enabled = true }`` there are no automated backups to be anywhere."""
    backup = lookup(resource.attributes, ("settings", "backup_configuration"))
    enabled = to_bool(backup.get("enabled", False), resource) if isinstance(backup, dict) else False
    if isinstance(enabled, Unresolved):
        return enabled
    if enabled is not True:
        return False
    location = lookup(resource.attributes, ("settings", "backup_configuration", "location"))
    if isinstance(location, Unresolved):
        return location
    if not isinstance(location, str):
        return True
    return location.lower() in ("us", "eu", "asia")


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@transform("gcp_maintenance")
def gcp_maintenance(_: Any, resource: Resource) -> Any:
    """``day:HH:00`` of a Cloud SQL maintenance window (day 1 = Monday ... 7 = Sunday), else system-assigned."""
    window = lookup(resource.attributes, ("settings", "maintenance_window"))
    if not isinstance(window, dict) or "day" not in window:
        return "system-assigned"
    day, hour = whole(window["day"], "maintenance day"), whole(window.get("hour", 0), "maintenance hour")
    if isinstance(day, Unresolved):
        return day
    if isinstance(hour, Unresolved):
        return hour
    return f"{_DAYS[day % 7]}:{hour:02d}:00"


@transform("azure_maintenance")
def azure_maintenance(_: Any, resource: Resource) -> Any:
    """``day HH:MM`` of a custom maintenance window, ``system-managed`` without one."""
    if resource.format == "terraform":
        window = lookup(resource.attributes, ("maintenance_window",))
        if not isinstance(window, dict):
            return "system-managed"
        day, hour, minute = window.get("day_of_week", 0), window.get("start_hour", 0), window.get("start_minute", 0)
    else:
        window = lookup(resource.attributes, ("properties", "maintenanceWindow"))
        if not isinstance(window, dict) or str(window.get("customWindow", "Disabled")).lower() != "enabled":
            return "system-managed"
        day, hour, minute = window.get("dayOfWeek", 0), window.get("startHour", 0), window.get("startMinute", 0)
    numbers = [whole(day, "maintenance day"), whole(hour, "maintenance hour"), whole(minute, "maintenance minute")]
    written = [n for n in numbers if isinstance(n, int)]
    if len(written) < 3:
        return next(n for n in numbers if isinstance(n, Unresolved))
    return f"{_DAYS[written[0] % 7]}:{written[1]:02d}:{written[2]:02d}"


@transform("aws_window")
def aws_window(value: Any, _: Resource) -> Any:
    return value.lower().replace(" ", "") if isinstance(value, str) else value


# --- credentials ---------------------------------------------------------------------------

LITERAL = "literal value"
_SECRET_STORES = ("aws_secretsmanager_secret_version", "google_secret_manager_secret_version",
                  "azurerm_key_vault_secret", "ephemeral.", "vault_generic_secret", "vault_kv_secret")
_GENERATED = ("random_password.", "random_string.", "random_id.", "random_bytes.")  # made at apply time
# A password that is a variable, whole: bare, interpolated alone ("${var.x}"), or a conditional whose branches
# are each such a variable or null (local.is_replica ? null : var.password). No branch holds a literal.
_VAR_ONLY = r'(?:null|var\.[\w-]+|"\$\{var\.[\w-]+\}")'
_VARIABLE_PASSWORD = lazy_compile(rf"{_VAR_ONLY}|[^?\"]+\?\s*{_VAR_ONLY}\s*:\s*{_VAR_ONLY}")


def classify_secret(value: Any) -> Any:
    """Where a credential comes from, as a label; ``Unresolved`` when the files cannot tell."""
    if isinstance(value, Unresolved):
        reason, expr = value.reason.lower(), value.expression
        if "noecho" in reason:
            return "NoEcho parameter"
        if "secure" in reason:
            return "secure parameter"
        if "{{resolve:secretsmanager:" in expr or "{{resolve:ssm-secure:" in expr:
            return "secret reference"
        if any(s in expr for s in _SECRET_STORES):
            return "secret reference"
        if any(s in expr for s in _GENERATED):
            return "generated"
        if "no default" in reason and _VARIABLE_PASSWORD.fullmatch(expr.strip()):
            return "variable without a value in the files"
        if "has no default" in reason and expr.startswith("!Ref"):
            return "parameter without NoEcho"
        return Unresolved(expr, value.reason)
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return Unresolved(f"!Ref {value['Ref']}", f"{value['Ref']} is declared neither as a parameter nor as "
                              "a resource of this template")
        text = str(value)
        if "{{resolve:secretsmanager:" in text or "{{resolve:ssm-secure:" in text:
            return "secret reference"
        return Unresolved(text[:80], "a value computed at deployment")
    if isinstance(value, str):
        if value.startswith(("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")):
            return "secret reference"
        return LITERAL if value else MISSING
    if isinstance(value, (int, float)):
        return LITERAL
    return MISSING


_CREDENTIAL_PATHS = {
    "aws_db_instance": (("password", "password_wo"), "manage_master_user_password"),
    "aws_rds_cluster": (("master_password", "master_password_wo"), "manage_master_user_password"),
    "AWS::RDS::DBInstance": (("MasterUserPassword",), "ManageMasterUserPassword"),
    "AWS::RDS::DBCluster": (("MasterUserPassword",), "ManageMasterUserPassword"),
    "google_sql_user": (("password", "password_wo"), None),
    "azurerm_postgresql_flexible_server": (("administrator_password", "administrator_password_wo"), None),
    "Microsoft.DBforPostgreSQL/flexibleServers": (("properties.administratorLoginPassword",), None),
}


@transform("db_credentials")
def db_credentials(_: Any, resource: Resource) -> Any:
    keys, managed = _CREDENTIAL_PATHS.get(resource.type, ((), None))
    if managed and to_bool(resource.attributes.get(managed), resource) is True:
        return "managed by the database service"
    for key in keys:
        value = lookup(resource.attributes, tuple(key.split(".")))
        if value is not MISSING:
            return classify_secret(value)
    if resource.type == "azurerm_postgresql_flexible_server":
        auth = lookup(resource.attributes, ("authentication", "password_auth_enabled"))
        if to_bool(auth, resource) is False:
            return "Entra ID authentication only"
    return MISSING


_CREDENTIAL_ENV = lazy_compile(r"PASSWORD|PASSWD|(^|_)PWD$|(^|_)PASS$|DATABASE_URL|(^|_)DB_URL$|POSTGRES_URL|PG_?URL|"
                               r"CONNECTION_STRING|DSN$", re.I)
_URL_WITH_PASSWORD = lazy_compile(r"://[^/\s:@]+:[^/\s@]+@")


@transform("k8s_credential_env")
def k8s_credential_env(_: Any, resource: Resource) -> Any:
    """Database credentials in containers' environment: how each one is supplied (never its value)."""
    containers = k8s_containers(None, resource)
    if isinstance(containers, Unresolved):
        return containers
    found = []
    for container in containers:
        env_list = listed(container.get("env"), "env")
        if isinstance(env_list, Unresolved):
            return env_list
        for env in env_list:
            if not isinstance(env, dict) or not isinstance(env.get("name"), str):
                continue
            value = env.get("value")
            if not (_CREDENTIAL_ENV.search(env["name"]) or (isinstance(value, str)
                                                             and _URL_WITH_PASSWORD.search(value))):
                continue
            source = env.get("valueFrom") or {}
            if isinstance(source, dict) and "secretKeyRef" in source:
                label = "secretKeyRef"
            elif isinstance(source, dict) and "configMapKeyRef" in source:
                label = "configMapKeyRef (plain text)"
            elif isinstance(value, str) and re.fullmatch(r"(\$\([A-Za-z_][\w]*\))+", value):
                label = "composed from other variables"
            elif isinstance(value, str) and value:
                label = LITERAL
            else:
                continue
            item = LineDict({"container": container.get("name"), "variable": env["name"], "source": label})
            item.line = item.end_line = getattr(env, "line", 0)
            item.key_lines = {}
            found.append(item)
    return found


@transform("is_set")
def is_set(value: Any, _: Resource) -> Any:
    """The attribute is set (even to a reference the files leave unresolved)."""
    return isinstance(value, Unresolved) or value not in (None, "", False)


is_set.accepts_unresolved = True  # type: ignore[attr-defined]


@transform("rds_cluster_membership")
def rds_cluster_membership(_: Any, resource: Resource) -> Any:
    """The Aurora cluster an RDS DB instance belongs to: ``DBClusterIdentifier`` (``db_cluster_identifier``),
    or, for an aurora engine that names none, an unresolved cluster. Absent on a standalone
    instance, which is judged on its own settings."""
    named = resource.attributes.get("db_cluster_identifier" if resource.format == "terraform" else
                                    "DBClusterIdentifier")
    if named is not None and named != "":
        return named
    engine = resource.attributes.get("Engine" if resource.format != "terraform" else "engine")
    if isinstance(engine, str) and engine.lower().startswith("aurora"):
        return Unresolved(f"engine {engine}", "an Aurora DB instance is a member of a DB cluster, which holds its "
                          "backup, encryption and deletion-protection settings")
    return MISSING


@transform("rds_instance_public")
def rds_instance_public(_: Any, resource: Resource) -> Any:
    """PubliclyAccessible as set; left out, what the RDS API does (CreateDBInstance): with a DB subnet group,
    private unless the group is the one named ``default``; without one, private for an Aurora instance and
    public for any other. A group name that a parameter or expression gives may be ``default``: unknown."""
    attributes = resource.attributes
    if "PubliclyAccessible" in attributes:
        return to_bool(attributes["PubliclyAccessible"], resource)
    group = attributes.get("DBSubnetGroupName")
    if group is None or group == "":  # an Aurora instance (a cluster member) is private, any other public
        return rds_cluster_membership(None, resource) is MISSING
    if isinstance(group, str):
        return group.lower() == "default"
    if isinstance(group, dict) and "Ref" in group:  # a DB subnet group of the template: never named default
        return False
    return Unresolved(str(group.expression if isinstance(group, Unresolved) else group),
                      "PubliclyAccessible is left out and the DB subnet group may be the one named default (public)")


@transform("rds_cluster_public")
def rds_cluster_public(_: Any, resource: Resource) -> Any:
    """PubliclyAccessible as set; left out on a Multi-AZ DB cluster (a non-Aurora engine), what CreateDBCluster
    does: public without a DB subnet group, else private unless the group is the one named ``default`` (a DB
    subnet group the files declare never is: CreateDBSubnetGroup refuses that name). An Aurora cluster has no
    setting of its own (its instances carry it): absent."""
    terraform = resource.format == "terraform"
    value = resource.attributes.get("publicly_accessible" if terraform else "PubliclyAccessible")
    if value is not None:
        return to_bool(value, resource)
    engine = resource.attributes.get("engine" if terraform else "Engine")
    if not isinstance(engine, str) or engine.lower().startswith("aurora"):
        return MISSING  # Aurora, or an engine the files do not tell: judged through the instances
    group = resource.attributes.get("db_subnet_group_name" if terraform else "DBSubnetGroupName")
    if group is None or group == "":
        return True
    if isinstance(group, str):
        return group.lower() == "default"
    if isinstance(group, dict) and ("Ref" in group or "Fn::GetAtt" in group):  # a DB subnet group of the template
        return False
    if isinstance(group, Unresolved) and _DECLARED_SUBNET_GROUP.match(group.expression):
        return False
    return Unresolved(str(group.expression if isinstance(group, Unresolved) else group),
                      "publicly_accessible is left out and the DB subnet group may be the one named default (public)")


_DECLARED_SUBNET_GROUP = lazy_compile(r"(?:module\.[^.]+\.)*aws_db_subnet_group\.[\w-]+(?:\[[^\]]*\])?\.(?:name|id)$")


_COPIED_FROM = {"terraform": ("replicate_source_db", "snapshot_identifier", "restore_to_point_in_time",
                              "replication_source_identifier", "s3_import"),
                "cloudformation": ("SourceDBInstanceIdentifier", "DBSnapshotIdentifier", "SnapshotIdentifier",
                                   "SourceDBClusterIdentifier", "SourceDBInstanceAutomatedBackupsArn",
                                   "ReplicationSourceIdentifier", "RestoreType")}


@transform("rds_storage_encrypted")
def rds_storage_encrypted(_: Any, resource: Resource) -> Any:
    """StorageEncrypted as set; else false (the RDS default), except on an Aurora Serverless v1 cluster (always
    encrypted) and on a read replica or a restore, which is encrypted exactly when its source is
    (CreateDBInstanceReadReplica, RestoreDBClusterFromSnapshot)."""
    key = "storage_encrypted" if resource.format == "terraform" else "StorageEncrypted"
    value = resource.attributes.get(key)
    if value is not None:
        return to_bool(value, resource)
    mode = resource.attributes.get("engine_mode" if resource.format == "terraform" else "EngineMode")
    if isinstance(mode, str) and mode.lower() == "serverless":
        return True  # Aurora Serverless v1 clusters are always encrypted (the provider's default is true)
    for source in _COPIED_FROM.get(resource.format, ()):
        origin = resource.attributes.get(source)
        # an empty block list (plan JSON's `s3_import: []`) is no source
        if origin is not None and origin not in ("", [], {}) and origin is not False:
            shown = origin.expression if isinstance(origin, Unresolved) else origin
            return Unresolved(f"{source} = {shown}" if not isinstance(origin, (dict, list)) else source,
                              "a replica or restore is encrypted exactly when its source is")
    return None  # the default


@transform("replica_mode")
def replica_mode(value: Any, _: Resource) -> Any:
    return str(value).lower() == "replica"



@transform("backup_plan_copies")
def backup_plan_copies(_: Any, resource: Resource) -> Any:
    """An AWS Backup plan with a copy action on some rule (a copy to another Region's vault)."""
    rules = resource.attributes.get("rule") if resource.format == "terraform" else lookup(
        resource.attributes, ("BackupPlan", "BackupPlanRule"))
    key = "copy_action" if resource.format == "terraform" else "CopyActions"
    return any(isinstance(r, dict) and r.get(key) for r in (rules if isinstance(rules, list) else []))


@transform("diagnostic_log_categories")
def diagnostic_log_categories(_: Any, resource: Resource) -> Any:
    """Enabled log categories (or category groups such as allLogs) of a diagnostic setting."""
    if resource.format == "terraform":
        blocks = [*(resource.attributes.get("enabled_log") or []), *(resource.attributes.get("log") or [])]
        return [str(b.get("category") or b.get("category_group")) for b in blocks if isinstance(b, dict)
                and to_bool(b.get("enabled", True), resource) is not False]
    logs = lookup(resource.attributes, ("properties", "logs"))
    return [str(b.get("category") or b.get("categoryGroup")) for b in (logs if isinstance(logs, list) else [])
            if isinstance(b, dict) and to_bool(b.get("enabled", False), resource) is True]
