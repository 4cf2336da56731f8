"""A test's HTTP(S) server on 127.0.0.1, run in a thread for a ``with`` block (the fakes of the cloud APIs,
the Kubernetes API, the module registry)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import BaseServer


@contextmanager
def serving(server: BaseServer) -> Iterator[BaseServer]:
    """Serve ``server`` (already bound, TLS wrapped if wanted) until the block ends, then shut it and close it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
