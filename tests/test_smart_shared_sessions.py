"""The pathway app across processes: the launch handled by one app instance, the callback and the
pages by another, both on one database — as two workers of ``radicular-cds serve`` or two replicas
behind a load balancer are — on a SQLite file and on PostgreSQL. Each page view is an audit row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import responses
from conftest import FIXED_NOW
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.app import create_app
from cds_service.settings import Settings
from cds_service.smart.views import APP_USER, APP_VIEW_HOOK, COOKIE
from cds_service.store import Store
from cds_service.store import models as m
from tests.smart_helpers import scenario, write_trust
from tests.test_smart_launch import (
    ACCESS_TOKEN,
    BASE,
    FHIR,
    SCENARIO,
    fhir_server,
    query,
    smart_config,
    token_endpoint,
)

PATHWAY = "radicular-pathway"


@pytest.fixture(name="instances")
def instances_fixture(settings: Settings, db_url: str, tmp_path: Path) -> Iterator[Callable[[], Flask]]:
    """A factory of app instances, each with its own store (its own connections) on ``db_url``.
    On SQLite no key is set, so the instances share the key file beside the database; on
    PostgreSQL, like replicas, they share CDS_APP_SESSION_KEY."""
    _, expected = scenario(SCENARIO)
    s = replace(
        settings,
        database_url=db_url,
        trust_file=str(write_trust(tmp_path / "trust.json", [FHIR])),
        public_base_url=BASE,
        evaluation_date=expected["evaluation_date"],
        app_session_key=None if db_url.startswith("sqlite") else Fernet.generate_key().decode(),
    )
    stores: list[Store] = []

    def make() -> Flask:
        store = Store.from_url(db_url, migrate=False)
        stores.append(store)
        app = create_app(s, store=store, clock=lambda: FIXED_NOW)
        app.config["TESTING"] = True
        return app

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def ehr() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def cookie(resp: Any) -> str:
    header = resp.headers["Set-Cookie"]
    assert header.startswith(COOKIE + "=")
    return str(header.split(";")[0].split("=", 1)[1])


def get(app: Flask, path: str, sid: str | None) -> Any:
    client = app.test_client()  # a fresh client: only the cookie passed on here travels
    if sid is not None:
        client.set_cookie(COOKIE, sid, domain="cds.example.org", path="/app")
    return client.get(path, base_url=BASE)


def test_a_launch_started_on_one_instance_finishes_and_shows_on_another(
    instances: Callable[[], Flask], ehr: responses.RequestsMock, db_url: str
) -> None:
    first, second = instances(), instances()
    request, _ = scenario(SCENARIO)
    patient = request["context"]["patientId"]
    smart_config(ehr)
    token_endpoint(ehr, [], patient)
    fhir_server(ehr, request)

    launched = first.test_client().get(f"/app/launch?iss={FHIR}&launch=launch-1", base_url=BASE)
    assert launched.status_code == 302
    state, launch_sid = query(launched.location)["state"], cookie(launched)

    called_back = get(second, f"/app/callback?code=c&state={state}", launch_sid)
    assert called_back.status_code == 303, called_back.get_data(as_text=True)[:300]
    session_sid = cookie(called_back)
    assert session_sid != launch_sid
    replay = get(first, f"/app/callback?code=c&state={state}", launch_sid)
    assert replay.status_code == 400 and "expired" in replay.get_data(as_text=True)

    for app in (second, first, second):
        page = get(app, "/app/", session_sid)
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        assert 'id="state-F3"' in page.get_data(as_text=True)
        assert '<form class="logout" method="post" action="/app/logout">' in page.get_data(as_text=True)
        assert ACCESS_TOKEN not in page.get_data(as_text=True)

    store = Store.from_url(db_url, migrate=False)
    try:
        with store._sessions() as s:
            views = list(s.scalars(select(m.Invocation).where(m.Invocation.hook == APP_VIEW_HOOK)))
            assert [(v.service_id, v.patient_id, v.user_id, v.status, v.card_count) for v in views] == [
                (PATHWAY, patient, APP_USER, 200, 0)
            ] * 3
            assert len({v.hook_instance for v in views}) == 3
            assert s.scalar(select(m.AppSessionRow.kind)) == "session"

        ended = first.test_client()
        ended.set_cookie(COOKIE, session_sid, domain="cds.example.org", path="/app")
        out = ended.post("/app/logout", base_url=BASE)
        assert out.status_code == 200 and "has ended" in out.get_data(as_text=True)
        assert f"{COOKIE}=;" in out.headers["Set-Cookie"]
        demo = get(second, f"/app/demo/{SCENARIO}", None)
        assert demo.status_code == 200 and "/app/logout" not in demo.get_data(as_text=True)
        gone = get(second, "/app/", session_sid)
        assert gone.status_code == 401 and "No pathway session" in gone.get_data(as_text=True)
        with store._sessions() as s:
            assert list(s.scalars(select(m.AppSessionRow))) == [], "nothing of the session is kept"
            assert s.scalar(select(m.Invocation.id).where(m.Invocation.status == 401)) is None
    finally:
        store.close()


def test_a_page_view_that_cannot_read_the_record_is_audited_with_its_status(
    instances: Callable[[], Flask], ehr: responses.RequestsMock, db_url: str
) -> None:
    first, second = instances(), instances()
    request, _ = scenario(SCENARIO)
    smart_config(ehr)
    token_endpoint(ehr, [], request["context"]["patientId"])
    fhir_server(ehr, request, status=401)
    launched = first.test_client().get(f"/app/launch?iss={FHIR}&launch=launch-2", base_url=BASE)
    state = query(launched.location)["state"]
    sid = cookie(get(second, f"/app/callback?code=c&state={state}", cookie(launched)))
    assert get(first, "/app/", sid).status_code == 502
    store = Store.from_url(db_url, migrate=False)
    try:
        with store._sessions() as s:
            view = s.scalars(select(m.Invocation).where(m.Invocation.hook == APP_VIEW_HOOK)).one()
            assert (view.status, view.patient_id, view.error) == (
                502,
                request["context"]["patientId"],
                "app_record_unavailable",
            )
    finally:
        store.close()
