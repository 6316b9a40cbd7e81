"""Check 4 — epidural injection repeated without benefit, too often, before the last one can be judged,
or too early.

``order.esi-repeat`` (decision model F8, "intercept on order-sign")
When: a lumbar ESI is ordered and either the last two completed lumbar ESIs
      (``esi_consecutive_failures``) were both non-responders by ``hooks.pathway.failure.assess``
      (failed, short-lived, partial < 50 %, probable failure), or the order would exceed the session
      limit: ``esi_max_sessions_per_year`` (4) sessions are allowed per region in 12 months, so the
      card fires when 4 are already on record and a fifth is ordered.
Then: warning; stop injecting: diagnostic re-evaluation (EMG/NCS, diagnostic nerve-root block),
      surgical opinion, multidisciplinary care. Suggest cancelling the ESI and referring to a spine
      surgeon instead, or cancelling and ordering EMG/NCS.
      On the session limit alone after injections that worked (``esi_outcome.response_at_limit``,
      the predicate of the patient-view F8 limit card: no non-responding run, the latest judged
      injection a response) the card is titled as that one ("Epidural steroid injection session
      limit reached") and says the limit and the date a further session falls within it
      (``esi_outcome.next_session_date``): hold the order until then, and a surgical opinion for
      radicular pain that keeps recurring and needing injections (NASS 2014; a surgeon's "no surgical
      target" note replaces it). Suggest cancelling the ESI and referring to a spine surgeon
      (recommended unless already referred), or cancelling it alone; no EMG/NCS, no "without
      benefit": the responses confirm the diagnosis.
Evidence: CMS ESI LCDs (repeat only after ≥ 50 % sustained relief; ≤ 4 sessions per region per 12
      months); decision model §3.1 persistence rule; NASS LDH.
Also (decision model F3 "repeating the same failed ESI", F4/F5 "repeat ESI" under must-not; F1: a
      repeat only after a sustained ≥ 50 % response), when neither F8 condition holds: a lumbar ESI is
      ordered and the latest image-guided lumbar ESI of the episode
      (``PathwayContext.image_guided_assessments``) at the draft's level, or with the level of either
      not stated (``esi_outcome.other_target``: L4-5 and L5-S1 are other targets), was judged FAILED or
      SHORT-LIVED by ``hooks.pathway.failure.assess``, or a response that did not last at 60-120 days
      (``durable`` False: a functional gain or a coded success whose pain was back, where F1 says the
      repeat criterion is not met). Not after a PARTIAL response (30-49 % in its window, or pain
      relief that faded to 30-49 %, which ``assess`` calls PARTIAL: some effect, below the threshold;
      F8 counts two of them), nor a
      PROBABLE or POSSIBLE failure read from proxies, nor when that latest injection is still PENDING
      (``order.esi-before-judged`` then says to judge it), nor after blind injections only (F2: the
      image-guided injection at the concordant level is the advice, ``order.esi-blind`` judges a blind
      draft), nor after a failure at another stated level only, nor on the other side: when the draft and
      the failed injection both state a side and the sides differ (left vs right: a transforaminal
      injection there targets another nerve root; ``failure.sides_concordant``, as the ablation check
      reads a staged contralateral ablation), it tried another root. An injection with no side stated
      (an interlaminar one) or a bilateral one counts as the same side. The F8 run is not changed.
Then: info on order-select, warning on order-sign; the summary names the failed injection and its
      date; re-evaluate instead of repeating it (the Medicare ESI LCD allows a repeat only after a
      sustained ≥ 50 % response): review the imaging for a concordant lesion, a surgical opinion when
      the MRI shows a concordant compressive lesion (NASS 2014), a diagnostic selective nerve-root block
      if the level is in doubt. Suggest cancelling the ESI (recommended). When the two-failure run or
      the session limit applies, the F8 card above is the only card.

``order.esi-before-judged`` (decision model F0, "repeat ESI" under Avoid)
When: a lumbar ESI is ordered and the most recent completed lumbar ESI of the episode
      (``PathwayContext.esi_assessments``, the sessions the pathway judges) is still PENDING by
      ``hooks.pathway.failure.assess``: its assessment window (``esi_window_start_days`` …
      ``esi_window_end_days`` after it, 2–6 weeks) has not opened. An explicit Procedure.outcome is
      judged at once by ``assess`` and is never PENDING, so a recorded outcome silences this rule.
      No exception for severe pain: a red flag has its own checks, and F1 allows a repeat only after a
      sustained response, which cannot be known yet. So too when that injection was a response whose
      lasting is not yet known (``esi_outcome.relief_so_far``: before the 60-120-day horizon, as F1
      holds the repeat; by pain, by function or coded successful), or whose pain is back before that
      horizon (``esi_outcome.relief_lost``, the latest score named with the relief it still shows):
      the card names the durability window instead, and for pain back, that relief below 30 % then
      makes the injection short-lived, and 30 % to under 50 % a partial response.
Then: warning naming the interval and the earlier injection with its date; record leg-pain NRS and
      ODI in the assessment window (its dates); repeat only after a sustained ≥ 50 % response, within
      the session limit. Suggest cancelling the ESI (recommended).
      After an injection within ``outcome_recall_days`` whose outcome the record cannot judge
      (``UNDOCUMENTED_OUTCOMES``: no outcome, no scores, at most one proxy; the pathway's F0
      documentation card): information, record its result first; holding the order offered, not
      recommended. Not when the scores could not be read (the "not fully checked" card says so).
Evidence: NASS LDH; CMS ESI LCDs (repeat only after ≥ 50 % sustained relief; ≤ 4 sessions per region
      per 12 months); decision model §3.1 assessment window and F0.

``order.esi-too-early`` (decision model E1)
When: a lumbar ESI is ordered fewer than 6 weeks into the complaint (from the earliest onset, or from
      the first lumbar epidural injection, physiotherapy or lumbar operation when that is earlier:
      ``OrderContext.course``; the card names what it counted from) and the pain is not graded severe and
      disabling as the pathway grades it for E2 (latest NRS ≥ 7 with ODI ≥ 40; a missing score does
      not argue against severity, but one must exist).
Then: warning with both sides: ACR 2021 places ESI after 6 weeks of failed conservative care;
      NICE NG59 lets a specialist consider it in acute and severe sciatica. Suggest cancelling and
      reassessing at 6 weeks.
Evidence: ACR 2021; NICE NG59; CMS ESI LCDs (≥ 4 weeks of pain and failed conservative care).

One card per order, the most specific first: ``order.esi-repeat`` (the record already shows the
injections do not work, the last one at this level failed, or the session limit is reached: stop
injecting) wins over
``order.esi-before-judged`` (the last injection cannot be judged yet: wait and measure), which wins
over ``order.esi-too-early``. When an ESI was given within the assessment window, the complaint is
often also under 6 weeks old counted from that injection; "judge the injection just given" is then
the advice that fits (it names the injection, the dates to score it and when a repeat becomes
reasonable), while "complete 6 weeks of conservative care" ignores that an ESI was already tried and
would be waived for severe pain although the unjudged injection still argues against a repeat.

A diagnostic selective nerve root block coded 64483 (-KX, or written as diagnostic or local anaesthetic
only: ``OrderContext.is_diagnostic_block``) is not a therapeutic ESI and is not judged here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact, SuggestionDraft
from hooks.conflicts import ESI_TIMING
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete
from hooks.orders.context import OrderContext
from hooks.pathway.context import SUCCESS_OUTCOMES, UNDOCUMENTED_OUTCOMES
from hooks.pathway.failure import Assessment, Outcome, sides_concordant
from hooks.pathway.rules.acute import nsaids_or_caution, severity_scores
from hooks.pathway.rules.esi_outcome import (
    F8_LIMIT_TITLE,
    consecutive_failures,
    judged_then,
    limit_step_reason,
    next_session_date,
    relief_lost,
    relief_so_far,
    response_at_limit,
)
from hooks.pathway.rules.refractory import has_concordant_lesion
from hooks.rule import INFO_OR_WARNING, Rule, order_rule
from hooks.text import levels_in, parse_laterality, parse_level, segments
from hooks.thresholds import pct, span, window

RULE_REPEAT_DECL: Rule = order_rule(
    "order.esi-repeat",
    "Repeat epidural injection without benefit",
    "F8",
    ("nass_ldh", "cms_esi_lcd"),
    INFO_OR_WARNING,  # F8: warning on both hooks; after one failed injection: info on order-select
)
RULE_EARLY_DECL: Rule = order_rule(
    "order.esi-too-early",
    "Epidural injection before the conservative-care period",
    "E1",
    ("nice_ng59", "cms_esi_lcd"),
)
RULE_BEFORE_JUDGED_DECL: Rule = order_rule(
    "order.esi-before-judged",
    "Repeat epidural injection before the last one can be judged",
    "F0",
    ("nass_ldh", "cms_esi_lcd"),
    INFO_OR_WARNING,  # information after an injection whose outcome is not recorded
)
RULES = (RULE_REPEAT_DECL, RULE_BEFORE_JUDGED_DECL, RULE_EARLY_DECL)
RULE_REPEAT, RULE_BEFORE_JUDGED, RULE_EARLY = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "esi_lumbar_all"):
        return []
    if ctx.is_diagnostic_block(order):
        return []  # a diagnostic nerve root block (KX, local anaesthetic only) is no therapeutic ESI
    for rule in (_repeat, _before_judged, _too_early):  # one card per order, most specific first
        out = rule(ctx, order)
        if out:
            return out
    return []


def _repeat(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    why: list[Fact] = []
    n = ctx.t.esi_consecutive_failures
    # the run F8 reads (``esi_outcome.consecutive_failures``): failed injections at one target, so
    # the order check and the patient-view card never disagree on "two ESIs without benefit"
    run = consecutive_failures(ctx.pathway, skip_pending=True)
    failures = n > 0 and len(run) >= n
    if failures:
        for a in run[-n:]:
            why.extend(ctx.pathway.failure_facts(a))
    sessions = ctx.pathway.esis_in_frequency_window
    limit = ctx.t.esi_max_sessions_per_year
    year = span(ctx.t.esi_frequency_window_days)
    too_many = len(sessions) + 1 > limit  # up to ``limit`` sessions are allowed: warn on the one after
    if too_many:
        why.append(
            Fact(
                f"this would be lumbar ESI session {len(sessions) + 1} in {year}; the limit is {limit} "
                f"sessions per region (earlier sessions: {', '.join(str(p.performed) for p in sessions)})"
            )
        )
        why.extend(
            Fact(f"{p.text or 'lumbar ESI'} on {p.performed_text or p.performed}", p.ref)
            for p in sessions
            if not any(f.ref == p.ref for f in why)
        )
    if not why:
        return _after_one_failure(ctx, order)  # neither F8 condition: the last injection here failed?
    response = response_at_limit(ctx.pathway) if too_many and not failures else None
    if response is not None:
        # the session limit alone, after injections that worked: the limit, not a failure, stops it
        return _session_limit(ctx, order, response, why)
    summary = (
        f"Lumbar ESI session {len(sessions) + 1} in {year}, over the limit of {limit}, after {n} "
        "non-responding injections: re-evaluate instead of injecting again"
        if failures and too_many
        else f"Repeat ESI after {n} non-responding injections: re-evaluate instead of injecting again"
        if failures
        else f"Lumbar ESI session {len(sessions) + 1} in {year}: re-evaluate instead of injecting again"
    )
    reasons = ctx.radicular_refs
    pid = ctx.inp.patient_id
    return [
        card(
            RULE_REPEAT,
            "Repeat epidural injection without benefit",
            order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=(
                "Stop repeating the injection; re-evaluate the diagnosis: review imaging concordance, "
                "EMG/nerve "
                "conduction studies, a diagnostic selective nerve-root block if the level is in doubt.",
                "Surgical opinion when a concordant compressive lesion exists.",
                "Multidisciplinary pain care with CBT; medication review.",
            ),
            avoid=(
                f"Another ESI without a sustained ≥ {pct(ctx.t.responder_relief_pct)} response to the last "
                "one.",
                f"More than {limit} lumbar ESI sessions in {year}.",
            ),
            evidence=("nass_ldh", "cms_esi_lcd"),
            gaps=ctx.unavailable_gaps("procedures", "observations"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=pid,
                    reasons=reasons,
                    label="Cancel the ESI and refer to a spine surgeon",
                    recommended=True,
                ),
                cancel_and_create(
                    order,
                    sx.EMG_NCS,
                    ctx.term,
                    patient_id=pid,
                    reasons=reasons,
                    label="Cancel the ESI and order EMG/nerve conduction studies",
                ),
            ),
        )
    ]


# what assess judged the earlier injection, in the summary's words: no effect, or relief that wore off
_ONE_FAILURE = (Outcome.FAILED, Outcome.SHORT_LIVED)
_UNKNOWN_LEVEL = (
    "The spinal level of the draft order or of the earlier injection is not stated; they were treated as "
    "the same level."
)


def _latest_here(ctx: OrderContext, levels: Sequence[str], side: str | None) -> Assessment | None:
    """The latest image-guided lumbar ESI of the episode at the draft's ``levels`` (every level it
    names: "L4-5 and L5-S1" repeats an L5-S1 injection) and on ``side`` (or with the level or side of
    either not stated; bilateral is either side), as ``assess`` judged it; None when there is none.
    Blind injections are not in the run (F2: not an adequate trial), and an injection at another
    stated level or on the other stated side tried another root."""
    here = segments(*levels)
    for a in reversed(ctx.pathway.image_guided_assessments):
        p = a.procedure
        there = segments(p.level) if p.level else set()
        if here and there and not (here <= there or there <= here):
            continue  # another target, as ``esi_outcome.other_target`` reads two injections
        if sides_concordant(side, p.laterality or parse_laterality(p.text)) is False:
            continue  # left vs right: another nerve root (a staged contralateral injection)
        return a
    return None


def _after_one_failure(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """``order.esi-repeat`` after one image-guided ESI at the draft's level that failed or whose relief
    was short-lived (F3/F4/F5 "repeat ESI" under must-not; the Medicare ESI LCD allows a repeat only
    after a sustained ≥ 50 % response), or whose response the assessment found did not last at
    60-120 days (``durable`` False: F1's "not sustained; repeat criterion not met"). A partial
    response, a proxy-read failure and an injection still pending draw nothing here."""
    level = parse_level(order.body_site_text, order.text)
    levels = levels_in(order.body_site_text, order.text)
    a = _latest_here(ctx, levels, parse_laterality(order.body_site_text, order.text))
    # a response the assessment found did not last at 60-120 days: F1 says the repeat criterion is not
    # met (``f1_not_sustained``), and the repeat is stopped as after a failure
    not_sustained = a is not None and a.outcome in (Outcome.RESPONDER, Outcome.SUCCESS) and a.durable is False
    if a is None or (a.outcome not in _ONE_FAILURE and not not_sustained):
        return []
    p = a.procedure
    when = p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")
    at = f" at {p.level}" if p.level else ""
    relief = pct(ctx.t.responder_relief_pct)
    if a.outcome is Outcome.SHORT_LIVED:
        head = f"Repeat ESI after the image-guided ESI{at} of {when}, whose relief was short-lived"
    elif not_sustained:
        head = f"Repeat ESI after the image-guided ESI{at} of {when}, whose response did not last"
    else:
        head = f"Repeat ESI after the failed image-guided ESI{at} of {when}"
    fits = (f"{head}: re-evaluate instead of injecting again", f"{head}: re-evaluate first")
    summary = next((x for x in fits if len(x) <= SUMMARY_MAX), head)
    gaps = list(ctx.unavailable_gaps("procedures", "observations"))
    if not (level and p.level):
        gaps.append(_UNKNOWN_LEVEL)
    surgical = (
        "Surgical opinion: the imaging shows a concordant compressive lesion; discectomy or decompression "
        f"once {span(ctx.t.chronic_days)} of conservative and interventional care have failed, or earlier "
        "if disabling (NASS 2014)."
        if has_concordant_lesion(ctx.pathway)
        else "Surgical opinion when the MRI shows a compressive lesion concordant with the symptoms "
        "(NASS 2014)."
    )
    return [
        card(
            RULE_REPEAT,
            "Repeat epidural injection after a response that did not last"
            if not_sustained
            else "Repeat epidural injection without benefit",
            order,
            indicator="warning" if ctx.inp.hook == "order-sign" else "info",
            summary=summary,
            why=ctx.pathway.failure_facts(a),
            next_steps=(
                f"Re-evaluate instead of repeating the injection: the Medicare ESI LCD allows a repeat only "
                f"after a sustained ≥ {relief} response to the last one.",
                "Review the imaging for a lesion concordant with the symptoms and the level injected.",
                surgical,
                "Diagnostic selective nerve-root block if the symptomatic level is in doubt (NASS 2014).",
            ),
            avoid=(
                f"Another ESI at the same level without a sustained ≥ {relief} response to the last one.",
            ),
            evidence=("nass_ldh", "cms_esi_lcd"),
            gaps=gaps,
            suggestions=(
                delete(
                    order,
                    "Cancel the ESI and re-evaluate",
                    f"Remove {order.ref}; the injection of {when} did not give a sustained ≥ {relief} "
                    "response",
                    recommended=True,
                ),
            ),
        )
    ]


def _session_limit(
    ctx: OrderContext, order: DraftOrder, response: Assessment, why: list[Fact]
) -> list[CardDraft]:
    """``order.esi-repeat`` on the session limit alone, the latest judged injection a response
    (``esi_outcome.response_at_limit``, the predicate of the patient-view F8 limit card): the limit and
    the date a further session falls within it (``esi_outcome.next_session_date``); hold the order until
    then and get a surgical opinion for radicular pain that keeps recurring and needing injections
    (NASS 2014; a surgeon's "no surgical target" note replaces it). No "without benefit", no diagnostic
    re-evaluation, no EMG/NCS: the responses confirm the diagnosis."""
    pathway = ctx.pathway
    allowed = next_session_date(pathway)
    assert allowed is not None  # the limit is reached
    until = allowed.isoformat()
    sessions = pathway.esis_in_frequency_window
    limit = ctx.t.esi_max_sessions_per_year
    year = span(ctx.t.esi_frequency_window_days)
    # the limit fact first, "each helped" when every session of the window could be judged and helped;
    # then the latest response (what the limit stops repeating), a surgeon's "no surgical target"
    # note, and the other sessions
    judged = {a.procedure.ref: a.outcome for a in pathway.esi_assessments if a.outcome is not Outcome.PENDING}
    each = all(judged.get(p.ref) in SUCCESS_OUTCOMES for p in sessions)
    first = replace(why[0], text=f"{why[0].text}; each helped") if each else why[0]
    latest = pathway.failure_facts(response)[0]
    no_target = pathway.no_surgical_target_notes[:1]
    facts = [first, latest, *no_target, *(f for f in why[1:] if f.ref != latest.ref)]
    head = f"Lumbar ESI session {len(sessions) + 1} in {year}: limit of {limit} reached"
    hold = f"hold this ESI until {until}"
    if no_target:
        summary = f"{head}; {hold}; continue active care"
    else:
        fits = (
            f"{head}; {hold}; surgical opinion for recurring radicular pain",
            f"{head}; {hold}; surgical opinion",
        )
        summary = next((s for s in fits if len(s) <= SUMMARY_MAX), f"{head}; {hold}")
    # one recommended suggestion: the referral, unless a surgeon has seen the patient or found no target
    referral = not no_target and not pathway.surgically_referred
    suggestions: list[SuggestionDraft] = []
    if not no_target:
        suggestions.append(
            cancel_and_create(
                order,
                sx.SPINE_SURGERY_REFERRAL,
                ctx.term,
                patient_id=ctx.inp.patient_id,
                reasons=ctx.radicular_refs,
                label="Cancel the ESI and refer to a spine surgeon",
                recommended=referral,
            )
        )
    suggestions.append(
        delete(
            order,
            f"Cancel the ESI; no ESI before {until}",
            f"Remove {order.ref}; a further session falls within the limit from {until}",
            recommended=not referral,
        )
    )
    return [
        card(
            RULE_REPEAT,
            F8_LIMIT_TITLE,
            order,
            indicator="warning",
            summary=summary,
            why=facts,
            next_steps=(
                f"Hold this epidural steroid injection until {until}: {limit_step_reason(pathway)}.",
                "Spine surgery found no surgical target: no surgical referral is needed again."
                if no_target
                else "Surgical opinion for radicular pain that keeps recurring and needing injections: "
                "discectomy is an option where imaging shows a concordant lesion (NASS 2014).",
                "Continue active physiotherapy and a home exercise programme.",
            ),
            avoid=(
                f"Another epidural steroid injection before {until}.",
                "Calling the injections failed or the pain refractory.",
            ),
            evidence=("nass_ldh", "cms_esi_lcd"),
            gaps=ctx.unavailable_gaps("procedures", "observations"),
            suggestions=suggestions,
        )
    ]


def _outcome_unrecorded(ctx: OrderContext, order: DraftOrder, a: Assessment) -> list[CardDraft]:
    """``order.esi-before-judged`` after an injection within ``outcome_recall_days`` whose outcome the
    record cannot judge (no outcome, no scores, at most one proxy: ``UNDOCUMENTED_OUTCOMES``), as
    the pathway's F0 asks for it: a repeat needs a sustained ≥ 50 % response to the last one (Medicare
    ESI LCD), so record it first. Information: nothing says the injection failed."""
    t0 = a.procedure.performed
    if t0 is None or (ctx.today - t0).days > ctx.t.outcome_recall_days:
        return []
    if ctx.inp.history.unavailable.get("observations"):
        return []  # not read, not unrecorded: the "not fully checked" card names the scores not read
    relief = pct(ctx.t.responder_relief_pct)
    when = t0.isoformat()
    return [
        card(
            RULE_BEFORE_JUDGED,
            "Repeat epidural injection after one whose outcome is not recorded",
            order,
            indicator="info",
            summary=f"Repeat ESI after the ESI of {when}, whose outcome is not recorded: record it first",
            why=ctx.pathway.failure_facts(a),
            next_steps=(
                f"Record the result of the ESI of {when}: leg-pain NRS and ODI, or the relief the patient "
                "had and how long it lasted.",
                f"Repeat it only after a sustained ≥ {relief} response (Medicare ESI LCD); with less, "
                "re-evaluate instead.",
            ),
            avoid=(f"Another ESI before the last one's response is known to reach {relief}.",),
            evidence=("cms_esi_lcd",),
            gaps=(*a.gaps, *ctx.unavailable_gaps("procedures", "observations")),
            suggestions=(
                delete(order, "Hold the ESI until its outcome is recorded", f"Remove {order.ref}"),
            ),
        )
    ]


def _before_judged(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    last = ctx.pathway.esi_assessments[-1:]
    if not last:
        return []
    a = last[0]
    if a.outcome in UNDOCUMENTED_OUTCOMES:
        return _outcome_unrecorded(ctx, order, a)
    # a response not yet known to last is judged at the durability horizon, as F1 holds the repeat;
    # so is one whose pain is back before it (short-lived, a failed injection, if it stays back)
    lost = relief_lost(ctx.pathway, a)  # None for an outcome not yet judged: it never helped yet
    lasting = lost is not None or relief_so_far(ctx.pathway, a)
    if a.outcome is not Outcome.PENDING and not lasting:
        return []
    t0 = a.procedure.performed
    if t0 is None:  # ``assess`` never leaves an undated procedure PENDING; keep mypy and the reader sure
        return []
    days = (ctx.today - t0).days
    start, end = (
        (ctx.t.esi_durability_start_days, ctx.t.esi_durability_end_days)
        if lasting
        else (ctx.t.esi_window_start_days, ctx.t.esi_window_end_days)
    )
    opens = t0 + timedelta(days=start)
    closes = t0 + timedelta(days=end)
    weeks = window(start, end)
    relief = pct(ctx.t.responder_relief_pct)
    limit = ctx.t.esi_max_sessions_per_year
    year = span(ctx.t.esi_frequency_window_days)
    after = "on the same day as" if days == 0 else f"{span(days, exact=False)} after"
    sessions = len(ctx.pathway.esis_in_frequency_window)
    # the measure the response was read by: ODI for a response by function, else pain relief
    gain = "functional gain" if a.basis == "function" else "relief"
    # the window already open (no score in it yet): judge it now, by its end
    judge = f"from {opens.isoformat()}" if opens > ctx.today else f"now (by {closes.isoformat()})"
    if lost is not None:
        back = lost.label(ctx.pathway)
        fits = (
            f"Repeat ESI {after} one whose response has not held ({back}): judge it {judge}",
            f"Repeat ESI {after} one whose response has not held: judge it {judge}",
        )
        summary = next((x for x in fits if len(x) <= SUMMARY_MAX), fits[-1])
    elif lasting:
        summary = f"Repeat ESI {after} one that has helped so far: judge whether the {gain} lasts, {judge}"
    else:
        summary = f"Repeat ESI {after} the last one: too early to judge it; assess it from {opens:%Y-%m-%d}"
    before = (
        f"Another ESI before {opens.isoformat()}, when the last one can first be judged."
        if opens > ctx.today
        else f"Another ESI before the last one is judged (its scores are due by {closes.isoformat()})."
    )
    return [
        card(
            RULE_BEFORE_JUDGED,
            "Repeat epidural injection before the last one can be judged",
            order,
            indicator="warning",
            summary=summary,
            # the assessment's first line names the earlier injection, its date and the window
            why=[*ctx.pathway.failure_facts(a), *([lost.fact(ctx.pathway)] if lost else [])],
            next_steps=(
                f"Record leg-pain NRS and ODI between {opens.isoformat()} and {closes.isoformat()} "
                f"({weeks} after the injection); "
                + (
                    judged_then(ctx.t, gain, lost)
                    + ("." if lost.gain is None else f"; still ≥ {relief}, a sustained response.")
                    if lost is not None
                    else f"{gain} still ≥ {relief} then is a sustained response."
                    if lasting
                    else f"≥ {relief} relief counts as a response."
                ),
                f"Repeat only after a sustained ≥ {relief} response, at most {limit} sessions per region "
                f"in {year} ({sessions} so far; Medicare ESI LCD).",
                "Meanwhile continue physiotherapy and the current analgesic plan.",
            ),
            avoid=(
                before,
                f"A repeat on {gain} not yet known to last (Medicare ESI LCD)."
                if lasting
                else "Labelling the last injection failed before its outcome is recorded.",
            ),
            evidence=("nass_ldh", "cms_esi_lcd"),
            suggestions=(
                delete(
                    order,
                    "Cancel the ESI and judge the last one first",
                    f"Remove {order.ref}; record NRS and ODI between {opens.isoformat()} and "
                    f"{closes.isoformat()}",
                    recommended=True,
                ),
            ),
        )
    ]


def _not_severe(ctx: OrderContext) -> str:
    """Why the pain is not E2's severe, disabling pain, as the summary says it: a severe score beside
    a function that is not disabling is said as both ("pain 8/10 but not disabling (ODI 30 %)"), never
    as "without severe pain" beside an 8/10 on the card."""
    pain, odi = severity_scores(ctx.pathway)
    if pain is not None and odi is not None and (pain.value or 0) >= ctx.t.severe_pain_nrs:
        return f", pain {pain.value:g}/10 but not disabling (ODI {odi.value:g} %)"
    return " without severe pain"


def _too_early(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    course = ctx.course
    if course is None or course.days >= ctx.t.conservative_care_days:
        return []
    if ctx.severe_pain():
        return []  # E2: acute and severe sciatica; a specialist may consider an early ESI (NICE NG59)
    duration = course.days
    reassess = course.start + timedelta(days=ctx.t.conservative_care_days)
    if order.occurrence is not None and order.occurrence >= reassess:
        return []  # booked for after the conservative-care period: ordered early, given on time
    weeks = span(ctx.t.conservative_care_days)
    counted_from = "the first treatment" if course.from_treatment else "onset"
    pain, odi = ctx.latest("pain"), ctx.latest("odi")
    why = list(course.facts)
    if pain is not None:
        why.append(Fact(f"latest pain {pain.value:g}/10 on {pain.effective}", pain.ref))
    if odi is not None:
        why.append(Fact(f"latest ODI {odi.value:g} on {odi.effective}", odi.ref))
    gaps = list(ctx.unavailable_gaps("observations"))
    if pain is None and odi is None:
        gaps.append(
            "No pain score (NRS) or ODI on record: record them; severe, disabling pain "
            "would change this advice."
        )
    return [
        card(
            RULE_EARLY,
            "Epidural injection before the conservative-care period",
            order,
            indicator="warning",
            summary=f"ESI {duration} days {course.since}{_not_severe(ctx)}: complete {weeks} of "
            "conservative care first",
            why=why,
            next_steps=(
                f"Conservative care to {reassess.isoformat()} ({weeks} from {counted_from}): "
                f"{nsaids_or_caution(ctx.pathway)}, stay active, directional-preference exercises; then an "
                "image-guided ESI if radicular pain persists.",
                f"Refer within {span(ctx.t.urgent_referral_days)} instead if pain becomes severe and "
                "disabling or a deficit appears.",
            ),
            avoid=(f"Routine ESI in the first {weeks} for tolerable pain.",),
            evidence=("nice_ng59", "cms_esi_lcd"),
            conflicts=(ESI_TIMING,),
            gaps=gaps,
            suggestions=(
                delete(
                    order,
                    f"Cancel the ESI and reassess at {weeks}",
                    f"Remove {order.ref}; reassess on {reassess.isoformat()}",
                    recommended=True,
                ),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=RULES, applies_to=("esi_lumbar_all",), kind="procedure",
    checks_what="outcomes of earlier epidural injections (repeat after non-response) and pain severity",
    needs=("observations",), evidence=("nass_ldh", "cms_esi_lcd"), judge=check,
    excludes=OrderContext.is_diagnostic_block,
    # repeat, session-limit, judge-first and 6-week timing of the adult pathway (NASS, CMS LCDs, NICE NG59)
    adult_pathway=True,
)  # fmt: skip
