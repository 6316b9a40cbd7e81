"""HTTP checks against a running radicular-cds container (standard library only).

    python3 scripts/container/smoke_checks.py wait   BASE_URL [SECONDS]
    python3 scripts/container/smoke_checks.py checks BASE_URL FIXTURE.json

`wait` polls GET /health until it answers 200. `checks` runs the smoke checks (health, discovery
listing both services, one patient-view call to the pathway service returning cards), prints one
PASS/FAIL line per check and exits non-zero if any failed.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

EXPECTED_SERVICES = {"radicular-pathway", "radicular-order-select", "radicular-order-sign"}
HOOK_SERVICE = "radicular-pathway"


def _request(method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback URL
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def wait(base: str, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            status, _, raw = _request("GET", f"{base}/health")
            if status == 200:
                print(f"health answered 200 after waiting: {raw.decode(errors='replace').strip()}")
                return 0
            last = f"HTTP {status}"
        except (OSError, urllib.error.URLError) as exc:
            last = str(exc)
        time.sleep(1)
    print(f"health did not answer 200 within {seconds:.0f}s (last: {last})")
    return 1


def checks(base: str, fixture: Path) -> int:
    results: list[tuple[bool, str]] = []

    status, headers, raw = _request("GET", f"{base}/health")
    server = headers.get("Server", "")
    results.append((status == 200, f"GET /health -> {status} {raw.decode(errors='replace').strip()}"))
    # gunicorn with uvicorn workers sends no Server header; the Flask development server says Werkzeug
    production = "werkzeug" not in server.lower()
    results.append(
        (production, f"not the Flask development server (Server header: {server or 'absent'})")
    )

    status, _, raw = _request("GET", f"{base}/cds-services")
    doc = _json(raw)
    entries = [s for s in (doc.get("services", []) if isinstance(doc, dict) else []) if isinstance(s, dict)]
    ids = {s.get("id", "?") for s in entries}
    listed = ", ".join(f"{s.get('id')} ({s.get('hook')})" for s in entries) or "-"
    ok = status == 200 and ids >= EXPECTED_SERVICES
    results.append(
        (ok, f"GET /cds-services -> {status}, {len(ids)} services in {len(entries)} entries: {listed}")
    )

    body = fixture.read_bytes()
    status, _, raw = _request("POST", f"{base}/cds-services/{HOOK_SERVICE}", body)
    doc = _json(raw)
    cards = doc.get("cards") if isinstance(doc, dict) else None
    n_cards = len(cards) if isinstance(cards, list) else 0
    ok = status == 200 and n_cards > 0
    detail = f"POST /cds-services/{HOOK_SERVICE} ({fixture.name}) -> {status}, {n_cards} cards"
    if status == 200 and isinstance(cards, list):
        detail += "".join(f"\n        - [{c.get('indicator')}] {c.get('summary')}" for c in cards)
    elif status != 200:
        detail += f"\n        body: {raw.decode(errors='replace')[:600]}"
    results.append((ok, detail))

    for ok, line in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {line}")
    return 0 if all(ok for ok, _ in results) else 1


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "wait":
        return wait(argv[1].rstrip("/"), float(argv[2]) if len(argv) > 2 else 60.0)
    if len(argv) == 3 and argv[0] == "checks":
        return checks(argv[1].rstrip("/"), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
