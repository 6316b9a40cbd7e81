"""Coded override reasons offered on warning and critical cards, snooze choices included.

Codes live in the product's own CodeSystem; feedback that overrides a card with a ``snooze-*``
reason silences the same rule for the same patient for that many days.
"""

from __future__ import annotations

from dataclasses import dataclass

OVERRIDE_SYSTEM = "http://radicular-cds.org/fhir/CodeSystem/override-reason"


@dataclass(frozen=True, slots=True)
class OverrideReason:
    code: str
    display: str
    snooze_days: int | None = None

    def as_fhir(self) -> dict[str, str]:
        return {"system": OVERRIDE_SYSTEM, "code": self.code, "display": self.display}


CLINICAL_REASONS = (
    OverrideReason("patient-declines", "Patient declines"),
    OverrideReason("already-addressed", "Already addressed elsewhere"),
    OverrideReason("not-applicable", "Not applicable to this patient"),
    OverrideReason("specialist-decision", "Specialist has reviewed and decided otherwise"),
)
SNOOZE_REASONS = (
    OverrideReason("snooze-1m", "Snooze for 1 month", snooze_days=30),
    OverrideReason("snooze-3m", "Snooze for 3 months", snooze_days=91),
    OverrideReason("snooze-6m", "Snooze for 6 months", snooze_days=182),
)
ALL_REASONS = CLINICAL_REASONS + SNOOZE_REASONS
BY_CODE = {r.code: r for r in ALL_REASONS}


def snooze_days(system: str | None, code: str | None) -> int | None:
    """Days to stay silent for an override reason, or None if it is not a snooze."""
    if system != OVERRIDE_SYSTEM or code is None:
        return None
    reason = BY_CODE.get(code)
    return reason.snooze_days if reason else None


def reasons_for(indicator: str) -> tuple[OverrideReason, ...]:
    """Warning cards offer every reason; critical cards offer the clinical reasons but no snooze
    (a red flag must never be silenced for months); info cards offer none."""
    if indicator == "warning":
        return ALL_REASONS
    if indicator == "critical":
        return CLINICAL_REASONS
    return ()
