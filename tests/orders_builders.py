"""Hand-built histories and draft orders for the order-guardrail tests (absolute dates).

Draft orders are built as the FHIR JSON a client sends and read as the service reads them
(``cds_service.draft_orders``), so these tests cover the boundary reading and the checks together.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cds_service.draft_orders import read_draft_orders
from fhir_fixtures import fhir_builder as fb
from fhir_fixtures.fhir_builder import CPT, LOINC
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import RXNORM as RX
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.evaluation import EvaluationInput
from hooks.facts import (
    ConditionFact,
    EncounterFact,
    MedicationFact,
    ObservationFact,
    PatientFact,
    PatientHistory,
    ProcedureFact,
    ReportFact,
    ServiceRequestFact,
)
from hooks.terminology import Coding, default_terminology

TODAY = date(2026, 11, 20)
SUBJECT = {"reference": "Patient/p1"}
TERM = default_terminology()
UNSUCCESSFUL = Coding(SCT, fb.UNSUCCESSFUL, "Unsuccessful")
SUCCESSFUL = Coding(SCT, fb.SUCCESSFUL, "Successful")


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def cond(rid: str, code: str, days_ago: int, text: str = "", system: str = ICD, **kw: Any) -> ConditionFact:
    d = ago(days_ago)
    return ConditionFact(
        ref=f"Condition/{rid}", codings=(Coding(system, code, text or code),), text=text or code,
        clinical_status=kw.pop("clinical_status", "active"), verification_status="confirmed",
        categories=("problem-list-item",), onset=d, onset_text=d.isoformat(), recorded=d, abatement=None,
        **kw,
    )  # fmt: skip


def proc(
    rid: str,
    code: str,
    days_ago: int,
    text: str = "",
    outcome: Coding | None = None,
    level: str | None = None,
    system: str = CPT,
    **kw: Any,
) -> ProcedureFact:
    d = ago(days_ago)
    return ProcedureFact(
        ref=f"Procedure/{rid}", codings=(Coding(system, code, text or code),), text=text or code,
        status="completed", performed=d, performed_text=d.isoformat(),
        outcome=(outcome,) if outcome else (), outcome_text=outcome.display if outcome else None, level=level,
        **kw,
    )  # fmt: skip


def obs(rid: str, kind: str, value: float, days_ago: int, code: str = "72514-3") -> ObservationFact:
    d = ago(days_ago)
    return ObservationFact(
        ref=f"Observation/{rid}", codings=(Coding(LOINC, code),), text=kind, kind=kind,
        effective=d, effective_text=d.isoformat(), value=value, status="final",
    )  # fmt: skip


def med(
    rid: str,
    rx: str,
    text: str,
    start_days_ago: int,
    end_days_ago: int | None = None,
    daily_dose_mg: float | None = None,
    status: str = "active",
) -> MedicationFact:
    return MedicationFact(
        ref=f"MedicationRequest/{rid}", resource_type="MedicationRequest", codings=(Coding(RX, rx, text),),
        ingredient_codings=(), text=text, status=status, intent="order", start=ago(start_days_ago),
        end=ago(end_days_ago) if end_days_ago is not None else None, daily_dose_mg=daily_dose_mg,
    )  # fmt: skip


def history(*facts: Any, unavailable: dict[str, str] | None = None) -> PatientHistory:
    return PatientHistory(
        patient=PatientFact("Patient/p1", date(1970, 1, 1), "female"),
        conditions=tuple(f for f in facts if isinstance(f, ConditionFact)),
        procedures=tuple(f for f in facts if isinstance(f, ProcedureFact)),
        observations=tuple(f for f in facts if isinstance(f, ObservationFact)),
        medications=tuple(f for f in facts if isinstance(f, MedicationFact)),
        service_requests=tuple(f for f in facts if isinstance(f, ServiceRequestFact)),
        reports=tuple(f for f in facts if isinstance(f, ReportFact)),
        encounters=tuple(f for f in facts if isinstance(f, EncounterFact)),
        unavailable=unavailable or {},
    )


def _concept(system: str, code: str, text: str) -> dict[str, Any]:
    """The order's code as given (tests also send codes no value set holds), its text as display."""
    return fb.labelled(fb.unchecked_coding(system, code, text or code))


def sr(rid: str, code: str, text: str = "", system: str = CPT, **extra: Any) -> dict[str, Any]:
    res = fb.service_request(
        rid, _concept(system, code, text), SUBJECT, status="draft", authored=TODAY.isoformat()
    )
    res.update(extra)
    return res


def mr(
    rid: str,
    rx: str | None,
    text: str,
    dose: float | None = None,
    unit: str = "mg",
    per: int = 1,
    period_unit: str = "d",
    *,
    stu3: bool = False,
    route: str | None = None,
) -> dict[str, Any]:
    dosage = []
    if dose is not None:
        instruction = f"{dose:g} {unit} {per} times per {period_unit}"
        dosage.append(
            fb.dosage(dose, per, instruction, stu3=stu3, route=route, period_unit=period_unit, unit=unit)
        )
    return fb.medication_request(
        rid,
        _concept(RX, rx, text) if rx is not None else None,
        SUBJECT,
        status="draft",
        authored=TODAY.isoformat(),
        dosage_instruction=dosage,
    )


def inp(
    hook: str,
    orders: list[dict[str, Any]],
    hist: PatientHistory | None = None,
    selections: tuple[str, ...] | None = None,
) -> EvaluationInput:
    if selections is None:
        selections = tuple(f"{o['resourceType']}/{o['id']}" for o in orders) if hook == "order-select" else ()
    return EvaluationInput(
        hook=hook, today=TODAY, patient_id="p1", user_id="Practitioner/u1", encounter_id=None,
        history=hist or history(), terminology=TERM,
        draft_orders=read_draft_orders(hook, orders, selections),
    )  # fmt: skip


RADICULOPATHY = "M54.16"
