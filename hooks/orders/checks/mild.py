"""Check 14 — MILD with spondylolisthesis or instability (``order.mild-instability``).

When: a minimally invasive lumbar decompression (MILD: ``mild_percutaneous_lumbar_decompression``,
      0275T / G0276) is ordered while spondylolisthesis or instability is on record
      (``spondylolisthesis_instability``).
Then: warning; MILD removes part of a thickened ligamentum flavum and is for central stenosis without
      instability (decision model F6). With a slipped or unstable segment the operation is surgical
      decompression, with fusion where the segment is unstable (NASS 2011; decision model S4), so the
      card offers to cancel the MILD order and refer to a spine surgeon.
Evidence: NASS 2011 (degenerative lumbar spinal stenosis: decompression with fusion for stenosis with
      spondylolisthesis).
"""

from __future__ import annotations

from hooks import suggestions as sx
from hooks.cards import CardDraft
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import Rule, order_rule

EVIDENCE: tuple[str, ...] = ("nass_stenosis",)
RULE_ID_DECL: Rule = order_rule(
    "order.mild-instability", "MILD with spondylolisthesis or instability", "S4", EVIDENCE
)
RULE_ID = RULE_ID_DECL.id


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "mild_percutaneous_lumbar_decompression"):
        return []
    unstable = ctx.current_conditions("spondylolisthesis_instability")
    if not unstable:
        return []
    return [
        card(
            RULE_ID,
            "MILD with spondylolisthesis or instability",
            order,
            indicator="warning",
            summary="MILD with spondylolisthesis or instability is not advised: refer to a spine surgeon "
            "(decompression, with fusion if unstable)",
            why=[ctx.cond(c, "spondylolisthesis or instability") for c in unstable],
            next_steps=(
                "Spine-surgery referral: decompression, with fusion where the segment is unstable, is the "
                "operation for stenosis with spondylolisthesis (NASS 2011).",
                "MILD is for central stenosis from a thickened ligamentum flavum without instability.",
            ),
            avoid=("MILD with spondylolisthesis or instability.",),
            evidence=EVIDENCE,
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=[c.ref for c in unstable],
                    label="Cancel MILD and refer to a spine surgeon",
                    recommended=True,
                ),
                delete(order, "Cancel the MILD order", f"Remove {order.ref}"),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("mild_percutaneous_lumbar_decompression",), kind="procedure",
    checks_what="spondylolisthesis or instability before MILD", needs=("conditions",), evidence=EVIDENCE,
    judge=check,
    adult_pathway=True,  # adult degenerative stenosis surgery evidence (NASS 2011)
)  # fmt: skip
