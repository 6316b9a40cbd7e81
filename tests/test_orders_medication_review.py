"""Order-side medication co-prescription checks (check 9).

What these tests show:

- a gabapentinoid with an opioid draws a card naming both drugs, whichever of the two is drafted and
  whatever the gabapentinoid is for (CDC 2022: weigh opioids with other CNS depressants): start low,
  watch for respiratory depression and sedation, offer naloxone; info on order-select, warning on
  order-sign. A drafted opioid's own card carries the gabapentinoid; the gabapentinoid's card then
  stays silent, so the session gets one co-prescription card;
- an NSAID drafted with a current anticoagulant or antiplatelet other than aspirin, or with another
  NSAID, draws a warning naming them (NICE NG59: weigh GI, liver and cardio-renal toxicity and risk
  factors, including age); the patient's age from 75 is a fact on it, never a card of its own; aspirin
  at a low or unstated dose, a renewal of the same NSAID, or an NSAID alone draw nothing;
- tramadol drafted with a current SNRI or tricyclic (``rx_antidepressants_neuropathic``) draws the
  opioid card with the serotonin syndrome and seizure risk; another opioid with the same drug does not.
  An SNRI or tricyclic drafted for a patient taking tramadol draws ``order.antidepressant-with-tramadol``
  naming both (review whether tramadol is still needed), one card per session with a drafted tramadol.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from hooks.cards import CardDraft, render_full
from hooks.facts import PatientFact
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, mr

HOOKS = ("order-select", "order-sign")
GRADE = {"order-select": "info", "order-sign": "warning"}
NALOXONE = "7242"

RAD = cond("rad", RADICULOPATHY, 60, "Lumbar radiculopathy")
DPN = cond("dpn", "E11.42", 900, "Type 2 diabetes mellitus with diabetic polyneuropathy")
OXYCODONE_60_MME = med("oxy", "7804", "oxycodone 10 mg tablet", 60)
PREGABALIN = med("preg", "187832", "pregabalin 300 mg capsule", 90)
APIXABAN = med("apx", "1364430", "apixaban 2.5 mg tablet", 200)
NAPROXEN = med("nap", "7258", "naproxen 500 mg tablet", 14)


def run(
    hook: str,
    orders: list[dict[str, Any]],
    *facts: Any,
    born: date | None = None,
    selections: tuple[str, ...] | None = None,
) -> list[CardDraft]:
    hist = history(*facts)
    if born is not None:
        hist = replace(hist, patient=PatientFact("Patient/p1", born, "female"))
    return evaluate_orders(inp(hook, orders, hist, selections=selections))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def one(cards: list[CardDraft], rule: str) -> CardDraft:
    hits = [c for c in cards if c.rule_id == rule]
    assert len(hits) == 1, rules(cards)
    return hits[0]


def refs(card: CardDraft) -> list[str | None]:
    return [f.ref for f in card.why]


def creates(card: CardDraft) -> list[str]:
    """The codes of the resources the card's recommended suggestions create."""
    out = []
    for s in card.suggestions:
        for a in s.actions:
            if s.is_recommended and a.type == "create" and a.resource is not None:
                out += [c["code"] for c in a.resource["medicationCodeableConcept"]["coding"]]
    return out


def gabapentin() -> dict[str, Any]:
    return mr("gaba", "25480", "gabapentin 300 mg capsule", dose=300, per=3)


def oxycodone_5mg_q6h() -> dict[str, Any]:
    return mr("oxyd", "7804", "oxycodone 5 mg tablet", dose=5, per=4)  # 30 MME/day


def ibuprofen() -> dict[str, Any]:
    return mr("ibu", "5640", "ibuprofen 800 mg tablet", dose=800, per=3)


# ------------------------------------------------------------------ gabapentinoid with an opioid
@pytest.mark.parametrize("hook", HOOKS)
def test_gabapentin_for_neuropathy_on_oxycodone_names_both_and_offers_naloxone(hook: str) -> None:
    """Whatever the gabapentinoid is for (diabetic polyneuropathy here): the combination is the risk."""
    cards = run(hook, [gabapentin()], RAD, DPN, OXYCODONE_60_MME)
    assert rules(cards) == ["order.gabapentinoid-with-opioid"]
    c = cards[0]
    assert c.indicator == GRADE[hook]
    assert "gabapentin" in c.summary.lower() and "oxycodone" in c.summary
    assert "respiratory depression" in c.summary and "naloxone" in c.summary
    assert "MedicationRequest/oxy" in refs(c)
    assert creates(c) == [NALOXONE]
    assert "CDC 2022" in {g.label for g in c.evidence}


@pytest.mark.parametrize("hook", HOOKS)
def test_oxycodone_drafted_on_pregabalin_gets_the_opioid_card_naming_it(hook: str) -> None:
    cards = run(hook, [oxycodone_5mg_q6h()], RAD, PREGABALIN)
    c = one(cards, "order.opioid-risk")
    assert c.indicator == GRADE[hook]
    assert "Oxycodone with pregabalin" in c.summary and "respiratory depression" in c.summary
    assert "MedicationRequest/preg" in refs(c)
    assert creates(c) == [NALOXONE]
    assert "start oxycodone low" in c.next_steps[0]


def test_gabapentinoid_for_sciatica_on_an_opioid_gets_the_safety_card_beside_the_evidence_note() -> None:
    cards = run("order-sign", [gabapentin()], RAD, OXYCODONE_60_MME)
    assert rules(cards) == ["order.gabapentinoid-with-opioid", "order.gabapentinoid-sciatica"]
    note = cards[1]
    # the generic line is said, by name, on the safety card instead
    assert not any("respiratory depression" in s for s in note.next_steps)


def test_opioid_and_gabapentinoid_drafted_together_give_one_co_prescription_card() -> None:
    orders = [oxycodone_5mg_q6h(), gabapentin()]
    sign = run("order-sign", orders, RAD, DPN)
    assert rules(sign) == ["order.opioid-risk"]
    assert "MedicationRequest/gaba" in refs(sign[0])
    # order-select with only the gabapentinoid selected: its card names the drafted opioid
    select = run("order-select", orders, RAD, DPN, selections=("MedicationRequest/gaba",))
    c = one(select, "order.gabapentinoid-with-opioid")
    assert "MedicationRequest/oxyd" in refs(c) and c.indicator == "info"


def test_high_dose_opioid_with_a_gabapentinoid_keeps_the_dose_summary_and_names_the_gabapentinoid() -> None:
    high = mr("oxyd", "7804", "oxycodone 15 mg tablet", dose=15, per=4)  # 90 MME/day
    c = one(run("order-select", [high], RAD, PREGABALIN), "order.opioid-risk")
    assert c.indicator == "warning" and "MME/day" in c.summary
    assert any("With pregabalin: do not raise both doses together" in s for s in c.next_steps)


# ------------------------------------------------------------------ NSAID co-prescription
@pytest.mark.parametrize("hook", HOOKS)
def test_ibuprofen_for_an_86_year_old_on_apixaban_and_naproxen_warns_naming_them(hook: str) -> None:
    cards = run(hook, [ibuprofen()], RAD, APIXABAN, NAPROXEN, born=date(1940, 3, 1))
    assert rules(cards) == ["order.nsaid-co-prescription"]
    c = cards[0]
    assert c.indicator == "warning"
    assert "apixaban" in c.summary and "naproxen" in c.summary and "bleeding" in c.summary
    assert {"MedicationRequest/apx", "MedicationRequest/nap", "Patient/p1"} <= set(refs(c))
    assert any(f.text.startswith("age 86") for f in c.why)
    assert any("Do not combine NSAIDs" in s for s in c.next_steps)
    (remove,) = c.suggestions
    assert remove.is_recommended and remove.actions[0].type == "delete"
    assert "NICE NG59" in render_full(c)


@pytest.mark.parametrize(
    ("rx", "name"),
    [("11289", "warfarin"), ("32968", "clopidogrel"), ("21107", "cilostazol")],
)
def test_an_nsaid_with_an_anticoagulant_or_non_aspirin_antiplatelet_warns(rx: str, name: str) -> None:
    c = one(run("order-sign", [ibuprofen()], RAD, med("at", rx, name, 100)), "order.nsaid-co-prescription")
    assert name in c.summary and "MedicationRequest/at" in refs(c)


def test_a_second_nsaid_warns_without_recommending_removal_and_a_renewal_does_not() -> None:
    c = one(run("order-sign", [ibuprofen()], RAD, NAPROXEN), "order.nsaid-co-prescription")
    assert "two NSAIDs" in c.summary and not any(s.is_recommended for s in c.suggestions)
    assert not any(f.text.startswith("age ") for f in c.why)  # 56 years old: under 75
    renewal = mr("nap2", "7258", "naproxen 500 mg tablet", dose=500, per=2)
    assert run("order-sign", [renewal], RAD, NAPROXEN) == []


def test_analgesic_dose_aspirin_counts_as_a_second_nsaid() -> None:
    asa = med("asa", "1191", "aspirin 650 mg tablet", 10)
    c = one(run("order-sign", [ibuprofen()], RAD, asa), "order.nsaid-co-prescription")
    assert "aspirin" in c.summary


# ------------------------------------------------------------------ tramadol with an SNRI or tricyclic
@pytest.mark.parametrize(("rx", "name"), [("72625", "duloxetine"), ("39786", "venlafaxine")])
def test_tramadol_with_an_snri_warns_about_serotonin_syndrome(rx: str, name: str) -> None:
    tramadol = mr("tram", "10689", "tramadol 50 mg tablet", dose=50, per=2)  # 20 MME/day
    cards = run("order-sign", [tramadol], RAD, med("snri", rx, f"{name} 60 mg capsule", 60))
    c = one(cards, "order.opioid-risk")
    assert c.indicator == "warning"
    assert f"Tramadol with {name}" in c.summary and "serotonin syndrome" in c.summary
    assert "MedicationRequest/snri" in refs(c)
    assert not creates(c)  # naloxone is for sedation and overdose, not this


def duloxetine() -> dict[str, Any]:
    return mr("dlx", "72625", "duloxetine 30 mg capsule", dose=30, per=1)


TRAMADOL_CURRENT = med("tram", "10689", "tramadol 50 mg tablet", 60)


@pytest.mark.parametrize("hook", HOOKS)
def test_duloxetine_drafted_on_tramadol_names_both_and_asks_to_review_the_tramadol(hook: str) -> None:
    """The converse of the tramadol card: the antidepressant drafted for a patient taking tramadol."""
    cards = run(hook, [duloxetine()], RAD, TRAMADOL_CURRENT)
    c = one(cards, "order.antidepressant-with-tramadol")
    assert c.indicator == GRADE[hook]
    assert c.summary.startswith("Duloxetine with tramadol: serotonin syndrome")
    assert "MedicationRequest/tram" in refs(c)
    assert "tramadol is still needed" in c.next_steps[0] and "NICE CG173" in c.next_steps[0]
    assert "NICE CG173" in {g.label for g in c.evidence}
    assert not c.suggestions  # the recorded tramadol is reviewed with its prescriber, not deleted here


def test_tramadol_and_duloxetine_drafted_together_give_one_card() -> None:
    tramadol = mr("tramd", "10689", "tramadol 50 mg tablet", dose=50, per=2)
    sign = run("order-sign", [tramadol, duloxetine()], RAD)
    assert rules(sign) == ["order.opioid-risk"]  # the tramadol card names duloxetine
    assert "MedicationRequest/dlx" in refs(sign[0])
    # order-select with only duloxetine selected: its card names the drafted tramadol
    select = run("order-select", [tramadol, duloxetine()], RAD, selections=("MedicationRequest/dlx",))
    c = one(select, "order.antidepressant-with-tramadol")
    assert "MedicationRequest/tramd" in refs(c) and c.indicator == "info"


def test_duloxetine_after_tramadol_stopped_or_beside_another_opioid_draws_no_card() -> None:
    stopped = med("tram", "10689", "tramadol 50 mg tablet", 120, end_days_ago=60, status="completed")
    assert run("order-sign", [duloxetine()], RAD, stopped) == []
    assert run("order-sign", [duloxetine()], RAD, OXYCODONE_60_MME) == []


# ------------------------------------------------------------------ guards (hold before and after)
@pytest.mark.parametrize("hook", HOOKS)
def test_guard_ibuprofen_beside_low_dose_aspirin_alone_draws_no_card(hook: str) -> None:
    asa = med("asa", "1191", "aspirin 81 mg oral tablet", 400)
    assert run(hook, [ibuprofen()], RAD, asa) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_age_alone_draws_no_nsaid_card(hook: str) -> None:
    assert run(hook, [ibuprofen()], RAD, born=date(1940, 3, 1)) == []


def test_guard_a_gabapentinoid_for_neuropathy_without_a_current_opioid_draws_no_card() -> None:
    stopped = med("oxy", "7804", "oxycodone 10 mg tablet", 120, end_days_ago=60, status="completed")
    assert run("order-sign", [gabapentin()], RAD, DPN) == []
    assert run("order-sign", [gabapentin()], RAD, DPN, stopped) == []


def test_guard_a_low_dose_short_opioid_alone_draws_no_card() -> None:
    assert run("order-sign", [oxycodone_5mg_q6h()], RAD) == []


def test_guard_another_opioid_beside_duloxetine_draws_no_serotonin_card() -> None:
    duloxetine = med("snri", "72625", "duloxetine 60 mg capsule", 60)
    assert run("order-sign", [oxycodone_5mg_q6h()], RAD, duloxetine) == []


def test_guard_the_benzodiazepine_card_is_unchanged() -> None:
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    c = one(run("order-select", [benzo], RAD, OXYCODONE_60_MME), "order.benzodiazepine-with-opioid")
    assert c.indicator == "warning"
