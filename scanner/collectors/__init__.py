"""Collectors: live sources (cloud APIs, databases) -> the same Resources the loaders produce.

Each module reads one source, read-only by construction, and returns a
:class:`~scanner.collectors.collection.Collection`: the resources it saw and the gaps it
could not see (denied, disabled, failed), so checks that needed a gap are ``unknown``.
Cloud SDKs are imported inside the collector, never at import time of this package.
"""
