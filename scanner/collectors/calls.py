"""The call machinery every collector runs its API calls through, whatever the cloud.

A collector module keeps only what its cloud says: which calls to make, how its SDK reports a failure
(its ``classify``), and how its answers become records. What is the same everywhere lives here once:

- **bounded concurrency**: one semaphore for every call in flight (``CallRunner.slot``), one pool for the
  detail calls that complete a resource (``detail_map``), one for the units of work (``run_units``);
- **a total deadline**: past it, no new call starts; each becomes a ``timeout`` gap with the reason;
- **retries with backoff** on throttling and 5xx, honouring ``Retry-After`` (``with_retries``), for SDKs
  that do not retry by themselves (botocore does: the AWS collector configures it instead);
- **pagination** by page token or next link (``token_pages``);
- **the read-only guard** (``read_only_operation``, ``read_only_method``): a write refused before it is sent;
- **gaps**: a call that is denied, disabled, throttled for good, timed out or failed becomes a ``Gap`` (the
  resource types it would have produced) or an ``Unresolved`` detail, never a silent absence, so the
  checks that needed it are ``unknown``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from scanner.collectors.collection import Collection, Gap
from scanner.faults import describe, reraise_when_debugging
from scanner.masking import mask_fields
from scanner.model import Origin, Resource, Unresolved
from scanner.progress import step

T = TypeVar("T")
R = TypeVar("R")
# How a failed call is classified; the same words in every cloud's gaps.
ACCESS_DENIED, DISABLED, REGION_UNAVAILABLE = "access_denied", "disabled", "region_unavailable"
THROTTLED, TIMEOUT, ERROR = "throttled", "timeout", "error"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class ReadOnlyViolation(RuntimeError):
    """An attempt to send an operation that could change the account (a bug: a collector only reads)."""


class CollectorError(RuntimeError):
    """Collection cannot start at all (no credentials, no region or project): a tool error, exit 2."""


class CallFailed(Exception):
    """One API call that did not answer, classified (``code``) with a one-line reason.

    ``error_code`` is the service's own code (``NoSuchTagSet``), ``retry_after`` the seconds the service
    asked to wait (``Retry-After``), ``retryable`` whether trying again may help (throttling, 5xx).
    """

    def __init__(self, api: str, code: str, reason: str, error_code: str = "", retryable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{api}: {reason}")
        self.api, self.code, self.reason, self.error_code = api, code, reason, error_code
        self.retryable, self.retry_after = retryable, retry_after

    def __str__(self) -> str:  # the reason grows when retries give up
        return f"{self.api}: {self.reason}"


def read_only_operation(operation: str, prefixes: Sequence[str], refused: Iterable[str] = ()) -> bool:
    """True for an operation named like a read (``Describe*``, ``list``, ...) that is not one of ``refused``
    (reads that hand out secret material)."""
    return operation.startswith(tuple(prefixes)) and operation not in set(refused)


def read_only_method(method: str) -> bool:
    """True for the HTTP methods that cannot change anything: a REST collector sends nothing else."""
    return method.upper() in ("GET", "HEAD")


def refuse_unless(read_only: bool, what: str) -> None:
    """Raise before anything is sent when a call is not a read."""
    if not read_only:
        raise ReadOnlyViolation(f"refusing {what}: specdrift only sends read calls")


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call (the first included) and the exponential backoff between them, with full jitter."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: what the service asked, else the backoff."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Deadline:
    """The whole collection's time limit (None: none); past it no new call starts."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - time.monotonic())

    def check(self, api: str) -> None:
        """Raise ``CallFailed`` (timeout) for ``api`` when the deadline has passed."""
        if self._end is not None and time.monotonic() >= self._end:
            raise CallFailed(api, TIMEOUT, f"not called: the collection's deadline of {self.seconds:g}s passed")


def within(seconds: float, api: str, call: Callable[[], T], reason: str = "") -> T:
    """``call()`` given ``seconds`` of wall time in all: connecting, sending and reading the whole answer.

    An SDK's timeouts are per socket operation, so a server that trickles a byte at a time (each read well within
    its timeout) would hold a call, and the collection, for ever. The call runs on a daemon thread; past the
    limit it is abandoned (the thread ends with its connection, or with the process) and fails as a ``timeout``.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["answer"] = call()
        except BaseException as exc:  # handed to the caller's thread as it is
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"specdrift-call-{api}", daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        raise CallFailed(api, TIMEOUT, reason or f"no answer within {seconds:g}s (not all of it came in time)")
    if "error" in box:
        raise box["error"]
    answer: T = box["answer"]
    return answer


def with_retries(attempt: Callable[[], T], policy: RetryPolicy, deadline: Deadline | None = None,
                 sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[], None] | None = None) -> T:
    """``attempt()`` until it answers, retrying a retryable ``CallFailed`` with backoff (or the wait the
    service asked for) while attempts and the deadline allow; the last failure says how many were made."""
    tries = max(1, policy.max_attempts)
    for number in range(tries):
        try:
            return attempt()
        except CallFailed as failed:
            if not failed.retryable or number == tries - 1:
                if failed.retryable:
                    failed.reason = f"{failed.reason} (still failing after {number + 1} attempts)"
                raise
            wait = policy.delay(number, failed.retry_after)
            remaining = deadline.remaining() if deadline is not None else None
            if remaining is not None and wait >= remaining:
                failed.reason = f"{failed.reason} (the deadline leaves no time to retry)"
                raise
            if on_retry is not None:
                on_retry()
            sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


def token_pages(fetch: Callable[[str | None], Mapping[str, Any]], items: str,
                next_token: str = "nextPageToken") -> Iterator[Any]:
    """Every item under ``items`` across pages: ``fetch(None)`` the first page, then ``fetch(token)`` with the
    page's ``next_token`` (GCP's ``nextPageToken``, Azure's ``nextLink``) until a page has none."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token)
        yield from page.get(items) or []
        token = page.get(next_token) or None
        if token is None or token in seen:  # a service that repeats a token would loop forever
            return
        seen.add(token)


def plain(value: Any) -> Any:
    """JSON-safe copy of an API answer: datetimes as ISO text, bytes as text, no ResponseMetadata."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Record:
    """A resource before linking and masking: attributes are still a plain, mutable dict."""

    type: str
    address: str
    api: str
    region: str | None
    attrs: dict[str, Any]


@dataclass(frozen=True)
class Unit:
    """One piece of a collection: the calls that list the resources of ``types`` in one scope (a region, a
    project, a subscription); ``is_global`` units run once, in the home scope."""

    name: str
    service: str
    api: str
    types: tuple[str, ...]
    run: Callable[[Any, str], list[Record]]
    is_global: bool = False


_Run = TypeVar("_Run", bound=Callable[..., list[Record]])


def unit(registry: Any, name: str, service: str, api: str, types: tuple[str, ...], is_global: bool = False,
         ) -> Callable[[_Run], _Run]:
    """Decorator: the function lists ``types`` through ``service``'s ``api``; kept in ``registry`` as a Unit."""
    def register(func: _Run) -> _Run:
        registry.add(name, Unit(name, service, api, types, func, is_global))
        return func

    return register


def unit_types(units: Iterable[Unit], services: Sequence[str] = ()) -> tuple[str, ...]:
    """Every resource type the units produce (those of the services named, or all), in unit order."""
    out: list[str] = []
    for u in units:
        if not services or u.service in services:
            out.extend(t for t in u.types if t not in out)
    return tuple(out)


@dataclass
class CallRunner:
    """The run-time half every collector shares: the concurrency slots, the deadline, the gaps, the detail
    pool and the call counts. Thread-safe."""

    provider: str
    concurrency: int = 8
    deadline: Deadline = field(default_factory=lambda: Deadline(None))

    def __post_init__(self) -> None:
        self.concurrency = max(1, self.concurrency)
        self.lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._details = ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"specdrift-{self.provider}-detail")
        self.gaps: list[Gap] = []
        self.stats: dict[str, Any] = {"calls": 0, "retries": 0, "concurrency": self.concurrency}
        self.operations: set[str] = set()

    @contextmanager
    def slot(self, api: str) -> Iterator[None]:
        """One call in flight: refused once the deadline has passed, else waits for a free slot."""
        self.deadline.check(api)
        with self._slots:
            yield

    def bounded(self, api: str, call: Callable[[], T], seconds: float) -> T:
        """``call()`` within ``seconds`` of wall time in all (``within``), and never past the deadline."""
        self.deadline.check(api)
        remaining = self.deadline.remaining()
        if remaining is not None and remaining < seconds:
            return within(remaining, api, call,
                          f"not answered before the collection's deadline of {self.deadline.seconds:g}s")
        return within(seconds, api, call)

    def counted(self, api: str) -> None:
        """One call sent (retries of it are counted by ``retried``)."""
        with self.lock:
            self.stats["calls"] += 1
            self.operations.add(api)
            calls = self.stats["calls"]
        step("API calls", calls)

    def retried(self, attempts: int) -> None:
        if attempts:
            with self.lock:
                self.stats["retries"] += attempts

    def note(self, service: str, failed: CallFailed, region: str | None, types: tuple[str, ...] = ()) -> Gap:
        """Record a failed call as a gap (hiding ``types``, or only details when empty)."""
        gap = Gap(self.provider, service, failed.api, failed.reason, region, types, failed.code)
        with self.lock:
            self.gaps.append(gap)
        return gap

    def add_gap(self, gap: Gap) -> None:
        with self.lock:
            self.gaps.append(gap)

    def detail(self, call: Callable[[], T], service: str, region: str | None, types: tuple[str, ...] = (),
               absent: Mapping[str, Any] | None = None) -> Any:
        """A second call that completes a resource: its answer, ``absent[error_code]`` when the service says
        the thing is not configured, or ``Unresolved`` (with a gap recorded) when it failed."""
        try:
            return call()
        except CallFailed as failed:
            if absent is not None and failed.error_code in absent:
                return absent[failed.error_code]
            gap = self.note(service, failed, region, types)
            return Unresolved(gap.api, gap.reason)

    def detail_map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``func`` over ``items`` on the detail pool (calls inside still take a slot each)."""
        return list(self._details.map(func, items))

    def run_units(self, collector: Any, units: Sequence[Unit], scopes: Sequence[str],
                  probe: Callable[[str], Gap | None] | None = None) -> list[Record]:
        """Every unit in every scope (global units in the first), at most ``concurrency`` at once. A scope the
        probe finds down is one gap per unit; a unit whose listing fails is a gap hiding its types."""
        home = scopes[0]
        records: list[Record] = []
        down: dict[str, Gap] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"specdrift-{self.provider}") as pool:
            if probe is not None:
                for scope, gap in zip(scopes, pool.map(probe, scopes), strict=True):
                    if gap is not None:
                        down[scope] = gap
            jobs = [(u, s) for u in units for s in ((home,) if u.is_global else scopes)]
            for result in pool.map(lambda job: self._run_unit(collector, job[0], job[1], down), jobs):
                records.extend(result)
        self._details.shutdown(wait=True)
        return records

    def _run_unit(self, collector: Any, unit: Unit, scope: str, down: dict[str, Gap]) -> list[Record]:
        gone = down.get(scope) if not unit.is_global else None
        if gone is not None:
            self.add_gap(Gap(self.provider, unit.service, unit.api, gone.reason, scope, unit.types, gone.code))
            return []
        try:
            return unit.run(collector, scope)
        except CallFailed as failed:
            self.add_gap(Gap(self.provider, unit.service, failed.api, failed.reason,
                             None if unit.is_global else scope, unit.types, failed.code))
            return []
        except (ReadOnlyViolation, CollectorError):
            raise
        except Exception as exc:  # an answer of a shape the unit cannot read (a str for an object): its gap
            reraise_when_debugging()
            self.add_gap(Gap(self.provider, unit.service, unit.api, f"the answer could not be read ({describe(exc)})",
                             None if unit.is_global else scope, unit.types, ERROR))
            return []

    def finish(self, collection: Collection, records: Iterable[Record], fmt: str, started: float) -> Collection:
        """Fill ``collection`` with the records as masked, JSON-safe Resources, the gaps and the counts."""
        for rec in records:
            origin = Origin(account=collection.account, region=rec.region, api=rec.api)
            collection.resources.append(Resource(self.provider, rec.type, rec.address, origin,
                                                 mask_fields(plain(rec.attrs)), format=fmt, source="live"))
        collection.gaps = list(self.gaps)
        collection.duration_s = time.perf_counter() - started
        collection.stats = dict(self.stats, operations=sorted(self.operations))
        return collection


def positive_seconds(text: str) -> float:
    """An option's positive, finite number of seconds (an SDK refuses 0 and below with a traceback; NaN never
    ends); an ``argparse`` type, so a bad value is a one-line usage error."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def http_url(text: str) -> str:
    """An endpoint option's http(s) URL with a host (SDKs refuse anything else with a traceback); an
    ``argparse`` type."""
    import argparse
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # an invalid port or IPv6 address
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text
