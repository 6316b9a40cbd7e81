"""Y1: psychosocial risk — biopsychosocial assessment and CBT; psychological evaluation before SCS/IDD."""

from __future__ import annotations

from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.common import TOPIC_PSYCHOSOCIAL, Rule

Y1 = Rule("Y1", "Psychosocial risk in radicular pain", TOPIC_PSYCHOSOCIAL, ("nice_ng59", "nacc_2014"))

NEUROMODULATION_SETS = (
    "spinal_cord_stimulation",
    "intrathecal_drug_delivery",
    "peripheral_nerve_stimulation",
)


def positive_screens(ctx: PathwayContext) -> tuple[Fact, ...]:
    """Latest PHQ-9 ≥ 10, GAD-7 ≥ 10 or STarT Back in the high-risk range, taken within
    ``screen_recent_days``: a positive screen years ago with nothing newer is not a current risk."""
    out = []
    since = ctx.today - timedelta(days=ctx.t.screen_recent_days)
    for kind, cut in (
        ("phq9", ctx.t.phq9_positive),
        ("gad7", ctx.t.gad7_positive),
        ("startback", ctx.t.startback_high_risk),
    ):
        o = ctx.latest(kind)
        if o is not None and o.effective is not None and o.effective < since:
            continue
        if o is not None and o.value is not None and o.value >= cut:
            out.append(ctx.obs_fact(o, "positive screen: "))
    return tuple(out)


def neuromodulation_in_view(ctx: PathwayContext) -> bool:
    """A stimulator or pump has been done or ordered: psychological evaluation is mandatory first."""
    return bool(ctx.procedures(*NEUROMODULATION_SETS) or ctx.pending(*NEUROMODULATION_SETS))


def y1_psychosocial_risk(ctx: PathwayContext) -> CardDraft | None:
    """Y1 — psychosocial risk.

    When: PHQ-9 ≥ 10, GAD-7 ≥ 10, STarT Back high risk, or a depression, anxiety or PTSD diagnosis
      (F32.x incl. F32.A, F33.x, F41.x, F43.1x; chronic pain codes G89.x are not psychosocial).
    Then: info — biopsychosocial assessment before surgical referral; CBT or a multidisciplinary
      programme (NICE NG59); mandatory psychological evaluation before SCS/IDD.
    Evidence: NICE NG59 (combined physical and psychological programmes); NACC 2014
      (psychological evaluation before SCS).
    """
    screens = positive_screens(ctx)
    diagnoses = ctx.psychosocial_conditions
    if not screens and not diagnoses:
        return None
    suggestions: list[SuggestionDraft] = [
        ctx.offer(
            sx.CBT_REFERRAL,
            reasons=tuple(c.ref for c in diagnoses) + ctx.reason_refs,
            recommended=True,
        ),
    ]
    steps = [
        "Biopsychosocial assessment and CBT or a combined physical and psychological programme, alongside "
        "the spine care plan (NICE NG59).",
    ]
    if neuromodulation_in_view(ctx):
        steps.append("A psychological evaluation is required before a stimulator or pump trial.")
        suggestions.append(ctx.offer(sx.PSYCHOLOGICAL_EVALUATION))
    return Y1.card(
        ctx,
        indicator="info",
        summary="Psychosocial risk with radicular pain: biopsychosocial assessment and CBT alongside spine "
        "care",
        why=[*screens, *(ctx.cond_fact(c) for c in diagnoses)],
        next_steps=steps,
        avoid=[
            "Spinal cord stimulation or an intrathecal pump without a psychological evaluation.",
            "Opioid escalation.",
        ],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("observations", "conditions"),
    )
