"""M1–M3: cross-cutting medication cards for radicular pain (never beside a critical card).

M1 long-term opioid therapy; M2 gabapentinoid/TCA/SNRI with the evidence conflict shown; M3 oral
corticosteroids for sciatica. These cards never suggest starting any of these drugs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact
from hooks.clinical_drugs import MmeResult
from hooks.conflicts import GABAPENTINOIDS, NEUROPATHIC_ANTIDEPRESSANTS
from hooks.facts import ConditionFact, MedicationFact
from hooks.mme import dose_mme
from hooks.pathway.context import ENDED_MED_STATUSES, PathwayContext
from hooks.pathway.pregnancy import NSAID_WEEKS
from hooks.pathway.rules.acute import (
    BLEEDING_SETS,
    ingredient_name,
    nsaid_caution,
    nsaid_evidence,
    nsaid_harms,
)
from hooks.pathway.rules.common import (
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    ORAL_STEROIDS,
    TOPIC_NEUROPATHIC,
    TOPIC_NSAIDS,
    TOPIC_OPIOIDS,
    TOPIC_ORAL_STEROIDS,
    Rule,
)
from hooks.rule import INFO_OR_WARNING, WARNING
from hooks.terminology import Coding
from hooks.text import DEPOT_STEROID, NOT_ORAL_ROUTE, TOPICAL
from hooks.thresholds import pct, span

M1 = Rule(
    "M1",
    "Long-term opioid therapy for radicular pain",
    TOPIC_OPIOIDS,
    ("cdc_opioids_2022", "nice_ng59"),
    indicators=INFO_OR_WARNING,
)
M4 = Rule(
    "M4",
    "Treatment for opioid use disorder: continue and coordinate",
    TOPIC_OPIOIDS,
    ("cdc_opioids_2022",),
    indicators=INFO_OR_WARNING,
)
M2 = Rule(
    "M2",
    "Gabapentinoid, TCA or SNRI for radicular pain",
    TOPIC_NEUROPATHIC,
    ("nice_ng59", "precise_2017", "khoromi_2007"),
)
M2_ANTIEPILEPTIC_TITLE = "Antiepileptic for radicular pain"
M3 = Rule("M3", "Oral corticosteroids for sciatica", TOPIC_ORAL_STEROIDS, ("nice_ng59",))
M5 = Rule(
    "M5",
    "NSAID taken with a bleeding, kidney, ulcer or heart-failure risk",
    TOPIC_NSAIDS,
    ("kdigo_ckd_2012", "acg_nsaid_ulcer_2009", "aha_hf_2022", "nice_ng59"),
    indicators=WARNING,
)

# Conditions a benzodiazepine is prescribed for that make it not the drug to taper beside an opioid
# (epilepsy and seizures ...), the antiepileptics' other indications; and the words that say seizures.
BENZODIAZEPINE_INDICATIONS = ("antiepileptic_other_indications",)
SEIZURE_WORDS = re.compile(r"epilep|seizure|convuls", re.IGNORECASE)

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


def opioid_mme(ctx: PathwayContext, m: MedicationFact) -> MmeResult:
    """MME/day of one opioid prescription (a dose in mg, mcg/h for a patch, or tablets, mL or patches
    of an RxNorm clinical drug), or why it cannot be computed (``hooks.mme.dose_mme``)."""
    codings = (*m.codings, *m.ingredient_codings)
    member = ctx.term.match("rx_opioids", codings)
    if member is None:
        return MmeResult(None, reason=f"{m.text} is not a recognised opioid")
    return dose_mme(member.display.lower(), codings, m.text, m.doses, m.daily_dose_mg)


def prescription_key(codings: Iterable[Coding], text: str, mme: float) -> tuple[object, ...]:
    """What makes two opioid orders one prescription written twice (a renewal beside the order it
    renews, both still active): the same codes, the same words and the same MME/day. Anything that
    differs (another strength, an extended-release form, a second drug) keeps them apart."""
    return (frozenset((c.system, c.code) for c in codings), " ".join(text.lower().split()), round(mme, 2))


def counted_opioids(ctx: PathwayContext, meds: Sequence[MedicationFact]) -> dict[MedicationFact, float]:
    """The active opioids whose MME/day can be computed, with it; of one prescription written twice
    (``prescription_key``) the latest only: a renewal is not a second dose. An order another active
    one replaces (its ``priorPrescription``: a dose change) is not counted either, nor one stopped
    (its supply still running) beside a newer order of the same drug still in force."""
    active = [m for m in meds if ctx.is_active_med(m)]
    # a replacement counts once it is in effect: signed (not a draft or proposal) and started
    in_effect = [m for m in active if _in_effect(ctx, m)]
    replaced = {m.replaces for m in in_effect if m.replaces}
    # an order stopped (its supply still running) beside a newer order of the same drug still in
    # force: the dose was changed, and the newer order is the dose taken
    replaced |= {
        m.ref for m in active
        if m.status in ENDED_MED_STATUSES and any(
            n is not m and n.status not in ENDED_MED_STATUSES and ctx.same_drug(m, n)
            and (m.start is None or (n.start is not None and n.start >= m.start))
            for n in in_effect
        )
    }  # fmt: skip
    kept: dict[tuple[object, ...], tuple[MedicationFact, float]] = {}
    for m in sorted(active, key=lambda m: m.start or date.min, reverse=True):
        if m.ref not in replaced and (r := opioid_mme(ctx, m).mme_per_day) is not None:
            kept.setdefault(prescription_key(m.codings, m.text, r), (m, r))
    return dict(kept.values())


def _in_effect(ctx: PathwayContext, m: MedicationFact) -> bool:
    """A prescription that is being taken now: not a draft or a proposal, and started by today."""
    signed = m.status != "draft" and m.intent not in ("proposal", "plan")
    return signed and (m.start is None or m.start <= ctx.today)


def daily_mme(ctx: PathwayContext, meds: Sequence[MedicationFact]) -> float | None:
    """Total MME/day of the active opioids whose MME/day can be computed (``counted_opioids``), else
    None."""
    known = counted_opioids(ctx, meds)
    return round(sum(known.values()), 2) if known else None


def _no_opioid_taken(
    ctx: PathwayContext,
    opioids: Sequence[MedicationFact],
    active: Sequence[MedicationFact],
    markers: Sequence[ConditionFact],
) -> tuple[bool, CardDraft | None]:
    """Whether M1 is decided with no opioid current, and its note: an opioid order still marked
    active but stale (an old MOUD order is M4's note: confirm it, never close it), or a long-term-use
    code beside opioid records that all ended long ago (the problem list lags). Not decided here: an
    opioid is current, or a long-term-use code with no ended record to read it against."""
    if active:
        return False, None
    if not markers:
        stale = [m for m in ctx.stale_orders("rx_opioids") if not ctx.is_moud(m)]
        return True, stale_order_note(M1, ctx, stale, "opioid") if stale else None
    last = _last_opioid_ended(ctx, opioids)
    return (True, _stale_marker_note(ctx, markers, last)) if last is not None else (False, None)


def _last_opioid_ended(ctx: PathwayContext, opioids: Sequence[MedicationFact]) -> MedicationFact | None:
    """The latest-ending opioid prescription (not MOUD) when every one on record ended more than
    ``long_term_opioid_days`` ago, else None (none on record, one undated, or one ended since)."""
    pain = [m for m in opioids if not ctx.is_moud(m) and m.status not in ("entered-in-error", "draft")]
    if not pain or any(m.end is None and m.status not in ENDED_MED_STATUSES for m in pain):
        return None
    if any((m.end or m.start) is None for m in pain):
        return None
    last = max(pain, key=lambda m: m.end or m.start or date.min)
    when = last.end or last.start or date.min
    return last if (ctx.today - when).days > ctx.t.long_term_opioid_days else None


def _stale_marker_note(
    ctx: PathwayContext, markers: Sequence[ConditionFact], last: MedicationFact
) -> CardDraft:
    """Info: a long-term opioid use code still active, the last opioid prescription ended long ago."""
    ended = last.end or last.start
    return M1.card(
        ctx,
        indicator="info",
        summary=f"Long-term opioid use still coded, but no opioid prescribed since {ended}: confirm and "
        "update the problem list",
        why=[*(ctx.cond_fact(c) for c in markers), ctx.med_fact(last, "last opioid prescription: ")],
        next_steps=[
            "Confirm with the patient and pharmacy records whether an opioid is still taken (another "
            "prescriber, another system).",
            "If not, resolve the long-term opioid use entry so the problem list is accurate.",
        ],
        avoid=["Reading an old problem-list code as current opioid therapy."],
        needs=("medicationRequests", "medicationStatements", "conditions"),
    )


def _from_year(stale: Sequence[MedicationFact]) -> str:
    """ " from 2019": the year the oldest of ``stale`` was written, for a stale-order summary."""
    first = min((m.start for m in stale if m.start), default=None)
    return f" from {first.year}" if first else ""


def stale_order_note(
    rule: Rule, ctx: PathwayContext, stale: Sequence[MedicationFact], what: str
) -> CardDraft:
    """Info card for drug orders still marked active but too old to be current therapy: the record
    needs correcting, and the drug is not judged as if it were taken."""
    return rule.card(
        ctx,
        indicator="info",
        summary=f"Stale {what} order{_from_year(stale)} still marked active: confirm whether it is taken; "
        "not counted as current therapy",
        why=[ctx.stale_fact(m) for m in stale],
        gaps=[f"no {what} order, statement or fill in the last {span(ctx.t.stale_order_days)}"],
        next_steps=[
            "Confirm with the patient and pharmacy records whether the drug is still taken.",
            "Close or update the order so the medication list is accurate.",
        ],
        avoid=["Counting an unconfirmed old order as current therapy."],
        needs=("medicationRequests", "medicationStatements"),
    )


def _stale_moud_note(ctx: PathwayContext, stale: Sequence[MedicationFact]) -> CardDraft:
    """An old MOUD order with nothing newer: the record may lag (treatment programmes and clinics
    dispense outside the EHR), and stopping MOUD is harmful, so the note asks to confirm it with the
    prescriber, never to close it as an unused pain prescription."""
    return M4.card(
        ctx,
        indicator="info",
        summary=f"Treatment for opioid use disorder{_from_year(stale)} with no newer record: confirm it with "
        "the MOUD "
        "prescriber; do not stop it",
        why=[*(ctx.stale_fact(m) for m in stale), *(ctx.cond_fact(c) for c in ctx.oud_conditions[:1])],
        gaps=[f"no MOUD order, statement or fill in the last {span(ctx.t.stale_order_days)}"],
        next_steps=[
            "Confirm the current MOUD prescription with the patient and the MOUD prescriber or treatment "
            "programme (or the prescription monitoring programme) and update the medication list "
            "(CDC 2022 recommendation 12).",
            "Plan any spine procedure and acute pain care with the MOUD prescriber.",
        ],
        avoid=["Closing or tapering MOUD as if it were an unused opioid order for pain."],
        needs=("medicationRequests", "medicationStatements"),
    )


def m4_moud(ctx: PathwayContext) -> CardDraft | None:
    """M4 — medication for opioid use disorder (decision model §7.2).

    When: current buprenorphine (sublingual/buccal, injection, with naloxone) or methadone with an
      opioid use disorder diagnosis or from a treatment programme, or naltrexone.
    Then: info (warning when a full-agonist opioid, a benzodiazepine or a gabapentinoid is also
      current) — continue MOUD; coordinate any procedure and the acute pain plan with the MOUD
      prescriber; no full-agonist opioid without that coordination; a sedative beside it named;
      naloxone offered unless rescue naloxone is on record (``PathwayContext.rescue_naloxone``).
      Replaces M1: MOUD is never long-term pain therapy to taper.
    Evidence: CDC 2022 (recommendation 12: offer or arrange treatment for OUD; do not discontinue;
      recommendation 8: naloxone with a benzodiazepine or a substance use disorder; recommendation 11).
    """
    moud = ctx.moud
    if not moud:
        stale = [m for m in ctx.stale_orders("rx_moud") if ctx.is_moud(m)]
        return _stale_moud_note(ctx, stale) if stale else None
    agonists = [m for m in ctx.medications("rx_opioids") if ctx.is_active_med(m) and not ctx.is_moud(m)]
    benzos = [m for m in ctx.medications("rx_benzodiazepine_class") if ctx.is_active_med(m)]
    gabas = [m for m in ctx.medications("rx_gabapentinoids") if ctx.is_active_med(m)]
    why = [ctx.med_fact(m, "treatment for opioid use disorder: ") for m in moud]
    why += [ctx.med_fact(m, "full-agonist opioid as well: ") for m in agonists]
    why += [ctx.med_fact(m, "with benzodiazepine: ") for m in benzos]
    why += [ctx.med_fact(m, "with gabapentinoid: ") for m in gabas]
    why += [ctx.cond_fact(c) for c in ctx.oud_conditions[:1]]
    steps = [
        "Continue the treatment for opioid use disorder; plan any spine procedure and acute pain care "
        "with the MOUD prescriber (CDC 2022 recommendation 12).",
        "Do not taper or stop it as if it were long-term opioid therapy for pain.",
    ]
    if agonists:
        steps.insert(0, "Review the full-agonist opioid with the MOUD prescriber before any renewal.")
    sedatives = " and ".join(w for w, ms in (("benzodiazepine", benzos), ("gabapentinoid", gabas)) if ms)
    if sedatives:
        steps.insert(
            0 if not agonists else 1,
            f"Review the {sedatives} with the MOUD prescriber: with MOUD it adds sedation and overdose risk "
            "(CDC 2022 recommendation 11); never stop the MOUD to make room for it.",
        )
    # everyone treated for opioid use disorder is offered naloxone (CDC 2022 recommendation 8)
    naloxone = not ctx.rescue_naloxone
    if naloxone:
        steps.append("Offer naloxone (CDC 2022 recommendation 8).")
    if agonists:
        summary = (
            "Full-agonist opioid beside treatment for opioid use disorder: coordinate with the MOUD "
            "prescriber"
        )
    elif sedatives:
        summary = (
            f"On treatment for opioid use disorder with a {sedatives}: continue MOUD, review the "
            f"{sedatives}{', offer naloxone' if naloxone else ''}"
        )
    else:
        summary = (
            "On treatment for opioid use disorder: continue it; plan procedures and acute pain with the MOUD "
            "prescriber"
        )
    suggestions = (
        [sx.suggest_medication(sx.NALOXONE, ctx.term, patient_id=ctx.patient_id, reasons=ctx.reason_refs,
                               recommended=True)]
        if naloxone else []
    )  # fmt: skip
    return M4.card(
        ctx,
        indicator="warning" if agonists or sedatives else "info",
        summary=summary,
        why=why,
        next_steps=steps,
        avoid=[
            "Tapering or stopping MOUD as if it were long-term opioid therapy for pain.",
            "Adding full-agonist opioids without the MOUD prescriber.",
        ],
        suggestions=suggestions,
        needs=("medicationRequests", "medicationStatements"),
    )


def _stopped_benzo_step(stopped: list[MedicationFact], taper: list[MedicationFact]) -> list[str]:
    """With only a benzodiazepine its prescriber has stopped (its supply still running): the step that
    asks to confirm it is no longer taken, instead of a taper to plan."""
    if not stopped or taper:
        return []
    end = stopped[-1].end
    until = f" (supply to {end.isoformat()})" if end else ""
    return [
        f"The benzodiazepine was stopped{until}: confirm it is no longer taken beside the opioid (CDC 2022 "
        "recommendation 11)."
    ]


def m1_long_term_opioids(ctx: PathwayContext) -> CardDraft | None:
    """M1 — long-term opioid therapy for radicular pain.

    When: a long-term-opioid code, or opioid prescriptions forming a continuous course of more than
      90 days, or ≥ 50 MME/day, or a benzodiazepine or gabapentinoid co-prescription (a
      gabapentinoid for sciatica also draws M2, merged with this card), or an opioid with an opioid
      use disorder diagnosis; never for a patient on MOUD (M4 speaks instead). An opioid order still
      marked active but stale (``stale_order_days``, nothing newer) is not current: an info note names it.
      So is a long-term-use code beside opioid prescriptions that all ended more than
      ``long_term_opioid_days`` ago: an info note asks to confirm and update the problem list.
    Then: warning — reassess benefit and harm; taper when benefit does not outweigh harm (no abrupt
      stop); offer naloxone; avoid benzodiazepines and prolonged opioids. A benzodiazepine its
      prescriber has stopped, its supply still running, is named as stopped: confirm it is no longer
      taken, no taper to plan.
    Evidence: CDC 2022 (recommendations 5, 8, 11, 12); NICE NG59 (no opioids for chronic sciatica).
    """
    if ctx.moud:
        return None
    opioids = ctx.medications("rx_opioids")
    active = [m for m in opioids if ctx.is_active_med(m)]
    oud = ctx.oud_conditions
    markers = [c for c in ctx.conditions("opioid_risk_conditions") if c not in oud]
    days = continuous_course_days(ctx, opioids)
    mme = daily_mme(ctx, opioids)
    benzos = [m for m in ctx.medications("rx_benzodiazepine_class") if ctx.is_active_med(m)]
    # a benzodiazepine another condition needs (epilepsy ...) is not the drug to taper (CDC 2022 rec 11)
    kept = {m.ref: f for m in benzos if (f := ctx.other_indication(m, *BENZODIAZEPINE_INDICATIONS))}
    # one its prescriber has stopped, its supply still running (``is_active_med``): no taper to plan,
    # but the combination lasts while the tablets do
    stopped = [m for m in benzos if m.status in ENDED_MED_STATUSES and m.ref not in kept]
    # a gabapentinoid with an opioid, whatever it is for: respiratory depression (FDA 2019; CDC 2022
    # recommendation 11). M2 says what it says of a gabapentinoid for sciatica beside this card.
    gabas = [m for m in ctx.medications("rx_gabapentinoids") if ctx.is_active_med(m)]
    long_term = days > ctx.t.long_term_opioid_days
    high = mme is not None and mme >= ctx.t.high_mme_per_day
    ended, note = _no_opioid_taken(ctx, opioids, active, markers)
    if ended:
        return note
    if not (markers or long_term or high or (active and (benzos or gabas or oud))):
        return None
    naloxone = list(ctx.rescue_naloxone)
    # of one prescription written twice (an order and its renewal, both active) the latest counts
    counted = counted_opioids(ctx, opioids)
    twice = [m for m in active if m not in counted and opioid_mme(ctx, m).mme_per_day is not None]
    distinct = [m for m in active if m not in twice]
    verb = "is" if len(twice) == 1 else "are"
    once = (
        f"; {', '.join(m.ref for m in twice)} {verb} a prescription written again, counted once"
        if twice
        else ""
    )
    why = [ctx.med_fact(m) for m in distinct[:1]]
    # the dose decides the card when it is high, and with a benzodiazepine (the combination's risk
    # rises with it): then it is said on the opioid's own line, among the facts the card shows
    dose_first = mme is not None and bool(active) and (high or bool(benzos))
    if dose_first and mme is not None:
        if len(distinct) == 1:
            first = why[0]
            why[0] = replace(
                first,
                text=f"{first.text}; {mme:.0f} MME/day (CDC 2022 conversion factors{once})",
                short=f"{first.brief}: {mme:.0f} MME/day",
            )
        else:  # the day's dose across several opioid orders: its own line, next to the first
            why.append(
                Fact(
                    f"{mme:.0f} MME/day in total (CDC 2022 conversion factors{once})",
                    short=f"{mme:.0f} MME/day in total",
                )
            )
    why += [ctx.med_fact(m, "with benzodiazepine (stopped): " if m in stopped else "with benzodiazepine: ")
            for m in benzos]  # fmt: skip
    why += list(kept.values())
    why += [ctx.med_fact(m, "with gabapentinoid: ") for m in gabas]
    why += [ctx.med_fact(m, "naltrexone blocks opioid analgesia: ") for m in ctx.naltrexone_not_moud]
    why += [ctx.cond_fact(c) for c in (*markers, *oud)]
    if days:
        # "731 days" read as about 2 years: the span a clinician says, the days kept in brackets
        why.append(Fact(f"continuous opioid course of {span(days, exact=False)} ({days} days)"))
    if mme is not None and not dose_first:
        why.append(Fact(f"{mme:.0f} MME/day (CDC 2022 conversion factors)"))
    why += [ctx.med_fact(m) for m in (*distinct[1:], *twice)]
    # an opioid whose MME/day cannot be computed: why, when its dose is recorded; a gap when it is not
    unknown = [(m, r) for m in active if (r := opioid_mme(ctx, m)).mme_per_day is None]
    why += [
        Fact(
            f"MME/day of {m.text} not computed: {r.reason}",
            m.ref,
            # what the line means first, so a shortened line still says it
            short=f"{m.text}: MME/day not computed{' (no CDC 2022 factor)' if r.no_factor else ''}",
        )
        for m, r in unknown
        if r.no_factor or any(d.value is not None for d in m.doses)
    ]
    # a drug with no CDC factor (buprenorphine) is no missing dose: its line above says why
    undosed = [m for m, r in unknown if not r.no_factor and not any(d.value is not None for d in m.doses)]
    gaps = ["the daily opioid dose (needed for MME/day)"] if undosed else []
    steps = [
        "Reassess benefit (pain and function) against harm with the patient (CDC 2022).",
        "If benefit does not outweigh harm, taper gradually — do not stop abruptly.",
    ]
    taper = [m for m in benzos if m.ref not in kept and m not in stopped]
    steps[:0] = _stopped_benzo_step(stopped, taper)
    if kept:
        seizures = any(SEIZURE_WORDS.search(f.text) for f in kept.values())
        steps.insert(
            0,
            "Do not taper the benzodiazepine without its prescriber"
            + (" (neurology): withdrawing it can provoke seizures" if seizures else "")
            + "; reassess and reduce the opioid instead (CDC 2022 recommendation 11).",
        )
    if taper:
        # CDC 2022 recommendation 11: the combination is the card's first point, not a late step
        steps.insert(
            0,
            "Avoid the opioid + benzodiazepine combination (CDC 2022 recommendation 11): plan a gradual "
            "taper, usually of the benzodiazepine, and reassess the opioid's benefit and harm.",
        )
    if gabas:
        steps.append(
            "Opioid + gabapentinoid: watch for respiratory depression and sedation (CDC 2022 "
            "recommendation 11); keep the opioid dose lowest."
        )
    if ctx.naltrexone_not_moud:
        steps.append("Naltrexone blocks opioid analgesia: review the opioid with the naltrexone prescriber.")
    risks = [
        *([f"≥ {ctx.t.high_mme_per_day:g} MME/day"] if high else []),
        *(["benzodiazepine"] if benzos else []),
        *(["gabapentinoid"] if gabas else []),
    ]
    if not naloxone:
        steps.append(
            "Offer naloxone"
            + (f" ({' or '.join(risks)}{' co-prescription' if benzos or gabas else ''})." if risks else ".")
        )
    if oud:
        steps.append("Opioid use disorder on record: offer or arrange its treatment (CDC 2022 rec. 12).")
    suggestions = []
    if not naloxone:
        suggestions.append(
            sx.suggest_medication(
                sx.NALOXONE, ctx.term, patient_id=ctx.patient_id, reasons=ctx.reason_refs, recommended=True
            )
        )
    summary = _m1_summary(
        taper=bool(taper), kept=bool(kept), stopped=bool(stopped),
        long_term=bool(long_term or markers or oud), high=bool(high), naloxone_on_hand=bool(naloxone),
    )  # fmt: skip
    return M1.card(
        ctx,
        indicator="warning",
        suggestions=suggestions,
        summary=summary,
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=["Dose escalation.", "Adding extended-release opioids.", "Abrupt discontinuation."],
        conflicts=[OPIOIDS],
        needs=("medicationRequests", "medicationStatements"),
    )


def _m1_summary(
    *, taper: bool, kept: bool, stopped: bool, long_term: bool, high: bool, naloxone_on_hand: bool
) -> str:
    """M1's summary, by what decides the card first; "offer naloxone" only when none is on hand, and
    said second, so that a merged card, whose summary keeps the lead's first clauses beside what else
    it carries, never drops it before a taper step."""
    head, first, *steps = (
        ("Opioid with a benzodiazepine", "avoid the combination (CDC 2022)", "taper the benzodiazepine",
         "reassess the opioid")
        if taper
        else ("Opioid with a benzodiazepine another condition needs",
              "do not taper it without its prescriber", "reassess the opioid")
        if kept
        else ("Opioid with a benzodiazepine just stopped", "confirm it is no longer taken",
              "reassess the opioid")
        if stopped
        else ("Long-term opioids for radicular pain", "reassess benefit and harm", "taper if no benefit")
        if long_term
        else ("High-risk opioid prescribing for radicular pain", "reassess", "avoid escalation")
        if high
        else ("Opioid with a gabapentinoid", "risk of respiratory depression (CDC 2022)",
              "reassess the opioid")
    )  # fmt: skip
    clauses = [first, *([] if naloxone_on_hand else ["offer naloxone"]), *steps]
    return f"{head}: {', '.join(clauses)}"


NEUROPATHIC_SETS = ("rx_gabapentinoids", "rx_antidepressants_neuropathic", "rx_other_anticonvulsants")
CONTESTED_SETS = NEUROPATHIC_SETS[:2]  # the classes some guidelines list for neuropathic pain
# The trial each contested class's evidence conflict cites: a source only on a card for that class.
CLASS_TRIALS = (("precise_2017", GABAPENTINOIDS), ("khoromi_2007", NEUROPATHIC_ANTIDEPRESSANTS))
# What else each class is prescribed for (decision model §2 M2 row, §7 review).
ANTIDEPRESSANT_INDICATIONS = (
    "depressive_disorder_diagnoses",
    "anxiety_disorder_diagnoses",
    "ptsd_diagnoses",
    "neuropathic_agent_other_indications",
)
ANTIEPILEPTIC_INDICATIONS = ("antiepileptic_other_indications", "neuropathic_agent_other_indications")


def other_indication(ctx: PathwayContext, m: MedicationFact) -> Fact | None:
    """The indication other than sciatica that explains a neuropathic agent, if any."""
    if ctx.matches("rx_antidepressants_neuropathic", (*m.codings, *m.ingredient_codings)):
        return ctx.other_indication(m, *ANTIDEPRESSANT_INDICATIONS)
    return ctx.other_indication(m, *ANTIEPILEPTIC_INDICATIONS)


def _improved(ctx: PathwayContext, before: float, now: float) -> bool:
    """Pain fell by the partial-relief share (30 %) or the clinically important points (2)."""
    fall = before - now
    share = fall / before * 100 if before > 0 else 0.0
    return fall >= ctx.t.partial_delta_points or share >= ctx.t.partial_relief_pct


def m2_neuropathic_agents(ctx: PathwayContext) -> CardDraft | None:
    """M2 — gabapentinoid, TCA or SNRI prescribed for radicular pain.

    When: an active gabapentin, pregabalin, nortriptyline, amitriptyline, duloxetine or venlafaxine
      (or another antiepileptic) prescription in a patient on the radicular pathway, unless another
      indication explains it (its reasonCode/reasonReference or a current condition: epilepsy,
      trigeminal neuralgia, bipolar disorder, post-herpetic neuralgia, diabetic neuropathy,
      fibromyalgia, migraine; depression, anxiety or PTSD for an antidepressant). A stale order
      (``stale_order_days``, nothing newer) is not current: an info note names it.
    Then: info — show the evidence conflict (§1.3); reassess benefit at 4–8 weeks (a medicine started
      less than 4 weeks ago: from that date, not now), the pain now a score within
      ``current_score_days`` (an older one is not "now": the card asks for a current score);
      supervised taper if no ≥ 30 %/2-point improvement; warn about opioid + gabapentinoid
      respiratory depression. Never suggests starting or escalating these drugs.
    Evidence: NICE NG59 (2020); PRECISE (NEJM 2017) on a gabapentinoid's card, Khoromi 2007 on an
      antidepressant's, each with its class's disagreement (NICE CG173 for); neither on an
      antiepileptic's.
    """
    current = [m for m in ctx.medications(*NEUROPATHIC_SETS) if ctx.is_active_med(m)]
    meds = [m for m in current if other_indication(ctx, m) is None]
    if not meds:
        stale = [] if current else ctx.stale_orders(*NEUROPATHIC_SETS)
        return stale_order_note(M2, ctx, stale, "neuropathic-agent") if stale else None
    why = [ctx.med_fact(m) for m in meds]
    first = min((m.start for m in meds if m.start), default=None)
    # benefit is judged from 4 weeks after starting, not before
    review = None if first is None else first + timedelta(days=ctx.t.neuropathic_review_days)
    too_early = review is not None and review > ctx.today
    gaps = []
    scores: tuple[float, float] | None = None  # pain (before, now) when both are on record
    no_gain: tuple[float, float] | None = None  # the same when they show no improvement
    if first is not None and not too_early:
        before = ctx.observations(
            "pain", since=first - timedelta(days=ctx.t.baseline_lookback_days), until=first
        )
        # "now" is a current score (``current_score_days``, as ``PathwayContext.current_score``
        # reads it): a score from years ago judges no benefit today; the card asks for one instead
        current_since = ctx.today - timedelta(days=ctx.t.current_score_days)
        judged_from = first + timedelta(days=ctx.t.neuropathic_review_days)
        after = ctx.observations("pain", since=max(judged_from, current_since))
        if before and after:
            b, a = before[-1], after[-1]
            before_fact, now_fact = ctx.obs_fact(b, "pain before starting: "), ctx.obs_fact(a, "pain now: ")
            # one line for the pair: the change is what decides the card, and it leaves room for the
            # step and the disagreement
            change = (
                f"pain {b.value:g} → {a.value:g}/10 since starting ({b.effective} → {a.effective})"
                if b.value is not None and a.value is not None and b.effective and a.effective
                else None
            )
            why.append(Fact(f"{before_fact.text}; {now_fact.text}", b.ref, (a.ref,), short=change))
            if b.value is not None and a.value is not None:
                scores = (b.value, a.value)
                no_gain = None if _improved(ctx, *scores) else scores
        elif not after:
            gaps.append(
                f"record pain (NRS) now to judge the benefit of the medicine started {first.isoformat()}"
            )
        else:
            # a score now but none before: the benefit has no baseline to be measured against
            gaps.append(
                f"no pain score (NRS) in the {ctx.t.baseline_lookback_days} days before the medicine started "
                f"on {first.isoformat()}: ask how the pain has changed since"
            )
    opioid_too = any(ctx.is_active_med(m) for m in ctx.medications("rx_opioids"))
    gaba = any(ctx.matches("rx_gabapentinoids", (*m.codings, *m.ingredient_codings)) for m in meds)
    # the disagreements and trials about the classes the patient takes: a carbamazepine card cites
    # no pregabalin or nortriptyline trial, and no source is "for" it in sciatica (hooks.conflicts)
    disputed = [
        c
        for c in NEUROPATHIC_AGENTS
        if any(ctx.matches(vs, (*m.codings, *m.ingredient_codings)) for m in meds for vs in c.medications)
    ]
    # the threshold in brackets: a card short of room drops it and keeps the taper
    improvement = f"improvement (≥ {pct(ctx.t.partial_relief_pct)} or {ctx.t.partial_delta_points:g} points)"
    if too_early and review is not None:
        steps = [
            f"Reassess benefit from {review.isoformat()}, {span(ctx.t.neuropathic_review_days)} after "
            f"starting; plan a supervised taper if there is then no {improvement}.",
        ]
    elif no_gain is not None:  # the scores already answer the question the review would ask
        steps = [
            f"Plan a supervised taper with the patient: no {improvement} since starting (pain "
            f"{no_gain[0]:g} → {no_gain[1]:g})."
        ]
    elif scores is not None:
        steps = [
            f"Continue it only while the benefit lasts (pain {scores[0]:g} → {scores[1]:g} since starting), "
            "reassessing it at each review."
        ]
    else:
        steps = [f"Reassess benefit now; plan a supervised taper if there is no {improvement}."]
    if gaba and opioid_too:
        steps.append("Opioid + gabapentinoid: warn about respiratory depression and sedation; review both.")
    names = ", ".join(sorted({m.text for m in meds}))
    contested = any(
        ctx.matches(vs, (*m.codings, *m.ingredient_codings)) for m in meds for vs in CONTESTED_SETS
    )
    # worded as the evidence conflicts are (hooks.conflicts.GABAPENTINOIDS and NEUROPATHIC_ANTIDEPRESSANTS):
    # NICE NG59 says do not offer gabapentinoids or other antiepileptics for sciatica and PRECISE 2017
    # found pregabalin no better than placebo; for the antidepressants no trial shows benefit in sciatica
    verdict = (
        "NICE NG59 advises against; pregabalin failed in PRECISE 2017"
        if gaba
        else "benefit unproven"
        if contested
        else "NICE NG59 advises against antiepileptics"
    )
    if len(names) > 45:  # the drug names give way before the verdict and the next step
        names = names[:44].rsplit(" ", 1)[0] + "…"
    draft = M2.card(
        ctx,
        indicator="info",
        summary=f"{names} for sciatica: {verdict}; "
        + (
            "no gain since starting: plan a taper"
            if no_gain is not None
            else "pain improved: continue while it helps"
            if scores is not None
            else f"reassess, taper if no {pct(ctx.t.partial_relief_pct)} gain"
        ),
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=["Auto-recommending these drugs for sciatica.", "Dose escalation without benefit."],
        conflicts=disputed,
        # PRECISE 2017 tested pregabalin, Khoromi 2007 nortriptyline: each a source only for its class
        without_evidence=tuple(key for key, c in CLASS_TRIALS if c not in disputed),
        needs=("medicationRequests", "medicationStatements", "observations"),
    )
    # an antiepileptic other than a gabapentinoid is named for what it is, not as a contested class
    return draft if contested else replace(draft, title=M2_ANTIEPILEPTIC_TITLE)


def is_oral(m: MedicationFact, ctx: PathwayContext | None = None) -> bool:
    """Taken by mouth: no injection, epidural or other non-oral route, dose form or depot product named
    (decision model §7.6: an epidural or injected steroid is not an oral corticosteroid course)."""
    words = " ".join(filter(None, (m.route_text, m.text, m.dose_text, m.dose_form_text)))
    if NOT_ORAL_ROUTE.search(words) or DEPOT_STEROID.search(words):
        return False
    return not (ctx is not None and ctx.matches("parenteral_dose_forms", m.dose_form))


# A reason named as back pain in words (a display such as "Low back pain, unspecified").
BACK_PAIN_WORDS = re.compile(r"back pain|lumbago|lumbar|sciatica|radicul", re.IGNORECASE)


def prescribed_for_something_else(ctx: PathwayContext, m: MedicationFact) -> bool:
    """A stated reason (reasonCode, or a referenced Condition) that is not the spine: a burst for an
    asthma or COPD exacerbation is no course for sciatica; one for low back pain or a lumbar disc
    still is the course M3 is about."""
    referenced = [c for c in ctx.history.conditions if c.ref in m.reason_refs]
    reasons = (*m.reason, *(x for c in referenced for x in c.codings))
    if not reasons and not referenced:
        return False
    spinal = (
        "lumbar_radiculopathy_conditions",
        "lumbar_disc_displacement_without_radiculopathy",
        "lumbar_spinal_stenosis",
    )
    back = any(ctx.matches(vs, reasons) for vs in spinal) or any(
        BACK_PAIN_WORDS.search(x.display or "") for x in reasons
    )
    return not back and not any(c in ctx.gate_conditions for c in referenced)


# What else a systemic corticosteroid is prescribed for, often long term (the order check reads the same).
STEROID_INDICATIONS = ("oral_steroid_other_indications",)


def m3_oral_steroids(ctx: PathwayContext) -> CardDraft | None:
    """M3 — oral corticosteroids for sciatica.

    When: an oral prednisone, methylprednisolone, dexamethasone or prednisolone course active or started
      within the last 90 days. Injected and epidural corticosteroids (route, dose form or product
      name) are not oral courses.
    Then: info — NICE NG59 recommends against oral corticosteroids for sciatica (a trial of oral prednisone,
      Goldberg JAMA 2015, found a modest gain in function); do not renew or repeat courses.
      Not for a corticosteroid prescribed for something else (``oral_steroid_other_indications``:
      rheumatoid arthritis, polymyalgia rheumatica, adrenal insufficiency, recorded long-term steroid
      use ..., as its reason or current), nor for one taken longer than a course (started more than
      ``oral_steroid_recent_days`` ago and not ended): stopping long-term glucocorticoids risks adrenal
      crisis, as the order check says.
    Evidence: NICE NG59; Goldberg JAMA 2015.
    """
    since = ctx.today - timedelta(days=ctx.t.oral_steroid_recent_days)
    meds = [
        m
        for m in ctx.medications("rx_systemic_corticosteroids")
        if is_oral(m, ctx)
        and (ctx.is_active_med(m) or (m.start is not None and m.start >= since))
        and not (m.start is not None and m.start < since and m.end is None)
        and ctx.other_indication(m, *STEROID_INDICATIONS) is None
        and not prescribed_for_something_else(ctx, m)
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
            "Prefer NSAIDs, activity and physiotherapy for radicular pain (NICE NG59)."
            if (caution := nsaid_caution(ctx)) is None
            else f"Prefer activity and physiotherapy for radicular pain (NICE NG59); {caution}.",
        ],
        avoid=["Renewing or repeating oral corticosteroid courses."],
        conflicts=[ORAL_STEROIDS],
        extra_evidence=nsaid_evidence(ctx),
        needs=("medicationRequests", "medicationStatements"),
    )


def m5_nsaid_harm(ctx: PathwayContext) -> CardDraft | None:
    """M5 — an NSAID taken now by a patient whose record rules one out.

    When: an NSAID (``rx_nsaids``) is taken by mouth now: current (``is_active_med``), not stopped or
      completed, not aspirin at an antiplatelet dose, not injected (a dose in clinic is judged at
      order time) nor put on the skin, and a MedicationStatement of it confirmed or begun within
      ``stale_order_days``; beside an anticoagulant or an antiplatelet other than aspirin
      (``BLEEDING_SETS``), a second NSAID, or what ``acute.nsaid_harms`` finds: the latest eGFR of the
      past year below 30 mL/min/1.73 m², chronic kidney disease stage 4-5 or dialysis, a peptic ulcer
      or upper GI bleed, heart failure.
    Then: warning naming the NSAID and each finding with its date: review it with its prescriber and
      stop it. No suggestion: stopping a prescription is the prescriber's. At any age (drug safety).
    Evidence: KDIGO 2012; ACG 2009; AHA/ACC/HFSA 2022 (the findings' guidelines, those on the card);
      NICE NG59 (weigh GI, liver and cardio-renal toxicity).
    """
    since = ctx.today - timedelta(days=ctx.t.stale_order_days)
    nsaids = [
        m
        for m in ctx.medications("rx_nsaids")
        if ctx.is_active_med(m)
        and m.status not in ENDED_MED_STATUSES
        and not ctx.is_antiplatelet_aspirin(m)
        and is_oral(m, ctx)
        and not TOPICAL.search(" ".join(filter(None, (m.route_text, m.text, m.dose_form_text))))
        and (m.resource_type != "MedicationStatement" or (m.asserted or m.start or date.min) >= since)
    ]
    if not nsaids:
        return None
    blood = [m for m in ctx.medications(*BLEEDING_SETS) if ctx.is_active_med(m)]
    harms = nsaid_harms(ctx)
    cited = {h.evidence for h in harms}
    drugs = list(dict.fromkeys(ingredient_name(ctx, m, ("rx_nsaids",)) for m in nsaids))
    if not blood and not harms and len(drugs) < 2:
        return None
    names = " and ".join(drugs)
    partners = list(dict.fromkeys(ingredient_name(ctx, m, BLEEDING_SETS) for m in blood))
    found = list(dict.fromkeys((*partners, *(h.short for h in harms))))
    reasons = [f"{', '.join(partners)} (serious bleeding)"] if blood else []
    reasons += list(dict.fromkeys(f"{h.short} ({h.cite}: {h.harm})" for h in harms))
    two = len(drugs) > 1
    # from 20 weeks of pregnancy, or with the weeks unknown, no NSAID is the advice (FDA 2020): the
    # summary says the pregnancy with the drugs, and two NSAIDs are both stopped, not one
    pregnancy = ctx.pregnancy
    late = pregnancy is not None and not pregnancy.before_nsaid_weeks
    said = [f"taken with {'; '.join(reasons)}"] if reasons else []
    if two:
        said.append("two NSAIDs at once add GI and kidney harm (NICE NG59)")
    if late:
        said.append(f"NSAIDs are avoided from {NSAID_WEEKS} weeks of pregnancy (FDA 2020)")
    # two NSAIDs and nothing else: stop one; two with a finding that rules NSAIDs out: stop both
    stop_all = bool(reasons) or late
    who, what = ("their prescribers", "them" if stop_all else "one") if two else ("its prescriber", "it")
    avoid = f"Continuing {names} with {', '.join(found)}" if found else f"Taking {names} together"
    if late:
        avoid += f"; NSAIDs from {NSAID_WEEKS} weeks of pregnancy"
    return M5.card(
        ctx,
        indicator="warning",
        summary=_m5_summary(drugs, found, f" in pregnancy ({pregnancy.weeks})" if late and pregnancy else ""),
        why=[*(ctx.med_fact(m) for m in (*nsaids, *blood)), *(h.fact() for h in harms)],
        next_steps=[f"Review {names} with {who} and stop {what}: {'; '.join(said)}."],
        avoid=[f"{avoid}."],
        # the guidelines of the findings on this card, no other (read from the harms already in hand)
        without_evidence=tuple(k for k in M5.evidence if k != "nice_ng59" and k not in cited),
        needs=("medicationRequests", "medicationStatements", "conditions", "observations"),
    )


def _m5_summary(drugs: Sequence[str], found: Sequence[str], pregnant: str = "") -> str:
    """"<NSAID> with <findings>: review and stop it", naming as many findings as there is room for;
    two NSAIDs and nothing else: "<NSAID> and <NSAID> taken together: review and stop one".
    ``pregnant`` (" in pregnancy (27 weeks)", from 20 weeks or with the weeks unknown) follows the
    drugs, and two NSAIDs are then both stopped: "... taken together in pregnancy (27 weeks): review
    and stop them". Names too long for the summary (a drug known by its free text) are counted ("3
    NSAIDs"), and findings that leave no room are said by their kind: the recommendation is never cut
    off and the card always fits (the card's facts name every drug and finding)."""
    two = len(drugs) > 1
    stop = "them" if found or pregnant else "one"
    verb = f"review and stop {stop if two else 'it'}"
    candidates: list[str] = []
    for named in (" and ".join(drugs), f"{len(drugs)} NSAIDs" if two else "an NSAID"):
        head = f"{named[:1].upper()}{named[1:]}"
        if not found:
            candidates.append(f"{head} taken together{pregnant}: {verb}")
        for n in range(len(found), 0, -1):
            more = "" if n == len(found) else f" and {len(found) - n} more"
            candidates.append(f"{head}{pregnant} with {', '.join(found[:n])}{more}: {verb}")
        if found:
            kinds = "a bleeding, kidney, ulcer or heart-failure risk"
            candidates.append(f"{head}{pregnant} with {kinds}: {verb}")
    # the last resort leaves the pregnancy to the card's facts and first step; it always fits
    candidates.append(f"{'Two or more NSAIDs taken together' if two else 'An NSAID'}: {verb}")
    return next(c for c in candidates if len(c) <= SUMMARY_MAX)


MEDICATION_RULES = (m4_moud, m1_long_term_opioids, m5_nsaid_harm, m2_neuropathic_agents, m3_oral_steroids)


def any_age_drug_safety(ctx: PathwayContext) -> list[CardDraft]:
    """The medication cards a patient under the pathway's age still gets, as the order checks keep
    drug safety at any age: MOUD (M4), and an opioid taken with a benzodiazepine or a gabapentinoid
    (M1: respiratory depression whatever the age; FDA 2016 and 2019 warnings, CDC 2022
    recommendation 11). The long-term opioid review alone, and the neuropathic-agent and oral
    steroid advice, are the adult pathway's. An NSAID taken with what rules it out (M5) is drug safety
    at any age too."""
    cards = [c for c in (m4_moud(ctx), m5_nsaid_harm(ctx)) if c is not None]
    opioids = [m for m in ctx.medications("rx_opioids") if ctx.is_active_med(m) and not ctx.is_moud(m)]
    sedatives = [
        m for m in ctx.medications("rx_benzodiazepine_class", "rx_gabapentinoids") if ctx.is_active_med(m)
    ]
    if opioids and sedatives and (m1 := m1_long_term_opioids(ctx)) is not None:
        cards.append(m1)
    return cards
