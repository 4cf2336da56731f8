"""Secrets an attacker's pull request or a cloud account holds (issue 17): Dockerfile ENV/ARG and build args
are detected; passwords in URLs and in image references are masked in every output format and in snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.loaders.secrets import detect
from scanner.masking import mask_fields, redact
from scanner.reporters import REPORTERS
from tests.conftest import run_cli

ENV_SECRET = "Zq8-unguessable-Hx3"
ARG_SECRET = "Tk9-unguessable-Pq2"
LEGACY_SECRET = "Sk7-unguessable-Lm4"
BUILD_ARG_SECRET = "Bq8-unguessable-Hx5"
IMAGE_SECRET = "Pw5-unguessable-Rt1"
URL_SECRET = "Uq3-unguessable-Vx9"
PLANTED = (ENV_SECRET, ARG_SECRET, LEGACY_SECRET, BUILD_ARG_SECRET, IMAGE_SECRET, URL_SECRET)

DOCKERFILE = (f"FROM alpine:3.19\nARG API_TOKEN={ARG_SECRET}\nENV DB_PASSWORD={ENV_SECRET} LOG_LEVEL=debug\n"
              f"ENV SECRET_KEY {LEGACY_SECRET}\nENV APP_HOME=/app\nARG VERSION\nCMD [\"sh\"]\n")
SCRIPT = f"#!/bin/sh\ndocker build --build-arg DB_PASSWORD={BUILD_ARG_SECRET} --build-arg VERSION=1.2 .\n"
POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - name: app\n"
       f"      image: deploy:{IMAGE_SECRET}@registry.example.com/app:1.0\n      env:\n"
       f"        - {{name: DATABASE_URL, value: 'postgres://u:{URL_SECRET}@db/app'}}\n")


def test_dockerfile_env_and_arg_literals_are_credentials() -> None:
    found = {c.key: c for c in detect(DOCKERFILE, "dockerfile")}
    assert set(found) == {"API_TOKEN", "DB_PASSWORD", "SECRET_KEY"}, found
    assert all(c.literal and c.kind == "credential" for c in found.values())
    assert [found[k].line for k in ("API_TOKEN", "DB_PASSWORD", "SECRET_KEY")] == [2, 3, 4]


def test_a_dockerfile_env_reference_is_no_literal() -> None:
    found = detect("FROM alpine\nARG DB_PASSWORD\nENV DB_PASSWORD=${DB_PASSWORD}\n", "dockerfile")
    assert [c.literal for c in found] == [False]


def test_build_args_in_a_script_are_credentials() -> None:
    found = detect(SCRIPT, "shell")
    assert [(c.key, c.literal) for c in found] == [("DB_PASSWORD", True)]


@pytest.mark.parametrize("text", [f"deploy:{IMAGE_SECRET}@registry.example.com/app:1.0",
                                  f"image: u:{IMAGE_SECRET}@ghcr.io/o/app@sha256:{'a' * 64}"])
def test_an_image_reference_password_is_masked(text: str) -> None:
    assert IMAGE_SECRET not in redact(text)
    assert "registry.example.com/app:1.0" in redact(text) or "ghcr.io/o/app" in redact(text)


@pytest.mark.parametrize("text", ["nginx:1.25@sha256:" + "a" * 64, "git@github.com:org/repo.git",
                                  "registry.example.com/app:1.0@sha256:" + "b" * 64, "user@example.com",
                                  "a:b@c", "http://host:8080/path"])
def test_what_is_no_image_credential_stays(text: str) -> None:
    assert redact(text) == text


def test_snapshots_mask_urls_tags_and_image_credentials() -> None:
    answer = {"containerDefinitions": [{
        "image": f"deploy:{IMAGE_SECRET}@registry.example.com/app:1.0",
        "environment": [{"name": "DATABASE_URL", "value": f"postgres://u:{URL_SECRET}@db/app"},
                        {"name": "LOG_LEVEL", "value": "debug"}]}],
        "Tags": [{"Key": "db_password", "Value": ENV_SECRET}, {"Key": "api_token", "Value": ARG_SECRET},
                 {"Key": "team", "Value": "platform"}],
        "tags": [{"key": "api_token", "value": LEGACY_SECRET}]}
    text = json.dumps(mask_fields(answer))
    assert not [s for s in PLANTED if s in text], text
    assert "platform" in text and "debug" in text and "registry.example.com/app:1.0" in text


def test_no_planted_secret_reaches_any_report_format(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (repo / "build.sh").write_text(SCRIPT, encoding="utf-8")
    (repo / "k8s" / "pod.yaml").write_text(POD, encoding="utf-8")
    formats = sorted(REPORTERS.names())
    assert len(formats) == 8
    flags = [arg for fmt in formats for arg in ("--format", f"{fmt}:{tmp_path / ('out.' + fmt)}")]
    result = run_cli("scan", str(repo), *flags, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    leaked = {fmt: [s for s in PLANTED if s in (tmp_path / f"out.{fmt}").read_text(encoding="utf-8")]
              for fmt in formats}
    assert not any(leaked.values()), leaked
    assert not [s for s in PLANTED if s in result.stdout + result.stderr]
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    literal = {(f["location"]["file"].rsplit("/", 1)[-1], f["resource"]["address"]) for f in report["findings"]
               if f["policy_id"] == "ME-SEC-01" and f["status"] == "violates"}
    assert {("Dockerfile", "API_TOKEN"), ("Dockerfile", "DB_PASSWORD"), ("build.sh", "DB_PASSWORD")} <= literal, \
        literal
