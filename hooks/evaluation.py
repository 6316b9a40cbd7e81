"""What a CDS service's logic receives: the hook context, the patient history, the draft orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hooks.facts import PatientHistory
from hooks.terminology import Terminology
from hooks.thresholds import DEFAULT_THRESHOLDS, Thresholds


@dataclass(frozen=True)
class EvaluationInput:
    hook: str
    today: date  # the evaluation date: passed in, never read from the clock inside a rule
    patient_id: str
    user_id: str | None
    encounter_id: str | None
    history: PatientHistory
    terminology: Terminology
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    # order-select / order-sign: the raw draftOrders Bundle entries' resources (JSON objects, read
    # leniently: DeviceRequest, unknown types, STU3/R4 dosage shapes) and the selected ids.
    draft_orders: tuple[dict[str, Any], ...] = ()
    selections: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
