"""P1–P2: radicular pain persisting past 6 weeks (P1) or 3 months without referral (P2), no ESI yet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Conflict, Fact, SuggestionDraft
from hooks.facts import ProcedureFact, ServiceRequestFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import Modality
from hooks.pathway.rules import acute, esi_outcome, red_flags
from hooks.pathway.rules.common import (
    ESI_STENOSIS,
    ESI_TIMING,
    HOLD,
    TOPIC_PATHWAY,
    Rule,
    mri_ordered_fact,
    ordered_fact,
    pending_mri,
    review_ordered_mri,
)
from hooks.rule import WARNING
from hooks.text import short_name
from hooks.thresholds import span

P1 = Rule(
    "P1",
    "Persistent radicular pain after conservative care",
    TOPIC_PATHWAY,
    ("acr_lbp_2021", "nass_ldh", "nice_ng59"),
)
P2 = Rule(
    "P2",
    "Persistent radicular pain without specialist referral",
    TOPIC_PATHWAY,
    ("nice_ng59", "nass_ldh"),
    indicators=WARNING,
)


def is_persistent(ctx: PathwayContext) -> bool:
    d = ctx.symptom_days
    return d is not None and d >= ctx.t.conservative_care_days


def is_chronic(ctx: PathwayContext) -> bool:
    d = ctx.symptom_days
    return d is not None and d >= ctx.t.chronic_days


def _care_facts_and_gaps(ctx: PathwayContext) -> tuple[list[Fact], list[str]]:
    facts = list(ctx.conservative_care_facts())
    gaps = []
    if not ctx.conservative_care_complete:
        days = ctx.conservative_care_days
        episode = " in this episode" if ctx.earlier_episode_care else ""
        facts.append(
            Fact(f"conservative care documented for {span(days, exact=False)}")
            if days
            else Fact(f"no conservative care documented{episode}")
        )
        gaps.append(
            f"{span(ctx.t.conservative_care_days)} of conservative care (physiotherapy, "
            f"{acute.conservative_analgesia(ctx)}) before imaging or injection"
        )
    return facts, gaps


def _stenosis_evidence(ctx: PathwayContext) -> dict[str, tuple[str, ...]]:
    """For neurogenic claudication the NASS guideline on lumbar stenosis, not the one on disc
    herniation, backs the card."""
    if not claudication(ctx):
        return {}
    return {"extra_evidence": ("nass_stenosis",), "without_evidence": ("nass_ldh",)}


def claudication(ctx: PathwayContext) -> bool:
    """Stenosis with neurogenic claudication: NICE NG59 advises against epidurals for it."""
    return bool(ctx.conditions("neurogenic_claudication")) or ctx.claudication_text()


def _condition_words(ctx: PathwayContext) -> str:
    """What the summary calls the pain: neurogenic claudication for stenosis with it (as P1 does)."""
    return "Neurogenic claudication" if claudication(ctx) else "Radicular pain"


def _referral_date(s: ServiceRequestFact) -> date | None:
    return s.authored or s.occurrence


def _on(d: date | None) -> str:
    return f" {d.isoformat()}" if d else ""


def _on_date(d: date | None) -> str:
    return f" on {d.isoformat()}" if d else ""


def _referral_on_record(ctx: PathwayContext) -> tuple[Fact, str] | None:
    """The latest specialist referral made, or specialist visit, of this episode (what
    ``ctx.referred`` reads), as a fact and the step that replaces "refer": the patient already has
    one, so the card names it and never asks for it again. None when only a specialist's
    procedure, or nothing, makes the patient referred."""
    sent = [s for s in ctx.specialist_referrals if ctx.in_episode(_referral_date(s))]
    seen = [e for e in ctx.specialist_encounters if ctx.in_episode(e.start)]
    latest_sent = max(sent, key=lambda s: _referral_date(s) or date.min, default=None)
    latest_seen = max(seen, key=lambda e: e.start or date.min, default=None)
    if latest_seen is not None and (
        latest_sent is None or (latest_seen.start or date.min) >= (_referral_date(latest_sent) or date.min)
    ):
        when = _on(latest_seen.start)
        return (
            Fact(f"specialist encounter{when}: {latest_seen.text}", latest_seen.ref,
                 short=f"seen by a specialist{when}: {short_name(latest_seen.text)}"),
            f"Already seen by a specialist ({latest_seen.text}{when}): follow the specialist's plan; "
            "no new referral needed.",
        )  # fmt: skip
    if latest_sent is None:
        return None
    when = _on(_referral_date(latest_sent))
    done = latest_sent.status == "completed"
    follow = "follow the specialist's plan" if done else "follow up the appointment"
    return (
        ctx.order_fact(latest_sent, "specialist referral: "),
        f"Already referred ({latest_sent.text}{when}, {latest_sent.status}): {follow}; no new referral "
        "needed.",
    )


def _drafted_referrals(ctx: PathwayContext) -> tuple[ServiceRequestFact, ...]:
    """Specialist referrals of this episode drafted and never sent (status draft), oldest first: not a
    referral made, but P2 asks to send the draft rather than write a second one."""
    drafts = [
        s
        for s in ctx.pending("spine_specialist_referral")
        if s.status == "draft" and ctx.in_episode(_referral_date(s))
    ]
    return tuple(sorted(drafts, key=lambda s: _referral_date(s) or date.min))


def _draft_words(draft: ServiceRequestFact) -> str:
    """The drafted referral as a step names it: "the drafted referral (Referral to neurosurgeon,
    drafted 2026-06-20)"."""
    return f"the drafted referral ({draft.text}, drafted{_on(_referral_date(draft))})"


def _draft_fact(draft: ServiceRequestFact, also: str = "") -> Fact:
    d = _referral_date(draft)
    when = _on(d)
    return Fact(
        f"specialist referral drafted, never sent: {draft.text}, status draft"
        f"{f' ({d.isoformat()})' if d else ''}{also}",
        draft.ref,
        short=f"{short_name(draft.text)} drafted{when}, never sent",
    )


def _p1_refer_step(
    ctx: PathwayContext,
    weak: bool,
    on_record: tuple[Fact, str] | None,
    draft: ServiceRequestFact | None,
    severe: bool = False,
) -> str:
    """P1's referral step: the referral or visit on record named (never asked for again), a drafted
    referral to send, else the referral to make (within 2 weeks for a weak muscle, or for severe,
    disabling pain before conservative care is documented, as E2 asks)."""
    if on_record is not None:
        return on_record[1]
    if severe and not weak:
        within = span(ctx.t.urgent_referral_days)
        if draft is not None:
            return (
                f"Sign and send {_draft_words(draft)} for the patient to be seen by a spine specialist "
                f"within {within} for the severe, disabling pain."
            )
        return f"Refer to a spine specialist to be seen within {within} for the severe, disabling pain."
    if weak:
        within = span(ctx.t.urgent_referral_days)
        if draft is not None:
            return (
                f"Sign and send {_draft_words(draft)} for the patient to be seen by a spine specialist "
                f"within {within} for the motor weakness (NASS 2014)."
            )
        return f"Refer to a spine specialist to be seen within {within} for the motor weakness (NASS 2014)."
    by = f"no later than {span(ctx.t.chronic_days)} after onset"
    if draft is not None:
        return f"Sign and send {_draft_words(draft)} {by}."
    return f"Refer to a spine specialist {by}."


def _refer_first_step(ctx: PathwayContext, draft: ServiceRequestFact | None) -> str:
    """P1's first step when the MRI does not settle the level: the specialist matches it to the
    symptoms (through the drafted referral, when there is one) before any injection."""
    by = f"no later than {span(ctx.t.chronic_days)} after onset (usual practice)"
    if draft is not None:
        return (
            f"Sign and send {_draft_words(draft)} so a spine specialist matches the imaging to the "
            f"symptoms before any injection, {by}."
        )
    return f"Refer to a spine specialist to match the imaging to the symptoms before any injection, {by}."


def _session_limit_step(ctx: PathwayContext) -> str | None:
    """With the 12-month session limit already reached (an earlier episode's injections count too:
    the limit is on injections), when the next injection may be given instead of recommending one."""
    allowed = esi_outcome.next_session_date(ctx)
    if allowed is None:
        return None
    done = ctx.esis_in_frequency_window
    limit = ctx.t.esi_max_sessions_per_year
    return (
        f"No epidural steroid injection before {allowed.isoformat()}: {len(done)} lumbar sessions in the "
        f"last 12 months already reach the limit of {limit} per region (Medicare ESI LCD)."
    )


def _injection_step(ctx: PathwayContext, *, option: bool = False) -> str:
    if claudication(ctx):
        return (
            "Neurogenic claudication: physiotherapy and a decompression opinion rather than an epidural "
            "injection (NICE NG59; ASIPP 2021 disagrees)."
        )
    limit = _session_limit_step(ctx)
    if limit:
        return limit
    if option:
        return "An image-guided epidural steroid injection remains an option."
    block = esi_outcome.positive_root_block(ctx)
    if block is not None:
        return (
            f"Consider an image-guided (fluoroscopic or CT) transforaminal epidural steroid injection at the "
            f"{block[0]}, the root the diagnostic block confirmed (NASS 2014)."
        )
    return (
        "Consider an image-guided (fluoroscopic or CT) transforaminal or interlaminar epidural steroid "
        "injection at the level concordant with the imaging (NASS 2014)."
    )


def _conflicts(ctx: PathwayContext) -> list[Conflict]:
    return [ESI_STENOSIS] if claudication(ctx) else [ESI_TIMING]


def _imaging_facts(ctx: PathwayContext) -> list[Fact]:
    """The latest lumbar MRI: its finding and date (what an injection level is chosen from)."""
    return [s.fact() for s in ctx.mri_studies[-1:]]


def _root_block_facts(ctx: PathwayContext) -> list[Fact]:
    """The positive diagnostic root block that chose the injection's root, beside the imaging."""
    block = esi_outcome.positive_root_block(ctx)
    if block is None:
        return []
    p = block[1]
    return [esi_outcome.root_block_fact(ctx, p, ctx.assess(p, Modality.DIAGNOSTIC_BLOCK).outcome)]


def _imaging_gap(ctx: PathwayContext) -> str | None:
    """With an MRI on file, what it does not say: a lesion that matches the symptoms."""
    mri = ctx.mri_studies[-1] if ctx.mri_studies else None
    if mri is None or ctx.concordance.status == "concordant" or esi_outcome.positive_root_block(ctx):
        return None
    if not mri.conclusion:
        return f"the report of the {mri.short_label}"
    return f"a lesion concordant with the symptoms on the {mri.short_label}"


def _mri_ordered_step(ctx: PathwayContext, s: ServiceRequestFact, before_care: bool = False) -> str:
    """P1's first step while the MRI it would offer is already ordered: what follows the MRI. Worded
    so that a card short of room, cutting it where a clause ends, still says to review the order
    named by its date. Before the conservative-care period no injection follows it yet."""
    review = review_ordered_mri(ctx, s)
    if before_care:
        return (
            f"{review} when it is reported; no injection before the conservative-care period "
            "(ACR 2021 variant 3)."
        )
    if claudication(ctx):
        return (
            f"{review} for a decompression opinion; physiotherapy meanwhile and no epidural injection "
            "for neurogenic claudication (NICE NG59)."
        )
    return (
        f"{review}, then consider an image-guided epidural steroid injection at the level concordant "
        "with it (NASS 2014)."
    )


def _care_words(ctx: PathwayContext) -> str:
    """How much conservative care the record shows, when it is short of the full period."""
    days = ctx.conservative_care_days
    if not days:
        return "no conservative care documented"
    return f"only {span(days, exact=False)} of conservative care documented"


def _tried(ctx: PathwayContext) -> str:
    """What the care step asks was tried for the pain: "an NSAID/analgesic", or "an analgesic" where the
    record rules an NSAID out (it is not offered)."""
    analgesia = acute.conservative_analgesia(ctx)
    return "an NSAID/analgesic" if analgesia == "NSAID/analgesic" else "an analgesic"


def _care_step(ctx: PathwayContext, weak: bool = False) -> str:
    """P1's first step while the conservative-care period is not documented (ACR 2021 variant 3 and
    NASS 2014 place imaging and injection after it). With a weak muscle the MRI goes ahead meanwhile
    (the summary says so): only the injection waits for the care."""
    weeks = span(ctx.t.conservative_care_days)
    before = "an injection" if weak else "MRI or an injection"
    if ctx.conservative_care_days:
        return (
            f"Complete {weeks} of conservative care (physiotherapy, {acute.conservative_analgesia(ctx)}) "
            f"before {before}, "
            "or record the care given elsewhere (ACR 2021 variant 3)."
        )
    no_nsaid = acute.nsaids_or_caution(ctx)
    care = "conservative care" if no_nsaid == "NSAIDs" else f"conservative care ({no_nsaid})"
    return (
        f"Ask whether physiotherapy or {_tried(ctx)} was tried; if not, give {weeks} of {care} before "
        f"{before} (ACR 2021 variant 3)."
    )


P1_NO_CARE_TITLE = "Persistent radicular pain, conservative care not documented"

PHYSIOTHERAPY_WORDS = "active physiotherapy (neurodynamic mobilisation, motor-control exercise)"


def _pending_physiotherapy_referral(ctx: PathwayContext) -> ServiceRequestFact | None:
    """The latest physiotherapy referral of this episode not yet done (draft, active, on hold): the
    physiotherapy the card asks for is on its way, so it is named, not offered a second time."""
    sent = [s for s in ctx.pending(sx.PHYSIOTHERAPY_REFERRAL.value_set) if ctx.in_episode(_referral_date(s))]
    return max(sent, key=lambda s: _referral_date(s) or date.min, default=None)


def _physiotherapy_step(ctx: PathwayContext, before_care: bool, referral: ServiceRequestFact | None) -> str:
    """P1's physiotherapy step: continued when sessions of this episode are on record (or the
    conservative-care period is), started when the card asks for the care first and none is on
    record (NICE NG59: an exercise programme for sciatica)."""
    if not before_care or ctx.episode_physiotherapy:
        return f"Continue {PHYSIOTHERAPY_WORDS}."
    if referral is not None:
        return (
            "Start active physiotherapy (an exercise programme, NICE NG59) through the physiotherapy "
            f"referral already ordered{_on_date(_referral_date(referral))}."
        )
    return "Start active physiotherapy (an exercise programme, NICE NG59): refer to physiotherapy."


def _mri_after_care_step(ctx: PathwayContext) -> str:
    """The MRI step while the conservative-care period is not documented: after it, not now (ACR 2021
    variant 3)."""
    return (
        f"After {span(ctx.t.conservative_care_days)} of conservative care, MRI lumbar spine without "
        "contrast if the pain persists and the patient is a candidate for an epidural injection or "
        "surgery (ACR 2021 variant 3)."
    )


def _summary(ctx: PathwayContext) -> str:
    """P1's one line: MRI if none is on file or ordered (ACR variant 3), else the next step from the
    MRI on file or ordered."""
    weeks = span(ctx.t.conservative_care_days)
    mri = ctx.mri_studies[-1] if ctx.mri_studies else None
    # an MRI already ordered is said as one, by its date, never offered again
    pending = pending_mri(ctx)
    ordered = mri_ordered_fact(ctx, pending[-1]).short if pending else ""
    if claudication(ctx):
        if mri is not None:
            imaging = f", {mri.short_label} on file:"
        else:
            imaging = f", {ordered}:" if ordered else ": MRI if a surgical candidate;"
        return f"Neurogenic claudication over {weeks}{imaging} physiotherapy and a decompression opinion"
    if _session_limit_step(ctx):
        return (
            f"Radicular pain over {weeks}: the 12-month limit of lumbar ESI sessions is reached; "
            "continue conservative care, specialist review"
        )
    if not ctx.conservative_care_complete:
        return (
            f"Radicular pain over {weeks}, {_care_words(ctx)}: confirm or "
            f"{'complete' if ctx.conservative_care_days else 'start'} it before MRI or an injection"
        )
    if mri is None and ordered:
        return (
            f"Radicular pain over {weeks}, {ordered}: review it, then image-guided ESI at the concordant "
            "level"
        )
    if mri is None:
        return (
            f"Radicular pain over {weeks}: MRI if an injection or surgical candidate, then image-guided ESI"
        )
    block = esi_outcome.positive_root_block(ctx)
    if block is not None:
        root = " ".join(x for x in (block[1].laterality, block[1].level) if x)
        return (
            f"Radicular pain over {weeks}, diagnostic root block {ctx.proc_when(block[1])} confirmed {root}: "
            "consider an image-guided ESI at that root"
        )
    if ctx.concordance.status == "concordant":
        return (
            f"Radicular pain over {weeks}, concordant lesion on {mri.short_label}: consider an image-guided "
            "ESI at that level"
        )
    return (
        f"Radicular pain over {weeks}, {mri.short_label} on file: image-guided ESI only at a level "
        "concordant with the symptoms"
    )


def _severe_no_care_summary(ctx: PathwayContext, draft: ServiceRequestFact | None) -> str:
    """P1's one line for severe, disabling pain (``acute.is_severe``) with the conservative care not
    documented: the specialist referral leads, whatever the week, and physiotherapy goes beside it,
    not instead of it (NICE NG59)."""
    weeks = span(ctx.t.conservative_care_days)
    refer = "send the drafted specialist referral" if draft is not None else "refer to a spine specialist"
    physio = "continue" if ctx.episode_physiotherapy else "start"
    line = (
        f"Severe radicular pain over {weeks}, {_care_words(ctx)}: {refer}; {physio} physiotherapy meanwhile"
    )
    if len(line) <= SUMMARY_MAX:
        return line
    care = "conservative care incomplete"
    return f"Severe radicular pain over {weeks}, {care}: {refer}; {physio} physiotherapy meanwhile"


def _weak_summary(ctx: PathwayContext, imaged: bool) -> str:
    """P1's one line when a muscle is weak (MRC 4, no fall) and no specialist has the patient yet: the
    referral leads, as it does the steps; the MRI still goes ahead meanwhile when none is on file
    or ordered."""
    weeks = span(ctx.t.conservative_care_days)
    within = span(ctx.t.urgent_referral_days)
    meanwhile = "" if imaged else "; MRI lumbar spine meanwhile"
    return f"Radicular pain over {weeks} with motor weakness: spine specialist within {within}{meanwhile}"


def _esi_history(ctx: PathwayContext, old_esi: ProcedureFact | None) -> Fact:
    if old_esi is None:
        return ctx.no_esi_fact()
    when = old_esi.performed.isoformat() if old_esi.performed else "an unrecorded date"
    return Fact(f"{old_esi.text} on {when}: outcome never recorded and too long ago to judge", old_esi.ref)


def p1_persistent(ctx: PathwayContext, old_esi: ProcedureFact | None = None) -> CardDraft:
    """P1 — persistent ≥ 6 weeks despite conservative care; no ESI yet.

    When: gate open, symptoms ≥ 42 days, no epidural injection (or only one so old and undocumented
      that it cannot be judged), no prior lumbar surgery, no red flag.
    Then: info — MRI lumbar without contrast if the patient is a candidate for ESI or surgery
      (ACR variant 3); image-guided TFESI/ILESI, offered once an MRI is on file and pre-selected when
      it shows a concordant lesion (else the specialist referral comes first); specialist referral
      before 3 months. Neurogenic claudication: MRI if a decompression candidate, physiotherapy and a
      decompression opinion, no epidural (NICE NG59). Conservative care not documented for 6 weeks
      (ACR 2021 variant 3): the care first — a physiotherapy referral, the first and pre-selected
      suggestion unless one is ordered or sessions are on record; "start", not "continue",
      physiotherapy when none is on record; no MRI offered (said as following the care period) and
      no injection, as a step or an order. A weak muscle keeps its referral first and its MRI
      meanwhile. An ESI already ordered without image guidance is named, to hold, as the first step:
      the image-guided injection stays the advice.
    Evidence: ACR 2021 variant 3; NICE NG59; NASS LDH (MRI the imaging of choice; ESI short-term benefit).
    """
    care, gaps = _care_facts_and_gaps(ctx)
    has_mri = bool(ctx.mri_studies)
    stenosis = claudication(ctx)
    # a motor deficit (MRC 4, no fall) not yet referred brings the specialist referral forward
    weak = () if ctx.referred else acute.stable_deficit(ctx)
    suggestions: list[SuggestionDraft] = []
    steps = []
    no_care = not ctx.conservative_care_complete and not stenosis
    limit = _session_limit_step(ctx)
    # conservative care not yet documented (and no session limit saying more): physiotherapy is the
    # step to take now; MRI and injection come after the care period (ACR 2021 variant 3), so neither
    # is offered as an order, nor the injection said as a step. A weak muscle keeps its MRI meanwhile.
    before_care = no_care and not limit
    # severe, disabling pain (as E2 grades it) keeps E2's specialist referral past week 6: the care
    # asked for goes beside the referral, not instead of it (NICE NG59)
    severe = before_care and not ctx.referred and not weak and acute.is_severe(ctx)
    # an MRI already ordered is not offered again: the step says it is ordered and what follows it
    # (its review, then the injection at the level it shows), as for a pending ESI below
    mri_ordered = pending_mri(ctx)
    if mri_ordered:
        steps.append(_mri_ordered_step(ctx, mri_ordered[-1], before_care))
    elif not has_mri and before_care and not weak:
        steps.append(_mri_after_care_step(ctx))
    elif not has_mri:
        steps.append(
            # neurogenic claudication: imaging for a decompression candidate, not for an epidural
            # (NICE NG59 advises against epidurals for it)
            "MRI lumbar spine without contrast if the patient is a candidate for decompression surgery "
            "(ACR 2021 variant 3), with physiotherapy meanwhile; no epidural injection for neurogenic "
            "claudication (NICE NG59)."
            if stenosis
            else "MRI lumbar spine without contrast if the patient is a candidate for an epidural "
            "injection or surgery (ACR 2021 variant 3)."
        )
        suggestions.append(
            ctx.offer(
                sx.MRI_WITHOUT_CONTRAST,
                recommended=True,
            )
        )
    else:
        gaps += [g for g in [_imaging_gap(ctx)] if g]
    # a patient already referred (or seen) has the referral named, never asked for again; a referral
    # drafted and never sent is the one to send, not a second to write
    on_record = _referral_on_record(ctx) if ctx.referred else None
    drafts = () if ctx.referred else _drafted_referrals(ctx)
    drafted = drafts[-1] if drafts else None
    refer = _p1_refer_step(ctx, bool(weak), on_record, drafted, severe)
    pt_referral = _pending_physiotherapy_referral(ctx) if before_care else None
    physiotherapy = _physiotherapy_step(ctx, before_care, pt_referral)
    steps += [
        # the step for the MRI ordered already says the injection (or, for claudication, what
        # replaces it); one that stops it (the session limit) is still said; none before the
        # conservative-care period
        *([] if (mri_ordered and not limit) or before_care else [_injection_step(ctx)]),
        refer,
        physiotherapy,
    ]
    # with an MRI on file, the injection the first step proposes is offered as an order, aimed where
    # the report puts the lesion, and pre-selected when the MRI shows a concordant lesion; not for
    # neurogenic claudication (NICE NG59), nor past the yearly session limit
    # a positive diagnostic root block settles the level as concordant imaging does
    concordant = ctx.concordance.status == "concordant" or esi_outcome.positive_root_block(ctx) is not None
    inject = has_mri and not stenosis and not limit
    # an ESI already ordered is not offered again: the step says it is ordered and asks for the
    # baseline scores its outcome will be judged against (§3)
    # one ordered without image guidance is no injection to prepare for: it is held (decision model P1:
    # no blind injection), and the image-guided one stays the step
    blind = [s for s in ctx.pending(*esi_outcome.ESI_ORDER_SETS) if _blind_order(ctx, s)]
    pending_esi = tuple(s for s in ctx.pending(*esi_outcome.ESI_ORDER_SETS) if s not in blind)
    ordered = list(pending_esi) if inject and concordant and not no_care else []
    if ordered:
        when = f" on {ordered[-1].authored.isoformat()}" if ordered[-1].authored else ""
        steps = [
            f"Record the leg-pain score (NRS 0–10) and ODI before the image-guided epidural steroid "
            f"injection already ordered{when}, as the baseline its outcome is judged against (CMS ESI LCDs).",
            *(s for s in steps if s != _injection_step(ctx)),
        ]
    elif inject and not pending_esi and not before_care:
        suggestions.append(esi_outcome.first_tfesi(ctx, recommended=concordant and not no_care))
    # the referral is the step to take when the MRI does not settle the level (and for claudication:
    # the decompression opinion); when it does, the injection comes first
    refer_first = has_mri and not ctx.referred and not concordant and not stenosis and not limit
    if refer_first:
        steps = [_refer_first_step(ctx, drafted), *(s for s in steps if s != refer)]
    if weak:
        steps = [refer, *(s for s in steps if s != refer)]
    if blind:
        steps = [_hold_blind_step(blind[-1]), *steps]
    if limit:
        steps = [limit, *(s for s in steps if s != limit)]  # what stops the usual next step comes first
    elif no_care:
        # the care first, then the physiotherapy that gives it; a weak muscle keeps the referral it
        # brings forward first, as the summary says
        rest = [s for s in steps if s != physiotherapy]
        if weak:
            steps = [refer, _care_step(ctx, weak=True), *(s for s in rest if s != refer), physiotherapy]
        elif severe:
            steps = [refer, _care_step(ctx), physiotherapy, *(s for s in rest if s != refer)]
        else:
            steps = [_care_step(ctx), physiotherapy, *rest]
        # the step asks for the care: the "Not recorded" line would say it a third time
        gaps = [g for g in gaps if "of conservative care" not in g]
        # an MRI kept for a weak muscle waits for the specialist: offered, not recommended
        suggestions = [replace(s, is_recommended=False) for s in suggestions]
        # physiotherapy is the order to place now (pre-selected unless a weak muscle puts the
        # specialist first), unless one is already ordered or sessions are on record
        if pt_referral is None and not ctx.episode_physiotherapy:
            suggestions.insert(
                0 if not (weak or severe) else len(suggestions),
                ctx.offer(sx.PHYSIOTHERAPY_REFERRAL, recommended=not (weak or severe)),
            )
    if not ctx.referred and drafted is None:
        suggestions.insert(
            # severe pain: the referral is the first button, physiotherapy offered beside it
            0 if severe else len(suggestions),
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                # pre-selected where a step before the others asks for it: claudication with an MRI
                # (a decompression opinion), an MRI that does not settle the level, the session
                # limit reached, or severe pain; not beside a recommended injection, nor otherwise
                # before conservative care
                recommended=bool(weak)
                or severe
                or (has_mri and not (inject and concordant) and not (no_care and not limit)),
                note=(
                    f"To be seen within {span(ctx.t.urgent_referral_days)}: motor weakness ("
                    + "; ".join(f"{o.text} {o.value:g}/5" for o in weak)
                    + ")."
                )
                if weak
                else f"To be seen within {span(ctx.t.urgent_referral_days)}: severe, disabling radicular "
                "pain."
                if severe
                else None,
                seen_by=ctx.urgent_referral_by if weak or severe else None,
            ),
        )
    draft = P1.card(
        ctx,
        indicator="info",
        summary=_weak_summary(ctx, has_mri or bool(mri_ordered))
        if weak
        else _severe_no_care_summary(ctx, drafted)
        if severe
        else _summary(ctx)
        if not ordered
        else _ordered_summary(ctx),
        why=[
            *(red_flags.weak_muscle_fact(o) for o in weak),
            ctx.onset_fact(),
            *(ctx.order_fact(s, "pending ESI order without image guidance — hold it: ", short_prefix=HOLD)
              for s in blind[-1:]),
            *_imaging_facts(ctx),
            *_root_block_facts(ctx),
            *(mri_ordered_fact(ctx, s) for s in mri_ordered[-1:]),
            *(_ordered_fact(ctx, s) for s in ordered[-1:]),
            *([on_record[0]] if on_record else []),
            *([_draft_fact(drafted)] if drafted else []),
            *care,
            *([ctx.order_fact(pt_referral, "physiotherapy referral: ")] if pt_referral else []),
            *ctx.pain_facts(),
            _esi_history(ctx, old_esi),
        ],
        gaps=gaps,
        next_steps=steps,
        avoid=[
            "A blind (non-image-guided) epidural injection.",
            "Contrast MRI without prior surgery or a red flag.",
            "Fusion; long-term opioids.",
        ],
        conflicts=_conflicts(ctx),
        suggestions=suggestions,
        selection_behavior="any",
        needs=("procedures", "medicationRequests", "medicationStatements", "diagnosticReports"),
        **_stenosis_evidence(ctx),
    )
    return replace(draft, title=P1_NO_CARE_TITLE) if no_care and not limit else draft


def _blind_order(ctx: PathwayContext, s: ServiceRequestFact) -> bool:
    """An ESI order coded without image guidance (62322 / legacy 62311)."""
    return ctx.matches("esi_without_image_guidance", s.codings)


def _hold_blind_step(s: ServiceRequestFact) -> str:
    when = f" on {s.authored.isoformat()}" if s.authored else ""
    return (
        f"Hold the epidural injection ordered{when} without image guidance: an image-guided injection at "
        "the level the MRI shows instead (a blind injection is no adequate trial and may miss the level)."
    )


def _ordered_fact(ctx: PathwayContext, s: ServiceRequestFact) -> Fact:
    """The pending ESI order, its short form saying what it is in a word ("ESI ordered 2026-10-28")."""
    return ordered_fact(ctx, s, "pending ESI order: ", "ESI")


def _ordered_summary(ctx: PathwayContext) -> str:
    """P1's one line when the injection is already ordered: its baseline is the step left."""
    mri = ctx.mri_studies[-1]
    return (
        f"Radicular pain over {span(ctx.t.conservative_care_days)}, {mri.short_label} on file, ESI "
        "ordered: record NRS and ODI before it as its baseline"
    )


def _p2_summary(ctx: PathwayContext, draft: ServiceRequestFact | None) -> str:
    words, weeks = _condition_words(ctx), span(ctx.t.chronic_days)
    if draft is not None:
        return (
            f"{words} for over {weeks}, referral drafted{_on(_referral_date(draft))} but never sent: "
            "send it to a spine specialist now"
        )
    return f"{words} for over {weeks} and not yet referred: refer to a spine specialist now"


def _not_referred_fact(draft: ServiceRequestFact | None) -> Fact:
    """What the card is about (the summary's "not yet referred"): no referral or visit, or only a
    referral drafted and never sent."""
    if draft is None:
        return Fact("no spine or pain specialist referral or visit on record")
    return _draft_fact(draft, "; no specialist referral sent or visit on record")


def p2_not_referred(ctx: PathwayContext, old_esi: ProcedureFact | None = None) -> CardDraft:
    """P2 — persistent ≥ 3 months and still not referred.

    When: gate open, symptoms ≥ 84 days, no (judgeable) ESI, no spine/pain specialist referral made or
      encounter in this episode (a draft never sent, or one from an earlier episode, is none).
    Then: warning — refer now (clinical practice: no later than 3 months), or, with a referral drafted
      and never sent, send that draft (named, with no second referral offered); image-guided ESI as an
      option; biopsychosocial assessment before surgical referral.
    Evidence: NICE NG59; NASS LDH.
    """
    care, gaps = _care_facts_and_gaps(ctx)
    drafts = _drafted_referrals(ctx)
    draft = drafts[-1] if drafts else None
    # a drafted referral is sent, not written again: the referral is offered only without one
    suggestions = (
        []
        if draft is not None
        else [
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                recommended=True,
            )
        ]
    )
    # an MRI already ordered is named among the facts, not offered again
    mri_ordered = pending_mri(ctx)
    if not ctx.mri_studies and not mri_ordered:
        suggestions.append(ctx.offer(sx.MRI_WITHOUT_CONTRAST))
    weeks = span(ctx.t.chronic_days)
    refer = (
        f"Sign and send {_draft_words(draft)} now (usual practice: a referral no later than {weeks} after "
        "onset)."
        if draft is not None
        else f"Refer to a spine specialist now (usual practice: no later than {weeks} after onset)."
    )
    return P2.card(
        ctx,
        indicator="warning",
        summary=_p2_summary(ctx, draft),
        why=[
            ctx.onset_fact(),
            _not_referred_fact(draft),
            *_imaging_facts(ctx),
            *(mri_ordered_fact(ctx, s) for s in mri_ordered[-1:]),
            *care,
            *ctx.pain_facts(),
            *([_esi_history(ctx, old_esi)] if old_esi is not None or ctx.earlier_episode_esis else []),
        ],
        gaps=gaps,
        next_steps=[
            refer,
            "Biopsychosocial assessment alongside the referral (NICE NG59).",
            _injection_step(ctx, option=True),
        ],
        avoid=["Further unreferred waiting.", "Repeat imaging without a new indication.", "Fusion."],
        conflicts=_conflicts(ctx),
        suggestions=suggestions,
        selection_behavior="any",
        needs=("serviceRequests", "encounters"),
        **_stenosis_evidence(ctx),
    )
