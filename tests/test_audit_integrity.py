"""No advice without an audit record (issue 15 §4), on SQLite and PostgreSQL: text that cannot be
stored is refused at validation, over-long hook/hookInstance/ids are refused, a failing audit
write withholds the cards (503), refused calls are counted rather than stored row by row, deeply
nested JSON is a 400 and an unsized (chunked) body over the limit a 413."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import load_protocol, make_probe_service
from flask import Flask
from jwt_helpers import BASE_URL, ISSUER, es384_key, jwks, write_trust
from sqlalchemy import select
from sqlalchemy.orm import Session
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
    store_fixture,
)

from cds_service.store import Store
from cds_service.store import models as m

SVC = "probe"
URL = f"/cds-services/{SVC}"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(services=(make_probe_service(),))


def rows(store: Store) -> list[tuple[Any, ...]]:
    inv = m.Invocation
    query = select(inv.status, inv.hook, inv.hook_instance, inv.user_id).order_by(inv.id)
    with Session(store.engine) as s:
        return [tuple(r) for r in s.execute(query)]


def raw_post(app: Flask, body_text: str, url: str = URL) -> Any:
    return app.test_client().post(url, data=body_text.encode(), content_type="application/json")


def with_escaped(field: str, escaped: str) -> str:
    """The full patient-view request with ``field`` set to a JSON string literal given escaped, e.g.
    a lone surrogate ``\\ud800`` — which json.dumps of a Python str cannot produce."""
    body = load_protocol("patient-view.full-prefetch.json")
    marker = "@@VALUE@@"
    if field in ("hookInstance", "hook"):
        body[field] = marker
    else:
        body["context"][field] = marker
    return json.dumps(body).replace(f'"{marker}"', f'"{escaped}"')


@pytest.mark.parametrize(
    "field, escaped",
    [
        ("userId", "Practitioner/a\\ud800b"),
        ("hookInstance", "d1577c69-\\ud800"),
        ("hookInstance", "d1577c69-\\udfff\\ud800"),
        ("patientId", "p\\udc00"),
        ("hookInstance", "nul\\u0000inside"),
        ("encounterId", "e\\u0000"),
    ],
)
def test_unstorable_text_is_a_400_and_the_call_is_still_recorded(
    app: Flask, store: Store, field: str, escaped: str
) -> None:
    resp = raw_post(app, with_escaped(field, escaped))
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["issue"][0]["expression"] == [
        field if field == "hookInstance" else f"context.{field}"
    ]
    (row,) = rows(store)
    assert row[0] == 400 and row[1] == "patient-view"
    assert row[2] in ("", load_protocol("patient-view.full-prefetch.json")["hookInstance"])


@pytest.mark.parametrize(
    "field, value",
    [
        ("hookInstance", "h" * 129),
        ("hookInstance", "h" * 60_000),
        ("hook", "patient-view" + "x" * 100),
        ("patientId", "p" * 65),
        ("userId", "Practitioner/" + "u" * 65),
    ],
)
def test_over_long_hook_instance_and_ids_are_a_400_and_not_stored(
    app: Flask, store: Store, field: str, value: str
) -> None:
    resp = raw_post(app, with_escaped(field, value))
    assert resp.status_code == 400
    assert value not in json.dumps(resp.get_json())  # not echoed either
    (row,) = rows(store)
    assert row[0] == 400 and value not in (row[1], row[2], row[3])


def test_a_failing_audit_write_withholds_the_cards(
    app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """If the invocation cannot be recorded, no card goes out: a 503 OperationOutcome that says so."""
    body = load_protocol("patient-view.full-prefetch.json")
    assert app.test_client().post(URL, json=body).status_code == 200

    def broken(rec: Any) -> None:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(store, "record_invocation", broken)
    with caplog.at_level(logging.ERROR):
        resp = app.test_client().post(URL, json=body)
    assert resp.status_code == 503
    outcome = resp.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and "cards" not in outcome
    assert outcome["issue"][0]["code"] == "transient"
    assert "could not be recorded" in outcome["issue"][0]["diagnostics"]
    assert any(getattr(r, "event", None) == "audit_failed" for r in caplog.records)
    # a call that fails validation still gets its own error, not the 503
    bad = app.test_client().post(URL, json={**body, "hookInstance": ""})
    assert bad.status_code == 400
    monkeypatch.undo()
    assert [r[0] for r in rows(store)] == [200]  # only the call whose cards went out


def test_refused_calls_are_counted_not_stored(
    make_app: Callable[..., Flask], store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    trust = write_trust(tmp_path / "trust.json", {ISSUER: {"jwks": jwks(es384_key())}})
    app = make_app(
        services=(make_probe_service(),),
        settings_overrides={"auth_enabled": True, "trust_file": str(trust), "public_base_url": BASE_URL},
    )
    client = app.test_client()
    body = load_protocol("patient-view.full-prefetch.json")
    with caplog.at_level(logging.WARNING, logger="cds_service.auth"):
        for i in range(60):
            headers = {"Authorization": "Bearer not.a.jwt"} if i % 2 else {}
            assert client.post(URL, json=body, headers=headers).status_code == 401
    assert rows(store) == []
    rejections = app.extensions["cds_auth_rejections"]
    assert rejections.total == 60
    logged = [r for r in caplog.records if getattr(r, "event", None) == "auth_rejected"]
    assert 1 <= len(logged) <= rejections.burst
    assert sum(rejections.suppressed.values()) == 60 - len(logged)


def test_rejection_log_summarises_each_interval() -> None:
    from cds_service.auth import AuthFailure, RejectionLog

    now = [0.0]
    log = RejectionLog(burst=2, interval=10, clock=lambda: now[0])
    for _ in range(5):
        log.note(AuthFailure("x", "no bearer token"), "POST", "/cds-services/x")
    assert log.suppressed == {"no bearer token": 3}
    now[0] = 11
    log.note(AuthFailure("x", "no bearer token"), "POST", "/cds-services/x")
    assert log.suppressed == {} and log.total == 6


@pytest.mark.parametrize("url", [URL, f"{URL}/feedback"])
def test_deeply_nested_json_is_a_400(app: Flask, url: str) -> None:
    depth = 20_000  # 40 kB: within the test limit of 64 kB
    resp = raw_post(app, '{"hook": ' + "[" * depth + "]" * depth + "}", url)
    assert resp.status_code == 400
    assert "nested too deeply" in resp.get_json()["issue"][0]["diagnostics"]


def chunked(app: Flask, url: str, payload: bytes) -> Any:
    return app.test_client().post(
        url,
        input_stream=io.BytesIO(payload),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("url", [URL, f"{URL}/feedback"])
def test_an_unsized_body_over_the_limit_is_a_413(app: Flask, url: str) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = chunked(app, url, b"{" + b" " * limit + b"}")
    assert resp.status_code == 413
    assert resp.get_json()["issue"][0]["code"] == "too-costly"


def test_an_unsized_body_within_the_limit_is_served(app: Flask) -> None:
    body = json.dumps(load_protocol("patient-view.full-prefetch.json")).encode()
    assert len(body) < app.config["MAX_CONTENT_LENGTH"]
    resp = chunked(app, URL, body)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["cards"]
