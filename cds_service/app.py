"""The app factory: the one place that wires settings, registry, FHIR client, store, auth and HTTP.

Endpoints
  GET  /cds-services                      discovery (from ``hooks.registry``)
  POST /cds-services/<id>                 invocation (dispatch by id and ``request.hook``)
  POST /cds-services/<id>/feedback        feedback (``cds_service.feedback``)
  GET  /health/live                       liveness: the process answers
  GET  /health/ready (and /health)        readiness: 503 when it cannot serve (no trust file, no DB)
  GET  /openapi.json                      the OpenAPI 3.1 document (``cds_service.openapi``)

Every error — ours, Werkzeug's, or an unexpected exception — leaves as a FHIR OperationOutcome
with the matching status, from ``install_error_handlers`` below.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import requests
from flask import Flask, Response, g, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from cds_service import errors, wire
from cds_service.fhir_adapter import BuildHistory, IsRelevant
from cds_service.fhir_client import FhirClient
from cds_service.logging_setup import configure_logging, get_logger, safe_exception
from cds_service.pipeline import Clock, Engine, Invocation, summary_fields, utc_now
from cds_service.records import InvocationRecord
from cds_service.routing import RememberingMap
from cds_service.settings import Settings
from hooks.registry import ServiceDefinition
from hooks.terminology import Terminology, default_terminology
from hooks.thresholds import load_thresholds

if TYPE_CHECKING:
    from cds_service.store import Store

log = get_logger("http")

JSON_TYPES = ("application/json", "application/fhir+json")


# A call body at least this large is freed after its response is written (``wire.HeldBody``).
# Measured in process: freeing the parsed body of a typical chart (~60 resources, 25 KiB) takes
# 0.02 ms, of 500 resources (250 KiB) 0.24 ms, of 5,050 resources (2.5 MiB, no longer in the
# processor's caches) 13 ms. Below this size there is nothing to gain from keeping the body and
# the collector's pause past the answer.
FREE_AFTER_RESPONSE_BYTES = 256 * 1024


class ServiceFlask(Flask):
    """Flask routing through ``cds_service.routing.RememberingMap``: a path matched before is
    answered from memory, with no reference cycle left behind per call."""

    url_map_class = RememberingMap


def create_app(
    settings: Settings | None = None,
    *,
    services: Iterable[ServiceDefinition] | None = None,
    store: Store | None = None,
    fhir_session: requests.Session | None = None,
    terminology: Terminology | None = None,
    clock: Clock = utc_now,
    is_relevant: IsRelevant | None = None,
    build_history: BuildHistory | None = None,
    warm: bool = False,
) -> Flask:
    """Build the service. ``services`` defaults to ``hooks.registry.services()``; ``store`` to
    ``Store.from_settings(settings)``; the history is built by ``cds_service.fhir_facts``. Tests inject
    small services, a temporary store, a fake FHIR session, a fixed clock or history doubles. ``warm`` runs
    every service once on a tiny synthetic chart before returning (``serve`` sets it for each
    worker), so the first real call does not pay for model imports and validator builds."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    if services is None:
        from hooks.registry import services as registry_services

        services = registry_services()
    if store is None:
        from cds_service.store import Store

        store = Store.from_settings(settings)
    term = terminology or default_terminology()
    client = FhirClient(
        fhir_session,
        timeout=settings.fhir_timeout_seconds,
        page_cap=settings.fhir_page_cap,
        max_response_bytes=settings.fhir_max_response_bytes,
    )
    engine = Engine(
        settings,
        services,
        client,
        term,
        load_thresholds(settings.thresholds_file),
        active_snoozes=store.active_snoozes,
        clock=clock,
        is_relevant=is_relevant,
        build_history=build_history,
    )
    store.take_turns_with(engine.evaluating)

    app = ServiceFlask("cds_service")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["SETTINGS"] = settings
    app.extensions["cds_engine"] = engine
    app.extensions["cds_store"] = store

    if settings.cors_origins:  # no browser origin is allowed unless configured (CDS_CORS_ORIGINS)
        CORS(
            app,
            resources={r"/cds-services*": {}, r"/health*": {}},
            origins=list(settings.cors_origins),
            allow_headers=["Authorization", "Content-Type"],
            methods=["GET", "POST", "OPTIONS"],
            max_age=600,
        )
    app.before_request(_start_timer)
    from cds_service.auth import caller_fhir_server_policy, install_auth

    install_auth(app, settings, store)
    app.before_request(_check_body)

    from cds_service.feedback import make_feedback_blueprint

    app.register_blueprint(
        make_feedback_blueprint(store, record_id=engine.record_id, store_comments=settings.feedback_comments)
    )
    from cds_service.openapi import make_openapi_blueprint

    app.register_blueprint(make_openapi_blueprint())
    from cds_service.smart.views import make_app_blueprint

    app.register_blueprint(make_app_blueprint(settings, engine, store))

    @app.get("/cds-services")
    def discovery() -> Response:
        return _json(engine.discovery())

    @app.post("/cds-services/<service_id>")
    def invoke(service_id: str) -> Response:
        inv = Invocation(service_id)
        g.invocation = inv
        # For a large body the collector stays paused from the parse until the body is freed:
        # each collection meanwhile would walk the whole body, finding nothing (JSON holds no
        # cycles) — about a third of a 5,000-resource chart's time. The pause spans a FHIR fetch
        # when keys are missing, within CDS_FHIR_TOTAL_BUDGET_SECONDS. Under ``serve`` a large
        # body is freed once the response is written (``wire.HeldBody``); a typical one, and any
        # body under other servers, here.
        large = (request.content_length or 0) >= FREE_AFTER_RESPONSE_BYTES
        held = wire.HeldBody(pause=large)
        after: wire.AfterResponse | None = request.environ.get(wire.AFTER_RESPONSE)
        deferred = large and after is not None and after.defer(held.release)
        try:
            held.body = _json_body(engine.decode)
            engine.invoke(service_id, held.body, inv, fhir_server_allowed=caller_fhir_server_policy())
        finally:
            if not deferred:
                held.release()
        assert inv.body is not None
        # No advice without an audit record: the cards go out only once the invocation and every
        # card are committed; if that fails, the answer is a 503 and no card is shown.
        g.recorded = True
        if not _record(inv, 200, _latency_ms()):
            raise errors.AuditUnavailable(
                "The call could not be recorded in the audit store, so no advice is given. This is "
                "not an empty result; try again."
            )
        return _json(inv.body)

    @app.get("/health/live")
    def liveness() -> Response:
        """The process answers HTTP: restart it if not. Checks nothing else."""
        return _json({"status": "pass"})

    @app.get("/health")
    @app.get("/health/ready")
    def readiness() -> Response:
        """Can this replica serve calls? 503 when it would refuse or fail every one: auth on without
        a trust file, or the database unreachable. A load balancer takes it out of service."""
        problems = readiness_problems(settings, store)
        if problems:
            issues = [{"severity": "error", "code": "transient", "diagnostics": p} for p in problems]
            return _json({"resourceType": "OperationOutcome", "issue": issues}, 503)
        return _json({"status": "pass", "services": len(engine.services)})

    install_error_handlers(app)
    app.after_request(_after)
    if warm:
        from cds_service.warmup import warm_up

        warm_up(engine, store)
        app.url_map.update()  # the routes compiled now, not by the first request
    return app


# ---------------------------------------------------------------------------------------------
# readiness


def readiness_problems(settings: Settings, store: Store) -> list[str]:
    """Why this replica cannot serve calls (empty: it can). Short, safe to show (no URLs)."""
    problems: list[str] = []
    if settings.auth_enabled and not settings.trust_file:
        problems.append("Not ready: authentication is on but no trust file is configured (CDS_TRUST_FILE).")
    try:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        fields = {"event": "not_ready", "exception": safe_exception(exc)}
        log.error("readiness: database unreachable", extra=fields)
        problems.append("Not ready: the database is unreachable.")
    return problems


# ---------------------------------------------------------------------------------------------
# request plumbing


def _start_timer() -> None:
    g.started = time.perf_counter()


def _check_body() -> None:
    """POSTs must be JSON and within the size limit (before anything reads the body)."""
    if request.method != "POST" or request.url_rule is None:
        return  # unknown paths get their 404 first
    if request.blueprint == "pathway_app":
        return  # the app's logout is a plain HTML form post, with no body to read
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise errors.PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    if request.mimetype not in JSON_TYPES:
        raise errors.UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
    if limit is not None and request.content_length is None:
        _buffer_unsized_body(limit)


def _buffer_unsized_body(limit: int) -> None:
    """A body without Content-Length (chunked): read at most ``limit`` + 1 bytes; more is a 413
    (Werkzeug would cut it off at the limit and the truncated JSON would be a misleading 400).
    What was read becomes the body, with its length, for the rest of the request."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise errors.PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    request.environ["wsgi.input"] = io.BytesIO(raw)
    request.environ.pop(wire.REQUEST_BODY, None)
    request.environ["CONTENT_LENGTH"] = str(len(raw))
    request.environ.pop("wsgi.input_terminated", None)
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)
    for cached in ("stream", "content_length"):
        request.__dict__.pop(cached, None)


def request_body() -> bytes:
    """The whole request body: under ``serve``, the very bytes the front read
    (``wire.REQUEST_BODY``); under any other server, through Werkzeug."""
    raw = request.environ.get(wire.REQUEST_BODY)
    return raw if isinstance(raw, bytes) else request.get_data(cache=True)


def _json_body(decode: Callable[[bytes], Any]) -> Any:
    raw = request_body()
    if not raw:
        raise errors.BadRequest("The request body is empty; a CDS Hooks request is a JSON object.")
    return parse_json(raw, decode)


def parse_json(raw: bytes, decode: Callable[[bytes], Any] = wire.decode_json) -> Any:
    """The decoded body; malformed or too deeply nested JSON is a 400, not a 500."""
    try:
        return decode(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest("The request body is not valid JSON.") from None
    except RecursionError:
        raise errors.BadRequest("The request body is nested too deeply to be a CDS Hooks request.") from None


def _json(body: Any, status: int = 200) -> Response:
    return Response(wire.encode_json(body), status=status, mimetype="application/json")


def _latency_ms() -> float:
    return round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)


def _after(resp: Response) -> Response:
    # Responses carry patient-derived content (cards, OperationOutcomes naming data): never sniffed
    # as another type, never kept by a browser or proxy cache.
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store"
    latency_ms = _latency_ms()
    inv: Invocation | None = g.get("invocation")
    fields: dict[str, Any] = {
        "event": "request",
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": resp.status_code,
        "latency_ms": latency_ms,
    }
    if request.endpoint == "invoke":
        inv = inv or Invocation(str((request.view_args or {}).get("service_id", "")))
        fields.update(summary_fields(inv))
        # A 200 was recorded before it left the view. A call refused for want of a valid JWT is
        # not recorded row by row (anyone could fill the store); the auth module counts them.
        if not g.get("recorded") and resp.status_code != 401:
            _record(inv, resp.status_code, latency_ms)
    elif request.view_args and "service_id" in request.view_args:
        fields["service"] = request.view_args["service_id"]
    log.info("request", extra={k: v for k, v in fields.items() if v is not None})
    return resp


def _record(inv: Invocation, status: int, latency_ms: float) -> bool:
    """Write the audit record of this call; False (logged) when the store refused it."""
    from flask import current_app

    engine: Engine = current_app.extensions["cds_engine"]
    if not any(s.id == inv.service_id for s in engine.services):
        return True  # not a service of ours: nothing to audit
    store = current_app.extensions["cds_store"]
    rec = InvocationRecord(
        at=engine.clock(),
        service_id=inv.service_id,
        hook=inv.hook,
        hook_instance=inv.hook_instance,
        patient_id=inv.patient_id,
        user_id=inv.user_id,
        status=status,
        latency_ms=latency_ms,
        cards=inv.issued if status == 200 else (),
        error=g.get("error_title"),
    )
    try:
        store.record_invocation(rec)
    except Exception as exc:
        log.error("audit record failed", extra={"event": "audit_failed", "exception": safe_exception(exc)})
        return False
    return True


# ---------------------------------------------------------------------------------------------
# errors: mapped in one place

_WERKZEUG: dict[int, type[errors.CdsError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}
_MESSAGES = {
    404: "No such endpoint. CDS services are listed at /cds-services.",
    405: "Method not allowed on this endpoint.",
    413: "The request body is too large.",
    415: "The request body must be JSON (Content-Type: application/json).",
    400: "Bad request.",
    401: "Unauthorized.",
}


def error_response(err: errors.CdsError) -> Response:
    g.error_title = type(err).__name__
    resp = _json(err.outcome(), err.status)
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = "Bearer"
    return resp


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(errors.CdsError)
    def _cds(err: errors.CdsError) -> Response:
        if err.status >= 500:
            inv: Invocation | None = g.get("invocation")
            log.error(
                err.message,
                extra={
                    "event": "error",
                    "service": inv.service_id if inv else None,
                    "hook": (inv.hook or None) if inv else None,
                    "exception": safe_exception(err.__cause__ or err),
                },
            )
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        cls = _WERKZEUG.get(status)
        if cls is not None:
            resp = error_response(cls(_MESSAGES[status]))
        else:
            g.error_title = type(exc).__name__
            resp = _json(errors.operation_outcome(exc.name, code="exception"), status)
        if status == 405 and exc.get_response().headers.get("Allow"):
            resp.headers["Allow"] = exc.get_response().headers["Allow"]
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.error("unhandled exception", extra={"event": "error", "exception": safe_exception(exc)})
        return error_response(errors.InternalError("Internal error; no advice could be given."))
