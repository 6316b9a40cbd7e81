"""Relief that lasted to the durability mark, then recurred, is a recurrence (F1/A2), not relief that
did not last (``failure._durability``, decision model §3.1: ESI "still ≥ 50 % at t0 + 60 … 120 d";
F1 "≥ 50 % relief sustained ≈ ≥ 3 months"; A2 "≥ 50 % relief for ≥ 6 months, then recurrence").

The durability check used to take the median of every score in the durability window (ESI 60-120
days, RFA 182-272 days), so the recurrence itself, or the next injection's pre-procedure score,
pulled a relief that had held below 50 %: an ESI at 62 % at 13 weeks, back to 8/10 the day before
its repeat, read "relief 31 % at 13-17 weeks (below 50 %: not a sustained response)", and two such
injections drew F8 "stop injecting". Now the window is read in order: when its first scored days
still show ≥ 50 % relief up to the mark (ESI: ``esi_sustained_days``, 12 weeks; RFA: 6 months), the
relief lasted, and a later score with the pain back is a recurrence. Relief shown only before the
mark, then gone, is still judged by the window's scores together.

``test_guard_*`` hold on the code before this change too; the others failed on it.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import render_full
from hooks.pathway.failure import Assessment, Modality, Outcome, assess_all, non_response_run
from tests.pathway_builders import (
    card_of,
    codes_of,
    cond,
    conservative,
    make_input,
    obs,
    proc,
    radic,
    report,
    run,
    states,
)

TFESI = "64483"
RFA = "64635"
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def tfesi(ref: str, days: int, **kw: Any) -> Any:
    return proc(ref, "esi_transforaminal_lumbar", TFESI, days=days, level="L5-S1", laterality="right", **kw)


def background(days: int = 400) -> tuple[Any, ...]:
    """Radicular pain with 6 weeks of physiotherapy and an NSAID, and a concordant MRI: the refractory
    branch (F3, F8) is open if the injections are judged failures."""
    return (radic(days), *conservative(days - 20), report("mri-1", "72148", days - 40, CONCORDANT))


def assessed(*facts: Any) -> list[Assessment]:
    inp = make_input(*facts)
    return assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)


def texts(a: Assessment) -> list[str]:
    return [f.text for f in a.facts]


# ---------------------------------------------------------------------------------------------
# one injection: 2/10 at 3 and 12 weeks, 7/10 at day 110 (probe chart v01)
# ---------------------------------------------------------------------------------------------


def single_sustained_then_recurs() -> tuple[Any, ...]:
    return (
        *background(),
        tfesi("esi-1", 150),
        obs("b", "pain", 8, 151), obs("f1", "pain", 2, 129), obs("f2", "pain", 2, 66),
        obs("now", "pain", 7, 40),
    )  # fmt: skip


def test_relief_held_at_twelve_weeks_then_back_at_day_110_is_a_recurrence() -> None:
    (a,) = assessed(*single_sustained_then_recurs())
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, True)
    assert not a.outcome.counts_as_failure and a.faded_pct is None
    assert texts(a)[1] == "relief 75 % at 12 weeks (sustained)"
    assert [f.ref for f in a.recurrence] == ["Observation/now"]
    assert a.recurrence[0].text.startswith("pain back to 7/10 on")
    assert not any("not a sustained response" in t for t in texts(a))


def test_the_single_injection_gets_f1_with_the_repeat_not_a_surgical_referral() -> None:
    cards = run(*single_sustained_then_recurs())
    assert "F3" not in states(cards)
    f1 = card_of(cards, "F1")
    assert "worked, then pain recurred" in f1.summary
    assert TFESI in codes_of(f1)
    assert "Observation/now" in {f.ref for f in f1.why}


# ---------------------------------------------------------------------------------------------
# two injections 4 months apart, each 3/10 at 13 weeks, pain back before the next (probe chart v02)
# ---------------------------------------------------------------------------------------------


def two_sustained(*, pain_back_on_the_repeat_day: bool = False) -> tuple[Any, ...]:
    """TFESIs 240 and 120 days ago: 8 → 2 at 3 weeks, 3/10 at 13 weeks; 8/10 the day before the second
    (or on its morning), 7/10 two days ago (day 118 after the second)."""
    back = 120 if pain_back_on_the_repeat_day else 121
    return (
        *background(),
        tfesi("esi-a", 240), tfesi("esi-b", 120),
        obs("a-b", "pain", 8, 241), obs("a-f1", "pain", 2, 219), obs("a-f2", "pain", 3, 150),
        obs("b-b", "pain", 8, back), obs("b-f1", "pain", 2, 99), obs("b-f2", "pain", 3, 30),
        obs("now", "pain", 7, 2),
    )  # fmt: skip


def test_two_injections_that_each_held_thirteen_weeks_are_recurrences_not_non_responses() -> None:
    first, second = assessed(*two_sustained())
    for a in (first, second):
        assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, True), texts(a)
        assert texts(a)[1] == "relief 62 % at 13 weeks (sustained)"
    assert [f.ref for f in first.recurrence][:1] == ["Observation/b-b"]
    assert [f.ref for f in second.recurrence] == ["Observation/now"]
    assert non_response_run((first, second)) == ()


def test_two_sustained_injections_get_f1_not_f8_stop_injecting() -> None:
    cards = run(*two_sustained())
    assert "F8" not in states(cards) and "F3" not in states(cards)
    f1 = card_of(cards, "F1")
    assert "worked, then pain recurred" in f1.summary
    assert TFESI in codes_of(f1)
    text = str(render_full(f1))
    assert "did not last" not in text and "not a sustained response" not in text


def test_the_next_injections_baseline_on_its_morning_is_the_first_ones_recurrence() -> None:
    """8/10 before the repeat on the day of the repeat (day 120 of the first, inside its window):
    the pain back after relief that held, never mixed into that relief."""
    first, second = assessed(*two_sustained(pain_back_on_the_repeat_day=True))
    assert (first.outcome, first.durable) == (Outcome.RESPONDED_THEN_RECURRED, True)
    assert "Observation/b-b" in [f.ref for f in first.recurrence]
    assert second.baseline is not None and second.baseline.ref == "Observation/b-b"
    assert second.outcome is Outcome.RESPONDED_THEN_RECURRED


# ---------------------------------------------------------------------------------------------
# a recurrence after sustained relief recorded without a baseline, and an ablation (A2)
# ---------------------------------------------------------------------------------------------


def test_a_coded_success_without_a_baseline_relieved_at_twelve_weeks_then_back_is_a_recurrence() -> None:
    """No score before the ESI, coded successful: 2/10 at 4 and 12 weeks, 8/10 at day 100."""
    (a,) = assessed(
        radic(300),
        tfesi("esi-1", 150, outcome="procedure_outcome_successful"),
        obs("f", "pain", 2, 122), obs("d", "pain", 2, 66), obs("r", "pain", 8, 50),
    )  # fmt: skip
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, True)
    assert texts(a)[1] == "pain 2/10 at 12 weeks (still relieved)"
    assert [f.ref for f in a.recurrence] == ["Observation/r"]


FACET = cond("fac", "facet_mediated_pain", "M47.816", onset=700)
MBB = proc("mbb", "facet_medial_branch_block_lumbar", "64493", days=300)


def rfa_held_six_months_then_back() -> tuple[Any, ...]:
    """RFA 240 days ago: 7 → 2 at 6 weeks and at 26 weeks (day 185), 7/10 at day 237 (probe chart w01c)."""
    return (
        FACET, MBB, proc("rfa-1", "facet_rfa_lumbar", RFA, days=240),
        obs("rb", "pain", 7, 241), obs("rf1", "pain", 2, 200), obs("rf2", "pain", 2, 55),
        obs("rnow", "pain", 7, 3),
    )  # fmt: skip


def test_an_ablation_that_held_six_months_then_recurred_is_a2() -> None:
    (a,) = [x for x in assessed(*rfa_held_six_months_then_back()) if x.modality is Modality.RFA]
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, True)
    assert texts(a)[1] == "relief 71 % at 26 weeks (sustained)"
    assert [f.ref for f in a.recurrence] == ["Observation/rnow"]


def test_the_ablation_card_offers_the_repeat() -> None:
    cards = run(*rfa_held_six_months_then_back())
    assert "A1" not in states(cards)
    a2 = card_of(cards, "A2")
    assert "a repeat RFA is reasonable" in a2.summary
    assert RFA in codes_of(a2)


# ---------------------------------------------------------------------------------------------
# guards: relief that was gone (or partial) at the durability window's first reading
# ---------------------------------------------------------------------------------------------


def short_lived(*late: tuple[float, int]) -> tuple[Any, ...]:
    """TFESI 70 days ago: 8 → 2, 2, 3 at 2, 3 and 5 weeks, then the ``late`` (value, days ago) scores."""
    return (
        *background(200),
        tfesi("esi-1", 70),
        obs("base", "pain", 8, 72), obs("fu0", "pain", 2, 56), obs("fu1", "pain", 2, 49),
        obs("fu2", "pain", 3, 35),
        *(obs(f"late{i}", "pain", v, d) for i, (v, d) in enumerate(late)),
    )  # fmt: skip


def test_guard_back_to_8_at_day_63_stays_short_lived_with_f3() -> None:
    """Probe chart v03: the day-63 score is the window's first, and the relief is gone."""
    facts = short_lived((8, 7))
    (a,) = assessed(*facts)
    assert (a.outcome, a.durable) == (Outcome.SHORT_LIVED, False)
    assert texts(a)[1] == "relief fell to 0 % at 9 weeks (short-lived response)"
    f3 = card_of(run(*facts), "F3")
    assert f3.summary.startswith("Short-lived ESI relief")


def test_guard_back_to_8_at_days_56_and_63_stays_short_lived() -> None:
    (a,) = assessed(*short_lived((8, 14), (8, 7)))
    assert a.outcome is Outcome.SHORT_LIVED and a.outcome.counts_as_failure


def test_guard_back_at_day_63_then_relieved_again_is_not_called_sustained() -> None:
    """8/10 at day 63, 2/10 at day 65: the first reading of the window has the relief gone, so no run
    of held relief starts there (the window's scores judge it together, as before)."""
    (a,) = assessed(*short_lived((8, 7), (2, 5)))
    assert a.outcome.counts_as_failure and a.durable is False


def test_guard_partial_relief_at_the_first_reading_stays_not_sustained() -> None:
    """10 → 2 at 4 weeks, 6 (40 %) at 13 weeks: below 50 % when first read at the horizon."""
    (a,) = assessed(
        radic(300), tfesi("esi-1", 130),
        obs("b", "pain", 10, 131), obs("f", "pain", 2, 102), obs("d", "pain", 6, 40),
    )  # fmt: skip
    assert (a.outcome, a.basis, a.durable) == (Outcome.PARTIAL, "not sustained", False)


def test_guard_a_repeat_days_baseline_still_shows_a_short_lived_first_injection() -> None:
    """TFESI 300 and 230 days ago; the first one's only score at 60-120 days is the 8/10 taken on the
    morning of the second (day 70): relief gone before it could hold, so short-lived, and with the
    second one short-lived too, two in a row (F8)."""
    facts = (
        *background(),
        tfesi("esi-a", 300), tfesi("esi-b", 230),
        obs("a0", "pain", 8, 301), obs("a1", "pain", 2, 279), obs("bday", "pain", 8, 230),
        obs("b1", "pain", 2, 209), obs("b2", "pain", 8, 160),
    )  # fmt: skip
    first, second = assessed(*facts)
    assert (first.outcome, second.outcome) == (Outcome.SHORT_LIVED, Outcome.SHORT_LIVED)
    assert "2 consecutive ESIs with short-lived relief" in card_of(run(*facts), "F8").summary


def test_guard_relief_still_held_at_the_end_of_the_window_stays_a_durable_responder() -> None:
    (a,) = assessed(
        radic(300), tfesi("esi-1", 130),
        obs("b", "pain", 8, 131), obs("f", "pain", 2, 102), obs("d1", "pain", 2, 60),
        obs("d2", "pain", 3, 20),
    )  # fmt: skip
    assert (a.outcome, a.durable) == (Outcome.RESPONDER, True)


def test_guard_relief_shown_at_nine_weeks_then_gone_at_eleven_is_not_sustained() -> None:
    """The mark: relief seen at day 65 but back by day 78 has not lasted about 3 months."""
    esi = tfesi("esi-1", 150)
    scores = (
        obs("b", "pain", 8, 151),
        obs("f1", "pain", 2, 129),
        obs("f2", "pain", 2, 85),
        obs("f3", "pain", 8, 72),
    )
    (a,) = assessed(*background(), esi, *scores)
    assert (a.outcome, a.durable) == (Outcome.PARTIAL, False)
    assert "relief 38 % at 9-11 weeks (below 50 %: not a sustained response)" in texts(a)
