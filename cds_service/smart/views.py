"""The pathway app's routes, outside the CDS Hooks JWT auth (the SMART launch is their auth).

  GET /app/launch?iss=…&launch=…   EHR launch: check iss, discover, redirect to authorize
  GET /app/callback?code=…&state=… check state, exchange the code (PKCE), start the session
  GET /app/                        the page, read fresh from the EHR's FHIR server each time
  POST /app/logout                 end the session (its row is deleted)
  GET /app/demo/<scenario>         a synthetic chart, only with CDS_DEV_DISABLE_AUTH

The browser holds a random session id in a Secure, HttpOnly, SameSite cookie; the token stays
on the server, encrypted in the service's database (``cds_service.smart.sessions``), so any
worker or replica serves any step. Each page view is one audit row (service
``radicular-pathway``, hook ``app-page-view``, the patient, the user, the status). The record
is read through the same pipeline as a hook call — the FHIR client sends the token only to the
launch's FHIR server. Failures are plain pages that say what happened (never a stack trace,
never a token); the log names the failure's kind, not the patient.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
import uuid
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

import requests
from flask import Blueprint, Response, abort, g, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from cds_service.auth.trust import TrustStore, load_trust, normalise_fhir_base
from cds_service.errors import CdsError, PreconditionFailed
from cds_service.fhir_adapter import ModelCache
from cds_service.logging_setup import safe_exception
from cds_service.pipeline import Engine, Invocation
from cds_service.records import InvocationRecord
from cds_service.settings import Settings
from cds_service.smart import launch as smart
from cds_service.smart.demo import load_demo
from cds_service.smart.links import PATHWAY_SERVICE_ID
from cds_service.smart.page import PageInput, render_error, render_page
from cds_service.smart.sessions import (
    LAUNCH_TTL,
    SESSION_TTL,
    SessionStore,
    configured_fernet,
    session_fernet,
)

if TYPE_CHECKING:
    from cds_service.store import Store

log = logging.getLogger("cds_service.smart")

COOKIE = "radicular_app"
# Who reads the page when the EHR's id_token names no fhirUser (the advice does not depend on it)
APP_USER = "Practitioner/pathway-app-user"
APP_VIEW_HOOK = "app-page-view"  # the audit's hook column for a page view, apart from hook calls
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def make_app_blueprint(
    settings: Settings,
    engine: Engine,
    record: Store,
    *,
    trust: TrustStore | None = None,
    sessions: SessionStore | None = None,
) -> Blueprint:
    """``record`` is the service's store: the sessions' table and the audit of page views."""
    if trust is None and settings.trust_file:
        trust = load_trust(settings.trust_file)
    app = PathwayApp(settings, engine, record, trust, sessions)
    bp = Blueprint("pathway_app", __name__, url_prefix="/app")
    bp.add_url_rule("/launch", view_func=app.launch, methods=["GET"])
    bp.add_url_rule("/callback", view_func=app.callback, methods=["GET"])
    bp.add_url_rule("/", endpoint="pathway", view_func=app.pathway, methods=["GET"])
    bp.add_url_rule("/logout", view_func=app.logout, methods=["POST"])
    bp.add_url_rule("/demo/<name>", view_func=app.demo, methods=["GET"])
    return bp


def _page(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html", headers=PAGE_HEADERS)


def _failure(err: smart.LaunchError, event: str) -> Response:
    log.warning("pathway app: %s", err.title, extra={"event": event, "status": err.status})
    g.app_failure = event  # the audit row of a page view names the kind of failure
    return _page(render_error(err.title, err.message, err.status), err.status)


class PathwayApp:
    """The app's routes over one engine, store and trust file."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        record: Store,
        trust: TrustStore | None,
        sessions: SessionStore | None,
    ) -> None:
        self.settings = settings
        self.record = record
        self.trust = trust
        self.configured_key = configured_fernet(settings)  # a malformed CDS_APP_SESSION_KEY stops the start
        self._sessions = sessions
        self._sessions_lock = threading.Lock()
        # The app's reads keep nothing after the page is sent: no per-worker model cache of the record.
        self.engine = copy.copy(engine)
        self.engine.model_cache = ModelCache(0)
        self.http = requests.Session()
        self.http.trust_env = False
        self.callback_url = settings.public_base_url.rstrip("/") + "/app/callback"

    def session_store(self) -> SessionStore:
        """Made at the first launch, so a service whose app is never opened writes no key file."""
        with self._sessions_lock:
            if self._sessions is None:
                key = self.configured_key or session_fernet(self.settings, self.record.engine)
                self._sessions = SessionStore(self.record.engine, key)
            return self._sessions

    def set_cookie(self, resp: BaseResponse, sid: str, max_age: float) -> None:
        resp.set_cookie(
            COOKIE,
            sid,
            max_age=int(max_age),
            secure=True,
            httponly=True,
            samesite=self.settings.app_cookie_samesite,
            path="/app",
        )

    def launch(self) -> BaseResponse:
        iss, launch_id = request.args.get("iss", ""), request.args.get("launch", "")
        if not iss or not launch_id:
            return _failure(
                smart.LaunchError(
                    400,
                    "Open the pathway from a card",
                    "This address is opened by the EHR with a launch and an iss.",
                ),
                "app_launch_incomplete",
            )
        allowed = smart.allowed_issuer(self.trust, iss)
        if allowed is None:
            return _failure(
                smart.LaunchError(
                    403,
                    "This EHR is not allowed",
                    "The app was launched from a FHIR server this service does not trust.",
                ),
                "app_iss_refused",
            )
        try:
            config = smart.discover(self.http, allowed, self.settings.fhir_timeout_seconds)
        except smart.LaunchError as err:
            return _failure(err, "app_discovery_failed")
        trusted_id = self.trust.smart_client_id(allowed) if self.trust else None
        url, pending = smart.authorization_request(
            config,
            iss=allowed,
            launch=launch_id,
            client_id=trusted_id or self.settings.smart_client_id,
            redirect_uri=self.callback_url,
            aud=iss,
        )
        resp = redirect(url, code=302)
        self.set_cookie(resp, self.session_store().put(pending, LAUNCH_TTL), LAUNCH_TTL)
        resp.headers.update(PAGE_HEADERS)
        return resp

    def callback(self) -> BaseResponse:
        # one use: a replay finds nothing
        pending = self.session_store().take_launch(request.cookies.get(COOKIE))
        if pending is None:
            return _failure(
                smart.LaunchError(400, "The launch has expired", "Open the pathway again from the card."),
                "app_no_pending_launch",
            )
        state = request.args.get("state", "")
        if not state or not secrets.compare_digest(state, pending.state):
            return _failure(
                smart.LaunchError(
                    400,
                    "The launch could not be verified",
                    "The answer from the EHR does not match this launch.",
                ),
                "app_state_mismatch",
            )
        if "error" in request.args or not request.args.get("code"):
            return _failure(
                smart.LaunchError(
                    403, "The EHR did not authorise the app", "Access was not granted; nothing was read."
                ),
                "app_authorization_denied",
            )
        try:
            session = smart.exchange_code(
                pending, code=request.args["code"], timeout=self.settings.fhir_timeout_seconds
            )
        except smart.LaunchError as err:
            return _failure(err, "app_token_failed")
        ttl = min(float(session.expires_in or SESSION_TTL), SESSION_TTL)
        resp = redirect("/app/", code=303)
        self.set_cookie(resp, self.session_store().put(session, ttl), ttl)  # a new id once authorised
        resp.headers.update(PAGE_HEADERS)
        log.info("pathway app session started", extra={"event": "app_session_started"})
        return resp

    def pathway(self) -> Response:
        session = self.session_store().session(request.cookies.get(COOKIE))
        if session is None:
            return _failure(
                smart.LaunchError(
                    401,
                    "No pathway session",
                    "The session has ended or was never started. Open the pathway from a card.",
                ),
                "app_no_session",
            )
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": session.iss,
            "fhirAuthorization": {
                "access_token": session.access_token,
                "token_type": "Bearer",
                "scope": session.scope,
                "subject": session.client_id,
                **({"expires_in": session.expires_in} if session.expires_in else {}),
            },
            "context": {"userId": session.user or APP_USER, "patientId": session.patient_id},
        }
        started = time.perf_counter()
        resp = self.run(body, app_context=session.app_context, fhir_server=session.iss, logout=True)
        if not self.audit(body, resp.status_code, started):
            # as for a hook call: no advice leaves without its audit record
            return _failure(
                smart.LaunchError(
                    503,
                    "The pathway could not be shown",
                    "The service could not record this view in its audit; nothing is shown. "
                    "Try again shortly.",
                ),
                "app_audit_failed",
            )
        return resp

    def logout(self) -> BaseResponse:
        ended = self.session_store().end(request.cookies.get(COOKIE))
        ended_page = render_error("The pathway session has ended", "Open the pathway again from a card.", 200)
        resp = _page(ended_page)
        resp.delete_cookie(
            COOKIE, path="/app", secure=True, httponly=True, samesite=self.settings.app_cookie_samesite
        )
        if ended:
            log.info("pathway app session ended", extra={"event": "app_session_ended"})
        return resp

    def audit(self, body: dict[str, Any], status: int, started: float) -> bool:
        """One governance row per page view, as for a hook call: no cards (a page issues none
        that feedback could name), never a token or a resource."""
        rec = InvocationRecord(
            at=self.engine.clock(),
            service_id=PATHWAY_SERVICE_ID,
            hook=APP_VIEW_HOOK,
            hook_instance=body["hookInstance"],
            patient_id=body["context"]["patientId"],
            user_id=body["context"]["userId"],
            status=status,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            error=g.get("app_failure") if status >= 400 else None,
        )
        try:
            self.record.record_invocation(rec)
        except Exception as exc:
            log.error(
                "audit record failed", extra={"event": "audit_failed", "exception": safe_exception(exc)}
            )
            return False
        return True

    def demo(self, name: str) -> Response:
        if self.settings.auth_enabled:
            abort(404)
        chart = load_demo(name)
        if chart is None:
            abort(404)
        note = f"Demonstration on a synthetic patient: {chart.title}"
        return self.run(
            chart.request, app_context=request.args.get("state"), day=chart.evaluation_date, note=note
        )

    def run(
        self,
        body: dict[str, Any],
        *,
        app_context: str | None,
        fhir_server: str | None = None,
        day: str | None = None,
        note: str | None = None,
        logout: bool = False,
    ) -> Response:
        eng = _on_date(self.engine, day) if day else self.engine
        try:
            inv = eng.invoke(
                PATHWAY_SERVICE_ID,
                body,
                Invocation(PATHWAY_SERVICE_ID),
                fhir_server_allowed=partial(_is_launch_server, fhir_server),
            )
        except PreconditionFailed as err:
            return _failure(
                smart.LaunchError(
                    502,
                    "The patient's record could not be read",
                    "The EHR's FHIR server did not give the data the pathway needs: " + _reasons(err.message),
                ),
                "app_record_unavailable",
            )
        except CdsError as err:
            return _failure(_evaluation_error(err), "app_evaluation_failed")
        assert inv.history is not None and inv.today is not None
        html = render_page(
            PageInput(inv.history, inv.drafts, inv.today, app_context=app_context, note=note, logout=logout),
            self.engine.terminology,
            self.engine.thresholds,
        )
        return _page(html)


def _is_launch_server(fhir_server: str | None, url: str) -> bool:
    """Only the iss the trust file allowed at launch is ever read."""
    try:
        return fhir_server is not None and normalise_fhir_base(url) == fhir_server
    except ValueError:
        return False


def _evaluation_error(err: CdsError) -> smart.LaunchError:
    if err.status < 500:
        return smart.LaunchError(err.status, "The pathway could not be worked out", err.message)
    return smart.LaunchError(
        500, "The pathway could not be worked out", "The decision logic failed; no advice could be given."
    )


def _reasons(message: str) -> str:
    """The 412's own text, which names the data and why (never a URL or token)."""
    return message.removeprefix("Required FHIR data could not be obtained ").strip("(). ") + "."


def _on_date(engine: Engine, day: str) -> Engine:
    """The same engine, evaluating on ``day`` (a demo chart's own evaluation date)."""
    dated = copy.copy(engine)
    dated.fixed_date = date.fromisoformat(day)
    return dated
