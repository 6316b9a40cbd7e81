"""A dose change written as a new order (``MedicationRequest.priorPrescription``) is one dose, not two.

An EHR that changes a dose writes a new MedicationRequest naming the order it replaces in
``priorPrescription``; the old one is often still marked active. Oxycodone 10 mg every 6 hours
(60 MME/day) raised to every 4 hours (90 MME/day) was added up to 150 MME/day, at order time and
on the chart's own M1 card. The order replaced is no longer counted, nor an order stopped (its supply
still running) beside a newer order of the same drug, or beside a draft of it. Without ``priorPrescription``
two active orders of one drug at two doses may both be taken (a scheduled dose and a breakthrough
dose): they are still added, and the guard tests hold that.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.draft_orders import read_order
from cds_service.fhir_facts import build_history
from hooks.cards import render_detail
from hooks.orders import evaluate_orders
from hooks.pathway.rules.medication import counted_opioids, daily_mme
from hooks.terminology import default_terminology
from tests.orders_builders import RADICULOPATHY, TODAY, cond, history, inp
from tests.pathway_builders import context

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OXYCODONE_5MG = "1049621"  # oxycodone hydrochloride 5 MG Oral Tablet


def oxycodone(
    rid: str, tablets: int, every_hours: int, *, status: str, authored: str, **extra: Any
) -> dict[str, Any]:
    """Oxycodone 5 mg tablets, ``tablets`` every ``every_hours`` hours."""
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": authored,
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": OXYCODONE_5MG,
                                                  "display": "oxycodone hydrochloride 5 MG Oral Tablet"}]},
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 1, "period": every_hours, "periodUnit": "h"}},
            "doseAndRate": [{"doseQuantity": {"value": tablets, "unit": "tablet"}}],
        }],
        **extra,
    }  # fmt: skip


OLD = oxycodone("oxy-old", 2, 6, status="active", authored="2026-09-01")  # 40 mg/day: 60 MME/day
REPLACES_OLD = {"priorPrescription": {"reference": "MedicationRequest/oxy-old"}}


def _opioid_card_detail(draft: dict[str, Any]) -> str:
    recorded = build_history([OLD], default_terminology()).medications
    cards = evaluate_orders(inp("order-sign", [draft], history(cond("rad", RADICULOPATHY, 120), *recorded)))
    (card,) = [c for c in cards if c.rule_id == "order.opioid-risk"]
    return render_detail(card)


def test_a_drafted_dose_change_is_not_added_to_the_order_it_replaces() -> None:
    draft = oxycodone("oxy-new", 2, 4, status="draft", authored=TODAY.isoformat(), **REPLACES_OLD)  # 90 MME
    detail = _opioid_card_detail(draft)
    assert "90 MME/day" in detail and "150 MME/day" not in detail, detail


def test_guard_a_second_dose_of_the_same_drug_without_prior_prescription_is_added() -> None:
    draft = oxycodone("oxy-new", 2, 4, status="draft", authored=TODAY.isoformat())
    assert "150 MME/day" in _opioid_card_detail(draft)


def test_the_record_reads_prior_prescription_and_counts_the_newer_order_only() -> None:
    new = oxycodone("oxy-new", 2, 4, status="active", authored="2026-11-01", **REPLACES_OLD)
    meds = build_history([OLD, new], default_terminology()).medications
    assert {m.ref: m.replaces for m in meds} == {
        "MedicationRequest/oxy-old": None,
        "MedicationRequest/oxy-new": "MedicationRequest/oxy-old",
    }
    assert daily_mme(context(*meds), meds) == 90


def test_guard_two_active_orders_of_one_drug_without_prior_prescription_are_added() -> None:
    new = oxycodone("oxy-new", 2, 4, status="active", authored="2026-11-01")
    meds = build_history([OLD, new], default_terminology()).medications
    assert daily_mme(context(*meds), meds) == 150


def test_guard_a_replacement_no_longer_active_does_not_hide_the_order_it_named() -> None:
    stopped = oxycodone("oxy-new", 2, 4, status="stopped", authored="2026-11-01", **REPLACES_OLD)
    meds = build_history([OLD, stopped], default_terminology()).medications
    assert daily_mme(context(*meds), meds) == 60


def test_a_draft_reads_its_prior_prescription_as_type_and_id() -> None:
    versioned = {"priorPrescription": {"reference": "https://ehr.example/fhir/MedicationRequest/oxy-old/_history/3"}}
    order = read_order(oxycodone("oxy-new", 2, 4, status="draft", authored="2026-11-20", **versioned), True)
    assert order.replaces == "MedicationRequest/oxy-old"


# An order stopped by its prescriber, its supply still running, beside a newer order of the same drug:
# the dose was changed (a taper read as 90 MME/day was 30).
SUPPLY = {"dispenseRequest": {"validityPeriod": {"start": "2026-09-01", "end": "2026-12-31"}}}
STOPPED_OLD = {**oxycodone("oxy-old", 2, 6, status="stopped", authored="2026-09-01"), **SUPPLY}


def test_a_stopped_order_beside_a_newer_one_of_the_same_drug_is_not_added() -> None:
    new = oxycodone("oxy-new", 1, 6, status="active", authored="2026-10-25")  # 20 mg/day: 30 MME/day
    meds = build_history([STOPPED_OLD, new], default_terminology()).medications
    assert daily_mme(context(*meds), meds) == 30


def test_guard_a_stopped_order_with_its_supply_running_alone_still_counts() -> None:
    meds = build_history([STOPPED_OLD], default_terminology()).medications
    assert daily_mme(context(*meds), meds) == 60


def test_at_order_time_a_draft_of_the_drug_stopped_is_its_new_dose() -> None:
    recorded = build_history([STOPPED_OLD], default_terminology()).medications
    draft = oxycodone("oxy-new", 2, 4, status="draft", authored=TODAY.isoformat())  # 90 MME/day
    cards = evaluate_orders(inp("order-sign", [draft], history(cond("rad", RADICULOPATHY, 120), *recorded)))
    (card,) = [c for c in cards if c.rule_id == "order.opioid-risk"]
    assert "90 MME/day" in render_detail(card) and "150 MME/day" not in render_detail(card)


def test_a_replacement_not_yet_signed_or_started_does_not_hide_the_dose_taken() -> None:
    """A draft dose change in the patient-view record, or a signed one starting in 14 days, named the
    order it replaces: that order's dose stopped counting before the new one took effect."""
    # (the pathway's test day is 2026-11-02)
    draft = oxycodone("oxy-new", 1, 6, status="draft", authored="2026-11-01", **REPLACES_OLD)
    later = oxycodone("oxy-new", 1, 6, status="active", authored="2026-11-16", **REPLACES_OLD)
    for new in (draft, later):
        meds = build_history([OLD, new], default_terminology()).medications
        ctx = context(*meds)
        counted = {m.ref: v for m, v in counted_opioids(ctx, meds).items()}
        assert counted.get("MedicationRequest/oxy-old") == 60


def test_a_replacement_written_today_but_valid_from_a_later_day_does_not_hide_the_dose_taken() -> None:
    """A dose change signed on 2026-11-01 whose validity period starts on 2026-11-16: the order it
    replaces is still the dose taken today (the pathway's test day is 2026-11-02)."""
    scheduled = oxycodone(
        "oxy-new", 1, 6, status="active", authored="2026-11-01", **REPLACES_OLD,
        dispenseRequest={"validityPeriod": {"start": "2026-11-16"}},
    )  # fmt: skip
    meds = build_history([OLD, scheduled], default_terminology()).medications
    (new,) = [m for m in meds if m.ref == "MedicationRequest/oxy-new"]
    assert new.start is not None and new.start.isoformat() == "2026-11-16"
    counted = {m.ref: v for m, v in counted_opioids(context(*meds), meds).items()}
    assert counted.get("MedicationRequest/oxy-old") == 60


def test_guard_a_validity_period_that_began_before_the_order_was_written_starts_at_authoring() -> None:
    back_dated = oxycodone(
        "oxy-new", 1, 6, status="active", authored="2026-10-20", **REPLACES_OLD,
        dispenseRequest={"validityPeriod": {"start": "2026-10-01"}},
    )  # fmt: skip
    meds = build_history([OLD, back_dated], default_terminology()).medications
    counted = {m.ref: v for m, v in counted_opioids(context(*meds), meds).items()}
    assert "MedicationRequest/oxy-old" not in counted and counted.get("MedicationRequest/oxy-new") == 30
