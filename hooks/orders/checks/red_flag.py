"""Check 10 — an elective spine procedure while a red flag is active (``order.red-flag-elective``).

When: an elective spine procedure (``elective_spine_procedures``: ESI, blocks, RFA, new SCS or
      intrathecal pump implants, PNS, neurolysis, discography, MILD) or physiotherapy (``physical_therapy``,
      ``referral_physiotherapy``; decision model R1 "must not recommend: PT") is ordered and an
      emergency red flag is active: suspected cauda equina syndrome (R1), a new or progressive motor
      deficit (R2), suspected malignancy, infection or fracture (R3).
      Care of a device already implanted is not elective and draws no card: stimulator lead or
      generator revision or removal (removing an infected device treats the infection), intrathecal
      pump analysis, reprogramming or refill (stopping a pump risks withdrawal) are outside the value
      set, as is the unlisted code 64999; a pump implant order while a pump is on record
      (``intrathecal_pump_device``) replaces it.
Then: critical; the emergency pathway comes first: cancel the elective order and order the
      emergency work-up (cauda equina: emergency MRI and spine-surgery assessment today; cancer or
      infection: MRI without and with contrast, urgent referral; fracture: fracture imaging; motor
      deficit: urgent MRI and surgical opinion). Other cards on the same order are suppressed.
Evidence: ACR Appropriateness Criteria 2021 (variants 4-7); NICE NG59; clinical practice (cauda
      equina is the absolute indication for immediate surgery; red flags need immediate imaging).
"""

from __future__ import annotations

from hooks import suggestions as sx
from hooks.cards import Action, CardDraft, Fact, SuggestionDraft
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import CRITICAL, Rule, order_rule
from hooks.suggestions import OrderSpec, Priority

RULE_ID_DECL: Rule = order_rule(
    "order.red-flag-elective",
    "Elective procedure while a red flag is active",
    "R1",
    ("acr_lbp_2021", "nice_ng59"),
    CRITICAL,
)
RULE_ID = RULE_ID_DECL.id
ELECTIVE_SETS = ("elective_spine_procedures", "physical_therapy", "referral_physiotherapy")

_PLAN: dict[str, tuple[str, OrderSpec, Priority]] = {
    "cauda_equina": (
        "Emergency MRI of the lumbar spine today and emergency spine-surgery assessment for decompression.",
        sx.MRI_WITHOUT_CONTRAST,
        "stat",
    ),
    "motor_progressive": (
        "Urgent MRI and urgent surgical opinion (within days) for the progressive deficit.",
        sx.MRI_WITHOUT_CONTRAST,
        "urgent",
    ),
    "malignancy": (
        "Urgent MRI without and with contrast and urgent referral for suspected malignancy.",
        sx.MRI_WITH_AND_WITHOUT_CONTRAST,
        "urgent",
    ),
    "infection": (
        "Urgent MRI without and with contrast, inflammatory markers, and same-day referral for "
        "suspected infection; no steroid injection.",
        sx.MRI_WITH_AND_WITHOUT_CONTRAST,
        "urgent",
    ),
    "fracture": ("Fracture imaging and urgent spine assessment.", sx.MRI_WITHOUT_CONTRAST, "urgent"),
}


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or ctx.term.matches_any(ELECTIVE_SETS, order.all_codings) is None:
        return []
    flags = ctx.emergency_flags
    if not flags:
        return []
    if ctx.order_is(order, "intrathecal_pump_device") and ctx.completed("intrathecal_pump_device"):
        return []  # replacing an implanted pump (battery end of life): stopping it risks withdrawal
    first = flags[0]
    why = [f for flag in flags for f in flag.facts]
    steps = [_PLAN[flag.kind][0] for flag in flags]
    spec: OrderSpec = _PLAN[first.kind][1]
    priority: Priority = _PLAN[first.kind][2]
    reasons = tuple(f.ref for f in why if f.ref and f.ref.startswith("Condition/"))
    # The emergency work-up is offered once per session, on the first elective order's card.
    lead = ctx.first_judged(order, *ELECTIVE_SETS)
    imaging_drafted = ctx.other_orders(order, "imaging_lumbar_advanced") or not lead
    suggestions: list[SuggestionDraft] = [
        delete(
            order,
            "Cancel the elective procedure",
            f"Remove {order.ref}: the red flag comes first",
            recommended=bool(imaging_drafted),
        )
    ]
    if not imaging_drafted:
        suggestions.insert(
            0,
            SuggestionDraft(
                label=f"Cancel the procedure; {priority} {spec.text}",
                actions=(
                    Action("delete", f"Remove {order.ref}: the red flag comes first", resource_id=order.ref),
                    sx.suggest(
                        spec, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons, priority=priority
                    ).actions[0],
                ),
                is_recommended=True,
            ),
        )
    if lead:
        suggestions.append(
            sx.suggest(
                sx.SPINE_SURGERY_REFERRAL, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons,
                priority=priority,
            )
        )  # fmt: skip
    labels = ", ".join(f.label for f in flags)
    return [
        card(
            RULE_ID,
            "Elective procedure while a red flag is active",
            order,
            indicator="critical",
            summary=f"Red flag ({labels}): emergency pathway first, not an elective procedure"[:139],
            why=(*why, Fact(f"{order.text} is an elective procedure")),
            next_steps=steps,
            avoid=(
                "Epidural injection or any elective procedure before the red flag is resolved.",
                "Waiting out a period of conservative care; routine referral.",
            ),
            evidence=("acr_lbp_2021", "nice_ng59"),
            gaps=ctx.unavailable_gaps("conditions", "observations"),
            suggestions=suggestions,
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=ELECTIVE_SETS, kind="procedure", judge=check,
    checks_what="a progressive motor deficit (serial strength scores)",
    needs=("observations",), evidence=("acr_lbp_2021",),
)  # fmt: skip
