"""What the sources that read servers named by URL share (``--postgres URL``, ``--redis URL``): their options,
their one repeatable command-line option, and nothing made by the server itself."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.collectors.calls import TIMEOUT, CallFailed, CallRunner
from scanner.model import Resource

T = TypeVar("T")


@dataclass(frozen=True)
class ServerOptions:
    """The servers to read (URLs; empty: the source's environment default) and the time allowed."""

    urls: tuple[str, ...] = ()
    timeout: float = 20.0  # seconds to connect, and per call
    deadline: float | None = None  # seconds for the whole collection


class ServerSource:
    """A source whose option names what to read: ``--NAME URL``, repeatable, on ``collect`` and ``drift``
    (where several such sources go into one report)."""

    name: str
    title: str  # the option group's heading: the role or ACL that is enough
    help: str
    takes_value = True  # ``drift`` adds no ``--NAME`` switch of its own: this option selects the source

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group(self.title)
        group.add_argument(f"--{self.name}", dest=self.name, action="append", default=None, metavar="URL",
                           help=self.help)

    def options(self, args: argparse.Namespace) -> ServerOptions:
        urls = tuple(u for u in (getattr(args, self.name, None) or ()) if u)
        return ServerOptions(urls=urls, timeout=args.timeout, deadline=args.deadline)

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        return frozenset()  # a server makes nothing by itself that a file would declare


class ServerConnection:
    """One connection to a server (a driver's client), its calls run through the collection's runner."""

    def __init__(self, runner: CallRunner, client: Any, timeout: float,
                 classify: Callable[[BaseException, float], tuple[str, str]]) -> None:
        self.runner, self.client, self.timeout, self._classify = runner, client, timeout, classify
        self.stuck: CallFailed | None = None  # a call that never finished holds the connection: later ones fail

    def send(self, api: str, call: Callable[[], T]) -> T:
        """One call, in the runner's slot (deadline-checked, counted); a failure is ``CallFailed``, classified
        by the source (its driver's errors)."""
        if self.stuck is not None:
            raise CallFailed(api, self.stuck.code, f"not sent: {self.stuck}")
        with self.runner.slot(api):
            self.runner.counted(api)
            try:
                return self.runner.bounded(api, call, self.timeout)
            except CallFailed as failed:  # not answered in time (the call may still hold the connection)
                self.stuck = failed if failed.code == TIMEOUT else None
                raise
            except Exception as exc:
                code, reason = self._classify(exc, self.timeout)
                raise CallFailed(api, code, reason) from None
