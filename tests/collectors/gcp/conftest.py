"""Fixtures of the GCP collector tests: ADC answering with a bearer token, the fake APIs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.collectors.gcp.fake import FakeGcp, serve
from tests.collectors.gcp.scenario import PROJECT, compliant

pytest.importorskip("google.cloud.compute_v1", reason="the gcp extra is not installed")

TOKEN = "ya29.test-token"


@pytest.fixture(autouse=True)
def adc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Application Default Credentials as a plain access token (what `gcloud auth print-access-token` gives)."""
    import google.auth
    import google.oauth2.credentials

    monkeypatch.setattr(google.auth, "default", lambda scopes=None, **_: (
        google.oauth2.credentials.Credentials(TOKEN, scopes=scopes), PROJECT))


@pytest.fixture
def fake() -> Iterator[FakeGcp]:
    with serve(FakeGcp({PROJECT: compliant()})) as running:
        yield running
    # Read-only, whatever the test did: every request the fake saw was a GET carrying the token.
    assert running.requests
    assert {r.method for r in running.requests} == {"GET"}, [(r.method, r.path) for r in running.requests]
    assert {r.authorization for r in running.requests} == {f"Bearer {TOKEN}"}
