"""The typed patient history the rules read: immutable facts, each naming its source resource.

Built once per request by ``cds_service.fhir_facts.build_history`` from validated FHIR R4 resources.
Every fact keeps ``ref`` ("Procedure/abc") so a card can name the data that fired it.
Dates are ``datetime.date``; a partial FHIR date ("2024-03") becomes the first day it covers
and keeps its original text in ``*_text`` for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hooks.terminology import Coding


@dataclass(frozen=True, slots=True)
class PatientFact:
    ref: str
    birth_date: date | None = None
    gender: str | None = None


@dataclass(frozen=True, slots=True)
class ConditionFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    clinical_status: str | None  # active | recurrence | relapse | inactive | remission | resolved | None
    verification_status: str | None  # confirmed | provisional | differential | unconfirmed | ...
    categories: tuple[str, ...]  # problem-list-item | encounter-diagnosis | health-concern
    onset: date | None  # onset[x], or recordedDate when onset is absent (decision model §1.1.6)
    onset_text: str | None
    recorded: date | None
    abatement: date | None
    body_site: tuple[Coding, ...] = ()
    body_site_text: str | None = None
    notes: tuple[str, ...] = ()
    # onset[x] as sent when it is not a date ("years ago", an age without a birth date)
    onset_unread: str | None = None

    @property
    def is_current(self) -> bool:
        """Active (or recurrence/relapse, or no status given) and not resolved/inactive/remission."""
        return self.clinical_status in (None, "active", "recurrence", "relapse")

    @property
    def is_encounter_diagnosis(self) -> bool:
        return "encounter-diagnosis" in self.categories


@dataclass(frozen=True, slots=True)
class ProcedureFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    status: str | None  # completed | in-progress | not-done | stopped | ...
    performed: date | None  # start of performed[x]
    performed_text: str | None
    performed_end: date | None = None
    outcome: tuple[Coding, ...] = ()
    outcome_text: str | None = None
    body_site: tuple[Coding, ...] = ()
    body_site_text: str | None = None
    level: str | None = None  # spinal level when stated, e.g. "L5-S1" or "L5"
    laterality: str | None = None  # left | right | bilateral
    reason: tuple[Coding, ...] = ()
    reason_text: str | None = None
    used_codes: tuple[Coding, ...] = ()
    notes: tuple[str, ...] = ()
    focal_devices: tuple[str, ...] = ()

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True, slots=True)
class ObservationFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    # pain | odi | peg | promis | phq9 | phq2 | gad7 | startback | ort | strength | relief_pct | other
    kind: str
    effective: date | None
    effective_text: str | None
    value: float | None  # numeric value on the instrument's own scale (pain 0-10 after scaling)
    unit: str | None = None
    value_text: str | None = None
    status: str | None = None
    body_site: tuple[Coding, ...] = ()
    body_site_text: str | None = None
    part_of: tuple[str, ...] = ()  # references, e.g. ("Procedure/abc",)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MedicationFact:
    ref: str
    resource_type: str  # MedicationRequest | MedicationStatement
    codings: tuple[Coding, ...]  # the medication's codes, including a referenced/contained Medication's
    ingredient_codings: tuple[Coding, ...]  # ingredient codes from Medication.ingredient, when present
    text: str
    status: str | None
    intent: str | None
    start: date | None  # authoredOn / effective start / dispense validity start
    end: date | None  # effective end / validity end / start + expected supply duration
    route_text: str | None = None
    dose_text: str | None = None
    daily_dose_mg: float | None = None  # when the dosage states it plainly (for MME)
    reason: tuple[Coding, ...] = ()  # reasonCode: what the drug is for
    reason_refs: tuple[str, ...] = ()  # reasonReference, e.g. ("Condition/abc",)
    dose_form: tuple[Coding, ...] = ()  # Medication.form (RxNorm dose form), when a Medication gives it
    dose_form_text: str | None = None
    asserted: date | None = None  # MedicationStatement.dateAsserted: when the use was last confirmed


@dataclass(frozen=True, slots=True)
class ServiceRequestFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    status: str | None  # draft | active | on-hold | revoked | completed | entered-in-error | unknown
    intent: str | None
    authored: date | None
    occurrence: date | None = None
    categories: tuple[Coding, ...] = ()
    reason: tuple[Coding, ...] = ()
    reason_refs: tuple[str, ...] = ()
    performer_type: tuple[Coding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def is_pending(self) -> bool:
        return self.status in ("draft", "active", "on-hold")


@dataclass(frozen=True, slots=True)
class ReportFact:
    """A DiagnosticReport (usually imaging): where concordance and enhancement findings live."""

    ref: str
    codings: tuple[Coding, ...]
    text: str
    status: str | None
    effective: date | None
    conclusion: str | None
    conclusion_codes: tuple[Coding, ...] = ()
    categories: tuple[Coding, ...] = ()  # e.g. radiology (value set imaging_report_category)


@dataclass(frozen=True, slots=True)
class EncounterFact:
    ref: str
    status: str | None
    start: date | None
    types: tuple[Coding, ...] = ()
    service_type: tuple[Coding, ...] = ()
    participant_types: tuple[Coding, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class PatientHistory:
    """Everything the rules may read about one patient, sorted by date (oldest first)."""

    patient: PatientFact | None
    conditions: tuple[ConditionFact, ...] = ()
    procedures: tuple[ProcedureFact, ...] = ()
    observations: tuple[ObservationFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    service_requests: tuple[ServiceRequestFact, ...] = ()
    reports: tuple[ReportFact, ...] = ()
    encounters: tuple[EncounterFact, ...] = ()
    # Prefetch keys whose data could not be obtained, with the reason (e.g. "observations":
    # "FHIR server timed out"). Rules that needed such data say on the card what went unchecked.
    unavailable: dict[str, str] = field(default_factory=dict)
