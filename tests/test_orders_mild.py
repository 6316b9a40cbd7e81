"""MILD ordered with spondylolisthesis or instability (``order.mild-instability``).

MILD (minimally invasive lumbar decompression) removes part of a thickened ligamentum flavum: it is
for central stenosis without instability. With spondylolisthesis or instability on record the
operation is surgical decompression, with fusion where the segment is unstable (NASS 2011), so the
card warns, names the condition and offers to cancel MILD and refer to a spine surgeon. MILD for
stenosis without instability draws no card.
"""

from __future__ import annotations

import pytest

from hooks.catalogue import RULES_BY_ID
from tests.orders_builders import cond, proc, sr
from tests.test_orders_checks import HOOKS, actions, assert_well_formed, codes, one, run

RULE = "order.mild-instability"
STENOSIS = cond("st", "M48.062", 300, "Lumbar stenosis with neurogenic claudication")
SPONDYLOLISTHESIS = cond("sp", "M43.16", 300, "Spondylolisthesis, lumbar region")
MRI = proc("mri", "72148", 60, "MRI lumbar spine without contrast")
SPINE_SURGERY_REFERRAL = "183546007"


@pytest.mark.parametrize("hook", HOOKS)
def test_mild_with_spondylolisthesis_warns_and_offers_a_surgical_referral(hook: str) -> None:
    c = one(
        run(hook, [sr("m", "0275T", "MILD percutaneous decompression")], STENOSIS, SPONDYLOLISTHESIS, MRI),
        RULE,
    )
    assert_well_formed(c, "ServiceRequest/m")
    assert c.indicator == "warning"
    assert "Condition/sp" in {f.ref for f in c.why}
    kinds = [(kind, ref) for kind, ref, _ in actions(c)][:2]
    assert kinds == [("delete", "ServiceRequest/m"), ("create", None)]
    assert codes(actions(c)[1][2]) == [SPINE_SURGERY_REFERRAL]
    assert c.suggestions[0].is_recommended
    assert [g.key for g in c.evidence] == ["nass_stenosis"]


@pytest.mark.parametrize("hook", HOOKS)
def test_mild_for_stenosis_without_instability_draws_no_card(hook: str) -> None:
    cards = run(hook, [sr("m", "0275T", "MILD percutaneous decompression")], STENOSIS, MRI)
    assert RULE not in [c.rule_id for c in cards]


def test_the_rule_is_in_the_catalogue_at_s4() -> None:
    r = RULES_BY_ID[RULE]
    assert r.state == "S4" and r.evidence == ("nass_stenosis",)
