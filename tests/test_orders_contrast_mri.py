"""A lumbar MRI with contrast ordered for radicular pain with no operation and no red flag.

MRI without contrast shows the disc and the compressed root (ACR 2021 variant 3); contrast is for
imaging after lumbar surgery (recurrence or scar) or a suspected tumour or infection. The card
(info) offers to change the draft to MRI without contrast. After surgery, with a red flag, before 6
weeks (the early-imaging card says no imaging yet) or in pregnancy (the gadolinium card) it is silent.
"""

from __future__ import annotations

import pytest

from tests.orders_builders import RADICULOPATHY, cond, proc, sr
from tests.test_orders_checks import HOOKS, actions, assert_well_formed, codes, one, rules, run

RULE = "order.mri-contrast-no-indication"
CONTRAST = sr("m", "72158", "MRI lumbar spine without and with contrast")


@pytest.mark.parametrize("hook", HOOKS)
def test_contrast_for_sciatica_without_surgery_or_red_flag_offers_the_plain_study(hook: str) -> None:
    c = one(run(hook, [CONTRAST], cond("rad", RADICULOPATHY, 70)), RULE)
    assert_well_formed(c, "ServiceRequest/m")
    assert c.indicator == "info"
    kind, _, resource = actions(c)[0]
    assert kind == "update"
    assert codes(resource) == ["72148"]
    assert "Condition/rad" in {f.ref for f in c.why}


@pytest.mark.parametrize("hook", HOOKS)
def test_after_a_discectomy_contrast_is_the_study(hook: str) -> None:
    cards = run(
        hook, [CONTRAST], cond("rad", RADICULOPATHY, 200), proc("lam", "63030", 400, "Discectomy L5-S1")
    )
    assert RULE not in rules(cards)


@pytest.mark.parametrize("hook", HOOKS)
def test_with_a_cancer_history_contrast_is_not_questioned(hook: str) -> None:
    cards = run(hook, [CONTRAST], cond("rad", RADICULOPATHY, 70), cond("ca", "C50.911", 400, "Breast cancer"))
    assert RULE not in rules(cards)


@pytest.mark.parametrize("hook", HOOKS)
def test_before_six_weeks_the_early_imaging_card_alone_speaks(hook: str) -> None:
    cards = run(hook, [CONTRAST], cond("rad", RADICULOPATHY, 14))
    assert "order.mri-early" in rules(cards) and RULE not in rules(cards)
