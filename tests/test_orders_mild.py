"""MILD ordered with spondylolisthesis or instability (``order.mild-instability``).

MILD (minimally invasive lumbar decompression) removes part of a thickened ligamentum flavum: it is
for central stenosis without instability. With spondylolisthesis or instability on record the
operation is surgical decompression, with fusion where the segment is unstable (NASS 2011), so the
card warns, names the condition and offers to cancel MILD and refer to a spine surgeon. MILD for
stenosis without instability draws no card. MILD with no stenosis at all on record, coded or in the
imaging, is stopped too (``order.mild-no-stenosis``): it treats nothing else.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_orders_esi_no_imaging import report

from hooks.catalogue import RULES_BY_ID
from hooks.orders import evaluate_orders
from tests.orders_builders import cond, history, inp, proc, sr
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


# ------------------------------------------------------------- check 14b: MILD without stenosis
@pytest.mark.parametrize("hook", HOOKS)
def test_mild_for_a_disc_herniation_without_stenosis_is_stopped(hook: str) -> None:
    """MILD removes ligamentum flavum from a central stenosis: for a disc herniation with no
    stenosis coded or reported, it treats nothing (decision model F6)."""
    hnp = cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy")
    cards = run(hook, [sr("m", "0275T", "MILD percutaneous decompression")], hnp)
    (c,) = [c for c in cards if c.rule_id == "order.mild-no-stenosis"]
    assert c.indicator == "warning"
    assert c.summary.startswith("MILD ordered with no central lumbar stenosis on record")
    assert [a.type for s in c.suggestions for a in s.actions] == ["delete"]


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_stenosis_named_only_in_the_imaging_draws_no_stop(hook: str) -> None:
    hnp = cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy")
    mri = report(
        "mri", "72148", "MRI lumbar spine", 30,
        "Severe central canal stenosis at L4-5 from ligamentum flavum hypertrophy.",
    )  # fmt: skip
    h = replace(history(hnp), reports=(mri,))
    cards = evaluate_orders(inp(hook, [sr("m", "0275T", "MILD percutaneous decompression")], h))
    assert "order.mild-no-stenosis" not in [c.rule_id for c in cards]


@pytest.mark.parametrize(
    "said",
    [
        "Mild right L4-5 foraminal stenosis.",  # MILD decompresses the central canal, never a foramen
        "Central canal stenosis: none.",
        "Spinal stenosis is not seen.",
    ],
)
def test_a_report_without_central_stenosis_does_not_clear_mild(said: str) -> None:
    hnp = cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy")
    mri = report("mri", "72148", "MRI lumbar spine", 30, said)
    h = replace(history(hnp), reports=(mri,))
    cards = evaluate_orders(inp("order-sign", [sr("m", "0275T", "MILD")], h))
    assert "order.mild-no-stenosis" in [c.rule_id for c in cards]
