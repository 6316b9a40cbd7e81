"""The R4B adapter: screen raw JSON, validate what the rules use, 400 naming key and path."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import load_protocol, make_probe_service
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.errors import CdsError, InvalidFhirData
from cds_service.fhir_adapter import parse_resource, to_history
from cds_service.fhir_client import FhirClient
from cds_service.pipeline import Engine
from cds_service.prefetch import KeyData
from cds_service.settings import Settings
from fhir_fixtures import fhir_builder as fb
from hooks.terminology import default_terminology
from hooks.thresholds import DEFAULT_THRESHOLDS

TERM = default_terminology()
RADIC = fb.concept(fb.icd("M54.16"))
ESI = fb.concept(fb.cpt("64483"))


def kd(key: str, *resources: dict[str, Any], single: bool = False) -> KeyData:
    return KeyData(key, tuple(resources), "prefetch", single)


def test_full_fixture_becomes_a_typed_history() -> None:
    """The full-prefetch chart validates as R4B and builds a history (partial onset date included)."""
    chart = load_protocol("patient-view.full-prefetch.json")["prefetch"]
    data = {
        k: (
            kd(k, v, single=True)
            if v["resourceType"] != "Bundle"
            else kd(k, *(e["resource"] for e in v.get("entry", [])))
        )
        for k, v in chart.items()
    }
    h = to_history(data, TERM, {"observations": "incomplete"})
    assert h.patient is not None and h.patient.ref == "Patient/rad-001"
    assert [c.ref for c in h.conditions] == ["Condition/cond-radic"]
    assert h.conditions[0].onset_text == "2026-03"
    assert {p.ref for p in h.procedures} == {"Procedure/proc-esi-1", "Procedure/proc-pt-1"}
    assert [o.value for o in h.observations] == [8.0, 7.0]
    assert h.unavailable == {"observations": "incomplete"}


def test_irrelevant_resources_are_not_validated() -> None:
    """A resource the screen drops (an unrelated Condition) is never validated, even if invalid."""
    junk = {
        "resourceType": "Condition",
        "id": "x",
        "code": {"coding": [{"system": "s", "code": "c"}]},
        "bogus": 1,
    }
    h = to_history({"conditions": kd("conditions", junk)}, TERM, {})
    assert h.conditions == ()


@pytest.mark.parametrize(
    ("resource", "path", "message"),
    [
        (
            {
                "resourceType": "Condition",
                "id": "c",
                "code": RADIC,
                "subject": {"reference": "Patient/p"},
                "onsetDateTime": "last spring",
            },
            "prefetch.conditions.entry[1].resource.onsetDateTime",
            "Invalid FHIR R4 Condition at prefetch.conditions.entry[1].resource.onsetDateTime",
        ),
        (
            {
                "resourceType": "Condition",
                "id": "c",
                "code": {
                    "coding": [
                        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16", "display": 5}
                    ]
                },
                "subject": {"reference": "Patient/p"},
            },
            "prefetch.conditions.entry[1].resource.code.coding[0].display",
            "Invalid FHIR R4 Condition at prefetch.conditions.entry[1].resource.code.coding[0].display",
        ),
        (
            {
                "resourceType": "Condition",
                "id": "c",
                "code": RADIC,
                "subject": {"reference": "Patient/p"},
                "contained": [{"resourceType": "NotAThing"}],
            },
            "prefetch.conditions.entry[1].resource",
            "Invalid FHIR R4 Condition at prefetch.conditions.entry[1].resource: malformed content "
            "(KeyError)",
        ),
    ],
)
def test_invalid_relevant_resource_is_400_naming_key_and_path(
    resource: dict[str, Any], path: str, message: str
) -> None:
    """Validation errors — including the KeyError fhir.resources raises for unknown nested types —
    become InvalidFhirData (400) naming the prefetch key and the path."""
    ok = {"resourceType": "Condition", "id": "ok", "code": RADIC, "subject": {"reference": "Patient/p"}}
    with pytest.raises(InvalidFhirData) as info:
        to_history({"conditions": kd("conditions", ok, resource)}, TERM, {})
    assert info.value.status == 400
    assert info.value.expression == [path]
    assert info.value.message.startswith(message)


def test_unknown_resource_type_and_non_resources() -> None:
    """An unknown resourceType, or an entry that is not a resource, is a 400 too."""
    with pytest.raises(InvalidFhirData, match="'Nope' is not a FHIR R4 resource type") as info:
        parse_resource({"resourceType": "Nope"}, "prefetch.procedures.entry[0].resource")
    assert info.value.expression == ["prefetch.procedures.entry[0].resource.resourceType"]
    with pytest.raises(InvalidFhirData, match=r"prefetch\.patient is not a FHIR resource"):
        to_history({"patient": kd("patient", {"id": "p"}, single=True)}, TERM, {})


def test_r4_procedure_validates_with_r4b_models() -> None:
    """A real R4 Procedure (performedDateTime, partial date) validates: the adapter pins R4B, not R5."""
    p = parse_resource(
        {
            "resourceType": "Procedure",
            "id": "p",
            "status": "completed",
            "code": ESI,
            "subject": {"reference": "Patient/p"},
            "performedDateTime": "2024-03",
        },
        "prefetch.procedures.entry[0].resource",
    )
    assert type(p).__module__.startswith("fhir.resources.R4B")
    assert p.performedDateTime == "2024-03"


def test_duplicates_across_keys_are_read_once() -> None:
    """The same resource under two keys is built into the history once."""
    c = {"resourceType": "Condition", "id": "c", "code": RADIC, "subject": {"reference": "Patient/p"}}
    h = to_history({"conditions": kd("conditions", c), "more": kd("more", c)}, TERM, {})
    assert len(h.conditions) == 1


def test_screen_that_chokes_falls_back_to_validation() -> None:
    """If the relevance screen chokes on malformed JSON, validation decides and names the path."""
    bad = {
        "resourceType": "Procedure",
        "id": "p",
        "status": "completed",
        "code": "64483",
        "subject": {"reference": "Patient/p"},
    }
    with pytest.raises(InvalidFhirData) as info:
        to_history({"procedures": kd("procedures", bad)}, TERM, {}, is_relevant=_raise, build_history=_never)
    assert info.value.expression == ["prefetch.procedures.entry[0].resource.code"]


def _raise(raw: dict[str, Any], terminology: Any) -> bool:
    raise AttributeError("'str' object has no attribute 'get'")


def _never(*a: Any) -> Any:
    raise AssertionError("not reached")


FHIRISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["", "2024-03", "June", "M54.16", "Patient/p"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "id",
                    "code",
                    "coding",
                    "system",
                    "code",
                    "entry",
                    "resource",
                    "status",
                    "subject",
                    "performedDateTime",
                    "onsetDateTime",
                    "clinicalStatus",
                    "contained",
                    "valueQuantity",
                    "value",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
RESOURCE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Condition", "Procedure", "Observation", "Patient", "Bundle", "Nope"])},
    optional={
        "code": st.just(RADIC) | st.just(ESI) | FHIRISH,
        "id": st.text(max_size=3),
        "subject": FHIRISH,
        "status": FHIRISH,
        "performedDateTime": FHIRISH,
        "onsetDateTime": FHIRISH,
        "contained": FHIRISH,
    },
)


@settings(max_examples=150, deadline=None)
@given(conditions=st.lists(RESOURCE | FHIRISH, max_size=3), procedures=st.lists(RESOURCE, max_size=3))
def test_any_prefetch_content_is_cards_or_a_400(conditions: list[Any], procedures: list[Any]) -> None:
    """Whatever the prefetched resources hold, the pipeline answers with cards or a 400 — it never
    crashes into a 500 on malformed FHIR."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["prefetch"]["conditions"] = {
        "resourceType": "Bundle",
        "entry": [{"resource": r} for r in conditions],
    }
    body["prefetch"]["procedures"] = {
        "resourceType": "Bundle",
        "entry": [{"resource": r} for r in procedures],
    }
    try:
        inv = ENGINE.invoke("probe", body)
    except CdsError as exc:
        assert exc.status == 400, exc.message
    else:
        assert inv.body is not None and len(inv.body["cards"]) == 1


ENGINE = Engine(
    Settings(auth_enabled=False, evaluation_date="2026-11-20"),
    (make_probe_service(),),
    FhirClient(),
    TERM,
    DEFAULT_THRESHOLDS,
)
