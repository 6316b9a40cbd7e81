"""A muscle scored MRC ≤ 3 is a motor deficit by itself (decision model §7.3: "a radicular or
myotomal weakness, foot drop or MRC ≤ 3"), not only a fall between two scores: R2 refers it within
2 weeks, and orders treat it as the red flag it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant as screen
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.pathway.rules import red_flags
from tests import orders_builders as ob
from tests.pathway_builders import TERM, TODAY, card_of, context, obs, order, radic, run, states
from tests.test_orders_checks import RADICULOPATHY, rules
from tests.test_orders_checks import run as run_orders


def strength(ref: str, value: float, days: int, text: str = "Right ankle dorsiflexion strength (MRC)"):
    return replace(obs(ref, "strength", value, days), text=text)


@pytest.mark.parametrize("grade", [3])
def test_one_weak_score_is_a_stable_deficit_to_refer(grade: int) -> None:
    cards = run(radic(days=30), strength("s1", grade, 1))
    r2 = card_of(cards, "R2")
    assert r2.indicator == "warning"
    assert r2.summary.startswith("Motor deficit with radicular pain: refer to a spine surgeon")
    assert any(f.ref == "Observation/s1" and f"{grade}/5" in f.text for f in r2.why)
    assert "E1" not in states(cards)


@pytest.mark.parametrize("grade", [0, 1, 2])
def test_a_first_score_of_no_movement_against_gravity_is_a_new_severe_deficit(grade: int) -> None:
    """MRC 2 or less, scored for the first time this week: a new severe deficit, as a new foot drop
    is (decision model R2, "progressive or severe"): critical, urgent MRI and surgical referral."""
    cards = run(radic(days=30), strength("s1", grade, 1))
    r2 = card_of(cards, "R2")
    assert r2.indicator == "critical"
    assert r2.summary.startswith("New severe motor deficit")
    assert any(f.ref == "Observation/s1" and f"{grade}/5" in f.text for f in r2.why)


def test_mrc_4_is_not_a_red_flag() -> None:
    assert "R2" not in states(run(radic(days=30), strength("s1", 4, 1)))


def test_a_muscle_that_recovered_is_not_weak() -> None:
    cards = run(radic(days=30), strength("s1", 2, 20), strength("s2", 5, 2))
    assert "R2" not in states(cards)


def test_another_muscle_scored_strong_does_not_hide_the_weak_one() -> None:
    cards = run(
        radic(days=30),
        strength("s1", 2, 5),
        strength("s2", 5, 2, text="Right hip flexion strength (MRC)"),
    )
    assert "R2" in states(cards)


def test_weakness_scored_before_the_pain_began_is_another_story() -> None:
    assert "R2" not in states(run(radic(days=30), strength("s1", 2, 400)))


def test_a_weak_muscle_already_seen_by_a_spine_surgeon_draws_no_card() -> None:
    weak = (radic(days=40), strength("s1", 3, 20))
    assert "R2" in states(run(*weak))
    assert "R2" not in states(run(*weak, order("ref-1", "spine_specialist_referral", authored=10)))


def test_a_fall_to_a_weak_grade_stays_critical() -> None:
    """The weak-score rule never lowers a progressive fall: 4/5 → 2/5 in days stays critical."""
    r2 = card_of(run(radic(days=30), strength("s1", 4, 10), strength("s2", 2, 2)), "R2")
    assert r2.indicator == "critical"


# orders ------------------------------------------------------------------------------------------


def ostrength(rid: str, value: float, days_ago: int):
    return replace(ob.obs(rid, "strength", value, days_ago), text="Right ankle dorsiflexion strength (MRC)")


def test_an_early_mri_for_a_weak_muscle_is_not_called_unnecessary() -> None:
    facts = (ob.cond("rad", RADICULOPATHY, 14), ostrength("s1", 1, 1))
    assert "order.mri-early" not in rules(run_orders("order-sign", [ob.sr("mri1", "72148")], *facts))
    # without the weak score the early MRI is questioned (the check is live)
    assert "order.mri-early" in rules(run_orders("order-sign", [ob.sr("mri1", "72148")], facts[0]))


# a foot drop in words ----------------------------------------------------------------------------


def _raw_condition(code: dict[str, object], onset: str = "2026-11-18") -> dict[str, object]:
    return {
        "resourceType": "Condition",
        "id": "fd",
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "code": code,
        "onsetDateTime": onset,
    }


SNOMED_FOOT_DROP = {
    "coding": [{"system": "http://snomed.info/sct", "code": "6077001", "display": "Foot drop"}]
}


@pytest.mark.parametrize(
    "code",
    [SNOMED_FOOT_DROP, {"text": "Right foot drop, new"}, {"text": "Drop foot (left)"}],
)
def test_a_foot_drop_named_only_in_words_is_kept_and_read_as_a_motor_deficit(code: dict[str, object]) -> None:
    raw = _raw_condition(code)
    assert screen(raw, TERM)  # the relevance screen keeps it
    facts = build_history([raw], TERM).conditions
    ctx = context(radic(days=30), *facts)
    assert [c.ref for c in red_flags.motor_deficit_conditions(ctx)] == ["Condition/fd"]


@pytest.mark.parametrize(
    "code",
    [
        {"text": "No foot drop"},
        {"text": "Lumbar strain"},
        # coded as a known peroneal neuropathy: what its code says (a mimic), not a red flag by words
        {
            "coding": [
                {"system": ICD, "code": "G57.31", "display": "Lesion of lateral popliteal nerve, right"}
            ],
            "text": "Peroneal neuropathy with foot drop",
        },
    ],
)
def test_words_that_do_not_name_a_foot_drop_or_a_known_code_are_not_read_as_one(
    code: dict[str, object],
) -> None:
    facts = build_history([_raw_condition(code)], TERM).conditions
    ctx = context(radic(days=30), *facts)
    assert red_flags.motor_deficit_conditions(ctx) == ()


def test_a_new_foot_drop_in_words_is_critical_like_a_coded_one() -> None:
    raw = _raw_condition({"text": "Right foot drop"}, onset=(TODAY - timedelta(days=2)).isoformat())
    cards = run(radic(days=30), *build_history([raw], TERM).conditions)
    assert card_of(cards, "R2").indicator == "critical"
