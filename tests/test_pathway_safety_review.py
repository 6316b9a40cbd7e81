"""Precision rules from the specialist review, checked on the pathway fixtures' full reasoning:
each fact of a card is stated once, and old injection verdicts do not outlive a later treatment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cds_service.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "fhir_fixtures" / "pathway"
EVALUATION_DATE = "2026-11-02"


def full_reasoning(slug: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli(["evaluate", str(PATHWAY / f"{slug}.json"), "--date", EVALUATION_DATE, "--full"]) == 0
    return capsys.readouterr().out


def why_lines(text: str) -> list[str]:
    """The bullet lines of the first card's **Why** list."""
    block = text.split("**Why**\n", 1)[1].split("\n\n", 1)[0]
    return [line for line in block.splitlines() if line.startswith("- ")]


@pytest.mark.parametrize("slug", ["f8_four_esis_in_12_months", "f8_two_short_lived_esis_nine_weeks_apart"])
def test_the_f8_card_states_each_fact_once(slug: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No line repeats, each pain score is named once (the score closing one injection's window is
    the next one's baseline), and the session count is said once."""
    lines = why_lines(full_reasoning(slug, capsys))
    assert len(lines) == len(set(lines))
    scores = [r for line in lines for r in re.findall(r"`(Observation/[^`]+)`", line)]
    assert scores and len(scores) == len(set(scores))
    assert sum("lumbar ESI session" in line for line in lines) == 1
