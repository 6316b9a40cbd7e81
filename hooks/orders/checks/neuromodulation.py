"""Check 7 — spinal cord stimulator and intrathecal pump orders without their prerequisites.

``order.scs-no-trial`` (decision model S3/F7/N1)
When: a permanent SCS system is ordered (``scs_permanent_system``: 63685 generator, 63655 paddle),
      no permanent system is already implanted (a replacement is not judged; a system whose
      electrodes were removed after its last implant, ``scs_lead_removal``, is no longer implanted),
      and no trial (``scs_percutaneous_lead`` without a permanent code the same day; after a removal,
      only a trial since then counts) with a documented success (≥ ``scs_trial_success_pct`` relief
      or outcome successful, by ``assess``) is on record.
Then: warning; trial first (replace the draft with a trial order when there was none; otherwise
      record the trial's relief). A trial recorded as in progress: await it and record its result
      (the permanent implant is held; no new trial is suggested). The suggested trial is one order for
      the whole implant session: its leads draft (else its first) becomes the trial and its other
      drafts (the generator) are removed. The next step names a psychological evaluation on record
      (as ``order.neuromod-psych-eval`` reads it) with its date, and the trial after it.
Evidence: NACC 2014 (≥ 50 % relief in the trial); NICE TA159 (successful trial).

``order.scs-failed-trial`` (decision model N2, "intercept 63685/63655 orders")
When: a permanent SCS system is ordered and the latest trial failed (< 50 % relief, outcome
      unsuccessful, probable failure).
Then: warning; do not implant: DRG stimulation if pain is focal, multidisciplinary care with CBT,
      intrathecal pump evaluation later. Suggest cancelling; CBT referral.
Evidence: NACC 2014; NACC DRG 2019.

``order.neuromod-psych-eval`` (decision model Y1, S3, L1)
When: an SCS trial or permanent system, or an intrathecal pump implantation
      (``neuromodulation_implant``) is ordered and no psychological evaluation
      (``psychological_evaluation``) is on record as a Procedure, a ServiceRequest, an Encounter (by
      its type, or its text naming a psychological or psychiatric evaluation, as clinics record the
      pre-implant assessment), or another draft order of this session. A pump or catheter order while
      a pump is on record (``intrathecal_pump_device``: replacement at battery end of life, revision)
      is not a new implant and is not judged, as a stimulator generator replacement is not.
Then: warning; order the psychological evaluation first. On a trial order stopped by
      ``order.scs-no-trial`` or ``order.scs-failed-trial`` the missing evaluation is a fact
      of that card instead (one card per order); the session's card then goes to the next implant order.
Evidence: NACC 2014; PACC 2017/2024 (intrathecal).

``order.scs-no-trial`` and ``order.scs-failed-trial`` on a stimulator trial order (decision model F3
and S2 "no SCS before a surgical opinion", F7 and §1.3 "≥ 6 months", N2 "no repeat of a failed trial";
the prerequisites of the trial the permanent implant rests on, hence these two rules)
When: a stimulator trial is ordered (``order_scs_trial``: percutaneous leads, with no permanent-system
      code on it or on another order of the session, which would make them the permanent system's
      leads, and no permanent system implanted, where leads are a revision), and
      (a) ``order.scs-no-trial``: a surgical target no surgeon has reviewed — a compressive
          lesion concordant with the symptoms, or a recurrent or new compressive lesion after surgery,
          and no surgical opinion on record, as the pathway's N1 reads it (``surgical_target_unreviewed``);
      (b) ``order.scs-failed-trial``: the latest earlier trial of the same kind (SCS or DRG, by the
          order's words) failed (< ``scs_trial_success_pct`` relief, outcome unsuccessful, probable
          failure). A DRG trial after a failed SCS trial is what N2 recommends for focal pain: not
          stopped;
      (c) ``order.scs-no-trial``: the radicular pain has lasted less than
          ``scs_eligibility_days`` (``OrderContext.course``), and no lumbar operation that long ago
          makes it eligible (``post_surgical.long_enough_for_stimulation``, as the pathway's S3 reads it);
      (d) ``order.scs-no-trial``: the last lumbar ESI cannot be judged yet: too recent (PENDING: its
          2–6-week window not yet open), or within ``outcome_recall_days`` with no outcome the record
          can judge (decision model F0, no escalation before then), as the pathway's F0 holds S3's
          stimulator evaluation, or it responded and its lasting is judged at the 60-120-day horizon
          (``esi_outcome.relief_so_far``/``relief_lost``, as F1 holds a repeat); (e) a response
          known to have lasted (``esi_outcome.response_lasted``, F1 "worked"). Not for an injection
          before the lumbar operation, nor once a stimulator has been tried or implanted;
      (f) ``order.scs-no-trial``: the patient's step on the pathway, as the patient view shows it
          (``hooks.pathway.pathway_step``), is not yet refractory radicular pain: F4 (a mimic on record,
          imaging discordant or missing), F5 (axial pain that looks facet- or SI-mediated) or F2 (blind
          or off-level injections only), each with stimulation under its "must not"; not for a trial
          that may be for another pain a stimulator treats (CRPS, painful diabetic neuropathy, phantom
          limb pain: ``_for_another_indication``);
      (g) ``order.scs-no-trial``: spondylolisthesis or instability on record (the pathway's S4 facts,
          ``post_surgical.instability_conditions``) beside radicular pain, and no surgical opinion on
          record (``surgical_opinion_on_record``) nor a lumbar fusion since (S4: no stimulation before
          a surgical opinion);
      (h) ``order.scs-no-trial``: radicular pain new since a lumbar operation more than 3 months ago
          (the pathway's S1: a radicular diagnosis dated after it, scores showing the pain back, or an
          onset months after it) and no contrast MRI since it that excludes a recurrence
          (``post_surgical.fibrosis_without_target``; one that shows a recurrence is (a)'s), nor a
          surgeon's opinion since the operation (S1: no stimulation before a recurrence is excluded);
          not once a stimulator has been tried or implanted.
Then: one card per order, the most serious reason leading (a, then b, c, f, d/e, g, h), the others as
      facts:
      warning on order-sign, info on order-select. (a) refer to a spine surgeon first (replace the
      trial with the referral; with one pending or drafted, hold the trial); (b) do not repeat the
      trial: DRG stimulation if pain is focal, multidisciplinary care with CBT (cancel; CBT referral);
      (c) continue conventional management, reconsider the trial when 6 months are reached (cancel);
      (d) record the injection's scores; the next step follows from them (hold: cancel); (e) a repeat
      injection when the pain recurs (cancel); (f) the step's facts and next steps, then a stimulator
      trial only once the pain is shown refractory (replace the trial with the step's own order,
      EMG/NCS or an image-guided ESI at the matching level; or cancel); (g) refer to a spine surgeon
      first, as (a); (h) the MRI without and with contrast first (replace the trial with it; with one
      ordered or drafted, hold the trial; with one on record that neither confirms nor excludes a
      recurrence, its surgical review).
Evidence: NASS 2014 (surgical opinion for a concordant compressive lesion); NASS 2011 (decompression
      with or without fusion for instability); ACR 2021 variant 5 (contrast MRI after surgery); NICE
      TA159 (≥ 6 months of neuropathic pain despite conventional management); NACC 2014; NACC DRG 2019.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import Action, CardDraft, Fact, Indicator, SuggestionDraft
from hooks.facts import DraftOrder, EncounterFact, ObservationFact, ProcedureFact
from hooks.orders.common import OrderCheck, cancel_and_create, card, create, delete, replace
from hooks.orders.context import FAILED, POSITIVE, OrderContext
from hooks.pathway import pathway_step
from hooks.pathway.context import EXCLUDED_VERIFICATION, PENDING_ORDER_STATUSES, UNDOCUMENTED_OUTCOMES
from hooks.pathway.failure import Modality, Outcome
from hooks.pathway.rules import post_surgical, refractory
from hooks.pathway.rules.esi_outcome import relief_lost, relief_so_far, response_lasted
from hooks.pathway.rules.neuromodulation import surgical_opinion_on_record, surgical_target_unreviewed
from hooks.pathway.rules.post_surgical import given_after_surgery, long_enough_for_stimulation
from hooks.rule import INFO_OR_WARNING, Rule, order_rule
from hooks.terminology import Coding
from hooks.text import DRG, INSTABILITY, abbreviate, finding_of, reported
from hooks.thresholds import pct, span, window

RULE_NO_TRIAL_DECL: Rule = order_rule(
    "order.scs-no-trial",
    "Permanent stimulator without a successful trial",
    "N1",
    ("nacc_2014", "nice_ta159"),
    INFO_OR_WARNING,  # a trial ordered before its prerequisites: info on order-select
)
RULE_FAILED_TRIAL_DECL: Rule = order_rule(
    "order.scs-failed-trial",
    "Permanent stimulator after a failed trial",
    "N2",
    ("nacc_2014", "nacc_drg_2019", "nice_ta159"),
    INFO_OR_WARNING,  # a repeat trial after a failed one: info on order-select
)
RULE_PSYCH_DECL: Rule = order_rule(
    "order.neuromod-psych-eval", "Neuromodulation without a psychological evaluation", "Y1", ("nacc_2014",)
)
# A visit that is the psychological or psychiatric evaluation, in its words ("Psychological evaluation
# for spinal cord stimulator candidacy", "Pre-SCS psych clearance", "Psychiatric diagnostic evaluation").
_PSYCH_EVALUATION = re.compile(
    r"\b(?:neuro)?psych(?:olog\w*|iatr\w*)?\.?\s+(?:diagnostic\s+)?"
    r"(?:eval\w*|assess\w*|clearance|consult\w*|screen\w*|testing)",
    re.IGNORECASE,
)
# The permanent-system codes for the electrodes (a paddle by laminectomy), not the pulse generator, by
# the value set's name for the code.
_ELECTRODES = re.compile(r"\b(?:electrode|lead|paddle)", re.IGNORECASE)
RULES = (RULE_NO_TRIAL_DECL, RULE_FAILED_TRIAL_DECL, RULE_PSYCH_DECL)
RULE_NO_TRIAL, RULE_FAILED_TRIAL, RULE_PSYCH = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "neuromodulation_implant"):
        return []
    implanted = ctx.completed("scs_permanent_system")
    removed = explant(ctx)
    permanent = ctx.order_is(order, "scs_permanent_system") is not None
    if permanent and implanted and removed is None:
        return []  # generator replacement or revision of an implanted system: not a new implant
    if permanent:
        out = _trial(ctx, order, removed)
    else:
        stop = _trial_stop(ctx, order)
        if stop is not None:
            return [stop]  # a missing psychological evaluation is one of its facts
        out = []
    if not pump_replacement(ctx, order):
        out += _psych(ctx, order)
    return out


def explant(ctx: OrderContext) -> ProcedureFact | None:
    """The removal of the stimulator's electrodes (``scs_lead_removal``) after the last permanent
    implant on record: the system is no longer implanted. With no permanent implant on record, a
    removal is of a trial's leads (the trial ends so), not an explant."""
    removals = [p for p in ctx.completed("scs_lead_removal") if p.performed is not None]
    if not removals:
        return None
    last_implant = max(
        (p.performed for p in ctx.completed("scs_permanent_system") if p.performed is not None), default=None
    )
    latest = removals[-1]
    assert latest.performed is not None
    return latest if last_implant is not None and latest.performed > last_implant else None


def pump_replacement(ctx: OrderContext, order: DraftOrder) -> bool:
    """An intrathecal pump or catheter order while a pump is already on record: a replacement (battery
    end of life) or revision of an implanted system, not a new implant."""
    return bool(ctx.order_is(order, "intrathecal_pump_implant") and ctx.completed("intrathecal_pump_device"))


def _trial(ctx: OrderContext, order: DraftOrder, removed: ProcedureFact | None) -> list[CardDraft]:
    since = removed.performed if removed is not None else None
    trials = [t for t in ctx.pathway.scs_trials if since is None or (t.performed and t.performed > since)]
    removal_facts = (
        (
            Fact(
                f"{removed.text or 'stimulator removal'} on {removed.performed_text or since}: the system "
                "is no longer implanted; a new one needs a successful trial",
                removed.ref,
                short=f"{abbreviate(removed.text or 'stimulator removal')} on {since}: no longer implanted",
            ),
        )
        if removed is not None
        else ()
    )
    pid = ctx.inp.patient_id
    running = _trial_in_progress(ctx, trials, since)
    if running is not None:
        return [
            card(
                RULE_NO_TRIAL,
                "Permanent stimulator while the trial is still running",
                order,
                indicator="warning",
                summary="The stimulator trial is still in progress: record its result before ordering the "
                "permanent implant",
                why=(
                    *removal_facts,
                    Fact(
                        f"{running.text or 'stimulator trial'} in progress since "
                        f"{running.performed_text or running.performed}: its result is not recorded yet",
                        running.ref,
                    ),
                ),
                next_steps=(
                    "Await the end of the trial and record the pain relief during it; implant only with ≥ "
                    f"{ctx.t.scs_trial_success_pct:g} % relief.",
                ),
                avoid=("Permanent implant before the trial result is recorded.",),
                evidence=("nacc_2014", "nice_ta159"),
                gaps=ctx.unavailable_gaps("procedures", "observations"),
                suggestions=(
                    delete(
                        order,
                        "Hold the permanent implant until the trial result is recorded",
                        f"Remove {order.ref}",
                    ),
                ),
            )
        ]
    if trials:
        a = ctx.assess(trials[-1], Modality.SCS_TRIAL)
        trial_facts = ctx.pathway.failure_facts(a)
        if a.outcome in POSITIVE:
            return []
        if a.outcome in FAILED:
            return [
                card(
                    RULE_FAILED_TRIAL,
                    "Permanent stimulator after a failed trial",
                    order,
                    indicator="warning",
                    summary=f"The spinal cord stimulator trial failed (< {ctx.t.scs_trial_success_pct:g} % "
                    "relief): do not implant a "
                    "permanent system",
                    why=trial_facts,
                    next_steps=(
                        "Do not implant. DRG stimulation if the pain is focal (foot, groin; check labelling "
                        "and "
                        "coverage).",
                        "Multidisciplinary pain care with CBT; intrathecal pump evaluation later.",
                    ),
                    avoid=(
                        f"Permanent SCS after a trial with < {ctx.t.scs_trial_success_pct:g} % relief.",
                        "A repeat trial without a new reason.",
                    ),
                    evidence=("nacc_2014", "nacc_drg_2019", "nice_ta159"),
                    gaps=ctx.unavailable_gaps("procedures", "observations"),
                    suggestions=(
                        _cancel_session(ctx, order, recommended=True),
                        create(sx.CBT_REFERRAL, ctx.term, patient_id=pid, reasons=ctx.radicular_refs),
                    ),
                    selection_behavior="any",  # cancelling and the CBT referral go together
                )
            ]
        return [
            card(
                RULE_NO_TRIAL,
                "Permanent stimulator without a documented successful trial",
                order,
                indicator="warning",
                summary=f"No documented ≥ {ctx.t.scs_trial_success_pct:g} % relief from the stimulator "
                "trial: record it before the "
                "permanent implant",
                why=trial_facts,
                next_steps=(
                    f"Record the pain relief during the trial; implant only with ≥ "
                    f"{ctx.t.scs_trial_success_pct:g} % relief.",
                ),
                avoid=("Permanent implant without a successful trial.",),
                evidence=("nacc_2014", "nice_ta159"),
                gaps=(*ctx.unavailable_gaps("procedures", "observations"), *a.gaps),
                suggestions=(
                    delete(
                        order,
                        "Hold the permanent implant until the trial result is recorded",
                        f"Remove {order.ref}",
                    ),
                ),
            )
        ]
    trial = ctx.term.first(sx.SCS_TRIAL.value_set).coding()
    none = (
        Fact(
            "no spinal cord stimulator trial on record since the system was removed",
            short="no SCS trial since the removal",
        )
        if removed is not None
        else Fact("no spinal cord stimulator trial on record")
    )
    return [
        card(
            RULE_NO_TRIAL,
            "Permanent stimulator without a trial",
            order,
            indicator="warning",
            summary="Permanent spinal cord stimulator ordered without a trial: order the trial first",
            why=(*removal_facts, none),
            next_steps=(_trial_next(ctx, order),),
            avoid=("Permanent implant without a trial.",),
            evidence=("nacc_2014", "nice_ta159"),
            gaps=ctx.unavailable_gaps("procedures"),
            suggestions=(
                _to_trial(ctx, order, trial),
                _cancel_session(ctx, order),
            ),
        )
    ]


def _trial_next(ctx: OrderContext, order: DraftOrder) -> str:
    """The next step of a permanent stimulator ordered without a trial: the psychological evaluation,
    then the trial; with the evaluation on record (``psych_evaluation``), it is named with its date
    and the trial is next (after it is done, when it is only ordered or booked)."""
    relief = f"implant only with ≥ {ctx.t.scs_trial_success_pct:g} % relief during the trial."
    evaluation = psych_evaluation(ctx, order)
    if evaluation is None:
        return f"Psychological evaluation, then a stimulator trial; {relief}"
    if evaluation.done:
        return f"{evaluation.what}: a stimulator trial next; {relief}"
    return f"{evaluation.what}: complete it, then a stimulator trial; {relief}"


def _to_trial(ctx: OrderContext, order: DraftOrder, trial: Coding) -> SuggestionDraft:
    """Change the implant session into one trial order: the session's leads draft (else its first
    draft, ``_implant_session``) becomes the trial, and the session's other drafts (the generator) are
    removed. The suggestion is the same on each draft of the session, so the card kept for them all
    (``hooks.orders._one_card_per_session``) creates one trial order, not one per draft."""
    session = _implant_session(ctx, order)
    kept = next((o for o in session if _is_leads(ctx, o)), session[0])
    change = replace(
        kept,
        trial,
        "Change to a spinal cord stimulator trial",
        f"Replace {kept.ref} with a stimulator trial (percutaneous leads)",
        text=sx.SCS_TRIAL.text,
        recommended=True,
        keep_place=False,  # the side in an implant's name is its generator pocket's, not the trial's
        note=[{"text": sx.SCS_TRIAL.note}],
    )
    removed = tuple(
        Action(
            "delete", f"Remove {o.ref}: the stimulator trial replaces this implant order", resource_id=o.ref
        )
        for o in session
        if o is not kept
    )
    return SuggestionDraft(change.label, (*change.actions, *removed), change.is_recommended)


def _cancel_session(ctx: OrderContext, order: DraftOrder, *, recommended: bool = False) -> SuggestionDraft:
    """Cancel the permanent implant: every draft of the implant session (``_implant_session``: the
    generator and the leads drafted with it), so no half of the implant is left to sign."""
    session = _implant_session(ctx, order)
    return SuggestionDraft(
        label="Cancel the permanent implant",
        actions=tuple(Action("delete", f"Remove {o.ref}", resource_id=o.ref) for o in session if o.ref),
        is_recommended=recommended,
    )


def _implant_session(ctx: OrderContext, order: DraftOrder) -> tuple[DraftOrder, ...]:
    """The drafts of this stimulator implant session, in the order sent: ``order`` and the other
    stimulator implant drafts that can be changed by reference (a permanent-system code, or
    percutaneous leads drafted with it, the permanent system's leads)."""
    return tuple(
        o
        for o in ctx.orders
        if o is order
        or (
            o.ref
            and o.is_procedure_order
            and (ctx.order_is(o, "scs_permanent_system") or ctx.order_is(o, "scs_percutaneous_lead"))
        )
    )


def _is_leads(ctx: OrderContext, order: DraftOrder) -> bool:
    """A leads order: percutaneous leads, or a permanent-system code for electrodes (paddle), not the
    pulse generator, by the value set's name for the code."""
    if ctx.order_is(order, "scs_percutaneous_lead"):
        return True
    member = ctx.order_is(order, "scs_permanent_system")
    return member is not None and bool(_ELECTRODES.search(member.display or ""))


def _trial_in_progress(
    ctx: OrderContext, trials: list[ProcedureFact], since: date | None
) -> ProcedureFact | None:
    """A stimulator trial recorded as in progress, later than any completed trial (and than a removal)."""
    last = max((t.performed for t in trials if t.performed is not None), default=since)
    running = [
        p
        for p in ctx.pathway.procedures("scs_percutaneous_lead", completed=False)
        if p.status == "in-progress"
        and ctx.term.match("scs_permanent_system", p.codings) is None
        and (last is None or (p.performed is not None and p.performed > last))
    ]
    return running[-1] if running else None


def is_trial_order(ctx: OrderContext, order: DraftOrder) -> bool:
    """A stimulator trial order: percutaneous leads (``order_scs_trial``) with no permanent-system code
    on it or on another order of this session (leads drafted with a generator are the permanent
    system's), while no permanent system is implanted (leads then are a revision)."""
    if not order.is_procedure_order or ctx.order_is(order, "order_scs_trial") is None:
        return False
    if ctx.order_is(order, "scs_permanent_system") or ctx.other_orders(order, "scs_permanent_system"):
        return False
    return not ctx.completed("scs_permanent_system") or explant(ctx) is not None


def _is_drg_order(order: DraftOrder) -> bool:
    """A dorsal root ganglion stimulator order, by its words (DRG has no CPT code of its own)."""
    words = (order.text, order.body_site_text or "", *(c.display or "" for c in order.codings))
    return bool(DRG.search(" ".join(words)))


@dataclass(frozen=True)
class _Reason:
    """One reason to stop a stimulator trial order: what its card says when it leads, and the fact
    (``brief``) it adds when a more serious reason leads."""

    rule: str
    title: str
    summary: str
    facts: tuple[Fact, ...]
    brief: Fact
    next_steps: tuple[str, ...]
    avoid: tuple[str, ...]
    evidence: tuple[str, ...]
    suggestions: tuple[SuggestionDraft, ...]
    selection_behavior: str = "at-most-one"
    gaps: tuple[str, ...] = ()


def _trial_stop(ctx: OrderContext, order: DraftOrder) -> CardDraft | None:
    """The one card on a stimulator trial order that should not go ahead (module docstring: a surgical
    target no surgeon has reviewed, a repeat of a failed trial of the same kind, pain under
    ``scs_eligibility_days``), the most serious reason leading and the others as facts; None when none
    applies or the order is no trial."""
    if not is_trial_order(ctx, order):
        return None
    drg = _is_drg_order(order)
    kind = "DRG stimulator trial" if drg else "Spinal cord stimulator trial"
    reasons = [
        r
        for r in (
            _target(ctx, order, kind),
            _repeat(ctx, order, kind, drg),
            _too_early(ctx, order, kind),
            _not_refractory_yet(ctx, order, kind),
            _last_esi(ctx, order, kind),
            _instability_unreviewed(ctx, order, kind),
            _recurrence_not_excluded(ctx, order, kind),
        )
        if r is not None
    ]
    if not reasons:
        return None
    lead, others = reasons[0], reasons[1:]
    extra = [r.brief for r in others]
    if not psych_evaluation_on_record(ctx, order):
        extra.append(
            Fact(
                "no psychological evaluation on record either", short="no psychological evaluation on record"
            )
        )
    indicator: Indicator = "warning" if ctx.inp.hook == "order-sign" else "info"
    return card(
        lead.rule,
        lead.title,
        order,
        indicator=indicator,
        summary=lead.summary,
        # the lead's deciding fact, then what the other reasons add, then the lead's remaining facts
        why=(lead.facts[0], *extra[: len(others)], *lead.facts[1:], *extra[len(others) :]),
        next_steps=lead.next_steps,
        avoid=lead.avoid,
        evidence=lead.evidence,
        gaps=(
            *ctx.unavailable_gaps("procedures", "diagnosticReports", "encounters", "serviceRequests"),
            *(g for r in reasons for g in r.gaps),
        ),
        suggestions=lead.suggestions,
        selection_behavior="any" if lead.selection_behavior == "any" else "at-most-one",
    )


def _target(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(a) A compressive lesion concordant with the symptoms, or a recurrent or new one after surgery,
    that no surgeon has reviewed (the pathway's N1 question, ``surgical_target_unreviewed``): F3 and S2
    say no stimulation before a surgical opinion."""
    target = surgical_target_unreviewed(ctx.pathway)
    if not target:
        return None
    awaited, suggestions = _surgical_opinion_first(
        ctx,
        order,
        "Compressive lesion concordant with the symptoms on imaging: surgical opinion before a stimulator "
        "trial.",
    )
    return _Reason(
        RULE_NO_TRIAL,
        "Stimulator trial before a surgical opinion",
        f"{kind} before a surgical opinion: imaging shows a compressive lesion no surgeon has reviewed",
        (*target, *(awaited or [Fact("no spine surgery referral or surgical opinion on record")])),
        target[0],
        (
            ("Await the spine surgeon's opinion" if awaited else "Refer for a spine surgery opinion")
            + " on the compressive lesion before any stimulator trial: decompression may treat the cause "
            "(NASS 2014).",
            "A stimulator trial only if the surgeon finds no surgical target or surgery is declined.",
        ),
        ("A stimulator trial before a surgical opinion on a compressive lesion.",),
        ("nass_ldh", "nacc_2014", "nice_ta159"),
        suggestions,
    )


def _surgical_opinion_first(
    ctx: OrderContext, order: DraftOrder, note: str
) -> tuple[list[Fact], tuple[SuggestionDraft, ...]]:
    """The spine-surgery referrals awaited (pending on record, or drafted in this session) and the
    suggestions: with one awaited, hold the trial (pre-selected);
    otherwise replace the trial with a spine surgery referral (pre-selected, ``note`` its reason), or
    hold it."""
    p = ctx.pathway
    pending = [
        p.order_fact(s, "spine-surgery referral awaited: ")
        for s in p.surgical_referrals
        if s.status in PENDING_ORDER_STATUSES
    ]
    drafted = [
        Fact(f"spine-surgery referral drafted in this session: {o.text}", o.ref or None)
        for o in ctx.other_orders(order, "referral_spine_surgery")
    ]
    awaited = pending or drafted
    hold = delete(
        order,
        "Hold the trial until the spine surgeon's opinion",
        f"Remove {order.ref}",
        recommended=bool(awaited),
    )
    if awaited:
        return awaited, (hold,)
    refer = cancel_and_create(
        order,
        sx.SPINE_SURGERY_REFERRAL,
        ctx.term,
        patient_id=ctx.inp.patient_id,
        reasons=ctx.radicular_refs,
        label="Replace the trial with a spine surgery referral",
        note=note,
        recommended=True,
    )
    return awaited, (refer, hold)


def _instability_unreviewed(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(g) Spondylolisthesis or instability on record (the pathway's S4 facts,
    ``post_surgical.instability_conditions``) beside radicular pain (the pathway's gate), and no
    surgical opinion on record (``surgical_opinion_on_record``, as N1 reads it) nor a lumbar fusion
    since (``post_surgical.after_fusion``: the instability has been operated on): S4 says no
    stimulation before a surgical opinion, decompression with or without fusion being appropriate. Not
    for a trial that may be for another pain a stimulator treats (``_for_another_indication``)."""
    p = ctx.pathway
    unstable = post_surgical.instability_conditions(p)
    if not unstable or not p.gate_open or surgical_opinion_on_record(p) or post_surgical.after_fusion(p):
        return None
    if _for_another_indication(ctx, order):
        return None
    awaited, suggestions = _surgical_opinion_first(
        ctx,
        order,
        "Spondylolisthesis or instability with radicular pain: surgical opinion (decompression with or "
        "without fusion) before a stimulator trial.",
    )
    films = [
        Fact(
            f"{s.label}: {s.conclusion}".rstrip(": "),
            s.ref,
            short=f"{s.short_label}: {finding_of(INSTABILITY, s.conclusion) or s.finding}",
        )
        for s in p.imaging_in("xray_flexion_extension")[-1:]
    ]
    facts = [p.cond_fact(c, "instability: ") for c in unstable]
    return _Reason(
        RULE_NO_TRIAL,
        "Stimulator trial before a surgical opinion on instability",
        f"{kind} with spondylolisthesis or instability and no surgical opinion: spine surgery referral "
        "first",
        (
            *facts[:1],
            *films,
            *(awaited or [Fact("no spine surgery referral or surgical opinion on record")]),
            *facts[1:],
        ),
        facts[0],
        (
            ("Await the spine surgeon's opinion" if awaited else "Refer for a spine surgery opinion")
            + ": decompression with or without fusion is appropriate with instability (NASS 2011).",
            "A stimulator trial only if the surgeon finds no operation to offer or surgery is declined.",
        ),
        ("A stimulator trial before a surgical opinion on spondylolisthesis or instability.",),
        ("nass_stenosis", "nacc_2014", "nice_ta159"),
        suggestions,
    )


def _new_pain_after_surgery(ctx: OrderContext) -> tuple[Fact, ...]:
    """What shows radicular pain new since the last lumbar operation, as the pathway's S1 reads it: a
    radicular diagnosis dated after it saying new pain (``post_surgical.new_pain_since_surgery``; a
    post-laminectomy label coded later is not new pain), scores showing the pain back after it
    (``pain_back_after_surgery``), or radicular pain whose own onset is months after it
    (``new_after_surgery``). Pain there since before the operation is not new."""
    p = ctx.pathway
    radicular = {c.ref for c in p.radicular_conditions}
    facts = [
        p.cond_fact(c, "radicular diagnosis after surgery: ", with_note=True)
        for c in post_surgical.new_pain_since_surgery(p)
        if c.ref in radicular
    ]
    facts += post_surgical.pain_back_after_surgery(p)
    if not facts and post_surgical.new_after_surgery(p):
        facts.append(p.onset_fact())
    return tuple(facts)


def _recurrence_not_excluded(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(h) New radicular pain more than 3 months after a lumbar operation (the pathway's S1:
    ``post_surgical.symptoms_after_recovery``, ``_new_pain_after_surgery``) and no contrast MRI since
    it that excludes a recurrence (``post_surgical.fibrosis_without_target``: scar, or no recurrence,
    and no other target; a recurrence found is (a)'s), and no surgeon's opinion since the operation (a
    spine surgery visit, a completed referral, a "no surgical target" note): S1 says no stimulation
    before a recurrence is excluded — the MRI without and with contrast first (ACR 2021 variant 5)."""
    p = ctx.pathway
    if not (p.post_surgical and p.gate_open and post_surgical.symptoms_after_recovery(p)):
        return None
    if p.scs_procedures:
        return None  # a stimulator tried or implanted: the device states judge the next one (N2)
    if post_surgical.fibrosis_without_target(p) or post_surgical.recurrence_confirmed(p):
        return None
    operated = post_surgical.surgery_date(p)
    if operated is None or _surgical_opinion_since(ctx, operated):
        return None
    if _for_another_indication(ctx, order):
        return None
    new = _new_pain_after_surgery(ctx)
    if not new:
        return None
    surgery = post_surgical.surgery_facts(p)[:1]
    last = p.last_surgery
    ref = last.ref if last is not None else None
    when = operated.isoformat()
    scans = post_surgical.scans_of_this_pain(p)
    pending = [
        *(p.order_fact(s, "pending order: ") for s in p.pending("mri_lumbar_with_and_without_contrast")),
        *(
            Fact(f"drafted in this session: {o.text}", o.ref or None)
            for o in ctx.other_orders(order, "mri_lumbar_with_and_without_contrast")
        ),
    ]
    hold = delete(
        order,
        "Hold the trial until a recurrence is excluded",
        f"Remove {order.ref}",
        recommended=bool(scans or pending),  # the MRI is on record or ordered: nothing else to order
    )
    if scans:
        s = scans[-1]
        decisive = Fact(
            f"contrast MRI after surgery: {s.label}: {s.conclusion or 'no report'}: recurrence neither "
            "confirmed nor excluded",
            s.ref,
            short=f"{s.short_label}: recurrence not excluded",
        )
        step = (
            f"Surgical review of the contrast MRI of {s.when or 'an unrecorded date'} for recurrent disc "
            "herniation versus epidural scar (NASS 2014)."
        )
        suggestions: tuple[SuggestionDraft, ...] = (hold,)
    elif pending:
        decisive = Fact(
            f"no MRI with contrast since the lumbar operation of {when} yet: recurrence not excluded",
            ref,
            short=f"no contrast MRI since the operation of {when} yet",
        )
        step = (
            "Await the MRI without and with contrast ordered, to tell recurrent disc herniation from "
            "epidural scar (ACR 2021 variant 5); surgical re-evaluation on its result (NASS 2014)."
        )
        suggestions = (hold,)
    else:
        decisive = Fact(
            f"no MRI with contrast since the lumbar operation of {when}: recurrence not excluded",
            ref,
            short=f"no contrast MRI since the operation of {when}",
        )
        step = (
            "MRI lumbar spine without and with contrast to tell recurrent disc herniation from epidural "
            "scar (ACR 2021 variant 5); surgical re-evaluation on its result (NASS 2014)."
        )
        suggestions = (
            cancel_and_create(
                order,
                sx.MRI_WITH_AND_WITHOUT_CONTRAST,
                ctx.term,
                patient_id=ctx.inp.patient_id,
                reasons=ctx.radicular_refs,
                label="Replace the trial with MRI lumbar spine without and with contrast",
                recommended=True,
            ),
            hold,
        )
    return _Reason(
        RULE_NO_TRIAL,
        "Stimulator trial before a recurrence is excluded",
        f"{kind} for new pain after lumbar surgery before a recurrence is excluded: contrast MRI first",
        (decisive, *new, *pending, *surgery),
        decisive,
        (
            step,
            "A stimulator trial only once a recurrence or other compressive lesion is excluded (scar "
            "without a target) and the pain persists (NICE TA159; NACC 2014).",
        ),
        ("A stimulator trial before a recurrent disc herniation is excluded.",),
        ("acr_lbp_2021", "nass_ldh", "nacc_2014"),
        suggestions,
    )


def _surgical_opinion_since(ctx: OrderContext, operated: date) -> bool:
    """A surgeon's opinion given since the operation: a spine surgery visit or a completed spine
    surgery referral dated after it, or a "no surgical target" note (``no_surgical_target_notes``)."""
    p = ctx.pathway
    if p.no_surgical_target_notes:
        return True
    if any(e.start is not None and e.start > operated for e in p.surgical_encounters):
        return True
    return any(
        s.status == "completed" and s.authored is not None and s.authored > operated
        for s in p.surgical_referrals
    )


def _repeat(ctx: OrderContext, order: DraftOrder, kind: str, drg: bool) -> _Reason | None:
    """(b) The latest earlier trial of the same kind (SCS or DRG) failed: N2 says do not repeat it. A
    DRG trial after a failed SCS trial is N2's own advice for focal pain and is not stopped."""
    p = ctx.pathway
    same = [t for t in p.scs_trials if p.is_drg(t) == drg]
    if not same:
        return None
    a = ctx.assess(same[-1], Modality.SCS_TRIAL)
    if a.outcome not in FAILED:
        return None
    trial = p.failure_facts(a)
    when = a.procedure.performed_text or a.procedure.performed or "an unrecorded date"
    success = pct(ctx.t.scs_trial_success_pct)
    return _Reason(
        RULE_FAILED_TRIAL,
        "Repeat stimulator trial after a failed trial",
        f"{kind} on {when} failed (< {success} relief): do not repeat the same trial",
        trial,
        trial[0],
        (
            "Do not repeat the failed trial"
            + (
                "."
                if drg
                else "; DRG stimulation if the pain is focal (foot, groin; NACC DRG 2019; check labelling "
                "and coverage)."
            ),
            "Multidisciplinary pain care with CBT; intrathecal pump evaluation later.",
        ),
        (f"A repeat of a stimulator trial that gave < {success} relief, without a new reason.",),
        ("nacc_2014", "nacc_drg_2019", "nice_ta159"),
        (
            delete(order, "Cancel the repeat trial", f"Remove {order.ref}", recommended=True),
            create(sx.CBT_REFERRAL, ctx.term, patient_id=ctx.inp.patient_id, reasons=ctx.radicular_refs),
        ),
        selection_behavior="any",  # cancelling and the CBT referral go together
        gaps=a.gaps,
    )


def _too_early(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(c) Radicular pain for less than ``scs_eligibility_days`` (NICE TA159: neuropathic pain for at
    least 6 months despite conventional management), counted as the other order checks count it
    (``OrderContext.course``), unless a lumbar operation that long ago makes the patient eligible as
    the pathway's S3 reads it (``long_enough_for_stimulation``)."""
    course = ctx.course
    limit = ctx.t.scs_eligibility_days
    if course is None or course.days >= limit or long_enough_for_stimulation(ctx.pathway):
        return None
    months = span(limit)
    lasted = span(course.days, exact=False)
    from_ = (course.start + timedelta(days=limit)).isoformat()
    start = course.start_said
    decisive = Fact(
        f"radicular pain for {lasted} {course.since} ({start}): under the {months} of neuropathic pain "
        "despite conventional management that NICE TA159 asks before a stimulator",
        course.facts[0].ref,
        short=f"pain {lasted} {course.since} ({start}): under {months}",
    )
    dated_by_record = not course.from_treatment and ctx.pathway.dated_by_record
    return _Reason(
        RULE_NO_TRIAL,
        f"Stimulator trial before {months} of pain",
        f"{kind} {lasted} {course.since}: under {months} of pain; continue conventional care first",
        # how the duration was counted, when from an earlier treatment rather than the onset
        (decisive, *(course.facts if course.from_treatment else ())),
        decisive,
        (
            "Continue conventional management (active physiotherapy, medication review, CBT-informed "
            f"care); consider a stimulator trial from {from_} if the neuropathic pain persists despite it "
            "(NICE TA159).",
        ),
        (f"A stimulator trial before {months} of pain despite conventional management.",),
        ("nice_ta159", "nacc_2014"),
        (
            delete(
                order, f"Cancel the trial; reconsider from {from_}", f"Remove {order.ref}", recommended=True
            ),
        ),
        gaps=(
            ("when the leg pain began (only the date the diagnosis was recorded)",) if dated_by_record else ()
        ),
    )


# The pathway steps after a failed injection that are not yet refractory radicular pain, each with
# stimulation under the decision model's "must not": (title, what the summary says after the trial's
# name, the step before any stimulator, what not to do).
_NOT_REFRACTORY: dict[str, tuple[str, str, str, str]] = {
    "F4": (
        "Stimulator trial before the diagnosis is settled",
        "before the diagnosis is settled: re-evaluate it first",
        "A stimulator trial only once the radicular diagnosis is confirmed (EMG/NCS, a diagnostic root "
        "block or a surgeon's review) and the pain persists despite its treatment.",
        "A stimulator trial before the radicular diagnosis is clear.",
    ),
    "F5": (
        "Stimulator trial for pain that looks facet- or SI-mediated",
        "for axial pain that looks facet- or SI-mediated: diagnostic blocks first",
        "No stimulator trial for facet- or SI-mediated pain: confirm the pain generator with diagnostic "
        "blocks first.",
        "Spinal cord stimulation for facet- or SI-joint pain.",
    ),
    "F2": (
        "Stimulator trial without an adequate injection trial",
        "with no adequate injection trial yet: image-guided ESI at the right level first",
        "A stimulator trial only if radicular pain persists after an adequate (image-guided, level-"
        "concordant) injection trial and the rest of the pathway.",
        "Calling the pain refractory, and a stimulator trial, after an inadequate injection trial.",
    ),
}


def _not_refractory_yet(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(f) The patient's step on the pathway, as the patient view shows it (``pathway_step``), says
    the pain is not yet refractory radicular pain: F4 (a mimic on record, imaging discordant or
    missing: re-evaluate the diagnosis), F5 (axial pain that looks facet- or SI-mediated: diagnostic
    blocks) or F2 (blind or off-level injections only: an adequate injection trial). The decision model
    lists stimulation under each state's "must not"; the card gives that step's facts and next steps."""
    step = pathway_step(ctx.pathway)
    if step is None or step.rule_id not in _NOT_REFRACTORY or not step.why:
        return None
    if _for_another_indication(ctx, order):
        return None  # the trial may be for another pain a stimulator treats
    title, said, after, avoid = _NOT_REFRACTORY[step.rule_id]
    return _Reason(
        RULE_NO_TRIAL,
        title,
        f"{kind} {said}",
        step.why,
        step.why[0],
        (*step.next_steps[:2], after),
        (avoid,),
        (*(g.key for g in step.evidence), "nacc_2014"),
        # with an EMG, a root block or a surgeon's review on record the step's own order may be on the
        # chart already: cancelling is offered, not a second one
        _instead_of_trial(order, () if refractory.diagnosis_confirmations(ctx.pathway) else step.suggestions),
        gaps=step.gaps,
    )


# Pain a stimulator treats besides radicular pain, named in a condition's words.
_OTHER_STIMULATOR_INDICATION = re.compile(
    r"complex regional pain|\bcrps\b|reflex sympathetic|causalgia|painful diabetic|phantom limb",
    re.IGNORECASE,
)


def _for_another_indication(ctx: OrderContext, order: DraftOrder) -> bool:
    """A stimulator trial that may be for another pain a stimulator treats (CRPS, painful diabetic
    neuropathy, phantom limb pain): its reason names such a condition, or it names no radicular one
    while such a condition is current (not refuted). The radicular pathway's step does not judge it
    then."""
    p = ctx.pathway
    radicular = {c.ref for c in (*p.radicular_conditions, *p.fbss_conditions)}
    if set(order.reason_refs) & radicular:
        return False
    reasons = [c for c in p.history.conditions if c.ref in order.reason_refs]
    named = " ".join([*(c.display or "" for c in order.reason_codings), *(c.text for c in reasons)])
    if _OTHER_STIMULATOR_INDICATION.search(named):
        return True
    current = [
        c.text for c in p.history.conditions
        if c.verification_status not in EXCLUDED_VERIFICATION and p.in_force(c)
    ]  # fmt: skip
    return not order.reason_refs and bool(_OTHER_STIMULATOR_INDICATION.search(" ".join(current)))


def _instead_of_trial(order: DraftOrder, step: tuple[SuggestionDraft, ...]) -> tuple[SuggestionDraft, ...]:
    """Cancel the trial; with the pathway step's recommended order (EMG/NCS, an image-guided ESI at
    the matching level), one click replaces the trial with it."""
    removal = Action("delete", f"Remove the draft order {order.text}", resource_id=order.ref)
    nxt = next((s for s in step if s.is_recommended and all(a.type == "create" for a in s.actions)), None)
    cancel = SuggestionDraft("Cancel the trial", (removal,), is_recommended=nxt is None)
    if nxt is None:
        return (cancel,)
    label = f"Replace the trial: {nxt.label[:1].lower()}{nxt.label[1:]}"
    return (SuggestionDraft(label, (removal, *nxt.actions), is_recommended=True), cancel)


def _last_esi(ctx: OrderContext, order: DraftOrder, kind: str) -> _Reason | None:
    """(d) The last lumbar ESI cannot be judged yet: too recent (its 2–6-week window has not opened),
    or, within ``outcome_recall_days``, with no outcome the record can judge (decision model F0: no
    escalation before it is judged; the pathway's F0 holds S3 so), or a response whose lasting is
    judged at the 60-120-day horizon (as F1 holds a repeat). The trial waits for its scores, and
    follows from that judgement. (e) A response known to have lasted (F1 "worked"): a repeat
    injection when the pain recurs, not a stimulator. A response judged not sustained, or one whose
    duration went unrecorded past the horizon, holds nothing here: F1 says what it allows."""
    p = ctx.pathway
    last = p.esi_assessments[-1:]
    if not last or last[0].procedure.performed is None:
        return None
    a = last[0]
    t0 = a.procedure.performed
    assert t0 is not None  # for mypy: checked above
    # the injection decides only for the pain it treated, and before stimulation: not one before the
    # lumbar operation, and not once a stimulator has been tried or implanted (the device states and
    # the checks above judge a trial then, as the pathway's N and L cards do)
    if p.post_surgical and not given_after_surgery(p, a.procedure):
        return None
    if p.scs_procedures:
        return None
    days = (ctx.today - t0).days
    after = "on the day of an ESI" if days == 0 else f"{span(days, exact=False)} after an ESI"
    relief = pct(ctx.t.responder_relief_pct)
    facts = p.failure_facts(a)  # its first line names the injection, its date and the window
    lost = relief_lost(p, a)
    if lost is not None or relief_so_far(p, a):
        # a response whose lasting is judged at the 60-120-day horizon (F1 holds a repeat so): a
        # trial waits for that judgement
        opens = t0 + timedelta(days=ctx.t.esi_durability_start_days)
        closes = t0 + timedelta(days=ctx.t.esi_durability_end_days)
        judge = f"from {opens.isoformat()}" if opens > ctx.today else f"now (by {closes.isoformat()})"
        held = "whose response has not held" if lost is not None else "that has helped so far"
        return _Reason(
            RULE_NO_TRIAL,
            "Stimulator trial before the last injection is judged",
            f"{kind} {after} {held}: judge it {judge} first",
            (*facts, *([lost.fact(p)] if lost is not None else [])),
            Fact(f"the last ESI is to be judged {judge}", a.procedure.ref),
            (
                f"Record leg-pain NRS and ODI between {opens.isoformat()} and {closes.isoformat()} "
                f"({window(ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)} after the "
                "injection): the next step, a stimulator trial among them, follows from that judgement "
                "(NACC 2014; NICE TA159).",
            ),
            ("A stimulator trial before the last injection is judged.",),
            ("nacc_2014", "nice_ta159", "cms_esi_lcd"),
            (
                delete(
                    order,
                    "Hold the trial until the injection is judged",
                    f"Remove {order.ref}; record NRS and ODI between {opens.isoformat()} and "
                    f"{closes.isoformat()}",
                    recommended=True,
                ),
            ),
        )
    if response_lasted(p, a):
        # F1 "worked": a repeat injection when the pain recurs; the decision model's F1 lists
        # escalation to a stimulator among what not to do
        return _Reason(
            RULE_NO_TRIAL,
            "Stimulator trial after an injection that worked",
            f"{kind} {after} that worked (lasting relief): a repeat injection is the next step",
            facts,
            Fact("the last ESI worked (lasting relief)", a.procedure.ref),
            (
                f"A repeat image-guided ESI when the pain recurs after a sustained ≥ {relief} response, "
                "within the session limit (Medicare ESI LCD); a stimulator is for pain refractory to "
                "injections (NICE TA159; NACC 2014).",
            ),
            ("A stimulator trial while epidural injections give lasting relief.",),
            ("nacc_2014", "nice_ta159", "cms_esi_lcd"),
            (delete(order, "Cancel the trial", f"Remove {order.ref}", recommended=True),),
        )
    undocumented = a.outcome in UNDOCUMENTED_OUTCOMES and days <= ctx.t.outcome_recall_days
    if a.outcome is not Outcome.PENDING and not undocumented:
        return None
    opens = t0 + timedelta(days=ctx.t.esi_window_start_days)
    closes = t0 + timedelta(days=ctx.t.esi_window_end_days)
    weeks = window(ctx.t.esi_window_start_days, ctx.t.esi_window_end_days)
    if undocumented:
        summary = f"{kind} {after} whose outcome is not recorded: record it first"
        brief = Fact("the last ESI's outcome is not recorded", a.procedure.ref)
        record = (
            f"Record leg-pain NRS and ODI now, and the best relief in the {weeks} after the injection"
        )
    else:
        summary = f"{kind} {after} that cannot be judged before {opens.isoformat()}: judge it first"
        brief = Fact(f"the last ESI cannot be judged before {opens.isoformat()}", a.procedure.ref)
        record = (
            f"Record leg-pain NRS and ODI between {opens.isoformat()} and {closes.isoformat()} ({weeks} "
            "after the injection)"
        )
    return _Reason(
        RULE_NO_TRIAL,
        "Stimulator trial before the last injection is judged",
        summary,
        facts,
        brief,
        (
            f"{record}; a stimulator trial only if it {'gave' if undocumented else 'gives'} less than "
            f"{relief} relief (NACC 2014; NICE TA159).",
        ),
        ("A stimulator trial before the last injection is judged.",),
        ("nacc_2014", "nice_ta159", "cms_esi_lcd"),
        (
            delete(
                order,
                "Hold the trial until the injection is judged",
                f"Remove {order.ref}; record NRS and ODI to judge the injection",
                recommended=True,
            ),
        ),
    )


def _psych_encounters(ctx: OrderContext) -> list[EncounterFact]:
    """Visits that were (or are booked as) the psychological evaluation: typed with a code of
    ``psychological_evaluation``, or so named in their text or type names."""
    out = []
    for e in ctx.history.encounters:
        if e.status in ("cancelled", "entered-in-error"):
            continue
        codings = (*e.types, *e.service_type)
        words = " ".join([e.text, *(c.display or "" for c in codings)])
        if ctx.is_a("psychological_evaluation", codings) or _PSYCH_EVALUATION.search(words):
            out.append(e)
    return out


@dataclass(frozen=True)
class PsychEvaluation:
    """The psychological evaluation on record: ``what`` names it, what became of it and its date
    ("Psychiatric diagnostic evaluation done 2026-08-22", "... ordered 2026-11-02"); ``done`` when it
    took place (not only ordered, booked or drafted); ``on`` its date, when known; ``unsuitable`` when
    its words found the patient not suitable for the implant now."""

    what: str
    done: bool
    on: date | None = None
    unsuitable: bool = False

    def standing(self, today: date, recent_days: int) -> str:
        """What it means for an implant: "cleared" (done within ``recent_days``, not found unsuitable),
        "arranged" (ordered, booked or drafted, not yet done), "unsuitable" (done and found the patient
        not suitable), "old" (done longer ago: to be repeated)."""
        if not self.done:
            return "arranged"
        if self.unsuitable:
            return "unsuitable"
        if self.on is not None and (today - self.on).days > recent_days:
            return "old"
        return "cleared"


# An evaluation's words that found the patient not suitable for the implant now.
_UNSUITABLE = re.compile(
    r"\bnot (?:a )?(?:suitable|appropriate|good)\b|\bunsuitable\b|\bnot cleared\b|\bnot recommended\b|"
    r"\bdefer(?:red)? (?:the )?(?:trial|implant|stimulator)|\bdoes not support\b",
    re.IGNORECASE,
)
# A contraindication found counts only where the words report one: "no psychological
# contraindication", "contraindications: none", "not contraindicated", "contraindication ruled out"
# and "screened for contraindications (...): none found" clear the patient.
_CONTRAINDICATION = re.compile(r"\bcontraindicat", re.IGNORECASE)
_CONTRAINDICATION_CLEARED = re.compile(
    r"\bcontraindicat\w*[^.;]{0,80}?"
    r"\b(?:ruled out|excluded|none (?:found|identified|noted|seen)|not found)\b",
    re.IGNORECASE,
)


def _found_unsuitable(words: str) -> bool:
    if _UNSUITABLE.search(words):
        return True
    return bool(reported(_CONTRAINDICATION, _CONTRAINDICATION_CLEARED.sub(" ", words)))



def psych_evaluation(ctx: OrderContext, order: DraftOrder | None = None) -> PsychEvaluation | None:
    """A psychological evaluation (``psychological_evaluation``) on record: a completed Procedure, a
    ServiceRequest not revoked or entered in error, a visit that was (or is booked as) the evaluation
    (``_psych_encounters``), or, beside ``order``, another order of this session (a referral to a
    psychologist among them: the evaluation being arranged). The latest that
    took place is named, else the latest ordered, booked or drafted; None when there is none."""
    vs = "psychological_evaluation"

    def named(
        text: str, what: str, done: bool, on: date | None, notes: tuple[str, ...] = ()
    ) -> PsychEvaluation:
        name = abbreviate(text) or "Psychological evaluation"
        unsuitable = done and _found_unsuitable(". ".join((text, *notes)))
        found_words = ", found not suitable" if unsuitable else ""
        return PsychEvaluation(f"{name[:1].upper()}{name[1:]} {what}{found_words}", done, on, unsuitable)

    found: list[PsychEvaluation] = []
    coded = ctx.completed(vs)
    # a completed procedure so named ("Psychological evaluation before neuromodulation" under a
    # psychotherapy code) is the evaluation too, as a visit so named is
    named_only = [
        p for p in ctx.history.procedures
        if p.is_completed and p not in coded and _PSYCH_EVALUATION.search(p.text)
        and (p.performed is None or p.performed <= ctx.today)
    ]  # fmt: skip
    for p in (*coded, *named_only):
        when = p.performed_text or (p.performed.isoformat() if p.performed else None)
        done_when = f"done {when}" if when else "done (date not recorded)"
        found.append(named(p.text, done_when, True, p.performed, p.notes))
    for s in ctx.history.service_requests:
        if ctx.is_a(vs, s.codings) and s.status not in ("revoked", "entered-in-error"):
            done = s.status == "completed"
            dated = f" {s.authored.isoformat()}" if s.authored else ""
            found.append(named(s.text, f"ordered{dated}" + (", completed" if done else ""), done, s.authored))
    for e in _psych_encounters(ctx):
        done = e.status in ("finished", "completed")
        when = f" {'on' if done else 'booked for'} {e.start.isoformat()}" if e.start else ""
        found.append(named(e.text, f"visit{when}" if done else f"visit{when or ' booked'}", done, e.start))
    if order is not None:
        # a referral to a psychologist drafted with the implant is the evaluation being arranged
        referrals = [o for o in ctx.other_orders(order, "referral_psychology") if _for_the_implant(o)]
        drafted = (*ctx.other_orders(order, vs), *referrals)
        found += [named(o.text, "drafted in this session", False, ctx.today) for o in drafted]
    if not found:
        return None
    # one that took place before one only ordered; then the latest, a dated one before an undated
    return max(found, key=lambda f: (f.done, f.on is not None, f.on or date.min))


# A psychology referral's stated purpose that is the pre-implant assessment (or pain care).
_IMPLANT_PURPOSE = re.compile(r"pain|stimulat|implant|evaluat|assess|neuromod|pump|pre-?op", re.IGNORECASE)


def _for_the_implant(o: DraftOrder) -> bool:
    """A psychology referral drafted with an implant is its evaluation unless it states another
    purpose (insomnia, grief): no reason given, or a reason or words naming pain or the implant."""
    stated = [c.display or "" for c in o.reason_codings]
    if not stated and not o.reason_refs:
        return True
    return any(_IMPLANT_PURPOSE.search(x) for x in (*stated, o.text))


def psych_evaluation_on_record(ctx: OrderContext, order: DraftOrder | None = None) -> bool:
    """Whether a psychological evaluation that clears the implant is on record or being arranged
    (``psych_evaluation``: done within ``psych_evaluation_recent_days`` and not found unsuitable, or
    ordered, booked or drafted). The pathway's N1 asks the same question, so the card that offers an
    implant and the check on that implant agree."""
    return _clears(ctx, psych_evaluation(ctx, order))


def _clears(ctx: OrderContext, found: PsychEvaluation | None) -> bool:
    """Whether ``found`` clears an implant: done recently and not found unsuitable, or arranged; not a
    done evaluation followed by thoughts of self-harm on the PHQ-9 (``_self_harm_after``)."""
    return (
        found is not None
        and found.standing(ctx.today, ctx.t.psych_evaluation_recent_days) in ("cleared", "arranged")
        and _self_harm_after(ctx, found) is None
    )


def _self_harm_after(ctx: OrderContext, found: PsychEvaluation) -> ObservationFact | None:
    """A PHQ-9 item 9 answer beyond "Not at all" given after the evaluation was done (the pathway's
    ``neuromodulation.self_harm_since``, as N1 and Y1 read it): what the evaluation judged has changed."""
    # imported here: the pathway's neuromodulation rules read this module's evaluation
    from hooks.pathway.rules.neuromodulation import self_harm_since

    return self_harm_since(ctx.pathway, found.on) if found.done else None


def _psych(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    found = psych_evaluation(ctx, order)  # when it does not clear the implant: old, or found unsuitable
    if _clears(ctx, found):
        return []
    first = next(
        (o for o in ctx.judged if ctx.order_is(o, "neuromodulation_implant") and _trial_stop(ctx, o) is None),
        None,
    )
    if first is not order:
        return []  # one card per session, on the first implant order whose trial card does not name it
    pump = ctx.order_is(order, "intrathecal_pump_implant") is not None
    device = "intrathecal pump" if pump else "spinal cord stimulator"
    self_harm = None if found is None else _self_harm_after(ctx, found)
    return [
        card(
            RULE_PSYCH,
            "Neuromodulation without a psychological evaluation",
            order,
            indicator="warning",
            summary=f"No psychological evaluation on record before this {device}: order it first"
            if found is None
            else f"The psychological evaluation on record does not clear this {device}: "
            + ("address what it found first" if found.unsuitable else "repeat it first"),
            why=(
                Fact(
                    "no psychological evaluation on record (procedures, orders, visits, or this "
                    "session's drafts)",
                    short="no psychological evaluation on record",
                )
                if found is None
                else Fact(
                    found.what
                    + (
                        ""
                        if found.unsuitable or self_harm is not None
                        else f" (more than {span(ctx.t.psych_evaluation_recent_days)} ago)"
                    ),
                    short=found.what,
                ),
                *(
                    ()
                    if self_harm is None
                    else (
                        Fact(
                            "since then, PHQ-9 item 9 (thoughts of being better off dead or of "
                            f"self-harm) answered beyond 'Not at all' on {self_harm.effective}: assess "
                            "suicide risk first",
                            self_harm.ref,
                            short=f"PHQ-9 item 9 positive since, {self_harm.effective}",
                        ),
                    )
                ),
            ),
            next_steps=(
                "Psychological evaluation before any stimulator or pump trial (screen for depression, "
                "catastrophising, expectations).",
            ),
            avoid=(f"A {device} trial or implant without a psychological evaluation.",),
            evidence=("pacc_2024",) if pump else ("nacc_2014",),
            gaps=ctx.unavailable_gaps("procedures", "serviceRequests", "encounters"),
            suggestions=(
                create(
                    sx.PSYCHOLOGICAL_EVALUATION,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=ctx.radicular_refs,
                    recommended=True,
                ),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=RULES, applies_to=("neuromodulation_implant",), kind="procedure", judge=check,
    checks_what="the stimulator trial result and the psychological evaluation",
    needs=("observations", "serviceRequests"), evidence=("nacc_2014",),
    adult_pathway=True,  # trial and psychological-evaluation sequencing of adult neuromodulation (NACC)
)  # fmt: skip
