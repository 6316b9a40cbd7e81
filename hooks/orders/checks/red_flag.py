"""Check 10 — an elective spine procedure while a red flag is active (``order.red-flag-elective``).

When: an elective spine procedure (``elective_spine_procedures``: ESI, blocks, RFA, new SCS or
      intrathecal pump implants, PNS, neurolysis, discography, MILD) or physiotherapy (``physical_therapy``,
      ``referral_physiotherapy``; decision model R1 "must not recommend: PT") is ordered and an
      emergency red flag is active: suspected cauda equina syndrome (R1), a new or progressive motor
      deficit (R2), suspected malignancy, infection or fracture (R3).
      Care of a device already implanted is not elective and draws no card: stimulator lead or
      generator revision or removal (removing an infected device treats the infection), intrathecal
      pump analysis, reprogramming or refill (stopping a pump risks withdrawal) are outside the value
      set, as is the unlisted code 64999. A pump implant order while a pump is on record
      (``intrathecal_pump_device``) replaces it: a known cancer or a fracture does not hold it (stopping
      the pump risks withdrawal), nor is a first pump (or its catheter) for a patient with a cancer
      diagnosed (coded or in words, dated) and a contrast MRI since, within 12 weeks (intrathecal drug
      delivery treats refractory cancer pain, PACC 2017; weight loss with no cancer diagnosed, or a
      cancer no recent contrast MRI has imaged since, still holds it), but a suspected infection (no
      new device into a possibly infected field; an infected pump is explanted), cauda equina or a
      progressive deficit (a catheter-tip inflammatory mass can cause it) does: the card then asks to
      time the replacement with the implanting team and to bridge the drug, not to let the pump stop.
Then: critical; the red-flag work-up comes first: cancel the elective order and order the
      work-up (cauda equina: emergency MRI and spine-surgery assessment today; cancer or
      infection: MRI without and with contrast, urgent referral; fracture: fracture imaging; motor
      deficit: urgent MRI and surgical opinion). Other cards on the same order are suppressed.
      The summary says "emergency" only for cauda equina and a suspected infection (same-day), and
      "urgent" for a suspected malignancy, a fracture and a progressive deficit, as the steps do.
      The steps are taken together, not chosen between: cancelling the order (with the work-up
      imaging) and the referral are each recommended, offered with selectionBehavior "any".
Stable motor deficit (decision model R2, warning: "ESI instead of a surgical opinion" must not be
      recommended): with no emergency red flag, an elective spine procedure (``elective_spine_procedures``;
      not physiotherapy, which suits a stable deficit) while a stable, non-progressive motor deficit
      is on record (a foot drop, a fall in strength that has held, a muscle scored MRC <= 3) and no
      spine surgeon has been asked since it was found (a sent or completed spine-surgery referral or a
      spine-surgery visit on or after the deficit was found; any, when either date is unknown; or a
      referral drafted in this session) → warning: a surgical opinion before the elective procedure,
      the spine-surgery referral within 2 weeks recommended, cancelling the order offered, not
      recommended. Not for a foot drop that a diagnosed peroneal or sciatic neuropathy explains (the
      patient-view card asks for the examination and EMG that tell it from an L5 root lesion first),
      nor for the replacement of an implanted intrathecal pump.
Evidence: ACR Appropriateness Criteria 2021 (variants 4-7); NICE NG59; NASS 2014 (lumbar disc
      herniation with radiculopathy); clinical practice (cauda equina is the absolute indication for
      immediate surgery; red flags need immediate imaging; any motor deficit is referred within 2 weeks).
"""

from __future__ import annotations

from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import Action, CardDraft, Fact, SuggestionDraft
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, card, delete, draft_short, reason_refs, spine_referral
from hooks.orders.context import OrderContext, RedFlag
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules import red_flags, refractory
from hooks.rule import CRITICAL_OR_WARNING, Rule, order_rule
from hooks.suggestions import OrderSpec, Priority
from hooks.thresholds import span

RULE_ID_DECL: Rule = order_rule(
    "order.red-flag-elective",
    "Elective procedure while a red flag is active",
    "R1",
    ("acr_lbp_2021", "nice_ng59"),
    # critical for an emergency red flag; warning for a stable motor deficit no surgeon has seen
    CRITICAL_OR_WARNING,
)
RULE_ID = RULE_ID_DECL.id
ELECTIVE_SETS = ("elective_spine_procedures", "physical_therapy", "referral_physiotherapy")
# What a stable motor deficit holds until a surgeon's opinion: an elective spine procedure, not
# physiotherapy (appropriate with a stable deficit).
HELD_FOR_STABLE_DEFICIT = "elective_spine_procedures"
# The orders the stable-deficit card calls an injection (else "procedure").
INJECTIONS = ("esi_lumbar_all", "facet_medial_branch_block_lumbar", "si_joint_diagnostic_block")
IMAGING = "imaging_lumbar_advanced"  # a lumbar MRI, CT or CT myelogram ordered
# Said "emergency" in the summary: same-day (cauda equina today; suspected infection, same-day
# referral); the other red flags are urgent (within days).
EMERGENCY_KINDS = ("cauda_equina", "infection")

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
    # a same-day emergency (decision model §7.3, as the pathway's R3 orders it): stat, not urgent
    "infection": (
        "Emergency MRI without and with contrast today, blood cultures and inflammatory markers, and "
        "same-day referral for suspected infection; no steroid injection.",
        sx.MRI_WITH_AND_WITHOUT_CONTRAST,
        "stat",
    ),
    "fracture": ("Fracture imaging and urgent spine assessment.", sx.MRI_WITHOUT_CONTRAST, "urgent"),
}


# The red flags that hold the replacement of an implanted intrathecal pump (see ``check``).
_HOLDS_PUMP_REPLACEMENT = ("infection", "cauda_equina", "motor_progressive")
_PUMP_TIMING = (
    "Agree the timing of the pump replacement with the implanting team before the pump's end-of-life "
    "date, and plan bridging so the intrathecal drug does not stop abruptly (baclofen or opioid "
    "withdrawal)."
)
_PUMP_STEPS = {
    "infection": "No new pump while infection is suspected; if the pump pocket or catheter is infected, "
    "the implanting team plans its removal.",
    "cauda_equina": "An inflammatory mass at the catheter tip can compress the cauda equina: MRI with and "
    "without contrast; check the pump after the MRI.",
    "motor_progressive": "An inflammatory mass at the catheter tip can cause a new deficit: MRI with and "
    "without contrast; check the pump after the MRI.",
}


def _cancer_imaged(ctx: PathwayContext) -> bool:
    """A cancer diagnosed (coded or in words), every one dated, a lumbar MRI without and with contrast
    since each was diagnosed (``red_flags.contrast_mri_since_onset``), and one within
    ``red_flag_new_pain_days``: the spine the catheter enters has been looked at recently for it."""
    cancers = red_flags.current_malignancies(ctx)
    weeks = ctx.today - timedelta(days=ctx.t.red_flag_new_pain_days)
    recent = ctx.imaging_since(weeks, mri_only=True, contrast=True)
    return bool(cancers and recent) and all(
        (c.onset or c.recorded) is not None and red_flags.contrast_mri_since_onset(ctx, c) for c in cancers
    )


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or ctx.term.matches_any(ELECTIVE_SETS, order.all_codings) is None:
        return []
    flags = ctx.emergency_flags
    pump = ctx.order_is(order, "intrathecal_pump_device")
    replacing = bool(pump and ctx.completed("intrathecal_pump_device"))
    if replacing:
        # Replacing an implanted pump (battery end of life) is not held for a known cancer or a
        # fracture: stopping the pump risks withdrawal. It is held for a suspected infection (a new
        # device is not implanted into a possibly infected field) and for cauda equina or a
        # progressive deficit (the emergency comes first; a catheter-tip mass can cause it).
        flags = tuple(f for f in flags if f.kind in _HOLDS_PUMP_REPLACEMENT)
    elif ctx.order_is(order, "intrathecal_pump_implant") and _cancer_imaged(ctx.pathway):
        # A first pump (or its catheter) for a patient whose cancer is diagnosed and whose spine a
        # contrast MRI has imaged since: intrathecal drug delivery treats refractory cancer pain (PACC
        # 2017), so the known cancer is its indication, not a work-up still to come.
        flags = tuple(f for f in flags if f.kind != "malignancy")
    if not flags:
        return [] if replacing else (_stable_deficit(ctx, order) or _old_infection(ctx, order))
    first = flags[0]
    why = [f for flag in flags for f in flag.facts]
    steps = [_PLAN[flag.kind][0] for flag in flags]
    if replacing:
        steps += [_PUMP_TIMING, *dict.fromkeys(_PUMP_STEPS[f.kind] for f in flags)]
    spec: OrderSpec = _PLAN[first.kind][1]
    priority: Priority = _PLAN[first.kind][2]
    cancel = "Cancel the elective procedure"
    if replacing:
        spec = sx.MRI_WITH_AND_WITHOUT_CONTRAST  # a catheter-tip mass, an abscess: contrast shows them
        cancel = "Defer the pump replacement"
    elif first.kind in ("motor_progressive", "fracture"):
        # after lumbar surgery, with and without contrast, as the patient-view card and the
        # post-operative MRI check ask (ACR 2021 variant 5): the card never offers what that check
        # then questions
        spec = red_flags.lumbar_mri(ctx.pathway)
    reasons = reason_refs(why)
    # The emergency work-up is offered once per session, on the first elective order's card.
    lead = ctx.first_judged(order, *ELECTIVE_SETS)
    imaging_drafted = ctx.other_orders(order, "imaging_lumbar_advanced") or not lead
    # The emergency pathway is several steps taken together, not alternatives: stop the elective
    # order (with the emergency imaging when none is drafted yet) and refer, each recommended, so the
    # card offers them with selectionBehavior "any". Stopping the order appears once: as its own
    # suggestion only when the imaging is already drafted (two suggestions removing the same order
    # could both be accepted).
    stop = f"Remove {order.ref}: the red flag comes first"
    imaging = sx.suggest(
        spec, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons, priority=priority, recommended=True
    )
    if imaging_drafted:
        suggestions: list[SuggestionDraft] = [delete(order, cancel, stop, recommended=True)]
    else:
        suggestions = [
            SuggestionDraft(
                label=f"{'Defer the pump replacement' if replacing else 'Cancel the procedure'}; "
                f"{priority} {spec.text}",
                actions=(Action("delete", stop, resource_id=order.ref), imaging.actions[0]),
                is_recommended=True,
            )
        ]
    if lead:
        # a spine referral drafted in the session is made as urgent as the red flag needs, never doubled
        suggestions += spine_referral(ctx, order, reasons=reasons, priority=priority, recommended=True)
    labels = ", ".join(f.label for f in flags)
    summary = (
        f"Red flag ({labels}): treat it before replacing the intrathecal pump"
        if replacing
        else f"Red flag ({labels}): {_pace(flags)} first, not an elective procedure"
    )
    # the order is the card's first fact and the summary says it is elective; that a pump is being
    # replaced (held for fewer flags) is said once more, in the full reasoning
    what = (Fact(f"{order.text} replaces an implanted intrathecal pump"),) if replacing else ()
    return [
        card(
            RULE_ID,
            "Elective procedure while a red flag is active",
            order,
            indicator="critical",
            summary=summary[:139],
            why=(*why, *what),
            next_steps=steps,
            avoid=(
                "Epidural injection or any elective procedure before the red flag is resolved.",
                "Waiting out a period of conservative care; routine referral.",
            ),
            evidence=("acr_lbp_2021", "nice_ng59"),
            gaps=ctx.unavailable_gaps("conditions", "observations"),
            suggestions=suggestions,
            selection_behavior="any",
            # the order's name says what is held ("Replacement of … pump (battery end of life)")
            order_short=draft_short(order),
        )
    ]


def _pace(flags: tuple[RedFlag, ...]) -> str:
    """How soon the work-up comes, in the summary's words, as the steps say it: an emergency for cauda
    equina (today) or a suspected infection (same-day referral), else urgent (within days)."""
    return "emergency pathway" if any(f.kind in EMERGENCY_KINDS for f in flags) else "urgent work-up"


def _deficit_found(p: PathwayContext) -> date | None:
    """When the latest of the motor deficits on record was found, as the patient-view R2 card reads it
    (``red_flags.deficit_already_addressed``): a foot drop first recorded, a fall in strength first
    scored, a muscle first scored at its present weakness; None when one of them has no date."""
    deficits = red_flags.motor_deficit_conditions(p)
    decline = red_flags.strength_decline(p)
    starts = [red_flags.first_recorded(p, c, deficits) for c in deficits]
    if decline is not None:
        starts.append(decline.later.effective)
    starts += [red_flags.weak_muscle_since(p, o) for o in red_flags.weak_muscles(p)]
    known = [d for d in starts if d is not None]
    return max(known) if known and len(known) == len(starts) else None


def _surgeon_asked(ctx: OrderContext, order: DraftOrder) -> bool:
    """A spine surgeon has been asked about the deficit: a spine-surgery referral sent or completed (a
    draft never sent is none), or a spine-surgery visit, on or after the deficit was found (any, when
    either date is unknown), or a spine-surgery referral drafted in this session."""
    if ctx.other_orders(order, sx.SPINE_SURGERY_REFERRAL.value_set):
        return True
    p = ctx.pathway
    found = _deficit_found(p)

    def since(d: date | None) -> bool:
        return found is None or d is None or d >= found

    sent = (s for s in p.surgical_referrals if s.status != "draft")
    return any(since(s.authored or s.occurrence) for s in sent) or any(
        since(e.start) for e in p.surgical_encounters
    )


def _stable_deficit(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """The warning for an elective spine procedure while a stable motor deficit no spine surgeon has
    been asked about is on record (R2: no epidural injection instead of a surgical opinion)."""
    flag = ctx.flag("motor_stable")
    if flag is None or not ctx.order_is(order, HELD_FOR_STABLE_DEFICIT):
        return []
    p = ctx.pathway
    deficits = red_flags.motor_deficit_conditions(p)
    if (
        deficits
        and red_flags.strength_decline(p) is None
        and not red_flags.weak_muscles(p)
        and all(red_flags.nerve_lesion_for(p, c) for c in deficits)
    ):
        return []  # a peroneal or sciatic neuropathy explains the foot drop: examine and test first
    if _surgeon_asked(ctx, order):
        return []
    what = "injection" if any(ctx.order_is(order, vs) for vs in INJECTIONS) else "procedure"
    within = span(ctx.t.urgent_referral_days)
    reasons = tuple(r for f in flag.facts for r in (f.ref, *f.also) if r)
    lead = ctx.first_judged(order, HELD_FOR_STABLE_DEFICIT)
    # the patient-view card's plan: the referral, and a lumbar MRI for a surgical candidate when none is
    # on record or ordered (this card is the injection's advice: the "image first" card defers to it)
    mri = red_flags.lumbar_mri(p)
    unimaged = not (
        refractory.imaging_on_record(p)
        or p.orders(IMAGING, pending=False)
        or ctx.other_orders(order, IMAGING)
    )
    contrast = mri is sx.MRI_WITH_AND_WITHOUT_CONTRAST
    mri_step = (
        f"{mri.text} if the patient is a surgical candidate, for the surgeon to review "
        f"({'ACR 2021 variant 5, after lumbar surgery' if contrast else 'ACR 2021'})."
    )
    suggestions: list[SuggestionDraft] = []
    if lead:
        # the referral concerns the patient, not one order: offered once per session
        suggestions.append(
            sx.suggest(
                sx.SPINE_SURGERY_REFERRAL, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons,
                note=f"Motor deficit: to be seen within {within}.", recommended=True,
                seen_by=p.urgent_referral_by,
            )
        )  # fmt: skip
        if unimaged:
            suggestions.append(sx.suggest(mri, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons))
    suggestions.append(
        delete(
            order,
            f"Cancel the {what} until a spine surgeon has seen the deficit",
            f"Remove {order.ref}: surgical opinion first",
        )
    )
    return [
        card(
            RULE_ID,
            "Elective procedure while a red flag is active",
            order,
            indicator="warning",
            summary=f"Motor deficit on record: surgical opinion before an elective {what}",
            why=flag.facts,
            next_steps=(
                f"Spine-surgery referral, to be seen within {within}: a motor deficit needs a surgical "
                f"opinion before an elective {what} (NASS 2014).",
                f"Hold the {what} until the surgeon has given an opinion.",
                *([mri_step] if unimaged else []),
                "Re-examine strength (MRC 0–5); if it worsens, an urgent MRI and an urgent spine-surgery "
                "referral.",
            ),
            avoid=(
                "An epidural steroid injection instead of a surgical opinion.",
                "Waiting out a period of conservative care before referral.",
            ),
            evidence=("nass_ldh", "acr_lbp_2021"),
            gaps=ctx.unavailable_gaps("conditions", "observations", "serviceRequests", "encounters"),
            suggestions=suggestions,
            selection_behavior="any",
            order_short=draft_short(order),
        )
    ]


def _old_infection(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """The warning for an elective spine procedure while a spinal infection of years ago is still
    marked active (``red_flags.stale_infections``): no red flag of this illness, so no hold, but an
    injection into a possibly infected field is not given before it is confirmed resolved."""
    p = ctx.pathway
    old = red_flags.stale_infections(p)
    if not old or not ctx.order_is(order, HELD_FOR_STABLE_DEFICIT):
        return []
    what = "injection" if any(ctx.order_is(order, vs) for vs in INJECTIONS) else "procedure"
    return [
        card(
            RULE_ID,
            "Elective procedure while a red flag is active",
            order,
            indicator="warning",
            summary=f"Spinal infection still marked active: confirm it has resolved before the {what}",
            why=tuple(red_flags.stale_infection_fact(p, c) for c in old),
            next_steps=(
                "Confirm the infection has resolved (the treating team's record, CRP and ESR) before an "
                f"elective {what}; if it may not have, MRI without and with contrast first (ACR 2021 "
                "variant 7).",
                "Update the problem list once it is confirmed resolved.",
            ),
            avoid=("An epidural steroid injection into a field that may still be infected.",),
            evidence=("acr_lbp_2021",),
            gaps=ctx.unavailable_gaps("conditions", "observations"),
            order_short=draft_short(order),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=ELECTIVE_SETS, kind="procedure", judge=check,
    checks_what="a progressive motor deficit (serial strength scores)",
    needs=("observations",), evidence=("acr_lbp_2021",),
    # an emergency red flag holds an elective procedure at any age
    adult_pathway=False,
)  # fmt: skip
