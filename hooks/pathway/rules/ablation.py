"""A1–A2: facet or SI-joint radiofrequency (or cryo) ablation that failed (A1) or wore off (A2).

Runs whenever ablation Procedures exist (decision model §1.1.4).
"""

from __future__ import annotations

from hooks import suggestions as sx
from hooks.cards import CardDraft
from hooks.facts import ProcedureFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.pathway.rules.common import HOLD, NEUROPATHIC_AGENTS, RFA_SCOPE, TOPIC_ABLATION, Rule
from hooks.rule import INFO_OR_WARNING
from hooks.text import levels_in
from hooks.thresholds import pct, span, window

A1 = Rule(
    "A1", "Failed nerve ablation (RFA or cryo)", TOPIC_ABLATION,
    ("asra_facet_2020", "cms_facet_lcd", "nacc_2014"), indicators=INFO_OR_WARNING,
)
A1_RECORD = Rule(
    "A1", "Nerve ablation outcome not recorded", TOPIC_ABLATION, ("asra_facet_2020", "cms_facet_lcd")
)
A2 = Rule(
    "A2", "Nerve ablation worked, then pain recurred", TOPIC_ABLATION, ("asra_facet_2020", "cms_facet_lcd")
)

RFA_ORDER_SETS = ("facet_rfa_or_si_rfa",)


def _when(p: ProcedureFact) -> str:
    return p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")


def weeks(ctx: PathwayContext) -> str:
    """The window an ablation is judged in, as card text ("4–12 weeks")."""
    return window(ctx.t.rfa_window_start_days, ctx.t.rfa_window_end_days)


def same_level(p: ProcedureFact, q: ProcedureFact) -> bool:
    """Two ablations at the same level (or at unstated levels, which cannot be told apart)."""
    if not p.level or not q.level:
        return True
    return bool(set(levels_in(p.level)) & set(levels_in(q.level)))


def generator_refs(ctx: PathwayContext) -> tuple[str, ...]:
    """The reason for an order about the ablated pain generator: its facet or SI-joint Condition,
    else the gate Conditions (an ablation card may appear with the gate closed, §1.1.4)."""
    gens = ctx.conditions("facet_mediated_pain", "sacroiliac_joint_pain")
    return tuple(c.ref for c in gens) or ctx.reason_refs


def care_refs(ctx: PathwayContext) -> tuple[str, ...]:
    """The reason for a referral about the patient's pain as a whole: the gate Conditions, else the
    pain generator."""
    return ctx.reason_refs or generator_refs(ctx)


def repeated_after_failure(ctx: PathwayContext) -> tuple[ProcedureFact, ProcedureFact] | None:
    """An ablation repeated at the same level after an earlier ablation that FAILED (§3.1)."""
    abl = ctx.ablations
    for i, earlier in enumerate(abl):
        a = ctx.assess(earlier, Modality.RFA)
        if a.outcome not in (Outcome.FAILED,):
            continue
        for later in abl[i + 1 :]:
            if same_level(earlier, later):
                return earlier, later
    return None


def a1_failed_ablation(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A1 — failed nerve ablation.

    When: an RFA/cryo ablation with outcome unsuccessful, < 50 % relief at 4–12 weeks, or relief lasting
      < 3 months.
    Then: re-evaluate (updated imaging; repeat diagnostic block to confirm the pathway); if radicular,
      an ESI or targeted nerve-root injection; pulsed RF; chemical neurolysis only for highly refractory
      pain; medication review; SCS/DRG/IDD; surgery if a structural target; multidisciplinary care + CBT.
      Warning if a repeat RFA is pending or was done after the failure, else info.
    Evidence: ASRA facet consensus 2020; CMS facet LCDs; NACC 2014.
    """
    p = a.procedure
    pending = ctx.pending(*RFA_ORDER_SETS)
    repeat = repeated_after_failure(ctx)
    failure = ctx.failure_facts(a)
    why = [
        *failure[:1],
        *(ctx.order_fact(s, "pending repeat ablation — hold it: ", short_prefix=HOLD) for s in pending),
        *failure[1:],
    ]
    if repeat is not None:
        why.append(
            ctx.proc_fact(
                repeat[1], f" — repeated at the same level after the failed ablation on {_when(repeat[0])}"
            )
        )
    suggestions = [
        ctx.offer(
            sx.MEDIAL_BRANCH_BLOCK,
            reasons=generator_refs(ctx),
            recommended=True,
            label="Repeat diagnostic medial branch block to confirm the pathway",
        )
    ]
    steps = [
        "Re-evaluate why it failed (wrong target, incomplete lesion, different pain generator): updated "
        "MRI/CT and a repeat diagnostic block to confirm the pathway (ASRA 2020).",
    ]
    if pending:
        steps.insert(
            0,
            "Hold the pending repeat ablation order: re-evaluate why the ablation failed first, with a "
            "repeat diagnostic block (ASRA 2020).",
        )
    if ctx.gate_open:
        steps.append("With radicular pain: an image-guided ESI or a targeted nerve-root injection.")
        suggestions.append(ctx.offer(sx.DIAGNOSTIC_SNRB))
    steps += [
        "Pulsed radiofrequency as a non-destructive alternative; chemical neurolysis only for highly "
        "refractory "
        "pain.",
        "Medication review; SCS/DRG/intrathecal options if still refractory; surgery only with a structural "
        "target.",
        "Multidisciplinary care with CBT.",
    ]
    suggestions.append(ctx.offer(sx.CBT_REFERRAL, reasons=care_refs(ctx)))
    return A1.card(
        ctx,
        indicator="warning" if (pending or repeat) else "info",
        summary=f"Ablation on {_when(p)} failed: re-evaluate with a repeat diagnostic block; do not repeat "
        "RFA there",
        why=why,
        gaps=list(a.gaps),
        next_steps=steps,
        avoid=[
            "Repeat RFA at the same level after an ablation that gave no relief.",
            "Chemical neurolysis as the first next step.",
            "Fusion.",
        ],
        conflicts=[RFA_SCOPE, *NEUROPATHIC_AGENTS],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("observations", "serviceRequests"),
    )


def a1_record_outcome(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A1 (documentation) — the ablation's outcome is not recorded.

    When: the latest ablation (within a year) has no outcome, no usable scores and at most one proxy.
    Then: info — record pain and % relief at 4–12 weeks; no repeat ablation before the outcome is known.
    Evidence: CMS facet LCDs (repeat only after ≥ 50 % relief for ≥ 6 months); ASRA facet consensus 2020.
    """
    p = a.procedure
    return A1_RECORD.card(
        ctx,
        indicator="info",
        summary=f"Record the outcome of the ablation on {_when(p)} (pain NRS, % relief at {weeks(ctx)})",
        why=[*ctx.failure_facts(a), *a.proxies],
        gaps=[
            *a.gaps,
            f"record the outcome of the ablation on {_when(p)} (pain NRS and % relief at {weeks(ctx)})",
        ],
        next_steps=[
            f"Record pain and % relief; ≥ {pct(ctx.t.responder_relief_pct)} relief for "
            f"{span(ctx.t.rfa_durable_days)} justifies a repeat ablation."
        ],
        avoid=["A repeat ablation before its outcome is known."],
        needs=("observations",),
    )


def a2_worked_then_recurred(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A2 — RFA worked, then pain recurred: nerve regeneration, not failure.

    When: the latest ablation gave ≥ 50 % relief lasting ≥ 6 months and the pain came back
      (RESPONDED_THEN_RECURRED: the assessment names the recurrence). A success with no later data,
      or relief that still holds, is not a recurrence: no card, and never a repeat RFA.
    Then: info — a repeat RFA is reasonable (Medicare facet LCD repeat criterion). Not a failed
      ablation; not an SCS indication.
      Relief that lasted past 3 months but fell before 6 (``durable`` False: the assessment's
      "did not last 6 months") is no failure either, but does not justify a repeat: the card says so,
      holds a pending repeat ablation order, and offers no repeat RFA (``_a2_under_six_months``).
    Evidence: CMS facet LCDs; ASRA facet consensus 2020 (nerve regeneration).
    """
    p = a.procedure
    if a.durable is False:
        return _a2_under_six_months(ctx, a)
    return A2.card(
        ctx,
        indicator="info",
        summary=f"Ablation on {_when(p)} worked for months, then pain recurred: not a failure; a repeat "
        "RFA is reasonable",
        why=[*ctx.failure_facts(a)],
        gaps=list(a.gaps),
        next_steps=[
            f"A repeat ablation at the same level is reasonable after ≥ {pct(ctx.t.responder_relief_pct)} "
            f"relief lasting {span(ctx.t.rfa_durable_days)} (Medicare facet LCD); nerve regeneration "
            "explains the recurrence."
        ],
        avoid=["Labelling it a failed ablation.", "Spinal cord stimulation."],
        conflicts=[RFA_SCOPE],
        suggestions=[
            ctx.offer(
                sx.REPEAT_FACET_RFA,
                reasons=generator_refs(ctx),
                note=f"Same level as the ablation on {_when(p)}" + (f" ({p.level})." if p.level else "."),
                recommended=True,
            )
        ],
        needs=("observations",),
    )


def _a2_under_six_months(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A2 for relief that lasted past 3 months but not 6: not a failure (no "re-evaluate with a
    block"), but below the Medicare facet LCD repeat criterion (≥ 50 % relief for ≥ 6 months): no
    repeat RFA, and a pending one is held."""
    p = a.procedure
    six = span(ctx.t.rfa_durable_days)
    pending = ctx.pending(*RFA_ORDER_SETS)
    facts = ctx.failure_facts(a)
    why = [
        *facts[:2],
        *(ctx.order_fact(s, "pending repeat ablation — hold it: ", short_prefix=HOLD) for s in pending),
        *facts[2:],
    ]
    steps = [
        f"A repeat ablation at the same level is justified only after ≥ {pct(ctx.t.responder_relief_pct)} "
        f"relief lasting {six} (Medicare facet LCD); this relief lasted under {six}. Not a failed "
        "ablation: the relief confirms the pain generator.",
        "Medication review; multidisciplinary care with CBT.",
    ]
    if pending:
        steps.insert(0, f"Hold the pending repeat ablation order: the relief lasted under {six}.")
    then = "hold the pending repeat RFA" if pending else "a repeat RFA is not justified"
    return A2.card(
        ctx,
        indicator="info",
        summary=f"Ablation on {_when(p)} helped for under {six}: not a failure, but {then}",
        why=why,
        gaps=list(a.gaps),
        next_steps=steps,
        avoid=[
            "Labelling it a failed ablation.",
            f"A repeat ablation at the same level before ≥ {pct(ctx.t.responder_relief_pct)} relief has "
            f"lasted {six}.",
        ],
        conflicts=[RFA_SCOPE],
        needs=("observations", "serviceRequests"),
    )
