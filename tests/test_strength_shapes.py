"""An MRC grade sent as a quantity with a scale annotation, or as uncoded panel components, is read.

"3/5" as text was read, but the same grade sent as ``valueQuantity 3 {MRC}``, or as the components of
one motor-examination Observation (EHL 3, ankle dorsiflexion 4), was not: a first MRC 3 this week
drew E1 ("no red flag") instead of R2's motor-deficit warning. The units an MRC grade comes with
(none, /5, {score}, {MRC}, {grade}) and uncoded components named as strength scores are read as the
value-free words are.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from hooks.terminology import default_terminology

TERM = default_terminology()
EXAM = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "exam"}]}
]


def observation(**value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": "mrc-1", "status": "final", "category": EXAM,
        "code": {"text": "Left extensor hallucis longus strength (MRC grade 0-5)"},
        "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-12-06", **value,
    }  # fmt: skip


def strengths(resource: dict[str, Any]) -> list[tuple[str, float | None]]:
    assert is_relevant(resource, TERM)
    return [(o.text, o.value) for o in build_history([resource], TERM).observations if o.kind == "strength"]


def test_a_grade_sent_as_a_quantity_in_mrc_units_is_a_strength_score() -> None:
    q = observation(
        valueQuantity={"value": 3, "unit": "{MRC}", "system": "http://unitsofmeasure.org", "code": "{MRC}"}
    )
    assert strengths(q) == [("Left extensor hallucis longus strength (MRC grade 0-5)", 3.0)]


def test_uncoded_components_of_a_motor_examination_are_strength_scores() -> None:
    panel = observation(
        code={"text": "Lower extremity motor examination (MRC)"},
        component=[
            {"code": {"text": "Left extensor hallucis longus strength (MRC grade 0-5)"}, "valueInteger": 3},
            {"code": {"text": "Left ankle dorsiflexion strength (MRC grade 0-5)"}, "valueInteger": 4},
        ],
    )
    assert strengths(panel) == [
        ("Left extensor hallucis longus strength (MRC grade 0-5)", 3.0),
        ("Left ankle dorsiflexion strength (MRC grade 0-5)", 4.0),
    ]


def test_guard_a_grade_sent_as_text_out_of_five_is_read() -> None:
    assert [v for _, v in strengths(observation(valueString="3/5"))] == [3.0]


def test_guard_a_quantity_in_another_unit_is_no_strength_score() -> None:
    kg = observation(valueQuantity={"value": 3, "unit": "kg"})
    assert [o.kind for o in build_history([kg], TERM).observations if o.kind == "strength"] == []


def test_guard_scores_named_like_a_strength_test_that_are_not_grades_are_not_read() -> None:
    """The MRC breathlessness scale, a pain score on hip flexion, an Ashworth spasticity grade."""
    for name, unit in (
        ("MRC breathlessness grade", "{grade}"),
        ("Pain on hip flexion (0-10)", "{score}"),
        ("Modified Ashworth, ankle dorsiflexion", "{score}"),
    ):
        o = observation(code={"text": name}, valueQuantity={"value": 3, "unit": unit})
        assert [x for x in build_history([o], TERM).observations if x.kind == "strength"] == [], name


def test_an_examination_panel_named_otherwise_is_kept_for_its_strength_components() -> None:
    panel = observation(
        code={"text": "Lower extremity examination"},
        component=[{"code": {"text": "Left EHL strength (MRC grade 0-5)"}, "valueQuantity": {"value": 3,
                    "unit": "{MRC}"}}],
    )  # fmt: skip
    assert strengths(panel) == [("Left EHL strength (MRC grade 0-5)", 3.0)]


def test_a_name_that_says_strength_outright_is_read_even_with_pain_or_rom_in_it() -> None:
    for name in ("Hip flexion strength, pain with testing", "Left great toe extension power"):
        o = observation(code={"text": name}, valueQuantity={"value": 3, "unit": "{score}"})
        assert [x.value for x in build_history([o], TERM).observations if x.kind == "strength"] == [3.0], name
