"""Card lines that said less, or other, than their full reasoning.

- The opioid evidence conflict said "NICE NG59 advises against" on a card for acute sciatica; NICE
  NG59 advises against opioids for chronic sciatica, as the full reasoning says.
- An opioid whose MME/day cannot be computed (buprenorphine: no CDC 2022 factor) was shortened on
  the card to "MME/day of Buprenorphine 10 mcg/hr … factor for buprenorphine", which reads like a
  dose; its short line now says what it means first.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pathway_builders import med, radic, run

from cds_service.cli import main as cli
from hooks.conflicts import OPIOIDS

PATHWAY = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "pathway"


def test_the_opioid_conflict_names_chronic_sciatica_on_the_card_and_in_full() -> None:
    assert OPIOIDS.brief is not None and OPIOIDS.line is not None
    assert OPIOIDS.brief.endswith("NICE NG59 advises against for chronic sciatica.")
    assert "for chronic sciatica" in OPIOIDS.line


def test_an_acute_opioid_course_card_does_not_misquote_nice(capsys: pytest.CaptureFixture[str]) -> None:
    chart = PATHWAY / "m1_high_mme_short_course.json"
    assert cli(["evaluate", str(chart), "--date", "2026-11-02"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "NICE NG59 advises against for chronic sciatica." in out


def test_a_dose_that_cannot_be_converted_says_so_first_on_its_short_line() -> None:
    name = "Buprenorphine 10 mcg/hr 7-day transdermal patch"
    patch = med("bup", "rx_opioids", "1819", start=150, text=name)
    cards = run(radic(days=200), patch)
    facts = [f for c in cards for f in c.why if f.ref == "MedicationRequest/bup" and "not computed" in f.text]
    assert facts, [(c.rule_id, [f.text for f in c.why]) for c in cards]
    assert all(f.short and "MME/day not computed" in f.short for f in facts), [f.short for f in facts]


def test_a_blind_injection_named_so_is_not_called_blind_twice(capsys: pytest.CaptureFixture[str]) -> None:
    """"ESI without image guidance L4-L5 2026-08-24 — coded without image guidance (blind)" said it
    twice in one line; a name that says so gets only "(blind)"."""
    chart = str(PATHWAY / "f2_blind_injection_only.json")
    assert cli(["evaluate", chart, "--date", "2026-11-02", "--full"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "`Procedure/esi-1`" in x)
    assert "without imaging guidance" in line  # the injection's own name says so
    assert "coded without image guidance" not in line and line.endswith("(blind)"), line
