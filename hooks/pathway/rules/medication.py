"""M1–M3: cross-cutting medication cards for radicular pain (never beside a critical card).

M1 long-term opioid therapy; M2 gabapentinoid/TCA/SNRI with the evidence conflict shown; M3 oral
corticosteroids for sciatica. These cards never suggest starting any of these drugs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import MedicationFact
from hooks.mme import mme_factors
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.common import (
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    ORAL_STEROIDS,
    TOPIC_NEUROPATHIC,
    TOPIC_OPIOIDS,
    TOPIC_ORAL_STEROIDS,
    Rule,
)
from hooks.rule import WARNING
from hooks.text import NOT_ORAL_ROUTE
from hooks.thresholds import pct

M1 = Rule(
    "M1", "Long-term opioid therapy for radicular pain", TOPIC_OPIOIDS, ("cdc_opioids_2022", "nice_ng59"),
    indicators=WARNING,
)
M2 = Rule(
    "M2", "Gabapentinoid, TCA or SNRI for radicular pain", TOPIC_NEUROPATHIC,
    ("nice_ng59", "precise_2017", "khoromi_2007"),
)
M3 = Rule("M3", "Oral corticosteroids for sciatica", TOPIC_ORAL_STEROIDS, ("nice_ng59",))

# Medication runs closer together than this count as one continuous course.
CONTINUOUS_GAP_DAYS = 30


def _end(ctx: PathwayContext, m: MedicationFact) -> date:
    if m.end is not None:
        return min(m.end, ctx.today)
    return ctx.today if ctx.is_active_med(m) else (m.start or ctx.today)


def continuous_course_days(ctx: PathwayContext, meds: Sequence[MedicationFact]) -> int:
    """Length of the current continuous course (runs ≤ 30 days apart chained), 0 if none is active."""
    runs = sorted((m.start, _end(ctx, m)) for m in meds if m.start is not None)
    if not runs or not any(ctx.is_active_med(m) for m in meds):
        return 0
    start, end = runs[-1]
    for s, e in reversed(runs[:-1]):
        if e >= start - timedelta(days=CONTINUOUS_GAP_DAYS):
            start = min(start, s)
            end = max(end, e)
    return (min(end, ctx.today) - start).days + 1


def daily_mme(ctx: PathwayContext, meds: Sequence[MedicationFact]) -> float | None:
    """Total MME/day of the active opioids whose daily dose is stated, else None."""
    total, known = 0.0, False
    for m in meds:
        if not ctx.is_active_med(m) or m.daily_dose_mg is None:
            continue
        member = ctx.term.match("rx_opioids", (*m.ingredient_codings, *m.codings))
        factor = mme_factors()[0].get((member.display if member else "").lower())
        if factor is None:
            continue
        total += m.daily_dose_mg * factor
        known = True
    return total if known else None


def m1_long_term_opioids(ctx: PathwayContext) -> CardDraft | None:
    """M1 — long-term opioid therapy for radicular pain.

    When: a long-term-opioid or opioid-use-disorder code, or opioid prescriptions forming a continuous
      course of more than 90 days, or ≥ 50 MME/day, or a benzodiazepine co-prescription.
    Then: warning — reassess benefit and harm; taper when benefit does not outweigh harm (no abrupt
      stop); offer naloxone; avoid benzodiazepines. Seed 003: avoid prolonged opioids.
    Evidence: CDC 2022 (recommendations 5, 8, 11); NICE NG59 (no opioids for chronic sciatica).
    """
    opioids = ctx.medications("rx_opioids")
    active = [m for m in opioids if ctx.is_active_med(m)]
    markers = ctx.conditions("opioid_risk_conditions")
    days = continuous_course_days(ctx, opioids)
    mme = daily_mme(ctx, opioids)
    benzos = [m for m in ctx.medications("rx_benzodiazepines") if ctx.is_active_med(m)]
    long_term = days > ctx.t.long_term_opioid_days
    high = mme is not None and mme >= ctx.t.high_mme_per_day
    if not (markers or long_term or high or (active and benzos)):
        return None
    if not active and not markers:
        return None
    naloxone = [m for m in ctx.medications("order_naloxone") if ctx.is_active_med(m)]
    why = [ctx.med_fact(m) for m in active[:1]]
    why += [ctx.med_fact(m, "with benzodiazepine: ") for m in benzos]
    why += [ctx.cond_fact(c) for c in markers]
    if days:
        why.append(Fact(f"continuous opioid course of {days} days"))
    if mme is not None:
        why.append(Fact(f"{mme:.0f} MME/day (CDC 2022 conversion factors)"))
    why += [ctx.med_fact(m) for m in active[1:]]
    gaps = [] if mme is not None or not active else ["state the daily opioid dose to calculate MME/day"]
    steps = [
        "Reassess benefit (pain and function) against harm with the patient (CDC 2022).",
        "If benefit does not outweigh harm, taper gradually — do not stop abruptly.",
    ]
    if not naloxone:
        steps.append(
            "Offer naloxone"
            + (
                f" (≥ {ctx.t.high_mme_per_day:g} MME/day or benzodiazepine co-prescription)."
                if (high or benzos)
                else "."
            )
        )
    if benzos:
        steps.append("Avoid opioid + benzodiazepine co-prescription; plan to taper the benzodiazepine.")
    suggestions = []
    if not naloxone:
        suggestions.append(
            sx.suggest_medication(
                sx.NALOXONE, ctx.term, patient_id=ctx.patient_id, reasons=ctx.reason_refs, recommended=True
            )
        )
    return M1.card(
        ctx,
        indicator="warning",
        suggestions=suggestions,
        summary=(
            "Long-term opioids for radicular pain: reassess benefit and harm, taper if no benefit, "
            "offer naloxone"
            if long_term or markers
            else "High-risk opioid prescribing for radicular pain: reassess, avoid escalation, offer naloxone"
        ),
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=["Dose escalation.", "Adding extended-release opioids.", "Abrupt discontinuation."],
        conflicts=[OPIOIDS],
        needs=("medicationRequests", "medicationStatements"),
    )


def m2_neuropathic_agents(ctx: PathwayContext) -> CardDraft | None:
    """M2 — gabapentinoid, TCA or SNRI prescribed for radicular pain.

    When: an active gabapentin, pregabalin, nortriptyline, amitriptyline, duloxetine or venlafaxine
      (or another antiepileptic) prescription in a patient on the radicular pathway.
    Then: info — show the evidence conflict (§1.3); reassess benefit at 4–8 weeks; supervised taper if
      no ≥ 30 %/2-point improvement; warn about opioid + gabapentinoid respiratory depression. Never
      suggests starting or escalating these drugs.
    Evidence: NICE NG59 (2020); PRECISE (NEJM 2017); Khoromi 2007; seeds 000/001/004 (for).
    """
    meds = [
        m
        for m in ctx.medications(
            "rx_gabapentinoids", "rx_antidepressants_neuropathic", "rx_other_anticonvulsants"
        )
        if ctx.is_active_med(m)
    ]
    if not meds:
        return None
    why = [ctx.med_fact(m) for m in meds]
    first = min((m.start for m in meds if m.start), default=None)
    gaps = []
    if first is not None:
        before = ctx.observations(
            "pain", since=first - timedelta(days=ctx.t.baseline_lookback_days), until=first
        )
        after = ctx.observations("pain", since=first + timedelta(days=ctx.t.neuropathic_review_days))
        if before and after:
            b, a = before[-1], after[-1]
            why += [ctx.obs_fact(b, "pain before starting: "), ctx.obs_fact(a, "pain now: ")]
        else:
            gaps.append(
                f"record pain (NRS) now to judge the benefit of the medicine started {first.isoformat()}"
            )
    opioid_too = any(ctx.is_active_med(m) for m in ctx.medications("rx_opioids"))
    gaba = any(ctx.matches("rx_gabapentinoids", (*m.codings, *m.ingredient_codings)) for m in meds)
    steps = [
        f"Reassess benefit now; if there is no ≥ {pct(ctx.t.partial_relief_pct)} or "
        f"{ctx.t.partial_delta_points:g}-point improvement, plan a supervised taper.",
    ]
    if gaba and opioid_too:
        steps.append("Opioid + gabapentinoid: warn about respiratory depression and sedation; review both.")
    names = ", ".join(sorted({m.text for m in meds}))
    return M2.card(
        ctx,
        indicator="info",
        summary=f"Evidence conflict for {names[:60]} in sciatica: reassess benefit; taper if no "
        f"{pct(ctx.t.partial_relief_pct)} gain",
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=["Auto-recommending these drugs for sciatica.", "Dose escalation without benefit."],
        conflicts=[NEUROPATHIC_AGENTS],
        needs=("medicationRequests", "medicationStatements", "observations"),
    )


def is_oral(m: MedicationFact) -> bool:
    return not (m.route_text and NOT_ORAL_ROUTE.search(m.route_text))


def m3_oral_steroids(ctx: PathwayContext) -> CardDraft | None:
    """M3 — oral corticosteroids for sciatica.

    When: an oral prednisone, methylprednisolone, dexamethasone or prednisolone course active or started
      within the last 90 days.
    Then: info — NICE NG59 recommends against oral corticosteroids for sciatica (seed 002 lists them as
      an initial option); do not renew or repeat courses.
    Evidence: NICE NG59; seed 002.
    """
    since = ctx.today - timedelta(days=ctx.t.oral_steroid_recent_days)
    meds = [
        m
        for m in ctx.medications("rx_systemic_corticosteroids")
        if is_oral(m) and (ctx.is_active_med(m) or (m.start is not None and m.start >= since))
    ]
    if not meds:
        return None
    return M3.card(
        ctx,
        indicator="info",
        summary="Oral corticosteroid for sciatica: NICE NG59 advises against it; do not renew or repeat "
        "the course",
        why=[ctx.med_fact(m) for m in meds],
        next_steps=[
            "Let the current course finish; do not renew or repeat it.",
            "Prefer NSAIDs, activity and physiotherapy for radicular pain (NICE NG59).",
        ],
        avoid=["Renewing or repeating oral corticosteroid courses."],
        conflicts=[ORAL_STEROIDS],
        needs=("medicationRequests", "medicationStatements"),
    )


MEDICATION_RULES = (m1_long_term_opioids, m2_neuropathic_agents, m3_oral_steroids)
