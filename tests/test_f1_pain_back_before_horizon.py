"""F1 when the pain is back before the injection's durability horizon.

An ESI that gave ≥ 50 % relief in its 2–6-week window is judged again at 60–120 days (decision
model §3.1): relief below 30 % by then makes it short-lived, a failed injection. Before that, the
card called it relief "so far" and said "repeat only if pain recurs" even when the latest score
since showed the pain back (9/10 two days ago), which reads as "the injection is working; repeat it
when the pain comes back". It now names that score, claims no relief so far, offers no repeat and
says what the reassessment decides.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hooks.cards import CardDraft, render_detail, render_full
from hooks.facts import Coding, ServiceRequestFact
from hooks.orders import evaluate_orders
from hooks.pathway import evaluate_pathway
from tests.orders_builders import CPT, RADICULOPATHY, ago, cond, history, inp, obs, proc, sr

RAD = cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy")
ESI = proc("esi0", "64483", 49, "TFESI L4-L5 left", level="L4-L5")
MRI = proc("mri", "72148", 150, "MRI lumbar spine without contrast")
BASELINE, RESPONSE = obs("n0", "pain", 8, 53), obs("n1", "pain", 3, 31)


def f1(*facts: Any, esi: Any = ESI) -> CardDraft:
    chart = inp("patient-view", [], history(RAD, esi, MRI, *facts))
    cards = [c for c in evaluate_pathway(chart) if c.rule_id == "F1"]
    assert len(cards) == 1
    return cards[0]


def test_pain_back_before_the_horizon_is_named_and_no_relief_so_far_is_claimed() -> None:
    card = f1(BASELINE, RESPONSE, obs("n2", "pain", 9, 2))
    back = f"pain 9/10 on {ago(2).isoformat()}"
    head = f"ESI on {ago(49).isoformat()} gave ≥ 50 % relief at first"
    assert card.summary == f"{head}; {back}: reassess at 60–120 days; no repeat until then"
    assert "so far" not in card.summary and "repeat only if pain recurs" not in card.summary
    assert card.why[1].text == f"latest: {back} (no relief)" and card.why[1].ref == "Observation/n2"
    assert card.next_steps[0].startswith("Reassess leg-pain NRS and ODI between")
    assert "relief below 30 % then means a short-lived, failed injection" in card.next_steps[0]
    # the card as the EHR shows it keeps what the reassessment decides
    assert "short-lived, failed injection" in render_detail(card)
    assert not any("is reasonable" in step for step in card.next_steps)
    assert card.suggestions == ()  # no repeat offered while the pain is back


def test_a_score_that_still_shows_the_response_keeps_relief_so_far_and_the_repeat_for_later() -> None:
    card = f1(BASELINE, RESPONSE, obs("n2", "pain", 4, 2))
    assert "gave ≥ 50 % relief so far: not a failure; reassess at 60–120 days" in card.summary
    assert card.suggestions and card.suggestions[0].label.endswith("(if pain recurs)")
    assert card.next_steps[1].startswith("If it holds and then pain recurs")


def test_guard_with_no_score_since_the_response_nothing_says_the_pain_is_back() -> None:
    card = f1(BASELINE, RESPONSE)
    assert "relief so far" in card.summary and "latest:" not in " ".join(f.text for f in card.why)


# The order check holds what F1 holds: a repeat ESI signed while the pain is back before the horizon
# passed without a card.
def test_a_repeat_ordered_while_the_pain_is_back_before_the_horizon_is_held_until_it_can_be_judged() -> None:
    chart = history(RAD, ESI, MRI, BASELINE, RESPONSE, obs("n2", "pain", 9, 2))
    (card,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], chart))
    opens = (ago(49) + timedelta(days=60)).isoformat()
    assert card.rule_id == "order.esi-before-judged" and card.indicator == "warning"
    assert card.summary == (
        f"Repeat ESI 7 weeks after one whose response has not held (pain 9/10 on {ago(2).isoformat()}): "
        f"judge it from {opens}"
    )
    assert "relief below 30 % then means a short-lived, failed injection" in card.next_steps[0]
    assert card.why[-1].ref == "Observation/n2"
    assert card.suggestions[0].label == "Cancel the ESI and judge the last one first"


def test_a_repeat_after_a_response_by_function_so_far_is_held_as_f1_holds_it() -> None:
    """An ODI halved with the pain unchanged is a response (Medicare ESI LCD: 50 % functional gain);
    the unchanged pain score does not undo it. F1 holds the repeat until the horizon; so does the
    order check (it let the repeat through before, reading the pain score alone)."""
    facts = (RAD, ESI, MRI, BASELINE, obs("o0", "odi", 60, 53, "97909-6"), obs("n1", "pain", 8, 31),
             obs("o1", "odi", 26, 31, "97909-6"))  # fmt: skip
    card = f1(*facts[3:])
    assert "improved function ≥ 50 % (ODI) so far" in card.summary
    (order,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], history(*facts)))
    assert order.rule_id == "order.esi-before-judged" and "has helped so far" in order.summary


SUCCESSFUL = Coding("http://snomed.info/sct", "385669000", "Successful")


def test_an_outcome_coded_successful_is_read_the_same_way() -> None:
    esi = proc("esi0", "64483", 49, "TFESI L4-L5 left", outcome=SUCCESSFUL, level="L4-L5")
    back = f1(BASELINE, obs("n2", "pain", 9, 2), esi=esi)
    head = f"ESI on {ago(49).isoformat()} helped (recorded successful) at first"
    assert back.summary.startswith(f"{head}; pain 9/10")
    held = f1(BASELINE, esi=esi)
    assert "helped (recorded successful) so far" in held.summary
    # the repeat is held while its lasting is not known, as F1 holds it
    chart = history(RAD, MRI, esi)
    (order,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], chart))
    assert order.rule_id == "order.esi-before-judged" and "has helped so far" in order.summary


def test_an_outcome_coded_successful_without_a_baseline_is_back_at_the_recurrent_pain_level() -> None:
    esi = proc("esi0", "64483", 49, "TFESI L4-L5 left", outcome=SUCCESSFUL, level="L4-L5")
    card = f1(obs("n2", "pain", 9, 2), esi=esi)
    assert "helped (recorded successful) at first; pain 9/10" in card.summary and card.suggestions == ()
    assert card.why[1].text.endswith("(no score before the injection)")
    assert "so far" in f1(obs("n2", "pain", 3, 2), esi=esi).summary  # below the recurrent-pain level (5)


ODI_BEFORE, PAIN_FLAT, ODI_HALVED = (
    obs("o0", "odi", 60, 53, "97909-6"), obs("n1", "pain", 8, 31), obs("o1", "odi", 26, 31, "97909-6")
)


def test_a_response_by_function_whose_odi_is_back_is_named_by_its_odi() -> None:
    facts = (BASELINE, ODI_BEFORE, PAIN_FLAT, ODI_HALVED, obs("o2", "odi", 58, 2, "97909-6"))
    card = f1(*facts)
    assert "improved function ≥ 50 % (ODI) at first; ODI 58" in card.summary and card.suggestions == ()
    assert card.why[1].text.endswith("(3 % functional gain)")
    assert card.next_steps[0].split(": ", 1)[1].startswith("functional gain below 30 % then means")
    chart = history(RAD, ESI, MRI, *facts)
    (order,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI")], chart))
    assert "one whose response has not held (ODI 58" in order.summary
    assert order.next_steps[0].split("); ", 1)[1].startswith("functional gain below 30 %")
    # the unchanged pain score alone does not undo a response by function
    assert "so far" in f1(*facts[:4], obs("n2", "pain", 8, 2)).summary


def test_a_leg_score_after_a_back_pain_baseline_is_read_by_its_level_not_against_the_baseline() -> None:
    """The injection treats the leg pain: leg pain back at the recurrent-pain level (5/10) after a
    back-pain baseline is pain back, named as the leg's. It is never compared with the back score:
    leg 4/10 against back 6/10 before would read as a third of relief, a response not held."""
    def at(site: str, rid: str, value: float, days_ago: int) -> Any:
        text = "Low back pain score" if site == "lower back" else "Leg pain score"
        return dataclasses.replace(obs(rid, "pain", value, days_ago), text=text, body_site_text=site)

    back, relieved = at("lower back", "n0", 6, 53), at("lower back", "n1", 2, 31)

    def leg(value: float) -> Any:
        return at("left leg", "n2", value, 2)

    card = f1(back, relieved, leg(9))
    assert f"relief at first; leg pain 9/10 on {ago(2).isoformat()}" in card.summary
    named = f"latest: leg pain 9/10 on {ago(2).isoformat()} (no leg score before the injection)"
    assert card.why[1].text == named
    assert card.suggestions == ()
    assert "so far" in f1(back, relieved, leg(4)).summary
    # the order check reads it the same way
    chart = history(RAD, ESI, MRI, back, relieved, leg(9))
    (order,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], chart))
    assert "one whose response has not held (leg pain 9/10" in order.summary


def test_a_partial_return_names_the_relief_left_and_the_band_it_falls_in() -> None:
    """Pain at 5/10 after 8/10 before and 3/10 at 3 weeks: 37.5 % relief, a partial response if it
    stays there (decision model §3.1: 30-49 %), not yet short-lived and too little for a repeat."""
    card = f1(BASELINE, RESPONSE, obs("n2", "pain", 5, 2))
    assert card.why[1].text == f"latest: pain 5/10 on {ago(2).isoformat()} (37 % relief)"
    partial = "30 % to under 50 %, a partial response, too little for a repeat"
    assert partial in card.next_steps[0]
    # the sidebar keeps the relief left; the band is one click away, in the full reasoning
    assert "(37 % relief)" in render_detail(card) and partial in render_full(card)
    chart = history(RAD, ESI, MRI, BASELINE, RESPONSE, obs("n2", "pain", 5, 2))
    (order,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], chart))
    assert order.why[-1].text.endswith("(37 % relief)") and partial in order.next_steps[0]


def test_in_the_durability_window_with_no_score_yet_the_order_check_asks_for_it_now() -> None:
    esi = proc("esi0", "64483", 75, "TFESI L4-L5 left", level="L4-L5")
    scores = obs("n0", "pain", 8, 79), obs("n1", "pain", 3, 57), obs("n2", "pain", 9, 20)
    chart = history(RAD, esi, MRI, *scores)
    (card,) = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], chart))
    closes = (ago(75) + timedelta(days=120)).isoformat()
    assert card.summary.endswith(f"judge it now (by {closes})")
    assert card.avoid[0] == f"Another ESI before the last one is judged (its scores are due by {closes})."


def _site(o: Any, site: str) -> Any:
    text = "Low back pain score" if site == "lower back" else "Leg pain score"
    return dataclasses.replace(o, text=text, body_site_text=site)


def test_a_leg_score_older_than_the_latest_back_score_does_not_undo_the_response() -> None:
    """The leg read by its level counts only when it is as late as the score of the baseline's site:
    leg 9/10 two days after the injection, before back scores of 2/10 at 3 and 6 weeks, is not pain
    back now."""
    back = _site(obs("n0", "pain", 6, 53), "lower back")
    later = _site(obs("n1", "pain", 2, 31), "lower back"), _site(obs("n2", "pain", 2, 10), "lower back")
    early_leg = _site(obs("l0", "pain", 9, 47), "left leg")
    assert "relief so far" in f1(back, *later, early_leg).summary
    # as late as the back score, the leg pain is named, even beside a back score that is itself back
    same_day = _site(obs("l1", "pain", 9, 10), "left leg"), _site(obs("n3", "pain", 4, 10), "lower back")
    card = f1(back, *later, *same_day)
    assert f"leg pain 9/10 on {ago(10).isoformat()}" in card.summary


def test_with_only_leg_scores_after_a_back_baseline_no_response_is_read_across_sites() -> None:
    """Back 6 before, leg 1 and 4 after: a leg score read against a back score measures nothing
    (``test_score_sites_not_crossed``), so there is no F1 and its outcome is asked for."""
    back = _site(obs("n0", "pain", 6, 53), "lower back")
    legs = _site(obs("l0", "pain", 1, 31), "left leg"), _site(obs("l1", "pain", 4, 2), "left leg")
    cards = evaluate_pathway(inp("patient-view", [], history(RAD, ESI, MRI, back, *legs)))
    assert [c.rule_id for c in cards] == ["F0"]
    assert "back pain before, leg pain after" in cards[0].why[0].text


def test_the_relief_shown_is_cut_not_rounded_into_the_band_above() -> None:
    """10 → 7.04 is 29.6 % relief: shown as 29 %, below the 30 % of a short-lived response, never as 30 %;
    10 → 5.05 is 49.5 %: 49 %, never the 50 % of a response."""
    base = obs("n0", "pain", 10, 53)
    assert f1(base, RESPONSE, obs("n2", "pain", 7.04, 2)).why[1].text.endswith("(29 % relief)")
    assert f1(base, RESPONSE, obs("n2", "pain", 5.05, 2)).why[1].text.endswith("(49 % relief)")


def test_a_score_read_by_its_level_is_not_told_relief_bands_it_cannot_be_measured_by() -> None:
    """An outcome coded successful with no score before the injection: no relief can be computed, so the
    step says what a repeat needs, not that relief below 30 % will mean a failure; a 0/10 baseline is
    named as such, not as no score."""
    esi = proc("esi0", "64483", 49, "TFESI L4-L5 left", outcome=SUCCESSFUL, level="L4-L5")
    card = f1(obs("n2", "pain", 9, 2), esi=esi)
    step = card.next_steps[0]
    assert "below 30 %" not in step and "a repeat needs ≥ 50 % relief to hold" in step
    zero = f1(obs("n0", "pain", 0, 53), obs("n2", "pain", 6, 2), esi=esi)
    assert zero.why[1].text.endswith("(pain 0/10 before the injection)")


def test_with_the_session_limit_reached_an_ordered_repeat_is_held_until_the_response_is_judged() -> None:
    """The limit's date (here before the 60-120-day window) does not release a repeat whose injection
    has not been judged: the summary no longer says "hold … until" that date, and the step that
    reassesses holds the order. (Interlaminar injections: with image-guided ones, F8 speaks at the
    limit.)"""
    il = "Lumbar interlaminar epidural injection"
    prior = [proc(f"e{i}", "62322", d, il, level="L5-S1") for i, d in enumerate((340, 250, 160))]
    last = proc("esi0", "62322", 49, il, level="L5-S1")
    ordered = ServiceRequestFact(
        ref="ServiceRequest/rep", codings=(Coding(CPT, "64483", "TFESI L4-L5 left"),),
        text="TFESI L4-L5 left", status="draft", intent="order", authored=ago(1),
    )  # fmt: skip
    facts = history(RAD, *prior, last, MRI, BASELINE, RESPONSE, obs("n2", "pain", 9, 2))
    chart = inp("patient-view", [], dataclasses.replace(facts, service_requests=(ordered,)))
    (card,) = [c for c in evaluate_pathway(chart) if c.rule_id == "F1"]
    assert " until " not in card.summary
    assert card.summary.endswith(f"hold the ESI ordered {ago(1).isoformat()}")
    assert card.next_steps[0].startswith("No repeat ESI before")
    assert card.next_steps[1].startswith(f"Hold the ESI ordered on {ago(1).isoformat()} and reassess")


def test_a_later_score_naming_no_site_is_pain_back_after_a_leg_baseline() -> None:
    """After a leg-pain baseline the reading keeps leg scores; pain 9/10 with no site named, the
    latest score, was ignored and the repeat offered. Read by its level, it is pain back."""
    leg = _site(obs("n0", "pain", 8, 53), "left leg"), _site(obs("n1", "pain", 3, 31), "left leg")
    card = f1(*leg, obs("n2", "pain", 9, 2))
    assert "at first; pain 9/10" in card.summary and card.why[1].text.endswith("(its site not named)")
    assert card.suggestions == ()


def test_an_outcome_coded_successful_compares_no_score_of_another_site() -> None:
    """No score was compared to code the outcome: a leg 6/10 after a back baseline of 6/10 is read by
    its level, as the leg's, not as 'no relief' against the back."""
    esi = proc("esi0", "64483", 49, "TFESI L4-L5 left", outcome=SUCCESSFUL, level="L4-L5")
    back, leg = _site(obs("n0", "pain", 6, 53), "lower back"), _site(obs("l0", "pain", 6, 2), "left leg")
    card = f1(back, leg, esi=esi)
    assert f"leg pain 6/10 on {ago(2).isoformat()}" in card.summary
    assert card.why[1].text.endswith("(no leg score before the injection)")


def test_a_leg_score_earlier_the_same_day_than_the_back_score_does_not_count() -> None:
    at = dataclasses.replace
    back = _site(obs("n0", "pain", 6, 53), "lower back"), _site(obs("n1", "pain", 2, 31), "lower back")
    day = date(2026, 11, 18)
    morning = at(_site(obs("l0", "pain", 9, 2), "left leg"), effective_at=datetime.combine(day, time(8), UTC))
    evening = _site(obs("n2", "pain", 2, 2), "lower back")
    evening = at(evening, effective_at=datetime.combine(day, time(17), UTC))
    assert ago(2) == day  # the builders' today
    assert "relief so far" in f1(*back, morning, evening).summary
