"""E2 says "refer to a spine specialist": for severe acute pain without weakness that is a spine
surgeon or the pain service, which may consider an epidural for acute and severe sciatica (NICE
NG59). The card offered only the surgeon; it now offers the pain service beside it, not
pre-selected, one of the two. A motor deficit keeps the surgeon alone.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, obs, radic, run


def _e2(*facts):  # type: ignore[no-untyped-def]
    return card_of(run(radic(days=20), obs("nrs", "pain", 8, 1), obs("odi", "odi", 50, 1), *facts), "E2")


def test_severe_pain_without_weakness_offers_the_surgeon_or_the_pain_service() -> None:
    card = _e2()
    offered = [(s.label, s.is_recommended) for s in card.suggestions]
    assert offered == [("Refer to a spine surgeon", True), ("Refer to the pain management service", False)]
    assert card.selection_behavior == "at-most-one"


def test_guard_a_motor_deficit_keeps_the_surgeon_alone() -> None:
    card = _e2(obs("mrc", "strength", 4, 1))
    assert [s.label for s in card.suggestions][:1] == ["Refer to a spine surgeon"]
    assert "Refer to the pain management service" not in [s.label for s in card.suggestions]
