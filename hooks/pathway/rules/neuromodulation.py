"""N1–N3 and L1: spinal cord (or DRG) stimulation trials and implants, and what comes after them.

Runs whenever stimulator Procedures exist (decision model §1.1.4). 63650 alone marks a trial; a
pulse generator (63685) or paddle (63655) marks a permanent system (§0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import ObservationFact, ProcedureFact
from hooks.pathway.context import FAILED_OUTCOMES, PathwayContext
from hooks.pathway.failure import Assessment, Modality, like_baseline, pain_before
from hooks.pathway.rules.common import (
    HOLD,
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    SCS_SELECTION,
    TOPIC_NEUROMODULATION,
    Rule,
)
from hooks.pathway.rules.refractory import has_concordant_lesion
from hooks.rule import INFO_OR_WARNING, WARNING
from hooks.thresholds import pct

N1 = Rule("N1", "Spinal cord stimulator trial succeeded", TOPIC_NEUROMODULATION, ("nacc_2014", "nice_ta159"))
N1_RECORD = Rule(
    "N1", "Spinal cord stimulator trial outcome not recorded", TOPIC_NEUROMODULATION,
    ("nacc_2014", "nice_ta159"),
)
N2 = Rule(
    "N2", "Spinal cord stimulator trial failed", TOPIC_NEUROMODULATION,
    ("nacc_2014", "nacc_drg_2019", "nice_ta159"), indicators=WARNING,
)
N3 = Rule(
    "N3", "Implanted spinal cord stimulator losing effect", TOPIC_NEUROMODULATION,
    ("nacc_salvage_2024", "nacc_2014"),
)
L1 = Rule(
    "L1", "Refractory to neuromodulation and interventions", TOPIC_NEUROMODULATION,
    ("pacc_2024", "nacc_2014"), indicators=INFO_OR_WARNING,
)

PERMANENT_ORDER_SETS = ("scs_permanent_system",)
TRIAL_ORDER_SETS = ("scs_percutaneous_lead",)


def latest_trial(ctx: PathwayContext) -> Assessment | None:
    trials = ctx.scs_trials
    return ctx.assess(trials[-1], Modality.SCS_TRIAL) if trials else None


def implanted_after(ctx: PathwayContext, p: ProcedureFact) -> tuple[ProcedureFact, ...]:
    start = p.performed
    return tuple(q for q in ctx.scs_permanent if start is None or (q.performed and q.performed >= start))


def _trial_kind(ctx: PathwayContext, p: ProcedureFact) -> str:
    return "DRG stimulation trial" if ctx.is_drg(p) else "spinal cord stimulator trial"


def _when(p: ProcedureFact) -> str:
    return p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")


def n1_trial_succeeded(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """N1 — SCS trial succeeded.

    When: the latest stimulator trial has outcome successful or ≥ 50 % NRS reduction, and no permanent
      system has been implanted since.
    Then: info — permanent implant (leads + pulse generator). No repeat trial; no intrathecal pump.
    Evidence: NACC 2014 (≥ 50 % trial relief); NICE TA159.
    """
    p = a.procedure
    return N1.card(
        ctx,
        indicator="info",
        summary=f"{_trial_kind(ctx, p).capitalize()} on {_when(p)} succeeded "
        f"(≥ {pct(ctx.t.scs_trial_success_pct)} relief): proceed to "
        "permanent implant",
        why=[*ctx.failure_facts(a)],
        gaps=list(a.gaps),
        next_steps=[
            "Permanent stimulator implant (percutaneous or paddle leads with a pulse generator).",
            "Keep recording pain and function after implantation to track the response.",
        ],
        avoid=["A repeat trial.", "An intrathecal pump."],
        suggestions=[
            sx.suggest(
                sx.SCS_PERMANENT,
                ctx.term,
                patient_id=ctx.patient_id,
                reasons=ctx.reason_refs,
                recommended=True,
            )
        ],
        needs=("observations",),
    )


def n1_record_outcome(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """N1 (documentation) — the stimulator trial's outcome is not recorded.

    When: the latest trial (within a year) has no outcome, no usable scores and at most one proxy.
    Then: info — record pain and % relief at the end of the trial; no permanent implant without a
      documented successful trial.
    Evidence: NACC 2014 (≥ 50 % trial relief); NICE TA159.
    """
    p = a.procedure
    return N1_RECORD.card(
        ctx,
        indicator="info",
        summary=f"Record the outcome of the {_trial_kind(ctx, p)} on {_when(p)} before deciding on implant",
        why=[*ctx.failure_facts(a), *a.proxies],
        gaps=[*a.gaps, f"record pain scores and % relief at the end of the trial on {_when(p)}"],
        next_steps=[
            f"Record pain (NRS) before and at the end of the trial; ≥ {pct(ctx.t.scs_trial_success_pct)} "
            "relief is needed for a permanent implant."
        ],
        avoid=["A permanent implant without a documented successful trial."],
        needs=("observations",),
    )


def n2_trial_failed(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """N2 — SCS trial failed.

    When: the latest stimulator trial gave < 50 % relief or has outcome unsuccessful, and stimulation
      options are not yet used up (else L1).
    Then: warning — do not implant; DRG stimulation if pain is focal (foot/groin; check labelling and
      coverage), multidisciplinary care/CBT, intrathecal pump evaluation later. Pending permanent
      implant orders are named (intercepted at order-sign).
    Evidence: NACC 2014; NACC DRG 2019; NICE TA159.
    """
    p = a.procedure
    pending = ctx.pending(*PERMANENT_ORDER_SETS)
    card = N2.card(
        ctx,
        indicator="warning",
        summary=f"{_trial_kind(ctx, p).capitalize()} on {_when(p)} failed "
        f"(< {pct(ctx.t.scs_trial_success_pct)} relief): do not implant "
        "a permanent system",
        why=[
            *ctx.failure_facts(a),
            *(ctx.order_fact(s, "pending implant order — hold it: ", short_prefix=HOLD) for s in pending),
        ],
        gaps=list(a.gaps),
        next_steps=[
            "Do not implant a permanent stimulator"
            + (" — hold the pending implant order." if pending else "."),
            "DRG stimulation if the pain is focal (foot, groin) (NACC DRG 2019; check US "
            "labelling and "
            "coverage).",
            "Multidisciplinary pain management with CBT; intrathecal pump evaluation later if still "
            "refractory.",
        ],
        avoid=["A permanent spinal cord stimulator.", "A repeat of the same failed trial."],
        conflicts=[SCS_SELECTION],
        suggestions=[
            sx.suggest(
                sx.CBT_REFERRAL,
                ctx.term,
                patient_id=ctx.patient_id,
                reasons=ctx.reason_refs,
                recommended=True,
            ),
            sx.suggest(
                sx.PAIN_MANAGEMENT_REFERRAL,
                ctx.term,
                patient_id=ctx.patient_id,
                reasons=ctx.reason_refs,
                label="Refer to the pain service to consider DRG stimulation for focal pain",
            ),
        ],
        selection_behavior="any",
        needs=("observations", "serviceRequests"),
    )
    # The selection disagreement stays in the full reasoning, never as the card's one line: every
    # source asks for a successful trial before an implant, and this trial failed — "sources
    # disagree" beside a booked implant would read as if one of them allowed it.
    return replace(card, conflict_now=None)


def no_surgical_target(ctx: PathwayContext) -> bool:
    """No surgical target: a 'no target' note, or imaging on record without a concordant lesion or "
    "recurrence."""
    if ctx.no_surgical_target_notes:
        return True
    if ctx.concordance.status == "no-imaging":
        return False
    return not has_concordant_lesion(ctx) and ctx.recurrence_study is None


def stimulation_exhausted(ctx: PathwayContext, a: Assessment) -> bool:
    """Stimulation options are used up: two failed trials, a failed DRG trial, or the failed trial is
    more than 3 months old (the decision about implanting is behind us; N2 covers the weeks after it)."""
    failed = [t for t in ctx.scs_trials if ctx.assess(t, Modality.SCS_TRIAL).outcome in FAILED_OUTCOMES]
    if len(failed) >= 2 or any(ctx.is_drg(t) for t in failed):
        return True
    age = ctx.days_since(a.procedure.performed)
    return age is not None and age > ctx.t.chronic_days


def l1_refractory_to_neuromodulation(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """L1 — refractory to neuromodulation and interventions.

    When: a failed SCS (± DRG) trial, stimulation options used up (two failed trials, a failed DRG
      trial, or the failed trial > 3 months ago), and no surgical target.
    Then: intrathecal drug delivery evaluation — psychological evaluation, attempted reduction of
      systemic opioids, then a trial (PACC); multidisciplinary care; neurectomy last. Warning if a repeat
      stimulator trial or implant is pending, else info.
    Evidence: PACC 2017/2024; NACC 2014.
    """
    p = a.procedure
    pending = ctx.pending(*PERMANENT_ORDER_SETS, *TRIAL_ORDER_SETS)
    failed = [
        ctx.failure_facts(ta)
        for t in ctx.scs_trials
        if (ta := ctx.assess(t, Modality.SCS_TRIAL)).outcome in FAILED_OUTCOMES
    ]
    why: list[Fact] = [f[0] for f in failed]  # each failed trial's lead line first
    why += ctx.no_surgical_target_notes
    why += [x for f in failed for x in f]
    conc = ctx.concordance
    if conc.study is not None and conc.study.ref not in {f.ref for f in why}:
        why.append(conc.study.fact())
    why += [ctx.order_fact(s, "pending order — repeating a failed procedure: ") for s in pending]
    return L1.card(
        ctx,
        indicator="warning" if pending else "info",
        summary="Failed stimulator trial and no surgical target: evaluate for an intrathecal pump; "
        "multidisciplinary care",
        why=why,
        gaps=list(a.gaps),
        next_steps=[
            "Intrathecal drug delivery evaluation: psychological evaluation, attempt to reduce systemic "
            "opioids, "
            "then an intrathecal trial (PACC 2024).",
            "Multidisciplinary pain management with CBT.",
            "Neurectomy only as a last resort.",
        ],
        avoid=[
            "Systemic opioid escalation.",
            f"Repeating the failed {_trial_kind(ctx, p)} or other failed procedures.",
        ],
        conflicts=[OPIOIDS, *NEUROPATHIC_AGENTS],
        suggestions=sx.neuromodulation_workup(
            ctx.term,
            patient_id=ctx.patient_id,
            reasons=ctx.reason_refs,
            referral_label="Refer to the pain service for intrathecal pump evaluation",
        ),
        selection_behavior="any",
        needs=("observations", "diagnosticReports"),
    )


def _baseline_before(ctx: PathwayContext, q: ProcedureFact) -> ObservationFact | None:
    """The pain score the procedure ``q`` began from, within the look-back (``failure.pain_before``)."""
    d = q.performed
    if d is None:
        return None
    since = d - timedelta(days=ctx.t.baseline_lookback_days)
    return pain_before(ctx.observations("pain", since=since, until=d), q)


@dataclass(frozen=True)
class LosingEffect:
    """A permanent stimulator whose relief is wearing off: the system, the pain before stimulation,
    the best score after the implant and the latest."""

    system: tuple[ProcedureFact, ...]
    baseline: ObservationFact | None
    best: ObservationFact
    latest: ObservationFact


def losing_effect(ctx: PathwayContext, *, current_only: bool = True) -> LosingEffect | None:
    """The latest score ≥ 2 points above the best since the implant, and < 50 % relief from the
    baseline before stimulation (when there is one); scores of one site compared (leg with leg: a
    back-pain score is not the leg pain coming back). The latest score must be current (taken within
    ``current_score_days``, as ``PathwayContext.current_score`` reads the pain now): a score from years
    ago does not say the stimulator is losing effect today. ``current_only=False`` reads the latest
    score of any age (what the record last showed, for a card that must not call the stimulator
    still helping when it last showed it failing)."""
    implants = ctx.scs_permanent
    if not implants or implants[-1].performed is None:
        return None
    t0 = implants[-1].performed
    system = tuple(q for q in implants if q.performed == t0)
    trials_before = [t for t in ctx.scs_trials if t.performed and t.performed <= t0]
    # the baseline is the pain before stimulation started (before the trial, else before the implant)
    baseline = _baseline_before(ctx, trials_before[0]) if trials_before else None
    if baseline is None:
        baseline = _baseline_before(ctx, system[0])
    after = like_baseline(ctx.observations("pain", since=t0 + timedelta(days=1)), baseline)
    if len(after) < 2:
        return None
    best = min(after[:-1], key=lambda o: o.value or 0)
    latest = after[-1]
    if latest.value is None or best.value is None:
        return None
    current_since = ctx.today - timedelta(days=ctx.t.current_score_days)
    if current_only and (latest.effective is None or latest.effective < current_since):
        return None
    risen = latest.value - best.value >= ctx.t.partial_delta_points
    if baseline is not None and baseline.value:
        relief_now = (baseline.value - latest.value) / baseline.value * 100
        risen = risen and relief_now < ctx.t.scs_trial_success_pct
    return LosingEffect(system, baseline, best, latest) if risen else None


def n3_losing_effect(ctx: PathwayContext, effect: LosingEffect) -> CardDraft:
    """N3 — implanted SCS losing effect.

    When: a permanent system (63685/63655, or a neurostimulator status code) and the pain score has
      risen back toward the pre-implant baseline (latest ≥ 2 points above the post-implant best and
      < 50 % relief from baseline), the latest score current (within ``current_score_days``).
    Then: info — interrogation and reprogramming, radiographs for lead migration, re-evaluation for new
      pathology; NACC 2024 salvage options.
    Evidence: NACC 2024 (long-term outcome optimisation and salvage).
    """
    system, baseline, best, latest = effect.system, effect.baseline, effect.best, effect.latest
    why = [
        ctx.proc_fact(system[0], " (permanent stimulator)"),
        Fact(
            f"pain {best.value:g} on {best.effective} (best after implant) → {latest.value:g} on "
            f"{latest.effective}",
            best.ref,
            (latest.ref,),
        ),
    ]
    if baseline is not None:
        why.append(ctx.obs_fact(baseline, "before implant: "))
    why += [ctx.proc_fact(q, " (permanent stimulator)") for q in system[1:]]
    return N3.card(
        ctx,
        indicator="info",
        summary="Implanted spinal cord stimulator losing effect: interrogate and reprogram, check lead "
        "position",
        why=why,
        next_steps=[
            "Device interrogation and reprogramming (waveform, contacts).",
            "Radiographs for lead migration or fracture.",
            "Re-evaluate for new pathology (imaging if new neurological signs).",
            "NACC 2024 salvage options if reprogramming fails.",
        ],
        avoid=["Explant without troubleshooting.", "Opioid escalation."],
        suggestions=[
            sx.suggest(
                sx.PAIN_MANAGEMENT_REFERRAL,
                ctx.term,
                patient_id=ctx.patient_id,
                reasons=ctx.reason_refs,
                recommended=True,
                label="Refer to the pain service for stimulator interrogation and reprogramming",
            )
        ],
        needs=("observations",),
    )


def recent_enough_to_record(ctx: PathwayContext, a: Assessment) -> bool:
    age = ctx.days_since(a.procedure.performed)
    return age is None or age <= ctx.t.outcome_recall_days
