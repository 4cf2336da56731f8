"""The nightly webhook against a local HTTP server on 127.0.0.1: delivered, a 500 retried, a timeout and a 404
recorded as failures; the URL's user, password and token never shown; the report files written whatever happens."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scanner.cli.webhook import masked, payload, post
from scanner.history import FindingRow, RunRecord, SourceRow, changes_between
from tests.conftest import ROOT, run_cli

TOKEN = "T0KEN-xoxb-9f3k2"


class Hook:
    """A webhook receiver: answers each POST with the next planned (status, delay, headers); keeps what came."""

    def __init__(self, plan: list[tuple[int, float, dict[str, str]]]) -> None:
        self.plan = list(plan)
        self.received: list[tuple[str, dict[str, str], Any, float]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append((self.path, dict(self.headers), json.loads(body), time.monotonic()))
                status, delay, headers = hook.plan.pop(0) if hook.plan else (200, 0.0, {})
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the client gave up (the timeout case)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}/services/{TOKEN}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(request: pytest.FixtureRequest) -> Iterator[Hook]:
    server = Hook(getattr(request, "param", []))
    yield server
    server.close()


def night() -> tuple[RunRecord, Any]:
    before = RunRecord("nightly", "prod", "2026-12-05T02:00:00+00:00", 1.0, "0.1", "p",
                       [FindingRow("gone", "ME-DB-01", ("ME-DB-01",), "high", "violates", "db.a", "m")])
    before.id = 1
    run = RunRecord("nightly", "prod", "2026-12-06T02:00:00+00:00", 1.0, "0.1", "p",
                    [FindingRow("n", "ME-DB-02", ("ME-DB-02",), "critical", "violates", "<@channel> db.b", "m")],
                    [SourceRow("aws", False, "AccessDenied <!here>")])
    run.id = 2
    return run, changes_between(run, before)


def test_the_summary_is_slack_json_with_the_headline_and_no_mention() -> None:
    run, changes = night()
    body = payload(run, changes, "reports/2026-12-06/report.html")
    assert body["text"].startswith("specdrift nightly: prod (2026-12-06): 1 new, 1 fixed, 1 open")
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "section", "section", "section", "context"]
    text = json.dumps(body)
    assert "<@channel>" not in text and "<!here>" not in text and "&lt;@channel&gt;" in text  # no ping, no link
    assert "report.html" in body["blocks"][-1]["elements"][0]["text"]


@pytest.mark.parametrize("hook", [[(200, 0.0, {})]], indirect=True)
def test_delivered_once_with_basic_auth_from_the_url_and_nothing_secret_shown(hook: Hook) -> None:
    run, changes = night()
    outcome = post(hook.url("bot:s3cret-pw@"), payload(run, changes))
    assert outcome.ok and outcome.attempts == 1 and outcome.status == 200
    [(path, headers, body, _)] = hook.received
    assert path == f"/services/{TOKEN}" and headers["Authorization"] == "Basic Ym90OnMzY3JldC1wdw=="
    assert body["text"].startswith("specdrift nightly: prod")
    assert outcome.url == f"http://127.0.0.1:{hook.port}/***"
    assert TOKEN not in repr(outcome) and "s3cret" not in repr(outcome)


@pytest.mark.parametrize("hook", [[(500, 0.0, {}), (429, 0.0, {"Retry-After": "1"}), (200, 0.0, {})]], indirect=True)
def test_a_500_and_a_429_are_retried_honouring_retry_after(hook: Hook) -> None:
    run, changes = night()
    waits: list[float] = []
    outcome = post(hook.url(), payload(run, changes), sleep=waits.append)
    assert outcome.ok and outcome.attempts == 3 and len(hook.received) == 3
    assert waits == [1.0, 1.0]  # 1 s back-off after the 500, the server's Retry-After: 1 after the 429


@pytest.mark.parametrize("hook", [[(503, 0.0, {"Retry-After": "3600"})]], indirect=True)
def test_a_retry_after_beyond_the_bound_is_not_waited_for(hook: Hook) -> None:
    run, changes = night()
    started = time.monotonic()
    outcome = post(hook.url(), payload(run, changes), max_wait=5)
    assert not outcome.ok and outcome.status == 503 and len(hook.received) == 1
    assert "retry after 3600 s" in outcome.error and time.monotonic() - started < 5


@pytest.mark.parametrize("hook", [[(200, 5.0, {})]], indirect=True)
def test_a_timeout_is_a_failure_and_is_not_sent_twice(hook: Hook) -> None:
    run, changes = night()
    started = time.monotonic()
    outcome = post(hook.url(), payload(run, changes), timeout=0.5)
    assert not outcome.ok and outcome.attempts == 1 and "timed out" in outcome.error
    assert time.monotonic() - started < 4 and len(hook.received) == 1
    assert TOKEN not in outcome.error


@pytest.mark.parametrize("hook", [[(404, 0.0, {}), (200, 0.0, {})]], indirect=True)
def test_a_404_is_not_retried(hook: Hook) -> None:
    run, changes = night()
    outcome = post(hook.url(), payload(run, changes))
    assert not outcome.ok and outcome.status == 404 and outcome.attempts == 1 and len(hook.received) == 1


def test_a_url_is_masked_to_its_scheme_and_host() -> None:
    assert masked(f"https://u:p@hooks.example.com:8443/services/{TOKEN}?token=x") == "https://hooks.example.com:8443/***"
    assert masked("hooks.example.com/services/T") == "***"
    assert not post("file:///etc/passwd", {}).ok


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("hook", [[(404, 0.0, {})]], indirect=True)
def test_nightly_writes_its_reports_and_records_a_failed_webhook_without_failing(hook: Hook, tmp_path: Path) -> None:
    # the one source is down (nothing listens on the port): the run still has a report to send
    config = tmp_path / "nightly.yaml"
    config.write_text(f"iac: [{ROOT / 'examples/marketing-engine/redis'}]\nscope: hook-night\nsources:\n"
                      f"  - {{name: redis, options: {{redis: ['redis://127.0.0.1:{_closed_port()}'], timeout: 1}}}}\n"
                      f"store: {tmp_path / 'h.db'}\noutput_dir: {tmp_path}\n")
    without = run_cli("nightly", "--config", str(config))
    assert without.returncode == 1, without.stderr  # the down source's checks are unknown, the drift fails
    with config.open("a") as out:
        out.write("webhook: {url_env: NIGHTLY_HOOK, timeout: 2}\n")
    done = run_cli("nightly", "--config", str(config), env={"NIGHTLY_HOOK": hook.url("bot:s3cret-pw@")})
    assert done.returncode == without.returncode  # a failed webhook is a warning, not another outcome
    [folder] = (tmp_path / "reports").iterdir()
    assert {p.name for p in folder.iterdir()} == {"report.json", "summary.md", "specdrift.prom", "report.html",
                                                  "webhook.json"}
    recorded = json.loads((folder / "webhook.json").read_text())
    assert recorded == {"url": f"http://127.0.0.1:{hook.port}/***", "ok": False, "attempts": 1, "status": 404,
                        "error": "HTTP 404"}
    assert "warning: the webhook" in done.stderr and "HTTP 404" in done.stderr
    for secret in (TOKEN, "s3cret"):
        assert secret not in done.stderr + done.stdout + "".join(p.read_text() for p in folder.iterdir())
    unset = run_cli("nightly", "--config", str(config), env={"NIGHTLY_HOOK": ""})
    assert unset.returncode == without.returncode and "NIGHTLY_HOOK is empty or unset" in unset.stderr
    # --webhook names another receiver on the command line: delivered there
    ok = Hook([(200, 0.0, {})])
    try:
        again = run_cli("nightly", "--config", str(config), "--webhook", ok.url())
    finally:
        ok.close()
    assert "summary sent to" in again.stderr and len(ok.received) == 1
    assert json.loads((folder / "webhook.json").read_text())["ok"] is True
