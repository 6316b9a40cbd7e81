"""Drugs recorded by their brand name only.

EHRs code prescriptions at the branded-drug level, which the ingredient value sets do not list, and
many name them brand first ("Eliquis 5 MG Oral Tablet"). The ingredient is then read from the brand
(hooks/data/brand_names.json, words only, no codes): an anticoagulant named by its brand draws the
bleeding-risk card before a neuraxial procedure, is kept by the relevance screen, and a drafted NSAID
named by its brand is the NSAID it is. A brand is a word of its own: "Soma" is not in "somatostatin".

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from hooks.orders import evaluate_orders
from hooks.text import brand_names, ingredients_named
from tests.orders_builders import RADICULOPATHY, RX, SUBJECT, TERM, cond, history, inp, proc, sr

ANTITHROMBOTIC = "order.antithrombotic-procedure"


def prescription(display: str, code: str = "1364447") -> dict[str, Any]:
    """An active MedicationRequest coded at the branded-drug level, which no value set lists."""
    return {
        "resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
        "subject": SUBJECT, "authoredOn": "2026-01-01",
        "medicationCodeableConcept": {
            "coding": [{"system": RX, "code": code, "display": display}], "text": display,
        },
    }  # fmt: skip


def esi_sign_cards(display: str) -> list[Any]:
    med = build_history([prescription(display)], TERM).medications[0]
    h = history(cond("rad", RADICULOPATHY, 200), proc("mri", "72148", 60), med)
    return evaluate_orders(inp("order-sign", [sr("esi", "64483", "Lumbar TFESI L5-S1 left")], h))


def test_every_brand_names_ingredients_the_value_sets_hold() -> None:
    displays = {m.display for n in TERM.names if n.startswith("rx_") for m in TERM[n].members}
    for brand, ingredients in brand_names().items():
        assert ingredients and set(ingredients) <= displays, brand


@pytest.mark.parametrize(
    ("display", "ingredient"),
    [
        ("Eliquis 5 MG Oral Tablet", "apixaban"),
        ("Coumadin 5 MG Oral Tablet", "warfarin"),
        ("XARELTO 20 MG Oral Tablet", "rivaroxaban"),
        ("Plavix 75 MG Oral Tablet", "clopidogrel"),
    ],
)
def test_an_antithrombotic_named_by_its_brand_draws_the_bleeding_risk_card(
    display: str, ingredient: str
) -> None:
    cards = [c for c in esi_sign_cards(display) if c.rule_id == ANTITHROMBOTIC]
    assert len(cards) == 1
    c = cards[0]
    assert c.indicator == "warning" and c.summary.startswith(f"On {ingredient}:")
    drug = next(f for f in c.why if f.ref == "MedicationRequest/m1")
    assert drug.short == f"{display.split()[0]} ({ingredient}): anticoagulant" or drug.short == (
        f"{display.split()[0]} ({ingredient}): P2Y12 inhibitor"
    )


def test_guard_the_ingredient_name_in_the_branded_name_was_read_before() -> None:
    cards = esi_sign_cards("apixaban 5 MG Oral Tablet [Eliquis]")
    assert [c.rule_id for c in cards if c.rule_id == ANTITHROMBOTIC] == [ANTITHROMBOTIC]


def test_the_relevance_screen_keeps_a_drug_named_by_its_brand() -> None:
    assert is_relevant(prescription("Eliquis 5 MG Oral Tablet"), TERM)
    assert not is_relevant(prescription("Lipitor 20 MG Oral Tablet", code="617314"), TERM)


def test_a_brand_is_a_word_of_its_own() -> None:
    assert [c.display for c in ingredients_named(TERM, "Soma 350 MG Oral Tablet")] == ["carisoprodol"]
    assert ingredients_named(TERM, "somatostatin 0.25 MG Injection") == ()
    assert ingredients_named(TERM, "Suboxone 8 MG / 2 MG Sublingual Film")
    assert "naloxone" not in {
        c.display for c in ingredients_named(TERM, "Suboxone 8 MG / 2 MG Sublingual Film")
    }
