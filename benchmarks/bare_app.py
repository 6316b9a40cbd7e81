"""The baselines for the HTTP benchmark, served by gunicorn with the same worker settings as the service.

``/echo`` parses the JSON body and echoes it: the ceiling the web stack itself allows on this
machine. ``/echo-audited`` does the same and also commits one audit row to SQLite (WAL, default
durable sync) per call, as the service must: the ceiling for a service that records every call
before it answers. ``BARE_AUDIT_DB`` names the SQLite file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request

app = Flask("bare")
_local = threading.local()


def _audit_db() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(
            os.environ.get("BARE_AUDIT_DB", "bare-audit.sqlite3"), isolation_level=None, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, hook_instance TEXT, at TEXT, size INT)"
        )
        _local.conn = conn
    return conn


@app.post("/echo")
def echo():  # type: ignore[no-untyped-def]
    return jsonify(request.get_json())


@app.post("/echo-audited")
def echo_audited():  # type: ignore[no-untyped-def]
    body = request.get_json()
    conn = _audit_db()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO audit (hook_instance, at, size) VALUES (?, ?, ?)",
        (
            str(body.get("hookInstance") or uuid.uuid4()),
            datetime.now(UTC).isoformat(),
            request.content_length,
        ),
    )
    conn.execute("COMMIT")
    return jsonify(body)
