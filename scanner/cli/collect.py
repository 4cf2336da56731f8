"""``specdrift collect PROVIDER --out state.json``: snapshot live state where the credentials are.

The providers are the registered collectors (``scanner.collectors``, ``@collector("aws")``); each adds its own
options (scope, endpoint, concurrency), so a new cloud needs nothing here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, command, say, write_output


def add_collector_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every live source takes, then each collector's own (``collect`` and ``drift`` share them)."""
    from scanner.cli.options import add_progress_arguments
    from scanner.collectors import COLLECTORS
    from scanner.collectors.calls import positive_seconds

    group = parser.add_argument_group("live collection (every provider)")
    group.add_argument("--concurrency", type=int, default=8, metavar="N",
                       help="API calls in flight at once across regions and services (default 8)")
    group.add_argument("--timeout", type=positive_seconds, default=20.0, metavar="SECONDS",
                       help="seconds a call may take in all: connecting, and the whole answer, however slowly it "
                            "comes (AWS: each of botocore's attempts); default 20")
    group.add_argument("--deadline", type=positive_seconds, default=None, metavar="SECONDS",
                       help="time for the whole collection; calls not started by then are gaps (default: none)")
    group.add_argument("--max-attempts", type=int, default=5, metavar="N",
                       help="attempts per call, the first included; throttled and 5xx calls back off and retry "
                            "(default 5)")
    add_progress_arguments(parser)
    for plugin in COLLECTORS.values():
        plugin.add_arguments(parser)


@command("collect", order=60)
def register(sub: Any) -> None:
    from scanner.collectors import COLLECTORS

    collect = sub.add_parser("collect", help="snapshot live state to a file (evaluate later with drift --live)",
                             description="Read live state (read-only calls only) and write a versioned JSON "
                                         "snapshot, credentials masked, for `specdrift drift --live FILE`.")
    collect.add_argument("provider", choices=tuple(COLLECTORS.names()))
    collect.add_argument("--out", "-o", metavar="FILE", help="write the snapshot here (default: stdout)")
    collect.add_argument("--strict", action="store_true",
                         help="exit 2 when anything could not be read (denied, disabled region, timeout)")
    add_collector_arguments(collect)
    collect.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.collectors import COLLECTORS
    from scanner.collectors.calls import CollectorError
    from scanner.collectors.snapshot import dumps
    from scanner.progress import showing

    plugin = COLLECTORS[args.provider]
    try:
        with showing(args.progress or "auto"):  # erased before the snapshot is written
            collection = plugin.collect(plugin.options(args))
    except CollectorError as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    write_output(dumps(collection), args.out)
    print(f"specdrift: {len(collection.resources)} resources from account {collection.account or '?'} in "
          f"{', '.join(collection.regions)} ({collection.stats.get('calls', 0)} calls, "
          f"{collection.duration_s:.1f}s)", file=sys.stderr)
    for gap in collection.gaps:
        say(f"could not read {gap.describe()}")
    return EXIT_ERROR if args.strict and collection.gaps else EXIT_OK
