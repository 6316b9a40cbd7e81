"""Order guardrails on order-select and order-sign (issue 5): judge each draft order against the
patient's history and the other draft orders, before it is signed.

On order-select only the ``selections`` are judged; on order-sign every draft order. Each check
lives in ``hooks.orders.checks`` (one module per check, with its When / Then / Evidence). A card
carries ``subject_key`` = the draft order reference and a stable ``rule_id``, so the same check on
the same order has the same identity on both hooks.

Red-flag pre-emption (decision model §1.1.2): when an order draws a critical card, the other cards
on that order are dropped; the emergency pathway is the only advice about it.

Missing data is never an all-clear: when a check that applies to an order stayed silent and an
optional part of the history it reads (``NEEDS``) could not be fetched, the order gets one info card
(``order.not-fully-checked``) naming the data and what to review before signing.
"""

from __future__ import annotations

from dataclasses import replace

from hooks.cards import CardDraft, Fact
from hooks.evaluation import EvaluationInput
from hooks.facts import DraftOrder
from hooks.orders.checks import (
    antithrombotics,
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
from hooks.orders.common import NOT_CHECKED, OrderCheck, card
from hooks.orders.context import OrderContext
from hooks.registry import expand_keys

# Most urgent first: red-flag interception, the bleeding-risk safety check, then imaging, injections,
# ablation, devices, surgery, drugs.
CHECKS: tuple[OrderCheck, ...] = tuple(
    m.CHECK
    for m in (
        red_flag,
        antithrombotics,
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
)
RULE_NOT_CHECKED = NOT_CHECKED.id
RULE_IDS: tuple[str, ...] = (*(rid for c in CHECKS for rid in c.rule_ids), RULE_NOT_CHECKED)


def evaluate_orders(inp: EvaluationInput) -> list[CardDraft]:
    """Cards for the draft orders this hook judges (the selections on order-select, all on order-sign)."""
    ctx = OrderContext(inp)
    cards: list[CardDraft] = []
    for order in ctx.judged:
        found = [
            replace(c, basis=(*check.applies(ctx, order), *c.basis))
            for check in CHECKS
            for c in check.judge(ctx, order)
        ]
        unchecked = _not_fully_checked(ctx, order, found)
        if unchecked is not None:
            found.append(unchecked)
        if any(c.indicator == "critical" for c in found):
            found = [c for c in found if c.indicator == "critical"]
        cards.extend(found)
    return cards


def _not_fully_checked(ctx: OrderContext, order: DraftOrder, found: list[CardDraft]) -> CardDraft | None:
    """One info card when checks that apply to this order stayed silent without data they read."""
    missing = ctx.history.unavailable
    if not missing:
        return None
    fired = {c.rule_id for c in found}
    silent: list[tuple[OrderCheck, list[str]]] = []
    for check in CHECKS:
        keys = [k for k in expand_keys(check.needs) if k in missing]
        if keys and not fired & set(check.rule_ids) and check.applies(ctx, order):
            silent.append((check, keys))
    if not silent:
        return None
    keys = sorted({k for _, ks in silent for k in ks})
    evidence = tuple(dict.fromkeys(e for check, _ in silent for e in check.evidence))
    return card(
        RULE_NOT_CHECKED, "Order not fully checked: data unavailable", order,
        indicator="info",
        summary=f"Not fully checked: the patient's {', '.join(keys)} could not be read",
        why=tuple(Fact(f"the patient's {k} could not be read ({missing[k]})") for k in keys),
        next_steps=tuple(f"Before signing, review {check.checks_what} in the record." for check, _ in silent),
        evidence=evidence,
        gaps=ctx.unavailable_gaps(*keys),
    )  # fmt: skip


__all__ = ["CHECKS", "RULE_IDS", "evaluate_orders"]
