"""E1–E2: radicular pain in its first 6 weeks, no red flags, no prior lumbar surgery, no ESI yet."""

from __future__ import annotations

from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import ObservationFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.common import (
    ESI_TIMING,
    NEUROPATHIC_AGENTS,
    ORAL_STEROIDS,
    TOPIC_PATHWAY,
    Rule,
)
from hooks.rule import WARNING
from hooks.thresholds import span

E1 = Rule("E1", "Acute radicular pain, tolerable", TOPIC_PATHWAY, ("nice_ng59", "acr_lbp_2021"))
E2 = Rule(
    "E2",
    "Acute radicular pain, severe or disabling",
    TOPIC_PATHWAY,
    ("nice_ng59", "acr_lbp_2021"),
    indicators=WARNING,
)


def is_acute(ctx: PathwayContext) -> bool:
    """Symptoms for less than 6 weeks (from the earliest onset, else recorded date)."""
    d = ctx.symptom_days
    return d is not None and d < ctx.t.conservative_care_days


def severity_scores(ctx: PathwayContext) -> tuple[ObservationFact | None, ObservationFact | None]:
    """The latest pain score and ODI of the current episode (dated on or after its onset): what grades
    acute pain. A score from before the symptoms began (an old visit for something else) does not."""
    return ctx.episode_latest("pain"), ctx.episode_latest("odi")


def is_severe(ctx: PathwayContext) -> bool:
    """NRS ≥ 7 with ODI ≥ 40 — a missing score does not argue against severity, but one score of the
    current episode must exist."""
    pain, odi = severity_scores(ctx)
    if pain is None and odi is None:
        return False
    pain_severe = pain is None or (pain.value or 0) >= ctx.t.severe_pain_nrs
    odi_severe = odi is None or (odi.value or 0) >= ctx.t.severe_odi
    return pain_severe and odi_severe


def _score_facts(ctx: PathwayContext) -> list[Fact]:
    """The scores that graded severity (the episode's latest pain score and ODI)."""
    return [ctx.obs_fact(o) for o in severity_scores(ctx) if o is not None]


def _score_gaps(ctx: PathwayContext) -> list[str]:
    pain, odi = severity_scores(ctx)
    since = ctx.episode_start
    gaps = []
    for current, kind, ask in (
        (pain, "pain", "record a 0–10 leg-pain score (NRS) to grade severity"),
        (odi, "odi", "record an Oswestry Disability Index (ODI) to grade disability"),
    ):
        if current is not None:
            continue
        older = ctx.latest(kind)
        if older is not None and since is not None:
            when = (
                f"more than {span(ctx.t.conservative_care_days)} before this episode was recorded on "
                if ctx.dated_by_record
                else "before this episode's onset on "
            )
            ask += f" (the latest, {ctx.obs_label(older)}, is from {when}{since.isoformat()})"
        gaps.append(ask)
    return gaps


def e1_acute_tolerable(ctx: PathwayContext) -> CardDraft:
    """E1 — acute radiculopathy < 6 weeks, no red flags, tolerable.

    When: gate open, symptoms < 42 days, NRS < 7 or ODI < 40 (or no scores), no red flag, no ESI.
    Then: info card — NSAIDs, stay active, education and reassurance, directional-preference
      exercises, heat/cold, safety-net advice, reassess at 6 weeks. No imaging, no ESI, no referral.
    Evidence: NICE NG59 1.1.4 (no routine imaging); ACR 2021 variants 1–2 (6 weeks of conservative
      care; no imaging before 6 weeks without red flags).
    """
    onset = ctx.duration_anchor
    weeks = span(ctx.t.conservative_care_days)
    review = (onset + timedelta(days=ctx.t.conservative_care_days)).isoformat() if onset else "after onset"
    return E1.card(
        ctx,
        indicator="info",
        summary=f"Acute radicular pain under {weeks}: conservative care and safety-net advice; no imaging "
        "or ESI yet",
        why=[
            ctx.onset_fact(),
            *_score_facts(ctx),
            ctx.no_esi_fact("no red flag, no prior lumbar surgery, no epidural injection"),
        ],
        gaps=_score_gaps(ctx),
        next_steps=[
            "Conservative care (NSAID if not contraindicated, stay active, reassurance) and reassess at "
            f"{weeks} ({review}).",
            "Education and reassurance about the usually favourable course (NICE NG59).",
            "Directional-preference exercises, heat or cold for symptom relief.",
            "Short-term opioid only if pain is severe, at the lowest dose for the shortest time.",
            "Safety-net advice: new bladder or bowel problems, saddle numbness or leg weakness need "
            "same-day care.",
            f"Imaging and an image-guided ESI only if radicular pain still persists at {weeks}.",
        ],
        avoid=[
            "Lumbar imaging (NICE NG59 1.1.4; ACR 2021 variants 1–2).",
            "Epidural steroid injection or a surgical referral at this stage.",
            "Gabapentinoids; long-term opioids; oral corticosteroid bursts; bed rest.",
        ],
        conflicts=[ESI_TIMING, *NEUROPATHIC_AGENTS, ORAL_STEROIDS],
        extra_evidence=("precise_2017",),
        needs=("observations",),
    )


def e2_acute_severe(ctx: PathwayContext) -> CardDraft:
    """E2 — severe, disabling acute radicular pain in the first 6 weeks.

    When: gate open, symptoms < 42 days, NRS ≥ 7 with ODI ≥ 40 (a stable deficit is handled by R2).
    Then: warning — refer to a spine specialist within 2 weeks; the specialist may consider an ESI for
      acute and severe sciatica (NICE) although ACR 2021 waits 6 weeks; short-term analgesia.
    Evidence: clinical practice (refer within 2 weeks if severe/disabling); NICE NG59 (epidural for acute and
      severe sciatica; 1.1.4 no imaging in non-specialist settings).
    """
    return E2.card(
        ctx,
        indicator="warning",
        summary=f"Severe acute radicular pain: refer to a spine specialist to be seen within "
        f"{span(ctx.t.urgent_referral_days)}",
        why=[ctx.onset_fact(), *_score_facts(ctx), Fact("no spine or pain specialist referral on record")],
        gaps=_score_gaps(ctx),
        next_steps=[
            f"Refer to a spine specialist to be seen within {span(ctx.t.urgent_referral_days)}.",
            "The specialist may consider an image-guided epidural injection for acute and severe sciatica "
            "(NICE NG59) — see where sources disagree below.",
            "Short-term analgesia (NSAID; lowest-dose short-term opioid only if needed).",
        ],
        avoid=[
            "MRI from primary care before specialist review (NICE NG59 1.1.4).",
            "Fusion; long-term opioids; gabapentinoids; repeated oral corticosteroid courses.",
        ],
        conflicts=[ESI_TIMING, *NEUROPATHIC_AGENTS, ORAL_STEROIDS],
        suggestions=[
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                note=f"To be seen within {span(ctx.t.urgent_referral_days)}: severe, disabling radicular "
                "pain.",
                recommended=True,
            ),
        ],
        extra_evidence=("nass_ldh",),
        needs=("observations", "serviceRequests", "encounters"),
    )
