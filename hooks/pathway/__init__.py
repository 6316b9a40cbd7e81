"""The radiculopathy pathway on patient-view (decision model §1)."""

from __future__ import annotations

from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput


def evaluate_pathway(inp: EvaluationInput) -> list[CardDraft]:
    raise NotImplementedError("pathway rules are not implemented yet")
