"""Check 0: anticoagulants and antiplatelets before neuraxial and deep procedures (ASRA 2018)."""

from __future__ import annotations

from typing import Any

import pytest

from hooks.cards import CardDraft, render_detail, render_full
from hooks.orders import CHECKS, evaluate_orders
from hooks.orders.checks import antithrombotics
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, mr, obs, proc, sr

RULE = "order.antithrombotic-procedure"
HOOKS = ("order-select", "order-sign")
APIXABAN = ("apixaban", "1364430", "apixaban")
CLOPIDOGREL = ("clopidogrel", "32968", "clopidogrel")
WARFARIN = ("warfarin", "11289", "warfarin")
ASPIRIN = ("aspirin", "1191", "aspirin")
ESI = ("sr-esi", "64483", "Transforaminal epidural injection L5-S1")


def settled() -> list[Any]:
    """Ten weeks of radicular pain after physiotherapy, and the lumbar MRI: an ESI draws no low-value
    card."""
    return [
        cond("rad", RADICULOPATHY, 70),
        proc("pt", "97161", 60),
        proc("pt-1", "97110", 40),
        obs("pain", "pain", 7, 3),
        proc("mri", "72148", 20, "MRI lumbar spine without contrast"),
    ]


def run(hook: str, orders: list[dict[str, Any]], *facts: Any, **kw: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(*settled(), *facts, **kw)))


def safety(cards: list[CardDraft]) -> list[CardDraft]:
    return [c for c in cards if c.rule_id == RULE]


@pytest.mark.parametrize(("hook", "indicator"), [("order-select", "info"), ("order-sign", "warning")])
def test_esi_on_a_doac_and_a_p2y12_inhibitor_names_both_and_the_risk_class(hook: str, indicator: str) -> None:
    cards = run(hook, [sr(*ESI)], med(*APIXABAN, 200), med(*CLOPIDOGREL, 400))
    assert [c.rule_id for c in cards] == [RULE]
    card = cards[0]
    assert card.indicator == indicator
    assert "apixaban" in card.summary and "clopidogrel" in card.summary and "intermediate" in card.summary
    assert len(card.summary) < 140 and len(render_detail(card)) <= 400
    assert card.next_steps[0] == antithrombotics.HOLD_RESTART_EACH  # two drugs: each its own interval
    assert "each drug" in render_detail(card) and "agreed with the prescriber" in render_detail(card)
    refs = {f.ref for f in card.why}
    assert {"ServiceRequest/sr-esi", "MedicationRequest/apixaban", "MedicationRequest/clopidogrel"} <= refs
    assert card.evidence[0].label == "ASRA 2018" and "Narouze" in card.evidence[0].citation


def test_the_card_never_suggests_stopping_the_drug_or_removing_anything() -> None:
    card = safety(run("order-sign", [sr(*ESI)], med(*WARFARIN, 300)))[0]
    assert card.suggestions == ()
    full = render_full(card).lower()
    assert "stop the" not in full and "discontinue" not in full


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("63650", "SCS trial, percutaneous leads"),
        ("63685", "Spinal neurostimulator pulse generator"),
        ("62362", "Intrathecal pump implantation"),
        ("0275T", "MILD percutaneous decompression"),
    ],
)
def test_stimulator_pump_and_mild_are_high_risk(code: str, text: str) -> None:
    card = safety(run("order-sign", [sr("sr-x", code, text)], med(*WARFARIN, 300)))[0]
    assert card.indicator == "warning" and "high bleeding-risk" in card.summary


@pytest.mark.parametrize(
    ("code", "text"),
    [("62323", "Interlaminar ESI"), ("64493", "Medial branch block"), ("64635", "Facet RFA"),
     ("62290", "Discography"), ("62321", "Cervical interlaminar ESI")],
)  # fmt: skip
def test_epidural_facet_and_intradiscal_procedures_are_intermediate_risk(code: str, text: str) -> None:
    card = safety(run("order-sign", [sr("sr-x", code, text)], med(*APIXABAN, 100)))[0]
    assert "intermediate bleeding-risk" in card.summary


@pytest.mark.parametrize("status", ["stopped", "completed", "entered-in-error", "cancelled"])
@pytest.mark.parametrize("hook", HOOKS)
def test_a_drug_no_longer_taken_is_not_current(status: str, hook: str) -> None:
    assert safety(run(hook, [sr(*ESI)], med(*APIXABAN, 200, status=status))) == []


def test_a_drug_whose_course_ended_is_not_current() -> None:
    """Completed, or an active order whose supply ran out more than ``stale_order_days`` ago."""
    completed = med(*APIXABAN, 200, end_days_ago=30, status="completed")
    assert safety(run("order-sign", [sr(*ESI)], completed)) == []
    assert safety(run("order-sign", [sr(*ESI)], med(*APIXABAN, 800, end_days_ago=400))) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_an_active_order_whose_supply_ran_out_is_named_to_confirm(hook: str) -> None:
    """An apixaban order still marked active whose dispense supply or validity ended a month ago: the
    status says the drug goes on (refills, a renewal not yet recorded), so the bleeding risk is named,
    to confirm, not assumed away (decision model §7.1: current therapy is an order not stopped)."""
    cards = safety(run(hook, [sr(*ESI)], med(*APIXABAN, 200, end_days_ago=30)))
    assert len(cards) == 1
    text = render_full(cards[0])
    assert "order still marked active, supply to" in text and "confirm it is taken" in text, text


@pytest.mark.parametrize("hook", HOOKS)
def test_low_risk_and_non_procedure_orders_stay_silent(hook: str) -> None:
    assert safety(run(hook, [sr("sr-sij", "27096", "SI joint injection")], med(*APIXABAN, 200))) == []
    assert safety(run(hook, [sr("sr-mri", "72148", "MRI lumbar")], med(*WARFARIN, 200))) == []
    assert safety(run(hook, [mr("mr-x", "7258", "naproxen", 500, per=2)], med(*WARFARIN, 200))) == []


def test_aspirin_alone_is_silent_before_an_esi_and_a_minor_note_before_a_stimulator() -> None:
    assert safety(run("order-sign", [sr(*ESI)], med(*ASPIRIN, 300))) == []
    for hook in HOOKS:
        card = safety(run(hook, [sr("sr-trial", "63650", "SCS trial")], med(*ASPIRIN, 300)))[0]
        assert card.indicator == "info" and "aspirin" in card.summary and "minor" in card.summary


def test_aspirin_is_named_beside_a_p2y12_inhibitor_before_a_high_risk_procedure() -> None:
    card = safety(run("order-sign", [sr("sr-trial", "63650", "SCS trial")], med(*CLOPIDOGREL, 300),
                      med(*ASPIRIN, 300)))[0]  # fmt: skip
    assert card.indicator == "warning" and "clopidogrel" in card.summary
    assert "MedicationRequest/aspirin" in {f.ref for f in card.why}


def test_an_anticoagulant_drafted_in_the_same_session_counts() -> None:
    cards = run("order-sign", [sr(*ESI), mr("mr-enox", "67108", "enoxaparin", 40)])
    card = safety(cards)[0]
    assert card.subject_key == "ServiceRequest/sr-esi" and "enoxaparin" in card.summary


def test_the_safety_card_comes_before_a_low_value_card_on_the_same_order() -> None:
    early = [cond("rad", RADICULOPATHY, 20), obs("pain", "pain", 5, 2)]
    cards = evaluate_orders(inp("order-sign", [sr(*ESI)], history(*early, med(*APIXABAN, 200))))
    assert [c.rule_id for c in cards] == [RULE, "order.esi-too-early"]
    assert CHECKS.index(antithrombotics.CHECK) == 1  # right after red-flag interception


def test_unreadable_medications_are_said_on_the_order() -> None:
    cards = evaluate_orders(
        inp("order-sign", [sr(*ESI)], history(*settled(), unavailable={"medicationRequests": "timeout"}))
    )
    gap = [c for c in cards if c.rule_id == "order.not-fully-checked"]
    assert gap and any("anticoagulants" in s for s in gap[0].next_steps)


def test_the_sandbox_card_shows_the_procedure_class_and_each_drug_whole() -> None:
    """The Sandbox's long order text and brand-named drugs: no fact is cut in the middle; what decides
    the card stays (interlaminar, its bleeding-risk class, each drug by name and class)."""
    order = sr("sr-esi", "62323", "Lumbar interlaminar epidural injection with imaging guidance")
    eliquis = med("eliquis", "1364430", "Eliquis 5 mg twice daily", 300)
    plavix = med("plavix", "32968", "Plavix 75 mg daily", 500)
    for hook in HOOKS:
        card = safety(run(hook, [order], eliquis, plavix))[0]
        detail = render_detail(card)
        facts = [line for line in detail.splitlines() if line.startswith("- ")]
        assert len(facts) == 3 and not any(" … " in f or f.endswith("…") for f in facts), detail
        procedure = (
            "Lumbar interlaminar epidural injection with imaging guidance — intermediate bleeding risk"
        )
        assert f"Draft order: {procedure}" in detail
        assert "Eliquis (apixaban): anticoagulant" in detail
        assert "Plavix (clopidogrel): P2Y12 inhibitor" in detail
        assert "each drug" in detail and "this drug" not in detail
        assert len(detail) <= 400
        full = render_full(card)  # the full reasoning keeps the doses
        assert "Eliquis 5 mg twice daily: current anticoagulant" in full and "Plavix 75 mg daily" in full


def test_one_drug_keeps_the_interval_for_this_drug() -> None:
    card = safety(run("order-sign", [sr(*ESI)], med(*WARFARIN, 300)))[0]
    assert card.next_steps[0] == antithrombotics.HOLD_RESTART
    assert "warfarin: anticoagulant" in render_detail(card)


def test_a_drug_short_form_names_the_record_beside_the_ingredient_only_when_it_differs() -> None:
    short = antithrombotics.drug_short
    eliquis = short("Eliquis 5 mg twice daily", "apixaban", "anticoagulant")
    assert eliquis == "Eliquis (apixaban): anticoagulant"
    assert short("apixaban 5 MG Oral Tablet", "apixaban", "anticoagulant") == "apixaban: anticoagulant"
    long_text = "Anticoagulation as directed by the cardiology clinic"
    assert short(long_text, "warfarin", "anticoagulant") == "warfarin: anticoagulant"


def _recorded(rid: str, code: str, display: str) -> Any:
    """A current prescription as the EHR sends it, read by the service's own reader."""
    from cds_service.fhir_facts import build_history
    from hooks.terminology import default_terminology

    resource = {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-10-01",
        "medicationCodeableConcept": {"coding": [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code, "display": display}]},
    }  # fmt: skip
    (m,) = build_history([resource], default_terminology()).medications
    return m


@pytest.mark.parametrize(
    ("code", "display", "named"),
    [
        ("321208", "fondaparinux", "fondaparinux"),  # the ingredient code (UNVERIFIED in the value set)
        ("0", "fondaparinux sodium 7.5 MG in 0.6 ML Prefilled Syringe", "fondaparinux"),  # by its name
        ("0", "Arixtra 2.5 MG in 0.5 ML Prefilled Syringe", "fondaparinux"),  # by its brand
        ("69528", "tinzaparin", "tinzaparin"),
    ],
)
def test_fondaparinux_and_tinzaparin_are_anticoagulants_before_an_epidural(
    code: str, display: str, named: str
) -> None:
    """ASRA 2018 gives both hold intervals before neuraxial procedures; neither was in the value set,
    so an ESI on fondaparinux drew no card."""
    (card,) = safety(run("order-sign", [sr(*ESI)], _recorded("fpx", code, display)))
    assert card.indicator == "warning" and named in card.summary
