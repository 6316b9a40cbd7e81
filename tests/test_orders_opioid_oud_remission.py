"""An opioid drafted for a patient whose opioid use disorder is in remission (F11.11, F11.21,
F11.91) and who takes no medication for it draws the opioid-risk warning: relapse and overdose risk
(CDC 2022 recommendation 8). The card names the remission, puts non-opioid care and the addiction
care first, and offers naloxone. A patient on buprenorphine keeps the MOUD coordination card.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import RADICULOPATHY, RX, cond, history, inp, med
from tests.test_orders_opioid_doses import OXY_IR, scd

RULE, MOUD_RULE = "order.opioid-risk", "order.opioid-with-moud"
NALOXONE = "naloxone"


def cards(hook: str, *facts: object):  # type: ignore[no-untyped-def]
    h = history(cond("rad", RADICULOPATHY, 100), *facts)
    return evaluate_orders(inp(hook, [scd("o", *OXY_IR, 1, per_day=3)], h))


@pytest.mark.parametrize("code", ["F11.11", "F11.21", "F11.91"])
@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_an_opioid_for_opioid_use_disorder_in_remission_warns(hook: str, code: str) -> None:
    remission = cond("oud", code, 800, "Opioid dependence, in remission")
    (c,) = [c for c in cards(hook, remission) if c.rule_id == RULE]
    assert c.indicator == "warning"
    assert c.summary.startswith("Opioid for a patient with opioid use disorder in remission: relapse risk")
    assert "Condition/oud" in {f.ref for f in c.why}
    assert c.next_steps[0].startswith("Opioid use disorder in remission: non-opioid analgesia first")
    assert any(NALOXONE in s.label.lower() for s in c.suggestions)


def test_guard_without_the_disorder_a_small_first_prescription_draws_no_card() -> None:
    assert [c for c in cards("order-sign") if c.rule_id == RULE] == []


def test_guard_on_buprenorphine_the_moud_card_answers_instead() -> None:
    bup = replace(
        med("bup", "1819", "Buprenorphine 8 mg / naloxone 2 mg sublingual film", 200),
        ingredient_codings=(Coding(RX, "1819", "buprenorphine"),),
    )
    got = cards("order-sign", cond("oud", "F11.21", 800, "Opioid dependence, in remission"), bup)
    assert [c.rule_id for c in got if c.rule_id in (RULE, MOUD_RULE)] == [MOUD_RULE]


@pytest.mark.parametrize("status", ["remission", "inactive", "resolved"])
def test_the_remission_code_warns_whatever_its_clinical_status(status: str) -> None:
    remission = cond("oud", "F11.21", 800, "Opioid dependence, in remission", clinical_status=status)
    assert [c.rule_id for c in cards("order-sign", remission) if c.rule_id == RULE] == [RULE]
    warned = [c for c in cards("order-sign", remission) if c.rule_id == RULE]
    assert warned[0].indicator == "warning"


@pytest.mark.parametrize("status", ["remission", "inactive", "resolved"])
def test_an_active_disorder_code_whose_status_is_no_longer_active_warns_too(status: str) -> None:
    """F11.20 (dependence, uncomplicated) with clinicalStatus remission or resolved: the disorder is on
    record and an opioid still risks relapse; the card said nothing."""
    oud = cond("oud", "F11.20", 800, "Opioid dependence, uncomplicated", clinical_status=status)
    warned = [c for c in cards("order-sign", oud) if c.rule_id == RULE]
    assert warned and warned[0].indicator == "warning"
    assert "Condition/oud" in {f.ref for f in warned[0].why}
