"""FHIR server faults: every way the EHR's FHIR server can fail maps to an answer a clinician can trust.

The service is called over its HTTP API with no prefetch, so every prefetch key is fetched from a
fake FHIR server on loopback (``tests/fault_server.py``) that misbehaves for one resource type.
A fault on a required key (conditions, procedures) must give HTTP 412 with an OperationOutcome
naming the key; a fault on an optional key (observations, ...) must give the cards with the key
and the reason listed under what could not be checked. Either way the answer comes within the
configured time budget, the bearer token reaches no origin other than ``fhirServer`` (checked on
the bytes a second loopback server received), and no thread or socket outlives the call.

A probe service with the real services' prefetch templates and required keys renders the
unavailable keys on its card, so these tests hold whatever the clinical rules decide.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fault_server import (
    THREAD_PREFIX,
    Behaviour,
    FakeFhirServer,
    answer,
    endless_paging,
    hang,
    html_page,
    huge,
    invalid_json,
    next_to,
    redirect_to,
    slow_pages,
    status,
    trickle,
)
from flask import Flask
from flask.testing import FlaskClient

from cds_service.settings import Settings
from fhir_fixtures import fhir_builder as fb
from hooks.registry import history_prefetch
from hooks.terminology import default_terminology

TOKEN = "fhir-access-token-3f9c1e7a5b2d4086"
# Wide enough that a well-behaved loopback answer never times out on a busy 2-core CI machine.
TIMEOUT = 2.0  # per FHIR call
BUDGET = 3.0  # all FHIR calls of one invocation
PAGE_CAP = 4
MAX_BYTES = 4 * 1024 * 1024
FIFTY_MB = 50 * 1024 * 1024
# Time allowed on top of the budget for the rest of the request on a small shared CI machine.
SLACK = 2.0
# How long a FHIR worker may still run after the answer: its call's own timeout, plus scheduling.
GRACE = TIMEOUT + 1.0

FAULT_SETTINGS = {
    "fhir_timeout_seconds": TIMEOUT,
    "fhir_total_budget_seconds": BUDGET,
    "fhir_page_cap": PAGE_CAP,
    "fhir_max_response_bytes": MAX_BYTES,
}

PATIENT_ID = "pat-fault-1"
RADICULOPATHY = fb.condition(
    "cond-1",
    fb.concept(fb.icd("M54.16")),
    {"reference": f"Patient/{PATIENT_ID}"},
    verification=None,
    category=None,
    recorded="2026-03-09",
)


def request_body(fhir_server: str, hook: str = "patient-view") -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/prac-1", "patientId": PATIENT_ID}
    if hook != "patient-view":
        # one draft order: order-select must select at least one (an empty selection is a 400)
        draft = {
            "resourceType": "ServiceRequest", "id": "draft-1", "status": "draft", "intent": "order",
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}]},
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
        }  # fmt: skip
        entry = [{"resource": draft}]
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": entry}
    if hook == "order-select":
        context["selections"] = ["ServiceRequest/draft-1"]
    return {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": fhir_server,
        "fhirAuthorization": {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        },
        "context": context,
    }


# ---------------------------------------------------------------------------------------------
# What this process holds open: threads (other than the fake servers') and sockets


def service_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if not t.name.startswith(THREAD_PREFIX)]


_SOCKET = re.compile(r"socket:\[(\d+)\]")


def _fds() -> dict[str, str]:
    """fd number → link target (``socket:[inode]``, a path, a pipe) for this process."""
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed while listing (the listing's own fd)
    return out


def _tcp_sockets() -> dict[str, tuple[int, int, str]]:
    """inode → (local port, remote port, state) for every TCP socket on the machine."""
    table: dict[str, tuple[int, int, str]] = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(name)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            cols = line.split()
            local = int(cols[1].rsplit(":", 1)[1], 16)
            remote = int(cols[2].rsplit(":", 1)[1], 16)
            table[cols[9]] = (local, remote, cols[3])
    return table


def client_sockets_to(ports: set[int]) -> list[str]:
    """This process's TCP sockets connected to one of ``ports`` (the service's side)."""
    tcp = _tcp_sockets()
    found = []
    for target in _fds().values():
        m = _SOCKET.match(target)
        if m and m.group(1) in tcp and tcp[m.group(1)][1] in ports:
            local, remote, state = tcp[m.group(1)]
            found.append(f"{local}->{remote} (state {state})")
    return found


# The store's SQLite files: its connection pool may open another (bounded) connection whenever
# calls overlap, which is not a per-call leak.
_STORE_FILE = re.compile(r"\.sqlite3(-wal|-shm|-journal)?$")


def service_fds(fake_ports: set[int]) -> int:
    """Open fds of this process, not counting the fake servers' own sockets (their side) or the
    store's pooled database files."""
    tcp = _tcp_sockets()
    n = 0
    for target in _fds().values():
        if _STORE_FILE.search(target):
            continue
        m = _SOCKET.match(target)
        if m and m.group(1) in tcp and tcp[m.group(1)][0] in fake_ports:
            continue
        n += 1
    return n


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------
# Fixtures


@dataclass
class Rig:
    fhir: FakeFhirServer  # the EHR's FHIR server (fhirServer)
    other: FakeFhirServer  # another origin: must never see a request with the token
    client: FlaskClient
    settings: Settings


@pytest.fixture
def rig(make_app: Callable[..., Flask], probe_service: Any) -> Iterator[Rig]:
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        fhir.on("Condition", answer([RADICULOPATHY]))
        app = make_app(services=(probe_service,), settings_overrides=FAULT_SETTINGS)
        yield Rig(fhir, other, app.test_client(), app.config["SETTINGS"])


@dataclass
class Call:
    status: int
    body: dict[str, Any]
    elapsed: float


def call(rig: Rig, service_id: str = "probe", hook: str = "patient-view") -> Call:
    started = time.monotonic()
    resp = rig.client.post(f"/cds-services/{service_id}", json=request_body(rig.fhir.base_url, hook))
    return Call(resp.status_code, resp.get_json(), time.monotonic() - started)


def not_checked(body: dict[str, Any]) -> str:
    """The 'Not recorded' line of the cards' details (where the service names missing data)."""
    details = [c.get("detail", "") for c in body["cards"]]
    return "\n".join(
        d.split("**Not recorded:**", 1)[1].split("\n", 1)[0] for d in details if "**Not recorded:**" in d
    )


# ---------------------------------------------------------------------------------------------
# The faults. Each is a behaviour for one resource type and the reason the service should give.


@dataclass(frozen=True)
class Fault:
    name: str
    make: Callable[[FakeFhirServer], Behaviour]  # gets the other-origin server
    reason: str  # a regex the OperationOutcome / card must contain
    partial: bool = False  # the first page arrives, so the data is there but incomplete


FAULTS = [
    Fault("timeout", lambda o: hang(30), rf"did not answer within {TIMEOUT:g} s"),
    Fault(
        "slow pages beyond the budget",
        lambda o: slow_pages(TIMEOUT * 0.6),
        rf"did not answer within the {BUDGET:g} s budget",
    ),
    Fault(
        "body that never ends",
        lambda o: trickle(30),
        rf"did not answer within (the {BUDGET:g} s budget|{TIMEOUT:g} s)",
    ),
    Fault("HTTP 500", lambda o: status(500), r"answered with an error status"),
    Fault("HTTP 401", lambda o: status(401), r"refused access"),
    Fault("HTTP 403", lambda o: status(403), r"refused access"),
    Fault("invalid JSON", lambda o: invalid_json(), r"not JSON"),
    Fault("HTML error page with 200", lambda o: html_page(200), r"not JSON"),
    Fault("HTML error page with 502", lambda o: html_page(502), r"answered with an error status"),
    Fault(
        "next link to another host", lambda o: next_to(o.base_url), r"next page is on another server", True
    ),
    Fault(
        "redirect to another host (302)", lambda o: redirect_to(o.base_url, 302), r"error status"
    ),
    Fault(
        "redirect to another host (307)", lambda o: redirect_to(o.base_url, 307), r"error status"
    ),
    Fault(
        "endless paging loop", lambda o: endless_paging(), rf"only the first {PAGE_CAP} pages were read", True
    ),
    Fault("50 MB response with Content-Length", lambda o: huge(FIFTY_MB, True), r"larger than \d+ bytes"),
    Fault("50 MB response without Content-Length", lambda o: huge(FIFTY_MB, False), r"larger than \d+ bytes"),
]

# (resource type the fault hits, prefetch key, required?)
REQUIRED = ("Procedure", "procedures")
OPTIONAL = ("Observation", "observations")


def check_hygiene(rig: Rig, threads_before: int, fds_before: int) -> None:
    """No token to another origin; the token did reach fhirServer; no thread or socket left over."""
    assert rig.other.accepted == 0, "a request went to another origin"
    assert TOKEN.encode() not in rig.other.raw_bytes()
    assert b"authorization" not in rig.other.raw_bytes().lower()
    assert rig.fhir.seen and all(
        s.headers.get("Authorization") == f"Bearer {TOKEN}" for s in rig.fhir.seen
    ), "every request to fhirServer carries the bearer token"

    ports = {rig.fhir.port, rig.other.port}
    assert wait_until(lambda: len(service_threads()) <= threads_before, GRACE), (
        f"threads left running after the answer: {[t.name for t in service_threads()]}"
    )
    assert wait_until(lambda: not client_sockets_to(ports), GRACE), (
        f"sockets to the FHIR servers left open: {client_sockets_to(ports)}"
    )
    assert wait_until(lambda: service_fds(ports) <= fds_before, GRACE), (
        f"open fds: {fds_before} before, {service_fds(ports)} after: {sorted(_fds().values())}"
    )


def warm_up(rig: Rig) -> tuple[int, int]:
    """One healthy call first (store connection, lazily loaded modules), then the baseline."""
    ok = call(rig)
    assert ok.status == 200, ok.body
    assert wait_until(lambda: not client_sockets_to({rig.fhir.port}), GRACE)
    rig.fhir.seen.clear()
    return len(service_threads()), service_fds({rig.fhir.port, rig.other.port})


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_on_required_data_is_412_within_budget(rig: Rig, fault: Fault) -> None:
    """It answers 412 with an OperationOutcome naming the key and the reason when required data fails."""
    threads_before, fds_before = warm_up(rig)
    rtype, key = REQUIRED
    rig.fhir.on(rtype, fault.make(rig.other))

    res = call(rig)

    assert res.elapsed <= BUDGET + SLACK, f"answered after {res.elapsed:.2f} s"
    if fault.partial:
        # The first page was read: the data is there but incomplete, and the card says so.
        assert res.status == 200, res.body
        assert re.search(rf"{key}: incomplete: .*{fault.reason}", not_checked(res.body)), res.body
    else:
        assert res.status == 412, res.body
        assert res.body["resourceType"] == "OperationOutcome"
        issue = res.body["issue"][0]
        assert issue["code"] == "incomplete"
        assert f"prefetch.{key}" in issue["expression"]
        assert re.search(fault.reason, issue["diagnostics"]), issue["diagnostics"]
        assert TOKEN not in issue["diagnostics"] and rig.fhir.base_url not in issue["diagnostics"]
    check_hygiene(rig, threads_before, fds_before)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_on_optional_data_is_named_on_the_card_within_budget(rig: Rig, fault: Fault) -> None:
    """It answers 200 and the card names the optional key it could not check, and why."""
    threads_before, fds_before = warm_up(rig)
    rtype, key = OPTIONAL
    rig.fhir.on(rtype, fault.make(rig.other))

    res = call(rig)

    assert res.elapsed <= BUDGET + SLACK, f"answered after {res.elapsed:.2f} s"
    assert res.status == 200, res.body
    gaps = not_checked(res.body)
    assert re.search(rf"{key}: .*{fault.reason}", gaps), gaps
    # the required data still arrived and was used
    assert res.body["cards"][0]["summary"].startswith("1 conditions")
    assert TOKEN not in str(res.body)
    check_hygiene(rig, threads_before, fds_before)


def test_every_key_failing_at_once_is_412_within_one_budget(rig: Rig) -> None:
    """All nine searches hanging at once still give one 412 within the budget, not nine timeouts in a row."""
    threads_before, fds_before = warm_up(rig)
    rig.fhir.default = hang(30)
    for rtype in list(rig.fhir.behaviours):
        del rig.fhir.behaviours[rtype]

    res = call(rig)

    assert res.status == 412, res.body
    assert res.elapsed <= BUDGET + SLACK, f"answered after {res.elapsed:.2f} s"
    assert set(res.body["issue"][0]["expression"]) == {"prefetch.conditions", "prefetch.procedures"}
    check_hygiene(rig, threads_before, fds_before)


def test_unreachable_fhir_server_is_412(make_app: Callable[..., Flask], probe_service: Any) -> None:
    """It answers 412 quickly when nothing listens at fhirServer."""
    with FakeFhirServer() as closed:
        port = closed.port
    app = make_app(services=(probe_service,), settings_overrides=FAULT_SETTINGS)
    started = time.monotonic()
    resp = app.test_client().post("/cds-services/probe", json=request_body(f"http://127.0.0.1:{port}/fhir"))
    elapsed = time.monotonic() - started
    assert resp.status_code == 412, resp.get_json()
    assert re.search(r"unreachable", resp.get_json()["issue"][0]["diagnostics"])
    assert elapsed <= BUDGET + SLACK


def test_fifty_megabytes_are_not_read(rig: Rig) -> None:
    """It stops reading a 50 MB answer at the size cap instead of taking it all in."""
    rig.fhir.on("Observation", huge(FIFTY_MB, declare_length=False))
    res = call(rig)
    assert res.status == 200
    rig.fhir.stop()  # ends the writer, which records how much it got out
    sent = sum(rig.fhir.bytes_sent.values())
    assert sent < FIFTY_MB / 2, f"{sent} bytes were sent before the service hung up"


def test_slow_pages_that_finish_within_the_budget_are_read_in_full(rig: Rig) -> None:
    """Three pages at 0.3 s each fit the 3 s budget: all are read and nothing is reported missing."""
    rig.fhir.on("Observation", slow_pages(0.3, resources_per_page=2, pages=3))
    res = call(rig)
    assert res.status == 200, res.body
    assert not_checked(res.body) == ""
    assert len(rig.fhir.requests_for("Observation")) == 3 * observation_searches()
    assert res.elapsed <= BUDGET + SLACK


def test_paging_loop_reads_exactly_the_page_cap(rig: Rig) -> None:
    """A next link that loops back is followed only up to the configured page cap."""
    rig.fhir.on("Observation", endless_paging())
    res = call(rig)
    assert res.status == 200
    assert len(rig.fhir.requests_for("Observation")) == PAGE_CAP * observation_searches()


def observation_searches() -> int:
    """How many prefetch templates search Observation (scores by code, exam findings by category):
    the fake server answers each with the same behaviour, so each pages on its own."""
    return sum(1 for t in history_prefetch(default_terminology()).values() if t.startswith("Observation?"))


REAL_CALLS = [
    ("radicular-pathway", "patient-view"),
    ("radicular-order-select", "order-select"),
    ("radicular-order-sign", "order-sign"),
]


@pytest.mark.parametrize(("service_id", "hook"), REAL_CALLS)
@pytest.mark.parametrize("rtype", ["Condition", "Procedure"])
def test_real_services_give_412_on_required_data_faults(
    make_app: Callable[..., Flask], service_id: str, hook: str, rtype: str
) -> None:
    """The registered services answer 412 within the budget when required data fails, before any rule runs."""
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        fhir.on(rtype, hang(30))
        app = make_app(settings_overrides=FAULT_SETTINGS)
        rig = Rig(fhir, other, app.test_client(), app.config["SETTINGS"])
        res = call(rig, service_id, hook)
        assert res.status == 412, res.body
        assert res.elapsed <= BUDGET + SLACK
        key = {"Condition": "conditions", "Procedure": "procedures"}[rtype]
        assert res.body["issue"][0]["expression"] == [f"prefetch.{key}"]
        assert other.accepted == 0


# ---------------------------------------------------------------------------------------------
# Prefetch that points elsewhere, concurrency, and the logs


def test_a_prefetched_bundle_paging_to_another_host_is_not_followed(rig: Rig) -> None:
    """A prefetched Bundle whose next link is on another host is used as it is and marked
    incomplete; the other host is never contacted, so the token cannot reach it."""
    body = request_body(rig.fhir.base_url)
    body["prefetch"] = {
        "conditions": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": RADICULOPATHY}],
            "link": [{"relation": "next", "url": f"{rig.other.base_url}/Condition?page=2"}],
        }
    }
    resp = rig.client.post("/cds-services/probe", json=body)
    assert resp.status_code == 200, resp.get_json()
    cards = resp.get_json()
    assert cards["cards"][0]["summary"].startswith("1 conditions")
    assert re.search(r"conditions: incomplete: the next page is on another server", not_checked(cards))
    assert rig.other.accepted == 0
    assert not rig.fhir.requests_for("Condition")  # prefetched: not fetched again


def test_a_prefetched_bundle_paging_on_fhir_server_is_followed_with_the_token(rig: Rig) -> None:
    """A prefetched Bundle whose next link is on fhirServer is paged through, with the token."""
    second = {**RADICULOPATHY, "id": "cond-2"}
    rig.fhir.on("Condition", answer([second]))
    body = request_body(rig.fhir.base_url)
    body["prefetch"] = {
        "conditions": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": RADICULOPATHY}],
            "link": [{"relation": "next", "url": f"{rig.fhir.base_url}/Condition?page=2"}],
        }
    }
    resp = rig.client.post("/cds-services/probe", json=body)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["cards"][0]["summary"].startswith("2 conditions")
    pages = rig.fhir.requests_for("Condition")
    assert [p.query.get("page") for p in pages] == [["2"]]
    assert pages[0].headers.get("Authorization") == f"Bearer {TOKEN}"


def test_a_prefetched_error_outcome_is_fetched_again_and_its_fault_still_maps(rig: Rig) -> None:
    """Prefetch that carries an OperationOutcome is fetched from fhirServer; when that fails too,
    the required key gives a 412 naming both."""
    rig.fhir.on("Procedure", status(500))
    body = request_body(rig.fhir.base_url)
    body["prefetch"] = {
        "procedures": {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "timeout", "diagnostics": "EHR query timed out"}],
        }
    }
    resp = rig.client.post("/cds-services/probe", json=body)
    assert resp.status_code == 412, resp.get_json()
    issue = resp.get_json()["issue"][0]
    assert issue["expression"] == ["prefetch.procedures"]
    # the category that failed, not what answered (no status a caller could probe a network with)
    assert "answered with an error status" in issue["diagnostics"]
    assert "500" not in issue["diagnostics"]
    assert len(rig.fhir.requests_for("Procedure")) == 1


def test_concurrent_calls_against_a_hanging_server_each_answer_within_the_budget(
    make_app: Callable[..., Flask], probe_service: Any
) -> None:
    """Six clinicians at once, every FHIR search hanging: six 412s, each within the budget; no
    thread or socket left after each round, and a second round holds no more fds than the first."""
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        app = make_app(services=(probe_service,), settings_overrides=FAULT_SETTINGS)
        rig = Rig(fhir, other, app.test_client(), app.config["SETTINGS"])
        fhir.on("Condition", answer([RADICULOPATHY]))
        threads_before, _ = warm_up(rig)
        fhir.default = hang(30)
        fhir.behaviours.clear()
        ports = {fhir.port, other.port}

        def round_of_six() -> None:
            results: list[Call] = []
            lock = threading.Lock()

            def one() -> None:
                res = call(Rig(fhir, other, app.test_client(), rig.settings))
                with lock:
                    results.append(res)

            workers = [threading.Thread(target=one, name=f"clinician-{i}") for i in range(6)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=BUDGET + SLACK + 10)
            assert [r.status for r in results] == [412] * 6, [r.body for r in results]
            slowest = max(r.elapsed for r in results)
            assert slowest <= BUDGET + SLACK, f"slowest answer after {slowest:.2f} s"
            assert wait_until(lambda: len(service_threads()) <= threads_before, GRACE), [
                t.name for t in service_threads()
            ]
            assert wait_until(lambda: not client_sockets_to(ports), GRACE), client_sockets_to(ports)

        round_of_six()
        fds_after_first = service_fds(ports)
        round_of_six()
        assert wait_until(lambda: service_fds(ports) <= fds_after_first, GRACE), (
            f"fds grew from {fds_after_first} to {service_fds(ports)} in a second round: "
            f"{sorted(_fds().values())}"
        )
        assert other.accepted == 0


def test_the_token_is_never_logged(
    rig: Rig, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Whatever goes wrong with the FHIR server, the access token appears in no log line."""
    caplog.set_level("DEBUG")
    for fault in FAULTS:
        if fault.name in {"timeout", "slow pages beyond the budget", "body that never ends"}:
            continue  # slow ones are covered above; their log lines are the same
        rig.fhir.on("Observation", fault.make(rig.other))
        rig.fhir.on("Procedure", fault.make(rig.other))
        assert call(rig).status in (200, 412)
    out, err = capfd.readouterr()
    assert TOKEN not in caplog.text
    assert TOKEN not in out and TOKEN not in err


QUICK_FAULTS = [
    f
    for f in FAULTS
    if not f.partial and f.name not in {"timeout", "slow pages beyond the budget", "body that never ends"}
]


@pytest.mark.parametrize(("service_id", "hook"), REAL_CALLS)
@pytest.mark.parametrize("fault", QUICK_FAULTS, ids=[f.name for f in QUICK_FAULTS])
def test_real_services_map_every_failure_of_required_data_to_412(
    make_app: Callable[..., Flask], service_id: str, hook: str, fault: Fault
) -> None:
    """The registered services answer 412 with the reason for each way the conditions search can fail."""
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        fhir.on("Condition", fault.make(other))
        app = make_app(settings_overrides=FAULT_SETTINGS)
        res = call(Rig(fhir, other, app.test_client(), app.config["SETTINGS"]), service_id, hook)
        assert res.status == 412, res.body
        issue = res.body["issue"][0]
        assert issue["expression"] == ["prefetch.conditions"]
        assert re.search(fault.reason, issue["diagnostics"]), issue["diagnostics"]
        assert other.accepted == 0
