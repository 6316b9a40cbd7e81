"""The decision model's precedence (§1.1) as trees of named predicates over the catalogue.

- ``RED_FLAGS``: R1 > R2 > R3 (R2 and R3 inside the gate).
- ``PATHWAY_STATES``: the one E/P/F/S state for a gated patient without a red flag — the
  post-surgical branch (S0 > S2 > S4 > S3 > S1), then the conservative steps before any ESI (E2, E1
  while symptoms are recent; P2, P1 after), then the steps after an ESI (F0–F8, S4).
- ``DEVICE_STATES`` (N3, N1, N2, L1) and ``ABLATION_STATES`` (A1, A2): the latest line of treatment,
  read whenever those procedures exist, even with the gate closed.

Each tree is read in order (``hooks.applicability.decide``). Every predicate is named and returns
the facts that fired it; the card keeps them as its ``basis`` (the full reasoning says how the state
was reached), and ``docs/pathway.md`` prints the trees (``hooks.applicability.describe``; a test
keeps them equal). How the cards of the trees and the cross-cutting rules combine is
``hooks.pathway.evaluate_context``. Adding a state is a step here, beside its module and catalogue
line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from hooks.applicability import Branch, Decision, Predicate, Step, decide, describe, predicate
from hooks.cards import CardDraft, Fact
from hooks.facts import ObservationFact
from hooks.pathway import failure
from hooks.pathway.context import (
    FAILED_OUTCOMES,
    SUCCESS_OUTCOMES,
    UNDOCUMENTED_OUTCOMES,
    PathwayContext,
)
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.pathway.rules import (
    ablation,
    acute,
    esi_outcome,
    neuromodulation,
    persistent,
    post_surgical,
    red_flags,
    refractory,
)

P = Predicate[PathwayContext]


def decided(ctx: PathwayContext, tree: Branch[PathwayContext]) -> Decision:
    """``decide`` once per call and tree: the ablation tree is read both for its own card and by F5
    (an ablation with a card of its own)."""
    cache: dict[str, Decision] = ctx.__dict__.setdefault("_decisions", {})
    if tree.name not in cache:
        cache[tree.name] = decide(ctx, tree)
    return cache[tree.name]


def _conditions(ctx: PathwayContext, found: Iterable) -> tuple[Fact, ...]:
    return tuple(ctx.cond_fact(c) for c in found)


def _last(ctx: PathwayContext) -> Assessment:
    return ctx.assess(ctx.esis[-1], Modality.ESI)


def _latest_guided(ctx: PathwayContext) -> Assessment | None:
    guided = ctx.image_guided_assessments
    return guided[-1] if guided else None


def _latest_guided_in(ctx: PathwayContext, outcomes: tuple[Outcome, ...]) -> tuple[Fact, ...]:
    a = _latest_guided(ctx)
    if a is None or a.outcome not in outcomes:
        return ()
    return (ctx.proc_fact(a.procedure, f" ({a.outcome.value.replace('_', ' ')})"),)


# ---------------------------------------------------------------------------------------------
# red flags
# ---------------------------------------------------------------------------------------------


@predicate(
    "a cauda equina diagnosis, or a new sphincter, saddle or bilateral leg symptom with a lumbar diagnosis"
)
def cauda_equina_signs(ctx: PathwayContext) -> Iterable[Fact]:
    coded = _conditions(ctx, (c for found in red_flags.cauda_equina_signs(ctx) for c in found))
    scored = tuple(red_flags.scored_weakness_fact(ctx, x) for x in red_flags.scored_weakness(ctx))
    return (*coded, *scored)


@predicate("a lumbar radicular diagnosis (the gate)")
def gate_open(ctx: PathwayContext) -> Iterable[Fact] | bool:
    return ctx.gate_open and (_conditions(ctx, ctx.gate_conditions[:2]) or True)


@predicate("a progressive or new motor deficit, or one not yet seen by a surgeon")
def motor_deficit_to_act_on(ctx: PathwayContext) -> Iterable[Fact] | bool:
    found = red_flags.motor_deficit_to_act_on(ctx)
    return found if isinstance(found, bool) else _conditions(ctx, found)


@predicate("suspected malignancy, infection or fracture")
def serious_pathology(ctx: PathwayContext) -> Iterable[Fact]:
    found = (
        *red_flags.malignancy_flags(ctx),
        *red_flags.suspected_infection(ctx),
        *red_flags.fracture_flags(ctx),
    )
    return (
        *_conditions(ctx, dict.fromkeys(found)),
        *red_flags.worsening_facts(ctx, red_flags.worsening_after_procedure(ctx)),
    )


# ---------------------------------------------------------------------------------------------
# stimulators and ablations
# ---------------------------------------------------------------------------------------------


@predicate("a permanent stimulator losing effect or never relieving the pain")
def stimulator_losing_effect(ctx: PathwayContext) -> Iterable[Fact]:
    effect = neuromodulation.losing_effect(ctx)
    if effect is None:
        return ()
    return (ctx.proc_fact(effect.system[0]), ctx.obs_fact(effect.best), ctx.obs_fact(effect.latest))


def _trial(ctx: PathwayContext) -> Assessment | None:
    return neuromodulation.latest_trial(ctx)


@predicate("a stimulator trial on record")
def stimulator_trial(ctx: PathwayContext) -> Iterable[Fact]:
    a = _trial(ctx)
    return (ctx.proc_fact(a.procedure, f" ({a.outcome.value.replace('_', ' ')})"),) if a else ()


@predicate("a permanent stimulator implanted after the trial", "no implant after the trial")
def implant_after_trial(ctx: PathwayContext) -> Iterable[Fact]:
    a = _trial(ctx)
    return tuple(ctx.proc_fact(p) for p in neuromodulation.implanted_after(ctx, a.procedure)) if a else ()


@predicate("the trial helped, within {outcome_recall_days}")
def trial_helped(ctx: PathwayContext) -> bool:
    """A successful trial recent enough to act on: one years ago, never followed by an implant, is
    history (the patient did not go on), not a reason to implant now."""
    a = _trial(ctx)
    return a is not None and a.outcome in SUCCESS_OUTCOMES and neuromodulation.recent_enough_to_record(ctx, a)


@predicate("the trial failed")
def trial_failed(ctx: PathwayContext) -> bool:
    a = _trial(ctx)
    return a is not None and a.outcome in FAILED_OUTCOMES


no_target_for_device: P = Predicate("no surgical target for the device", neuromodulation.no_surgical_target)


@predicate("stimulation options used up")
def stimulation_exhausted(ctx: PathwayContext) -> bool:
    a = _trial(ctx)
    return a is not None and neuromodulation.stimulation_exhausted(ctx, a)


@predicate("a trial within {outcome_recall_days} with no documented outcome")
def trial_to_record(ctx: PathwayContext) -> bool:
    a = _trial(ctx)
    return (
        a is not None
        and a.outcome in UNDOCUMENTED_OUTCOMES
        and neuromodulation.recent_enough_to_record(ctx, a)
    )


def _ablation(ctx: PathwayContext) -> Assessment | None:
    return ctx.assess(ctx.ablations[-1], Modality.RFA) if ctx.ablations else None


@predicate("a nerve ablation on record")
def ablation_done(ctx: PathwayContext) -> Iterable[Fact]:
    return tuple(ctx.proc_fact(p) for p in ctx.ablations[-2:])


@predicate("the latest ablation failed")
def ablation_failed(ctx: PathwayContext) -> bool:
    a = _ablation(ctx)
    return a is not None and a.outcome in FAILED_OUTCOMES


@predicate("an ablation repeated at the same level after one that failed")
def ablation_repeated_after_failure(ctx: PathwayContext) -> Iterable[Fact]:
    pair = ablation.repeated_after_failure(ctx)
    return tuple(ctx.proc_fact(p) for p in pair) if pair else ()


@predicate("the latest ablation helped, then the pain came back")
def ablation_recurred(ctx: PathwayContext) -> bool:
    a = _ablation(ctx)
    return a is not None and a.outcome is Outcome.RESPONDED_THEN_RECURRED


@predicate("the latest ablation helped", "no ablation that helped")
def ablation_helped(ctx: PathwayContext) -> Iterable[Fact]:
    a = _ablation(ctx)
    return (ctx.proc_fact(a.procedure),) if a is not None and a.outcome in SUCCESS_OUTCOMES else ()


@predicate("an ablation within {outcome_recall_days} with no documented outcome")
def ablation_to_record(ctx: PathwayContext) -> bool:
    a = _ablation(ctx)
    age = ctx.days_since(a.procedure.performed) if a else None
    return (
        a is not None
        and a.outcome in UNDOCUMENTED_OUTCOMES
        and (age is None or age <= ctx.t.outcome_recall_days)
    )


# ---------------------------------------------------------------------------------------------
# the post-surgical branch
# ---------------------------------------------------------------------------------------------


@predicate("prior lumbar decompression or fusion")
def after_lumbar_surgery(ctx: PathwayContext) -> Iterable[Fact] | bool:
    return ctx.post_surgical and (post_surgical.surgery_facts(ctx) or True)


early_after_surgery: P = Predicate(
    "the operation was at most {early_postoperative_days} ago", post_surgical.early_postoperative
)


recurrence_after_surgery: P = Predicate(
    "imaging after surgery shows a recurrent herniation or a new compressive lesion",
    post_surgical.recurrence_confirmed,
)


@predicate("spondylolisthesis or instability")
def instability(ctx: PathwayContext) -> Iterable[Fact]:
    return _conditions(ctx, post_surgical.instability_conditions(ctx))


fibrosis_without_target: P = Predicate(
    "a contrast MRI after surgery shows scar and no recurrence", post_surgical.fibrosis_without_target
)


long_enough_for_stimulation: P = Predicate(
    "leg pain for {scs_eligibility_days}, or there since an operation that long ago",
    post_surgical.long_enough_for_stimulation,
)


symptoms_after_recovery: P = Predicate(
    "radicular pain more than {early_postoperative_days} after the operation",
    post_surgical.symptoms_after_recovery,
)


# ---------------------------------------------------------------------------------------------
# before any ESI
# ---------------------------------------------------------------------------------------------


@predicate(
    "pain settled: the latest leg-pain score within {resolved_score_days}, and every score of any site "
    "in the {resolved_score_days} before it, at most {resolved_pain_nrs}/10 (ODI at most {resolved_odi} "
    "where recorded)",
    "pain not recorded as settled",
)
def pain_resolved(ctx: PathwayContext) -> Iterable[Fact]:
    """The patient has recovered (mild pain at most, minimal disability): the episode's latest leg or
    unsited pain score, taken within ``resolved_score_days``, and every score of any site since, are
    at most ``resolved_pain_nrs``, and the ODI of that time, where one was recorded, at most
    ``resolved_odi`` (``_settled_since``). A referral, imaging or an injection for persistent pain is
    then not what the chart calls for (NICE NG59, ACR 2021: for symptoms that persist)."""
    return _settled_since(ctx, ctx.today - timedelta(days=ctx.t.resolved_score_days))


@predicate(
    "pain settled now, or since the last injection: the latest leg-pain score within {resolved_score_days} "
    "(or within {current_score_days} and {esi_window_end_days} or more after the injection), and every "
    "score of any site in the {resolved_score_days} before it, at most {resolved_pain_nrs}/10 (ODI at "
    "most {resolved_odi} where recorded)",
    "pain not recorded as settled",
)
def pain_settled(ctx: PathwayContext) -> Iterable[Fact]:
    """The pain has settled now (``pain_resolved``), or since an injection judged failed: read as
    ``_settled_since`` on the scores taken after the injection's outcome window
    (``esi_window_end_days``), the latest of them within ``current_score_days``, with nothing newer
    showing the pain back. The failure then no longer says where the patient stands: surgery, a
    stimulator or more injections are for pain that persists (NASS 2014, NICE NG59)."""
    now = pain_resolved.holds(ctx) or ()
    last = ctx.esis[-1].performed if ctx.esis else None
    if now or last is None:
        return now
    return _settled_since(ctx, last + timedelta(days=ctx.t.esi_window_end_days))


def _settled_since(ctx: PathwayContext, since: date) -> tuple[Fact, ...]:
    """The facts showing the pain settled (``pain_resolved``) by the latest leg or unsited score taken
    on or after ``since`` (a back score of 0 says nothing of the leg); none when it is not. That score
    is at most ``resolved_pain_nrs`` and no older than ``current_score_days``, and so is every score of
    the episode of any site (either leg, the back) from ``resolved_score_days`` before it on: pain
    settled is pain low for weeks, everywhere it was scored, not one good day on one side. No spine
    procedure (an injection, a block, an ablation, a stimulator trial) was done in those weeks: it was
    done because the patient hurt, and its local anaesthetic or trial stimulation is not settled pain.
    A score recorded as part of a procedure, or in the days after one (``esi_window_start_days``),
    says nothing of it."""
    scores = [
        o for o in ctx.episode_observations("pain")
        if o.effective is not None and not o.part_of and not _just_after_procedure(ctx, o)
    ]  # fmt: skip
    later = [o for o in scores if o.effective is not None and o.effective >= since]
    pain = failure.latest_score([o for o in later if not failure.is_back_score(o)])
    if pain is None or pain.effective is None or (pain.value or 0) > ctx.t.resolved_pain_nrs:
        return ()
    if (ctx.today - pain.effective).days > ctx.t.current_score_days:
        return ()
    weeks = pain.effective - timedelta(days=ctx.t.resolved_score_days)
    if any((o.value or 0) > ctx.t.resolved_pain_nrs for o in scores if o.effective and o.effective >= weeks):
        return ()
    if any(p.performed is not None and p.performed >= weeks for p, _ in ctx.sessions):
        return ()
    # the disability of that time: an ODI from the same weeks as the score
    odi = ctx.episode_latest("odi")
    if odi is None or odi.effective is None or odi.effective < weeks:
        return (ctx.obs_fact(pain),)
    if (odi.value or 0) > ctx.t.resolved_odi:
        return ()
    return (ctx.obs_fact(pain), ctx.obs_fact(odi))


def _just_after_procedure(ctx: PathwayContext, o: ObservationFact) -> bool:
    """A score taken in the days after a spine procedure (an injection, a block, an ablation, a
    stimulator trial), before ``esi_window_start_days``: the procedure's local anaesthetic or trial
    stimulation, not how the pain has settled. (A score of the procedure's own day may be the one
    taken before it: it is kept, and the procedure in those weeks keeps the pain from reading as
    settled.)"""
    when = o.effective
    if when is None:
        return False
    return any(
        p.performed is not None and 0 < (when - p.performed).days < ctx.t.esi_window_start_days
        for p, _ in ctx.sessions
    )


@predicate("a lumbar ESI in this episode", "no lumbar ESI in this episode")
def esi_done(ctx: PathwayContext) -> Iterable[Fact]:
    return tuple(ctx.proc_fact(p) for p in ctx.esis[-2:])


acute_symptoms: P = Predicate("symptoms under {conservative_care_days}", acute.is_acute)


@predicate(
    "pain ≥ {severe_pain_nrs}/10 and ODI ≥ {severe_odi} where recorded",
    "pain under {severe_pain_nrs}/10 or ODI under {severe_odi}, or neither recorded",
)
def severe(ctx: PathwayContext) -> Iterable[Fact]:
    if not acute.is_severe(ctx):
        return ()
    return tuple(ctx.obs_fact(o) for o in acute.severity_scores(ctx) if o is not None)


@predicate(
    "a muscle weaker than full strength but above MRC {weak_muscle_mrc} this episode, no fall",
    "no muscle between MRC {weak_muscle_mrc} and full strength this episode",
)
def measured_deficit(ctx: PathwayContext) -> Iterable[Fact]:
    """E2's deficit arm (``acute.stable_deficit``): a stable motor deficit is referred within 2 weeks
    as severe pain is."""
    return tuple(ctx.obs_fact(o) for o in acute.stable_deficit(ctx))


@predicate("referred to or seen by a spine specialist", "not yet referred to a spine specialist")
def referred(ctx: PathwayContext) -> bool:
    return ctx.referred


chronic_symptoms: P = Predicate("symptoms for {chronic_days} or more", persistent.is_chronic)


persistent_symptoms: P = Predicate("symptoms for {conservative_care_days} or more", persistent.is_persistent)


# ---------------------------------------------------------------------------------------------
# after an ESI
# ---------------------------------------------------------------------------------------------


@predicate("the last ESI's outcome is not yet due")
def last_esi_pending(ctx: PathwayContext) -> Iterable[Fact]:
    a = _last(ctx)
    return (ctx.proc_fact(a.procedure),) if a.outcome is Outcome.PENDING else ()


@predicate("{esi_max_sessions_per_year} ESI sessions within {esi_frequency_window_days}")
def esi_limit_reached(ctx: PathwayContext) -> Iterable[Fact]:
    if not esi_outcome.frequency_exceeded(ctx):
        return ()
    return tuple(ctx.proc_fact(p) for p in ctx.esis_in_frequency_window)


@predicate("an image-guided ESI on record", "no image-guided ESI on record")
def image_guided_esi(ctx: PathwayContext) -> Iterable[Fact]:
    return tuple(ctx.proc_fact(a.procedure) for a in ctx.image_guided_assessments[-1:])


@predicate("the last ESI helped")
def last_esi_helped(ctx: PathwayContext) -> Iterable[Fact]:
    a = _last(ctx)
    return (ctx.proc_fact(a.procedure),) if a.outcome in SUCCESS_OUTCOMES else ()


@predicate("the last ESI's outcome is not documented, within {outcome_recall_days}")
def last_esi_undocumented_recently(ctx: PathwayContext) -> Iterable[Fact]:
    """Asked in the post-surgical branch: an injection before the operation is not this pain's."""
    a = _last(ctx)
    age = ctx.days_since(a.procedure.performed)
    recent = age is not None and age <= ctx.t.outcome_recall_days
    after = post_surgical.given_after_surgery(ctx, a.procedure)
    return (ctx.proc_fact(a.procedure),) if a.outcome in UNDOCUMENTED_OUTCOMES and recent and after else ()


@predicate("a stimulator evaluation is the next step after the surgery")
def stimulator_evaluation_next(ctx: PathwayContext) -> bool:
    return post_surgical.stimulator_evaluation_next(ctx)


@predicate("the last ESI, given after the surgery, helped")
def esi_after_surgery_helped(ctx: PathwayContext) -> Iterable[Fact]:
    """An injection given after the lumbar operation (or, with no dated operation on record, in this
    episode) whose response is on record: the post-surgical pain is not refractory to it."""
    a = _last(ctx)
    if a.outcome not in SUCCESS_OUTCOMES or not post_surgical.given_after_surgery(ctx, a.procedure):
        return ()
    return (ctx.proc_fact(a.procedure),)


@predicate("the latest image-guided ESI helped")
def guided_esi_helped(ctx: PathwayContext) -> Iterable[Fact]:
    return _latest_guided_in(ctx, SUCCESS_OUTCOMES)


@predicate("the latest image-guided ESI's outcome is not yet due")
def guided_esi_pending(ctx: PathwayContext) -> Iterable[Fact]:
    return _latest_guided_in(ctx, (Outcome.PENDING,))


@predicate("the latest image-guided ESI's outcome is not documented")
def guided_esi_undocumented(ctx: PathwayContext) -> Iterable[Fact]:
    return _latest_guided_in(ctx, UNDOCUMENTED_OUTCOMES)


@predicate("one image-guided ESI, longer ago than outcomes are asked for")
def one_old_injection(ctx: PathwayContext) -> bool:
    a = _latest_guided(ctx)
    age = ctx.days_since(a.procedure.performed) if a else None
    return age is not None and age > ctx.t.outcome_recall_days and len(ctx.image_guided_assessments) == 1


@predicate("the latest image-guided ESI failed")
def guided_esi_failed(ctx: PathwayContext) -> Iterable[Fact]:
    return _latest_guided_in(ctx, FAILED_OUTCOMES)


@predicate("every injection missed the level on imaging")
def every_level_discordant(ctx: PathwayContext) -> Iterable[Fact]:
    discordant = ctx.esi_level_discordant()
    if not discordant or len(discordant) < len(ctx.image_guided_esis):
        return ()
    return tuple(ctx.proc_fact(p) for p in discordant)


@predicate("{esi_consecutive_failures} consecutive ESIs without benefit")
def repeated_without_benefit(ctx: PathwayContext) -> Iterable[Fact]:
    run = esi_outcome.consecutive_failures(ctx)
    return tuple(ctx.proc_fact(a.procedure) for a in run) if esi_outcome.repeated_without_benefit(ctx) else ()


esi_ordered: P = Predicate("another ESI is ordered", esi_outcome.pending_esi_orders)


@predicate("neurogenic claudication")
def neurogenic_claudication(ctx: PathwayContext) -> Iterable[Fact]:
    return _conditions(ctx, refractory.neurogenic_claudication(ctx))


@predicate("facet or sacroiliac joint pain")
def facet_or_si_pain(ctx: PathwayContext) -> Iterable[Fact]:
    return _conditions(ctx, refractory.facet_or_si_generators(ctx))


@predicate(
    "back or buttock pain scored above any leg pain score",
    "no score shows the back or buttock pain above the leg pain",
)
def axial_predominant(ctx: PathwayContext) -> Iterable[Fact]:
    """F5's axial-predominant pain, shown by the scores: never inferred from missing or unsited ones."""
    return tuple(ctx.obs_fact(o) for o in refractory.axial_predominant(ctx))


@predicate("lumbar imaging on record", "no lumbar imaging on record")
def imaging_on_record(ctx: PathwayContext) -> Iterable[Fact]:
    return refractory.imaging_on_record(ctx)


@predicate("an ablation with a card of its own", "no ablation card")
def ablation_speaks(ctx: PathwayContext) -> bool:
    return decided(ctx, ABLATION_STATES).card is not None


@predicate("a compressive lesion concordant with the symptoms", "no concordant compressive lesion")
def concordant_lesion(ctx: PathwayContext) -> Iterable[Fact] | bool:
    if not refractory.has_concordant_lesion(ctx):
        return False
    study = ctx.concordance.study
    return (Fact(ctx.concordance.detail or study.label, study.ref),) if study is not None else True


@predicate("a motor deficit", "no motor deficit")
def motor_deficit(ctx: PathwayContext) -> Iterable[Fact]:
    return _conditions(ctx, red_flags.motor_deficit_conditions(ctx))


chronic_neuropathic: P = Predicate(
    "symptoms for {scs_eligibility_days} or more with pain ≥ {chronic_neuropathic_nrs}/10",
    refractory.chronic_neuropathic,
)


no_surgical_target: P = Predicate("no surgical target", refractory.no_surgical_target)


@predicate(
    "the radicular diagnosis confirmed (a surgeon's no-target note, EMG/NCS or a diagnostic root block)",
    "the radicular diagnosis not confirmed",
)
def diagnosis_settled(ctx: PathwayContext) -> Iterable[Fact]:
    """SCS evaluation (F7) needs a settled diagnosis: discordant imaging alone is F4's re-evaluation."""
    return refractory.diagnosis_confirmations(ctx)


@predicate("a mimic on record, or imaging discordant or missing")
def diagnosis_uncertain(ctx: PathwayContext) -> Iterable[Fact] | bool:
    mimics = refractory.mimics(ctx)
    if mimics:
        return _conditions(ctx, mimics)
    return ctx.concordance.status in ("discordant", "no-imaging")


# ---------------------------------------------------------------------------------------------
# card builders that need the assessment a step was chosen on
# ---------------------------------------------------------------------------------------------


def p2_old_injection(ctx: PathwayContext) -> CardDraft:
    return persistent.p2_not_referred(ctx, ctx.image_guided_assessments[-1].procedure)


def p1_old_injection(ctx: PathwayContext) -> CardDraft:
    return persistent.p1_persistent(ctx, ctx.image_guided_assessments[-1].procedure)


def f2_discordant(ctx: PathwayContext) -> CardDraft:
    return esi_outcome.f2_inadequate_trial(ctx, ctx.esi_level_discordant())


def n3_losing(ctx: PathwayContext) -> CardDraft | None:
    effect = neuromodulation.losing_effect(ctx)
    return neuromodulation.n3_losing_effect(ctx, effect) if effect else None


def on(
    assessment: Callable[[PathwayContext], Assessment | None],
    build: Callable[[PathwayContext, Assessment], CardDraft],
) -> Callable[[PathwayContext], CardDraft | None]:
    """A card builder judged on one assessment (the last ESI, the latest trial or ablation)."""

    def built(ctx: PathwayContext) -> CardDraft | None:
        a = assessment(ctx)
        return build(ctx, a) if a else None

    built.__name__ = build.__name__
    return built


def a1_repeat(ctx: PathwayContext) -> CardDraft | None:
    pair = ablation.repeated_after_failure(ctx)
    return ablation.a1_failed_ablation(ctx, ctx.assess(pair[0], Modality.RFA)) if pair else None


nm, ab = neuromodulation, ablation

RED_FLAGS: Branch[PathwayContext] = Branch(
    "red flags",
    (),
    (
        Step(red_flags.R1, (cauda_equina_signs,), red_flags.r1_cauda_equina),
        Branch(
            "Inside the gate",
            (gate_open,),
            (
                Step(red_flags.R2, (motor_deficit_to_act_on,), red_flags.r2_motor_deficit),
                Step(red_flags.R3, (serious_pathology,), red_flags.r3_malignancy_infection_fracture),
            ),
        ),
    ),
)

DEVICE_STATES: Branch[PathwayContext] = Branch(
    "neuromodulation",
    (),
    (
        Step(nm.N3, (stimulator_losing_effect,), n3_losing),
        Branch(
            "A stimulator trial not followed by an implant",
            (stimulator_trial, ~implant_after_trial),
            (
                Step(nm.N1, (trial_helped,), on(_trial, nm.n1_trial_succeeded)),
                # a failed trial years ago says nothing once the pain has settled (after surgery, or
                # with time): "do not implant" and the next lines of treatment are for pain that is there
                Branch(
                    "The trial failed",
                    (trial_failed, ~pain_resolved),
                    (
                        Step(
                            nm.L1,
                            (no_target_for_device, stimulation_exhausted),
                            on(_trial, nm.l1_refractory_to_neuromodulation),
                        ),
                        Step(nm.N2, (), on(_trial, nm.n2_trial_failed)),
                    ),
                ),
                Step(nm.N1, (trial_to_record,), on(_trial, nm.n1_record_outcome)),
            ),
        ),
    ),
)

ABLATION_STATES: Branch[PathwayContext] = Branch(
    "ablation",
    (ablation_done,),
    (
        Step(ab.A1, (ablation_failed,), on(_ablation, ab.a1_failed_ablation)),
        Step(ab.A1, (ablation_repeated_after_failure,), a1_repeat),
        Step(ab.A2, (ablation_recurred,), on(_ablation, ab.a2_worked_then_recurred)),
        Step(ab.A1, (ablation_to_record,), on(_ablation, ab.a1_record_outcome)),
    ),
)

ps, eo, rf = post_surgical, esi_outcome, refractory
# F5 is axial-predominant pain with a compressive lesion excluded on imaging: leg-predominant pain, pain
# whose site no score shows (no scores, or scores naming no site: F4 re-evaluates), or no imaging (F4
# orders the MRI), is not "facet pain mistaken for radiculopathy". An ablation judged
# A1/A2 has its own card, and one that helped already proved the facet pathway: "block before any
# RFA" would contradict either.
F5_WHEN = (
    facet_or_si_pain,
    axial_predominant,
    imaging_on_record,
    ~ablation_speaks,
    ~ablation_helped,
    ~concordant_lesion,
    ~motor_deficit,
)
F0, F1, F2, F8 = (eo.F0, eo.F1, eo.F2, eo.F8)

# S3's conditions with a stimulator evaluation as its next step: where an injection after the
# operation is asked about first
STIMULATOR_NEXT = (
    fibrosis_without_target, long_enough_for_stimulation, ~pain_resolved, stimulator_evaluation_next
)

PATHWAY_STATES: Branch[PathwayContext] = Branch(
    "the radiculopathy pathway",
    (),
    (
        Branch(
            "Post-surgical branch",
            (after_lumbar_surgery,),
            (
                Step(ps.S0, (early_after_surgery,), ps.s0_early_after_surgery),
                # a recurrence, scar or new symptoms are treated for pain that is there: with the leg
                # pain recorded as gone, no contrast MRI, revision or stimulator is what the chart calls for
                Step(ps.S2, (recurrence_after_surgery, ~pain_resolved), ps.s2_recurrent_herniation),
                Step(ps.S4, (instability,), ps.s4_instability),
                # a stimulator evaluation waits for an injection given in the last weeks to be judged,
                # and is not where the pathway goes while an injection after the surgery helps
                Step(F0, (*STIMULATOR_NEXT, esi_done, last_esi_pending), on(_last, ps.f0_before_stimulation)),
                Step(
                    F0,
                    (*STIMULATOR_NEXT, esi_done, last_esi_undocumented_recently),
                    on(_last, ps.f0_unrecorded_before_stimulation),
                ),
                Step(
                    F1,
                    (*STIMULATOR_NEXT, esi_done, esi_after_surgery_helped),
                    on(_last, eo.f1_worked_then_recurred),
                ),
                Step(
                    ps.S3,
                    (fibrosis_without_target, long_enough_for_stimulation, ~pain_resolved),
                    ps.s3_fibrosis_no_target,
                ),
                Step(ps.S1, (symptoms_after_recovery, ~pain_resolved), ps.s1_new_symptoms_after_surgery),
            ),
        ),
        Branch(
            "Before any ESI",
            (~esi_done,),
            (
                Branch(
                    "Acute",
                    (acute_symptoms,),
                    (
                        Step(acute.E2, (severe, ~referred), acute.e2_acute_severe),
                        Step(acute.E2, (measured_deficit, ~referred), acute.e2_acute_severe),
                        Step(acute.E1, (~severe,), acute.e1_acute_tolerable),
                    ),
                ),
                Step(
                    persistent.P2, (chronic_symptoms, ~referred, ~pain_resolved), persistent.p2_not_referred
                ),
                Step(persistent.P1, (persistent_symptoms, ~pain_resolved), persistent.p1_persistent),
            ),
        ),
        Branch(
            "The last ESI is too recent to judge",
            (last_esi_pending,),
            (
                Step(F8, (esi_limit_reached,), eo.f8_repeated_without_benefit),
                Step(F0, (), on(_last, eo.f0_too_early)),
            ),
        ),
        Branch(
            "No image-guided ESI",
            (~image_guided_esi,),
            (
                Step(F1, (last_esi_helped,), on(_last, eo.f1_worked_then_recurred)),
                Step(F2, (~pain_settled,), eo.f2_inadequate_trial),
            ),
        ),
        # an injection that failed says nothing of a patient whose pain has since settled: no more
        # injections, surgery or stimulator for pain that is not there
        Step(F8, (esi_limit_reached, ~pain_settled), eo.f8_repeated_without_benefit),
        Step(F1, (guided_esi_helped,), on(_latest_guided, eo.f1_worked_then_recurred)),
        Step(F0, (guided_esi_pending,), on(_latest_guided, eo.f0_too_early)),
        Branch(
            "The image-guided ESI's outcome is not documented",
            (guided_esi_undocumented,),
            (
                Branch(
                    "History rather than a decision",
                    (one_old_injection,),
                    (
                        Step(persistent.P2, (chronic_symptoms, ~referred, ~pain_resolved), p2_old_injection),
                        Step(persistent.P1, (persistent_symptoms, ~pain_resolved), p1_old_injection),
                    ),
                ),
                Step(F0, (), on(_latest_guided, eo.f0_outcome_unrecorded)),
            ),
        ),
        Branch(
            "Refractory after a failed image-guided ESI",
            (guided_esi_failed, ~pain_settled),
            (
                Step(F2, (every_level_discordant,), f2_discordant),
                Step(ps.S4, (instability,), ps.s4_instability),
                Step(F8, (repeated_without_benefit, esi_ordered), eo.f8_repeated_without_benefit),
                Step(rf.F6, (neurogenic_claudication,), rf.f6_stenosis_claudication),
                Step(rf.F5, F5_WHEN, rf.f5_facet_or_si),
                Step(
                    rf.F7,
                    (chronic_neuropathic, no_surgical_target, diagnosis_settled),
                    rf.f7_no_target_chronic,
                ),
                Step(F8, (repeated_without_benefit,), eo.f8_repeated_without_benefit),
                Step(rf.F4, (diagnosis_uncertain,), rf.f4_uncertain_diagnosis),
                Step(rf.F3, (concordant_lesion,), rf.f3_concordant_lesion),
                Step(rf.F4, (), rf.f4_uncertain_diagnosis),
            ),
        ),
    ),
)


def pathway_card(ctx: PathwayContext) -> CardDraft | None:
    """The one E/P/F/S card for a gated patient without a red flag, with how it was reached."""
    return decided(ctx, PATHWAY_STATES).card


TREES: tuple[Branch[PathwayContext], ...] = (RED_FLAGS, PATHWAY_STATES, DEVICE_STATES, ABLATION_STATES)

PREDICATES: tuple[P, ...] = (
    cauda_equina_signs,
    gate_open,
    motor_deficit_to_act_on,
    serious_pathology,
    stimulator_losing_effect,
    stimulator_trial,
    implant_after_trial,
    trial_helped,
    trial_failed,
    no_target_for_device,
    stimulation_exhausted,
    trial_to_record,
    ablation_done,
    ablation_failed,
    ablation_repeated_after_failure,
    ablation_recurred,
    ablation_helped,
    ablation_to_record,
    after_lumbar_surgery,
    early_after_surgery,
    recurrence_after_surgery,
    instability,
    fibrosis_without_target,
    long_enough_for_stimulation,
    symptoms_after_recovery,
    esi_done,
    acute_symptoms,
    severe,
    measured_deficit,
    referred,
    chronic_symptoms,
    persistent_symptoms,
    pain_resolved,
    pain_settled,
    last_esi_pending,
    esi_limit_reached,
    image_guided_esi,
    last_esi_helped,
    esi_after_surgery_helped,
    last_esi_undocumented_recently,
    stimulator_evaluation_next,
    guided_esi_helped,
    guided_esi_pending,
    guided_esi_undocumented,
    one_old_injection,
    guided_esi_failed,
    every_level_discordant,
    repeated_without_benefit,
    esi_ordered,
    neurogenic_claudication,
    facet_or_si_pain,
    axial_predominant,
    imaging_on_record,
    ablation_speaks,
    concordant_lesion,
    motor_deficit,
    chronic_neuropathic,
    no_surgical_target,
    diagnosis_settled,
    diagnosis_uncertain,
)


def docs_section() -> str:
    """The trees as ``docs/pathway.md`` prints them (default thresholds)."""
    parts = []
    for tree in TREES:
        parts += [
            f"**{tree.name[:1].upper()}{tree.name[1:]}**"
            + (f" — when {'; '.join(p.label() for p in tree.when)}" if tree.when else ""),
            "",
        ]
        parts += [*describe(tree), ""]
    return "\n".join(parts).rstrip() + "\n"
