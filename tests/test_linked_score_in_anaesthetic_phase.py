"""A pain score linked to an ESI but taken in its first days is not its result.

A score recorded as part of the injection (``partOf``) counted whatever its date, so 1/10 on day 2
(the local anaesthetic's effect) read as "≥ 50 % relief so far" at day 45, while the injection's
2-6-week window held no score at all. A linked score before the window opens (§3.1: the window avoids
the anaesthetic and early steroid effect) is no longer the result.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from hooks.pathway.failure import Outcome, assess_all
from tests.pathway_builders import make_input, obs, proc, radic


def outcome(day_after: int) -> Outcome:
    esi = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=45, level="L5-S1")
    linked = replace(obs("f", "pain", 1, 45 - day_after), part_of=(esi.ref,))
    inp = make_input(radic(200), esi, obs("b", "pain", 8, 46), linked)
    (a,) = assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)
    return a.outcome


def test_a_linked_score_on_day_two_is_not_a_response() -> None:
    assert outcome(2) is not Outcome.RESPONDER


def test_guard_a_linked_score_in_the_window_is_the_response() -> None:
    assert outcome(21) is Outcome.RESPONDER
