"""Check 8 — lumbar fusion for disc herniation without instability (``order.fusion-no-instability``).

When: a lumbar fusion is ordered (``lumbar_fusion``), the record holds a lumbar radicular or disc
      diagnosis (``lumbar_radiculopathy_conditions``, ``lumbar_disc_displacement_without_radiculopathy``)
      and neither spondylolisthesis/instability (``spondylolisthesis_instability``) nor multiple
      (≥ 2) prior discectomies for recurrent herniation are on record. Operations are counted, not
      Procedure resources: the codes of one operation day (a primary code and its add-on, e.g. one
      discectomy coded with an additional interspace) are one operation.
Then: warning; for routine disc herniation with radiculopathy the operation is a discectomy or
      decompression, not a fusion. Suggest replacing the draft with a discectomy (same order id) or
      cancelling it. With instability or spondylolisthesis: no objection.
Evidence: NASS LDH 2012 (fusion not recommended for routine herniation); NICE NG59 (fusion for low
      back pain only in trials).
"""

from __future__ import annotations

from collections.abc import Sequence

from hooks.cards import CardDraft, Fact
from hooks.conflicts import FUSION
from hooks.facts import DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, card, delete, replace
from hooks.orders.context import OrderContext
from hooks.rule import Rule, order_rule

RULE_ID_DECL: Rule = order_rule(
    "order.fusion-no-instability",
    "Lumbar fusion for disc herniation without instability",
    "F3",
    ("nass_ldh", "nice_ng59"),
)
RULE_ID = RULE_ID_DECL.id


def operations(procedures: Sequence[ProcedureFact]) -> int:
    """Distinct operations among completed decompression/discectomy Procedures: one per operation
    day, so a primary code and its add-on (63030 + 63035 additional interspace, 63047 + 63048) on
    the same day are one operation. An undated Procedure counts as its own operation."""
    days = {p.performed for p in procedures if p.performed is not None}
    return len(days) + sum(1 for p in procedures if p.performed is None)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "lumbar_fusion"):
        return []
    if ctx.current_conditions("spondylolisthesis_instability"):
        return []
    if operations(ctx.completed("lumbar_decompression_discectomy")) >= 2:
        return []  # multiple recurrences: fusion is an accepted option (NASS 2014, decision model S2)
    disc = ctx.current_conditions(
        "lumbar_radiculopathy_conditions", "lumbar_disc_displacement_without_radiculopathy"
    )
    if not disc:
        return []
    why = [ctx.cond(c, "disc herniation / radiculopathy") for c in disc]
    why.append(Fact("no spondylolisthesis or instability on record"))
    target = ctx.term.first("order_discectomy").coding()
    return [
        card(
            RULE_ID,
            "Lumbar fusion for disc herniation without instability",
            order,
            indicator="warning",
            summary="Fusion for disc herniation without instability is not recommended: consider discectomy",
            why=why,
            next_steps=(
                "Discectomy/decompression for persistent radicular symptoms with concordant nerve-root "
                "compression on imaging.",
                "Flexion-extension radiographs if instability is suspected; fusion is appropriate with "
                "documented "
                "instability or spondylolisthesis.",
                "Biopsychosocial assessment before surgery (NICE NG59).",
            ),
            avoid=("Fusion for routine disc herniation.",),
            evidence=("nass_ldh", "nice_ng59"),
            conflicts=(FUSION,),
            gaps=ctx.unavailable_gaps("conditions", "procedures"),
            suggestions=(
                replace(
                    order,
                    target,
                    "Change to a lumbar discectomy",
                    f"Replace {order.ref} with a laminotomy and discectomy, single interspace",
                    text="Lumbar laminotomy with discectomy, single interspace",
                    recommended=True,
                ),
                delete(order, "Cancel the fusion", f"Remove {order.ref}"),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("lumbar_fusion",), kind="procedure",
    checks_what="instability before fusion", needs=(), evidence=("nass_ldh",), judge=check,
    adult_pathway=True,  # adult disc-herniation surgery evidence (NASS LDH, NICE NG59)
)  # fmt: skip
