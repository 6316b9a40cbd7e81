"""Keys and tokens for auth tests: an EHR with ES384 and RS384 keys, and an attacker's toolbox."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

# ../shared beside the repository (resolved from this file, not from the working directory)
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "cds-hooks" / "examples"
ISSUER = "https://ehr.example.org"
BASE_URL = "https://cds.example.org"
JKU = "https://ehr.example.org/.well-known/jwks.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private: Any
    public_jwk: dict[str, Any] = field(hash=False)

    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


@cache
def es384_key(kid: str = "ehr-es384") -> SigningKey:
    private = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid=kid, alg="ES384", use="sig")
    return SigningKey(kid, "ES384", private, jwk)


@cache
def rs384_key(kid: str = "ehr-rs384") -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid=kid, use="sig")  # no "alg": the header's alg must then be used, not RS256
    return SigningKey(kid, "RS384", private, jwk)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in keys]}


def claims(aud: str | list[str], *, now: float | None = None, **overrides: Any) -> dict[str, Any]:
    now = time.time() if now is None else now
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": aud,
        "exp": int(now) + 300,
        "iat": int(now),
        "jti": str(uuid.uuid4()),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def mint(
    key: SigningKey,
    aud: str | list[str] = f"{BASE_URL}/cds-services",
    *,
    headers: dict[str, Any] | None = None,
    drop_headers: tuple[str, ...] = (),
    now: float | None = None,
    **claim_overrides: Any,
) -> str:
    """A token signed by ``key`` (kid and typ JWT by default); ``None`` overrides drop a claim."""
    hdr: dict[str, Any] = {"kid": key.kid, "typ": "JWT"}
    hdr.update(headers or {})
    token = jwt.encode(claims(aud, now=now, **claim_overrides), key.private, algorithm=key.alg, headers=hdr)
    if drop_headers:
        head, body, sig = token.split(".")
        parsed = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        for name in drop_headers:
            parsed.pop(name, None)
        # Re-sign over the altered header so only the missing header is wrong.
        signing_input = f"{b64url(json.dumps(parsed).encode())}.{body}"
        alg = jwt.get_algorithm_by_name(key.alg)
        sig = b64url(alg.sign(signing_input.encode(), key.private))
        token = f"{signing_input}.{sig}"
    return token


def unsigned_token(payload: dict[str, Any], kid: str) -> str:
    """``alg: none``: a header and a payload, no signature."""
    head = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{head}.{b64url(json.dumps(payload).encode())}."


def hs256_with_public_key(payload: dict[str, Any], key: SigningKey) -> str:
    """The algorithm-confusion attack: HMAC keyed with the EHR's public key (which anyone has)."""
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    signing_input = f"{head}.{b64url(json.dumps(payload).encode())}"
    mac = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def write_trust(path: Path, entries: dict[str, Any]) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def spec_vector() -> tuple[str, dict[str, Any]]:
    token = (SHARED / "jwt-compact.spec-2.0.1.txt").read_text().strip()
    keys = json.loads((SHARED / "jwks-public.spec-2.0.1.json").read_text())
    return token, keys
