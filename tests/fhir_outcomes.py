"""What fhir.resources' R4B models make of every prefetched resource of every fixture, and of each
breakage of it: the model's JSON, or its errors (type, place, message).

``python -m tests.fhir_outcomes`` prints them as one JSON document with the library's own
validators; ``--gated`` installs ``cds_service.fhir_gates`` first. Each must run in a fresh
interpreter, as pydantic binds a model class's validators when the class is built:
``tests/test_fhir_gates.py`` runs both and compares them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Resource = dict[str, Any]


def fixture_resources() -> list[Resource]:
    """Every prefetched resource of every fixture request, once."""
    seen: dict[str, Resource] = {}
    for path in sorted((ROOT / "fhir_fixtures").rglob("*.json")):
        request = json.loads(path.read_text())
        prefetch = request.get("prefetch") if isinstance(request, dict) else None
        for value in (prefetch or {}).values():
            if not isinstance(value, dict):
                continue
            bundle = value.get("resourceType") == "Bundle"
            for entry in value.get("entry", []) if bundle else [{"resource": value}]:
                resource = entry.get("resource")
                if isinstance(resource, dict) and "resourceType" in resource:
                    seen.setdefault(json.dumps(resource, sort_keys=True), resource)
    return list(seen.values())


DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ABSENT = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}


def _first_list(value: Any, depth: int, *, of: type) -> list[Any] | None:
    """The first list (depth first) below ``depth`` levels whose first item is an ``of``."""
    if isinstance(value, dict):
        for item in value.values():
            found = _first_list(item, depth - 1, of=of)
            if found is not None:
                return found
    elif isinstance(value, list):
        if depth <= 0 and value and isinstance(value[0], of):
            return value
        for item in value:
            found = _first_list(item, depth - 1, of=of)
            if found is not None:
                return found
    return None


def _with_null(depth: int, of: type) -> Callable[[Resource], Resource]:
    def change(resource: Resource) -> Resource:
        copy = json.loads(json.dumps(resource))
        found = _first_list(copy, depth, of=of)
        if found is not None:
            found.append(None)
        return copy

    return change


def _without(*prefixes: str) -> Callable[[Resource], Resource]:
    return lambda resource: {k: v for k, v in resource.items() if not k.startswith(prefixes)}


def _plus(**fields: Any) -> Callable[[Resource], Resource]:
    return lambda resource: {**resource, **fields}


def _no_status(explained: Any) -> Callable[[Resource], Resource]:
    return lambda resource: {**_without("status")(resource), "_status": explained}


BREAKAGES: dict[str, Callable[[Resource], Resource]] = {
    "as sent": lambda resource: resource,
    # what the before-validator refuses, and the nulls it lets through
    "a null in the resource's first list of elements": _with_null(0, dict),
    "a null in a list of elements inside an element": _with_null(2, dict),
    "a null in a list of primitives": _with_null(1, str),
    "a null as a contained resource": _plus(contained=[None]),
    "a null among extensions": _plus(extension=[None]),
    "a null among meta's profiles": _plus(meta={"profile": [None]}),
    "an element where a list belongs": _plus(category={"coding": []}),
    # what the after-validator refuses, and what it accepts
    "no status": _without("status"),
    "a null status": _plus(status=None),
    "no status, its absence explained by an extension": _no_status(ABSENT),
    "no status, an empty extension in its place": _no_status({"extension": []}),
    "a second value of a choice": _plus(valueString="7"),
    "a second onset": _plus(onsetString="years"),
    "a second performed": _plus(performedString="last year"),
    "a second medication": _plus(medicationReference={"reference": "Medication/m"}),
    "no medication": _without("medication"),
    "an extension without its url": _plus(extension=[{"valueString": "x"}]),
    "an extension with two values": _plus(
        extension=[{"url": "http://x.org/e", "valueString": "a", "valueBoolean": True}]
    ),
    # and what neither sees
    "a primitive of the wrong type": _plus(status=7),
    "an unknown field": _plus(colour="red"),
    "another resourceType": _plus(resourceType="Basic"),
}

# Assignments to a validated Observation (the models validate assignment too).
ASSIGNMENTS: dict[str, tuple[str, Any]] = {
    "status set to null": ("status", None),
    "a second value set": ("valueString", "7"),
    "a null set in a list of elements": ("category", [None]),
    "a value set": ("note", [{"text": "seen"}]),
}


def _outcome(run: Callable[[], Any]) -> list[Any]:
    from pydantic import ValidationError

    try:
        return ["valid", run().model_dump_json()]
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        return ["invalid", exc.title, [[e["type"], list(e["loc"]), e["msg"]] for e in errors]]
    except (KeyError, TypeError, ValueError) as exc:
        return ["malformed", type(exc).__name__, str(exc)]


def outcomes() -> dict[str, Any]:
    from fhir.resources.R4B import get_fhir_model_class

    out: dict[str, Any] = {"resources": [], "assignments": []}
    for resource in fixture_resources():
        model = get_fhir_model_class(resource["resourceType"])
        validate = model.model_validate
        out["resources"].append(
            {name: _outcome(partial(validate, change(resource))) for name, change in BREAKAGES.items()}
        )
        if resource["resourceType"] == "Observation" and "valueQuantity" in resource:
            for name, (field, value) in ASSIGNMENTS.items():
                validated = model.model_validate(resource)

                def assign(m: Any = validated, f: str = field, v: Any = value) -> Any:
                    setattr(m, f, v)
                    return m

                out["assignments"].append([name, _outcome(assign)])
    return out


def main(argv: list[str]) -> None:
    if "--gated" in argv:
        from cds_service import fhir_gates

        fhir_gates.install()
    json.dump(outcomes(), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
