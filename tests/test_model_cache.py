"""The per-worker cache of validated FHIR models (``cds_service.fhir_adapter.ModelCache``).

A chart sent again (order-select after order-select, the chart reopened) skips re-validation of
resources byte-for-byte equal to ones already validated. It must never change an answer: the
same cards with the cache as without, invalid data a 400 every time, and no rule may alter a
model it was handed (a cached model is handed to every later call).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from flask import Flask
from pydantic import ValidationError
from test_real_fhir_server import without_uuids

from cds_service import fhir_gates
from cds_service.errors import InvalidFhirData
from cds_service.fhir_adapter import (
    MAX_ELEMENT_JSON,
    ElementMemo,
    ModelCache,
    element_fields,
    parse_resource,
    validate_model,
)
from cds_service.pipeline import DecisionMemo
from fhir_fixtures import fhir_builder as fb
from tests.fhir_outcomes import fixture_resources

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "fhir_fixtures" / "pathway"
ORDERS = ROOT / "fhir_fixtures" / "orders"
ORDERS_DATE = "2026-11-20"  # the order fixtures' evaluation date (see test_orders_http)

RADIC = fb.condition(
    "radic", fb.concept(fb.icd("M54.16")), {"reference": "Patient/p"}, verification=None, category=None
)


def _with_id(resource: dict[str, Any], rid: str) -> dict[str, Any]:
    return {**resource, "id": rid}


def test_a_resource_seen_again_is_not_validated_again() -> None:
    """The second lookup of the same JSON returns the model validated the first time."""
    cache = ModelCache(8)
    first = cache.parse(RADIC, "prefetch.conditions.entry[0].resource")
    again = cache.parse(json.loads(json.dumps(RADIC)), "prefetch.conditions.entry[3].resource")
    assert again is first
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)
    other = cache.parse(_with_id(RADIC, "radic-2"), "x")  # one character differs: a new model
    assert other is not first and other.id == "radic-2"
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_least_recently_used_model_goes_first() -> None:
    cache = ModelCache(2)
    a, b, c = (_with_id(RADIC, r) for r in ("a", "b", "c"))
    model_a = cache.parse(a, "x")
    cache.parse(b, "x")
    assert cache.parse(a, "x") is model_a  # a is now the most recent
    cache.parse(c, "x")  # evicts b
    assert len(cache) == 2
    assert cache.parse(a, "x") is model_a
    hits_before = cache.hits
    cache.parse(b, "x")
    assert cache.hits == hits_before  # b was evicted: validated again


def test_invalid_data_is_a_400_every_time_and_never_kept() -> None:
    cache = ModelCache(8)
    bad = {**RADIC, "subject": "Patient/p"}  # a string where a Reference belongs
    for _ in range(2):
        with pytest.raises(InvalidFhirData) as info:
            cache.parse(bad, "prefetch.conditions.entry[0].resource")
        assert info.value.expression == ["prefetch.conditions.entry[0].resource.subject"]
    assert len(cache) == 0 and cache.hits == 0


def test_capacity_zero_turns_it_off_and_negative_is_refused() -> None:
    cache = ModelCache(0)
    assert cache.parse(RADIC, "x") is not cache.parse(RADIC, "x")
    assert len(cache) == 0
    with pytest.raises(ValueError, match="capacity"):
        ModelCache(-1)


def _cases() -> list[tuple[str, Path, str, str]]:
    cases = []
    for exp_path in sorted(PATHWAY.glob("*.expected.json")):
        exp = json.loads(exp_path.read_text())
        cases.append(("radicular-pathway", PATHWAY / exp["fixture"], exp["evaluation_date"], exp_path.name))
    for req in sorted(ORDERS.glob("*.order-s*.json")):
        cases.append((f"radicular-{req.name.split('.')[1]}", req, ORDERS_DATE, req.name))
    return cases


CASES = _cases()


def test_every_fixture_is_covered() -> None:
    assert len(CASES) >= 140  # 88 pathway scenarios, 30 order scenarios × 2 hooks and more


@pytest.mark.parametrize(("service", "path", "date", "name"), CASES, ids=[c[3] for c in CASES])
def test_the_cache_never_changes_an_answer_and_no_rule_alters_a_model(
    make_app: Callable[..., Flask], service: str, path: Path, date: str, name: str
) -> None:
    """Each fixture, with the cache cold, then warm (every model from the cache), gives the same
    response as with the cache off; afterwards every cached model still equals a fresh validation of
    its JSON, so no rule wrote to a model it was handed."""
    request = json.loads(path.read_text())
    cached = make_app(settings_overrides={"evaluation_date": date, "model_cache_size": 4096})
    uncached = make_app(settings_overrides={"evaluation_date": date, "model_cache_size": 0})
    url = f"/cds-services/{service}"
    answers = []
    for app in (uncached, cached, cached):
        resp = app.test_client().post(url, json=request)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        answers.append(without_uuids(resp.get_json()))
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]
    cache: ModelCache = cached.extensions["cds_engine"].model_cache
    assert cache.misses > 0 and cache.hits == cache.misses  # the second call validated nothing
    for key, model in cache._models.items():
        fresh = parse_resource(json.loads(key), "check")
        assert model.model_dump_json() == fresh.model_dump_json(), f"{name}: a rule altered {model.id}"
    # the third call took the history the second built; no rule altered it either
    assert cache._histories
    for models, terminology, unavailable, build, history in cache._histories.values():
        assert build(list(models), terminology, dict(unavailable)) == history, f"{name}: a history changed"
    # a call without draft orders took the second call's drafts (the third answer, above, is the
    # same); a call with draft orders was evaluated again
    memo: DecisionMemo = cached.extensions["cds_engine"].decisions
    assert memo.hits == (0 if request["context"].get("draftOrders") else 1), name


def test_two_different_resources_never_share_a_key() -> None:
    """The key is the resource's exact JSON: NaN (which orjson would write as null) is no key at
    all, and values that print alike in Python but differ in JSON stay apart."""
    from cds_service.fhir_adapter import _cache_key

    assert _cache_key({"v": float("nan")}) is None
    assert _cache_key({"v": float("inf")}) is None
    assert _cache_key({"v": [None, float("nan")]}) is None
    values: list[Any] = [None, 1, 1.0, True, "1", 2**70, 2**70 + 1, [1], {"a": 1}, "null", -0.0, 0.0]
    keys = [_cache_key({"v": v}) for v in values]
    assert None not in keys
    assert len(set(keys)) == len(values)
    assert _cache_key({"a": 1, "b": 2}) != _cache_key({"b": 2, "a": 1})  # the JSON as sent


def test_a_resource_with_nan_is_validated_every_time() -> None:
    cache = ModelCache(8)
    obs = {
        "resourceType": "Observation",
        "id": "o",
        "status": "final",
        "code": {"text": "pain"},
        "valueQuantity": {"value": float("nan")},
    }
    with contextlib.suppress(InvalidFhirData):
        cache.parse(obs, "x")
    assert len(cache) == 0 and cache.hits == 0


def _building() -> tuple[list[tuple[Any, ...]], Callable[..., Any]]:
    built: list[tuple[Any, ...]] = []

    def build(models: list[Any], terminology: Any, unavailable: dict[str, str]) -> Any:
        built.append((tuple(models), dict(unavailable)))
        return object()

    return built, build


def test_the_same_models_give_the_same_history_without_building_it_again() -> None:
    cache = ModelCache(8)
    term = object()
    built, build = _building()
    models = [cache.parse(RADIC, "x"), cache.parse(_with_id(RADIC, "b"), "x")]
    first = cache.history(models, term, {}, build)  # type: ignore[arg-type]
    again = [cache.parse(json.loads(json.dumps(RADIC)), "x"), cache.parse(_with_id(RADIC, "b"), "x")]
    assert cache.history(again, term, {}, build) is first  # type: ignore[arg-type]
    assert len(built) == 1


@pytest.mark.parametrize("change", ["unavailable", "model", "order", "terminology", "builder"])
def test_a_history_is_built_again_when_anything_it_came_from_differs(change: str) -> None:
    cache = ModelCache(8)
    term: Any = object()
    _built, build = _building()
    models = [cache.parse(RADIC, "x"), cache.parse(_with_id(RADIC, "b"), "x")]
    first = cache.history(models, term, {}, build)
    unavailable: dict[str, str] = {}
    if change == "unavailable":
        unavailable = {"observations": "FHIR server timed out"}
    elif change == "model":
        models = [models[0], cache.parse(_with_id(RADIC, "c"), "x")]
    elif change == "order":
        models = models[::-1]
    elif change == "terminology":
        term = object()
    else:
        build = _building()[1]
    assert cache.history(models, term, unavailable, build) is not first


def test_histories_are_bounded_and_off_with_the_model_cache() -> None:
    cache = ModelCache(64)
    _built, build = _building()
    for i in range(ModelCache.HISTORIES + 5):
        cache.history([cache.parse(_with_id(RADIC, f"r{i}"), "x")], object(), {}, build)  # type: ignore[arg-type]
    assert len(cache._histories) == ModelCache.HISTORIES
    off = ModelCache(0)
    models = [off.parse(RADIC, "x")]
    term: Any = object()
    assert off.history(models, term, {}, build) is not off.history(models, term, {}, build)
    assert not off._histories


# ---------------------------------------------------------------------------------------------
# the element models of resources never seen before (``cds_service.fhir_adapter.ElementMemo``)

HL7_CS = "http://terminology.hl7.org/CodeSystem"
PAIN = {
    "resourceType": "Observation",
    "id": "pain-1",
    "status": "final",
    "category": [{"coding": [{"system": f"{HL7_CS}/observation-category", "code": "survey"}]}],
    "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}], "text": "pain"},
    "subject": {"reference": "Patient/p"},
    "effectiveDateTime": "2026-10-01",
    "valueQuantity": {"value": 7, "unit": "{score}"},
}


FIXTURE_RESOURCES = fixture_resources()


def test_an_element_seen_before_is_handed_over_and_the_json_is_not_touched() -> None:
    memo = ElementMemo(64)
    first = parse_resource(PAIN, "x", memo)
    assert (memo.hits, memo.misses, len(memo)) == (0, 4, 4)  # category[0], code, subject, value
    second_json = {**PAIN, "id": "pain-2", "valueQuantity": {"value": 4, "unit": "{score}"}}
    before = json.dumps(second_json)
    second = parse_resource(second_json, "x", memo)
    assert (memo.hits, memo.misses) == (3, 5)  # category, code, subject kept; the value is new
    assert second.code is first.code and second.subject is first.subject
    assert second.category[0] is first.category[0]
    assert second.valueQuantity is not first.valueQuantity and second.valueQuantity.value == 4
    assert json.dumps(second_json) == before  # the caller's JSON keeps its dicts
    assert second.model_dump_json() == parse_resource(second_json, "x").model_dump_json()


def test_the_same_json_as_another_element_class_is_validated_as_that_class() -> None:
    """``{"text": "pain"}`` is both a CodeableConcept and an Annotation: the key is the class too."""
    memo = ElementMemo(64)
    obs = {**PAIN, "code": {"text": "pain"}, "note": [{"text": "pain"}]}
    for rid in ("a", "b"):
        model = parse_resource({**obs, "id": rid}, "x", memo)
        assert type(model.code).__name__ == "CodeableConcept"
        assert type(model.note[0]).__name__ == "Annotation"
    assert model.code is not model.note[0]


def test_resources_are_never_taken_from_the_memo() -> None:
    """``contained`` holds resources whose class their own resourceType picks: never memoised."""
    for rtype in ("Observation", "Condition", "Procedure", "MedicationRequest", "Patient"):
        fields = element_fields(get_fhir_model_class(rtype))
        assert "contained" not in fields
        assert fields["extension"][2] is True  # a list of Extension
    assert element_fields(get_fhir_model_class("Observation"))["code"][1].__name__ == "CodeableConcept"


def test_fixtures_validate_to_the_same_models_through_a_warm_memo() -> None:
    """Every resource of every fixture, validated a second time with all its elements from the memo,
    gives the model a plain validation gives (invalid data: the parametrised test below)."""
    assert len(FIXTURE_RESOURCES) > 2000
    memo = ElementMemo(100_000)
    for resource in FIXTURE_RESOURCES:
        parse_resource(resource, "x", memo)
    hits_before = memo.hits
    for resource in FIXTURE_RESOURCES:
        plain = parse_resource(resource, "x")
        assert parse_resource(resource, "x", memo).model_dump_json() == plain.model_dump_json()
    assert memo.hits - hits_before > 5000


BROKEN = {
    "a primitive of the wrong type": {"status": 7},
    "a string where a Reference belongs": {"subject": "Patient/p"},
    "an unknown field": {"colour": "red"},
    "an invalid field inside an element": {"valueQuantity": {"value": "seven"}},
    "two values of a choice": {"valueString": "7"},
    "a null in a list of elements": {"category": [None]},
    "a code with an unknown field": {"code": {"coding": [{"system": "http://loinc.org", "cod": "72514-3"}]}},
}


@pytest.mark.parametrize("change", list(BROKEN), ids=list(BROKEN))
def test_invalid_data_is_refused_alike_and_nothing_of_it_is_kept(change: str) -> None:
    """With every valid element of the resource in the memo, invalid data is the same 400, naming the
    same place; and no element of a resource that failed is kept."""
    memo = ElementMemo(64)
    parse_resource(PAIN, "x", memo)
    kept = len(memo)
    broken = {**PAIN, "id": "broken", **BROKEN[change]}
    with pytest.raises(InvalidFhirData) as plain:
        parse_resource(broken, "prefetch.observations.entry[2].resource")
    with pytest.raises(InvalidFhirData) as memoised:
        parse_resource(broken, "prefetch.observations.entry[2].resource", memo)
    assert (str(memoised.value), memoised.value.expression) == (str(plain.value), plain.value.expression)
    fresh = ElementMemo(64)
    with pytest.raises(InvalidFhirData):
        parse_resource(broken, "x", fresh)
    assert len(fresh) == 0 and len(memo) == kept


Validate = Callable[[Any, dict[Any, Any]], Any]


def _library(model: Any, data: dict[Any, Any]) -> Any:
    return model.model_validate(data)


def _outcome(validate: Validate, model: Any, data: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return ("valid", validate(model, data).model_dump_json())
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        return ("invalid", exc.title, [(e["type"], e["loc"], e["msg"]) for e in errors])
    except (KeyError, TypeError, ValueError) as exc:
        return ("malformed", type(exc).__name__, str(exc))


def test_validating_a_resource_gives_what_the_library_gives_for_every_fixture_and_each_breakage() -> None:
    """``validate_model`` (the model called with the JSON) against the library's own
    ``model_validate``: the same model for every fixture resource, and the same errors, same places
    and messages, for each breakage of each of them and for a resourceType that is not the model's."""
    breakages = [{}, *BROKEN.values(), {"resourceType": "Basic"}, {"id": "not an id!"}, {"meta": "x"}]
    compared = 0
    for resource in FIXTURE_RESOURCES:
        model = get_fhir_model_class(resource["resourceType"])
        for change in breakages:
            data = {**resource, **change}
            ours = _outcome(validate_model, model, data)
            assert ours == _outcome(_library, model, data), (data, ours)
            compared += 1
    assert compared > 20_000


def test_a_json_object_with_a_key_that_is_not_a_string_is_refused_as_the_library_refuses_it() -> None:
    model = get_fhir_model_class("Observation")
    data = {**PAIN, 7: "seven"}
    assert _outcome(validate_model, model, data) == _outcome(_library, model, data)


def test_a_resource_is_checked_once_by_the_after_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The models' own ``__init__`` makes ``model_validate`` run fhir_core's after-validator (behind
    its gate, ``cds_service.fhir_gates``) twice on the resource; ``validate_model`` runs it once. (An
    element built from JSON inside the resource runs it twice either way: that happens inside the
    library.)"""
    checked: list[str] = []

    class Spy(dict[type, Any]):
        def __contains__(self, cls: object) -> bool:
            checked.append(getattr(cls, "__name__", ""))
            return super().__contains__(cls)

    monkeypatch.setattr(fhir_gates, "_plans", Spy(fhir_gates._plans))
    model = get_fhir_model_class("Observation")
    model.model_validate(PAIN)
    assert checked.count("Observation") == 2
    checked.clear()
    validate_model(model, PAIN)
    assert checked.count("Observation") == 1


def test_long_elements_and_elements_that_are_not_plain_json_are_validated_every_time() -> None:
    memo = ElementMemo(64)
    long_note = {"text": "x" * MAX_ELEMENT_JSON}
    nan = {"value": float("nan")}
    for rid in ("a", "b"):
        parse_resource({**PAIN, "id": rid, "note": [long_note]}, "x", memo)
        with contextlib.suppress(InvalidFhirData):
            parse_resource({**PAIN, "id": rid, "valueQuantity": nan}, "x", memo)
    assert len(memo) == 4  # PAIN's own four elements, neither the note nor the NaN quantity
    assert memo.misses == 4


def test_the_memo_is_bounded_off_at_zero_and_refuses_a_negative_size() -> None:
    memo = ElementMemo(8)
    for i in range(20):
        parse_resource({**PAIN, "subject": {"reference": f"Patient/p{i}"}}, "x", memo)
    assert len(memo) == 8
    off = ElementMemo(0)
    a, b = (parse_resource(PAIN, "x", off) for _ in range(2))
    assert a.code is not b.code and len(off) == 0 and off.hits == off.misses == 0
    with pytest.raises(ValueError, match="capacity"):
        ElementMemo(-1)


def test_the_model_cache_validates_what_it_has_not_seen_with_its_memo() -> None:
    cache = ModelCache(8)
    first = cache.parse(PAIN, "x")
    other = cache.parse({**PAIN, "id": "pain-2"}, "x")  # a new resource: its elements are known
    assert other is not first and other.code is first.code
    assert cache.elements.capacity == 8 and cache.elements.hits == 4
    assert ModelCache(0).elements.capacity == 0


# ---------------------------------------------------------------------------------------------
# the cards drawn for the same history and inputs (``cds_service.pipeline.DecisionMemo``)


def _input(**changes: Any) -> Any:
    from datetime import date

    from hooks.evaluation import EvaluationInput
    from hooks.thresholds import DEFAULT_THRESHOLDS

    fields: dict[str, Any] = {
        "hook": "patient-view",
        "today": date(2026, 11, 20),
        "patient_id": "p",
        "user_id": "Practitioner/u",
        "encounter_id": "e",
        "history": HISTORY,
        "terminology": TERMINOLOGY,
        "thresholds": DEFAULT_THRESHOLDS,
    }
    fields.update(changes)
    return EvaluationInput(**fields)


HISTORY: Any = object()
TERMINOLOGY: Any = object()


def _counting() -> tuple[list[int], Callable[[], list[Any]]]:
    calls: list[int] = []

    def evaluate() -> list[Any]:
        calls.append(1)
        return [f"draft {len(calls)}"]

    return calls, evaluate


def test_the_same_inputs_are_evaluated_once_and_the_drafts_are_a_copy() -> None:
    memo = DecisionMemo(4)
    calls, evaluate = _counting()
    first = memo.drafts("svc", _input(), evaluate)
    first.append("a card added by the caller")
    again = memo.drafts("svc", _input(), evaluate)
    assert again == ["draft 1"] and len(calls) == 1 and memo.hits == 1


@pytest.mark.parametrize(
    "change",
    ["service", "history", "terminology", "thresholds", "hook", "today", "patient", "user", "encounter"],
)
def test_anything_else_that_differs_is_evaluated_again(change: str) -> None:
    from dataclasses import replace as with_changes
    from datetime import date

    from hooks.thresholds import DEFAULT_THRESHOLDS

    memo = DecisionMemo(4)
    calls, evaluate = _counting()
    memo.drafts("svc", _input(), evaluate)
    service, inp = "svc", _input()
    if change == "service":
        service = "other"
    elif change == "history":
        inp = _input(history=object())
    elif change == "terminology":
        inp = _input(terminology=object())
    elif change == "thresholds":
        days = DEFAULT_THRESHOLDS.conservative_care_days + 7
        inp = _input(thresholds=with_changes(DEFAULT_THRESHOLDS, conservative_care_days=days))
    elif change == "hook":
        inp = _input(hook="order-select")
    elif change == "today":
        inp = _input(today=date(2026, 11, 21))
    elif change == "patient":
        inp = _input(patient_id="q")
    elif change == "user":
        inp = _input(user_id="Practitioner/v")
    else:
        inp = _input(encounter_id=None)
    assert memo.drafts(service, inp, evaluate) == ["draft 2"]
    assert len(calls) == 2 and memo.hits == 0


def test_calls_with_draft_orders_are_never_remembered_and_capacity_bounds_it() -> None:
    memo = DecisionMemo(2)
    calls, evaluate = _counting()
    order: Any = object()
    for _ in range(2):
        memo.drafts("svc", _input(hook="order-select", draft_orders=(order,)), evaluate)
    assert len(calls) == 2 and not memo._drafts
    for patient in ("a", "b", "c"):
        memo.drafts("svc", _input(patient_id=patient), evaluate)
    assert len(memo._drafts) == 2
    memo.drafts("svc", _input(patient_id="a"), evaluate)  # the oldest went first: evaluated again
    assert len(calls) == 6 and memo.hits == 0
    off = DecisionMemo(0)
    off.drafts("svc", _input(), evaluate)
    off.drafts("svc", _input(), evaluate)
    assert len(calls) == 8 and not off._drafts


def test_a_chart_worked_on_outlasts_a_stream_of_charts_opened_once(make_app: Callable[..., Flask]) -> None:
    """A chart sent twice (patient-view, then order-select) keeps its models, history and drafts
    while more charts than the caches hold are opened once each; its next call validates and
    evaluates nothing. The stream's charts still come and go (a plain LRU of the room left)."""
    from benchmarks.synthetic import EVALUATION_DATE, make_patients, make_request

    app = make_app(
        settings_overrides={"evaluation_date": EVALUATION_DATE.isoformat(), "model_cache_size": 400}
    )
    client = app.test_client()
    url = "/cds-services/radicular-pathway"
    engine = app.extensions["cds_engine"]
    worked_on = make_request(60)
    first = client.post(url, json=worked_on)
    assert first.status_code == 200
    assert client.post(url, json=worked_on).status_code == 200  # the second call: used again
    others = make_patients(60, 40)  # ~40 × 50 kept resources, 40 charts: more than every cache holds
    for body in others:
        assert client.post(url, json=body).status_code == 200
    assert len(engine.model_cache) == 400 and len(engine.decisions._drafts) == ModelCache.HISTORIES
    misses, hits, memo_hits = engine.model_cache.misses, engine.model_cache.hits, engine.decisions.hits
    again = client.post(url, json=worked_on)
    assert again.status_code == 200
    assert engine.model_cache.misses == misses and engine.model_cache.hits > hits  # nothing validated
    assert engine.decisions.hits == memo_hits + 1  # its drafts were still there
    assert without_uuids(again.get_json()) == without_uuids(first.get_json())
    # one of the stream's early charts was not kept: validated again
    assert client.post(url, json=others[0]).status_code == 200
    assert engine.model_cache.misses > misses
