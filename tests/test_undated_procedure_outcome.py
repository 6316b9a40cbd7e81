"""An ESI recorded without a date but with its outcome coded (decision model §3.1 rule 1: the explicit
outcome is read first). An unsuccessful or partial outcome needs no date to be known: the card follows
the failure and asks for the date; it does not say the outcome is unrecorded, nor float a repeat
injection. An explicit success still needs its date for the durability check, and stays unjudged.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pathway_builders import (
    assert_house_rules,
    conservative,
    make_input,
    proc,
    radic,
    report,
    run,
    states,
)

from hooks.cards import render_detail
from hooks.pathway.failure import Outcome, assess_all

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def background() -> list[Any]:
    return [radic(days=150), *conservative(140), report("mri-1", "72148", 120, CONCORDANT)]


def undated_esi(outcome: str | None) -> Any:
    esi = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1", laterality="right",
               outcome=outcome)  # fmt: skip
    return replace(esi, performed=None, performed_text=None)


def assessed(*facts: Any) -> Any:
    inp = make_input(*facts)
    return assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)[-1]


def test_an_undated_esi_recorded_as_unsuccessful_is_a_failure_with_the_date_asked_for() -> None:
    a = assessed(*background(), undated_esi("procedure_outcome_unsuccessful"))
    assert a.outcome is Outcome.FAILED
    assert any("record the date of the" in g for g in a.gaps)
    assert "on undated" not in " ".join(a.gaps)
    cards = run(*background(), undated_esi("procedure_outcome_unsuccessful"))
    assert "F0" not in states(cards)
    failed = [c for c in cards if c.rule_id in ("F2", "F3", "F4", "F7")]
    assert failed, states(cards)
    c = failed[0]
    assert_house_rules(c)
    text = render_detail(c)
    assert "(no date): outcome failed" in text  # the code without a display: its meaning
    assert "not recorded" not in c.summary


def test_an_undated_esi_recorded_as_partial_is_partial() -> None:
    assert assessed(*background(), undated_esi("procedure_outcome_partial")).outcome is Outcome.PARTIAL


def test_guard_an_undated_esi_recorded_as_successful_stays_unjudged() -> None:
    """Success is checked for durability, which needs the date."""
    a = assessed(*background(), undated_esi("procedure_outcome_successful"))
    assert a.outcome is Outcome.UNKNOWN
    assert any("record the date of the" in g for g in a.gaps)


def test_guard_an_undated_esi_without_an_outcome_stays_unjudged() -> None:
    assert assessed(*background(), undated_esi(None)).outcome is Outcome.UNKNOWN
