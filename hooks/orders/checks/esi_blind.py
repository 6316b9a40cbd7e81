"""Check 3 — epidural injection without image guidance (``order.esi-blind``).

When: a lumbar epidural injection coded without imaging guidance is ordered
      (``esi_without_image_guidance``: 62322, legacy 62311).
Then: warning; replace the draft (same id) with the image-guided interlaminar code
      (``order_esi_interlaminar_image_guided``, 62323; recommended; for an indwelling catheter,
      ``epidural_catheter_without_image_guidance``, the image-guided catheter,
      ``order_epidural_catheter_image_guided``) or a transforaminal injection
      (``order_esi_transforaminal``, 64483).
Evidence: clinical practice (fluoroscopic or CT guidance is the standard; blind injections miss the
      target); decision model §0 and F2 (a blind injection is not an adequate ESI trial);
      ASIPP 2021 epidural guidelines; NASS LDH.
"""

from __future__ import annotations

from hooks.cards import CardDraft
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, replace
from hooks.orders.context import OrderContext
from hooks.rule import Rule, order_rule

RULE_ID_DECL: Rule = order_rule(
    "order.esi-blind", "Epidural injection without image guidance", "F2", ("asipp_epidural_2021", "nass_ldh")
)
RULE_ID = RULE_ID_DECL.id


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order:
        return []
    hit = ctx.order_is(order, "esi_without_image_guidance")
    if hit is None:
        return []
    # an indwelling catheter (62326) keeps its kind: the image-guided catheter code (62327), not a
    # single injection
    catheter = ctx.order_is(order, "epidural_catheter_without_image_guidance") is not None
    il = ctx.term.first(
        "order_epidural_catheter_image_guided" if catheter else "order_esi_interlaminar_image_guided"
    ).coding()
    tf = ctx.term.first("order_esi_transforaminal").coding()
    return [
        card(
            RULE_ID,
            "Epidural injection without image guidance",
            order,
            indicator="warning",
            summary="Blind epidural injection ordered: use an image-guided (fluoroscopic or CT) injection "
            "instead",
            why=(),
            next_steps=(
                "Order the epidural injection with fluoroscopic or CT guidance: interlaminar with imaging, "
                "or "
                "transforaminal at the level concordant with the MRI.",
                "A blind injection does not count as an adequate ESI trial when judging later failure.",
            ),
            avoid=("Blind (landmark-only) epidural injection.",),
            evidence=("asipp_epidural_2021", "nass_ldh"),
            suggestions=(
                replace(
                    order,
                    il,
                    "Change to an epidural catheter with imaging guidance"
                    if catheter
                    else "Change to interlaminar epidural injection with imaging guidance",
                    f"Replace {order.ref} with an image-guided interlaminar lumbar epidural "
                    + ("catheter (continuous infusion or intermittent bolus)" if catheter else "injection"),
                    text="Lumbar interlaminar epidural catheter with imaging guidance"
                    if catheter
                    else "Lumbar interlaminar epidural steroid injection with imaging guidance",
                    recommended=True,
                ),
                replace(
                    order,
                    tf,
                    "Change to transforaminal epidural injection (image-guided)",
                    f"Replace {order.ref} with a lumbar transforaminal epidural injection, single level",
                    text="Lumbar transforaminal epidural steroid injection, image-guided",
                ),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("esi_without_image_guidance",), kind="procedure",
    checks_what="image guidance of the epidural injection", needs=(), evidence=("asipp_epidural_2021",),
    judge=check,
    adult_pathway=False,  # image guidance is injection technique (accuracy, safety) at any age
)  # fmt: skip
