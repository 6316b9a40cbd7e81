"""Check 9 on opioid orders as real clients send them: the RxNorm clinical drug code and name, the
dose in tablets (or mL, or patches). MME/day from the strength per unit; a dose that cannot be
computed is said on a card; an extended-release/long-acting opioid for an opioid-naive patient warns
(CDC 2022 recommendation 3)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cds_service.draft_orders import read_order
from fhir_fixtures import fhir_builder as fb
from hooks.cards import CardDraft, render_detail, render_full
from hooks.clinical_drugs import clinical_drug, is_extended_release_or_long_acting, parse_clinical_drug_name
from hooks.orders import evaluate_orders
from hooks.orders.checks.medications import order_mme_result
from hooks.orders.context import OrderContext
from hooks.thresholds import DEFAULT_THRESHOLDS
from tests.orders_builders import RADICULOPATHY, RX, SUBJECT, TODAY, cond, history, inp, med, mr

OXY_IR = ("1049621", "oxycodone hydrochloride 5 MG Oral Tablet")
OXY_ER = ("1049502", "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet")
RULE, ER_RULE = "order.opioid-risk", "order.opioid-er-naive"


def scd(
    rid: str, code: str | None, name: str, value: float | None, unit: str = "{pill}", per_day: int | None = 4
) -> dict[str, Any]:
    """A draft MedicationRequest coded only by its clinical drug (code and name), dose in units."""
    concept = {"coding": [fb.unchecked_coding(RX, code, name)]} if code else {"text": name}
    res = fb.medication_request(rid, concept, SUBJECT, status="draft", authored=TODAY.isoformat())
    if value is not None:
        quantity = {"value": value, "system": fb.UCUM, "code": unit}  # as the Sandbox's Rx view sends it
        dosage: dict[str, Any] = {"doseAndRate": [{"doseQuantity": quantity}]}
        if per_day is not None:
            dosage["timing"] = {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}}
        res["dosageInstruction"] = [dosage]
    return res


def mme(resource: dict[str, Any]) -> tuple[float | None, str | None]:
    ctx = OrderContext(inp("order-sign", [resource]))
    result = order_mme_result(ctx, read_order(resource, True))
    return result.mme_per_day, result.reason


def run(hook: str, orders: list[dict[str, Any]], *facts: Any, **kw: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(cond("rad", RADICULOPATHY, 100), *facts, **kw)))


def by_rule(cards: list[CardDraft], rule: str) -> list[CardDraft]:
    return [c for c in cards if c.rule_id == rule]


# ---------------------------------------------------------------------------------------- MME/day
def test_sandbox_oxycodone_two_tablets_four_times_a_day_is_60_mme() -> None:
    assert mme(scd("o", *OXY_IR, 2)) == (60.0, None)  # 5 mg × 2 × 4 = 40 mg × 1.5


def test_tablets_written_out_count_too() -> None:
    assert mme(scd("o", *OXY_IR, 2, "{tbl}"))[0] == mme(scd("o", *OXY_IR, 2, "tablet"))[0] == 60.0


def test_the_older_sandbox_period_units_spelling_is_read() -> None:
    order = scd("o", *OXY_IR, 2)
    order["dosageInstruction"][0]["timing"]["repeat"] = {"frequency": 4, "period": 1, "periodUnits": "d"}
    assert mme(order)[0] == 60.0


def test_strength_is_read_from_the_name_when_the_code_is_not_in_the_table() -> None:
    value, _ = mme(scd("m", "999000111", "morphine sulfate 15 MG Oral Tablet", 1, per_day=3))
    assert value == 45.0
    value, _ = mme(scd("m", None, "hydromorphone hydrochloride 2 MG Oral Tablet", 2, "tablet", 4))
    assert value == 80.0  # 16 mg × 5


def test_an_oral_solution_counts_millilitres() -> None:
    value, _ = mme(scd("s", None, "oxycodone hydrochloride 1 MG/ML Oral Solution", 5, "mL", 4))
    assert value == 30.0


@pytest.mark.parametrize(
    ("resource", "says"),
    [
        (scd("o", *OXY_IR, 1, per_day=None), "doses per day"),
        (scd("o", *OXY_IR, None), "not given"),
        (scd("s", None, "oxycodone hydrochloride 1 MG/ML Oral Solution", 2, "{tbl}"), "dose unit"),
        (scd("o", None, "oxycodone", 2), "strength"),
    ],
)
def test_when_mme_cannot_be_computed_the_reason_is_given(resource: dict[str, Any], says: str) -> None:
    value, reason = mme(resource)
    assert value is None and reason is not None and says in reason


def test_a_dose_in_mg_is_still_read_directly() -> None:
    assert mme(mr("oxy", "7804", "oxycodone", dose=10, per=4))[0] == 60.0


# ------------------------------------------------------------------------- cards from these doses
@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_high_dose_from_tablets_warns_and_low_dose_is_silent(hook: str) -> None:
    high = by_rule(run(hook, [scd("o", *OXY_IR, 2)]), RULE)
    assert len(high) == 1 and high[0].indicator == "warning" and "60 MME/day" in render_full(high[0])
    assert run(hook, [scd("o", *OXY_IR, 1)]) == []  # 30 MME/day


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_an_uncomputable_dose_is_never_dropped(hook: str) -> None:
    cards = run(hook, [scd("o", *OXY_IR, 1, per_day=None)])
    assert [(c.rule_id, c.indicator) for c in cards] == [(RULE, "info")]
    assert "could not be computed" in cards[0].summary and "doses per day" in render_detail(cards[0])
    assert cards[0].suggestions == ()


def test_an_uncomputable_dose_rides_on_a_warning_that_fires_anyway() -> None:
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    card = by_rule(run("order-sign", [scd("o", *OXY_IR, None), benzo]), RULE)[0]
    assert card.indicator == "warning"
    assert any("could not be computed" in g for g in card.gaps)


# ---------------------------------------------------------------------------------- ER/LA in naive
@pytest.mark.parametrize(
    ("code", "name", "long_acting"),
    [
        (*OXY_ER, True),
        ("197696", "72 HR fentanyl 0.075 MG/HR Transdermal System", True),
        (None, "methadone hydrochloride 10 MG Oral Tablet", True),
        (None, "24 HR hydrocodone bitartrate 20 MG Extended Release Oral Tablet", True),
        (*OXY_IR, False),
        (None, "morphine sulfate 15 MG Oral Tablet", False),
    ],
)
def test_extended_release_and_long_acting_forms(code: str | None, name: str, long_acting: bool) -> None:
    drug = clinical_drug(code, name) if code else parse_clinical_drug_name(name)
    assert drug is not None and is_extended_release_or_long_acting(drug) is long_acting


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_er_opioid_for_an_opioid_naive_patient_warns(hook: str) -> None:
    cards = run(hook, [scd("er", *OXY_ER, 1, per_day=2)])
    assert [c.rule_id for c in cards] == [ER_RULE]
    card = cards[0]
    assert card.indicator == "warning" and "opioid-naive" in card.summary and "CDC 2022" in card.summary
    assert "90 days" in render_detail(card)
    assert [a.type for s in card.suggestions for a in s.actions] == ["delete"]


def test_a_fentanyl_patch_dosed_in_mcg_per_hour_is_long_acting() -> None:
    patch = mr("fent", "4337", "fentanyl", dose=12, unit="ug/h")
    assert by_rule(run("order-sign", [patch]), ER_RULE)


def test_an_immediate_release_opioid_for_a_naive_patient_draws_no_er_card() -> None:
    assert by_rule(run("order-sign", [scd("o", *OXY_IR, 1)]), ER_RULE) == []


def test_an_immediate_release_opioid_drafted_alongside_does_not_make_the_patient_tolerant() -> None:
    cards = run("order-sign", [scd("o", *OXY_IR, 1), scd("er", *OXY_ER, 1, per_day=2)])
    assert [c.subject_key for c in by_rule(cards, ER_RULE)] == ["MedicationRequest/er"]


@pytest.mark.parametrize(("start", "end", "naive"), [(200, None, False), (120, 30, False), (400, 200, True)])
def test_opioid_use_in_the_last_90_days_means_not_naive(start: int, end: int | None, naive: bool) -> None:
    cards = run("order-sign", [scd("er", *OXY_ER, 1, per_day=2)], med("old", "7804", "oxycodone", start, end))
    assert bool(by_rule(cards, ER_RULE)) is naive


def test_the_naive_window_is_a_site_threshold() -> None:
    order = scd("er", *OXY_ER, 1, per_day=2)
    hist = history(cond("rad", RADICULOPATHY, 100), med("old", "7804", "oxycodone", 120, 60))
    default = evaluate_orders(inp("order-sign", [order], hist))
    site = replace(DEFAULT_THRESHOLDS, opioid_naive_days=30)
    short = replace(inp("order-sign", [order], hist), thresholds=site)
    assert not by_rule(default, ER_RULE) and by_rule(evaluate_orders(short), ER_RULE)


def test_unread_medications_do_not_make_a_patient_naive() -> None:
    down = {"medicationRequests": "FHIR server answered 500", "medicationStatements": "timeout"}
    cards = run("order-sign", [scd("er", *OXY_ER, 1, per_day=2)], unavailable=down)
    assert by_rule(cards, ER_RULE) == []
    assert by_rule(cards, "order.not-fully-checked")


def test_starting_moud_is_never_flagged_as_an_er_opioid_for_a_naive_patient() -> None:
    """Methadone counts as long-acting, and a patient starting treatment for opioid use disorder
    often has no opioid prescription on record: the order is MOUD, not pain therapy, and must not be
    met with "remove the extended-release opioid"."""
    oud = cond("oud", "F11.20", 400, "Opioid dependence, uncomplicated")
    methadone = scd("mtd", "864706", "methadone hydrochloride 10 MG Oral Tablet", 1, per_day=3)
    cards = run("order-sign", [methadone], oud)
    assert by_rule(cards, ER_RULE) == []
    assert not any(a.type == "delete" for c in cards for s in c.suggestions for a in s.actions)
    # the same methadone for pain, with no opioid use disorder on record, is warned about
    assert by_rule(run("order-sign", [methadone]), ER_RULE)
