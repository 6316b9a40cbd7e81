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
      (the permanent implant is held; no new trial is suggested).
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
Then: warning; order the psychological evaluation first.
Evidence: NACC 2014; PACC 2017/2024 (intrathecal).
"""

from __future__ import annotations

import re
from datetime import date

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, card, create, delete, replace
from hooks.orders.context import FAILED, POSITIVE, OrderContext
from hooks.pathway.failure import Modality
from hooks.rule import Rule, order_rule
from hooks.text import abbreviate

RULE_NO_TRIAL_DECL: Rule = order_rule(
    "order.scs-no-trial", "Permanent stimulator without a successful trial", "N1", ("nacc_2014", "nice_ta159")
)
RULE_FAILED_TRIAL_DECL: Rule = order_rule(
    "order.scs-failed-trial",
    "Permanent stimulator after a failed trial",
    "N2",
    ("nacc_2014", "nacc_drg_2019", "nice_ta159"),
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
    out = _trial(ctx, order, removed) if permanent else []
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
                        delete(
                            order, "Cancel the permanent implant", f"Remove {order.ref}", recommended=True
                        ),
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
            next_steps=(
                "Psychological evaluation, then a stimulator trial; implant only with ≥ "
                f"{ctx.t.scs_trial_success_pct:g} % relief during the trial.",
            ),
            avoid=("Permanent implant without a trial.",),
            evidence=("nacc_2014", "nice_ta159"),
            gaps=ctx.unavailable_gaps("procedures"),
            suggestions=(
                replace(
                    order,
                    trial,
                    "Change to a spinal cord stimulator trial",
                    f"Replace {order.ref} with a stimulator trial (percutaneous leads)",
                    text=sx.SCS_TRIAL.text,
                    recommended=True,
                    note=[{"text": sx.SCS_TRIAL.note}],
                ),
                delete(order, "Cancel the permanent implant", f"Remove {order.ref}"),
            ),
        )
    ]


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


def _psych_encounters(ctx: OrderContext) -> list[str]:
    """Visits that were (or are booked as) the psychological evaluation: typed with a code of
    ``psychological_evaluation``, or so named in their text or type names."""
    out = []
    for e in ctx.history.encounters:
        if e.status in ("cancelled", "entered-in-error"):
            continue
        codings = (*e.types, *e.service_type)
        words = " ".join([e.text, *(c.display or "" for c in codings)])
        if ctx.is_a("psychological_evaluation", codings) or _PSYCH_EVALUATION.search(words):
            out.append(e.ref)
    return out


def psych_evaluation_on_record(ctx: OrderContext, order: DraftOrder | None = None) -> bool:
    """A psychological evaluation (``psychological_evaluation``) on record: a completed Procedure, a
    ServiceRequest not revoked or entered in error, a visit that was (or is booked as) the evaluation
    (``_psych_encounters``), or, beside ``order``, another order of this session. The pathway's N1
    asks the same question, so the card that offers an implant and the check on that implant agree."""
    vs = "psychological_evaluation"
    return bool(
        ctx.completed(vs)
        or any(
            ctx.is_a(vs, s.codings) and s.status not in ("revoked", "entered-in-error")
            for s in ctx.history.service_requests
        )
        or (order is not None and ctx.other_orders(order, vs))
        or _psych_encounters(ctx)
    )


def _psych(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if psych_evaluation_on_record(ctx, order):
        return []
    if not ctx.first_judged(order, "neuromodulation_implant"):
        return []  # one psychological-evaluation card per session, on the first implant order
    pump = ctx.order_is(order, "intrathecal_pump_implant") is not None
    device = "intrathecal pump" if pump else "spinal cord stimulator"
    return [
        card(
            RULE_PSYCH,
            "Neuromodulation without a psychological evaluation",
            order,
            indicator="warning",
            summary=f"No psychological evaluation on record before this {device}: order it first",
            why=(
                Fact(
                    "no psychological evaluation on record (procedures, orders, visits, or this "
                    "session's drafts)",
                    short="no psychological evaluation on record",
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
