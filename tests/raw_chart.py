"""FHIR R4 resources as an EHR sends them, for tests that read a chart through the service's own
reader (``cds_service.fhir_facts.build_history``) before the pathway judges it: a lumbosacral
radiculopathy, procedures, leg-pain scores, and the patient-view cards of such a chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import CPT, LOINC
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput
from hooks.pathway import evaluate_pathway
from tests.pathway_builders import TERM

TODAY = date(2026, 11, 20)
SUBJECT = {"reference": "Patient/p1"}


def radiculopathy() -> dict[str, Any]:
    """Left S1 radiculopathy (M54.17) since 2024-05-16."""
    return {
        "resourceType": "Condition", "id": "rad", "subject": SUBJECT,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "code": {"coding": [{"system": ICD, "code": "M54.17",
                             "display": "Radiculopathy, lumbosacral region"}]},
        "bodySite": [{"text": "Left leg (S1 distribution)"}],
        "onsetDateTime": "2024-05-16", "recordedDate": "2024-05-16",
    }  # fmt: skip


def procedure(rid: str, code: str, text: str, when: str, **extra: Any) -> dict[str, Any]:
    """A completed Procedure coded in CPT, done on ``when``."""
    return {
        "resourceType": "Procedure", "id": rid, "status": "completed", "subject": SUBJECT,
        "code": {"coding": [{"system": CPT, "code": code}], "text": text}, "performedDateTime": when,
        **extra,
    }  # fmt: skip


def leg_pain(rid: str, value: float, when: str) -> dict[str, Any]:
    """A leg-pain NRS (LOINC 72514-3, body site "Leg")."""
    return {
        "resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT,
        "code": {"coding": [{"system": LOINC, "code": "72514-3",
                             "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}]},
        "effectiveDateTime": when, "bodySite": {"text": "Leg"},
        "valueQuantity": {"value": value, "unit": "{score}", "system": "http://unitsofmeasure.org",
                          "code": "{score}"},
    }  # fmt: skip


def patient_view(resources: list[dict[str, Any]]) -> list[CardDraft]:
    """The pathway's cards for ``resources`` on ``TODAY``."""
    return evaluate_pathway(
        EvaluationInput(
            hook="patient-view", today=TODAY, patient_id="p1", user_id="Practitioner/1", encounter_id=None,
            history=build_history(resources, TERM), terminology=TERM,
        )
    )  # fmt: skip
