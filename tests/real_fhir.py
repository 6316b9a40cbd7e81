"""A real FHIR R4 server on loopback for integration tests (``tests/fhir_server/``).

``@medplum/fhir-router`` over its in-memory repository, run by the Node 22 binary that
``npm ci`` installs from the npm registry into ``tests/fhir_server/node_modules``. The session
fixture ``real_fhir_server`` installs the npm packages when they are missing (``npm ci``, the
lock file pins every package), starts the server on a free loopback port, waits until it
answers, yields a ``RealFhirServer`` and stops the process at the end of the session.

Import the fixture into a test module with ``from real_fhir import real_fhir_server``
(the tests directory is on ``sys.path`` under pytest's default import mode).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

SERVER_DIR = Path(__file__).resolve().parent / "fhir_server"
NODE = SERVER_DIR / "node_modules" / ".bin" / "node"
NODE_MAJOR = "v22."
INSTALL_TIMEOUT_SECONDS = 600
START_TIMEOUT_SECONDS = 60


def node_version() -> str | None:
    if not NODE.exists():
        return None
    try:
        out = subprocess.run(
            [str(NODE), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _installed() -> bool:
    version = node_version()
    return (
        version is not None
        and version.startswith(NODE_MAJOR)
        and (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router" / "package.json").exists()
    )


def ensure_installed() -> None:
    """Run ``npm ci`` in tests/fhir_server unless its packages and Node 22 are already there."""
    if _installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed to install the real FHIR server tier (tests/fhir_server: npm ci); "
            "it was not found on PATH"
        )
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=SERVER_DIR,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
        check=False,
    )
    if proc.returncode != 0 or not _installed():
        raise RuntimeError(
            f"npm ci in {SERVER_DIR} failed (exit {proc.returncode}; node {node_version()}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )


@dataclass
class RealFhirServer:
    """A running server: ``base_url`` plus test helpers (reset, load, request log)."""

    base_url: str
    process: subprocess.Popen[str]

    def reset(self) -> None:
        r = requests.post(f"{self.base_url}/$reset", timeout=10)
        r.raise_for_status()

    def max_page_size(self, size: int | None) -> None:
        """Cap every search page at ``size`` entries (``None``: as many as ``_count`` asks)."""
        r = requests.post(f"{self.base_url}/$page-size", json={"max": size}, timeout=10)
        r.raise_for_status()

    def put(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Create or replace one resource under its own id (FHIR update-as-create)."""
        rtype, rid = resource["resourceType"], resource["id"]
        r = requests.put(
            f"{self.base_url}/{rtype}/{rid}",
            data=json.dumps(resource),
            headers={"Content-Type": "application/fhir+json"},
            timeout=30,
        )
        if r.status_code not in (200, 201):
            raise AssertionError(f"PUT {rtype}/{rid} → HTTP {r.status_code}: {r.text[:500]}")
        out: dict[str, Any] = r.json()
        return out

    def load(self, resources: Iterable[dict[str, Any]]) -> int:
        """Create or replace every resource under its own id, in one FHIR batch."""
        items = list(resources)
        bundle = {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in items
            ],
        }
        r = requests.post(
            self.base_url,
            data=json.dumps(bundle),
            headers={"Content-Type": "application/fhir+json"},
            timeout=60,
        )
        if r.status_code != 200:
            raise AssertionError(f"batch load → HTTP {r.status_code}: {r.text[:500]}")
        failed = [
            (item["resourceType"], item["id"], entry.get("response", {}))
            for item, entry in zip(items, r.json().get("entry", []), strict=True)
            if not str(entry.get("response", {}).get("status", "")).startswith("2")
        ]
        if failed:
            raise AssertionError(f"batch load: {len(failed)} resources refused, first: {failed[0]}")
        return len(items)

    def requests_seen(self) -> list[dict[str, Any]]:
        """Requests since the last reset: method, path with query, whether Authorization came."""
        r = requests.get(f"{self.base_url}/$requests", timeout=10)
        r.raise_for_status()
        seen: list[dict[str, Any]] = r.json()["requests"]
        return seen


def _read_first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    box: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        box.append(proc.stdout.readline())

    t = threading.Thread(target=read, name="real-fhir-stdout", daemon=True)
    t.start()
    t.join(timeout)
    return box[0] if box else ""


def start_server() -> RealFhirServer:
    ensure_installed()
    proc = subprocess.Popen(
        [str(NODE), "server.mjs", "--host", "127.0.0.1", "--port", "0"],
        cwd=SERVER_DIR,
        stdin=subprocess.PIPE,  # the server exits when this pipe closes (our process ended)
        stdout=subprocess.PIPE,
        stderr=tempfile.TemporaryFile(mode="w+"),  # noqa: SIM115 (kept open for the process's life)
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NODE_OPTIONS")},
    )
    line = _read_first_line(proc, START_TIMEOUT_SECONDS)
    try:
        base_url = json.loads(line)["listening"]
    except (ValueError, KeyError, TypeError):
        stop_server(proc)
        raise RuntimeError(f"the FHIR server did not start (first line of output: {line!r})") from None
    server = RealFhirServer(base_url, proc)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            if requests.get(f"{base_url}/$health", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            stop_server(proc)
            raise RuntimeError("the FHIR server did not become ready")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            if proc.stdin:
                proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


@pytest.fixture(scope="session")
def real_fhir_server() -> Iterator[RealFhirServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server.process)
