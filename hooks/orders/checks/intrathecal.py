"""Check 7b — an intrathecal pump without an intrathecal trial (``order.idd-no-trial``).

When: an intrathecal drug pump is ordered (``intrathecal_pump_device``: 62360 reservoir, 62361
      non-programmable, 62362 programmable pump), no pump is on record (a replacement at battery end
      of life is not judged), and no intrathecal trial is: a completed procedure, or another draft
      of this session, named as one ("intrathecal morphine trial", "IT bolus trial", "ziconotide
      trial"; ``text.INTRATHECAL_TRIAL``, not denied), and not recorded as failed ("no relief").
      Trials are coded under injection or catheter codes shared with epidural injections, so only
      their words tell them apart.
Then: warning; an intrathecal trial first, and an attempt to reduce systemic opioids when the patient
      takes them (decision model L1: psychological evaluation, opioid reduction, trial); holding the
      pump order is offered. A missing psychological evaluation is ``order.neuromod-psych-eval``'s
      card on the same order, which this check then leaves to speak alone.
Evidence: PACC 2024 (intrathecal drug delivery for chronic non-cancer pain: a trial before the
      implant); PACC 2017.
"""

from __future__ import annotations

import re

from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder
from hooks.orders.checks.neuromodulation import RULE_PSYCH
from hooks.orders.common import OrderCheck, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import Rule, order_rule
from hooks.text import INTRATHECAL_TRIAL, reported

EVIDENCE: tuple[str, ...] = ("pacc_2024",)
RULE_ID_DECL: Rule = order_rule(
    "order.idd-no-trial", "Intrathecal pump without an intrathecal trial", "L1", EVIDENCE
)
RULE_ID = RULE_ID_DECL.id


def trial_on_record(ctx: OrderContext, order: DraftOrder) -> bool:
    """An intrathecal trial done, or drafted beside the pump in this session, named in its words (not
    denied: "no intrathecal trial performed yet"), and not recorded as failed."""
    done = any(
        _named(p.text, *p.notes) and not _FAILED.search(" ".join([p.text, *p.notes, p.outcome_text or ""]))
        for p in ctx.history.procedures
        if p.status in (None, "completed")
    )
    others = [o for o in ctx.orders if o is not order]
    drafted = any(_named(o.text, *(c.display for c in o.all_codings)) for o in others)
    return done or drafted


def _named(*texts: str | None) -> bool:
    return any(reported(INTRATHECAL_TRIAL, t) for t in texts if t)


# A trial recorded as failed is no trial to implant on.
_FAILED = re.compile(
    r"\b(?:no|not|without)\s+(?:\w+\s+)?(?:relief|benefit|improvement|effective|helpful|successful)\b"
    r"|\b(?:unsuccessful|failed|ineffective|negative)\b",
    re.IGNORECASE,
)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "intrathecal_pump_device"):
        return []
    if ctx.completed("intrathecal_pump_device") or trial_on_record(ctx, order):
        return []
    opioids = [
        m
        for m in ctx.pathway.medications("rx_opioids")
        if ctx.pathway.is_active_med(m) and not ctx.pathway.is_moud(m)
    ]
    steps = [
        "An intrathecal trial (a bolus or a catheter infusion) with the pain service before the pump is "
        "implanted (PACC 2024).",
    ]
    if opioids:
        steps.append("Attempt to reduce the systemic opioids before the trial (PACC 2024).")
    return [
        card(
            RULE_ID,
            "Intrathecal pump without an intrathecal trial",
            order,
            indicator="warning",
            summary="Intrathecal pump ordered with no successful intrathecal trial on record: trial first "
            "(PACC 2024)",
            why=[
                Fact("no successful intrathecal trial on record (procedures, or an order in this session)"),
                *(ctx.pathway.med_fact(m, "systemic opioid: ") for m in opioids[:1]),
            ],
            next_steps=tuple(steps),
            avoid=("A permanent intrathecal pump without a trial.",),
            evidence=EVIDENCE,
            gaps=ctx.unavailable_gaps("procedures"),
            suggestions=(
                delete(order, "Hold the pump: cancel this order", f"Remove {order.ref}", recommended=True),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("intrathecal_pump_device",), kind="procedure",
    checks_what="an intrathecal trial before the pump", needs=("procedures",), evidence=EVIDENCE,
    judge=check,
    adult_pathway=True,  # adult chronic non-cancer pain evidence (PACC 2024)
    defers_to=(RULE_PSYCH,),
)  # fmt: skip
