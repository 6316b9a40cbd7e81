"""Load: 60 s at 32 connections against ``radicular-cds serve`` (gunicorn, its default workers × 4
threads, SQLite) with valid requests — a rotating mix of patient-view, order-select and order-sign
fixtures for both services — must give 0 non-2xx responses and 0 errors.

The load comes from wrk (Debian package ``wrk``; installed with apt-get when missing and possible)
or, without it, from a Python generator with the same shape (32 keep-alive connections). The figures
are printed and written to ``build/load/last-run.md``; with ``CDS_LOAD_REPORT=docs/load.md`` they
are written there as well (that is how docs/load.md is made):

    CDS_LOAD_REPORT=docs/load.md .venv/bin/pytest -s tests/test_load.py

``CDS_LOAD_SECONDS`` and ``CDS_LOAD_CONNECTIONS`` override the 60 s and 32 connections.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from cds_service.settings import Settings
from tests.conftest import ROOT
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow

SECONDS = int(os.environ.get("CDS_LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("CDS_LOAD_CONNECTIONS", "32"))
WORKERS, THREADS = Settings().workers, Settings().threads  # the defaults of `serve`
FIXTURES = [
    ("protocol/patient-view.full-prefetch.json", "radicular-pathway"),
    ("protocol/order-select.full-prefetch.json", "radicular-order-select"),
    ("protocol/order-sign.full-prefetch.json", "radicular-order-sign"),
    ("pathway/a1_failed_rfa.json", "radicular-pathway"),
    ("pathway/f3_failed_tfesi_concordant.json", "radicular-pathway"),
    ("pathway/s3_fbss_epidural_fibrosis.json", "radicular-pathway"),
    ("pathway/r2_stable_foot_drop.json", "radicular-pathway"),
    ("orders/esi-after-two-failed.order-select.json", "radicular-order-select"),
    ("orders/fusion-disc-herniation.order-sign.json", "radicular-order-sign"),
    ("orders/benzodiazepine-with-current-opioid.order-sign.json", "radicular-order-sign"),
    ("orders/mri-cauda-equina-routine.order-select.json", "radicular-order-select"),
]

WRK_SCRIPT = r"""
local files = {%(files)s}
local paths = {%(paths)s}
local bodies = {}
for i, name in ipairs(files) do
  local f = assert(io.open(name, "rb"))
  bodies[i] = f:read("*all")
  f:close()
end
local headers = {["Content-Type"] = "application/json"}
local n = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  n = math.random(#bodies)
end

function request()
  n = (n %% #bodies) + 1
  return wrk.format("POST", paths[n], headers, bodies[n])
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "errors": %%d, ' ..
    '"error_detail": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, ' ..
    '"p50_ms": %%.2f, "p90_ms": %%.2f, "p99_ms": %%.2f, "max_ms": %%.2f}\n',
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


@dataclass
class Result:
    tool: str
    requests: int
    seconds: float
    non2xx: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str | None:
    """wrk if present or installable (root and apt-get); None means: use the Python generator.
    ``CDS_LOAD_TOOL=python`` forces the Python generator."""
    if os.environ.get("CDS_LOAD_TOOL") == "python":
        return None
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        quiet: dict[str, Any] = {"check": False, "capture_output": True, "env": env, "timeout": 300}
        if subprocess.run(install, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], **quiet)
            subprocess.run(install, **quiet)
    return shutil.which("wrk")


def run_wrk(wrk: str, base_url: str, bodies: list[tuple[Path, str]], workdir: Path) -> Result:
    script = workdir / "mix.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "files": ", ".join(json.dumps(str(p)) for p, _ in bodies),
            "paths": ", ".join(json.dumps(f"/cds-services/{s}") for _, s in bodies),
        }
    )
    proc = subprocess.run(
        [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s", "-s", str(script), base_url],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        check=False,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    assert proc.returncode == 0 and line, (proc.returncode, proc.stdout, proc.stderr)
    data = json.loads(line.removeprefix("WRK_RESULT "))
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False).stdout
    version = version.split("\n")[0]
    return Result(
        tool=" ".join(version.split()[:2]) or "wrk",
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non2xx=data["non2xx"],
        errors=data["errors"],
        p50_ms=data["p50_ms"],
        p90_ms=data["p90_ms"],
        p99_ms=data["p99_ms"],
        max_ms=data["max_ms"],
        detail=data["error_detail"],
    )


def run_python(port: int, bodies: list[tuple[Path, str]]) -> Result:
    """CONNECTIONS threads, each with one keep-alive connection, for SECONDS."""
    payloads = [(f"/cds-services/{s}", p.read_bytes()) for p, s in bodies]
    latencies: list[float] = []
    counts = {"requests": 0, "non2xx": 0, "errors": 0}
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + SECONDS

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        n = k
        req = non2xx = errors = 0
        while time.monotonic() < deadline:
            path, body = payloads[n % len(payloads)]
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if not 200 <= resp.status < 300:
                    non2xx += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - t0) * 1000)
            req += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["requests"] += req
            counts["non2xx"] += non2xx
            counts["errors"] += errors

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 30)
    elapsed = time.monotonic() - start
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return Result(
        tool="python http.client",
        requests=counts["requests"],
        seconds=elapsed,
        non2xx=counts["non2xx"],
        errors=counts["errors"],
        p50_ms=q[49],
        p90_ms=q[89],
        p99_ms=q[98],
        max_ms=max(latencies, default=0.0),
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load generator and server on the same machine "
        f"(load average {load} when the run ended)"
    )


def report(result: Result, bodies: list[tuple[Path, str]]) -> str:
    fixtures = "\n".join(f"- `{p.relative_to(ROOT)}` → `{s}`" for p, s in bodies)
    verdict = "PASS" if result.non2xx == 0 and result.errors == 0 else "FAIL"
    return f"""# Load test

Measured by `tests/test_load.py` (part of the test command; marker `slow`). Regenerate this file with

```sh
CDS_LOAD_REPORT=docs/load.md .venv/bin/pytest -s tests/test_load.py
```

**{verdict}** — {SECONDS} s at {CONNECTIONS} connections against `radicular-cds serve` (gunicorn,
{WORKERS} workers × {THREADS} threads, SQLite store, auth off), valid requests only; the goal is 0 non-2xx
responses and 0 errors.

| figure | value |
|---|---|
| requests | {result.requests} |
| duration | {result.seconds:.1f} s |
| requests/s | {result.rps:.1f} |
| latency p50 | {result.p50_ms:.1f} ms |
| latency p90 | {result.p90_ms:.1f} ms |
| latency p99 | {result.p99_ms:.1f} ms |
| latency max | {result.max_ms:.1f} ms |
| non-2xx responses | {result.non2xx} |
| errors (connect, read, write, timeout) | {result.errors} |
| load generator | {result.tool} |
| date | {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} |
| machine | {machine()} |

Every request carries a full prefetch (no FHIR server is called), and every call is recorded in the
governance store (one SQLite file shared by the workers). The server keeps both CPUs (shared with the
load generator) busy, so the latency is mostly time spent queued behind the other connections'
requests. The requests rotate over these fixtures:

{fixtures}
"""


def test_sixty_seconds_at_32_connections_all_2xx(tmp_path: Path) -> None:
    bodies = [(ROOT / "fhir_fixtures" / name, service) for name, service in FIXTURES]
    bodies = [(p, s) for p, s in bodies if p.exists()]
    assert len(bodies) >= 3
    with LiveServer(
        f"sqlite:///{tmp_path / 'load.sqlite3'}",
        tmp_path / "serve.log",
        workers=WORKERS,
        threads=THREADS,
        extra_env={"CDS_LOG_LEVEL": "ERROR"},
    ) as server:
        hooks = set()
        for path, service in bodies:  # every request of the mix is valid and gives cards
            body = json.loads(path.read_text())
            resp = requests.post(f"{server.base_url}/cds-services/{service}", json=body, timeout=30)
            assert resp.status_code == 200, (path.name, resp.status_code, resp.text[:300])
            assert "cards" in resp.json()
            hooks.add(body["hook"])
        assert hooks == {"patient-view", "order-select", "order-sign"}

        wrk = ensure_wrk()
        result = run_wrk(wrk, server.base_url, bodies, tmp_path) if wrk else run_python(server.port, bodies)
        log = server.log_tail()

    text = report(result, bodies)
    out = ROOT / "build" / "load"
    out.mkdir(parents=True, exist_ok=True)
    (out / "last-run.md").write_text(text)
    if os.environ.get("CDS_LOAD_REPORT"):
        Path(os.environ["CDS_LOAD_REPORT"]).write_text(text)
    print(
        f"\nload ({result.tool}): {result.requests} requests in {result.seconds:.1f} s "
        f"= {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"non-2xx {result.non2xx}, errors {result.errors} {result.detail or ''}"
    )
    assert result.requests > 0
    assert result.non2xx == 0, log
    assert result.errors == 0, (result.detail, log)
