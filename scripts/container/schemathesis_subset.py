"""A schemathesis subset against a running radicular-cds (used by scripts/container-smoke).

    python scripts/container/schemathesis_subset.py BASE_URL [CASES]

Loads BASE_URL/openapi.json and sends about CASES generated requests (default 100; schema-valid
and schema-violating) to BASE_URL. Expects the service to run with auth off (the smoke test's
container). Every generated ``fhirServer``/``fhirAuthorization`` is removed before sending, so the
service never calls out; such calls end as 412 or cards. Checks: no 5xx, every 4xx an
OperationOutcome, responses conform to the document (status, content type, headers, schema),
schema-violating requests refused, other methods answered 405. Prints one PASS/FAIL line per
operation and a summary line; exits non-zero if any failed. Needs schemathesis 4.x.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]
REJECTIONS = ["400", "401", "404", "405", "412", "413", "415"]


def check_outcome(response: Any) -> None:
    body = json.loads(response.content)
    assert isinstance(body, dict) and body.get("resourceType") == "OperationOutcome", body
    assert body.get("issue"), body


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    base_url = argv[1].rstrip("/")
    cases = int(argv[2]) if len(argv) == 3 else 100
    config = schemathesis.Config.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
    )
    with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=30) as resp:  # noqa: S310 - loopback URL
        document = json.loads(resp.read())
    # The smoke container runs with auth off: drop the JWT requirement, or every call without a
    # token would count as a schema-violating request that was accepted.
    document.pop("security", None)
    for item in document["paths"].values():
        for op in item.values():
            op.pop("security", None)
    schema = schemathesis.openapi.from_dict(document, config=config)
    operations = [r.ok() for r in schema.get_all_operations()]
    runs = [(op, GenerationMode.POSITIVE) for op in operations]
    runs += [(op, GenerationMode.NEGATIVE) for op in operations if op.body]
    with_body = sum(1 for op, _ in runs if op.body)
    per_run = max(1, -(-(cases - (len(runs) - with_body)) // max(1, with_body)))  # rounded up

    statuses: Counter[int] = Counter()
    failed = 0
    for operation, mode in runs:
        label = f"schemathesis {operation.method.upper()} {operation.path} ({mode.value})"
        sent = 0

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=per_run if operation.body else 2,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
        def one(case: Any) -> None:
            nonlocal sent
            if isinstance(case.body, dict):  # never let the service call out
                case.body.pop("fhirServer", None)
                case.body.pop("fhirAuthorization", None)
            response = case.call(base_url=base_url)
            sent += 1
            statuses[response.status_code] += 1
            assert response.status_code < 500, (response.status_code, response.content[:300])
            if 400 <= response.status_code < 500:
                check_outcome(response)
            case.validate_response(response, checks=CHECKS)

        try:
            one()
        except Exception as exc:
            failed += 1
            print(f"  FAIL  {label}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            print(str(exc)[:2000], file=sys.stderr)
        else:
            print(f"  PASS  {label}: {sent} cases")
    total = sum(statuses.values())
    fives = sum(n for s, n in statuses.items() if s >= 500)
    verdict = "PASS" if failed == 0 and fives == 0 and total > 0 else "FAIL"
    print(
        f"  {verdict}  schemathesis subset: {total} cases, {fives} 5xx, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
