"""A cancer history is settled by a contrast MRI for patients with no radicular diagnosis too, and a
diagnosed cancer does not hold the intrathecal pump that treats its pain.

(a) Facet pain, breast cancer history (Z85.3) and an MRI without and with contrast seven weeks ago:
a medial branch block, an RFA and an interlaminar ESI each drew CRITICAL "Red flag (suspected
malignancy): urgent work-up first" and a second contrast MRI to order. The contrast MRI had to follow
the radicular onset, and without a radicular diagnosis there was none: the cancer history could never
be settled. The pain now begins at the facet or sacroiliac joint condition's onset, and with no such
condition either, a contrast MRI within ``red_flag_new_pain_days`` has imaged the pain now (§7.3).

(b) A known vertebral metastasis (C79.51), imaged by a contrast MRI since, and an intrathecal catheter
and pump ordered for the cancer pain drew two CRITICAL "suspected malignancy: urgent work-up first"
cards. Intrathecal drug delivery treats refractory cancer pain (PACC): a diagnosed, imaged cancer is
its indication. One no contrast MRI has imaged since its diagnosis still holds it.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, history, report

from hooks.orders import evaluate_orders
from tests.orders_builders import inp, sr

CONTRAST_MRI = report("mri-c", "72158", 30, "Facet arthropathy L4-5 and L5-S1. No marrow lesion.")
PLAIN_MRI = report("mri-p", "72148", 30, "Facet arthropathy L4-5 and L5-S1.")
CANCER_HISTORY = cond("ca", "red_flag_malignancy", "Z85.3", onset=4000)
FACET = cond("facet", "facet_mediated_pain", onset=400)


def _critical(orders: list[dict], *facts) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    cards = evaluate_orders(inp("order-sign", orders, history(*facts)))
    return [c.summary for c in cards if c.indicator == "critical"]


@pytest.mark.parametrize(
    "order",
    [sr("mbb", "64493", "Medial branch block L4-5 left"), sr("rfa", "64635", "RFA lumbar facet L4-5 left"),
     sr("ilesi", "62323", "Interlaminar ESI L4-5")],
)  # fmt: skip
def test_a_contrast_mri_settles_a_cancer_history_for_a_facet_pain_patient(order: dict) -> None:  # type: ignore[type-arg]
    assert _critical([order], FACET, CANCER_HISTORY, CONTRAST_MRI) == []


def test_a_recent_contrast_mri_settles_it_with_no_pain_condition_coded() -> None:
    assert _critical([sr("ilesi", "62323", "Interlaminar ESI L4-5")], CANCER_HISTORY, CONTRAST_MRI) == []


def test_guard_a_plain_mri_does_not_settle_a_cancer_history() -> None:
    assert _critical([sr("mbb", "64493", "Medial branch block L4-5 left")], FACET, CANCER_HISTORY, PLAIN_MRI)


def test_guard_a_contrast_mri_from_before_the_facet_pain_does_not_settle_it() -> None:
    old = report("mri-c", "72158", 900, "No marrow lesion.")
    assert _critical([sr("mbb", "64493", "Medial branch block L4-5 left")], FACET, CANCER_HISTORY, old)


METASTASIS = cond("met", "red_flag_malignancy", "C79.51", onset=200)
PUMP = [sr("itc", "62350", "Intrathecal catheter for cancer pain"), sr("pump", "62362", "Programmable pump")]


def test_a_diagnosed_cancer_does_not_hold_the_intrathecal_pump_for_its_pain() -> None:
    imaged = report("mri-c", "72158", 60, "L3 vertebral metastasis without epidural extension.")
    assert _critical(PUMP, METASTASIS, imaged) == []


def test_guard_a_diagnosed_metastasis_still_holds_an_elective_injection() -> None:
    assert _critical([sr("ilesi", "62323", "Interlaminar ESI L4-5")], METASTASIS)


def test_guard_a_metastasis_no_contrast_mri_has_imaged_still_holds_the_pump() -> None:
    assert _critical(PUMP, METASTASIS)
    before = report("mri-c", "72158", 400, "No marrow lesion.")
    assert _critical(PUMP, METASTASIS, before)


def test_a_contrast_mri_from_before_the_cancer_was_diagnosed_does_not_settle_it() -> None:
    new_cancer = cond("ca", "red_flag_malignancy", "C50", onset=10)
    mbb = [sr("mbb", "64493", "Medial branch block L4-5 left")]
    assert _critical(mbb, FACET, new_cancer, CONTRAST_MRI)
    assert _critical([sr("ilesi", "62323", "Interlaminar ESI L4-5")], new_cancer, CONTRAST_MRI)


def test_an_old_contrast_mri_or_an_undated_cancer_still_holds_the_pump() -> None:
    old = report("mri-c", "72158", 1500, "L3 vertebral metastasis.")
    assert _critical(PUMP, cond("met", "red_flag_malignancy", "C79.51", onset=2000), old)
    undated = cond("met", "red_flag_malignancy", "C79.51", onset=None)
    recent = report("mri-c", "72158", 20, "L3 vertebral metastasis.")
    assert _critical(PUMP, undated, recent)
