"""The relevance screen (``cds_service.relevance``): rejecting by type, category and code
membership before reading any text changes no decision on any fixture or synthetic chart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.synthetic import make_patients, make_request
from cds_service import fhir_adapter, relevance
from cds_service.relevance import RELEVANT_TYPES, is_relevant
from hooks.terminology import default_terminology
from tests.conftest import ROOT

TERM = default_terminology()


def _resources(value: Any) -> Iterator[dict[str, Any]]:
    """Every FHIR resource in a document, nested ones (contained, Bundle entries) included."""
    if isinstance(value, dict):
        if isinstance(value.get("resourceType"), str) and value["resourceType"] != "Bundle":
            yield value
        for v in value.values():
            yield from _resources(v)
    elif isinstance(value, list):
        for v in value:
            yield from _resources(v)


def _corpus() -> list[dict[str, Any]]:
    docs: list[Any] = [json.loads(p.read_text()) for p in sorted((ROOT / "fhir_fixtures").rglob("*.json"))]
    docs += [make_request(n) for n in (50, 500, 5000)]
    docs += make_patients(60, 5)
    return [r for d in docs for r in _resources(d)]


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    resources = _corpus()
    assert len(resources) > 5000
    return resources


def test_early_rejection_changes_no_decision(
    corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same decisions with and without the category rejection that comes before any text."""
    fast = [is_relevant(r, TERM) for r in corpus]
    rejected_early = sum(
        1 for r, kept in zip(corpus, fast, strict=True) if not kept and relevance._unread_category(r)
    )
    monkeypatch.setattr(relevance, "_unread_category", lambda raw: False)
    reading_text = [is_relevant(r, TERM) for r in corpus]
    assert fast == reading_text
    assert rejected_early > 1000  # the vital signs and laboratory results of the synthetic charts
    assert 0 < sum(fast) < len(fast)


def test_vital_signs_and_laboratory_results_are_rejected_without_reading_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = make_request(500)
    noise = [r for r in _resources(body) if r["resourceType"] == "Observation" and r["id"].startswith("obs-")]
    assert len(noise) > 100

    def no_text(*args: Any) -> bool:
        raise AssertionError("text read")

    monkeypatch.setattr(relevance, "_raw_words", no_text)
    monkeypatch.setattr(relevance, "_text_has", no_text)
    assert not any(is_relevant(r, TERM) for r in noise)


def test_a_coded_pain_score_filed_as_a_vital_sign_is_kept() -> None:
    """Code membership is decided before the category: a pain score in vital-signs stays."""
    pain = next(
        r
        for r in _resources(make_request(60))
        if r["resourceType"] == "Observation"
        and relevance._raw_known(TERM, r.get("code"))
        and not r.get("partOf")
    )
    pain = {
        **pain,
        "category": [{"coding": [{"system": relevance._OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
    }
    assert is_relevant(pain, TERM)


def test_one_list_of_resource_types() -> None:
    """The adapter validates exactly the types the screen can keep."""
    assert fhir_adapter.VALIDATED_TYPES == RELEVANT_TYPES
    assert {"Patient", "Condition", "Procedure", "Observation", "Encounter"} <= set(RELEVANT_TYPES)
    assert not is_relevant({"resourceType": "AllergyIntolerance", "id": "a"}, TERM)


@pytest.mark.parametrize(
    "category",
    [
        {"code": "vital-signs"},  # no system: not the observation-category code
        {"code": "survey"},  # neither system nor a listed code
        {"system": "http://example.org/local-categories", "code": "laboratory"},
        {"system": relevance._V2_0074, "code": "vital-signs"},
    ],
)
def test_a_category_named_by_another_system_is_not_taken_for_a_vital_sign(category: dict[str, str]) -> None:
    """Only the observation-category (and v2-0074 LAB) codes skip the text: an uncoded "% relief"
    entry under a look-alike category is still read and kept."""
    relief = {
        "resourceType": "Observation",
        "id": "relief",
        "status": "final",
        "category": [{"coding": [category]}],
        "code": {"text": "Percent relief after injection"},
    }
    assert is_relevant(relief, TERM)
    filed = {
        **relief,
        "category": [{"coding": [{"system": relevance._OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
    }
    assert not is_relevant(filed, TERM)


def test_an_encounter_with_nothing_a_rule_reads_is_rejected_and_a_spine_clinic_visit_kept() -> None:
    bare = {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"}}
    assert not is_relevant(bare, TERM)
    assert is_relevant({**bare, "serviceType": {"text": "Spine clinic"}}, TERM)
