"""An infection risk that raises no red flag, named on a card that offers a spinal procedure.

Long-term systemic steroids, other immunosuppression and current injection drug use are infection
red flags only with new pain (R3; an earlier precision rule). With pain of months the pathway card
offered a repeat epidural steroid injection to a patient injecting heroin daily, or on long-term
prednisone, without a word of the risk. Now a card whose suggestions create a spinal injection or
other spinal procedure names the risk after its first deciding fact, with what to ask before the
procedure (fever, night pain, the skin at the site). A card that offers no spinal procedure is
unchanged, and with new pain R3 speaks instead.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import TERM, cond, conservative, proc, radic, report, run, states

from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.cards import CardDraft, render_detail, render_full
from hooks.facts import ConditionFact
from hooks.pathway.failure import Outcome
from hooks.terminology import Coding

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
ESI = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=250, level="L5-S1", laterality="right")


def oud(notes: tuple[str, ...] = ("Currently injecting heroin daily.",)) -> ConditionFact:
    base = cond("oud", "opioid_use_disorder_diagnoses", onset=1700, notes=notes)
    return replace(
        base, codings=(Coding(ICD, "F11.20", "Opioid dependence, uncomplicated"),), text="Opioid use disorder"
    )


STEROIDS = cond(
    "ster", "red_flag_infection", "Z79.52", onset=1700, text="Long-term prednisone for rheumatoid arthritis"
)
HIV = cond("hiv", "red_flag_infection", "B20", onset=3000)


def f1(*extra: Any) -> list[CardDraft]:
    return run(
        radic(days=330),
        *conservative(320),
        report("mri", "72148", 290, CONCORDANT),
        ESI,
        *extra,
        outcomes={ESI.ref: Outcome.RESPONDED_THEN_RECURRED},
    )


def text(c: CardDraft) -> str:
    return "\n".join([c.summary, render_detail(c), render_full(c)])


@pytest.mark.parametrize(
    ("risk", "label"),
    [(oud(), "injection drug use"), (STEROIDS, "long-term steroids"), (HIV, "immunosuppression")],
)
def test_a_repeat_esi_card_names_the_infection_risk_and_what_to_ask(risk: ConditionFact, label: str) -> None:
    cards = f1(risk)
    assert states(cards) == ["F1"]
    c = cards[0]
    assert c.indicator == "info"  # a risk to weigh, not a red flag
    # named right after the injection that decides the card, in the sidebar as in the full reasoning
    assert c.why[1].ref == risk.ref
    assert f"infection risk ({label}): ask about fever, night pain first" in render_detail(c)
    full = render_full(c)
    assert f"infection risk ({label})" in full
    assert "ask about fever and night pain and check the skin at the site" in full
    assert "seed" not in text(c).lower()


def test_guard_without_a_risk_the_repeat_esi_card_says_nothing_of_infection() -> None:
    (c,) = f1()
    assert "infection" not in text(c).lower()


def test_guard_opioid_use_disorder_in_remission_or_not_injecting_is_no_infection_risk() -> None:
    (c,) = f1(oud(notes=("Smokes heroin; never injected.",)))
    assert "infection risk" not in text(c)


def test_guard_a_card_that_offers_no_spinal_procedure_is_unchanged() -> None:
    """P2 at 17 weeks offers the referral and imaging, not a needle: the risk is not its business."""
    cards = run(radic(days=120), *conservative(110), STEROIDS)
    assert states(cards) == ["P2"]
    assert all("infection risk" not in text(c) for c in cards), [c.summary for c in cards]
    assert TERM.match("red_flag_infection", STEROIDS.codings) is not None


def test_guard_with_new_pain_the_risk_is_the_red_flag() -> None:
    cards = run(radic(days=20), oud())
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
