"""Check 8 — lumbar fusion without instability (``order.fusion-no-instability``).

When: a lumbar fusion is ordered (``lumbar_fusion``); none of these is on record: spondylolisthesis
      or instability (``spondylolisthesis_instability``), another accepted reason for a fusion
      (``fusion_other_indications``: a pseudarthrosis, a pars defect, a lumbar deformity), multiple
      (≥ 2) prior discectomies for recurrent herniation, an earlier lumbar fusion (the order is a
      revision or an extension), or a lumbar imaging report affirming a slip, a pars defect,
      instability or a non-union (``text.FUSION_FINDING``); and the record holds one of (first that
      applies):
      1. a lumbar radicular diagnosis (``lumbar_radiculopathy_conditions``): for routine disc
         herniation with radiculopathy the operation is a discectomy or decompression, not a fusion
         (the card names a herniation only when one is coded, otherwise radiculopathy and a
         decompression);
      2. lumbar spinal stenosis (``lumbar_spinal_stenosis``, ``neurogenic_claudication``): without
         spondylolisthesis, decompression alone is the operation (NASS 2011);
      3. a disc displaced or degenerated without radiculopathy
         (``lumbar_disc_displacement_without_radiculopathy``): low back pain, for which fusion is not
         offered outside a randomised trial (NICE NG59).
      Operations are counted, not Procedure resources: the codes of one operation day (a primary
      code and its add-on, e.g. one discectomy coded with an additional interspace) are one operation.
Then: warning. Radicular: replace the draft with a discectomy (same order id), or cancel it. Stenosis
      or back pain alone: cancel it, or order flexion-extension radiographs when instability is
      suspected; never a discectomy, which has no indication without a compressed root. With
      instability or spondylolisthesis: no objection.
Evidence: NASS LDH 2012 (fusion not recommended for routine herniation); NASS 2011 stenosis
      (decompression alone without spondylolisthesis); NICE NG59 (fusion for low back pain only in
      trials).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.conflicts import FUSION
from hooks.facts import ConditionFact, DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete, replace
from hooks.orders.context import OrderContext
from hooks.pathway.context import ImagingStudy
from hooks.rule import Rule, order_rule
from hooks.text import CERVICAL_THORACIC, FUSION_FINDING, reported

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
    if imaging_findings(ctx):
        return []  # the slip or instability is on record in the imaging, if not coded
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
    return []


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


def _radicular_card(ctx: OrderContext, order: DraftOrder, radicular: Sequence[ConditionFact]) -> CardDraft:
    target = ctx.term.first("order_discectomy").coding()
    # the card names a herniation only when one is coded: radiculopathy alone (M54.1x) may come
    # from a foraminal narrowing, which the same laminotomy decompresses
    herniation = bool(ctx.current_conditions("disc_herniation_with_radiculopathy"))
    treated = "disc herniation" if herniation else "radiculopathy"
    operation = "discectomy" if herniation else "decompression"
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
        why=[*(ctx.cond(c, named) for c in radicular), NO_INSTABILITY],
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


def _no_fusion_card(
    ctx: OrderContext, order: DraftOrder, kind: _NoFusion, conditions: Sequence[ConditionFact]
) -> CardDraft:
    return card(
        RULE_ID,
        kind.title,
        order,
        indicator="warning",
        summary=kind.summary,
        why=[*(ctx.cond(c, kind.named) for c in conditions), NO_INSTABILITY],
        next_steps=(kind.step, INSTABILITY_STEP),
        avoid=kind.avoid,
        evidence=kind.evidence,
        conflicts=(FUSION,),
        gaps=ctx.unavailable_gaps("conditions", "procedures"),
        suggestions=(
            delete(order, "Cancel the fusion", f"Remove {order.ref}", recommended=True),
            _radiographs(ctx, order, [c.ref for c in conditions]),
        ),
    )


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("lumbar_fusion",), kind="procedure",
    checks_what="instability before fusion", needs=(),
    evidence=("nass_ldh", "nass_stenosis", "nice_ng59"), judge=check,
    adult_pathway=True,  # adult disc-herniation surgery evidence (NASS LDH, NICE NG59)
)  # fmt: skip
