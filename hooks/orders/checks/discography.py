"""Check 11 — discography (``order.discography``).

When: lumbar discography is ordered (``discography_lumbar``: 62290, 72295, CT discography).
Then: info card with both sides: ACR 2021 rates discography "usually not appropriate"; ASIPP
      guidelines rate its diagnostic evidence as strong. Keep it to a specialist context; offer removal.
Evidence: ACR Appropriateness Criteria Low Back Pain 2021; NASS LDH.
"""

from __future__ import annotations

from hooks.cards import CardDraft, Fact
from hooks.conflicts import DISCOGRAPHY
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import INFO, Rule, order_rule

RULE_ID_DECL: Rule = order_rule(
    "order.discography", "Discography is usually not appropriate", "F4", ("acr_lbp_2021", "nass_ldh"), INFO
)
RULE_ID = RULE_ID_DECL.id


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "discography_lumbar"):
        return []
    return [
        card(
            RULE_ID,
            "Discography is usually not appropriate",
            order,
            indicator="info",
            summary="Lumbar discography: ACR 2021 rates it usually not appropriate; keep it to a specialist "
            "decision",
            why=(Fact("provocative discography is ordered"),),
            next_steps=(
                "MRI (with contrast after surgery) answers most questions discography is ordered for.",
                "If still considered, a spine specialist decides, with the patient told of the risks "
                "(disc injury, infection).",
            ),
            avoid=("Discography from primary care.",),
            evidence=("acr_lbp_2021", "nass_ldh"),
            conflicts=(DISCOGRAPHY,),
            suggestions=(delete(order, "Remove the discography order", f"Remove {order.ref}"),),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("discography_lumbar",), kind="procedure",
    checks_what="discography appropriateness", needs=(), evidence=("acr_lbp_2021",), judge=check,
    adult_pathway=True,  # the value of discography in adult low back pain (ACR 2021)
)  # fmt: skip
