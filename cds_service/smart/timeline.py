"""The patient's history as an inline SVG timeline, drawn from the typed facts the rules read.

One horizontal time axis from the radicular diagnosis (or the earliest dated fact) to the
evaluation date, and three bands under it:

* events — the diagnosis onset, imaging, every red-flag finding (cauda equina, sphincter or saddle
  symptoms, motor deficit, cancer, infection, fracture: the value sets the red-flag rules read) as a
  red marker of its own, and every procedure (ESI, block, ablation, operation, stimulator trial or
  implant) as a numbered marker coloured and labelled by its outcome, as the treatment-failure
  inference judged it (``hooks.pathway.failure.assess_all``);
* scores — pain (0–10, leg pain preferred as the rules do) and ODI (0–100) as lines;
* medicines — analgesics, neuropathic agents and corticosteroids as bars over their dates.

Every mark carries ``data-ref`` (the FHIR resource it was drawn from) and a ``<title>``; the
same content is returned as plain rows (``Timeline.rows``) for the page's table, the picture's
text alternative. Nothing here reads the clock: the evaluation date is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

from hooks.evaluation import EvaluationInput
from hooks.facts import MedicationFact, ObservationFact, PatientHistory, ProcedureFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import (
    Assessment,
    Modality,
    Outcome,
    assess_all,
    describe_procedure,
    names_operation,
)
from hooks.pathway.precedence import RED_FLAGS as PATHWAY_RED_FLAGS
from hooks.pathway.precedence import decided
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds

WIDTH = 720  # full screen; NARROW for a ~400 px EHR side panel (drawn 1:1, so text stays legible)
NARROW = 380
LEFT, RIGHT = 34, 30
EVENTS_TOP = 34
ROW = 30  # one row of event markers (with its label)
SCORES_HEIGHT = 120
MED_ROW = 20

OUTCOME_TEXT: dict[Outcome, str] = {
    Outcome.SUCCESS: "worked",
    Outcome.RESPONDER: "worked",
    Outcome.RESPONDED_THEN_RECURRED: "worked, then recurred",
    Outcome.PARTIAL: "partial relief",
    Outcome.FAILED: "failed",
    Outcome.SHORT_LIVED: "short-lived relief",
    Outcome.PENDING: "too early to judge",
    Outcome.PROBABLE_FAILED: "probably failed",
    Outcome.POSSIBLE_FAILED: "possibly failed",
    Outcome.UNKNOWN: "outcome not recorded",
}
# outcome → CSS class (colour comes from the page's stylesheet, with a legend)
OUTCOME_CLASS: dict[Outcome, str] = {
    Outcome.SUCCESS: "ok",
    Outcome.RESPONDER: "ok",
    Outcome.RESPONDED_THEN_RECURRED: "ok",
    Outcome.PARTIAL: "part",
    Outcome.SHORT_LIVED: "part",
    Outcome.FAILED: "fail",
    Outcome.PROBABLE_FAILED: "fail",
    Outcome.POSSIBLE_FAILED: "unk",
    Outcome.PENDING: "unk",
    Outcome.UNKNOWN: "unk",
}
MED_CLASSES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("opioid", "Opioid", ("rx_opioids",)),
    ("nsaid", "NSAID", ("rx_nsaids",)),
    (
        "neuro",
        "Neuropathic agent",
        ("rx_gabapentinoids", "rx_antidepressants_neuropathic", "rx_other_anticonvulsants"),
    ),
    ("steroid", "Oral corticosteroid", ("rx_systemic_corticosteroids",)),
    ("relax", "Muscle relaxant", ("rx_muscle_relaxants",)),
)
SURGERY_SETS = (
    "lumbar_decompression_discectomy",
    "lumbar_fusion",
    "lumbar_fusion_cpt",
    "prior_lumbar_spine_surgery",
)
IMPLANT_SETS = ("scs_permanent_system", "neuromodulation_implant", "intrathecal_pump_implant")
IMAGING_SETS = ("imaging_lumbar_any",)
THERAPY_SETS = (("physical_therapy", "Physiotherapy"), ("psychotherapy_cbt", "Psychological therapy"))
# The value sets the red-flag rules (hooks/pathway/rules/red_flags.py) read Conditions from, each with
# the words the picture names it by (the short form fits under a marker); first match names it.
RED_FLAG_SETS: tuple[tuple[str, str, str], ...] = (
    ("red_flag_cauda_equina", "cauda equina syndrome", "cauda equina"),
    ("red_flag_sphincter_saddle_symptoms", "bladder, bowel or saddle symptoms", "sphincter/saddle"),
    ("red_flag_motor_deficit", "motor deficit", "motor deficit"),
    ("red_flag_malignancy", "possible cancer", "cancer"),
    ("red_flag_infection", "possible spinal infection", "infection"),
    ("red_flag_fracture", "possible fracture", "fracture"),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the picture's text alternative: what happened, when, and its result."""

    when: date
    # diagnosis | redflag | finding (in a red-flag value set, no red flag raised) | imaging | procedure |
    # operation | implant | medicine | therapy | score | evaluation
    kind: str
    what: str
    result: str
    ref: str | None
    number: int | None = None  # the marker's number in the picture
    # the date as the record wrote it when it is partial ("2026-08"); ``when`` is then its first day
    written: str | None = None

    @property
    def day(self) -> str:
        return self.written or self.when.isoformat()


@dataclass(frozen=True)
class Timeline:
    svg: str
    rows: tuple[Row, ...]
    start: date
    end: date
    width: int = WIDTH

    def x(self, d: date) -> float:
        return x_position(d, self.start, self.end, self.width)


def x_position(d: date, start: date, end: date, width: int = WIDTH) -> float:
    span = max((end - start).days, 1)
    return round(LEFT + (d - start).days / span * (width - LEFT - RIGHT), 1)


@dataclass(frozen=True, slots=True)
class _Event:
    when: date
    kind: str
    css: str
    short: str  # label under the marker
    what: str
    result: str
    ref: str | None
    # the date as the record wrote it when it is partial ("2026-08"): placed on ``when``, its first
    # day, and said as written
    written: str | None = None

    @property
    def day(self) -> str:
        return self.written or self.when.isoformat()


def _short_name(assessment: Assessment | None, p: ProcedureFact, t: Terminology) -> str:
    if assessment is None:
        return p.text or "procedure"
    return {
        Modality.ESI: "ESI",
        Modality.DIAGNOSTIC_BLOCK: "Block",
        Modality.RFA: "RFA",
        Modality.SCS_TRIAL: "SCS trial",
    }[assessment.modality]


def _procedure_events(
    history: PatientHistory, today: date, thresholds: Thresholds, t: Terminology
) -> list[_Event]:
    assessed = {a.procedure.ref: a for a in assess_all(history, today, thresholds, t)}
    events: list[_Event] = []
    for p in history.procedures:
        if p.performed is None or p.performed > today or p.status in ("not-done", "entered-in-error"):
            continue
        if p.status not in (None, "completed", "in-progress"):
            continue
        a = assessed.get(p.ref)
        if a is None and _therapy(p, t) is not None:
            continue  # drawn as a course in the medicines-and-therapy band
        if a is not None:
            events.append(
                _Event(
                    p.performed,
                    "procedure",
                    OUTCOME_CLASS[a.outcome],
                    _short_name(a, p, t),
                    describe_procedure(p, a.modality, t),
                    OUTCOME_TEXT[a.outcome],
                    p.ref,
                )
            )
        elif t.in_any(SURGERY_SETS, p.codings) or names_operation(p, t):
            events.append(
                _Event(p.performed, "operation", "op", "Surgery", _with_date(p.text, p), _outcome(p), p.ref)
            )
        elif t.in_any(IMPLANT_SETS, p.codings):
            events.append(
                _Event(p.performed, "implant", "op", "Implant", _with_date(p.text, p), _outcome(p), p.ref)
            )
        elif t.in_any(IMAGING_SETS, p.codings):
            events.append(_Event(p.performed, "imaging", "img", "Imaging", _with_date(p.text, p), "", p.ref))
        else:
            events.append(
                _Event(
                    p.performed,
                    "procedure",
                    "other",
                    p.text[:14] or "Procedure",
                    _with_date(p.text, p),
                    _outcome(p),
                    p.ref,
                )
            )
    return events


def _therapy(p: ProcedureFact, t: Terminology) -> str | None:
    for name, label in THERAPY_SETS:
        if t.match(name, p.codings) is not None:
            return label
    return None


def _with_date(text: str, p: ProcedureFact) -> str:
    level = " ".join(x for x in (p.laterality, p.level) if x)
    return f"{text or 'procedure'}{' ' + level if level else ''}"


def _outcome(p: ProcedureFact) -> str:
    if p.outcome_text:
        return p.outcome_text
    if p.outcome and p.outcome[0].display:
        return p.outcome[0].display
    return "outcome not recorded" if p.is_completed else (p.status or "")


def _diagnosis_onset(history: PatientHistory, t: Terminology) -> _Event | None:
    """The earliest onset of a radicular, post-laminectomy or stenosis diagnosis, dated as the rules do:
    a diagnosis with no onset given is dated by its recording, and is drawn as recorded, not as an
    onset (the pain began on or before that day)."""
    sets = ("lumbar_radiculopathy_conditions", "postlaminectomy_syndrome_fbss", "lumbar_spinal_stenosis")
    found = [
        c
        for c in history.conditions
        if c.onset is not None
        and c.verification_status not in ("refuted", "entered-in-error")
        and t.in_any(sets, c.codings)
    ]
    if not found:
        return None
    first = min(found, key=lambda c: c.onset or date.max)
    assert first.onset is not None
    what = first.text or "radicular diagnosis"
    if first.onset_from_record:
        return _Event(first.onset, "diagnosis", "dx", "Recorded", what, "recorded; no onset given", first.ref)
    if first.onset_last is not None and first.onset_text:
        given = "the month only" if len(first.onset_text) == 7 else "the year only"
        return _Event(
            first.onset, "diagnosis", "dx", "Onset", what, f"onset gives {given}", first.ref, first.onset_text
        )
    return _Event(first.onset, "diagnosis", "dx", "Onset", what, "", first.ref)


# Observations the picture draws as score lines, never as markers of their own
SCORE_KINDS = frozenset({"pain", "odi"})

RED_FLAG_RULES = {
    "R1": "possible cauda equina syndrome",
    "R2": "motor deficit",
    "R3": "cancer, infection or fracture",
}


def raised_red_flags(
    history: PatientHistory, today: date, t: Terminology, thresholds: Thresholds
) -> dict[str, str]:
    """The resources a red-flag rule acts on today, each with that rule's id: R1 before R2 before
    R3, decided as the pathway decides it (``hooks.pathway.precedence.RED_FLAGS``), read from the
    finding the firing step names (not the radicular diagnosis that opens the gate above it)."""
    ctx = PathwayContext(EvaluationInput("patient-view", today, "", None, None, history, t, thresholds))
    decision = decided(ctx, PATHWAY_RED_FLAGS)
    if decision.card is None or not decision.basis:
        return {}
    found = decision.basis[-1]
    return {r: decision.card.rule_id for r in (found.ref, *found.refs) if r}


def red_flags_on_cards(drafts: Sequence[Any]) -> dict[str, str]:
    """``raised_red_flags`` read from cards already decided (the page's): the resources the red-flag
    card's firing step names, each with its rule id, so the page does not decide them again."""
    for d in drafts:
        basis = getattr(d, "basis", ())
        if d.rule_id in RED_FLAG_RULES and basis:
            found = basis[-1]
            return {r: str(d.rule_id) for r in (found.ref, *found.refs) if r}
    return {}


def _red_flag_events(
    history: PatientHistory, today: date, t: Terminology, raised: Mapping[str, str]
) -> list[_Event]:
    """Every dated Condition a red-flag rule acts on today, or in a value set the red-flag rules read
    (not refuted or entered in error), on its onset (else its recording), and every measurement a
    red-flag rule acts on today (a fever, a strength score), on the day it was taken. One a red flag is raised
    on today is a red marker, "Red flag: cauda equina"; any other (resolved, long-standing, or not
    what the rules count: a numb fingertip is coded as skin anaesthesia) is drawn as a finding the
    rules checked, outlined, so that the history shows it without calling it an emergency."""
    events: list[_Event] = []
    for c in history.conditions:
        if c.verification_status in ("refuted", "entered-in-error"):
            continue
        named = next(((long, short) for vs, long, short in RED_FLAG_SETS if t.match(vs, c.codings)), None)
        rule = raised.get(c.ref)
        when = c.onset or c.recorded
        if (named is None and rule is None) or when is None or when > today:
            continue
        text = c.text.strip()
        status = []
        if not c.is_current:
            status.append(f"{c.clinical_status}{f' {c.abatement.isoformat()}' if c.abatement else ''}")
        if c.onset_from_record:
            status.append("recorded; no onset given")
        result = "; ".join([*status, *(n.strip() for n in c.notes if n.strip())])
        if named is None:  # acted on for its words or as a risk (injection drug use for infection)
            what = f"Red flag ({RED_FLAG_RULES.get(rule or '', 'red flag')}): {text or 'finding'}"
            events.append(_Event(when, "redflag", "flag", "Red flag", what, result, c.ref))
        elif rule is not None:
            long, short = named
            what = f"Red flag: {long}" + (f" ({text})" if text and text.lower() not in (long, short) else "")
            events.append(_Event(when, "redflag", "flag", f"Red flag: {short}", what, result, c.ref))
        else:
            what = f"{text or named[0]} (checked by the red-flag rules: no red flag raised today)"
            events.append(_Event(when, "finding", "flag past", "Finding", what, result, c.ref))
    # a red flag read from a measurement (a fever, a strength score): drawn on the day it was taken.
    # Pain and disability scores are drawn as the score lines already (a rise after a procedure)
    drawn: set[str] = set()
    for o in history.observations:
        rule = raised.get(o.ref)
        if (
            rule is None
            or o.kind in SCORE_KINDS
            or o.ref in drawn
            or o.effective is None
            or o.effective > today
        ):
            continue
        drawn.add(o.ref)
        value = o.value_text or (f"{_fmt(o.value)} {o.unit or ''}".strip() if o.value is not None else "")
        what = f"Red flag ({RED_FLAG_RULES.get(rule, 'red flag')}): {o.text or 'measurement'}"
        events.append(_Event(o.effective, "redflag", "flag", "Red flag", what, value, o.ref))
    return events


def _med_class(m: MedicationFact, t: Terminology) -> tuple[str, str] | None:
    codings = (*m.codings, *m.ingredient_codings)
    for css, label, sets in MED_CLASSES:
        if t.in_any(sets, codings):
            return css, label
    return None


def _pain_series(history: PatientHistory) -> list[ObservationFact]:
    """Pain scores, one per day (leg pain preferred, then the higher), as the failure inference reads them."""
    from hooks.pathway.failure import pain_scores

    by_day: dict[date, ObservationFact] = {}
    for o in pain_scores(history):
        if o.effective is None or o.value is None:
            continue
        cur = by_day.get(o.effective)
        if cur is None or (cur.value is not None and o.value > cur.value):
            by_day[o.effective] = o
    return [by_day[d] for d in sorted(by_day)]


def _fmt(v: float) -> str:
    return f"{v:g}"


def draw_timeline(
    history: PatientHistory,
    today: date,
    terminology: Terminology,
    thresholds: Thresholds,
    width: int = WIDTH,
    raised: Mapping[str, str] | None = None,
) -> Timeline:
    """The history picture and its table. ``raised``: the resources a red-flag card acts on
    (``red_flags_on_cards``), when the cards are at hand; otherwise decided here."""
    t = terminology
    if raised is None:
        raised = raised_red_flags(history, today, t, thresholds)
    events = _collect_events(history, today, thresholds, t, raised)
    pain = [o for o in _pain_series(history) if o.effective is not None and o.effective <= today]
    odi = _odi_scores(history, today)
    bars = _medicine_bars(history, today, t) + _therapy_bars(history, today, t)
    start, end = _time_span(events, pain, odi, bars, today)
    placed, event_rows = _place_events(events, start, end, width)
    bar_rows = _pack(bars, start, end, width)
    frame = _Frame.of(start, end, width, event_rows, len(bar_rows))

    parts = (
        _draw_axis(frame),
        _draw_band_labels(frame),
        _draw_events(placed),
        _draw_scores(frame, pain, odi),
        _draw_medicines(frame, bar_rows),
        _draw_today(frame, today),
    )
    rows = [
        *(
            Row(
                p.event.when,
                p.event.kind,
                p.event.what,
                p.event.result,
                p.event.ref,
                p.number,
                p.event.written,
            )
            for p in placed
        ),
        *_score_rows(pain, odi),
        *_bar_rows(bar_rows),
        Row(today, "evaluation", "Evaluation date", "", None),
    ]
    rows.sort(key=lambda r: (r.when, r.kind == "evaluation"))

    summary = _summary(events, pain, odi, bars, today)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline {"narrow" if frame.narrow else "wide"}" '
        f'viewBox="0 0 {width} {frame.height}" role="img" '
        f'aria-label="Timeline of the radicular pain history: {escape(summary)}" '
        f'data-start="{start.isoformat()}" data-end="{end.isoformat()}">' + "".join(parts) + "</svg>"
    )
    return Timeline(svg, tuple(rows), start, end, width)


# -- what is drawn, and over which dates


def _collect_events(
    history: PatientHistory, today: date, thresholds: Thresholds, t: Terminology, raised: Mapping[str, str]
) -> list[_Event]:
    """Procedures, the diagnosis onset, red-flag findings and imaging reports, in date order (the
    onset first on its day, then the red flags)."""
    events = _procedure_events(history, today, thresholds, t)
    onset = _diagnosis_onset(history, t)
    if onset is not None:
        events.append(onset)
    events += [e for e in _red_flag_events(history, today, t, raised) if onset is None or e.ref != onset.ref]
    for r in history.reports:
        if r.effective is not None and r.effective <= today:
            events.append(
                _Event(
                    r.effective,
                    "imaging",
                    "img",
                    "Imaging",
                    r.text or "imaging report",
                    r.conclusion or "",
                    r.ref,
                )
            )
    events.sort(key=lambda e: (e.when, e.kind != "diagnosis", e.kind not in ("redflag", "finding")))
    return events


def _odi_scores(history: PatientHistory, today: date) -> list[ObservationFact]:
    return [
        o
        for o in history.observations
        if o.kind == "odi" and o.effective is not None and o.value is not None and o.effective <= today
    ]


def _time_span(
    events: Sequence[_Event],
    pain: Sequence[ObservationFact],
    odi: Sequence[ObservationFact],
    bars: Sequence[_Bar],
    today: date,
) -> tuple[date, date]:
    """From a little before the earliest dated thing (at least 30 days back) to a little after today."""
    dated = [e.when for e in events] + [o.effective for o in (*pain, *odi) if o.effective]
    dated += [b.start for b in bars]
    start = min([*dated, today - timedelta(days=30)])
    start = start - timedelta(days=max(7, (today - start).days // 40))
    end = today + timedelta(days=max(3, (today - start).days // 60))
    return start, end


# -- where it goes


@dataclass(frozen=True, slots=True)
class _Placed:
    """An event's marker: its x, its row in the events band, its number and the label under it (the
    label's centre kept inside the picture, so a label at either end is not cut by its edge)."""

    event: _Event
    x: float
    row: int
    number: int
    label: str
    label_x: float


@dataclass(frozen=True, slots=True)
class _Frame:
    """The picture's geometry: the time axis, the width and the top of each band."""

    start: date
    end: date
    width: int
    scores_top: int
    meds_top: int
    height: int

    @classmethod
    def of(cls, start: date, end: date, width: int, event_rows: int, bar_rows: int) -> _Frame:
        events_h = max(1, event_rows) * ROW
        scores_top = EVENTS_TOP + events_h + 26
        meds_top = scores_top + SCORES_HEIGHT + 30
        height = meds_top + max(1, bar_rows) * MED_ROW + 30
        return cls(start, end, width, scores_top, meds_top, height)

    @property
    def narrow(self) -> bool:
        return self.width < 500

    def x(self, d: date) -> float:
        return x_position(d, self.start, self.end, self.width)

    def y_pain(self, v: float) -> float:
        return round(self.scores_top + SCORES_HEIGHT - v / 10 * SCORES_HEIGHT, 1)

    def y_odi(self, v: float) -> float:
        return round(self.scores_top + SCORES_HEIGHT - v / 100 * SCORES_HEIGHT, 1)


def _event_label(e: _Event, narrow: bool) -> str:
    if e.kind == "redflag":
        return "Red flag" if narrow else e.short
    if e.kind == "procedure" and e.result:
        return _brief(e.result) if narrow else f"{e.short}: {_brief(e.result)}"
    return e.short


def _place_events(events: Sequence[_Event], start: date, end: date, width: int) -> tuple[list[_Placed], int]:
    """Markers in rows so that neither markers nor labels collide; also the number of rows used."""
    narrow = width < 500
    row_ends: list[float] = []
    placed: list[_Placed] = []
    for n, e in enumerate(events, start=1):
        ex = x_position(e.when, start, end, width)
        label = _event_label(e, narrow)
        half = max(len(label) * 2.9 + 4, 10)
        lx = round(min(max(ex, half), width - half), 1)
        lo, hi = min(ex - 10, lx - half), max(ex + 10, lx + half)
        row = next((i for i, last in enumerate(row_ends) if lo > last + 4), len(row_ends))
        if row == len(row_ends):
            row_ends.append(hi)
        else:
            row_ends[row] = hi
        placed.append(_Placed(e, ex, row, n, label, lx))
    return placed, len(row_ends)


# -- each band, as SVG


def _draw_axis(f: _Frame) -> str:
    """The time axis: a tick at each month (or quarter) start, labelled with month/year."""
    parts = [f'<g class="axis" aria-hidden="true"><line x1="{LEFT}" y1="22" x2="{f.width - RIGHT}" y2="22"/>']
    for tick, tick_label in _ticks(f.start, f.end, 5 if f.narrow else 10):
        tx = f.x(tick)
        parts.append(
            f'<line x1="{tx}" y1="18" x2="{tx}" y2="{f.height - 24}" class="grid"/>'
            f'<text x="{tx}" y="14" text-anchor="middle">{escape(tick_label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _draw_band_labels(f: _Frame) -> str:
    return (
        f'<g class="band" aria-hidden="true">'
        f'<text x="{LEFT}" y="{f.scores_top - 5}">Pain 0–10</text>'
        f'<text x="{f.width - RIGHT}" y="{f.scores_top - 5}" text-anchor="end">ODI 0–100 (dashed)</text>'
        f'<text x="{LEFT}" y="{f.meds_top - 6}">Medicines and therapy</text></g>'
    )


def _event_shape(kind: str, ex: float, cy: float) -> str:
    """Diamond for the diagnosis, octagon for a red flag, square for imaging, triangle for an operation
    or implant, else a circle."""
    if kind in ("redflag", "finding"):
        a, b = 9, 3.8  # a regular octagon's half-width and half-side; the path starts at the top centre
        pts = ((0, -a), (b, -a), (a, -b), (a, b), (b, a), (-b, a), (-a, b), (-a, -b), (-b, -a))
        d = " L".join(f"{round(ex + dx, 1)} {round(cy + dy, 1)}" for dx, dy in pts)
        return f'<path d="M{d} Z"/>'
    if kind == "diagnosis":
        return f'<path d="M{ex} {cy - 8} L{ex + 8} {cy} L{ex} {cy + 8} L{ex - 8} {cy} Z"/>'
    if kind == "imaging":
        return f'<rect x="{ex - 7}" y="{cy - 7}" width="14" height="14" rx="2"/>'
    if kind in ("operation", "implant"):
        return f'<path d="M{ex} {cy - 9} L{ex + 9} {cy + 7} L{ex - 9} {cy + 7} Z"/>'
    return f'<circle cx="{ex}" cy="{cy}" r="8"/>'


def _draw_event(p: _Placed) -> str:
    e, ex, n = p.event, p.x, p.number
    cy = EVENTS_TOP + p.row * ROW + 8
    title = escape(f"{e.day} — {e.what}" + (f": {e.result}" if e.result else ""))
    ref_attr = f' data-ref="{escape(e.ref)}"' if e.ref else ""
    common = f'class="ev {e.kind} {e.css}" data-date="{e.when.isoformat()}" data-x="{ex}"{ref_attr}'
    return (
        f"<g {common}><title>{title}</title>{_event_shape(e.kind, ex, cy)}"
        f'<text class="num" x="{ex}" y="{cy + 3.5}" text-anchor="middle">{n}</text>'
        f'<text class="lbl" x="{p.label_x}" y="{cy + 20}" text-anchor="middle">{escape(p.label)}</text></g>'
    )


def _draw_events(placed: Sequence[_Placed]) -> str:
    return '<g class="events">' + "".join(_draw_event(p) for p in placed) + "</g>"


def _draw_scores(f: _Frame, pain: Sequence[ObservationFact], odi: Sequence[ObservationFact]) -> str:
    """Pain (0–10, left scale) and ODI (0–100, right scale) as lines in a frame."""
    parts = [
        f'<g class="scores"><rect class="frame" x="{LEFT}" y="{f.scores_top}" '
        f'width="{f.width - LEFT - RIGHT}" height="{SCORES_HEIGHT}"/>'
    ]
    for v in (0, 5, 10):
        parts.append(f'<text class="tick" x="{LEFT - 4}" y="{f.y_pain(v) + 4}" text-anchor="end">{v}</text>')
    for v in (0, 50, 100):
        parts.append(f'<text class="tick" x="{f.width - RIGHT + 4}" y="{f.y_odi(v) + 4}">{v}</text>')
    parts.append(_series("pain", pain, f.x, f.y_pain, "pain"))
    parts.append(_series("odi", odi, f.x, f.y_odi, "ODI"))
    if not pain and not odi:
        parts.append(
            f'<text class="none" x="{LEFT + 6}" y="{f.scores_top + 18}">No pain score or ODI recorded</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _score_rows(pain: Sequence[ObservationFact], odi: Sequence[ObservationFact]) -> list[Row]:
    rows: list[Row] = []
    for o in pain:
        assert o.effective is not None and o.value is not None
        rows.append(Row(o.effective, "score", o.text or "pain score", f"pain {_fmt(o.value)}/10", o.ref))
    for o in odi:
        assert o.effective is not None and o.value is not None
        rows.append(
            Row(o.effective, "score", o.text or "Oswestry Disability Index", f"ODI {_fmt(o.value)}", o.ref)
        )
    return rows


def _draw_bar(f: _Frame, b: _Bar, y: int) -> str:
    """One medicine or therapy course: a bar over its dates, a tick per therapy session, its name."""
    x1, x2 = _bar_x(b, f.start, f.end, f.width)
    ticks = "".join(
        f'<line class="session" x1="{f.x(d)}" y1="{y}" x2="{f.x(d)}" y2="{y + MED_ROW - 6}" '
        f'data-ref="{escape(ref)}" data-date="{d.isoformat()}"/>'
        for d, ref in b.sessions
    )
    ref_attr = f' data-ref="{escape(b.ref)}"' if b.ref else ""
    return (
        f'<g class="med {b.css}"{ref_attr} data-date="{b.start.isoformat()}">'
        f"<title>{escape(b.title)}</title>"
        f'<rect x="{x1}" y="{y}" width="{round(x2 - x1, 1)}" height="{MED_ROW - 6}" rx="3"/>{ticks}'
        + _bar_label(b.name, x1, x2, y, f.width)
        + "</g>"
    )


def _draw_medicines(f: _Frame, bar_rows: Sequence[Sequence[_Bar]]) -> str:
    parts = ['<g class="meds">']
    for i, items in enumerate(bar_rows):
        y = f.meds_top + i * MED_ROW
        parts.extend(_draw_bar(f, b, y) for b in items)
    if not bar_rows:
        parts.append(
            f'<text class="none" x="{LEFT + 4}" y="{f.meds_top + 12}">No analgesic, neuropathic '
            "medicine or therapy course recorded</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _bar_rows(bar_rows: Sequence[Sequence[_Bar]]) -> list[Row]:
    return [
        Row(b.start, "medicine" if not b.sessions else "therapy", b.what, b.result, b.ref)
        for items in bar_rows
        for b in items
    ]


def _draw_today(f: _Frame, today: date) -> str:
    """The evaluation date, as a line across all bands."""
    tx = f.x(today)
    return (
        f'<g class="today" data-date="{today.isoformat()}"><line x1="{tx}" y1="22" x2="{tx}" '
        f'y2="{f.height - 20}"/><text x="{tx}" y="{f.height - 6}" text-anchor="end">'
        f"evaluated {today.isoformat()}</text></g>"
    )


@dataclass(frozen=True)
class _Bar:
    css: str
    name: str  # written on the bar
    title: str
    what: str
    result: str
    start: date
    end: date
    ref: str | None
    sessions: tuple[tuple[date, str], ...] = ()  # therapy sessions, each drawn as a tick


def _medicine_bars(history: PatientHistory, today: date, t: Terminology) -> list[_Bar]:
    bars: list[_Bar] = []
    for m in history.medications:
        cls = _med_class(m, t)
        if cls is None or m.start is None or m.start > today:
            continue
        end = min(m.end or today, today)
        if m.status in ("stopped", "completed", "cancelled", "entered-in-error") and m.end is None:
            end = m.start
        until = (
            f"to {m.end.isoformat()}"
            if m.end
            else ("no end date" if m.status == "active" else (m.status or ""))
        )
        bars.append(
            _Bar(
                cls[0],
                _drug_name(m),
                f"{cls[1]}: {m.text} from {m.start.isoformat()}, {until}",
                f"{cls[1]}: {m.text}",
                until,
                m.start,
                max(end, m.start),
                m.ref,
            )
        )
    return bars


def _therapy_bars(history: PatientHistory, today: date, t: Terminology) -> list[_Bar]:
    """Each kind of therapy as one course from its first to its last session, a tick per session."""
    courses: dict[str, list[ProcedureFact]] = {}
    for p in history.procedures:
        label = _therapy(p, t)
        if label is not None and p.performed is not None and p.performed <= today and p.status != "not-done":
            courses.setdefault(label, []).append(p)
    bars = []
    for label, ps in courses.items():
        ps.sort(key=lambda p: p.performed or date.min)
        first, last = ps[0].performed, ps[-1].performed
        assert first is not None and last is not None
        n = f"{len(ps)} session{'s' if len(ps) != 1 else ''}"
        bars.append(
            _Bar(
                "therapy",
                label,
                f"{label}: {n}, {first.isoformat()} to {last.isoformat()}",
                label,
                f"{n} to {last.isoformat()}",
                first,
                last,
                None,
                tuple((p.performed, p.ref) for p in ps if p.performed is not None),
            )
        )
    return bars


def _brief(result: str) -> str:
    return {"outcome not recorded": "no outcome", "too early to judge": "too early"}.get(result, result)


def _drug_name(m: MedicationFact) -> str:
    """The drug's name as written first in the order ("Naproxen 500 mg tablet" → "Naproxen"), whole:
    never cut mid-word (where it goes is ``_label_place``'s business)."""
    name = m.text.split(" ")[0] if m.text else ""
    return name or "medicine"


CHAR_W = 6  # the width of a character of a bar's name (9.5 px bold), a little generous


@dataclass(frozen=True, slots=True)
class _LabelPlace:
    x: float
    anchor: str  # start | end
    css: str  # "" on the bar (white); "out" in ink beside it; "out over" in ink over it, haloed
    extent: tuple[float, float]  # the x range the bar and its name take together


def _label_place(name: str, x1: float, x2: float, width: int) -> _LabelPlace:
    """Where a bar's name goes, whole: on the bar when it fits; else just after it, else just before
    it, when that stays inside the picture; else over the bar's end, right-aligned to the picture's
    edge (in ink with a white halo), so a short course near the evaluation date in a side panel
    reads "Naproxen", not "Napro"."""
    text_w = len(name) * CHAR_W
    if x2 - x1 >= text_w + 8:
        return _LabelPlace(x1 + 4, "start", "", (x1, x2))
    if x2 + 4 + text_w <= width - 2:
        return _LabelPlace(x2 + 4, "start", "out", (x1, x2 + 4 + text_w))
    if x1 - 4 - text_w >= 2:
        return _LabelPlace(x1 - 4, "end", "out", (x1 - 4 - text_w, x2))
    right = width - 2
    return _LabelPlace(right, "end", "out over", (min(x1, right - text_w), max(x2, right)))


def _bar_x(b: _Bar, start: date, end: date, width: int) -> tuple[float, float]:
    x1 = x_position(b.start, start, end, width)
    return x1, max(x_position(b.end, start, end, width), x1 + 4)


def _bar_label(name: str, x1: float, x2: float, y: float, width: int) -> str:
    """The name on the bar, or beside it (in ink) when the bar is too short to hold it."""
    at = _label_place(name, x1, x2, width)
    css = f' class="{at.css}"' if at.css else ""
    anchor = ' text-anchor="end"' if at.anchor == "end" else ""
    return f'<text{css} x="{at.x}" y="{y + MED_ROW - 10}"{anchor}>{escape(name)}</text>'


def _pack(bars: list[_Bar], start: date, end: date, width: int = WIDTH) -> list[list[_Bar]]:
    """Bars into rows: a new row only when a bar, or the name written on or beside it, would overlap
    one already placed in every row."""
    rows: list[list[_Bar]] = []
    ends: list[float] = []
    for b in sorted(bars, key=lambda b: b.start):
        x1, x2 = _bar_x(b, start, end, width)
        lo, hi = _label_place(b.name, x1, x2, width).extent
        for i, last in enumerate(ends):
            if lo > last + 4:
                rows[i].append(b)
                ends[i] = hi
                break
        else:
            rows.append([b])
            ends.append(hi)
    return rows


def _series(
    css: str,
    obs: Sequence[ObservationFact],
    x: Callable[[date], float],
    y: Callable[[float], float],
    what: str,
) -> str:
    if not obs:
        return ""
    pts = [(x(o.effective), y(o.value), o) for o in obs if o.effective is not None and o.value is not None]
    line = " ".join(f"{px},{py}" for px, py, _ in pts)
    dots = "".join(
        f'<circle cx="{px}" cy="{py}" r="3.5" data-ref="{escape(o.ref)}" data-date="{o.effective}">'
        f"<title>{escape(f'{o.effective} {what} {_fmt(o.value or 0)}')}</title></circle>"
        for px, py, o in pts
    )
    return f'<g class="series {css}"><polyline points="{line}"/>{dots}</g>'


def _ticks(start: date, end: date, most: int) -> list[tuple[date, str]]:
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next((s for s in (1, 2, 3, 6, 12, 24) if months / s <= most), 60)
    out: list[tuple[date, str]] = []
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        d = date(y, m, 1)
        if d > end:
            break
        if (m - 1) % step == 0:
            out.append((d, d.strftime("%b %Y") if m == 1 or not out else d.strftime("%b")))
    return out


def _summary(
    events: Sequence[_Event],
    pain: Sequence[ObservationFact],
    odi: Sequence[ObservationFact],
    bars: Sequence[_Bar],
    today: date,
) -> str:
    """The picture in words, for screen readers (the table below the picture has the detail)."""
    bits = []
    for e in events:
        bits.append(f"{e.day} {e.what}" + (f" ({e.result})" if e.result else ""))
    text = "; ".join(bits) if bits else "No dated diagnosis, imaging or procedure recorded"
    if pain:
        first, last = _fmt(pain[0].value or 0), _fmt(pain[-1].value or 0)
        text += f". Pain scores: {len(pain)}, from {first} to {last} out of 10"
    if odi:
        text += f". ODI: {len(odi)} scores, latest {_fmt(odi[-1].value or 0)}"
    if bars:
        text += f". Medicines and therapy: {', '.join(sorted({b.what.split(':')[0] for b in bars}))}"
    return text + f". Evaluated on {today.isoformat()}."
