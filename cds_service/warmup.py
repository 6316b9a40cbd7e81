"""Warm a worker before it takes traffic: the first clinician's call should not pay start-up costs.

fhir.resources imports each R4B model module, and pydantic builds its validator, on first use; the
rule modules and value-set lookups have their own first-call costs. ``warm_up`` runs every
registered service once, in process, on a tiny synthetic chart that touches each resource type
the adapter validates. Nothing is recorded: it calls the engine, not the HTTP layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cds_service.errors import CdsError
from cds_service.fhir_adapter import preload_models
from cds_service.logging_setup import get_logger
from cds_service.pipeline import Engine

if TYPE_CHECKING:
    from cds_service.store import Store

log = get_logger("warmup")

_PID = "warm-up-patient"
_SUBJECT = {"reference": f"Patient/{_PID}"}
_BY_TYPE: dict[str, dict[str, Any]] = {
    "Patient": {"resourceType": "Patient", "id": _PID},
    "Condition": {
        "resourceType": "Condition",
        "id": "warm-c",
        "subject": _SUBJECT,
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "code": {"text": "warm-up"},
        "onsetDateTime": "2026-01",
    },
    "Procedure": {
        "resourceType": "Procedure",
        "id": "warm-p",
        "status": "completed",
        "subject": _SUBJECT,
        "code": {"text": "warm-up"},
        "performedPeriod": {"start": "2026-01-02"},
    },
    "Observation": {
        "resourceType": "Observation",
        "id": "warm-o",
        "status": "final",
        "subject": _SUBJECT,
        "code": {"text": "warm-up"},
        "partOf": [{"reference": "Procedure/warm-p"}],
        "effectiveDateTime": "2026-01-03T10:00:00Z",
        "valueQuantity": {"value": 1},
    },
    "MedicationRequest": {
        "resourceType": "MedicationRequest",
        "id": "warm-mr",
        "status": "stopped",
        "intent": "order",
        "subject": _SUBJECT,
        "medicationReference": {"reference": "Medication/warm-m"},
    },
    "MedicationStatement": {
        "resourceType": "MedicationStatement",
        "id": "warm-ms",
        "status": "stopped",
        "subject": _SUBJECT,
        "medicationReference": {"reference": "Medication/warm-m"},
    },
    "ServiceRequest": {
        "resourceType": "ServiceRequest",
        "id": "warm-sr",
        "status": "completed",
        "intent": "order",
        "subject": _SUBJECT,
        "code": {"text": "spine surgery referral"},
    },
    "DiagnosticReport": {
        "resourceType": "DiagnosticReport",
        "id": "warm-dr",
        "status": "final",
        "subject": _SUBJECT,
        "code": {"text": "MRI lumbar spine"},
        "conclusion": "warm-up",
    },
    "Encounter": {
        "resourceType": "Encounter",
        "id": "warm-e",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": _SUBJECT,
    },
}
_MEDICATION = {"resourceType": "Medication", "id": "warm-m", "code": {"text": "warm-up"}}


def _prefetch(templates: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, template in templates.items():
        rtype = template.split("?")[0].split("/")[0]
        resource = _BY_TYPE.get(rtype)
        if template.startswith("Patient/"):
            out[key] = _BY_TYPE["Patient"]
            continue
        entries = [{"resource": resource}] if resource else []
        if rtype.startswith("Medication"):
            entries.append({"resource": _MEDICATION})
        out[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    return out


def warm_up(engine: Engine, store: Store | None = None) -> int:
    """Invoke every (service, hook) once, and let the store compile its writes in a rolled-back
    transaction; returns how many services ran. Failures are logged, not raised: a warm-up must
    never stop a worker that would answer real calls correctly."""
    preload_models()
    if store is not None:
        try:
            store.warm_up()
        except Exception as exc:
            log.warning("store warm-up failed", extra={"event": "warmup_failed", "error": type(exc).__name__})
    ran = 0
    for service in engine.services:
        for hook in service.hooks:
            context: dict[str, Any] = {"userId": "Practitioner/warm-up", "patientId": _PID}
            if hook in ("order-select", "order-sign"):
                draft = {"resourceType": "ServiceRequest", "id": "warm-draft", "status": "draft",
                         "intent": "order", "subject": _SUBJECT, "code": {"text": "warm-up"}}  # fmt: skip
                context["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": draft}]}
                if hook == "order-select":
                    context["selections"] = ["ServiceRequest/warm-draft"]
            body = {
                "hook": hook,
                "hookInstance": "00000000-0000-4000-8000-000000000000",
                "context": context,
                "prefetch": _prefetch(dict(service.prefetch)),
            }
            try:
                engine.invoke(service.endpoint_id(hook), body)
                ran += 1
            except CdsError as exc:
                fields = {"event": "warmup_failed", "service": service.id, "hook": hook}
                log.warning("warm-up call failed", extra={**fields, "error": type(exc).__name__})
    return ran
