"""End to end in a real browser: a pathway card's smart link launches the app through the SMART
EHR launch against an authorization server and a FHIR server on loopback, and the page shows the
scenario's history as a picture with the pathway state marked.

Debian's chromium and chromium-driver drive the browser through Selenium (``scripts/test``
installs them when missing). Never skipped: without the browser this test fails and says why.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from werkzeug.serving import make_server

from cds_service.app import create_app
from cds_service.settings import Settings
from cds_service.smart.views import APP_VIEW_HOOK
from cds_service.store import Store
from cds_service.store import models as m
from tests.jwt_helpers import es384_key, mint
from tests.smart_helpers import CLIENT_ID, scenario, write_trust
from tests.smart_servers import Client, Ehr, LaunchUser, start_ehr

SCENARIO = "f3_failed_tfesi_concordant"
WAIT_SECONDS = 30


def browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    if not chromium or not driver:
        pytest.fail(
            "the end-to-end test needs Debian's chromium and chromium-driver; scripts/test installs them "
            "(apt-get install -y chromium chromium-driver)"
        )
    return chromium, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    chromium, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,1600",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def ehr() -> Iterator[Ehr]:
    record, _ = scenario(SCENARIO)
    servers = start_ehr(record)
    yield servers
    servers.stop()


@pytest.fixture
def service(ehr: Ehr, tmp_path: Path) -> Iterator[str]:
    """The CDS service (auth on, trusting the loopback EHR) in a real HTTP server; its base URL."""
    box: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: box["app"](env, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    _, expected = scenario(SCENARIO)
    trust = write_trust(tmp_path / "trust.json", [ehr.fhir_base], loopback_http=True)
    settings = Settings(
        public_base_url=base,
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        trust_file=str(trust),
        evaluation_date=expected["evaluation_date"],
        log_level="WARNING",
    )
    box["app"] = create_app(settings)
    # the EHR knows the app as a public client with this callback (registered out of band)
    ehr.clients[CLIENT_ID] = Client(CLIENT_ID, (f"{base}/app/callback",))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def test_a_pathway_card_launches_the_app_in_a_real_browser(
    browser: webdriver.Chrome, ehr: Ehr, service: str, tmp_path: Path
) -> None:
    """The EHR calls the hook, takes the F3 card's smart link, launches it with iss and launch; the
    browser goes through authorize (PKCE) and the callback to the page, which shows every procedure
    in the picture and the state marked; the token is never in the browser's reach."""
    record, _ = scenario(SCENARIO)
    # 1. the hook call, signed as the EHR
    aud = f"{service}/cds-services/radicular-pathway"
    hook = requests.post(
        aud, json=record, headers={"Authorization": f"Bearer {mint(es384_key(), aud)}"}, timeout=30
    )
    assert hook.status_code == 200, hook.text[:500]
    card = next(c for c in hook.json()["cards"] if c["source"]["topic"]["code"] == "F3")
    link = next(lk for lk in card["links"] if lk["type"] == "smart")
    assert link["url"] == f"{service}/app/launch" and link["appContext"] == "F3"

    # 2. the EHR registers the launch context and opens the link with iss and launch
    ehr.launches["launch-e2e-1"] = LaunchUser(record["context"]["patientId"], link["appContext"])
    browser.get(f"{link['url']}?iss={ehr.fhir_base}&launch=launch-e2e-1")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.timeline"))

    # 3. where the browser ended and what it shows
    assert browser.current_url == f"{service}/app/"
    assert "Failed, surgical target" in browser.find_element(By.TAG_NAME, "h1").text
    now = browser.find_element(By.CSS_SELECTOR, "[aria-current='step']")
    assert "After a failed injection" in now.text and "Failed, surgical target (now)" in now.text
    wide = browser.find_element(By.CSS_SELECTOR, "div.wide svg.timeline")
    procedures = [
        e["resource"]
        for e in record["prefetch"]["procedures"]["entry"]
        if e["resource"]["status"] == "completed"
    ]
    for p in procedures:
        marks = wide.find_elements(By.CSS_SELECTOR, f"[data-ref='Procedure/{p['id']}']")
        assert len(marks) == 1, f"Procedure/{p['id']} drawn {len(marks)} times"
    esi = wide.find_element(By.CSS_SELECTOR, "[data-ref='Procedure/esi-1']")
    assert "fail" in (esi.get_attribute("class") or "").split()
    assert browser.find_element(By.ID, "state-F3").is_displayed()

    # 4. the flow was SMART with PKCE, and the record was read with the issued token only
    (auth_request,) = ehr.authorize_requests
    assert auth_request["code_challenge_method"] == "S256" and auth_request["aud"] == ehr.fhir_base
    assert auth_request["scope"] == "launch openid fhirUser patient/*.rs"
    (token_request,) = ehr.token_requests
    assert token_request["code_verifier"] and token_request["client_id"] == CLIENT_ID
    assert ehr.fhir_requests and all(with_token for _, with_token in ehr.fhir_requests)
    (access_token,) = ehr.tokens
    assert access_token not in browser.page_source and access_token not in browser.current_url
    (cookie,) = browser.get_cookies()
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert access_token not in cookie["value"]

    # 5. the page view is in the governance record, with the user the verified id_token names
    store = Store.from_url(f"sqlite:///{tmp_path / 'cds.sqlite3'}", migrate=False)
    try:
        with store.engine.connect() as conn:
            views = conn.execute(
                select(
                    m.Invocation.service_id,
                    m.Invocation.patient_id,
                    m.Invocation.user_id,
                    m.Invocation.status,
                ).where(m.Invocation.hook == APP_VIEW_HOOK)
            ).all()
    finally:
        store.close()
    assert [tuple(v) for v in views] == [
        ("radicular-pathway", record["context"]["patientId"], "Practitioner/e2e-clinician", 200)
    ]
