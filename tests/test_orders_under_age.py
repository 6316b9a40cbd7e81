"""Order checks for a patient under 16: the checks that rest on the adult pathway's timing,
sequencing or value evidence (early imaging, ESI sequencing, RFA, stimulators, fusion, discography,
the sciatica evidence-conflict notes) are not applied, as the patient-view pathway does not apply its
adult steps (``pathway.under-age``); the safety checks still are. No birth date reads as an adult."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from hooks.cards import CardDraft, render_full
from hooks.facts import PatientFact
from hooks.orders import CHECKS, RULE_IDS, RULE_NOT_CHECKED, evaluate_orders
from hooks.orders.common import OrderCheck
from hooks.pathway import age_years
from hooks.thresholds import Thresholds
from tests.orders_builders import (
    RADICULOPATHY,
    TODAY,
    cond,
    history,
    inp,
    med,
    mr,
    obs,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
MIN_AGE = Thresholds().pathway_min_age_years
NO_BIRTH_DATE = "no birth date"

# Every order rule and whether a patient under 16 still gets it. A new rule must be added here: the
# decision is made, and reviewed, for each one.
SAFETY_AT_ANY_AGE = {
    "order.red-flag-elective",
    "order.antithrombotic-procedure",
    "order.mri-ces-emergency",
    "order.mri-postop-contrast",  # kept for a suspected tumour or infection; its post-surgical branch is not
    "order.esi-blind",
    "order.early-postop-procedure",  # a post-operative complication to exclude, at any age
    "order.esi-wrong-side",  # a wrong-side procedure, at any age
    "order.opioid-risk",
    "order.opioid-er-naive",
    "order.benzodiazepine-with-opioid",
    "order.opioid-with-moud",
    "order.steroid-suspected-infection",
    "order.gabapentinoid-with-opioid",
    "order.antidepressant-with-tramadol",
    "order.nsaid-co-prescription",
    # radiation, gadolinium and NSAIDs in pregnancy (ACOG 2017, FDA 2020): safety at any age
    "order.pregnancy-fluoroscopy",
    "order.pregnancy-gadolinium",
    "order.pregnancy-nsaid",
}
ADULT_PATHWAY = {
    "order.mri-early",
    "order.mri-contrast-no-indication",
    "order.esi-repeat",
    "order.esi-before-judged",
    "order.esi-too-early",
    "order.esi-facet-pain",
    "order.esi-claudication",
    "order.esi-no-imaging",
    "order.rfa-no-block",
    "order.rfa-repeat-failed",
    "order.scs-no-trial",
    "order.scs-failed-trial",
    "order.neuromod-psych-eval",
    "order.idd-no-trial",
    "order.fusion-no-instability",
    "order.mild-instability",
    "order.mild-no-stenosis",
    "order.discography",
    "order.gabapentinoid-sciatica",
    "order.oral-steroid-sciatica",
}


def born_years_ago(years: int, days_after_birthday: int = 10) -> date:
    return date(TODAY.year - years, TODAY.month, TODAY.day) - timedelta(days=days_after_birthday)


def run_aged(
    hook: str, orders: list[dict[str, Any]], born: date | str, *facts: Any, **kw: Any
) -> list[CardDraft]:
    hist = history(*facts, **kw)
    birth = None if born == NO_BIRTH_DATE else born
    assert birth is None or isinstance(birth, date)
    hist = replace(hist, patient=PatientFact("Patient/p1", birth_date=birth))
    return evaluate_orders(inp(hook, orders, hist))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


CHILD = born_years_ago(12)
ADULT = born_years_ago(40)
EARLY_MRI = (sr("mri1", "72148", "MRI lumbar"), cond("rad", RADICULOPATHY, 14, "Lumbar radiculopathy"))


# ------------------------------------------------------------------ (a) early imaging
@pytest.mark.parametrize("hook", HOOKS)
def test_a_12_year_old_with_an_early_lumbar_mri_gets_no_early_imaging_card(hook: str) -> None:
    order, rad = EARLY_MRI
    assert age_years(CHILD, TODAY) == 12
    assert run_aged(hook, [order], CHILD, rad) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_a_40_year_old_with_the_same_order_gets_the_early_imaging_card(hook: str) -> None:
    order, rad = EARLY_MRI
    assert rules(run_aged(hook, [order], ADULT, rad)) == ["order.mri-early"]


# Orders that draw an adult-pathway card for an adult, and none for a child.
ADULT_CASES: dict[str, tuple[list[dict[str, Any]], tuple[Any, ...]]] = {
    "order.esi-too-early": ([sr("esi1", "64483")], (cond("rad", RADICULOPATHY, 20),)),
    "order.esi-no-imaging": (
        [sr("esi1", "62323")],
        (cond("rad", RADICULOPATHY, 70), proc("pt", "97161", 60), obs("pain", "pain", 7, 3)),
    ),
    "order.esi-before-judged": (
        [sr("esi2", "62323")],
        (cond("rad", RADICULOPATHY, 120), proc("esi1", "62323", 7), proc("mri", "72148", 60)),
    ),
    "order.rfa-no-block": ([sr("rfa1", "64635", "RFA L4-L5")], (cond("facet", "M47.816", 200),)),
    "order.scs-no-trial": ([sr("ipg", "63685", "SCS generator")], (cond("fbss", "M96.1", 500),)),
    "order.idd-no-trial": (
        [sr("pump", "62362", "Intrathecal pump"), sr("psy", "90791", "Psychological evaluation")],
        (cond("fbss", "M96.1", 500),),
    ),
    "order.fusion-no-instability": (
        [sr("fus", "22630", "PLIF L5-S1")],
        (cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy"),),
    ),
    "order.mri-contrast-no-indication": (
        [sr("mric", "72158", "MRI lumbar with contrast")],
        (cond("rad", RADICULOPATHY, 70),),
    ),
    "order.mild-instability": (
        [sr("mild", "0275T", "MILD lumbar")],
        (cond("st", "M48.062", 300), cond("spl", "M43.16", 300)),
    ),
    "order.mild-no-stenosis": (
        [sr("mild", "0275T", "MILD lumbar")],
        (cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy"),),
    ),
    "order.discography": ([sr("disco", "62290", "Discography lumbar")], ()),
    "order.gabapentinoid-sciatica": (
        [mr("gaba", "187832", "pregabalin", 75, per=2)],
        (cond("rad", RADICULOPATHY, 60),),
    ),
    "order.oral-steroid-sciatica": (
        [mr("pred", "8640", "prednisone", 40, route="oral")],
        (cond("rad", RADICULOPATHY, 20),),
    ),
    "order.mri-postop-contrast": (
        [sr("mri2", "72148", "MRI lumbar w/o")],
        (proc("lam", "63030", 400, "Discectomy L5-S1"), cond("rad", RADICULOPATHY, 60, "Recurrent sciatica")),
    ),
}


@pytest.mark.parametrize("rule", sorted(ADULT_CASES))
def test_adult_pathway_cards_fire_for_an_adult_and_not_for_a_child(rule: str) -> None:
    orders, facts = ADULT_CASES[rule]
    assert rule in rules(run_aged("order-sign", orders, ADULT, *facts))
    assert run_aged("order-sign", orders, CHILD, *facts) == []


# ------------------------------------------------------------------ (b) safety still fires
ESI = sr("sr-esi", "64483", "Transforaminal epidural injection L5-S1")


@pytest.mark.parametrize("hook", HOOKS)
def test_a_child_on_an_anticoagulant_still_gets_the_bleeding_risk_card(hook: str) -> None:
    """And not the adult "too early" card the same ESI draws in week 3 for an adult."""
    facts = (cond("rad", RADICULOPATHY, 20), med("apixaban", "1364430", "apixaban", 200))
    cards = run_aged(hook, [ESI], CHILD, *facts)
    assert rules(cards) == ["order.antithrombotic-procedure"]
    adult = run_aged(hook, [ESI], ADULT, *facts)
    assert rules(adult) == ["order.antithrombotic-procedure", "order.esi-too-early"]


@pytest.mark.parametrize("hook", HOOKS)
def test_a_child_with_a_fever_still_has_the_steroid_course_held(hook: str) -> None:
    pred = mr("pred", "8640", "prednisone", 40, route="oral")
    fever = cond("fever", "R50.9", 2, "Fever, unspecified")
    cards = run_aged(hook, [pred], CHILD, cond("rad", RADICULOPATHY, 10), fever)
    assert rules(cards) == ["order.steroid-suspected-infection"]
    assert cards[0].indicator == "critical"


def test_a_child_with_cauda_equina_still_gets_the_red_flag_cards() -> None:
    ces = cond("ces", "G83.4", 1)
    esi = run_aged("order-sign", [sr("esi1", "62323")], CHILD, cond("rad", RADICULOPATHY, 10), ces)
    assert rules(esi) == ["order.red-flag-elective"] and esi[0].indicator == "critical"
    mri = run_aged("order-sign", [sr("mri1", "72148", priority="routine")], CHILD, ces)
    assert rules(mri) == ["order.mri-ces-emergency"]


def test_a_child_still_gets_the_drug_and_technique_safety_cards() -> None:
    rad = cond("rad", RADICULOPATHY, 100)
    opioid = mr("tram", "10689", "tramadol", dose=50, per=2)
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    assert "order.opioid-risk" in rules(run_aged("order-sign", [opioid, benzo], CHILD, rad))
    blind = run_aged("order-sign", [sr("esi1", "62322", "Lumbar epidural, no imaging")], CHILD, rad)
    assert rules(blind) == ["order.esi-blind"]


def test_a_child_with_suspected_infection_is_still_asked_for_a_contrast_mri() -> None:
    """Contrast to show an infection or tumour holds at any age (the post-surgical branch does not)."""
    osteo = cond("osteo", "M46.26", 2, "Osteomyelitis of vertebra, lumbar")
    cards = run_aged("order-sign", [sr("mri3", "72148")], CHILD, cond("rad", RADICULOPATHY, 10), osteo)
    assert rules(cards) == ["order.mri-postop-contrast"]
    assert "Condition/osteo" in [f.ref for f in cards[0].why]


def test_a_card_on_a_childs_order_says_the_adult_checks_were_not_applied() -> None:
    facts = (cond("rad", RADICULOPATHY, 20), med("apixaban", "1364430", "apixaban", 200))
    (card,) = run_aged("order-sign", [ESI], CHILD, *facts)
    age = [f for f in card.basis if f.ref == "Patient/p1"]
    assert len(age) == 1 and age[0].text.startswith(f"patient aged 12 (under {MIN_AGE})")
    assert "not applied" in render_full(card)
    (adult,) = [c for c in run_aged("order-sign", [ESI], ADULT, *facts) if c.rule_id == card.rule_id]
    assert not any(f.ref == "Patient/p1" for f in adult.basis)


def test_a_skipped_check_draws_no_not_fully_checked_card() -> None:
    """The imaging reports could not be read: an adult's ESI is "not fully checked" (the ESI-without-
    imaging check needs them); a child's is not, since that check is not applied under 16."""
    facts = (cond("rad", RADICULOPATHY, 70), proc("pt", "97161", 60), obs("pain", "pain", 7, 3))
    lost = {"diagnosticReports": "FHIR server timed out"}
    adult = run_aged("order-sign", [sr("esi1", "62323")], ADULT, *facts, unavailable=lost)
    assert rules(adult) == [RULE_NOT_CHECKED]
    assert run_aged("order-sign", [sr("esi1", "62323")], CHILD, *facts, unavailable=lost) == []


def test_a_kept_check_silenced_by_missing_data_still_says_so_for_a_child() -> None:
    """The red-flag check reads strength scores: losing them is said at any age."""
    lost = {"observations": "FHIR server timed out"}
    cards = run_aged(
        "order-sign", [sr("esi1", "62323")], CHILD, cond("rad", RADICULOPATHY, 70), unavailable=lost
    )
    assert rules(cards) == [RULE_NOT_CHECKED]
    assert any("strength" in s for s in cards[0].next_steps)


# ------------------------------------------------------------------ (c), (d) the boundary, no birth date
@pytest.mark.parametrize("hook", HOOKS)
def test_16_today_is_an_adult_for_the_order_checks(hook: str) -> None:
    order, rad = EARLY_MRI
    sixteen_today = date(TODAY.year - MIN_AGE, TODAY.month, TODAY.day)
    assert age_years(sixteen_today, TODAY) == MIN_AGE
    assert rules(run_aged(hook, [order], sixteen_today, rad)) == ["order.mri-early"]
    day_before = sixteen_today + timedelta(days=1)  # 16 tomorrow: still 15 today
    assert age_years(day_before, TODAY) == MIN_AGE - 1
    assert run_aged(hook, [order], day_before, rad) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_no_birth_date_is_read_as_an_adult(hook: str) -> None:
    order, rad = EARLY_MRI
    assert rules(run_aged(hook, [order], NO_BIRTH_DATE, rad)) == ["order.mri-early"]
    no_patient = replace(history(rad), patient=None)
    assert rules(evaluate_orders(inp(hook, [order], no_patient))) == ["order.mri-early"]


# ------------------------------------------------------------------ (e) every check has decided
def test_adult_pathway_has_no_default_so_every_check_must_decide() -> None:
    field = {f.name: f for f in dataclasses.fields(OrderCheck)}["adult_pathway"]
    assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_every_check_declares_adult_or_any_age(check: OrderCheck) -> None:
    decided = check.adult_pathway
    assert isinstance(decided, bool) or (
        isinstance(decided, tuple) and decided and set(decided) < set(check.rule_ids)
    ), f"{check.name}: adult_pathway must be True, False or a proper subset of its rule ids"
    assert check.adult_rule_ids <= set(check.rule_ids)


def test_every_order_rule_is_classified_and_matches_its_check() -> None:
    """The table above is the review record of the decisions; it and the checks must agree."""
    order_rules = set(RULE_IDS) - {RULE_NOT_CHECKED}
    assert not SAFETY_AT_ANY_AGE & ADULT_PATHWAY
    assert order_rules == SAFETY_AT_ANY_AGE | ADULT_PATHWAY
    declared = {r for c in CHECKS for r in c.adult_rule_ids}
    assert declared == ADULT_PATHWAY


def test_a_check_naming_a_rule_it_does_not_have_is_refused() -> None:
    base = next(c for c in CHECKS if c.name == "fusion")
    with pytest.raises(ValueError, match="adult_pathway"):
        replace(base, adult_pathway=("order.no-such-rule",))
