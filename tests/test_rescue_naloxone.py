"""The naloxone in sublingual buprenorphine-naloxone is not naloxone on hand for an overdose.

A benzodiazepine drafted for a patient on Suboxone drew "offer naloxone" with no naloxone to order:
the combination matched the naloxone value set by its ingredient, so the check took it for a rescue
prescription already on record. The naloxone in the film deters injecting it; it reverses no
overdose. A current naloxone prescription that is not an opioid made with it
(``PathwayContext.rescue_naloxone``) is what counts, for the order checks and M1 alike.

M4 on the patient view now names a benzodiazepine or gabapentinoid beside MOUD (warning) and offers
naloxone beside one, or beside a full-agonist opioid, unless rescue naloxone is on record.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from hooks.orders import evaluate_orders
from hooks.terminology import default_terminology
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OUD = cond("oud", "F11.20", 400, "Opioid use disorder, moderate")


def recorded(rid: str, display: str, **extra: Any) -> Any:
    resource = {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-11-01",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "0", "display": display}],
                                      "text": display},
        **extra,
    }  # fmt: skip
    (m,) = build_history([resource], default_terminology()).medications
    return m


def naloxone_offered(*on_record: Any) -> bool:
    lorazepam = mr("lzp", "6470", "lorazepam", dose=1, per=2)
    facts = (cond("rad", RADICULOPATHY, 100), OUD, *on_record)
    cards = evaluate_orders(inp("order-sign", [lorazepam], history(*facts)))
    return any("naloxone" in s.label.lower() for c in cards for s in c.suggestions)


def test_buprenorphine_naloxone_film_is_no_rescue_naloxone() -> None:
    assert naloxone_offered(recorded("sbx", "buprenorphine 8 MG / naloxone 2 MG Sublingual Film"))


def test_guard_a_naloxone_nasal_spray_on_record_is_not_offered_again() -> None:
    suboxone = recorded("sbx", "buprenorphine 8 MG / naloxone 2 MG Sublingual Film")
    spray = recorded("nlx", "naloxone hydrochloride 4 MG/ACTUAT Nasal Spray")
    assert not naloxone_offered(suboxone, spray)


# The patient view: M4 (treatment for opioid use disorder) said only "continue it" beside a
# benzodiazepine, and offered no naloxone beside a full-agonist opioid (CDC 2022 recommendations 8, 11).


def m4(*on_record: Any) -> Any:
    from hooks.pathway import evaluate_pathway

    chart = history(cond("rad", RADICULOPATHY, 100), OUD, *on_record)
    cards = evaluate_pathway(inp("patient-view", [], chart))
    (card,) = [c for c in cards if c.rule_id == "M4"]
    return card


SUBOXONE = "buprenorphine 8 MG / naloxone 2 MG Sublingual Film"


def test_m4_names_a_benzodiazepine_beside_moud_and_offers_naloxone() -> None:
    card = m4(recorded("sbx", SUBOXONE), recorded("lzp", "lorazepam 1 MG Oral Tablet"))
    assert card.indicator == "warning"
    assert "benzodiazepine" in card.summary and "offer naloxone" in card.summary
    assert any(f.ref == "MedicationRequest/lzp" for f in card.why)
    assert "never stop the MOUD" in card.next_steps[0]
    assert [s.label for s in card.suggestions] == ["Prescribe naloxone (opioid overdose reversal)"]


def test_m4_offers_naloxone_beside_a_full_agonist_opioid() -> None:
    hydrocodone = recorded("hc", "hydrocodone bitartrate 10 MG / acetaminophen 325 MG Oral Tablet")
    card = m4(recorded("sbx", SUBOXONE), hydrocodone)
    assert card.indicator == "warning"
    assert any("naloxone" in s.label.lower() for s in card.suggestions)


def test_moud_alone_stays_an_info_card_and_offers_naloxone() -> None:
    """Everyone treated for opioid use disorder is offered naloxone (CDC 2022 recommendation 8); the
    card stays info."""
    card = m4(recorded("sbx", SUBOXONE))
    assert card.indicator == "info"
    assert [s.label for s in card.suggestions] == ["Prescribe naloxone (opioid overdose reversal)"]


def test_guard_moud_with_a_naloxone_spray_on_record_offers_none() -> None:
    card = m4(recorded("sbx", SUBOXONE), recorded("nlx", "naloxone hydrochloride 4 MG/ACTUAT Nasal Spray"))
    assert not card.suggestions


def test_m1_does_not_ask_for_naloxone_already_on_hand() -> None:
    """M1's summary ended "offer naloxone" beside a naloxone spray on record (its steps and offers
    already left it out)."""
    from hooks.pathway import evaluate_pathway

    every_6_hours = {"dosageInstruction": [{
        "timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
    }]}  # fmt: skip
    oxycodone = recorded("oxy", "oxycodone hydrochloride 30 MG Oral Tablet", **every_6_hours)  # 180 MME/day
    spray = recorded("nlx", "naloxone hydrochloride 4 MG/ACTUAT Nasal Spray")
    chart = history(cond("rad", RADICULOPATHY, 100), oxycodone, spray)
    (m1,) = [c for c in evaluate_pathway(inp("patient-view", [], chart)) if c.rule_id == "M1"]
    assert "naloxone" not in m1.summary and not m1.suggestions
