"""Two probes of the day.

1. Radicular pain early after lumbar surgery: the surgeon's follow-up visit codes the radiculopathy
   again with no onset of its own (dated only by its recordedDate). Beside scores that show the
   pre-operative pain settling, or with a note that the leg pain resolved, that is not new pain: no
   "contact the operating surgeon" warning for a normal recovery. A diagnosis with its own onset
   after the operation, or nothing since the operation to judge relief by, keeps the card.
2. Severe, disabling pain (NRS >= 7 with ODI >= 40, as E2 grades it) with no conservative care
   documented keeps the spine-specialist referral as the recommended step past week 6 (NICE NG59):
   physiotherapy is offered beside it, not instead of it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import (
    TERM,
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    med,
    obs,
    proc,
    radic,
    refs_of,
    run,
    states,
)

from hooks.cards import CardDraft
from hooks.facts import ConditionFact, ObservationFact, ProcedureFact
from hooks.suggestions import ordered_codes

PATHWAY_STATES = {"E1", "E2", "P1", "P2", "S0", "S1", "S2", "S3", "S4"}
PHYSIO = TERM.first("referral_physiotherapy").code
SPINE = TERM.first("referral_spine_surgery").code
MRI = TERM.first("mri_lumbar_without_contrast").code


def pathway_states(cards: list[CardDraft]) -> list[str]:
    return [s for s in states(cards) if s in PATHWAY_STATES]


# ---------------------------------------------------------------------------------------------
# 1. early after surgery: a follow-up coding dated only by its record is not new pain
# ---------------------------------------------------------------------------------------------


def discectomy(days: int = 45) -> ProcedureFact:
    return proc("disc", "lumbar_decompression_discectomy", "63030", days=days, level="L5-S1")


def leg(ref: str, value: float, days: int) -> ObservationFact:
    return replace(obs(ref, "pain", value, days), body_site_text="Left leg")


def follow_up_diagnosis(*notes: str, onset: int | None = None) -> ConditionFact:
    """The surgeon's 6-week review codes the radiculopathy again: recorded 3 days ago, no onset of its
    own unless ``onset`` is given."""
    return cond(
        "radic-fu",
        "lumbar_radiculopathy_conditions",
        "M54.17",
        onset=onset,
        recorded=3,
        notes=notes,
        category=("encounter-diagnosis",),
    )


def background() -> list[object]:
    """The pre-operative radiculopathy still on the problem list, leg pain 8 before the operation."""
    return [radic(days=270), leg("pre", 8, 48), discectomy(45)]


def test_follow_up_coding_dated_by_its_record_beside_relief_draws_no_early_card() -> None:
    """Leg pain 8 before, 2 since; the follow-up visit codes the radiculopathy with no onset: normal
    recovery, no 'contact the operating surgeon' card."""
    fu = follow_up_diagnosis()
    assert fu.onset_from_record
    cards = run(*background(), leg("post", 2, 3), fu)
    assert "S0" not in states(cards)
    assert pathway_states(cards) == []


def test_follow_up_note_leg_pain_resolved_beside_relief_draws_no_early_card() -> None:
    """The chart as probed: relief in the scores and a note 'leg pain resolved'."""
    fu = follow_up_diagnosis("Post-operative review at 6 weeks: leg pain resolved")
    cards = run(*background(), leg("post", 2, 3), fu)
    assert pathway_states(cards) == []


def test_follow_up_note_leg_pain_resolved_is_not_cited_as_new_pain() -> None:
    """No score since the operation: the card stays (never silence when unsure), but a coding dated
    only by its record whose note says the leg pain resolved is not cited as new pain: info, asking."""
    fu = follow_up_diagnosis("Post-operative review at 6 weeks: leg pain resolved")
    c = card_of(run(*background(), fu), "S0")
    assert c.indicator == "info"
    assert not any(f.ref == "Condition/radic-fu" and "after surgery" in f.text for f in c.why)
    assert any("no pain score or new diagnosis since the operation" in g for g in c.gaps)


def test_follow_up_note_leg_pain_settled_or_improved_counts_too() -> None:
    for note in ("Leg pain has settled well", "Sciatica much improved since surgery"):
        c = card_of(run(*background(), follow_up_diagnosis(note)), "S0")
        assert c.indicator == "info", note


# guards, one fact away ------------------------------------------------------------------------


def test_guard_a_diagnosis_with_its_own_onset_after_surgery_still_draws_the_card() -> None:
    """The same follow-up coding with an onset of its own 5 days ago: new pain despite relief."""
    fu = follow_up_diagnosis("Post-operative review at 6 weeks: leg pain resolved", onset=5)
    assert not fu.onset_from_record
    c = card_of(run(*background(), leg("post", 2, 3), fu), "S0")
    assert c.indicator == "warning"
    assert "Condition/radic-fu" in refs_of(c)


def test_guard_no_post_operative_scores_keeps_the_warning() -> None:
    """The follow-up coding dated by its record, no note, no score since the operation: nothing shows
    relief, so the coding still counts as pain after the operation: a warning."""
    c = card_of(run(*background(), follow_up_diagnosis()), "S0")
    assert c.indicator == "warning"
    assert any(f.ref == "Condition/radic-fu" and "after surgery" in f.text for f in c.why)


def test_guard_a_note_saying_the_leg_pain_has_not_settled_keeps_the_warning() -> None:
    for note in ("Leg pain has not settled", "Leg pain improved at first, now worse again"):
        c = card_of(run(*background(), follow_up_diagnosis(note)), "S0")
        assert c.indicator == "warning", note


def test_guard_pain_back_up_after_relief_still_draws_the_card() -> None:
    """Relief (2) then 6 now: the pain is back, whatever the follow-up coding says."""
    cards = run(*background(), leg("low", 2, 20), leg("now", 6, 2), follow_up_diagnosis())
    assert card_of(cards, "S0").indicator == "warning"


# ---------------------------------------------------------------------------------------------
# 2. severe pain past week 6 with no conservative care: the specialist referral stays recommended
# ---------------------------------------------------------------------------------------------


def severe_scores(pain: float = 9, odi: float = 64) -> list[ObservationFact]:
    return [obs("nrs", "pain", pain, 2), obs("odi", "odi", odi, 2)]


def recommended_codes(c: CardDraft) -> set[str]:
    return {code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)}


def first_codes(c: CardDraft) -> set[str]:
    return {code for _, code in ordered_codes(c.suggestions[0])}


def test_severe_pain_at_day_41_is_e2_specialist_referral() -> None:
    """Guard: before week 6 severe pain is E2's referral within 2 weeks."""
    cards = run(radic(41), *severe_scores())
    c = card_of(cards, "E2")
    assert c.indicator == "warning"
    assert SPINE in recommended_codes(c)


def test_severe_pain_at_day_43_without_care_keeps_the_specialist_referral() -> None:
    """Two days later, nothing else changed: the referral is still the recommended step, with
    physiotherapy beside it, not instead of it."""
    c = card_of(run(radic(43), *severe_scores()), "P1")
    assert "refer to a spine specialist" in c.summary
    assert "no conservative care documented" in c.summary
    assert "physiotherapy meanwhile" in c.summary
    assert "before MRI or an injection" not in c.summary
    assert first_codes(c) == {SPINE} and c.suggestions[0].is_recommended
    assert recommended_codes(c) == {SPINE}
    assert PHYSIO in codes_of(c)
    assert MRI not in codes_of(c)
    assert c.next_steps[0].startswith("Refer to a spine specialist to be seen within 2 weeks")
    assert any(s.startswith("Start active physiotherapy") for s in c.next_steps)
    assert not any("Consider an image-guided" in s for s in c.next_steps)
    assert_house_rules(c)


def test_severe_pain_with_some_care_keeps_the_summary_within_its_budget() -> None:
    """An NSAID for 30 days only (care begun, not done) and physiotherapy under way: still the
    referral first, the summary within 140 characters."""
    sessions = [proc(f"pt-{i}", "physical_therapy", "97110", days=15 - 7 * i) for i in range(3)]
    nsaid = med("nsaid-1", "rx_nsaids", start=30, end=0)
    c = card_of(run(radic(49), nsaid, *sessions, *severe_scores()), "P1")
    assert "refer to a spine specialist" in c.summary and "continue physiotherapy" in c.summary
    assert recommended_codes(c) == {SPINE}
    assert_house_rules(c)


def test_guard_not_severe_at_day_43_recommends_physiotherapy_first() -> None:
    """One fact away: ODI 30 (below 40): not severe, the care first as before."""
    c = card_of(run(radic(43), *severe_scores(odi=30)), "P1")
    assert "before MRI or an injection" in c.summary
    assert first_codes(c) == {PHYSIO} and recommended_codes(c) == {PHYSIO}
    assert not c.next_steps[0].startswith("Refer to a spine specialist")
