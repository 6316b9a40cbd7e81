"""What the acute cards (E1, E2) say about analgesia, for the patient in front of them.

NICE NG59 offers an NSAID weighing each person's GI, liver and cardio-renal risks, age included; an
NSAID beside an anticoagulant or an antiplatelet adds bleeding. So the card's NSAID is "no NSAID while
on apixaban" for a patient on one, "the lowest dose for the shortest time, with gastroprotection" from
75, and "NSAID if not contraindicated" otherwise. A patient already on an opioid, treatment for opioid
use disorder (or opioid use disorder on record, in remission too) or a benzodiazepine is not told
"short-term opioid if severe": M1 and M4 say what to do (CDC 2022), and two cards must not give
opposite advice.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pathway_builders import assert_house_rules, card_of, cond, make_input, med, obs, radic, run

from hooks.facts import PatientFact
from hooks.pathway import evaluate_pathway

OPIOID_LINE = "Short-term opioid only if pain is severe"


def steps(card: Any) -> str:
    return " ".join(card.next_steps)


def e_card(state: str, *facts: Any, born: date | None = None) -> Any:
    if born is None:
        return card_of(run(*facts), state)
    inp = make_input(*facts)
    h = replace(inp.history, patient=PatientFact(inp.history.patient.ref, birth_date=born))
    return card_of(evaluate_pathway(replace(inp, history=h)), state)


def test_e1_on_an_anticoagulant_offers_no_nsaid_and_names_it() -> None:
    c = e_card("E1", radic(14), med("apx", "rx_anticoagulants", "1364430"))
    assert "no NSAID while on apixaban: bleeding risk" in steps(c)
    assert "NSAID if not contraindicated" not in steps(c)
    assert_house_rules(c)


def test_e2_on_clopidogrel_offers_no_nsaid() -> None:
    c = e_card(
        "E2", radic(14), obs("p", "pain", 9, 1), obs("o", "odi", 60, 1), med("clo", "rx_p2y12_inhibitors")
    )
    assert "Short-term analgesia (no NSAID while on clopidogrel: bleeding risk;" in steps(c)


def test_e1_from_75_says_lowest_dose_shortest_time_with_gastroprotection() -> None:
    c = e_card("E1", radic(14), born=date(1940, 1, 1))
    assert "NSAID only at the lowest dose for the shortest time, with gastroprotection (age 86)" in steps(c)


def test_e1_on_an_opioid_does_not_suggest_a_short_term_opioid() -> None:
    c = e_card("E1", radic(14), med("oxy", "rx_opioids", "7804", daily_dose_mg=20))
    assert OPIOID_LINE not in steps(c)


def test_e1_on_a_benzodiazepine_does_not_suggest_a_short_term_opioid() -> None:
    c = e_card("E1", radic(14), med("alp", "rx_benzodiazepines"))
    assert OPIOID_LINE not in steps(c)


def test_e1_with_opioid_use_disorder_in_remission_does_not_suggest_a_short_term_opioid() -> None:
    """F11.21 recorded with clinical status "remission": the acute card offered "short-term opioid only
    if pain is severe" where the order check warns of relapse (CDC 2022 recommendation 8)."""
    oud = cond("oud", "opioid_use_disorder_in_remission", "F11.21", onset=2000)
    oud = replace(oud, clinical_status="remission")
    c = e_card("E1", radic(14), oud)
    assert OPIOID_LINE not in steps(c)
    assert "NSAID if not contraindicated" in steps(c)


def test_e1_with_an_opioid_use_disorder_code_resolved_by_status_does_not_suggest_an_opioid() -> None:
    oud = replace(cond("oud", "opioid_use_disorder", "F11.20", onset=2000), clinical_status="resolved")
    assert OPIOID_LINE not in steps(e_card("E1", radic(14), oud))


def test_e2_on_an_opioid_keeps_the_nsaid_and_drops_the_opioid() -> None:
    c = e_card(
        "E2", radic(14), obs("p", "pain", 9, 1), obs("o", "odi", 60, 1), med("oxy", "rx_opioids", "7804")
    )
    assert "Short-term analgesia (NSAID if not contraindicated)." in steps(c)


def test_guard_a_patient_on_nothing_keeps_both_lines() -> None:
    c = e_card("E1", radic(14))
    assert "NSAID if not contraindicated" in steps(c) and OPIOID_LINE in steps(c)


def test_m3_on_an_anticoagulant_prefers_activity_and_says_no_nsaid() -> None:
    """The oral-steroid card's alternative: "Prefer NSAIDs" would contradict the anticoagulant."""
    oral = med("pred-1", "rx_systemic_corticosteroids", "8640", start=3, text="Prednisone 20 MG Oral Tablet")
    c = card_of(run(radic(10), oral, med("apx", "rx_anticoagulants", "1364430")), "M3")
    assert "Prefer NSAIDs" not in steps(c)
    assert (
        "Prefer activity and physiotherapy for radicular pain (NICE NG59); no NSAID while on apixaban"
        in steps(c)
    )


def test_guard_m3_without_a_caution_prefers_nsaids() -> None:
    oral = med("pred-1", "rx_systemic_corticosteroids", "8640", start=3, text="Prednisone 20 MG Oral Tablet")
    assert "Prefer NSAIDs, activity and physiotherapy" in steps(card_of(run(radic(10), oral), "M3"))
