"""Seeded synthetic patient histories for benchmarks: a realistic mix at any size.

A real chart is mostly data the pathway does not read (vital signs, laboratory results,
encounters) around a few dozen resources that decide the case. ``make_request(n, seed)`` builds
a complete patient-view CDS Hooks request whose prefetch holds ``n`` resources: about 50 that
matter (a lumbar radiculopathy with a failed image-guided ESI, pain scores, PT, medications,
an MRI report) and the rest unrelated Observations and Encounters. Same seed, same request.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, timedelta
from typing import Any

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
COND_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

EVALUATION_DATE = date(2026, 11, 1)
PATIENT_ID = "bench-patient"

# Unrelated but realistic observation codes (vital signs and common laboratory tests). They are
# deliberately outside every value set the service uses: the point is to measure the cost of
# data the rules do not need.
_NOISE_OBSERVATIONS = (
    ("8867-4", "Heart rate", "/min", 55, 100),
    ("9279-1", "Respiratory rate", "/min", 10, 22),
    ("8310-5", "Body temperature", "Cel", 36.0, 37.8),
    ("29463-7", "Body weight", "kg", 50, 120),
    ("8302-2", "Body height", "cm", 150, 195),
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 70, 160),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.6, 1.3),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 11, 17),
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 134, 146),
    ("6690-2", "Leukocytes [#/volume] in Blood", "10*3/uL", 4, 11),
)


def _d(day: date) -> str:
    return day.isoformat()


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def _relevant(today: date) -> dict[str, list[dict[str, Any]]]:
    """About 50 resources that decide the case: a failed image-guided ESI with concordant imaging."""
    subj = {"reference": f"Patient/{PATIENT_ID}"}
    onset = today - timedelta(days=200)
    esi = today - timedelta(days=70)
    out: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "conditions",
            "procedures",
            "observations",
            "medicationRequests",
            "serviceRequests",
            "diagnosticReports",
        )
    }
    out["conditions"].append(
        {
            "resourceType": "Condition",
            "id": "radic-1",
            "subject": subj,
            "clinicalStatus": {"coding": [{"system": COND_CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": COND_VERIFICATION, "code": "confirmed"}]},
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "problem-list-item",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {"system": ICD10CM, "code": "M54.16", "display": "Radiculopathy, lumbar region"},
                    {"system": SNOMED, "code": "128196005"},
                ],
                "text": "Lumbar radiculopathy",
            },
            "onsetDateTime": _d(onset),
            "recordedDate": _d(onset + timedelta(days=3)),
        }
    )
    out["conditions"].append(
        {
            "resourceType": "Condition",
            "id": "disc-1",
            "subject": subj,
            "clinicalStatus": {"coding": [{"system": COND_CLINICAL, "code": "active"}]},
            "code": {
                "coding": [{"system": ICD10CM, "code": "M51.16"}],
                "text": "Lumbar disc disorder with radiculopathy",
            },
            "onsetDateTime": _d(onset),
        }
    )
    for i in range(8):
        out["procedures"].append(
            {
                "resourceType": "Procedure",
                "id": f"pt-{i}",
                "status": "completed",
                "subject": subj,
                "code": {"coding": [{"system": CPT, "code": "97110"}], "text": "Therapeutic exercise"},
                "performedDateTime": _d(onset + timedelta(days=10 + 7 * i)),
            }
        )
    out["procedures"].append(
        {
            "resourceType": "Procedure",
            "id": "esi-1",
            "status": "completed",
            "subject": subj,
            "code": {"coding": [{"system": CPT, "code": "64483"}], "text": "Transforaminal ESI L5-S1"},
            "bodySite": [{"text": "L5-S1 left"}],
            "performedDateTime": _d(esi),
        }
    )
    out["procedures"].append(
        {
            "resourceType": "Procedure",
            "id": "mri-1",
            "status": "completed",
            "subject": subj,
            "code": {
                "coding": [{"system": CPT, "code": "72148"}],
                "text": "MRI lumbar spine without contrast",
            },
            "performedDateTime": _d(esi - timedelta(days=20)),
        }
    )
    pain_days = [
        esi - timedelta(days=2),
        esi + timedelta(days=16),
        esi + timedelta(days=28),
        esi + timedelta(days=40),
        esi + timedelta(days=65),
    ]
    pain_values = [8, 7, 7, 8, 8]
    for i, (day, value) in enumerate(zip(pain_days, pain_values, strict=True)):
        out["observations"].append(
            {
                "resourceType": "Observation",
                "id": f"pain-{i}",
                "status": "final",
                "subject": subj,
                "code": {"coding": [{"system": LOINC, "code": "72514-3"}], "text": "Pain severity 0-10"},
                "effectiveDateTime": _d(day),
                "valueQuantity": {"value": value, "unit": "{score}"},
            }
        )
    for i in range(20):
        day = onset + timedelta(days=5 * i)
        out["observations"].append(
            {
                "resourceType": "Observation",
                "id": f"odi-{i}",
                "status": "final",
                "subject": subj,
                "code": {
                    "coding": [{"system": LOINC, "code": "97909-6"}],
                    "text": "Oswestry Disability Index",
                },
                "effectiveDateTime": _d(day),
                "valueQuantity": {"value": 44 - (i % 3), "unit": "%"},
            }
        )
    out["medicationRequests"].append(
        {
            "resourceType": "MedicationRequest",
            "id": "nsaid-1",
            "status": "active",
            "intent": "order",
            "subject": subj,
            "authoredOn": _d(onset + timedelta(days=2)),
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7258"}], "text": "naproxen"},
            "dispenseRequest": {
                "expectedSupplyDuration": {
                    "value": 90,
                    "unit": "days",
                    "system": "http://unitsofmeasure.org",
                    "code": "d",
                }
            },
        }
    )
    out["diagnosticReports"].append(
        {
            "resourceType": "DiagnosticReport",
            "id": "mri-report-1",
            "status": "final",
            "subject": subj,
            "code": {"coding": [{"system": CPT, "code": "72148"}], "text": "MRI lumbar spine"},
            "effectiveDateTime": _d(esi - timedelta(days=20)),
            "conclusion": "Left paracentral L5-S1 disc extrusion contacting the left S1 nerve root.",
        }
    )
    return out


def _noise(rng: random.Random, n: int, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    subj = {"reference": f"Patient/{PATIENT_ID}"}
    observations: list[dict[str, Any]] = []
    encounters: list[dict[str, Any]] = []
    for i in range(n):
        day = today - timedelta(days=rng.randrange(1, 3650))
        if rng.random() < 0.75:
            code, text, unit, lo, hi = rng.choice(_NOISE_OBSERVATIONS)
            observations.append(
                {
                    "resourceType": "Observation",
                    "id": f"obs-{i}",
                    "status": "final",
                    "subject": subj,
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                    "code": "vital-signs"
                                    if unit in ("/min", "Cel", "kg", "cm")
                                    else "laboratory",
                                }
                            ]
                        }
                    ],
                    "code": {"coding": [{"system": LOINC, "code": code, "display": text}], "text": text},
                    "effectiveDateTime": f"{_d(day)}T{rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:00Z",
                    "valueQuantity": {
                        "value": round(rng.uniform(lo, hi), 1),
                        "unit": unit,
                        "system": "http://unitsofmeasure.org",
                        "code": unit,
                    },
                }
            )
        else:
            encounters.append(
                {
                    "resourceType": "Encounter",
                    "id": f"enc-{i}",
                    "status": "finished",
                    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                    "subject": subj,
                    "period": {"start": f"{_d(day)}T09:00:00Z", "end": f"{_d(day)}T09:20:00Z"},
                }
            )
    return observations, encounters


def make_request(n_resources: int, seed: int = 20261101, today: date = EVALUATION_DATE) -> dict[str, Any]:
    """A patient-view request whose prefetch holds ``n_resources`` resources (Patient included)."""
    rng = random.Random(seed)
    relevant = _relevant(today)
    n_relevant = 1 + sum(len(v) for v in relevant.values())
    if n_resources < n_relevant:
        raise ValueError(f"a history needs at least {n_relevant} resources, not {n_resources}")
    noise_obs, encounters = _noise(rng, n_resources - n_relevant, today)
    observations = relevant["observations"] + noise_obs
    rng.shuffle(observations)
    prefetch = {
        "patient": {
            "resourceType": "Patient",
            "id": PATIENT_ID,
            "gender": "female",
            "birthDate": "1968-04-12",
        },
        "conditions": _bundle(relevant["conditions"]),
        "procedures": _bundle(relevant["procedures"]),
        "observations": _bundle(observations),
        "examObservations": _bundle([]),
        "medicationRequests": _bundle(relevant["medicationRequests"]),
        "medicationStatements": _bundle([]),
        "serviceRequests": _bundle(relevant["serviceRequests"]),
        "diagnosticReports": _bundle(relevant["diagnosticReports"]),
        "encounters": _bundle(encounters),
    }
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "context": {"userId": "Practitioner/bench-clinician", "patientId": PATIENT_ID},
        "prefetch": prefetch,
    }


def make_patients(n_resources: int, count: int) -> list[dict[str, Any]]:
    """``count`` requests of ``n_resources`` each for different patients: no two share a resource's
    JSON (the patient reference differs), so a per-worker cache of validated models cannot answer
    for one from another."""
    out = []
    for k in range(count):
        text = json.dumps(make_request(n_resources, seed=20261101 + k))
        out.append(json.loads(text.replace(PATIENT_ID, f"{PATIENT_ID}-{k}")))
    return out


def count_resources(request: dict[str, Any]) -> int:
    total = 0
    for value in request["prefetch"].values():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            total += len(value.get("entry", []))
        elif isinstance(value, dict):
            total += 1
    return total
