"""Check 5 — epidural injection for the wrong pain generator.

``order.esi-facet-pain`` (decision model F5)
When: a lumbar ESI is ordered, facet-mediated or sacroiliac joint pain is on record
      (``facet_mediated_pain``, ``sacroiliac_joint_pain``), and either no current radicular
      condition is recorded or an earlier image-guided ESI already failed (``assess``).
Then: warning; the pain looks facet/SI-mediated: diagnostic medial branch blocks (or an SI joint
      injection), radiofrequency ablation only after a positive block. Suggest cancelling the ESI
      and ordering the diagnostic block.
Evidence: ASRA facet consensus 2020 (Cohen); NICE NG59 (RFA only after a positive medial branch
      block).

``order.esi-claudication`` (decision model F6)
When: a lumbar ESI is ordered and neurogenic claudication from central stenosis is on record
      (``neurogenic_claudication``, M48.062).
Then: warning with both sides: NICE NG59 advises against epidurals for neurogenic claudication in
      central canal stenosis; ASIPP 2021 reports Level II-III support. Alternative: spine-surgery
      opinion for decompression (MILD for ligamentum-flavum hypertrophy without instability), PT.
Evidence: NICE NG59; ASIPP 2021; NASS LSS 2011; CMS NCD 150.13 (MILD for stenosis).

``order.esi-wrong-side`` (decision model F2, §1.2 side concordance)
When: a transforaminal ESI (``esi_transforaminal_lumbar``) is ordered on one side (its words or body
      site) while the record states the radicular symptoms on the other side only
      (``PathwayContext.symptom_side``: the radicular conditions' body site, words and codes, and this
      episode's earlier injections).
Then: warning; confirm the symptomatic side with the patient and the imaging before signing (a
      transforaminal injection treats the root on its own side); if the pain has moved, record it and
      re-examine. Removing the order is offered, not recommended. Shown at any age (a wrong-side
      procedure is a safety matter).
Evidence: NASS 2014; ASIPP 2021.

A diagnostic selective nerve root block coded 64483 (-KX, or written as diagnostic or local anaesthetic
only: ``OrderContext.is_diagnostic_block``) is not a therapeutic ESI and is not judged here.
"""

from __future__ import annotations

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.conflicts import ESI_STENOSIS
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete
from hooks.orders.context import OrderContext
from hooks.pathway.rules import red_flags, refractory
from hooks.rule import Rule, order_rule
from hooks.text import parse_laterality

RULE_FACET_DECL: Rule = order_rule(
    "order.esi-facet-pain",
    "Epidural injection for facet or sacroiliac pain",
    "F5",
    ("asra_facet_2020", "nice_ng59"),
)
RULE_CLAUDICATION_DECL: Rule = order_rule(
    "order.esi-claudication",
    "Epidural injection for neurogenic claudication",
    "F6",
    ("nice_ng59", "asipp_epidural_2021", "nass_stenosis"),
)
RULE_SIDE_DECL: Rule = order_rule(
    "order.esi-wrong-side",
    "Transforaminal injection on the side without symptoms",
    "F2",
    ("nass_ldh", "asipp_epidural_2021"),
)
RULES = (RULE_FACET_DECL, RULE_CLAUDICATION_DECL, RULE_SIDE_DECL)
RULE_FACET, RULE_CLAUDICATION, RULE_SIDE = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "esi_lumbar_all"):
        return []
    if ctx.is_diagnostic_block(order):
        return []  # a diagnostic nerve root block (KX, local anaesthetic only) is no therapeutic ESI
    return [*_wrong_side(ctx, order), *_facet(ctx, order), *_claudication(ctx, order)]


def _wrong_side(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """A transforaminal injection ordered on one side while the record states the radicular symptoms
    on the other only (``PathwayContext.symptom_side``): it treats the root on its own side."""
    if ctx.order_is(order, "esi_transforaminal_lumbar") is None:
        return []
    ordered = parse_laterality(order.text, order.body_site_text, *(c.display for c in order.all_codings))
    symptoms = ctx.pathway.symptom_side
    if ordered not in ("left", "right") or symptoms not in ("left", "right") or ordered == symptoms:
        return []
    stated = [
        ctx.cond(c, f"symptoms on the {symptoms}")
        for c in ctx.pathway.gate_conditions
        if ctx.pathway.condition_side(c) == symptoms
    ]
    earlier = [ctx.pathway.proc_fact(p) for p in ctx.pathway.esis if p.laterality]
    return [
        card(
            RULE_SIDE,
            "Transforaminal injection on the side without symptoms",
            order,
            indicator="warning",
            summary=f"Transforaminal injection ordered on the {ordered}, radicular symptoms recorded on the "
            f"{symptoms}: confirm the side",
            why=(*stated, *earlier[-1:]),
            next_steps=(
                "Confirm the symptomatic side with the patient and the imaging before signing: a "
                "transforaminal injection treats the nerve root on its own side (NASS 2014).",
                f"If the pain is now on the {ordered}, record it and re-examine: a new side is a new "
                "presentation.",
            ),
            avoid=("An injection on the side without symptoms.",),
            evidence=("nass_ldh", "asipp_epidural_2021"),
            gaps=ctx.unavailable_gaps("conditions", "procedures"),
            suggestions=(
                delete(order, "Remove this order (re-enter it on the symptomatic side)",
                       f"Remove {order.ref}"),
            ),
        )
    ]


def _nerve_root_target(ctx: OrderContext) -> bool:
    """Radicular pain the ESI may still target, as the pathway's F5 reads it: no scores showing the
    back hurting more than the leg (``refractory.axial_predominant``: with none, the record does not
    say), a concordant compressive lesion or a motor deficit (facet and SI-joint pain is axial, not
    below the knee, without neurological signs) — or no lumbar imaging to exclude a compressive
    lesion."""
    p = ctx.pathway
    return bool(
        not refractory.axial_predominant(p)
        or not refractory.imaging_on_record(p)
        or refractory.has_concordant_lesion(p)
        or red_flags.motor_deficit_conditions(p)
    )


def _facet(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    facet = ctx.current_conditions("facet_mediated_pain")
    si = ctx.current_conditions("sacroiliac_joint_pain")
    if not facet and not si:
        return []
    why = [ctx.cond(c, "facet-mediated pain") for c in facet]
    why += [ctx.cond(c, "sacroiliac joint pain") for c in si]
    failed = refractory.failed_image_guided(ctx.pathway)
    if ctx.radicular and not failed:
        return []  # a radicular diagnosis without a failed ESI: the ESI may target the radicular pain
    if ctx.radicular and _nerve_root_target(ctx):
        return []
    if not ctx.radicular:
        why.append(Fact("no current lumbar radicular diagnosis on record"))
    for a in failed:
        why.extend(ctx.pathway.failure_facts(a))
    spec = sx.MEDIAL_BRANCH_BLOCK if facet else sx.SI_JOINT_BLOCK
    reasons = tuple(c.ref for c in (*facet, *si))
    # "another" only after an injection: a first one is "an ESI"
    an_esi = "another ESI" if ctx.pathway.esis else "an ESI"
    repeat = "Repeat ESI" if ctx.pathway.esis else "An ESI"
    return [
        card(
            RULE_FACET,
            "Epidural injection for facet or sacroiliac pain",
            order,
            indicator="warning",
            summary=f"The record points to facet/SI-mediated pain: a diagnostic block, not {an_esi}",
            why=why,
            next_steps=(
                "Re-evaluate the pain generator: axial pain not below the knee without neurological signs "
                "points "
                "to the facet or SI joint.",
                f"{spec.text}; radiofrequency ablation only after a positive diagnostic block "
                f"(≥ {ctx.t.mbb_positive_relief_pct:g} % relief).",
            ),
            avoid=(f"{repeat} for facet- or SI-mediated pain.", "RFA without a positive diagnostic block."),
            evidence=("asra_facet_2020", "nice_ng59"),
            gaps=ctx.unavailable_gaps("conditions", "procedures", "observations"),
            suggestions=(
                cancel_and_create(
                    order,
                    spec,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=reasons,
                    label=f"Cancel the ESI and order a {spec.text.lower()}",
                    recommended=True,
                ),
            ),
        )
    ]


def _claudication(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    claud = refractory.neurogenic_claudication(ctx.pathway)
    if not claud:
        return []
    transforaminal = ctx.order_is(order, "esi_transforaminal_lumbar") is not None
    if ctx.radicular and transforaminal and _nerve_root_target(ctx):
        # a transforaminal injection aims at a nerve root: beside the stenosis there is radicular pain
        # for it to treat (NICE NG59 advises against epidurals for the claudication, not for sciatica)
        return []
    why = [ctx.cond(c, "central stenosis with neurogenic claudication") for c in claud]
    if ctx.radicular:
        why += [
            ctx.cond(c, "also a radicular diagnosis (the injection may target it)") for c in ctx.radicular
        ]
    instability = ctx.current_conditions("spondylolisthesis_instability")
    return [
        card(
            RULE_CLAUDICATION,
            "Epidural injection for neurogenic claudication",
            order,
            indicator="warning",
            summary="ESI for neurogenic claudication in central stenosis: NICE advises against; consider "
            "decompression",
            why=why,
            next_steps=(
                "Spine-surgery opinion for decompression when non-surgical care has failed.",
                *(
                    (
                        "MILD (percutaneous decompression) for ligamentum-flavum hypertrophy, if there is no "
                        "instability.",
                    )
                    if not instability
                    else ()
                ),
                "Physiotherapy; keep the ESI only if it targets a concurrent radicular component.",
            ),
            avoid=(
                "Epidural injections for neurogenic claudication from central canal stenosis (NICE NG59).",
                "Fusion without instability.",
            ),
            evidence=("nice_ng59", "asipp_epidural_2021", "nass_stenosis"),
            conflicts=(ESI_STENOSIS,),
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=tuple(c.ref for c in claud),
                    label="Cancel the ESI and refer to a spine surgeon (decompression)",
                    # with a radicular diagnosis beside it the injection may be for the leg pain: the
                    # clinician decides, nothing is pre-selected
                    recommended=not ctx.radicular,
                ),
                delete(order, "Cancel the ESI", f"Remove {order.ref}"),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=RULES, applies_to=("esi_lumbar_all",), kind="procedure",
    checks_what="failed earlier image-guided injections (facet or SI pain mistaken for radicular pain)",
    needs=("observations",), evidence=("asra_facet_2020", "nice_ng59"), judge=check,
    excludes=OrderContext.is_diagnostic_block,
    # the adult pathway's pain-generator sequencing (facet/SI pain, stenosis); the side is safety at any age
    adult_pathway=(RULE_FACET, RULE_CLAUDICATION),
)  # fmt: skip
