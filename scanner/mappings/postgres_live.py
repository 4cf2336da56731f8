"""Transforms of ``postgres_live.yaml``: a running server's pg_settings as the facts a postgresql.conf gives,
and the per-setting comparison drift uses between a file and the server."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.mappings import MISSING, transform
from scanner.mappings.postgresql import read_setting
from scanner.mappings.timescaledb import pg_interval
from scanner.model import Resource, Unresolved
from scanner.regex import lazy_compile

_BUCKET = lazy_compile(r"time_bucket\(\s*'([^']+)'(?:::interval)?", re.I)


def _settings(resource: Resource) -> Any:
    return resource.attributes.get("settings")


@transform("pg_settings_of_server")
def pg_settings_of_server(_: Any, resource: Resource) -> Any:
    """Setting -> its running value as SHOW spells it; empty when pg_settings could not be read (then
    ``pg_complete`` says why, and each required setting is unknown)."""
    settings = _settings(resource)
    if not isinstance(settings, Mapping):
        return {}
    return {name: row.get("value") for name, row in settings.items() if isinstance(row, Mapping)}


@transform("pg_server_complete")
def pg_server_complete(_: Any, resource: Resource) -> Any:
    """A server reports every setting: complete, unless pg_settings could not be read."""
    settings = _settings(resource)
    if isinstance(settings, Unresolved):
        return Unresolved(settings.expression, settings.reason)
    return True if isinstance(settings, Mapping) else MISSING


@transform("pg_pending_restart")
def pg_pending_restart(_: Any, resource: Resource) -> Any:
    """The settings whose new value (ALTER SYSTEM or the file, then a reload) waits for a restart."""
    settings = _settings(resource)
    if not isinstance(settings, Mapping):
        return MISSING
    return sorted(name for name, row in settings.items() if isinstance(row, Mapping) and row.get("pending_restart"))


@transform("ts_view_bucket_width")
def ts_view_bucket_width(_: Any, resource: Resource) -> Any:
    """A continuous aggregate's bucket width, from its view definition's ``time_bucket('01:00:00'::interval, ...)``."""
    definition = resource.attributes.get("view_definition")
    if not isinstance(definition, str):
        return MISSING
    found = _BUCKET.search(definition)
    return pg_interval(found.group(1), resource) if found else MISSING


@transform("pg_settings_entries")
def pg_settings_entries(declared: Any, live: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings a file writes that the server runs otherwise, compared in PostgreSQL's units (``1048576``
    pages of 8 kB and ``8GB`` are one value): (the file's entries, the server's). A setting the file writes but
    the server does not know stays in (its value is absent live); an unresolved one stays in (unknown)."""
    wanted: dict[str, Any] = {}
    actual: dict[str, Any] = {}
    for name, value in declared.items():
        have = live.get(name)
        if not isinstance(value, Unresolved) and have is not None:
            need, run = read_setting(name, value), read_setting(name, have)
            if not need.error and not run.error and need.key == run.key:
                continue
        wanted[name], actual[name] = value, have
    return wanted, actual
