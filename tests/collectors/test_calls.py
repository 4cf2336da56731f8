"""The provider-neutral call machinery: retries and Retry-After, the deadline, pagination, the read-only
guard, gaps as Unresolved, and the collector registry."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from scanner.collectors import COLLECTORS
from scanner.collectors.calls import (
    CallFailed,
    CallRunner,
    Deadline,
    ReadOnlyViolation,
    Record,
    RetryPolicy,
    Unit,
    read_only_method,
    read_only_operation,
    refuse_unless,
    retry_after_seconds,
    token_pages,
    with_retries,
)
from scanner.collectors.collection import Collection
from scanner.model import Unresolved


def _flaky(failures: list[CallFailed]) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "ok"

    return calls, attempt


def test_throttling_and_5xx_are_retried_honouring_retry_after() -> None:
    waits: list[float] = []
    calls, attempt = _flaky([CallFailed("x:List", "throttled", "429", retryable=True, retry_after=3.0),
                             CallFailed("x:List", "error", "503", retryable=True)])
    assert with_retries(attempt, RetryPolicy(max_attempts=5, base_delay=0.1), sleep=waits.append) == "ok"
    assert len(calls) == 3 and waits[0] == 3.0 and 0 <= waits[1] <= 0.2


def test_a_denial_is_not_retried_and_a_retryable_failure_stops_after_the_attempts() -> None:
    calls, attempt = _flaky([CallFailed("x:Get", "access_denied", "403 Forbidden")])
    with pytest.raises(CallFailed, match="403"):
        with_retries(attempt, RetryPolicy(), sleep=lambda _: None)
    assert len(calls) == 1
    calls, attempt = _flaky([CallFailed("x:Get", "throttled", "429", retryable=True) for _ in range(9)])
    with pytest.raises(CallFailed, match="still failing after 3 attempts"):
        with_retries(attempt, RetryPolicy(max_attempts=3), sleep=lambda _: None)
    assert len(calls) == 3


def test_no_retry_outlives_the_deadline() -> None:
    _, attempt = _flaky([CallFailed("x:Get", "throttled", "429", retryable=True, retry_after=10)])
    with pytest.raises(CallFailed, match="deadline"):
        with_retries(attempt, RetryPolicy(), Deadline(1.0), sleep=lambda _: None)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait


def test_token_pages_follow_the_token_and_stop_on_a_repeat() -> None:
    pages = {None: {"items": [1, 2], "nextPageToken": "a"}, "a": {"items": [3], "nextPageToken": "b"},
             "b": {"items": [4]}}
    assert list(token_pages(lambda token: pages[token], "items")) == [1, 2, 3, 4]
    looping = {None: {"value": [1], "nextLink": "x"}, "x": {"value": [2], "nextLink": "x"}}
    assert list(token_pages(lambda token: looping[token], "value", "nextLink")) == [1, 2]


def test_the_read_only_guard() -> None:
    assert read_only_operation("DescribeVpcs", ("Describe",)) and not read_only_operation("DeleteVpc", ("Describe",))
    assert not read_only_operation("GetSecretValue", ("Get",), {"GetSecretValue"})
    assert read_only_method("get") and not read_only_method("POST") and not read_only_method("DELETE")
    with pytest.raises(ReadOnlyViolation, match=r"refusing compute\.instances\.delete"):
        refuse_unless(False, "compute.instances.delete")


def test_a_failed_unit_is_a_gap_and_a_failed_detail_is_unresolved() -> None:
    runner = CallRunner("fake", concurrency=2)

    def listing(collector: object, scope: str) -> list[Record]:
        if scope == "r2":
            raise CallFailed("db.list", "access_denied", "403 Forbidden")
        detail = runner.detail(lambda: (_ for _ in ()).throw(CallFailed("db.get", "error", "500")), "db", scope)
        absent = runner.detail(lambda: (_ for _ in ()).throw(CallFailed("db.tls", "error", "404", "NotFound")),
                               "db", scope, absent={"NotFound": {}})
        return [Record("fake.Database", f"db-{scope}", "db.list", scope, {"detail": detail, "tls": absent})]

    records = runner.run_units(None, [Unit("db", "db", "db.list", ("fake.Database",), listing)], ("r1", "r2"))
    [record] = records
    assert record.attrs["detail"] == Unresolved("db.get", "500") and record.attrs["tls"] == {}
    assert {(g.api, g.region, g.types, g.code) for g in runner.gaps} == {
        ("db.list", "r2", ("fake.Database",), "access_denied"), ("db.get", "r1", (), "error")}
    collection = runner.finish(Collection("fake"), records, "fake-api", time.perf_counter())
    assert [r.provider for r in collection.resources] == ["fake"] and len(collection.gaps) == 2


def test_past_the_deadline_no_call_starts() -> None:
    runner = CallRunner("fake", deadline=Deadline(0.0))
    with pytest.raises(CallFailed, match="deadline of 0s passed") as failed, runner.slot("db.list"):
        pass
    assert failed.value.code == "timeout"


def test_collectors_are_found_by_name_without_importing_an_sdk() -> None:
    assert "aws" in COLLECTORS.names()
    aws = COLLECTORS["aws"]
    assert aws.name == "aws" and "AWS::RDS::DBCluster" in aws.resource_types()


def test_within_bounds_the_whole_call_and_hands_back_answers_and_errors() -> None:
    import threading
    import time

    from scanner.collectors.calls import TIMEOUT, CallFailed, within

    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(CallFailed) as failed:
        within(0.2, "svc:Slow", lambda: release.wait(30))
    assert failed.value.code == TIMEOUT and "within 0.2s" in failed.value.reason
    assert time.monotonic() - started < 5
    release.set()
    assert within(5, "svc:Fast", lambda: 42) == 42
    with pytest.raises(KeyError):
        within(5, "svc:Broken", lambda: {}["x"])


def test_a_bounded_call_never_outlives_the_deadline() -> None:
    import threading

    from scanner.collectors.calls import CallFailed, CallRunner, Deadline

    runner = CallRunner("fake", 1, Deadline(0.2))
    with pytest.raises(CallFailed) as failed:
        runner.bounded("svc:Slow", lambda: threading.Event().wait(30), 10)
    assert "deadline of 0.2s" in failed.value.reason
