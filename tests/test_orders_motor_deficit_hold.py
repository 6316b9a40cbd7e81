"""``order.red-flag-elective`` with a stable motor deficit, and the words of its red-flag summary.

1. An epidural steroid injection drafted while a stable, non-progressive motor deficit is on record
   (a muscle scored MRC 3/5; a first score of MRC 2 or less is a new severe deficit, held) and no
   spine surgeon has been asked: a warning that the surgical opinion
   comes first, the spine-surgery referral recommended, cancelling the injection offered, not
   recommended. Physiotherapy suits a stable deficit (no card); a spine-surgery referral or visit
   since the deficit was found silences it; a progressive deficit keeps the critical card.
2. The critical card's summary says "emergency" only for cauda equina and a suspected infection, and
   "urgent" for a suspected malignancy, a fracture and a progressive deficit, as its steps do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks import suggestions as sx
from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail
from hooks.facts import EncounterFact, PatientHistory, ServiceRequestFact
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, SCT, TERM, ago, cond, history, inp, obs, proc, sr

HOOKS = ("order-select", "order-sign")
RULE = "order.red-flag-elective"
ESI = sr("esi", "62323", "Lumbar interlaminar epidural injection with imaging guidance")
RAD = cond("rad", RADICULOPATHY, 120, "Radiculopathy, lumbar region")
MRI_DONE = proc("mri", "72148", 20, "MRI lumbar spine without contrast")
WEAK = replace(obs("s1", "strength", 3, 2), text="Left ankle dorsiflexion strength (MRC)")  # first score
STABLE = (RAD, MRI_DONE, WEAK)
SUMMARY = "Motor deficit on record: surgical opinion before an elective injection"
REFERRAL = TERM.first(sx.SPINE_SURGERY_REFERRAL.value_set).coding()


def run(hook: str, orders: list[dict[str, Any]], h: PatientHistory) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, h))


def held(cards: list[CardDraft]) -> list[CardDraft]:
    return [c for c in cards if c.rule_id == RULE]


def referral(status: str, days_ago: int) -> ServiceRequestFact:
    return ServiceRequestFact(
        ref="ServiceRequest/ref-1", codings=(REFERRAL,), text="Referral to spine surgery", status=status,
        intent="order", authored=ago(days_ago),
    )  # fmt: skip


def created_codes(card: CardDraft) -> list[str]:
    return [
        c["code"]
        for s in card.suggestions
        for a in s.actions
        if a.type == "create" and a.resource is not None
        for c in a.resource["code"]["coding"]
    ]


# ------------------------------------------------------------------ 1. stable deficit: a warning


@pytest.mark.parametrize("hook", HOOKS)
def test_an_esi_with_a_stable_mrc_2_deficit_asks_for_a_surgical_opinion_first(hook: str) -> None:
    (c,) = held(run(hook, [ESI], history(*STABLE)))
    assert c.indicator == "warning"
    assert c.summary == SUMMARY
    assert c.subject_key == c.why[0].ref == "ServiceRequest/esi"  # the order first
    detail = render_detail(c)
    assert ADVISORY in detail and len(detail) <= DETAIL_MAX and len(c.summary) < 140
    assert "Observation/s1" in {f.ref for f in c.why}  # the deficit is named
    assert "An epidural steroid injection instead of a surgical opinion." in c.avoid
    assert c.selection_behavior == "any"
    refer, cancel = c.suggestions
    assert refer.is_recommended and created_codes(c) == [REFERRAL.code]
    assert [a.type for a in cancel.actions] == ["delete"] and not cancel.is_recommended
    text = " ".join((c.summary, *c.next_steps, *c.avoid)).lower()
    assert "seed" not in text and "decision model" not in text and "r2" not in text


def test_the_warning_does_not_drop_the_other_cards_on_the_order() -> None:
    """A warning is not the emergency pre-emption: the order's other checks still speak."""
    blind = sr("esi", "62322", "Lumbar interlaminar epidural injection without imaging guidance")
    cards = run("order-sign", [blind], history(*STABLE))
    assert {c.rule_id for c in cards} == {RULE, "order.esi-blind"}
    assert "critical" not in {c.indicator for c in cards}


def test_an_old_stable_foot_drop_with_no_lumbar_imaging_also_offers_the_mri() -> None:
    """A foot drop on the problem list for 14 weeks, strength never scored, no lumbar MRI or CT: the
    warning (not the critical hold) carries the patient-view plan, the referral recommended and the
    MRI for a surgical candidate offered; the "image first" card defers to it (one advice per order)."""
    foot_drop = cond("fd", "M21.371", 100, "Foot drop, right foot")
    cards = run("order-sign", [ESI], history(RAD, foot_drop))
    (c,) = held(cards)
    assert [x.rule_id for x in cards] == [RULE] and c.indicator == "warning"
    assert "Condition/fd" in {f.ref for f in c.why}
    assert created_codes(c) == [REFERRAL.code, "72148"]
    assert [s.is_recommended for s in c.suggestions] == [True, False, False]
    assert any(
        s.startswith("MRI lumbar spine without contrast if the patient is a surgical") for s in c.next_steps
    )


def test_a_surgical_referral_from_before_the_deficit_or_never_sent_does_not_silence_it() -> None:
    old = replace(history(*STABLE), service_requests=(referral("completed", 300),))
    assert [c.summary for c in held(run("order-sign", [ESI], old))] == [SUMMARY]
    unsent = replace(history(*STABLE), service_requests=(referral("draft", 1),))
    assert [c.summary for c in held(run("order-sign", [ESI], unsent))] == [SUMMARY]


def test_a_facet_ablation_is_named_as_a_procedure() -> None:
    (c,) = held(run("order-sign", [sr("rfa", "64635")], history(*STABLE)))
    assert c.indicator == "warning"
    assert c.summary == "Motor deficit on record: surgical opinion before an elective procedure"


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    "pt",
    [
        sr("pt", "97110", "Therapeutic exercises"),
        sr("pt", "306170007", "Referral to physiotherapy service", system=SCT),
    ],
    ids=["physical-therapy", "physiotherapy-referral"],
)
def test_guard_physiotherapy_with_a_stable_deficit_draws_no_card(hook: str, pt: dict[str, Any]) -> None:
    assert held(run(hook, [pt], history(*STABLE))) == []


@pytest.mark.parametrize(
    "seen",
    [
        {"service_requests": (referral("active", 1),)},
        {"service_requests": (referral("completed", 1),)},
        {
            "encounters": (
                EncounterFact(
                    "Encounter/spine", "finished", ago(1), text="Spine surgery outpatient consultation"
                ),
            )
        },
    ],
    ids=["referral-sent", "referral-completed", "spine-surgery-visit"],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_surgical_referral_or_visit_since_the_deficit_draws_no_card(
    hook: str, seen: dict[str, Any]
) -> None:
    assert held(run(hook, [ESI], replace(history(*STABLE), **seen))) == []


def test_guard_a_spine_surgery_referral_drafted_with_the_injection_draws_no_card() -> None:
    drafted = sr("ref", REFERRAL.code, "Referral to spine surgery", system=REFERRAL.system)
    assert held(run("order-sign", [ESI, drafted], history(*STABLE))) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_progressive_deficit_keeps_the_critical_card(hook: str) -> None:
    falling = (obs("s0", "strength", 4, 30), obs("s1", "strength", 2, 2))
    (c,) = held(run(hook, [ESI], history(RAD, MRI_DONE, *falling)))
    assert c.indicator == "critical"
    assert c.summary.startswith("Red flag (new or progressive motor deficit)")
    assert "urgent" in c.summary and "emergency" not in c.summary


def test_guard_no_deficit_no_card() -> None:
    assert held(run("order-sign", [ESI], history(RAD, MRI_DONE))) == []


# ------------------------------------------------------------------ 2. the summary's word


@pytest.mark.parametrize(
    "flag",
    [
        cond("ca", "C79.51", 30, "Secondary malignant neoplasm of bone"),
        cond("fx", "S32.010A", 10, "Wedge compression fracture of first lumbar vertebra, initial encounter"),
    ],
    ids=["malignancy", "fracture"],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_an_urgent_red_flag_summary_says_urgent_not_emergency(hook: str, flag: Any) -> None:
    (c,) = held(run(hook, [ESI], history(RAD, flag)))
    assert c.indicator == "critical"
    assert "urgent work-up first" in c.summary and "emergency" not in c.summary.lower()
    assert any("rgent" in s for s in c.next_steps)  # the steps say urgent too


@pytest.mark.parametrize(
    "flag",
    [
        cond("ces", "G83.4", 1, "Cauda equina syndrome"),
        cond("osteo", "M46.26", 3, "Osteomyelitis of vertebra"),
    ],
    ids=["cauda-equina", "infection"],
)
def test_guard_cauda_equina_and_infection_stay_emergency(flag: Any) -> None:
    (c,) = held(run("order-sign", [ESI], history(RAD, flag)))
    assert c.indicator == "critical" and "emergency pathway first" in c.summary


def test_guard_one_emergency_flag_among_urgent_ones_makes_the_summary_emergency() -> None:
    flags = (cond("ca", "C79.51", 30, "Secondary malignant neoplasm of bone"), cond("ces", "G83.4", 1))
    (c,) = held(run("order-sign", [ESI], history(RAD, *flags)))
    assert "emergency pathway first" in c.summary
