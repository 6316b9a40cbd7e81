"""Order guardrails on order-select and order-sign."""

from __future__ import annotations

from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput


def evaluate_orders(inp: EvaluationInput) -> list[CardDraft]:
    raise NotImplementedError("order checks are not implemented yet")
