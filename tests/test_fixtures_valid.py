"""Every fixture under fhir_fixtures/ is well-formed: JSON, a CDS Hooks request (or a FHIR resource),
and every prefetch resource a valid FHIR R4 resource. The pathway scenarios additionally carry
every prefetch key of the pathway service, use only codes the shipped value sets know, and
between them cover every state of the decision model.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_fixtures.fhir_builder import CLINICAL_SYSTEMS
from hooks.catalogue import CATALOGUE
from hooks.pathway import NOT_ADULT, NOT_FULLY_CHECKED
from hooks.registry import history_prefetch
from hooks.terminology import default_terminology

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fhir_fixtures"
PATHWAY = FIXTURES / "pathway"

ALL_JSON = sorted(p for p in FIXTURES.rglob("*.json") if "node_modules" not in p.parts)
REQUESTS = [p for p in ALL_JSON if not p.name.endswith(".expected.json")]
PATHWAY_REQUESTS = sorted(p for p in PATHWAY.glob("*.json") if not p.name.endswith(".expected.json"))
PATHWAY_EXPECTED = sorted(PATHWAY.glob("*.expected.json"))

# The decision model's states, as the rule catalogue declares them (X1 by the absence of any card).
STATES = tuple(
    dict.fromkeys(r.decision_state for r in CATALOGUE if r.hooks == ("patient-view",) and "." not in r.id)
)
# A scenario may also expect the card for a gated patient whose data leave no state decidable, or
# the card for a patient too young for the adult pathway (and forbid it where the pathway applies).
CARD_STATES = (*STATES, NOT_FULLY_CHECKED.id, NOT_ADULT.id)
NO_CARD_STATES = {r.id for r in CATALOGUE if not r.indicators}
INDICATORS = {"info", "warning", "critical"}


def _id(p: Path) -> str:
    return str(p.relative_to(FIXTURES))


def _load(p: Path) -> Any:
    return json.loads(p.read_text(encoding="utf-8"))


def _validate(resource: dict[str, Any], where: str) -> None:
    rtype = resource.get("resourceType")
    assert isinstance(rtype, str), f"{where}: no resourceType"
    model = get_fhir_model_class(rtype)
    model.model_validate(resource)


def _prefetch_resources(value: Any) -> list[dict[str, Any]]:
    """The resource itself, and for a Bundle each entry's resource too."""
    if not isinstance(value, dict):
        return []
    out = [value]
    if value.get("resourceType") == "Bundle":
        out += [e["resource"] for e in value.get("entry") or () if isinstance(e, dict) and "resource" in e]
    return out


def _codings(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
            found.append(node)
        for v in node.values():
            found += _codings(v)
    elif isinstance(node, list):
        for v in node:
            found += _codings(v)
    return found


@pytest.mark.parametrize("path", ALL_JSON, ids=_id)
def test_fixture_is_json(path: Path) -> None:
    """It parses as JSON with an object at the top."""
    assert isinstance(_load(path), dict)


@pytest.mark.parametrize("path", REQUESTS, ids=_id)
def test_fixture_is_a_cds_hooks_request_with_valid_fhir(path: Path) -> None:
    """It is a CDS Hooks request (hook, UUID hookInstance, context with patientId) whose prefetch
    resources are valid FHIR R4 — or, for a stand-alone file, a valid FHIR resource."""
    doc = _load(path)
    if "resourceType" in doc:
        for r in _prefetch_resources(doc):
            _validate(r, _id(path))
        return
    assert isinstance(doc.get("hook"), str) and doc["hook"], "hook missing"
    uuid.UUID(str(doc.get("hookInstance")))
    ctx = doc.get("context")
    assert isinstance(ctx, dict) and ctx, "context missing"
    assert isinstance(ctx.get("patientId"), str) and ctx["patientId"], "context.patientId missing"
    for key, value in (doc.get("prefetch") or {}).items():
        for r in _prefetch_resources(value):
            _validate(r, f"{_id(path)} prefetch.{key}")


def test_pathway_scenarios_exist() -> None:
    """There are pathway scenarios, and each request has exactly one expectation file and vice versa."""
    assert len(PATHWAY_REQUESTS) >= 30
    requests = {p.name.removesuffix(".json") for p in PATHWAY_REQUESTS}
    expected = {p.name.removesuffix(".expected.json") for p in PATHWAY_EXPECTED}
    assert requests == expected


@pytest.mark.parametrize("path", PATHWAY_REQUESTS, ids=_id)
def test_pathway_request_is_complete_and_coded_from_value_sets(path: Path) -> None:
    """A patient-view request for the patient in context, holding every prefetch key of the pathway
    service as searchset Bundles (Patient for 'patient'), with only value-set codes and absolute dates."""
    term = default_terminology()
    doc = _load(path)
    assert doc["hook"] == "patient-view"
    pid = doc["context"]["patientId"]
    assert doc["context"]["userId"].startswith("Practitioner/")
    prefetch = doc["prefetch"]
    assert set(prefetch) == set(history_prefetch(term))
    assert prefetch["patient"]["resourceType"] == "Patient" and prefetch["patient"]["id"] == pid
    for key, value in prefetch.items():
        if key == "patient":
            continue
        assert value["resourceType"] == "Bundle" and value["type"] == "searchset", key
        assert value["total"] == len(value.get("entry", [])), key
        for e in value.get("entry", []):
            subject = e["resource"].get("subject", {}).get("reference")
            assert subject == f"Patient/{pid}", f"{key}: {e['resource']['id']} is about {subject}"
    unknown = sorted(
        {f"{c['system']}|{c['code']}" for c in _codings(prefetch) if c["system"] in CLINICAL_SYSTEMS}
        - {f"{c['system']}|{c['code']}" for c in _codings(prefetch) if term.is_known(c["system"], c["code"])}
    )
    assert not unknown, f"codes not in any shipped value set: {unknown}"
    text = path.read_text()
    assert "{{" not in text and "today" not in text.lower(), "dates must be absolute"


@pytest.mark.parametrize("path", PATHWAY_EXPECTED, ids=_id)
def test_pathway_expectation_is_well_formed(path: Path) -> None:
    """An expectation names its fixture, an ISO evaluation date, known states and indicators."""
    exp = _load(path)
    assert (PATHWAY / exp["fixture"]).exists()
    assert exp["service"] == "radicular-pathway"
    assert len(exp["evaluation_date"]) == 10
    assert exp["rationale"].strip()
    for c in [*exp["cards"], *exp["optional_cards"]]:
        assert c["state"] in CARD_STATES, c
        acceptable = c["indicator"] if isinstance(c["indicator"], list) else [c["indicator"]]
        assert set(acceptable) <= INDICATORS, c
    assert set(exp["forbidden_states"]) <= {*STATES, NOT_ADULT.id}
    required = {c["state"] for c in exp["cards"]}
    assert not required & set(exp["forbidden_states"])


def test_every_state_has_a_positive_scenario() -> None:
    """Each of the 30 states is expected by at least one scenario (X1 by a scenario expecting no card;
    F0 by the scenario where its optional reminder is the only card allowed)."""
    seen: set[str] = set()
    for p in PATHWAY_EXPECTED:
        exp = _load(p)
        seen |= {c["state"] for c in exp["cards"]}
        if not exp["cards"]:
            seen |= {c["state"] for c in exp["optional_cards"]}
            if exp["scenario"].startswith("x1_"):
                seen.add("X1")
    assert set(STATES) - seen == set()
    assert seen >= NO_CARD_STATES


def test_pathway_fixtures_match_their_generator() -> None:
    """The committed JSON is exactly what make_fixtures.py writes, so a scenario is edited in one place."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", PATHWAY / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    stale = []
    for make in gen.SCENARIOS:
        s = make()
        if _load(PATHWAY / f"{s.slug}.json") != s.request():
            stale.append(f"{s.slug}.json")
        if _load(PATHWAY / f"{s.slug}.expected.json") != s.expected:
            stale.append(f"{s.slug}.expected.json")
    assert not stale, f"regenerate with python fhir_fixtures/pathway/make_fixtures.py: {stale}"
    assert len(gen.SCENARIOS) == len(PATHWAY_REQUESTS)
