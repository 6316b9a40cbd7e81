"""N1–N3 and L1: spinal cord (or DRG) stimulation trials and implants, and what comes after them.

Runs whenever stimulator Procedures exist (decision model §1.1.4). 63650 alone marks a trial; a
pulse generator (63685) or paddle (63655) marks a permanent system (§0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.facts import ObservationFact, ProcedureFact, ServiceRequestFact
from hooks.pathway.context import FAILED_OUTCOMES, PENDING_ORDER_STATUSES, PathwayContext
from hooks.pathway.failure import CONTRADICTED, Assessment, Modality, like_baseline, pain_before
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
    return "DRG stimulator trial" if ctx.is_drg(p) else "spinal cord stimulator trial"


def _capitalised(text: str) -> str:
    """The first letter upper case, the rest as written ("DRG stimulator trial", not "Drg ...")."""
    return text[:1].upper() + text[1:]


def _when(p: ProcedureFact) -> str:
    return p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")


def n1_trial_succeeded(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """N1 — SCS trial succeeded.

    When: the latest stimulator trial has outcome successful or ≥ 50 % NRS reduction, and no permanent
      system has been implanted since.
    Then: info — permanent implant (leads + pulse generator; a DRG system after a DRG trial). No repeat
      trial; no intrathecal pump. With no psychological evaluation on record (as the order check
      ``order.neuromod-psych-eval`` reads it, ``psych_evaluation_on_record``), the evaluation first:
      it is named, offered pre-selected, and the implant is offered after it, not pre-selected. An
      evaluation followed by a PHQ-9 item 9 answer of thoughts of self-harm (``superseded_evaluation``)
      clears no implant: the answer and the evaluation are named and a new evaluation asked for. With a
      compressive lesion concordant with the symptoms on imaging (or a recurrent herniation after
      surgery) and no surgical opinion on record, a surgical opinion first: stimulation before a
      surgical opinion is what F3 and S2 warn against, and the implant is not offered.
    Evidence: NACC 2014 (≥ 50 % trial relief; psychological evaluation before an implant); NICE TA159;
      NACC DRG 2019 for a DRG trial; NASS 2014 (surgical opinion for a concordant compressive lesion).
    """
    p = a.procedure
    drg = ctx.is_drg(p)
    target = surgical_target_unreviewed(ctx)
    if target:
        return _n1_surgical_opinion_first(ctx, a, target)
    evaluated = psych_evaluation_on_record(ctx)
    superseded = None if evaluated else superseded_evaluation(ctx)
    implant = ctx.offer(
        sx.DRG_PERMANENT if drg else sx.SCS_PERMANENT,
        reasons=ctx.reason_refs,
        recommended=evaluated,
    )
    trial = ctx.failure_facts(a)
    first = (
        "A new psychological evaluation before the permanent implant: thoughts of self-harm (PHQ-9 item 9) "
        "since the last one (NACC 2014)."
        if superseded
        else "Psychological evaluation before the permanent implant: none is on record (NACC 2014)."
    )
    return N1.card(
        ctx,
        indicator="info",
        summary=f"{_capitalised(_trial_kind(ctx, p))} on {_when(p)} succeeded "
        f"(≥ {pct(ctx.t.scs_trial_success_pct)} relief): proceed to "
        "permanent implant"
        + ("" if evaluated else f" after a{' new' if superseded else ''} psychological evaluation"),
        why=(
            [*trial]
            if evaluated
            else [trial[0], *(reversed(superseded) if superseded else [NO_PSYCH_EVALUATION]), *trial[1:]]
        ),
        gaps=list(a.gaps),
        next_steps=[
            *([] if evaluated else [first]),
            (
                "Permanent DRG stimulator implant (leads at the level of the trial with a pulse generator; "
                "NACC DRG 2019)."
                if drg
                else "Permanent stimulator implant (percutaneous or paddle leads with a pulse generator)."
            ),
            "Keep recording pain and function after implantation to track the response.",
        ],
        avoid=[
            *([] if evaluated else ["A permanent implant before the psychological evaluation."]),
            "A repeat trial.",
            "An intrathecal pump.",
        ],
        suggestions=(
            [implant]
            if evaluated
            else [ctx.offer(sx.PSYCHOLOGICAL_EVALUATION, reasons=ctx.reason_refs, recommended=True), implant]
        ),
        selection_behavior="at-most-one" if evaluated else "any",
        extra_evidence=("nacc_drg_2019",) if drg else (),
        needs=("observations",) if evaluated else ("observations", "serviceRequests", "encounters"),
    )


NO_PSYCH_EVALUATION = Fact(
    "no psychological evaluation on record (procedures, orders or visits)",
    short="no psychological evaluation on record",
)


def psych_evaluation_on_record(ctx: PathwayContext) -> bool:
    """A psychological evaluation that clears an implant on record or being arranged, read by the
    order check ``order.neuromod-psych-eval``'s own reader, so that N1 and the check on the implant it
    offers agree."""
    found = psych_evaluation_fact(ctx)
    return found is not None and found.standing in ("cleared", "arranged")


@dataclass(frozen=True)
class PsychStanding:
    """The psychological evaluation on record as a card names it ("Psychological evaluation before
    neuromodulation done 2026-08-01") and what it means for an implant (``PsychEvaluation.standing``:
    cleared, arranged, unsuitable, old)."""

    fact: Fact
    standing: str


def _evaluation_read(ctx: PathwayContext) -> tuple[PsychStanding, date | None] | None:
    """The psychological evaluation on record as the order check's own reader finds it, with the day
    it took place (None when undated or not yet done); None when there is none, or only one done so
    long ago that it is to be repeated."""
    # imported here: hooks.orders imports the pathway, so a module-level import would be circular
    from hooks.orders.checks.neuromodulation import psych_evaluation
    from hooks.orders.context import OrderContext

    found = psych_evaluation(OrderContext(ctx.inp))
    if found is None:
        return None
    standing = found.standing(ctx.today, ctx.t.psych_evaluation_recent_days)
    if standing == "old":
        return None
    named = "psych" in found.what.lower()  # "Psychiatric diagnostic evaluation done ..." says what it is
    fact = Fact(found.what if named else f"psychological evaluation: {found.what}", short=found.what)
    return PsychStanding(fact, standing), (found.on if found.done else None)


def self_harm_since(ctx: PathwayContext, on: date | None) -> ObservationFact | None:
    """The PHQ-9 item 9 answer beyond "Not at all" that the psychosocial card (Y1) asks a suicide risk
    assessment for today (``psychosocial.self_harm_answer``: the latest answer, recent), when it was
    given after the day ``on`` (a psychological evaluation's); None when there is none, or ``on`` is
    unknown. An evaluation that found the patient suitable before such an answer no longer clears an
    implant: what it judged has changed since."""
    # imported here: psychosocial imports this module
    from hooks.pathway.rules.psychosocial import self_harm_answer

    if on is None:
        return None
    answer = self_harm_answer(ctx)
    if answer is None or answer.effective is None or answer.effective <= on:
        return None
    return answer


def superseded_evaluation(ctx: PathwayContext) -> tuple[Fact, Fact] | None:
    """A psychological evaluation that found the patient suitable, followed by thoughts of self-harm
    on the PHQ-9 (``self_harm_since``): the evaluation and the answer as a card names them, else
    None. ``psych_evaluation_fact`` then finds no evaluation that clears an implant."""
    read = _evaluation_read(ctx)
    if read is None or read[0].standing != "cleared":
        return None
    answer = self_harm_since(ctx, read[1])
    if answer is None:
        return None
    when = answer.effective.isoformat() if answer.effective else "undated"
    said = next((c.display for c in answer.value_codings if c.display), None) or (
        f"{answer.value:g} of 3" if answer.value is not None else "positive"
    )
    return read[0].fact, Fact(
        f"PHQ-9 item 9, thoughts of being better off dead or of self-harm: {said.lower()} ({when}), after "
        "the psychological evaluation",
        answer.ref,
        short=f"PHQ-9 item 9 (self-harm thoughts) {when}, after the evaluation",
    )


def psych_evaluation_fact(ctx: PathwayContext) -> PsychStanding | None:
    """The psychological evaluation on record, read by the order check's own reader; None when there
    is none, only one done so long ago that it is to be repeated, or one that found the patient
    suitable before a later PHQ-9 item 9 answer of thoughts of self-harm (``superseded_evaluation``):
    the cards then ask for one."""
    read = _evaluation_read(ctx)
    if read is None:
        return None
    evaluated, on = read
    if evaluated.standing == "cleared" and self_harm_since(ctx, on) is not None:
        return None
    return evaluated


def stimulator_trial_running(ctx: PathwayContext) -> bool:
    """A stimulator procedure recorded as still in progress (trial leads in, the trial running): the
    SCS evaluation F7 and S3 recommend is under way."""
    return any(p.status == "in-progress" for p in ctx.procedures("spinal_cord_stimulation", completed=False))


def psych_step(evaluated: PsychStanding | None, then: str) -> str:
    """The step before a stimulator trial or pump evaluation, as the evaluation on record stands:
    none ("Psychological evaluation, then …"), arranged ("Complete the psychological evaluation
    already ordered, then …"), cleared ("… (the psychological evaluation is on record)"), found
    unsuitable (treat what it found first; no trial now)."""
    if evaluated is None:
        return f"Psychological evaluation, then {then}"
    if evaluated.standing == "arranged":
        return f"Complete the psychological evaluation already arranged, then {then}"
    if evaluated.standing == "unsuitable":
        return (
            "The psychological evaluation found the patient not suitable now: treat what it found (CBT, "
            f"depression or substance use care) and re-evaluate before {then}"
        )
    return f"{then} (the psychological evaluation is on record)"


def surgical_opinion_on_record(ctx: PathwayContext) -> tuple[Fact, ...]:
    """A surgeon has given an opinion: a spine-surgery visit, a completed surgical referral, or a "no
    surgical target" note."""
    facts = [
        Fact(f"spine surgery visit {e.start.isoformat() if e.start else ''}: {e.text}".strip(), e.ref)
        for e in ctx.surgical_encounters
    ]
    facts += [
        ctx.order_fact(s, "spine-surgery referral: ")
        for s in ctx.surgical_referrals
        if s.status == "completed"
    ]
    facts += ctx.no_surgical_target_notes
    return tuple(facts)


def surgical_target_unreviewed(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The imaging that shows a surgical target no surgeon has yet given an opinion on: a compressive
    lesion concordant with the symptoms, or a recurrent herniation after surgery; () when there is
    none, or when a surgical opinion is on record."""
    if surgical_opinion_on_record(ctx):
        return ()
    study = ctx.recurrence_study
    if study is not None:
        return (Fact(f"imaging after surgery: {study.label}: {study.conclusion}", study.ref),)
    if not has_concordant_lesion(ctx):
        return ()
    conc = ctx.concordance
    seen = conc.study.when if conc.study is not None else None
    if any(seen is None or (q.performed is not None and q.performed >= seen) for q in ctx.surgeries):
        return ()  # the lesion was operated on: the surgeon's opinion is behind us
    if conc.study is None:
        herniations = ctx.conditions("disc_herniation_with_radiculopathy")
        return tuple(ctx.cond_fact(c, "surgical target: ") for c in herniations[:1])
    detail = conc.study.finding
    return (
        Fact(
            f"concordant compressive lesion: {conc.study.label}: {conc.study.conclusion or detail}",
            conc.study.ref,
            short=f"{conc.study.short_label}: {detail}",
        ),
    )


def _n1_surgical_opinion_first(ctx: PathwayContext, a: Assessment, target: tuple[Fact, ...]) -> CardDraft:
    """N1 with a surgical target no surgeon has reviewed: the surgical opinion comes before the implant
    (a pending referral is named, and no second one offered)."""
    p = a.procedure
    drg = ctx.is_drg(p)
    pending = tuple(s for s in ctx.surgical_referrals if s.status in PENDING_ORDER_STATUSES)
    trial = ctx.failure_facts(a)
    why = [
        trial[0],
        *target,
        *(ctx.order_fact(s, "spine-surgery referral awaited: ") for s in pending),
        *([] if pending else [Fact("no spine surgery referral on record")]),
        *trial[1:],
    ]
    suggestions = (
        []
        if pending
        else [
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                recommended=True,
                note="Compressive lesion concordant with the symptoms; stimulator trial succeeded: surgical "
                "opinion before a permanent implant.",
            )
        ]
    )
    return N1.card(
        ctx,
        indicator="info",
        summary=f"{_capitalised(_trial_kind(ctx, p))} succeeded, but imaging shows a compressive lesion: "
        "surgical opinion before any implant",
        why=why,
        gaps=list(a.gaps),
        next_steps=[
            (
                "Await the spine surgeon's opinion on the compressive lesion before a permanent implant."
                if pending
                else "Refer for a spine-surgery opinion on the compressive lesion before a permanent implant."
            )
            + " Decompression may treat the cause (NASS 2014).",
            "Implant the permanent "
            + ("DRG " if drg else "")
            + "stimulator only if the surgeon finds no surgical target or surgery is declined.",
        ],
        avoid=[
            "A permanent stimulator before a surgical opinion.",
            "A repeat trial.",
            "An intrathecal pump.",
        ],
        suggestions=suggestions,
        extra_evidence=("nass_ldh", *(("nacc_drg_2019",) if drg else ())),
        needs=("observations", "diagnosticReports", "serviceRequests", "encounters"),
    )


# The device-safety step in a few words, for the card (the full text and the MRI order say it whole).
SHORT_MR_SAFETY = "before MRI confirm MR-conditional labelling, MRI mode with implanting team"
SHORT_DEVICE = {
    "spinal cord stimulator": "SCS",
    "DRG stimulator": "DRG stimulator",
    "intrathecal pump": "Intrathecal pump",
    "spinal cord stimulator trial system": "SCS trial leads",
    "DRG stimulator trial system": "DRG trial leads",
}


def trial_in_place(ctx: PathwayContext) -> ProcedureFact | None:
    """The latest stimulator trial whose leads are still in: placed no more than
    ``scs_trial_window_end_days`` ago (the length of a trial), with neither a lead removal
    (``scs_lead_removal``) after the day they were placed nor a permanent system implanted since
    (``implanted_after``). A stimulator procedure recorded as still in progress is a trial running, its
    leads in. Trial leads are externalised: they are a device for an MRI, and the first suspect of an
    infection."""
    running = [
        p
        for p in ctx.procedures("spinal_cord_stimulation", completed=False)
        if p.status == "in-progress" and not ctx.matches("scs_permanent_system", p.codings)
    ]
    dated = [t for t in (*ctx.scs_trials, *running) if t.performed is not None]
    if not dated:
        return None
    trial = max(dated, key=lambda t: t.performed or date.min)
    placed = trial.performed
    age = ctx.days_since(placed)
    if placed is None or age is None or not 0 <= age <= ctx.t.scs_trial_window_end_days:
        return None
    if implanted_after(ctx, trial):
        return None
    removed = any(
        q.performed is not None and q.performed > placed for q in ctx.procedures("scs_lead_removal")
    )
    return None if removed else trial


def _device(name: str, q: ProcedureFact, ctx: PathwayContext) -> sx.ImplantedDevice:
    when = q.performed.isoformat() if q.performed else "undated"
    return sx.ImplantedDevice(
        name,
        Fact(
            f"implanted {name}: {ctx.proc_label(q)} — {sx.MR_SAFETY}",
            q.ref,
            short=f"{SHORT_DEVICE[name]} implanted {when}: {SHORT_MR_SAFETY}",
        ),
    )


def implanted_device(ctx: PathwayContext) -> sx.ImplantedDevice | None:
    """The implanted neurostimulator or intrathecal pump on record, if any: the latest of a
    permanent system or pump (``implanted_system``) and stimulator trial leads still in place
    (``trial_in_place``). An MRI offered for this patient must first be cleared against the device's
    MR-conditional labelling (``sx.mark_implanted_device``)."""
    system = implanted_system(ctx)
    trial = trial_in_place(ctx)
    if trial is None:
        return system
    placed = {q.ref: q.performed for q in ctx.history.procedures}
    since = placed.get(system.fact.ref or "") if system is not None else None
    if since is not None and trial.performed is not None and since > trial.performed:
        return system  # a pump implanted after the trial leads were placed: the latest device
    name = "DRG stimulator trial system" if ctx.is_drg(trial) else "spinal cord stimulator trial system"
    when = trial.performed.isoformat() if trial.performed else "undated"
    return sx.ImplantedDevice(
        name,
        Fact(
            f"{name.replace(' system', ' leads')} in place (externalised): {ctx.proc_label(trial)} — "
            "confirm the trial system's MR-conditional labelling and MRI mode with the implanting team "
            "before scanning",
            trial.ref,
            short=f"{SHORT_DEVICE[name]} placed {when}, still in: {SHORT_MR_SAFETY}",
        ),
    )


def implanted_system(ctx: PathwayContext) -> sx.ImplantedDevice | None:
    """The permanently implanted neurostimulator or intrathecal pump on record, if any: the latest
    permanent stimulator system whose electrodes were not removed after it (``scs_lead_removal``), an
    intrathecal pump (``intrathecal_pump_device``), or a neurostimulator status condition (Z96.82)."""
    removals = [q.performed for q in ctx.procedures("scs_lead_removal") if q.performed is not None]
    systems = [
        q
        for q in ctx.scs_permanent
        if not (removals and q.performed is not None and max(removals) > q.performed)
    ]
    found: list[tuple[str, ProcedureFact]] = []
    if systems:
        q = systems[-1]
        found.append(("DRG stimulator" if ctx.is_drg(q) else "spinal cord stimulator", q))
    pump = intrathecal_pump(ctx)
    if pump is not None:
        found.append(("intrathecal pump", pump))
    if found:
        name, q = max(found, key=lambda nq: nq[1].performed or date.min)
        return _device(name, q, ctx)
    if removals:
        return None  # the stimulator was removed: a status code left on the problem list is history
    status = ctx.conditions("implanted_neurostimulator_status")
    if status:
        c = status[-1]
        return sx.ImplantedDevice(
            "neurostimulator",
            Fact(
                f"implanted neurostimulator: {ctx.cond_label(c)} — {sx.MR_SAFETY}",
                c.ref,
                short=f"Neurostimulator on record: {SHORT_MR_SAFETY}",
            ),
        )
    return None


def intrathecal_pump(ctx: PathwayContext) -> ProcedureFact | None:
    """The latest intrathecal pump implanted (``intrathecal_pump_device``: 62360 reservoir, 62361 or
    62362 pump), if any; a catheter alone (62350/62351) is no pump."""
    pumps = ctx.procedures("intrathecal_pump_device")
    return pumps[-1] if pumps else None


@dataclass(frozen=True)
class Explant:
    """A permanent stimulator taken out: the system (the procedures of its latest implant day) and the
    removal (the electrode removal that took it out, with any generator removal or revision coded the
    same day); ``kind`` is "DRG stimulator" or "spinal cord stimulator", as the implant's text says."""

    system: tuple[ProcedureFact, ...]
    removal: tuple[ProcedureFact, ...]
    kind: str = "spinal cord stimulator"


def explanted_stimulator(ctx: PathwayContext) -> Explant | None:
    """The latest permanent stimulator whose electrodes were removed after it (``scs_lead_removal``
    after its latest implant day, as ``implanted_system`` and the pathway's ``stimulator_explanted``
    read it), with the removal and any other revision or removal (``scs_revision_removal``) coded that
    day; None when no permanent system was implanted or the latest is still in. Only what
    ``scs_lead_removal`` holds takes a system out: a revision alone leaves it implanted."""
    implants = [q for q in ctx.scs_permanent if q.performed is not None]
    if not implants:
        return None
    t0 = max(q.performed for q in implants if q.performed is not None)
    removals = [q for q in ctx.procedures("scs_lead_removal") if q.performed is not None and q.performed > t0]
    if not removals:
        return None
    day = min(q.performed for q in removals if q.performed is not None)
    same_day = [q for q in (*removals, *ctx.procedures("scs_revision_removal")) if q.performed == day]
    system = tuple(q for q in implants if q.performed == t0)
    kind = "DRG stimulator" if any(ctx.is_drg(q) for q in system) else "spinal cord stimulator"
    return Explant(system, tuple({q.ref: q for q in same_day}.values()), kind)


def explant_fact(ctx: PathwayContext, explant: Explant) -> Fact:
    """A removed stimulator as a card names it: what it was, when it was implanted and removed."""
    implanted, removed = explant.system[0], explant.removal[0]
    what = "; ".join(q.text for q in explant.system)
    how = "; ".join(q.text for q in explant.removal)
    return Fact(
        f"{explant.kind} removed: implanted {_when(implanted)} ({what}), removed {_when(removed)} ({how})",
        implanted.ref,
        tuple(q.ref for q in (*explant.system[1:], *explant.removal)),
        short=f"{SHORT_DEVICE[explant.kind]} implanted {_when(implanted)}, removed {_when(removed)}",
    )


# After a permanent stimulator was removed: the steps F7 and S3 give instead of a new SCS work-up (the
# last system did not last); further neuromodulation only on the implanting team's review — DRG
# stimulation for focal pain after a spinal cord stimulator, an intrathecal pump evaluation if still
# refractory (NACC DRG 2019; PACC 2024).
AFTER_EXPLANT_AVOID = (
    "A new spinal cord stimulator evaluation, trial or implant without the implanting team's review."
)


def after_explant_steps(kind: str) -> list[str]:
    """The next steps after a removed stimulator of ``kind`` (``Explant.kind``)."""
    further = (
        "an intrathecal pump evaluation if still refractory (PACC 2024)."
        if kind == "DRG stimulator"
        else "DRG stimulation for focal (foot, groin) pain (NACC DRG 2019); an intrathecal pump evaluation "
        "if still refractory (PACC 2024)."
    )
    return [
        "Multidisciplinary pain management with cognitive behavioural therapy (NICE NG59).",
        "Medication review: see where sources disagree on neuropathic agents; taper what does not help.",
        "Further neuromodulation only on the implanting team's review of why the stimulator was removed: "
        + further,
    ]


def after_explant_suggestions(ctx: PathwayContext) -> list[SuggestionDraft]:
    """CBT (recommended) and the pain service's review of further neuromodulation: no SCS work-up."""
    return [
        ctx.offer(sx.CBT_REFERRAL, recommended=True),
        ctx.offer(
            sx.PAIN_MANAGEMENT_REFERRAL,
            label="Refer to the pain service (implanting team) to review further neuromodulation options",
        ),
    ]


def after_explant_evidence(kind: str) -> tuple[str, ...]:
    return (*(() if kind == "DRG stimulator" else ("nacc_drg_2019",)), "pacc_2024")


def stimulator_still_helping(ctx: PathwayContext, since: date | None) -> tuple[ProcedureFact, ...]:
    """A permanent stimulator implanted on or after ``since`` (None: any), still implanted, that the
    record does not show losing effect or never relieving the pain (``losing_effect`` on the latest
    score of any age): the system, else (). A rise in pain since the implant, or pain that never fell
    with it, is N3's to judge, not a reason to restart the work-up."""
    device = implanted_system(ctx)  # trial leads in place are no stimulator still helping
    if device is None or device.name not in ("spinal cord stimulator", "DRG stimulator"):
        return ()
    system = [q for q in ctx.scs_permanent if q.ref == device.fact.ref]
    if not system or (since is not None and (system[0].performed is None or system[0].performed < since)):
        return ()
    if losing_effect(ctx, current_only=False) is not None:
        return ()
    return tuple(system)


def n1_record_outcome(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """N1 (documentation) — the stimulator trial's outcome is not recorded.

    When: the latest trial (within a year) has no outcome, no usable scores and at most one proxy.
    Then: info — record pain and % relief at the end of the trial; no permanent implant without a
      documented successful trial.
    Evidence: NACC 2014 (≥ 50 % trial relief); NICE TA159.
    """
    p = a.procedure
    summary = f"Record the outcome of the {_trial_kind(ctx, p)} on {_when(p)} before deciding on implant"
    if a.basis == CONTRADICTED:
        # coded successful, scored otherwise (``failure._trial_scores_contradict``)
        summary = (
            f"{_capitalised(_trial_kind(ctx, p))} on {_when(p)}: recorded successful but scored below "
            f"{pct(ctx.t.scs_trial_success_pct)} relief; confirm before any implant"
        )
    return N1_RECORD.card(
        ctx,
        indicator="info",
        summary=summary,
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
      coverage), multidisciplinary care/CBT, intrathecal pump evaluation later (with a pump already
      implanted, ``intrathecal_pump``: its review by the pain service instead, the pump named). Pending
      permanent implant orders are named (intercepted at order-sign). After a failed DRG trial
      (``failed_drg_trials``: the latest, or an earlier one) DRG stimulation is not offered again: the
      failed DRG trial is named, DRG stimulation is among what to avoid, and the next steps are
      multidisciplinary care with CBT and an intrathecal pump evaluation if still refractory (PACC 2024).
    Evidence: NACC 2014; NACC DRG 2019; NICE TA159; PACC 2024 after a failed DRG trial.
    """
    p = a.procedure
    pending = ctx.pending(*PERMANENT_ORDER_SETS)
    pump = intrathecal_pump(ctx)
    failed_drg = failed_drg_trials(ctx)
    care = "Multidisciplinary pain management with CBT"
    pump_review = (
        "the implanted intrathecal pump reviewed by the pain service (refill, dose, catheter and device "
        "check; PACC 2024)."
    )
    if failed_drg:
        # a DRG trial has failed (this one or an earlier one): no DRG stimulation offered again (N2:
        # not a repeat of the failed trial; L1: no repeat of failed procedures); the failed DRG trial is
        # named when it is not the latest trial
        drg = failed_drg[-1].procedure
        earlier = [ctx.failure_facts(ta)[0] for ta in failed_drg if ta.procedure.ref != p.ref]
        steps = [
            f"{care}.",
            "Intrathecal pump evaluation if still refractory: psychological evaluation and an attempt "
            "to reduce systemic opioids before a pump trial (PACC 2024)."
            if pump is None
            else pump_review[0].upper() + pump_review[1:],
        ]
        avoid = [f"DRG stimulation again: the DRG stimulator trial on {_when(drg)} failed."]
        referral = (
            "Refer to the pain service for intrathecal pump evaluation if still refractory"
            if pump is None
            else "Refer to the pain service for intrathecal pump review (refill, dose, catheter)"
        )
        extra: tuple[str, ...] = ("pacc_2024",)
    else:
        earlier = []
        steps = [
            "DRG stimulation if the pain is focal (foot, groin) (NACC DRG 2019; check US labelling and "
            "coverage).",
            f"{care}; intrathecal pump evaluation later if still refractory."
            if pump is None
            else f"{care}; {pump_review}",
        ]
        avoid = []
        referral = "Refer to the pain service to consider DRG stimulation for focal pain"
        extra = ()
    failure = ctx.failure_facts(a)
    card = N2.card(
        ctx,
        indicator="warning",
        summary=f"{_capitalised(_trial_kind(ctx, p))} on {_when(p)} failed "
        f"(< {pct(ctx.t.scs_trial_success_pct)} relief): do not implant "
        "a permanent system",
        why=[
            *failure[:1],
            *earlier,
            *failure[1:],
            *(ctx.order_fact(s, "pending implant order — hold it: ", short_prefix=HOLD) for s in pending),
            *([_pump_fact(ctx, pump)] if pump is not None else []),
        ],
        gaps=list(a.gaps),
        next_steps=[
            "Do not implant a permanent stimulator"
            + (" — hold the pending implant order." if pending else "."),
            *steps,
        ],
        avoid=["A permanent spinal cord stimulator.", *avoid, "A repeat of the same failed trial."],
        conflicts=[SCS_SELECTION],
        suggestions=[
            ctx.offer(sx.CBT_REFERRAL, recommended=True),
            ctx.offer(sx.PAIN_MANAGEMENT_REFERRAL, label=referral),
        ],
        selection_behavior="any",
        extra_evidence=extra,
        needs=("observations", "serviceRequests"),
    )
    # The selection disagreement stays in the full reasoning, never as the card's one line: every
    # source asks for a successful trial before an implant, and this trial failed — "sources
    # disagree" beside a booked implant would read as if one of them allowed it.
    return replace(card, conflict_now=None)


def failed_drg_trials(ctx: PathwayContext) -> list[Assessment]:
    """The DRG stimulator trials judged failed (``_failed_trials`` whose words name DRG stimulation,
    ``PathwayContext.is_drg``), oldest first: DRG stimulation is then no option left to offer."""
    return [ta for ta in _failed_trials(ctx) if ctx.is_drg(ta.procedure)]


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
      systemic opioids, then a trial (PACC); multidisciplinary care; neurectomy last. With an
      intrathecal pump already implanted (``intrathecal_pump``), no new pump work-up: the pump is named
      and its review by the pain service offered (refill, dose, catheter and device check). Warning if
      a repeat stimulator trial or implant is pending, else info.
    Evidence: PACC 2017/2024; NACC 2014.
    """
    p = a.procedure
    pending = ctx.pending(*PERMANENT_ORDER_SETS, *TRIAL_ORDER_SETS)
    pump = intrathecal_pump(ctx)
    if pump is not None:
        return _l1_pump_in_place(ctx, a, pump, pending)
    failed = [ctx.failure_facts(ta) for ta in _failed_trials(ctx)]
    why: list[Fact] = [f[0] for f in failed]  # each failed trial's lead line first
    why += ctx.no_surgical_target_notes
    why += [x for f in failed for x in f]
    conc = ctx.concordance
    if conc.study is not None and conc.study.ref not in {f.ref for f in why}:
        why.append(conc.study.fact())
    why += [ctx.order_fact(s, "pending order — repeating a failed procedure: ") for s in pending]
    # an evaluation on record is named, not asked for again; opioids are reduced only when taken
    evaluated = psych_evaluation_fact(ctx)
    if evaluated is not None:
        why.append(evaluated.fact)
    on_opioids = any(ctx.is_active_med(m) and not ctx.is_moud(m) for m in ctx.medications("rx_opioids"))
    cleared = evaluated is not None and evaluated.standing == "cleared"
    before = [
        *([] if cleared else ["Psychological evaluation"]),
        *(["an attempt to reduce systemic opioids"] if on_opioids else []),
    ]
    first_step = (
        # the sequence in one clause (no ":", ";" or ","), so a card short of room keeps all of it
        f"{' and '.join(before)} before an intrathecal pump trial (PACC 2024)."
        if before
        else "An intrathecal pump trial with the pain service (PACC 2024)."
    )
    return L1.card(
        ctx,
        indicator="warning" if pending else "info",
        summary="Failed stimulator trial and no surgical target: evaluate for an intrathecal pump; "
        "multidisciplinary care",
        why=why,
        gaps=list(a.gaps),
        next_steps=[
            first_step[0].upper() + first_step[1:],
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
            evaluated=evaluated is not None,
            refer=evaluated is not None and evaluated.standing != "unsuitable",
        ),
        selection_behavior="any",
        needs=("observations", "diagnosticReports"),
    )


def _l1_pump_in_place(
    ctx: PathwayContext, a: Assessment, pump: ProcedureFact, pending: tuple[ServiceRequestFact, ...]
) -> CardDraft:
    """L1 with an intrathecal pump already implanted: the pump evaluation is behind us, so the card
    names the pump and points to its review by the pain service, not to a new pump work-up."""
    why = [
        _pump_fact(ctx, pump),
        *(ctx.failure_facts(ta)[0] for ta in _failed_trials(ctx)),
        *(ctx.order_fact(s, "pending order — repeating a failed procedure: ") for s in pending),
    ]
    return L1.card(
        ctx,
        indicator="warning" if pending else "info",
        summary="Failed stimulator trial with an intrathecal pump in place: pump review by the pain "
        "service, not a new pump work-up",
        why=why,
        gaps=list(a.gaps),
        next_steps=[
            "Intrathecal pump review by the pain service: refill and dose, catheter and device check "
            "(PACC 2024).",
            "Multidisciplinary pain management with CBT.",
        ],
        avoid=[
            "A new intrathecal pump evaluation or trial.",
            "Systemic opioid escalation.",
            f"Repeating the failed {_trial_kind(ctx, a.procedure)}.",
        ],
        conflicts=[OPIOIDS, *NEUROPATHIC_AGENTS],
        suggestions=[
            ctx.offer(
                sx.PAIN_MANAGEMENT_REFERRAL,
                reasons=ctx.reason_refs,
                recommended=True,
                label="Refer to the pain service for intrathecal pump review (refill, dose, catheter)",
                note="Intrathecal pump in place: review refill, dose, catheter and device.",
            )
        ],
        needs=("observations", "serviceRequests"),
    )


def _failed_trials(ctx: PathwayContext) -> list[Assessment]:
    """The stimulator trials judged failed, oldest first."""
    return [
        ta for t in ctx.scs_trials if (ta := ctx.assess(t, Modality.SCS_TRIAL)).outcome in FAILED_OUTCOMES
    ]


def _pump_fact(ctx: PathwayContext, pump: ProcedureFact) -> Fact:
    """An implanted intrathecal pump as a card names it: what and when."""
    when = pump.performed.isoformat() if pump.performed else "undated"
    return Fact(
        f"implanted intrathecal pump: {ctx.proc_label(pump)}",
        pump.ref,
        short=f"{SHORT_DEVICE['intrathecal pump']} implanted {when}",
    )


def _baseline_before(ctx: PathwayContext, q: ProcedureFact) -> ObservationFact | None:
    """The pain score the procedure ``q`` began from, within the look-back (``failure.pain_before``)."""
    d = q.performed
    if d is None:
        return None
    since = d - timedelta(days=ctx.t.baseline_lookback_days)
    return pain_before(ctx.observations("pain", since=since, until=d), q)


# How long after the implant a score can say the stimulator is not relieving the pain: the weeks of
# programming and healing after the implant are not its effect.
IMPLANT_SETTLED_DAYS = 28


@dataclass(frozen=True)
class LosingEffect:
    """A permanent stimulator whose relief is wearing off, or that never relieved the pain
    (``never_helped``): the system, the pain before stimulation, the best score after the implant and
    the latest; ``after`` the post-implant scores judged."""

    system: tuple[ProcedureFact, ...]
    baseline: ObservationFact | None
    best: ObservationFact
    latest: ObservationFact
    never_helped: bool = False
    after: tuple[ObservationFact, ...] = ()


def losing_effect(ctx: PathwayContext, *, current_only: bool = True) -> LosingEffect | None:
    """The latest score ≥ 2 points above the best since the implant, and < 50 % relief from the
    baseline before stimulation (when there is one); scores of one site compared (leg with leg: a
    back-pain score is not the leg pain coming back). Else a stimulator that never relieved the pain
    (``_never_helped``). The latest score must be current (taken within ``current_score_days``, as
    ``PathwayContext.current_score`` reads the pain now): a score from years ago does not say the
    stimulator is losing effect today. ``current_only=False`` reads the latest score of any age (what
    the record last showed, for a card that must not call the stimulator still helping when it last
    showed it failing). A system whose electrodes were removed after its implant
    (``explanted_stimulator``) is no device to interrogate: None."""
    implants = ctx.scs_permanent
    if not implants or implants[-1].performed is None:
        return None
    if explanted_stimulator(ctx) is not None:
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
    if risen:
        return LosingEffect(system, baseline, best, latest)
    return _never_helped(ctx, system, baseline, after)


def _never_helped(
    ctx: PathwayContext,
    system: tuple[ProcedureFact, ...],
    baseline: ObservationFact | None,
    after: list[ObservationFact],
) -> LosingEffect | None:
    """A stimulator that never relieved the pain: with a baseline before stimulation, at least two
    scores taken ``IMPLANT_SETTLED_DAYS`` or more after the implant, and no score since the implant
    ever ``partial_relief_pct`` or ``partial_delta_points`` below the baseline (the least change that
    counts as some relief). Conservative: no baseline, too few settled scores, or a revision or removal
    of the system coded since the implant (``scs_revision_removal``: the scores since no longer judge
    the system as implanted) — None."""
    t0 = system[0].performed
    if t0 is None or baseline is None or not baseline.value:
        return None
    if any(q.performed is None or q.performed > t0 for q in ctx.procedures("scs_revision_removal")):
        return None
    scored = [o for o in after if o.value is not None and o.effective is not None]
    settled_from = t0 + timedelta(days=IMPLANT_SETTLED_DAYS)
    settled = [o for o in scored if o.effective is not None and o.effective >= settled_from]
    if len(settled) < 2:
        return None

    start = baseline.value

    def relieved(o: ObservationFact) -> bool:
        delta = start - (o.value or 0.0)
        return delta >= ctx.t.partial_delta_points or delta / start * 100 >= ctx.t.partial_relief_pct

    if any(relieved(o) for o in scored):
        return None
    best = min(scored, key=lambda o: (o.value or 0, o.effective or date.min))
    return LosingEffect(system, baseline, best, scored[-1], never_helped=True, after=tuple(scored))


def n3_losing_effect(ctx: PathwayContext, effect: LosingEffect) -> CardDraft:
    """N3 — implanted SCS losing effect.

    When: a permanent system (63685/63655, or a neurostimulator status code), still implanted, and the
      pain score has risen back toward the pre-implant baseline (latest ≥ 2 points above the
      post-implant best and < 50 % relief from baseline), the latest score current (within
      ``current_score_days``).
      Or the stimulator never relieved the pain (``_never_helped``: ≥ 2 scores ≥ 4 weeks after the
      implant, none ever ≥ 30 % or 2 points below the baseline before stimulation): the same card, said
      as "not relieving the pain" (``_n3_never_helped``).
    Then: info — interrogation and reprogramming, radiographs for lead migration, re-evaluation for new
      pathology; NACC 2024 salvage options (a stimulator that never helped: its indication reviewed).
    Evidence: NACC 2024 (long-term outcome optimisation and salvage).
    """
    if effect.never_helped:
        return _n3_never_helped(ctx, effect)
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
        avoid=N3_AVOID,
        suggestions=[_interrogation_referral(ctx)],
        needs=("observations",),
    )


# What both N3 cards say not to do, and the referral they offer (the implanting team troubleshoots)
N3_AVOID = ("Explant without troubleshooting.", "Opioid escalation.")


def _interrogation_referral(ctx: PathwayContext) -> SuggestionDraft:
    return ctx.offer(
        sx.PAIN_MANAGEMENT_REFERRAL,
        recommended=True,
        label="Refer to the pain service for stimulator interrogation and reprogramming",
    )


def _n3_never_helped(ctx: PathwayContext, effect: LosingEffect) -> CardDraft:
    """N3 for a stimulator that never relieved the pain: the scores since the implant beside the
    baseline before stimulation; device interrogation and reprogramming with the implanting team
    first, then (if it still does not help) a review of the indication, not an explant without
    troubleshooting."""
    system, baseline, latest = effect.system, effect.baseline, effect.latest
    assert baseline is not None and baseline.value is not None  # ``_never_helped`` needs one
    kind = "DRG stimulator" if ctx.is_drg(system[0]) else "spinal cord stimulator"
    scores = ", ".join(f"{o.value:g} ({o.effective})" for o in effect.after)
    least = f"{pct(ctx.t.partial_relief_pct)} or {ctx.t.partial_delta_points:g} points"
    values = ", ".join(f"{o.value:g}" for o in effect.after)
    # the scores first: they are what says the stimulator does not help (the implant is named in them)
    why = [
        Fact(
            f"pain {baseline.value:g} before stimulation ({baseline.effective}); since the implant on "
            f"{_when(system[0])} {scores}: never {least} lower",
            baseline.ref,
            tuple(o.ref for o in effect.after),
            short=f"pain {baseline.value:g} before stimulation; {values} since the implant "
            f"{_when(system[0])} (latest {latest.effective}): never {least} lower",
        ),
        *(ctx.proc_fact(q, " (permanent stimulator)") for q in system),
    ]
    return N3.card(
        ctx,
        indicator="info",
        summary=f"Implanted {kind} not relieving the pain: interrogate and reprogram with the implanting "
        "team, then review the indication",
        why=why,
        next_steps=[
            "Device interrogation and reprogramming with the implanting team (waveform, contacts, coverage "
            "of the painful area).",
            "Radiographs for lead migration or fracture.",
            "If it still does not help, review the indication and re-evaluate for other pain generators "
            "or new pathology; NACC 2024 salvage options.",
        ],
        avoid=N3_AVOID,
        suggestions=[_interrogation_referral(ctx)],
        needs=("observations",),
    )


def recent_enough_to_record(ctx: PathwayContext, a: Assessment) -> bool:
    age = ctx.days_since(a.procedure.performed)
    return age is None or age <= ctx.t.outcome_recall_days
