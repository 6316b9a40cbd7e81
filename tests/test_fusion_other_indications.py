"""A fusion ordered for a reason the fusion check did not know is not called one "without
instability".

A revision for a fusion that did not heal (M96.0, or an earlier lumbar fusion on record), a pars
defect (spondylolysis: decompression alone can make the segment slip), lumbar deformity (degenerative
scoliosis, flatback, postlaminectomy kyphosis), or a slip that only the imaging report names are all
accepted reasons for a fusion (NASS 2011; NASS 2014): the card saying "no spondylolisthesis or
instability on record" and pre-selecting a laminotomy in the fusion's place contradicted the chart
and offered the wrong operation. A report that denies a slip, or a herniation with nothing else,
keeps the card.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_orders_esi_no_imaging import report

from hooks.facts import ReportFact
from hooks.orders import evaluate_orders
from tests.orders_builders import cond, history, inp, proc, sr
from tests.test_orders_checks import HOOKS, one, run

RULE = "order.fusion-no-instability"
FUSION = sr("f", "22633", "Combined posterior lumbar interbody fusion L4-5")
RADIC = cond("rad", "M54.16", 200, "Radiculopathy, lumbar region")


def cards(hook: str, *facts: object) -> list:  # type: ignore[type-arg]
    return [c for c in run(hook, [FUSION], RADIC, *facts) if c.rule_id == RULE]


def with_report(hook: str, mri: ReportFact, *facts: object) -> list:  # type: ignore[type-arg]
    h = replace(history(RADIC, *facts), reports=(mri,))
    return [c for c in evaluate_orders(inp(hook, [FUSION], h)) if c.rule_id == RULE]


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("M96.0", "Pseudarthrosis after fusion or arthrodesis"),
        ("M43.07", "Spondylolysis, lumbosacral region"),
        ("M41.26", "Other idiopathic scoliosis, lumbar region"),
        ("M41.86", "Other forms of scoliosis, lumbar region"),
        ("M96.3", "Postlaminectomy kyphosis"),
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_a_coded_reason_for_fusion_draws_no_objection(hook: str, code: str, display: str) -> None:
    assert cards(hook, cond("why", code, 100, display)) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_a_revision_after_an_earlier_lumbar_fusion_draws_no_objection(hook: str) -> None:
    earlier = proc("fusion", "22633", 700, "Posterior lumbar interbody fusion L4-5")
    assert cards(hook, earlier) == []


@pytest.mark.parametrize(
    "conclusion",
    [
        "Grade 1 anterolisthesis of L4 on L5, 7 mm in extension and 11 mm in flexion.",
        "Bilateral L5 pars defects with foraminal stenosis.",
        "Non-union at L4-5 with lucency around both L5 screws.",
        "Degenerative scoliosis with 8 mm lateral listhesis at L3-4.",
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_a_slip_or_non_union_named_only_in_the_imaging_draws_no_objection(hook: str, conclusion: str) -> None:
    mri = report("mri", "72148", "MRI lumbar spine without contrast", 60, conclusion)
    assert with_report(hook, mri) == []


@pytest.mark.parametrize(
    "conclusion",
    [
        "Left L5-S1 disc extrusion compressing the S1 root. Trace degenerative retrolisthesis of L4.",
        "Left L5-S1 disc extrusion compressing the S1 root. Spondylolisthesis: none. Pars defects: none.",
        "Left L5-S1 disc extrusion compressing the S1 root. Spondylolisthesis is not present.",
    ],
)
def test_a_denied_slip_or_a_trace_retrolisthesis_keeps_the_card(conclusion: str) -> None:
    mri = report("mri", "72148", "MRI lumbar spine without contrast", 60, conclusion)
    (c,) = with_report("order-sign", mri)
    assert c.indicator == "warning"


def test_an_earlier_cervical_fusion_is_no_lumbar_revision() -> None:
    acdf = replace(proc("acdf", "22612", 900, "Anterior cervical discectomy and fusion C5-6"), level="C5-C6")
    assert [c.rule_id for c in cards("order-sign", acdf)] == [RULE]


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_report_that_denies_a_slip_keeps_the_card(hook: str) -> None:
    mri = report(
        "mri", "72148", "MRI lumbar spine without contrast", 60,
        "Left L5-S1 disc extrusion compressing the S1 root. No spondylolisthesis. No pars defect.",
    )  # fmt: skip
    (c,) = with_report(hook, mri)
    assert c.indicator == "warning"


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_herniation_alone_keeps_the_card(hook: str) -> None:
    c = one(run(hook, [FUSION], cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy")), RULE)
    assert c.summary.startswith("Fusion for disc herniation without instability")
