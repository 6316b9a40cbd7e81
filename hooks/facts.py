"""The typed facts the rules read: immutable facts, each naming its source resource.

The patient history is built once per request by ``cds_service.fhir_facts.build_history`` from
validated FHIR R4 resources; the draft orders of order-select / order-sign by
``cds_service.draft_orders.read_draft_orders`` from the request's ``draftOrders``. No module under
``hooks`` reads FHIR JSON.
Every fact keeps ``ref`` ("Procedure/abc") so a card can name the data that fired it.
Dates are ``datetime.date``; a partial FHIR date ("2024-03") becomes the first day it covers
and keeps its original text in ``*_text`` for display.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
    # no onset[x] was sent: ``onset`` is the recordedDate, which often lags the symptoms
    onset_from_record: bool = False
    # ``onset`` was sent as a partial date ("2026-08", "2026"; ``onset_text`` keeps it as written):
    # the last day it covers. ``onset`` is its first day; None when ``onset`` is a full date
    onset_last: date | None = None

    @property
    def onset_given(self) -> date | None:
        """The onset the Condition gave itself (onset[x] as a date); None when ``onset`` is only its
        recordedDate, the latest the symptoms can have begun by, not when they began."""
        return None if self.onset_from_record else self.onset

    @property
    def is_current(self) -> bool:
        """Active (or recurrence/relapse, or no status given) and not resolved/inactive/remission."""
        return self.clinical_status in (None, "active", "recurrence", "relapse")

    @property
    def is_encounter_diagnosis(self) -> bool:
        return "encounter-diagnosis" in self.categories

    @property
    def written(self) -> str:
        """What the Condition says in words (text, body site, notes), one line each, so that a
        denial in one ("without myelopathy") never reaches into the next ("bilateral leg numbness")."""
        sites = (b.display or "" for b in self.body_site)
        return "\n".join([self.text, self.body_site_text or "", *self.notes, *sites])


@dataclass(frozen=True, slots=True)
class ProcedureFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    status: str | None  # completed | in-progress | not-done | stopped | ...
    performed: date | None  # start of performed[x]
    performed_text: str | None
    performed_end: date | None = None
    # the start as an instant, when performed[x] gives the time of day (it orders the scores of its day)
    performed_at: datetime | None = None
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
    # effective[x] as an instant, when it gives the time of day (before or after a procedure that day)
    effective_at: datetime | None = None
    # valueCodeableConcept's codes (a pregnancy status: pregnant, not pregnant), when the value is coded
    value_codings: tuple[Coding, ...] = ()


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
    # each dosage as read (amount and unit per dose, doses per day): MME/day of a dose in tablets,
    # mL or patches (``hooks.mme.dose_mme``)
    doses: tuple[Dose, ...] = ()
    # MedicationRequest.priorPrescription ("MedicationRequest/abc"): the order this one replaces (a
    # dose change written as a new order), no longer a dose of its own even while still marked active
    replaces: str | None = None


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


# ---------------------------------------------------------------------------------------------
# Draft orders (CDS Hooks order-select / order-sign)

# Units that mean "milligram" or "microgram" in UCUM or as free text.
MG_UNITS = frozenset({"mg", "milligram", "milligrams"})
MCG_UNITS = frozenset({"ug", "mcg", "microgram", "micrograms", "µg"})


@dataclass(frozen=True)
class Dose:
    """One dosage instruction, as far as it could be read."""

    text: str | None
    value: float | None  # the dose per administration (high end of a range)
    unit: str | None
    per_day: float | None  # administrations per day from timing.repeat
    route: tuple[Coding, ...] = ()
    route_text: str | None = None
    # Dosage.sequence: instructions of different sequences follow one another (a taper's steps), those
    # of one sequence (or none) are taken together
    sequence: int | None = None


def dose_steps(doses: Sequence[Dose]) -> list[list[Dose]]:
    """The doses taken together, step by step: Dosage.sequence orders instructions one after another
    (a taper: 1 tablet every 6 hours, then every 8 hours), so a day's dose is the largest step's, never
    the steps added up; instructions sharing a sequence, or giving none, are one step."""
    steps: dict[int | None, list[Dose]] = {}
    for d in doses:
        steps.setdefault(d.sequence, []).append(d)
    return list(steps.values())


class OriginalResource:
    """A draft order's resource as the client sent it, kept only to be sent back, changed, as the
    body of an ``update`` suggestion. It offers no reading: what the checks judge is in the typed
    fields of ``DraftOrder``."""

    __slots__ = ("_body",)

    def __init__(self, body: Mapping[str, Any]) -> None:
        self._body = body

    def __repr__(self) -> str:
        return "OriginalResource(...)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OriginalResource) and self._body == other._body

    __hash__ = None  # type: ignore[assignment]  # like the JSON object it holds

    def with_code(self, coding: Coding, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """A copy with its code replaced and ``fields`` set; a ``note`` is added to the clinician's."""
        out = copy.deepcopy(dict(self._body))
        out["code"] = {"coding": [coding.as_fhir()], "text": text or coding.display or coding.code}
        for key, value in fields.items():
            if key == "note" and isinstance(out.get("note"), list):
                out["note"] = [*out["note"], *value]  # keep the clinician's notes
            else:
                out[key] = value
        return _unbooked(out, self._body.get("priority"))

    def with_fields(self, **fields: Any) -> dict[str, Any]:
        """A copy with ``fields`` set (e.g. priority → stat), its code kept."""
        return _unbooked({**self._body, **fields}, self._body.get("priority"))


RAISED_PRIORITIES = ("urgent", "asap", "stat")
OCCURRENCE_KEYS = ("occurrenceDateTime", "occurrencePeriod", "occurrenceTiming")


def _unbooked(out: dict[str, Any], was: Any) -> dict[str, Any]:
    """An order the update makes urgent, asap or stat (``was`` its priority before) loses the date it
    was booked for: "stat" beside a slot two weeks out would keep the slot. The clinician's notes
    stay; one more says what was removed. An order already that urgent keeps its booking."""
    priority = out.get("priority")
    booked = [key for key in OCCURRENCE_KEYS if key in out]
    if priority not in RAISED_PRIORITIES or priority == was or not booked:
        return out
    period = out.get("occurrencePeriod")
    start = period.get("start") if isinstance(period, dict) else None
    when = out.get("occurrenceDateTime") or start
    booking = f"the booking for {str(when)[:10]}" if isinstance(when, str) and when else "the booked time"
    out = {k: v for k, v in out.items() if k not in OCCURRENCE_KEYS}
    kept = out.get("note")
    notes: list[Any] = kept if isinstance(kept, list) else []
    out["note"] = [*notes, {"text": f"Priority {priority}: {booking} is removed."}]
    return out


@dataclass(frozen=True)
class DraftOrder:
    """One entry of ``draftOrders``: what the checks judge, and the original resource for updates."""

    ref: str  # "ServiceRequest/abc" ("" when the resource has no id)
    resource_type: str
    id: str | None
    codings: tuple[Coding, ...]  # ServiceRequest.code / the medication's codes
    ingredient_codings: tuple[Coding, ...]  # contained Medication.ingredient item codes
    text: str  # best human name of the order
    status: str | None
    intent: str | None
    priority: str | None
    authored: date | None
    selected: bool  # judged on this hook (a selection on order-select; every order on order-sign)
    original: OriginalResource = field(repr=False)
    body_site_text: str | None = None
    doses: tuple[Dose, ...] = ()
    strength_mg: float | None = None  # mg per unit (tablet/capsule/mL) from contained Medication
    supply_days: float | None = None
    reason_codings: tuple[Coding, ...] = ()  # reasonCode: what the order is for
    reason_refs: tuple[str, ...] = ()  # reasonReference as "Type/id" (e.g. "Condition/abc")
    occurrence: date | None = None  # when it is booked: occurrenceDateTime, or an occurrencePeriod's start
    replaces: str | None = None  # MedicationRequest.priorPrescription as "Type/id": the order it replaces
    # the orders drafted inside this one (a RequestGroup's contained orders, a nested Bundle's
    # entries), as "name (Type/id)": no check reaches them, and no suggestion can change them
    grouped: tuple[str, ...] = ()

    @property
    def is_procedure_order(self) -> bool:
        """A ServiceRequest, or its STU3 predecessor ProcedureRequest (same ``code`` element)."""
        return self.resource_type in ("ServiceRequest", "ProcedureRequest")

    @property
    def all_codings(self) -> tuple[Coding, ...]:
        return self.codings + self.ingredient_codings

    @property
    def label(self) -> str:
        """How a card names the order: its text and reference."""
        return f"{self.text} ({self.ref})" if self.ref else self.text

    def as_medication(self, today: date, extra_ingredients: Sequence[Coding] = ()) -> MedicationFact:
        """The drafted medication as a prescription starting ``today``, so the pathway's medication
        helpers (course length, MOUD, other indications) judge it like a recorded one."""
        routes = (*(d.route_text for d in self.doses), *(c.display for d in self.doses for c in d.route))
        route_text = " ".join(r for r in routes if r)
        return MedicationFact(
            ref=self.ref, resource_type="MedicationRequest", codings=self.codings,
            ingredient_codings=(*self.ingredient_codings, *extra_ingredients), text=self.text,
            status="active", intent="order", start=today, end=None, route_text=route_text or None,
            reason=self.reason_codings, reason_refs=self.reason_refs,
        )  # fmt: skip

    def daily_dose_mg(self) -> float | None:
        """Total mg per day, when stated plainly (mg, or units × ``strength_mg``); a patch's
        mcg/h is ``patch_mcg_per_hour``."""
        best: float | None = None
        for step in dose_steps(self.doses):  # a taper's steps one after another: the largest counts
            total = 0.0
            found = False
            for d in step:
                if d.value is None:
                    continue
                unit = (d.unit or "").strip().lower()
                if unit in MG_UNITS:
                    per_admin = d.value
                elif self.strength_mg is not None and unit not in MCG_UNITS and not unit.endswith("/h"):
                    per_admin = d.value * self.strength_mg  # e.g. 2 tablets × 5 mg
                else:
                    continue
                if d.per_day is None:
                    continue
                total += per_admin * d.per_day
                found = True
            if found and (best is None or total > best):
                best = total
        return best

    def patch_mcg_per_hour(self) -> float | None:
        for d in self.doses:
            unit = (d.unit or "").strip().lower()
            if d.value is not None and (unit in ("ug/h", "mcg/h", "mcg/hr", "ug/hr")):
                return d.value
        return None

    def replaced(self, coding: Coding, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """The whole draft resource with its code replaced (same id): the body of an ``update``."""
        return self.original.with_code(coding, text, **fields)

    def updated(self, **fields: Any) -> dict[str, Any]:
        """The whole draft resource with ``fields`` set, its code kept: the body of an ``update``."""
        return self.original.with_fields(**fields)
