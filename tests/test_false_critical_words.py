"""Critical cards a record's own words refute.

- Weight loss recorded as intentional is no malignancy red flag; "unintentional", "non-intentional",
  "not intentional", "denies intentional dieting", or a diet drug named beside it still is.
- An infected stimulator or pump recorded more than a year ago (explanted long since, still marked
  active) is old history to confirm resolved, as an old discitis is, not a same-day emergency.
- A cauda equina code stands whatever its notes say: "CES excluded clinically" may precede the MRI
  that shows compression (a ruled-out diagnosis is recorded as refuted).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, radic, report, run, states


def _critical(cards) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.rule_id for c in cards if c.indicator == "critical"]


@pytest.mark.parametrize(
    "text",
    [
        "Weight loss (intentional, on semaglutide)",
        "Intentional weight loss after bariatric surgery",
    ],
)
def test_intended_weight_loss_is_no_malignancy_flag(text: str) -> None:
    cards = run(radic(days=20), cond("wl", "red_flag_malignancy", "R63.4", onset=5, text=text))
    assert _critical(cards) == [] and "R3" not in states(cards)


@pytest.mark.parametrize(
    "text",
    [
        "Abnormal weight loss",
        "Weight loss, unintentional",
        "Weight loss, not intentional",
        "Non-intentional weight loss 8 kg in 3 months",
        "Weight loss 8 kg, unexplained; semaglutide stopped in 2025",
        "Weight loss 7 kg; denies intentional dieting",
    ],
)
def test_guard_unexplained_weight_loss_stays_a_red_flag(text: str) -> None:
    cards = run(radic(days=20), cond("wl", "red_flag_malignancy", "R63.4", onset=5, text=text))
    assert "R3" in states(cards)


def test_stimulator_infection_of_years_ago_is_history_not_an_emergency() -> None:
    old = cond(
        "dev", "red_flag_infection", "T85.734A", onset=2000, text="Infected SCS generator pocket, explanted"
    )
    cards = run(radic(days=150), old)
    assert _critical(cards) == []
    assert any("confirm it has resolved" in f.text for c in cards for f in c.why)


def test_guard_a_recent_stimulator_infection_is_still_critical() -> None:
    cards = run(radic(days=150), cond("dev", "red_flag_infection", "T85.734A", onset=5))
    assert _critical(cards)


CES_MRI = report(
    "mri", "72148", 1, "Massive central L4-5 extrusion with severe compression of the cauda equina."
)


@pytest.mark.parametrize(
    "note", ["ED: CES excluded clinically. MRI requested.", "MRI negative, CES excluded"]
)
def test_guard_a_cauda_equina_code_stands_whatever_its_notes_say(note: str) -> None:
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=2, notes=(note,))
    assert "R1" in states(run(radic(days=8), ces, CES_MRI))
