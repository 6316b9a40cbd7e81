"""Y1: psychosocial risk — biopsychosocial assessment and CBT; psychological evaluation before SCS/IDD."""

from __future__ import annotations

from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.facts import ObservationFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.common import TOPIC_PSYCHOSOCIAL, Rule
from hooks.pathway.rules.neuromodulation import psych_evaluation_fact
from hooks.rule import INFO_OR_WARNING

Y1 = Rule(
    "Y1",
    "Psychosocial risk in radicular pain",
    TOPIC_PSYCHOSOCIAL,
    ("nice_ng59", "nacc_2014"),
    indicators=INFO_OR_WARNING,
)

NEUROMODULATION_SETS = (
    "spinal_cord_stimulation",
    "intrathecal_drug_delivery",
    "peripheral_nerve_stimulation",
)


# The STarT Back Tool's nine items score 0 or 1; items 1-4 are the physical ones, items 5-9 the
# psychosocial subscale, whose score (≥ 4) makes a total of 4 or more high risk rather than medium
# (Hill et al. 2008). The value sets know the total only (LOINC 91351-7): the subscale is at least the
# total less the four physical items, so a total is certainly high risk only from subscale cut + 4.
_STARTBACK_PHYSICAL_ITEMS = 4


def positive_screens(ctx: PathwayContext) -> tuple[Fact, ...]:
    """Latest PHQ-9 ≥ 10, GAD-7 ≥ 10 or STarT Back certainly high risk, taken within
    ``screen_recent_days``: a positive screen years ago with nothing newer is not a current risk. A
    STarT Back total of 4-7 is medium or high risk, which the total alone cannot tell: no positive
    screen (``_STARTBACK_PHYSICAL_ITEMS``)."""
    out = []
    since = ctx.today - timedelta(days=ctx.t.screen_recent_days)
    for kind, cut, prefix in (
        ("phq9", ctx.t.phq9_positive, "positive screen: "),
        ("gad7", ctx.t.gad7_positive, "positive screen: "),
        (
            "startback",
            ctx.t.startback_high_risk + _STARTBACK_PHYSICAL_ITEMS,
            "positive screen (high risk: the psychosocial subscale is at least "
            f"{ctx.t.startback_high_risk:g}): ",
        ),
    ):
        o = ctx.latest(kind)
        if o is not None and o.effective is not None and o.effective < since:
            continue
        if o is not None and o.value is not None and o.value >= cut:
            out.append(ctx.obs_fact(o, prefix))
    return tuple(out)


def self_harm_answer(ctx: PathwayContext) -> ObservationFact | None:
    """The latest PHQ-9 item 9 answer (thoughts of being better off dead or of self-harm), taken within
    ``screen_recent_days``, when it is more than "Not at all": coded so (``phq9_item9_positive``) or
    scored 1-3. A later "Not at all" answers for now."""
    # coded answers carry no number, so the item is read here rather than as a score (``ctx.latest``)
    since = ctx.today - timedelta(days=ctx.t.screen_recent_days)
    answers = [
        o
        for o in ctx.history.observations
        if o.kind == "phq9_item9" and o.effective is not None and since <= o.effective <= ctx.today
    ]
    if not answers:
        return None
    o = max(answers, key=lambda x: (x.effective or since, x.effective_at is not None, str(x.effective_at)))
    if ctx.matches("phq9_item9_positive", o.value_codings) or (o.value is not None and o.value >= 1):
        return o
    return None


def _self_harm_fact(o: ObservationFact) -> Fact:
    answer = next((c.display for c in o.value_codings if c.display), None)
    said = (answer or (f"{o.value:g} of 3" if o.value is not None else "positive")).lower()
    when = o.effective.isoformat() if o.effective else "undated"
    return Fact(
        f"PHQ-9 item 9, thoughts of being better off dead or of self-harm: {said} ({when})",
        o.ref,
        short=f"PHQ-9 item 9 (self-harm thoughts): {said}, {when}",
    )


def neuromodulation_in_view(ctx: PathwayContext) -> bool:
    """A stimulator or pump has been done or ordered: psychological evaluation is mandatory first."""
    return bool(ctx.procedures(*NEUROMODULATION_SETS) or ctx.pending(*NEUROMODULATION_SETS))


def y1_psychosocial_risk(ctx: PathwayContext) -> CardDraft | None:
    """Y1 — psychosocial risk.

    When: PHQ-9 ≥ 10, GAD-7 ≥ 10, STarT Back high risk, or a depression, anxiety or PTSD diagnosis
      (F32.x incl. F32.A, F33.x, F41.x, F43.1x; chronic pain codes G89.x are not psychosocial); or a
      PHQ-9 item 9 answer beyond "Not at all" (``self_harm_answer``), which makes the card a warning
      whose first step is a suicide risk assessment today.
    Then: info — biopsychosocial assessment before surgical referral; CBT or a multidisciplinary
      programme (NICE NG59); mandatory psychological evaluation before SCS/IDD.
    Evidence: NICE NG59 (combined physical and psychological programmes); NACC 2014
      (psychological evaluation before SCS).
    """
    screens = positive_screens(ctx)
    diagnoses = ctx.psychosocial_conditions
    self_harm = self_harm_answer(ctx)
    if not screens and not diagnoses and self_harm is None:
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
        evaluated = psych_evaluation_fact(ctx)
        if evaluated is None:
            steps.append("A psychological evaluation is required before a stimulator or pump trial.")
            suggestions.append(ctx.offer(sx.PSYCHOLOGICAL_EVALUATION))
        else:
            # one on record (done, arranged or not suitable) is named, not offered again
            steps.append(
                f"The psychological evaluation before a stimulator or pump trial is on record "
                f"({evaluated.fact.short or evaluated.fact.text}): act on what it found."
            )
    harm = [] if self_harm is None else [_self_harm_fact(self_harm)]
    if self_harm is not None:
        # any answer beyond "Not at all" asks for a suicide risk assessment before anything else
        steps.insert(
            0,
            "Assess suicide risk today, before the spine plan: ask directly about thoughts, plans and means; "
            "urgent mental-health or crisis care if at risk (PHQ-9 item 9).",
        )
    return Y1.card(
        ctx,
        indicator="info" if self_harm is None else "warning",
        summary="Psychosocial risk with radicular pain: biopsychosocial assessment and CBT alongside spine "
        "care"
        if self_harm is None
        else "Thoughts of self-harm on the PHQ-9 (item 9): assess suicide risk today, then CBT alongside "
        "spine care",
        why=[*harm, *screens, *(ctx.cond_fact(c) for c in diagnoses)],
        next_steps=steps,
        avoid=[
            "Spinal cord stimulation or an intrathecal pump without a psychological evaluation.",
            "Opioid escalation.",
        ],
        suggestions=suggestions,
        selection_behavior="any",
        extra_evidence=("kroenke_phq9_2001",) if self_harm is not None else (),
        needs=("observations", "conditions"),
    )
