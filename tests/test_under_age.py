"""A patient under 16 (the youngest NICE NG59 covers; ACR 2021 is for adults) does not get the adult
pathway's steps: one info card says so, after the red flags, never silence. Drug safety (an opioid
with a benzodiazepine or gabapentinoid, MOUD) is still said beside it, as the order checks say it at
any age.

Tests named test_guard_* also hold on the code before that change; the others on drug safety fail
on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from hooks.cards import CardDraft
from hooks.facts import PatientFact
from hooks.pathway import age_years, evaluate_pathway
from tests.pathway_builders import (
    PATIENT,
    TODAY,
    cond,
    conservative,
    make_input,
    med,
    radic,
    states,
)


def run_aged(born: date | None, *facts: object) -> list[CardDraft]:
    inp = make_input(*facts)
    history = replace(inp.history, patient=PatientFact(f"Patient/{PATIENT}", birth_date=born))
    return evaluate_pathway(replace(inp, history=history))


def born_years_ago(years: int, days_after_birthday: int = 10) -> date:
    return date(TODAY.year - years, TODAY.month, TODAY.day) - timedelta(days=days_after_birthday)


P1_HISTORY = (radic(days=60), *conservative(55))


@pytest.mark.parametrize("age", [9, 12, 15])
def test_a_child_gets_one_card_saying_the_adult_pathway_does_not_apply(age: int) -> None:
    cards = run_aged(born_years_ago(age), *P1_HISTORY)
    assert states(cards) == ["pathway.under-age"]
    c = cards[0]
    assert c.indicator == "info"
    assert c.summary.startswith(f"Patient is {age}: this adult radiculopathy pathway does not apply")
    assert (
        c.why[0].text.startswith(f"age {age} on {TODAY.isoformat()}") and c.why[0].ref == f"Patient/{PATIENT}"
    )
    assert not c.suggestions  # no adult MRI, injection or referral order is offered
    assert any("NICE NG59" in s for s in c.next_steps)


@pytest.mark.parametrize("age", [16, 17, 40])
def test_from_16_the_pathway_applies(age: int) -> None:
    assert "P1" in states(run_aged(born_years_ago(age), *P1_HISTORY))


def test_no_birth_date_is_read_as_an_adult() -> None:
    assert "P1" in states(run_aged(None, *P1_HISTORY))


def test_the_day_before_the_16th_birthday_is_still_under_age() -> None:
    born = date(TODAY.year - 16, TODAY.month, TODAY.day)
    assert age_years(born, TODAY) == 16
    assert age_years(born, TODAY - timedelta(days=1)) == 15


def test_red_flags_still_speak_for_a_child() -> None:
    """Cauda equina is an emergency at any age: the critical card, not the under-age note."""
    ces = cond("ces", "red_flag_cauda_equina", onset=1)
    cards = run_aged(born_years_ago(12), radic(days=20), ces)
    assert states(cards) == ["R1"] and cards[0].indicator == "critical"


def test_outside_the_gate_a_child_gets_nothing_from_this_pathway() -> None:
    cards = run_aged(
        born_years_ago(12), cond("disc", "lumbar_disc_displacement_without_radiculopathy", onset=30)
    )
    assert cards == []  # X1: no radiculopathy card at any age


def test_a_child_on_an_opioid_and_a_benzodiazepine_still_gets_the_drug_safety_card() -> None:
    """The order checks keep drug safety at any age; the patient view drops the adult pathway's steps
    only, not the warning that an opioid with a benzodiazepine can stop breathing, with naloxone."""
    opioid = med("oxy-1", "rx_opioids", start=120, daily_dose_mg=40)
    benzo = med("alp-1", "rx_benzodiazepine_class", start=60)
    cards = run_aged(born_years_ago(15), *P1_HISTORY, opioid, benzo)
    assert states(cards) == ["pathway.under-age", "M1"]
    assert cards[1].indicator == "warning" and "benzodiazepine" in cards[1].summary


def test_guard_a_child_on_an_opioid_alone_gets_no_adult_opioid_review() -> None:
    cards = run_aged(born_years_ago(15), *P1_HISTORY, med("oxy-1", "rx_opioids", start=120, daily_dose_mg=40))
    assert states(cards) == ["pathway.under-age"]


def test_a_child_on_an_opioid_and_a_gabapentinoid_for_sciatica_gets_the_drug_safety_card() -> None:
    opioid = med("oxy-1", "rx_opioids", start=41, daily_dose_mg=20)
    gabapentin = med("gaba-1", "rx_gabapentinoids", start=30)
    cards = run_aged(born_years_ago(15), *P1_HISTORY, opioid, gabapentin)
    assert states(cards) == ["pathway.under-age", "M1"]
    assert "gabapentinoid" in cards[1].summary
