"""A refractory card acting on an injection that failed long ago asks for today's pain first.

A transforaminal ESI judged failed 700 days ago beside a concordant extrusion, with no pain score
since, drew F3 "refer for a surgical opinion" with nothing on the card to say the pain had not been
scored for two years: it may have settled (a settled score hides the card) or worsened. The card
now names what is missing: a current leg-pain score, with the latest on record.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, failed_tfesi_chart, leg_score, sited_score, states

from hooks.cards import render_full

leg = leg_score
chart = failed_tfesi_chart


def _refractory(cards):  # type: ignore[no-untyped-def]
    found = [s for s in ("F3", "F4") if s in states(cards)]
    assert found, [c.summary for c in cards]
    return card_of(cards, found[0])


def test_a_failure_two_years_ago_with_no_score_since_asks_for_a_current_leg_pain_score() -> None:
    c = _refractory(chart())
    gap = next((g for g in c.gaps if g.startswith("a current leg-pain score")), None)
    assert gap is not None, c.gaps
    assert "none in the last 6 months" in gap and "pain 7.5/10 on" in gap
    assert "a current leg-pain score" in render_full(c)


def test_guard_a_score_this_month_asks_for_none() -> None:
    c = _refractory(chart(leg("now", 7, 10)))
    assert not any(g.startswith("a current leg-pain score") for g in c.gaps), c.gaps


sited = sited_score


def test_a_recent_back_pain_score_alone_still_asks_for_a_leg_pain_score() -> None:
    c = _refractory(chart(sited("back", 6, 10, "Lower back")))
    assert any(g.startswith("a current leg-pain score") for g in c.gaps), c.gaps
