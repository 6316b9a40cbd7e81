"""A feeling of incomplete bladder emptying beside new sciatica of both legs prompts R1's questions.

R39.14 alone is weak evidence of cauda equina (decision model §7.6), and it was dropped whatever came
with it: new sciatica of both legs with a new feeling of incomplete emptying drew the routine E2
"seen within 2 weeks" card, which still spoke of an epidural injection. Bilateral radicular pain with
a new bladder disturbance is the presentation of an incomplete cauda equina syndrome: R1's critical
card now asks about bladder (retention), bowel and saddle sensation today, emergency MRI if any is
abnormal, and pre-selects nothing; the order hold holds an elective procedure. The pain of both legs
must be new (within ``new_sphincter_symptom_days``): years of bilateral claudication with R39.14
stay as they were. E2, the severe acute card, now gives E1's safety-net advice too.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, cond, radic, run, states

from hooks.cards import render_full
from hooks.orders import evaluate_orders
from tests.orders_builders import cond as ocond
from tests.orders_builders import history, inp, sr

EMPTYING = cond("r3914", "red_flag_sphincter_saddle_symptoms", "R39.14", onset=1)
BOTH_LEGS = radic(days=6, text="Lumbosacral radiculopathy, pain radiating down both legs")


def sciatica(ref: str, code: str, days: int) -> object:
    return cond(ref, "lumbar_radiculopathy_conditions", code, onset=days)


@pytest.mark.parametrize(
    "pain",
    [
        (BOTH_LEGS,),
        (sciatica("radic-r", "M54.41", 5), sciatica("radic-l", "M54.42", 4)),  # right and left coded apart
    ],
)
def test_incomplete_emptying_with_new_sciatica_of_both_legs_asks_the_questions(
    pain: tuple[object, ...],
) -> None:
    cards = run(*pain, EMPTYING)
    assert states(cards) == ["R1"]
    c = cards[0]
    assert c.indicator == "critical"
    assert c.summary.startswith("Possible cauda equina syndrome: ask today about bladder, bowel and saddle")
    assert any(f.ref == EMPTYING.ref for f in c.why)
    # questions first: the stat MRI and the referral are offered, not pre-selected
    assert c.suggestions and not any(s.is_recommended for s in c.suggestions)
    assert "epidural" not in " ".join(c.next_steps).lower()


def test_guard_incomplete_emptying_with_sciatica_of_one_leg_stays_weak_evidence() -> None:
    assert "R1" not in states(run(radic(days=6, text="Sciatica, right leg"), EMPTYING))


def test_guard_incomplete_emptying_beside_years_of_pain_in_both_legs_is_no_cauda_equina_sign() -> None:
    old = radic(days=800, text="Lumbar radiculopathy, pain down both legs")
    assert "R1" not in states(run(old, EMPTYING))


def test_an_epidural_ordered_then_is_held() -> None:
    both = ocond("rad", "M54.17", 6, "Lumbosacral radiculopathy, pain radiating down both legs")
    weak = ocond("r3914", "R39.14", 1, "Feeling of incomplete bladder emptying")
    esi = sr("esi", "64483", "Transforaminal epidural injection L5-S1")
    cards = evaluate_orders(inp("order-sign", [esi], history(both, weak)))
    hold = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    assert hold and hold[0].indicator == "critical"
    assert "cauda equina" in hold[0].summary.lower()


def test_the_severe_acute_card_gives_the_safety_net_advice() -> None:
    from pathway_builders import obs

    cards = run(radic(days=6), obs("nrs", "pain", 9, 1), obs("odi", "odi", 64, 1))
    c = card_of(cards, "E2")
    assert any(s.startswith("Safety-net advice: new bladder or bowel problems") for s in c.next_steps)
    assert "same-day care" in render_full(c)


def test_guard_the_mild_acute_card_keeps_its_safety_net_advice() -> None:
    c = card_of(run(radic(days=6)), "E1")
    assert any("same-day care" in s for s in c.next_steps)


def test_guard_both_legs_denied_is_not_bilateral_pain() -> None:
    one_leg = radic(days=6, text="Sciatica, left leg; denies pain or numbness in both legs")
    assert "R1" not in states(run(one_leg, EMPTYING))


def test_guard_chronic_pain_of_both_legs_coded_again_today_is_not_new() -> None:
    old = radic(days=700, text="Chronic sciatica, both legs")
    recoded = replace(radic(days=0, text="Chronic sciatica, both legs"), ref="Condition/radic-today")
    assert "R1" not in states(run(old, recoded, EMPTYING))


def test_guard_a_screen_answered_normal_in_the_note_needs_no_questions() -> None:
    answered = replace(EMPTYING, notes=("Post-void residual 40 mL; no retention, saddle sensation normal.",))
    assert "R1" not in states(run(BOTH_LEGS, answered))


@pytest.mark.parametrize(
    "note",
    [
        "Saddle sensation normal. Bladder scan PVR 300 mL.",
        "No retention. New urinary incontinence since yesterday.",
        "Saddle sensation intact on the left, reduced on the right.",
    ],
)
def test_a_normal_phrase_beside_an_abnormal_finding_keeps_the_card(note: str) -> None:
    """One normal phrase never hides retention, incontinence or reduced saddle sensation."""
    assert states(run(BOTH_LEGS, replace(EMPTYING, notes=(note,)))) == ["R1"]


@pytest.mark.parametrize(
    "text", ["Left L5 radiculopathy, not bilateral", "Left sciatica; MRI bilateral foraminal bulges"]
)
def test_guard_bilateral_in_free_words_of_a_one_sided_diagnosis_is_not_pain_of_both_legs(text: str) -> None:
    assert "R1" not in states(run(radic(days=6, text=text), EMPTYING))
