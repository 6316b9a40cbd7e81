"""Order guardrails on order-select and order-sign (issue 5): judge each draft order against the
patient's history and the other draft orders, before it is signed.

On order-select only the ``selections`` are judged; on order-sign every draft order. Each check
lives in ``hooks.orders.checks`` (one module per check, with its When / Then / Evidence). A card
carries ``subject_key`` = the draft order reference and a stable ``rule_id``, so the same check on
the same order has the same identity on both hooks.

Red-flag pre-emption (decision model §1.1.2): when an order draws a critical card, the other cards
on that order are dropped; the emergency pathway is the only advice about it.
"""

from __future__ import annotations

from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput
from hooks.orders.checks import (
    discography,
    esi_blind,
    esi_repeat,
    esi_wrong_target,
    fusion,
    imaging_early,
    medications,
    mri_contrast,
    neuromodulation,
    red_flag,
    rfa,
)
from hooks.orders.context import OrderContext

# Most urgent first: red-flag interception, then imaging, injections, ablation, devices, surgery, drugs.
CHECKS = (
    red_flag,
    imaging_early,
    mri_contrast,
    esi_blind,
    esi_repeat,
    esi_wrong_target,
    rfa,
    neuromodulation,
    fusion,
    medications,
    discography,
)
RULE_IDS: tuple[str, ...] = tuple(rid for c in CHECKS for rid in c.RULE_IDS)


def evaluate_orders(inp: EvaluationInput) -> list[CardDraft]:
    """Cards for the draft orders this hook judges (the selections on order-select, all on order-sign)."""
    ctx = OrderContext(inp)
    cards: list[CardDraft] = []
    for order in ctx.judged:
        found = [c for check in CHECKS for c in check.check(ctx, order)]
        if any(c.indicator == "critical" for c in found):
            found = [c for c in found if c.indicator == "critical"]
        cards.extend(found)
    return cards


__all__ = ["CHECKS", "RULE_IDS", "evaluate_orders"]
