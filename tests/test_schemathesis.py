"""Schemathesis against the OpenAPI document: at least 1,000 generated requests (schema-valid and
schema-violating) to the real services in process, with JWT auth on. No response may be a 5xx,
every 4xx must carry an OperationOutcome, and every response must conform to the document
(status, content type, headers, body schema; schema-violating requests refused; auth enforced;
other methods answered 405).

The FHIR client is given a session that refuses every connection, so a generated ``fhirServer``
never leads to network traffic: such a call ends as a 412 or as cards naming what was missing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from cds_service.openapi import PATH
from tests.jwt_helpers import BASE_URL, ISSUER, JKU, es384_key, jwks, mint, write_trust
from tests.refusing_session import RefusingAdapter, refusing_session

pytestmark = pytest.mark.slow

MIN_CASES = 1000
# examples per operation and generation mode; GET operations without parameters have few distinct cases
EXAMPLES = {"POST": 270, "GET": 20}
REJECTIONS = ("400", "401", "404", "405", "412", "413", "415")
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
]


@pytest.fixture
def refusing() -> Iterator[tuple[requests.Session, RefusingAdapter]]:
    session, adapter = refusing_session()
    yield session, adapter
    session.close()


@pytest.fixture
def secured_app(
    make_app: Callable[..., Flask], tmp_path: Path, refusing: tuple[requests.Session, RefusingAdapter]
) -> Flask:
    trust = write_trust(
        tmp_path / "trust.json", {ISSUER: {"jwks": jwks(es384_key()), "jku_allowlist": [JKU]}}
    )
    return make_app(
        settings_overrides={"auth_enabled": True, "trust_file": str(trust), "public_base_url": BASE_URL},
        fhir_session=refusing[0],
    )


def assert_operation_outcome(response: Any, case: Any) -> None:
    try:
        body = json.loads(response.content)
    except ValueError:
        pytest.fail(f"{response.status_code} without a JSON body for {case.method} {case.path}")
    assert isinstance(body, dict) and body.get("resourceType") == "OperationOutcome", body
    issues = body.get("issue")
    assert isinstance(issues, list) and issues, body
    assert all(isinstance(i, dict) and i.get("severity") and i.get("code") for i in issues), body


def test_generated_requests_get_documented_answers_and_never_a_5xx(
    secured_app: Flask, refusing: tuple[requests.Session, RefusingAdapter]
) -> None:
    config = schemathesis.Config.from_dict(
        # a schema-violating request may also be refused as too large (413) or lacking FHIR data (412)
        {"checks": {"negative_data_rejection": {"expected-statuses": [*REJECTIONS]}}}
    )
    schema = schemathesis.openapi.from_wsgi(PATH, secured_app, config=config)
    statuses: Counter[int] = Counter()
    per_operation: Counter[str] = Counter()

    def run(operation: Any, mode: GenerationMode) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @hyp_settings(
            max_examples=EXAMPLES[operation.method.upper()],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
        def one(case: Any) -> None:
            # a fresh token per request (replayed jti are refused), for the path as the server decodes it
            token = mint(es384_key(), aud=BASE_URL + unquote(case.formatted_path))
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            statuses[response.status_code] += 1
            per_operation[f"{operation.method.upper()} {operation.path} ({mode.value})"] += 1
            assert response.status_code < 500, (response.status_code, response.content[:500])
            if 400 <= response.status_code < 500:
                assert_operation_outcome(response, case)
            case.validate_response(response, checks=CHECKS, headers=case.headers)

        one()

    for result in schema.get_all_operations():
        operation = result.ok()
        run(operation, GenerationMode.POSITIVE)
        if operation.body:  # the GET operations take no input to violate
            run(operation, GenerationMode.NEGATIVE)

    total = sum(statuses.values())
    fives = sum(n for s, n in statuses.items() if s >= 500)
    print(f"\nschemathesis: {total} generated cases, {fives} 5xx, statuses {dict(sorted(statuses.items()))}")
    for name, n in sorted(per_operation.items()):
        print(f"  {n:5d}  {name}")
    print(f"  outbound FHIR attempts refused: {refusing[1].attempts}")
    assert total >= MIN_CASES
    assert fives == 0
    # every request carried a valid token: the only 401s are those of ignored_auth's probes (not counted)
    assert statuses[200] > 0 and statuses[400] > 0 and statuses[401] == 0
