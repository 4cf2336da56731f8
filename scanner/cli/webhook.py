"""The nightly summary POSTed to a chat webhook (Slack-compatible JSON: ``{"text": ..., "blocks": [...]}``).

Sent after the report files are written, so a slow or dead webhook never holds them back. One POST with a
timeout; a 5xx or 429 answer is retried a few times, waiting what ``Retry-After`` asks when that is within a small
bound. A failure is a warning (and ``webhook.json`` beside the reports says what happened), never the end of the
run. The URL is a credential (Slack's carries its token in the path, others a user and password): only its
scheme and host are ever printed or written.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from scanner.history.records import Changes, FindingRow, RunRecord

TIMEOUT_S = 10.0
ATTEMPTS = 3
MAX_WAIT_S = 10.0  # the longest Retry-After honoured; a server asking for more is not retried
_LISTED = 10  # findings named per list in the message
WEBHOOK_FILE = "webhook.json"


def masked(url: str) -> str:
    """``url`` as it may be shown: scheme and host only (no user, password, path, query: any may be the token)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "***"
    if not parts.scheme or not host:
        return "***"
    return f"{parts.scheme}://{host}{port}/***"


def _slack(text: str) -> str:
    """Text in Slack mrkdwn: its three control characters escaped (so a value cannot mention or link)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _listed(title: str, rows: tuple[FindingRow, ...]) -> list[dict[str, Any]]:
    if not rows:
        return []
    lines = [f"• [{f.severity}] {f.policy} {f.resource}" + (f" {f.fact}" if f.fact else "") for f in rows[:_LISTED]]
    if len(rows) > _LISTED:
        lines.append(f"… and {len(rows) - _LISTED} more")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": _slack(f"*{title} ({len(rows)})*\n" + "\n".join(
        lines))[:2900]}}]  # a section's text is at most 3,000 characters


def payload(run: RunRecord, changes: Changes, where: str = "") -> dict[str, Any]:
    """The summary of ``run`` as Slack-compatible JSON; ``where``: the report's path, named in the message."""
    from scanner.reporters.html import headline

    n = headline(run, changes)
    title = f"specdrift nightly: {run.scope} ({run.started_at[:10]})"
    figures = (f"{n['new']} new, {n['fixed']} fixed, {n['open']} open, {n['accepted']} accepted, "
               f"{n['unknown']} unknown, {n['drift']} drift items")
    down = [s for s in run.sources if not s.up]
    text = f"{title}: {figures}" + (f"; {len(down)} source(s) failed" if down else "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack(figures)}}]
    blocks += _listed("New", changes.new) + _listed("Fixed", changes.fixed)
    if down:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack(
            "*Sources that failed*\n" + "\n".join(f"• {s.name}: {s.reason}" for s in down[:_LISTED]))[:2900]}})
    context = f"run {run.id}" + (f", compared with run {changes.previous}" if changes.previous else "")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _slack(
        context + (f" · report: {where}" if where else ""))}]})
    return {"text": _slack(text), "blocks": blocks}


@dataclass(frozen=True)
class Outcome:
    """What became of the POST: what ``webhook.json`` records (the URL masked)."""

    url: str
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # a redirected POST would be re-sent as a GET without its body, somewhere the configuration did not name
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait before the next attempt: the server's ``Retry-After`` (seconds or a date), else 1, 2, 4 s."""
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return float(2 ** (attempt - 1))


def post(url: str, body: dict[str, Any], *, timeout: float = TIMEOUT_S, attempts: int = ATTEMPTS,
         max_wait: float = MAX_WAIT_S, sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """POST ``body`` as JSON to ``url``; retried on 5xx and 429 (``attempts`` in all). Never raises."""
    shown = masked(url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(shown, False, 0, error="not an http(s) URL")
    headers = {"Content-Type": "application/json", "User-Agent": "specdrift-nightly"}
    if parts.username is not None:  # user:password@ in the URL: sent as Basic auth, never as part of the address
        user = urllib.parse.unquote(parts.username)
        secret = urllib.parse.unquote(parts.password or "")
        headers["Authorization"] = "Basic " + b64encode(f"{user}:{secret}".encode()).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    data = json.dumps(body).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    status: int | None = None
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with opener.open(request, timeout=timeout) as answer:
                return Outcome(shown, True, attempt, answer.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            retry = exc.code == 429 or exc.code >= 500
            error = f"HTTP {exc.code}"
            wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None, attempt)
            exc.close()
        except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, timed out, bad TLS, bad address
            reason = getattr(exc, "reason", exc)
            # a timed-out POST may have been delivered: not sent again (a chat would show it twice)
            return Outcome(shown, False, attempt, status, _without(f"{type(reason).__name__}: {reason}", url))
        if not retry or attempt == attempts:
            return Outcome(shown, False, attempt, status, error)
        if wait > max_wait:
            return Outcome(shown, False, attempt, status, f"{error}; the server asked to retry after {wait:.0f} s, "
                                                          f"more than {max_wait:.0f} s")
        sleep(wait)
    return Outcome(shown, False, attempts, status, "no attempt made")


def _without(text: str, url: str) -> str:
    """An error message with the URL (and its path, which may be the token) replaced by its masked form."""
    parts = urllib.parse.urlsplit(url)
    for secret in (url, parts.path, parts.query):
        if secret and secret != "/":
            text = text.replace(secret, masked(url))
    return text


def webhook_url(setting: str | dict[str, Any]) -> tuple[str, float]:
    """The URL and timeout a configuration's ``webhook`` names (a URL, or ``{url | url_env, timeout}``)."""
    if isinstance(setting, str):
        return setting, TIMEOUT_S
    url = setting.get("url") or os.environ.get(str(setting.get("url_env", "")), "")
    return str(url), float(setting.get("timeout", TIMEOUT_S))


def notify(setting: str | dict[str, Any], run: RunRecord, changes: Changes, where: str = "") -> Outcome:
    """Send the summary where ``setting`` says; an empty or unset URL is a failure saying so."""
    url, timeout = webhook_url(setting)
    if not url:
        env = setting.get("url_env") if isinstance(setting, dict) else None
        return Outcome("***", False, 0, error=f"no webhook URL (environment variable {env} is empty or unset)"
                       if env else "no webhook URL")
    return post(url, payload(run, changes, where), timeout=timeout)


def as_json(outcome: Outcome) -> str:
    return json.dumps(asdict(outcome), indent=1) + "\n"


def send_and_record(setting: str | dict[str, Any], folder: Path, run: RunRecord, changes: Changes) -> Outcome:
    """``notify``, then ``webhook.json`` in ``folder`` says what happened; a failure is a warning on stderr."""
    from scanner.nightly import HTML_FILE, write_atomically

    outcome = notify(setting, run, changes, str(folder / HTML_FILE))
    write_atomically(folder / WEBHOOK_FILE, as_json(outcome))
    if outcome.ok:
        print(f"specdrift: summary sent to {outcome.url}", file=sys.stderr)
    else:
        print(f"specdrift: warning: the webhook {outcome.url} failed after {outcome.attempts} attempt(s): "
              f"{outcome.error} (recorded in {folder / WEBHOOK_FILE})", file=sys.stderr)
    return outcome
