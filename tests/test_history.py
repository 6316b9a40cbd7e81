"""The typed patient history: built once per request from validated FHIR R4 (R4B models), and the
cheap relevance test that decides which raw resources are worth validating."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.fhir_facts import build_history, fhir_date, fhir_instant, normalize_ref
from cds_service.relevance import is_relevant
from fhir_fixtures.fhir_builder import CPT, LOINC, RXNORM
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.terminology import Terminology, default_terminology
from hooks.text import parse_laterality, parse_level

SUBJECT = {"reference": "Patient/p1"}


@pytest.fixture(scope="module")
def term() -> Terminology:
    return default_terminology()


def model(raw: dict[str, Any]) -> Any:
    """A validated fhir.resources R4B model, as the web layer hands them over."""
    return get_fhir_model_class(raw["resourceType"]).model_validate(raw)


def cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def condition(cid: str, *codings: tuple[str, str], **extra: Any) -> dict[str, Any]:
    raw = {
        "resourceType": "Condition",
        "id": cid,
        "subject": SUBJECT,
        "code": {"coding": [{"system": s, "code": c} for s, c in codings], "text": "Lumbar radiculopathy"},
    }
    raw.update(extra)
    return raw


def status(system_tail: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system_tail}", "code": code}]}


def procedure(pid: str, code: str, **extra: Any) -> dict[str, Any]:
    raw = {
        "resourceType": "Procedure",
        "id": pid,
        "status": "completed",
        "subject": SUBJECT,
        "code": cc(CPT, code),
    }
    raw.update(extra)
    return raw


def observation(oid: str, code: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": cc(LOINC, code),
    }
    if value is not None:
        raw["valueQuantity"] = {"value": value}
    raw.update(extra)
    return raw


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "text"),
    [
        ("2024-03", date(2024, 3, 1), "2024-03"),
        ("2024", date(2024, 1, 1), "2024"),
        (date(2024, 3, 5), date(2024, 3, 5), "2024-03-05"),
        (datetime(2024, 3, 5, 23, 10, tzinfo=UTC), date(2024, 3, 5), "2024-03-05"),
        ("2024-03-05T10:00:00+01:00", date(2024, 3, 5), "2024-03-05"),
        ("not a date", None, "not a date"),
        (None, None, None),
    ],
)
def test_fhir_date_handles_partial_and_full_values(
    value: Any, expected: date | None, text: str | None
) -> None:
    """It turns every shape a FHIR date arrives in into the first day covered plus its text."""
    assert fhir_date(value) == (expected, text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-03T09:30:00-05:00", datetime(2024, 3, 3, 14, 30, tzinfo=UTC)),
        ("2024-03-03T09:30:00Z", datetime(2024, 3, 3, 9, 30, tzinfo=UTC)),
        (datetime(2024, 3, 3, 9, 30, tzinfo=UTC), datetime(2024, 3, 3, 9, 30, tzinfo=UTC)),
        ("2024-03-03", None),  # a day, no time: it orders nothing within its day
        (date(2024, 3, 3), None),
        ("2024-03-03T09:30:00", None),  # a time without its zone cannot be compared with another
        (datetime(2024, 3, 3, 9, 30), None),
        ("2024-03", None),
        ("not a date", None),
        (None, None),
    ],
)
def test_fhir_instant_only_when_the_time_of_day_and_its_zone_are_given(value: Any, expected: Any) -> None:
    assert fhir_instant(value) == expected


def test_the_history_keeps_the_times_of_day_of_scores_and_procedures(term: Terminology) -> None:
    """A procedure's start and a score's effective time are kept as instants beside their days."""
    p = model(procedure("a", "64483", performedDateTime="2024-03-03T10:00:00+01:00"))
    o = observation("o", "72514-3", 7, subject=SUBJECT, effectiveDateTime="2024-03-03T08:45:00Z")
    h = build_history([p, model(o)], term)
    assert h.procedures[0].performed_at == datetime(2024, 3, 3, 9, 0, tzinfo=UTC)
    assert h.observations[0].effective_at == datetime(2024, 3, 3, 8, 45, tzinfo=UTC)
    undated = build_history([model(procedure("b", "64483", performedDateTime="2024-03-03"))], term)
    assert undated.procedures[0].performed_at is None


def test_models_deliver_partial_dates_as_strings_and_the_history_reads_them(term: Terminology) -> None:
    """It reads "2024-03" (str in the model), "2024-03-02" (date) and a datetime the same way."""
    p1 = model(procedure("a", "64483", performedDateTime="2024-03"))
    p2 = model(procedure("b", "64483", performedDateTime="2024-03-02"))
    p3 = model(procedure("c", "64483", performedDateTime="2024-03-03T09:00:00Z"))
    assert isinstance(p1.performedDateTime, str)
    h = build_history([p3, p1, p2], term)
    assert [(p.ref, p.performed, p.performed_text) for p in h.procedures] == [
        ("Procedure/a", date(2024, 3, 1), "2024-03"),
        ("Procedure/b", date(2024, 3, 2), "2024-03-02"),
        ("Procedure/c", date(2024, 3, 3), "2024-03-03"),
    ]


# ---------------------------------------------------------------------------------------------
# conditions
# ---------------------------------------------------------------------------------------------


def test_refuted_and_entered_in_error_conditions_are_skipped(term: Terminology) -> None:
    """It drops refuted and entered-in-error Conditions and keeps resolved ones as not current."""
    h = build_history(
        [
            model(condition("ok", (ICD, "M54.16"), onsetDateTime="2026-01-10")),
            model(
                condition(
                    "ref", (ICD, "M54.16"), verificationStatus=status("condition-ver-status", "refuted")
                )
            ),
            model(
                condition(
                    "eie",
                    (ICD, "M54.16"),
                    verificationStatus=status("condition-ver-status", "entered-in-error"),
                )
            ),
            model(condition("res", (ICD, "M54.17"), clinicalStatus=status("condition-clinical", "resolved"))),
        ],
        term,
    )
    refs = {c.ref: c for c in h.conditions}
    assert set(refs) == {"Condition/ok", "Condition/res"}
    assert refs["Condition/ok"].is_current
    assert not refs["Condition/res"].is_current


def test_condition_onset_falls_back_to_recorded_date_and_reads_period_and_age(term: Terminology) -> None:
    """Onset comes from onset[x] (dateTime, Period, Age with a birth date), else recordedDate."""
    h = build_history(
        [
            model({"resourceType": "Patient", "id": "p1", "birthDate": "1970-06-01", "gender": "female"}),
            model(condition("rec", (ICD, "M54.16"), recordedDate="2025-11-03")),
            model(condition("per", (ICD, "M54.16"), onsetPeriod={"start": "2025-10"})),
            model(
                condition(
                    "age",
                    (ICD, "M54.16"),
                    onsetAge={"value": 55, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
                )
            ),
            model(
                condition(
                    "enc",
                    (ICD, "M54.16"),
                    category=[
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                    "code": "encounter-diagnosis",
                                }
                            ]
                        }
                    ],
                    onsetDateTime="2025-12-01",
                    recordedDate="2026-02-01",
                )
            ),
        ],
        term,
    )
    by = {c.ref: c for c in h.conditions}
    assert h.patient is not None and h.patient.birth_date == date(1970, 6, 1)
    assert by["Condition/rec"].onset == date(2025, 11, 3)
    assert by["Condition/rec"].recorded == date(2025, 11, 3)
    # an onset read from the record is marked so: it often lags the symptoms
    assert by["Condition/rec"].onset_from_record and not by["Condition/enc"].onset_from_record
    assert not by["Condition/per"].onset_from_record
    assert by["Condition/per"].onset == date(2025, 10, 1) and by["Condition/per"].onset_text == "2025-10"
    assert by["Condition/age"].onset is not None and by["Condition/age"].onset.year == 2025
    assert by["Condition/enc"].is_encounter_diagnosis
    assert by["Condition/enc"].onset == date(2025, 12, 1) and by["Condition/enc"].recorded == date(2026, 2, 1)
    # sorted by onset, oldest first
    assert [c.onset for c in h.conditions] == sorted(c.onset for c in h.conditions if c.onset)


# ---------------------------------------------------------------------------------------------
# procedures
# ---------------------------------------------------------------------------------------------


def test_procedure_reads_period_outcome_level_side_reason_used_code_and_device(term: Terminology) -> None:
    """It keeps everything §3 needs from a Procedure, level and side from the body site first."""
    raw = procedure(
        "esi",
        "64483",
        performedPeriod={"start": "2026-03-02T08:00:00Z", "end": "2026-03-02T08:30:00Z"},
        outcome=cc(SCT, "385671000", "Unsuccessful"),
        bodySite=[{"coding": [{"system": SCT, "code": "1234", "display": "Left L5 nerve root"}]}],
        reasonCode=[cc(ICD, "M54.16", text="lumbar radiculopathy")],
        usedCode=[cc(RXNORM, "6902", "methylprednisolone")],
        note=[{"text": "Technically uneventful, contrast spread along L5-S1 foramen"}],
        focalDevice=[{"manipulated": {"reference": "Device/ipg1", "display": "IPG"}}],
    )
    (p,) = build_history([model(raw)], term).procedures
    assert p.performed == date(2026, 3, 2) and p.performed_end == date(2026, 3, 2)
    assert p.outcome[0].code == "385671000" and p.outcome_text == "Unsuccessful"
    assert p.level == "L5" and p.laterality == "left"
    assert p.reason_text == "lumbar radiculopathy"
    assert p.used_codes[0].code == "6902"
    assert p.focal_devices == ("IPG",)
    assert p.is_completed


def test_procedure_level_and_side_from_notes_when_no_body_site(term: Terminology) -> None:
    """A level written only in the note ("right L4-5") is found and normalised."""
    (p,) = build_history(
        [model(procedure("x", "64483", performedDateTime="2026-01-05", note=[{"text": "Right L4-5 TFESI"}]))],
        term,
    ).procedures
    assert (p.level, p.laterality) == ("L4-L5", "right")


def test_entered_in_error_procedure_is_skipped_and_other_statuses_kept(term: Terminology) -> None:
    """Entered-in-error procedures vanish; not-done keeps its status for the rules."""
    h = build_history(
        [
            model(procedure("e", "64483", status="entered-in-error", performedDateTime="2026-01-05")),
            model(procedure("n", "64483", status="not-done", performedDateTime="2026-01-06")),
        ],
        term,
    )
    assert [(p.ref, p.status, p.is_completed) for p in h.procedures] == [("Procedure/n", "not-done", False)]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("L5-S1", "L5-S1"),
        ("l5/s1 foramen", "L5-S1"),
        ("L4-5", "L4-L5"),
        ("S1 root", "S1"),
        ("T12", None),
        ("", None),
    ],
)
def test_parse_level(text: str, level: str | None) -> None:
    """Lumbar/sacral levels are normalised; thoracic ones are not lumbar levels."""
    assert parse_level(text) == level


@pytest.mark.parametrize(
    ("texts", "side"),
    [
        (("left leg",), "left"),
        (("Right",), "right"),
        (("left", "right"), "bilateral"),
        (("bilat",), "bilateral"),
        (("midline",), None),
    ],
)
def test_parse_laterality(texts: tuple[str, ...], side: str | None) -> None:
    """Side comes from words; left and right together mean bilateral."""
    assert parse_laterality(*texts) == side


# ---------------------------------------------------------------------------------------------
# observations
# ---------------------------------------------------------------------------------------------


def test_observation_kinds_and_vas_scaling(term: Terminology) -> None:
    """Kinds come from the value sets; the 0-100 VAS is scaled to 0-10; ODI and PHQ-9 keep their scale."""
    h = build_history(
        [
            model(observation("nrs", "72514-3", 7, effectiveDateTime="2026-03-01")),
            model(observation("vas", "38214-3", 65, effectiveDateTime="2026-03-02")),
            model(observation("odi", "97909-6", 44, effectiveDateTime="2026-03-03")),
            model(observation("phq", "44261-6", 12, effectiveDateTime="2026-03-04")),
            model(observation("peg", "91147-9", 6.3, effectiveDateTime="2026-03-05")),
            model(observation("hr", "8867-4", 80, effectiveDateTime="2026-03-06")),
        ],
        term,
    )
    got = {o.ref: (o.kind, o.value) for o in h.observations}
    assert got == {
        "Observation/nrs": ("pain", 7.0),
        "Observation/vas": ("pain", 6.5),
        "Observation/odi": ("odi", 44.0),
        "Observation/phq": ("phq9", 12.0),
        "Observation/peg": ("peg", 6.3),
        "Observation/hr": ("other", 80.0),
    }


def test_observation_components_partof_and_leg_site(term: Terminology) -> None:
    """Each scored component is its own fact; a "leg pain" component names the site; partOf is kept."""
    raw = {
        "resourceType": "Observation",
        "id": "panel",
        "status": "final",
        "code": {"text": "Pain assessment"},
        "effectiveDateTime": "2026-03-20",
        "partOf": [{"reference": "https://ehr.example.org/fhir/Procedure/esi1/_history/3"}],
        "component": [
            {"code": cc(LOINC, "72514-3", text="Leg pain (NRS)"), "valueInteger": 6},
            {"code": cc(LOINC, "72514-3", text="Back pain (NRS)"), "valueInteger": 3},
        ],
    }
    h = build_history([model(raw)], term)
    assert [(o.kind, o.value, o.body_site_text, o.part_of) for o in h.observations] == [
        ("pain", 6.0, "Leg pain (NRS)", ("Procedure/esi1",)),
        ("pain", 3.0, None, ("Procedure/esi1",)),
    ]


def test_uncoded_percent_relief_linked_to_a_procedure_is_a_relief_observation(term: Terminology) -> None:
    """A pain-diary "% relief" with a local code, attached to the block by partOf, counts as % relief."""
    raw = {
        "resourceType": "Observation",
        "id": "diary",
        "status": "final",
        "code": {"text": "Pain relief after block"},
        "effectiveDateTime": "2026-03-02",
        "valueQuantity": {"value": 80, "unit": "%"},
        "partOf": [{"reference": "Procedure/mbb"}],
    }
    spo2 = dict(raw, id="spo2", code={"text": "Oxygen saturation"}, valueQuantity={"value": 98, "unit": "%"})
    h = build_history([model(raw), model(spo2)], term)
    assert {o.ref: o.kind for o in h.observations} == {
        "Observation/diary": "relief_pct",
        "Observation/spo2": "other",
    }


def test_strength_grades_and_relief_named_only_by_text(term: Terminology) -> None:
    """With no verified code for them, MRC grades and "% relief" are recognised by name and scale."""
    grade = {
        "resourceType": "Observation",
        "id": "mrc",
        "status": "final",
        "code": {"text": "Left ankle dorsiflexion strength (MRC)"},
        "effectiveDateTime": "2026-03-02",
        "valueInteger": 3,
    }
    not_grade = dict(
        grade,
        id="grip",
        code={"text": "Grip strength dynamometer"},
        valueQuantity={"value": 32, "unit": "kg"},
    )
    relief_entry = {
        "resourceType": "Observation",
        "id": "rel",
        "status": "final",
        "code": {"text": "Pain relief since injection"},
        "effectiveDateTime": "2026-03-20",
        "valueQuantity": {"value": 40, "unit": "%"},
    }
    not_grade.pop("valueInteger")
    h = build_history([model(grade), model(not_grade), model(relief_entry)], term)
    assert {o.ref: (o.kind, o.value) for o in h.observations} == {
        "Observation/mrc": ("strength", 3.0),
        "Observation/grip": ("other", 32.0),
        "Observation/rel": ("relief_pct", 40.0),
    }
    assert is_relevant(grade, term) and is_relevant(relief_entry, term)


def test_entered_in_error_and_cancelled_observations_are_skipped(term: Terminology) -> None:
    """Scores that were never valid do not reach the rules."""
    h = build_history(
        [
            model(observation("a", "72514-3", 7, status="entered-in-error", effectiveDateTime="2026-03-01")),
            model(observation("b", "72514-3", 7, status="cancelled", effectiveDateTime="2026-03-01")),
            model(observation("c", "72514-3", 7, status="amended", effectiveDateTime="2026-03-01")),
        ],
        term,
    )
    assert [o.ref for o in h.observations] == ["Observation/c"]


# ---------------------------------------------------------------------------------------------
# medications
# ---------------------------------------------------------------------------------------------


def med_request(mid: str, **extra: Any) -> dict[str, Any]:
    raw = {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
    }
    raw.update(extra)
    return raw


def test_medication_request_coded_directly_with_dates_and_daily_dose(term: Terminology) -> None:
    """End = start + supply × (1 + repeats); mg × frequency per day gives the daily dose."""
    raw = med_request(
        "oxy",
        medicationCodeableConcept=cc(RXNORM, "7804", "oxycodone"),
        authoredOn="2026-01-10",
        dispenseRequest={
            "expectedSupplyDuration": {
                "value": 30,
                "unit": "days",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
            "numberOfRepeatsAllowed": 2,
        },
        dosageInstruction=[
            {
                "text": "5 mg every 6 hours",
                "timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": 5,
                            "unit": "mg",
                            "code": "mg",
                            "system": "http://unitsofmeasure.org",
                        }
                    }
                ],
            }
        ],
    )
    (m,) = build_history([model(raw)], term).medications
    assert m.start == date(2026, 1, 10) and m.end == date(2026, 4, 10)
    assert m.daily_dose_mg == 20.0 and m.dose_text == "5 mg every 6 hours"
    assert term.match("rx_opioids", m.codings) is not None


def test_medication_via_contained_and_referenced_medication_with_ingredients(term: Terminology) -> None:
    """A drug coded only on a contained or a listed Medication (and its ingredients) is still that drug."""
    contained = med_request(
        "mr1",
        contained=[
            {
                "resourceType": "Medication",
                "id": "m1",
                "code": {"text": "compounded capsule"},
                "ingredient": [{"itemCodeableConcept": cc(RXNORM, "25480", "gabapentin")}],
            }
        ],
        medicationReference={"reference": "#m1"},
        dispenseRequest={"validityPeriod": {"start": "2026-02-01", "end": "2026-05-01"}},
    )
    referenced = med_request(
        "mr2", medicationReference={"reference": "Medication/med2"}, authoredOn="2026-02-03"
    )
    medication = {"resourceType": "Medication", "id": "med2", "code": cc(RXNORM, "72625", "duloxetine")}
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": "active",
        "subject": SUBJECT,
        "medicationCodeableConcept": cc(RXNORM, "5640", "ibuprofen"),
        "effectivePeriod": {"start": "2025-12-01", "end": "2026-01-20"},
    }
    h = build_history([model(contained), model(referenced), model(medication), model(statement)], term)
    by = {m.ref: m for m in h.medications}
    assert term.match("rx_gabapentinoids", by["MedicationRequest/mr1"].ingredient_codings) is not None
    assert by["MedicationRequest/mr1"].start == date(2026, 2, 1) and by["MedicationRequest/mr1"].end == date(
        2026, 5, 1
    )
    assert term.match("rx_antidepressants_neuropathic", by["MedicationRequest/mr2"].codings) is not None
    ms = by["MedicationStatement/ms1"]
    assert (ms.resource_type, ms.start, ms.end) == (
        "MedicationStatement",
        date(2025, 12, 1),
        date(2026, 1, 20),
    )
    assert [m.ref for m in h.medications] == [
        "MedicationStatement/ms1",
        "MedicationRequest/mr1",
        "MedicationRequest/mr2",
    ]


def test_clinical_drug_coded_prescription_gets_its_ingredient_from_the_name(term: Terminology) -> None:
    """An SCD-coded "gabapentin 300 MG Oral Capsule" is gabapentin; "hydromorphone" is not morphine."""
    gaba = med_request(
        "g",
        medicationCodeableConcept=cc(RXNORM, "310431", "gabapentin 300 MG Oral Capsule"),
        authoredOn="2026-01-01",
    )
    hydro = med_request(
        "h",
        medicationCodeableConcept=cc(RXNORM, "891888", "hydromorphone 2 MG Oral Tablet"),
        authoredOn="2026-01-02",
    )
    h = build_history([model(gaba), model(hydro)], term)
    by = {m.ref: m for m in h.medications}
    assert [c.display for c in by["MedicationRequest/g"].ingredient_codings] == ["gabapentin"]
    assert [c.display for c in by["MedicationRequest/h"].ingredient_codings] == ["hydromorphone"]


# ---------------------------------------------------------------------------------------------
# orders, reports, encounters, ordering, unavailable
# ---------------------------------------------------------------------------------------------


def test_service_requests_reports_and_encounters(term: Terminology) -> None:
    """Pending orders, imaging conclusions and encounters are read with their dates."""
    sr = {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "code": cc(CPT, "72158"),
        "authoredOn": "2026-04-01",
        "occurrenceDateTime": "2026-04-10",
        "reasonReference": [{"reference": "Condition/c1"}],
    }
    dr = {
        "resourceType": "DiagnosticReport",
        "id": "dr1",
        "status": "final",
        "subject": SUBJECT,
        "code": cc(CPT, "72148"),
        "category": [cc(LOINC, "LP29684-5", "Radiology")],
        "effectiveDateTime": "2026-02-01",
        "conclusion": "Left paracentral L5-S1 extrusion compressing the left S1 root.",
    }
    enc = {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": SUBJECT,
        "type": [{"text": "Pain clinic consultation"}],
        "period": {"start": "2026-03-01T09:00:00Z"},
    }
    h = build_history([model(sr), model(dr), model(enc)], term, unavailable={"encounters": "timed out"})
    (s,) = h.service_requests
    assert s.is_pending and s.authored == date(2026, 4, 1) and s.occurrence == date(2026, 4, 10)
    assert s.reason_refs == ("Condition/c1",)
    (r,) = h.reports
    assert r.effective == date(2026, 2, 1) and "S1 root" in (r.conclusion or "")
    assert term.match("imaging_report_category", r.categories) is not None
    (e,) = h.encounters
    assert e.start == date(2026, 3, 1) and e.text == "Pain clinic consultation"
    assert h.unavailable == {"encounters": "timed out"}


def test_undated_facts_sort_first_and_ties_by_reference(term: Terminology) -> None:
    """Undated facts can never be "the latest": they sort before every dated one."""
    h = build_history(
        [
            model(observation("b", "72514-3", 5, effectiveDateTime="2026-01-02")),
            model(observation("a", "72514-3", 5, effectiveDateTime="2026-01-02")),
            model(observation("u", "72514-3", 5)),
        ],
        term,
    )
    assert [o.ref for o in h.observations] == ["Observation/u", "Observation/a", "Observation/b"]


def test_build_history_accepts_plain_json_too(term: Terminology) -> None:
    """The same reader works on raw JSON dicts (tests, fixtures, lenient callers)."""
    h = build_history([procedure("x", "64483", performedDateTime="2026-01-05")], term)
    assert h.procedures[0].performed == date(2026, 1, 5)


def test_normalize_ref() -> None:
    """Absolute and versioned references become Type/id; contained ones are kept."""
    assert normalize_ref("https://ehr/fhir/Procedure/abc/_history/2") == "Procedure/abc"
    assert normalize_ref("Procedure/abc") == "Procedure/abc"
    assert normalize_ref("#m1") == "#m1"
    assert normalize_ref(None) is None


# ---------------------------------------------------------------------------------------------
# is_relevant
# ---------------------------------------------------------------------------------------------

RELEVANT = [
    ("patient", {"resourceType": "Patient", "id": "p"}),
    ("any medication", {"resourceType": "Medication", "id": "m", "code": {"text": "x"}}),
    ("radicular condition", condition("c", (ICD, "M54.16"))),
    ("second coding matches", condition("c", (SCT, "999999999"), (ICD, "M54.17"))),
    ("icd descendant by prefix", condition("c", (ICD, "M48.062"))),
    ("cancer history descendant", condition("c", (ICD, "Z85.038"))),
    ("esi procedure", procedure("p", "64483")),
    (
        "text-only esi",
        {
            "resourceType": "Procedure",
            "id": "p",
            "status": "completed",
            "code": {"text": "Transforaminal epidural steroid injection"},
        },
    ),
    (
        "snomed-less drg trial",
        {
            "resourceType": "Procedure",
            "id": "p",
            "status": "completed",
            "code": {
                "coding": [{"system": SCT, "code": "1", "display": "Dorsal root ganglion stimulator trial"}]
            },
        },
    ),
    ("pain score", observation("o", "72514-3", 5)),
    (
        "component score",
        {
            "resourceType": "Observation",
            "id": "o",
            "status": "final",
            "code": {"text": "panel"},
            "component": [{"code": cc(LOINC, "97909-6"), "valueInteger": 30}],
        },
    ),
    (
        "linked by partOf",
        {
            "resourceType": "Observation",
            "id": "o",
            "status": "final",
            "code": {"text": "relief"},
            "partOf": [{"reference": "Procedure/p"}],
        },
    ),
    ("opioid request", med_request("m", medicationCodeableConcept=cc(RXNORM, "7804"))),
    (
        "scd-coded gabapentin",
        med_request("m", medicationCodeableConcept=cc(RXNORM, "310431", "gabapentin 300 MG Oral Capsule")),
    ),
    ("referenced medication", med_request("m", medicationReference={"reference": "Medication/x"})),
    (
        "contained known medication",
        med_request(
            "m",
            medicationReference={"reference": "#c"},
            contained=[{"resourceType": "Medication", "id": "c", "code": cc(RXNORM, "187832")}],
        ),
    ),
    (
        "mri order",
        {"resourceType": "ServiceRequest", "id": "s", "status": "active", "code": cc(CPT, "72148")},
    ),
    (
        "surgical referral by performer",
        {
            "resourceType": "ServiceRequest",
            "id": "s",
            "status": "active",
            "code": {"text": "Referral"},
            "performerType": {"text": "Spine surgeon"},
        },
    ),
    (
        "imaging report by category",
        {
            "resourceType": "DiagnosticReport",
            "id": "d",
            "status": "final",
            "category": [cc(LOINC, "LP29684-5")],
            "code": {"text": "MRI"},
        },
    ),
    (
        "imaging report by conclusion",
        {
            "resourceType": "DiagnosticReport",
            "id": "d",
            "status": "final",
            "code": {"text": "MR"},
            "conclusion": "L4-5 disc protrusion",
        },
    ),
    (
        "pain clinic encounter",
        {
            "resourceType": "Encounter",
            "id": "e",
            "status": "finished",
            "type": [{"text": "Pain management follow-up"}],
        },
    ),
]

NOT_RELEVANT = [
    ("not a dict", ["Patient"]),
    ("other type", {"resourceType": "Immunization", "id": "i"}),
    ("unrelated condition", condition("c", (ICD, "J45.909"))),
    ("prefix does not run backwards", condition("c", (ICD, "M48.0"))),
    ("entered in error", dict(procedure("p", "64483"), status="entered-in-error")),
    ("unrelated observation", observation("o", "8867-4", 70)),
    ("unrelated drug", med_request("m", medicationCodeableConcept=cc(RXNORM, "29046", "lisinopril"))),
    (
        "unrelated report",
        {
            "resourceType": "DiagnosticReport",
            "id": "d",
            "status": "final",
            "code": {"text": "CBC"},
            "conclusion": "Normal blood count.",
        },
    ),
    (
        "echo report with S1 and stenosis",
        {
            "resourceType": "DiagnosticReport",
            "id": "d",
            "status": "final",
            "code": {"text": "Echocardiogram"},
            "conclusion": "Normal S1 and S2. Mild aortic stenosis.",
        },
    ),
    (
        "unrelated encounter",
        {"resourceType": "Encounter", "id": "e", "status": "finished", "type": [{"text": "Dental check"}]},
    ),
    (
        "unrelated procedure",
        {"resourceType": "Procedure", "id": "p", "status": "completed", "code": {"text": "Appendectomy"}},
    ),
]


@pytest.mark.parametrize(("name", "raw"), RELEVANT, ids=[n for n, _ in RELEVANT])
def test_is_relevant_keeps_what_a_rule_can_use(name: str, raw: dict[str, Any], term: Terminology) -> None:
    """It keeps every resource a rule could read (dropping one would change the advice)."""
    assert is_relevant(raw, term) is True


@pytest.mark.parametrize(("name", "raw"), NOT_RELEVANT, ids=[n for n, _ in NOT_RELEVANT])
def test_is_relevant_drops_what_no_rule_reads(name: str, raw: Any, term: Terminology) -> None:
    """It drops resources no rule reads, so they are never validated."""
    assert is_relevant(raw, term) is False


def test_is_relevant_is_fast_on_a_large_history(term: Terminology) -> None:
    """5,000 raw resources are filtered well under a second (dict lookups, no validation)."""
    mix = [r for _, r in RELEVANT + NOT_RELEVANT if isinstance(r, dict)]
    resources = (mix * (5000 // len(mix) + 1))[:5000]
    start = time.perf_counter()
    kept = sum(is_relevant(r, term) for r in resources)
    assert time.perf_counter() - start < 1.0
    assert 0 < kept < 5000


# ---------------------------------------------------------------------------------------------
# is_relevant on malformed JSON: it filters before validation, so it must never raise
# ---------------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
_FIELDS = [
    "code",
    "coding",
    "system",
    "display",
    "text",
    "status",
    "partOf",
    "component",
    "contained",
    "medicationReference",
    "medicationCodeableConcept",
    "ingredient",
    "itemCodeableConcept",
    "reasonCode",
    "usedCode",
    "outcome",
    "category",
    "conclusion",
    "conclusionCode",
    "type",
    "serviceType",
    "participant",
    "performerType",
    "evidence",
    "reference",
    "id",
]


@settings(max_examples=150, deadline=None)
@given(
    rtype=st.sampled_from(
        [
            "Condition",
            "Procedure",
            "Observation",
            "MedicationRequest",
            "MedicationStatement",
            "ServiceRequest",
            "DiagnosticReport",
            "Encounter",
            "Medication",
            "Patient",
            7,
            None,
        ]
    ),
    body=st.dictionaries(st.sampled_from(_FIELDS), _json, max_size=6),
)
def test_is_relevant_never_raises_on_malformed_json(rtype: Any, body: dict[str, Any]) -> None:
    """Whatever shape a resource arrives in, the relevance test answers True or False."""
    raw = dict(body, resourceType=rtype)
    assert is_relevant(raw, default_terminology()) in (True, False)


def test_the_screen_the_adapter_and_the_history_read_the_same_resource_types() -> None:
    """One list: what build_history reads is what the adapter validates and the screen can keep."""
    from cds_service.fhir_adapter import VALIDATED_TYPES
    from cds_service.fhir_facts import RESOURCE_TYPES
    from cds_service.relevance import RELEVANT_TYPES

    assert VALIDATED_TYPES == RESOURCE_TYPES
    assert sorted(RELEVANT_TYPES) == sorted(RESOURCE_TYPES)
    assert len(set(RESOURCE_TYPES)) == len(RESOURCE_TYPES) == 10
