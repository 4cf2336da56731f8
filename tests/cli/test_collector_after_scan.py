"""The cyclic garbage collector is paused over a scan; the ``specdrift`` command leaves it off afterwards (the process
ends: a collection would walk every object of the scan for nothing), a caller in-process gets it back."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from scanner.cli import exits_after_command, main
from scanner.report import cyclic_gc_paused
from tests.conftest import EXAMPLE


def test_the_pause_resumes_unless_told_not_to() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with cyclic_gc_paused(resume=False):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_in_process_scan_gets_the_collector_back(capsys: object) -> None:
    assert not exits_after_command()
    main(["scan", str(EXAMPLE / "gcp" / "main.tf"), "--quiet"])
    assert gc.isenabled()


def test_the_command_ends_its_scan_with_the_collector_off(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import gc, os, sys\n"
        "real_exit = os._exit\n"
        "os._exit = lambda code: (sys.stderr.write(f'collector {gc.isenabled()}\\n'), sys.stderr.flush(),"
        " real_exit(code))\n"
        "from scanner.cli import console\n"
        "sys.argv = ['specdrift', 'scan', sys.argv[1], '--quiet']\n"
        "console()\n")
    done = subprocess.run([sys.executable, str(probe), str(EXAMPLE / "gcp" / "main.tf")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert "collector False" in done.stderr, done.stderr
