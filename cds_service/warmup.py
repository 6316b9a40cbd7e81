"""Warm a worker before it takes traffic: the first clinician's call should not pay start-up costs.

fhir.resources imports each R4B model module, and pydantic builds its validator, on first use; the
rule modules and value-set lookups have their own first-call costs. ``warm_up`` runs every
registered service once, in process, on a tiny synthetic chart that touches each resource type
the adapter validates. Its resources carry codes of the shipped value sets (taken from the
terminology, never written here), so the relevance screen keeps every one of them and the first
real call finds each model's validators, the facts and the rules already run; the value sets of
every listed code are worked out beforehand too (``Terminology.prime``). Nothing is recorded: it
calls the engine, not the HTTP layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cds_service.errors import CdsError
from cds_service.fhir_adapter import preload_models
from cds_service.logging_setup import get_logger
from cds_service.pipeline import Engine
from cds_service.wire import new_uuid

if TYPE_CHECKING:
    from cds_service.store import Store
    from hooks.terminology import Terminology

log = get_logger("warmup")

_PID = "warm-up-patient"
_SUBJECT = {"reference": f"Patient/{_PID}"}

# The value set whose first listed code each resource of the chart carries (by resource type), so
# that the relevance screen keeps it; a value set the terminology lacks leaves the text alone.
_CODED_BY = {
    "Condition": "lumbar_radiculopathy_conditions",
    "Procedure": "esi_transforaminal_lumbar",
    "Observation": "pain_intensity_observations",
    "DiagnosticReport": "imaging_mri_lumbar",
    "Medication": "rx_gabapentinoids",
}


def _code(term: Terminology, rtype: str, text: str) -> dict[str, Any]:
    """A CodeableConcept with ``text`` and, when there is one, the first code of the value set the
    chart's ``rtype`` resource is coded from."""
    name = _CODED_BY.get(rtype)
    if name is None or name not in term:
        return {"text": text}
    return {"coding": [term.first(name).coding().as_fhir()], "text": text}


def _chart(term: Terminology) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The warm-up chart's resource of each type, and the Medication the requests name."""
    by_type: dict[str, dict[str, Any]] = {
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
            "code": _code(term, "Condition", "warm-up"),
            "onsetDateTime": "2026-01",
        },
        "Procedure": {
            "resourceType": "Procedure",
            "id": "warm-p",
            "status": "completed",
            "subject": _SUBJECT,
            "code": _code(term, "Procedure", "warm-up"),
            "performedPeriod": {"start": "2026-01-02"},
        },
        "Observation": {
            "resourceType": "Observation",
            "id": "warm-o",
            "status": "final",
            "subject": _SUBJECT,
            "code": _code(term, "Observation", "warm-up"),
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
            "code": _code(term, "DiagnosticReport", "MRI lumbar spine"),
            "conclusion": "warm-up",
        },
        "Encounter": {
            "resourceType": "Encounter",
            "id": "warm-e",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": _SUBJECT,
            "type": [{"text": "Spine clinic"}],
        },
    }
    medication = {"resourceType": "Medication", "id": "warm-m", "code": _code(term, "Medication", "warm-up")}
    return by_type, medication


def _prefetch(templates: dict[str, str], term: Terminology) -> dict[str, Any]:
    by_type, medication = _chart(term)
    out: dict[str, Any] = {}
    for key, template in templates.items():
        rtype = template.split("?")[0].split("/")[0]
        resource = by_type.get(rtype)
        if template.startswith("Patient/"):
            out[key] = by_type["Patient"]
            continue
        entries = [{"resource": resource}] if resource else []
        if rtype.startswith("Medication"):
            entries.append({"resource": medication})
        out[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    return out


def warm_up(engine: Engine, store: Store | None = None) -> int:
    """Invoke every (service, hook) once, and let the store compile its writes in a rolled-back
    transaction; returns how many services ran. Failures are logged, not raised: a warm-up must
    never stop a worker that would answer real calls correctly."""
    preload_models()
    engine.terminology.prime()
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
                "prefetch": _prefetch(dict(service.prefetch), engine.terminology),
            }
            try:
                engine.invoke(service.endpoint_id(hook), body)
                ran += 1
            except CdsError as exc:
                fields = {"event": "warmup_failed", "service": service.id, "hook": hook}
                log.warning("warm-up call failed", extra={**fields, "error": type(exc).__name__})
    return ran


def warm_up_thread(store: Store | None = None) -> None:
    """Run by each call thread as it starts, before its first call: the thread's own connection for
    the snooze read and its first batch of card UUIDs. A failure is logged, not raised: the first
    call then does what is missing itself."""
    try:
        new_uuid.fill()
        if store is not None:
            store.warm_up_thread()
    except Exception as exc:
        fields = {"event": "warmup_failed", "error": type(exc).__name__}
        log.warning("call thread warm-up failed", extra=fields)
