"""A failed ablation done without a positive diagnostic block first (A1; NICE NG59: RFA only after a
positive medial branch block; ASRA 2020 facet consensus).

What these tests show:

- With no positive diagnostic block of the ablation's kind before it (none at all, only one done after
  it, or only a negative one), the A1 card names that as a fact ("no positive diagnostic medial branch
  block (≥ 50 % relief) on record before the RFA of DATE"), its next step says the pain generator was
  never confirmed and asks for a diagnostic block before any further ablation, and its button is the
  diagnostic block — nowhere a "repeat" block.
- An SI joint RFA asks for the SI joint block (a medial branch block does not confirm the SI joint).
- With a radicular diagnosis and no facet or SI joint pain diagnosis, one line says RFA does not treat
  radicular leg pain.
- ``test_guard_*``: with a positive block of the right kind before the RFA (or an earlier ablation there
  that worked), the card keeps its "repeat diagnostic block" wording; these hold on the code before
  this change too, the others failed on it.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import CardDraft
from hooks.facts import ProcedureFact
from hooks.pathway.failure import Outcome
from hooks.thresholds import DEFAULT_THRESHOLDS as T
from tests import pathway_builders as pb

FACET = pb.cond("fac", "facet_mediated_pain", "M47.816", onset=700)
SI_PAIN = pb.cond("sij", "sacroiliac_joint_pain", onset=700)
RFA_DAYS = 120  # 2026-07-05
RFA_DATE = pb.ago(RFA_DAYS).isoformat()
REPEAT_WORDING = (
    "Ablation on 2026-07-05 failed: re-evaluate with a repeat diagnostic block; do not repeat RFA there"
)


def facet_rfa(ref: str = "rfa-1", days: int = RFA_DAYS) -> ProcedureFact:
    return pb.proc(ref, "facet_rfa_lumbar", "64635", days=days, level="L4-L5")


def si_rfa(ref: str = "rfa-1", days: int = RFA_DAYS) -> ProcedureFact:
    return pb.proc(ref, "facet_rfa_or_si_rfa", "64625", days=days)


def mbb(ref: str = "mbb-1", days: int = 300) -> ProcedureFact:
    return pb.proc(ref, "facet_medial_branch_block_lumbar", "64493", days=days, level="L4-L5")


def si_block(ref: str = "sib-1", days: int = 300) -> ProcedureFact:
    return pb.proc(ref, "si_joint_diagnostic_block", days=days)


def a1(*facts: Any, outcomes: dict[str, Outcome] | None = None) -> CardDraft:
    cards = pb.run(*facts, outcomes={"Procedure/rfa-1": Outcome.FAILED, **(outcomes or {})})
    c = pb.card_of(cards, "A1")
    pb.assert_house_rules(c)
    return c


def labels(c: CardDraft) -> list[str]:
    return [s.label for s in c.suggestions]


def recommended(c: CardDraft) -> list[str]:
    return [s.label for s in c.suggestions if s.is_recommended]


def fact_texts(c: CardDraft) -> list[str]:
    return [f.text for f in c.why]


def assert_no_repeat_block(c: CardDraft) -> None:
    words = pb.card_words(c).lower()
    assert "repeat diagnostic" not in words and "repeat the diagnostic" not in words, words
    assert not any(label.startswith("Repeat") for label in labels(c)), labels(c)


def test_no_block_before_the_failed_rfa_is_named_and_the_block_is_diagnostic_not_repeat() -> None:
    c = a1(FACET, facet_rfa())
    assert c.summary == (
        "Ablation on 2026-07-05 failed; no positive medial branch block preceded it: diagnostic block before "
        "any further RFA"
    )
    mbb_pct = f"≥ {T.mbb_positive_relief_pct:g} % relief"
    fact = f"no positive diagnostic medial branch block ({mbb_pct}) on record before the RFA of {RFA_DATE}"
    assert fact_texts(c)[1] == fact
    assert c.next_steps[0].startswith(
        "The pain generator was never confirmed: a diagnostic medial branch block"
    )
    assert "before any further ablation" in c.next_steps[0]
    assert recommended(c) == ["Diagnostic medial branch block to confirm the pain generator"]
    assert "64493" in pb.codes_of(c)
    assert_no_repeat_block(c)
    assert "Further ablation before a positive diagnostic block." in c.avoid
    assert "nice_ng59" in {g.key for g in c.evidence}
    # a facet diagnosis is on record: no radicular line
    assert not any("radicular leg pain" in s for s in c.next_steps)


def test_a_block_done_only_after_the_rfa_does_not_count() -> None:
    c = a1(FACET, facet_rfa(), mbb(days=30), outcomes={"Procedure/mbb-1": Outcome.RESPONDER})
    assert "no positive medial branch block preceded it" in c.summary
    assert_no_repeat_block(c)


def test_a_negative_block_before_the_rfa_is_no_positive_block_and_is_shown() -> None:
    c = a1(FACET, mbb(), facet_rfa(), outcomes={"Procedure/mbb-1": Outcome.FAILED})
    assert "no positive medial branch block preceded it" in c.summary
    assert "Procedure/mbb-1" in pb.refs_of(c)
    assert c.next_steps[0].startswith("No block on record confirmed the pain generator: a diagnostic medial")
    assert recommended(c) == ["Diagnostic medial branch block to confirm the pain generator"]
    assert_no_repeat_block(c)


def test_a_pending_repeat_rfa_is_held_for_the_diagnostic_block() -> None:
    c = a1(FACET, facet_rfa(), pb.order("rfa-order", "facet_rfa_lumbar", "64635"))
    assert c.indicator == "warning"
    assert c.next_steps[0] == (
        "Hold the pending repeat ablation order: no positive diagnostic medial branch block preceded the "
        "failed ablation."
    )
    assert "ServiceRequest/rfa-order" in pb.refs_of(c)
    assert_no_repeat_block(c)


def test_si_rfa_without_an_si_block_names_the_si_joint_block() -> None:
    """A positive medial branch block confirms the facet joints, not the SI joint."""
    c = a1(SI_PAIN, mbb(), si_rfa(), outcomes={"Procedure/mbb-1": Outcome.RESPONDER})
    assert "no positive sacroiliac joint block preceded it" in c.summary
    sij_pct = f"≥ {T.sij_block_positive_relief_pct:g} % relief"
    fact = f"no positive diagnostic sacroiliac joint block ({sij_pct}) on record before the RFA of {RFA_DATE}"
    assert fact in fact_texts(c)
    assert "a diagnostic sacroiliac joint block" in c.next_steps[0]
    assert recommended(c) == ["Diagnostic sacroiliac joint block to confirm the pain generator"]
    assert "64493" not in pb.codes_of(c)
    assert_no_repeat_block(c)


def test_radicular_diagnosis_alone_adds_that_rfa_does_not_treat_leg_pain() -> None:
    # a repeat RFA held makes A1 a warning: it leads the radicular step (``test_a1_radicular_only``)
    held = pb.order("rep", "facet_rfa_or_si_rfa", status="active", authored=5)
    c = a1(pb.radic(days=400), facet_rfa(), held)
    line = "Radiofrequency ablation does not treat radicular leg pain (NICE NG59)."
    assert c.next_steps.count(line) == 1
    with_facet = a1(pb.radic(days=400), FACET, facet_rfa())
    assert line not in with_facet.next_steps


def test_guard_a_positive_block_before_the_rfa_keeps_the_repeat_block_wording() -> None:
    c = a1(FACET, mbb(), facet_rfa(), outcomes={"Procedure/mbb-1": Outcome.RESPONDER})
    assert c.summary == REPEAT_WORDING
    assert c.next_steps[0].startswith("Re-evaluate why it failed")
    assert "repeat diagnostic block" in c.next_steps[0]
    assert recommended(c) == ["Repeat diagnostic medial branch block to confirm the pathway"]
    assert not any("no positive" in t for t in fact_texts(c))
    assert not any("radicular leg pain" in s for s in c.next_steps)


def test_guard_a_positive_si_block_before_an_si_rfa_keeps_the_repeat_wording() -> None:
    c = a1(SI_PAIN, si_block(), si_rfa(), outcomes={"Procedure/sib-1": Outcome.RESPONDER})
    assert c.summary == REPEAT_WORDING
    assert not any("no positive" in t for t in fact_texts(c))


def test_guard_an_earlier_ablation_that_worked_confirmed_the_generator() -> None:
    c = a1(
        FACET,
        facet_rfa("rfa-0", days=500),
        facet_rfa(),
        outcomes={"Procedure/rfa-0": Outcome.RESPONDED_THEN_RECURRED},
    )
    assert c.summary == REPEAT_WORDING
