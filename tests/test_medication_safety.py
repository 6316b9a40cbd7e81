"""Medication safety rules (decision model §7.2, §7.6): treatment for opioid use disorder, what a
drug is for, stale orders, and the drug classes the medication and psychosocial cards read."""

from __future__ import annotations

from dataclasses import replace

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM, RXNORM
from hooks.pathway.rules.medication import is_oral
from hooks.terminology import Coding
from tests.pathway_builders import (
    TERM,
    ago,
    card_of,
    code,
    cond,
    conservative,
    context,
    med,
    radic,
    run,
    states,
)


def _bup(ref: str = "bup-1", *, text: str, route: str | None = None, start: int = 120) -> object:
    return med(ref, "rx_moud", "1819", start=start, text=text, route=route)


# §7.2 treatment for opioid use disorder ----------------------------------------------------------


def test_sublingual_buprenorphine_is_moud_and_replaces_the_taper_card() -> None:
    bup = _bup(text="Buprenorphine 8 MG Sublingual Tablet", route="sublingual")
    cards = run(radic(100), *conservative(), bup)
    assert "M1" not in states(cards)
    moud = card_of(cards, "M4")
    assert moud.indicator == "info"
    assert "taper if no benefit" not in moud.summary.lower()
    assert "MOUD prescriber" in moud.summary


def test_any_buprenorphine_or_methadone_with_an_oud_diagnosis_is_moud() -> None:
    oud = cond("oud-1", "opioid_use_disorder_diagnoses", "F11", onset=700)
    oud = replace(oud, codings=(Coding(ICD10CM, "F11.20"),))
    methadone = med("methadone-1", "rx_moud", "6813", start=300, text="Methadone 10 MG/ML Oral Solution")
    ctx = context(radic(100), oud, methadone)
    assert ctx.moud == (methadone,)


def test_methadone_for_pain_and_the_buprenorphine_patch_stay_long_term_opioid_therapy() -> None:
    methadone = med("methadone-1", "rx_moud", "6813", start=150, text="Methadone 10 MG Oral Tablet")
    patch = _bup("bup-2", text="Buprenorphine 10 MCG/HR 7-day Transdermal System", route="transdermal")
    ctx = context(radic(200), methadone, patch)
    assert ctx.moud == ()
    cards = run(radic(200), *conservative(), patch)
    assert card_of(cards, "M1").indicator == "warning"
    assert "M4" not in states(cards)


def test_naltrexone_is_moud_and_a_full_agonist_beside_moud_is_a_warning() -> None:
    naltrexone = med("ntx-1", "rx_opioid_antagonists_moud", start=60, text="Naltrexone 50 MG Oral Tablet")
    oxy = med("oxy-1", "rx_opioids", "7804", start=10)
    cards = run(radic(100), *conservative(), naltrexone, oxy)
    moud = card_of(cards, "M4")
    assert moud.indicator == "warning"
    assert {f.ref for f in moud.why} >= {"MedicationRequest/ntx-1", "MedicationRequest/oxy-1"}


# §7 review: stale orders ----------------------------------------------------------------------------


def test_a_decades_old_open_order_is_stale_and_named_not_counted() -> None:
    old = med("oxy-1", "rx_opioids", "7804", start=36000)
    ctx = context(radic(100), old)
    assert ctx.is_stale_order(old) and not ctx.is_active_med(old)
    m1 = card_of(run(radic(100), *conservative(), old), "M1")
    assert m1.indicator == "info" and "stale" in m1.summary.lower()
    assert "continuous opioid course" not in " ".join(f.text for f in m1.why)


def test_an_order_at_the_window_or_with_a_recent_record_of_the_drug_is_current() -> None:
    at_window = med("oxy-1", "rx_opioids", "7804", start=365)
    assert not context(at_window).is_stale_order(at_window)
    old = med("oxy-2", "rx_opioids", "7804", start=900)
    recent = replace(
        med("oxy-3", "rx_opioids", "7804", start=2000),
        ref="MedicationStatement/oxy-3", resource_type="MedicationStatement", asserted=ago(20),
    )  # fmt: skip
    assert context(old, recent).is_active_med(old)  # confirmed as taken 20 days ago
    assert context(old).is_stale_order(old)
    closed = med("oxy-4", "rx_opioids", "7804", start=900, end=870)
    assert not context(closed).is_stale_order(closed)  # ended: history, not a stale record


# §7 review: what a neuropathic agent is for --------------------------------------------------------


def _carbamazepine(**kw: object) -> object:
    return replace(med("cbz-1", "rx_other_anticonvulsants", "2002", start=40), **kw)


def test_an_antiepileptic_for_epilepsy_is_not_judged_as_sciatica_treatment() -> None:
    epilepsy = cond("epi-1", "antiepileptic_other_indications", "G40", onset=3000)
    assert "M2" not in states(run(radic(100), *conservative(), epilepsy, _carbamazepine()))
    by_reason = _carbamazepine(reason=(code("antiepileptic_other_indications", "G50.0"),))
    assert "M2" not in states(run(radic(100), *conservative(), by_reason))
    named = _carbamazepine(reason=(Coding("http://snomed.info/sct", "0", "Seizure disorder"),))
    assert "M2" not in states(run(radic(100), *conservative(), named))


def test_a_reason_naming_the_radiculopathy_keeps_the_evidence_conflict_card() -> None:
    epilepsy = cond("epi-1", "antiepileptic_other_indications", "G40", onset=3000)
    for_sciatica = _carbamazepine(reason_refs=("Condition/radic-1",))
    assert "M2" in states(run(radic(100), *conservative(), epilepsy, for_sciatica))
    assert "M2" in states(run(radic(100), *conservative(), _carbamazepine()))


def test_depression_explains_an_antidepressant_but_not_a_gabapentinoid() -> None:
    depression = cond("dep-1", "depressive_disorder_diagnoses", "F33", onset=900)
    duloxetine = med("dul-1", "rx_antidepressants_neuropathic", "72625", start=40)
    gabapentin = med("gaba-1", "rx_gabapentinoids", "25480", start=40)
    assert "M2" not in states(run(radic(100), *conservative(), depression, duloxetine))
    m2 = card_of(run(radic(100), *conservative(), depression, gabapentin), "M2")
    assert "MedicationRequest/gaba-1" in {f.ref for f in m2.why}


# §7.6 classes -------------------------------------------------------------------------------------


def test_low_dose_aspirin_is_not_an_analgesic_trial_but_analgesic_aspirin_is() -> None:
    low = med("asa-1", "rx_aspirin", start=200, text="Aspirin 81 MG Delayed Release Oral Tablet")
    full = med("asa-2", "rx_aspirin", start=200, text="Aspirin 325 MG Oral Tablet", route="oral")
    full = replace(full, dose_text="650 mg by mouth every 6 hours as needed for pain")
    assert context(radic(100), low).analgesics == ()
    assert context(radic(100), full).analgesics == (full,)
    assert context(radic(100), full).conservative_care_complete


def test_carisoprodol_counts_as_a_muscle_relaxant_not_a_benzodiazepine() -> None:
    cariso = med("car-1", "rx_muscle_relaxant_class", "2101", start=60, end=0)
    oxy = med("oxy-1", "rx_opioids", "7804", start=10)
    ctx = context(radic(100), cariso, oxy)
    assert cariso in ctx.analgesics
    assert "M1" not in states(run(radic(100), cariso, oxy))
    temazepam = med("tem-1", "rx_benzodiazepine_class", "10355", start=30)
    assert card_of(run(radic(100), temazepam, oxy), "M1").indicator == "warning"


def test_injected_and_epidural_steroids_are_not_oral_courses() -> None:
    ctx = context()
    oral = med("pred-1", "rx_systemic_corticosteroids", "8640", start=3, text="Prednisone 20 MG Oral Tablet")
    depot = med("mp-1", "rx_systemic_corticosteroids", "6902", start=3,
                text="methylprednisolone acetate 40 MG/ML Injectable Suspension")  # fmt: skip
    epidural = replace(oral, ref="MedicationRequest/dex-1", text="Dexamethasone 10 MG", route_text="Epidural")
    by_form = replace(oral, ref="MedicationRequest/tri-1", text="Triamcinolone 40 MG/ML",
                      dose_form=(Coding(RXNORM, "1649574"),))  # fmt: skip
    assert is_oral(oral, ctx)
    assert not any(is_oral(m, ctx) for m in (depot, epidural, by_form))
    assert "M3" in states(run(radic(10), oral))
    assert "M3" not in states(run(radic(10), depot, epidural, by_form))


def test_ptsd_and_f32a_are_psychosocial_and_chronic_pain_is_not() -> None:
    for icd, expected in (("F43.12", True), ("F32.A", True), ("F41.1", True), ("G89.29", False)):
        c = replace(radic(400), ref="Condition/x-1", codings=(Coding(ICD10CM, icd),))
        assert bool(context(radic(100), c).psychosocial_conditions) is expected, icd


# FHIR reading ---------------------------------------------------------------------------------------


def test_medication_reason_form_and_asserted_date_are_read() -> None:
    request = {
        "resourceType": "MedicationRequest", "id": "cbz-1", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p"}, "authoredOn": "2026-10-01",
        "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": "Triamcinolone 40 MG/ML"},
                       "form": {"coding": [{"system": RXNORM, "code": "1649574", "display": "Injection"}]}}],
        "medicationReference": {"reference": "#m"},
        "reasonCode": [{"coding": [{"system": ICD10CM, "code": "G40.909"}]}],
        "reasonReference": [{"reference": "https://ehr.example.org/fhir/Condition/epi-1/_history/2"}],
    }  # fmt: skip
    statement = {
        "resourceType": "MedicationStatement", "id": "s-1", "status": "active",
        "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2001-01-01",
        "dateAsserted": "2026-10-20",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7804"}]},
    }  # fmt: skip
    history = build_history([request, statement], TERM)
    by_ref = {m.ref: m for m in history.medications}
    m = by_ref["MedicationRequest/cbz-1"]
    assert m.reason_refs == ("Condition/epi-1",)
    assert [c.code for c in m.reason] == ["G40.909"]
    assert TERM.match("parenteral_dose_forms", m.dose_form) is not None
    assert m.dose_form_text == "Injection"
    assert by_ref["MedicationStatement/s-1"].asserted is not None
    assert by_ref["MedicationStatement/s-1"].asserted.isoformat() == "2026-10-20"


def test_oud_without_moud_on_a_full_agonist_keeps_m1_and_asks_for_oud_treatment() -> None:
    oud = replace(cond("oud-1", "opioid_use_disorder_diagnoses", "F11", onset=700),
                  codings=(Coding(ICD10CM, "F11.20"),))  # fmt: skip
    oxy = med("oxy-1", "rx_opioids", "7804", start=10)
    m1 = card_of(run(radic(100), *conservative(), oud, oxy), "M1")
    assert m1.indicator == "warning"
    assert any("opioid use disorder" in s.lower() for s in m1.next_steps)
    assert "M1" not in states(run(radic(100), *conservative(), oud))  # nothing to taper


def test_an_old_moud_order_with_nothing_newer_is_confirmed_never_closed_as_a_stale_opioid() -> None:
    """Buprenorphine-naloxone for opioid use disorder, ordered two years ago with no newer order or
    statement: treatment programmes dispense outside the EHR, and stopping MOUD harms. The note asks
    to confirm it with the MOUD prescriber; it is never the stale-opioid note that says "close"."""
    oud = replace(cond("oud-1", "opioid_use_disorder_diagnoses", "F11", onset=800),
                  codings=(Coding(ICD10CM, "F11.20"),))  # fmt: skip
    bup = _bup(text="Buprenorphine 8 MG / Naloxone 2 MG Sublingual Film", route="sublingual", start=730)
    cards = run(radic(100), *conservative(), oud, bup)
    assert "M1" not in states(cards)
    note = card_of(cards, "M4")
    assert note.indicator == "info"
    assert "do not stop it" in note.summary and "MOUD prescriber" in note.summary
    assert not any("close" in s.lower() for s in note.next_steps)
    assert any(f.ref == "MedicationRequest/bup-1" for f in note.why)
    # an old oxycodone order is still the stale-opioid note
    oxy = med("oxy-1", "rx_opioids", start=900, text="Oxycodone 5 MG Oral Tablet")
    assert "Stale opioid order" in card_of(run(radic(100), *conservative(), oxy), "M1").summary
