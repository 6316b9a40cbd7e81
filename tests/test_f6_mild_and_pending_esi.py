"""F6 (failed ESI, lumbar stenosis with neurogenic claudication) after a MILD, and with a repeat
epidural already ordered.

After a MILD on record the claudication has persisted through it: the card names the MILD and its
date, the step is a surgical decompression opinion, and no second MILD is offered. A repeat ESI
ordered after the failed one is named among the facts the card shows and held in the first step, as
a warning (NICE NG59 advises against epidurals for neurogenic claudication), as F3 and F5 hold theirs.
The ``test_guard_*`` tests pin what must not change: F6 without a MILD still offers decompression or
MILD, and F6 without a repeat ESI on order stays as it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import (
    TERM,
    ago,
    assert_house_rules,
    card_of,
    cond,
    conservative,
    fake_assessor,
    make_input,
    next_line,
    order,
    proc,
    radic,
    report,
    run,
)

from hooks.cards import KEY_FACTS, CardDraft, Fact, render_detail
from hooks.pathway import evaluate_pathway
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.pathway.rules.refractory import F6
from hooks.suggestions import ordered_codes

LF_STENOSIS = "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy."
MILD_SET = "mild_percutaneous_lumbar_decompression"
ESI_SET = "esi_lumbar_all"
REFERRAL_SET = "referral_spine_surgery"
BEFORE = (
    "Failed ESI with stenosis and neurogenic claudication: refer for decompression (or MILD); no more ESIs"
)


def f6_facts(*extra: Any, lf: bool = True) -> list[Any]:
    return [
        cond("sten", "neurogenic_claudication", onset=400),
        radic(days=400),
        *conservative(380),
        report("mri", "72148", 300, LF_STENOSIS if lf else "Severe central canal stenosis at L4-5."),
        proc("esi-1", "esi_image_guided", "62323", days=90, level="L4-L5"),
        *extra,
    ]


def f6(*extra: Any, outcome: Outcome = Outcome.FAILED, lf: bool = True) -> CardDraft:
    return card_of(run(*f6_facts(*extra, lf=lf), outcomes={"Procedure/esi-1": outcome}), "F6")


def mild_done(days: int = 43, **kw: Any) -> Any:
    return proc("mild-1", MILD_SET, days=days, level="L4-L5", **kw)


def repeat_esi(authored: int = 5, **kw: Any) -> Any:
    return order("esi-order", ESI_SET, authored=authored, **kw)


def offers(card: CardDraft, value_set: str, *, recommended_only: bool = False) -> bool:
    """The card offers (or pre-selects) an order coded in ``value_set``."""
    return any(
        value_set in TERM.memberships(system, code)
        for s in card.suggestions
        if s.is_recommended or not recommended_only
        for system, code in ordered_codes(s)
    )


def shown_refs(card: CardDraft) -> list[str]:
    """The references of the facts the card itself shows, in order."""
    detail = render_detail(card)
    return [f.ref for f in card.why[:KEY_FACTS] if f.ref and f"`{f.ref}`" in detail]


def fact_of(card: CardDraft, ref: str) -> Fact:
    return next(f for f in card.why if f.ref == ref)


# ---------------------------------------------------------------------------------------------
# after a MILD
# ---------------------------------------------------------------------------------------------


def test_f6_after_mild_names_the_mild_and_its_date_on_the_card() -> None:
    c = f6(mild_done())
    assert "Procedure/mild-1" in shown_refs(c), render_detail(c)
    short = fact_of(c, "Procedure/mild-1").brief
    assert "MILD" in short and ago(43).isoformat() in short, short
    assert "after MILD" in c.summary
    assert_house_rules(c)


def test_f6_after_mild_asks_for_a_surgical_decompression_opinion_not_a_second_mild() -> None:
    c = f6(mild_done())
    assert "surgical decompression opinion" in c.summary
    assert "(or MILD)" not in c.summary
    assert "not a repeat MILD" in c.next_steps[0] and ago(43).isoformat() in c.next_steps[0]
    assert "decompression opinion" in next_line(c)
    assert not any("ligamentum flavum debulking" in s for s in c.next_steps), "no MILD step"
    assert not offers(c, MILD_SET), "no second MILD offered"
    assert offers(c, REFERRAL_SET, recommended_only=True)
    assert "A repeat MILD." in c.avoid
    assert c.indicator == "info"


def test_f6_after_mild_without_lf_on_the_report_asks_no_mild_candidacy_review() -> None:
    c = f6(mild_done(), lf=False)
    assert not any("MILD candidacy" in g for g in c.gaps)
    assert not offers(c, MILD_SET)
    assert "Procedure/mild-1" in shown_refs(c)


def test_f6_after_mild_done_before_the_failed_esi_still_names_it() -> None:
    c = f6(mild_done(days=200))
    assert "Procedure/mild-1" in shown_refs(c)
    assert not offers(c, MILD_SET)


# ---------------------------------------------------------------------------------------------
# a repeat epidural already ordered
# ---------------------------------------------------------------------------------------------


def test_f6_with_a_repeat_esi_ordered_shows_the_order_and_holds_it() -> None:
    c = f6(repeat_esi())
    assert c.indicator == "warning"
    assert c.indicator in F6.indicators
    assert shown_refs(c)[:3] == ["Condition/sten", "Procedure/esi-1", "ServiceRequest/esi-order"]
    assert fact_of(c, "ServiceRequest/esi-order").brief.startswith("hold pending order: ESI ordered")
    assert c.next_steps[0].startswith("Hold the pending ESI order and refer for decompression")
    assert "Hold the pending ESI order" in next_line(c)
    assert "hold the repeat ESI" in c.summary
    assert not offers(c, ESI_SET)
    assert offers(c, REFERRAL_SET, recommended_only=True)
    assert_house_rules(c)


def test_f6_with_two_repeat_esis_ordered_holds_both() -> None:
    c = f6(repeat_esi(), order("esi-order-2", ESI_SET, authored=3))
    assert c.next_steps[0].startswith("Hold the pending ESI orders")
    assert {"ServiceRequest/esi-order", "ServiceRequest/esi-order-2"} <= {f.ref for f in c.why}


@pytest.mark.parametrize("status", ["draft", "on-hold"])
def test_f6_holds_a_repeat_esi_in_any_pending_status(status: str) -> None:
    c = f6(repeat_esi(status=status))
    assert c.indicator == "warning"
    assert c.next_steps[0].startswith("Hold the pending ESI order")


def test_f6_after_mild_with_a_repeat_esi_ordered_shows_both_and_holds_the_order() -> None:
    c = f6(mild_done(), repeat_esi())
    assert c.indicator == "warning"
    assert shown_refs(c)[:3] == ["Condition/sten", "Procedure/mild-1", "ServiceRequest/esi-order"]
    assert c.next_steps[0].startswith("Hold the pending ESI order and refer for a decompression opinion")
    assert "hold the repeat ESI" in c.summary and "after MILD" in c.summary
    assert not offers(c, MILD_SET) and not offers(c, ESI_SET)
    assert "Procedure/esi-1" in {f.ref for f in c.why}, "the failed ESI stays in the full reasoning"
    assert_house_rules(c)


OUTCOMES = [Outcome.FAILED, Outcome.PARTIAL, Outcome.SHORT_LIVED, Outcome.PROBABLE_FAILED]


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize(("with_mild", "with_order"), [(True, False), (False, True), (True, True)])
def test_f6_new_summaries_fit_with_every_opening(outcome: Outcome, with_mild: bool, with_order: bool) -> None:
    extra = [*([mild_done()] if with_mild else []), *([repeat_esi()] if with_order else [])]
    c = f6(*extra, outcome=outcome)
    assert not c.summary.endswith("…"), c.summary
    assert ("after MILD" in c.summary) is with_mild
    assert ("hold the repeat ESI" in c.summary) is with_order
    assert_house_rules(c)


@pytest.mark.parametrize(("with_mild", "with_order"), [(True, False), (False, True), (True, True)])
def test_f6_new_summaries_fit_when_relief_did_not_last(with_mild: bool, with_order: bool) -> None:
    """The longest opening, "ESI relief did not last," (partial relief not sustained)."""
    extra = [*([mild_done()] if with_mild else []), *([repeat_esi()] if with_order else [])]
    inp = make_input(*f6_facts(*extra))
    base = fake_assessor(inp, {"Procedure/esi-1": Outcome.PARTIAL})

    def assess(p: Any, modality: Modality) -> Assessment:
        a = base(p, modality)
        return replace(a, basis="not sustained") if p.ref == "Procedure/esi-1" else a

    c = card_of(evaluate_pathway(inp, assess), "F6")
    assert c.summary.startswith("ESI relief did not last, with stenosis"), c.summary
    assert not c.summary.endswith("…"), c.summary
    assert ("hold the repeat ESI" in c.summary) is with_order
    assert_house_rules(c)


def test_f6_with_an_arterial_mimic_and_a_repeat_esi_still_holds_the_order() -> None:
    c = f6(repeat_esi(), cond("pad", "mimic_arterial_claudication", "I70.21", onset=300))
    assert "ServiceRequest/esi-order" in {f.ref for f in c.why}
    assert any(s.startswith("Hold the pending ESI order") for s in c.next_steps)
    assert not offers(c, ESI_SET) and not offers(c, MILD_SET)
    assert_house_rules(c)


# ---------------------------------------------------------------------------------------------
# guards: what must not change
# ---------------------------------------------------------------------------------------------


def test_guard_f6_without_mild_still_offers_decompression_or_mild() -> None:
    c = f6()
    assert c.summary == BEFORE
    assert offers(c, MILD_SET)
    assert offers(c, REFERRAL_SET, recommended_only=True)
    assert any("ligamentum flavum debulking" in s for s in c.next_steps)


def test_guard_f6_without_a_pending_esi_stays_as_it_was() -> None:
    c = f6()
    assert c.indicator == "info"
    assert c.summary == BEFORE
    assert c.next_steps == (
        "Spine-surgery referral for decompression (laminectomy).",
        "MILD (percutaneous ligamentum flavum debulking) for central stenosis driven by ligamentum flavum "
        "hypertrophy.",
        "Physiotherapy (flexion-based exercise, walking programme).",
    )
    assert c.avoid == (
        "Fusion without instability.",
        "Epidural injections for neurogenic claudication (NICE NG59).",
        "Long-term opioids.",
    )
    assert [f.ref for f in c.why][:3] == ["Condition/sten", "Procedure/esi-1", "DiagnosticReport/mri"]
    assert not any(f.ref and f.ref.startswith("ServiceRequest/") for f in c.why)


def test_guard_f6_without_lf_still_asks_for_the_mild_candidacy_review() -> None:
    c = f6(lf=False)
    assert any("MILD candidacy" in g for g in c.gaps)
    assert not offers(c, MILD_SET)


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
def test_guard_a_mild_not_done_is_not_a_mild(status: str) -> None:
    c = f6(mild_done(status=status))
    assert c.summary == BEFORE
    assert offers(c, MILD_SET)


@pytest.mark.parametrize("status", ["completed", "revoked", "entered-in-error"])
def test_guard_an_esi_order_no_longer_pending_is_not_held(status: str) -> None:
    c = f6(repeat_esi(status=status))
    assert c.indicator == "info"
    assert c.summary == BEFORE
    assert not any(s.startswith("Hold") for s in c.next_steps)


def test_guard_the_order_the_failed_injection_carried_out_is_not_held() -> None:
    """An ESI order dated before the failed injection, left active, is the order that injection
    carried out, not a repeat: still named in the full reasoning, as before, but not held."""
    c = f6(repeat_esi(authored=100))
    assert c.indicator == "info"
    assert c.summary == BEFORE
    assert not any(s.startswith("Hold") for s in c.next_steps)
    assert "ServiceRequest/esi-order" in {f.ref for f in c.why}
