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

from fhir_fixtures import fhir_builder as fb
from fhir_fixtures.fhir_builder import CPT, ICD10CM, LOINC, SNOMED

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
    return fb.searchset(resources, full_url="urn")


def _code(system: str, code: str, text: str) -> dict[str, Any]:
    """A value-set code without its display, and the chart's own text."""
    return fb.concept(fb.coding(system, code, with_display=False), text=text)


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
    radiculopathy = fb.concept(
        fb.icd("M54.16"), fb.coding(SNOMED, "128196005", with_display=False), text="Lumbar radiculopathy"
    )
    out["conditions"].append(
        fb.condition("radic-1", radiculopathy, subj, onset=_d(onset), recorded=_d(onset + timedelta(days=3)))
    )
    out["conditions"].append(
        fb.condition(
            "disc-1",
            _code(ICD10CM, "M51.16", "Lumbar disc disorder with radiculopathy"),
            subj,
            verification=None,
            category=None,
            onset=_d(onset),
        )
    )
    for i in range(8):
        out["procedures"].append(
            fb.procedure(
                f"pt-{i}",
                _code(CPT, "97110", "Therapeutic exercise"),
                subj,
                performed=_d(onset + timedelta(days=10 + 7 * i)),
            )
        )
    out["procedures"].append(
        fb.procedure(
            "esi-1",
            _code(CPT, "64483", "Transforaminal ESI L5-S1"),
            subj,
            performed=_d(esi),
            body_site="L5-S1 left",
        )
    )
    out["procedures"].append(
        fb.procedure(
            "mri-1",
            _code(CPT, "72148", "MRI lumbar spine without contrast"),
            subj,
            performed=_d(esi - timedelta(days=20)),
        )
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
            fb.observation(
                f"pain-{i}",
                _code(LOINC, fb.PAIN_NRS, "Pain severity 0-10"),
                subj,
                effective=_d(day),
                value=value,
                coded_unit=False,
            )
        )
    for i in range(20):
        out["observations"].append(
            fb.observation(
                f"odi-{i}",
                _code(LOINC, "97909-6", "Oswestry Disability Index"),
                subj,
                effective=_d(onset + timedelta(days=5 * i)),
                value=44 - (i % 3),
                unit="%",
                coded_unit=False,
            )
        )
    out["medicationRequests"].append(
        fb.medication_request(
            "nsaid-1",
            _code(fb.RXNORM, "7258", "naproxen"),
            subj,
            authored=_d(onset + timedelta(days=2)),
            dispense={"expectedSupplyDuration": fb.days(90)},
        )
    )
    out["diagnosticReports"].append(
        fb.diagnostic_report(
            "mri-report-1",
            _code(CPT, "72148", "MRI lumbar spine"),
            subj,
            effective=_d(esi - timedelta(days=20)),
            conclusion="Left paracentral L5-S1 disc extrusion contacting the left S1 nerve root.",
        )
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
                fb.observation(
                    f"obs-{i}",
                    fb.concept(fb.unchecked_coding(LOINC, code, text), text=text),
                    subj,
                    category="vital-signs" if unit in ("/min", "Cel", "kg", "cm") else "laboratory",
                    effective=f"{_d(day)}T{rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:00Z",
                    value=round(rng.uniform(lo, hi), 1),
                    unit=unit,
                )
            )
        else:
            encounters.append(
                fb.encounter(
                    f"enc-{i}",
                    subj,
                    class_display=False,
                    start=f"{_d(day)}T09:00:00Z",
                    end=f"{_d(day)}T09:20:00Z",
                )
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
