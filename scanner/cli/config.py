"""``specdrift config``: the effective configuration and where each value came from."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scanner.cli import EXIT_ERROR, EXIT_OK, command


@command("config", order=30)
def register(sub: Any) -> None:
    from scanner.cli.options import add_config_arguments

    config = sub.add_parser("config", help="print the effective configuration and its sources", description=(
        "Print every setting with its value and its source: a flag, an environment variable "
        "(SPECDRIFT_*), the configuration file (.specdrift.yaml or pyproject.toml [tool.specdrift]) or the "
        "default. Precedence: flags > environment > file > defaults. Takes the same flags as scan."))
    add_config_arguments(config)
    config.add_argument("--json", action="store_true", help="machine-readable output")
    config.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scanner.cli.options import load_config, report_destinations
    from scanner.config import ConfigError, parameter_overrides, show
    from scanner.policy.pack import PolicyError, load_pack
    from scanner.scan import ScanOptions, select_policies

    try:
        config = load_config(args)
        report_destinations(config)
        # Overrides name policies and parameters: check them against the pack, as a scan would.
        pack, _ = load_pack([Path(p) for p in config["policies_dir"]], config["default_policies"],
                            [Path(p) for p in config["external_checks_dir"]])
        select_policies(pack, ScanOptions(paths=(), severity_overrides=config["severity"],
                                          parameter_overrides=parameter_overrides(config)))
    except (ConfigError, PolicyError) as exc:
        print(f"specdrift: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    rows = show(config)
    if args.json:
        print(json.dumps({"file": str(config.file) if config.file else None,
                          "settings": {key: {"value": value, "source": source} for key, value, source in rows}},
                         indent=2, default=str))
        return EXIT_OK
    print(f"# configuration file: {config.file or 'none found (defaults, environment and flags only)'}")
    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        shown = "(none)" if shown in (None, "", {}) else shown
        print(f"{key:<{width}}  {shown!s:<40}  {source}")
    return EXIT_OK
