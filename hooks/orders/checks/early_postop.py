"""An elective spine procedure within 3 months of a lumbar operation (``order.early-postop-procedure``).

When: an elective spine procedure (``elective_spine_procedures``: an ESI, a block, an RFA, a stimulator
      or pump implant, ...) is ordered while the pathway reads radicular pain within 3 months of the
      last lumbar operation (decision model S0, ``post_surgical.s0_early_after_surgery``: new or
      recurrent leg pain, or the record cannot tell; not the pre-operative pain settling).
Then: warning; the operating surgeon reviews the leg pain first (early recurrent herniation,
      haematoma, infection, a dural leak or misplaced hardware are theirs to assess; imaging is their
      call), same day with fever, wound discharge, a new motor deficit or bladder or bowel change.
      Removing the order is offered, not recommended: the surgeon's team may have asked for it.
      The card names the operation and the pain since.
Evidence: NASS 2014; ACR 2021 (variant 5).
"""

from __future__ import annotations

from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, delete
from hooks.orders.context import OrderContext
from hooks.pathway.rules import post_surgical
from hooks.rule import Rule, order_rule
from hooks.thresholds import span

EVIDENCE: tuple[str, ...] = ("nass_ldh", "acr_lbp_2021")
RULE_ID_DECL: Rule = order_rule(
    "order.early-postop-procedure", "Elective spine procedure within 3 months of lumbar surgery", "S0",
    EVIDENCE,
)  # fmt: skip
RULE_ID = RULE_ID_DECL.id


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "elective_spine_procedures"):
        return []
    p = ctx.pathway
    surgery = p.last_surgery
    if surgery is None or surgery.performed is None or not post_surgical.early_postoperative(p):
        return []
    s0 = post_surgical.s0_early_after_surgery(p)
    if s0 is None:
        return []  # the pre-operative pain settling
    ago = span((ctx.today - surgery.performed).days, exact=False)
    why: list[Fact] = [f for f in s0.why if f.ref != order.ref]
    return [
        card(
            RULE_ID,
            "Elective spine procedure within 3 months of lumbar surgery",
            order,
            indicator="warning",
            summary=f"Leg pain {ago} after lumbar surgery: the operating surgeon reviews it before this "
            "procedure",
            why=why,
            next_steps=(
                "Contact the operating surgeon's team about the leg pain before any injection or other "
                "spine procedure.",
                "Early recurrent herniation, haematoma, infection or misplaced hardware are theirs to "
                "assess; imaging is their call (ACR 2021 variant 5; NASS 2014).",
                "Same day if fever, wound discharge, a new motor deficit or bladder/bowel change.",
            ),
            avoid=("An elective spine procedure before the operating surgeon has reviewed the new pain.",),
            evidence=EVIDENCE,
            gaps=(*s0.gaps, *ctx.unavailable_gaps("procedures")),
            suggestions=(
                delete(order, "Hold this order until the surgeon has reviewed", f"Remove {order.ref}"),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("elective_spine_procedures",), kind="procedure",
    checks_what="radicular pain within 3 months of lumbar surgery", needs=("procedures", "conditions"),
    evidence=EVIDENCE, judge=check,
    adult_pathway=False,  # a post-operative complication to exclude, at any age
)  # fmt: skip
