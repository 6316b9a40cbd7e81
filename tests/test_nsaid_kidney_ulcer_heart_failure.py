"""NSAIDs and what rules them out: kidney failure, an active ulcer or GI bleed, heart failure.

What these tests show, each through the service's own reading of FHIR JSON (the relevance screen, then
the history builder):

- an NSAID drafted for a patient whose latest eGFR of the past year is below 30 mL/min/1.73 m²
  (KDIGO 2012), with kidney failure or dialysis or chronic kidney disease stage 4-5, a peptic ulcer or
  upper GI bleed (ACG 2009) or heart failure (AHA/ACC/HFSA 2022) in force draws the NSAID warning naming the
  finding with its date and the guideline; removing the draft is the recommended suggestion;
- the acute card's conservative-care step no longer offers an NSAID to such a patient, and says why;
- an eGFR of 30 or more, a low eGFR from more than a year ago followed by nothing, a later eGFR of
  45 after a low one, an eGFR in an unknown unit, a resolved ulcer and a refuted heart failure
  rule nothing out;
- the eGFR codes are in the observation prefetch, so an EHR sends them;
- at patient-view, an NSAID the patient already takes beside any of these, or beside an
  anticoagulant, draws M5 (a warning: review it with its prescriber and stop it), at any age; a
  topical NSAID, low-dose aspirin, an ended prescription or a normal eGFR draw none.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from fhir_fixtures import fhir_builder as fb
from hooks.cards import CardDraft, render_detail, render_full
from hooks.evaluation import EvaluationInput
from hooks.facts import PatientHistory
from hooks.orders import evaluate_orders
from hooks.pathway import evaluate_pathway
from hooks.registry import history_prefetch
from tests import orders_builders as ob
from tests.pathway_builders import TERM, assert_house_rules, card_of

TODAY = ob.TODAY
LOINC = "http://loinc.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
NSAID_RULE = "order.nsaid-co-prescription"


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def condition(rid: str, code: str, display: str, onset_days: int, status: str = "active",
              verification: str = "confirmed", system: str = ICD) -> dict[str, Any]:  # fmt: skip
    return fb.condition(
        rid, fb.concept(fb.unchecked_coding(system, code, display), text=display), ob.SUBJECT,
        onset=ago(onset_days), recorded=ago(onset_days), clinical=status, verification=verification,
        category=None,
    )  # fmt: skip


def radiculopathy(onset_days: int = 16) -> dict[str, Any]:
    return condition("radic", "M54.16", "Radiculopathy, lumbar region", onset_days)


def egfr(value: float, days: int, rid: str = "egfr", code: str = "98979-8",
         unit: str = "mL/min/{1.73_m2}") -> dict[str, Any]:  # fmt: skip
    return fb.observation(
        rid, fb.concept(fb.unchecked_coding(LOINC, code, "eGFR"), text="eGFR"), ob.SUBJECT,
        category="laboratory", effective=f"{ago(days)}T08:00:00Z", value=value, unit=unit,
    )  # fmt: skip


CKD4 = condition("ckd", "N18.4", "Chronic kidney disease, stage 4 (severe)", 800)
DIALYSIS = condition("hd", "Z99.2", "Dependence on renal dialysis", 400)
ULCER = condition("du", "K26.9", "Duodenal ulcer, unspecified", 30)
MELAENA = condition("mel", "K92.1", "Melena", 10)
HEART_FAILURE = condition("hf", "I50.22", "Chronic systolic (congestive) heart failure", 1000)


def read(*resources: dict[str, Any]) -> PatientHistory:
    return build_history([r for r in resources if is_relevant(r, TERM)], TERM)


def ibuprofen() -> dict[str, Any]:
    return ob.mr("ibu", "5640", "ibuprofen 800 mg tablet", dose=800, per=3)


def order_sign(*resources: dict[str, Any]) -> list[CardDraft]:
    return evaluate_orders(ob.inp("order-sign", [ibuprofen()], read(radiculopathy(60), *resources)))


def nsaid_card(cards: list[CardDraft]) -> CardDraft:
    found = [c for c in cards if c.rule_id == NSAID_RULE]
    assert len(found) == 1, [c.rule_id for c in cards]
    return found[0]


def pathway(*resources: dict[str, Any]) -> list[CardDraft]:
    inp = EvaluationInput(
        hook="patient-view", today=TODAY, patient_id="p1", user_id="Practitioner/u1", encounter_id=None,
        history=read(radiculopathy(), *resources), terminology=TERM,
    )  # fmt: skip
    return evaluate_pathway(inp)


def conservative_step(cards: list[CardDraft]) -> str:
    e1 = card_of(cards, "E1")
    return next(s for s in e1.next_steps if s.startswith("Conservative care ("))


# ---------------------------------------------------------------------------------------------
# order time
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "short", "named", "cite", "evidence"),
    [
        ((egfr(24, 40),), f"eGFR 24 on {ago(40)}", f"eGFR 24 mL/min/1.73 m² on {ago(40)}", "KDIGO 2012",
         "kdigo_ckd_2012"),
        ((CKD4,), "advanced kidney disease", f"Chronic kidney disease, stage 4 (severe) since {ago(800)}",
         "KDIGO 2012", "kdigo_ckd_2012"),
        ((DIALYSIS,), "kidney failure", "Dependence on renal dialysis", "KDIGO 2012",
         "kdigo_ckd_2012"),
        ((ULCER,), "peptic ulcer or GI bleed", "Duodenal ulcer, unspecified", "ACG 2009",
         "acg_nsaid_ulcer_2009"),
        ((MELAENA,), "peptic ulcer or GI bleed", "Melena", "ACG 2009", "acg_nsaid_ulcer_2009"),
        ((HEART_FAILURE,), "heart failure", "Chronic systolic (congestive) heart failure",
         "AHA/ACC/HFSA 2022", "aha_hf_2022"),
    ],
    ids=["egfr-24", "ckd-4", "dialysis", "duodenal-ulcer", "melaena", "heart-failure"],
)
def test_an_nsaid_order_with_what_rules_it_out_warns_naming_it(
    resources: tuple[dict[str, Any], ...], short: str, named: str, cite: str, evidence: str
) -> None:
    c = nsaid_card(order_sign(*resources))
    assert c.indicator == "warning"
    assert c.summary == f"Ibuprofen with {short}: prefer another analgesic"
    assert any(named in f.text and cite in f.text for f in c.why)
    assert any(s.startswith("Prefer another analgesic") and cite in s for s in c.next_steps)
    assert not any(s.startswith("If an NSAID is essential") for s in c.next_steps), c.next_steps
    assert {evidence, "nice_ng59"} <= {g.key for g in c.evidence}
    assert [s.is_recommended for s in c.suggestions] == [True]
    assert_house_rules(c)


def test_every_finding_is_named_once_on_one_card_beside_an_anticoagulant() -> None:
    apixaban = {
        "resourceType": "MedicationRequest", "id": "apx", "status": "active", "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": ob.RX, "code": "1364430", "display": "apixaban 2.5 mg tablet"}],
            "text": "apixaban 2.5 mg tablet",
        },
        "subject": ob.SUBJECT, "authoredOn": ago(200),
    }  # fmt: skip
    c = nsaid_card(order_sign(apixaban, egfr(18, 10), HEART_FAILURE))
    assert c.summary == (
        f"Ibuprofen with apixaban, eGFR 18 on {ago(10)}, heart failure: bleeding risk; prefer another "
        "analgesic"
    )
    assert len([s for s in c.next_steps if s.startswith("Prefer another analgesic")]) == 1
    full = render_full(c)
    for said in ("apixaban", "eGFR 18", "heart failure", "KDIGO 2012", "AHA/ACC/HFSA 2022"):
        assert said in full, said
    assert {"kdigo_ckd_2012", "aha_hf_2022"} <= {g.key for g in c.evidence}
    assert_house_rules(c)


@pytest.mark.parametrize(
    "resources",
    [
        (egfr(42, 20),),
        (egfr(22, 500),),
        (egfr(22, 200, rid="old"), egfr(45, 20, rid="new")),
        (egfr(22, 20, unit="mg/dL"),),
        (condition("du", "K26.9", "Duodenal ulcer, unspecified", 900, status="resolved"),),
        (condition("hf", "I50.22", "Heart failure", 900, verification="refuted"),),
        (condition("ckd3", "N18.30", "Chronic kidney disease, stage 3 unspecified", 900),),
    ],
    ids=["egfr-42", "egfr-22-old", "egfr-later-45", "unknown-unit", "ulcer-resolved", "hf-refuted", "ckd-3"],
)
def test_guard_what_does_not_rule_an_nsaid_out_draws_no_card(resources: tuple[dict[str, Any], ...]) -> None:
    assert NSAID_RULE not in [c.rule_id for c in order_sign(*resources)]


def test_an_egfr_sent_in_ml_per_second_is_read_in_ml_per_minute() -> None:
    c = nsaid_card(order_sign(egfr(0.4, 15, unit="mL/s/{1.73_m2}")))
    assert "eGFR 24 on" in c.summary and any("eGFR 24 mL/min/1.73 m²" in f.text for f in c.why)


# ---------------------------------------------------------------------------------------------
# patient-view: the acute card's analgesia
# ---------------------------------------------------------------------------------------------


def test_guard_the_acute_card_offers_an_nsaid_when_nothing_rules_it_out() -> None:
    step = conservative_step(pathway(egfr(75, 30)))
    assert "NSAID if not contraindicated" in step


@pytest.mark.parametrize(
    ("resources", "said"),
    [
        ((egfr(24, 40),), f"no NSAID with eGFR 24 on {ago(40)} per KDIGO 2012"),
        ((MELAENA,), "no NSAID with peptic ulcer or GI bleed per ACG 2009"),
        ((HEART_FAILURE,), "no NSAID with heart failure per AHA/ACC/HFSA 2022"),
    ],
    ids=["egfr-24", "melaena", "heart-failure"],
)
def test_the_acute_card_offers_no_nsaid_and_says_why(
    resources: tuple[dict[str, Any], ...], said: str
) -> None:
    cards = pathway(*resources)
    step = conservative_step(cards)
    assert said in step and "NSAID if not contraindicated" not in step
    e1 = card_of(cards, "E1")
    assert_house_rules(e1)
    cited = said.split(" per ")[1]
    assert cited in {g.label for g in e1.evidence}, [g.label for g in e1.evidence]


def test_the_observation_prefetch_asks_for_egfr() -> None:
    query = history_prefetch(TERM)["observations"]
    for code in ("98979-8", "62238-1", "33914-3", "48642-3", "48643-1"):
        assert f"{LOINC}|{code}" in query or code in query, code


def test_an_egfr_sent_as_below_a_bound_counts_as_below_it() -> None:
    low = egfr(30, 12)
    low["valueQuantity"]["comparator"] = "<"
    c = nsaid_card(order_sign(low))
    assert f"eGFR <30 on {ago(12)}" in c.summary


def test_an_egfr_under_a_ckd_epi_2009_code_is_read() -> None:
    c = nsaid_card(order_sign(egfr(21, 12, code="88294-4")))
    assert f"eGFR 21 on {ago(12)}" in c.summary


def test_a_kidney_diagnosis_before_a_recent_egfr_of_75_rules_nothing_out() -> None:
    assert NSAID_RULE not in [c.rule_id for c in order_sign(CKD4, egfr(75, 10))]
    # an eGFR of 75 taken before the diagnosis does not outweigh it
    assert NSAID_RULE in [c.rule_id for c in order_sign(
        condition("ckd", "N18.4", "Chronic kidney disease, stage 4 (severe)", 20), egfr(75, 200)
    )]


def test_guard_an_egfr_above_a_bound_draws_no_card() -> None:
    high = egfr(20, 12)
    high["valueQuantity"]["comparator"] = ">"
    assert NSAID_RULE not in [c.rule_id for c in order_sign(high)]


def test_guard_a_topical_nsaid_with_a_low_egfr_draws_no_card() -> None:
    gel = ob.mr("gel", "855635", "diclofenac sodium 10 MG/ML Topical Gel", route="Topical")
    cards = evaluate_orders(ob.inp("order-sign", [gel], read(radiculopathy(60), egfr(22, 12))))
    assert NSAID_RULE not in [c.rule_id for c in cards]


def test_the_same_nsaid_by_mouth_with_a_low_egfr_draws_the_warning() -> None:
    tablet = ob.mr("tab", "3355", "diclofenac sodium 50 MG Oral Tablet", dose=50, per=3)
    cards = evaluate_orders(ob.inp("order-sign", [tablet], read(radiculopathy(60), egfr(22, 12))))
    assert NSAID_RULE in [c.rule_id for c in cards]


def test_an_nsaid_signed_without_the_problem_list_or_results_says_it_was_not_fully_checked() -> None:
    missing = {"conditions": "the FHIR server timed out", "observations": "the FHIR server timed out"}
    history = ob.history(unavailable=missing)
    cards = evaluate_orders(ob.inp("order-sign", [ibuprofen()], history))
    c = next(c for c in cards if c.rule_id == "order.not-fully-checked")
    assert "kidney function" in " ".join(c.next_steps)


# ---------------------------------------------------------------------------------------------
# patient-view: an NSAID already taken (M5)
# ---------------------------------------------------------------------------------------------


def taking(rid: str, rx: str, text: str, started: int = 30, status: str = "active",
           route: str | None = None) -> dict[str, Any]:  # fmt: skip
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": ob.RX, "code": rx, "display": text}], "text": text
        },
        "subject": ob.SUBJECT, "authoredOn": ago(started),
    }  # fmt: skip
    if route is not None:
        res["dosageInstruction"] = [{"text": f"apply {route}", "route": {"text": route}}]
    return res


NAPROXEN = taking("nap", "7258", "naproxen 500 mg tablet")
APIXABAN = taking("apx", "1364430", "apixaban 2.5 mg tablet", started=200)


def m5(cards: list[CardDraft]) -> CardDraft | None:
    found = [c for c in cards if c.rule_id == "M5" or "M5" in c.merged]
    return found[0] if found else None


def test_a_naproxen_taken_with_an_egfr_of_24_draws_m5_to_review_and_stop_it() -> None:
    c = m5(pathway(NAPROXEN, egfr(24, 21)))
    assert c is not None and c.rule_id == "M5" and c.indicator == "warning"
    assert c.summary == f"Naproxen with eGFR 24 on {ago(21)}: review and stop it"
    assert [f.ref for f in c.why] == ["MedicationRequest/nap", "Observation/egfr"]
    assert {g.key for g in c.evidence} == {"nice_ng59", "kdigo_ckd_2012"}
    assert c.next_steps[0].startswith("Review naproxen with its prescriber and stop it: taken with eGFR 24")
    assert_house_rules(c)


def test_a_naproxen_taken_with_apixaban_and_heart_failure_names_both() -> None:
    c = m5(pathway(NAPROXEN, APIXABAN, HEART_FAILURE))
    assert c is not None
    assert c.summary == "Naproxen with apixaban, heart failure: review and stop it"
    assert "apixaban (serious bleeding)" in c.next_steps[0] and "AHA/ACC/HFSA 2022" in c.next_steps[0]
    assert_house_rules(c)


def test_a_child_taking_naproxen_with_an_egfr_of_24_still_gets_m5() -> None:
    child = {"resourceType": "Patient", "id": "p1", "birthDate": ago(15 * 365 + 30), "gender": "male"}
    cards = pathway(child, NAPROXEN, egfr(24, 21))
    assert "pathway.under-age" in [c.rule_id for c in cards]
    assert m5(cards) is not None


@pytest.mark.parametrize(
    "resources",
    [
        (NAPROXEN, egfr(78, 21)),
        (taking("gel", "3355", "diclofenac 1 % gel", route="topical"), egfr(24, 21)),
        (taking("asa", "1191", "aspirin 81 mg tablet"), HEART_FAILURE),
        (taking("nap", "7258", "naproxen 500 mg tablet", started=300, status="completed"), egfr(24, 21)),
    ],
    ids=["normal-egfr", "topical-gel", "low-dose-aspirin", "naproxen-ended"],
)
def test_guard_no_m5_where_nothing_rules_the_nsaid_taken_out(resources: tuple[dict[str, Any], ...]) -> None:
    assert m5(pathway(*resources)) is None



# ---------------------------------------------------------------------------------------------
# what a second review found
# ---------------------------------------------------------------------------------------------

SCT = "http://snomed.info/sct"


def snomed_condition(rid: str, code: str, display: str, onset_days: int) -> dict[str, Any]:
    return condition(rid, code, display, onset_days, system=SCT)


@pytest.mark.parametrize(
    ("code", "display", "short"),
    [
        ("84114007", "Heart failure", "heart failure"),
        ("431857002", "Chronic kidney disease stage 4", "advanced kidney disease"),
        ("74474003", "Gastrointestinal hemorrhage", "peptic ulcer or GI bleed"),
    ],
)
def test_a_finding_coded_in_snomed_ct_counts_as_in_icd_10_cm(code: str, display: str, short: str) -> None:
    c = nsaid_card(order_sign(snomed_condition("x", code, display, 300)))
    assert c.summary == f"Ibuprofen with {short}: prefer another analgesic"
    assert m5(pathway(NAPROXEN, snomed_condition("x", code, display, 300))) is not None


def test_an_egfr_of_29_6_is_named_as_sent_not_rounded_to_30() -> None:
    c = nsaid_card(order_sign(egfr(29.6, 12)))
    assert f"eGFR 29.6 on {ago(12)}" in c.summary


def test_an_undated_kidney_diagnosis_gives_way_to_a_recent_egfr_of_55() -> None:
    undated = condition("ckd", "N18.4", "Chronic kidney disease, stage 4 (severe)", 100)
    del undated["onsetDateTime"], undated["recordedDate"]
    assert NSAID_RULE not in [c.rule_id for c in order_sign(undated, egfr(55, 10))]
    assert NSAID_RULE in [c.rule_id for c in order_sign(undated)]


def test_two_nsaids_taken_together_draw_m5_to_stop_one() -> None:
    meloxicam = taking("mel", "41493", "meloxicam 15 mg tablet")
    c = m5(pathway(NAPROXEN, meloxicam))
    assert c is not None and c.summary == "Meloxicam and naproxen taken together: review and stop one"
    assert "two NSAIDs at once" in c.next_steps[0]


def test_two_nsaids_taken_with_a_low_egfr_are_both_to_stop() -> None:
    meloxicam = taking("mel", "41493", "meloxicam 15 mg tablet")
    c = m5(pathway(NAPROXEN, meloxicam, egfr(24, 21)))
    assert c is not None
    assert c.summary == f"Meloxicam and naproxen with eGFR 24 on {ago(21)}: review and stop them"
    assert c.next_steps[0].startswith("Review meloxicam and naproxen with their prescribers and stop them:")


def test_two_ulcer_findings_are_one_clause_on_m5() -> None:
    c = m5(pathway(NAPROXEN, ULCER, MELAENA))
    assert c is not None
    assert c.next_steps[0].count("peptic ulcer or GI bleed") == 1, c.next_steps


@pytest.mark.parametrize(
    "record",
    [
        taking("ket", "35827", "ketorolac 30 mg/mL injection", started=3, route="intramuscular"),
        taking("nap", "7258", "naproxen 500 mg tablet", started=10, status="stopped"),
        {**taking("ibu", "5640", "ibuprofen 400 mg tablet", started=4 * 365),
         "resourceType": "MedicationStatement", "effectiveDateTime": ago(4 * 365)},
    ],
    ids=["ketorolac-injection", "naproxen-stopped", "old-statement"],
)
def test_guard_no_m5_for_an_nsaid_not_taken_by_mouth_now(record: dict[str, Any]) -> None:
    if record["resourceType"] == "MedicationStatement":
        del record["intent"], record["authoredOn"]
    assert m5(pathway(record, egfr(24, 21))) is None


def test_the_conservative_care_step_names_no_nsaid_where_one_is_ruled_out() -> None:
    inp = EvaluationInput(
        hook="patient-view", today=TODAY, patient_id="p1", user_id="Practitioner/u1", encounter_id=None,
        history=read(radiculopathy(60), egfr(24, 21)), terminology=TERM,
    )  # fmt: skip
    cards = evaluate_pathway(inp)
    text = " ".join(s for c in cards for s in (*c.next_steps, *c.gaps))
    assert "NSAID/analgesic" not in text, text


def test_a_summary_with_more_findings_than_room_names_the_first_and_counts_the_rest() -> None:
    c = nsaid_card(order_sign(APIXABAN, egfr(22, 5), CKD4, ULCER, HEART_FAILURE))
    assert len(c.summary) <= 140 and c.summary.endswith(": bleeding risk; prefer another analgesic")
    assert c.summary.startswith(f"Ibuprofen with apixaban, eGFR 22 on {ago(5)}") and " more: " in c.summary
    assert {f.ref for f in c.why} >= {"Observation/egfr", "Condition/ckd", "Condition/du", "Condition/hf"}



def test_dialysis_is_kidney_failure_whatever_a_later_egfr_says() -> None:
    """An eGFR does not measure kidney function on dialysis: only a CKD stage gives way to it."""
    c = nsaid_card(order_sign(DIALYSIS, egfr(40, 10)))
    assert c.summary == "Ibuprofen with kidney failure: prefer another analgesic"
    esrd = condition("esrd", "N18.6", "End stage renal disease", 900)
    assert m5(pathway(NAPROXEN, esrd, egfr(35, 10))) is not None


def test_m5_merged_beside_an_opioid_with_a_benzodiazepine_is_said_on_the_card_the_ehr_shows() -> None:
    """The merged cross-cutting card's detail (what the sidebar shows) says the NSAID to stop, not
    only "Also: NSAID to stop" in its summary and the facts in the full reasoning."""
    oxycodone = taking("oxy", "7804", "oxycodone 10 mg tablet", started=200)
    diazepam = taking("dzp", "3322", "diazepam 5 mg tablet", started=150)
    cards = pathway(NAPROXEN, oxycodone, diazepam, egfr(24, 21))
    c = m5(cards)
    assert c is not None and c.rule_id == "M1" and "M5" in c.merged
    assert "Also: NSAID to stop" in c.summary
    assert f"Naproxen with eGFR 24 on {ago(21)}: review and stop it" in render_detail(c)
    assert_house_rules(c)



def in_words(words: str, days: int) -> dict[str, Any]:
    said = egfr(0, days)
    del said["valueQuantity"]
    said["valueString"] = words
    return said


@pytest.mark.parametrize("words", ["below 15", "less than 30"])
def test_an_egfr_sent_in_words_as_a_bound_keeps_its_bound(words: str) -> None:
    c = nsaid_card(order_sign(in_words(words, 12)))
    assert f"eGFR <{words.split()[-1]} on {ago(12)}" in c.summary


def test_guard_an_egfr_sent_as_greater_than_60_in_words_draws_no_card() -> None:
    assert NSAID_RULE not in [c.rule_id for c in order_sign(in_words("greater than 60", 12))]


def test_p1_with_no_care_documented_says_no_nsaid_where_one_is_ruled_out() -> None:
    inp = EvaluationInput(
        hook="patient-view", today=TODAY, patient_id="p1", user_id="Practitioner/u1", encounter_id=None,
        history=read(radiculopathy(60), egfr(24, 21)), terminology=TERM,
    )  # fmt: skip
    step = next(s for c in evaluate_pathway(inp) for s in c.next_steps if s.startswith("Ask whether"))
    assert f"conservative care (no NSAID with eGFR 24 on {ago(21)} per KDIGO 2012)" in step, step
