"""Check 2 — non-contrast lumbar MRI where the study needs contrast (``order.mri-postop-contrast``).

When: a lumbar MRI without contrast (``mri_lumbar_without_contrast``) is ordered and either
      (a) the patient had lumbar spine surgery (a completed decompression/discectomy/fusion, or a
      post-laminectomy syndrome / arthrodesis status condition) and has radicular symptoms recorded
      after it (a current radicular condition whose onset or recording follows the surgery, or a
      post-laminectomy syndrome), or (b) a suspected malignancy or spinal infection is on record.
Then: warning; replace the draft with MRI lumbar spine without and with contrast (same order id),
      to tell recurrent herniation from epidural fibrosis (a) or to show tumour/infection (b).
Evidence: ACR Appropriateness Criteria Low Back Pain 2021 variant 5 (prior surgery) and variant 7
      (cancer/infection); seed 002 (contrast MRI for recurrence vs scar); decision model S1, R3.
"""

from __future__ import annotations

from datetime import date

from hooks.cards import CardDraft, Fact
from hooks.orders.common import card, replace
from hooks.orders.context import OrderContext
from hooks.orders.draft import DraftOrder

RULE_ID = "order.mri-postop-contrast"
RULE_IDS = (RULE_ID,)


def _post_surgical_facts(ctx: OrderContext) -> list[Fact]:
    surgeries = [p for p in ctx.prior_lumbar_surgery if p.performed is not None]
    facts: list[Fact] = []
    if surgeries:
        last = max(surgeries, key=lambda p: p.performed or date.min)
        after = last.performed or date.min
        new = [c for c in ctx.radicular if (c.onset or c.recorded or date.min) > after]
        fbss = ctx.current_conditions("postlaminectomy_syndrome_fbss")
        if new or fbss:
            facts.append(
                Fact(
                    f"{last.text or 'lumbar spine surgery'} on {last.performed_text or last.performed}",
                    last.ref,
                )
            )
            facts += [
                Fact(
                    f"{c.text}: radicular symptoms since {c.onset_text or c.onset or c.recorded}, after "
                    "the surgery",
                    c.ref,
                )
                for c in new
            ]
            facts += [ctx.cond(c, "post-laminectomy syndrome") for c in fbss if c not in new]
    else:
        fbss = ctx.current_conditions("postlaminectomy_syndrome_fbss")
        status = ctx.current_conditions("lumbar_surgery_status")
        if fbss or (status and ctx.radicular):
            facts += [ctx.cond(c, "prior lumbar surgery") for c in (*fbss, *status)]
            facts += [ctx.cond(c, "current radicular symptoms") for c in ctx.radicular if c not in fbss]
    return facts


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "mri_lumbar_without_contrast"):
        return []
    if ctx.flag("cauda_equina") is not None:
        return []  # cauda equina: MRI without contrast today is the right study (ACR variant 4)
    post_op = _post_surgical_facts(ctx)
    tumour_infection = [f for kind in ("malignancy", "infection") if (rf := ctx.flag(kind)) for f in rf.facts]
    if not post_op and not tumour_infection:
        return []
    target = ctx.term.first("mri_lumbar_with_and_without_contrast").coding()
    if post_op:
        summary = "After lumbar surgery, order MRI without and with contrast, not without contrast alone"
        reason = "to tell recurrent disc herniation from epidural scar (ACR 2021 variant 5; seed 002)"
    else:
        summary = "Suspected tumour or infection: order lumbar MRI without and with contrast"
        reason = "to show tumour or infection (ACR 2021 variant 7)"
    return [
        card(
            RULE_ID,
            "Lumbar MRI needs contrast",
            order,
            indicator="warning",
            summary=summary,
            why=(*post_op, *tumour_infection),
            next_steps=(
                f"MRI lumbar spine without and with contrast, {reason}.",
                *(
                    ("Surgical re-evaluation once recurrence is confirmed or excluded.",)
                    if post_op
                    else ("Urgent referral and laboratory markers as the red flag requires.",)
                ),
            ),
            avoid=(
                "Non-contrast MRI alone, which cannot separate scar from recurrent disc or show enhancement.",
            ),
            evidence=("acr_lbp_2021",),
            gaps=ctx.unavailable_gaps("conditions", "procedures"),
            suggestions=(
                replace(
                    order,
                    target,
                    "Change to MRI lumbar spine without and with contrast",
                    f"Replace {order.ref} with MRI lumbar spine without and with contrast",
                    text="MRI lumbar spine without and with contrast",
                    recommended=True,
                ),
            ),
        )
    ]
