"""Order cards say only what applies to the patient in front of them.

What these tests show:

- the bleeding-risk card asks for renal function (DOACs) and the INR (warfarin) only when an
  anticoagulant is taken; beside aspirin or a P2Y12 inhibitor alone it names the procedure's risk
  class and nothing about DOACs or warfarin, and aspirin is named "aspirin or NSAID", not
  "aspirin/NSAID";
- the contrast-MRI card for a suspected tumour or infection, with no lumbar operation, says what a
  plain MRI misses there (enhancement), not the post-operative reason (scar against recurrent disc).

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import CardDraft, render_full
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, proc, sr

TRIAL = ("sr-trial", "63650", "SCS trial")


def run(orders: list[dict[str, Any]], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp("order-sign", orders, history(cond("rad", RADICULOPATHY, 400), *facts)))


def one(cards: list[CardDraft], rule: str) -> CardDraft:
    hits = [c for c in cards if c.rule_id == rule]
    assert len(hits) == 1, [(c.rule_id, c.summary) for c in cards]
    return hits[0]


def test_aspirin_alone_before_a_stimulator_trial_asks_nothing_about_doacs_or_warfarin() -> None:
    c = one(
        run([sr(*TRIAL)], med("aspirin", "1191", "aspirin 81 mg tablet", 300)),
        "order.antithrombotic-procedure",
    )
    text = render_full(c)
    assert "DOAC" not in text and "INR" not in text
    assert "high bleeding risk" in text
    assert "aspirin or NSAID" in c.why[-1].text and "aspirin/NSAID" not in text


def test_a_p2y12_inhibitor_alone_asks_nothing_about_doacs_or_warfarin() -> None:
    c = one(
        run([sr(*TRIAL)], med("clop", "32968", "clopidogrel 75 mg tablet", 300)),
        "order.antithrombotic-procedure",
    )
    assert "INR" not in render_full(c)


def test_guard_an_anticoagulant_still_asks_for_renal_function_and_the_inr() -> None:
    c = one(
        run([sr(*TRIAL)], med("apx", "1364430", "apixaban 5 mg tablet", 300)),
        "order.antithrombotic-procedure",
    )
    assert "check renal function for a DOAC and the INR for warfarin" in render_full(c)


def test_contrast_mri_for_a_cancer_history_without_surgery_gives_the_tumour_reason() -> None:
    cancer = cond("ca", "Z85.3", 2000, "Personal history of malignant neoplasm of breast")
    c = one(
        run([sr("mri", "72148", "MRI lumbar spine without contrast")], cancer), "order.mri-postop-contrast"
    )
    assert c.avoid == (
        "Non-contrast MRI alone, which cannot show the enhancement of a tumour or an infection.",
    )


def test_guard_after_a_discectomy_the_scar_reason_stays() -> None:
    lam = proc("lam", "63030", 400, "Discectomy L5-S1")
    c = one(run([sr("mri", "72148", "MRI lumbar spine without contrast")], lam), "order.mri-postop-contrast")
    assert "scar from recurrent disc" in c.avoid[0]


def test_an_anticoagulant_order_of_years_ago_still_active_is_named_with_its_date_to_confirm() -> None:
    """An apixaban order written two years ago, never closed and never renewed: still named before the
    procedure (a bleeding risk is not assumed away), but as the record it is, to confirm it is taken."""
    old = med("apx", "1364430", "apixaban 5 mg tablet", 730)
    c = one(run([sr(*TRIAL)], old), "order.antithrombotic-procedure")
    fact = next(f for f in c.why if f.ref == "MedicationRequest/apx")
    assert "still marked active: confirm it is taken" in fact.text and "current" not in fact.text
    assert (
        fact.short == "apixaban: anticoagulant"
    )  # the sidebar names every drug; the date is in the full text


def test_guard_a_recent_anticoagulant_order_is_current() -> None:
    c = one(
        run([sr(*TRIAL)], med("apx", "1364430", "apixaban 5 mg tablet", 30)), "order.antithrombotic-procedure"
    )
    assert any(f.ref == "MedicationRequest/apx" and "current anticoagulant" in f.text for f in c.why)
