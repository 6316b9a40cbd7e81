"""Check 8 — lumbar fusion without instability (``order.fusion-no-instability``).

When: a lumbar fusion is ordered (``lumbar_fusion``); none of these is on record: spondylolisthesis
      or instability (``spondylolisthesis_instability``), another accepted reason for a fusion
      (``fusion_other_indications``: a pseudarthrosis, a pars defect, a lumbar deformity), multiple
      (≥ 2) prior discectomies for recurrent herniation, an earlier lumbar fusion (the order is a
      revision or an extension), or a lumbar imaging report affirming a slip, a pars defect,
      instability or a non-union (``text.FUSION_FINDING``); and the record holds one of (first that
      applies):
      0. lumbar surgery on record (a lumbar decompression or discectomy, M96.1, a lumbar laminectomy
         status — the pathway's post-surgical branch, ``PathwayContext.post_surgical``) with the pain
         the pathway follows (its gate open, or M96.1), read as its S states read it
         (``hooks.pathway.rules.post_surgical``): a recurrence or a new compressive
         lesion on imaging since the operation (``recurrence_confirmed``), or a disc herniation with
         radiculopathy coded since it, is a target a decompression treats (1. below, its imaging
         named); a contrast MRI since the operation showing scar and no target
         (``fibrosis_without_target``, S3) is no target for any operation; otherwise no imaging since
         the operation has told a recurrence from scar (S1: MRI without and with contrast first);
      1. a lumbar radicular diagnosis (``lumbar_radiculopathy_conditions``): for routine disc
         herniation with radiculopathy the operation is a discectomy or decompression, not a fusion
         (the card names a herniation only when one is coded, otherwise radiculopathy and a
         decompression);
      2. lumbar spinal stenosis (``lumbar_spinal_stenosis``, ``neurogenic_claudication``): without
         spondylolisthesis, decompression alone is the operation (NASS 2011);
      3. a disc displaced or degenerated without radiculopathy
         (``lumbar_disc_displacement_without_radiculopathy``): low back pain, for which fusion is not
         offered outside a randomised trial (NICE NG59);
      4. facet- or SI-joint pain (``facet_mediated_pain``, ``sacroiliac_joint_pain``, as the pathway's F5
         reads it): surgery is under F5's "must not"; diagnostic blocks, and ablation only after a
         positive block (NICE NG59).
      An arthrodesis status recorded as a lumbar one (Z98.1 with lumbar context) is an earlier fusion
      too: the order is a revision or an extension.
      Operations are counted, not Procedure resources: the codes of one operation day (a primary
      code and its add-on, e.g. one discectomy coded with an additional interspace) are one operation.
Then: warning. Radicular, or a target after surgery: replace the draft with a discectomy (same order
      id), or cancel it. Scar without a target after surgery (S3): cancel it — no reoperation for scar;
      the stimulator pathway (psychological evaluation, then a trial) or conservative care as the
      pathway reads the patient. After surgery with no imaging that tells recurrence from scar (S1):
      cancel it and order the MRI without and with contrast (held when one is on record, ordered or
      drafted). Stenosis, back pain alone or facet/SI pain: cancel it, or order flexion-extension
      radiographs when instability is suspected; never a discectomy, which has no indication without a
      compressed root. With instability or spondylolisthesis: no objection.
Evidence: NASS LDH 2012 (fusion not recommended for routine herniation); NASS 2011 stenosis
      (decompression alone without spondylolisthesis); NICE NG59 (fusion for low back pain only in
      trials; blocks before ablation for facet pain); ACR 2021 variant 5 (contrast MRI after surgery);
      NACC 2014 and NICE TA159 (stimulation, not reoperation, for scar without a target).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.conflicts import FUSION, Conflict
from hooks.facts import ConditionFact, DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete, replace
from hooks.orders.context import OrderContext
from hooks.pathway.context import ImagingStudy
from hooks.pathway.rules import neuromodulation as nm
from hooks.pathway.rules import post_surgical as ps
from hooks.pathway.rules.refractory import facet_or_si_generators
from hooks.rule import Rule, order_rule
from hooks.text import CERVICAL_THORACIC, FUSION_FINDING, reported
from hooks.thresholds import pct, span

RULE_ID_DECL: Rule = order_rule(
    "order.fusion-no-instability",
    "Lumbar fusion without instability",
    "F3",
    ("nass_ldh", "nass_stenosis", "nice_ng59"),
)
RULE_ID = RULE_ID_DECL.id


def operations(procedures: Sequence[ProcedureFact]) -> int:
    """Distinct operations among completed decompression/discectomy Procedures: one per operation
    day, so a primary code and its add-on (63030 + 63035 additional interspace, 63047 + 63048) on
    the same day are one operation. An undated Procedure counts as its own operation."""
    days = {p.performed for p in procedures if p.performed is not None}
    return len(days) + sum(1 for p in procedures if p.performed is None)


def imaging_findings(ctx: OrderContext) -> list[ImagingStudy]:
    """Lumbar imaging whose report affirms a finding a fusion may treat (``text.FUSION_FINDING``: a
    slip, a pars defect, instability, a non-union), not denied before or after it ("Spondylolisthesis:
    none", "is not present"): "no spondylolisthesis on record" would contradict it."""
    return [s for s in ctx.pathway.imaging if reported(FUSION_FINDING, s.conclusion)]


def _cervical_or_thoracic(p: ProcedureFact) -> bool:
    """An arthrodesis coded as a spinal one (SNOMED 55705006) whose words or site say the neck or the
    chest: no lumbar fusion to revise."""
    words = [p.text, p.body_site_text or "", p.level or "", *(b.display or "" for b in p.body_site)]
    return bool(CERVICAL_THORACIC.search(" ".join(words)) or re.search(r"\b[CT]\d{1,2}\b", p.level or ""))


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "lumbar_fusion"):
        return []
    if ctx.current_conditions("spondylolisthesis_instability", "fusion_other_indications"):
        return []
    if operations(ctx.completed("lumbar_decompression_discectomy")) >= 2:
        return []  # multiple recurrences: fusion is an accepted option (NASS 2014, decision model S2)
    if any(not _cervical_or_thoracic(p) for p in ctx.completed("lumbar_fusion")):
        return []  # a revision or an extension (non-union, adjacent segment): the surgeon's judgement
    if ps.after_fusion(ctx.pathway):
        return []  # a lumbar fusion named in words or recorded as arthrodesis status: as above
    if imaging_findings(ctx):
        return []  # the slip or instability is on record in the imaging, if not coded
    p = ctx.pathway
    # the post-surgical branch, for the pain the pathway follows after surgery (radicular, stenosis
    # with leg symptoms, a post-laminectomy syndrome): facet pain years after a discectomy is F5's
    if p.post_surgical and (p.gate_open or p.lumbar_fbss_conditions):
        return [_after_surgery(ctx, order)]
    radicular = ctx.current_conditions("lumbar_radiculopathy_conditions")
    stenosis = ctx.current_conditions("lumbar_spinal_stenosis", "neurogenic_claudication")
    # radicular pain beside stenosis with no disc herniation coded is the stenosis's: decompression
    # alone (NASS 2011), never a discectomy for a herniation no record names
    if radicular and (not stenosis or ctx.current_conditions("disc_herniation_with_radiculopathy")):
        return [_radicular_card(ctx, order, radicular)]
    if stenosis:
        return [_no_fusion_card(ctx, order, STENOSIS, stenosis)]
    disc = ctx.current_conditions("lumbar_disc_displacement_without_radiculopathy")
    if disc:
        return [_no_fusion_card(ctx, order, BACK_PAIN, disc)]
    facet = facet_or_si_generators(p)
    if facet:
        return [_no_fusion_card(ctx, order, FACET, facet)]
    return []


def _herniations_since_surgery(ctx: OrderContext) -> tuple[ConditionFact, ...]:
    """Disc herniations with radiculopathy coded since the last lumbar operation (their onset, else
    their recordedDate, after its day): a new compressive lesion named by the clinician. One coded
    before it is the herniation the operation treated."""
    when = ps.surgery_date(ctx.pathway)
    return tuple(
        c
        for c in ctx.current_conditions("disc_herniation_with_radiculopathy")
        if when is None or (c.onset or c.recorded or date.min) > when
    )


def _after_surgery(ctx: OrderContext, order: DraftOrder) -> CardDraft:
    """A fusion without instability after lumbar surgery, as the pathway's S states read the patient:
    a target on the imaging since the operation (S2) or a herniation coded since it may be decompressed;
    scar without a target (S3) is no reason for any operation; otherwise the contrast MRI comes first
    (S1)."""
    p = ctx.pathway
    surgery = ps.surgery_facts(p)[:1]
    imaged = ps.recurrence_confirmed(p)
    herniated = _herniations_since_surgery(ctx)
    if imaged or herniated:
        radicular = ctx.current_conditions("lumbar_radiculopathy_conditions")
        named = "disc herniation / radiculopathy" if herniated or p.recurrence_study else "radiculopathy"
        return _radicular_card(
            ctx,
            order,
            radicular or herniated,
            herniation=bool(herniated or p.recurrence_study),
            before=(*surgery, *imaged),
            named=named,
        )
    scar = ps.fibrosis_without_target(p)
    if scar:
        return _scar_card(ctx, order, (*surgery, *scar))
    return _before_contrast_mri_card(ctx, order, surgery)


NO_INSTABILITY = Fact("no spondylolisthesis or instability on record")
INSTABILITY_STEP = (
    "Flexion-extension radiographs if instability is suspected; fusion is appropriate with documented "
    "instability or spondylolisthesis."
)


def _radiographs(ctx: OrderContext, order: DraftOrder, reasons: Sequence[str]) -> SuggestionDraft:
    """Cancel the fusion and order flexion-extension views, the test for the instability it needs."""
    return cancel_and_create(
        order,
        sx.FLEXION_EXTENSION_XRAY,
        ctx.term,
        patient_id=ctx.inp.patient_id,
        reasons=reasons,
        label="Cancel the fusion and order flexion-extension radiographs",
    )


def _radicular_card(
    ctx: OrderContext,
    order: DraftOrder,
    radicular: Sequence[ConditionFact],
    *,
    herniation: bool | None = None,
    before: Sequence[Fact] = (),
    named: str | None = None,
) -> CardDraft:
    """The card on a fusion for radicular pain, where a decompression treats the compressed root:
    ``before`` names what shows the target first (the operation and the imaging since it)."""
    target = ctx.term.first("order_discectomy").coding()
    # the card names a herniation only when one is coded (or imaged after surgery): radiculopathy
    # alone (M54.1x) may come from a foraminal narrowing, which the same laminotomy decompresses
    if herniation is None:
        herniation = bool(ctx.current_conditions("disc_herniation_with_radiculopathy"))
    treated = "disc herniation" if herniation else "radiculopathy"
    operation = "discectomy" if herniation else "decompression"
    if named is None:
        named = "disc herniation / radiculopathy" if herniation else "radiculopathy"
    # 63030 is a laminotomy with nerve-root decompression, a herniated disc's excision included
    operation_text = "Lumbar laminotomy with " + (
        "discectomy, single interspace" if herniation else "nerve-root decompression, single interspace"
    )
    return card(
        RULE_ID,
        f"Lumbar fusion for {treated} without instability",
        order,
        indicator="warning",
        summary=f"Fusion for {treated} without instability is not recommended: consider {operation}",
        why=[*before, *(ctx.cond(c, named) for c in radicular), NO_INSTABILITY],
        next_steps=(
            "Discectomy/decompression for persistent radicular symptoms with concordant nerve-root "
            "compression on imaging.",
            INSTABILITY_STEP,
            "Biopsychosocial assessment before surgery (NICE NG59).",
        ),
        avoid=(f"Fusion for routine {treated}.",),
        evidence=("nass_ldh", "nice_ng59"),
        conflicts=(FUSION,),
        gaps=ctx.unavailable_gaps("conditions", "procedures"),
        suggestions=(
            replace(
                order,
                target,
                f"Change to a lumbar {operation}",
                f"Replace {order.ref} with a {operation_text.lower()}",
                text=operation_text,
                recommended=True,
            ),
            delete(order, "Cancel the fusion", f"Remove {order.ref}"),
        ),
    )


def _scar_card(ctx: OrderContext, order: DraftOrder, facts: Sequence[Fact]) -> CardDraft:
    """S3 — a contrast MRI since the operation shows scar and no recurrence or other compressive
    lesion: no operation treats scar. The next step is the pathway's: the stimulator pathway when the
    pain has lasted the 6 months it needs and it is still open (``stimulator_evaluation_next``), the
    psychological evaluation on record counted; otherwise conservative care."""
    p = ctx.pathway
    months = span(ctx.t.scs_eligibility_days)
    if ps.long_enough_for_stimulation(p) and ps.stimulator_evaluation_next(p):
        then = nm.psych_step(nm.psych_evaluation_fact(p), "a spinal cord stimulator trial")
        step = (
            f"{then[:1].upper()}{then[1:]}; permanent implant only with ≥ "
            f"{pct(ctx.t.scs_trial_success_pct)} relief during the trial (NACC 2014; NICE TA159)."
        )
    else:
        step = (
            "Conservative care for the neuropathic leg pain (physiotherapy, medication review, "
            f"CBT-informed care); a stimulator evaluation after {months} of pain despite it, if no "
            "stimulator has been tried (NICE TA159)."
        )
    return _no_fusion_card(
        ctx,
        order,
        SCAR,
        (),
        facts=facts,
        steps=(
            step,
            "Multidisciplinary pain management with cognitive behavioural therapy.",
            INSTABILITY_STEP,
        ),
    )


def _before_contrast_mri_card(ctx: OrderContext, order: DraftOrder, surgery: Sequence[Fact]) -> CardDraft:
    """S1 — after lumbar surgery, no imaging since it has told a recurrence from scar: the MRI
    without and with contrast first (ordered in the fusion's place unless one is on record, pending or
    drafted), and no reoperation before it."""
    p = ctx.pathway
    done = ps.post_op_contrast_mri(p)
    pending = p.pending("mri_lumbar_with_and_without_contrast")
    drafted = ctx.other_orders(order, "mri_lumbar_with_and_without_contrast")
    facts: list[Fact] = list(surgery)
    if done:
        s = done[-1]
        facts.append(
            Fact(
                f"contrast MRI after surgery: {s.label}: {s.conclusion or 'no report'}",
                s.ref,
                short=f"{s.short_label}: {s.finding}",
            )
        )
        step = (
            f"Surgical review of the contrast MRI of {s.when or 'an unrecorded date'} for recurrent disc "
            "herniation versus epidural scar (the report does not say clearly; NASS 2014)."
        )
    else:
        facts += [p.order_fact(o, "pending order: ") for o in pending]
        facts += [Fact(f"drafted in this session: {o.text}", o.ref or None) for o in drafted]
        if not pending and not drafted:
            facts.append(Fact("no MRI with contrast since the operation: recurrence not told from scar"))
        step = (
            "MRI lumbar spine without and with contrast to tell recurrent disc herniation from epidural "
            "scar (ACR 2021 variant 5); surgical re-evaluation on its result (NASS 2014)."
        )
    held = bool(done or pending or drafted)
    suggestions: tuple[SuggestionDraft, ...] = (
        delete(order, "Cancel the fusion", f"Remove {order.ref}", recommended=held),
    )
    if not held:
        mri = cancel_and_create(
            order,
            sx.MRI_WITH_AND_WITHOUT_CONTRAST,
            ctx.term,
            patient_id=ctx.inp.patient_id,
            reasons=ctx.radicular_refs,
            label="Cancel the fusion and order MRI lumbar spine without and with contrast",
            recommended=True,
        )
        suggestions = (mri, *suggestions)
    return _no_fusion_card(
        ctx,
        order,
        BEFORE_CONTRAST_MRI,
        (),
        facts=facts,
        steps=(step, INSTABILITY_STEP),
        suggestions=suggestions,
    )


@dataclass(frozen=True)
class _NoFusion:
    """What a card against a fusion without instability says for one diagnosis other than
    radiculopathy: no discectomy is offered, only to cancel or to look for instability."""

    title: str
    summary: str
    named: str  # what each Condition is called on the card
    step: str
    avoid: tuple[str, ...]
    evidence: tuple[str, ...]
    # the sources' disagreement on fusion is about instability and routine herniation: not shown
    # where the card is about neither (scar, facet pain, the imaging after surgery)
    conflicts: tuple[Conflict, ...] = (FUSION,)


STENOSIS = _NoFusion(
    "Lumbar fusion for spinal stenosis without instability",
    "Fusion for spinal stenosis without spondylolisthesis or instability: decompression alone is the "
    "operation",
    "lumbar spinal stenosis",
    "Decompression alone for stenosis without spondylolisthesis (NASS 2011); adding a fusion brings more "
    "risk and no better outcome.",
    ("Fusion for stenosis without spondylolisthesis or instability.",),
    ("nass_stenosis",),
)
BACK_PAIN = _NoFusion(
    "Lumbar fusion for low back pain without instability",
    "Fusion for low back pain from a disc without radiculopathy or instability is not recommended outside "
    "a trial",
    "disc without radiculopathy",
    "A combined physical and psychological programme for persistent low back pain (NICE NG59); fusion "
    "only within a randomised controlled trial.",
    ("Fusion for low back pain.", "A discectomy without a compressed nerve root."),
    ("nice_ng59",),
)


FACET = _NoFusion(
    "Lumbar fusion for facet or SI joint pain without instability",
    "Fusion for facet or sacroiliac joint pain without instability is not recommended: diagnostic blocks "
    "first",
    "facet or SI joint pain",
    "Diagnostic medial branch blocks (or a sacroiliac joint block) to confirm the pain generator; "
    "radiofrequency ablation only after a positive block, and a combined physical and psychological "
    "programme (NICE NG59).",
    ("Fusion or any other operation for facet or sacroiliac joint pain.", "Fusion for low back pain."),
    ("nice_ng59",),
    (),
)
SCAR = _NoFusion(
    "Lumbar fusion for scar after surgery without instability",
    "Fusion after lumbar surgery for scar without a recurrence or instability is not recommended: no "
    "reoperation for scar",
    "",
    "",
    ("Reoperation for scar tissue: fusion, or another decompression without a target on the imaging.",),
    ("nacc_2014", "nice_ta159"),
    (),
)
BEFORE_CONTRAST_MRI = _NoFusion(
    "Lumbar fusion after surgery before a contrast MRI",
    "Fusion after lumbar surgery without instability, and no imaging telling recurrence from scar: "
    "contrast MRI first",
    "",
    "",
    ("Reoperation before the contrast MRI.", "Fusion without instability."),
    ("acr_lbp_2021", "nass_ldh"),
    (),
)


def _no_fusion_card(
    ctx: OrderContext,
    order: DraftOrder,
    kind: _NoFusion,
    conditions: Sequence[ConditionFact],
    *,
    facts: Sequence[Fact] = (),
    steps: Sequence[str] = (),
    suggestions: Sequence[SuggestionDraft] = (),
) -> CardDraft:
    """A card against a fusion that offers no operation in its place: cancel it (recommended), or
    cancel it and order flexion-extension radiographs; ``suggestions``, when given, instead. ``facts``
    name what decides it beside (or instead of) the ``conditions``; ``steps`` replace the kind's step."""
    refs = [c.ref for c in conditions] or [f.ref for f in facts if f.ref]
    return card(
        RULE_ID,
        kind.title,
        order,
        indicator="warning",
        summary=kind.summary,
        why=[*facts, *(ctx.cond(c, kind.named) for c in conditions), NO_INSTABILITY],
        next_steps=tuple(steps) or (kind.step, INSTABILITY_STEP),
        avoid=kind.avoid,
        evidence=kind.evidence,
        conflicts=kind.conflicts,
        gaps=ctx.unavailable_gaps("conditions", "procedures"),
        suggestions=tuple(suggestions)
        or (
            delete(order, "Cancel the fusion", f"Remove {order.ref}", recommended=True),
            _radiographs(ctx, order, refs),
        ),
    )


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("lumbar_fusion",), kind="procedure",
    checks_what="instability before fusion", needs=(),
    evidence=("nass_ldh", "nass_stenosis", "nice_ng59"), judge=check,
    adult_pathway=True,  # adult disc-herniation surgery evidence (NASS LDH, NICE NG59)
)  # fmt: skip
