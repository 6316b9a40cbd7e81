"""A lumbar fusion ordered without instability is judged by the diagnosis it would treat.

With radiculopathy the operation is a discectomy (NASS 2014): the card offers one in place of the
fusion. For spinal stenosis without spondylolisthesis, decompression alone (NASS 2011). For a disc
degenerated or displaced without radiculopathy, low back pain: no fusion outside a trial (NICE
NG59). Neither of the last two calls the disc a herniation or offers a discectomy, which has no
indication without a compressed root; they offer to cancel the fusion or to order flexion-extension
radiographs, the test for the instability a fusion needs.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from tests.orders_builders import cond, sr
from tests.test_orders_checks import HOOKS, actions, assert_well_formed, codes, one, run

RULE = "order.fusion-no-instability"
FUSION = "Posterior lumbar fusion L4-5"
DISCECTOMY = "63030"
FLEXION_EXTENSION = "72114"


def fusion_card(hook: str, *facts: object):  # type: ignore[no-untyped-def]
    c = one(run(hook, [sr("f", "22612", FUSION)], *facts), RULE)
    assert_well_formed(c, "ServiceRequest/f")
    return c


def created_codes(c) -> list[str]:  # type: ignore[no-untyped-def]
    """Codes of the orders the card's suggestions create or put in the draft's place."""
    return [code for kind, _, res in actions(c) if kind in ("create", "update") for code in codes(res)]


@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_disc_degeneration_alone_is_low_back_pain_not_a_herniation(hook: str) -> None:
    c = fusion_card(
        hook,
        cond("lbp", "M54.50", 400, "Low back pain"),
        cond("ddd", "M51.36", 400, "Other intervertebral disc degeneration, lumbar region"),
    )
    assert c.title == "Lumbar fusion for low back pain without instability"
    said = " ".join([c.summary, *(f.text for f in c.why), *c.next_steps]).lower()
    assert "herniation" not in said and "disc without radiculopathy: " in said
    assert created_codes(c) == [FLEXION_EXTENSION]
    assert c.suggestions[0].label == "Cancel the fusion" and c.suggestions[0].is_recommended
    assert [g.key for g in c.evidence] == ["nice_ng59"]


@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_stenosis_without_spondylolisthesis_says_decompression_alone(hook: str) -> None:
    c = fusion_card(hook, cond("st", "M48.062", 300, "Lumbar stenosis with neurogenic claudication"))
    assert c.summary.startswith("Fusion for spinal stenosis without spondylolisthesis or instability")
    assert "Condition/st" in {f.ref for f in c.why}
    assert created_codes(c) == [FLEXION_EXTENSION]
    assert [g.key for g in c.evidence] == ["nass_stenosis"]


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_fusion_with_radiculopathy_still_offers_a_discectomy(hook: str) -> None:
    c = fusion_card(hook, cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy"))
    assert codes(actions(c)[0][2]) == [DISCECTOMY]


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_stenosis_with_spondylolisthesis_draws_no_objection(hook: str) -> None:
    cards = run(hook, [sr("f", "22612", FUSION)], cond("st", "M48.062", 300), cond("spl", "M43.16", 300))
    assert cards == []


@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_radiculopathy_without_a_herniation_coded_does_not_call_it_one(hook: str) -> None:
    """Radiculopathy coded alone (M54.16) may come from a narrowed foramen: the card says what is
    coded and offers the laminotomy as a nerve-root decompression."""
    c = fusion_card(hook, cond("rad", "M54.16", 200, "Radiculopathy, lumbar region"))
    assert c.title == "Lumbar fusion for radiculopathy without instability"
    assert c.summary == (
        "Fusion for radiculopathy without instability is not recommended: consider decompression"
    )
    said = " ".join([c.title, c.summary, *(f.text for f in c.why), *c.avoid]).lower()
    assert "herniation" not in said
    assert c.suggestions[0].label == "Change to a lumbar decompression"
    assert codes(actions(c)[0][2]) == [DISCECTOMY]
    assert "nerve-root decompression" in str(actions(c)[0][2])


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_fusion_with_a_herniation_coded_names_it(hook: str) -> None:
    c = fusion_card(
        hook,
        cond("rad", "M54.16", 200, "Radiculopathy, lumbar region"),
        cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy"),
    )
    assert c.summary == (
        "Fusion for disc herniation without instability is not recommended: consider discectomy"
    )
    assert c.suggestions[0].label == "Change to a lumbar discectomy"
