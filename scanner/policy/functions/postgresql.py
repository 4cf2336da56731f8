"""PostgreSQL settings checks: every setting a source writes, compared by value in PostgreSQL's units."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scanner.mappings.postgresql import (
    SettingValue,
    built_in_default,
    read_setting,
)
from scanner.model import Status, Unresolved
from scanner.policy.check import SKIP, EvalContext, Outcome, resolve_value
from scanner.policy.functions import register


def _same(have: SettingValue, need: SettingValue) -> bool:
    if not (isinstance(have.key, tuple) and isinstance(need.key, tuple)) or have.key[0] != need.key[0]:
        return False
    if isinstance(have.key[1], float) and isinstance(need.key[1], float):
        return math.isclose(have.key[1], need.key[1], rel_tol=1e-9, abs_tol=1e-12)
    return bool(have.key[1] == need.key[1])


@register("postgresql_settings")
def postgresql_settings(ctx: EvalContext, facts: Mapping[str, Any], args: Mapping[str, Any]) -> Outcome:
    """Each required setting the source writes must equal the guide's value.

    A source that sets none of the policy's settings is not judged by it (a migration that tunes work_mem says
    nothing about checkpoints); one that sets some is judged on those, and what it leaves out is unknown
    (postgresql.conf, the parameter group's defaults or the server decide it: never a pass on half the
    settings); a complete postgresql.conf (``pg_complete``) is judged on the built-in default of what it
    leaves out. ``args.settings`` maps setting names to required values.
    """
    settings = facts.get("pg_settings")
    if not isinstance(settings, Mapping):
        return Outcome(SKIP)
    required = {name: resolve_value(value, ctx.params) for name, value in args["settings"].items()}
    lines: Mapping[str, int] = getattr(settings, "key_lines", {})
    good: list[tuple[str, SettingValue, SettingValue]] = []
    bad: list[tuple[str, SettingValue, SettingValue, str]] = []
    unknown: list[tuple[str, Unresolved]] = []
    complete = facts.get("pg_complete")  # a whole postgresql.conf: what it leaves out runs at the default
    pending = facts.get("pg_pending_restart") or ()
    defaulted: set[str] = set()
    unset: list[str] = []  # left out of a partial source
    for name, want in required.items():
        if name not in settings:
            if isinstance(complete, Unresolved):
                unknown.append((name, Unresolved(f"{name} not set", complete.reason)))
                continue
            default = built_in_default(name, settings) if complete is True else None
            if default is None:
                if complete is True:
                    unknown.append((name, Unresolved(f"{name} not set", "its built-in default depends on the "
                                                     "server version")))
                elif not facts.get("pg_one_setting"):
                    unset.append(name)
                continue
            raw: Any = default
            defaulted.add(name)
        else:
            raw = settings[name]
        need = read_setting(name, want)
        if isinstance(raw, Unresolved):
            unknown.append((name, raw))
            continue
        have = read_setting(name, raw)
        if name in defaulted:
            have = SettingValue(have.key, f"{have.text} (not set: the built-in default)", have.error)
        if name in pending:  # a running server: what runs is judged, and the change waiting for a restart is said
            have = SettingValue(have.key, f"{have.text} (pending restart: a changed value applies after a restart)",
                                have.error)
        if have.error or not _same(have, need):
            bad.append((name, have, need, have.error))
        else:
            good.append((name, have, need))
    if bad:
        first = bad[0][0]
        message = "; ".join(f"{n} = {h.text}, required {r.text}" + (f" ({e})" if e else "") for n, h, r, e in bad)
        observed: Any = bad[0][1].text if len(bad) == 1 else {n: h.text for n, h, _, _ in bad}
        expected: Any = bad[0][2].text if len(bad) == 1 else {n: r.text for n, _, r, _ in bad}
        # the fix: these settings at the guide's values, written by the settings writer of the tables
        return Outcome(Status.VIOLATES, f"pg_settings.{first}", observed, expected, message, op="postgresql_settings",
                       line=lines.get(first), wanted=[(n, required[n]) for n, _, _, _ in bad])
    if unknown:
        name, value = unknown[0]
        return Outcome(Status.UNKNOWN, f"pg_settings.{name}", value.expression, read_setting(name, required[name]).text,
                       f"{name} = {value.expression}: {value.reason}", line=lines.get(name))
    if not good:
        return Outcome(SKIP)
    if unset:
        name = unset[0]
        return Outcome(Status.UNKNOWN, f"pg_settings.{name}", None, read_setting(name, required[name]).text,
                       f"{', '.join(unset)} not set here: what the server's configuration sets decides "
                       f"({', '.join(f'{n} = {h.text}' for n, h, _ in good)} as required)", line=lines.get(good[0][0]))
    return Outcome(Status.COMPLIES, "pg_settings", ", ".join(f"{n} = {h.text}" for n, h, _ in good),
                   ", ".join(f"{n} = {r.text}" for n, _, r in good), line=lines.get(good[0][0]))
