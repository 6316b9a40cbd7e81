"""A lumbar MRI ordered under a local code, or with a display only, is judged as the MRI it names.

Radiology orders in Epic and Cerner carry local codes; the checks read procedures from their words
but never imaging, so a routine "MRI LUMBAR SPINE WO CONTRAST" under a local code, for a patient with
cauda equina syndrome, drew no card at all, where the same order coded 72148 drew the critical "make
it an emergency study". A lumbar MRI named in words is now judged as the MRI without contrast, or
without and with contrast when the words say both; other studies and unclear contrast are not read.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, sr

LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"
CES = cond("ces", "G83.4", 1, "Cauda equina syndrome")
RAD = cond("rad", RADICULOPATHY, 10)


def rules(order: dict, *facts: object) -> list[str]:  # type: ignore[type-arg]
    return [c.rule_id for c in evaluate_orders(inp("order-sign", [order], history(RAD, *facts)))]


@pytest.mark.parametrize(
    "words",
    ["MRI LUMBAR SPINE WO CONTRAST", "MRI L-spine w/o contrast", "Magnetic resonance imaging, lumbar spine"],
)
def test_a_routine_lumbar_mri_in_words_with_cauda_equina_draws_the_critical_card(words: str) -> None:
    assert "order.mri-ces-emergency" in rules(sr("mri", "IMG1234", words, system=LOCAL), CES)


@pytest.mark.parametrize(
    "words", ["MRI LUMBAR SPINE WO CONTRAST", "MR Lumbar spine WO contrast", "MR L-SPINE W/O CONTRAST"]
)
def test_a_lumbar_mri_in_words_at_ten_days_without_red_flags_draws_the_early_imaging_card(words: str) -> None:
    assert "order.mri-early" in rules(sr("mri", "IMG1234", words, system=LOCAL))


def test_guard_mr_is_the_modality_only_in_capitals() -> None:
    """ "Mr" is a title, not magnetic resonance: a physiotherapy referral naming the patient is no MRI."""
    words = "Physio for Mr Lumbar, spine exercises without contrast bath"
    assert "order.mri-early" not in rules(sr("pt", "PT77", words, system=LOCAL))


@pytest.mark.parametrize(
    "words", ["MRI BRAIN WO CONTRAST", "MRI LUMBAR SPINE WITH CONTRAST", "CT LUMBAR SPINE"]
)
def test_guard_other_studies_or_unclear_contrast_are_not_read_as_the_lumbar_mri(words: str) -> None:
    assert "order.mri-ces-emergency" not in rules(sr("mri", "IMG1234", words, system=LOCAL), CES)


@pytest.mark.parametrize(
    "words",
    ["MRI LUMBAR SPINE W WO CONTRAST", "MRI L SPINE W + W/O", "MRI LUMBAR W/WO", "MRI lumbar pre and post"],
)
def test_with_and_without_contrast_abbreviated_reads_as_the_contrast_study(words: str) -> None:
    """After a discectomy the contrast study is the right one: no "order with contrast" card."""
    from tests.orders_builders import proc

    operated = proc("disc", "63030", 400, "Lumbar discectomy L5-S1")
    assert "order.mri-postop-contrast" not in rules(sr("mri", "IMG9", words, system=LOCAL), operated)


def test_with_slash_and_without_slash_reads_as_the_contrast_study() -> None:
    from tests.orders_builders import proc

    operated = proc("disc", "63030", 400, "Lumbar discectomy L5-S1")
    order = sr("mri", "IMG9", "MRI LUMBAR SPINE W/ AND W/O CONTRAST", system=LOCAL)
    assert "order.mri-postop-contrast" not in rules(order, operated)


SNOMED = "http://snomed.info/sct"
LUMBAR_MRI_ANY_CONTRAST = "433141005"  # "MRI of lumbar and sacral spine": the code says no contrast


def persistent(order: dict, *facts: object) -> list[str]:  # type: ignore[type-arg]
    """The rules fired for ``order`` at 14 weeks of radicular pain (past the early-imaging weeks)."""
    chart = history(cond("rad", RADICULOPATHY, 100), *facts)
    return [c.rule_id for c in evaluate_orders(inp("order-sign", [order], chart))]


def test_a_lumbar_mri_code_silent_on_contrast_is_read_with_the_contrast_its_words_state() -> None:
    words = "MRI lumbar spine with and without IV contrast"
    contrast = sr("mri", LUMBAR_MRI_ANY_CONTRAST, words, system=SNOMED)
    assert "order.mri-contrast-no-indication" in persistent(contrast)
    from tests.orders_builders import proc

    operated = proc("disc", "63030", 400, "Lumbar discectomy L5-S1")
    plain = sr("mri", LUMBAR_MRI_ANY_CONTRAST, "MRI lumbar spine without contrast", system=SNOMED)
    assert "order.mri-postop-contrast" in persistent(plain, operated)  # after surgery: contrast is the study
    assert "order.mri-postop-contrast" not in persistent(contrast, operated)


def test_guard_a_lumbar_mri_code_and_words_silent_on_contrast_stay_unjudged_for_contrast() -> None:
    silent = sr("mri", LUMBAR_MRI_ANY_CONTRAST, "MRI of lumbar and sacral spine", system=SNOMED)
    assert "order.mri-contrast-no-indication" not in persistent(silent)
