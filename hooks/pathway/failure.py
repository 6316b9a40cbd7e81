"""Treatment-failure inference (decision model §3): did a prior ESI, block, ablation or trial fail?

Classification, first match wins: explicit Procedure.outcome; too early → PENDING; numeric relief
from the baseline and the follow-up window of that modality; short-lived response; proxies (two →
PROBABLE_FAILED, one → POSSIBLE_FAILED, which only earns an info card asking to record the outcome).

Every number comes from ``Thresholds`` (site policy can change them without code changes), every
code question goes to a value set, and every result carries display lines (``facts``) that name
the resources they came from, e.g. ``Procedure/abc — transforaminal ESI L5-S1 on 2026-03-02;
pain 8 → 7 (12 %) at 4 weeks``, plus the data gaps a card should say out loud.

Public helpers for the rule authors: ``classify_modality``, ``assess_all``, ``is_image_guided``,
``is_diagnostic_injection``, ``non_response_run``, ``note_relief``, ``note_reliefs``,
``levels_concordant``, ``procedure_concordance``, ``describe_procedure``, ``pain_scores``,
``latest_score`` (the same whatever order the scores come in), ``tied_scores``, ``also_that_day``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum
from statistics import median

from hooks.cards import Fact, clip
from hooks.facts import (
    ConditionFact,
    MedicationFact,
    ObservationFact,
    PatientHistory,
    ProcedureFact,
    ReportFact,
)
from hooks.terminology import Coding, Terminology
from hooks.text import (
    ABLATION,
    BLOCK,
    CERVICAL_THORACIC,
    CT,
    DIAGNOSTIC_INJECTION,
    DRG,
    EPIDURAL_INJECTION,
    FACET_OR_SI,
    LUMBAR_SITE,
    MRI,
    NO_STEROID,
    NOT_AN_OPERATION_DONE,
    NOT_THE_PATIENTS_SPINE_OPERATION,
    NOTE_RELIEF,
    PERMANENT_IMPLANT,
    PULSED,
    RADIOGRAPH,
    SPINE_IMAGING,
    SPINE_OPERATION,
    STEROID_GIVEN,
    STIMULATION,
    TRANSFORAMINAL_FUSION,
    TRIAL,
    abbreviate,
    is_back_site,
    is_leg_site,
    levels_in,
    mentions,
    parse_laterality,
    segments,
)
from hooks.thresholds import Thresholds, span


class Modality(Enum):
    ESI = "esi"
    DIAGNOSTIC_BLOCK = "diagnostic_block"  # SNRB, medial branch block, SI joint block
    RFA = "rfa"  # facet/SI radiofrequency or cryo ablation
    SCS_TRIAL = "scs_trial"  # SCS or DRG stimulation trial


class Outcome(Enum):
    SUCCESS = "success"  # explicit 385669000 (durability still applied for ESI/RFA)
    RESPONDER = "responder"  # ≥ 50 % relief in the window (and durable where checked)
    RESPONDED_THEN_RECURRED = "responded_then_recurred"  # F1 / A2: sustained response, then recurrence
    # 30-49 % or Δ ≥ 2 points; or explicit 385670004; or an ESI response (≥ 50 % in the window) whose
    # relief was 30-49 % at the durability horizon: not sustained, so below the threshold to repeat
    PARTIAL = "partial"
    FAILED = "failed"  # < 30 % and Δ < 2; or explicit 385671000
    SHORT_LIVED = "short_lived"  # responder in the window, < 30 % by the durability horizon
    PENDING = "pending"  # too early to judge
    PROBABLE_FAILED = "probable_failed"  # two or more proxies
    POSSIBLE_FAILED = "possible_failed"  # one proxy: info card "record the outcome" only
    UNKNOWN = "unknown"  # no outcome, no usable scores, no proxies

    @property
    def counts_as_failure(self) -> bool:
        """Outcomes that enter the refractory (F) states for an image-guided ESI (§3.1)."""
        return self in (Outcome.FAILED, Outcome.SHORT_LIVED, Outcome.PARTIAL, Outcome.PROBABLE_FAILED)

    @property
    def is_non_response(self) -> bool:
        """Below the 50 % response threshold (F8 "consecutive non-responding ESIs")."""
        return self.counts_as_failure


@dataclass(frozen=True)
class Assessment:
    procedure: ProcedureFact
    modality: Modality
    outcome: Outcome
    # "explicit outcome" | "too early" | "pain scores" | "recorded relief" | "relief in note"
    # | "function" (ODI) | "short-lived" | "not sustained" | "proxies" | "no data" | "not completed"
    # | "outcome contradicted by scores" (``CONTRADICTED``)
    basis: str
    baseline: ObservationFact | None = None
    follow_up: tuple[ObservationFact, ...] = ()
    follow_up_median: float | None = None
    relief_pct: float | None = None
    delta: float | None = None
    durable: bool | None = None
    proxies: tuple[Fact, ...] = ()
    facts: tuple[Fact, ...] = ()  # display lines naming the resources, e.g. "pain 8 → 7 (12 %) at 4 weeks"
    gaps: tuple[str, ...] = ()  # e.g. "record the outcome (NRS/ODI) of the ESI on 2026-03-02"
    recurrence: tuple[Fact, ...] = ()  # evidence that pain came back after a durable response
    # a response that did not last (SHORT_LIVED, or an ESI's PARTIAL "not sustained"): the relief left
    # when it wore off, and when (days after the procedure)
    faded_pct: float | None = None
    faded_days: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """The procedure as a card names it: "transforaminal ESI L5-S1 on 2026-03-02"."""
        return self.facts[0].text.split(";")[0] if self.facts else self.procedure.ref


# ---------------------------------------------------------------------------------------------
# What kind of procedure is this?
# ---------------------------------------------------------------------------------------------


def _texts(p: ProcedureFact) -> list[str]:
    out = [p.text, p.reason_text or "", p.body_site_text or "", *p.notes]
    out += [c.display for c in (*p.codings, *p.reason, *p.used_codes) if c.display]
    return [t for t in out if t]


def is_diagnostic_injection(procedure: ProcedureFact, terminology: Terminology) -> bool:
    """A transforaminal injection done as a diagnostic selective nerve root block (§0), not an ESI.

    64483 bills both. It is diagnostic when the reason, notes or code text say so (diagnostic,
    SNRB, local anaesthetic only, the KX modifier), or when the substances used are local
    anaesthetic only. A corticosteroid among the used substances, or a steroid (or a therapeutic
    purpose) written as given, always makes it an ESI: "diagnostic and therapeutic transforaminal
    injection with triamcinolone" is an ESI.
    """
    used = procedure.used_codes
    if used and terminology.match("rx_systemic_corticosteroids", used) is not None:
        return False
    written = (procedure.text, procedure.reason_text, *procedure.notes)
    if mentions(NO_STEROID, *written):
        return True  # "lidocaine only; no steroid given": the words that settle it
    if mentions(STEROID_GIVEN, *written):
        return False
    if mentions(DIAGNOSTIC_INJECTION, procedure.text, procedure.reason_text, *procedure.notes):
        return True
    if mentions(DIAGNOSTIC_INJECTION, *(c.display for c in procedure.reason)):
        return True
    return (
        bool(used)
        and "local_anaesthetics" in terminology
        and (terminology.match("local_anaesthetics", used) is not None)
    )


def is_image_guided(procedure: ProcedureFact, terminology: Terminology) -> bool | None:
    """True for an image-guided lumbar ESI, False for a blind one (62322/62311), None when unknown."""
    if terminology.match("esi_without_image_guidance", procedure.codings) is not None:
        return False
    if terminology.match("esi_image_guided", procedure.codings) is not None:
        return True
    return None


def is_scs_trial(
    procedure: ProcedureFact, terminology: Terminology, history: PatientHistory | None = None
) -> bool:
    """A percutaneous SCS lead (63650) without a permanent-system code is a trial (§0).

    Permanent when the same Procedure carries a generator or paddle code, its text or notes say
    permanent/IPG, or (with ``history``) a permanent-system Procedure was done within a day of it.
    """
    if terminology.match("scs_percutaneous_lead", procedure.codings) is None:
        return False
    if terminology.match("scs_permanent_system", procedure.codings) is not None:
        return False
    if any(PERMANENT_IMPLANT.search(t) for t in _texts(procedure)):
        return False
    if history is not None and procedure.performed is not None:
        for other in history.procedures:
            if (
                other is not procedure
                and other.is_completed
                and other.performed is not None
                and abs((other.performed - procedure.performed).days) <= 1
                and terminology.match("scs_permanent_system", other.codings) is not None
            ):
                return False
    return True


def classify_modality(
    procedure: ProcedureFact, terminology: Terminology, history: PatientHistory | None = None
) -> Modality | None:
    """The §3 modality of a procedure, or None when §3 does not judge it.

    By code: lumbar ESI codes → ESI, except a transforaminal injection that is diagnostic
    (``is_diagnostic_injection``) → DIAGNOSTIC_BLOCK; medial branch and SI joint blocks →
    DIAGNOSTIC_BLOCK; facet/SI RFA → RFA; a percutaneous SCS lead without a permanent system →
    SCS_TRIAL. Cervical/thoracic epidurals, permanent implants, surgery → None. Only when no code
    is recognised does the text decide (SNOMED-less cryoablation, DRG trials, text-only ESIs).
    """
    t = terminology
    if t.match("esi_cervical_thoracic_exclude", procedure.codings) is not None:
        return None
    if t.match("esi_lumbar_all", procedure.codings) is not None:
        if t.match("esi_transforaminal_lumbar", procedure.codings) is not None and is_diagnostic_injection(
            procedure, t
        ):
            return Modality.DIAGNOSTIC_BLOCK
        return Modality.ESI
    if t.matches_any(("facet_medial_branch_block_lumbar", "si_joint_diagnostic_block"), procedure.codings):
        return Modality.DIAGNOSTIC_BLOCK
    if t.match("facet_rfa_or_si_rfa", procedure.codings) is not None:
        return Modality.RFA
    if t.match("spinal_cord_stimulation", procedure.codings) is not None:
        return Modality.SCS_TRIAL if is_scs_trial(procedure, t, history) else None
    # Any other recognised code (surgery, a permanent implant, imaging) settles it; only an
    # unrecognised code, or the unlisted-procedure code payers use for cryoneurolysis, leaves
    # the text to decide.
    known = [c for c in procedure.codings if t.is_known(c.system, c.code)]
    if any(t.match("pulsed_rf_and_other_neurolysis", [c]) is None for c in known):
        return None
    return _classify_by_text(procedure)


def _classify_by_text(procedure: ProcedureFact) -> Modality | None:
    text = " ".join(t for t in (procedure.text, *(c.display or "" for c in procedure.codings)) if t)
    if not text or CERVICAL_THORACIC.search(text):
        return None
    if STIMULATION.search(text):
        return Modality.SCS_TRIAL if TRIAL.search(text) and not PERMANENT_IMPLANT.search(text) else None
    if ABLATION.search(text) and FACET_OR_SI.search(text) and not PULSED.search(text):
        return Modality.RFA
    if BLOCK.search(text):
        return Modality.DIAGNOSTIC_BLOCK
    if EPIDURAL_INJECTION.search(TRANSFORAMINAL_FUSION.sub(" ", text)):
        return Modality.ESI
    return None


def names_operation(procedure: ProcedureFact, terminology: Terminology) -> bool:
    """Whether the Procedure's words name a spine operation (``SPINE_OPERATION``: a surgical
    history's "L4-5 microdiscectomy", an ICD-10-PCS display "Excision of Lumbar Vertebral Disc") and
    nothing that makes it something else (``NOT_AN_OPERATION_DONE``: planned, declined, an injection
    after one). As for text-only injections, the words decide only when no code of the Procedure is
    one the value sets know: a known code of something else settles it. Where it was done is asked
    separately (``PathwayContext.is_lumbar_surgery``)."""
    if any(terminology.is_known(c.system, c.code) for c in procedure.codings):
        return False
    words = " ".join([procedure.text, *(c.display or "" for c in procedure.codings)])
    return (
        bool(SPINE_OPERATION.search(words))
        and not NOT_AN_OPERATION_DONE.search(words)
        and not NOT_THE_PATIENTS_SPINE_OPERATION.search(words)
    )


def describe_procedure(procedure: ProcedureFact, modality: Modality, terminology: Terminology) -> str:
    """A short clinical label with side, level and date: "transforaminal ESI left L5-S1 on 2026-03-02"."""
    return f"{name_procedure(procedure, modality, terminology)} on {_when(procedure)}"


def dated_name(procedure: ProcedureFact, modality: Modality, terminology: Terminology) -> str:
    """The label as a card's short form says it, abbreviated: "TFESI left L5-S1 2026-03-02"."""
    return f"{abbreviate(name_procedure(procedure, modality, terminology))} {_when(procedure)}"


def _when(procedure: ProcedureFact) -> str:
    return procedure.performed_text or (procedure.performed.isoformat() if procedure.performed else "undated")


def name_procedure(procedure: ProcedureFact, modality: Modality, terminology: Terminology) -> str:
    """What was done, with side and level: "transforaminal ESI left L5-S1"."""
    t = terminology
    codings = procedure.codings
    if modality is Modality.ESI:
        if t.match("esi_transforaminal_lumbar", codings) is not None:
            name = "transforaminal ESI"
        elif t.match("esi_interlaminar_caudal_lumbar", codings) is not None:
            name = "interlaminar/caudal ESI"
        else:
            name = "ESI"
        if is_image_guided(procedure, t) is False:
            name += " without image guidance"
    elif modality is Modality.DIAGNOSTIC_BLOCK:
        if t.match("si_joint_diagnostic_block", codings) is not None:
            name = "SI joint block"
        elif t.match("facet_medial_branch_block_lumbar", codings) is not None:
            name = "medial branch block"
        elif t.match("esi_transforaminal_lumbar", codings) is not None:
            name = "diagnostic selective nerve root block"
        else:
            name = "diagnostic block"
    elif modality is Modality.RFA:
        if t.match("facet_rfa_lumbar", codings) is not None:
            name = "facet radiofrequency ablation"
        elif t.match("facet_rfa_or_si_rfa", codings) is not None:
            name = "SI joint radiofrequency ablation"
        else:
            name = procedure.text or "ablation"
    else:
        words = " ".join(
            [procedure.text, *procedure.notes, *procedure.focal_devices, *(c.display or "" for c in codings)]
        )
        name = "DRG stimulator trial" if DRG.search(words) else "SCS trial"
    where = " ".join(x for x in (procedure.laterality, procedure.level) if x)
    return f"{name}{' ' + where if where else ''}"


# ---------------------------------------------------------------------------------------------
# Pain scores, windows and numbers
# ---------------------------------------------------------------------------------------------


VOID_OBSERVATION_STATUSES = ("entered-in-error", "cancelled")
VOID_MEDICATION_STATUSES = ("entered-in-error", "cancelled", "not-taken")


def scores_of(history: PatientHistory, kind: str) -> list[ObservationFact]:
    """Every score of one kind with a value, not entered in error or cancelled, oldest first."""
    return [
        o for o in history.observations
        if o.kind == kind and o.value is not None and o.status not in VOID_OBSERVATION_STATUSES
    ]  # fmt: skip


def pain_scores(history: PatientHistory) -> tuple[ObservationFact, ...]:
    """Every 0-10 pain score with a value (0-100 VAS already scaled), oldest first."""
    return tuple(scores_of(history, "pain"))


# Where an imaging report's title says it is of another part of the body (and nothing lumbar).
OTHER_IMAGING_SITE = re.compile(
    r"\b(?:head|brain|skull|chest|thorax|lungs?|abdomen|abdominal|breasts?|cardiac|heart|neck|cervical|"
    r"thoracic|shoulders?|elbows?|wrists?|hands?|knees?|ankles?|hips?|femur|pelvis|pelvic|sinus\w*|"
    r"orbits?|facial)\b",
    re.IGNORECASE,
)


def is_lumbar_imaging_report(report: ReportFact, terminology: Terminology) -> bool:
    """A DiagnosticReport of lumbar imaging: coded with a lumbar imaging code, or an MRI, CT or
    radiograph (or any spine study) by its title — unless a code that does not name the region
    ("MRI of spine", "Myelogram") or an uncoded title names another part of the body and nothing
    lumbar: a knee MRI, a chest radiograph or a cervical spine MRI is not lumbar imaging."""
    member = terminology.match("imaging_lumbar_any", report.codings)
    if member is not None and LUMBAR_SITE.search(member.display or ""):
        return True
    title = "\n".join([report.text, *(c.display or "" for c in report.codings)])
    if OTHER_IMAGING_SITE.search(title) and not LUMBAR_SITE.search(title):
        return False
    return member is not None or bool(MRI.search(report.text) or SPINE_IMAGING.search(report.text))


# A myelogram named in words (CT myelography shows the roots; plain films do not).
MYELOGRAPHY = re.compile(r"myelogra", re.IGNORECASE)


def is_plain_radiograph(codings: Sequence[Coding], text: str, terminology: Terminology) -> bool:
    """A lumbar study that is plain films only: coded as lumbar imaging but not as MRI, CT or CT
    myelography (72100, 72110, 72114, 72120: "Radiologic examination, spine, lumbosacral"), or, with
    no such code, titled a radiograph or X-ray and not an MRI, CT or myelogram. Radiographs show
    alignment and degeneration, never a nerve root: they cannot confirm or exclude root compression
    (ACR 2021), though flexion-extension films still show instability."""
    if terminology.match("imaging_lumbar_advanced", codings) is not None:
        return False
    if terminology.match("imaging_mri_lumbar", codings) is not None:
        return False
    if MRI.search(text) or CT.search(text) or MYELOGRAPHY.search(text):
        return False
    if terminology.match("imaging_lumbar_any", codings) is not None:
        return True
    return bool(RADIOGRAPH.search(text))


def _in(d: date | None, start: date, end: date) -> bool:
    return d is not None and start <= d <= end


def _site_reads(o: ObservationFact, reads: Callable[[str | None], bool]) -> bool:
    """Whether a pain score's body site (words or coded) or its own name ``reads`` as a site."""
    return reads(o.body_site_text) or reads(o.text) or any(reads(c.display) for c in o.body_site)


def is_leg_score(o: ObservationFact) -> bool:
    """A pain score whose body site or own name is the leg (``text.is_leg_site``)."""
    return _site_reads(o, is_leg_site)


def is_back_score(o: ObservationFact) -> bool:
    """A pain score whose body site or own name is the back (``text.is_back_site``)."""
    return _site_reads(o, is_back_site)


# Where facet and SI-joint pain refers to: a score sited there alone is not leg pain for F5 (decision
# model F5: axial-predominant pain, not below the knee), and is read beside a back score too.
_BUTTOCK = re.compile(r"\b(?:buttocks?|gluteal)\b", re.IGNORECASE)


def _site_texts(o: ObservationFact) -> tuple[str, ...]:
    """What names a score's site: its body site (words and codes) and its own name."""
    return tuple(t for t in (o.body_site_text, *(c.display for c in o.body_site), o.text) if t)


def leg_below_buttock(o: ObservationFact) -> bool:
    """A pain score sited in the leg below the buttock (thigh, calf, foot, "leg")."""
    return any(is_leg_site(_BUTTOCK.sub(" ", t)) for t in _site_texts(o))


def buttock_score(o: ObservationFact) -> bool:
    """A score sited at the buttock and nowhere below it: where facet and SI-joint pain refer."""
    return any(_BUTTOCK.search(t) for t in _site_texts(o)) and not leg_below_buttock(o)


def prefer_leg(obs: Sequence[ObservationFact]) -> list[ObservationFact]:
    """Leg-pain scores when there are any (radicular pain), otherwise all of them."""
    leg = [o for o in obs if is_leg_score(o)]
    return leg or list(obs)


def latest_scores(obs: Sequence[ObservationFact]) -> list[ObservationFact]:
    """The scores that share the latest time, whatever order ``obs`` come in: those of the latest
    day, less any whose time of day puts them before another score of that day (a score without a
    time could have been taken at any hour of its day, so it stays). Several remain when two were
    taken at the same instant, or when the times do not tell; sorted by value, then reference."""
    dated = [o for o in obs if o.effective is not None]
    if not dated:
        return []
    last_day = max(o.effective for o in dated if o.effective is not None)
    day = [o for o in dated if o.effective == last_day]
    timed = [o.effective_at for o in day if o.effective_at is not None]
    if timed:
        last_at = max(timed)
        day = [o for o in day if o.effective_at is None or o.effective_at == last_at]
    return sorted(day, key=lambda o: (o.value or 0.0, o.ref))


def latest_score(obs: Sequence[ObservationFact], *, lowest: bool = False) -> ObservationFact | None:
    """The latest score (``latest_scores``), the same whatever order ``obs`` come in. Scores that
    share the latest time but disagree: the highest by default, the conservative reading wherever a
    score is checked against a severity threshold (pain now, a flare, acute severity, an ESI's
    result: it never calls a failure a response), and the pre-procedure one when a post-procedure
    score was recorded the same day without partOf; ``lowest`` for a baseline a treatment is judged
    against, where the higher score would make a response easier to reach. ``tied_scores`` says
    what else was recorded at that time."""
    last = latest_scores(obs)
    if not last:
        return None
    return last[0] if lowest else last[-1]


def tied_scores(chosen: ObservationFact, obs: Sequence[ObservationFact]) -> tuple[ObservationFact, ...]:
    """The other scores of ``obs`` recorded at the same time as ``chosen`` (same day, and same time of
    day when both give one) with another value: what a fact should say alongside the one it shows."""
    if chosen.effective is None:
        return ()
    return tuple(
        o for o in obs
        if o is not chosen and o.effective == chosen.effective and o.value is not None
        and o.value != chosen.value
        and (o.effective_at is None or chosen.effective_at is None or o.effective_at == chosen.effective_at)
    )  # fmt: skip


def also_that_day(chosen: ObservationFact, obs: Sequence[ObservationFact]) -> str:
    """What a fact adds when ``obs`` hold other values recorded at ``chosen``'s time: " (also 3/10
    that day)" (the scale of ``chosen``: "/10" for pain), else ""."""
    others = sorted({o.value for o in tied_scores(chosen, obs) if o.value is not None})
    if not others:
        return ""
    suffix = "/10" if chosen.kind == "pain" else ""
    return f" (also {', '.join(_fmt(v) + suffix for v in others)} that day)"


def _procedure_day(
    scores: Sequence[ObservationFact], procedure: ProcedureFact
) -> tuple[list[ObservationFact], list[ObservationFact]]:
    """The scores of ``procedure``'s own day: (those known to precede it, those whose order against
    it is unknown). Known means both carry the time of day; a score at or after its start is a
    result of it, in neither list."""
    before: list[ObservationFact] = []
    untimed: list[ObservationFact] = []
    start = procedure.performed_at
    for o in scores:
        if o.effective is None or o.effective != procedure.performed:
            continue
        if start is None or o.effective_at is None:
            untimed.append(o)
        elif o.effective_at < start:
            before.append(o)
    return before, untimed


def _not_after(scores: Iterable[ObservationFact], procedure: ProcedureFact) -> list[ObservationFact]:
    """``scores`` less those whose instant is at or after ``procedure``'s start: a result of it,
    whatever date it was written with (a recovery-room score in local time beside an injection in UTC
    carries the day before the injection's date)."""
    start = procedure.performed_at
    if start is None:
        return list(scores)
    return [o for o in scores if o.effective_at is None or o.effective_at < start]


def pain_before(
    scores: Sequence[ObservationFact], procedure: ProcedureFact, *, lowest: bool = False
) -> ObservationFact | None:
    """The pain score ``procedure`` began from, of ``scores`` dated up to its day: never one taken as
    part of it; leg-pain scores when there are any. The last score taken before it that day when
    the times of day tell; otherwise the higher of the last score before its day and that day's
    own (dates alone do not order a day's scores, and the relief measured just after it is often
    recorded that day).

    Scores that share that last time but disagree (two on one earlier day, or two at the same
    instant) do not say which came last: the higher by default, the conservative start for a flare
    after the procedure (R3: pain worse than it began from); ``lowest`` for the baseline a
    treatment's relief is measured from (§3), where the higher one would make a response easier to
    reach. Either way the choice does not depend on the order the scores come in."""
    day = procedure.performed
    scores = prefer_leg([o for o in _not_after(scores, procedure) if procedure.ref not in o.part_of])
    timed_before, untimed = _procedure_day(scores, procedure)
    if timed_before:
        return latest_score(timed_before, lowest=lowest)
    earlier = latest_score(
        [o for o in scores if o.effective is not None and day is not None and o.effective < day],
        lowest=lowest,
    )
    return max(
        [*untimed, *([earlier] if earlier else [])], key=lambda o: (o.value or 0.0, o.ref), default=None
    )


def like_baseline(obs: Sequence[ObservationFact], baseline: ObservationFact | None) -> list[ObservationFact]:
    """Follow-up scores of the same site as the baseline, oldest first.

    A leg-pain baseline takes leg-pain follow-ups, else those that name no site; a back-pain
    baseline takes those that are not leg-specific (the buttock, where facet and SI-joint pain
    refer, is read beside the back, unless the leg below it was scored too). A leg score is never
    read against a back score or the other way round: relief (or a flare) measured from one site
    to the other is no measurement, and none is returned when nothing else was scored. A baseline
    that names no site prefers follow-ups that name none, then leg-pain ones (radicular pain is the
    leg's), and a back-pain score only when there is nothing else; with no baseline, leg-pain
    scores when there are any, else all.
    """
    if baseline is None:
        chosen = prefer_leg(obs)
    elif is_leg_score(baseline):
        chosen = [o for o in obs if is_leg_score(o)] or [o for o in obs if not is_back_score(o)]
    elif is_back_score(baseline):
        # the buttock beside the back, unless the leg below it was scored too: then the leg's pain is
        # the outcome, and it cannot be read against a back baseline
        buttock = not any(leg_below_buttock(o) for o in obs)
        chosen = [o for o in obs if not is_leg_score(o) or (buttock and buttock_score(o))]
    else:
        chosen = [o for o in obs if not is_leg_score(o) and not is_back_score(o)] or prefer_leg(obs)
    return sorted(chosen, key=lambda o: (o.effective or date.min, o.ref))


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def _pct(v: float) -> str:
    return f"{round(v)} %"


def _weeks(days: int) -> str:
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{round(days / 7)} weeks"


@dataclass(frozen=True)
class _Window:
    start: int  # days after t0
    end: int
    responder_pct: float
    binary: bool  # blocks and trials: positive or negative, no "partial" tier


def _window(procedure: ProcedureFact, modality: Modality, th: Thresholds, term: Terminology) -> _Window:
    if modality is Modality.ESI:
        return _Window(th.esi_window_start_days, th.esi_window_end_days, th.responder_relief_pct, False)
    if modality is Modality.RFA:
        return _Window(th.rfa_window_start_days, th.rfa_window_end_days, th.responder_relief_pct, False)
    if modality is Modality.SCS_TRIAL:
        return _Window(0, th.scs_trial_window_end_days, th.scs_trial_success_pct, True)
    if term.match("si_joint_diagnostic_block", procedure.codings) is not None:
        pct = th.sij_block_positive_relief_pct
    elif term.match("facet_medial_branch_block_lumbar", procedure.codings) is not None:
        pct = th.mbb_positive_relief_pct
    else:
        pct = th.responder_relief_pct
    return _Window(0, th.block_window_end_days, pct, True)


def _relief(baseline: float, follow: float) -> tuple[float, float]:
    delta = baseline - follow
    return delta / baseline * 100.0, delta


def _scores_between(
    scores: Iterable[ObservationFact], t0: date, start_days: int, end_days: int
) -> list[ObservationFact]:
    lo, hi = t0 + timedelta(days=start_days), t0 + timedelta(days=end_days)
    return [o for o in scores if _in(o.effective, lo, hi)]


def _median(obs: Sequence[ObservationFact]) -> float | None:
    values = [o.value for o in obs if o.value is not None]
    return float(median(values)) if values else None


# ---------------------------------------------------------------------------------------------
# assess
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Case:
    """One dated, completed procedure under judgement, and what judging it reads."""

    procedure: ProcedureFact
    modality: Modality
    history: PatientHistory
    today: date
    th: Thresholds
    term: Terminology
    label: str
    t0: date
    win: _Window

    @property
    def ref(self) -> str:
        return self.procedure.ref

    def lead(self, result: str, short: str) -> Fact:
        """The assessment's first line: the procedure and its result, in full and in a few words."""
        name = dated_name(self.procedure, self.modality, self.term)
        return Fact(f"{self.label}; {result}", self.ref, short=f"{name}: {short}")


@dataclass(frozen=True)
class _Scores:
    """The pain scores that belong to one procedure."""

    own: list[ObservationFact]  # every score except those that belong to the next procedure of its kind
    baseline: ObservationFact | None
    follow: list[ObservationFact]  # the follow-up window's scores (and those linked by partOf)
    # other values recorded at the baseline's time, as its fact says them: " (also 9/10 that day)"
    baseline_also: str = ""
    # the window's scores of another site than the baseline's (``like_baseline``): not compared
    other_site: tuple[ObservationFact, ...] = ()


def assess(
    procedure: ProcedureFact,
    modality: Modality,
    history: PatientHistory,
    today: date,
    thresholds: Thresholds,
    terminology: Terminology,
) -> Assessment:
    """Classify the result of one procedure as decision model §3.1 says; first match wins.

    1. Explicit ``Procedure.outcome`` (value sets procedure_outcome_unsuccessful/partial/
       successful). An explicit success of an ESI or RFA still goes through the durability
       check: relief < 30 % at the durability horizon → SHORT_LIVED; a durable response with
       later recurrence → RESPONDED_THEN_RECURRED (F1/A2), never a failure.
    2. Too early: ``today − t0`` before the window opens → PENDING (for blocks and trials, whose
       window opens on the day, while the window is still open and nothing is recorded).
    3. Numbers: baseline = latest pain score in [t0 − 30 d, t0] (leg pain preferred), follow-up
       = median of the scores in the modality's window; relief ≥ threshold → RESPONDER; ≥ 30 %
       or Δ ≥ 2 points → PARTIAL (ESI/RFA only; blocks and trials are positive or negative);
       else FAILED. Blocks and trials also accept a recorded "% relief" in the window. Without
       either, a "% relief" written in the procedure's own note (``_by_note_relief``): the result
       of a block or trial; for an ESI or ablation a response at the threshold (then 4.); for an
       ESI, relief below it in the response window → FAILED (< 30 %, "no relief") or PARTIAL
       (30-49 %, "less than 50 %"); an ablation's below the threshold stays a proxy.
    4. Durability (ESI: 60-120 d; RFA: the 3- and 6-month horizons) → SHORT_LIVED; an ESI still
       30-49 % at 60-120 d → PARTIAL ("not sustained"); or durable with recurrence →
       RESPONDED_THEN_RECURRED. Relief that still held on the first scored days of the durability
       window lasted to it: a later score with the pain back, inside the window too, is a recurrence.
    5. Proxies (ESI, RFA, SCS trial) when neither outcome nor usable scores: two or more →
       PROBABLE_FAILED, one → POSSIBLE_FAILED, none → UNKNOWN; each with the gap line
       "record the outcome (NRS/ODI) of the <procedure>".
    """
    label = describe_procedure(procedure, modality, terminology)
    t0 = procedure.performed
    if any(o.effective is not None and o.effective > today for o in history.observations):
        # a score dated after today is no result yet (a data-entry slip or a clock set wrong): it is
        # read neither as relief nor as pain back, as ``PathwayContext.observations`` leaves it out too
        kept = tuple(o for o in history.observations if o.effective is None or o.effective <= today)
        history = replace(history, observations=kept)
    if procedure.status not in (None, "completed") or t0 is None:
        return _not_judgeable(
            procedure, modality, label, name_procedure(procedure, modality, terminology), terminology
        )
    case = _Case(
        procedure, modality, history, today, thresholds, terminology, label, t0,
        _window(procedure, modality, thresholds, terminology),
    )  # fmt: skip
    scores = _own_scores(case)
    for step in _STEPS:
        result = step(case, scores)
        if result is not None:
            return result
    return _by_proxies(case, scores)


def _not_judgeable(
    procedure: ProcedureFact, modality: Modality, label: str, name: str, terminology: Terminology
) -> Assessment:
    """Not completed, or no date: nothing to judge, except an undated procedure whose outcome is
    recorded as unsuccessful or partial (§3.1 rule 1 reads the explicit outcome first; no date is
    needed to know it did not work). An explicit success still needs its date for the durability
    check, and stays unjudged."""
    if procedure.status not in (None, "completed"):
        return Assessment(
            procedure, modality, Outcome.UNKNOWN, "not completed",
            facts=(Fact(f"{label}; status {procedure.status}", procedure.ref,
                        short=f"{name}: status {procedure.status}"),),
        )  # fmt: skip
    gaps = (f"record the date of the {name}",)
    explicit = _explicit_outcome(procedure, terminology)
    if explicit in (Outcome.FAILED, Outcome.PARTIAL):
        recorded = _recorded_outcome(procedure, explicit)
        return Assessment(
            procedure, modality, explicit, "explicit outcome",
            facts=(Fact(f"{name}, no procedure date recorded; outcome recorded as {recorded}", procedure.ref,
                        short=f"{name} (no date): outcome {recorded}"),),
            gaps=gaps,
        )  # fmt: skip
    return Assessment(
        procedure, modality, Outcome.UNKNOWN, "no data",
        facts=(Fact(f"{name}, no procedure date recorded", procedure.ref, short=f"{name}: no date"),),
        gaps=gaps,
    )  # fmt: skip


def _until_next(case: _Case, scores: Iterable[ObservationFact]) -> list[ObservationFact]:
    """``scores`` that can belong to the procedure: scores after the next procedure of the same kind
    belong to that one (a second ESI's relief must not make the first look durable, or failed). The
    day of the next one still counts (its pre-procedure score shows where the first left off), and
    a score recorded as part of this procedure always does."""
    ref = case.ref
    cutoff = next_same_modality(case.procedure, case.modality, case.history, case.term)
    return [
        o for o in scores
        if cutoff is None or o.effective is None or o.effective <= cutoff or ref in o.part_of
    ]  # fmt: skip


def _look_back(case: _Case, scores: Iterable[ObservationFact]) -> list[ObservationFact]:
    """``scores`` in the baseline look-back [t0 − 30 d, t0] not taken as part of the procedure."""
    since = case.t0 - timedelta(days=case.th.baseline_lookback_days)
    return [o for o in scores if case.ref not in o.part_of and _in(o.effective, since, case.t0)]


def _own_scores(case: _Case) -> _Scores:
    """Baseline and follow-up pain scores of the procedure."""
    ref, t0, win = case.ref, case.t0, case.win
    all_scores = pain_scores(case.history)
    # a score linked to the procedure is its result, but not one taken before the window opens (an
    # ESI's or ablation's first days are the local anaesthetic's, §3.1), nor one after it closes: that
    # one says whether the response lasted (the durability check reads it), not what the response was
    opens, closes = t0 + timedelta(days=win.start), t0 + timedelta(days=win.end)
    linked = [
        o for o in all_scores
        if ref in o.part_of
        and (win.start <= 0 or o.effective is None or opens <= o.effective <= closes)
    ]  # fmt: skip
    scores = _until_next(case, all_scores)
    # Baseline: the latest score in the look-back not taken as part of this procedure.
    baseline, not_results = _baseline(case, _look_back(case, scores))
    in_window = _scores_between(scores, t0, win.start, win.end)
    if case.modality is Modality.SCS_TRIAL:
        linked, in_window = _during_trial(case, linked), _during_trial(case, in_window)
    candidates = [
        o for o in {id(o): o for o in [*in_window, *linked]}.values()
        if o is not baseline and (ref in o.part_of or all(o is not x for x in not_results))
    ]  # fmt: skip
    follow = like_baseline(candidates, baseline)
    other_site = tuple(o for o in candidates if all(o is not f for f in follow))
    also = _baseline_also(case, baseline, _look_back(case, scores))
    return _Scores(scores, baseline, follow, also, other_site)


def _during_trial(case: _Case, scores: Iterable[ObservationFact]) -> list[ObservationFact]:
    """The scores that can show what a stimulator trial did: taken after the day the leads went in
    (that day's are the procedure's and its local anaesthetic's, even when recorded as part of it)
    and, when the record gives the trial's end (performedPeriod.end, or its leads' removal recorded on
    its own: ``_leads_removed``), no later than that day (relief
    once the leads are out is not the stimulation's, NACC 2014). A score without a date, linked to
    the trial, stays: it is the trial's result as recorded."""
    ends = case.procedure.performed_end or _leads_removed(case)
    return [
        o for o in scores
        if o.effective is None or (o.effective > case.t0 and (ends is None or o.effective <= ends))
    ]  # fmt: skip


def _leads_removed(case: _Case) -> date | None:
    """The day the trial's leads were taken out, when a removal is recorded on its own (a completed
    ``scs_lead_removal`` procedure within the trial's window): the trial's end."""
    last = case.t0 + timedelta(days=case.win.end)
    days = [
        p.performed for p in case.history.procedures
        if p.is_completed and p.performed is not None and case.t0 < p.performed <= last
        and "scs_lead_removal" in case.term and case.term.match("scs_lead_removal", p.codings) is not None
    ]  # fmt: skip
    return min(days, default=None)


def _baseline_also(case: _Case, baseline: ObservationFact | None, before: Sequence[ObservationFact]) -> str:
    """What else was recorded at the time of a baseline taken before the procedure's day, when the
    scores of that time disagree (``also_that_day``): the card shows that the baseline was one of
    them. Scores of the procedure's own day are left out: the relief measured just after it is often
    recorded that day."""
    if baseline is None or baseline.effective is None or baseline.effective >= case.t0:
        return ""
    return also_that_day(baseline, like_baseline(before, baseline))


def _baseline(
    case: _Case, before: Sequence[ObservationFact]
) -> tuple[ObservationFact | None, Sequence[ObservationFact]]:
    """The baseline among ``before`` (the look-back's scores, the procedure's day included), and the
    scores of the procedure's day that are no result of it.

    ESI and RFA windows open weeks later: the baseline is ``pain_before``. A block's result is read
    on its day, and a day's scores without times carry no order: with an earlier baseline, one such
    score is the result, and of two or more the highest was taken before the block (a lone score
    that high is a block that did not help). A trial's result is read at its end, never on the day
    the leads went in. Scores whose times put them before the procedure are never a result. Scores
    that share the baseline's time but disagree: the lowest (``latest_score``), so that a response is
    never read from the higher of two conflicting baselines.
    """
    p = case.procedure
    before = _not_after(before, p)
    if case.modality is Modality.SCS_TRIAL:
        return pain_before(before, p, lowest=True), [o for o in before if o.effective == case.t0]
    if case.win.start > 0:
        return pain_before(before, p, lowest=True), ()
    timed_before, untimed = _procedure_day(prefer_leg(before), p)
    if timed_before:
        return latest_score(timed_before, lowest=True), timed_before
    earlier = latest_score(
        prefer_leg([o for o in before if o.effective is not None and o.effective < case.t0]), lowest=True
    )
    if earlier is not None and len(untimed) < 2:
        return earlier, ()
    taken_before = max(untimed, key=lambda o: (o.value or 0.0, o.ref), default=None)
    if taken_before is None:
        return earlier, ()
    if earlier is not None and (earlier.value or 0.0) > (taken_before.value or 0.0):
        return earlier, (taken_before,)
    return taken_before, (taken_before,)


def _durability_of(
    case: _Case,
    s: _Scores,
    base_outcome: Outcome,
    basis: str,
    lead: Fact,
    recorded: Sequence[Fact] = (),
    **numbers: float,
) -> Assessment:
    return _durability(
        case.procedure, case.modality, case.history, s.own, case.today, case.th, case.term, case.label,
        s.baseline, s.follow, base_outcome=base_outcome, basis=basis, lead=lead, recorded=recorded,
        baseline_also=s.baseline_also, **numbers,
    )  # fmt: skip


_EXPLICIT_OUTCOMES = (
    ("procedure_outcome_unsuccessful", Outcome.FAILED),
    ("procedure_outcome_partial", Outcome.PARTIAL),
    ("procedure_outcome_successful", Outcome.SUCCESS),
)


# ``Procedure.outcome`` sent as words only ({"text": "Unsuccessful"}), as the coded outcomes' names say
# them: the whole text is the outcome and nothing else ("Unsuccessful.", "No relief"). Anything more
# ("Failed - patient did not attend", "No relief, too early to judge", "Unsuccessful - needle could not
# be placed") may say something else, and is left to the scores.
_OUTCOME_WORDS = (
    (
        re.compile(
            r"^\W*(?:unsuccessful|not\s+successful|failed|ineffective|no\s+(?:relief|benefit|improvement))"
            r"\W*$",
            re.IGNORECASE,
        ),
        Outcome.FAILED,
    ),
    (
        re.compile(r"^\W*partial(?:ly\s+successful|\s+(?:relief|response))?\W*$", re.IGNORECASE),
        Outcome.PARTIAL,
    ),
    (re.compile(r"^\W*successful\W*$", re.IGNORECASE), Outcome.SUCCESS),
)


# A trailing "at 4-week follow-up", "(6 weeks)", "at the 3 month review": when the outcome was judged.
_JUDGED_WHEN = re.compile(
    r"[\s,;:-]*\(?\s*(?:(?:at|after|on|by)\s+(?:the\s+)?)?(?P<n>\d+)[\s-]*(?P<unit>weeks?|wks?|months?|days?)"
    r"(?:[\s-]*(?:follow[\s-]*up|f/u|review|visit|post[\s-]*(?:procedure|injection|op)))?\s*\)?\W*$",
    re.IGNORECASE,
)
# "Trial unsuccessful – 20% relief", "Failed (30 % relief)", "No relief: 10% improvement".
_FAILED_WITH_RELIEF = re.compile(
    r"^\W*(?:(?:trial|injection|procedure|block)\s+)?(?:unsuccessful|not\s+successful|failed|ineffective|"
    r"no\s+(?:significant\s+)?(?:relief|benefit|improvement))\W+(?:with\s+)?(?:only\s+)?"
    r"(?P<pct>\d{1,2}(?:\.\d+)?)\s*%\s*(?:pain\s+)?(?:relief|improvement|reduction)?\W*"
    # a further clause that says nothing of the result ("patient declines implant")
    r"(?:[,;.]\s*(?P<rest>[^\d%]*))?$",
    re.IGNORECASE,
)
_RESULT_WORDS = re.compile(r"relie|success|improv|better|benefit|respon|effective|help|worse", re.IGNORECASE)
# An undated procedure's outcome judged sooner than this is left to its scores (a steroid takes up to
# two weeks); a dated one is judged from its own window.
_TOO_SOON_TO_JUDGE_DAYS = 14
# Below this, a relief percentage is a failure for every modality (ESI, RFA and SCS trial 50 %).
_LOWEST_RESPONDER_PCT = 50.0


def _explicit_outcome(
    procedure: ProcedureFact, terminology: Terminology, judged_from_days: int = _TOO_SOON_TO_JUDGE_DAYS
) -> Outcome | None:
    """``Procedure.outcome`` coded as unsuccessful, partial or successful, else None. An outcome sent
    as words only (no coding) is read when the words are the outcome and nothing else
    (``_OUTCOME_WORDS``): "Unsuccessful", "No relief", "Partially successful", "Successful", with
    when it was judged ("No relief at 4-week follow-up"); a failure beside a relief under 50 % is one
    ("Trial unsuccessful – 20% relief"). Other words ("Less than 50% relief", "80% relief for 1
    day", "Failed - did not attend") are left to the scores: how much and how long decide, and the
    words may be about something else."""
    codes = procedure.outcome
    if codes:
        return next((o for vs, o in _EXPLICIT_OUTCOMES if terminology.match(vs, codes) is not None), None)
    words = outcome_words(procedure)
    if words is None:
        return None
    # when it was judged ("at 4-week follow-up") does not change what was judged, unless it was before
    # the treatment's window opens (``judged_from_days``): that is left to the scores
    when = _JUDGED_WHEN.search(words)
    if when is not None:
        unit = when.group("unit").lower()
        days = int(when.group("n")) * (30 if unit.startswith("m") else 7 if unit.startswith("w") else 1)
        if days < judged_from_days:
            return None
        words = words[: when.start()]
    # a failure with the relief it gave, below every responder threshold: the two agree
    low = _FAILED_WITH_RELIEF.match(words)
    if (
        low is not None
        and float(low.group("pct")) < _LOWEST_RESPONDER_PCT
        and not _RESULT_WORDS.search(low.group("rest") or "")
    ):
        return Outcome.FAILED
    if re.search(r"\d", words):
        return None
    return next((o for pattern, o in _OUTCOME_WORDS if pattern.search(words)), None)


def outcome_words(procedure: ProcedureFact) -> str | None:
    """``Procedure.outcome`` when it was sent as words only, with no coding."""
    return procedure.outcome_text if procedure.outcome_text and not procedure.outcome else None


def _recorded_outcome(procedure: ProcedureFact, explicit: Outcome) -> str:
    """The outcome as the record words it, read as words ("unsuccessful"), not as a heading."""
    recorded = procedure.outcome_text or explicit.value.replace("_", " ")
    if recorded[:1].isupper() and not recorded[1:2].isupper():
        recorded = recorded[0].lower() + recorded[1:]
    return recorded


def _by_explicit_outcome(case: _Case, s: _Scores) -> Assessment | None:
    """1. ``Procedure.outcome`` coded as unsuccessful, partial or successful."""
    explicit = _explicit_outcome(case.procedure, case.term, case.win.start)
    if explicit is None:
        return None
    if (case.today - case.t0).days < case.win.start:
        # coded before the window opens (an injection "unsuccessful" or "successful" 4 days on, when a
        # steroid takes up to two weeks): what the procedure did, not what it gave; ``_too_early``
        # says so with the outcome named
        return None
    ends = case.procedure.performed_end
    if explicit is Outcome.SUCCESS and case.modality is Modality.SCS_TRIAL and ends and ends > case.today:
        return None  # a trial still running succeeds only at its end (``_too_early`` says it is pending)
    recorded = _recorded_outcome(case.procedure, explicit)
    lead = case.lead(f"outcome recorded as {recorded}", f"outcome: {recorded}")
    if explicit is Outcome.SUCCESS and case.modality in (Modality.ESI, Modality.RFA):
        return _durability_of(case, s, Outcome.SUCCESS, "explicit outcome", lead)
    if explicit is Outcome.SUCCESS and case.modality is Modality.SCS_TRIAL:
        contradicted = _trial_scores_contradict(case, s, recorded)
        if contradicted is not None:
            return contradicted
    return Assessment(case.procedure, case.modality, explicit, "explicit outcome", facts=(lead,))


# An assessment's reason when the coded outcome and the pain scores disagree.
CONTRADICTED = "outcome contradicted by scores"


def _trial_scores_contradict(case: _Case, s: _Scores, recorded: str) -> Assessment | None:
    """A stimulator trial coded successful whose own pain scores (baseline before it, median during
    it) show less relief than a success needs: the record disagrees with itself, and a permanent
    implant rests on the relief (NACC 2014; NICE TA159). Unknown, with both named, until the relief
    is confirmed; None when the scores agree or cannot be read."""
    baseline, during = s.baseline, _median(s.follow)
    if baseline is None or baseline.value is None or not baseline.value or during is None:
        return None
    relief, _ = _relief(baseline.value, during)
    if relief >= case.win.responder_pct:
        return None
    said = (
        f"outcome recorded as {recorded}, but pain {_fmt(baseline.value)} → {_fmt(during)} during it "
        f"({_pct(max(relief, 0.0))} relief, < {_pct(case.win.responder_pct)})"
    )
    return Assessment(
        case.procedure, case.modality, Outcome.UNKNOWN, CONTRADICTED,
        baseline=baseline, follow_up=tuple(s.follow), follow_up_median=during,
        facts=(case.lead(said, f"recorded {recorded}, scores show {_pct(max(relief, 0.0))} relief"),
               *_score_facts(baseline, s.follow, case.t0, s.baseline_also)),
        gaps=(f"confirm the relief at the end of the {case.label}: the recorded outcome and the pain scores "
              "disagree",),
    )  # fmt: skip


def _too_early(case: _Case, s: _Scores) -> Assessment | None:
    """2. Before the window opens (or, for same-day windows, still open with nothing recorded)."""
    t0, win = case.t0, case.win
    days_since = (case.today - t0).days
    ends = case.procedure.performed_end
    if case.modality is Modality.SCS_TRIAL and ends is not None and ends > case.today:
        # a trial is judged at its end (§3.1): relief on its second day is no result yet
        return Assessment(
            case.procedure, case.modality, Outcome.PENDING, "too early",
            baseline=s.baseline,
            facts=(case.lead(f"trial running until {ends}", f"running until {ends}"),),
            gaps=(f"record pain (NRS) and % relief at the end of the {case.label} ({ends.isoformat()})",),
        )  # fmt: skip
    still_open = (
        win.start == 0
        and days_since <= win.end
        and not s.follow
        and not _relief_obs(case.history, case.procedure, t0, win)
        and note_relief(case.procedure) is None
    )
    if days_since >= win.start and not still_open:
        return None
    window_open_text = (
        f"assess between {(t0 + timedelta(days=win.start)).isoformat()} and "
        f"{(t0 + timedelta(days=win.end)).isoformat()}"
    )
    coded = _explicit_outcome(case.procedure, case.term, win.start)
    recorded = f"outcome recorded as {_recorded_outcome(case.procedure, coded)}, " if coded else ""
    return Assessment(
        case.procedure, case.modality, Outcome.PENDING, "too early",
        baseline=s.baseline,
        facts=(case.lead(
            f"{days_since} day{'s' if days_since != 1 else ''} ago, {recorded}too early to judge "
            f"({window_open_text})",
            # a window open from the day itself (a block, a trial) is judged by its end, not "from" a
            # day already past
            f"too early to judge (record relief by {(t0 + timedelta(days=win.end)).isoformat()})"
            if still_open
            else f"{recorded}too early to judge (assess from {(t0 + timedelta(days=win.start)).isoformat()})",
        ),),
        gaps=(f"record pain (NRS) and function (ODI) after the {case.label} ({window_open_text})",),
    )  # fmt: skip


def _numeric_outcome(case: _Case, relief: float, delta: float) -> Outcome:
    if relief >= case.win.responder_pct:
        return Outcome.RESPONDER
    th = case.th
    if not case.win.binary and (relief >= th.partial_relief_pct or delta >= th.partial_delta_points):
        return Outcome.PARTIAL
    return Outcome.FAILED


def _by_pain_scores(case: _Case, s: _Scores) -> Assessment | None:
    """3. Relief from the baseline to the median of the window's scores (4. durability for responders).

    An ESI whose pain relief falls short is judged by function too (``_function_change``): the
    Medicare ESI LCDs accept "≥ 50 % sustained improvement or 50 % functional gain", so an ODI
    halved in the window is a response (``_functional_response``), and an ODI better by its minimal
    important change (10 points or 30 %, Ostelo 2008) makes a failure by pain a partial response."""
    baseline, fmedian = s.baseline, _median(s.follow)
    if baseline is None or baseline.value is None or fmedian is None or not baseline.value > 0:
        return None
    relief, delta = _relief(baseline.value, fmedian)
    numeric = _numeric_outcome(case, relief, delta)
    span = _span(s.follow, case.t0)
    when = "on the day" if span == _weeks(0) else f"at {span}"
    result = f"pain {_fmt(baseline.value)} → {_fmt(fmedian)} ({_pct(relief)}) {when}"
    function = None
    if case.modality is Modality.ESI and numeric in (Outcome.FAILED, Outcome.PARTIAL):
        function = _function_change(case, case.win.start, case.win.end, linked=True)
    if function is not None and function.gain_pct >= case.win.responder_pct:
        return _functional_response(case, s, function, pain=result)
    function_facts: tuple[Fact, ...] = ()
    if function is not None and function.important(case.th):
        numeric = Outcome.PARTIAL
        result = f"{result}; {function.text(case.t0)}"
        function_facts = function.facts(case.t0)
    lead = case.lead(result, result)
    if numeric is Outcome.RESPONDER and case.modality in (Modality.ESI, Modality.RFA):
        return _durability_of(
            case, s, Outcome.RESPONDER, "pain scores", lead, relief=relief, delta=delta, fmedian=fmedian
        )
    return Assessment(
        case.procedure, case.modality, numeric, "pain scores",
        baseline=baseline, follow_up=tuple(s.follow), follow_up_median=fmedian,
        relief_pct=relief, delta=delta,
        facts=(lead, *_score_facts(baseline, s.follow, case.t0, s.baseline_also), *function_facts),
    )  # fmt: skip


@dataclass(frozen=True)
class _Function:
    """The Oswestry Disability Index (0-100, lower is better) before a procedure and in a window
    after it."""

    baseline: ObservationFact
    follow: tuple[ObservationFact, ...]
    median: float
    gain_points: float
    gain_pct: float

    def important(self, th: Thresholds) -> bool:
        """Better by at least the minimal important change (Ostelo 2008: 10 points or 30 %)."""
        return self.gain_points >= th.odi_mcid_points or self.gain_pct >= th.odi_mcid_pct

    def text(self, t0: date) -> str:
        change = "better" if self.gain_points >= 0 else "worse"
        return (
            f"ODI {_fmt(self.baseline.value or 0.0)} → {_fmt(self.median)} "
            f"({_pct(abs(self.gain_pct))} {change}) at {_span(self.follow, t0)}"
        )

    def facts(self, t0: date) -> tuple[Fact, ...]:
        b = self.baseline
        out = [Fact(f"baseline ODI {_fmt(b.value or 0.0)} on {_on(b)}", b.ref)]
        out += [
            Fact(f"ODI {_fmt(o.value)} on {_on(o)} ({_weeks((o.effective - t0).days)} after)", o.ref)
            for o in self.follow
            if o.value is not None and o.effective is not None
        ]
        return tuple(out)


def _function_change(case: _Case, start_days: int, end_days: int, *, linked: bool) -> _Function | None:
    """The ODI change from the latest ODI in the look-back before the procedure to the median of
    those ``start_days``-``end_days`` after it (``linked``: and those recorded as part of it). ODIs
    after the next procedure of the same kind belong to that one. None without both. Two ODIs on
    the baseline's day that disagree: the lower (``latest_score``), so that a functional response
    is never read from the higher of two conflicting baselines."""
    t0, ref = case.t0, case.ref
    odis = _until_next(case, scores_of(case.history, "odi"))
    baseline = latest_score(_look_back(case, odis), lowest=True)
    if baseline is None or not baseline.value:
        return None
    follow = tuple(
        o for o in odis
        if o is not baseline
        and ((linked and ref in o.part_of) or _in(o.effective, t0 + timedelta(days=start_days),
                                                   t0 + timedelta(days=end_days)))
    )  # fmt: skip
    fmedian = _median(follow)
    if fmedian is None:
        return None
    gain = baseline.value - fmedian
    return _Function(baseline, follow, fmedian, gain, gain / baseline.value * 100.0)


def _functional_response(case: _Case, s: _Scores, function: _Function, *, pain: str | None) -> Assessment:
    """An ESI that halved the ODI in its window: a response by function (Medicare ESI LCDs: "50 %
    functional gain"), whatever the pain scores say. Durability is read from the ODI too: a gain
    below 30 % at 60-120 days is a short-lived response, one still ≥ 50 % is sustained. The pain
    relief is not carried as the response's relief: it is not what made it one."""
    th, t0 = case.th, case.t0
    result = function.text(t0) if pain is None else f"{pain}; {function.text(t0)}"
    lead = case.lead(result, result)
    verdict: list[Fact] = []
    outcome, durable = Outcome.RESPONDER, None
    late = _function_change(case, th.esi_durability_start_days, th.esi_durability_end_days, linked=False)
    if late is not None:
        at = _span(late.follow, t0)
        if late.gain_pct < th.short_lived_relief_pct:
            outcome, durable = Outcome.SHORT_LIVED, False
            verdict.append(
                Fact(f"function gain fell to {_pct(late.gain_pct)} at {at} (short-lived response)", case.ref)
            )
        else:
            durable = late.gain_pct >= th.responder_relief_pct
            state = "sustained" if durable else "below " + _pct(th.responder_relief_pct)
            verdict.append(Fact(f"function gain {_pct(late.gain_pct)} at {at} ({state})", case.ref))
    return Assessment(
        case.procedure, case.modality, outcome, "function",
        baseline=s.baseline, follow_up=tuple(s.follow), follow_up_median=_median(s.follow),
        durable=durable,
        facts=(lead, *verdict, *_score_facts(s.baseline, s.follow, t0, s.baseline_also), *function.facts(t0)),
    )  # fmt: skip


def _by_function(case: _Case, s: _Scores) -> Assessment | None:
    """3b. An ESI without pain scores to judge it, whose ODI halved in its window: a response by
    function. Less than that is left to the proxies (an ODI that did not improve is one)."""
    if case.modality is not Modality.ESI:
        return None
    function = _function_change(case, case.win.start, case.win.end, linked=True)
    if function is None or function.gain_pct < case.win.responder_pct:
        return None
    return _functional_response(case, s, function, pain=None)


def _by_recorded_relief(case: _Case, s: _Scores) -> Assessment | None:
    """A recorded "% relief" in the window (or linked to the procedure) when no pain scores judge
    it. For a block or trial it is the diary result itself. For an ESI or ablation, relief at the
    response threshold is a recorded success (then the durability check); less is one sign of
    failure among the proxies (§3.1.5), not a number to divide."""
    reliefs = _relief_obs(case.history, case.procedure, case.t0, case.win)
    rmedian = _median(reliefs)
    if rmedian is None or (not case.win.binary and rmedian < case.win.responder_pct):
        return None
    numeric = Outcome.RESPONDER if rmedian >= case.win.responder_pct else Outcome.FAILED
    lead = case.lead(
        f"{_pct(rmedian)} relief recorded (threshold {_pct(case.win.responder_pct)})",
        f"{_pct(rmedian)} relief (threshold {_pct(case.win.responder_pct)})",
    )
    recorded = tuple(
        Fact(f"{_pct(o.value or 0)} relief on {o.effective_text or 'undated'}", o.ref) for o in reliefs
    )
    if numeric is Outcome.RESPONDER and case.modality in (Modality.ESI, Modality.RFA):
        return _durability_of(case, s, Outcome.RESPONDER, "recorded relief", lead, recorded, relief=rmedian)
    return Assessment(
        case.procedure, case.modality, numeric, "recorded relief",
        follow_up=tuple(reliefs), relief_pct=rmedian, facts=(lead, *recorded),
    )  # fmt: skip


# Words a few words before a note's "% relief" that make the number an upper bound, or deny it was
# reached: "less than 50 % relief", "relief < 50 %", "did not get 50 % relief", "denies 50 % relief".
_NOTE_RELIEF_BELOW = re.compile(
    r"(?:\b(?:not|never|without|denie[sd]|didn'?t|failed\s+to|unable\s+to|less\s+than|fewer\s+than|"
    r"lower\s+than|under|below|short\s+of)\b|<|≤|&lt;)(?:\s*\S+){0,3}?\s*$"
    r"|\bno\s*(?:[≥>]|&gt;|at\s+least|over|more\s+than)?\s*$",
    re.IGNORECASE,
)
# A range before the number read ("40-60 % relief"): its lower bound is what the note vouches for.
_RANGE_BEFORE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*%?\s*(?:-|–|to)\s*$")
# Where the words that qualify a note's number end: a clause or sentence break.
_NOTE_PART_BREAK = re.compile(r"[.;,:!?\n](?:\s|$)|\b(?:but|however|then|and)\b", re.IGNORECASE)
# A note about the first minutes or hours after an epidural or an ablation: the local anaesthetic,
# not the result §3.1 judges weeks later ("immediate 80 % relief in recovery").
_IMMEDIATE_RELIEF = re.compile(
    r"\bimmediate|\bin recovery\b|post-?procedur|\bon the table\b|\bsame day\b|\bintra-?procedur|"
    r"anaesthetic phase|anesthetic phase",
    re.IGNORECASE,
)


# A note that denies any relief without a number: "no relief from the injection", "no pain relief",
# "without any relief", "did not get any relief", "denies any relief"; or calls it too small to count,
# which the source documents count as failure ("minimal, short-lived, or non-existent" relief): "no
# significant relief", "minimal relief", "very little relief", "not much relief". Relief "of"
# numbness or tingling is not pain relief.
_NO_RELIEF = re.compile(
    r"\b(?:(?:no|not\s+any|without(?:\s+any)?|zero|denie[sd](?:\s+any)?|"
    r"did\s*n[o']?t\s+(?:get|have|experience|obtain|receive|report|notice|feel)(?:\s+any)?)\s+"
    r"(?:(?P<much>significant|meaningful|real|appreciable|substantial|noticeable|lasting|much)\s+)?"
    r"|(?P<little>minimal|negligible|slight|very\s+little|not\s+much)\s+)"
    r"(?:(?:leg|back|buttock|radicular)\s+)?(?:pain\s+)?relief\b"
    r"(?!\s+(?:of|in|for)\s+(?:the\s+)?(?:numbness|tingling|paraesthesia|paresthesia|weakness))",
    re.IGNORECASE,
)


def _denied(m: re.Match[str]) -> str:
    """The relief a ``_NO_RELIEF`` match records, in a few words: "no relief", "no significant
    relief", "minimal relief"."""
    if m.group("little"):
        return f"{' '.join(m.group('little').lower().split())} relief"
    return f"no {m.group('much').lower()} relief" if m.group("much") else "no relief"


# Where a note's sentence ends (a decimal point is no end).
_SENTENCE_BREAK = re.compile(r"[;!?\n]|\.(?:\s|$)")
# When a note says the relief was read, in days after the procedure: "at 4 weeks", "after 3 weeks",
# "at her 4 week follow-up", "4-week review", "2 weeks post-injection", "3 months later".
_COUNT = r"(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = r"(hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?)"
_NOTE_TIME = re.compile(
    rf"\b(?:at|after|by)\s+(?:(?:the|her|his|their|about|around|approximately|approx\.?|~)\s*)*"
    rf"{_COUNT}\s*-?\s*{_UNIT}\b"
    rf"|\b{_COUNT}\s*-?\s*{_UNIT}\b\s*"
    r"(?:later|after|post\w*|out\b|follow[- ]?up|f/?u\b|review|visit|check|since)",
    re.IGNORECASE,
)
# A unit by its first letter: its name, and its days (hours count as the procedure's own day).
_TIME_UNITS = {"h": ("hour", 0), "d": ("day", 1), "w": ("week", 7), "m": ("month", 30)}
_COUNT_WORDS = {
    w: n
    for n, w in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"), 1
    )
}
# The first hours or days after an epidural or an ablation, or relief that lasted only hours: the
# local anaesthetic, or too soon to judge ("immediate 80 % relief in recovery", "relief for 6 hours",
# "no relief yet", "initially no relief").
_EARLY_RELIEF = re.compile(
    r"\bnext\s+day\b|\bfollowing\s+day\b|\bovernight\b|\btomorrow\b|\byet\b|\binitial(?:ly)?\b|"
    r"\bat\s+first\b|\bfirst\s+(?:few\s+)?(?:\d+\s*)?(?:hours?|days?)\b|"
    rf"\b(?:for|lasting|lasted|over)\s+(?:about\s+|around\s+|only\s+)?{_COUNT}\s*-?\s*(?:hours?|hrs?|h)\b",
    re.IGNORECASE,
)
# A relief that belongs to another treatment than the procedure the note is on: an earlier
# injection, physiotherapy, medicines ("previous ESI gave 80 % relief", "no relief from PT").
_OTHER_TREATMENT = re.compile(
    r"\b(?:previous(?:ly)?|prior|earlier|last\s+(?:injection|esi|epidural|procedure|block|time|one)|"
    r"history|pre-?(?:procedure|injection|op(?:erative)?)|"
    r"before\s+(?:the\s+|this\s+)?(?:injection|procedure|esi|epidural|block)|"
    r"physio\w*|physical\s+therapy|exercises?|nsaids?|ibuprofen|naproxen|medications?|meds|analgesi\w*|"
    r"gabapentin\w*|pregabalin|opioids?|tramadol|conservative|chiropract\w*|massage|acupuncture|"
    r"oral\s+steroids?|prednisone)\b",
    re.IGNORECASE,
)
_PHYSIOTHERAPY = re.compile(r"\bPT\b")  # "no relief with PT" (not "Pt", the patient)
# A relief only warned of, hoped for or planned for, not one the patient had: consent text ("risks
# include bleeding, infection and no relief"), expectations, plans ("if no relief, refer").
_NOT_HAD = re.compile(
    r"\b(?:risks?|benefits?|alternatives|consent\w*|discussed|counsell?ed|expect\w*|hop(?:e|es|ed|ing)|"
    r"goals?|aim|may|might|could|would|should|possible|possibly|potential\w*|chance|likel\w*|if|unless)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NoteRelief:
    """A "% relief" written in a note on the procedure itself (``text.NOTE_RELIEF``), or relief the
    note denies in words ("no relief from the injection": ``phrase``)."""

    pct: float
    below: bool  # an upper bound or a denial: "less than 50 % relief", "did not get 50 % relief"
    note: str  # the note it was read from
    phrase: str | None = None  # relief denied without a number ("no relief"): pct 0
    days: int | None = None  # when the note says the relief was read, days after the procedure
    when: str | None = None  # that time as the note says it: "4 weeks", "3 months"
    early: bool = False  # the first hours or days: "immediate", "in recovery", "for 6 hours", "yet"
    # not this procedure's result: another treatment's ("previous ESI gave 80 % relief", "no relief
    # from PT"), or a relief only warned of or hoped for ("risks include no relief")
    not_a_result: bool = False
    # the pain its clause names: "leg" ("leg pain relief 20 %"), "back" ("back pain relief 70 %"), or
    # None (neither, or both)
    site: str | None = None

    def under(self, threshold: float) -> bool | None:
        """Whether the relief was below ``threshold``; None when the note cannot tell ("less than 80 %
        relief" against a 50 % threshold)."""
        if self.below:
            return True if self.pct <= threshold else None
        return self.pct < threshold

    @property
    def text(self) -> str:
        if self.phrase is not None:
            return self.phrase
        pain = f"{self.site} pain " if self.site else ""
        return f"{'less than ' if self.below else ''}{_pct(self.pct)} {pain}relief"

    @property
    def dated_text(self) -> str:
        """``text`` with when the note says it was read: "10 % relief at 4 weeks"."""
        return self.text if self.when is None else f"{self.text} at {self.when}"


def _bounds(text: str, start: int, end: int, breaks: re.Pattern[str]) -> tuple[int, int]:
    """The part of ``text`` around ``start``-``end`` between two ``breaks``."""
    lo = max((b.end() for b in breaks.finditer(text, 0, start)), default=0)
    hi = next((b.start() for b in breaks.finditer(text, end)), len(text))
    return lo, hi


def _stated_time(text: str, at: int) -> tuple[int, str] | None:
    """When ``text`` says a relief was read (the time nearest ``at``): days after the procedure, and
    the time in the note's own unit ("3 months", "4 weeks")."""
    found: list[tuple[int, int, str]] = []
    for m in _NOTE_TIME.finditer(text):
        count, unit = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
        n = int(count) if count.isdigit() else _COUNT_WORDS[count.lower()]
        name, per = _TIME_UNITS[unit[0].lower()]
        found.append((abs(m.start() - at), n * per, f"{n} {name}{'s' if n != 1 else ''}"))
    if not found:
        return None
    _, days, words = min(found)
    return days, words


def _reading(
    note: str, pct: float, below: bool, start: int, end: int, phrase: str | None = None
) -> NoteRelief:
    """One relief the note records at ``start``-``end``, with when it says it was read: a time in its
    own clause, else words of the first hours in that clause, else a time in its sentence, else words
    of the first hours anywhere in the note (a note about the recovery room is about the anaesthetic)."""
    s_lo, s_hi = _bounds(note, start, end, _SENTENCE_BREAK)
    c_lo, c_hi = _bounds(note, start, end, _NOTE_PART_BREAK)
    clause, sentence = note[max(c_lo, s_lo) : min(c_hi, s_hi)], note[s_lo:s_hi]
    stated = _stated_time(clause, start - max(c_lo, s_lo))
    early = False
    if stated is None:
        if _IMMEDIATE_RELIEF.search(clause) or _EARLY_RELIEF.search(clause):
            early = True
        else:
            stated = _stated_time(sentence, start - s_lo)
            early = stated is None and bool(_IMMEDIATE_RELIEF.search(note) or _EARLY_RELIEF.search(sentence))
    days, when = stated if stated is not None else (None, None)
    if days == 0:
        early = True
    other = any(x.search(sentence) for x in (_OTHER_TREATMENT, _PHYSIOTHERAPY, _NOT_HAD))
    # the pain a relief is of: its part of the sentence up to a comma or a semicolon ("Leg and back
    # pain relief 60 %" is both; "back 80 %, leg 20 %" gives each its own)
    p_lo, p_hi = _bounds(note, start, end, _SITE_BREAK)
    part = note[max(p_lo, s_lo) : min(p_hi, s_hi)]
    leg, back = bool(_LEG_RELIEF.search(part)), bool(_BACK_RELIEF.search(part))
    site = "leg" if leg and not back else "back" if back and not leg else None
    return NoteRelief(pct, below, note, phrase, days, when, early, other, site)


# The pain a note's relief is of, in its own clause ("leg pain relief 20 %", "back pain relief 70 %").
_LEG_RELIEF = re.compile(r"\b(?:legs?|radicular|sciatic\w*|foot|feet|calf|thigh)\b", re.IGNORECASE)
# "back" the body part, not the pain coming back ("pain back to baseline", "came back")
_BACK_RELIEF = re.compile(
    r"(?<!came )(?<!come )(?<!comes )(?<!coming )(?<!is )(?<!was )(?<!pain )\bback\b"
    r"(?!\s+(?:to|at|up|again|on|in|down)\b)|\baxial\b",
    re.IGNORECASE,
)
_SITE_BREAK = re.compile(r"[.;,:!?\n](?:\s|$)|\b(?:but|however)\b", re.IGNORECASE)


def _target_site(case: _Case) -> str:
    """The pain a procedure treats, whose relief judges it: the leg for an epidural injection, a
    nerve root block or a stimulator trial for radicular pain; the back for a facet or SI joint
    block or ablation."""
    if case.modality is Modality.RFA:
        return "back"
    if case.modality is Modality.DIAGNOSTIC_BLOCK and case.term.matches_any(
        ("facet_medial_branch_block_lumbar", "si_joint_diagnostic_block"), case.procedure.codings
    ):
        return "back"
    return "leg"


def of_site(readings: Sequence[NoteRelief], site: str) -> list[NoteRelief]:
    """The reliefs of the pain ``site`` when a note gives them apart ("back pain relief 70 %; leg pain
    relief 20 %": for the leg, the 20 %); otherwise those that name no site. Relief of the other pain
    alone ("back pain 80 % better" after a stimulator trial for leg pain) judges nothing."""
    own = [r for r in readings if r.site == site]
    return own or [r for r in readings if r.site is None]


def note_reliefs(procedure: ProcedureFact) -> tuple[NoteRelief, ...]:
    """Every relief the notes on the procedure record, in the order written: each "% relief" as
    ``note_relief`` reads it, and each relief denied in words ("no relief from the injection", read
    as 0 %), with when the note says it was read (``days``, ``early``) and whether its sentence makes
    it no result of this procedure (``not_a_result``)."""
    out: list[NoteRelief] = []
    for note in procedure.notes:
        found: list[tuple[int, NoteRelief]] = []
        for m in NOTE_RELIEF.finditer(note):
            group = 1 if m.group(1) is not None else 2
            pct = float(m.group(group))
            if pct > 100:
                continue
            start = m.start(group)
            before = note[:start]
            low = _RANGE_BEFORE.search(before)
            if low is not None:
                pct, start = float(low.group(1)), low.start(1)
                before = note[:start]
            cut = max((b.end() for b in _NOTE_PART_BREAK.finditer(before)), default=0)
            below = _NOTE_RELIEF_BELOW.search(before[cut:]) is not None
            found.append((start, _reading(note, pct, below, start, m.end())))
        for m in _NO_RELIEF.finditer(note):
            found.append((m.start(), _reading(note, 0.0, False, m.start(), m.end(), phrase=_denied(m))))
        out += [r for _, r in sorted(found, key=lambda x: x[0])]
    return tuple(out)


def note_relief(procedure: ProcedureFact, site: str | None = None) -> NoteRelief | None:
    """The first "% relief" written in a note on the procedure ("60% relief", "reported 70 % pain
    relief during the trial", "relief 65%", "80% relief for 6 hours"), or None. A number above 100 is
    no percentage of relief. Words just before the number that bound or deny it, in its own part of
    the sentence ("less than 50 % relief", "relief < 50 %", "did not get 50 % relief"), make it an
    upper bound (``below``), never a relief reached. Without a number, the first relief a note denies
    in words about this procedure ("no relief during the anaesthetic phase", "minimal relief"): 0 %."""
    readings = note_reliefs(procedure) if site is None else tuple(of_site(note_reliefs(procedure), site))
    return next((r for r in readings if r.phrase is None), None) or next(
        (r for r in readings if r.phrase is not None and not r.not_a_result), None
    )


def _trial_end_relief(procedure: ProcedureFact, site: str) -> NoteRelief | None:
    """The relief a stimulator trial's notes give at its end (§3.1: a trial is judged at its end; a
    permanent implant rests on it): of several reliefs written ("70 % relief on day 1, 20 % by day
    7"), the one the note dates latest, else the last written; relief denied in words when no number
    is written (``note_relief``)."""
    readings = [
        r for r in of_site(note_reliefs(procedure), site) if r.phrase is None and not r.not_a_result
    ]
    if not readings:
        return note_relief(procedure, site)
    dated = [r for r in readings if r.days is not None]
    return max(dated, key=lambda r: r.days or 0) if dated else readings[-1]


def _counts_in_window(case: _Case, r: NoteRelief) -> bool:
    """Whether a note's relief can judge an ESI's or ablation's response: about this procedure, not the
    first hours after it (the local anaesthetic), nor read before its window opens; one below the
    threshold must also not be dated after the window closes (then it is only a sign of failure
    among the proxies). A relief the note does not date counts: the window has opened by now."""
    if r.not_a_result or r.early:
        return False
    if r.days is None:
        return True
    if r.days < case.win.start:
        return False
    return r.days <= case.win.end or r.under(case.win.responder_pct) is False


def _by_note_relief(case: _Case, s: _Scores) -> Assessment | None:
    """A "% relief" written in the procedure's own note (``note_reliefs``) when no pain scores and no
    recorded "% relief" judged it (decision model §0: read a trial's outcome from its notes; §2: read
    Procedure.note). For a block or trial it is the diary result: at or above the threshold →
    RESPONDER, below it → FAILED. For an ESI or ablation (``_note_response``), relief at the response
    threshold is a response, then the durability check as for a recorded relief; relief below it is
    one sign of failure among the proxies (decision model §3.1.5), as a recorded "% relief" is. Relief a
    note dates to the first hours after an ESI or ablation ("immediate", "in recovery") is the local
    anaesthetic, not a response. The lead line says where the number came from."""
    if not case.win.binary:
        return _note_response(case, s)
    found = (
        _trial_end_relief(case.procedure, _target_site(case))
        if case.modality is Modality.SCS_TRIAL
        else note_relief(case.procedure, _target_site(case))
    )
    if found is None:
        return None
    threshold = case.win.responder_pct
    under = found.under(threshold)
    if under is None:
        return None
    lead = case.lead(
        f"note on the procedure records {found.text} (threshold {_pct(threshold)})",
        f"{found.text} in its note (threshold {_pct(threshold)})",
    )
    return Assessment(
        case.procedure, case.modality, Outcome.FAILED if under else Outcome.RESPONDER, "relief in note",
        baseline=s.baseline, relief_pct=None if found.below else found.pct, facts=(lead,),
    )  # fmt: skip


def _note_lead(case: _Case, r: NoteRelief) -> Fact:
    threshold = _pct(case.win.responder_pct)
    return case.lead(
        f"note on the procedure records {r.dated_text} (threshold {threshold})",
        f"{r.dated_text} in its note (threshold {threshold})",
    )


def _note_response(case: _Case, s: _Scores) -> Assessment | None:
    """An ESI's or ablation's relief from its notes (``_counts_in_window``): the first at the response
    threshold is a response (then the durability check); reliefs below it are left to the proxies.
    Notes that put the relief on both sides of the threshold, or only bound it above the threshold
    ("less than 80 %"), judge nothing."""
    threshold = case.win.responder_pct
    site = _target_site(case)
    readings = [r for r in of_site(note_reliefs(case.procedure), site) if _counts_in_window(case, r)]
    reached = [r for r in readings if r.under(threshold) is False]
    below = [r for r in readings if r.under(threshold) is True]
    if reached and below:
        return None
    if reached:
        r = reached[0]
        return _durability_of(case, s, Outcome.RESPONDER, "relief in note", _note_lead(case, r), relief=r.pct)
    # relief below the threshold stays one sign of failure among the proxies (§3.1.5): alone it is
    # POSSIBLE, whose card asks for the NRS and ODI rather than calling the injection failed
    return None


def _score_gaps(case: _Case, s: _Scores) -> tuple[str, ...]:
    gaps: list[str] = []
    if s.baseline is None:
        gaps.append(f"no pain score in the {case.th.baseline_lookback_days} days before the {case.label}")
    if not s.follow and s.baseline is not None and s.other_site:
        gaps.append(
            f"pain scored {_window_text(case.win)} after the {case.label} names another site than the "
            f"score before it ({_site_word(s.baseline)} before, {_site_word(s.other_site[0])} after): "
            "score the same site before and after"
        )
    elif not s.follow:
        gaps.append(f"no pain score {_window_text(case.win)} after the {case.label}")
    return tuple(gaps)


def score_site(o: ObservationFact) -> str | None:
    """A pain score's site as a card names it ("leg pain", "back pain", "back and leg pain"), or None
    when it names none."""
    leg, back = is_leg_score(o), is_back_score(o)
    if leg and back:
        return "back and leg pain"
    return "leg pain" if leg else "back pain" if back else None


def _site_word(o: ObservationFact) -> str:
    return score_site(o) or "pain with no site"


def _block_without_relief(case: _Case, s: _Scores) -> Assessment | None:
    """A diagnostic block without its relief recorded: unknown (blocks have no proxies)."""
    if case.modality is not Modality.DIAGNOSTIC_BLOCK:
        return None
    return Assessment(
        case.procedure, case.modality, Outcome.UNKNOWN, "no data",
        baseline=s.baseline, follow_up=tuple(s.follow),
        facts=(case.lead("relief during the anaesthetic phase not recorded", "relief not recorded"),),
        gaps=(f"record the % relief during the anaesthetic phase of the {case.label}", *_score_gaps(case, s)),
    )  # fmt: skip


_PROXY_SUMMARY = {
    Outcome.PROBABLE_FAILED: "no recorded outcome; {n} signs of failure",
    Outcome.POSSIBLE_FAILED: "no recorded outcome; one sign of possible failure",
    Outcome.UNKNOWN: "no recorded outcome and no pain scores to judge it",
}
_PROXY_SHORT = {
    Outcome.PROBABLE_FAILED: "no outcome recorded, {n} signs of failure",
    Outcome.POSSIBLE_FAILED: "no outcome recorded, one sign of failure",
    Outcome.UNKNOWN: "no outcome recorded, no pain score to judge it",
}


def _by_proxies(case: _Case, s: _Scores) -> Assessment:
    """5. Neither outcome nor usable scores: count the signs of failure."""
    proxies = tuple(_proxies(case))
    if len(proxies) >= 2:
        outcome = Outcome.PROBABLE_FAILED
    elif len(proxies) == 1:
        outcome = Outcome.POSSIBLE_FAILED
    else:
        outcome = Outcome.UNKNOWN
    summary = _PROXY_SUMMARY[outcome].format(n=len(proxies))
    short = _PROXY_SHORT[outcome].format(n=len(proxies))
    if outcome is Outcome.UNKNOWN and s.baseline is not None and not s.follow and s.other_site:
        sites = f"{_site_word(s.baseline)} before, {_site_word(s.other_site[0])} after"
        summary = f"no recorded outcome; pain scored at another site after it than before ({sites})"
        short = f"no outcome recorded; {sites}"
    words = outcome_words(case.procedure)
    if words is not None:
        # an outcome written in words that do not say the result whole ("Less than 50% relief"): shown as
        # written, never denied, and judged by the scores
        written = clip(words.strip(), 60)
        said = f'outcome recorded as "{written}", not a result to judge by'
        summary = summary.replace("no recorded outcome", said)
        short = short.replace("no outcome recorded", f'outcome "{written}"')
    return Assessment(
        case.procedure, case.modality, outcome, "proxies" if proxies else "no data",
        baseline=s.baseline, follow_up=tuple(s.follow), follow_up_median=_median(s.follow),
        proxies=proxies,
        # scores that exist but cannot be compared (no baseline, or none in the window) are shown
        facts=(
            case.lead(summary, short), *proxies,
            *_score_facts(s.baseline, s.follow, case.t0, s.baseline_also),
        ),
        gaps=(f"record the outcome (NRS/ODI) of the {case.label}", *_score_gaps(case, s)),
    )  # fmt: skip


# The steps of §3.1 before the proxies, in order; the first that judges the procedure wins.
_STEPS: tuple[Callable[[_Case, _Scores], Assessment | None], ...] = (
    _by_explicit_outcome,
    _too_early,
    _by_pain_scores,
    _by_recorded_relief,
    _by_note_relief,
    _by_function,
    _block_without_relief,
)


def next_same_modality(
    procedure: ProcedureFact, modality: Modality, history: PatientHistory, terminology: Terminology
) -> date | None:
    """The date of the next completed procedure of the same modality on a later day, if any."""
    t0 = procedure.performed
    if t0 is None:
        return None
    for p in history.procedures:  # sorted oldest first
        if (
            p.performed is not None
            and p.performed > t0
            and p.is_completed
            and classify_modality(p, terminology, history) is modality
        ):
            return p.performed
    return None


def _ingredients(term: Terminology, value_set: str, codings: Sequence[Coding]) -> set[str]:
    """The member codes of ``value_set`` the codings match (which drug(s) of a class)."""
    vs = term[value_set]
    return {m.code for m in (vs.lookup(c.system, c.code) for c in codings) if m is not None}


def _name(p: ProcedureFact) -> str:
    return p.text or next((c.display for c in p.codings if c.display), None) or "procedure"


def _window_text(win: _Window) -> str:
    if win.start == 0:
        return f"within {win.end} day{'s' if win.end != 1 else ''}"
    return f"{win.start}-{win.end} days"


def days_after(follow: Sequence[ObservationFact], t0: date) -> tuple[int, ...]:
    return tuple(sorted({(o.effective - t0).days for o in follow if o.effective is not None}))


def _span(follow: Sequence[ObservationFact], t0: date) -> str:
    return weeks_span(days_after(follow, t0))


def weeks_span(days: Sequence[int]) -> str:
    """Days after a procedure in weeks, as a range when they span more than one ("3-5 weeks")."""
    days = sorted(set(days))
    if not days:
        return "follow-up"
    if days[0] == days[-1] or _weeks(days[0]) == _weeks(days[-1]):
        return _weeks(days[-1])
    lo, hi = _weeks(days[0]), _weeks(days[-1])
    if lo.endswith("weeks") and hi.endswith("weeks"):
        return f"{lo.split()[0]}-{hi}"
    return f"{lo} to {hi}"


def _on(o: ObservationFact) -> str:
    """When a score was taken, as written, else its date (never "None")."""
    return o.effective_text or (o.effective.isoformat() if o.effective else "an undated entry")


def _score_facts(
    baseline: ObservationFact | None, follow: Sequence[ObservationFact], t0: date, baseline_also: str = ""
) -> tuple[Fact, ...]:
    """The baseline and follow-up scores as display lines; ``baseline_also`` says what else was
    recorded at the baseline's time (``_baseline_also``)."""
    out: list[Fact] = []
    if baseline is not None and baseline.value is not None:
        line = f"baseline pain {_fmt(baseline.value)}/10 on {_on(baseline)}{baseline_also}"
        out.append(Fact(line, baseline.ref))
    for o in follow:
        if o.value is not None and o.effective is not None:
            after = "the same day" if o.effective == t0 else f"{_weeks((o.effective - t0).days)} after"
            out.append(Fact(f"pain {_fmt(o.value)}/10 on {_on(o)} ({after})", o.ref))
    return tuple(out)


def _relief_obs(
    history: PatientHistory, procedure: ProcedureFact, t0: date, win: _Window
) -> list[ObservationFact]:
    """Recorded "% relief" linked to the procedure, or dated inside its window and linked to no other
    procedure (the relief of a block done in an ESI's window is the block's). Linked or not, relief
    recorded before the window opens is not the response (an ESI's or ablation's first days are the
    local anaesthetic's, §3.1: "90 % relief" in the recovery room), as with linked pain scores."""
    lo, hi = t0 + timedelta(days=win.start), t0 + timedelta(days=win.end)
    return [
        o for o in scores_of(history, "relief_pct")
        if (
            procedure.ref in o.part_of
            and (win.start <= 0 or o.effective is None or o.effective >= lo)
        )
        or (not o.part_of and _in(o.effective, lo, hi))
    ]  # fmt: skip


def _durability(
    procedure: ProcedureFact,
    modality: Modality,
    history: PatientHistory,
    own_scores: Sequence[ObservationFact],
    today: date,
    th: Thresholds,
    term: Terminology,
    label: str,
    baseline: ObservationFact | None,
    follow: Sequence[ObservationFact],
    *,
    base_outcome: Outcome,
    basis: str,
    lead: Fact,
    recorded: Sequence[Fact] = (),
    relief: float | None = None,
    delta: float | None = None,
    fmedian: float | None = None,
    baseline_also: str = "",
) -> Assessment:
    """§3.1.4: does the response last? SHORT_LIVED, not sustained, durable (then recurred?), or not
    yet known.

    Relief < 30 % in the early durability window → SHORT_LIVED (a failure of the modality, §3.1.4).
    For an ESI, relief 30-49 % at 60-120 days → PARTIAL with basis "not sustained" and
    ``durable=False``: the response was not the "≥ 50 % relief sustained ≈ 3 months" that F1 and the
    Medicare ESI LCDs need to repeat the injection, and §3.1.3 names exactly that band PARTIAL
    ("clinically important but below the 50 % threshold for repeating the procedure"). As with
    SHORT_LIVED, the response in the window does not outweigh what the durability check found, so
    the injection counts toward the refractory states and F8 like any other partial response; the
    relief left and when it was read are kept (``faded_pct``, ``faded_days``). Left as RESPONDER it
    would route to F1, which would call it a sustained response and offer a repeat.

    An ablation at 30-49 % at 6 months stays a responder with ``durable=False``: its row of §3.1 asks
    6 months of ≥ 50 % only to justify a repeat (A2), and A1 calls an ablation failed only when its
    relief lasted < 3 months (SHORT_LIVED). So an ablation whose relief fell below 30 % between 3 and
    6 months after a score at or after ``rfa_window_end_days`` still showed ≥ 50 % relief
    (``_held_past_window``) is not SHORT_LIVED: it responded and the pain came back before 6 months,
    RESPONDED_THEN_RECURRED with ``durable=False`` (A2 then says a repeat is not justified), the
    verdict "relief fell to 12 % at 21 weeks, after 75 % at 13 weeks: did not last 6 months".
    Without a baseline (``_unmeasured_durability``) the relief cannot be measured, so a response that
    did not last keeps its base outcome with ``durable=False`` and is never a failure.

    Whether the response lasted is read in order, never from a median that mixes relief with what
    ended it: when the durability window's first scored days still show ≥ 50 % relief
    (``_held_to_mark``), the relief lasted to the durability mark (``durable=True``, "relief 75 % at
    12 weeks (sustained)"), and a later score below the threshold, in the window or after it, is a
    recurrence (RESPONDED_THEN_RECURRED: F1, A2), not relief that did not last. Only when the
    window's first scored day already shows the relief below 50 % do the window's scores together
    judge it (SHORT_LIVED, not sustained). Scores after the day of the next procedure of the same kind
    are never this one's (``_until_next``); that day's pre-procedure score, once the relief held, is a
    recurrence like any other, and before that it still shows the relief short-lived."""
    assert procedure.performed is not None
    t0 = procedure.performed
    # a leg-pain baseline is followed by leg pain, a back-pain one never by leg pain (a facet ablation
    # begun from back pain is not judged by a later sciatica); one that names no site by every score,
    # leg pain coming back included
    scores = [o for o in own_scores if o is not baseline]
    if baseline is not None and is_leg_score(baseline):
        scores = prefer_leg(scores)
    elif baseline is not None and is_back_score(baseline):
        scores = [o for o in scores if not is_leg_score(o)]
    short_window, durable_window = _durability_windows(modality, th)
    horizon = durable_window[1]
    # The verdict on durability comes right after the lead, before the scores: the few facts a
    # card shows must hold the one that decides it (a short-lived response, a recurrence).
    verdict: list[Fact] = []
    scored = _score_facts(baseline, follow, t0, baseline_also)
    gaps: list[str] = []

    def result(
        outcome: Outcome, why: str, durable: bool | None, recurrence: Sequence[Fact] = ()
    ) -> Assessment:
        return Assessment(
            procedure, modality, outcome, why,
            baseline=baseline, follow_up=tuple(follow), follow_up_median=fmedian,
            relief_pct=relief, delta=delta, durable=durable,
            facts=(lead, *verdict, *recorded, *scored), recurrence=tuple(recurrence), gaps=tuple(gaps),
        )  # fmt: skip

    if baseline is None or not baseline.value:
        # A success recorded without a baseline score (a coded outcome, a recorded % relief): relief
        # cannot be measured, but how much pain is left can (``_unmeasured_durability``).
        lasted, why, missing, held_until = _unmeasured_durability(
            procedure, modality, history, scores, th, t0, today, label
        )
        verdict.extend(why)
        gaps.extend(missing)
        if not lasted:
            return result(base_outcome, basis, lasted)
        level = _pain_back_level(modality, scores, th, t0)
        recurrence = _recurrence(
            procedure, modality, history, th, term, _pain_at_or_above(level),
            _site_scores(modality, scores), t0 + timedelta(days=horizon), since=held_until,
        )  # fmt: skip
        if recurrence:
            verdict.extend(recurrence)
            return result(Outcome.RESPONDED_THEN_RECURRED, basis, True, recurrence)
        return result(base_outcome, basis, True)
    base_value = baseline.value

    def relief_of(obs: Sequence[ObservationFact]) -> float | None:
        m = _median(obs)
        return None if m is None else _relief(base_value, m)[0]

    early, late, held_at_mark = _durability_scores(
        scores, t0, short_window, durable_window, _relief_holds(base_value, th), _sustained_mark(modality, th)
    )
    # an ablation's early window is long (3 to 6 months): the relief lasted only if every scored day
    # shows it, so its worst day judges it, never a median that mixes the relief with the pain that
    # came back (a later good day does not undo a recurrence before 6 months)
    early_relief = relief_of(early if modality is Modality.ESI else _worst_day_scores(early, relief_of))
    if early_relief is not None and early_relief < th.short_lived_relief_pct:
        held = _held_past_window(modality, scores, early, t0, th, base_value)
        if held is not None:
            # ≥ 50 % still documented at or after 3 months, then lost before 6: a response that did
            # not last 6 months (no repeat justified), never SHORT_LIVED (see above)
            kept, fall = held
            verdict.append(
                Fact(
                    f"relief fell to {_pct(relief_of(fall) or 0.0)} at {_span(fall, t0)}, after "
                    f"{_pct(relief_of(kept) or 0.0)} at {_span(kept, t0)}: did not last "
                    f"{span(th.rfa_durable_days)}",
                    procedure.ref,
                )
            )
            scored = _with_scores(scored, (*kept, *fall), t0)
            return result(Outcome.RESPONDED_THEN_RECURRED, basis, False, _score_facts(None, fall, t0))
        verdict.append(
            Fact(
                f"relief fell to {_pct(early_relief)} at {_span(early, t0)} (short-lived response)",
                procedure.ref,
            )
        )
        scored = (*scored, *_score_facts(None, early, t0))
        return replace(
            result(Outcome.SHORT_LIVED, "short-lived", False),
            faded_pct=early_relief,
            faded_days=days_after(early, t0),
        )
    late_relief = relief_of(late)
    durable: bool | None = None
    scored = _with_scores(scored, held_at_mark, t0)
    if late_relief is not None:
        durable = late_relief >= th.responder_relief_pct
        verdict.append(_late_relief_fact(procedure, modality, th, late_relief, _span(late, t0)))
    elif today > t0 + timedelta(days=durable_window[1]):
        gaps.append(
            f"no pain score {durable_window[0]}-{durable_window[1]} days after the {label}: "
            "whether the response lasted is unknown"
        )
    if durable is False and late_relief is not None and modality is Modality.ESI:
        # 30-49 % at ≈ 3 months: a partial response, below the threshold to repeat (see above)
        return replace(
            result(Outcome.PARTIAL, "not sustained", False),
            faded_pct=late_relief,
            faded_days=days_after(late, t0),
        )
    if not durable:
        return result(base_outcome, basis, durable)
    recurrence = _recurrence(
        procedure, modality, history, th, term, _relief_below(base_value, th), scores,
        t0 + timedelta(days=horizon), since=_last_day(held_at_mark),
    )  # fmt: skip
    if recurrence:
        verdict.extend(recurrence)
        return result(Outcome.RESPONDED_THEN_RECURRED, basis, True, recurrence)
    return result(base_outcome, basis, True)


def _with_scores(scored: tuple[Fact, ...], obs: Sequence[ObservationFact], t0: date) -> tuple[Fact, ...]:
    """``scored`` and the display lines of those ``obs`` it does not show yet."""
    shown = {f.ref for f in scored}
    return (*scored, *_score_facts(None, [o for o in obs if o.ref not in shown], t0))


def _durability_scores(
    scores: Sequence[ObservationFact],
    t0: date,
    short_window: tuple[int, int],
    durable_window: tuple[int, int],
    holds: Callable[[ObservationFact], bool],
    mark: int,
) -> tuple[list[ObservationFact], list[ObservationFact], list[ObservationFact]]:
    """(the scores that can show a response short-lived, those that judge whether it lasted, and
    those that show it held to the durability mark, ``_held_to_mark``). Relief shown to hold at the
    mark is judged by those scores alone: what comes after them is a recurrence (``_recurrence``),
    never mixed into their median; for an ESI, whose two windows are one, it is not short-lived."""
    held = _held_to_mark(scores, t0, durable_window, holds, mark)
    if not held:
        return (
            _scores_between(scores, t0, *short_window),
            _scores_between(scores, t0, *durable_window),
            held,
        )
    early = [] if short_window == durable_window else _scores_between(scores, t0, *short_window)
    return early, held, held


def _held_to_mark(
    scores: Sequence[ObservationFact],
    t0: date,
    window: tuple[int, int],
    holds: Callable[[ObservationFact], bool],
    mark: int,
) -> list[ObservationFact]:
    """The scores that show the relief lasted to the durability mark: the durability ``window``'s
    scores from its first day on, day by day, while every score of the day still ``holds`` (≥ 50 %
    relief; without a baseline, pain under the pain-back level), up to the first day one does not.
    Empty when the window's first scored day already shows the relief gone or partial: then the
    window as a whole judges it (short-lived, not sustained). A later score showing the pain back is a
    recurrence after sustained relief (F1/A2), not relief that did not last; a median over the whole
    window would mix that recurrence (or the next injection's baseline) into the relief it ended."""
    held: list[ObservationFact] = []
    by_day: dict[date, list[ObservationFact]] = {}
    for o in _scores_between(scores, t0, *window):
        if o.value is not None and o.effective is not None:
            by_day.setdefault(o.effective, []).append(o)
    for d in sorted(by_day):
        if not all(holds(o) for o in by_day[d]):
            break
        held.extend(by_day[d])
    # relief shown only before the mark (``_sustained_mark``) has not been shown to last: the window's
    # scores together judge it
    last = _last_day(held)
    return held if last is not None and last >= t0 + timedelta(days=mark) else []


def _last_day(obs: Sequence[ObservationFact]) -> date | None:
    return max((o.effective for o in obs if o.effective is not None), default=None)


def _worst_day_scores(
    obs: Sequence[ObservationFact], relief_of: Callable[[Sequence[ObservationFact]], float | None]
) -> list[ObservationFact]:
    """The scores of the day ``obs`` show the least relief on (each day's median; all of them when
    none is dated)."""
    by_day: dict[date, list[ObservationFact]] = {}
    for o in obs:
        if o.effective is not None:
            by_day.setdefault(o.effective, []).append(o)
    if not by_day:
        return list(obs)

    def relief(day: list[ObservationFact]) -> float:
        value = relief_of(day)
        return 100.0 if value is None else value

    return min(by_day.values(), key=relief)


def _held_past_window(
    modality: Modality,
    scores: Sequence[ObservationFact],
    early: Sequence[ObservationFact],
    t0: date,
    th: Thresholds,
    base_value: float,
) -> tuple[list[ObservationFact], list[ObservationFact]] | None:
    """An ablation's relief still documented at or after the end of its response window (3 months):
    (the scores from ``rfa_window_end_days`` to before 6 months, dated before the last score of the
    early durability window ``early``, with relief ≥ ``responder_relief_pct``; the scores of ``early``
    after the last of them, where the relief fell). None for an ESI, or when no score shows it held."""
    if modality is Modality.ESI:
        return None
    dated = [o.effective for o in early if o.effective is not None]
    if not dated:
        return None
    last = max(dated)
    kept = [
        o for o in _scores_between(scores, t0, th.rfa_window_end_days, th.rfa_durable_days - 1)
        if o.effective is not None and o.effective < last and o.value is not None
        and _relief(base_value, o.value)[0] >= th.responder_relief_pct
    ]  # fmt: skip
    if not kept:
        return None
    since = max(o.effective for o in kept if o.effective is not None)
    fall = [o for o in early if o.effective is not None and o.effective > since]
    return kept, fall


def _late_relief_fact(
    procedure: ProcedureFact, modality: Modality, th: Thresholds, relief: float, at: str
) -> Fact:
    """The relief at the durability horizon, and whether it was sustained: "relief 44 % at 11-14
    weeks (below 50 %: not a sustained response)" for an ESI that did not hold."""
    if relief >= th.responder_relief_pct:
        state = "sustained"
    else:
        state = "below " + _pct(th.responder_relief_pct)
        if modality is Modality.ESI:
            state += ": not a sustained response"
    return Fact(f"relief {_pct(relief)} at {at} ({state})", procedure.ref)


PainBack = Callable[[ObservationFact], "str | None"]


def _relief_below(base_value: float, th: Thresholds) -> PainBack:
    """A later score is the pain back when the relief from the baseline is under the response
    threshold; says how much relief is left."""

    def back(o: ObservationFact) -> str | None:
        r, _ = _relief(base_value, o.value or 0.0)
        return f"{_pct(r)} relief" if r < th.responder_relief_pct else None

    return back


def _relief_holds(base_value: float, th: Thresholds) -> Callable[[ObservationFact], bool]:
    """A score that still shows the response: relief from the baseline at the response threshold."""

    def holds(o: ObservationFact) -> bool:
        return _relief(base_value, o.value or 0.0)[0] >= th.responder_relief_pct

    return holds


def _pain_at_or_above(level: float) -> PainBack:
    """Without a baseline: a later score at or above ``level`` (``_pain_back_level``) is the pain back."""

    def back(o: ObservationFact) -> str | None:
        return f"at or above {_fmt(level)}/10" if (o.value or 0.0) >= level else None

    return back


def _site_scores(modality: Modality, scores: Sequence[ObservationFact]) -> list[ObservationFact]:
    """Without a baseline to say which pain was treated: an ablation treats back (facet, SI-joint)
    pain, so a leg-pain score is not it coming back; anything else treats radicular pain, so leg-pain
    scores when there are any."""
    if modality is Modality.RFA:
        return [o for o in scores if not is_leg_score(o)]
    return prefer_leg(scores)


def _response_window(modality: Modality, th: Thresholds) -> tuple[int, int]:
    if modality is Modality.ESI:
        return th.esi_window_start_days, th.esi_window_end_days
    return th.rfa_window_start_days, th.rfa_window_end_days


def _sustained_mark(modality: Modality, th: Thresholds) -> int:
    """Days after the procedure by which relief still shown has lasted: about 3 months for an ESI
    (``esi_sustained_days``), 6 months for an ablation (the start of its durability window)."""
    if modality is Modality.ESI:
        return th.esi_sustained_days
    return th.rfa_durable_days


def _durability_windows(modality: Modality, th: Thresholds) -> tuple[tuple[int, int], tuple[int, int]]:
    """(the window a response that did not last shows in, the window a durable one is read in)."""
    if modality is Modality.ESI:
        w = (th.esi_durability_start_days, th.esi_durability_end_days)
        return w, w
    return (
        (th.rfa_window_end_days + 1, th.rfa_durable_days - 1),
        (th.rfa_durable_days, th.rfa_durable_days + th.rfa_durability_check_days),
    )


def _pain_back_level(
    modality: Modality, scores: Sequence[ObservationFact], th: Thresholds, t0: date
) -> float:
    """Without a baseline, the pain score that means the pain is back: ``recurrent_pain_nrs`` (NICE
    NG59's level for radiofrequency denervation), or, when the response window's scores show where
    the pain stood while the treatment worked, at least ``partial_delta_points`` above that (a rise
    smaller than the minimal important change is not a recurrence)."""
    relieved = _median(_scores_between(_site_scores(modality, scores), t0, *_response_window(modality, th)))
    if relieved is None:
        return th.recurrent_pain_nrs
    return max(th.recurrent_pain_nrs, relieved + th.partial_delta_points)


def _unmeasured_durability(
    procedure: ProcedureFact,
    modality: Modality,
    history: PatientHistory,
    scores: Sequence[ObservationFact],
    th: Thresholds,
    t0: date,
    today: date,
    label: str,
) -> tuple[bool | None, list[Fact], list[str], date | None]:
    """Did a response recorded without a baseline last (§3.1.4)? The pain scores at the durability
    horizon (RFA: 6 months; ESI: about 3 months) below the pain-back level (``_pain_back_level``) →
    durable; at or above it, or an ablation's pain back before 6 months → not durable; else a
    recorded "% relief" of that time against the response threshold; else unknown. The first scores
    of the durability window below the level show it lasted, whatever comes after them (a recurrence,
    ``_held_to_mark``). Never a failure: without a baseline the relief cannot be measured. Returns
    (durable, the verdict line, the gap, the last day the relief was shown to hold)."""
    level = _pain_back_level(modality, scores, th, t0)
    site = _site_scores(modality, scores)
    short_window, durable_window = _durability_windows(modality, th)
    held = _held_to_mark(
        site, t0, durable_window, lambda o: (o.value or 0.0) < level, _sustained_mark(modality, th)
    )
    early = _scores_between(site, t0, *short_window)
    early_median = _median(early)
    if short_window != durable_window and early_median is not None and early_median >= level:
        line = f"pain {_fmt(early_median)}/10 at {_span(early, t0)} (back before the durability horizon)"
        return False, [Fact(line, procedure.ref)], [], None
    late = held or _scores_between(site, t0, *durable_window)
    late_median = _median(late)
    if late_median is not None:
        durable = late_median < level
        state = "still relieved" if durable else f"back to {_fmt(level)}/10 or more"
        line = f"pain {_fmt(late_median)}/10 at {_span(late, t0)} ({state})"
        return durable, [Fact(line, procedure.ref)], [], _last_day(held)
    lo, hi = (t0 + timedelta(days=d) for d in durable_window)
    at_horizon = _Window(*durable_window, th.responder_relief_pct, False)
    reliefs = [o for o in _relief_obs(history, procedure, t0, at_horizon) if _in(o.effective, lo, hi)]
    relief_median = _median(reliefs)
    if relief_median is not None:
        durable = relief_median >= th.responder_relief_pct
        state = "sustained" if durable else "below " + _pct(th.responder_relief_pct)
        line = f"{_pct(relief_median)} relief at {_span(reliefs, t0)} ({state})"
        return durable, [Fact(line, procedure.ref)], [], None
    if today <= t0 + timedelta(days=durable_window[1]):
        return None, [], [], None
    gap = (
        f"no pain score {durable_window[0]}-{durable_window[1]} days after the {label}: "
        "whether the response lasted is unknown"
    )
    return None, [], [gap], None


def _recurrence(
    procedure: ProcedureFact,
    modality: Modality,
    history: PatientHistory,
    th: Thresholds,
    term: Terminology,
    pain_back: PainBack,
    scores: Sequence[ObservationFact],
    after: date,
    *,
    since: date | None = None,
) -> list[Fact]:
    """Pain back after a durable response: the latest later score back (``pain_back``: below the
    response threshold from the baseline, or without one at the pain-back level), a "% relief" linked
    to the procedure below the threshold, a repeat of the same procedure, or the radicular diagnosis
    re-asserted after the durability horizon ``after``. ``since``: the last day the relief was shown to
    hold in the durability window (``_held_to_mark``); scores, recorded reliefs and a repeat after it
    count from then on, inside the window too. Later scores that share the latest time but disagree:
    the lowest (``latest_score``), so that a repeat is offered only when every one of them says the
    pain is back."""
    out: list[Fact] = []
    reasserted_after = after
    if since is not None and since < after:
        after = since
    last = latest_score([o for o in scores if o.effective is not None and o.effective > after], lowest=True)
    if last is not None:
        how = pain_back(last)
        if how is not None:
            line = f"pain back to {_fmt(last.value or 0)}/10 on {_on(last)} ({how})"
            out.append(Fact(line, last.ref))
    for o in scores_of(history, "relief_pct"):
        if (
            o.value is not None and procedure.ref in o.part_of
            and o.effective is not None and o.effective > after and o.value < th.responder_relief_pct
        ):  # fmt: skip
            out.append(Fact(f"relief down to {_pct(o.value)} on {_on(o)}", o.ref))
            break
    for p in history.procedures:
        if p is procedure or p.performed is None or p.performed <= after or not p.is_completed:
            continue
        if classify_modality(p, term, history) is modality:
            out.append(Fact(f"repeated on {p.performed_text}", p.ref))
            break
    for c in history.conditions:
        if not c.is_current or term.match("lumbar_radiculopathy_conditions", c.codings) is None:
            continue
        if c.recorded is not None and c.recorded > reasserted_after:
            out.append(
                Fact(f"{c.text or 'radicular pain'} recorded again on {c.recorded.isoformat()}", c.ref)
            )
            break
    return out


# ---------------------------------------------------------------------------------------------
# Proxies (§3.1.5)
# ---------------------------------------------------------------------------------------------

_NEXT_LINE = {
    Modality.ESI: (
        "facet_medial_branch_block_lumbar",
        "si_joint_diagnostic_block",
        "order_diagnostic_snrb",
        "referral_spine_surgery",
        "lumbar_decompression_discectomy",
        "lumbar_fusion",
        "spinal_cord_stimulation",
    ),
    Modality.RFA: (
        "facet_rfa_or_si_rfa",
        "referral_spine_surgery",
        "lumbar_decompression_discectomy",
        "spinal_cord_stimulation",
        "pulsed_rf_and_other_neurolysis",
    ),
    # not the stimulator's own codes: every trial ends with its leads removed (63661), and a permanent
    # system after it is what a trial that worked leads to, neither a sign that it failed
    Modality.SCS_TRIAL: (
        "intrathecal_drug_delivery",
        "peripheral_nerve_stimulation",
    ),
}
_ESCALATION_SETS = ("rx_opioids", "rx_gabapentinoids", "rx_antidepressants_neuropathic")


def _matches_any(term: Terminology, value_sets: Iterable[str], codings: Sequence[Coding]) -> bool:
    return any(vs in term and term.match(vs, codings) is not None for vs in value_sets)


def _proxy_diagnosis_reasserted(case: _Case) -> Fact | None:
    """(a) The radicular diagnosis re-asserted ≥ 6 weeks after t0 while active (not a stale
    problem-list entry)."""
    reassert_from = case.t0 + timedelta(days=case.th.proxy_reassertion_days)
    for c in case.history.conditions:
        if not c.is_current or case.term.match("lumbar_radiculopathy_conditions", c.codings) is None:
            continue
        when = c.recorded or (c.onset if c.is_encounter_diagnosis else None)
        if when is not None and reassert_from <= when <= case.today:
            how = "as an encounter diagnosis" if c.is_encounter_diagnosis else "with a new record date"
            return Fact(
                f"{c.text or 'lumbar radicular pain'} recorded again {how} on {when.isoformat()} "
                f"({_weeks((when - case.t0).days)} after the {case.label.split(' on ')[0]})",
                c.ref,
                short=f"still diagnosed with radicular pain on {when.isoformat()}",
            )
    return None


def _next_line_horizon(case: _Case) -> date:
    return min(case.t0 + timedelta(days=case.th.proxy_next_line_days), case.today)


def _as_next_line(case: _Case, p: ProcedureFact) -> Fact | None:
    """A later procedure as a repeat of this one (an ESI at a concordant level) or a next-line step."""
    m = classify_modality(p, case.term, case.history)
    if case.modality is Modality.ESI and m is Modality.ESI:
        if levels_concordant(case.procedure.level, p.level) is False:
            return None  # an ESI at another level is a different treatment, not a repeat
        return Fact(f"repeat ESI on {p.performed_text} ({p.level or 'level not stated'})", p.ref)
    if case.modality is Modality.ESI and m is Modality.DIAGNOSTIC_BLOCK:
        return Fact(f"next-line {describe_procedure(p, m, case.term)}", p.ref)
    if _matches_any(case.term, _NEXT_LINE.get(case.modality, ()), p.codings):
        name = describe_procedure(p, m, case.term) if m is not None else f"{_name(p)} on {p.performed_text}"
        return Fact(f"next-line {name}", p.ref)
    return None


def _next_line_procedure(case: _Case) -> Fact | None:
    horizon = _next_line_horizon(case)
    for p in case.history.procedures:
        if p is case.procedure or p.performed is None or not (case.t0 < p.performed <= horizon):
            continue
        if p.status in ("entered-in-error", "not-done"):
            continue
        fact = _as_next_line(case, p)
        if fact is not None:
            return fact
    return None


def _next_line_order(case: _Case) -> Fact | None:
    horizon = _next_line_horizon(case)
    names = _NEXT_LINE.get(case.modality, ())
    if case.modality is Modality.ESI:
        names = ("esi_lumbar_all", *names)
    for s in case.history.service_requests:
        d = s.authored or s.occurrence
        if d is None or not (case.t0 < d <= horizon) or s.status in ("revoked", "entered-in-error"):
            continue
        if _matches_any(case.term, names, s.codings):
            return Fact(f"order for {s.text or 'a next-line treatment'} on {d.isoformat()}", s.ref)
    return None


def _proxy_next_line(case: _Case) -> Fact | None:
    """(b) A repeat ESI at the same level, or a next-line procedure or order, within 120 days."""
    found = _next_line_procedure(case)
    return found if found is not None else _next_line_order(case)


def _escalation(case: _Case, med: MedicationFact, started: date) -> Fact | None:
    """A drug of an escalation class started after t0: new to the patient, another drug of its class,
    or a higher daily dose of the same drug."""
    term, t0 = case.term, case.t0
    codings = (*med.codings, *med.ingredient_codings)
    cls = next((n for n in _ESCALATION_SETS if term.match(n, codings) is not None), None)
    if cls is None:
        return None
    drug = _ingredients(term, cls, codings)
    prior = [
        x for x in case.history.medications
        if x is not med and x.status not in VOID_MEDICATION_STATUSES and x.start is not None and x.start <= t0
        and (x.end is None or x.end >= t0 - timedelta(days=case.th.proxy_escalation_days))
        and term.match(cls, (*x.codings, *x.ingredient_codings)) is not None
    ]  # fmt: skip
    name = med.text or cls.removeprefix("rx_")
    if not prior:
        return Fact(f"new {name} started on {started.isoformat()}", med.ref)
    same = [x for x in prior if _ingredients(term, cls, (*x.codings, *x.ingredient_codings)) & drug]
    if not same:  # another drug of the class added or switched to (e.g. tramadol → oxycodone)
        return Fact(f"{name} added on {started.isoformat()}", med.ref)
    prior_dose = max((x.daily_dose_mg or 0.0) for x in same)
    if med.daily_dose_mg is not None and prior_dose and med.daily_dose_mg > prior_dose:
        return Fact(
            f"{name} dose raised from {_fmt(prior_dose)} to {_fmt(med.daily_dose_mg)} mg/day "
            f"on {started.isoformat()}",
            med.ref,
        )
    return None


def _proxy_analgesic_escalation(case: _Case) -> Fact | None:
    """(c) Analgesic escalation within 42 days: a new opioid/gabapentinoid/antidepressant or a higher dose."""
    esc_end = min(case.t0 + timedelta(days=case.th.proxy_escalation_days), case.today)
    for med in case.history.medications:
        if med.status in VOID_MEDICATION_STATUSES:
            continue
        if med.start is None or not (case.t0 < med.start <= esc_end):
            continue
        fact = _escalation(case, med, med.start)
        if fact is not None:
            return fact
    return None


def _proxy_odi_unchanged(case: _Case) -> Fact | None:
    """(d) ODI improvement < 10 points and < 30 % at 6-12 weeks. Two ODIs on the baseline's day that
    disagree: the higher (``latest_score``), so that a sign of failure is never read from the lower of
    two conflicting baselines."""
    th, t0 = case.th, case.t0
    odis = scores_of(case.history, "odi")
    odi_base = latest_score(
        [o for o in odis if _in(o.effective, t0 - timedelta(days=th.baseline_lookback_days), t0)]
    )
    odi_follow = _scores_between(odis, t0, th.odi_window_start_days, th.odi_window_end_days)
    if not (odi_base is not None and odi_follow and odi_base.value):
        return None
    b = odi_base.value or 0.0
    f = _median(odi_follow) or 0.0
    gain = b - f
    if gain < th.odi_mcid_points and gain / b * 100.0 < th.odi_mcid_pct:
        return Fact(
            f"ODI {_fmt(b)} → {_fmt(f)} at {_span(odi_follow, t0)} (less than the minimal important change)",
            odi_follow[-1].ref,
        )
    return None


def _relief_record(case: _Case) -> ObservationFact | None:
    """The first recorded "% relief" linked to the procedure or dated within 120 days after it."""
    relief_end = case.t0 + timedelta(days=case.th.proxy_next_line_days)
    return next(
        (
            o for o in scores_of(case.history, "relief_pct")
            if case.ref in o.part_of or _in(o.effective, case.t0 + timedelta(days=1), relief_end)
        ),
        None,
    )  # fmt: skip


def _relief_in_note(case: _Case) -> Fact | None:
    """The first relief below the response threshold written in a note on the procedure itself
    ("follow-up: 20 % relief", "less than 50 % relief", "no relief from the injection";
    ``note_reliefs``), when the note gives it as this procedure's result, not the first hours after
    it (the local anaesthetic) nor another treatment's."""
    threshold = case.th.responder_relief_pct
    found = next(
        (
            r for r in note_reliefs(case.procedure)
            if not r.not_a_result and not r.early and r.under(threshold) is True
        ),
        None,
    )  # fmt: skip
    if found is None:
        return None
    return Fact(f"{NOTE_RELIEF_SIGN}{found.dated_text}", case.ref, short=f"its note: {found.dated_text}")


def _proxy_low_relief(case: _Case) -> Fact | None:
    """(e) A recorded "% relief" below 50 % (an entry, or else a note on the procedure)."""
    record = _relief_record(case)
    if record is None:
        return _relief_in_note(case)
    if record.value is not None and record.value < case.th.responder_relief_pct:
        when = record.effective_text or "an undated entry"
        return Fact(f"{_pct(record.value)} relief recorded on {when}", record.ref)
    return None


# How the note's relief is said among the proxies.
NOTE_RELIEF_SIGN = "note on the procedure records "


def relief_sign(a: Assessment) -> Fact | None:
    """The proxy of ``a`` that is a relief below the threshold written down (a note on the procedure
    or a "% relief" entry, ``_proxy_low_relief``), if any: a card asking for the outcome says what
    was written rather than that nothing was."""
    return next(
        (f for f in a.proxies if f.text.startswith(NOTE_RELIEF_SIGN) or " relief recorded on " in f.text),
        None,
    )


# §3.1.5, one named predicate per proxy, in the order their facts are shown.
_PROXIES: tuple[Callable[[_Case], Fact | None], ...] = (
    _proxy_diagnosis_reasserted,
    _proxy_next_line,
    _proxy_analgesic_escalation,
    _proxy_odi_unchanged,
    _proxy_low_relief,
)


def _proxies(case: _Case) -> list[Fact]:
    """The signs that a procedure without a documented outcome failed, at most one per proxy."""
    return [fact for proxy in _PROXIES if (fact := proxy(case)) is not None]


# ---------------------------------------------------------------------------------------------
# Whole-history helpers for the rules
# ---------------------------------------------------------------------------------------------


def assess_all(
    history: PatientHistory, today: date, thresholds: Thresholds, terminology: Terminology
) -> list[Assessment]:
    """``assess`` for every completed procedure §3 judges, oldest first, one per session.

    Procedures of the same modality on the same day are one session (64483 with its 64484
    add-on): the one with an outcome, else a stated level, else the first, is assessed.
    """
    sessions: dict[tuple[Modality, date | None, str], ProcedureFact] = {}
    for p in history.procedures:
        if not p.is_completed:
            continue
        m = classify_modality(p, terminology, history)
        if m is None:
            continue
        key = (m, p.performed, p.ref if p.performed is None else "")
        cur = sessions.get(key)
        if cur is None or (not cur.outcome and p.outcome) or (not cur.outcome and not cur.level and p.level):
            sessions[key] = p
    ordered = sorted(sessions.items(), key=lambda kv: (kv[0][1] or date.min, kv[1].ref))
    return [assess(p, m, history, today, thresholds, terminology) for (m, _, _), p in ordered]


def non_response_run(assessments: Sequence[Assessment]) -> tuple[Assessment, ...]:
    """The run of most recent sessions (``assessments`` oldest first) that did not reach the
    response threshold, oldest first.

    Non-response = FAILED, PARTIAL, SHORT_LIVED or PROBABLE_FAILED. PENDING sessions are skipped
    (not yet judged); UNKNOWN, POSSIBLE_FAILED or any response ends the run. The repeat-ESI order
    check fires at ``Thresholds.esi_consecutive_failures`` (2).
    """
    run: list[Assessment] = []
    for a in reversed(assessments):
        if a.outcome is Outcome.PENDING:
            continue
        if not a.outcome.is_non_response:
            break
        run.append(a)
    return tuple(reversed(run))


def levels_concordant(a: str | None, b: str | None) -> bool | None:
    """Whether two stated spinal levels point at the same root: they share a segment.

    "L5-S1" and "S1" or "L4-L5" and "L5-S1" (the L5 root) → True; "L3-L4" and "L5-S1" → False;
    None when either level is unknown.
    """
    if not a or not b:
        return None
    sa, sb = segments(a), segments(b)
    if not sa or not sb:
        return None
    return bool(sa & sb)


def sides_concordant(a: str | None, b: str | None) -> bool | None:
    """Left vs right → False; the same side or either bilateral → True; None when unknown."""
    if not a or not b:
        return None
    return a == b or "bilateral" in (a, b)


@dataclass(frozen=True)
class Concordance:
    """Does the level/side of a procedure match the imaging or diagnosis (§1.2 spine-level concordance)?"""

    concordant: bool | None  # None: no level/side on one side of the comparison
    facts: tuple[Fact, ...] = ()


def procedure_concordance(
    procedure: ProcedureFact,
    history: PatientHistory,
    terminology: Terminology,
    named: Sequence[ConditionFact] = (),
) -> Concordance:
    """Compare the procedure's level and side with the latest MRI or CT report before it (plain
    radiographs cannot show a root: ``is_plain_radiograph``) and with the radicular Conditions: the
    coded ones in force, then ``named``, those recognised from their words. Level and side come from
    a Condition's body site and notes; the side else from the diagnosis's name: a coded one's code
    display, a named one's own words ("Left L5 radiculopathy": left). Discordant only when a stated
    level or side clearly differs from every stated one; None when nothing on one side states a
    level."""
    evidence: list[tuple[str, tuple[str, ...], str | None]] = []  # (ref, levels, side)
    reports = [
        r for r in history.reports
        if r.conclusion and is_lumbar_imaging_report(r, terminology)
        and not is_plain_radiograph(r.codings, r.text, terminology)
        and (procedure.performed is None or r.effective is None or r.effective <= procedure.performed)
    ]  # fmt: skip
    if reports:
        r = reports[-1]
        evidence.append((r.ref, levels_in(r.conclusion), parse_laterality(r.conclusion)))
    coded = [
        c for c in history.conditions
        if c.is_current and terminology.match("lumbar_radiculopathy_conditions", c.codings) is not None
    ]  # fmt: skip
    for c in (*coded, *named):
        site = " ".join(x for x in (c.body_site_text, *(b.display or "" for b in c.body_site), *c.notes) if x)
        words = (c.text,) if any(c is n for n in named) else ()
        sides = parse_laterality(site) or parse_laterality(*words, *(x.display or "" for x in c.codings))
        evidence.append((c.ref, levels_in(site), sides))
    if not procedure.level and not procedure.laterality:
        return Concordance(None)
    verdicts: list[bool] = []
    facts: list[Fact] = []
    for ref, lvls, side in evidence:
        lv = [levels_concordant(procedure.level, x) for x in lvls]
        level_ok = None if not lv or all(v is None for v in lv) else any(v for v in lv)
        side_ok = sides_concordant(procedure.laterality, side)
        if level_ok is None and side_ok is None:
            continue
        ok = level_ok is not False and side_ok is not False
        verdicts.append(ok)
        stated = ", ".join(x for x in (side, "/".join(lvls)) if x)
        facts.append(Fact(f"{'concordant' if ok else 'discordant'}: {stated}", ref))
    if not verdicts:
        return Concordance(None)
    return Concordance(any(verdicts), tuple(facts))
