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

Codes are read as EHRs send them: CPT by its OID, or with modifiers ("64483-LT"), is matched as the
plain CPT code. A procedure order with no recognised code whose text names a lumbar spine procedure is
read from its words as the pathway reads uncoded procedures (an epidural steroid injection, facet or SI
joint ablation, diagnostic block, stimulator trial) and judged as that procedure; any other spine
procedure named only in words (fusion, permanent stimulator, pump ...) cannot be judged. Either way the
order also gets the ``order.not-fully-checked`` card saying its code was not recognised, with the
active red flags if any: an unrecognised code never reads as an all-clear.
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
from hooks.orders.context import OrderContext, TextReading
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
    """One info card when checks that apply to this order stayed silent without data they read, or
    when the order has no recognised code but its text names a spine procedure (``ctx.reading``)."""
    missing = ctx.history.unavailable
    fired = {c.rule_id for c in found}
    silent: list[tuple[OrderCheck, list[str]]] = []
    for check in CHECKS:
        keys = [k for k in expand_keys(check.needs) if k in missing]
        if keys and not fired & set(check.rule_ids) and check.applies(ctx, order):
            silent.append((check, keys))
    reading = ctx.reading(order)
    if not silent and reading is None:
        return None
    keys = sorted({k for _, ks in silent for k in ks})
    evidence = tuple(dict.fromkeys(e for check, _ in silent for e in check.evidence)) or NOT_CHECKED.evidence
    why = [Fact(f"the patient's {k} could not be read ({missing[k]})") for k in keys]
    steps = [f"Before signing, review {check.checks_what} in the record." for check, _ in silent]
    if reading is None:
        summary = f"Not fully checked: the patient's {', '.join(keys)} could not be read"
    else:
        summary = _uncoded(ctx, order, reading, why, steps)
    return card(
        RULE_NOT_CHECKED, "Order not fully checked: data unavailable", order,
        indicator="info",
        summary=summary,
        why=tuple(why),
        next_steps=tuple(steps),
        evidence=evidence,
        gaps=ctx.unavailable_gaps(*keys),
    )  # fmt: skip


def _uncoded(
    ctx: OrderContext, order: DraftOrder, reading: TextReading, why: list[Fact], steps: list[str]
) -> str:
    """What the card says of an order with no recognised code whose text names a spine procedure: the
    checks could judge it only by its words (or not at all), so it is never cleared silently."""
    sent = ", ".join(f"{c.code} ({c.system})" for c in order.codings if c != reading.coding) or "no code"
    ref = order.ref or None
    why.insert(0, Fact(f"the draft order's code is not one the service recognises: {sent}", ref))
    if reading.coding is not None:
        why.insert(1, Fact(f"read from its text as a {reading.what}; the checks for it were applied"))
        summary = f"Not fully checked: no recognised procedure code; read from its text as a {reading.what}"
    else:
        summary = "Not fully checked: no recognised procedure code for this spine procedure"
    flags = ctx.emergency_flags
    for flag in flags:
        why.extend(flag.facts)
    steps.insert(0, "Code the order with its CPT procedure code so every check applies to it.")
    if flags:
        labels = ", ".join(f.label for f in flags)
        steps.insert(1, f"Red flag active ({labels}): elective spine procedures wait until it is treated.")
    steps.append(
        "Before signing, review the red flags, anticoagulant or antiplatelet therapy, and earlier "
        "procedures and their results in the record."
    )
    return summary[:139]


__all__ = ["CHECKS", "RULE_IDS", "evaluate_orders"]
