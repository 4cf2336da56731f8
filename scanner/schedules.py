"""Cron schedules: the longest gap between two runs, so "hourly" can be compared with an RPO.

Standard five-field cron (minute hour day-of-month month day-of-week) with lists, ranges,
steps, month and weekday names, and the ``@hourly``-style macros. Day-of-month and
day-of-week follow cron's rule: when both are restricted, a day matching either runs.
Extensions (``L``, ``W``, ``#``, ``?``, seconds fields) are not understood and give ``None``.
"""

from __future__ import annotations

import datetime as dt
import itertools

from scanner.regex import lazy_compile

_MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES = {3: {m: i for i, m in enumerate(_MONTHS, 1)}, 4: {d: i for i, d in enumerate(_WEEKDAYS)}}
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_ITEM = lazy_compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(\d+))?$")
# Four years from a Monday cover every weekday/month-day combination and a leap day.
_START = dt.date(2024, 1, 1)
_DAYS = 4 * 366


def _value(text: str, field: int) -> int:
    if text.isdigit():
        return int(text)
    names = _NAMES.get(field, {})
    if text[:3] in names and len(text) == 3:
        return names[text[:3]]
    raise ValueError(text)


def _field(text: str, field: int) -> set[int] | None:
    """The values a field allows; None for ``*`` (everything)."""
    low, high = _BOUNDS[field]
    if text == "*":
        return None
    values: set[int] = set()
    for part in text.lower().split(","):
        match = _ITEM.match(part)
        if not match:
            raise ValueError(part)
        span, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            raise ValueError(part)
        if span == "*":
            start, end = low, high
        elif "-" in span:
            start, end = (_value(v, field) for v in span.split("-", 1))
        else:
            start = _value(span, field)
            end = high if match.group(2) else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ValueError(part)
        values.update(range(start, end + 1, step))
    if field == 4 and 7 in values:  # 7 is Sunday too
        values.add(0)
        values.discard(7)
    return values


def longest_gap(expression: str) -> dt.timedelta | None:
    """The longest time between two consecutive runs of ``expression``; None if it is not standard cron."""
    text = _MACROS.get(expression.strip().lower(), expression.strip())
    parts = text.split()
    if len(parts) != 5:
        return None
    try:
        minutes, hours, mdays, months, wdays = (_field(p, i) for i, p in enumerate(parts))
    except ValueError:
        return None
    times = sorted(h * 60 + m for h in (hours if hours is not None else range(24))
                   for m in (minutes if minutes is not None else range(60)))
    if not times:
        return None
    intra = max((b - a for a, b in itertools.pairwise(times)), default=0)
    first, last = times[0], times[-1]
    previous: int | None = None
    runs_seen = 0
    widest = intra
    for offset in range(_DAYS):
        day = _START + dt.timedelta(days=offset)
        if months is not None and day.month not in months:
            continue
        by_mday = mdays is None or day.day in mdays
        by_wday = wdays is None or (day.isoweekday() % 7) in wdays
        runs = (by_mday or by_wday) if (mdays is not None and wdays is not None) else (by_mday and by_wday)
        if not runs:
            continue
        if previous is not None:
            widest = max(widest, (offset - previous) * 1440 + first - last)
        previous = offset
        runs_seen += 1
    if previous is None:
        return None  # never runs (for example 30 February)
    if runs_seen == 1:
        return dt.timedelta(days=_DAYS)  # once in four years (29 February): at least that long
    return dt.timedelta(minutes=widest)
