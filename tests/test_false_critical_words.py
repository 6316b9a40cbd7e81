"""Three critical cards a record's own words refute.

- Weight loss recorded as intentional (on a GLP-1 agonist, after bariatric surgery) is no malignancy
  red flag; "unintentional" or "not intentional" still is.
- An infected stimulator or pump recorded more than a year ago (explanted long since, still marked
  active) is old history to confirm resolved, as an old discitis is, not a same-day emergency.
- A cauda equina diagnosis its own words record as ruled out ("MRI negative, CES excluded"), with an
  MRI since it was recorded, is no emergency; "cannot be excluded", "rule out" or no MRI keep it.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, radic, report, run, states

from hooks.text import states_ruled_out


def _critical(cards) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.rule_id for c in cards if c.indicator == "critical"]


@pytest.mark.parametrize(
    "text",
    [
        "Weight loss (intentional, on semaglutide)",
        "Weight loss after bariatric surgery",
        "Weight loss, GLP-1",
    ],
)
def test_intended_weight_loss_is_no_malignancy_flag(text: str) -> None:
    cards = run(radic(days=20), cond("wl", "red_flag_malignancy", "R63.4", onset=5, text=text))
    assert _critical(cards) == [] and "R3" not in states(cards)


@pytest.mark.parametrize(
    "text", ["Abnormal weight loss", "Weight loss, unintentional", "Weight loss, not intentional"]
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


CES_MRI = report("mri", "72148", 4, "No cauda equina compression. Small L5-S1 disc bulge.")


def test_cauda_equina_ruled_out_in_its_words_with_an_mri_since_is_no_emergency() -> None:
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=6, notes=("MRI negative, CES excluded",))
    assert "R1" not in states(run(radic(days=8), ces, CES_MRI))


@pytest.mark.parametrize(
    "note", ["CES cannot be excluded", "r/o cauda equina", "rule out CES", "CES not ruled out"]
)
def test_guard_words_that_leave_cauda_equina_open_keep_the_emergency(note: str) -> None:
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=6, notes=(note,))
    assert "R1" in states(run(radic(days=8), ces, CES_MRI))


def test_cauda_equina_ruled_out_in_words_without_an_mri_keeps_the_emergency() -> None:
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=6, notes=("CES excluded clinically",))
    assert "R1" in states(run(radic(days=8), ces))


def test_ruled_out_reading() -> None:
    assert states_ruled_out("MRI negative, CES excluded") and states_ruled_out(
        "cauda equina ruled out on MRI"
    )
    assert not states_ruled_out("to be excluded by MRI today") and not states_ruled_out(
        "CES cannot be excluded"
    )
