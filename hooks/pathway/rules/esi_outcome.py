"""F0, F1, F2, F8: what the epidural steroid injections so far tell us before calling pain refractory.

F0 — too early to judge (or the outcome was never recorded: say so, do not guess);
F1 — the injection worked and pain came back (not a failure);
F2 — the trial was inadequate (blind injections, or a level that does not match the imaging);
F8 — injections repeated without benefit or beyond the frequency limit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact, SuggestionDraft
from hooks.facts import ObservationFact, ProcedureFact, ServiceRequestFact
from hooks.pathway import failure
from hooks.pathway.context import (
    FAILED_OUTCOMES,
    SUCCESS_OUTCOMES,
    PathwayContext,
)
from hooks.pathway.failure import Assessment, Modality, Outcome, days_after, sides_concordant, weeks_span
from hooks.pathway.rules.common import (
    HOLD,
    TOPIC_PATHWAY,
    Rule,
    count,
    mri_ordered_fact,
    ordered_fact,
    pending_mri,
    review_ordered_mri,
)
from hooks.rule import WARNING
from hooks.text import COMPRESSION, affirmed, clause_of, levels_in, parse_laterality, segments
from hooks.thresholds import Thresholds, pct, span, window

F0 = Rule(
    "F0", "Epidural steroid injection too recent or not yet judged", TOPIC_PATHWAY,
    ("nass_ldh", "cms_esi_lcd", "farrar_2001"),
)
F1 = Rule(
    "F1", "Epidural steroid injection worked, then pain recurred", TOPIC_PATHWAY, ("nass_ldh", "cms_esi_lcd")
)
F2 = Rule(
    "F2", "Inadequate epidural steroid injection trial", TOPIC_PATHWAY,
    ("nass_ldh", "acr_lbp_2021", "asipp_epidural_2021"), indicators=WARNING,
)
F8 = Rule(
    "F8", "Epidural injections repeated without benefit", TOPIC_PATHWAY, ("nice_ng59", "cms_esi_lcd"),
    indicators=WARNING,
)

ESI_ORDER_SETS = ("esi_lumbar_all",)


def year(ctx: PathwayContext) -> str:
    """The frequency window as card text ("12 months")."""
    return span(ctx.t.esi_frequency_window_days)


def sessions_in_last_year(ctx: PathwayContext) -> int:
    return len(ctx.esis_in_frequency_window)


def frequency_exceeded(ctx: PathwayContext) -> bool:
    """≥ 4 lumbar ESI sessions in a rolling 12 months (Medicare LCDs)."""
    return sessions_in_last_year(ctx) >= ctx.t.esi_max_sessions_per_year


def _stimulator_facts(stimulator: ProcedureFact | None) -> list[Fact]:
    """A permanent stimulator implanted after the injections and still helping, as F8 names it."""
    if stimulator is None:
        return []
    when = stimulator.performed.isoformat() if stimulator.performed else "an unrecorded date"
    return [
        Fact(
            f"{stimulator.text}: permanent stimulator implanted {when}, after the injections, not "
            "losing effect",
            stimulator.ref,
            short=f"stimulator implanted {when}, still helping",
        )
    ]


def next_session_date(ctx: PathwayContext) -> date | None:
    """With the session limit reached, the first day a further lumbar ESI falls within it (at most
    ``esi_max_sessions_per_year`` per region in a rolling 12 months, Medicare ESI LCD): the day the
    oldest session that keeps the count at the limit leaves the window (the window's oldest when it
    holds exactly the limit). None while the limit is not reached."""
    done = ctx.esis_in_frequency_window
    limit = ctx.t.esi_max_sessions_per_year
    if len(done) < limit:
        return None
    oldest = done[-limit].performed
    assert oldest is not None  # the window holds dated sessions only
    return oldest + timedelta(days=ctx.t.esi_frequency_window_days)


def limit_step_reason(ctx: PathwayContext) -> str:
    """Why no further ESI now, as a step says it after its date: the sessions and the limit."""
    limit = ctx.t.esi_max_sessions_per_year
    n = sessions_in_last_year(ctx)
    return (
        f"{n} lumbar sessions in the last {year(ctx)} reach the limit of {limit} per region in a rolling "
        f"{year(ctx)} (Medicare ESI LCD)"
    )


def other_target(a: ProcedureFact, b: ProcedureFact) -> bool:
    """Two injections aimed at different levels: both state one and neither level lies within the
    other (L4-5 and L5-S1 differ; S1 and L5-S1 do not)."""
    sa = segments(a.level) if a.level else set()
    sb = segments(b.level) if b.level else set()
    return bool(sa and sb) and not (sa <= sb or sb <= sa)


def consecutive_failures(ctx: PathwayContext, *, skip_pending: bool = False) -> tuple[Assessment, ...]:
    """The trailing run of image-guided ESIs that gave < 50 % relief at the same target: an earlier
    injection at a level that clearly differs from the latest one's (L4-5, then L5-S1) was a trial of
    another root, not a failed repeat of this one, and ends the run. ``skip_pending``: injections
    still too early to judge are passed over (the order check judging one more ESI), not an end."""
    run: list[Assessment] = []
    for a in reversed(ctx.image_guided_assessments):
        if skip_pending and a.outcome is Outcome.PENDING:
            continue
        if a.outcome not in FAILED_OUTCOMES:
            break
        if run and other_target(a.procedure, run[-1].procedure):
            break
        run.append(a)
    return tuple(reversed(run))


def run_wording(ctx: PathwayContext, run: tuple[Assessment, ...]) -> tuple[str, str]:
    """What the injections of ``run`` did, as their assessments say — (with the threshold, in a
    word): relief that wore off is not "no relief", and partial relief (30–49 %, or coded partially
    successful) is some effect, below the response threshold, not none."""
    relief = pct(ctx.t.responder_relief_pct)
    kinds = {_response_kind(a) for a in run}
    if run and kinds == {"short-lived"}:
        return "with short-lived relief only", "with short-lived relief only"
    if run and kinds == {"partial"}:
        return f"with partial relief only (under {relief})", "with partial relief only"
    if run and kinds == {"not sustained"}:
        # ≥ 50 % in the window, 30-49 % at the durability horizon: not "partial relief only"
        horizon = window(ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)
        return (
            f"with relief that did not last (under {relief} at {horizon})",
            "with relief that did not last",
        )
    if run and kinds <= {"partial", "short-lived", "not sustained"}:
        return (
            f"with partial or short-lived relief only (no lasting {relief})",
            "with partial or short-lived relief only",
        )
    if kinds & {"partial", "short-lived", "not sustained"}:
        return f"without lasting ≥ {relief} relief", "without lasting benefit"
    return f"without ≥ {relief} relief", "without benefit"


def _response_kind(a: Assessment) -> str:
    """What an injection's relief did, in a word: "short-lived" (< 30 % by the durability horizon),
    "not sustained" (a response in the window, 30-49 % at the horizon: PARTIAL with the relief it
    faded to), "partial" (30-49 % or coded partially successful) or "none"."""
    if a.outcome is Outcome.SHORT_LIVED:
        return "short-lived"
    if a.outcome is Outcome.PARTIAL:
        return "not sustained" if a.faded_pct is not None else "partial"
    return "none"


def repeated_without_benefit(ctx: PathwayContext) -> bool:
    return len(consecutive_failures(ctx)) >= ctx.t.esi_consecutive_failures


def relief_course(run: tuple[Assessment, ...]) -> str | None:
    """How the relief of a run of short-lived responses went, in one phrase for all of them ("62 %
    relief at 3-5 weeks, down to 0-6 % by 9-13 weeks"): what says a good early response did not last.
    None unless every injection of the run is a short-lived response with its numbers. A response
    that was not sustained (PARTIAL, 30-49 % at the durability horizon) is not short-lived (§3.1.4:
    < 30 %) and leaves the course unsaid: each injection's own lines say how its relief went."""
    if not run or any(
        a.outcome is not Outcome.SHORT_LIVED
        or a.relief_pct is None
        or a.faded_pct is None
        or a.procedure.performed is None
        for a in run
    ):
        return None

    def pcts(values: list[float]) -> str:
        lo, hi = round(min(values)), round(max(values))
        return f"{lo} %" if lo == hi else f"{lo}-{hi} %"

    peak = pcts([a.relief_pct for a in run if a.relief_pct is not None])
    faded = pcts([a.faded_pct for a in run if a.faded_pct is not None])
    early = [d for a in run if a.procedure.performed for d in days_after(a.follow_up, a.procedure.performed)]
    late = [d for a in run for d in a.faded_days]
    return f"{peak} relief at {weeks_span(early)}, down to {faded} by {weeks_span(late)}"


def injection_names(ctx: PathwayContext, run: tuple[Assessment, ...]) -> str:
    """The injections of ``run`` as a card names them, one name with its dates when they share it
    ("TFESI left L5-S1 2026-04-16, 2026-06-17")."""
    names = [ctx.session_short(a.procedure) for a in run]
    split = [re.match(r"(.*\S)\s+(\d{4}-\d\d-\d\d)$", n) for n in names]
    if all(split) and len({m.group(1) for m in split if m}) == 1:
        first = split[0]
        assert first is not None
        return f"{first.group(1)} " + ", ".join(m.group(2) for m in split if m)
    return ", ".join(names)


def scores_once(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each score named once: the score that closes one injection's window is often
    the next injection's baseline, and the assessments of both list it."""
    seen: set[str] = set()
    out = []
    for f in facts:
        if f.ref is not None and f.ref.startswith("Observation/") and f.ref in seen:
            continue
        seen.update(f.refs)
        out.append(f)
    return out


def pending_esi_orders(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The repeat ESI orders on their way (``repeat_esi_orders``), each named to be held: an order
    the latest injection carried out, left active, is not one."""
    return tuple(ctx.order_fact(s, "pending ESI order: ", short_prefix=HOLD) for s in repeat_esi_orders(ctx))


def repeat_esi_orders(ctx: PathwayContext) -> tuple[ServiceRequestFact, ...]:
    """Pending ESI orders (draft, active, on hold) that are a repeat on its way: placed after the
    latest injection, or undated. One dated on or before the latest injection is most likely the
    order that injection carried out, its status never closed, not a repeat."""
    last = max((p.performed for p in ctx.all_esis if p.performed is not None), default=None)
    return tuple(
        s for s in ctx.pending(*ESI_ORDER_SETS) if s.authored is None or last is None or s.authored > last
    )


def esi_order_fact(ctx: PathwayContext, s: ServiceRequestFact, *, hold: bool) -> Fact:
    """A pending ESI order named beside the injection it would repeat, its short form saying what it
    is in a word ("ESI ordered 2026-10-30"), with "hold pending order: " before it when the card
    says to hold it (its next step says until when)."""
    return ordered_fact(ctx, s, "pending ESI order: ", "ESI", hold=hold)


def order_name(s: ServiceRequestFact) -> str:
    """The pending ESI order as a summary names it ("the ESI ordered 2026-10-30")."""
    return "the ESI ordered" + (f" {s.authored.isoformat()}" if s.authored else "")


def ordered_on(s: ServiceRequestFact) -> str:
    """The order's date as a step says it after "ordered" (" on 2026-10-30"; nothing when undated)."""
    return f" on {s.authored.isoformat()}" if s.authored else ""


def baseline_missing(ctx: PathwayContext, a: Assessment) -> list[str]:
    """What of the baseline an ordered repeat will be judged against the record lacks, as a step
    names it: a pain score (NRS) and an ODI, each dated after the injection ``a`` judged and within
    the look-back its assessment takes the baseline from (``baseline_lookback_days``, counted back
    from today); an older score, or one taken during that injection's response, is no baseline."""
    since = ctx.today - timedelta(days=ctx.t.baseline_lookback_days)
    done = a.procedure.performed
    if done is not None and done >= since:
        since = done + timedelta(days=1)
    names = {"pain": "the leg-pain score (NRS 0–10)", "odi": "ODI"}
    return [name for kind, name in names.items() if not ctx.observations(kind, since=since)]


def baseline_clause(missing: list[str]) -> str:
    """The request for the missing baseline scores, to follow a step naming the ordered ESI."""
    if not missing:
        return ""
    return f"; record {' and '.join(missing)} before it as the baseline its outcome is judged against"


def _esi_when(a: Assessment) -> str:
    p = a.procedure
    return p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")


def f0_too_early(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F0 — the last ESI is too recent to judge (< 14 days): no refractory card.

    When: the last lumbar ESI was done less than 14 days ago (assessment PENDING).
    Then: info — record NRS/ODI between 2 and 6 weeks after the injection; do not label it failed,
      repeat it or escalate.
    Evidence: decision model §3 (2–6-week window avoids the early anaesthetic/steroid effect); CMS
      ESI LCDs; Farrar 2001 (what counts as a clinically important change).
    """
    p = a.procedure
    weeks = window(ctx.t.esi_window_start_days, ctx.t.esi_window_end_days)
    opened = True
    if p.performed is not None:
        start = p.performed + timedelta(days=ctx.t.esi_window_start_days)
        end = p.performed + timedelta(days=ctx.t.esi_window_end_days)
        when = f"between {start.isoformat()} and {end.isoformat()}"
        opened = start <= ctx.today
    else:
        when = f"{weeks} after the injection"
    return F0.card(
        ctx,
        indicator="info",
        summary=f"ESI on {_esi_when(a)} is too recent to judge: record leg-pain NRS and ODI at {weeks}",
        why=ctx.failure_facts(a),  # its first line names the injection, its date and the window
        # a window that has not opened yet is not missing data: the next step asks for the scores
        gaps=[f"record the outcome (leg-pain NRS and ODI) of the ESI on {_esi_when(a)} {when}"]
        if opened
        else [],
        next_steps=[
            f"Record the leg-pain score (NRS 0–10) and ODI {when}; {pct(ctx.t.responder_relief_pct)} relief "
            "counts as a response.",
            "Continue active physiotherapy and the current plan meanwhile.",
        ],
        avoid=["Labelling the injection failed.", "A repeat injection.", "Escalation to other procedures."],
        needs=("observations",),
    )


def f0_outcome_unrecorded(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F0 (documentation) — the ESI's outcome cannot be judged from the record.

    When: the latest image-guided ESI has no explicit outcome, no usable pain scores, and at most one
      failure proxy (POSSIBLE_FAILED or UNKNOWN, decision model §3.1.5).
    Then: info — record the outcome (NRS/ODI) of that injection; no refractory-pathway card on one
      proxy alone.
    Evidence: decision model §3 (one proxy must not fire refractory cards); CMS ESI LCDs.
    """
    # relief written down below the threshold (a note, an entry) is one sign, not an outcome: the
    # summary says what was written, and asks for the scores that judge it
    relief = failure.relief_sign(a)
    written = relief.text.replace(failure.NOTE_RELIEF_SIGN, "its note records ") if relief else ""
    summary = (
        f"ESI on {_esi_when(a)}: {written}; record pain (NRS) and ODI to judge it"
        if relief is not None
        else f"Outcome of the ESI on {_esi_when(a)} is not recorded: record pain (NRS) and ODI before "
        "next steps"
    )
    return F0.card(
        ctx,
        indicator="info",
        summary=summary,
        why=[*ctx.failure_facts(a), *a.proxies],
        # the summary and the next step ask for this injection's outcome (what ``a.gaps`` names):
        # a "Not recorded" line would say it a third time; unread data still shows (``needs``)
        gaps=[],
        next_steps=[
            "Record leg-pain NRS and ODI now, and the best relief in the "
            f"{window(ctx.t.esi_window_start_days, ctx.t.esi_window_end_days)} after the injection.",
            f"Then: ≥ {pct(ctx.t.responder_relief_pct)} sustained relief → a repeat is reasonable; less → "
            "re-evaluation (the card will "
            "update).",
        ],
        avoid=[
            "Calling the pain refractory on a single indirect sign.",
            "A repeat injection before the outcome is known.",
        ],
        needs=("observations",),
    )


def repeat_order(ctx: PathwayContext, p: ProcedureFact) -> tuple[sx.OrderSpec, str]:
    """What repeats ``p`` by the same approach, read from its codes: an image-guided interlaminar
    (or caudal) injection after an interlaminar one — never a blind one — else a transforaminal
    injection; and the approach in words."""
    if ctx.matches("esi_interlaminar_caudal_lumbar", p.codings) and not ctx.matches(
        "esi_transforaminal_lumbar", p.codings
    ):
        return sx.REPEAT_ILESI, "interlaminar"
    return sx.REPEAT_TFESI, "transforaminal"


def repeat_site(p: ProcedureFact) -> sx.BodySite | None:
    """Where the repeat goes: the side and level the injection it repeats states (none: not said)."""
    where = " ".join(x for x in (p.laterality, p.level) if x)
    if not where and not p.body_site:
        return None
    return sx.BodySite(where or p.body_site_text, p.body_site)


def f1_worked_then_recurred(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F1 — the ESI worked (≥ 50 % relief, sustained ≈ 3 months, or outcome successful): not a failure.

    When: latest image-guided ESI assessed SUCCESS, RESPONDER or RESPONDED_THEN_RECURRED.
    Then: info — a repeat image-guided ESI is reasonable within frequency limits (≤ 4 sessions per
      region per 12 months; repeat only after a sustained ≥ 50 % response), by the same approach
      (interlaminar or transforaminal) at the same level and side. Not refractory; no SCS. A
      response by function (ODI halved while pain relief fell short; the LCD's "50 % functional
      gain") is named as such, and the repeat is for when the gain wanes.
      A response the assessment found did not last (``durable is False``: measured 30-49 % at
      60-120 days is PARTIAL and never reaches F1, but a response recorded without a baseline whose
      pain was back by then, or a functional gain that fell below 50 %, still can) is never called
      sustained and no repeat is offered: the LCD repeat criterion is not met (``f1_not_sustained``).
      A response whose durability is not known (``durable is None``) is never said to have worked:
      before the 60-120-day horizon it is relief "so far", reassessed then (the first step, with its
      dates); past it with no score there, its duration is "not recorded" and the first step asks
      for it. An outcome coded successful is named as such, not as a measured ≥ 50 % relief.
      With the session limit reached (only blind injections on record: F8 takes the limit
      otherwise) no repeat is offered, and the first step gives the date a repeat falls within it.
      A repeat ESI already ordered (draft, active, on hold) is named after the injection and never
      offered a second time: where a repeat is reasonable now the first step says the ordered one
      is, and asks for the baseline NRS and ODI before it unless both were recorded since the
      injection within the baseline look-back (``baseline_missing``); where it is not yet (duration
      not known, limit reached) the first step says to hold the order until then.
    Evidence: CMS ESI LCDs (repeat criterion and frequency); NASS LDH (ESI short-term benefit).
    """
    if a.durable is False:
        return f1_not_sustained(ctx, a)
    n = sessions_in_last_year(ctx)
    p = a.procedure
    recurred = a.outcome is Outcome.RESPONDED_THEN_RECURRED
    # a response by function (ODI halved while pain relief fell short): repeat when the gain wanes
    by_function = a.basis == "function" and not recurred
    wanes = "the functional gain wanes" if by_function else "pain recurs"
    back = f"if {wanes}"
    spec, approach = repeat_order(ctx, p)
    site = repeat_site(p)
    at = f"at the same level ({site.text})" if site is not None and site.text else "at the same level"
    repeat = f"a repeat image-guided {approach} ESI {at}"
    # whether the response lasted (``durable``): True, read at the durability horizon (or recurred
    # after it); None, not yet known — the horizon not reached ("so far"), or passed with no score
    # in it ("not recorded"). Only a known lasting response is said to have worked.
    lasting = _lasting(ctx, a)
    # pain back before the horizon: no relief "so far" is claimed
    lost = relief_lost(ctx, a)
    # the session limit reached: the first day a repeat falls within it (None: within the limit)
    allowed = next_session_date(ctx)
    # a repeat already ordered: named beside the injection, never offered a second time
    pending = repeat_esi_orders(ctx)
    ordered = pending[-1] if pending else None
    # the ordered repeat is reasonable now (pain back after a lasting response, within the limit):
    # its baseline is asked for unless the record has one; given later (pain not back yet, or the
    # limit reached), the scores then are its baseline
    missing = (
        baseline_missing(ctx, a)
        if ordered is not None and recurred and allowed is None
        else ["the leg-pain score (NRS 0–10)", "ODI"]
    )
    summary = _f1_summary(
        ctx, a, lasting, by_function=by_function, recurred=recurred, ordered=ordered, allowed=allowed,
        ask=bool(missing), lost=lost,
    )  # fmt: skip
    steps = _f1_repeat_steps(
        ctx, a, lasting, by_function=by_function, recurred=recurred, repeat=repeat, ordered=ordered,
        allowed=allowed, missing=missing, lost=lost,
    )  # fmt: skip
    suggestions = []
    if allowed is None and ordered is None and lost is None:
        suggestions.append(
            ctx.offer(
                spec,
                reasons=ctx.reason_refs,
                note=f"Same approach and level as the injection on {_esi_when(a)}"
                + (f" ({site.text})." if site is not None and site.text else "."),
                label=f"Order {repeat}" + ("" if recurred else f" ({back})"),
                body_site=site,
            )
        )
    # the order beside the injection it would repeat, among the facts the card shows; "hold" when
    # the first step holds it
    lead, *rest = ctx.failure_facts(a)
    held = allowed is not None or lasting != "worked"
    order_facts = [esi_order_fact(ctx, ordered, hold=held)] if ordered is not None else []
    back_facts = [lost.fact(ctx)] if lost is not None else []
    sessions = Fact(f"{count(n, 'lumbar ESI session')} in the last {year(ctx)}")
    return F1.card(
        ctx,
        indicator="info",
        summary=summary,
        suggestions=suggestions,
        why=[lead, *back_facts, *order_facts, *rest, sessions],
        gaps=list(a.gaps),
        next_steps=[*steps, "Continue active physiotherapy."],
        avoid=["Labelling the pain refractory.", "Spinal cord stimulation.", "A new diagnostic work-up."],
        needs=("observations",),
    )


def _f1_repeat_steps(
    ctx: PathwayContext,
    a: Assessment,
    lasting: str,
    *,
    by_function: bool,
    recurred: bool,
    repeat: str,
    ordered: ServiceRequestFact | None,
    allowed: date | None,
    missing: list[str],
    lost: PainBack | None = None,
) -> list[str]:
    """F1's steps about the repeat (``lost``: the pain back before the horizon, whose scores then
    may make the response short-lived): when it is reasonable (now; if pain recurs; once the response is
    known to have lasted), the session limit first when it is reached (with the date a repeat falls
    within it), and the number of sessions so far. A repeat already ordered is the one the steps
    name: reasonable with its baseline asked for, or held until the repeat may be given."""
    threshold = pct(ctx.t.responder_relief_pct)
    horizon = window(ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)
    response = (
        f"≥ {threshold} functional gain; Medicare ESI LCD"
        if by_function
        else f"sustained ≥ {threshold} response; Medicare ESI LCD"
    )
    wanes = "the functional gain wanes" if by_function else "pain recurs"
    gain = "functional gain" if by_function else "relief"
    on = ordered_on(ordered) if ordered is not None else ""
    # the order is held by the first step that says why: the limit's when it is reached, unless the
    # response is still to be judged at the horizon, which holds it past the limit's date too
    so_far = lasting == "so far" and not recurred
    hold = ordered is not None and (allowed is None or so_far)
    ask = baseline_clause(missing) if ordered is not None else ""
    the_repeat = f"the ESI already ordered{on}" if ordered is not None else repeat
    then = "the ordered ESI" if ordered is not None else repeat
    later = "" if allowed is None else f" from {allowed.isoformat()}"
    if recurred:
        when = later or " now"
        steps = [f"{the_repeat[0].upper()}{the_repeat[1:]} is reasonable{when} ({response}){ask}."]
    elif lasting == "worked":
        steps = [f"If {wanes}, {the_repeat} is reasonable{later} ({response}){ask}."]
    elif lasting == "so far":
        # the repeat criterion is a response that lasts: it is judged at the horizon, not now
        assert a.procedure.performed is not None  # an assessed injection is dated
        lo = a.procedure.performed + timedelta(days=ctx.t.esi_durability_start_days)
        hi = a.procedure.performed + timedelta(days=ctx.t.esi_durability_end_days)
        reassess = f"Hold the ESI ordered{on} and reassess" if hold else "Reassess"
        between = f"between {lo.isoformat()} and {hi.isoformat()} ({horizon} after the injection)"
        if lost is not None:
            steps = [
                f"{reassess} leg-pain NRS and ODI between {lo.isoformat()} and {hi.isoformat()}: "
                f"{judged_then(ctx.t, gain, lost)}"
                + ("" if lost.gain is None else f"; a repeat needs ≥ {threshold} to hold")
                + f" ({horizon} after the injection; Medicare ESI LCD).",
            ]
        else:
            steps = [
                f"{reassess} leg-pain NRS and ODI {between}: a repeat needs the ≥ {threshold} {gain} to hold "
                "then (Medicare ESI LCD).",
                f"If it holds and then {wanes}, {then} is reasonable{later}.",
            ]
    else:
        record = (
            f"Hold the ESI ordered{on} until how long the {gain} lasted is recorded"
            if hold
            else f"Record how long the {gain} lasted"
        )
        steps = [
            f"{record} (no score {horizon} after the injection): a repeat needs a sustained ≥ {threshold} "
            "response (Medicare ESI LCD).",
            f"If it lasted and then {wanes}, {then} is reasonable{later}.",
        ]
    if allowed is None:
        n = sessions_in_last_year(ctx)
        return [
            *steps,
            f"Stay within {ctx.t.esi_max_sessions_per_year} sessions per region in {year(ctx)} ({n} so far).",
        ]
    # what stops the repeat comes first: the date it falls within the limit
    stop = f"Hold the ESI ordered{on} until" if ordered is not None and not so_far else "No repeat ESI before"
    return [f"{stop} {allowed.isoformat()}: {limit_step_reason(ctx)}.", *steps]


# An ESI that helped in its window: ≥ 50 % relief or a functional gain, or an outcome coded successful.
_HELPED = (Outcome.RESPONDER, Outcome.SUCCESS)


def relief_so_far(ctx: PathwayContext, a: Assessment) -> bool:
    """An ESI that gave a response whose lasting is not yet known (``durable`` not False), before its
    durability horizon (``_lasting`` "so far"), and whose latest pain score since still shows the
    response: a repeat
    waits until it is judged (F1; the order check agrees). Pain back since ("9/10 two days ago") is
    no relief so far."""
    return (
        a.outcome in _HELPED
        and a.durable is not False
        and _lasting(ctx, a) == "so far"
        and relief_lost(ctx, a) is None
    )


@dataclass(frozen=True)
class PainBack:
    """The latest score since an ESI that helped, before its durability horizon, that no longer shows
    the response (``relief_lost``)."""

    score: ObservationFact
    # the relief (or, for a response by function, the functional gain) it shows against the score
    # before the injection, in %; None when it is read by its level, with no score before to compare
    gain: float | None
    by_function: bool = False
    # a leg score the reading of the baseline's site left out (a back-pain baseline, or one naming no
    # site, with scores of its own site since): named as the leg's, and read by its level
    leg_by_level: bool = False
    # read by its level with a baseline of 0/10 on record (nothing to measure relief against)
    baseline_zero: bool = False
    # a score naming no site, read by its level beside a baseline of the leg
    unsited: bool = False

    def label(self, ctx: PathwayContext) -> str:
        """The score as the summary names it ("pain 5/10 on …", "leg pain 9/10 on …")."""
        return ("leg " if self.leg_by_level else "") + ctx.obs_label(self.score)

    def shows(self) -> str:
        """What the score shows: "38 % relief" (a partial return), "no relief", or why it is read by
        its level. A percentage is cut, not rounded, so it never reads in the band above its own:
        29.6 % is "29 % relief", below the short-lived threshold of 30 %."""
        if self.gain is None:
            if self.baseline_zero:
                return "pain 0/10 before the injection"
            if self.unsited:
                return "its site not named"
            return f"no {'leg ' if self.leg_by_level else ''}score before the injection"
        measure = "functional gain" if self.by_function else "relief"
        if self.gain <= 0:
            return f"no {measure}"
        return f"{math.floor(self.gain) or '< 1'} % {measure}"

    def fact(self, ctx: PathwayContext) -> Fact:
        """The score and what it shows, so the band it falls in is read off the card; the short form
        leaves out the date, which the summary gives."""
        shows = self.shows()
        value = ctx.obs_label(self.score).rsplit(" on ", 1)[0]
        short = f"latest: {'leg ' if self.leg_by_level else ''}{value} ({shows})"
        return Fact(f"latest: {self.label(ctx)} ({shows})", self.score.ref, short=short)


def judged_then(t: Thresholds, gain: str, lost: PainBack) -> str:
    """What the scores at the durability horizon make of a response whose pain is back before it
    (decision model §3.1): below the short-lived threshold a failed injection; above it but below the
    responder threshold a partial response, not a failure but too little for a repeat. A score read
    by its level, with no score before the injection to measure relief against, is told only what a
    repeat needs."""
    short, threshold = pct(t.short_lived_relief_pct), pct(t.responder_relief_pct)
    if lost.gain is None:
        return f"a repeat needs ≥ {threshold} {gain} to hold then"
    return (
        f"{gain} below {short} then means a short-lived, failed injection; {short} to under {threshold}, "
        "a partial response, too little for a repeat"
    )


def relief_lost(ctx: PathwayContext, a: Assessment) -> PainBack | None:
    """The latest score since an ESI that helped, before its durability horizon, when it no longer
    shows the response: the pain (or, for a response by function, the ODI) is back before the lasting
    of the response can be judged. Pain is read as the injection's assessment reads it
    (``failure.like_baseline``: the scores of the baseline's site, else all), against the baseline
    (relief below the responder threshold), or with none (an outcome coded successful) at the
    recurrent-pain level. A leg score that reading leaves out (after a back-pain baseline, or one
    naming no site) is never compared with the baseline, but the leg pain the injection treats, at the
    recurrent-pain level and as late as the latest score read, is pain back too. None when the
    response still shows, or nothing says otherwise (no score since)."""
    # a response the assessment already found did not last (``durable is False``) is judged: F1 says
    # so (``f1_not_sustained``), and nothing is left to hold for
    if a.outcome not in _HELPED or a.durable is False or _lasting(ctx, a) != "so far":
        return None
    t0 = a.procedure.performed
    if t0 is None:
        return None
    threshold = ctx.t.responder_relief_pct
    if a.basis == "function":  # the ODI halved: undone by the ODI, not by a pain score that never fell
        odis = ctx.episode_observations("odi")
        before = failure.latest_score([o for o in odis if o.effective and o.effective <= t0], lowest=True)
        latest = failure.latest_score([o for o in odis if o.effective and o.effective > t0])
        if before is None or not before.value or latest is None or latest.value is None:
            return None
        gain = (before.value - latest.value) / before.value * 100
        return PainBack(latest, gain, by_function=True) if gain < threshold else None
    base = a.baseline
    pain = ctx.episode_observations("pain")
    since = [o for o in pain if o is not base and o.effective is not None and o.effective > t0]
    if a.basis == "explicit outcome" and base is not None:
        # no score was compared to code the outcome: none of another site is compared now
        read = [o for o in since if _same_site(o, base)]
    else:
        read = failure.like_baseline(since, base)
    latest = failure.latest_score(read)
    # scores the reading left out, of the leg or of no named site, at the level of recurrent pain and
    # no older than the latest score it read: the radicular pain back, named before the one read
    kept = {id(o) for o in read}
    left_out = [o for o in since if id(o) not in kept]
    other = failure.latest_score(
        [o for o in left_out if failure.is_leg_score(o) or not failure.is_back_score(o)]
    )
    if (
        other is not None
        and other.value is not None
        and other.value >= ctx.t.recurrent_pain_nrs
        and (latest is None or not _earlier(other, latest))
    ):
        leg = failure.is_leg_score(other)
        return PainBack(other, None, leg_by_level=leg, unsited=not leg)
    if latest is None or latest.value is None:
        return None
    if base is None or not base.value:
        if latest.value >= ctx.t.recurrent_pain_nrs:
            return PainBack(latest, None, baseline_zero=base is not None)
        return None
    relief = (base.value - latest.value) / base.value * 100
    return PainBack(latest, relief) if relief < threshold else None


def _same_site(o: ObservationFact, base: ObservationFact) -> bool:
    """A score of the baseline's own site: the leg, the back, or no named site."""
    return failure.is_leg_score(o) == failure.is_leg_score(base) and failure.is_back_score(
        o
    ) == failure.is_back_score(base)


def _earlier(o: ObservationFact, than: ObservationFact) -> bool:
    """``o`` was taken before ``than``: an earlier day, or the same day at an earlier recorded time."""
    if o.effective is None or than.effective is None or o.effective != than.effective:
        return bool(o.effective and than.effective and o.effective < than.effective)
    return o.effective_at is not None and than.effective_at is not None and o.effective_at < than.effective_at


def response_lasted(ctx: PathwayContext, a: Assessment) -> bool:
    """An ESI response known to have lasted (F1's "worked": still a response at the 60-120-day
    horizon, or it recurred after lasting): F1 advises a repeat when the pain recurs, not escalation."""
    return a.outcome in SUCCESS_OUTCOMES and a.durable is not False and _lasting(ctx, a) == "worked"


def _lasting(ctx: PathwayContext, a: Assessment) -> str:
    """Whether an ESI response is known to have lasted, in a word: "worked" (``durable`` True: still a
    response at the 60-120-day horizon, or it recurred after it), "so far" (``durable`` None and the
    horizon not yet past: a responder at 4 weeks), "not recorded" (``durable`` None with the horizon
    past and no score in it). ``durable`` False never reaches here (``f1_not_sustained``)."""
    if a.durable or a.outcome is Outcome.RESPONDED_THEN_RECURRED:
        return "worked"
    t0 = a.procedure.performed
    if t0 is not None and ctx.today <= t0 + timedelta(days=ctx.t.esi_durability_end_days):
        return "so far"
    return "not recorded"


def _fitting(*summaries: str) -> str:
    """The first summary that fits the card (the injection's date may be written out long)."""
    return next((s for s in summaries if len(s) <= SUMMARY_MAX), summaries[-1])  # else the card clips it


def _f1_summary(
    ctx: PathwayContext,
    a: Assessment,
    lasting: str,
    *,
    by_function: bool,
    recurred: bool,
    ordered: ServiceRequestFact | None = None,
    allowed: date | None = None,
    ask: bool = True,
    lost: PainBack | None = None,
) -> str:
    """F1's one line, saying only what the record shows of the response: "worked" when it lasted; a
    response not yet at the durability horizon is relief "so far" (or, with the latest score since
    showing the pain back, ``lost``, relief "at first" beside that score, and no repeat before the
    horizon), one past it with no score there is one whose duration is not recorded. What the
    response rests on is named: ≥ 50 % relief (pain scores, a recorded relief), a functional gain
    (ODI), or an outcome coded successful (no relief measured). A repeat already ordered is named
    by its date (reasonable, with its baseline asked for; or held); with the session limit reached,
    the date a repeat falls within it."""
    when = _esi_when(a)
    threshold = pct(ctx.t.responder_relief_pct)
    horizon = window(ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)
    the_order = order_name(ordered) if ordered is not None else ""
    until = f" until {allowed.isoformat()}" if allowed is not None else ""
    if recurred:
        head = f"ESI on {when} worked, then pain recurred"
        if allowed is not None:
            act = f"hold {the_order}{until}" if ordered is not None else f"repeat from {allowed.isoformat()}"
            return _fitting(
                f"{head}: not a failure; session limit reached, {act}", f"{head}: session limit, {act}"
            )
        if ordered is not None:
            first = f"{the_order} is reasonable" + ("; record NRS and ODI before it" if ask else "")
            return _fitting(
                f"{head}: not a failure; {first}", f"{head}: {first}", f"{head}: {the_order} is reasonable"
            )
        return _fitting(
            f"{head}: not a failure; a repeat image-guided ESI is reasonable",
            f"{head}: a repeat image-guided ESI is reasonable",
        )
    wanes = "the gain wanes" if by_function else "pain recurs"
    if ordered is not None:
        then = f"hold {the_order}{until}" if allowed is not None else f"give {the_order} only if {wanes}"
    elif allowed is not None:
        then = f"session limit reached, repeat from {allowed.isoformat()} only if {wanes}"
    else:
        then = f"repeat only if {wanes}"
    # what the response rests on: an outcome coded successful measures no relief
    if by_function:
        did, worked = f"improved function ≥ {threshold} (ODI)", f"improved function ≥ {threshold} (ODI)"
    elif a.basis == "explicit outcome":
        did, worked = "helped (recorded successful)", "worked (recorded successful, relief lasted)"
    else:
        did, worked = f"gave ≥ {threshold} relief", f"worked (≥ {threshold} relief)"
    if lasting == "worked":
        return _fitting(f"ESI on {when} {worked}: not a failure; {then}", f"ESI on {when} {worked}: {then}")
    if lasting == "so far" and lost is not None:
        score = lost.label(ctx)
        # held until the response is judged, whatever date the session limit gives
        hold = f"hold {the_order}" if ordered is not None else "no repeat until then"
        return _fitting(
            f"ESI on {when} {did} at first; {score}: reassess at {horizon}; {hold}",
            f"ESI on {when}: {score}; reassess at {horizon}; {hold}",
            f"ESI on {when}: {score}; {hold}",
        )
    if lasting == "so far":
        if ordered is not None:
            hold = f"hold {the_order}"  # until the response is judged, past the limit's date too
            return _fitting(
                f"ESI on {when} {did} so far: not a failure; {hold}; reassess at {horizon}",
                f"ESI on {when} {did} so far: {hold}; reassess at {horizon}",
                f"ESI on {when} {did} so far: {hold}",
            )
        return _fitting(
            f"ESI on {when} {did} so far: not a failure; reassess at {horizon}; {then}",
            f"ESI on {when} {did} so far: reassess at {horizon}; {then}",
            f"ESI on {when} {did} so far: reassess at {horizon}",
        )
    if ordered is not None:
        hold = f"hold {the_order}{until}" if allowed is not None else f"hold {the_order} until it is recorded"
        return _fitting(
            f"ESI on {when} {did}, duration not recorded: not a failure; {hold}",
            f"ESI on {when} {did}, duration not recorded: {hold}",
            f"ESI on {when} {did}: {hold}",
        )
    return _fitting(
        f"ESI on {when} {did}, duration not recorded: not a failure; record how long it lasted before any "
        "repeat",
        f"ESI on {when} {did}, duration not recorded: record how long it lasted before any repeat",
        f"ESI on {when} {did}: record how long it lasted before any repeat",
    )


def f1_not_sustained(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F1 — the ESI helped in its window, but the response did not last to the durability horizon.

    When: ``f1_worked_then_recurred`` meets an assessment with ``durable is False`` that is still a
      response: the relief cannot be measured as partial (no baseline score) and the pain was back
      at 60-120 days, or the response was by function and the gain fell below 50 %.
    Then: info — not a sustained response: no repeat is offered (the Medicare ESI LCDs repeat only
      after a sustained ≥ 50 % response); record pain and function, and review the plan before any
      further injection. Not labelled refractory on this injection alone; no SCS. A repeat ESI
      already ordered is named after the injection and held (the first step).
    Evidence: CMS ESI LCDs (repeat criterion and frequency).
    """
    n = sessions_in_last_year(ctx)
    threshold = pct(ctx.t.responder_relief_pct)
    horizon = window(ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)
    by_function = a.basis == "function"
    what = "the functional gain" if by_function else "the relief"
    helped = "improved function (ODI)" if by_function else "helped"
    pending = repeat_esi_orders(ctx)
    ordered = pending[-1] if pending else None
    opening = f"ESI on {_esi_when(a)} {helped}, but {what} did not hold at {horizon}: not sustained"
    if ordered is not None:
        the_order = order_name(ordered)
        summary = _fitting(
            f"{opening}; repeat criterion not met, hold {the_order}",
            f"{opening}; hold {the_order}",
            f"ESI on {_esi_when(a)} {helped}, not sustained at {horizon}: hold {the_order}",
        )
    else:
        summary = f"{opening}; repeat criterion not met"
    hold = f"Hold the ESI ordered{ordered_on(ordered)}: a" if ordered is not None else "A"
    lead, *rest = ctx.failure_facts(a)
    return F1.card(
        ctx,
        indicator="info",
        summary=summary[:139],
        why=[
            lead,
            *([esi_order_fact(ctx, ordered, hold=True)] if ordered is not None else []),
            *rest,
            Fact(f"{count(n, 'lumbar ESI session')} in the last {year(ctx)}"),
        ],
        gaps=list(a.gaps),
        next_steps=[
            f"{hold} repeat injection needs a sustained ≥ {threshold} response (Medicare ESI LCD); {what} "
            f"after the injection on {_esi_when(a)} did not hold at {horizon}.",
            "Record leg-pain NRS and ODI, and review the plan with the patient before any further injection.",
            "Continue active physiotherapy.",
        ],
        avoid=[
            "A repeat injection on the strength of this response.",
            "Labelling the pain refractory on this injection alone.",
            "Spinal cord stimulation.",
        ],
        needs=("observations",),
    )


# Words of an injection's own name that say it was done without imaging.
UNGUIDED = re.compile(r"without (?:image|imaging|fluoroscopic) guidance|\bblind\b", re.IGNORECASE)

# A nerve root named in a report ("the traversing right S1 nerve root", "L5 root").
NERVE_ROOT = re.compile(r"\b(?P<root>[LS][1-5])\s+(?:nerve\s+)?roots?\b", re.IGNORECASE)


def root_foramen(root: str) -> str:
    """The foramen a transforaminal injection for ``root`` goes through: a lumbar root leaves below
    its own pedicle ("L5" → "L5-S1 foramen"), S1 through the first sacral foramen."""
    root = root.upper()
    if root.startswith("S"):
        return f"{root} foramen"
    below = "S1" if root == "L5" else f"L{int(root[1]) + 1}"
    return f"{root}-{below} foramen"


def imaging_target(ctx: PathwayContext) -> str | None:
    """Where a first transforaminal injection goes, from the latest imaging report, in words. When the
    clauses that affirm the compression name the root ("L5-S1 extrusion compressing the traversing
    right S1 nerve root"), the root and its foramen ("right S1 nerve root (S1 foramen)"): a
    paracentral disc compresses the root that traverses its level, which an injection at that
    level's foramen does not reach. Otherwise the levels and side written there ("right L5-S1"; a
    level inside one already named said once). None when the report affirms no compression or names
    no level."""
    report = ctx.latest_report
    if report is None:
        return None
    text = report.conclusion
    clauses = [clause_of(text, m) for m in affirmed(COMPRESSION, text)]
    if not clauses:
        return None
    side = parse_laterality(*clauses)
    roots = list(dict.fromkeys(m.group("root").upper() for c in clauses for m in NERVE_ROOT.finditer(c)))
    if roots:
        named = " or ".join(f"{r} nerve root ({root_foramen(r)})" for r in roots)
        return " ".join(x for x in (side, named) if x)
    levels: list[str] = []
    for level in levels_in(*clauses):
        if not segments(level) <= segments(*levels):
            levels.append(level)
    if not levels:
        return None
    return " ".join(x for x in (side, " or ".join(levels)) if x)


def root_block_fact(ctx: PathwayContext, p: ProcedureFact, outcome: Outcome) -> Fact:
    """A diagnostic root block in a line: its level and side, its date and what it did."""
    where = " ".join(x for x in (p.laterality, p.level) if x)
    if outcome in FAILED_OUTCOMES:
        result = "did not relieve the pain"
    elif outcome in SUCCESS_OUTCOMES:
        result = "relieved the pain"
    elif outcome is Outcome.PENDING:
        result = "too recent to judge"
    else:
        result = "relief not recorded"
    text = f"diagnostic selective nerve root block {where} on {ctx.proc_when(p)}: {result}".replace("  ", " ")
    return Fact(text, p.ref, short=f"root block {where} {ctx.proc_when(p)}: {result}".replace("  ", " "))


def positive_root_block(ctx: PathwayContext) -> tuple[str, ProcedureFact] | None:
    """The latest diagnostic selective nerve root block of this episode that relieved the pain and
    names its level, with the root it confirmed in words ("left S1 nerve root (S1 foramen)"; a
    foramen as written, "left L4-L5"): the symptomatic root, which the injection targets whatever
    else the imaging shows compressed."""
    positive = [
        p for p, m in ctx.sessions
        if m is Modality.DIAGNOSTIC_BLOCK
        and p.level
        and ctx.matches("esi_transforaminal_lumbar", p.codings)
        and ctx.in_episode(p.performed)
        and ctx.assess(p, m).outcome in SUCCESS_OUTCOMES
    ]  # fmt: skip
    if len({(p.laterality, (p.level or "").upper()) for p in positive}) != 1:
        return None  # none, or blocks of more than one root relieved the pain: the root is not settled
    p = positive[-1]
    # a block on the other side from the compression the imaging shows settles nothing either
    report = ctx.latest_report
    text = report.conclusion if report else ""
    clauses = [clause_of(text, m) for m in affirmed(COMPRESSION, text)]
    imaged_side = parse_laterality(*clauses) if clauses else None
    if sides_concordant(imaged_side, p.laterality) is False:
        return None
    level = (p.level or "").upper()
    named = f"{level} nerve root ({root_foramen(level)})" if ONE_ROOT.fullmatch(level) else level
    return " ".join(x for x in (p.laterality, named) if x), p


ONE_ROOT = re.compile(r"[LS][1-5]")


def first_tfesi(ctx: PathwayContext, *, recommended: bool) -> SuggestionDraft:
    """A first image-guided transforaminal ESI, aimed at the root a positive diagnostic root block
    confirmed (``positive_root_block``), else where the imaging puts the lesion when its report says
    (level and side as the order's body site and note), else at the level the clinician matches to
    the symptoms. Two roots the report shows compressed are offered as either, the one that matches
    the symptoms: the order is for a single level."""
    block = positive_root_block(ctx)
    where = block[0] if block is not None else imaging_target(ctx)
    report = ctx.latest_report
    if block is not None:
        note = (
            f"Target: the {where}, which the diagnostic root block on {ctx.proc_when(block[1])} confirmed "
            "(it relieved the pain)."
        )
    elif where is not None and report is not None and " or " in where and "root" in where:
        note = (
            f"Target: the {where}, which the {report.short_label} report shows compressed: the one that "
            "matches the symptoms (a diagnostic root block can tell them apart)."
        )
    elif where is not None and report is not None and "root" in where:
        note = f"Target: the {where}, which the {report.short_label} report shows compressed."
    elif where is not None and report is not None:
        note = (
            f"Target: {where}, where the {report.short_label} report shows the compressive lesion; it "
            "names no root: a paracentral disc compresses the root traversing the level (reached at the "
            "foramen below), a foraminal one the root leaving it."
        )
    elif report is not None and affirmed(COMPRESSION, report.conclusion):
        note = (
            f"Target: the level and side that match the symptoms (the {report.short_label} report names "
            "no level)."
        )
    elif report is not None:
        note = (
            f"Target: the level and side that match the symptoms (the {report.short_label} report shows no "
            "compressive lesion)."
        )
    else:
        note = "Target: the level and side that match the symptoms (no imaging report on record)."
    return ctx.offer(
        sx.TFESI,
        note=note,
        recommended=recommended,
        label=(
            f"Order an image-guided transforaminal ESI at the {where}"
            if "root" in where
            else f"Order an image-guided transforaminal ESI at {where}"
        )
        if where
        else None,
        body_site=sx.BodySite(where) if where else None,
    )


def f2_inadequate_trial(ctx: PathwayContext, discordant: tuple[ProcedureFact, ...] = ()) -> CardDraft:
    """F2 — inadequate ESI trial: every ESI blind (62322/legacy 62311) or at a level discordant with imaging.

    When: the ESIs so far were all without image guidance, or at a level that does not match the
      compressive lesion on imaging, and they did not clearly work.
    Then: warning — blind injection or possible technical/level failure (clinical practice); MRI if
      missing (an MRI already ordered is named with its date and reviewed, not offered again), then
      an image-guided transforaminal ESI at the concordant level, offered as a first
      (not a repeat) order once an MRI is on record, aimed at the level and side the imaging report
      shows and pre-selected when it shows the level; none past the yearly session limit. Not
      refractory.
    Evidence: clinical practice (image guidance; a missed level is a technical failure);
      decision model §0 and spine-level concordance; NASS LDH; ASIPP 2021.
    """
    why: list[Fact] = []
    if discordant:
        why += [ctx.proc_fact(p, " — level does not match the imaging") for p in discordant]
        conc = ctx.concordance
        if conc.study is not None:
            why.append(conc.study.fact())
        reason = "at a level that does not match the imaging"
    else:
        # the code's own name may say it already ("ESI without image guidance"): then only "(blind)"
        coded = " — coded without image guidance (blind)"
        why += [ctx.proc_fact(p, " (blind)" if UNGUIDED.search(p.text) else coded) for p in ctx.blind_esis]
        reason = "without image guidance"
    has_mri = bool(ctx.mri_studies)
    injections = discordant or ctx.blind_esis
    so_far = "The only ESI was" if len(injections) == 1 else "The ESIs so far were all"
    # an MRI already ordered is named among the facts (beside the first injection, where the card
    # shows it) and reviewed, never offered a second time
    mri_ordered = pending_mri(ctx)[-1:]
    why[1:1] = [mri_ordered_fact(ctx, s) for s in mri_ordered]
    # the level is known when the imaging reports a compressive lesion (at whatever level the
    # injections went); otherwise a
    # diagnostic nerve root block settles it before another injection
    report = ctx.latest_report
    level_known = report is not None and bool(affirmed(COMPRESSION, report.conclusion))
    suggestions = []
    steps = []
    tfesi = (
        " image-guided (fluoroscopic/CT) transforaminal ESI at the level concordant with the "
        "imaging and the clinical picture."
    )
    if mri_ordered:
        # the MRI is on its way: its review, then the injection at the level it shows, in one step
        # (a card short of room cuts it where the clause ends, still naming the order and its date)
        steps.append(f"{review_ordered_mri(ctx, mri_ordered[-1])} to define the level, then an" + tfesi)
        ordered = mri_ordered_fact(ctx, mri_ordered[-1]).short
        plans = [
            f"next, review the {ordered}, then an image-guided ESI at the level it shows",
            f"next, review the {ordered}, then an image-guided ESI",
            f"review the {ordered} first",
        ]
    elif not has_mri:
        steps += [
            "MRI lumbar spine without contrast to define the level (ACR 2021 variant 3).",
            "Then an" + tfesi,
        ]
        suggestions.append(
            ctx.offer(
                sx.MRI_WITHOUT_CONTRAST,
                recommended=True,
            )
        )
        plans = [
            "next, MRI first, then an image-guided ESI at the level it shows",
            "next, MRI first, then an image-guided ESI",
        ]
    elif discordant and not level_known:
        steps.append("A diagnostic selective nerve root block to settle the level, then an" + tfesi)
        plans = ["next, a diagnostic nerve root block to settle the level"]
    else:
        steps.append("An" + tfesi)
        plans = ["next, an image-guided TFESI at the matching level"]
    # the injection the card recommends, offered as an order once an MRI is on record (without one,
    # the MRI comes first) and while the yearly session limit allows it: pre-selected when the
    # imaging shows the level (the first step), else offered after the nerve root block
    if has_mri and not frequency_exceeded(ctx):
        suggestions.append(first_tfesi(ctx, recommended=level_known))
    if discordant:
        if level_known or not has_mri:
            steps.append("A diagnostic selective nerve root block can settle the level if it is in doubt.")
        suggestions.append(
            ctx.offer(
                sx.DIAGNOSTIC_SNRB,
                recommended=has_mri and not level_known,
            )
        )
    opening = f"{so_far} {reason}: not an adequate trial; "
    summary = next((opening + p for p in plans if len(opening + p) <= SUMMARY_MAX), opening + plans[-1])
    level_of = "the level of the " + ("injection" if len(injections) == 1 else "injections")
    if ctx.root_imaging:
        gaps = []  # an MRI or CT on record: the level can be checked against it
    elif mri_ordered:
        # the study is ordered, not done: what is missing is its report
        ordered = mri_ordered_fact(ctx, mri_ordered[-1]).short
        gaps = [f"the report of the {ordered}: {level_of} cannot be checked until it is read"]
    elif ctx.imaging_unread:
        gaps = [f"the imaging reports, which could not be read: {level_of} cannot be checked"]
    else:
        gaps = [f"no lumbar imaging on record: {level_of} cannot be checked"]
    return F2.card(
        ctx,
        indicator="warning",
        summary=summary,
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=[
            "Another blind injection.",
            "Calling the pain refractory and moving to spinal cord stimulation or RFA.",
        ],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("procedures", "diagnosticReports"),
    )


def working_stimulator(ctx: PathwayContext) -> ProcedureFact | None:
    """A permanent stimulator implanted after the last injection and not losing effect: N3 silent,
    and no older score showing it failing either (a stale score decides no N3 card, but nor does it
    let this card call the stimulator still helping). A stimulator whose scores since the implant
    never fell below the pain before stimulation (``losing_effect``'s "never helped") is not working
    either."""
    from hooks.pathway.rules.neuromodulation import losing_effect  # neuromodulation imports this module

    last = ctx.esis[-1].performed if ctx.esis else None
    # electrodes removed after an implant: that system is out (explanted), not working
    removals = [q.performed for q in ctx.procedures("scs_lead_removal") if q.performed is not None]
    later = [
        p for p in ctx.scs_permanent
        if p.performed is not None and (last is None or p.performed >= last)
        and not any(r > p.performed for r in removals)
    ]  # fmt: skip
    if not later or losing_effect(ctx, current_only=False) is not None:
        return None
    return later[-1]


# The title of F8 when the session limit alone decides it and the injections helped: the card says
# the limit, not "without benefit".
F8_LIMIT_TITLE = "Epidural steroid injection session limit reached"


def response_at_limit(ctx: PathwayContext) -> Assessment | None:
    """F8 on the session limit alone after injections that helped: the limit reached, no injection at
    the end of a run of non-responding ones (``consecutive_failures``), and the latest injection
    whose outcome can be judged (one too recent is passed over) helped. That response; None
    otherwise (limit and failures together, or the latest judged injection failed or is undocumented,
    keep F8's "without benefit" card)."""
    if not frequency_exceeded(ctx) or consecutive_failures(ctx):
        return None
    judged = [a for a in ctx.esi_assessments if a.outcome is not Outcome.PENDING]
    if not judged or judged[-1].outcome not in SUCCESS_OUTCOMES:
        return None
    return judged[-1]


def f8_session_limit(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F8 — the yearly session limit reached by injections that helped (``response_at_limit``).

    When: ≥ 4 lumbar ESI sessions in a rolling 12 months, no two consecutive non-responding image-guided
      ESIs, and the latest judged injection a response.
    Then: warning — no further ESI before the date the oldest session that keeps the count at the
      limit leaves the window (a pending ESI order is named and held until then; the order-sign
      service intercepts it); a surgical opinion for radicular pain that keeps recurring and needing
      injections (a surgeon's "no surgical target" note replaces it); continued active care. No
      diagnostic re-evaluation, EMG/NCS or "without benefit": the responses confirm the diagnosis.
    Evidence: CMS ESI LCDs (≤ 4 sessions per region per 12 months); NASS LDH (discectomy for
      radiculopathy from disc herniation); NICE NG59.
    """
    n = sessions_in_last_year(ctx)
    allowed = next_session_date(ctx)
    assert allowed is not None  # the limit is reached
    within = ctx.esis_in_frequency_window
    days = [p.performed.isoformat() for p in within if p.performed]
    refs = [p.ref for p in within]
    # every session of the window that can be judged helped: the first fact says so
    judged = {x.procedure.ref: x.outcome for x in ctx.esi_assessments if x.outcome is not Outcome.PENDING}
    each = all(judged.get(r) in SUCCESS_OUTCOMES for r in refs)
    helped = ", each helped" if each else ""
    sessions = Fact(
        f"{n} lumbar ESI sessions in {year(ctx)} ({', '.join(days)}){helped}",
        refs[0],
        tuple(refs[1:]),
        short=f"{n} lumbar ESI sessions in {year(ctx)} ({days[0]} to {days[-1]}){helped}",
    )
    # the latest response (what the limit stops repeating), then the imaging a surgeon would judge
    study = ctx.concordance.study
    after = [ctx.failure_facts(a)[0], *([study.fact()] if study is not None else [])]
    no_target = ctx.no_surgical_target_notes[:1]
    stimulator = working_stimulator(ctx)
    context = [*_stimulator_facts(stimulator), *no_target]
    # every pending ESI order is held (the order-sign service intercepts it), named in a word
    pending = [esi_order_fact(ctx, s, hold=True) for s in repeat_esi_orders(ctx)]
    until = allowed.isoformat()
    stop = f"hold the ESI order until {until}" if pending else f"no ESI before {until}"
    head = f"ESI session limit reached ({n} in {year(ctx)})"
    if no_target:
        summary = _fitting(f"{head}: {stop}; continue active care", f"Session limit reached: {stop}")
    else:
        summary = _fitting(
            f"{head}: {stop}; surgical opinion for recurring radicular pain",
            f"{head}: {stop}; surgical opinion",
            f"Session limit reached: {stop}; surgical opinion",
        )
    steps = [
        f"No further epidural steroid injection before {until}"
        + (" — hold the pending ESI order until then" if pending else "")
        + f": {limit_step_reason(ctx)}.",
    ]
    if stimulator is not None:
        steps.append(
            "If the pain has changed, have the stimulator checked (programming, lead position) before "
            "any other procedure."
        )
    if no_target:
        steps.append("Spine surgery found no surgical target: no surgical referral is needed again.")
    else:
        steps.append(
            "Surgical opinion for radicular pain that keeps recurring and needing injections: discectomy "
            "is an option where imaging shows a concordant lesion (NASS 2014)."
        )
    steps.append("Continue active physiotherapy and a home exercise programme.")
    suggestions = (
        [] if no_target else [ctx.offer(sx.SPINE_SURGERY_REFERRAL, recommended=not ctx.surgically_referred)]
    )
    draft = F8.card(
        ctx,
        indicator="warning",
        summary=summary,
        # a pending ESI order, then a working stimulator or a surgeon's "no target", with the first
        # deciding fact: what the summary rests on is among the facts the card shows
        why=[sessions, *pending, *context, *after],
        next_steps=steps,
        avoid=[
            f"Another epidural steroid injection before {until}.",
            "Calling the injections failed or the pain refractory.",
            "Escalating opioids.",
        ],
        suggestions=suggestions,
        selection_behavior="any",
        extra_evidence=("nass_ldh",),
        needs=("procedures", "observations", "serviceRequests"),
    )
    return replace(draft, title=F8_LIMIT_TITLE)


def surgical_referral_facts(ctx: PathwayContext) -> list[Fact]:
    """The spine surgery referrals made (not drafts) and surgeon visits on record, oldest first."""
    facts = [
        ctx.order_fact(s, "spine surgery referral: ") for s in ctx.surgical_referrals if s.status != "draft"
    ]
    facts += [
        Fact(f"spine surgery visit {e.start.isoformat() if e.start else ''}: {e.text}".strip(), e.ref)
        for e in ctx.surgical_encounters
    ]
    return facts


def f8_repeated_without_benefit(ctx: PathwayContext) -> CardDraft:
    """F8 — ESIs repeated without benefit, or frequency exceeded.

    When: ≥ 4 lumbar ESI sessions in 12 months, or ≥ 2 consecutive image-guided ESIs with < 50 % relief.
    Then: warning — stop injecting; diagnostic re-evaluation (F4), surgical opinion, multidisciplinary
      care. A pending ESI order is named (the order-sign service intercepts it). Relief that wore off
      is said as short-lived, not as none; a surgeon's "no surgical target" note replaces the surgical
      opinion, a spine surgery referral made (or a surgeon seen) is named and its opinion reviewed
      instead of a second referral, and a working stimulator implanted after the injections is named.
    Evidence: CMS ESI LCDs (≤ 4 sessions per region per 12 months; repeat only after ≥ 50 % sustained
      relief); NICE NG59.
    On the session limit alone after injections that helped (``response_at_limit``) the card says the
    limit instead (``f8_session_limit``).
    """
    response = response_at_limit(ctx)
    if response is not None:
        return f8_session_limit(ctx, response)
    n = sessions_in_last_year(ctx)
    run = consecutive_failures(ctx)
    # what the injections did, as their assessments say: relief that wore off is not "no relief",
    # partial relief is not "no benefit"
    without, benefit = run_wording(ctx, run)
    # the run counted: "2 consecutive ESIs without ≥ 50 % relief"; one is the latest, not "1 consecutive"
    without = f"{len(run)} consecutive ESIs {without}" if len(run) > 1 else f"the latest ESI {without}"
    # how the relief went, for all of the run in one phrase: the first fact says it beside the
    # injections it names, so the card needs no line per injection to show they did not last
    course = relief_course(run) if len(run) > 1 else None
    why: list[Fact] = []
    if frequency_exceeded(ctx):
        within = ctx.esis_in_frequency_window
        days = [p.performed.isoformat() for p in within if p.performed]
        dates = ", ".join(days)
        refs = [p.ref for p in within]
        sessions = f"{n} lumbar ESI sessions in {year(ctx)} ({dates})" + (f"; {without}" if run else "")
        brief = f"{n} lumbar ESI sessions in {year(ctx)}" + (f" ({days[0]} to {days[-1]})" if days else "")
        if course:
            each = "each" if len(run) >= len(within) else f"the last {len(run)} each"
            brief += f", {each} short-lived: {course}"
        elif run:
            brief += f"; {without}"
        why.append(Fact(sessions + (f" ({course})" if course else ""), refs[0], tuple(refs[1:]), short=brief))
    elif len(run) > 1:
        # the run the summary counts, in one fact naming every injection of it: the card shows a
        # few facts, and "2 ESIs" beside one of them would not match
        names = injection_names(ctx, run)
        refs = [a.procedure.ref for a in run]
        why.append(
            Fact(
                f"{without} at the same level: {names}; {count(n, 'lumbar ESI session')} in the last "
                f"{year(ctx)}" + (f"; each {course}" if course else ""),
                refs[0],
                tuple(refs[1:]),
                short=f"{len(run)} ESIs ({names}), each short-lived: {course}"
                if course
                else f"{len(run)} ESIs {benefit}: {names}",
            )
        )
    leads = [ctx.failure_facts(a)[0] for a in run]  # each non-responding injection's lead line
    # the imaging the next step turns on (a concordant lesion: a surgical opinion; none: re-evaluate)
    study = ctx.concordance.study
    imaging = [study.fact()] if study is not None else []
    # with the relief said in the first fact, the imaging comes before the per-injection lines;
    # otherwise those lines are what shows the injections did not work
    why += [*imaging, *leads] if course else [*leads, *imaging]
    if not frequency_exceeded(ctx) and len(run) <= 1:
        why.append(Fact(f"{without}; {count(n, 'lumbar ESI session')} in the last {year(ctx)}"))
    why += scores_once([f for a in run for f in ctx.failure_facts(a)[1:]])
    pending = pending_esi_orders(ctx)
    no_target = ctx.no_surgical_target_notes[:1]
    stimulator = working_stimulator(ctx)
    # a spine surgery referral made (or a surgeon seen): its opinion is awaited or on record, not asked
    # for again
    referred = [] if no_target else surgical_referral_facts(ctx)[-1:]
    hold = "hold the ESI order" if pending else "stop injecting"
    if frequency_exceeded(ctx):
        summary = (
            f"{n} ESIs in {year(ctx)}: frequency limit reached; stop injecting and re-evaluate the diagnosis"
        )
    elif stimulator is not None:
        summary = (
            # the stimulator still helps (``working_stimulator``): new pain is assessed, the device
            # checked only if the pain has changed (the steps say so)
            f"Stimulator still helping after {len(run)} ESIs {benefit}: {hold}; assess any new pain "
            "before another injection"
        )
    elif no_target:
        summary = f"{len(run)} consecutive ESIs {benefit}, no surgical target: {hold}; multidisciplinary care"
    elif referred:
        summary = f"{len(run)} consecutive ESIs {benefit}: {hold}; re-evaluate with the surgeon's opinion"
    else:
        summary = f"{len(run)} consecutive ESIs {benefit}: {hold}; re-evaluate and get a surgical opinion"
    context = [*_stimulator_facts(stimulator), *no_target, *referred]
    steps = [
        "Stop further epidural injections" + (" — hold the pending ESI order." if pending else "."),
        "Diagnostic re-evaluation: review the imaging for a concordant lesion; EMG/NCS; consider other "
        "pain generators.",
    ]
    if stimulator is not None:
        steps.insert(
            1,
            "If the pain has changed, have the stimulator checked (programming, lead position) before "
            "any other procedure.",
        )
    if no_target:
        steps.append("Spine surgery found no surgical target: no surgical referral is needed again.")
    elif referred:
        steps.append(
            "Review the spine surgeon's opinion (referral on record) with the imaging: surgery if a "
            "concordant compressive lesion is confirmed (NASS 2014)."
        )
    else:
        steps.append("Surgical opinion if there is a concordant compressive lesion (NASS 2014).")
    steps.append("Multidisciplinary care with CBT (NICE NG59).")
    suggestions = [
        *(
            []
            if no_target or referred
            else [
                ctx.offer(
                    sx.SPINE_SURGERY_REFERRAL,
                    recommended=not ctx.surgically_referred,
                )
            ]
        ),
        ctx.offer(sx.EMG_NCS),
        ctx.offer(sx.CBT_REFERRAL),
    ]
    return F8.card(
        ctx,
        indicator="warning",
        summary=summary[:139],
        # a pending ESI order, then a working stimulator or a surgeon's "no target", with the first
        # deciding fact: what the summary rests on is among the facts the card shows
        why=[*why[:1], *pending, *context, *why[1:]],
        next_steps=steps,
        avoid=["Another epidural steroid injection.", "Escalating opioids."],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("procedures", "observations", "serviceRequests"),
    )
