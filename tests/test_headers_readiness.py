"""Response headers, CORS and readiness (issue 15 §5): every response is ``nosniff`` and
``no-store``; no browser origin is allowed unless configured; liveness is separate from readiness,
which fails (503) when the replica cannot serve — auth on without a trust file, or the database
unreachable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import load_protocol
from flask import Flask
from jwt_helpers import ISSUER, es384_key, jwks, write_trust

from cds_service.settings import Settings

ORIGIN = "https://sandbox.cds-hooks.org"


def assert_hardened(resp: Any) -> None:
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"


def test_every_response_is_nosniff_and_no_store(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    body = load_protocol("patient-view.full-prefetch.json")
    responses = [
        client.post("/cds-services/radicular-pathway", json=body),  # cards
        client.post("/cds-services/radicular-pathway", json={**body, "hookInstance": ""}),  # 400
        client.post("/cds-services/radicular-pathway/feedback", json={"feedback": []}),
        client.get("/cds-services"),
        client.get("/nowhere"),  # 404 from Werkzeug
        client.get("/health/ready"),
        client.get("/health/live"),
        client.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [200, 400, 200, 200, 404, 200, 200, 200]
    for resp in responses:
        assert_hardened(resp)


def test_no_browser_origin_is_allowed_by_default(make_app: Callable[..., Flask]) -> None:
    assert Settings().cors_origins == ()
    assert Settings.from_env({}).cors_origins == ()
    client = make_app(settings_overrides={"cors_origins": ()}).test_client()
    for origin in (ORIGIN, "https://evil.example.com"):
        resp = client.get("/cds-services", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in resp.headers
        pre = client.options(
            "/cds-services/radicular-pathway",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in pre.headers


def test_a_configured_origin_is_allowed_and_no_other(make_app: Callable[..., Flask]) -> None:
    client = make_app(settings_overrides={"cors_origins": (ORIGIN,)}).test_client()
    allowed = client.get("/cds-services", headers={"Origin": ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = client.get("/cds-services", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_readiness_fails_with_auth_on_and_no_trust_file(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    client = make_app(settings_overrides={"auth_enabled": True, "trust_file": None}).test_client()
    assert client.get("/health/live").status_code == 200
    for path in ("/health/ready", "/health"):
        resp = client.get(path)
        assert resp.status_code == 503
        outcome = resp.get_json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert "no trust file" in outcome["issue"][0]["diagnostics"]
    trust = write_trust(tmp_path / "trust.json", {ISSUER: {"jwks": jwks(es384_key())}})
    ready = make_app(settings_overrides={"auth_enabled": True, "trust_file": str(trust)}).test_client()
    assert ready.get("/health/ready").get_json() == {"status": "pass", "services": 2}


def test_readiness_fails_when_the_database_is_unreachable(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/health/ready").status_code == 200
    engine = app.extensions["cds_store"].engine

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(engine, "connect", refuse)
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert "database is unreachable" in resp.get_json()["issue"][0]["diagnostics"]
    assert "database down" not in resp.get_data(as_text=True)
    assert client.get("/health/live").status_code == 200  # alive: do not restart, just do not route


def test_readiness_with_a_real_unreachable_postgres(make_app: Callable[..., Flask]) -> None:
    """A PostgreSQL URL nobody listens on (a loopback port just closed): readiness 503, liveness 200."""
    import socket

    from cds_service.store import Store

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2"
    store = Store.from_url(url, migrate=False)
    try:
        client = make_app(store=store).test_client()
        assert client.get("/health/ready").status_code == 503
        assert client.get("/health/live").status_code == 200
    finally:
        store.close()
