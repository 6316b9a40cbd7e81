"""F3–F7: after a failed image-guided ESI — which kind of refractory pain is this?

F3 concordant compressive lesion → surgical opinion; F4 uncertain diagnosis → re-evaluate;
F5 facet/SI pain mistaken for radicular pain → diagnostic blocks; F6 stenosis with neurogenic
claudication → decompression/MILD; F7 no surgical target, chronic neuropathic pain → multidisciplinary
care and SCS evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact
from hooks.facts import ConditionFact, ObservationFact, ProcedureFact, ServiceRequestFact
from hooks.pathway.context import (
    FAILED_OUTCOMES,
    SUCCESS_OUTCOMES,
    PathwayContext,
    clinical_name,
    mid_sentence,
)
from hooks.pathway.failure import (
    Assessment,
    Modality,
    Outcome,
    buttock_score,
    is_back_score,
    is_leg_score,
    latest_score,
    leg_below_buttock,
)
from hooks.pathway.rules import ablation, acute
from hooks.pathway.rules.common import (
    DISCOGRAPHY,
    ESI_STENOSIS,
    FUSION,
    HOLD,
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    RFA_SCOPE,
    SCS_SELECTION,
    TOPIC_PATHWAY,
    Rule,
    mri_ordered_fact,
    pending_mri,
    review_ordered_mri,
)
from hooks.pathway.rules.electrodiagnosis import emg_on_record, emg_studies, emg_to_review
from hooks.pathway.rules.esi_outcome import (
    esi_order_fact,
    pending_esi_orders,
    repeat_esi_orders,
    root_block_fact,
    scores_once,
)
from hooks.pathway.rules.mimics import (
    mimic_conditions,
    mimic_facts,
    mimic_step,
    mimic_suggestions,
    mimics_found,
)
from hooks.rule import INFO_OR_WARNING
from hooks.text import is_back_site, is_leg_site, short_name
from hooks.thresholds import pct, span

F3 = Rule(
    "F3",
    "Failed ESI with a concordant compressive lesion",
    TOPIC_PATHWAY,
    ("nass_ldh", "nice_ng59"),
    indicators=INFO_OR_WARNING,
)
F4 = Rule("F4", "Failed ESI, diagnosis uncertain", TOPIC_PATHWAY, ("nass_ldh", "acr_lbp_2021"))
F5 = Rule(
    "F5",
    "Failed ESI, pain likely facet- or SI-joint-mediated",
    TOPIC_PATHWAY,
    ("asra_facet_2020", "nice_ng59", "cms_facet_lcd"),
    indicators=INFO_OR_WARNING,
)
# F5 when the generator is the SI joint alone: the same state, resting on the SI-joint coverage policy
# (its ≥ 75 % diagnostic-block threshold; SI-joint RFA not covered) instead of the facet sources; not
# on NICE NG59, which advises against spinal injections for low back pain.
F5_SI = Rule(
    "F5",
    F5.title,
    TOPIC_PATHWAY,
    ("cms_si_lcd",),
    indicators=INFO_OR_WARNING,
)
F6 = Rule(
    "F6",
    "Failed ESI, lumbar stenosis with neurogenic claudication",
    TOPIC_PATHWAY,
    ("nice_ng59", "nass_stenosis", "asipp_epidural_2021"),
    indicators=INFO_OR_WARNING,
)
F7 = Rule(
    "F7",
    "Failed ESIs, no surgical target, chronic neuropathic radicular pain",
    TOPIC_PATHWAY,
    ("nacc_2014", "nice_ta159", "nice_ng59"),
)


# ---------------------------------------------------------------------------------------------
# predicates that read like the model
# ---------------------------------------------------------------------------------------------


def failed_image_guided(ctx: PathwayContext) -> tuple[Assessment, ...]:
    return tuple(a for a in ctx.image_guided_assessments if a.outcome in FAILED_OUTCOMES)


def esi_result(ctx: PathwayContext) -> str:
    """What the latest image-guided ESI below the response threshold did, as a refractory card's
    summary opens: "Failed ESI" (< 30 % relief, coded unsuccessful, or two failure proxies),
    "Partial ESI relief" (30-49 %, or coded partially successful), "Short-lived ESI relief" (a
    response that fell below 30 % by the durability horizon) or "ESI relief did not last" (a response
    that was 30-49 % at the horizon: PARTIAL "not sustained"). Each is below the threshold to repeat
    it; only the first is a failure a clinician would call one."""
    failed = failed_image_guided(ctx)  # the injections the card's facts show, not one still pending
    a = failed[-1] if failed else None
    if a is None or a.outcome not in (Outcome.PARTIAL, Outcome.SHORT_LIVED):
        return "Failed ESI"
    if a.outcome is Outcome.SHORT_LIVED:
        return "Short-lived ESI relief"
    return "ESI relief did not last" if a.basis == "not sustained" else "Partial ESI relief"


def opening(ctx: PathwayContext, rest: str) -> str:
    """A summary's opening, ``esi_result`` followed by ``rest`` ("with a concordant compressive
    lesion"); a result said as a clause ("ESI relief did not last") takes a comma before it."""
    result = esi_result(ctx)
    return f"{result}{',' if result.endswith('last') else ''} {rest}"


def has_concordant_lesion(ctx: PathwayContext) -> bool:
    """Imaging reports a compressive lesion matching the symptoms (or, with no readable report, a
    clinician-asserted disc herniation with radiculopathy and an imaging study on record)."""
    conc = ctx.concordance
    if conc.status == "concordant":
        return True
    return conc.status == "unknown" and bool(ctx.conditions("disc_herniation_with_radiculopathy"))


def neurogenic_claudication(ctx: PathwayContext) -> tuple:
    cs = ctx.conditions("neurogenic_claudication")
    if cs:
        return cs
    if ctx.claudication_text():
        return tuple(c for c in ctx.stenosis_conditions)
    return ()


def facet_or_si_generators(ctx: PathwayContext) -> tuple:
    return ctx.conditions("facet_mediated_pain", "sacroiliac_joint_pain")


STENOSIS_WORD = re.compile(r"stenosis", re.IGNORECASE)
CLAUDICATION_WORD = re.compile(r"claudicat", re.IGNORECASE)

def site_unspecified(o: ObservationFact) -> bool:
    """A pain score with no body site (neither coded nor in words) whose own name names neither the
    leg nor the back ("Pain severity 0-10")."""
    return not o.body_site_text and not o.body_site and not is_leg_site(o.text) and not is_back_site(o.text)


def _back_score(o: ObservationFact) -> bool:
    return is_back_score(o) and not leg_below_buttock(o)


def _site_scores(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """The pain scores since the latest image-guided ESI's baseline, whose sites F5 compares."""
    guided = ctx.image_guided_assessments
    t0 = guided[-1].procedure.performed if guided else None
    since = t0 - timedelta(days=ctx.t.baseline_lookback_days) if t0 is not None else None
    return ctx.observations("pain", since=since)


def leg_predominant(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Leg pain at least as bad as the back pain since the latest image-guided ESI's baseline: the
    latest leg score (a buttock alone is where facet and SI pain refer) ≥ the latest back score
    (``text.is_back_site``), or leg scores and no back score. Scores that name neither say nothing
    either way. Returns the scores compared; empty when the pain is not leg-predominant."""
    scores = _site_scores(ctx)
    leg = latest_score([o for o in scores if leg_below_buttock(o)])
    if leg is None:
        return ()
    back = latest_score([o for o in scores if _back_score(o)])
    if back is None:
        return (leg,)
    return (leg, back) if (leg.value or 0) >= (back.value or 0) else ()


def axial_predominant(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Pain the scores show to be axial-predominant, as F5 needs it (axial pain, not below the knee):
    since the latest image-guided ESI's baseline, the latest back score above the latest leg score,
    or back or buttock scores and no leg score. Evidence, never an absence: with no pain score, or
    only scores that name no site, the record does not say whether the leg or the back hurts more,
    and the pain is not called facet- or SI-joint-mediated. Returns the axial score, then the leg
    score it was compared with (if any); empty otherwise."""
    if leg_predominant(ctx):
        return ()
    scores = _site_scores(ctx)
    leg = latest_score([o for o in scores if leg_below_buttock(o)])
    if leg is not None:
        # not leg-predominant with a leg score: a back score above it (``leg_predominant``)
        back = latest_score([o for o in scores if _back_score(o)])
        return (back, leg) if back is not None else ()
    axial = latest_score([o for o in scores if _back_score(o) or buttock_score(o)])
    return (axial,) if axial is not None else ()


def axial_fact(ctx: PathwayContext) -> Fact | None:
    """The scores that show the pain axial-predominant (``axial_predominant``): "back pain 7/10 >
    leg 3/10 (2026-10-03)", "buttock pain 6/10 (2026-07-25), no leg pain score"."""
    found = axial_predominant(ctx)
    if not found:
        return None
    axial, leg = found[0], (found[1] if len(found) > 1 else None)
    site = "back" if _back_score(axial) else "buttock"
    said = f"{site} pain {axial.value or 0:g}/10"
    when = axial.effective.isoformat() if axial.effective else "undated"
    if leg is None:
        return Fact(
            f"pain mostly axial: {said} on {when}, no leg pain score recorded",
            axial.ref,
            short=f"{said} ({when}), no leg pain score",
        )
    leg_when = leg.effective.isoformat() if leg.effective else "undated"
    dates = f" ({when})" if leg_when == when else f" ({when}; leg {leg_when})"
    return Fact(
        f"pain mostly axial: {said} on {when}, leg pain {leg.value or 0:g}/10 on {leg_when}",
        axial.ref,
        (leg.ref,),
        short=f"{said} > leg {leg.value or 0:g}/10{dates}",
    )


def imaging_on_record(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The lumbar imaging the concordance is read from (none: a compressive lesion is not excluded)."""
    study = ctx.concordance.study
    return (study.fact(),) if study is not None else ()


def mimics(ctx: PathwayContext) -> tuple:
    """The mimics on record that can produce this pain: not one on the other side (``mimic_conditions``)."""
    return mimic_conditions(ctx)


def chronic_neuropathic(ctx: PathwayContext) -> bool:
    """≥ 6 months of symptoms and a current pain score ≥ 5: of this episode and taken within
    ``current_score_days`` (``PathwayContext.current_score``, leg pain preferred). A score from years
    ago, or from an earlier episode, grades nothing now."""
    d, pain = ctx.symptom_days, ctx.current_score("pain")
    return (
        d is not None
        and d >= ctx.t.scs_eligibility_days
        and pain is not None
        and (pain.value or 0) >= ctx.t.chronic_neuropathic_nrs
    )


def no_surgical_target(ctx: PathwayContext) -> bool:
    """A surgeon's 'no target' note, or ≥ 2 failed ESIs with no concordant lesion on imaging."""
    if ctx.no_surgical_target_notes:
        return True
    return (
        len(failed_image_guided(ctx)) >= 2
        and ctx.concordance.status in ("discordant",)
        and not has_concordant_lesion(ctx)
    )


def root_blocks(ctx: PathwayContext) -> list[tuple[Fact, bool]]:
    """Diagnostic selective nerve root blocks of this episode (a transforaminal injection done as a
    diagnostic block, ``failure.is_diagnostic_injection``), each with whether it was recorded negative
    (relief below the threshold)."""
    blocks = [
        (p, ctx.assess(p, Modality.DIAGNOSTIC_BLOCK).outcome)
        for p, m in ctx.sessions
        if m is Modality.DIAGNOSTIC_BLOCK
        and ctx.matches("esi_transforaminal_lumbar", p.codings)
        and ctx.in_episode(p.performed)
    ]
    return [(root_block_fact(ctx, p, outcome), outcome in FAILED_OUTCOMES) for p, outcome in blocks]


def root_blocks_on_record(ctx: PathwayContext) -> list[Fact]:
    """Diagnostic selective nerve root blocks of this episode (``root_blocks``), unless recorded
    negative: a block that did not relieve the pain does not confirm the root."""
    return [f for f, negative in root_blocks(ctx) if not negative]


def diagnosis_confirmations(ctx: PathwayContext) -> tuple[Fact, ...]:
    """What settles the radicular diagnosis before F7 turns to neuromodulation: a surgeon's "no
    surgical target" note (the imaging reviewed against the symptoms: a concordant lesion the surgeon
    will not operate on, or none), EMG/nerve conduction studies of this episode, or a diagnostic
    selective nerve root block of this episode (``emg_on_record``, ``root_blocks_on_record``).
    Discordant or non-specific imaging alone settles nothing: F4's re-evaluation (EMG/NCS, a
    diagnostic root block) comes first, not spinal cord stimulation (NACC 2014: a clear neuropathic
    diagnosis). Concordant imaging needs no entry here: without the surgeon's note it is F3's
    surgical opinion, never F7 (``no_surgical_target``)."""
    return (*ctx.no_surgical_target_notes, *emg_on_record(ctx), *root_blocks_on_record(ctx))


def _failure_why(ctx: PathwayContext, reviewed: Sequence[Fact] = ()) -> list[Fact]:
    """The failed injections, deciding facts first: each one's lead line and (for a single injection) the
    second line that shows it failed, then the imaging (and ``reviewed``, an imaging order or tests
    the card reviews); every other line of the assessment follows."""
    failed = failed_image_guided(ctx)[-2:]
    leads = [ctx.failure_facts(a)[0] for a in failed]
    second = list(ctx.failure_facts(failed[-1])[1:2]) if len(failed) == 1 else []
    rest = scores_once([f for a in failed for f in ctx.failure_facts(a)])
    return [*leads, *_imaging_why(ctx), *reviewed, *second, *rest]


def radiographs_only(ctx: PathwayContext) -> Fact | None:
    """The latest radiograph when plain films are the only lumbar imaging: they show degeneration and
    alignment, never a nerve root, so they neither confirm nor exclude a compressive lesion."""
    if ctx.root_imaging or not ctx.radiographs:
        return None
    s = ctx.radiographs[-1]
    return Fact(
        f"only radiographs on record, which cannot show nerve-root compression: "
        f"{s.conclusion or 'no report text'} ({s.label})",
        s.ref,
        short=f"no MRI or CT; only {s.short_label}: {s.finding}",
    )


def _imaging_why(ctx: PathwayContext) -> list[Fact]:
    conc = ctx.concordance
    if conc.study is None:
        if ctx.imaging_unread:
            return [Fact(conc.detail)]  # not seen, not absent: the reports could not be read
        xray = radiographs_only(ctx)
        return [xray] if xray is not None else [Fact("no lumbar imaging on record")]
    return [conc.study.fact()]


def _common_gaps(ctx: PathwayContext, *, leg: bool = True) -> list[str]:
    """What the refractory cards ask for: the last failed injection's missing scores, a current pain
    score (a leg-pain score unless ``leg`` is False: facet and claudication cards read the back too),
    the conservative care not yet documented."""
    gaps = []
    for a in failed_image_guided(ctx)[-1:]:
        gaps += list(a.gaps)
    if (gap := _current_pain_gap(ctx, leg=leg)) is not None:
        gaps.append(gap)
    if not ctx.conservative_care_complete:
        gaps.append(
            f"{span(ctx.t.conservative_care_days)} of conservative care (physiotherapy, "
            f"{acute.conservative_analgesia(ctx)})"
        )
    return gaps


def _back_only(o: ObservationFact) -> bool:
    return is_back_score(o) and not is_leg_score(o)


def _current_pain_gap(ctx: PathwayContext, *, leg: bool = True) -> str | None:
    """With no pain score of this episode in ``current_score_days`` (``PathwayContext.current_score``),
    the card asks for one before acting on a failure judged long ago: the pain may have settled (a
    settled score hides these cards), or worsened."""
    current = ctx.current_score("pain")
    if current is not None and (not leg or is_leg_score(current) or not is_back_score(current)):
        return None  # a leg score, or one with no site: a back-pain score alone does not grade the leg
    older = latest_score([o for o in ctx.episode_observations("pain") if not (leg and _back_only(o))])
    latest = f"; the latest, {ctx.obs_label(older)}, is older" if older is not None else ""
    what = "leg-pain" if leg else "pain"
    return f"a current {what} score (none in the last {span(ctx.t.current_score_days)}{latest})"


# ---------------------------------------------------------------------------------------------
# the states
# ---------------------------------------------------------------------------------------------


def f3_concordant_lesion(ctx: PathwayContext) -> CardDraft:
    """F3 — failed image-guided ESI with a concordant compressive lesion.

    When: an image-guided ESI FAILED/SHORT-LIVED/PARTIAL/PROBABLE-FAILED, imaging shows a concordant
      compression (or a clinician-asserted M51.16/M51.17 with imaging on record), symptoms ≥ 6 weeks.
    Then: surgical referral for discectomy/decompression once ≥ 3 months of conservative and
      interventional care have failed (earlier if disabling); diagnostic SNRB if the level is in doubt;
      biopsychosocial assessment; active physiotherapy. Warning if > 3 months from onset and not
      referred to a spine surgeon (a pain-clinic referral is not a surgical opinion), else info. A
      pending ESI order (repeating the failed injection) is named among the facts and held in the first
      step, as a warning. The summary opens with what the injection did (``esi_result``): partial or
      short-lived relief is said as such, not as a failed ESI.
    Evidence: NASS LDH (discectomy for persistent symptoms with concordant imaging);
      NICE NG59 (decompression when non-surgical care fails and imaging is concordant).
    """
    d = ctx.symptom_days or 0
    late = d > ctx.t.chronic_days and not ctx.surgically_referred
    gaps = _common_gaps(ctx)
    if ctx.concordance.status != "concordant":
        gaps.append("review the imaging for a concordant lesion (the report does not state it clearly)")
    level_in_doubt = not any(p.level for p in ctx.image_guided_esis)
    # a surgical opinion already asked for (a referral) or given (a visit) is not asked for again
    suggestions = [
        *([] if ctx.surgically_referred else [ctx.offer(sx.SPINE_SURGERY_REFERRAL, recommended=True)]),
        ctx.offer(sx.PHYSIOTHERAPY_REFERRAL),
    ]
    if level_in_doubt:
        suggestions.insert(len(suggestions) - 1, ctx.offer(sx.DIAGNOSTIC_SNRB))
    # a repeat of the injection that failed, already ordered: named (to hold) beside the failure
    pending = pending_esi_orders(ctx)
    failure = _failure_why(ctx)
    # the referral already made is what the card is now about: named beside the failure it follows
    referrals = list(ctx.referral_facts())
    why = (
        [*failure[:1], *referrals, *pending, *failure[1:], ctx.onset_fact()]
        if ctx.surgically_referred
        else [*failure[:1], *pending, *failure[1:], ctx.onset_fact(), *referrals]
    )
    if not ctx.surgically_referred:
        why.append(Fact("no spine surgery referral on record"))
    refer = (
        f"{_surgical_opinion_step(ctx)}: discectomy or decompression is the surgeon's decision (NASS 2014; "
        "NICE NG59)."
        if ctx.surgically_referred
        else "refer to a spine surgeon for discectomy or decompression (NASS 2014; NICE NG59)."
    )
    first = (
        f"Hold the pending ESI order{'s' if len(pending) > 1 else ''} (another epidural injection after "
        f"one without a sustained ≥ {pct(ctx.t.responder_relief_pct)} response is not recommended) and "
        f"{refer}"
        if pending
        else refer[0].upper() + refer[1:]
    )
    return F3.card(
        ctx,
        indicator="warning" if late or pending else "info",
        summary=opening(
            ctx,
            "with a concordant compressive lesion: hold the repeat ESI; refer for a surgical opinion"
            if pending
            else "with a concordant compressive lesion: surgical opinion requested; confirm the appointment"
            if ctx.surgically_referred and not ctx.surgical_encounters
            else "with a concordant compressive lesion: follow the spine surgeon's plan"
            if ctx.surgically_referred
            else "with a concordant compressive lesion: refer for a surgical opinion (discectomy/"
            "decompression)",
        ),
        why=why,
        gaps=gaps,
        next_steps=[
            first,
            f"Surgery once {span(ctx.t.chronic_days)} of conservative and interventional care have "
            "failed, or earlier if disabling.",
            "Diagnostic selective nerve root block if the symptomatic level is in doubt.",
            "Biopsychosocial assessment alongside the surgical referral (NICE NG59).",
            "Active physiotherapy meanwhile.",
        ],
        avoid=[
            "Fusion for a routine disc herniation (NASS 2014).",
            "Repeating the same failed epidural injection.",
            "Facet radiofrequency ablation for radicular pain.",
            "Spinal cord stimulation before a surgical opinion.",
            "Escalating opioids.",
        ],
        conflicts=[FUSION],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("diagnosticReports", "observations", "serviceRequests", "encounters"),
    )


def _surgical_opinion_step(ctx: PathwayContext) -> str:
    """What to do about the surgical opinion already on record: follow a surgeon's visit, or confirm
    the appointment of a referral made (its date)."""
    seen = [e.start for e in ctx.surgical_encounters if e.start is not None]
    if seen:
        return f"follow the plan of the spine-surgery visit of {max(seen)}"
    dated = [s for s in ctx.surgical_referrals if s.authored is not None]
    when = f" of {max(s.authored for s in dated if s.authored)}" if dated else ""
    return f"confirm the appointment for the spine-surgery referral{when}"


EMG_STEP = "EMG/nerve conduction studies to tell radiculopathy from neuropathy or entrapment."


def f4_uncertain_diagnosis(ctx: PathwayContext) -> CardDraft:
    """F4 — failed ESI, diagnosis uncertain or imaging discordant.

    When: a failed image-guided ESI and non-specific/multilevel/discordant imaging, no imaging, an
      unreadable report, or a mimic (hip osteoarthritis, arterial claudication, peroneal, sciatic or
      lateral femoral cutaneous neuropathy, trochanteric bursitis, diabetic amyotrophy/polyneuropathy).
    Then: info — with a mimic, name it and its examination or test first (§7.5); diagnostic
      re-evaluation: review imaging (an MRI first when there is none; one already ordered is named
      with its date and reviewed, not offered again); EMG/NCS to separate radiculopathy from
      neuropathy (not when the only doubt is a hip, arterial or bursal mimic, which no nerve study
      excludes); diagnostic SNRB; look for other pain generators. The summary opens with what the
      injection did (``esi_result``): a partial or short-lived relief is not called a failed ESI.
    Evidence: clinical practice (re-evaluate the diagnosis; imaging findings may not correlate); NASS LDH;
      ACR 2021 (discography usually not appropriate).
    """
    mm = mimics(ctx)
    found = mimics_found(ctx)
    conc = ctx.concordance
    gaps = _common_gaps(ctx)
    xray = radiographs_only(ctx)
    no_imaging = conc.status == "no-imaging"
    # an MRI already ordered (none on file) is named among the facts and reviewed, not offered again
    mri_ordered = pending_mri(ctx)[-1:] if no_imaging else ()
    ordered = mri_ordered_fact(ctx, mri_ordered[-1]).short if mri_ordered else ""
    if conc.status == "unknown":
        gaps.append("review the imaging for a concordant lesion")
    elif mri_ordered:
        # the study is ordered, not done: what is missing is its report
        gaps.append(f"the report of the {ordered}, needed before deciding on further treatment")
    elif no_imaging and ctx.imaging_unread:
        pass  # the unread reports are the card's gap: an MRI may be on record
    elif no_imaging:
        gaps.append(
            "no MRI or CT on record (radiographs cannot show root compression): obtain an MRI before "
            "deciding on further treatment"
            if xray is not None
            else "no lumbar imaging on record: obtain an MRI before deciding on further treatment"
        )
    # EMG/nerve conduction studies tell a root lesion from a neuropathy or an entrapment: offered for
    # a nerve mimic, or when the imaging (or a mimic of no known kind) leaves the diagnosis in doubt;
    # not when the only doubt is a hip, arterial or bursal mimic, which no nerve study excludes (its
    # own examination or test is the step)
    emg = (
        not found
        or any(m.neuropathy for _, m in found)
        or not has_concordant_lesion(ctx)
        or any(all(c is not f for f, _ in found) for c in mm)
    )
    # with no mimic to exclude, a test of this episode already done is named with its result, not
    # offered again: an EMG/NCS (normal or not), a diagnostic root block (relieving or not). EMG/NCS
    # already done is named beside a mimic too: a nerve mimic is excluded by reviewing it
    done_emg = [f for f, _ in emg_studies(ctx)]
    done_blocks = [] if found else [f for f, _ in root_blocks(ctx)]
    review = emg_to_review(ctx)
    # a study already ordered is named, and not offered again
    ordered_emg = [review[0]] if review is not None and not done_emg else []
    emg = emg and review is None
    suggestions = [] if done_blocks else [ctx.offer(sx.DIAGNOSTIC_SNRB)]
    if emg:
        suggestions.insert(
            0,
            ctx.offer(
                sx.EMG_NCS,
                # recommended where it is the test: a hip or vascular mimic needs its own first
                recommended=conc.status != "no-imaging" and (not found or any(m.emg for _, m in found)),
            ),
        )
    if no_imaging and not mri_ordered:
        suggestions.insert(
            0,
            ctx.offer(
                sx.MRI_WITHOUT_CONTRAST,
                # a mimic to exclude comes first, and an MRI the service could not see may exist:
                # the MRI stays on offer, not pre-selected
                recommended=not found and not ctx.imaging_unread,
            ),
        )
    if found:
        # the mimic named as the card's fact and next step name it ("peripheral neuropathy")
        kinds = list(dict.fromkeys(m.brief for _, m in found))
        result = esi_result(ctx)
        summary = next(
            (
                text
                for text in (
                    f"{result}, but {' and '.join(kinds)} can mimic radicular pain: exclude "
                    f"{'them' if len(kinds) > 1 else 'it'} before another spine procedure",
                    f"{result}, but {kinds[0]} can mimic radicular pain: exclude it before another "
                    "spine procedure",
                )
                if len(text) <= SUMMARY_MAX
            ),
            f"{result}, but a mimic can cause the same leg pain: exclude {kinds[0]} first"[:SUMMARY_MAX],
        )
    elif mri_ordered:
        summary = opening(ctx, f"with no MRI or CT yet, {ordered}: review it, then re-evaluate the diagnosis")
    elif no_imaging and ctx.imaging_unread:
        summary = opening(
            ctx, "and the imaging reports could not be read: check for an MRI, then re-evaluate the diagnosis"
        )
    elif no_imaging:
        summary = opening(
            ctx, "with no MRI or CT on record: MRI lumbar spine first, then re-evaluate the diagnosis"
        )
    elif emg or ordered_emg or not done_blocks:
        tests = [
            "imaging review",
            *(["EMG/NCS"] if emg else ["the EMG/NCS ordered"] if ordered_emg else []),
            *([] if done_blocks else ["a diagnostic SNRB"]),
        ]
        summary = opening(
            ctx, f"with uncertain diagnosis: re-evaluate with {', '.join(tests[:-1])} and {tests[-1]}"
        )
    else:
        summary = opening(
            ctx,
            "with uncertain diagnosis after EMG/NCS and a root block: review the imaging, look for other "
            "pain generators",
        )
    # without an MRI or CT the imaging cannot be reviewed for a root lesion: the MRI comes first
    # (ACR 2021 variant 3), as on F2; radiographs show degeneration, not root compression. An MRI
    # already ordered is reviewed when it is reported, as P1 and F2 say it
    if mri_ordered:
        imaging_step = (
            f"{review_ordered_mri(ctx, mri_ordered[-1])}: compare its level and side with the symptoms, then "
            "re-evaluate the diagnosis (ACR 2021: imaging abnormalities do not always correlate)."
        )
    elif no_imaging and ctx.imaging_unread:
        imaging_step = (
            "The imaging reports could not be read: check the record for a lumbar MRI or CT and review "
            "it against the clinical level and side; without one, MRI lumbar spine without contrast "
            "first (ACR 2021 variant 3)."
        )
    elif no_imaging:
        imaging_step = (
            "MRI lumbar spine without contrast first: "
            + ("radiographs cannot show nerve-root compression" if xray is not None else "no lumbar imaging")
            + " (ACR 2021 variant 3); then review it against the clinical level and side."
        )
    else:
        imaging_step = (
            "Review the imaging against the clinical level and side (ACR 2021: imaging abnormalities do "
            "not always correlate)."
        )
    card = F4.card(
        ctx,
        indicator="info",
        summary=summary,
        why=[
            *mimic_facts(ctx, found),
            *(ctx.cond_fact(c, "possible mimic: ") for c in mm if all(c is not f for f, _ in found)),
            *_failure_why(
                ctx,
                [
                    *(mri_ordered_fact(ctx, o) for o in mri_ordered),
                    *done_emg[-1:],
                    *ordered_emg,
                    *done_blocks[-1:],
                ],
            ),
        ],
        gaps=gaps,
        next_steps=[
            *([mimic_step(found, emg_review=review[1] if review else None)] if found else []),
            imaging_step,
            *([EMG_STEP] if emg else []),
            *([f"Review {review[1]} when it is reported."] if ordered_emg and review and not found else []),
            *(
                []
                if done_blocks
                else [
                    "Diagnostic selective nerve root block to confirm the symptomatic root"
                    + (", once the mimic is excluded." if found else ".")
                ]
            ),
            "Look for other pain generators (facet, SI joint, hip, peripheral nerve).",
        ],
        avoid=[
            "Surgery on discordant imaging.",
            "A repeat epidural injection.",
            "Spinal cord stimulation before the diagnosis is clear.",
        ],
        conflicts=[DISCOGRAPHY],
        suggestions=suggestions,
        selection_behavior="any",
        needs=("diagnosticReports", "conditions"),
    )
    # a mimic still to exclude: no spine procedure (the diagnostic root block) on offer, imaging kept
    # but not pre-selected, the mimic's own test recommended when it can be ordered
    return replace(card, suggestions=mimic_suggestions(ctx, card, found)) if found else card


def f5_facet_or_si(ctx: PathwayContext) -> CardDraft:
    """F5 — failed ESI; the pain is actually facet- or SI-joint-mediated.

    When: a failed image-guided ESI, a facet arthropathy or SI-joint pain diagnosis, pain scored as
      axial-predominant (``axial_predominant``: the latest back score above the latest leg score, or
      back or buttock scores and no leg score; never inferred from missing or unsited scores), lumbar
      imaging on record with no concordant compressive lesion, no ablation card or ablation that
      helped, and no motor deficit. The scores that show the axial pain are among the card's facts.
    Then: re-evaluate; diagnostic medial branch blocks for facet pain, a diagnostic SI-joint block for
      SI-joint pain; RFA only after a positive diagnostic block. With the medial branch blocks done
      and positive (``ablation.confirming_blocks``), the block is named and facet RFA is the next
      step, offered. Warning if an ESI (or, before a positive block, an RFA) order is pending, else
      info.
    Evidence: facet — NICE NG59 (RFA only after a positive diagnostic block), ASRA-led facet consensus
      2020, CMS facet LCDs; SI joint alone — the CMS SI-joint LCD (L39455: positive block ≥ 75 %
      relief; SI-joint RFA not covered), not NICE NG59, which advises against spinal injections for
      low back pain.
    """
    gens = facet_or_si_generators(ctx)
    facet = ctx.conditions("facet_mediated_pain")
    si = ctx.conditions("sacroiliac_joint_pain")
    # the medial branch blocks done confirm the facet joints already: the ablation is the next step
    blocked = ablation.confirming_blocks(ctx) if facet else ()
    pending = ctx.pending("esi_lumbar_all", *(() if blocked else ("facet_rfa_or_si_rfa",)))
    suggestions = []
    if facet:
        suggestions.append(
            ctx.offer(
                sx.FACET_RFA if blocked else sx.MEDIAL_BRANCH_BLOCK,
                reasons=tuple(c.ref for c in facet) + ctx.reason_refs,
                recommended=True,
            )
        )
    if si:
        suggestions.append(
            ctx.offer(
                sx.SI_JOINT_BLOCK,
                reasons=tuple(c.ref for c in si) + ctx.reason_refs,
                recommended=not facet,
            )
        )
    threshold = f"≥ {ctx.t.mbb_positive_relief_pct:.0f} % relief"
    if ctx.t.mbb_required_positive_blocks > 1:
        threshold += f" on {ctx.t.mbb_required_positive_blocks} blocks"
    si_threshold = f"≥ {ctx.t.sij_block_positive_relief_pct:.0f} % relief"
    if blocked:
        last = blocked[-1].procedure
        steps = [
            f"Facet radiofrequency ablation at the medial branches the positive block of "
            f"{ctx.proc_when(last)} tested ({threshold}; ASRA 2020, NICE NG59).",
            "Re-evaluate first if the pain has changed since the block (new leg symptoms, a deficit).",
            "Record pain (NRS) before the ablation and at 3 and 6 months.",
        ]
    elif facet:
        steps = [
            f"Diagnostic medial branch blocks (positive = {threshold})"
            + (f"; a diagnostic SI-joint block (positive = {si_threshold}) for the SI joint." if si else "."),
            "Re-evaluate: axial-predominant pain without neurological signs points to the facet joints "
            + ("or SI joint " if si else "")
            + "rather than the nerve root (ASRA 2020).",
            "Radiofrequency ablation only after a positive diagnostic block (NICE NG59).",
        ]
    else:
        steps = [
            f"Diagnostic SI-joint block, image-guided (positive = {si_threshold}; Medicare SI-joint LCD).",
            "Re-evaluate: buttock-predominant pain without neurological signs points to the SI joint rather "
            "than the nerve root.",
            "SI-joint radiofrequency ablation only after a positive diagnostic block; some Medicare LCDs do "
            "not cover it.",
        ]
    if pending:
        kinds = ["RFA" if ctx.matches("facet_rfa_or_si_rfa", o.codings) else "ESI" for o in pending]
        held = " and ".join(dict.fromkeys(kinds))
        steps[0] = (
            f"Hold the pending {held} order{'s' if len(pending) > 1 else ''}: "
            + steps[0][0].lower()
            + steps[0][1:]
        )
    rule = F5 if facet else F5_SI
    axial = axial_fact(ctx)
    return rule.card(
        ctx,
        indicator="warning" if pending else "info",
        summary=opening(
            ctx,
            "but pain looks facet-joint mediated and a medial branch block confirmed it: facet RFA next"
            if blocked
            else "but pain looks facet-joint mediated: diagnostic medial branch block before any RFA"
            if facet
            else "but pain looks SI-joint mediated: diagnostic SI-joint block before any ablation",
        ),
        why=[
            *(ctx.cond_fact(c, "pain generator: ") for c in gens[:1]),
            *(f for a in blocked[-1:] for f in ctx.failure_facts(a)),
            *_failure_why(ctx)[:1],
            *(ctx.order_fact(s, "pending order: ", short_prefix=HOLD) for s in pending),
            *([axial] if axial is not None else []),
            *(ctx.cond_fact(c, "pain generator: ") for c in gens[1:]),
            *_failure_why(ctx),
        ],
        gaps=_common_gaps(ctx, leg=False),
        next_steps=steps,
        avoid=[
            "A repeat epidural injection.",
            "RFA without a positive diagnostic block.",
            "Surgery.",
            "Spinal cord stimulation.",
        ],
        conflicts=[RFA_SCOPE],
        suggestions=suggestions,
        selection_behavior="any",
        extra_evidence=("cms_si_lcd",) if facet and si else (),
        needs=("conditions", "serviceRequests"),
    )


def _claudication_fact(ctx: PathwayContext, c: ConditionFact) -> Fact:
    """The stenosis that decides F6, in the card's few words: "spinal stenosis with neurogenic
    claudication" (its onset is not what decides), not "stenosis with claudication: Spinal stenosis"."""
    fact = ctx.cond_fact(c, "stenosis with claudication: ")
    name = mid_sentence(short_name(clinical_name(c.text)))
    if STENOSIS_WORD.search(name) and not CLAUDICATION_WORD.search(name):
        return replace(fact, short=f"{name} with neurogenic claudication")
    return fact


def _mild_fact(ctx: PathwayContext, p: ProcedureFact) -> Fact:
    """A MILD on record, named as such ("MILD L4-L5 2026-09-20"): the coded descriptor
    ("Percutaneous laminotomy/laminectomy (MILD), lumbar") keeps the name in brackets, which the
    short form of a procedure drops."""
    where = f"{p.level} " if p.level else ""
    return Fact(
        f"minimally invasive lumbar decompression (MILD) done: {ctx.proc_label(p)}",
        p.ref,
        short=f"MILD {where}{ctx.proc_when(p)}",
    )


def _f6_summary(ctx: PathwayContext, *, mild: bool, hold: bool) -> str:
    """F6's summary: what the injection did, the stenosis with claudication, then the step; after a
    MILD a surgical decompression opinion, with a repeat ESI on order "hold the repeat ESI" first.
    The longest form that fits."""
    refer = "refer for a surgical decompression opinion" if mild else "refer for decompression (or MILD)"
    step = f"hold the repeat ESI; {refer}" if hold else f"{refer}; no more ESIs"
    after = " after MILD" if mild else ""
    forms = (
        f"with stenosis and neurogenic claudication{after}: {step}",
        f"with stenosis and claudication{after}: {step}",
        f"with stenosis and claudication{after}: {'hold the repeat ESI; ' if hold else ''}refer for "
        "decompression",
    )
    said = [opening(ctx, f) for f in forms]
    return next((t for t in said if len(t) <= SUMMARY_MAX), said[-1])


def f6_stenosis_claudication(ctx: PathwayContext) -> CardDraft:
    """F6 — failed ESI with lumbar stenosis and neurogenic claudication.

    When: a failed image-guided ESI and M48.062 (or stenosis with claudication documented), without
      instability.
    Then: info (warning with a repeat ESI on order) — decompression referral; MILD for
      ligamentum-flavum-driven central stenosis (CMS NCD 150.13); physiotherapy. No epidural
      injections for neurogenic claudication (NICE) — ASIPP disagrees.
      After a MILD on record (``mild_percutaneous_lumbar_decompression``) the claudication has
      persisted through it: the MILD and its date are among the deciding facts, the step is a
      surgical decompression opinion, and no second MILD is offered. A repeat ESI ordered after the
      failed one (``esi_outcome.repeat_esi_orders``) is named among the first facts and held in the
      first step, as a warning (NICE NG59 advises against epidurals for neurogenic claudication).
    Evidence: NASS stenosis guideline; NICE NG59; ASIPP 2021.
    """
    nc = neurogenic_claudication(ctx)
    lf = ctx.ligamentum_flavum_study
    pending = ctx.pending("esi_lumbar_all")
    held = repeat_esi_orders(ctx)
    mild_done = ctx.procedures("mild_percutaneous_lumbar_decompression")
    claudication = [_claudication_fact(ctx, c) for c in nc]
    failure = _failure_why(ctx)
    against = "pending epidural order — NICE advises against it for claudication: "
    # named as F3 names a repeat to hold ("hold pending order: ESI ordered 2026-11-15")
    hold_facts = [
        replace(ctx.order_fact(s, against), short=esi_order_fact(ctx, s, hold=True).short) for s in held
    ]
    mild_facts = [_mild_fact(ctx, p) for p in mild_done]
    if hold_facts or mild_facts:
        # what the card turns on, first: the stenosis, the MILD it persisted through, the failed
        # injection, the epidural to hold (with both, the MILD and the order before the injection)
        lead = [
            *claudication[:1],
            *mild_facts[-1:],
            *([] if mild_facts and hold_facts else failure[:1]),
            *hold_facts,
        ]
    else:
        lead = []
    why = [*lead, *claudication, *failure]
    if lf is not None:
        why.append(Fact(f"ligamentum flavum hypertrophy reported: {lf.label}", lf.ref))
    why += [*(ctx.order_fact(s, against) for s in pending if s not in held), *mild_facts]
    gaps = _common_gaps(ctx, leg=False)
    if lf is None and not mild_done:
        gaps.append("review the imaging for ligamentum flavum hypertrophy (MILD candidacy)")
    mild = []
    if lf is not None and not mild_done and not ctx.conditions("spondylolisthesis_instability"):
        mild.append(
            ctx.offer(
                sx.MILD,
                reasons=tuple(c.ref for c in nc) + ctx.reason_refs,
            )
        )
    if mild_done:
        steps = [
            "Spine-surgery referral for a decompression opinion (laminectomy), not a repeat MILD: "
            f"claudication persists after the MILD of {ctx.proc_when(mild_done[-1])}.",
            "Physiotherapy (flexion-based exercise, walking programme).",
        ]
    else:
        steps = [
            "Spine-surgery referral for decompression (laminectomy).",
            "MILD (percutaneous ligamentum flavum debulking) for central stenosis driven by ligamentum "
            "flavum "
            "hypertrophy.",
            "Physiotherapy (flexion-based exercise, walking programme).",
        ]
    if held:
        orders = "orders" if len(held) > 1 else "order"
        refer = (
            "for a decompression opinion (laminectomy), not a repeat MILD"
            if mild_done
            else "for decompression (laminectomy)"
        )
        steps[0] = f"Hold the pending ESI {orders} and refer {refer}."
    return F6.card(
        ctx,
        indicator="warning" if held else "info",
        summary=_f6_summary(ctx, mild=bool(mild_done), hold=bool(held)),
        why=why,
        gaps=gaps,
        next_steps=steps,
        avoid=[
            "Fusion without instability.",
            "Epidural injections for neurogenic claudication (NICE NG59).",
            *(["A repeat MILD."] if mild_done else []),
            "Long-term opioids.",
        ],
        conflicts=[ESI_STENOSIS, FUSION],
        suggestions=[
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=tuple(c.ref for c in nc) + ctx.reason_refs,
                recommended=True,
            ),
            ctx.offer(sx.PHYSIOTHERAPY_REFERRAL),
            *mild,
        ],
        selection_behavior="any",
        needs=("conditions", "diagnosticReports"),
    )


def f7_no_target_chronic(ctx: PathwayContext) -> CardDraft:
    """F7 — failed ESIs, no surgical target, chronic neuropathic radicular pain.

    When: ≥ 2 failed image-guided ESIs with no concordant lesion, or a surgeon's "no target" note;
      symptoms ≥ 6 months; NRS ≥ 5; and the radicular diagnosis settled (``diagnosis_confirmations``:
      the surgeon's note, EMG/NCS or a diagnostic root block) — discordant imaging alone is F4's
      re-evaluation, not a reason for SCS.
    Then: info — multidisciplinary care with CBT; medication review presenting the evidence conflict;
      SCS evaluation: psychological assessment, then a trial with ≥ 50 % relief; DRG/PNS for focal pain.
      After a permanent stimulator was implanted and removed (``explanted_stimulator``), no new SCS
      evaluation: the removed stimulator is named and further neuromodulation left to the implanting
      team (``_f7_after_explant``).
    Evidence: NACC 2014; NICE TA159; NICE NG59 (medication conflict).
    """
    leads = _failure_why(ctx)
    notes = list(ctx.no_surgical_target_notes)
    # what makes it "no target": the surgeon's note, else the imaging without root compression (with
    # two failed injections it follows them; with one, the imaging already does); then what confirmed
    # the radicular diagnosis (EMG/NCS, a diagnostic root block)
    target = notes or leads[2:3]
    shown = {f.ref for f in (*leads, *notes)}
    confirmed = [f for f in diagnosis_confirmations(ctx) if f.ref not in shown]
    rest = leads[2:] if notes else leads[3:]
    why = [*leads[:2], *target, *confirmed, *rest, ctx.onset_fact(), *ctx.current_pain_facts()]
    # imported here: neuromodulation imports this module
    from hooks.pathway.rules.neuromodulation import (
        PERMANENT_ORDER_SETS,
        TRIAL_ORDER_SETS,
        explant_fact,
        explanted_stimulator,
        latest_trial,
        psych_evaluation_fact,
        psych_step,
    )

    explant = explanted_stimulator(ctx)
    if explant is not None:
        return _f7_after_explant(ctx, [explant_fact(ctx, explant), *why], explant.kind)
    # an evaluation on record is named, and not asked for again
    evaluated = psych_evaluation_fact(ctx)
    if evaluated is not None:
        why.append(evaluated.fact)
    # a stimulator already ordered is what the card speaks of: held until a psychological evaluation
    # clears it (NACC 2014), else named, with no second SCS evaluation offered
    ordered = ctx.pending(*TRIAL_ORDER_SETS, *PERMANENT_ORDER_SETS)
    if ordered:
        cleared = evaluated is not None and evaluated.standing == "cleared"
        before = None if cleared else psych_step(evaluated, "the trial")
        order = ordered[-1]
        trial = latest_trial(ctx)
        implant = not any(ctx.matches(vs, order.codings) for vs in TRIAL_ORDER_SETS)
        untried = implant and (trial is None or trial.outcome not in SUCCESS_OUTCOMES)
        if untried:
            # a permanent system before a trial that relieved the pain (NACC 2014; NICE TA159)
            before = (
                f"a stimulator trial with ≥ {pct(ctx.t.scs_trial_success_pct)} relief first"
                + ("" if cleared else f", after {_lower_first(psych_step(evaluated, 'the trial'))}")
            )
        kind = "implant" if implant else "trial"
        return _f7_stimulator_ordered(ctx, why, order, kind, before, untried=untried)
    return F7.card(
        ctx,
        indicator="info",
        summary="Refractory radicular pain without a surgical target: multidisciplinary care, CBT and SCS "
        "evaluation",
        why=why,
        gaps=_common_gaps(ctx),
        next_steps=[
            "Multidisciplinary pain management with cognitive behavioural therapy (NICE NG59).",
            "Medication review: see where sources disagree on neuropathic agents; taper what does not help.",
            (
                "Spinal cord stimulation evaluation: psychological assessment first, then a trial; "
                if evaluated is None
                else f"Spinal cord stimulation evaluation: {_lower_first(psych_step(evaluated, 'a trial'))}; "
            )
            + f"permanent implant only with ≥ {pct(ctx.t.scs_trial_success_pct)} relief (NACC 2014; NICE "
            "TA159).",
            "DRG or peripheral nerve stimulation for focal (foot, groin) pain (NACC DRG 2019).",
        ],
        avoid=["More epidural injections.", "Opioid escalation.", "Fusion."],
        conflicts=[*NEUROPATHIC_AGENTS, SCS_SELECTION, OPIOIDS],
        suggestions=[
            *([ctx.offer(sx.PSYCHOLOGICAL_EVALUATION, recommended=True)] if evaluated is None else []),
            ctx.offer(sx.CBT_REFERRAL),
            ctx.offer(
                sx.PAIN_MANAGEMENT_REFERRAL,
                label="Refer to the pain service for spinal cord stimulation evaluation",
            ),
        ],
        selection_behavior="any",
        extra_evidence=("precise_2017",),
        needs=("observations", "diagnosticReports"),
    )


def _f7_stimulator_ordered(
    ctx: PathwayContext,
    why: list[Fact],
    order: ServiceRequestFact,
    kind: str,
    before: str | None,
    *,
    untried: bool = False,
) -> CardDraft:
    """F7 with a stimulator trial or implant (``kind``) already ordered. ``before``: what must come first
    (``neuromodulation.psych_step``), when no psychological evaluation has cleared the patient — the
    order is then held, a warning (NACC 2014: psychological evaluation before a trial); with one on
    record the order is named and the trial's rule said, no second SCS evaluation offered. ``untried``:
    a permanent system ordered with no trial that relieved the pain, held as well."""
    care = [
        "Multidisciplinary pain management with cognitive behavioural therapy (NICE NG59).",
        "Medication review: see where sources disagree on neuropathic agents; taper what does not help.",
    ]
    rule = (
        f"Permanent implant only with ≥ {pct(ctx.t.scs_trial_success_pct)} relief on the trial (NACC 2014; "
        "NICE TA159)."
    )
    if before is None:
        return F7.card(
            ctx,
            indicator="info",
            summary=f"Refractory radicular pain without a surgical target: stimulator {kind} ordered; "
            "multidisciplinary care and CBT alongside",
            why=[ctx.order_fact(order, f"stimulator {kind} ordered: "), *why],
            gaps=_common_gaps(ctx),
            next_steps=[rule, *care],
            avoid=["More epidural injections.", "Opioid escalation.", "Fusion."],
            conflicts=[*NEUROPATHIC_AGENTS, SCS_SELECTION, OPIOIDS],
            suggestions=[ctx.offer(sx.CBT_REFERRAL)],
            selection_behavior="any",
            extra_evidence=("precise_2017",),
            needs=("observations", "diagnosticReports", "serviceRequests"),
        )
    return F7.card(
        ctx,
        indicator="warning",
        summary=(
            f"Stimulator {kind} ordered before a psychological evaluation cleared the patient: hold it "
            "(NACC 2014)"
            if not untried
            else "Permanent stimulator ordered without a successful trial on record: hold it (NACC 2014)"
        ),
        why=[ctx.order_fact(order, f"pending stimulator {kind} — hold it: ", short_prefix=HOLD), *why],
        gaps=_common_gaps(ctx),
        next_steps=[f"Hold the pending stimulator {kind}: {_lower_first(before)} (NACC 2014).", *care, rule],
        avoid=[
            "A stimulator trial or implant without a psychological evaluation.",
            "More epidural injections.",
            "Opioid escalation.",
        ],
        conflicts=[*NEUROPATHIC_AGENTS, SCS_SELECTION, OPIOIDS],
        suggestions=[ctx.offer(sx.PSYCHOLOGICAL_EVALUATION, recommended=True), ctx.offer(sx.CBT_REFERRAL)],
        selection_behavior="any",
        extra_evidence=("precise_2017",),
        needs=("observations", "diagnosticReports", "serviceRequests"),
    )


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


def _f7_after_explant(ctx: PathwayContext, why: list[Fact], kind: str) -> CardDraft:
    """F7 after a permanent stimulator was implanted and removed: the removed stimulator named first;
    multidisciplinary care with CBT and a medication review; no new spinal cord stimulator evaluation
    or trial (the last system did not last), further neuromodulation only on the implanting team's
    review (``neuromodulation.after_explant_steps``)."""
    # imported here: neuromodulation imports this module
    from hooks.pathway.rules import neuromodulation as nm

    return F7.card(
        ctx,
        indicator="info",
        summary=f"Refractory radicular pain after the {kind} was removed: multidisciplinary care and CBT, "
        "not a new SCS trial",
        why=why,
        gaps=_common_gaps(ctx),
        next_steps=nm.after_explant_steps(kind),
        avoid=[nm.AFTER_EXPLANT_AVOID, "More epidural injections.", "Opioid escalation.", "Fusion."],
        conflicts=[*NEUROPATHIC_AGENTS, SCS_SELECTION, OPIOIDS],
        suggestions=nm.after_explant_suggestions(ctx),
        selection_behavior="any",
        extra_evidence=("precise_2017", *nm.after_explant_evidence(kind)),
        needs=("observations", "diagnosticReports"),
    )
