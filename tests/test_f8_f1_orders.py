"""F8 on the session limit alone after injections that worked, and F1 with a repeat ESI already ordered.

F8 ("≥ 4 lumbar ESI sessions in 12 months, or ≥ 2 consecutive ESIs < 50 %") reached on the session
limit alone, the latest judged injection a response: the card says the yearly limit is reached
(Medicare ESI LCD: at most 4 sessions per region in a rolling 12 months), the date a further session
falls within it, and a surgical opinion for radicular pain that keeps needing injections (NASS 2014)
with continued active care — never "without benefit", "re-evaluate the diagnosis" or EMG/NCS. The limit
with the last two injections failed keeps the "without benefit" card.

F1 with a repeat ESI already ordered names it among its first facts and offers no second one: the
ordered repeat is reasonable (with the baseline NRS/ODI asked for when none is recent), or held until
the response is known to have lasted, or until the session limit allows it.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from datetime import date

from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    conservative,
    context,
    next_line,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.pathway.failure import Outcome
from hooks.pathway.rules import esi_outcome

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
EMG = "95910"
SPINE_SURGERY_REFERRAL = "183546007"
TFESI = "64483"


def tfesi(ref, days, level="L5-S1", **kw):  # type: ignore[no-untyped-def]
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def esi_order(status="active", authored=3):  # type: ignore[no-untyped-def]
    return order("o", "order_esi_transforaminal", "64483", status=status, authored=authored)


# ---------------------------------------------------------------------------------------------
# F8: the session limit reached by injections that worked
# ---------------------------------------------------------------------------------------------

# four TFESIs 340, 250, 160 and 70 days ago (evaluation date 2026-11-02): the oldest, 2025-11-27,
# leaves the 12-month window on 2026-11-27
ESIS = [tfesi(f"esi-{i}", d) for i, d in enumerate((340, 250, 160, 70), 1)]
BACKGROUND = (radic(400), *conservative(390), report("mri", "72148", 380, CONCORDANT))
ALL_RESPONDED = {e.ref: Outcome.RESPONDER for e in ESIS}


def test_four_esis_that_each_worked_say_the_session_limit_not_without_benefit() -> None:
    """The reproduction: four responses confirm the diagnosis; the limit, not a failure, stops the next."""
    cards = run(*BACKGROUND, *ESIS, outcomes=ALL_RESPONDED)
    assert states(cards) == ["F8"]
    f8 = card_of(cards, "F8")
    assert_house_rules(f8)
    assert f8.title == "Epidural steroid injection session limit reached"
    assert f8.summary.startswith("ESI session limit reached (4 in 12 months): no ESI before 2026-11-27")
    assert "surgical opinion" in f8.summary
    words = card_words(f8).lower()
    for wrong in ("without benefit", "re-evaluate", "re-evaluation", "emg", "nerve conduction"):
        assert wrong not in words, wrong
    assert EMG not in codes_of(f8) and TFESI not in codes_of(f8)
    assert codes_of(f8) == {SPINE_SURGERY_REFERRAL}
    assert f8.why[0].refs == tuple(e.ref for e in ESIS) and "each helped" in f8.why[0].text
    assert f8.next_steps[0] == (
        "No further epidural steroid injection before 2026-11-27: 4 lumbar sessions in the last 12 months "
        "reach the limit of 4 per region in a rolling 12 months (Medicare ESI LCD)."
    )
    assert "2026-11-27" in next_line(f8)
    assert any("Surgical opinion" in s and "keeps recurring" in s and "NASS 2014" in s for s in f8.next_steps)
    assert any("active physiotherapy" in s for s in f8.next_steps)
    assert {"Medicare ESI LCD", "NASS 2014"} <= {e.label for e in f8.evidence}


def test_the_next_session_date_is_when_the_session_keeping_the_count_at_the_limit_leaves() -> None:
    """Four sessions: the oldest's anniversary. Five: after the oldest leaves, four remain; the next
    one's anniversary (250 days ago → 2027-02-25)."""
    assert esi_outcome.next_session_date(context(*BACKGROUND, *ESIS)) == date(2026, 11, 27)
    assert esi_outcome.next_session_date(context(*BACKGROUND, *ESIS, tfesi("esi-5", 5))) == date(2027, 2, 25)
    assert esi_outcome.next_session_date(context(*BACKGROUND, *ESIS[1:])) is None


def test_a_pending_esi_order_at_the_limit_is_named_and_held_until_the_date() -> None:
    cards = run(*BACKGROUND, *ESIS, esi_order(), outcomes=ALL_RESPONDED)
    f8 = card_of(cards, "F8")
    assert_house_rules(f8)
    assert f8.why[1].ref == "ServiceRequest/o"
    assert f8.why[1].short == "hold pending order: ESI ordered 2026-10-30"
    assert "hold the ESI order until 2026-11-27" in f8.summary
    assert f8.next_steps[0].startswith(
        "No further epidural steroid injection before 2026-11-27 — hold the pending ESI order until then"
    )
    assert TFESI not in codes_of(f8)
    assert "without benefit" not in card_words(f8).lower()


def test_the_last_injection_too_recent_to_judge_after_responses_is_the_limit_card() -> None:
    """A fifth session 5 days ago (not judged yet) after four responses: the limit, its date."""
    cards = run(*BACKGROUND, *ESIS, tfesi("esi-5", 5), outcomes=ALL_RESPONDED)
    f8 = card_of(cards, "F8")
    assert_house_rules(f8)
    assert "no ESI before 2027-02-25" in f8.summary
    assert "each helped" not in f8.why[0].text  # the fifth cannot be judged yet
    assert EMG not in codes_of(f8) and "re-evaluate" not in card_words(f8).lower()


def test_an_earlier_failure_then_responses_is_the_limit_card_without_each_helped() -> None:
    outcomes = {ESIS[0].ref: Outcome.FAILED, **{e.ref: Outcome.RESPONDED_THEN_RECURRED for e in ESIS[1:]}}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.title == "Epidural steroid injection session limit reached"
    assert "each helped" not in f8.why[0].text
    assert f8.why[1].ref == ESIS[-1].ref  # the latest response, what the limit stops repeating
    assert EMG not in codes_of(f8)


def test_guard_the_limit_with_the_last_two_failed_keeps_the_without_benefit_card() -> None:
    """Mixed: the limit reached and the last two injections failed — today's wording."""
    outcomes = {**{e.ref: Outcome.RESPONDER for e in ESIS[:2]}, **{e.ref: Outcome.FAILED for e in ESIS[2:]}}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.title == "Epidural injections repeated without benefit"
    assert f8.summary == (
        "4 ESIs in 12 months: frequency limit reached; stop injecting and re-evaluate the diagnosis"
    )
    assert EMG in codes_of(f8)
    assert f8.next_steps[0] == "Stop further epidural injections."


def test_guard_the_limit_with_the_last_injection_failed_keeps_the_without_benefit_card() -> None:
    """The latest judged injection failed: nothing shows the injections still work."""
    outcomes = {**{e.ref: Outcome.RESPONDER for e in ESIS[:3]}, ESIS[3].ref: Outcome.FAILED}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.title == "Epidural injections repeated without benefit"
    assert "re-evaluate the diagnosis" in f8.summary


def test_the_limit_with_one_failed_injection_says_the_latest_not_one_consecutive() -> None:
    """The first fact counts the run of failures with its noun; a run of one is the latest ESI."""
    outcomes = {**{e.ref: Outcome.RESPONDER for e in ESIS[:3]}, ESIS[3].ref: Outcome.FAILED}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.why[0].text.endswith("; the latest ESI without ≥ 50 % relief")
    assert "1 consecutive" not in card_words(f8)


def test_the_limit_with_two_failed_injections_counts_them_as_esis() -> None:
    outcomes = {**{e.ref: Outcome.RESPONDER for e in ESIS[:2]}, **{e.ref: Outcome.FAILED for e in ESIS[2:]}}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.why[0].text.endswith("; 2 consecutive ESIs without ≥ 50 % relief")


def test_guard_the_limit_with_the_last_outcome_unrecorded_keeps_the_without_benefit_card() -> None:
    outcomes = {**{e.ref: Outcome.RESPONDER for e in ESIS[:3]}, ESIS[3].ref: Outcome.UNKNOWN}
    f8 = card_of(run(*BACKGROUND, *ESIS, outcomes=outcomes), "F8")
    assert f8.title == "Epidural injections repeated without benefit"


# ---------------------------------------------------------------------------------------------
# F1 with a repeat ESI already ordered
# ---------------------------------------------------------------------------------------------

F1_BACKGROUND = (radic(300), *conservative(290), report("mri", "72148", 280, CONCORDANT))
RECURRED = {"Procedure/e1": Outcome.RESPONDED_THEN_RECURRED}
RESPONDER = {"Procedure/e1": Outcome.RESPONDER}  # durability not known (the test assessor sets none)


def test_f1_with_a_repeat_esi_ordered_names_it_and_offers_no_second() -> None:
    """The reproduction: the active order of 2026-10-30 is the repeat; its baseline is asked for."""
    cards = run(*F1_BACKGROUND, tfesi("e1", 200), esi_order(), outcomes=RECURRED)
    f1 = card_of(cards, "F1")
    assert_house_rules(f1)
    assert f1.why[1].ref == "ServiceRequest/o" and f1.why[1].short == "ESI ordered 2026-10-30"
    assert not f1.suggestions and TFESI not in codes_of(f1)
    assert f1.next_steps[0] == (
        "The ESI already ordered on 2026-10-30 is reasonable now (sustained ≥ 50 % response; Medicare ESI "
        "LCD); record the leg-pain score (NRS 0–10) and ODI before it as the baseline its outcome is judged "
        "against."
    )
    assert "the ESI ordered 2026-10-30 is reasonable; record NRS and ODI before it" in f1.summary
    assert "a repeat image-guided ESI is reasonable" not in f1.summary


def test_f1_with_a_recent_baseline_does_not_ask_for_it_again() -> None:
    facts = (*F1_BACKGROUND, tfesi("e1", 200), esi_order(), obs("p", "pain", 7, 10), obs("d", "odi", 44, 10))
    f1 = card_of(run(*facts, outcomes=RECURRED), "F1")
    assert f1.next_steps[0] == (
        "The ESI already ordered on 2026-10-30 is reasonable now (sustained ≥ 50 % response; "
        "Medicare ESI LCD)."
    )
    assert "record" not in f1.summary


def test_f1_asks_for_the_part_of_the_baseline_that_is_missing_or_old() -> None:
    """A pain score 10 days ago is a baseline; an ODI 40 days ago (past the 30-day look-back) is not."""
    facts = (*F1_BACKGROUND, tfesi("e1", 200), esi_order(), obs("p", "pain", 7, 10), obs("d", "odi", 44, 40))
    f1 = card_of(run(*facts, outcomes=RECURRED), "F1")
    assert f1.next_steps[0].endswith("; record ODI before it as the baseline its outcome is judged against.")


def test_f1_relief_so_far_holds_the_ordered_repeat_until_it_is_known_to_last() -> None:
    """A response 40 days ago: durability is judged at 60-120 days, so the order waits."""
    f1 = card_of(run(*F1_BACKGROUND, tfesi("e1", 40), esi_order(), outcomes=RESPONDER), "F1")
    assert_house_rules(f1)
    assert f1.why[1].ref == "ServiceRequest/o" and f1.why[1].short.startswith("hold pending order")
    assert f1.next_steps[0].startswith(
        "Hold the ESI ordered on 2026-10-30 and reassess leg-pain NRS and ODI between 2026-11-22 and "
        "2027-01-21"
    )
    assert f1.next_steps[1] == "If it holds and then pain recurs, the ordered ESI is reasonable."
    assert "hold the ESI ordered 2026-10-30" in f1.summary and "so far" in f1.summary
    assert not f1.suggestions


def test_f1_duration_not_recorded_holds_the_ordered_repeat_until_it_is() -> None:
    f1 = card_of(run(*F1_BACKGROUND, tfesi("e1", 200), esi_order(), outcomes=RESPONDER), "F1")
    assert_house_rules(f1)
    assert f1.next_steps[0].startswith(
        "Hold the ESI ordered on 2026-10-30 until how long the relief lasted is recorded"
    )
    assert "duration not recorded" in f1.summary and "hold the ESI ordered 2026-10-30" in f1.summary
    assert not f1.suggestions


def test_f1_a_lasting_response_gives_the_ordered_repeat_only_if_pain_recurs() -> None:
    """8 → 2 at 3 weeks, still 2 at 11 weeks, not back yet: the ordered repeat waits for the pain."""
    facts = (
        *F1_BACKGROUND, tfesi("e1", 100), obs("b", "pain", 8, 101), obs("f", "pain", 2, 80),
        obs("d", "pain", 2, 20), esi_order(),
    )  # fmt: skip
    f1 = card_of(run(*facts), "F1")
    assert f1.next_steps[0].startswith("If pain recurs, the ESI already ordered on 2026-10-30 is reasonable")
    assert "record the leg-pain score (NRS 0–10) and ODI before it" in f1.next_steps[0]
    assert "give the ESI ordered 2026-10-30 only if pain recurs" in f1.summary
    assert not f1.suggestions


def test_f1_a_response_that_did_not_hold_names_and_holds_the_order() -> None:
    """ODI 60 → 30 at 4 weeks, 40 at 12 weeks: not sustained; the ordered repeat is held."""
    facts = (
        radic(150), tfesi("e1", 100),
        obs("p0", "pain", 8, 103), obs("o0", "odi", 60, 103),
        obs("p1", "pain", 8, 72), obs("o1", "odi", 30, 72),
        obs("o2", "odi", 40, 16), esi_order(),
    )  # fmt: skip
    f1 = card_of(run(*facts), "F1")
    assert_house_rules(f1)
    assert f1.why[1].ref == "ServiceRequest/o"
    assert f1.next_steps[0].startswith("Hold the ESI ordered on 2026-10-30: a repeat injection needs")
    assert f1.summary.endswith("hold the ESI ordered 2026-10-30")


# the session limit reached by blind injections only (F8 takes the limit once one is image-guided)
BLIND = [
    proc(f"b{i}", "esi_interlaminar_caudal_lumbar", "62322", days=d, level="L5-S1")
    for i, d in enumerate((340, 250, 160, 70), 1)
]
BLIND_RECURRED = {p.ref: Outcome.RESPONDED_THEN_RECURRED for p in BLIND}


def test_f1_at_the_session_limit_holds_the_ordered_repeat_until_the_date() -> None:
    f1 = card_of(run(*F1_BACKGROUND, *BLIND, esi_order(), outcomes=BLIND_RECURRED), "F1")
    assert_house_rules(f1)
    assert f1.next_steps[0] == (
        "Hold the ESI ordered on 2026-10-30 until 2026-11-27: 4 lumbar sessions in the last 12 months reach "
        "the limit of 4 per region in a rolling 12 months (Medicare ESI LCD)."
    )
    assert "is reasonable now" not in " ".join(f1.next_steps)
    assert "hold the ESI ordered 2026-10-30 until 2026-11-27" in f1.summary
    assert not f1.suggestions


def test_f1_at_the_session_limit_without_an_order_says_when_a_repeat_may_be_given() -> None:
    f1 = card_of(run(*F1_BACKGROUND, *BLIND, outcomes=BLIND_RECURRED), "F1")
    assert f1.next_steps[0].startswith("No repeat ESI before 2026-11-27: 4 lumbar sessions")
    assert "is reasonable now" not in " ".join(f1.next_steps)
    assert "repeat from 2026-11-27" in f1.summary
    assert not f1.suggestions


def test_guard_f1_without_a_pending_order_offers_the_repeat_as_before() -> None:
    f1 = card_of(run(*F1_BACKGROUND, tfesi("e1", 200), outcomes=RECURRED), "F1")
    assert f1.summary == (
        "ESI on 2026-04-16 worked, then pain recurred: not a failure; a repeat image-guided ESI is reasonable"
    )
    assert f1.next_steps[0] == (
        "A repeat image-guided transforaminal ESI at the same level (L5-S1) is reasonable now "
        "(sustained ≥ 50 % response; Medicare ESI LCD)."
    )
    assert TFESI in codes_of(f1)
    assert "ServiceRequest/o" not in refs_of(f1)


def test_guard_a_revoked_order_is_not_pending() -> None:
    f1 = card_of(run(*F1_BACKGROUND, tfesi("e1", 200), esi_order(status="revoked"), outcomes=RECURRED), "F1")
    assert TFESI in codes_of(f1)
    assert "ServiceRequest/o" not in refs_of(f1)
    assert f1.next_steps[0].startswith("A repeat image-guided transforaminal ESI")


def test_guard_an_order_placed_before_the_injection_is_not_a_repeat() -> None:
    """An ESI order left "active" from before the injection it led to is that injection's, not a repeat."""
    f1 = card_of(run(*F1_BACKGROUND, tfesi("e1", 200), esi_order(authored=210), outcomes=RECURRED), "F1")
    assert TFESI in codes_of(f1)
    assert "ServiceRequest/o" not in refs_of(f1)


def test_an_esi_order_left_active_from_before_the_failed_injection_is_not_held_as_a_repeat() -> None:
    """F3 after a failed TFESI: the order that injection carried out, its status never closed, is not
    a repeat on its way; a repeat ordered after the injection is named and held."""
    failed = (
        radic(150),
        *conservative(140),
        report("mri", "72148", 120, CONCORDANT),
        proc("e1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
        obs("b", "pain", 8, 62),
        obs("f", "pain", 8, 35),
    )
    stale = order("old", "order_esi_transforaminal", "64483", status="active", authored=70)
    f3 = card_of(run(*failed, stale), "F3")
    assert "ServiceRequest/old" not in {f.ref for f in f3.why}
    assert not f3.next_steps[0].startswith("Hold")
    fresh = order("new", "order_esi_transforaminal", "64483", status="active", authored=5)
    held = card_of(run(*failed, fresh), "F3")
    assert "ServiceRequest/new" in {f.ref for f in held.why}
    assert held.next_steps[0].startswith("Hold")
