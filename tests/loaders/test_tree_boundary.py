"""The scanned tree is a boundary (issue 17): symbolic links are not followed unless asked, and then never out
of the scanned directories; FIFOs, sockets and devices are passed over with a note, never read."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from scanner.loaders import MAX_FILE_BYTES, load_file, load_files
from scanner.scan import ScanOptions, scan

TF = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text(TF)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text('variable "v" {\n  default = "root:x:0:0:root:/root:/bin/bash"\n}\n')
    return root


def test_a_symlink_is_not_followed_by_default(tree: Path) -> None:
    os.symlink(tree.parent / "outside" / "secret.tf", tree / "p.tf")
    os.symlink(tree.parent / "outside", tree / "linked-dir")
    outcome = load_files([tree], {})
    assert sorted(Path(f).name for f in outcome.files) == ["main.tf"]
    assert {Path(p).name: why for p, why in outcome.passed_over.items()} == {
        "p.tf": "a symbolic link (not followed without --follow-symlinks)",
        "linked-dir": "a symbolic link (not followed without --follow-symlinks)"}


def test_a_named_symlink_is_not_followed_by_default(tree: Path) -> None:
    os.symlink(tree.parent / "outside" / "secret.tf", tree / "p.tf")
    outcome = load_files([tree / "p.tf"], {})
    assert not outcome.files and list(outcome.passed_over) == [str(tree / "p.tf")]


def test_follow_symlinks_stays_inside_the_scanned_roots(tree: Path) -> None:
    (tree / "modules").mkdir()
    (tree / "modules" / "db.tf").write_text(TF.replace('"b"', '"db"'))
    os.symlink(tree / "modules" / "db.tf", tree / "inside.tf")
    os.symlink(tree.parent / "outside" / "secret.tf", tree / "p.tf")
    os.symlink("/etc", tree / "etc")
    os.symlink(tree, tree / "modules" / "loop")  # a cycle: read once
    outcome = load_files([tree], {"follow_symlinks": True})
    names = sorted(os.path.relpath(f, tree) for f in outcome.files)
    assert names == ["inside.tf", "main.tf", "modules/db.tf"], names
    reasons = {Path(p).name: why for p, why in outcome.passed_over.items()}
    assert reasons["p.tf"] == reasons["etc"] == "a symbolic link leading out of the scanned directories"


def test_a_fifo_is_passed_over_and_the_scan_ends(tree: Path) -> None:
    os.mkfifo(tree / "pipe.tf")
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(scan(ScanOptions([str(tree)]))), daemon=True)
    worker.start()
    worker.join(60)
    assert done, "the scan hung on a FIFO"
    report = done[0]
    assert any("pipe.tf" in note and "not a regular file" in note for note in getattr(report, "notes", [])), \
        getattr(report, "notes", [])


def test_a_named_fifo_is_not_opened(tree: Path) -> None:
    os.mkfifo(tree / "pipe.tf")
    fmt, result = load_file(tree / "pipe.tf")
    assert fmt == "unreadable" and "not a regular file" in result.errors[0].message


def test_a_device_is_never_read_whole(tree: Path) -> None:
    fmt, result = load_file(Path("/dev/zero"))
    assert fmt == "unreadable" and "not a regular file" in result.errors[0].message


def test_reading_stops_at_the_byte_limit(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.loaders as loaders

    big = tree / "big.tf"
    big.write_text(TF + "#" * 4096 + "\n")
    monkeypatch.setattr(loaders, "MAX_FILE_BYTES", 1024)
    read: list[int] = []
    real = loaders._read_capped
    monkeypatch.setattr(loaders, "_read_capped", lambda path: read.append(len(data := real(path))) or data)
    _, result = load_file(big)
    assert read == [1025] and "larger than" in result.errors[0].message
    assert MAX_FILE_BYTES == 20 * 1024 * 1024
