"""Medication cards on the pathway side after review (M1, M4; CDC 2022, decision model §7.2).

What the tests show:
- M1 computes MME/day as the order guardrails do: a fentanyl patch in mcg/h and an RxNorm clinical
  drug dosed in tablets count (240 and 180 MME/day), and when a recorded dose cannot be converted
  the card says why (no CDC 2022 factor for buprenorphine) instead of "dose not recorded".
- M1 names a current gabapentinoid beside an opioid, whatever it is prescribed for, and warns of
  respiratory depression with naloxone offered.
- A benzodiazepine prescribed for epilepsy is not the drug M1 asks to taper: its prescriber decides,
  and the opioid is reassessed instead.
- Naltrexone prescribed for alcohol use disorder is not treatment for opioid use disorder; an
  opioid card for that patient says naltrexone blocks opioid analgesia.
The test_guard_* tests hold before and after the change (mg doses, anxiety benzodiazepines,
naltrexone with an OUD diagnosis).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM, RXNORM
from hooks.facts import MedicationFact
from hooks.pathway.rules.medication import daily_mme
from hooks.terminology import Coding
from tests.pathway_builders import (
    TERM,
    TODAY,
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    cond,
    conservative,
    context,
    med,
    radic,
    run,
    states,
)


def _fhir_med(
    rid: str,
    rxcui: str,
    name: str,
    *,
    days: int,
    value: float,
    unit: str,
    per: float,
    period_unit: str,
    freq: int = 1,
    text: str = "as directed",
) -> MedicationFact:
    """One MedicationRequest as a FHIR server sends it, read by the service's FHIR reader."""
    start = (TODAY - timedelta(days=days)).isoformat()
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/pt-1"}, "authoredOn": start,
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxcui, "display": name}],
                                      "text": name},
        "dosageInstruction": [{
            "text": text,
            "timing": {"repeat": {"frequency": freq, "period": per, "periodUnit": period_unit}},
            "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit,
                                              "system": "http://unitsofmeasure.org", "code": unit}}],
        }],
    }  # fmt: skip
    (m,) = build_history([resource], TERM).medications
    return m


def _fentanyl_patch() -> MedicationFact:
    return _fhir_med("fent-1", "4337", "fentanyl 100 mcg/hr transdermal patch", days=41, value=100,
                     unit="ug/h", per=72, period_unit="h")  # fmt: skip


def _oxycodone_tablets() -> MedicationFact:
    name = "oxycodone hydrochloride 10 MG Oral Tablet"
    return _fhir_med("oxy-2", "1049683", name, days=41, value=2, unit="{tbl}", freq=6, per=1,
                     period_unit="d", text="2 tablets every 4 hours")  # fmt: skip


# MME/day ---------------------------------------------------------------------------------------------


def test_m1_counts_a_fentanyl_patch_in_mcg_per_hour() -> None:
    patch = _fentanyl_patch()
    m1 = card_of(run(radic(100), *conservative(), patch), "M1")
    assert_house_rules(m1)
    assert m1.indicator == "warning"
    assert "240 MME/day" in card_words(m1)
    assert "naloxone" in m1.summary.lower() and codes_of(m1)


def test_m1_counts_oxycodone_tablets_of_a_clinical_drug_as_the_order_side_does() -> None:
    tablets = _oxycodone_tablets()
    assert daily_mme(context(radic(100), tablets), (tablets,)) == 180
    m1 = card_of(run(radic(100), *conservative(), tablets), "M1")
    assert_house_rules(m1)
    assert "180 MME/day" in card_words(m1)


def test_m1_says_why_a_recorded_buprenorphine_patch_dose_has_no_mme() -> None:
    patch = _fhir_med("bup-1", "1819", "Buprenorphine 10 MCG/HR 7-day Transdermal System", days=120, value=1,
                      unit="{patch}", per=7, period_unit="d")  # fmt: skip
    m1 = card_of(run(radic(200), *conservative(), replace(patch, route_text="transdermal")), "M1")
    assert_house_rules(m1)
    words = card_words(m1)
    assert "CDC 2022 gives no MME conversion factor for buprenorphine" in words
    assert "the daily opioid dose" not in words


def test_guard_m1_mme_of_a_dose_in_mg_is_unchanged() -> None:
    oxy = _fhir_med("oxy-1", "7804", "oxycodone 20 mg tablet", days=41, value=20, unit="mg", freq=4, per=1,
                    period_unit="d")  # fmt: skip
    assert daily_mme(context(radic(100), oxy), (oxy,)) == 120
    assert "120 MME/day" in card_words(card_of(run(radic(100), *conservative(), oxy), "M1"))


# co-prescriptions ------------------------------------------------------------------------------------


def test_m1_names_a_gabapentinoid_for_another_condition_and_warns_of_respiratory_depression() -> None:
    dpn = cond("dpn-1", "neuropathic_agent_other_indications", onset=2000)
    oxy = med("oxy-1", "rx_opioids", "7804", start=20, daily_dose_mg=20)
    preg = med("preg-1", "rx_gabapentinoids", "187832", start=200, text="pregabalin 300 mg capsule")
    cards = run(radic(100), *conservative(), dpn, oxy, preg)
    m1 = card_of(cards, "M1")
    assert_house_rules(m1)
    assert "MedicationRequest/preg-1" in {f.ref for f in m1.why}
    words = card_words(m1).lower()
    assert "gabapentinoid" in m1.summary.lower()
    assert "respiratory depression" in words and "naloxone" in words


def _epilepsy_and_clonazepam() -> list[Any]:
    epi = replace(
        cond("ep", "antiepileptic_other_indications", onset=5000), codings=(Coding(ICD10CM, "G40.909"),)
    )
    clz = replace(
        med("clz-1", "rx_benzodiazepine_class", "2598", start=300, text="clonazepam 1 mg tablet"),
        reason_refs=("Condition/ep",),
        dose_text="1 mg twice daily for seizures",
    )
    return [epi, clz]


def test_m1_does_not_ask_to_taper_clonazepam_prescribed_for_epilepsy() -> None:
    oxy = med("oxy-1", "rx_opioids", "7804", start=200, daily_dose_mg=15)
    m1 = card_of(run(radic(220), *conservative(), *_epilepsy_and_clonazepam(), oxy), "M1")
    assert_house_rules(m1)
    assert "taper the benzodiazepine" not in m1.summary.lower()
    words = card_words(m1)
    assert "Do not taper the benzodiazepine without its prescriber (neurology)" in words
    assert "usually of the benzodiazepine" not in words
    assert "reassess and reduce the opioid" in words


def test_guard_m1_still_asks_to_taper_a_benzodiazepine_with_no_other_indication() -> None:
    oxy = med("oxy-1", "rx_opioids", "7804", start=200, daily_dose_mg=15)
    benzo = med("lz-1", "rx_benzodiazepine_class", start=100)
    m1 = card_of(run(radic(220), *conservative(), benzo, oxy), "M1")
    assert_house_rules(m1)
    assert "taper the benzodiazepine" in m1.summary.lower()


def test_m1_with_a_benzodiazepine_its_prescriber_stopped_asks_to_confirm_not_to_taper() -> None:
    """A lorazepam order stopped, its supply running another 10 days: the combination lasts while the
    tablets do, but there is no taper to plan (the card said "taper the benzodiazepine")."""
    oxy = med("oxy-1", "rx_opioids", "7804", start=200, daily_dose_mg=15)
    benzo = med("lz-1", "rx_benzodiazepine_class", start=100, end=-10, status="stopped")
    m1 = card_of(run(radic(220), *conservative(), benzo, oxy), "M1")
    assert_house_rules(m1)
    assert "taper the benzodiazepine" not in m1.summary.lower()
    assert m1.summary.startswith("Opioid with a benzodiazepine just stopped: confirm it is no longer taken")
    assert m1.next_steps[0].startswith("The benzodiazepine was stopped (supply to ")
    assert any(f.ref == "MedicationRequest/lz-1" and "(stopped)" in f.text for f in m1.why)


# naltrexone ------------------------------------------------------------------------------------------


def _naltrexone_for_alcohol() -> list[Any]:
    aud = replace(cond("aud", "opioid_use_disorder", onset=900), codings=(Coding(ICD10CM, "F10.20"),),
                  text="Alcohol dependence, uncomplicated")  # fmt: skip
    ntx = replace(
        med("ntx-1", "rx_opioid_antagonists_moud", start=60, text="naltrexone 50 mg tablet"),
        reason_refs=("Condition/aud",),
        dose_text="50 mg daily for alcohol use disorder",
    )
    return [aud, ntx]


def test_naltrexone_for_alcohol_use_disorder_is_not_treatment_for_opioid_use_disorder() -> None:
    facts = [radic(100), *conservative(), *_naltrexone_for_alcohol()]
    assert context(*facts).moud == ()
    assert "M4" not in states(run(*facts))


def test_naltrexone_for_alcohol_use_disorder_blocks_the_opioid_m1_speaks_about() -> None:
    oxy = med("oxy-1", "rx_opioids", "7804", start=120, daily_dose_mg=20)
    m1 = card_of(run(radic(200), *conservative(), *_naltrexone_for_alcohol(), oxy), "M1")
    assert_house_rules(m1)
    assert "naltrexone blocks opioid analgesia" in card_words(m1).lower()


def test_guard_naltrexone_with_an_opioid_use_disorder_diagnosis_stays_moud() -> None:
    oud = replace(cond("oud-1", "opioid_use_disorder_diagnoses", "F11", onset=700),
                  codings=(Coding(ICD10CM, "F11.20"),))  # fmt: skip
    ntx = med("ntx-1", "rx_opioid_antagonists_moud", start=60, text="naltrexone 50 mg tablet")
    facts = [radic(100), *conservative(), oud, ntx]
    assert context(*facts).moud == (ntx,)
    assert_house_rules(card_of(run(*facts), "M4"))
