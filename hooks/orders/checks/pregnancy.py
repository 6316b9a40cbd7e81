"""Check 13 — orders that pregnancy changes: ionising radiation, gadolinium, NSAIDs.

The pregnancy is read once, as the pathway reads it (``ctx.pathway.pregnancy``,
``hooks.pathway.pregnancy.current_pregnancy``: a current pregnancy Condition or "pregnant" status
within ``pregnancy_max_days``, no delivery or other end of the pregnancy recorded after it; the
gestational age from a weeks-of-gestation code, advanced to today). No pregnancy, no card.

``order.pregnancy-fluoroscopy``
When: a spine procedure done under fluoroscopic or CT guidance, or lumbar CT or myelography, is
      ordered (``fluoroscopic_or_ct_spine_procedures``: image-guided epidural injections, nerve root,
      medial branch and sacroiliac blocks, radiofrequency ablation, discography, MILD, stimulator
      leads and generator, intrathecal catheter and pump; the blind epidural injection is not one).
Then: warning; defer it until after delivery unless it cannot wait, the obstetric team and the
      proceduralist then weighing it, with shielding and the lowest dose; removing the order is
      offered (recommended). Lumbar CT or myelography: MRI without contrast is the imaging of choice
      in pregnancy; changing the order to it is offered (recommended), or removing it. Info instead,
      with nothing removed, when it cannot wait: imaging while an emergency red flag is active (it
      must not be delayed; MRI without contrast if it can answer), or the replacement of an implanted
      intrathecal pump (stopping the pump risks withdrawal). An elective procedure while a red flag
      is active draws the critical red-flag card alone.

``order.pregnancy-gadolinium``
When: a lumbar MRI with gadolinium contrast is ordered (``mri_lumbar_with_contrast``: with contrast,
      or without then with contrast).
Then: warning; MRI without contrast is the study of choice in pregnancy and gadolinium is given only
      when essential to the diagnosis; changing the order to MRI without contrast is offered
      (recommended). Info instead, with the order kept, while a tumour or a spinal infection is
      suspected (an abscess or a tumour may need contrast): contrast only if essential, the
      radiologist decides.

``order.pregnancy-nsaid``
When: an NSAID is prescribed (``rx_nsaids``, by ingredient code or name); not aspirin at an
      antiplatelet dose (no dose above ``low_dose_aspirin_mg`` stated: low-dose aspirin is given in
      pregnancy on obstetric advice).
Then: warning at 20 weeks or later, or when the weeks are unknown: avoid NSAIDs (low amniotic fluid,
      fetal kidney problems), paracetamol (acetaminophen) being the usual analgesic; removing the
      prescription is offered (recommended). Info before 20 weeks: avoid them from 20 weeks. Not
      drawn when the NSAID order has an ``order.nsaid-co-prescription`` card (a bleeding partner,
      another NSAID, a finding that rules an NSAID out): that card is the order's one card on the
      NSAID and says the pregnancy (in its summary from 20 weeks or with the weeks unknown, and then
      recommends removing the order), its weeks and what the FDA advises; unless the clinician has
      snoozed that card for the patient, when this one is drawn as above.

Evidence: ACOG Committee Opinion 723 (2017), Guidelines for Diagnostic Imaging During Pregnancy and
      Lactation; FDA Drug Safety Communication (2020): avoid NSAIDs at 20 weeks of pregnancy or later.
Age: pregnancy safety at any age (``OrderCheck.adult_pathway`` False).
"""

from __future__ import annotations

from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, delete, replace
from hooks.orders.context import OrderContext
from hooks.pathway.pregnancy import (
    ACOG,
    CONTRAST_MRI,
    FDA,
    FLUOROSCOPIC,
    NSAID_WEEKS,
    NSAIDS,
    Pregnancy,
    nsaid_step,
)
from hooks.rule import INFO_OR_WARNING, Rule, order_rule
from hooks.text import MG_DOSE

FLUOROSCOPY_ID = "order.pregnancy-fluoroscopy"
GADOLINIUM_ID = "order.pregnancy-gadolinium"
NSAID_ID = "order.pregnancy-nsaid"
FLUOROSCOPY_TITLE = "Fluoroscopic or CT-guided procedure or lumbar CT in pregnancy"
GADOLINIUM_TITLE = "Contrast MRI in pregnancy"
NSAID_TITLE = "NSAID in pregnancy"
RULE_FLUOROSCOPY_DECL: Rule = order_rule(
    FLUOROSCOPY_ID, FLUOROSCOPY_TITLE, FLUOROSCOPY_ID, (ACOG,), INFO_OR_WARNING
)
RULE_GADOLINIUM_DECL: Rule = order_rule(
    GADOLINIUM_ID, GADOLINIUM_TITLE, GADOLINIUM_ID, (ACOG,), INFO_OR_WARNING
)
RULE_NSAID_DECL: Rule = order_rule(NSAID_ID, NSAID_TITLE, NSAID_ID, (FDA,), INFO_OR_WARNING)
RULE_IDS = (FLUOROSCOPY_ID, GADOLINIUM_ID, NSAID_ID)

CT_IMAGING = "imaging_ct_myelography_xray_lumbar"
MRI_WITHOUT_CONTRAST = "mri_lumbar_without_contrast"
PUMP = "intrathecal_pump_device"
WEIGH = (
    "If it cannot wait, the obstetric team and the proceduralist weigh it together, with shielding and "
    "the lowest dose (ACOG 2017)."
)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """A fluoroscopic or CT-guided procedure, lumbar CT or a contrast MRI ordered in pregnancy."""
    if not order.is_procedure_order:
        return []
    pregnancy = ctx.pathway.pregnancy
    if pregnancy is None:
        return []
    if ctx.order_is(order, FLUOROSCOPIC) is not None:
        if ctx.order_is(order, CT_IMAGING) is not None:
            return [_ct(ctx, order, pregnancy)]
        return [_procedure(ctx, order, pregnancy)]
    if ctx.order_is(order, CONTRAST_MRI) is not None:
        return [_gadolinium(ctx, order, pregnancy)]
    return []


def _procedure(ctx: OrderContext, order: DraftOrder, pregnancy: Pregnancy) -> CardDraft:
    if ctx.order_is(order, PUMP) is not None and ctx.completed(PUMP):
        # replacing an implanted pump cannot wait past its end of life: stopping it risks withdrawal
        return card(
            FLUOROSCOPY_ID, FLUOROSCOPY_TITLE, order,
            indicator="info",
            summary=f"Pregnant ({pregnancy.weeks}): plan this pump replacement with the obstetric team "
            "(fluoroscopy: shielding, lowest dose)",
            why=(pregnancy.fact(), Fact(f"{order.text} replaces an implanted intrathecal pump")),
            next_steps=(
                "Plan the pump replacement with the obstetric and implanting teams before the pump's "
                "end-of-life date, with shielding and the lowest fluoroscopy dose (ACOG 2017).",
            ),
            evidence=(ACOG,),
        )  # fmt: skip
    return card(
        FLUOROSCOPY_ID, FLUOROSCOPY_TITLE, order,
        indicator="warning",
        summary=f"Pregnant ({pregnancy.weeks}): defer this fluoroscopic or CT-guided procedure until after "
        "delivery unless it cannot wait",
        why=(pregnancy.fact(),),
        next_steps=(
            "Defer this elective fluoroscopic or CT-guided procedure until after delivery (ACOG 2017).",
            WEIGH,
            "Meanwhile: activity, physiotherapy and paracetamol (acetaminophen).",
        ),
        avoid=("An elective fluoroscopic or CT-guided spine procedure during pregnancy.",),
        evidence=(ACOG,),
        suggestions=(
            delete(order, "Remove the order: defer it until after delivery", f"Remove {order.ref}",
                   recommended=True),
        ),
    )  # fmt: skip


def _ct(ctx: OrderContext, order: DraftOrder, pregnancy: Pregnancy) -> CardDraft:
    mri = ctx.term.first(MRI_WITHOUT_CONTRAST).coding()
    to_mri = replace(
        order, mri, "Change to MRI lumbar spine without contrast",
        f"Replace {order.ref} with MRI lumbar spine without contrast",
        text="MRI lumbar spine without contrast",
        recommended=not ctx.emergency_flags, keep_place=False,
    )  # fmt: skip
    flags = ctx.emergency_flags
    if flags:
        # imaging for a red flag must not wait for the delivery
        labels = ", ".join(f.label for f in flags)
        return card(
            FLUOROSCOPY_ID, FLUOROSCOPY_TITLE, order,
            indicator="info",
            summary=f"Pregnant, red flag ({labels}): do not delay imaging; MRI without contrast if it can "
            "answer, else CT at the lowest dose",
            why=(pregnancy.fact(), *flags[0].facts[:1]),
            next_steps=(
                "Imaging for the red flag must not wait: MRI without contrast if it can answer the "
                "question; if CT is needed, at the lowest dose, the radiologist told of the pregnancy "
                "(ACOG 2017).",
            ),
            evidence=(ACOG,),
            suggestions=(to_mri,),
        )  # fmt: skip
    return card(
        FLUOROSCOPY_ID, FLUOROSCOPY_TITLE, order,
        indicator="warning",
        summary=f"Pregnant ({pregnancy.weeks}): lumbar MRI without contrast rather than CT or myelography, "
        "unless it cannot wait",
        why=(pregnancy.fact(),),
        next_steps=(
            "MRI lumbar spine without contrast instead: MRI is the imaging of choice in pregnancy and "
            "uses no ionising radiation (ACOG 2017).",
            "If CT cannot be replaced and cannot wait until after delivery, the radiologist and the "
            "obstetric team weigh it, with shielding and the lowest dose (ACOG 2017).",
        ),
        avoid=("Elective lumbar CT or myelography during pregnancy.",),
        evidence=(ACOG,),
        suggestions=(
            to_mri,
            delete(order, "Remove the CT order: defer it until after delivery", f"Remove {order.ref}"),
        ),
    )  # fmt: skip


def _gadolinium(ctx: OrderContext, order: DraftOrder, pregnancy: Pregnancy) -> CardDraft:
    flag = ctx.flag("malignancy") or ctx.flag("infection")
    if flag is not None:
        # an epidural abscess or a tumour may need contrast: the order stays, the radiologist decides
        return card(
            GADOLINIUM_ID, GADOLINIUM_TITLE, order,
            indicator="info",
            summary=f"Pregnant ({pregnancy.weeks}), {flag.label}: gadolinium only if essential to the "
            "diagnosis; the radiologist decides",
            why=(pregnancy.fact(), *flag.facts[:1]),
            next_steps=(
                "Keep the contrast if it is needed to show an abscess or a tumour: gadolinium only if it "
                "is essential to the diagnosis, the radiologist deciding (ACOG 2017).",
                "Tell the radiologist that the patient is pregnant.",
            ),
            evidence=(ACOG,),
        )  # fmt: skip
    mri = ctx.term.first(MRI_WITHOUT_CONTRAST).coding()
    return card(
        GADOLINIUM_ID, GADOLINIUM_TITLE, order,
        indicator="warning",
        summary=f"Pregnant ({pregnancy.weeks}): lumbar MRI without contrast; gadolinium only if essential to "
        "the diagnosis",
        why=(pregnancy.fact(),),
        next_steps=(
            "MRI lumbar spine without contrast: the study of choice in pregnancy; gadolinium only if it is "
            "essential to the diagnosis (ACOG 2017).",
        ),
        avoid=("Gadolinium contrast in pregnancy when it is not essential to the diagnosis.",),
        evidence=(ACOG,),
        suggestions=(
            replace(
                order, mri, "Change to MRI lumbar spine without contrast",
                f"Replace {order.ref} with MRI lumbar spine without contrast",
                text="MRI lumbar spine without contrast", recommended=True, keep_place=False,
            ),
        ),
    )  # fmt: skip


def _antiplatelet_aspirin(ctx: OrderContext, order: DraftOrder) -> bool:
    """Aspirin with no dose above ``low_dose_aspirin_mg`` stated: antiplatelet therapy (given in
    pregnancy on obstetric advice), not an NSAID course, as the pathway reads recorded aspirin."""
    if ctx.drug_is(order, "rx_aspirin") is None:
        return False
    doses = [float(x) for x in MG_DOSE.findall(order.text or "")]
    for d in order.doses:
        unit = (d.unit or "").strip().lower()
        if d.value is not None and unit in ("mg", "milligram", "milligrams"):
            doses.append(d.value)
        elif d.value is not None and order.strength_mg is not None:
            doses.append(d.value * order.strength_mg)
        doses += [float(x) for x in MG_DOSE.findall(d.text or "")]
    return max(doses, default=0.0) <= ctx.t.low_dose_aspirin_mg


def check_nsaid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """An NSAID prescribed in pregnancy."""
    if order.resource_type != "MedicationRequest" or ctx.drug_is(order, NSAIDS) is None:
        return []
    pregnancy = ctx.pathway.pregnancy
    if pregnancy is None or _antiplatelet_aspirin(ctx, order):
        return []
    if pregnancy.before_nsaid_weeks:
        return [
            card(
                NSAID_ID, NSAID_TITLE, order,
                indicator="info",
                summary=f"NSAID in pregnancy ({pregnancy.weeks}): only until {NSAID_WEEKS} weeks (FDA 2020); "
                "paracetamol (acetaminophen) is the usual analgesic",
                why=(pregnancy.fact(),),
                next_steps=(
                    nsaid_step(pregnancy),
                    f"Keep the course short: it should end before {NSAID_WEEKS} weeks.",
                ),
                evidence=(FDA,),
            )
        ]  # fmt: skip
    return [
        card(
            NSAID_ID, NSAID_TITLE, order,
            indicator="warning",
            summary=f"NSAID in pregnancy ({pregnancy.weeks}): avoid from {NSAID_WEEKS} weeks (FDA 2020); "
            "paracetamol (acetaminophen) is the usual analgesic",
            why=(pregnancy.fact(),),
            next_steps=(
                nsaid_step(pregnancy),
                "If an NSAID is essential, the lowest dose for the shortest time, agreed with the obstetric "
                "team (FDA 2020).",
            ),
            avoid=(f"NSAIDs from {NSAID_WEEKS} weeks of pregnancy.",),
            evidence=(FDA,),
            suggestions=(
                delete(order, "Remove the NSAID prescription", f"Remove {order.ref}", recommended=True),
            ),
        )
    ]  # fmt: skip


CHECK = OrderCheck(
    rules=(RULE_FLUOROSCOPY_DECL, RULE_GADOLINIUM_DECL), applies_to=(FLUOROSCOPIC, CONTRAST_MRI),
    kind="procedure", checks_what="whether the patient is pregnant", needs=(), evidence=(ACOG,),
    judge=check,
    adult_pathway=False,  # radiation and gadolinium in pregnancy: safety at any age
)  # fmt: skip

CHECK_NSAID = OrderCheck(
    rules=(RULE_NSAID_DECL,), applies_to=(NSAIDS,), kind="medication",
    checks_what="whether the patient is pregnant and how many weeks", needs=(), evidence=(FDA,),
    judge=check_nsaid,
    adult_pathway=False,  # NSAIDs from 20 weeks of pregnancy: safety at any age
    # one card per NSAID order: the co-prescription card (a bleeding partner, another NSAID, a finding
    # that rules an NSAID out) says the pregnancy too, as ``hooks.orders.checks.medications`` writes it
    defers_to=("order.nsaid-co-prescription",),
)  # fmt: skip
