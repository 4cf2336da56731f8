"""A server on 127.0.0.1 that fails the way networks and broken services do, whatever protocol the client speaks.

Modes (one per server):

- ``silent``: accepts the connection and never sends a byte;
- ``trickle``: answers (a valid start for the protocol: HTTP headers with a long ``Content-Length``, a PostgreSQL
  message, a Redis bulk string) and then one byte every ``interval`` seconds, each well within any read timeout;
- ``reset``: accepts and resets the connection (RST, not a clean close) as soon as the client has spoken;
- ``garbage``: answers at once with what the protocol cannot read (HTTP 200 with malformed JSON, bytes that are no
  PostgreSQL or Redis message).

With a TLS context the HTTP modes run inside TLS (the Azure SDK only speaks HTTPS); ``silent`` and ``reset`` act
on the bare connection, before any handshake.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

MODES = ("silent", "trickle", "reset", "garbage")
TRICKLE_BYTES = 400  # a trickle ends by itself (a collector not bounding it fails its test, it does not hang)

_HTTP_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
              b'{"items": [')
_HTTP_GARBAGE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 30\r\nConnection: close\r\n\r\n"
                 b'{"items": [{"name": tru<html>}')
# PostgreSQL (the client asks for no TLS): AuthenticationOk, then a ParameterStatus message announcing 1,000 bytes.
_PG_HEAD = b"R" + struct.pack("!ii", 8, 0) + b"S" + struct.pack("!i", 1000) + b"server_version\x00"
_PG_GARBAGE = b"\xff\xfe\x00garbage that is no protocol message\r\n"
_REDIS_HEAD = b"$100000\r\n"
_REDIS_GARBAGE = b"!!! not RESP \x00\xff\r\n"
_ANSWERS = {"http": (_HTTP_HEAD, _HTTP_GARBAGE), "postgres": (_PG_HEAD, _PG_GARBAGE),
            "redis": (_REDIS_HEAD, _REDIS_GARBAGE)}


class FaultServer:
    def __init__(self, mode: str, protocol: str = "http", tls: ssl.SSLContext | None = None,
                 interval: float = 0.1) -> None:
        assert mode in MODES and protocol in _ANSWERS
        self.mode, self.protocol, self.tls, self.interval = mode, protocol, tls, interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.connections = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        with self._lock:
            for conn in self._open:
                with suppress(OSError):
                    conn.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.mode == "silent":
                self.stopped.wait()
                return
            conn.settimeout(5)
            if self.mode == "reset":
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            stream: socket.socket = conn
            if self.tls is not None:
                stream = self.tls.wrap_socket(conn, server_side=True)
                with self._lock:
                    self._open.append(stream)
            if self.protocol == "postgres":
                request = stream.recv(65536)  # the startup packet
            else:
                request = stream.recv(65536)
            if not request:
                return
            head, garbage = _ANSWERS[self.protocol]
            if self.mode == "garbage":
                stream.sendall(garbage)
                stream.close()
                return
            stream.sendall(head)
            for _ in range(TRICKLE_BYTES):
                if self.stopped.wait(self.interval):
                    return
                stream.sendall(b" " if self.protocol == "http" else b"a")
        except OSError:
            return


@contextmanager
def fault_server(mode: str, protocol: str = "http", tls: ssl.SSLContext | None = None) -> Iterator[FaultServer]:
    server = FaultServer(mode, protocol, tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()
