"""Two consecutive nights with one change between them report exactly that change, in every output: HTML, JSON,
Markdown, Prometheus and ``specdrift history``. The change is one line of the example's redis.conf
(``protected-mode no``: drift against the local Redis, no policy newly broken); a third night reverts it, and
the same finding is reported fixed everywhere."""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE, run_cli, server_unavailable

pytestmark = pytest.mark.server
FACT = "redis_protected_mode"


def _night(config: Path) -> dict[str, Any]:
    done = run_cli("nightly", "--config", str(config))
    assert done.returncode == 1, done.stderr  # the example drifts from the local Redis every night
    [folder] = (config.parent / "reports").iterdir()
    return {"json": json.loads((folder / "report.json").read_text()), "md": (folder / "summary.md").read_text(),
            "prom": _findings_gauges((folder / "specdrift.prom").read_text()),
            "html": (folder / "report.html").read_text()}


def _findings_gauges(text: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(specdrift_findings\{.*\}) (\d+)$", text, re.M)}


def _rows(html: str, change: str) -> list[str]:
    """The findings rows of the HTML report whose change is ``change``, as their text."""
    return [re.sub(r"<[^>]+>", " ", m.group(1)) for m in
            re.finditer(rf'<tr class="{change}" data-change="{change}".*?>(.*?)</tr>', html, re.S)]


def _headline(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)"><b>(\d+)</b>', html)}


def _history(store: Path, run: int) -> tuple[list[str], list[str]]:
    listing = run_cli("history", "--store", str(store)).stdout.splitlines()
    header = listing[0].split()
    row = next(line.split() for line in listing[1:] if line.split()[0] == str(run))
    shown = run_cli("history", "--store", str(store), "--show", str(run)).stdout.splitlines()
    return [f"{name}={row[header.index(name)]}" for name in ("NEW", "FIXED")], shown


def _section(lines: list[str], title: str) -> list[str]:
    """The indented lines under ``title:`` in ``history --show``."""
    if f"{title}:" not in lines:
        return []
    start = lines.index(f"{title}:") + 1
    out = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        out.append(line)
    return out


def test_one_changed_line_is_exactly_one_new_finding_then_exactly_one_fixed_in_every_output(tmp_path: Path) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            server_unavailable("Redis on 127.0.0.1:6379")
    iac = tmp_path / "iac"
    iac.mkdir()
    conf = iac / "redis.conf"
    shutil.copy(EXAMPLE / "redis" / "redis.conf", conf)
    original = conf.read_text()
    assert original.count("\nprotected-mode yes\n") == 1
    config = tmp_path / "nightly.yaml"
    config.write_text(f"iac: [{iac}]\nscope: one-change\nsources:\n"
                      "  - {name: redis, options: {redis: [redis://127.0.0.1:6379]}}\n"
                      f"store: {tmp_path / 'history.db'}\noutput_dir: {tmp_path}\n")

    first = _night(config)
    assert first["json"]["counts"]["new"] > 0 and FACT not in json.dumps(first["json"]["new"])

    conf.write_text(original.replace("\nprotected-mode yes\n", "\nprotected-mode no\n"))
    second = _night(config)
    report = second["json"]
    assert [(f["policy"], f["resource"], f["fact"]) for f in report["new"]] == [("SD-DRIFT", "redis.conf", FACT)]
    assert report["fixed"] == [] and report["previous_run"] == 1
    assert report["counts"]["open"] == first["json"]["counts"]["open"] + 1
    assert "**1 new**, 0 fixed" in second["md"]
    assert re.findall(r"^### New \((\d+)\)$", second["md"], re.M) == ["1"] and FACT in second["md"]
    assert {k: second["prom"].get(k, 0) - first["prom"].get(k, 0) for k in second["prom"].keys() | first["prom"]
            if second["prom"].get(k, 0) != first["prom"].get(k, 0)} == \
        {'specdrift_findings{severity="high",requirement="",status="violates"}': 1}
    assert _headline(second["html"])["new"] == 1 and _headline(second["html"])["fixed"] == 0
    [row] = _rows(second["html"], "new")
    assert FACT in row and "false" in row and "true" in row  # declared false, live true
    assert _rows(second["html"], "fixed") == []
    assert len(re.findall(r'<circle class="point" data-series="open"', second["html"])) == 2  # two stored runs
    figures, shown = _history(tmp_path / "history.db", 2)
    assert figures == ["NEW=1", "FIXED=0"]
    assert len(_section(shown, "new")) == 1 and FACT in _section(shown, "new")[0] and not _section(shown, "fixed")

    conf.write_text(original)
    third = _night(config)
    report = third["json"]
    assert [(f["policy"], f["resource"], f["fact"]) for f in report["fixed"]] == [("SD-DRIFT", "redis.conf", FACT)]
    assert report["new"] == [] and report["previous_run"] == 2
    assert "**0 new**, 1 fixed" in third["md"] and re.findall(r"^### Fixed \((\d+)\)$", third["md"], re.M) == ["1"]
    assert third["prom"] == first["prom"]  # back where the first night was
    assert _headline(third["html"])["new"] == 0 and _headline(third["html"])["fixed"] == 1
    [row] = _rows(third["html"], "fixed")
    assert FACT in row and _rows(third["html"], "new") == []
    figures, shown = _history(tmp_path / "history.db", 3)
    assert figures == ["NEW=0", "FIXED=1"]
    assert len(_section(shown, "fixed")) == 1 and FACT in _section(shown, "fixed")[0] and not _section(shown, "new")
