"""A facet or SI joint RFA ordered for pure radicular pain is not sent to a diagnostic block first.

What these tests show, on a draft ablation order (64635 facet, 64625 SI joint) with no positive
diagnostic block on record (``order.rfa-no-block``):

- with a lumbar radicular diagnosis and no facet-mediated or SI joint pain diagnosis, the card says the
  ablation treats facet- (or SI-joint-) mediated back pain, not radicular leg pain, names the radicular
  diagnosis, recommends cancelling the order and suggests no block; it points to re-evaluating the
  radicular pain, citing NICE NG59 and the ASRA 2020 facet consensus (decision model §1.3 "RFA scope":
  never suggest RFA for pure radicular pain; F3 must-not: facet RFA for radicular pain);
- a warning on order-sign and on order-select, as the rule's block card is; the summary fits (< 140
  characters), a radicular diagnosis too long to name giving way to "lumbar radicular pain";
- guards (true before this change too): with facet arthropathy on record (mixed pain) the facet RFA is
  replaced by the medial branch block; an SI joint RFA with an SI joint diagnosis by the SI joint block;
  pain scores showing the back hurting more than the leg keep the block first too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import CardDraft, render_detail
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, obs, proc, sr

HOOKS = ("order-select", "order-sign")
RULE = "order.rfa-no-block"
RAD = cond("rad", RADICULOPATHY, 120, "Radiculopathy, lumbar region")
FACET = cond("facet", "M47.816", 200, "Spondylosis without myelopathy or radiculopathy, lumbar region")
SI = cond("si", "M46.1", 200, "Sacroiliitis, not elsewhere classified")


def run(hook: str, order: dict[str, Any], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, [order], history(*facts)))


def facet_rfa() -> dict[str, Any]:
    return sr("rfa", "64635", "Radiofrequency ablation, lumbar facet L4-L5", bodySite=[{"text": "L4-L5"}])


def si_rfa() -> dict[str, Any]:
    return sr("rfa", "64625", "Radiofrequency ablation, sacroiliac joint nerves, left")


def the_card(cards: list[CardDraft]) -> CardDraft:
    mine = [c for c in cards if c.rule_id == RULE]
    assert len(mine) == 1, [(c.rule_id, c.summary) for c in cards]
    return mine[0]


def indicator(hook: str) -> str:
    """The rule's indicator: a warning on both hooks, before this change and after it."""
    return "warning"


def recommended(card: CardDraft) -> list[tuple[str, str]]:
    """The recommended suggestions' actions: (type, code created/updated, or id removed)."""
    out = []
    for s in card.suggestions:
        if not s.is_recommended:
            continue
        for a in s.actions:
            if a.type == "delete":
                out.append(("delete", a.resource_id or ""))
            else:
                assert a.resource is not None
                out.append((a.type, a.resource["code"]["coding"][0]["code"]))
    return out


def block_codes(card: CardDraft) -> list[str]:
    """Codes of any order a suggestion would create or change the draft into (a diagnostic block)."""
    return [
        a.resource["code"]["coding"][0]["code"]
        for s in card.suggestions
        for a in s.actions
        if a.type != "delete" and a.resource is not None
    ]


def assert_radicular_advice(card: CardDraft, hook: str, joint: str) -> None:
    assert card.indicator == indicator(hook)
    assert len(card.summary) < 140 and "…" not in card.summary
    assert f"{joint}-mediated back pain, not radicular leg pain" in card.summary
    assert "do the block first" not in card.summary
    # the radicular diagnosis is the deciding fact, and no facet/SI diagnosis is
    assert "Condition/rad" in [f.ref for f in card.why]
    assert any("no facet-mediated or sacroiliac joint pain diagnosis" in f.text for f in card.why)
    # cancel the ablation; no block suggested at all
    assert recommended(card) == [("delete", "ServiceRequest/rfa")]
    assert block_codes(card) == []
    steps = " ".join(card.next_steps)
    assert "NICE NG59" in steps and "ASRA 2020 facet consensus" in steps
    assert "image-guided ESI" in steps and "surgical opinion" in steps
    assert "medial branch block" not in steps.lower()
    assert any("lumbar radicular diagnosis: Radiculopathy, lumbar region" in f.text for f in card.why)
    # the short detail leads with the cancellation, not a block
    detail = render_detail(card)
    assert "`Condition/rad`" in detail
    assert "**Next:** Cancel the" in detail and "re-evaluate the radicular pain" in detail
    assert "block first" not in detail


# ----------------------------------------------------------------------------- pure radicular pain
@pytest.mark.parametrize("hook", HOOKS)
def test_facet_rfa_for_pure_radicular_pain_is_cancelled_not_sent_to_a_block(hook: str) -> None:
    # /tmp/probe_ord/j05: lumbar facet RFA, the only spine diagnosis lumbar radiculopathy
    card = the_card(run(hook, facet_rfa(), RAD))
    assert card.summary == (
        "Facet RFA ordered for radiculopathy, lumbar region: ablation treats facet-mediated back pain, "
        "not radicular leg pain"
    )
    assert_radicular_advice(card, hook, "facet")


@pytest.mark.parametrize("hook", HOOKS)
def test_si_joint_rfa_for_pure_radicular_pain_is_cancelled_not_sent_to_a_block(hook: str) -> None:
    card = the_card(run(hook, si_rfa(), RAD))
    assert card.summary.startswith("SI joint RFA ordered for radiculopathy, lumbar region:")
    assert_radicular_advice(card, hook, "SI-joint")


def test_a_negative_block_on_record_is_shown_and_no_further_block_is_offered() -> None:
    negative = proc("mbb", "64493", 40, "Lumbar medial branch block L4-L5", level="L4-L5")
    negative = replace(negative, notes=("Relief 10 % during the anaesthetic phase",))
    card = the_card(run("order-sign", facet_rfa(), RAD, negative))
    assert_radicular_advice(card, "order-sign", "facet")


@pytest.mark.parametrize("hook", HOOKS)
def test_summary_fits_with_a_radicular_diagnosis_too_long_to_name(hook: str) -> None:
    long = cond(
        "rad",
        "M51.16",
        120,
        "Intervertebral disc disorder with radiculopathy affecting the left fifth lumbar and first sacral "
        "nerve roots",
    )
    for order, joint in ((facet_rfa(), "facet"), (si_rfa(), "SI-joint")):
        card = the_card(run(hook, order, long))
        assert len(card.summary) < 140, card.summary
        assert "lumbar radicular pain" in card.summary
        assert recommended(card) == [("delete", "ServiceRequest/rfa")]
        assert f"{joint}-mediated back pain" in card.summary


# ----------------------------------------------------------------------------- guards: unchanged
@pytest.mark.parametrize("hook", HOOKS)
def test_mixed_pain_with_facet_arthropathy_still_gets_the_block_first(hook: str) -> None:
    card = the_card(run(hook, facet_rfa(), RAD, FACET))
    assert card.indicator == indicator(hook)
    assert (
        card.summary
        == "RFA ordered without a positive diagnostic medial branch block on record: do the block first"
    )
    assert recommended(card) == [("update", "64493")]


@pytest.mark.parametrize("hook", HOOKS)
def test_si_joint_rfa_with_an_si_joint_diagnosis_still_gets_the_si_block_first(hook: str) -> None:
    card = the_card(run(hook, si_rfa(), RAD, SI))
    assert (
        card.summary
        == "RFA ordered without a positive diagnostic sacroiliac joint block on record: do the block first"
    )
    assert recommended(card) == [("update", "27096")]
    assert "L39455" in card.conflicts[0].against


def test_axial_predominant_scores_keep_the_block_first() -> None:
    """Back pain scored above leg pain is F5's facet pointer: not pure radicular pain."""
    leg = replace(obs("leg", "pain", 3, 5), body_site_text="Left leg")
    back = replace(obs("back", "pain", 7, 5), body_site_text="Lower back")
    card = the_card(run("order-sign", facet_rfa(), RAD, leg, back))
    assert card.summary.endswith("do the block first")
    assert recommended(card) == [("update", "64493")]
