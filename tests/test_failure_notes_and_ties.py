"""An ESI whose own note records relief, and scores that share the latest time.

A. A note on the ESI that records relief below the response threshold ("10 % relief at 4 weeks",
"no relief from the injection", "less than 50 % relief") is one sign of failure among the proxies,
as the decision model's §3 has it: alone it is POSSIBLE, whose card asks for the NRS and ODI and says
what the note recorded rather than calling the injection failed. Relief in the first hours (the
local anaesthetic), relief of another treatment or only warned of in the consent text is no sign;
pain scores still decide over the note, and a note at or above the threshold is a response.

B. Scores of the same kind that share the latest time (the same day, or the same instant when the
times are given) are read the same whatever order the resources come in: the highest where a score
meets a severity threshold, the lowest for a baseline a treatment is judged against.

Tests named test_guard_* hold on the code before the fix too; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from hooks.cards import render_detail, render_full
from hooks.facts import ObservationFact
from hooks.pathway import failure
from hooks.pathway.failure import Assessment, Modality, Outcome
from tests.pathway_builders import (
    ago,
    assert_house_rules,
    card_of,
    conservative,
    context,
    history,
    make_input,
    obs,
    proc,
    radic,
    report,
    run,
    states,
)

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def tfesi(ref: str, days: int, level: str = "L5-S1", **kw: Any) -> Any:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def chart(*notes: str, days: int = 35) -> tuple[Any, ...]:
    """The reviewer's chart: radicular pain for 150 days, conservative care, a concordant MRI and a
    transforaminal ESI ``days`` ago with ``notes``."""
    return (
        radic(150),
        *conservative(140),
        report("mri", "72148", 120, CONCORDANT),
        tfesi("e1", days, notes=list(notes)),
    )


def assess(*facts: Any, ref: str = "Procedure/e1", modality: Modality = Modality.ESI) -> Assessment:
    inp = make_input(*facts)
    p = next(p for p in inp.history.procedures if p.ref == ref)
    return failure.assess(p, modality, inp.history, inp.today, inp.thresholds, inp.terminology)


def relief_obs(ref: str, pct: float, days: int) -> ObservationFact:
    return ObservationFact(
        ref=f"Observation/{ref}", codings=(), text="Pain relief", kind="relief_pct", effective=ago(days),
        effective_text=None, value=pct, unit="%", status="final",
    )  # fmt: skip


def at(o: ObservationFact, hour: int) -> ObservationFact:
    """``o`` with its time of day (UTC) on its own date."""
    assert o.effective is not None
    d = o.effective
    return replace(o, effective_at=datetime(d.year, d.month, d.day, hour, tzinfo=UTC))


# ---------------------------------------------------------------------------------------------
# A. the note's relief below the threshold
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "said"),
    [
        ("10% relief at 4 weeks", "note on the procedure records 10 % relief at 4 weeks"),
        ("No relief from the injection", "note on the procedure records no relief"),
        ("20% relief", "note on the procedure records 20 % relief"),
        (
            "Follow-up at 3 weeks: patient denies any relief",
            "note on the procedure records no relief at 3 weeks",
        ),
        ("less than 50% relief", "note on the procedure records less than 50 % relief"),
        ("Did not get 50% relief", "note on the procedure records less than 50 % relief"),
    ],
)
def test_a_note_of_relief_below_half_is_one_sign_of_failure(note: str, said: str) -> None:
    """One proxy: POSSIBLE, never a failure by itself; the card asks for the outcome and names the
    note's relief rather than saying nothing was recorded."""
    a = assess(*chart(note))
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert [f.text for f in a.proxies] == [said]
    cards = run(*chart(note))
    assert states(cards) == ["F0"]
    f0 = card_of(cards, "F0")
    assert said.removeprefix("note on the procedure records ") in render_detail(f0)
    assert "its note records " + said.removeprefix("note on the procedure records ") in f0.summary
    assert "not recorded" not in f0.summary
    assert_house_rules(f0)


def test_the_anaesthetic_in_recovery_is_no_sign_but_the_relief_read_later_is() -> None:
    a = assess(*chart("80% relief in recovery. At 4 weeks: 20% relief."))
    assert [f.text for f in a.proxies] == ["note on the procedure records 20 % relief at 4 weeks"]


def test_guard_a_note_of_70_pct_is_still_a_response() -> None:
    cards = run(*chart("70% relief"))
    assert states(cards) == ["F1"]
    assert assess(*chart("70% relief")).outcome is Outcome.RESPONDER


@pytest.mark.parametrize("note", ["Immediate 90% relief in recovery", "immediate 90% relief"])
def test_guard_immediate_relief_alone_is_not_a_response(note: str) -> None:
    a = assess(*chart(note))
    assert a.outcome is not Outcome.RESPONDER and a.basis != "relief in note"
    assert "F1" not in states(run(*chart(note)))


@pytest.mark.parametrize("note", ["No relief in recovery", "no relief yet"])
def test_no_relief_in_the_first_hours_is_no_sign_of_failure(note: str) -> None:
    a = assess(*chart(note))
    assert a.outcome is Outcome.UNKNOWN and not a.proxies


def test_a_note_dated_after_the_window_stays_a_sign_of_failure_and_says_when() -> None:
    a = assess(*chart("20% relief at 3 months", days=100))
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert [f.text for f in a.proxies] == ["note on the procedure records 20 % relief at 3 months"]


@pytest.mark.parametrize(
    "note",
    [
        "No relief from PT or NSAIDs; TFESI performed.",
        "Risks including bleeding, infection and no relief were discussed.",
        "If no relief, refer to a spine surgeon.",
    ],
)
def test_relief_of_another_treatment_or_only_warned_of_is_no_sign(note: str) -> None:
    a = assess(*chart(note))
    assert not a.proxies and a.outcome is Outcome.UNKNOWN


def test_relief_an_earlier_injection_gave_is_not_this_ones() -> None:
    """The note of a repeat ESI quoting the previous one: 80 % is not this injection's response; its
    own 10 % is the sign of failure."""
    a = assess(*chart("Previous ESI gave 80% relief for 4 months. At 4 weeks 10% relief."))
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert [f.text for f in a.proxies] == ["note on the procedure records 10 % relief at 4 weeks"]


@pytest.mark.parametrize("note", ["80% relief for 6 hours", "80% relief at 1 week"])
def test_relief_that_lasted_hours_or_was_read_before_the_window_is_not_a_response(note: str) -> None:
    a = assess(*chart(note))
    assert a.outcome is not Outcome.RESPONDER
    assert "F1" not in states(run(*chart(note)))


def test_guard_too_early_to_judge_whatever_the_note_says() -> None:
    a = assess(*chart("No relief from the injection", days=10))
    assert a.outcome is Outcome.PENDING


def test_guard_pain_scores_decide_over_a_note_of_failure() -> None:
    """Pain 8 → 3 at 4 weeks is a response, whatever a note of "10 % relief" says."""
    facts = (*chart("10% relief"), obs("b", "pain", 8, 38), obs("f", "pain", 3, 7))
    a = assess(*facts)
    assert (a.outcome, a.basis) == (Outcome.RESPONDER, "pain scores")
    assert "F3" not in states(run(*facts))


def test_guard_pain_scores_decide_over_a_note_of_response() -> None:
    facts = (*chart("70% relief"), obs("b", "pain", 8, 38), obs("f", "pain", 8, 7))
    assert (assess(*facts).outcome, assess(*facts).basis) == (Outcome.FAILED, "pain scores")


def test_guard_a_recorded_relief_leaves_the_note_to_the_proxies() -> None:
    """A "% relief" entry in the window is the record; below the threshold it stays a sign of failure."""
    a = assess(*chart("10% relief"), relief_obs("r", 40, 7))
    assert a.basis != "relief in note"
    assert a.outcome is not Outcome.FAILED


def test_guard_an_odi_halved_is_a_response_by_function_whatever_the_note() -> None:
    a = assess(*chart("10% relief"), obs("o0", "odi", 60, 38), obs("o1", "odi", 24, 7))
    assert (a.outcome, a.basis) == (Outcome.RESPONDER, "function")


def test_guard_an_ablation_note_below_the_threshold_stays_a_proxy() -> None:
    rfa = proc("rfa", "facet_rfa_lumbar", days=60, level="L4-L5", notes=["20% relief at 6 weeks"])
    a = assess(rfa, ref="Procedure/rfa", modality=Modality.RFA)
    assert a.outcome is Outcome.POSSIBLE_FAILED


# ---------------------------------------------------------------------------------------------
# B. scores that share the latest time
# ---------------------------------------------------------------------------------------------


def test_guard_two_pain_scores_on_one_day_give_the_same_latest_whatever_their_order() -> None:
    p1, p2 = obs("p1", "pain", 9, 1), obs("p2", "pain", 3, 1)
    assert failure.latest_score([p1, p2]) is p1 and failure.latest_score([p2, p1]) is p1


def test_the_lowest_of_the_latest_day_for_a_baseline_whatever_their_order() -> None:
    p1, p2 = obs("p1", "pain", 9, 1), obs("p2", "pain", 3, 1)
    assert failure.latest_score([p1, p2], lowest=True) is p2
    assert failure.latest_score([p2, p1], lowest=True) is p2


def test_the_time_of_day_decides_when_given() -> None:
    """9/10 at 08:00 and 3/10 at 18:00: the later one is the latest; a score without a time could be
    either, so it stays among the latest."""
    early, late = at(obs("p1", "pain", 9, 1), 8), at(obs("p2", "pain", 3, 1), 18)
    assert failure.latest_score([early, late]) is late and failure.latest_score([late, early]) is late
    untimed = obs("p3", "pain", 6, 1)
    assert failure.latest_score([early, late, untimed]) is untimed
    assert failure.tied_scores(late, [early, late, untimed]) == (untimed,)


def test_also_that_day_names_the_other_scores() -> None:
    p1, p2 = obs("p1", "pain", 9, 1), obs("p2", "pain", 3, 1)
    assert failure.also_that_day(p1, [p2, p1]) == " (also 3/10 that day)"
    assert failure.also_that_day(p1, [p1, obs("p3", "pain", 9, 1)]) == ""


def test_the_acute_card_is_the_same_whatever_order_the_scores_come_in() -> None:
    first = run(radic(20), obs("p1", "pain", 9, 1), obs("p2", "pain", 3, 1), obs("o", "odi", 50, 1))
    second = run(radic(20), obs("p2", "pain", 3, 1), obs("p1", "pain", 9, 1), obs("o", "odi", 50, 1))
    assert states(first) == states(second) == ["E2"]
    for cards in (first, second):
        assert "(also 3/10 that day)" in render_full(card_of(cards, "E2"))


def test_guard_pain_now_is_the_highest_of_the_day_in_either_order() -> None:
    for order in (
        (obs("p1", "pain", 9, 1), obs("p2", "pain", 3, 1)),
        (obs("p2", "pain", 3, 1), obs("p1", "pain", 9, 1)),
    ):
        got = context(radic(200), *order).current_score("pain")
        assert got is not None and got.value == 9


def test_pain_now_follows_the_time_of_day() -> None:
    got = context(radic(200), at(obs("p1", "pain", 9, 1), 8), at(obs("p2", "pain", 3, 1), 18)).current_score(
        "pain"
    )
    assert got is not None and got.value == 3


def test_guard_a_flare_is_measured_from_the_higher_of_two_starting_scores() -> None:
    """R3 (pain worse after a procedure): the higher start guards against a false critical card."""
    p = tfesi("e1", 10)
    for scores in (
        (obs("a", "pain", 7, 12), obs("b", "pain", 3, 12)),
        (obs("b", "pain", 3, 12), obs("a", "pain", 7, 12)),
    ):
        got = failure.pain_before(list(scores), p)
        assert got is not None and got.value == 7


def esi_with_tied_baseline(first: int, second: int, follow: float) -> tuple[Any, ...]:
    return (
        tfesi("e1", 35),
        obs("b1", "pain", first, 38),
        obs("b2", "pain", second, 38),
        obs("f", "pain", follow, 7),
    )


def test_an_esi_is_judged_from_the_lower_of_two_conflicting_baselines_in_either_order() -> None:
    """Pain 9 and 3 on the same day before the ESI, 4 at 4 weeks: from 9 it would be a 56 % response;
    from 3 it is none. The higher baseline would call a failure a response."""
    for first, second in ((9, 3), (3, 9)):
        a = assess(*esi_with_tied_baseline(first, second, 4))
        assert a.outcome is Outcome.FAILED
        assert a.baseline is not None and a.baseline.value == 3
        assert any(
            f.text.startswith("baseline pain 3/10") and "(also 9/10 that day)" in f.text for f in a.facts
        )


def test_a_functional_response_is_read_from_the_lower_of_two_baseline_odis() -> None:
    for order in ((60, 30), (30, 60)):
        odis = (obs("o1", "odi", order[0], 38), obs("o2", "odi", order[1], 38))
        a = assess(tfesi("e1", 35), *odis, obs("o3", "odi", 28, 7))
        assert a.outcome is not Outcome.RESPONDER and a.basis != "function"


def test_an_unchanged_odi_sign_is_read_from_the_higher_of_two_baseline_odis() -> None:
    """ODI 40 and 60 before, 35 at 8 weeks: from 60 it improved by 25 points, not a sign of failure."""
    for order in ((40, 60), (60, 40)):
        odis = (obs("o1", "odi", order[0], 98), obs("o2", "odi", order[1], 98), obs("o3", "odi", 35, 42))
        a = assess(tfesi("e1", 95), *odis)
        assert a.proxies == (), [f.text for f in a.proxies]


def test_pain_back_after_a_durable_response_needs_every_score_of_the_latest_day() -> None:
    """8 → 3 at 4 weeks and 3 at 3 months (durable), then 8 and 2 on the same day: not a recurrence
    in either order (a repeat is offered only when the pain is back)."""
    base = (tfesi("e1", 200), obs("b", "pain", 8, 203), obs("f", "pain", 3, 172), obs("d", "pain", 3, 110))
    for later in (
        (obs("x", "pain", 8, 20), obs("y", "pain", 2, 20)),
        (obs("y", "pain", 2, 20), obs("x", "pain", 8, 20)),
    ):
        a = assess(*base, *later)
        assert (a.outcome, a.durable) == (Outcome.RESPONDER, True)


def test_guard_history_sorts_by_date_only() -> None:
    """The builders keep the resource order within a day, as a FHIR bundle does: what B is about."""
    h = history(obs("p2", "pain", 3, 1), obs("p1", "pain", 9, 1))
    assert [o.ref for o in h.observations] == ["Observation/p2", "Observation/p1"]
