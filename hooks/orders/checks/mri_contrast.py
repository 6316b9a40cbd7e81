"""Check 2 — non-contrast lumbar MRI where the study needs contrast (``order.mri-postop-contrast``).

When: a lumbar MRI without contrast (``mri_lumbar_without_contrast``) is ordered and either
      (a) the pathway's S1 situation: prior lumbar surgery (decompression/discectomy/fusion, or a
      post-laminectomy syndrome / arthrodesis status condition), a current radicular condition, and
      pain more than 3 months after the operation; or (b) a suspected malignancy or spinal
      infection is active (pathway R3).
Then: warning; replace the draft with MRI lumbar spine without and with contrast (same order id),
      to tell recurrent herniation from epidural fibrosis (a) or to show tumour/infection (b).
Evidence: ACR Appropriateness Criteria Low Back Pain 2021 variant 5 (prior surgery) and variant 7
      (cancer/infection; contrast tells recurrence from scar); decision model S1, R3.
Age: (b) holds at any age (a suspected tumour or infection is imaged with contrast in children too);
      (a) is the adult pathway's post-surgical step and is not judged for a patient under 16
      (``OrderContext.under_age``; ``OrderCheck.adult_pathway``).

Check 2b — contrast where the study needs none (``order.mri-contrast-no-indication``, ``CHECK_UNNEEDED``).

When: a lumbar MRI with contrast (``mri_lumbar_with_contrast``) is ordered for a patient with a lumbar
      radicular diagnosis (the pathway's gate) and neither a lumbar operation nor a red flag on record.
Then: info; for radicular pain MRI without contrast shows the disc and the compressed root (ACR 2021
      variant 3: the contrast study is usually not appropriate without prior surgery or a suspected
      tumour or infection). Offer to change the draft to MRI without contrast (same order id). Not
      judged when the early-imaging check already says no imaging yet, nor in pregnancy, whose
      gadolinium card says more.
Evidence: ACR Appropriateness Criteria Low Back Pain 2021 variant 3; decision model P1.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, replace
from hooks.orders.context import OrderContext
from hooks.pathway.rules import post_surgical, red_flags
from hooks.rule import INFO, Rule, order_rule

RULE_ID_DECL: Rule = order_rule(
    "order.mri-postop-contrast", "Lumbar MRI needs contrast", "S1", ("acr_lbp_2021",)
)
RULE_ID = RULE_ID_DECL.id
RULE_UNNEEDED_DECL: Rule = order_rule(
    "order.mri-contrast-no-indication",
    "Lumbar MRI with contrast without prior surgery or a red flag",
    "P1",
    ("acr_lbp_2021",),
    INFO,
)
RULE_UNNEEDED = RULE_UNNEEDED_DECL.id


def _post_surgical_facts(ctx: OrderContext) -> list[Fact]:
    """The pathway's S1 situation: prior lumbar surgery, a radicular gate condition, and pain more than
    3 months after the operation (an unknown surgery date counts as long ago)."""
    if ctx.under_age is not None:
        return []  # the adult pathway's post-surgical step (S1) is not applied under 16
    p = ctx.pathway
    if not (p.post_surgical and p.gate_open and post_surgical.symptoms_after_recovery(p)):
        return []
    return [*post_surgical.surgery_facts(p), p.onset_fact()]


# An order already this urgent keeps its priority; a routine one for a suspected tumour or infection
# becomes urgent (the red flag's work-up: same-day assessment for an infection, decision model §7.3).
URGENT_ENOUGH = ("urgent", "asap", "stat")


def _change_to(
    order: DraftOrder, value_set: str, ctx: OrderContext, which: str, *, urgent: bool = False
) -> SuggestionDraft:
    """Put the lumbar MRI of ``value_set`` in the draft's place (same order id), pre-selected; made
    urgent when ``urgent`` and the order is not already as urgent."""
    study = f"MRI lumbar spine {which}"
    raise_it = urgent and order.priority not in URGENT_ENOUGH
    fields: dict[str, Any] = {"priority": "urgent"} if raise_it else {}
    return replace(
        order,
        ctx.term.first(value_set).coding(),
        f"Change to {'an urgent ' if raise_it else ''}{study}",
        f"Replace {order.ref} with {'an urgent ' if raise_it else ''}{study}",
        text=study,
        recommended=True,
        keep_place=False,  # a study of the whole lumbar spine: no level or side
        **fields,
    )


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "mri_lumbar_without_contrast"):
        return []
    if ctx.flag("cauda_equina") is not None:
        return []  # cauda equina: MRI without contrast today is the right study (ACR variant 4)
    post_op = _post_surgical_facts(ctx)
    tumour_infection = [f for kind in ("malignancy", "infection") if (rf := ctx.flag(kind)) for f in rf.facts]
    if not post_op and not tumour_infection:
        return []
    if post_op:
        summary = "After lumbar surgery, order MRI without and with contrast, not without contrast alone"
        reason = "to tell recurrent disc herniation from epidural scar (ACR 2021 variant 5)"
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
                "Non-contrast MRI alone, which cannot separate scar from recurrent disc or show enhancement."
                if post_op
                else "Non-contrast MRI alone, which cannot show the enhancement of a tumour or an infection.",
            ),
            evidence=("acr_lbp_2021",),
            gaps=ctx.unavailable_gaps("conditions", "procedures"),
            suggestions=(
                _change_to(
                    order,
                    "mri_lumbar_with_and_without_contrast",
                    ctx,
                    "without and with contrast",
                    urgent=bool(tumour_infection),
                ),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("mri_lumbar_without_contrast",), kind="procedure",
    checks_what="the need for contrast", needs=(), evidence=("acr_lbp_2021",), judge=check,
    # contrast to show a suspected tumour or infection holds at any age; the post-surgical (S1) branch
    # rests on the adult pathway and is not judged under 16 (``_post_surgical_facts``)
    adult_pathway=False,
)  # fmt: skip


def check_unneeded(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """Check 2b: contrast ordered for radicular pain with no operation and no red flag on record."""
    if not order.is_procedure_order or not ctx.order_is(order, "mri_lumbar_with_contrast"):
        return []
    p = ctx.pathway
    if not p.gate_open or p.post_surgical or ctx.red_flags:
        return []
    if red_flags.stale_infections(p):
        # a spinal infection of years ago still marked active: contrast to look for its return is a
        # reasonable study, not one to question
        return []
    return [
        card(
            RULE_UNNEEDED,
            "Lumbar MRI with contrast without prior surgery or a red flag",
            order,
            indicator="info",
            summary="No lumbar surgery or red flag on record: MRI without contrast is the study for "
            "radicular pain (ACR 2021)",
            why=(
                *(p.cond_fact(c) for c in p.radicular_conditions[:1]),
                Fact("no lumbar operation on record"),
                Fact(
                    "no red flag on record (cauda equina, motor deficit, suspected cancer, infection, "
                    "fracture)"
                ),
            ),
            next_steps=(
                "MRI lumbar spine without contrast shows the disc and the compressed root (ACR 2021 "
                "variant 3).",
                "Contrast is for imaging after lumbar surgery (recurrence or scar) or a suspected tumour or "
                "infection.",
            ),
            avoid=("Gadolinium without an indication.",),
            evidence=("acr_lbp_2021",),
            gaps=ctx.unavailable_gaps("conditions", "procedures"),
            suggestions=(_change_to(order, "mri_lumbar_without_contrast", ctx, "without contrast"),),
        )
    ]


CHECK_UNNEEDED = OrderCheck(
    rules=(RULE_UNNEEDED_DECL,), applies_to=("mri_lumbar_with_contrast",), kind="procedure",
    checks_what="the indication for contrast", needs=(), evidence=("acr_lbp_2021",), judge=check_unneeded,
    adult_pathway=True,  # the adult radicular imaging appropriateness (ACR 2021 variant 3)
    # one piece of advice per order: no imaging yet, or no gadolinium in pregnancy, says more
    defers_to=("order.mri-early", "order.pregnancy-gadolinium"),
)  # fmt: skip
