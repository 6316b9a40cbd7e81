"""The baselines for the HTTP benchmark, served like the service: gunicorn with the same worker
class (``cds_service.server.Worker``), the same request-buffering front (``asgi`` below) and the
same numbers of workers and threads (``CDS_WORKERS``, ``CDS_THREADS``).

``/echo`` parses the JSON body and echoes it: the ceiling the web stack itself allows on this
machine. ``/parse`` parses it and answers ``{}`` (the bare parse of a large chart).
``/echo-audited`` parses, commits one audit row to SQLite (WAL, durable sync) per call, as the
service must, and echoes: the ceiling for a service that records every call before it answers.
Floors, the least the service itself must do: ``/validate-audited`` parses with the service's
parser, validates the resources the relevance screen keeps with their R4B models (no cache) and
commits the call's audit record, as for a chart never seen; ``/evaluate-audited`` parses with the
service's parser, evaluates the call with the service's own engine (model cache and remembered
decisions on, as the service) and commits its audit record (the cards issued): the least any call
must do, the decision logic included. Both floors do their work as the service does it — one call
at a time per worker, the record committed through the service's store (group commit, the SQLite
write lock, the writer taking turns with the work) — so their p99 is the tail of that work alone,
without the service's Flask layer, request log, snooze read or JWT. ``/parse-screen`` decodes with
the service's decoder (a large chart screened as it is parsed) and screens what is left. The
floors read the body as the service does (``cds_service.app.request_body``: the bytes the front
read); ``/echo``, ``/parse`` and ``/echo-audited`` through Flask's ``request.get_json()``.
``BARE_AUDIT_DB`` names the SQLite file of the plain audited echo (2d); ``CDS_DATABASE_URL`` the
floors' store (migrated before the server starts).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache

from flask import Flask, Response, jsonify, request

from cds_service.app import request_body
from cds_service.fhir_adapter import ElementMemo, parse_resource, preload_models
from cds_service.fhir_client import FhirClient
from cds_service.large_body import ScreenedOut
from cds_service.pipeline import Engine, Invocation
from cds_service.records import InvocationRecord
from cds_service.relevance import is_relevant
from cds_service.server import BufferedFront
from cds_service.settings import Settings
from cds_service.store import Store
from cds_service.wire import decode_json, encode_json
from hooks.registry import services as registry_services
from hooks.terminology import Terminology, default_terminology
from hooks.thresholds import load_thresholds

app = Flask("bare")
_local = threading.local()


def _audit_db() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(
            os.environ.get("BARE_AUDIT_DB", "bare-audit.sqlite3"), isolation_level=None, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # as the service: each commit on disk
        conn.execute(
            "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, hook_instance TEXT, at TEXT, size INT)"
        )
        _local.conn = conn
    return conn


@app.post("/parse")
def parse():  # type: ignore[no-untyped-def]
    request.get_json()
    return jsonify({})


def _audit(body: dict) -> None:  # type: ignore[type-arg]
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


def _resources(body: dict) -> Iterator[tuple[str, int, dict]]:  # type: ignore[type-arg]
    for key, value in (body.get("prefetch") or {}).items():
        entries = (
            value.get("entry", [])
            if value and value.get("resourceType") == "Bundle"
            else [{"resource": value}]
        )
        for i, entry in enumerate(entries):
            raw = entry.get("resource")
            if isinstance(raw, dict):
                yield key, i, raw


@app.post("/parse-screen")
def parse_screen():  # type: ignore[no-untyped-def]
    """The least the service does with a large chart: decode it as the service does (its engine's
    ``decode``: a large body screened as it is parsed, ``cds_service.large_body``) and screen
    every resource still there."""
    body = _engine().decode(request_body())
    term = _terminology()
    kept = sum(1 for _, _, raw in _resources(body) if type(raw) is not ScreenedOut and is_relevant(raw, term))
    return jsonify({"kept": kept})


@app.post("/validate-audited")
def validate_audited():  # type: ignore[no-untyped-def]
    """The least the service does with a chart it has not seen: parse it (orjson), validate the
    resources the screen keeps with their R4B models as the service validates a resource it has
    not seen (the elements it validated before handed over, ``ElementMemo``), commit one audit
    row."""
    body = decode_json(request_body())
    term = _terminology()
    elements = _elements()
    with _engine().evaluating:  # one call's work at a time per worker, as the service
        for key, i, raw in _resources(body):
            if is_relevant(raw, term):
                parse_resource(raw, f"{key}[{i}]", elements)
    _store().record_invocation(_record(Invocation("radicular-pathway"), body))
    return jsonify({})


@app.post("/evaluate-audited/<service_id>")
def evaluate_audited(service_id: str):  # type: ignore[no-untyped-def]
    """The least the service does with any call: parse it (orjson), evaluate it with the service's
    engine (no Flask layer of the service, no JWT, no request log), commit one audit row."""
    body = decode_json(request_body())
    inv = _engine().invoke(service_id, body)
    _store().record_invocation(_record(inv, body))
    return Response(encode_json(inv.body), mimetype="application/json")


def _record(inv: Invocation, body: dict) -> InvocationRecord:  # type: ignore[type-arg]
    return InvocationRecord(
        at=datetime.now(UTC),
        service_id=inv.service_id,
        hook=str(body.get("hook") or ""),
        hook_instance=str(body.get("hookInstance") or uuid.uuid4()),
        patient_id=inv.patient_id,
        user_id=inv.user_id,
        status=200,
        latency_ms=0.0,
        cards=inv.issued,
    )


@lru_cache(maxsize=1)
def _store() -> Store:
    store = Store.from_url(Settings.from_env().database_url, migrate=False)
    store.take_turns_with(_engine().evaluating)
    return store


@lru_cache(maxsize=1)
def _elements() -> ElementMemo:
    return ElementMemo(Settings.from_env().model_cache_size)  # as the service's model cache


@lru_cache(maxsize=1)
def _engine() -> Engine:
    settings = Settings.from_env()
    return Engine(
        settings,
        registry_services(),
        FhirClient(timeout=settings.fhir_timeout_seconds),
        _terminology(),
        load_thresholds(settings.thresholds_file),
    )


@app.post("/echo")
def echo():  # type: ignore[no-untyped-def]
    return jsonify(request.get_json())


@app.post("/echo-audited")
def echo_audited():  # type: ignore[no-untyped-def]
    body = request.get_json()
    _audit(body)
    return jsonify(body)


@lru_cache(maxsize=1)
def _terminology() -> Terminology:
    return default_terminology()


def _asgi() -> BufferedFront:
    settings = Settings.from_env()
    _terminology()
    preload_models()
    _engine()
    _store().warm_up()
    return BufferedFront(app, call_threads=settings.threads, max_body_bytes=settings.max_request_bytes)


asgi = _asgi()
