"""JWT verification on every CDS call (CDS Hooks 2.0 §Trusting CDS Clients)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm
from jwt_helpers import (
    BASE_URL,
    ISSUER,
    JKU,
    SHARED,
    SigningKey,
    b64url,
    claims,
    es384_key,
    hs256_with_public_key,
    jwks,
    mint,
    rs384_key,
    spec_vector,
    unsigned_token,
    write_trust,
)

from cds_service.auth import AuthFailure, JwtVerifier, TrustConfigError, install_auth, load_trust, verify
from cds_service.errors import CdsError
from cds_service.settings import Settings, SettingsError
from cds_service.store import Store

DISCOVERY = f"{BASE_URL}/cds-services"
SERVICE = f"{BASE_URL}/cds-services/radicular-pathway"
OTHER_SERVICE = f"{BASE_URL}/cds-services/radicular-order-sign"
FEEDBACK = f"{BASE_URL}/cds-services/radicular-pathway/feedback"


def make_app(settings: Settings, store: Store) -> Flask:
    """A stand-in for the real app: the three CDS routes, a health route, the error mapping."""
    app = Flask("auth-test")
    install_auth(app, settings, store)

    @app.get("/cds-services")
    def discovery() -> Response:
        return jsonify(services=[])

    @app.post("/cds-services/<sid>")
    def service(sid: str) -> Response:
        return jsonify(cards=[])

    @app.post("/cds-services/<sid>/feedback")
    def feedback(sid: str) -> Response:
        return jsonify({})

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="pass")

    @app.errorhandler(CdsError)
    def _err(err: CdsError) -> tuple[Response, int]:
        return jsonify(err.outcome()), err.status

    return app


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.from_url(f"sqlite:///{tmp_path / 'auth.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
def trust_file(tmp_path: Path) -> Path:
    return write_trust(
        tmp_path / "trust.json",
        {
            "_comment": "test EHR",
            ISSUER: {"jwks": jwks(es384_key(), rs384_key()), "jku_allowlist": [JKU]},
        },
    )


@pytest.fixture
def settings(trust_file: Path) -> Settings:
    return Settings(public_base_url=BASE_URL, trust_file=str(trust_file), auth_enabled=True)


@pytest.fixture
def client(settings: Settings, store: Store) -> Any:
    return make_app(settings, store).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CATEGORIES = (verify.MISSING, verify.MALFORMED, verify.NOT_TRUSTED, verify.SIGNATURE, verify.AUDIENCE,
              verify.TIME, verify.REPLAYED)  # fmt: skip


def assert_unauthorized(resp: Any, category: str | None = None) -> None:
    """A 401 whose OperationOutcome names one safe category (the given one, if any) and no more."""
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["resourceType"] == "OperationOutcome" and len(body["issue"]) == 1
    issue = body["issue"][0]
    assert (issue["severity"], issue["code"]) == ("error", "login")
    assert issue["diagnostics"] in {f"Unauthorized: {c}." for c in CATEGORIES}
    if category is not None:
        assert issue["diagnostics"] == f"Unauthorized: {category}."


# ---- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [es384_key, rs384_key], ids=["ES384", "RS384"])
def test_valid_tokens_pass_on_discovery_service_and_feedback(client: Any, key: Any) -> None:
    """It accepts an ES384 or RS384 token whose aud is exactly the URL invoked (no sub needed)."""
    k: SigningKey = key()
    assert client.get("/cds-services", headers=bearer(mint(k, DISCOVERY))).status_code == 200
    assert client.post("/cds-services/radicular-pathway", headers=bearer(mint(k, SERVICE))).status_code == 200
    assert (
        client.post("/cds-services/radicular-pathway/feedback", headers=bearer(mint(k, FEEDBACK))).status_code
        == 200
    )


def test_aud_may_be_a_one_element_array(client: Any) -> None:
    """It accepts aud as an array holding exactly the URL invoked."""
    resp = client.post("/cds-services/radicular-pathway", headers=bearer(mint(es384_key(), [SERVICE])))
    assert resp.status_code == 200


@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/jwt"])
def test_typ_is_read_as_a_media_type(client: Any, typ: str) -> None:
    """It accepts typ JWT in any case, with or without the application/ prefix (RFC 7515 §4.1.9)."""
    resp = client.get("/cds-services", headers=bearer(mint(es384_key(), DISCOVERY, headers={"typ": typ})))
    assert resp.status_code == 200


def test_small_clock_skew_is_tolerated(client: Any) -> None:
    """It accepts a token that expired less than the configured skew ago, or was issued just ahead."""
    now = time.time()
    late = mint(es384_key(), DISCOVERY, exp=int(now) - 20, iat=int(now) - 300)
    early = mint(es384_key(), DISCOVERY, iat=int(now) + 20)
    assert client.get("/cds-services", headers=bearer(late)).status_code == 200
    assert client.get("/cds-services", headers=bearer(early)).status_code == 200


def test_preflight_and_health_need_no_token(client: Any) -> None:
    """It lets CORS preflight and the health endpoint through without a token."""
    preflight = client.options("/cds-services/radicular-pathway")
    assert preflight.status_code == 200 and "POST" in preflight.headers["Allow"]
    assert client.get("/health").status_code == 200


# ---- the rejection matrix -----------------------------------------------------------------------


def _expired() -> str:
    now = int(time.time())
    return mint(es384_key(), SERVICE, exp=now - 120, iat=now - 420)


def _other_key_same_kid() -> str:
    impostor = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(impostor.public_key(), as_dict=True)
    return mint(SigningKey(es384_key().kid, "ES384", impostor, jwk), SERVICE)


def _es256() -> str:
    p256 = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(p256.public_key(), as_dict=True)
    return mint(SigningKey(es384_key().kid, "ES256", p256, jwk), SERVICE)


REJECTED = {
    "alg none": lambda: unsigned_token(claims(SERVICE), es384_key().kid),
    "HS256 keyed with the public key": lambda: hs256_with_public_key(claims(SERVICE), es384_key()),
    "ES256 not on the allow-list": _es256,
    "expired": _expired,
    "lives longer than allowed": lambda: mint(es384_key(), SERVICE, exp=int(time.time()) + 2 * 3600),
    "iat in the future": lambda: mint(es384_key(), SERVICE, iat=int(time.time()) + 600),
    "nbf in the future": lambda: mint(es384_key(), SERVICE, nbf=int(time.time()) + 600),
    "wrong aud": lambda: mint(es384_key(), "https://elsewhere.example.org/cds-services/radicular-pathway"),
    "another service's aud": lambda: mint(es384_key(), OTHER_SERVICE),
    "discovery aud on a service": lambda: mint(es384_key(), DISCOVERY),
    "aud with a second value": lambda: mint(es384_key(), [SERVICE, OTHER_SERVICE]),
    "unknown iss": lambda: mint(es384_key(), SERVICE, iss="https://rogue.example.org"),
    "unknown kid": lambda: mint(es384_key("not-in-trust"), SERVICE),
    "signed by another key under a known kid": _other_key_same_kid,
    "alg does not match the key": lambda: mint(rs384_key(), SERVICE, headers={"kid": es384_key().kid}),
    "jku not a string": lambda: mint(es384_key(), SERVICE, headers={"jku": [JKU]}),
    "jku not allowlisted": lambda: mint(
        es384_key(), SERVICE, headers={"jku": "https://rogue.example.org/jwks"}
    ),
    "missing typ": lambda: mint(es384_key(), SERVICE, drop_headers=("typ",)),
    "wrong typ": lambda: mint(es384_key(), SERVICE, headers={"typ": "at+jwt"}),
    "missing kid": lambda: mint(es384_key(), SERVICE, drop_headers=("kid",)),
    "missing jti": lambda: mint(es384_key(), SERVICE, jti=None),
    "missing exp": lambda: mint(es384_key(), SERVICE, exp=None),
    "missing iat": lambda: mint(es384_key(), SERVICE, iat=None),
    "missing iss": lambda: mint(es384_key(), SERVICE, iss=None),
    "missing aud": lambda: jwt.encode(
        {k: v for k, v in claims(SERVICE).items() if k != "aud"},
        es384_key().private,
        algorithm="ES384",
        headers={"kid": es384_key().kid, "typ": "JWT"},
    ),
    "garbage": lambda: "not.a.jwt",
    "tampered payload": lambda: (
        lambda t: t.split(".")[0] + "." + mint(es384_key(), SERVICE).split(".")[1] + "." + t.split(".")[2]
    )(mint(es384_key(), SERVICE)),
}


# What the log must give as the reason: each case is refused for its own fault, not another one.
REASONS = {
    "alg none": "alg 'none' not allowed",
    "HS256 keyed with the public key": "alg 'HS256' not allowed",
    "ES256 not on the allow-list": "alg 'ES256' not allowed",
    "expired": "token expired",
    "lives longer than allowed": "lifetime longer than allowed",
    "iat in the future": "issued in the future",
    "nbf in the future": "not yet valid (nbf)",
    "wrong aud": "aud is not the URL invoked",
    "another service's aud": "aud is not the URL invoked",
    "discovery aud on a service": "aud is not the URL invoked",
    "aud with a second value": "aud has more than one value",
    "unknown iss": "not trusted",
    "unknown kid": "kid 'not-in-trust' unknown",
    "signed by another key under a known kid": "InvalidSignatureError",
    "alg does not match the key": "does not match key",
    "jku not allowlisted": "not on the allowlist",
    "jku not a string": "not on the allowlist",
    "missing typ": "typ is not JWT",
    "wrong typ": "typ is not JWT",
    "missing kid": "kid missing",
    "missing jti": "claim jti missing",
    "missing exp": "claim exp missing",
    "missing iat": "claim iat missing",
    "missing iss": "iss missing",
    "missing aud": "claim aud missing",
    "garbage": "malformed token",
    "tampered payload": "InvalidSignatureError",
}


# The category a refused caller is told, for the cases an EHR's integrator most needs to tell apart.
CATEGORY = {
    "garbage": verify.MALFORMED,
    "expired": verify.TIME,
    "iat in the future": verify.TIME,
    "wrong aud": verify.AUDIENCE,
    "discovery aud on a service": verify.AUDIENCE,
    "unknown iss": verify.NOT_TRUSTED,
    "unknown kid": verify.NOT_TRUSTED,
    "alg none": verify.NOT_TRUSTED,
    "signed by another key under a known kid": verify.SIGNATURE,
    "tampered payload": verify.SIGNATURE,
    "missing jti": verify.MALFORMED,
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejection_matrix(client: Any, case: str, caplog: pytest.LogCaptureFixture) -> None:
    """It answers 401 with a bare OperationOutcome, and logs the reason without the token."""
    token = REJECTED[case]()
    with caplog.at_level(logging.WARNING, logger="cds_service.auth"):
        resp = client.post("/cds-services/radicular-pathway", headers=bearer(token))
    assert_unauthorized(resp, CATEGORY.get(case))
    rejections = [r for r in caplog.records if getattr(r, "event", None) == "auth_rejected"]
    assert len(rejections) == 1
    assert REASONS[case] in rejections[0].reason  # type: ignore[attr-defined]
    for part in token.split("."):
        if len(part) > 8:
            assert part not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no header", "empty header", "no token", "basic auth"],
)
def test_requests_without_a_bearer_token_are_refused(client: Any, headers: dict[str, str]) -> None:
    """It refuses discovery, service and feedback calls that carry no bearer token."""
    assert_unauthorized(client.get("/cds-services", headers=headers))
    assert_unauthorized(client.post("/cds-services/radicular-pathway", headers=headers))
    assert_unauthorized(client.post("/cds-services/radicular-pathway/feedback", headers=headers))


def test_a_replayed_jti_is_refused(client: Any) -> None:
    """It accepts a token once; the same jti again is a replay."""
    token = mint(es384_key(), SERVICE)
    assert client.post("/cds-services/radicular-pathway", headers=bearer(token)).status_code == 200
    assert_unauthorized(client.post("/cds-services/radicular-pathway", headers=bearer(token)))


def test_replay_is_caught_by_another_worker(settings: Settings, store: Store, tmp_path: Path) -> None:
    """It refuses a token in a second worker (another app and store on the same database)."""
    token = mint(es384_key(), SERVICE)
    other_store = Store.from_url(str(store.engine.url))
    try:
        first = make_app(settings, store).test_client()
        second = make_app(settings, other_store).test_client()
        assert first.post("/cds-services/radicular-pathway", headers=bearer(token)).status_code == 200
        assert_unauthorized(second.post("/cds-services/radicular-pathway", headers=bearer(token)))
    finally:
        other_store.close()


def test_a_refused_token_does_not_burn_its_jti(client: Any) -> None:
    """It records a jti only after the token verified, so a forged copy cannot block the real one."""
    jti = "shared-jti"
    forged = mint(es384_key(), OTHER_SERVICE, jti=jti)
    assert_unauthorized(client.post("/cds-services/radicular-pathway", headers=bearer(forged)))
    real = mint(es384_key(), SERVICE, jti=jti)
    assert client.post("/cds-services/radicular-pathway", headers=bearer(real)).status_code == 200


# ---- the spec's own test vector -------------------------------------------------------------------


def test_spec_vector_verifies_with_pyjwt_and_the_spec_key_set() -> None:
    """The JWT printed in CDS Hooks 2.0.1 verifies against its JWK Set (exp checking off: it is 2015)."""
    token, keyset = spec_vector()
    key = jwt.PyJWKSet.from_dict(keyset)["example-kid"]
    body = jwt.decode(
        token,
        key=key,
        algorithms=["ES384"],
        audience="https://cds.example.org/cds-services/some-service",
        options={"verify_exp": False},
    )
    assert body["iss"] == "https://fhir-ehr.example.com/" and "sub" not in body


def test_spec_vector_passes_the_full_verifier_at_its_own_time(tmp_path: Path, store: Store) -> None:
    """It verifies the spec's token end to end when the clock is set inside its validity window,
    and refuses it as expired today."""
    token, keyset = spec_vector()
    trust = load_trust(
        write_trust(
            tmp_path / "spec-trust.json",
            {
                "https://fhir-ehr.example.com/": {
                    "jwks": keyset,
                    "jku_allowlist": ["https://fhir-ehr.example.com/jwk_uri"],
                }
            },
        )
    )
    aud = "https://cds.example.org/cds-services/some-service"
    # The spec's example token lives from 2011 to 2015, far beyond the default one-hour limit.
    years = 5 * 365 * 86400
    in_window = JwtVerifier(trust, store, clock=lambda: 1422568000.0, max_lifetime_seconds=years)
    verified = in_window.verify(token, aud)
    assert (verified.iss, verified.jti, verified.tenant) == (
        "https://fhir-ehr.example.com/",
        "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e",
        "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
    )
    with pytest.raises(AuthFailure, match="jti replayed"):
        in_window.verify(token, aud)
    with pytest.raises(AuthFailure, match="expired"):
        JwtVerifier(trust, store, max_lifetime_seconds=years).verify(token, aud)
    with pytest.raises(AuthFailure, match="lifetime"):
        JwtVerifier(trust, store, clock=lambda: 1422568000.0).verify(token, aud)


# ---- keys: files, URLs, jku, caching -------------------------------------------------------------


@responses.activate
def test_keys_from_an_allowlisted_jku_are_fetched_and_cached(tmp_path: Path, store: Store) -> None:
    """It fetches an allowlisted jku once, then serves later tokens from the cache."""
    responses.get(JKU, json=jwks(es384_key()))
    path = write_trust(tmp_path / "t.json", {ISSUER: {"jku_allowlist": [JKU]}})
    client = make_app(Settings(public_base_url=BASE_URL, trust_file=str(path)), store).test_client()
    for _ in range(3):
        token = mint(es384_key(), SERVICE, headers={"jku": JKU})
        assert client.post("/cds-services/radicular-pathway", headers=bearer(token)).status_code == 200
    assert len(responses.calls) == 1


def test_remote_key_set_refreshes_on_unknown_kid_but_rate_limited() -> None:
    """It re-fetches on an unknown kid at most once per interval, and after the TTL."""
    from cds_service.auth.trust import RemoteKeySet

    served: list[dict[str, Any]] = [jwks(es384_key())]
    calls: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        return served[0]

    now = [1000.0]
    ks = RemoteKeySet(
        JKU, ttl_seconds=3600, min_refresh_interval_seconds=60, fetch=fetch, clock=lambda: now[0]
    )
    assert ks.get(es384_key().kid) is not None and len(calls) == 1
    assert ks.get("rotated") is None and len(calls) == 1  # refreshed too recently
    now[0] += 61
    served[0] = jwks(es384_key(), rs384_key("rotated"))
    assert ks.get("rotated") is not None and len(calls) == 2  # unknown kid → refresh
    assert ks.get("still-unknown") is None and len(calls) == 2  # rate-limited
    now[0] += 3600
    assert ks.get(es384_key().kid) is not None and len(calls) == 3  # TTL expired → refresh


def test_a_failing_key_endpoint_keeps_the_cached_keys() -> None:
    """It keeps serving the last good keys when a refresh fails."""
    from cds_service.auth.trust import KeySetError, RemoteKeySet

    now = [0.0]
    ok = [True]

    def fetch(url: str) -> dict[str, Any]:
        if not ok[0]:
            raise KeySetError("down")
        return jwks(es384_key())

    ks = RemoteKeySet(JKU, ttl_seconds=10, min_refresh_interval_seconds=1, fetch=fetch, clock=lambda: now[0])
    assert ks.get(es384_key().kid) is not None
    ok[0], now[0] = False, 100.0
    assert ks.get(es384_key().kid) is not None


@responses.activate
def test_jwks_url_and_jwks_file_sources(tmp_path: Path) -> None:
    """It reads an issuer's keys from a file beside the trust file or from an https URL."""
    (tmp_path / "ehr-keys.json").write_text(json.dumps(jwks(rs384_key())))
    responses.get("https://other.example.org/jwks", json=jwks(es384_key()))
    trust = load_trust(
        write_trust(
            tmp_path / "t.json",
            {
                ISSUER: {"jwks_file": "ehr-keys.json"},
                "https://other.example.org": {"jwks_url": "https://other.example.org/jwks"},
            },
        )
    )
    ehr, other = trust.issuer(ISSUER), trust.issuer("https://other.example.org")
    assert ehr is not None and other is not None
    assert ehr.key_for(rs384_key().kid, None) == rs384_key().public_jwk
    assert other.key_for(es384_key().kid, None) == es384_key().public_jwk


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps([]),
        json.dumps({}),
        json.dumps({ISSUER: {}}),
        json.dumps({ISSUER: {"jwks_url": "http://insecure.example.org/jwks"}}),
        json.dumps({ISSUER: {"jku_allowlist": ["http://insecure.example.org/jwks"]}}),
        json.dumps({ISSUER: {"jwks": {"keys": "nope"}}}),
        json.dumps({ISSUER: {"jwks_file": "missing.json"}}),
    ],
    ids=["not json", "array", "empty", "no keys", "http jwks_url", "http jku", "bad jwks", "missing file"],
)
def test_a_malformed_trust_file_stops_the_service(tmp_path: Path, store: Store, content: str) -> None:
    """It refuses to start with a trust file it cannot use, rather than start trusting nothing."""
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(TrustConfigError):
        make_app(Settings(public_base_url=BASE_URL, trust_file=str(path)), store)


def test_symmetric_and_private_keys_in_a_trust_file_are_ignored(tmp_path: Path) -> None:
    """It never loads an oct (shared secret) key, nor a key that carries private material."""
    private_jwk = json.loads(
        (SHARED / "jwk-private.spec-2.0.1.json").read_text()
    )
    trust = load_trust(
        write_trust(
            tmp_path / "t.json",
            {
                ISSUER: {
                    "jwks": {
                        "keys": [
                            {"kty": "oct", "kid": "s", "k": "c2VjcmV0"},
                            private_jwk,
                            es384_key().public_jwk,
                        ]
                    }
                }
            },
        )
    )
    ehr = trust.issuer(ISSUER)
    assert ehr is not None
    assert ehr.key_for("s", None) is None
    assert ehr.key_for(private_jwk["kid"], None) is None
    assert ehr.key_for(es384_key().kid, None) is not None


@pytest.mark.parametrize("algs", [("HS256",), ("ES384", "none"), ()])
def test_symmetric_or_none_algorithms_cannot_be_configured(
    settings: Settings, store: Store, algs: tuple[str, ...]
) -> None:
    """It refuses to start when the allow-list names none, an HMAC algorithm, or nothing."""
    with pytest.raises(SettingsError):
        make_app(replace(settings, jwt_algorithms=algs), store)


# ---- configuration states -----------------------------------------------------------------------


def test_without_a_trust_file_every_call_is_refused(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """It starts, says loudly that it trusts nobody, and answers 401 to every CDS call."""
    with caplog.at_level(logging.ERROR, logger="cds_service.auth"):
        client = make_app(Settings(public_base_url=BASE_URL, trust_file=None), store).test_client()
    assert "no trust file" in caplog.text
    assert_unauthorized(client.get("/cds-services", headers=bearer(mint(es384_key(), DISCOVERY))))
    listed = mint(es384_key(), DISCOVERY, tenant=["hospital-a"])
    assert_unauthorized(client.get("/cds-services", headers=bearer(listed)))
    assert client.get("/health").status_code == 200


def test_auth_off_lets_calls_through_and_warns_once(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """It skips verification only when explicitly disabled, with one loud warning at start."""
    with caplog.at_level(logging.WARNING, logger="cds_service.auth"):
        client = make_app(Settings(public_base_url=BASE_URL, auth_enabled=False), store).test_client()
        assert client.get("/cds-services").status_code == 200
        assert client.post("/cds-services/radicular-pathway").status_code == 200
    warnings = [r for r in caplog.records if "DISABLED" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_auth_is_on_unless_the_development_switch_is_set() -> None:
    """It reads auth as on by default; only CDS_DEV_DISABLE_AUTH turns it off."""
    assert Settings.from_env({}).auth_enabled is True
    assert Settings.from_env({"CDS_DEV_DISABLE_AUTH": "true"}).auth_enabled is False


def test_the_shipped_sandbox_trust_entry(tmp_path: Path) -> None:
    """It ships a testing-only trust entry for the CDS Hooks Sandbox with the Sandbox's own key set."""
    path = Path(__file__).resolve().parents[1] / "cds_service" / "trust" / "sandbox.json"
    raw = json.loads(path.read_text())
    assert "TESTING ONLY" in raw["_comment"].upper()
    shipped = json.loads(
        (SHARED / "observed-sandbox" / "sandbox-jwks.json").read_text()
    )
    decoded = json.loads(
        (
            SHARED / "observed-sandbox" / "observed-sandbox-jwt-decoded.json"
        ).read_text()
    )
    header = decoded["jwt_header"]
    sandbox = load_trust(path).issuer(decoded["jwt_payload"]["iss"])
    assert sandbox is not None
    assert header["jku"] in sandbox.jku_allowlist
    assert sandbox.key_for(header["kid"], header["jku"]) == shipped["keys"][0]


# ---- fetching key sets ------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda: responses.get(JKU, status=302, headers={"Location": "https://rogue.example.org/k"}),
            "HTTP 302",
        ),
        (lambda: responses.get(JKU, status=500), "HTTP 500"),
        (lambda: responses.get(JKU, body="<html>"), "not JSON"),
        (lambda: responses.get(JKU, body=b"{" + b" " * (300 * 1024) + b"}"), "larger than"),
    ],
    ids=["redirect", "server error", "not json", "too large"],
)
def test_fetch_jwks_refuses_what_it_should(setup: Any, message: str) -> None:
    """It follows no redirect and refuses errors, non-JSON and oversized key sets."""
    from cds_service.auth.trust import KeySetError, fetch_jwks

    setup()
    with pytest.raises(KeySetError, match=message):
        fetch_jwks(JKU)
    assert all(c.request.url == JKU for c in responses.calls)


def test_fetch_jwks_refuses_plain_http() -> None:
    """It never fetches a key set over plain http."""
    from cds_service.auth.trust import KeySetError, fetch_jwks

    with pytest.raises(KeySetError, match="over http"):
        fetch_jwks("http://ehr.example.org/jwks")


def test_tenant_allowlist(tmp_path: Path, store: Store) -> None:
    """It accepts only the listed tenants for an issuer that has a tenant allowlist."""
    path = write_trust(
        tmp_path / "t.json", {ISSUER: {"jwks": jwks(es384_key()), "tenant_allowlist": ["hospital-a"]}}
    )
    client = make_app(Settings(public_base_url=BASE_URL, trust_file=str(path)), store).test_client()
    ok = mint(es384_key(), DISCOVERY, tenant="hospital-a")
    assert client.get("/cds-services", headers=bearer(ok)).status_code == 200
    assert_unauthorized(
        client.get("/cds-services", headers=bearer(mint(es384_key(), DISCOVERY, tenant="hospital-b")))
    )
    assert_unauthorized(client.get("/cds-services", headers=bearer(mint(es384_key(), DISCOVERY))))
    listed = mint(es384_key(), DISCOVERY, tenant=["hospital-a"])
    assert_unauthorized(client.get("/cds-services", headers=bearer(listed)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
header_fields = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["ES384", "RS384", "none", "HS256"]) | json_values,
        "typ": st.sampled_from(["JWT", "jwt"]) | json_values,
        "kid": st.sampled_from([es384_key().kid, "x"]) | json_values,
        "jku": st.sampled_from([JKU]) | json_values,
        "crit": json_values,
    },
)
claim_fields = st.fixed_dictionaries(
    {},
    optional={
        "iss": st.sampled_from([ISSUER]) | json_values,
        "aud": st.sampled_from([SERVICE, [SERVICE]]) | json_values,
        "exp": json_values,
        "iat": json_values,
        "nbf": json_values,
        "jti": json_values,
        "tenant": json_values,
    },
)


@settings_(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=header_fields, body=claim_fields, sig=st.binary(max_size=96))
def test_any_malformed_token_is_an_auth_failure_never_a_crash(
    tmp_path: Path, store: Store, header: dict[str, Any], body: dict[str, Any], sig: bytes
) -> None:
    """It answers any header/claims/signature combination with AuthFailure, never another exception."""
    trust = load_trust(
        write_trust(
            tmp_path / "fuzz-trust.json", {ISSUER: {"jwks": jwks(es384_key()), "jku_allowlist": [JKU]}}
        )
    )
    token = ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(body).encode()), b64url(sig)])
    with pytest.raises(AuthFailure):
        JwtVerifier(trust, store).verify(token, SERVICE)


@settings_(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=claim_fields)
def test_any_claims_under_a_valid_signature_verify_or_fail_cleanly(
    tmp_path: Path, store: Store, body: dict[str, Any]
) -> None:
    """It answers signed tokens with arbitrary claims by verifying them or with AuthFailure; a token it
    accepts really has a trusted iss, the exact aud and a string jti."""
    trust = load_trust(write_trust(tmp_path / "fuzz-trust.json", {ISSUER: {"jwks": jwks(es384_key())}}))
    head = b64url(json.dumps({"alg": "ES384", "typ": "JWT", "kid": es384_key().kid}).encode())
    signing_input = f"{head}.{b64url(json.dumps(body).encode())}"
    sig = jwt.get_algorithm_by_name("ES384").sign(signing_input.encode(), es384_key().private)
    try:
        verified = JwtVerifier(trust, store).verify(f"{signing_input}.{b64url(sig)}", SERVICE)
    except AuthFailure:
        return
    assert verified.iss == ISSUER and body["aud"] in (SERVICE, [SERVICE]) and isinstance(verified.jti, str)


@pytest.mark.parametrize("exp", [10**20, 10**400, 1e308, 253402300800, int(time.time()) + 7200])
def test_absurd_expiry_is_refused_not_a_crash(client: Any, exp: float) -> None:
    """It refuses a token living longer than the configured maximum (an hour by default), even one whose
    exp lies beyond any representable date, with a 401 rather than a 500."""
    token = mint(es384_key(), SERVICE, exp=exp)
    assert_unauthorized(client.post("/cds-services/radicular-pathway", headers=bearer(token)))


def test_max_lifetime_is_configurable(trust_file: Path, store: Store) -> None:
    """It accepts longer-lived tokens when CDS_JWT_MAX_LIFETIME_SECONDS allows them."""
    env = {
        "CDS_PUBLIC_BASE_URL": BASE_URL,
        "CDS_TRUST_FILE": str(trust_file),
        "CDS_JWT_MAX_LIFETIME_SECONDS": "7300",
    }
    client = make_app(Settings.from_env(env), store).test_client()
    token = mint(es384_key(), DISCOVERY, exp=int(time.time()) + 7200)
    assert client.get("/cds-services", headers=bearer(token)).status_code == 200
