"""Slow clients must not stall the service (issue 15): 20 connections that send their headers, or
their body, one byte a second hold no thread of the default ``radicular-cds serve``. While they
trickle, ``/health``, discovery and hook calls each answer within 1 s.

The attack and the probes are ``scripts/container/slow_clients.py`` (the container smoke runs the
same against the image). Bounded: one server, 20 attacking connections, 8 s of probing per phase,
loopback only.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

from tests.conftest import PROTOCOL_DIR, ROOT
from tests.live_server import LiveServer


def _slow_clients() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "slow_clients", ROOT / "scripts" / "container" / "slow_clients.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slow_clients = _slow_clients()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("slow-clients")
    # workers and threads left at the defaults of `serve`
    with LiveServer(f"sqlite:///{tmp / 'cds.sqlite3'}", tmp / "server.log", workers=None, threads=None) as s:
        yield s


@pytest.mark.parametrize("phase", ["slow headers", "slow body"])
def test_slow_clients_do_not_stall_hook_calls_or_health(server: LiveServer, phase: str) -> None:
    fixture = (PROTOCOL_DIR / "patient-view.full-prefetch.json").read_bytes()
    problems = slow_clients.run_phase(server.base_url, fixture, phase)
    assert problems == []


def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """The front stops reading at the size limit: 413 while the client is still sending."""
    limit = 64 * 1024
    with LiveServer(
        f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        tmp_path / "server.log",
        workers=1,
        threads=None,
        extra_env={"CDS_MAX_REQUEST_BYTES": str(limit)},
    ) as s:

        def chunks() -> Iterator[bytes]:
            for _ in range(64):  # 64 × 16 KiB = 1 MiB offered
                yield b"[" * 16 * 1024

        resp = requests.post(
            f"{s.base_url}/cds-services/radicular-pathway",
            data=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert resp.status_code == 413
        assert resp.json()["resourceType"] == "OperationOutcome"
