"""Collectors: live sources (cloud APIs, databases) -> the same Resources the loaders produce.

Each module reads one source, read-only by construction, and returns a
:class:`~scanner.collectors.collection.Collection`: the resources it saw and the gaps it
could not see (denied, disabled, failed), so checks that needed a gap are ``unknown``.

A module declares its source with ``@collector("aws")`` on a class that follows :class:`Collector`;
the ``collect`` command and ``drift --aws`` find it by that name (``scanner.registry``), and the
drift engine pairs its resources by the identities of its table (``scanner/mappings/<name>_live.yaml``,
``identity:``). The call machinery (concurrency, retries, deadline, pagination, the read-only guard,
gaps) is :mod:`scanner.collectors.calls`. Cloud SDKs are imported inside the collector, never at import
time of this package or of a collector module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from scanner.collectors.collection import Collection
from scanner.model import Resource
from scanner.registry import DEFAULT_ORDER, Registry


class Collector(Protocol):
    """One live source: its command-line options, a run, and what it makes by itself."""

    name: str  # the provider: Resource.provider of what it collects, the table's identity.provider
    description: str  # one line for --help
    # a collector may also name ``aliases``: other spellings of its ``drift --NAME`` flag (``--kube``)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The source's own options (scope, endpoint, concurrency, ...), for ``collect`` and ``drift``."""

    def options(self, args: argparse.Namespace) -> Any:
        """The options of a run, from the parsed command line."""

    def collect(self, options: Any) -> Collection:
        """Read the source (raises ``CollectorError`` when it cannot start at all)."""

    def resource_types(self) -> tuple[str, ...]:
        """Every live type the collector produces."""

    def provider_made(self, live: Sequence[Resource]) -> frozenset[str]:
        """Addresses of what the provider created by itself among ``live`` (a default network and its
        parts): nobody declares them, so they are never reported unmanaged."""


COLLECTORS: Registry[Collector] = Registry("collector", __name__, decorator="collector")


def collector(name: str, order: int = DEFAULT_ORDER) -> Callable[[type[Collector]], type[Collector]]:
    """Class decorator: the live source ``name`` (``specdrift collect NAME``, ``drift --NAME``)."""
    return COLLECTORS.register_class(name, order)
