"""Check 6 — facet or SI joint radiofrequency ablation without its prerequisites.

``order.rfa-no-block`` (decision model F5/A1, §1.3 "RFA scope")
When: a lumbar facet RFA (``facet_rfa_lumbar``) or SI joint RFA (64625 in ``facet_rfa_or_si_rfa``)
      is ordered and the record holds fewer than ``mbb_required_positive_blocks`` positive diagnostic
      blocks of the matching kind (medial branch block / SI joint block) by
      ``hooks.pathway.failure.assess`` (≥ ``mbb_positive_relief_pct`` / ``sij_block_positive_relief_pct``),
      and no earlier ablation of the same kind at the same level (or either level not stated) worked
      (≥ 50 % relief, or outcome successful, by ``assess``): a successful ablation confirms the pain
      generator as a block would, so a repeat after it needs no new block.
Then: warning; replace the draft with the diagnostic block (same order id); RFA only after a positive
      block. When blocks of that kind are on record but their relief is not (``assess``: unknown, or
      still pending), the card asks for the relief of those blocks to be recorded before the ablation,
      names them (latest first), and recommends no further block: the blocks were done.
Evidence: ASRA facet consensus 2020; NICE NG59 (RFA only after a positive medial branch block);
      CMS facet LCDs (two blocks ≥ 80 %).

``order.rfa-repeat-failed`` (decision model A1)
When: the same kind of RFA is ordered after an earlier ablation that failed (failed, short-lived,
      partial < 50 %, probable failure), at the same level (or the level of either is not stated).
Then: warning; do not repeat at the same level: re-evaluate (updated imaging, repeat diagnostic
      block), consider other options (clinical practice).
Evidence: CMS facet LCDs (repeat only after ≥ 50 % relief for ≥ 6 months); ASRA 2020.
"""

from __future__ import annotations

from hooks import suggestions as sx
from hooks.cards import CardDraft, Conflict, Fact
from hooks.conflicts import RFA_SCOPE
from hooks.facts import DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete, replace
from hooks.orders.context import FAILED, POSITIVE, OrderContext
from hooks.pathway.failure import Assessment, Modality, Outcome, levels_concordant
from hooks.pathway.rules.common import count
from hooks.rule import Rule, order_rule
from hooks.text import parse_level

RULE_NO_BLOCK_DECL: Rule = order_rule(
    "order.rfa-no-block",
    "Radiofrequency ablation without a positive diagnostic block",
    "F5",
    ("asra_facet_2020", "nice_ng59", "cms_facet_lcd"),
)
RULE_REPEAT_DECL: Rule = order_rule(
    "order.rfa-repeat-failed", "Repeat ablation after failure", "A1", ("asra_facet_2020", "cms_facet_lcd")
)
RULES = (RULE_NO_BLOCK_DECL, RULE_REPEAT_DECL)
# A block done whose relief is not known yet: no score, no recorded relief (or too early to judge).
_UNREAD = (Outcome.UNKNOWN, Outcome.PENDING)
RULE_NO_BLOCK, RULE_REPEAT = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "facet_rfa_or_si_rfa"):
        return []
    facet = ctx.order_is(order, "facet_rfa_lumbar") is not None
    return [*_repeat(ctx, order, facet), *_no_block(ctx, order, facet)]


def _no_block(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[CardDraft]:
    block_set = "facet_medial_branch_block_lumbar" if facet else "si_joint_diagnostic_block"
    needed = ctx.t.mbb_required_positive_blocks if facet else 1
    threshold = ctx.t.mbb_positive_relief_pct if facet else ctx.t.sij_block_positive_relief_pct
    positives: list[Assessment] = []
    others: list[Assessment] = []
    for p in ctx.completed(block_set):
        a = ctx.assess(p, Modality.DIAGNOSTIC_BLOCK)
        (positives if a.outcome in POSITIVE else others).append(a)
    if len(positives) >= needed:
        return []
    if _successful_ablation(ctx, order, facet):
        return []  # a successful ablation of the same kind at the same level confirmed the pain generator
    kind = "medial branch block" if facet else "sacroiliac joint block"
    why: list[Fact] = [
        Fact(
            f"{count(len(positives), f'positive diagnostic {kind}')} on record; {needed} required "
            f"(≥ {threshold:g} % relief)"
        )
    ]
    # blocks done whose relief is not recorded come first, latest first: they decide the card
    unread = [a for a in others if a.outcome in _UNREAD]
    for a in (*reversed(unread), *(a for a in others if a.outcome not in _UNREAD)):
        why.extend(ctx.pathway.failure_facts(a))
    spec = sx.MEDIAL_BRANCH_BLOCK if facet else sx.SI_JOINT_BLOCK
    coding = ctx.term.first(spec.value_set).coding()
    if unread:
        dated = list(dict.fromkeys(a.procedure.performed_text or "undated" for a in reversed(unread)))
        dates = " and ".join(dated) if len(dated) <= 2 else ", ".join(dated)
        kind = kind if len(unread) == 1 else f"{kind}s"
        summary = f"RFA ordered: relief after the {kind} of {dates} not recorded; record it before ablation"
        steps: tuple[str, ...] = (
            f"Ablate only once ≥ {threshold:g} % relief is recorded for the {kind} of {dates} "
            "(anaesthetic phase, from the pain diary).",
            f"If the relief was not measured, repeat the {spec.text.lower()} before the ablation.",
        )
    else:
        summary = f"RFA ordered without a positive diagnostic {kind} on record: do the block first"
        steps = (
            f"{spec.text}, recording % relief during the anaesthetic phase.",
            "Radiofrequency ablation only after a positive block.",
        )
    conflicts = (
        [RFA_SCOPE]
        if facet
        else [
            Conflict(
                "SI joint RFA",
                "NICE NG59 and ASRA 2020 allow radiofrequency ablation after a positive diagnostic block.",
                "Some Medicare LCDs (L39455) do not cover SI joint RFA.",
            )
        ]
    )
    return [
        card(
            RULE_NO_BLOCK,
            "Radiofrequency ablation without a positive diagnostic block",
            order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=steps,
            avoid=("RFA without a positive diagnostic block.", "RFA for purely radicular pain."),
            evidence=("asra_facet_2020", "nice_ng59", "cms_facet_lcd"),
            conflicts=conflicts,
            gaps=ctx.unavailable_gaps("procedures", "observations"),
            suggestions=(
                replace(
                    order,
                    coding,
                    f"Change to a {spec.text.lower()}",
                    f"Replace {order.ref} with a {spec.text.lower()}",
                    text=spec.text,
                    recommended=not unread,  # the blocks were done: their relief is wanted, not another
                    **({"note": [{"text": spec.note}]} if spec.note else {}),
                ),
                delete(order, "Cancel the RFA", f"Remove {order.ref}"),
            ),
        )
    ]


def _same_kind_ablations(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[ProcedureFact]:
    """Completed ablations of the order's kind (facet, or SI joint) at its level (or either level not
    stated)."""
    level = parse_level(order.body_site_text, order.text)
    out = []
    for p in ctx.completed("facet_rfa_lumbar" if facet else "facet_rfa_or_si_rfa"):
        if not facet and ctx.term.match("facet_rfa_lumbar", p.codings) is not None:
            continue  # an SI RFA order is compared with SI ablations only
        if levels_concordant(level, p.level) is False:
            continue
        out.append(p)
    return out


def _successful_ablation(ctx: OrderContext, order: DraftOrder, facet: bool) -> bool:
    """A repeat ablation after one of the same kind at the same level that worked (≥ 50 % relief, or
    outcome successful, by ``assess``): that response meets the diagnostic-block requirement."""
    earlier = _same_kind_ablations(ctx, order, facet)
    return any(ctx.assess(p, Modality.RFA).outcome in POSITIVE for p in earlier)


def _repeat(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[CardDraft]:
    level = parse_level(order.body_site_text, order.text)
    failed = []
    unknown_level = False
    for p in _same_kind_ablations(ctx, order, facet):
        a = ctx.assess(p, Modality.RFA)
        if a.outcome in FAILED:
            failed.append(a)
            unknown_level = unknown_level or not (level and p.level)
    if not failed:
        return []
    why: list[Fact] = []
    for a in failed:
        why.extend(ctx.pathway.failure_facts(a))
    gaps = list(ctx.unavailable_gaps("procedures", "observations"))
    if unknown_level:
        gaps.append(
            "The spinal level of the draft order or of the earlier ablation is not stated; they were "
            "treated as the same level."
        )
    return [
        card(
            RULE_REPEAT,
            RULE_REPEAT_DECL.title,
            order,
            indicator="warning",
            summary="Repeat RFA at the same level after an ablation that gave no relief: re-evaluate first",
            why=why,
            next_steps=(
                "Repeat the diagnostic block to confirm the pain pathway before any further ablation, with "
                "an updated MRI or CT if the picture has changed (ASRA 2020).",
                "If the pain is radicular: image-guided ESI or targeted nerve-root injection.",
                "Medication review; multidisciplinary care with CBT; neuromodulation evaluation.",
            ),
            avoid=(
                "Repeat RFA at the same level after an ablation without relief.",
                "Chemical neurolysis as the first next step.",
            ),
            evidence=("asra_facet_2020", "cms_facet_lcd"),
            gaps=gaps,
            suggestions=(
                # the step the card gives first: the block that confirms (or not) the pain pathway
                cancel_and_create(
                    order,
                    sx.MEDIAL_BRANCH_BLOCK if facet else sx.SI_JOINT_BLOCK,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    label="Cancel the RFA and repeat the diagnostic block",
                    recommended=True,
                ),
                delete(order, "Cancel the repeat RFA", f"Remove {order.ref}"),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=RULES, applies_to=("facet_rfa_or_si_rfa",), kind="procedure",
    checks_what="the result of earlier ablations and diagnostic blocks", needs=("observations",),
    evidence=("asra_facet_2020",), judge=check,
    adult_pathway=True,  # block-before-ablation sequencing of the adult pathway (ASRA 2020, CMS LCDs)
)  # fmt: skip
