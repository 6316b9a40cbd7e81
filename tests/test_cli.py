"""The radicular-cds command: evaluate (request file or Bundle, text or JSON) and serve (gunicorn)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import PROTOCOL_DIR, load_protocol, make_probe_service

from cds_service import cli
from cds_service.settings import Settings
from hooks.registry import history_prefetch
from hooks.terminology import default_terminology


@pytest.fixture
def probe_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `evaluate` run the probe service instead of the real registry."""
    import hooks.registry

    monkeypatch.setattr(hooks.registry, "services", lambda: (make_probe_service(),))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for k in list(os.environ):
        if k.startswith("CDS_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")


def test_evaluate_request_file_prints_cards_readably(
    probe_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CDS Hooks request file gives a plain-text rendering of each card."""
    rc = cli.main(["evaluate", str(PROTOCOL_DIR / "order-select.full-prefetch.json"), "--date", "2026-11-20"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines()[:6] == [
        "probe · order-select · evaluated on 2026-11-20 · 1 card",
        "",
        "=" * 78,
        "[INFO] 1 conditions, 2 procedures, 2 observations",
        "rule probe.history: Probe: what the service received   source: Radicular CDS · NICE NG59",
        "-" * 78,
    ]
    assert "`Condition/cond-radic`" in out
    assert "- draft orders ServiceRequest/sr-draft-esi" in out
    assert "- evaluated on 2026-11-20 for hook order-select" in out


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_evaluate_an_order_request_with_the_real_services(
    hook: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Order hooks are answered at their own discovery ids; evaluate calls the right one (and
    --service accepts the service's id or that discovery id)."""
    request = PROTOCOL_DIR.parent / "orders" / f"sandbox-esi-on-apixaban-clopidogrel.{hook}.json"
    for service in ([], ["--service", "radicular-order-guardrails"], ["--service", f"radicular-{hook}"]):
        rc = cli.main(["evaluate", str(request), "--date", "2026-11-20", *service])
        out = capsys.readouterr().out
        assert rc == 0, out
        assert out.startswith(f"radicular-order-guardrails · {hook} · evaluated on 2026-11-20 · 1 card")
        assert "rule order.antithrombotic-procedure" in out


def test_evaluate_full_prints_the_whole_reasoning(capsys: pytest.CaptureFixture[str]) -> None:
    """--full prints every fact with its reference, the next steps, what not to do, the evidence with
    links and both sides of each conflict — from the same rules as the card."""
    fixture = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "pathway"
    rc = cli.main(["evaluate", str(fixture / "m2_gabapentin_with_p1.json"), "--full", "--date", "2026-11-02"])
    out = capsys.readouterr().out
    assert rc == 0
    for heading in (
        "**Why**",
        "**Next steps**",
        "**Not recommended here**",
        "**Evidence**",
        "**Where sources disagree**",
    ):
        assert heading in out
    assert "`MedicationRequest/gabapentin-1`" in out and "](https://" in out
    assert "for: NICE CG173" in out and "Against: PRECISE 2017" in out


def test_evaluate_json(probe_registry: None, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the CDS Hooks response body."""
    rc = cli.main(
        ["evaluate", str(PROTOCOL_DIR / "patient-view.full-prefetch.json"), "--json", "--date", "2026-11-20"]
    )
    body = json.loads(capsys.readouterr().out)
    assert rc == 0
    [card] = body["cards"]
    assert card["summary"] == "1 conditions, 2 procedures, 2 observations"
    assert card["indicator"] == "info" and len(card["uuid"]) == 36


def test_evaluate_bundle_equals_the_request_file(
    probe_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Bundle of the same chart with --hook/--patient gives the same card as the request file."""
    cli.main(
        ["evaluate", str(PROTOCOL_DIR / "patient-view.full-prefetch.json"), "--json", "--date", "2026-11-20"]
    )
    from_request = json.loads(capsys.readouterr().out)["cards"][0]
    rc = cli.main(
        [
            "evaluate",
            str(PROTOCOL_DIR / "chart-rad-001.bundle.json"),
            "--hook",
            "patient-view",
            "--patient",
            "rad-001",
            "--json",
            "--date",
            "2026-11-20",
            "--user",
            "Practitioner/prac-7",
        ]
    )
    from_bundle = json.loads(capsys.readouterr().out)["cards"][0]
    assert rc == 0
    for c in (from_request, from_bundle):
        c.pop("uuid")
    assert from_bundle == from_request


def test_request_from_bundle_is_a_complete_request() -> None:
    """Bundle → request: every prefetch key filled, drafts moved to draftOrders, selections default."""
    chart = json.loads((PROTOCOL_DIR / "chart-rad-001.bundle.json").read_text())
    draft = {"resourceType": "ServiceRequest", "id": "d1", "status": "draft", "intent": "order"}
    chart["entry"].append({"resource": draft})
    templates = history_prefetch(default_terminology())
    req = cli.request_from_bundle(
        chart, hook="order-select", patient="rad-001", user="Practitioner/u", prefetch_templates=templates
    )
    assert set(req["prefetch"]) == set(templates)
    assert req["prefetch"]["patient"]["id"] == "rad-001"
    assert [e["resource"]["id"] for e in req["prefetch"]["procedures"]["entry"]] == [
        "proc-esi-1",
        "proc-pt-1",
    ]
    assert req["prefetch"]["serviceRequests"] == {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 0,
        "entry": [],
    }
    assert req["context"] == {
        "userId": "Practitioner/u",
        "patientId": "rad-001",
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]},
        "selections": ["ServiceRequest/d1"],
    }
    pv = cli.request_from_bundle(
        chart, hook="patient-view", patient="rad-001", user="Practitioner/u", prefetch_templates=templates
    )
    assert "draftOrders" not in pv["context"]
    assert [e["resource"]["id"] for e in pv["prefetch"]["serviceRequests"]["entry"]] == ["d1"]


def test_evaluate_error_is_exit_2_with_the_reason(
    probe_registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing required data is reported (412 and why) with exit status 2, never as 'no cards'."""
    body = load_protocol("patient-view.full-prefetch.json")
    del body["prefetch"]["conditions"]
    f = tmp_path / "req.json"
    f.write_text(json.dumps(body))
    rc = cli.main(["evaluate", str(f), "--json"])
    captured = capsys.readouterr()
    assert rc == 2
    assert json.loads(captured.out)["resourceType"] == "OperationOutcome"
    assert captured.err.strip() == (
        "error 412: Required FHIR data could not be obtained (conditions: not prefetched and no FHIR server "
        "was given)."
    )


def test_evaluate_usage_errors(tmp_path: Path) -> None:
    """A Bundle without --hook/--patient, or a file that is neither, is a usage error."""
    with pytest.raises(SystemExit, match="a FHIR Bundle needs --hook and --patient"):
        cli.main(["evaluate", str(PROTOCOL_DIR / "chart-rad-001.bundle.json")])
    f = tmp_path / "x.json"
    f.write_text("[]")
    with pytest.raises(SystemExit, match="neither a CDS Hooks request nor a FHIR Bundle"):
        cli.main(["evaluate", str(f)])


def test_bad_evaluation_date_is_a_configuration_error(
    probe_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """--date that is not an ISO date exits 2 with a clear message."""
    rc = cli.main(["evaluate", str(PROTOCOL_DIR / "patient-view.full-prefetch.json"), "--date", "20/11/2026"])
    assert rc == 2
    assert "CDS_EVALUATION_DATE must be an ISO date" in capsys.readouterr().err


def test_gunicorn_options_from_settings_and_flags() -> None:
    """serve binds CDS_HOST:CDS_PORT with CDS_WORKERS and CDS_THREADS call threads unless --bind,
    --workers or --threads say otherwise; the worker is always the request-buffering front."""
    args = cli.build_parser().parse_args(["serve"])
    s = Settings(host="0.0.0.0", port=9000, workers=3, threads=1)  # noqa: S104 - container-style bind
    opts = cli.gunicorn_options(s, args)
    assert (opts["bind"], opts["workers"], opts["threads"], opts["worker_class"], opts["accesslog"]) == (
        ["0.0.0.0:9000"],
        3,
        1,
        "cds_service.server.Worker",
        None,
    )
    # the master makes the listener (with SO_REUSEPORT); gunicorn's reuse_port would give each
    # worker one before it is warm
    assert (opts["reuse_port"], opts["backlog"]) == (False, 2048)
    args = cli.build_parser().parse_args(
        ["serve", "--bind", "127.0.0.1:8181", "--workers", "1", "--threads", "8"]
    )
    opts = cli.gunicorn_options(Settings(), args)
    assert (opts["bind"], opts["workers"], opts["threads"], opts["worker_class"]) == (
        ["127.0.0.1:8181"],
        1,
        8,
        "cds_service.server.Worker",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback test server
        return resp.status, json.loads(resp.read())


def _serve_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a `serve` subprocess: none of the shell's CDS_ settings, auth off, a
    SQLite store in ``tmp_path``, loopback on ``port``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(
        CDS_DEV_DISABLE_AUTH="true",
        CDS_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        CDS_HOST="127.0.0.1",
        CDS_PORT=str(port),
        **extra,
    )
    return env


def test_serve_runs_gunicorn_and_answers(tmp_path: Path) -> None:
    """`radicular-cds serve` starts gunicorn (not Flask's dev server) that answers health and discovery."""
    port = _free_port()
    env = _serve_env(tmp_path, port, CDS_WORKERS="1", CDS_THREADS="2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cds_service.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    pytest.fail(f"server did not come up:\n{proc.communicate()[0]}")
                time.sleep(0.2)
        assert (status, body["status"]) == (200, "pass")
        status, disc = _get(f"http://127.0.0.1:{port}/cds-services")
        assert status == 200 and {e["id"] for e in disc["services"]} == {
            "radicular-pathway",
            "radicular-order-select",
            "radicular-order-sign",
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output = proc.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0]
    assert "Booting worker" in output and "gunicorn" in output.lower()
    assert "Running on http" not in output  # not werkzeug's development server
    assert "Error" not in output  # a graceful stop closes every listener once, quietly


def test_serve_refuses_a_port_another_server_listens_on(tmp_path: Path) -> None:
    """The worker listeners share their port with SO_REUSEPORT; a second `serve` on a port already
    served must fail loudly rather than take part of its calls."""
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        env = _serve_env(tmp_path, port)
        done = subprocess.run(
            [sys.executable, "-m", "cds_service.cli", "serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Booting worker" not in done.stderr


def test_address_in_use_is_none_for_a_free_port_and_a_unix_socket() -> None:
    assert cli.address_in_use(f"127.0.0.1:{_free_port()}") is None
    assert cli.address_in_use("unix:/tmp/radicular.sock") is None


def test_report_command_is_wired(capsys: pytest.CaptureFixture[str]) -> None:
    """`radicular-cds report` is a subcommand and runs against the configured store."""
    assert "report" in cli.build_parser().format_help()
    rc = cli.main(["report", "--from", "2026-11-01", "--to", "2026-11-20", "--json"])
    assert rc == 0
    assert capsys.readouterr().out.strip()
