"""What a CDS service's logic receives: the hook context, the patient history, the draft orders,
all as typed facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hooks.cards import CardDraft
from hooks.facts import DraftOrder, PatientHistory
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
    # order-select / order-sign: every draft order, read at the service boundary
    # (``cds_service.draft_orders``), each marked ``selected`` when this hook judges it.
    draft_orders: tuple[DraftOrder, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # the rules the clinician has snoozed for this patient: their cards are not shown (``hides``), so
    # no order check steps aside for one of them (``OrderCheck.defers_to``)
    silenced: frozenset[str] = frozenset()

    def hides(self, card: CardDraft) -> bool:
        """Whether a running snooze keeps ``card`` from the clinician: its rule is snoozed for the
        patient and the card is not critical. Critical cards offer no snooze, and a snooze taken on a
        rule's warning (a stable motor deficit) never silences the same rule's critical card (the
        deficit progressing)."""
        return card.rule_id in self.silenced and card.indicator != "critical"
