"""Live Redis settings on redis-py, read-only by construction.

One server per ``--redis URL`` (``redis://`` or, with TLS, ``rediss://``; a user and password in the URL log
in through ACL). Only ``CONFIG GET *`` and ``INFO`` are sent, refused before sending otherwise
(``_Server.call``); the minimal ACL is ``+config|get +info`` (docs/live-databases.md). Where CONFIG is not
permitted, the configuration is ``Unresolved`` with Redis's own reason and a gap is recorded, so every check
that needs it is ``unknown``, never a pass.

The server becomes one ``redis.server`` Resource: ``config`` (each directive as CONFIG GET answers it, the
password fields masked) and ``info`` (replication, persistence, cluster, server); ``scanner/mappings/
redis_live.yaml`` turns it into the facts a redis.conf gives, so the ME-RED policies judge it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from scanner.collectors import collector
from scanner.collectors.calls import (
    ACCESS_DENIED,
    ERROR,
    TIMEOUT,
    CallFailed,
    CallRunner,
    CollectorError,
    Deadline,
    Record,
    refuse_unless,
)
from scanner.collectors.collection import Collection
from scanner.collectors.servers import ServerConnection, ServerOptions, ServerSource
from scanner.masking import redact
from scanner.model import Unresolved

PROVIDER = "redis"  # Resource.provider: the provider of redis.conf
FORMAT = "redis-live"
SERVER = "redis.server"
READS = frozenset({("CONFIG", "GET"), ("INFO", "")})
INFO_SECTIONS = ("server", "replication", "persistence", "cluster")


RedisOptions = ServerOptions  # the servers to read, the time allowed


def _classify(exc: BaseException, timeout: float) -> tuple[str, str]:
    import redis

    text = redact(" ".join(str(exc).split()))[:300]
    if isinstance(exc, (redis.exceptions.NoPermissionError, redis.exceptions.AuthenticationError,
                        redis.exceptions.AuthorizationError)):
        return ACCESS_DENIED, text
    if isinstance(exc, redis.exceptions.TimeoutError):
        return TIMEOUT, f"no answer within {timeout:g}s"
    return ERROR, text


class _Server(ServerConnection):
    def call(self, *words: str) -> Any:
        """One read command (CONFIG GET, INFO), inside the runner's slot; failure raises CallFailed."""
        api = " ".join(words[:2]).upper() if words[0].upper() == "CONFIG" else words[0].upper()
        refuse_unless((words[0].upper(), words[1].upper() if words[0].upper() == "CONFIG" else "") in READS,
                      f"redis:{api}")
        return self.send(api, lambda: self.client.execute_command(*words))


def _address(url: str) -> str:
    """``redis://host:port/db`` without user or password (``rediss`` kept: it says TLS)."""
    from urllib.parse import urlsplit

    if not url:
        return "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    return f"{parts.scheme or 'redis'}://{host}:{parts.port or 6379}{parts.path or '/0'}"


def _pairs(answer: Any) -> dict[str, str]:
    """CONFIG GET's answer (a flat list in RESP2, a map in RESP3) as directive -> value."""
    if isinstance(answer, dict):
        items = list(answer.items())
    else:
        items = list(zip(answer[::2], answer[1::2], strict=True))
    return {_text(k): _text(v) for k, v in items}


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _server_record(server: _Server, address: str) -> Record:
    info: dict[str, Any] = {}
    def section_of(name: str) -> Any:
        return server.runner.detail(lambda: server.call("INFO", name), "redis", address)

    for section in INFO_SECTIONS:
        answer = section_of(section)
        info[section] = answer if isinstance(answer, Unresolved) else \
            {k: v for k, v in dict(answer).items() if k not in ("executable", "config_file")}
    attrs: dict[str, Any] = {"tls": address.startswith("rediss://"), "info": info}
    try:
        attrs["config"] = _pairs(server.call("CONFIG", "GET", "*"))
    except CallFailed as failed:
        gap = server.runner.note("redis", failed, address)
        attrs["config"] = Unresolved(gap.api, f"CONFIG GET is not permitted or failed: {gap.reason}")
    return Record(SERVER, address, "CONFIG GET", None, attrs)


def collect(options: RedisOptions) -> Collection:
    """Read every server of ``options``; one that cannot be reached is a gap, not an error."""
    import redis

    started = time.perf_counter()
    runner = CallRunner("redis", 1, Deadline(options.deadline))
    collection = Collection(PROVIDER, services=("config", "info"))
    records: list[Record] = []
    for url in options.urls or (os.environ.get("REDIS_URL", ""),):
        address = _address(url)
        client = redis.Redis.from_url(url or "redis://127.0.0.1:6379/0", socket_timeout=options.timeout,
                                      socket_connect_timeout=options.timeout, decode_responses=True)
        server = _Server(runner, client, options.timeout, _classify)
        try:
            server.call("INFO", "server")  # reachable, and logged in: else one gap for the server
            records.append(_server_record(server, address))
        except CallFailed as failed:
            failed.reason = f"{address}: {failed.reason}"
            runner.note("redis", failed, None, (SERVER,))
        finally:
            client.close()
    collection.regions = tuple(r.address for r in records)
    return runner.finish(collection, records, FORMAT, started)


@collector("redis")
class Redis(ServerSource):
    """The Redis source for ``specdrift collect redis`` and ``drift --redis URL``."""

    name = PROVIDER
    description = "read the configuration of a running Redis server now (a redis:// or rediss:// URL; repeatable)"
    title = "Redis (ACL +config|get +info is enough; docs/live-databases.md)"
    help = ("redis:// or rediss:// (TLS) URL of a server, user and password for ACL in it (repeatable; with "
            "`collect redis` and no URL: REDIS_URL or 127.0.0.1:6379)")

    def collect(self, options: ServerOptions) -> Collection:
        try:
            import redis  # noqa: F401
        except ImportError:
            raise CollectorError("the redis package is not installed (pip install redis)") from None
        return collect(options)

    def resource_types(self) -> tuple[str, ...]:
        return (SERVER,)
