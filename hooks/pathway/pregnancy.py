"""Pregnancy: whether the patient is pregnant now, and what it changes on every card.

Detection (``current_pregnancy``; ``PathwayContext.pregnancy``, read by the order checks as
``ctx.pathway.pregnancy``):

When: a pregnancy on record — a Condition in force (active, not refuted or entered in error, not
  abated) in ``pregnancy_current`` (pregnant state, supervision of a normal or high-risk pregnancy,
  weeks of gestation, a pregnancy-only diagnosis), or a pregnancy status Observation or qualitative
  pregnancy test (``pregnancy_status_observations``) whose value says pregnant
  (``pregnancy_status_pregnant``; a value in words only, "Positive", read as such) — dated within
  ``pregnancy_max_days`` (a Condition by its onset, else its recordedDate; an undated one is not
  read), and no end of the pregnancy recorded on or after it: a delivery, miscarriage or
  termination (``pregnancy_ended``: a Condition of any clinical status, or a completed Procedure),
  a pregnancy Condition abated since, or a status Observation saying not pregnant
  (``pregnancy_status_not_pregnant``).
  Gestational age: the latest weeks-of-gestation code of the current pregnancy
  (``pregnancy_gestational_weeks``: a code ending in two digits gives the weeks, 01 under 8, 49 over
  42, 00 not specified; a subcategory a range of ten weeks), advanced by the days since it was
  recorded. A gestation that would now exceed ``MAX_GESTATION_WEEKS`` dates a pregnancy that has
  ended (delivery is not left beyond 42 weeks): its records no longer count. Otherwise "weeks
  unknown".
Then (``mark_pregnancy``, applied to every patient-view card and, for what a card offers, to the
  order checks' cards):
  (a) a card that offers or recommends a fluoroscopic or CT-guided spine procedure or lumbar CT
      (``fluoroscopic_or_ct_spine_procedures``): that order is no longer pre-selected and carries a
      note, the pregnancy is named among the first facts, and a step says to defer elective
      fluoroscopic or CT-guided procedures until after delivery, or, if one cannot wait, to weigh
      it with the obstetric team and the proceduralist, with shielding and the lowest dose; a
      summary whose recommendation is the procedure says "procedures after delivery";
  (b) a card that offers or recommends an MRI with contrast (``mri_lumbar_with_contrast``): the
      order carries a note and a step says gadolinium only if essential to the diagnosis, MRI
      without contrast being the study of choice; the order is no longer pre-selected unless the
      card is critical or a tumour or infection is suspected (an epidural abscess or a tumour may
      need contrast);
  (c) a card whose steps or suggestions name an NSAID: a step says to avoid NSAIDs (from 20 weeks,
      when the pregnancy is known to be earlier) and that paracetamol (acetaminophen) is the usual
      analgesic.
  The new steps come before the step they qualify, never before a critical card's first step.
Evidence: ACOG Committee Opinion 723 (2017), Guidelines for Diagnostic Imaging During Pregnancy and
  Lactation; FDA Drug Safety Communication (2020) on NSAIDs at 20 weeks of pregnancy or later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact, SuggestionDraft
from hooks.evidence import guideline
from hooks.facts import ConditionFact, ObservationFact
from hooks.terminology import Terminology

if TYPE_CHECKING:
    from hooks.pathway.context import PathwayContext

CURRENT = "pregnancy_current"
ENDED = "pregnancy_ended"
GESTATION = "pregnancy_gestational_weeks"
STATUS = "pregnancy_status_observations"
STATUS_PREGNANT = "pregnancy_status_pregnant"
STATUS_NOT_PREGNANT = "pregnancy_status_not_pregnant"
# What pregnancy changes on a card: ionising radiation, gadolinium, NSAIDs
FLUOROSCOPIC = "fluoroscopic_or_ct_spine_procedures"
CONTRAST_MRI = "mri_lumbar_with_contrast"
NSAIDS = "rx_nsaids"

# FDA 2020: NSAIDs are avoided from 20 weeks of pregnancy (the regulator's number, not site policy)
NSAID_WEEKS = 20
# The longest a pregnancy runs: a gestation past this dates a pregnancy that has ended
MAX_GESTATION_WEEKS = 44
ACOG = "acog_imaging_2017"
FDA = "fda_nsaids_2020"
STATUS_KIND = "pregnancy_status"  # ObservationFact.kind of a pregnancy status (cds_service.fhir_facts)

# Each step opens with what to do, so that the card's one-line form of it (cut where a clause ends)
# still says it.
DEFER_STEP = (
    "Defer elective fluoroscopic or CT-guided procedures until after delivery; if one cannot wait in "
    "pregnancy, the obstetric team and the proceduralist weigh it, with shielding and the lowest dose "
    "(ACOG 2017)."
)
GADOLINIUM_STEP = (
    "Give gadolinium in pregnancy only if it is essential to the diagnosis; MRI without contrast is the "
    "study of choice (ACOG 2017)."
)
# Said on the orders a card creates, for whoever schedules and performs them.
DEFER_NOTE = (
    "Patient is pregnant: elective fluoroscopic or CT-guided procedures wait until after delivery; if "
    "this one cannot wait, the obstetric team and the proceduralist weigh it, with shielding and the "
    "lowest dose (ACOG Committee Opinion 723, 2017)."
)
GADOLINIUM_NOTE = (
    "Patient is pregnant: gadolinium only if it is essential to the diagnosis; MRI without contrast is "
    "the study of choice (ACOG Committee Opinion 723, 2017)."
)
# When a tumour or an infection is suspected (or the card is critical): contrast may be essential
GADOLINIUM_NEEDED_STEP = (
    "Give gadolinium in pregnancy only if it is essential to the diagnosis, as it may be for an abscess "
    "or a tumour: tell the radiologist (ACOG 2017)."
)
GADOLINIUM_NEEDED_NOTE = (
    "Patient is pregnant: gadolinium only if it is essential to the diagnosis, as it may be for an "
    "abscess or a tumour; the radiologist decides (ACOG Committee Opinion 723, 2017)."
)
# How a summary whose recommendation is the procedure says it waits (the longest that fits)
SUMMARY_SUFFIXES = (" (pregnant: procedures after delivery)", " (pregnant: after delivery)")
CONTRAST_SUMMARY_SUFFIXES = (" (pregnant: gadolinium only if essential)", " (gadolinium only if essential)")


# ---------------------------------------------------------------------------------------------
# gestational age
# ---------------------------------------------------------------------------------------------

_WEEKS_CODE = re.compile(r"\.(\d{1,2})$")


def gestation_days(code: str) -> tuple[int, int | None] | None:
    """The gestation a weeks-of-gestation code gives on the day it was recorded, in days: (at least,
    at most; None when open-ended). Two digits: that many weeks (01 under 8 weeks, 49 over 42
    weeks, 00 not specified); one digit, a subcategory: ten weeks (1: 10-19, 2: 20-29, 3: 30-39,
    4: 40 or more; 0, unspecified or under 10, says nothing). None when the code gives no age."""
    m = _WEEKS_CODE.search(code)
    if m is None:
        return None
    digits = m.group(1)
    n = int(digits)
    if len(digits) == 2:
        if n == 1:
            return 0, 8 * 7 - 1
        if n == 49:
            return 43 * 7, None
        if 8 <= n <= 42:
            return n * 7, n * 7 + 6
        return None  # 00: weeks not specified
    if 1 <= n <= 3:
        return n * 70, n * 70 + 69
    if n == 4:
        return 280, None
    return None


@dataclass(frozen=True, slots=True)
class Gestation:
    """The gestational age today, in days (``low`` at least, ``high`` at most; None when open-ended),
    from a weeks-of-gestation Condition recorded on ``recorded`` (``at_record``: its own words)."""

    low: int
    high: int | None
    condition: ConditionFact
    recorded: date
    at_record: str
    under: bool = False  # the code gave only an upper bound ("less than 8 weeks")

    def at(self, today: date, day: date) -> str:
        """The gestational age ``text`` gives today, as it was on ``day`` (the record's date: what
        the record said)."""
        back = (today - day).days
        return replace(self, low=self.low - back, high=None if self.high is None else self.high - back).text

    @property
    def text(self) -> str:
        """As a card says it: "26 weeks", "under 10 weeks", "at least 43 weeks", "20–29 weeks"."""
        weeks = self.low // 7
        if self.high is None:
            return f"at least {weeks} weeks"
        top = self.high // 7
        if self.under:
            return f"under {top + 1} weeks"
        if top == weeks or self.high - self.low < 7:
            return f"{weeks} weeks"
        return f"{weeks}–{top} weeks"


def _gestation(c: ConditionFact, code: str, today: date) -> Gestation | None:
    when = c.recorded or c.onset
    days = gestation_days(code)
    if when is None or days is None:
        return None
    elapsed = (today - when).days
    low, high = days
    return Gestation(
        low + elapsed, None if high is None else high + elapsed, c, when, c.text or code, under=low == 0
    )


# ---------------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Record:
    """One record that the patient is pregnant: a Condition or a "pregnant" status Observation."""

    when: date
    ref: str
    text: str
    condition: ConditionFact | None = None
    test: bool = False  # a positive pregnancy test (an Observation, or Z32.01 as a diagnosis)


@dataclass(frozen=True)
class Pregnancy:
    """A current pregnancy: the records that show it (``records``, oldest first) and the
    gestational age when a weeks-of-gestation code gives it (``gestation``)."""

    records: tuple[_Record, ...]
    gestation: Gestation | None
    today: date

    @property
    def lead(self) -> _Record:
        """The record a card names: the one that gives the weeks, else the latest Condition, else the
        latest status Observation."""
        if self.gestation is not None:
            return next(r for r in self.records if r.condition is self.gestation.condition)
        conditions = [r for r in self.records if r.condition is not None]
        return (conditions or list(self.records))[-1]

    @property
    def weeks(self) -> str:
        """The gestational age as a card says it, or "weeks unknown"."""
        return self.gestation.text if self.gestation is not None else "weeks unknown"

    @property
    def past_nsaid_weeks(self) -> bool:
        """Known to be 20 weeks or more today."""
        g = self.gestation
        return g is not None and not g.under and g.low >= NSAID_WEEKS * 7

    @property
    def before_nsaid_weeks(self) -> bool:
        """Known to be before 20 weeks today (at most 19 weeks and 6 days)."""
        g = self.gestation
        return g is not None and g.high is not None and g.high < NSAID_WEEKS * 7

    def fact(self) -> Fact:
        """The pregnancy as a card's deciding fact: the record, and the weeks today."""
        lead = self.lead
        when = lead.when.isoformat()
        g = self.gestation
        age = f"{g.text} on {self.today.isoformat()}" if g is not None else "gestational age not recorded"
        # the weeks today are projected from the record's: say both, never the projection as recorded
        then = None if g is None else g.at(self.today, g.recorded)
        short = (
            f"pregnant, {self.weeks} today ({then} on {when})"
            if g is not None and then != g.text
            else f"pregnant, {self.weeks} (recorded {when})"
        )
        return Fact(f"current pregnancy: {lead.text}, recorded {when}; {age}", lead.ref, short=short)


def _dated(c: ConditionFact) -> date | None:
    """When a pregnancy Condition says the pregnancy was: its onset, else its recordedDate."""
    return c.onset


def _status_obs(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    return tuple(
        o
        for o in ctx.history.observations
        if (o.kind == STATUS_KIND or ctx.matches(STATUS, o.codings))
        and o.status not in ("entered-in-error", "cancelled")
        and o.effective is not None
        and o.effective <= ctx.today
    )


# A pregnancy test's result written as words (valueString "Positive", a coded answer's display).
_POSITIVE = re.compile(
    r"^\s*(?:(?:weakly|weak|faintly)\s+)?(?:positive|pos|detected|reactive)\b", re.IGNORECASE
)
_NEGATIVE = re.compile(r"^\s*(?:negative|neg|not detected|non-?reactive)\b", re.IGNORECASE)
TESTS = "pregnancy_test_observations"
TEST_DIAGNOSES = "pregnancy_test_diagnoses"  # a positive test recorded as a diagnosis (Z32.01)


def _says(ctx: PathwayContext, o: ObservationFact, value_set: str, words: re.Pattern[str]) -> bool:
    """A status Observation's (or pregnancy test's) value in ``value_set``, or written as ``words``
    (its text, or a coded answer's display the value set does not list)."""
    if o.value_codings and ctx.matches(value_set, o.value_codings):
        return True
    return bool(o.value_text and words.search(o.value_text))


def _is_test(ctx: PathwayContext, o: ObservationFact) -> bool:
    return ctx.matches(TESTS, o.codings)


def _test_ends(ctx: PathwayContext) -> list[date]:
    """The days a pregnancy test read negative: they end only a pregnancy known from an earlier
    positive test (a qualitative test can read falsely negative later in pregnancy, so a pregnancy
    Condition, a gestational age or a "pregnant" status stands)."""
    return [
        o.effective for o in _status_obs(ctx)
        if o.effective and _is_test(ctx, o) and _says(ctx, o, STATUS_NOT_PREGNANT, _NEGATIVE)
    ]  # fmt: skip


def _ends(ctx: PathwayContext) -> list[date]:
    """Every date on which a pregnancy is recorded as ended: a delivery, miscarriage or termination
    (a Condition of any clinical status, or a completed Procedure), a pregnancy Condition abated,
    a status Observation saying not pregnant."""
    out = [d for c in ctx.conditions(ENDED, current_only=False) if (d := _dated(c)) is not None]
    out += [p.performed for p in ctx.procedures(ENDED) if p.performed is not None]
    out += [
        c.abatement
        for c in ctx.conditions(CURRENT, current_only=False)
        if c.abatement is not None and c.abatement <= ctx.today
    ]
    out += [
        o.effective
        for o in _status_obs(ctx)
        if o.effective and not _is_test(ctx, o) and _says(ctx, o, STATUS_NOT_PREGNANT, _NEGATIVE)
    ]
    return [d for d in out if d <= ctx.today]


def _records(ctx: PathwayContext) -> list[_Record]:
    """The records of a pregnancy within ``pregnancy_max_days``, oldest first."""
    since = ctx.today - timedelta(days=ctx.t.pregnancy_max_days)
    found = [
        _Record(d, c.ref, c.text, c, test=ctx.matches(TEST_DIAGNOSES, c.codings))
        for c in ctx.conditions(CURRENT)
        if (d := _dated(c)) is not None and since <= d <= ctx.today
    ]
    found += [
        _Record(
            o.effective, o.ref, f"{o.text or 'pregnancy status'}: {o.value_text or 'pregnant'}",
            test=_is_test(ctx, o),
        )
        for o in _status_obs(ctx)
        if o.effective is not None and since <= o.effective and _says(ctx, o, STATUS_PREGNANT, _POSITIVE)
    ]
    return sorted(found, key=lambda r: r.when)


def _latest_gestation(ctx: PathwayContext, records: Sequence[_Record]) -> Gestation | None:
    """The gestation the latest weeks-of-gestation Condition among ``records`` gives today."""
    dated = [
        g
        for r in records
        if r.condition is not None
        for x in r.condition.codings
        if ctx.matches(GESTATION, (x,)) and (g := _gestation(r.condition, x.code, ctx.today)) is not None
    ]
    return max(dated, key=lambda g: g.recorded, default=None)


def current_pregnancy(ctx: PathwayContext) -> Pregnancy | None:
    """The current pregnancy, or None (see the module's When)."""
    records = _records(ctx)
    if not records:
        return None
    ends = _ends(ctx)
    if ends:
        last_end = max(ends)
        records = [r for r in records if r.when > last_end]
    test_ends = _test_ends(ctx)
    if test_ends:
        last_negative = max(test_ends)
        records = [r for r in records if not r.test or r.when > last_negative]
    gestation = _latest_gestation(ctx, records)
    if gestation is not None and gestation.low > MAX_GESTATION_WEEKS * 7:
        # the pregnancy this gestation dates has ended by now: its records no longer count
        ended_by = ctx.today - timedelta(days=gestation.low - MAX_GESTATION_WEEKS * 7)
        records = [r for r in records if r.when > ended_by]
        gestation = None
    if not records:
        return None
    return Pregnancy(tuple(records), gestation, ctx.today)


# ---------------------------------------------------------------------------------------------
# what it changes on a card
# ---------------------------------------------------------------------------------------------

# The spine procedures that use fluoroscopy or CT, and CT, as the cards name them.
_PROCEDURE_WORDS = re.compile(
    r"\b(?:ESIs?|TFESI|ILESI|SNRB|RFA|MILD|DRG stimulation|SCS)\b|"
    r"\bepidural (?:steroid )?injections?\b|\bimage-guided\b[^;:.]*?\binjection|"
    r"\bnerve[- ]root (?:block|injection)|\bmedial branch blocks?\b|"
    r"\b(?:SI-joint|sacroiliac joint) (?:block|injection)|\bdiagnostic (?:spinal )?block\b|"
    r"\bradiofrequency\b|\bablation\b|\bspinal cord stimulat|\bstimulator (?:trial|implant)|"
    r"\bpermanent (?:stimulator )?implant\b|\bdiscograph|\bintrathecal pump\b",
    re.IGNORECASE,
)
# CT in capitals ("ct" in other words is no CT), and myelography
_CT = re.compile(r"\bCT\b|\b[Mm]yelogra")
_CONTRAST_MRI = re.compile(
    r"\bMRI\b[^.;:]*?\b(?:with(?: and without)? contrast|without and with contrast|and with contrast)\b|"
    r"\bcontrast MRI\b|\bgadolinium\b",
    re.IGNORECASE,
)
_NSAID = re.compile(r"\bNSAIDs?\b")
# A clause that says not to do something: it recommends nothing.
_NEGATED = re.compile(r"^\W*(?:no|not|do not|don't|stop|hold|avoid|never|without)\b", re.IGNORECASE)
_CLAUSES = re.compile(r"\s*[;:]\s*|\s+[—–]\s+")


def _recommends(pattern: re.Pattern[str], text: str) -> bool:
    """Some clause of ``text`` names what ``pattern`` matches without saying not to do it."""
    return any(pattern.search(c) and not _NEGATED.match(c) for c in _CLAUSES.split(text))


def _names_fluoroscopy(text: str) -> bool:
    """A step that recommends a fluoroscopic or CT-guided procedure, or CT."""
    return _recommends(_PROCEDURE_WORDS, text) or _recommends(_CT, text)


def _offers(term: Terminology, s: SuggestionDraft, value_set: str) -> bool:
    return any(value_set in term.memberships(system, code) for system, code in sx.ordered_codes(s))


def _with_note(s: SuggestionDraft, term: Terminology, value_set: str, note: str) -> SuggestionDraft:
    """``s`` with ``note`` on each order it creates or changes that is in ``value_set``."""

    def noted(resource: dict[str, Any] | None) -> dict[str, Any] | None:
        if resource is None:
            return None
        concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
        codes = [(c.get("system", ""), c.get("code", "")) for c in concept.get("coding", [])]
        if not any(value_set in term.memberships(system, code) for system, code in codes):
            return resource
        notes = list(resource.get("note") or [])
        if any(n.get("text") == note for n in notes):
            return resource
        return {**resource, "note": [*notes, {"text": note}]}

    return replace(s, actions=tuple(replace(a, resource=noted(a.resource)) for a in s.actions))


def current_nsaids(ctx: PathwayContext) -> frozenset[str]:
    """The patient's current NSAID prescriptions, by reference; low-dose aspirin is antiplatelet
    therapy (often given in pregnancy), not an NSAID course."""
    return frozenset(
        m.ref for m in ctx.medications(NSAIDS) if ctx.is_active_med(m) and not ctx.is_antiplatelet_aspirin(m)
    )


def nsaid_step(pregnancy: Pregnancy) -> str:
    """What a card says of NSAIDs in this pregnancy: avoid them (from 20 weeks when the pregnancy is
    known to be earlier), paracetamol being the usual analgesic (FDA 2020)."""
    if pregnancy.before_nsaid_weeks:
        return (
            f"Avoid NSAIDs from {NSAID_WEEKS} weeks of pregnancy ({pregnancy.weeks} now): they can then "
            "cause low amniotic fluid and fetal kidney problems (FDA 2020); paracetamol (acetaminophen) is "
            "the usual analgesic."
        )
    return (
        f"Avoid NSAIDs in pregnancy ({pregnancy.weeks}): from {NSAID_WEEKS} weeks they can cause low "
        "amniotic fluid and fetal kidney problems (FDA 2020); paracetamol (acetaminophen) is the usual "
        "analgesic."
    )


def _summary(summary: str, suffixes: Sequence[str], pattern: re.Pattern[str]) -> str:
    """``summary`` with a suffix on the first clause of its recommendation (after its first colon)
    that names what ``pattern`` matches, the longest that fits; unchanged when none does."""
    head, colon, rec = summary.partition(":")
    if not colon:
        head, rec = "", summary
    parts = re.split(r"(;\s*)", rec)
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if pattern.search(clause) and not _NEGATED.match(clause):
            for suffix in suffixes:
                out = [*parts[:i], clause.rstrip(" .") + suffix, *parts[i + 1 :]]
                text = f"{head}{colon}{''.join(out)}"
                if len(text) <= SUMMARY_MAX:
                    return text
            return summary
    return summary


@dataclass(frozen=True, slots=True)
class _Changes:
    """What pregnancy changes on one card: for each of fluoroscopy or CT, a contrast MRI and NSAIDs,
    whether the card offers or recommends it and the first step that names it (None: none does)."""

    fluoro: bool
    fluoro_step: int | None
    contrast: bool
    contrast_step: int | None
    nsaid: bool
    nsaid_step: int | None

    @property
    def any(self) -> bool:
        return self.fluoro or self.contrast or self.nsaid


def _changes(card: CardDraft, term: Terminology, read_steps: bool, nsaid_refs: frozenset[str]) -> _Changes:
    def first(test: Any) -> int | None:
        return next((i for i, s in enumerate(card.next_steps) if test(s)), None)

    def offers(value_set: str) -> bool:
        return any(_offers(term, s, value_set) for s in card.suggestions)

    fluoro_step = first(_names_fluoroscopy) if read_steps else None
    contrast_step = first(lambda s: _recommends(_CONTRAST_MRI, s)) if read_steps else None
    nsaid_step = first(lambda s: bool(_NSAID.search(s)))
    return _Changes(
        offers(FLUOROSCOPIC) or fluoro_step is not None,
        fluoro_step,
        offers(CONTRAST_MRI) or contrast_step is not None,
        contrast_step,
        offers(NSAIDS) or nsaid_step is not None or any(r in nsaid_refs for f in card.why for r in f.refs),
        nsaid_step,
    )


def _steps(card: CardDraft, changes: _Changes, pregnancy: Pregnancy, keep_contrast: bool) -> tuple[str, ...]:
    """The card's steps with what pregnancy changes, each before the step it qualifies (first when
    only a suggestion offers it). A critical card's first step is the emergency: nothing goes before
    it; nor, when contrast may be essential, before the step that orders it."""
    floor = 1 if card.indicator == "critical" else 0
    inserts = []  # (position, order among steps at one position, step)
    if changes.fluoro:
        inserts.append((max(changes.fluoro_step or 0, floor), 0, DEFER_STEP))
    if changes.contrast:
        step = GADOLINIUM_NEEDED_STEP if keep_contrast else GADOLINIUM_STEP
        inserts.append((max(changes.contrast_step or 0, 1 if keep_contrast else floor), 1, step))
    if changes.nsaid and pregnancy.before_nsaid_weeks:
        # an NSAID may still be taken for now: the caution follows the step that names it (else last)
        after = len(card.next_steps) if changes.nsaid_step is None else changes.nsaid_step + 1
        inserts.append((max(after, floor), 2, nsaid_step(pregnancy)))
    elif changes.nsaid:
        inserts.append((max(changes.nsaid_step or 0, floor), 2, nsaid_step(pregnancy)))
    steps = list(card.next_steps)
    # inserted last-first, so the positions still hold and steps at one position keep their order
    for position, _, step in sorted(inserts, key=lambda x: (-x[0], -x[1])):
        if step not in steps:
            steps.insert(min(position, len(steps)), step)
    return tuple(steps)


def _suggestions(card: CardDraft, term: Terminology, keep_contrast: bool) -> tuple[SuggestionDraft, ...]:
    """The card's suggestions: a fluoroscopic or CT order no longer pre-selected, a contrast MRI not
    pre-selected unless contrast may be essential, each carrying its note."""
    out = []
    for s in card.suggestions:
        if _offers(term, s, FLUOROSCOPIC):
            s = replace(_with_note(s, term, FLUOROSCOPIC, DEFER_NOTE), is_recommended=False)
        if _offers(term, s, CONTRAST_MRI):
            s = _with_note(
                s, term, CONTRAST_MRI, GADOLINIUM_NEEDED_NOTE if keep_contrast else GADOLINIUM_NOTE
            )
            if not keep_contrast:
                s = replace(s, is_recommended=False)
        out.append(s)
    return tuple(out)


def mark_pregnancy(
    card: CardDraft,
    term: Terminology,
    pregnancy: Pregnancy | None,
    *,
    contrast_needed: bool = False,
    read_steps: bool = True,
    nsaid_refs: frozenset[str] = frozenset(),
    taking: Sequence[Fact] = (),
    at: int = 1,
) -> CardDraft:
    """``card`` as it must read for a pregnant patient (see the module's Then); unchanged when there
    is no current pregnancy or the card offers and recommends none of what pregnancy changes.
    ``contrast_needed``: a tumour or infection is suspected, so a contrast MRI stays pre-selected (as
    on a critical card). ``read_steps``: the steps' words count as recommending (the pathway); an
    order check's card is judged by its suggestions only (the draft order has its own check) and its
    steps for NSAIDs. ``nsaid_refs``: the patient's current NSAID prescriptions (``current_nsaids``):
    a card that names one among its facts names an NSAID. ``at``: where the pregnancy goes among the
    facts (after a critical card's first two). ``taking``: the current NSAID prescriptions this card
    must name whatever it says (the first card of a patient-view: a pregnant patient taking an NSAID
    is told so once), each after the pregnancy."""
    if pregnancy is None:
        return card
    changes = _changes(card, term, read_steps, nsaid_refs)
    if taking and not changes.nsaid:
        # the card's own recommendation stays first; the caution follows it
        changes = replace(changes, nsaid=True, nsaid_step=1)
    if not changes.any:
        return card
    critical = card.indicator == "critical"
    keep_contrast = critical or contrast_needed
    fact = pregnancy.fact()
    rest = [f for f in card.why if f != fact]
    place = max(at, 2) if critical else at
    summary = card.summary
    if changes.fluoro and not critical:
        summary = _summary(summary, SUMMARY_SUFFIXES, _PROCEDURE_WORDS)
    if changes.contrast and not keep_contrast and summary == card.summary:
        summary = _summary(summary, CONTRAST_SUMMARY_SUFFIXES, _CONTRAST_MRI)
    keys = {g.key for g in card.evidence}
    used = ((ACOG, changes.fluoro or changes.contrast), (FDA, changes.nsaid))
    extra = tuple(guideline(k) for k, wanted in used if wanted and k not in keys)
    return replace(
        card,
        summary=summary,
        why=(*rest[:place], fact, *(f for f in taking if f not in rest), *rest[place:]),
        next_steps=_steps(card, changes, pregnancy, keep_contrast),
        suggestions=_suggestions(card, term, keep_contrast),
        evidence=card.evidence + extra,
    )
