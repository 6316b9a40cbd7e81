"""The pathway app behind the real ``radicular-cds serve`` (gunicorn, 2 workers): launches,
callbacks and page views sent on fresh connections, so they land on either worker, all succeed —
on a SQLite file (the workers share the key file they race to create) and on PostgreSQL (with
CDS_APP_SESSION_KEY, as replicas would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from cds_service.smart.views import APP_VIEW_HOOK, COOKIE
from cds_service.store import Store
from cds_service.store import models as m
from tests.live_server import LiveServer
from tests.smart_helpers import CLIENT_ID, scenario, write_trust
from tests.smart_servers import Client, Ehr, LaunchUser, start_ehr
from tests.store_helpers import PostgresSchema

SCENARIO = "f3_failed_tfesi_concordant"
LAUNCHES = 4
VIEWS = 5


@pytest.fixture
def ehr() -> Iterator[Ehr]:
    record, _ = scenario(SCENARIO)
    servers = start_ehr(record)
    yield servers
    servers.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'cds.sqlite3'}", {}
        return
    schema = PostgresSchema()
    try:
        yield schema.url, {"CDS_APP_SESSION_KEY": Fernet.generate_key().decode()}
    finally:
        schema.drop()


def cookie_of(resp: requests.Response) -> str:
    header = resp.headers["Set-Cookie"]
    assert header.startswith(COOKIE + "=")
    return header.split(";")[0].split("=", 1)[1]


def fresh() -> requests.Session:
    """A new connection for every request: gunicorn's workers each accept their share."""
    s = requests.Session()
    s.trust_env = False
    s.headers["Connection"] = "close"
    return s


def test_launches_and_pages_succeed_whichever_worker_answers(
    ehr: Ehr, database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = database
    record, expected = scenario(SCENARIO)
    trust = write_trust(tmp_path / "trust.json", [ehr.fhir_base], loopback_http=True)
    server = LiveServer(
        url,
        tmp_path / "serve.log",
        workers=2,
        extra_env={
            **env,
            "CDS_TRUST_FILE": str(trust),
            "CDS_EVALUATION_DATE": expected["evaluation_date"],
        },
    )
    with server:
        ehr.clients[CLIENT_ID] = Client(CLIENT_ID, (f"{server.base_url}/app/callback",))
        for n in range(LAUNCHES):
            ehr.launches[f"launch-{n}"] = LaunchUser(record["context"]["patientId"], "F3")
            launched = fresh().get(
                f"{server.base_url}/app/launch",
                params={"iss": ehr.fhir_base, "launch": f"launch-{n}"},
                allow_redirects=False,
                timeout=30,
            )
            assert launched.status_code == 302, launched.text[:300]
            authorized = fresh().get(launched.headers["Location"], allow_redirects=False, timeout=30)
            assert authorized.status_code == 302, authorized.text[:300]
            called_back = fresh().get(
                authorized.headers["Location"],
                headers={"Cookie": f"{COOKIE}={cookie_of(launched)}"},
                allow_redirects=False,
                timeout=30,
            )
            assert called_back.status_code == 303, called_back.text[:300]
            sid = cookie_of(called_back)
            for _ in range(VIEWS):
                page = fresh().get(
                    f"{server.base_url}/app/", headers={"Cookie": f"{COOKIE}={sid}"}, timeout=30
                )
                assert page.status_code == 200, page.text[:300]
                assert 'id="state-F3"' in page.text
    store = Store.from_url(url, migrate=False)
    try:
        with store.engine.connect() as conn:
            views = conn.scalar(
                select(func.count()).select_from(m.Invocation).where(m.Invocation.hook == APP_VIEW_HOOK)
            )
    finally:
        store.close()
    assert views == LAUNCHES * VIEWS
