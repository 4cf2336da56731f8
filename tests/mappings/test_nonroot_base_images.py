"""ME-IMG-01 on a final stage without USER: it runs as its base image's user. Images whose tag says they run as a
non-root user (distroless ``:nonroot`` / ``:debug-nonroot``) or that are built to (nginx-unprivileged) comply; any
other base image is taken to run as root."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Status
from tests.conftest import scan_files


@pytest.mark.parametrize("base, user, expected", [
    ("gcr.io/distroless/static-debian12:nonroot", "", Status.COMPLIES),
    ("gcr.io/distroless/java17-debian12:nonroot@sha256:" + "a" * 64, "", Status.COMPLIES),
    ("gcr.io/distroless/base-debian12:debug-nonroot", "", Status.COMPLIES),
    ("docker.io/nginxinc/nginx-unprivileged:1.29-alpine", "", Status.COMPLIES),
    ("gcr.io/distroless/static-debian12:nonroot", "USER root", Status.VIOLATES),  # the file's USER decides
    ("gcr.io/distroless/static-debian12", "", Status.VIOLATES),
    ("alpine:3.20", "", Status.VIOLATES),
    ("example.com/nonroot-tools:1.0", "", Status.VIOLATES),  # the name, not the tag
])
def test_final_stage_takes_its_base_image_user(tmp_path: Path, base: str, user: str, expected: Status) -> None:
    dockerfile = (f"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM {base}\nCOPY --from=build /app /app\n"
                  f'{user}\nENTRYPOINT ["/app"]\n')
    found = [f for f in scan_files(tmp_path, {"Dockerfile": dockerfile}, "ME-IMG-01") if f.resource_address == "image"]
    assert found[0].status == expected, found[0].message
