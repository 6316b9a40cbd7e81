"""Precision rules from the specialist review, checked on the pathway fixtures' full reasoning:
each fact of a card is stated once, and old injection verdicts do not outlive a later treatment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pathway_builders import cond, conservative, proc, radic, refs_of, report, run, states

from cds_service.cli import main as cli
from hooks.cards import render_detail
from hooks.pathway.failure import Outcome

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


# ---------------------------------------------------------------------------------------------
# mimics (decision model §7.5)
# ---------------------------------------------------------------------------------------------

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def failed_esi_chart() -> list[Any]:
    """Five months of right S1 radiculopathy, conservative care, a concordant extrusion and a TFESI."""
    return [
        radic(days=150),
        *conservative(140),
        report("mri", "72148", 120, CONCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
    ]


def test_a_mimic_turns_a_failed_esi_into_re_evaluation_naming_its_test() -> None:
    """Hip osteoarthritis beside a failed ESI: F4 names the hip and asks for its examination first."""
    cards = run(
        *failed_esi_chart(),
        cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F4"]
    c = cards[0]
    assert c.why[0].ref == "Condition/hip"
    assert "hip osteoarthritis" in c.summary
    assert c.next_steps[0].startswith("Before the next spine procedure, exclude hip osteoarthritis")
    assert "hip radiograph" in render_detail(c)


def test_without_a_mimic_the_failed_esi_card_is_unchanged() -> None:
    cards = run(*failed_esi_chart(), outcomes={"Procedure/esi-1": Outcome.FAILED})
    assert states(cards) == ["F3"]
    assert not any("mimic" in f.text for f in cards[0].why)
    assert not cards[0].next_steps[0].startswith("Before the next spine procedure")


def test_a_worked_injection_does_not_raise_the_mimic() -> None:
    """After an injection that worked there is no failed treatment: F1 stays as it is."""
    cards = run(
        *failed_esi_chart(),
        cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900),
        outcomes={"Procedure/esi-1": Outcome.SUCCESS},
    )
    assert states(cards) == ["F1"]
    assert "Condition/hip" not in refs_of(cards[0])


def test_a_resolved_mimic_is_not_named() -> None:
    cards = run(
        *failed_esi_chart(),
        cond("bursitis", "mimic_trochanteric_bursitis", "M70.6", status="resolved", onset=400),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F3"]
    assert "Condition/bursitis" not in refs_of(cards[0])


def test_several_mimics_are_each_named_with_their_own_test() -> None:
    cards = run(
        *failed_esi_chart(),
        cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900),
        cond("mer", "mimic_meralgia_paresthetica", "G57.1", onset=300),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    step = cards[0].next_steps[0]
    assert "hip osteoarthritis (hip examination" in step
    assert "meralgia paraesthetica (examination of lateral-thigh sensation" in step
    assert {"Condition/hip", "Condition/mer"} <= refs_of(cards[0])


def test_a_mimic_is_named_on_the_card_after_failed_conservative_care() -> None:
    """P1 proposes the first spine procedure after conservative care failed: the mimic comes first."""
    cards = run(radic(days=60), *conservative(55), cond("pad", "mimic_arterial_claudication", "I70.21"))
    assert states(cards) == ["P1"]
    c = cards[0]
    assert c.why[1].ref == "Condition/pad"
    assert "ankle-brachial index" in c.next_steps[0]
    assert {"acr_lbp_2021", "nass_ldh"} <= {g.key for g in c.evidence}


def test_acute_sciatica_beside_a_mimic_keeps_its_card(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing has failed in the first weeks: E1 is shown as it is, without the mimic step."""
    text = full_reasoning("e1_acute_sciatica_with_hip_osteoarthritis", capsys)
    assert "possible mimic" not in text
    assert "Before the next spine procedure" not in text
