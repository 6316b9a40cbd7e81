"""S1–S4: radicular pain after lumbar surgery (prior decompression/fusion, M96.1 or Z98.1).

S1 new or progressive symptoms → contrast MRI; S2 recurrent herniation, or a new compressive lesion
(adjacent-segment disease) on the contrast MRI → surgical re-evaluation; S3 epidural fibrosis without
a target → SCS pathway; S4 spondylolisthesis/instability → surgical referral where fusion may be
appropriate (S4 also applies before any surgery, decision model §1.2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact
from hooks.evidence import guideline
from hooks.facts import ConditionFact, ObservationFact, ProcedureFact
from hooks.pathway.context import ImagingStudy, PathwayContext
from hooks.pathway.failure import Assessment, is_leg_score, latest_score, prefer_leg
from hooks.pathway.rules import esi_outcome
from hooks.pathway.rules.common import FUSION, NEUROPATHIC_AGENTS, SCS_SELECTION, TOPIC_PATHWAY, Rule
from hooks.pathway.rules.refractory import site_unspecified
from hooks.rule import INFO_OR_WARNING, WARNING
from hooks.text import COMPRESSION, FIBROSIS, INSTABILITY, RECURRENCE, affirmed, clause_of, finding_of
from hooks.thresholds import pct, span

S0 = Rule(
    "S0", "Radicular pain within 3 months of lumbar surgery", TOPIC_PATHWAY, ("nass_ldh", "acr_lbp_2021"),
    indicators=INFO_OR_WARNING,
)
S1 = Rule(
    "S1", "New or progressive radicular symptoms after lumbar surgery", TOPIC_PATHWAY,
    ("acr_lbp_2021", "nass_ldh"), indicators=INFO_OR_WARNING,
)
S2 = Rule(
    "S2", "Recurrent herniation or new compressive lesion after lumbar surgery", TOPIC_PATHWAY,
    ("nass_ldh", "acr_lbp_2021"),
    indicators=WARNING,
)
S3 = Rule(
    "S3", "Persistent pain after surgery with epidural fibrosis, no surgical target", TOPIC_PATHWAY,
    ("nacc_2014", "nice_ta159"),
)
S4 = Rule(
    "S4", "Spondylolisthesis or instability with refractory radicular pain", TOPIC_PATHWAY,
    ("nass_stenosis", "nass_ldh", "nice_ng59"), indicators=INFO_OR_WARNING,
)


def surgery_date(ctx: PathwayContext) -> date | None:
    s = ctx.last_surgery
    return s.performed if s else None


def surgery_facts(ctx: PathwayContext) -> list[Fact]:
    facts = [ctx.proc_fact(p, " (prior lumbar surgery)", short="") for p in ctx.surgeries[-2:]]
    facts += [ctx.cond_fact(c) for c in ctx.lumbar_fbss_conditions]
    facts += [ctx.cond_fact(c) for c in ctx.surgery_status_conditions]
    return facts


def symptoms_after_recovery(ctx: PathwayContext) -> bool:
    """New pain more than 3 months (``early_postoperative_days``) after surgery (the surgery date
    unknown counts as long ago): where S0's window ends, S1 begins."""
    when = surgery_date(ctx)
    if when is None:
        return True
    return (ctx.today - when).days > ctx.t.early_postoperative_days


def early_postoperative(ctx: PathwayContext) -> bool:
    """The last lumbar operation was within 3 months (``early_postoperative_days``, 92 days: any
    3 calendar months; its date known)."""
    when = surgery_date(ctx)
    return when is not None and 0 <= (ctx.today - when).days <= ctx.t.early_postoperative_days


def radicular_scores(scores: Sequence[ObservationFact]) -> list[ObservationFact]:
    """The scores that speak for radicular pain: leg-pain scores when there are any
    (``failure.prefer_leg``), else those that name no site at all. A back or wound score alone is
    not radicular pain (incisional pain after an operation is expected)."""
    return [o for o in prefer_leg(scores) if is_leg_score(o) or site_unspecified(o)]


def new_diagnoses_since_surgery(ctx: PathwayContext) -> list[ConditionFact]:
    """Radicular diagnoses that began after the last operation: their onset (else, with no onset,
    their recordedDate) is after its day. A pre-operative diagnosis still on the problem list is not
    new pain."""
    when = surgery_date(ctx)
    if when is None:
        return []
    return [c for c in ctx.gate_conditions if (c.onset or c.recorded or date.min) > when]


# A note saying the leg pain has gone or eased ("leg pain resolved", "sciatica much improved"): the
# words between the leg and the verb must not deny it ("leg pain has not settled"), nor the rest of
# the sentence say it came back ("leg pain improved, now worse again").
_LEG_PAIN_EASED = re.compile(
    r"\b(?:leg|legs|radicular|sciatic\w*)\b(?P<between>[^.;,\n]{0,40}?)"
    r"\b(?:resolved|resolving|settled|settling|improved|improving|gone|eased|easing)\b(?P<after>[^.;\n]*)",
    re.IGNORECASE,
)
_NOT = re.compile(r"\b(?:not|never|no|yet to)\b|n't\b", re.IGNORECASE)
_CAME_BACK = re.compile(
    r"\b(?:wors\w*|recur\w*|return\w*|again|came back|come back|is back|flare\w*|new)\b", re.IGNORECASE
)


def says_leg_pain_eased(c: ConditionFact) -> bool:
    """The Condition's words say the leg pain resolved, settled or improved (``_LEG_PAIN_EASED``)."""
    return any(
        not _NOT.search(m.group("between")) and not _CAME_BACK.search(m.group("after"))
        for m in _LEG_PAIN_EASED.finditer(c.written)
    )


def new_pain_since_surgery(ctx: PathwayContext) -> list[ConditionFact]:
    """The radicular diagnoses since the operation (``new_diagnoses_since_surgery``) that say new
    pain. One dated after it only by its recordedDate (no onset of its own) is a follow-up visit's
    coding, not new pain, when the scores since the operation show relief
    (``relief_after_surgery``) or its note says the leg pain resolved, settled or improved. One with
    its own onset after the operation always counts."""
    found = new_diagnoses_since_surgery(ctx)
    if not any(c.onset_from_record for c in found):
        return found
    relief = relief_after_surgery(ctx)
    return [c for c in found if not (c.onset_from_record and (relief or says_leg_pain_eased(c)))]


def pain_back_after_surgery(ctx: PathwayContext) -> list[Fact]:
    """The scores that show radicular pain come back after the operation: the latest leg-pain (or
    site-unspecified) score since it at least ``postoperative_pain_change_points`` above the lowest
    one before it, or back to (or above) the last score before the operation."""
    since = radicular_scores(_scores_since(ctx))
    latest = latest_score(since)
    if latest is None or latest.value is None or latest.effective is None:
        return []
    last_day = latest.effective
    earlier = [o for o in since if o.effective is not None and o.effective < last_day]
    lowest = min(earlier, key=lambda o: o.value or 0.0, default=None)
    if lowest is not None and latest.value - (lowest.value or 0.0) >= ctx.t.postoperative_pain_change_points:
        return [
            ctx.obs_fact(lowest, "lowest after surgery: "),
            ctx.obs_fact(latest, "pain back up after surgery: "),
        ]
    before = _score_before(ctx)
    if before is not None and before.value is not None and latest.value >= before.value:
        return [
            ctx.obs_fact(before, "before surgery: "),
            ctx.obs_fact(latest, "after surgery, back to the pre-operative level: "),
        ]
    return []


def relief_after_surgery(ctx: PathwayContext) -> bool:
    """The scores show the pre-operative pain settling: the latest leg-pain (or site-unspecified)
    score since the operation at least ``postoperative_pain_change_points`` below the last one before
    it, and not risen again (``pain_back_after_surgery``). No score on either side is not relief."""
    latest = latest_score(radicular_scores(_scores_since(ctx)))
    before = _score_before(ctx)
    if latest is None or latest.value is None or before is None or before.value is None:
        return False
    settled = latest.value <= before.value - ctx.t.postoperative_pain_change_points
    return settled and not pain_back_after_surgery(ctx)


def pain_since_surgery(ctx: PathwayContext) -> list[Fact]:
    """What shows radicular pain after the operation: a radicular diagnosis dated after it
    (``new_diagnoses_since_surgery``), the scores that show the pain come back
    (``pain_back_after_surgery``), else a leg-pain (or site-unspecified) score of at least 4/10
    recorded after it."""
    facts = [
        ctx.cond_fact(c, "radicular diagnosis after surgery: ", with_note=True)
        for c in new_pain_since_surgery(ctx)
    ]
    back = pain_back_after_surgery(ctx)
    if back:
        return facts + back
    scores = [o for o in radicular_scores(_scores_since(ctx)) if (o.value or 0) >= 4]
    facts += [ctx.obs_fact(o, "after surgery: ") for o in scores[-1:]]
    return facts


def _scores_since(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    when = surgery_date(ctx)
    return ctx.observations("pain", since=when + timedelta(days=1)) if when else ()


def _score_before(ctx: PathwayContext) -> ObservationFact | None:
    """The last leg-pain (or site-unspecified) score of this episode recorded before the day of the
    operation (a score of that day may have been taken after it); of several at that time the lowest,
    so that pain counts as back sooner and as relieved later."""
    when = surgery_date(ctx)
    if when is None:
        return None
    before = [o for o in ctx.episode_observations("pain") if o.effective is not None and o.effective < when]
    return latest_score(radicular_scores(before), lowest=True)


def s0_early_after_surgery(ctx: PathwayContext) -> CardDraft | None:
    """S0 — radicular pain within 3 months of a lumbar operation.

    When: the last lumbar decompression or fusion was at most 3 months ago
      (``early_postoperative_days``), a radicular diagnosis is active, and the pain is new or
      recurrent: a radicular diagnosis dated after the operation (``new_pain_since_surgery``: one
      dated only by its recordedDate is not, beside relief or a note that the leg pain settled), or
      scores showing the pain come back (``pain_back_after_surgery``). The pre-operative diagnosis
      alone with scores since the operation showing relief (``relief_after_surgery``) is the
      pre-operative pain settling: no card.
      When the record cannot tell (no score since the operation, none before it to judge relief
      against, or less than that change) the card stays: never silence when unsure.
    Then: contact the operating surgeon (early recurrence, haematoma, infection, misplaced hardware are
      theirs to assess) — warning when pain is documented after the operation, info otherwise; never
      the conservative or injection pathway.
    Evidence: NASS 2014; ACR 2021 variant 5.
    """
    surgery = ctx.last_surgery
    if surgery is None or surgery.performed is None:  # unreachable: early_postoperative needs a date
        return None
    if not new_pain_since_surgery(ctx) and relief_after_surgery(ctx):
        return None  # the pre-operative pain settling: not new or recurrent pain
    since = pain_since_surgery(ctx)
    days = (ctx.today - surgery.performed).days
    ago = span(days, exact=False)
    gaps = []
    if not since:
        gaps.append(
            (
                "no leg-pain score of 4/10 or more since the operation (a back or wound score alone is not "
                "radicular pain)"
                if _scores_since(ctx)
                else "no pain score or new diagnosis since the operation"
            )
            + ": is the leg pain new, recurrent or the pre-operative pain settling?"
        )
    return S0.card(
        ctx,
        indicator="warning" if since else "info",
        summary=f"Radicular pain {ago} after lumbar surgery: contact the operating surgeon",
        why=[ctx.proc_fact(surgery, " (lumbar surgery)"), *since, ctx.onset_fact()],
        gaps=gaps,
        next_steps=[
            "Contact the operating surgeon's team about the leg pain this week.",
            "Early recurrent herniation, haematoma, infection or misplaced hardware are theirs to assess; "
            "imaging is their call (ACR 2021 variant 5; NASS 2014).",
            "Same day if fever, wound discharge, a new motor deficit or bladder/bowel change.",
        ],
        avoid=[
            "An epidural injection or other spine procedure before the surgeon has reviewed.",
            "The conservative-care or injection pathway as if there had been no operation.",
        ],
        suggestions=[
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=(surgery.ref, *ctx.reason_refs),
                note=f"Radicular pain {ago} after lumbar surgery.",
                recommended=True,
            )
        ],
        needs=("procedures", "observations"),
    )


def post_op_contrast_mri(ctx: PathwayContext) -> tuple:
    return ctx.imaging_since(surgery_date(ctx), mri_only=True, contrast=True)


def scans_of_this_pain(ctx: PathwayContext) -> tuple:
    """The contrast MRIs since the operation that have looked at the present pain: all of them, but
    for new pain (``new_after_surgery``) only those taken since it began."""
    scans = post_op_contrast_mri(ctx)
    onset = ctx.onset
    if onset is None or not new_after_surgery(ctx):
        return scans
    return tuple(s for s in scans if s.when is not None and s.when >= onset)


def post_op_plain_mri(ctx: PathwayContext) -> tuple:
    return ctx.imaging_since(surgery_date(ctx), mri_only=True, contrast=False)


# What a surgeon can decompress, as a report after surgery names it beside the compression: a disc
# herniation (extrusion, protrusion, sequestration) or stenosis. Scar is not one: a clause that names
# scar or fibrosis ("enhancing scar abutting the S1 root") stays the S3 reading.
_LESION = re.compile(r"herniat|extru|protru|sequest|stenosis|\bdis[ck]\b", re.IGNORECASE)
_SCAR = re.compile(rf"{FIBROSIS.pattern}|\bscar|fibros", re.IGNORECASE)
ADJACENT = re.compile(r"\badjacent\b", re.IGNORECASE)


def compressive_lesion(ctx: PathwayContext) -> tuple[ImagingStudy, str] | None:
    """The latest contrast MRI since the last operation (with report text) and the clause in which it
    affirms a disc lesion or stenosis compressing a root — a surgical target other than a recurrence
    ("Adjacent level L3-4 disc extrusion compressing the right L4 root"); None when that report
    affirms none, denies it ("no adjacent segment disease", "without compression") or names scar in
    the same clause."""
    for s in reversed(post_op_contrast_mri(ctx)):
        text = s.conclusion
        if not text:
            continue
        for m in affirmed(COMPRESSION, text):
            clause = clause_of(text, m)
            if affirmed(_LESION, clause) and not _SCAR.search(clause):
                return s, clause
        return None  # the latest report speaks for now: an older lesion may have resolved
    return None


def adjacent_segment(ctx: PathwayContext) -> bool:
    """The compressive lesion is at the level next to the operated one, as the report says."""
    found = compressive_lesion(ctx)
    return found is not None and bool(affirmed(ADJACENT, found[0].conclusion))


def recurrence_confirmed(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The imaging after surgery that shows a surgical target: a recurrent herniation (with an
    annular-defect code in support), else a contrast MRI showing a new compressive lesion
    (``compressive_lesion``)."""
    study = ctx.recurrence_study
    facts: list[Fact] = []
    if study is None and (lesion := compressive_lesion(ctx)) is not None:
        s, clause = lesion
        found = finding_of(COMPRESSION, clause) or s.finding
        return (
            Fact(
                f"contrast MRI after surgery: {s.label}: {s.conclusion}",
                s.ref,
                short=f"{s.short_label}: {found}",
            ),
        )
    if study is not None:
        found = finding_of(RECURRENCE, study.conclusion) or study.finding
        facts.append(
            Fact(
                f"imaging after surgery: {study.label}: {study.conclusion}",
                study.ref,
                short=f"{study.short_label}: {found}",
            )
        )
    when = surgery_date(ctx)
    annular = [
        c
        for c in ctx.conditions("annulus_fibrosus_defect_post_discectomy")
        if when is None or (c.onset or c.recorded or date.min) >= when
    ]
    if facts:
        facts += [ctx.cond_fact(c, "supports: ") for c in annular]
    return tuple(facts)


def fibrosis_without_target(ctx: PathwayContext) -> tuple[Fact, ...]:
    """A contrast MRI after surgery showing scar/fibrosis, or no recurrence, and no surgical target
    reported (no recurrence, no ``compressive_lesion``); for new pain, one taken since it began
    (``scans_of_this_pain``)."""
    if ctx.recurrence_study is not None or compressive_lesion(ctx) is not None:
        return ()
    for s in reversed(scans_of_this_pain(ctx)):
        text = s.conclusion
        fibrosis = ctx.fibrosis_study is not None and ctx.fibrosis_study.ref == s.ref
        if fibrosis or ctx.excludes_recurrence(s):
            found = (finding_of(FIBROSIS, text) if fibrosis else "") or s.finding
            short = f"{s.short_label}: {found}"
            return (Fact(f"contrast MRI after surgery: {s.label}: {text}", s.ref, short=short),)
    return ()


def long_enough_for_stimulation(ctx: PathwayContext) -> bool:
    """Leg pain for the stimulation pathway's 6 months (``scs_eligibility_days``, NICE TA159), or
    pain there since an operation that long ago. Radicular pain whose own onset (onset[x], not the
    record's date) falls after the early post-operative months (``new_after_surgery``) is new pain,
    S1's: its own duration counts, not the operation's."""
    limit = ctx.t.scs_eligibility_days
    if (ctx.symptom_days or 0) >= limit:
        return True
    when = surgery_date(ctx)
    return when is not None and (ctx.today - when).days >= limit and not new_after_surgery(ctx)


def new_after_surgery(ctx: PathwayContext) -> bool:
    """The radicular pain began, by its condition's own onset, more than ``early_postoperative_days``
    after the last operation: new pain, not the pain the operation left. A condition dated only by
    when it was recorded (a post-laminectomy label coded at a later visit) says nothing of when the
    pain began."""
    when = surgery_date(ctx)
    onset = ctx.onset
    if when is None or onset is None or not ctx.radicular_conditions or ctx.dated_by_record:
        return False
    return (onset - when).days > ctx.t.early_postoperative_days


def instability_conditions(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    return ctx.conditions("spondylolisthesis_instability")


def s2_recurrent_herniation(ctx: PathwayContext) -> CardDraft:
    """S2 — recurrent herniation, or another compressive lesion, confirmed after surgery.

    When: post-operative imaging reports a recurrent (non-enhancing) fragment with concordant
      compression; an annular-defect code (M51.A*) supports it. Or a contrast MRI after surgery
      affirms a disc lesion or stenosis compressing a root (``compressive_lesion``) — adjacent-segment
      disease when the report says "adjacent": a surgical target, not a reason to repeat the MRI.
    Then: warning — surgical re-evaluation (revision discectomy for a recurrence); fusion only with
      instability or multiple recurrences: a recurrence after two or more lumbar operations (a
      revision already done) says fusion is an option and does not list it as what to avoid.
    Evidence: NASS LDH (reoperation for recurrent herniation); ACR 2021 variant 5.
    """
    facts = recurrence_confirmed(ctx)
    # a recurrence after a revision is a repeated one: fusion is then an option (decision model S2)
    operations = len({p.performed for p in ctx.surgeries if p.performed is not None})
    repeated = ctx.recurrence_study is not None and operations >= 2
    if repeated:
        summary = (
            f"Disc herniation recurring after {operations} lumbar operations: surgical re-evaluation; "
            "fusion is an option"
        )
        steps = [
            "Spine-surgery re-evaluation, where fusion is an option after repeated recurrence as with "
            "instability.",
            "Flexion-extension radiographs if instability has not been assessed.",
        ]
    elif ctx.recurrence_study is not None:
        summary = (
            "Recurrent disc herniation after lumbar surgery: surgical re-evaluation for revision discectomy"
        )
        steps = [
            "Spine-surgery re-evaluation for revision discectomy (NASS 2014).",
            "Fusion only with instability or multiple recurrences.",
        ]
    else:
        lesion = "Adjacent-segment disease" if adjacent_segment(ctx) else "New compressive lesion"
        summary = f"{lesion} compressing a nerve root after lumbar surgery: surgical re-evaluation"
        steps = [
            "Spine-surgery re-evaluation of the compressive lesion the contrast MRI shows (NASS 2014).",
            "Fusion, or extending a fusion, only with instability.",
        ]
    # a spine-surgery referral made (or a surgeon seen) since the operation is named, its opinion
    # awaited, and no second referral offered
    referred = referrals_since_surgery(ctx)
    if referred:
        summary = summary.replace(": surgical re-evaluation", ": spine-surgery referral on record", 1)
        steps.insert(0, "Confirm the spine-surgery appointment, or follow the surgeon's plan once seen.")
    return S2.card(
        ctx,
        indicator="warning",
        summary=summary,
        why=[*surgery_facts(ctx), *facts, *referred[:1], ctx.onset_fact()],
        next_steps=steps,
        avoid=[
            "Spinal cord stimulation while a surgical target exists.",
            *([] if repeated else ["Routine fusion."]),
            "Epidural injections as definitive care.",
        ],
        conflicts=[FUSION],
        suggestions=[] if referred else [ctx.offer(sx.SPINE_SURGERY_REFERRAL, recommended=True)],
        needs=("diagnosticReports",),
    )


def referrals_since_surgery(ctx: PathwayContext) -> list[Fact]:
    """Spine-surgery referrals (not drafts) and surgeon visits dated after the last lumbar operation,
    latest first (``surgical_referral_facts``): the one before the operation led to it."""
    operated = surgery_date(ctx)
    refs = {
        s.ref
        for s in ctx.surgical_referrals
        if s.status != "draft" and s.authored is not None and (operated is None or s.authored > operated)
    }
    refs |= {
        e.ref
        for e in ctx.surgical_encounters
        if e.start is not None and (operated is None or e.start > operated)
    }
    return [f for f in surgical_referral_facts(ctx) if f.ref in refs]


def s4_instability(ctx: PathwayContext) -> CardDraft:
    """S4 — spondylolisthesis or instability with refractory radicular pain.

    When: a spondylolisthesis/instability diagnosis (M43.16/M43.17, M53.2X6/7) with radicular pain
      after prior surgery or after a failed ESI.
    Then: surgical referral — decompression ± fusion is appropriate here; flexion-extension films if
      not done. Warning if > 3 months from onset without referral, else info.
    Evidence: NASS LSS 2011 (fusion reserved for documented instability; linked as "NASS 2011", the
      next step's citation); NASS LDH; NICE NG59.
    """
    inst = instability_conditions(ctx)
    d = ctx.symptom_days or 0
    referred = ctx.surgically_referred
    late = d > ctx.t.chronic_days and not referred
    dynamic = ctx.imaging_in("xray_flexion_extension")
    # a spine-surgery referral or visit on record is named, and no second referral offered
    referral = surgical_referral_facts(ctx)
    suggestions = (
        []
        if referred
        else [
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=tuple(c.ref for c in inst) + ctx.reason_refs,
                recommended=True,
            )
        ]
    )
    gaps = []
    if not dynamic:
        gaps.append("no flexion-extension radiographs on record: dynamic instability not yet documented")
        suggestions.append(
            ctx.offer(
                sx.FLEXION_EXTENSION_XRAY,
                reasons=tuple(c.ref for c in inst),
                recommended=referred,  # with the referral made, the films are the one step left
            )
        )
    facts = [ctx.cond_fact(c, "instability: ") for c in inst]
    films = [
        Fact(
            f"{s.label}: {s.conclusion}".rstrip(": "),
            s.ref,
            short=f"{s.short_label}: {finding_of(INSTABILITY, s.conclusion) or s.finding}",
        )
        for s in dynamic[-1:]
    ]
    return S4.card(
        ctx,
        indicator="warning" if late else "info",
        summary=(
            "Spondylolisthesis/instability with refractory radicular pain: spine-surgery referral on "
            "record (decompression ± fusion)"
            if referred
            else "Spondylolisthesis/instability with refractory radicular pain: surgical referral "
            "(decompression ± fusion)"
        ),
        # with a referral on record it is named beside the instability and the films that show it
        why=[
            *facts[:1],
            *(referral[:1] + films if referred else []),
            *facts[1:],
            *surgery_facts(ctx),
            ctx.onset_fact(),
            *films,
            *referral[1:],
            *(f for f in ctx.referral_facts() if f.ref not in {r.ref for r in referral}),
        ],
        gaps=gaps,
        next_steps=[
            (
                "Follow up the spine-surgery referral on record: decompression with or without fusion is "
                "appropriate with instability (NASS 2011)."
                if referred
                else "Spine-surgery referral: decompression with or without fusion is appropriate with "
                "instability (NASS 2011)."
            ),
            "Flexion-extension radiographs to document dynamic translation if not done.",
        ],
        avoid=[
            "MILD (contraindicated with instability).",
            "Facet radiofrequency ablation.",
            "More epidural injections.",
            "Spinal cord stimulation before a surgical opinion.",
        ],
        conflicts=[FUSION],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("conditions", "serviceRequests", "encounters"),
    )


def surgical_referral_facts(ctx: PathwayContext) -> list[Fact]:
    """The spine-surgery referrals (latest first) and visits on record, as a card names them."""
    facts = []
    for s in sorted(ctx.surgical_referrals, key=lambda s: s.authored or date.min, reverse=True):
        fact = ctx.order_fact(s, "spine-surgery referral: ")
        when = f" {s.authored.isoformat()}" if s.authored else ""
        facts.append(replace(fact, short=f"spine-surgery referral{when} ({s.status})"))
    facts += [
        Fact(f"spine surgery visit {e.start.isoformat() if e.start else ''}: {e.text}".strip(), e.ref)
        for e in ctx.surgical_encounters
    ]
    return facts


def given_after_surgery(ctx: PathwayContext, p: ProcedureFact) -> bool:
    """``p`` was done after the last lumbar operation; with no dated operation on record (a
    post-laminectomy syndrome coded alone), any dated procedure of this episode counts; an undated one
    never does when the operation is dated."""
    operated = surgery_date(ctx)
    return operated is None or (p.performed is not None and p.performed > operated)


def stimulator_evaluation_next(ctx: PathwayContext) -> bool:
    """S3 would send the patient on to a stimulator evaluation: no stimulator implanted, tried or on
    trial (S3 is then moot), none removed (S3 then advises multidisciplinary care, not a new trial),
    and no psychological evaluation that found the patient unsuitable (S3 then treats what it found)."""
    # imported here: neuromodulation imports the rules this module imports
    from hooks.pathway.rules import neuromodulation as nm

    if ctx.scs_procedures or nm.stimulator_trial_running(ctx) or nm.explanted_stimulator(ctx) is not None:
        return False
    evaluated = nm.psych_evaluation_fact(ctx)
    return evaluated is None or evaluated.standing != "unsuitable"


def _before_stimulation(ctx: PathwayContext, card: CardDraft, *, if_it: str) -> CardDraft:
    """An F0 card where S3 would send the patient on to a stimulator evaluation
    (``stimulator_evaluation_next``): the injection is judged first, and the card says what follows
    below the responder relief as S3 would say it (the psychological evaluation on record counted),
    names the scan that makes the stimulator the next step, and the session limit when it is
    reached."""
    from hooks.pathway.rules import neuromodulation as nm

    evaluated = nm.psych_evaluation_fact(ctx)
    then = nm.psych_step(evaluated, "a spinal cord stimulator trial")
    step = (
        f"If it {if_it} less than {pct(ctx.t.responder_relief_pct)} relief: {then[:1].lower()}{then[1:]}; "
        f"permanent implant only with ≥ {pct(ctx.t.scs_trial_success_pct)} relief during the trial "
        "(NACC 2014; NICE TA159)."
    )
    limit_facts: list[Fact] = []
    limit_steps: list[str] = []
    if esi_outcome.frequency_exceeded(ctx):
        n = esi_outcome.sessions_in_last_year(ctx)
        limit_facts.append(
            Fact(
                f"{n} lumbar ESI sessions in the last {esi_outcome.year(ctx)}: the limit of "
                f"{ctx.t.esi_max_sessions_per_year} is reached"
            )
        )
        limit_steps.append(f"No further injection: {esi_outcome.limit_step_reason(ctx)}.")
    what = "SCS trial" if evaluated is not None and evaluated.standing == "cleared" else "SCS evaluation"
    tail = f"{card.summary}; {what} if it {'fails' if if_it == 'gives' else 'failed'}"
    keys = {g.key for g in card.evidence}
    return replace(
        card,
        summary=tail if len(tail) <= SUMMARY_MAX else card.summary,
        why=(
            *card.why,
            *fibrosis_without_target(ctx),
            *limit_facts,
            *([evaluated.fact] if evaluated is not None else []),
        ),
        next_steps=(
            card.next_steps[0],
            *limit_steps,
            # an outcome still to be recorded may be a response: what that allows, beside a failure
            *(
                [
                    f"If it gave ≥ {pct(ctx.t.responder_relief_pct)} sustained relief, a repeat injection is "
                    "reasonable when the pain recurs (Medicare ESI LCD)."
                ]
                if if_it == "gave" and not limit_steps
                else []
            ),
            step,
            *(s for s in card.next_steps[1:] if s.startswith("Continue")),
        ),
        evidence=(*card.evidence, *(guideline(k) for k in ("nacc_2014", "nice_ta159") if k not in keys)),
    )


def f0_before_stimulation(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F0 after lumbar surgery, where S3 would send the patient on to a stimulator evaluation.

    When: S3's conditions hold (fibrosis without a target on a contrast MRI after surgery, pain for
      ≥ 6 months, not recorded as gone), a stimulator evaluation is its next step
      (``stimulator_evaluation_next``), and the last lumbar ESI is too recent to judge (PENDING).
    Then: info — F0's card (record NRS/ODI in the 2–6-week window; no escalation before it can be
      judged), naming the fibrosis scan and a session limit reached, with the stimulator evaluation
      as the step if it gives less than 50 % relief ("SCS evaluation if it fails" in the summary).
    Evidence: decision model F0 (no escalation while the ESI is too recent); NACC 2014 and NICE TA159
      for the stimulator evaluation that follows.
    """
    return _before_stimulation(ctx, esi_outcome.f0_too_early(ctx, a), if_it="gives")


def f0_unrecorded_before_stimulation(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """F0 (documentation) after lumbar surgery, where S3 would send the patient on to a stimulator
    evaluation.

    When: as ``f0_before_stimulation``, but the last lumbar ESI, within ``outcome_recall_days``, has no
      outcome the record can judge (POSSIBLE_FAILED or UNKNOWN).
    Then: info — F0's documentation card (record NRS/ODI and the best relief in its window), with the
      stimulator evaluation as the step if it gave less than 50 % relief.
    Evidence: decision model §3 (one proxy must not fire refractory cards); NACC 2014; NICE TA159.
    """
    return _before_stimulation(ctx, esi_outcome.f0_outcome_unrecorded(ctx, a), if_it="gave")


def s3_fibrosis_no_target(ctx: PathwayContext) -> CardDraft:
    """S3 — FBSS / epidural fibrosis with no surgical target.

    When: post-surgical (M96.1 or prior surgery), a contrast MRI after surgery shows scar without
      recurrence, and leg pain for ≥ 6 months.
    Then: info — SCS pathway: psychological evaluation, trial, permanent implant only with ≥ 50 %
      relief; multidisciplinary care with CBT. After a permanent stimulator was implanted and removed:
      the removal named, multidisciplinary care with CBT, further neuromodulation only on the implanting
      team's review (``neuromodulation.after_explant_steps``), no new SCS trial.
    Evidence: NACC 2014; NICE TA159.
    """
    facts = fibrosis_without_target(ctx)
    surgery = surgery_facts(ctx)
    # imported here: neuromodulation imports the rules this module imports
    from hooks.pathway.rules import neuromodulation as nm

    explant = nm.explanted_stimulator(ctx)
    if explant is not None:
        # the stimulator this pathway would offer was implanted and removed: not offered again
        return S3.card(
            ctx,
            indicator="info",
            summary=f"Post-surgical radicular pain, no target, after the {explant.kind} was removed: "
            "multidisciplinary care, not a new SCS trial",
            why=[
                nm.explant_fact(ctx, explant),
                *surgery[:1],
                *facts,
                *surgery[1:],
                ctx.onset_fact(),
                *ctx.pain_facts(),
            ],
            next_steps=nm.after_explant_steps(explant.kind),
            avoid=[nm.AFTER_EXPLANT_AVOID, "Reoperation for scar tissue.", "Opioid escalation."],
            conflicts=[*NEUROPATHIC_AGENTS],
            suggestions=nm.after_explant_suggestions(ctx),
            selection_behavior="any",
            extra_evidence=nm.after_explant_evidence(explant.kind),
            needs=("diagnosticReports", "observations"),
        )
    # an evaluation on record is named, and not asked for again
    evaluated = nm.psych_evaluation_fact(ctx)
    # the scar named only when the scan shows it: a scan that excludes a recurrence and shows no scar
    # ("No recurrent disc herniation. No epidural fibrosis.") is no target, not fibrosis
    scarred = ctx.fibrosis_study is not None and any(f.ref == ctx.fibrosis_study.ref for f in facts)
    return S3.card(
        ctx,
        indicator="info",
        summary=f"Post-surgical radicular pain {'with fibrosis and ' if scarred else 'with '}no target: "
        + (
            "SCS trial next"
            if evaluated is not None and evaluated.standing == "cleared"
            else "multidisciplinary care; no SCS trial now"
            if evaluated is not None and evaluated.standing == "unsuitable"
            else "psychological evaluation, then SCS trial"
        ),
        # the scan that shows the scar decides: it comes right after the surgery
        why=[
            *surgery[:1],
            *facts,
            *surgery[1:],
            *ctx.no_surgical_target_notes,
            ctx.onset_fact(),
            *ctx.pain_facts(),
            *([evaluated.fact] if evaluated is not None else []),
        ],
        next_steps=[
            _sentence(nm.psych_step(evaluated, "a spinal cord stimulator trial"))
            + f"; permanent implant only with ≥ {pct(ctx.t.scs_trial_success_pct)} relief during the trial "
            "(NACC 2014; NICE TA159).",
            "Multidisciplinary pain management with cognitive behavioural therapy.",
        ],
        avoid=["Reoperation for scar tissue.", "A permanent implant without a trial.", "Opioid escalation."],
        conflicts=[SCS_SELECTION, *NEUROPATHIC_AGENTS],
        suggestions=sx.neuromodulation_workup(
            ctx.term,
            patient_id=ctx.patient_id,
            reasons=ctx.reason_refs,
            referral_label="Refer to the pain service for a spinal cord stimulator trial",
            evaluated=evaluated is not None,
            refer=evaluated is None or evaluated.standing != "unsuitable",
        ),
        selection_behavior="any",
        needs=("diagnosticReports", "observations"),
    )


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


FUSION_WORDS = re.compile(r"\bfusion\b|\barthrodesis\b|\b[TPAXOL]LIF\b", re.IGNORECASE)


def after_fusion(ctx: PathwayContext) -> bool:
    """A lumbar fusion is among the operations on record: coded as one, named so, or recorded as
    arthrodesis status (Z98.1 with lumbar context). Its new pain is asked about differently:
    adjacent-level disease, pseudarthrosis and hardware, not only recurrence against scar."""
    for p in ctx.surgeries:
        if ctx.matches("lumbar_fusion", p.codings) or ctx.matches("lumbar_fusion_cpt", p.codings):
            return True
        if FUSION_WORDS.search(" ".join([p.text, *(c.display or "" for c in p.codings)])):
            return True
    # arthrodesis status names itself ("Arthrodesis status", "S/P lumbar fusion")
    return any(
        FUSION_WORDS.search(" ".join([c.written, *(x.display or "" for x in c.codings)]))
        for c in ctx.surgery_status_conditions
    )


def stimulation_from(ctx: PathwayContext) -> date | None:
    """The first day ``long_enough_for_stimulation`` holds: 6 months (``scs_eligibility_days``) from
    the pain's onset, or from the operation for pain there since it (not ``new_after_surgery``)."""
    limit = timedelta(days=ctx.t.scs_eligibility_days)
    starts = [d for d in (ctx.onset, None if new_after_surgery(ctx) else surgery_date(ctx)) if d is not None]
    return min(starts) + limit if starts else None


def s1_scar_before_stimulation(ctx: PathwayContext, scar: tuple[Fact, ...]) -> CardDraft:
    """S1 — radicular pain after lumbar surgery whose contrast MRI shows no surgical target (scar, or
    no recurrence), before the pain has lasted the 6 months a stimulator evaluation needs (NICE
    TA159): S3's scan without S3's duration.

    When: S1's conditions, and ``fibrosis_without_target`` (for new pain, on a scan taken since it
      began: ``scans_of_this_pain``) while ``long_enough_for_stimulation`` does not hold (new pain that
      began months after the operation counts from its own onset).
    Then: info — surgical review of the result (no target for reoperation in scar), conservative care
      for the neuropathic leg pain, and a stimulator evaluation from the date the pain reaches 6 months
      if it persists. Never another MRI: the one that tells recurrence from scar is on the chart.
    Evidence: NASS LDH (surgical review); ACR 2021 variant 5 (the contrast MRI); NICE TA159 (6 months
      before SCS).
    """
    from_ = stimulation_from(ctx)
    when = f"from {from_.isoformat()} " if from_ else ""
    return S1.card(
        ctx,
        indicator="info",
        summary="Radicular pain after lumbar surgery; contrast MRI shows no surgical target: surgical "
        "review, conservative care",
        why=[*surgery_facts(ctx)[:1], *scar, ctx.onset_fact(), *surgery_facts(ctx)[1:], *ctx.pain_facts()],
        next_steps=[
            "Surgical review of the contrast MRI result: no recurrent herniation or other compressive lesion "
            "to operate on (NASS 2014).",
            "Conservative care for the neuropathic leg pain: physiotherapy, medication review, CBT-informed "
            "care.",
            f"Spinal cord stimulator evaluation {when}if the pain persists despite it: NICE TA159 asks for "
            f"{span(ctx.t.scs_eligibility_days)} of neuropathic pain first.",
        ],
        avoid=[
            "Another MRI: the contrast MRI after the operation has told scar from recurrence.",
            "Reoperation for scar tissue or without a target on the imaging.",
            f"A stimulator trial before {span(ctx.t.scs_eligibility_days)} of pain.",
        ],
        suggestions=[ctx.offer(sx.SPINE_SURGERY_REFERRAL, recommended=True)],
        extra_evidence=("nice_ta159",),
        needs=("procedures", "diagnosticReports"),
    )


def s1_new_symptoms_after_surgery(ctx: PathwayContext) -> CardDraft:
    """S1 — new or progressive radicular symptoms after lumbar surgery.

    When: prior lumbar decompression/fusion (or M96.1/Z98.1) and radicular pain more than 3 months
      after surgery, with no contrast MRI since the surgery that settles recurrence vs fibrosis.
    Then: MRI without AND with contrast (72158) to tell recurrent herniation from epidural fibrosis;
      surgical re-evaluation. Warning if only a non-contrast MRI (72148) is ordered or done, else info.
      After a fusion (``after_fusion``) the MRI looks for recurrent or adjacent-level compression, CT
      judges the fusion and its hardware, and fusion is not among what to avoid (a revision or
      extension may be what the imaging shows is needed).
    With the contrast MRI done and showing scar and no target (``fibrosis_without_target``) while the
      pain has not yet lasted the stimulation pathway's 6 months (S3's other condition):
      ``s1_scar_before_stimulation``.
    Evidence: ACR 2021 variant 5 (contrast MRI for recurrence vs scar); NASS LDH.
    """
    scar = fibrosis_without_target(ctx)
    if scar:
        return s1_scar_before_stimulation(ctx, scar)
    contrast = scans_of_this_pain(ctx)
    plain_done = post_op_plain_mri(ctx)
    plain_ordered = ctx.pending("mri_lumbar_without_contrast")
    contrast_ordered = ctx.pending("mri_lumbar_with_and_without_contrast")
    gaps = []
    surgery = surgery_facts(ctx)
    why = [
        *surgery[:1],
        *(ctx.order_fact(s, "pending order: ") for s in (*plain_ordered, *contrast_ordered)),
        *(
            Fact(f"non-contrast MRI after surgery: {s.label}", s.ref, short=f"{s.short_label}, no contrast")
            for s in plain_done[-1:]
        ),
        ctx.onset_fact(),
        *surgery[1:],
        *ctx.pain_facts(),
    ]
    if contrast:
        why.append(
            Fact(
                f"contrast MRI after surgery: {contrast[-1].label}: {contrast[-1].conclusion or 'no report'}",
                contrast[-1].ref,
                short=f"{contrast[-1].short_label}: {contrast[-1].finding}",
            )
        )
        gaps.append(
            "review the contrast MRI for recurrent herniation versus epidural fibrosis (the report does "
            "not say clearly)"
        )
    fused = after_fusion(ctx)
    if fused and gaps:
        gaps = [
            "review the contrast MRI for recurrent or adjacent-level compression, the fusion and its "
            "hardware (the report does not say clearly)"
        ]
    only_plain = bool(plain_ordered or plain_done) and not contrast and not contrast_ordered
    suggestions = []
    if not contrast and not contrast_ordered:
        contrast_mri = ctx.offer(
            sx.MRI_WITH_AND_WITHOUT_CONTRAST,
            recommended=True,
        )
        # the non-contrast order on file is replaced in the same click: one MRI order, not two
        suggestions.append(
            sx.superseding(
                contrast_mri,
                [(s.ref, s.text) for s in plain_ordered],
                label="Replace the non-contrast MRI order with MRI lumbar spine without and with contrast",
            )
        )
    suggestions.append(
        ctx.offer(
            sx.SPINE_SURGERY_REFERRAL,
            recommended=not suggestions,
        )
    )
    return S1.card(
        ctx,
        indicator="warning" if only_plain else "info",
        summary=(
            "Radicular pain after lumbar surgery: MRI without and with contrast (not plain MRI), then "
            "surgical review"
        ),
        why=why,
        gaps=gaps,
        next_steps=[
            (
                "MRI lumbar spine without and with contrast for recurrent or adjacent-level compression "
                "(ACR 2021 variant 5)"
                if fused
                else "MRI lumbar spine without and with contrast to tell recurrent herniation from epidural "
                "fibrosis (ACR 2021 variant 5)"
            )
            + (" — replace the non-contrast MRI order." if plain_ordered else "."),
            *(
                [
                    "CT of the lumbar spine if the hardware limits the MRI, or to judge the fusion "
                    "(pseudarthrosis, screw position)."
                ]
                if fused
                else []
            ),
            "Surgical re-evaluation with the result.",
        ],
        avoid=[
            "A non-contrast MRI alone.",
            "Reoperation before imaging.",
            # after a fusion, a revision or extension may be what the imaging shows is needed
            *([] if fused else ["Fusion."]),
            "Spinal cord stimulation before a recurrence is excluded.",
        ],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("procedures", "diagnosticReports", "serviceRequests"),
    )
