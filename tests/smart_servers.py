"""An EHR on loopback for the pathway app's end-to-end test: a SMART authorization server built
on Authlib's server side (authorization code with PKCE S256 required, public clients, launch
context in the token response) and a FHIR server holding one scenario's record that answers
only to tokens that server issued, for that patient. Each runs in a real HTTP server
(Werkzeug) on its own loopback port, in a background thread; ``stop()`` ends them."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

from tests.jwt_helpers import es384_key
from tests.smart_helpers import fhir_answer

ID_KEY = es384_key("e2e-id-token")  # signs the authorization server's id_tokens


@dataclass
class Client:
    client_id: str
    redirect_uris: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False  # a public client has no secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class LaunchUser:
    """Who the EHR says is using the app, and the launch context it attaches to the token."""

    patient: str
    app_context: str | None

    def get_user_id(self) -> str:
        return "Practitioner/e2e-clinician"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: LaunchUser
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return time.time() - self.issued > 60


@dataclass
class Ehr:
    """The servers and what they saw."""

    fhir_base: str
    auth_base: str
    clients: dict[str, Client] = field(default_factory=dict)  # registered out of band
    launches: dict[str, LaunchUser] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token → patient
    token_requests: list[dict[str, str]] = field(default_factory=list)
    fhir_requests: list[tuple[str, bool]] = field(default_factory=list)  # (path, carried an issued token)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = field(default_factory=list)

    def stop(self) -> None:
        for server, thread in self.servers:
            server.shutdown()
            thread.join(10)
            server.server_close()


def serve(app: Any) -> tuple[BaseWSGIServer, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"e2e-{server.server_port}", daemon=True)
    thread.start()
    return server, thread


def start_ehr(record: dict[str, Any]) -> Ehr:
    """Start the authorization server and the FHIR server holding ``record`` (a scenario request)."""
    auth_app, fhir_app = Flask("e2e-auth"), Flask("e2e-fhir")
    auth_server, auth_thread = serve(auth_app)
    fhir_server, fhir_thread = serve(fhir_app)
    ehr = Ehr(
        fhir_base=f"http://127.0.0.1:{fhir_server.server_port}/fhir",
        auth_base=f"http://127.0.0.1:{auth_server.server_port}",
        servers=[(auth_server, auth_thread), (fhir_server, fhir_thread)],
    )
    codes: dict[str, Code] = {}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - Authlib's own class attribute

        def save_authorization_code(self, code: str, req: Any) -> Code:
            item = Code(
                code,
                req.client.client_id,
                req.payload.redirect_uri,
                req.scope,
                req.user,
                req.payload.data.get("code_challenge"),
                req.payload.data.get("code_challenge_method"),
            )
            codes[code] = item
            return item

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            item = codes.get(code)
            return item if item and item.client_id == client.client_id and not item.is_expired() else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> LaunchUser:
            return authorization_code.user

        def generate_token(self, user: Any = None, scope: Any = None, **kw: Any) -> dict[str, Any]:
            token: dict[str, Any] = super().generate_token(user=user, scope=scope, **kw)
            token["patient"] = user.patient  # SMART launch context
            if user.app_context:
                token["appContext"] = user.app_context
            if "openid" in str(scope or "").split():  # OpenID Connect: who the user is, signed
                now = int(time.time())
                claims = {
                    "iss": ehr.auth_base,
                    "sub": user.get_user_id(),
                    "aud": self.request.client.client_id,
                    "iat": now,
                    "exp": now + 300,
                    "jti": uuid.uuid4().hex,
                    "fhirUser": f"{ehr.fhir_base}/{user.get_user_id()}",
                }
                token["id_token"] = jwt.encode(claims, ID_KEY.private, ID_KEY.alg, {"kid": ID_KEY.kid})
            return token

    def save_token(token: dict[str, Any], req: Any) -> None:
        ehr.tokens[token["access_token"]] = token["patient"]

    server = AuthorizationServer(auth_app, query_client=ehr.clients.get, save_token=save_token)
    server.register_grant(CodeGrant, [CodeChallenge(required=True)])

    @auth_app.get("/authorize")
    def authorize() -> Any:
        ehr.authorize_requests.append(dict(request.args))
        user = ehr.launches.get(request.args.get("launch", ""))
        if user is None or request.args.get("aud") != ehr.fhir_base:
            return Response("unknown launch or wrong aud", status=400)
        try:
            grant = server.get_consent_grant(end_user=user)  # checks client, redirect_uri, PKCE challenge
        except OAuth2Error as error:
            return Response(f"authorization request refused: {error.error}", status=400)
        return server.create_authorization_response(grant_user=user, grant=grant)  # the clinician consents

    @auth_app.post("/token")
    def token() -> Any:
        ehr.token_requests.append(dict(request.form))
        return server.create_token_response()

    @auth_app.get("/jwks")
    def jwks() -> Any:
        return jsonify(keys=[ID_KEY.public_jwk])

    @fhir_app.get("/fhir/.well-known/smart-configuration")
    def smart_configuration() -> Any:
        return jsonify(
            issuer=ehr.auth_base,
            jwks_uri=f"{ehr.auth_base}/jwks",
            authorization_endpoint=f"{ehr.auth_base}/authorize",
            token_endpoint=f"{ehr.auth_base}/token",
            token_endpoint_auth_methods_supported=["none"],
            grant_types_supported=["authorization_code"],
            scopes_supported=["launch", "openid", "fhirUser", "patient/*.rs"],
            code_challenge_methods_supported=["S256"],
            capabilities=[
                "launch-ehr",
                "client-public",
                "context-ehr-patient",
                "permission-v2",
                "sso-openid-connect",
            ],
        )

    @fhir_app.get("/fhir/<path:rest>")
    def fhir(rest: str) -> Any:
        auth = request.headers.get("Authorization", "")
        patient = ehr.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        ehr.fhir_requests.append((rest, patient is not None))
        if patient is None or patient != record["context"]["patientId"]:
            return Response(status=401)
        body = fhir_answer(record, ehr.fhir_base, request.url)
        return jsonify(body) if body is not None else Response(status=404)

    return ehr
