"""Check 14 — MILD with spondylolisthesis or instability (``order.mild-instability``).

When: a minimally invasive lumbar decompression (MILD: ``mild_percutaneous_lumbar_decompression``,
      0275T / G0276) is ordered while spondylolisthesis or instability is on record
      (``spondylolisthesis_instability``).
Then: warning; MILD removes part of a thickened ligamentum flavum and is for central stenosis without
      instability (decision model F6). With a slipped or unstable segment the operation is surgical
      decompression, with fusion where the segment is unstable (NASS 2011; decision model S4), so the
      card offers to cancel the MILD order and refer to a spine surgeon.
Evidence: NASS 2011 (degenerative lumbar spinal stenosis: decompression with fusion for stenosis with
      spondylolisthesis).

Check 14b — MILD without lumbar stenosis (``order.mild-no-stenosis``).

When: MILD is ordered, no spondylolisthesis or instability is on record, and neither a lumbar stenosis
      or neurogenic claudication diagnosis nor an imaging report affirming stenosis or a thickened
      ligamentum flavum is.
Then: warning (information, naming what is missing, when the conditions or the reports could not be
      read); MILD treats central stenosis from a thickened ligamentum flavum only (decision model
      F6; CMS NCD 150.13), not a disc herniation; cancelling the order is offered.
Evidence: NASS 2011.
"""

from __future__ import annotations

import re

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import INFO_OR_WARNING, Rule, order_rule
from hooks.text import LF_HYPERTROPHY, STENOSIS, reported

EVIDENCE: tuple[str, ...] = ("nass_stenosis",)
RULE_ID_DECL: Rule = order_rule(
    "order.mild-instability", "MILD with spondylolisthesis or instability", "S4", EVIDENCE
)
RULE_ID = RULE_ID_DECL.id
NO_STENOSIS_DECL: Rule = order_rule(
    "order.mild-no-stenosis", "MILD without lumbar stenosis on record", "F6", EVIDENCE, INFO_OR_WARNING
)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "mild_percutaneous_lumbar_decompression"):
        return []
    unstable = ctx.current_conditions("spondylolisthesis_instability")
    if not unstable:
        return _no_stenosis(ctx, order)
    return [
        card(
            RULE_ID,
            "MILD with spondylolisthesis or instability",
            order,
            indicator="warning",
            summary="MILD with spondylolisthesis or instability is not advised: refer to a spine surgeon "
            "(decompression, with fusion if unstable)",
            why=[ctx.cond(c, "spondylolisthesis or instability") for c in unstable],
            next_steps=(
                "Spine-surgery referral: decompression, with fusion where the segment is unstable, is the "
                "operation for stenosis with spondylolisthesis (NASS 2011).",
                "MILD is for central stenosis from a thickened ligamentum flavum without instability.",
            ),
            avoid=("MILD with spondylolisthesis or instability.",),
            evidence=EVIDENCE,
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=[c.ref for c in unstable],
                    label="Cancel MILD and refer to a spine surgeon",
                    recommended=True,
                ),
                delete(order, "Cancel the MILD order", f"Remove {order.ref}"),
            ),
        )
    ]


def stenosis_on_record(ctx: OrderContext) -> bool:
    """Lumbar stenosis or neurogenic claudication coded, or an imaging report affirming a stenosis
    other than only foraminal, or a thickened ligamentum flavum (the lesion MILD treats)."""
    if ctx.current_conditions("lumbar_spinal_stenosis", "neurogenic_claudication"):
        return True
    reports = [s.conclusion for s in ctx.pathway.imaging]
    return any(_central(STENOSIS, r) or reported(LF_HYPERTROPHY, r) for r in reports)


def _central(pattern: re.Pattern[str], text: str) -> bool:
    """A stenosis the report affirms (not denied before or after it) that is not only foraminal:
    MILD decompresses the central canal, never a foramen."""
    return any(
        not (_FORAMINAL.search(m.string) and not _CENTRAL.search(m.string)) for m in reported(pattern, text)
    )


_FORAMINAL = re.compile(r"foramin", re.IGNORECASE)
_CENTRAL = re.compile(r"central|canal|thecal|spinal stenosis|lateral recess", re.IGNORECASE)


def _no_stenosis(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """MILD with neither stenosis nor a thickened ligamentum flavum on record, the conditions and the
    imaging reports both read: MILD removes ligamentum flavum from a central stenosis and treats
    nothing else (a disc herniation, a foraminal root lesion). When either could not be read the card
    is information, naming what is missing: the stenosis may be there."""
    if stenosis_on_record(ctx):
        return []
    unread = ctx.unavailable_gaps("conditions", "diagnosticReports")
    radicular = ctx.current_conditions("lumbar_radiculopathy_conditions")
    return [
        card(
            NO_STENOSIS_DECL.id,
            "MILD without lumbar stenosis on record",
            order,
            indicator="info" if unread else "warning",
            summary="MILD ordered with no central lumbar stenosis on record: it treats central stenosis "
            "from a thickened ligamentum flavum only",
            why=[
                Fact("no central stenosis or thickened ligamentum flavum coded or in the imaging reports"),
                *(ctx.cond(c, "diagnosis on record") for c in radicular[:1]),
            ],
            next_steps=(
                "Confirm central stenosis with ligamentum flavum hypertrophy on MRI or CT before MILD (CMS "
                "NCD 150.13).",
                "For radicular pain from a disc herniation: image-guided ESI, or a surgical opinion "
                "(NASS 2014).",
            ),
            avoid=("MILD for a disc herniation or a foraminal root lesion.",),
            evidence=EVIDENCE,
            gaps=unread,
            suggestions=(delete(order, "Cancel the MILD order", f"Remove {order.ref}"),),
        )
    ]


CHECK = OrderCheck(
    rules=(RULE_ID_DECL, NO_STENOSIS_DECL), applies_to=("mild_percutaneous_lumbar_decompression",),
    kind="procedure",
    checks_what="spondylolisthesis or instability, and stenosis, before MILD", needs=("conditions",),
    evidence=EVIDENCE,
    judge=check,
    adult_pathway=True,  # adult degenerative stenosis surgery evidence (NASS 2011)
)  # fmt: skip
