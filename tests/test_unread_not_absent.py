"""Data the EHR could not give is not data that is absent. With the imaging reports unreadable, F4
said "no lumbar imaging on record" and pre-selected an MRI for a patient who may have one; with the
observations unreadable, E1 said "no red flag" although a falling strength score there was never
checked. The cards now say what could not be read instead of concluding from its absence.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import assert_house_rules, card_of, conservative, obs, proc, radic, run

from hooks.cards import CardDraft, render_detail, render_full
from hooks.pathway.failure import Outcome
from tests import orders_builders as ob
from tests.test_orders_checks import RADICULOPATHY
from tests.test_orders_checks import run as run_orders

REPORTS_DOWN = {"diagnosticReports": "FHIR server answered with an error status"}
OBS_DOWN = {"observations": "timed out"}


def failed_esi_without_imaging() -> list[Any]:
    esi = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1", laterality="right")
    return [radic(days=150), *conservative(140), esi]


def f4(unavailable: dict[str, str] | None = None) -> CardDraft:
    cards = run(
        *failed_esi_without_imaging(), outcomes={"Procedure/esi-1": Outcome.FAILED}, unavailable=unavailable
    )
    return card_of(cards, "F4")


def mri_suggestion(card: CardDraft) -> Any:
    return next(s for s in card.suggestions if "MRI" in s.label)


def test_f4_with_the_imaging_reports_unread_does_not_say_there_is_no_imaging() -> None:
    c = f4(REPORTS_DOWN)
    assert_house_rules(c)
    text = render_full(c)
    assert "imaging reports could not be read" in c.summary
    assert "no lumbar imaging on record" not in text and "no MRI or CT on record" not in text
    assert c.next_steps[0].startswith("The imaging reports could not be read: check the record")
    assert not mri_suggestion(c).is_recommended  # offered, not pre-selected: one may exist


def test_guard_f4_with_no_imaging_read_asks_for_the_mri() -> None:
    c = f4()
    assert "no MRI or CT on record" in c.summary
    assert mri_suggestion(c).is_recommended


def test_e1_with_the_observations_unread_does_not_say_no_red_flag() -> None:
    (e1,) = run(radic(days=15), unavailable=OBS_DOWN)
    detail = render_detail(e1)
    assert (
        "no red flag in the diagnoses on record (pain and function scores and test results could not be read)"
        in render_full(e1)
    )
    assert "no red flag," not in detail


def test_guard_e1_with_the_observations_read_says_no_red_flag() -> None:
    (e1,) = run(radic(days=15), obs("p", "pain", 5, 1))
    assert "no red flag, no prior lumbar surgery" in render_full(e1)


def test_the_early_mri_card_with_the_observations_unread_says_what_was_checked() -> None:
    facts = (ob.cond("rad", RADICULOPATHY, 14),)
    hist = ob.history(*facts, unavailable=OBS_DOWN)
    from hooks.orders import evaluate_orders

    cards = evaluate_orders(ob.inp("order-select", [ob.sr("mri1", "72148")], hist))
    (early,) = [c for c in cards if c.rule_id == "order.mri-early"]
    assert any(
        f.text.startswith("no red flag in the diagnoses on record (pain and function scores")
        for f in early.why
    )
    cards = run_orders("order-select", [ob.sr("mri1", "72148")], *facts)
    (early,) = [c for c in cards if c.rule_id == "order.mri-early"]
    assert any(f.text.startswith("no red flag on record (") for f in early.why)


def test_f2_with_the_imaging_reports_unread_names_them_not_no_imaging() -> None:
    blind = proc("esi-1", "esi_without_image_guidance", "62322", days=60, level="L4-L5")
    cards = run(radic(days=150), *conservative(140), blind, unavailable=REPORTS_DOWN)
    c = card_of(cards, "F2")
    assert any(g.startswith("the imaging reports, which could not be read") for g in c.gaps)
    assert not any(g.startswith("no lumbar imaging on record") for g in c.gaps)
