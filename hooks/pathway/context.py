"""The pathway context: what every pathway rule needs, worked out once per evaluation.

``PathwayContext`` reads the typed patient history through the value sets and answers the
questions the decision model asks again and again: is the gate open (§1.1.1), when did the
symptoms start (§1.1.6), which treatments were done and how did they turn out (§3), what imaging
and orders exist. Every answer keeps the facts (with resource references) a card will show.

It is a plain object with cached properties: computed lazily, at most once per request. Rules
read it and never the clock (``ctx.today``). Shared by the order guardrails: build it with
``PathwayContext(inp)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from hooks import suggestions as sx
from hooks.cards import Conflict, Fact, SuggestionDraft
from hooks.evaluation import EvaluationInput
from hooks.facts import (
    ConditionFact,
    EncounterFact,
    MedicationFact,
    ObservationFact,
    ProcedureFact,
    ReportFact,
    ServiceRequestFact,
)
from hooks.pathway import failure
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.pathway.pregnancy import Pregnancy, current_pregnancy
from hooks.terminology import Coding, Terminology
from hooks.text import (
    ALCOHOL_TEXT,
    COMPRESSION,
    CONTRAST_ASKED,
    CT,
    DRG,
    FIBROSIS,
    LF_HYPERTROPHY,
    LUMBAR_SITE,
    MG_DOSE,
    MOUD_FORMULATION,
    MRI,
    NAME_MAX,
    NEGATED_COMPRESSION,
    NO_SURGICAL_TARGET,
    NON_LUMBAR_SITE,
    NONSPECIFIC_IMAGING,
    OTHER_INDICATION,
    OTP_TEXT,
    RADIOGRAPH,
    RECURRENCE,
    RELATIVE_ONSET,
    SPINE_SERVICE,
    SURGICAL_SERVICE,
    UNCERTAIN,
    affirmed,
    clause_of,
    denies_leg_symptoms,
    key_finding,
    levels_in,
    names_fbss,
    names_lumbar_radicular,
    names_surgical_status,
    parse_laterality,
    red_flags_named,
    segments,
    short_name,
    states_leg_symptoms,
    tells_claudication,
    upper_limb_only,
    without_and_with_contrast,
)
from hooks.thresholds import Thresholds, span

Assessor = Callable[[ProcedureFact, Modality], Assessment]


def _arm_strength(o: ObservationFact) -> bool:
    """A strength score of an arm's muscle or movement (``upper_limb_only``): no lumbosacral root's."""
    return upper_limb_only(o.text, o.body_site_text, *(b.display for b in o.body_site))

EXCLUDED_VERIFICATION = ("refuted", "entered-in-error")
# What a card says of a radicular diagnosis recognised from its words (no code any value set knows).
WORDS_ONLY = "recognised from its words: no code the value sets know"
WORDS_ONLY_SHORT = "in words only"
ENDED_MED_STATUSES = ("stopped", "completed", "cancelled", "entered-in-error", "not-taken", "revoked")

# Where a physiotherapy session says it treats another part of the body (its body site, reason or own
# text): a shoulder, knee or neck course is not lumbar conservative care. The back, a lumbar level, the
# leg, buttock or foot, or sciatica named anywhere keeps it (``lumbar_physiotherapy``).
OTHER_BODY_PART = re.compile(
    r"\b(?:shoulders?|rotator cuff|elbows?|wrists?|hands?(?!-on)|fingers?|thumbs?|knees?|patell\w*|ankles?|"
    r"achilles|plantar|hips?|neck|cervical|thoracic|jaw|temporomandibular|tmj|pelvic floor|vestibular|"
    r"cardiac|pulmonary|acl|menisc\w*)\b",
    re.IGNORECASE,
)
# ... and what keeps it lumbar: the (lower, not upper) back, a lumbar or sacral level or the sacrum,
# the leg, buttock or foot, sciatica, radicular pain or claudication.
LUMBAR_OR_LEG = re.compile(
    r"(?<!upper )\bback\b|\baxial\b|lumb|sacr|\bL[1-5]\b|\bS1\b|sciatic|radicul|claudicat|"
    r"\b(?:legs?|lower (?:limbs?|extremit\w*)|thighs?|calf|calves|foot|feet|buttocks?|gluteal)\b",
    re.IGNORECASE,
)
# The reason codes that keep a physiotherapy session on the lumbar question whatever its words say.
LUMBAR_REASON_SETS = (
    "lumbar_radiculopathy_conditions",
    "lumbar_disc_displacement_without_radiculopathy",
    "disc_herniation_with_radiculopathy",
    "lumbar_spinal_stenosis",
    "neurogenic_claudication",
    "postlaminectomy_syndrome_fbss",
    "facet_mediated_pain",
    "sacroiliac_joint_pain",
)

PENDING_ORDER_STATUSES = ("draft", "active", "on-hold")
DEAD_ORDER_STATUSES = ("revoked", "entered-in-error")


@dataclass(frozen=True)
class ImagingStudy:
    """One lumbar imaging study: a completed Procedure and/or a DiagnosticReport."""

    ref: str
    when: date | None
    text: str  # code text / report title
    conclusion: str
    is_mri: bool
    with_contrast: bool
    is_report: bool
    codings: tuple[Coding, ...] = ()
    # plain films only (``failure.is_plain_radiograph``): they show alignment, never a nerve root
    radiograph: bool = False

    @property
    def label(self) -> str:
        when = self.when.isoformat() if self.when else "undated"
        return f"{self.text} on {when}"

    @property
    def kind(self) -> str:
        """The study's kind in a word or two: "MRI", "contrast MRI", "CT", "radiographs", "imaging"."""
        if self.is_mri:
            return "contrast MRI" if self.with_contrast else "MRI"
        if CT.search(self.text):
            return "CT"
        return "radiographs" if self.radiograph or RADIOGRAPH.search(self.text) else "imaging"

    @property
    def short_label(self) -> str:
        """Which study and when, in a few words: "MRI 2026-07-15"."""
        return f"{self.kind} {self.when.isoformat() if self.when else 'undated'}"

    @property
    def finding(self) -> str:
        """The report's deciding finding in a few words (see ``hooks.text.key_finding``)."""
        return key_finding(self.conclusion) or "no report text"

    def fact(self) -> Fact:
        """The finding first (what decides the card), then which study and when."""
        return Fact(
            f"{self.conclusion or 'no report text'} ({self.label})",
            self.ref,
            short=f"{self.short_label}: {self.finding}",
        )


NO_TARGET_SHORT = "noted: no surgical target"


@dataclass(frozen=True)
class Concordance:
    """What the imaging says about a compressive lesion that matches the radicular symptoms."""

    status: str  # concordant | discordant | unknown | no-imaging
    study: ImagingStudy | None
    detail: str


# The conservative steps the symptom duration chooses between (acute E1/E2, persistent P1, chronic P2).
DURATION_STATES = ("E1", "E2", "P1", "P2")


# An onset in words relative to when it was said: "years ago", "3 months ago", "a few weeks ago".
UNIT_DAYS = {"year": 365, "yr": 365, "month": 30, "mo": 30, "week": 7, "wk": 7, "day": 1}


# An onset whose words are one "… ago" and nothing else but a few plain words before it ("about 3
# months ago", "patient states 3 years ago", "years ago."). Words that say more ("previous CES 5
# years ago, retention this morning", "2 weeks ago; back pain since 2015") are not read: the time may
# date something else, and read as the onset it would make a new finding old.
RELATIVE_ONSET_ALONE = re.compile(
    r"^(?P<lead>[A-Za-z ~]{0,40}?)\s*(?P<ago>" + RELATIVE_ONSET.pattern + r")\s*\.?$", re.IGNORECASE
)
# Lead words that date another event than this onset.
OTHER_EVENT = re.compile(
    r"\b(?:previous|prior|history|hx|had|after|post|before|earlier|old|first|last)\b", re.IGNORECASE
)


def relative_days(text: str) -> int | None:
    """The least number of days an onset in words lies back ("years ago" → 365: at least one year),
    when the words are that alone (``RELATIVE_ONSET_ALONE``)."""
    whole = RELATIVE_ONSET_ALONE.match(text.strip())
    if whole is None or OTHER_EVENT.search(whole.group("lead")):
        return None
    m = RELATIVE_ONSET.search(whole.group("ago"))
    if m is None:  # pragma: no cover - the group is the same pattern
        return None
    return int(m.group(1) or 1) * UNIT_DAYS[m.group(2).lower()]


# An onset whose words are a date and nothing else: a year, or a month and year, after at most two
# words ("since 2019", "in 2015", "MVA 2015", "since March 2024"). Words that say more ("2 weeks
# ago; back pain since 2015", "since 2000 hrs", "this morning; previous CES 2015") are not read for a
# year: the year may date something else.
YEAR_IN_WORDS = re.compile(
    r"^(?:[a-z]+\.?\s+){0,2}?(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?"
    r"((?:19|20)\d\d)\s*\.?$",
    re.IGNORECASE,
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def onset_bound_in_words(text: str, said_on: date) -> date | None:
    """The latest day an onset sent only in words can be, said on ``said_on``: "3 months ago" that
    far back; words that are only a year or a month and year ("since 2019", "in 2015", "MVA 2015",
    "since March 2024") the last day it covers, when that lies before ``said_on`` ("since 2026"
    said in 2026 says nothing certain). None when the words give no bound."""
    back = relative_days(text)
    if back is not None:
        return said_on - timedelta(days=back)
    m = YEAR_IN_WORDS.match(text.strip())
    if m is None:
        return None
    year = int(m.group(2))
    month = MONTHS.index(m.group(1).lower()[:3]) + 1 if m.group(1) else 12
    last = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
    return last if last < said_on else None


# ICD-10 classification wording that is no clinical name: "Sacroiliitis, not elsewhere classified",
# "Other intervertebral disc displacement", "Other specified dorsopathies".
ICD_RESIDUAL = re.compile(r",?\s*\b(?:not elsewhere classified|NEC)\b\.?\s*$", re.IGNORECASE)
ICD_OTHER = re.compile(r"^other\s+(?:specified\s+)?(?=\S)", re.IGNORECASE)


def clinical_name(text: str) -> str:
    """A coded display as a clinician names it: the ICD "not elsewhere classified" tail and "Other"
    head dropped ("Sacroiliitis, not elsewhere classified" → "Sacroiliitis", "Other intervertebral
    disc displacement" → "Intervertebral disc displacement"); unchanged when nothing would be left."""
    name = ICD_OTHER.sub("", ICD_RESIDUAL.sub("", text.strip())).strip()
    if not name:
        return text
    return name[0].upper() + name[1:]


def mid_sentence(name: str) -> str:
    """A name as it reads after a prefix ("pain generator: sacroiliitis"): its capital dropped,
    unless the first word is an abbreviation or a proper name kept in capitals ("MRI", "L5")."""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and (first[1:2].isupper() or any(ch.isdigit() for ch in first)):
        return name
    return name[:1].lower() + name[1:]


def onset_age(days: int, early_days: int) -> str:
    """How long ago the symptoms began. Within the conservative-care period in days, as the cards
    that time an early order say it ("ESI 20 days after onset" beside "(20 days)", not "(2 weeks)");
    later in the unit that fits (``span``)."""
    if days < early_days:
        return f"{days} day{'' if days == 1 else 's'}"
    return span(days, exact=False)


# an onset sent as a date (that the duration cannot count from: one after today)
_DATED = re.compile(r"\d{4}(?:-\d{2}){0,2}(?:T|$)")


def _first_date(*ds: date | None) -> date | None:
    for d in ds:
        if d is not None:
            return d
    return None


# How card text names each instrument's score (ObservationFact.kind → name, suffix).
SCORE_LABELS: dict[str, tuple[str, str]] = {
    "pain": ("pain", "/10"),
    "odi": ("ODI", " %"),
    "peg": ("PEG", "/10"),
    "phq9": ("PHQ-9", ""),
    "phq2": ("PHQ-2", ""),
    "gad7": ("GAD-7", ""),
    "startback": ("STarT Back", ""),
    "ort": ("Opioid Risk Tool", ""),
    "relief_pct": ("relief", " %"),
}


class PathwayContext:
    """Everything the pathway rules ask about one patient, computed lazily and once."""

    def __init__(self, inp: EvaluationInput, assessor: Assessor | None = None):
        self.inp = inp
        self.today: date = inp.today
        self.t: Thresholds = inp.thresholds
        self.term: Terminology = inp.terminology
        self.history = inp.history
        self.patient_id = inp.patient_id
        self._assessor = assessor
        self._conditions_read: dict[tuple[tuple[str, ...], bool], tuple[ConditionFact, ...]] = {}
        self._procedures_read: dict[tuple[tuple[str, ...], bool], tuple[ProcedureFact, ...]] = {}
        # each fact's value sets, by the fact's id (the history holds every fact while this lives)
        self._value_sets_of: dict[int, frozenset[str]] = {}

    # -----------------------------------------------------------------------------------------
    # small helpers
    # -----------------------------------------------------------------------------------------

    @property
    def urgent_referral_by(self) -> date:
        """The last day of an urgent referral's window ("to be seen within 2 weeks"): the
        ``occurrencePeriod.end`` of the referral the card offers."""
        return self.today + timedelta(days=self.t.urgent_referral_days)

    def days_since(self, d: date | None) -> int | None:
        return None if d is None else (self.today - d).days

    def matches(self, value_set: str, codings: Sequence[Coding]) -> bool:
        return self.term.match(value_set, codings) is not None

    def in_force(self, c: ConditionFact) -> bool:
        """Not refuted or entered in error, active, and not abated by today."""
        if c.verification_status in EXCLUDED_VERIFICATION or not c.is_current:
            return False
        return c.abatement is None or c.abatement > self.today

    def _in(self, value_sets: tuple[str, ...], fact: object, *codings: Sequence[Coding]) -> bool:
        """Whether the fact's codings are in any of ``value_sets``. A call asks the same few dozen
        facts under some twenty value sets: each fact's value sets are worked out once."""
        found = self._value_sets_of.get(id(fact))
        if found is None:
            found = self._value_sets_of[id(fact)] = self.term.names_of(*codings)
        return not found.isdisjoint(value_sets)

    def conditions(self, *value_sets: str, current_only: bool = True) -> tuple[ConditionFact, ...]:
        """Conditions in any of the value sets: not refuted/entered-in-error, in force unless asked
        (asked once per call: the history does not change while it is judged)."""
        key = (value_sets, current_only)
        if key not in self._conditions_read:
            self.term.check(value_sets)
            self._conditions_read[key] = tuple(
                c for c in self.history.conditions
                if c.verification_status not in EXCLUDED_VERIFICATION
                and (not current_only or self.in_force(c))
                and self._in(value_sets, c, c.codings)
            )  # fmt: skip
        return self._conditions_read[key]

    def procedures(self, *value_sets: str, completed: bool = True) -> tuple[ProcedureFact, ...]:
        """Procedures in any of the value sets, done by today (completed unless asked), oldest first;
        asked once per call."""
        key = (value_sets, completed)
        if key not in self._procedures_read:
            self.term.check(value_sets)
            found = [
                p
                for p in self.history.procedures
                if (not completed or p.is_completed)
                and (p.performed is None or p.performed <= self.today)
                and self._in(value_sets, p, p.codings, p.used_codes)
            ]
            self._procedures_read[key] = tuple(sorted(found, key=lambda p: p.performed or date.min))
        return self._procedures_read[key]

    def orders(self, *value_sets: str, pending: bool = True) -> tuple[ServiceRequestFact, ...]:
        """ServiceRequests in the value sets; pending ones (draft/active/on-hold) unless asked."""
        self.term.check(value_sets)
        out = []
        for s in self.history.service_requests:
            if s.status in DEAD_ORDER_STATUSES:
                continue
            if pending and s.status not in PENDING_ORDER_STATUSES:
                continue
            if self._in(value_sets, s, s.codings):
                out.append(s)
        return tuple(out)

    def medications(self, *value_sets: str) -> tuple[MedicationFact, ...]:
        self.term.check(value_sets)
        out = []
        for m in self.history.medications:
            if m.status in ("entered-in-error", "cancelled", "not-taken"):
                continue
            if self._in(value_sets, m, m.codings, m.ingredient_codings):
                out.append(m)
        return tuple(sorted(out, key=lambda m: m.start or date.min))

    def is_active_med(self, m: MedicationFact) -> bool:
        """Current therapy: not stopped (or stopped with a supply still running), not ended, not stale."""
        if m.status in ENDED_MED_STATUSES:
            return m.end is not None and m.end >= self.today
        return (m.end is None or m.end >= self.today) and not self.is_stale_order(m)

    # -----------------------------------------------------------------------------------------
    # medication records: stale orders, what a drug is for, MOUD (decision model §7.2, §7.6)
    # -----------------------------------------------------------------------------------------

    @staticmethod
    def same_drug(a: MedicationFact, b: MedicationFact) -> bool:
        codes = {(c.system, c.code) for c in (*a.codings, *a.ingredient_codings)}
        if codes & {(c.system, c.code) for c in (*b.codings, *b.ingredient_codings)}:
            return True
        return bool(a.text) and a.text.strip().lower() == b.text.strip().lower()

    def _last_seen(self, m: MedicationFact) -> date | None:
        dates = [d for d in (m.start, m.asserted, m.end and min(m.end, self.today)) if d is not None]
        return max(dates, default=None)

    def is_stale_order(self, m: MedicationFact) -> bool:
        """An order still marked active, written more than ``stale_order_days`` ago with no end, and
        with no newer order, statement or fill of the same drug inside that window: a record never
        closed (Synthea and migrated charts carry "active" orders from decades ago), not current
        therapy. The cards name it as a data-quality note instead of counting it."""
        if m.resource_type != "MedicationRequest" or m.end is not None or m.start is None:
            return False
        if m.status in ENDED_MED_STATUSES:
            return False
        since = self.today - timedelta(days=self.t.stale_order_days)
        if m.start >= since:
            return False
        for o in self.history.medications:
            if o is m or o.status in ("entered-in-error", "cancelled", "not-taken"):
                continue
            seen = self._last_seen(o)
            if seen is not None and since <= seen <= self.today and self.same_drug(m, o):
                return False
        return True

    def stale_orders(self, *value_sets: str) -> tuple[MedicationFact, ...]:
        return tuple(m for m in self.medications(*value_sets) if self.is_stale_order(m))

    def stale_fact(self, m: MedicationFact) -> Fact:
        when = m.start.isoformat() if m.start else "an unknown date"
        return Fact(
            f"{m.text}: order of {when} still marked active with nothing newer recorded — a stale "
            "record, not counted as current therapy",
            m.ref,
            short=f"{m.text}: stale order of {when}",
        )

    def other_indication(self, m: MedicationFact, *value_sets: str) -> Fact | None:
        """What explains a drug other than sciatica: its reason (reasonCode, or a reasonReference to a
        condition) when that names a condition in ``value_sets``, else a current condition in them. A
        reason naming radicular pain keeps the drug on the sciatica question."""
        referenced = [c for c in self.history.conditions if c.ref in m.reason_refs]
        reason_codes = (*m.reason, *(x for c in referenced for x in c.codings))
        if self.matches("lumbar_radiculopathy_conditions", reason_codes):
            return None
        for c in referenced:
            if any(self.matches(vs, c.codings) for vs in value_sets):
                return self.cond_fact(c, f"{m.text} is prescribed for: ")
        coded = next((x for x in m.reason if any(self.matches(vs, (x,)) for vs in value_sets)), None)
        named = next((x for x in m.reason if x.display and OTHER_INDICATION.search(x.display)), None)
        if coded or named:
            reason = coded or named
            assert reason is not None
            return Fact(f"{m.text} is prescribed for {reason.display or reason.code}", m.ref)
        current = self.conditions(*value_sets)
        if current:
            return self.cond_fact(current[0], f"another reason for {m.text}: ")
        return None

    @cached_property
    def oud_conditions(self) -> tuple[ConditionFact, ...]:
        """Opioid use disorder (ICD-10-CM F11.x, including in remission)."""
        return self.conditions("opioid_use_disorder_diagnoses", "opioid_use_disorder")

    @cached_property
    def oud_history(self) -> tuple[ConditionFact, ...]:
        """Opioid use disorder on record in any clinical status (active, in remission, inactive,
        resolved: the relapse and overdose risk an opioid brings stays; CDC 2022 recommendation 8),
        not refuted or entered in error."""
        return self.conditions(
            "opioid_use_disorder_diagnoses", "opioid_use_disorder", "opioid_use_disorder_in_remission",
            current_only=False,
        )  # fmt: skip

    def is_moud(self, m: MedicationFact) -> bool:
        """Medication for opioid use disorder (§7.2): buprenorphine, methadone or naltrexone with an OUD
        diagnosis or prescribed for OUD (reasonCode/reasonReference, or the words in its dosage);
        buprenorphine as a MOUD formulation (sublingual or buccal tablet or film, injection,
        with naloxone); methadone dispensed by an opioid treatment programme. Transdermal buprenorphine
        without an OUD diagnosis is pain therapy. Naltrexone also treats alcohol use disorder: with a
        stated reason other than OUD (reasonCode, reasonReference, "alcohol" in its dosage) it is not
        MOUD; with no reason stated it is taken as MOUD (stopping it or adding opioids is the risk)."""
        codings = (*m.codings, *m.ingredient_codings)
        if not self.matches("rx_moud", codings):
            return False
        if self.oud_conditions:
            return True
        words = " ".join(filter(None, (m.text, m.route_text, m.dose_text, m.dose_form_text)))
        if OTP_TEXT.search(words) or self._for_oud(m):
            return True
        if self.matches("rx_opioid_antagonists_moud", codings):
            return not (m.reason or self._reason_conditions(m) or ALCOHOL_TEXT.search(words))
        member = self.term.match("rx_opioids", codings)
        if member is None or member.display.lower() != "buprenorphine":
            return False  # methadone for pain stays long-term opioid therapy
        return bool(
            MOUD_FORMULATION.search(words)
            or self.matches("parenteral_dose_forms", m.dose_form)
            or self.matches("order_naloxone", codings)
        )

    @cached_property
    def rescue_naloxone(self) -> tuple[MedicationFact, ...]:
        """Naloxone on hand for an overdose: a current naloxone prescription that is not an opioid
        made with it (the naloxone in sublingual buprenorphine-naloxone deters injecting it and
        reverses no overdose)."""
        return tuple(
            m for m in self.medications("order_naloxone")
            if self.is_active_med(m) and not self.matches("rx_opioids", (*m.codings, *m.ingredient_codings))
        )  # fmt: skip

    @cached_property
    def moud(self) -> tuple[MedicationFact, ...]:
        """Current medications for opioid use disorder."""
        return tuple(m for m in self.medications("rx_moud") if self.is_active_med(m) and self.is_moud(m))

    def _reason_conditions(self, m: MedicationFact) -> list[ConditionFact]:
        """The conditions the drug's reasonReference points to."""
        return [c for c in self.history.conditions if c.ref in m.reason_refs]

    def _for_oud(self, m: MedicationFact) -> bool:
        """The drug's reason (reasonCode, a reasonReference to a condition) is opioid use disorder."""
        reasons = (*m.reason, *(x for c in self._reason_conditions(m) for x in c.codings))
        if self.matches("opioid_use_disorder_diagnoses", reasons) or self.matches(
            "opioid_use_disorder", reasons
        ):
            return True
        return any(x.display and OTP_TEXT.search(x.display) for x in m.reason)

    @cached_property
    def naltrexone_not_moud(self) -> tuple[MedicationFact, ...]:
        """Current naltrexone that is not MOUD (e.g. for alcohol use disorder): it still blocks opioid
        analgesia."""
        return tuple(
            m
            for m in self.medications("rx_opioid_antagonists_moud")
            if self.is_active_med(m) and not self.is_moud(m)
        )

    @cached_property
    def pregnancy(self) -> Pregnancy | None:
        """The current pregnancy, with the gestational age when recorded, or None
        (``hooks.pathway.pregnancy``: imaging, injections and NSAIDs are weighed on every card)."""
        return current_pregnancy(self)

    @cached_property
    def psychosocial_conditions(self) -> tuple[ConditionFact, ...]:
        """Current depression (F32.x incl. F32.A, F33.x), anxiety (F41.x) or PTSD (F43.1x) diagnoses;
        chronic pain codes (G89.x) are pain, not psychosocial (§7.6)."""
        return self.conditions("psychosocial_diagnoses")

    def receiving(self, conflict: Conflict) -> bool:
        """The patient has the treatment a conflict is about now: takes the medicine or has it ordered."""
        meds = self.medications(*conflict.medications) if conflict.medications else ()
        if any(self.is_active_med(m) for m in meds):
            return True
        return bool(conflict.orders and self.pending(*conflict.orders))

    def observations(
        self,
        kind: str,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> tuple[ObservationFact, ...]:
        out = [
            o
            for o in self.history.observations
            if o.kind == kind
            and o.value is not None
            and o.effective is not None
            and o.status not in ("entered-in-error", "cancelled")
            and o.effective <= self.today
            and (since is None or o.effective >= since)
            and (until is None or o.effective <= until)
        ]
        if kind == "strength":
            # an arm's strength (grip, wrist, deltoid) grades no lumbosacral root
            out = [o for o in out if not _arm_strength(o)]
        return tuple(sorted(out, key=lambda o: o.effective or date.min))

    def latest(self, kind: str) -> ObservationFact | None:
        """The latest score of one kind; several sharing the latest time → the highest
        (``failure.latest_score``), whatever order the resources come in."""
        return failure.latest_score(self.observations(kind))

    @staticmethod
    def cond_label(c: ConditionFact) -> str:
        return f"{c.text}{PathwayContext.cond_since(c)}"

    @staticmethod
    def cond_since(c: ConditionFact) -> str:
        """When a Condition dates from, as a card says it: " since <onset>"; " recorded <date>" when
        it gives no onset of its own (its recordedDate is when it was written down, not when it began)."""
        if c.onset is None:
            return ""
        when = c.onset_text or c.onset.isoformat()
        return f" since {when}" if c.onset_given is not None else f" recorded {when}"

    @staticmethod
    def proc_label(p: ProcedureFact) -> str:
        where = f" {p.level}" if p.level else ""
        side = f" ({p.laterality})" if p.laterality else ""
        when = p.performed_text or (p.performed.isoformat() if p.performed else "undated")
        return f"{p.text}{where}{side} on {when}"

    @staticmethod
    def proc_short(p: ProcedureFact) -> str:
        """The procedure and its date in a few words: its text without asides in brackets, with the
        level and side only when the text does not already say them ("Right L4-5 microdiscectomy
        2024-03-02")."""
        text = re.sub(r"\s*\([^)]*\)", "", p.text).strip() or p.text
        if len(text) > NAME_MAX and ", " in text:
            # a coded descriptor ("Laminotomy, with decompression of nerve root, … lumbar") by its
            # first words: the whole descriptor would take the room of the facts after it
            text = text[: text.index(", ")]
        where = [p.laterality] if p.laterality and p.laterality.lower() not in text.lower() else []
        if p.level and not segments(*levels_in(p.level)) <= segments(*levels_in(text)):
            where.append(p.level)
        return " ".join([text, *(w for w in where if w), PathwayContext.proc_when(p)])

    @staticmethod
    def proc_when(p: ProcedureFact) -> str:
        return p.performed_text or (p.performed.isoformat() if p.performed else "undated")

    @staticmethod
    def obs_label(o: ObservationFact) -> str:
        """A score as a clinician writes it ("pain 5/10", "ODI 28 %", "PHQ-9 15"), not the code's
        long display; pain is already on the 0–10 scale whatever instrument recorded it."""
        when = o.effective.isoformat() if o.effective else "undated"
        if o.value is None:
            return f"{o.text} {o.value_text or 'no value'} on {when}"
        scale = SCORE_LABELS.get(o.kind)
        if scale is not None:
            name, suffix = scale
            return f"{name} {o.value:g}{suffix} on {when}"
        unit = f" {o.unit}" if o.unit and o.unit not in ("{score}", "1") else ""
        return f"{o.text} {o.value:g}{unit} on {when}"

    def cond_fact(self, c: ConditionFact, prefix: str = "", *, with_note: bool = False) -> Fact:
        note = ""
        if with_note and c.notes:
            first = c.notes[0].strip()
            note = f" ({first[:157]}…)" if len(first) > 160 else f" ({first})"
        since = self.cond_since(c)
        name = short_name(clinical_name(c.text))
        words = self.in_words_only(c)
        marked = f" ({WORDS_ONLY_SHORT})" if words else ""
        brief = f"{prefix}{mid_sentence(name) if prefix else name}{marked}{since}"
        told = f" ({WORDS_ONLY})" if words else ""
        return Fact(f"{prefix}{self.cond_label(c)}{told}{note}", c.ref, short=brief)

    def proc_fact(self, p: ProcedureFact, suffix: str = "", *, short: str | None = None) -> Fact:
        """The procedure with its level, side and date; ``short`` replaces ``suffix`` in the short
        form (say the same in fewer words)."""
        tail = suffix if short is None else short
        return Fact(f"{self.proc_label(p)}{suffix}", p.ref, short=f"{self.session_short(p)}{tail}")

    def session_short(self, p: ProcedureFact) -> str:
        """A procedure as the card names it: an injection, ablation, block or trial the way its
        outcome is judged ("TFESI left L5-S1 2026-08-24"), anything else by its text."""
        modality = next((m for q, m in self.sessions if q is p), None)
        return self.proc_short(p) if modality is None else failure.dated_name(p, modality, self.term)

    def obs_fact(self, o: ObservationFact, prefix: str = "") -> Fact:
        return Fact(f"{prefix}{self.obs_label(o)}", o.ref)

    def order_fact(self, s: ServiceRequestFact, prefix: str = "", *, short_prefix: str = "") -> Fact:
        """The order, its status and date. The short form says what was ordered and when ("Repeat
        facet RFA L4-L5 ordered 2026-10-28"), and the status only when the order is no longer live;
        ``short_prefix`` keeps in it what the card makes of the order ("hold: "), which its next step
        says in full."""
        when = f" ({s.authored.isoformat()})" if s.authored else ""
        status = "" if s.status in PENDING_ORDER_STATUSES else f" ({s.status})"
        dated = f" {s.authored.isoformat()}" if s.authored else ""
        brief = f"{short_prefix}{short_name(s.text)} ordered{dated}{status}"
        return Fact(f"{prefix}{s.text}, status {s.status}{when}", s.ref, short=brief)

    def med_fact(self, m: MedicationFact, prefix: str = "") -> Fact:
        """The medicine, its dose instructions, dates and status; the short form keeps the medicine
        and its dates."""
        span = ""
        if m.start:
            span = f" from {m.start.isoformat()}" + (f" to {m.end.isoformat()}" if m.end else "")
        dose = f", {m.dose_text}" if m.dose_text else ""
        status = "" if m.status == "active" else f" ({m.status})"
        since = f" from {m.start.isoformat()}" if m.start else ""
        brief = f"{prefix}{m.text}{since}{status}"
        return Fact(f"{prefix}{m.text}{dose}{span} ({m.status})", m.ref, short=brief)

    # -----------------------------------------------------------------------------------------
    # §1.1.1 the gate
    # -----------------------------------------------------------------------------------------

    @cached_property
    def radicular_conditions(self) -> tuple[ConditionFact, ...]:
        """Lumbar radicular Conditions in force: coded in the value set, then those named only in
        words (``named_radicular_conditions``)."""
        return self.conditions("lumbar_radiculopathy_conditions") + self.named_radicular_conditions

    @cached_property
    def named_radicular_conditions(self) -> tuple[ConditionFact, ...]:
        """Lumbar radicular diagnoses typed as words: in force as the coded ones must be (not refuted
        or entered in error, active, not abated), with no code any value set knows and none in
        ICD-10-CM (free text, local codes, a SNOMED CT concept outside the sets:
        ``Terminology.words_may_decide``), whose text or coding displays name one (``hooks.text.
        names_lumbar_radicular``: "Left L5 radiculopathy", "Sciatica, right leg"). A Condition coded
        as something known, or in ICD-10-CM, is what its code says, whatever its words. They open
        the gate as the coded ones do; their facts say they were recognised from words
        (``WORDS_ONLY``)."""
        return self.named_conditions(names_lumbar_radicular)

    def named_conditions(
        self, names: Callable[..., bool], *, in_force_only: bool = True
    ) -> tuple[ConditionFact, ...]:
        """Conditions with no code any value set knows and none in ICD-10-CM
        (``Terminology.words_may_decide``) whose text or coding displays ``names`` reads as what it
        looks for; in force (``in_force``) unless ``in_force_only`` is False (then only not refuted or
        entered in error)."""
        return tuple(
            c for c in self.history.conditions
            if (self.in_force(c) if in_force_only else c.verification_status not in EXCLUDED_VERIFICATION)
            and self.term.words_may_decide((x.system, x.code) for x in c.codings)
            and names(c.text, *(x.display for x in c.codings))
        )  # fmt: skip

    @cached_property
    def named_red_flag_conditions(self) -> dict[str, tuple[ConditionFact, ...]]:
        """Red flags typed as words, by kind (``hooks.text.red_flags_named``: "cauda_equina",
        "metastasis", "cancer", "infection", "fracture"): Conditions not refuted or entered in error,
        with no code any value set knows and none in ICD-10-CM (``Terminology.words_may_decide``: a
        SNOMED CT concept outside the sets, a WHO ICD-10 code, free text), whose text or coding
        displays name one. Whether each is in force is left to the red-flag rules, as for coded ones
        (a cancer recorded as resolved is a cancer history). A bladder, bowel or saddle symptom whose
        onset date is recent (``new_sphincter_symptom_days``) is new without the words saying so."""
        found: dict[str, list[ConditionFact]] = {}
        for c in self.history.conditions:
            if c.verification_status in EXCLUDED_VERIFICATION:
                continue
            if not self.term.words_may_decide((x.system, x.code) for x in c.codings):
                continue
            onset_age = self.days_since(c.onset)
            onset_new = onset_age is not None and 0 <= onset_age <= self.t.new_sphincter_symptom_days
            displays = (x.display for x in c.codings)
            for kind in sorted(red_flags_named(c.text, *displays, onset_new=onset_new)):
                found.setdefault(kind, []).append(c)
        return {k: tuple(v) for k, v in found.items()}

    def in_words_only(self, c: ConditionFact) -> bool:
        """A gate Condition recognised from its words, not a code (``named_radicular_conditions``)."""
        return any(c is n for n in self.named_radicular_conditions)

    @cached_property
    def fbss_conditions(self) -> tuple[ConditionFact, ...]:
        """Post-laminectomy syndrome in force: coded, or named in words with no code the value sets
        know ("Failed back surgery syndrome": ``hooks.text.names_fbss``), as the gate reads a
        radicular diagnosis typed as words."""
        return self.conditions("postlaminectomy_syndrome_fbss") + self.named_conditions(names_fbss)

    @cached_property
    def stenosis_conditions(self) -> tuple[ConditionFact, ...]:
        return self.conditions("lumbar_spinal_stenosis", "neurogenic_claudication")

    def has_leg_symptoms(self, c: ConditionFact) -> bool:
        if self.matches("neurogenic_claudication", c.codings):
            return True
        return states_leg_symptoms(c.written)

    @cached_property
    def stenosis_with_leg_symptoms(self) -> tuple[ConditionFact, ...]:
        return tuple(c for c in self.stenosis_conditions if self.has_leg_symptoms(c))

    @cached_property
    def gate_conditions(self) -> tuple[ConditionFact, ...]:
        """Conditions that open the gate: radicular, post-laminectomy syndrome, stenosis with leg symptoms."""
        seen: dict[str, ConditionFact] = {}
        for c in (*self.radicular_conditions, *self.fbss_with_leg_pain, *self.stenosis_with_leg_symptoms):
            seen.setdefault(c.ref, c)
        return tuple(seen.values())

    @cached_property
    def fbss_with_leg_pain(self) -> tuple[ConditionFact, ...]:
        """Post-laminectomy syndrome that can be radicular pain: not one whose words say the pain is
        the back's alone ("axial low back pain only, no leg pain": ``denies_leg_symptoms``), which is
        still lumbar surgery (``lumbar_fbss_conditions``) but opens no radicular pathway."""
        return tuple(c for c in self.fbss_conditions if not denies_leg_symptoms(c.written))

    @property
    def gate_open(self) -> bool:
        return bool(self.gate_conditions)

    @cached_property
    def disc_conditions(self) -> tuple[ConditionFact, ...]:
        """Structural disc findings that by themselves never open the gate (X1)."""
        return self.conditions(
            "lumbar_disc_displacement_without_radiculopathy", "annulus_fibrosus_defect_post_discectomy"
        )

    @property
    def reason_refs(self) -> tuple[str, ...]:
        """References for a suggestion's reasonReference: the gate Conditions (else any spinal diagnosis)."""
        cs = self.gate_conditions or self.disc_conditions
        return tuple(c.ref for c in cs)

    def offer(
        self, spec: sx.OrderSpec, *, reasons: Sequence[str] | None = None, **options: Any
    ) -> SuggestionDraft:
        """``spec`` as a one-click draft order for this patient, for the conditions that opened the
        pathway unless ``reasons`` names others (a red flag's); ``options``:
        ``hooks.suggestions.suggest``'s note, priority, label, recommended …"""
        why = self.reason_refs if reasons is None else reasons
        return sx.suggest(spec, self.term, patient_id=self.patient_id, reasons=why, **options)

    # -----------------------------------------------------------------------------------------
    # §1.1.6 time anchors
    # -----------------------------------------------------------------------------------------

    @cached_property
    def onset_condition(self) -> ConditionFact | None:
        """The Condition with the earliest onset (onset[x], else recordedDate) in the radicular set: the
        one the symptom duration counts from. A partial date (a month, a year) counts by its latest day
        (``_certain_onset``), so it never outranks a full date it may lie after."""
        dated = [c for c in self._onset_pool if _first_date(c.onset, c.recorded) is not None]
        if not dated:
            return None
        return min(
            dated,
            key=lambda c: (self._certain_onset(c) or date.max, _first_date(c.onset, c.recorded) or date.max),
        )

    def _certain_onset(self, c: ConditionFact) -> date | None:
        """The latest day ``c``'s onset (else recordedDate) can be: the date itself when it is a full
        day; for a partial date (a month, a year, an age) the last day it covers, or the recordedDate
        or today when earlier (the symptoms were there when written down). The symptoms have lasted at
        least since then: a bound, never an invented day."""
        first = _first_date(c.onset, c.recorded)
        if first is None or c.onset_last is None:
            return first
        # an onset of its own is capped by the recordedDate; a partial recordedDate standing in for
        # the onset is its own bound (its first day is no bound on its last)
        written = c.recorded if c.onset_given is not None and c.recorded is not None else date.max
        return max(first, min(c.onset_last, self.today, written))

    @cached_property
    def _certain_anchor(self) -> date | None:
        """The date the symptom duration certainly counts from: the certain day of the earliest onset
        (``_certain_onset``), or the bound of an onset given only in words when that lies earlier."""
        c, bound = self.onset_condition, self.onset_bound
        dates = [d for d in (None if c is None else self._certain_onset(c), bound[1] if bound else None) if d]
        return min(dates, default=None)

    @cached_property
    def _onset_pool(self) -> tuple[ConditionFact, ...]:
        """The Conditions the symptom duration counts from. An onset after today (a typo, 2027 for
        2026) is no date to count from: read as an onset after the recordedDate is when the record is
        read (``cds_service.fhir_facts``), the recordedDate standing in and the onset named as sent."""
        return tuple(
            c
            if c.onset is None or c.onset_from_record or c.onset <= self.today
            else replace(
                c,
                onset=c.recorded,
                onset_text=None if c.recorded is None else c.recorded.isoformat(),
                onset_unread=c.onset_text or c.onset.isoformat(),
                onset_from_record=c.recorded is not None,
                onset_last=None,
            )
            for c in self.radicular_conditions or self.gate_conditions
        )

    @cached_property
    def onset(self) -> date | None:
        """The earliest day the radicular symptoms can have begun on (onset[x], else recordedDate; a
        partial date's first day): where the episode starts. Durations count from ``symptom_days``."""
        dates = [_first_date(c.onset, c.recorded) for c in self._onset_pool]
        return min((d for d in dates if d is not None), default=None)

    @cached_property
    def unread_onsets(self) -> tuple[ConditionFact, ...]:
        """Radicular Conditions whose onset[x] was sent but is not a date ("years ago")."""
        return tuple(c for c in self._onset_pool if c.onset_unread)

    @cached_property
    def onset_bound(self) -> tuple[ConditionFact, date] | None:
        """The latest date the symptoms can have begun by, from an onset given only in words: "years
        ago" recorded on a date (or, with no recorded date, by today) began at least a year before it.
        A bound, never an invented onset: the duration it gives is the least the record supports."""
        best: tuple[ConditionFact, date] | None = None
        for c in self.unread_onsets:
            bound = onset_bound_in_words(c.onset_unread or "", c.recorded or self.today)
            if bound is None:
                continue
            if best is None or bound < best[1]:
                best = (c, bound)
        return best

    @property
    def duration_anchor(self) -> date | None:
        """The date the symptom duration counts from: the earliest onset, or the bound of an onset
        given only in words when that lies earlier; a partial date counts from the last day it covers
        (``_certain_anchor``), so review dates and order checks count as ``symptom_days`` does."""
        return self._certain_anchor

    @property
    def duration_anchor_text(self) -> str | None:
        """``duration_anchor`` as a card says it: an onset sent as a partial date as the record wrote
        it (a month or a year), never the last day it covers, a day the record does not give."""
        anchor = self._certain_anchor
        c = self.onset_condition
        if anchor is None or c is None or c.onset_last is None or self._certain_onset(c) != anchor:
            return None if anchor is None else anchor.isoformat()
        return c.onset_text or anchor.isoformat()

    @property
    def imprecise_onset(self) -> ConditionFact | None:
        """The onset the duration counts from, sent as a partial date (a month, a year) whose period
        reaches back past the conservative-care weeks: the acute steps cannot be told from the
        persistent ones until the day is recorded."""
        c = self.onset_condition
        if c is None or c.onset_last is None:
            return None
        first = self.days_since(_first_date(c.onset, c.recorded))
        anchor = self.days_since(self._certain_anchor)
        limit = self.t.conservative_care_days
        return c if first is not None and anchor is not None and first >= limit > anchor else None

    @property
    def symptom_days(self) -> int | None:
        """Days since the earliest onset; an onset given only in words counts with its bound, and one
        sent as a partial date (a month, a year) from the last day it covers (``_certain_anchor``): the
        least the record supports."""
        return self.days_since(self._certain_anchor)

    # -----------------------------------------------------------------------------------------
    # the current episode: which treatments and scores belong to it
    # -----------------------------------------------------------------------------------------

    @property
    def episode_start(self) -> date | None:
        """The first day of the current episode of radicular pain: the dated onset the duration counts
        from (onset[x], else recordedDate). None when the earliest start is only bounded by an onset
        in words ("years ago"): the episode began at some unknown time before that bound."""
        onset, bound = self.onset, self.onset_bound
        if bound is not None and (onset is None or bound[1] < onset):
            return None
        return onset

    @cached_property
    def episode_cutoff(self) -> date | None:
        """Treatments dated before this day belong to an earlier episode: more than
        ``episode_onset_lead_days`` (120 days, the longest an injection's effect is followed) before
        the episode's onset, or ``episode_recorded_lead_days`` (a year) before it when the condition
        gives no onset and only its recordedDate dates it (a problem-list entry is often recorded
        months after the injection or physiotherapy it led to). Within that lead a treatment still
        counts: symptoms that begin inside an injection's follow-up are part of judging it. None (no
        cut) when the episode start is unknown. A radicular condition recorded as resolved, its
        abatement dated before this episode's own onset, closes the earlier episode: treatments before
        that abatement were for it, whatever the lead (a right-sided sciatica that resolved in August is
        no part of a left-sided one that began in October)."""
        start = self.episode_start
        if start is None:
            return None
        lead = self.t.episode_recorded_lead_days if self.dated_by_record else self.t.episode_onset_lead_days
        cutoff = start - timedelta(days=lead)
        if self.dated_by_record:
            return cutoff  # with no onset of its own the episode may have begun before any abatement
        closed = [
            c.abatement
            for c in self.conditions("lumbar_radiculopathy_conditions", current_only=False)
            if not c.is_current and c.abatement is not None and cutoff < c.abatement < start
        ]
        return max(closed, default=cutoff)

    @property
    def dated_by_record(self) -> bool:
        """The episode is dated only by its condition's recordedDate (no onset of its own), which
        often lags the symptoms."""
        c = self.onset_condition
        return c is not None and c.onset_given is None

    @property
    def scores_since(self) -> date | None:
        """The first day a score grades this episode: its onset; with only a recordedDate, that date
        less ``conservative_care_days`` (the scores of the visits that led to the record). None (every
        score) when the start is unknown."""
        start = self.episode_start
        if start is None or not self.dated_by_record:
            return start
        return start - timedelta(days=self.t.conservative_care_days)

    def in_episode(self, d: date | None) -> bool:
        """A treatment dated ``d`` belongs to the current episode (an undated one is kept)."""
        cutoff = self.episode_cutoff
        return cutoff is None or d is None or d >= cutoff

    def episode_observations(self, kind: str) -> tuple[ObservationFact, ...]:
        """Scores of one kind dated on or after ``scores_since`` (every score when it is unknown): a
        score from before the symptoms began does not grade them."""
        return self.observations(kind, since=self.scores_since)

    def episode_latest(self, kind: str) -> ObservationFact | None:
        """The latest score of the episode; several sharing the latest time → the highest
        (``failure.latest_score``), whatever order the resources come in."""
        return failure.latest_score(self.episode_observations(kind))

    def current_score(self, kind: str) -> ObservationFact | None:
        """The score of one kind that grades the pain now: the latest of the current episode
        (``episode_observations``) taken within ``current_score_days``; for pain, a leg-pain score when
        that window holds one (radicular pain is the leg's). None when there is no such score: a score
        from years ago, or from before the symptoms began, does not decide today's card."""
        since = self.today - timedelta(days=self.t.current_score_days)
        obs = [o for o in self.episode_observations(kind) if o.effective is not None and o.effective >= since]
        return failure.latest_score(failure.prefer_leg(obs) if kind == "pain" else obs)

    def onset_gaps(self) -> list[str]:
        """What the record does not say about when the symptoms began, for the card to name."""
        gaps = []
        bound = self.onset_bound
        for c in self.unread_onsets:
            if bound is not None and c is bound[0]:
                least = span(((c.recorded or self.today) - bound[1]).days, exact=False)
                gaps.append(f"a dated onset for {c.ref} (sent as '{c.onset_unread}'; read as ≥ {least})")
            elif c.onset is None and not onset_bound_in_words(c.onset_unread or "", c.recorded or self.today):
                gaps.append(f"a dated onset for {c.ref} (sent as '{c.onset_unread}'; duration unknown)")
        if self.onset_condition is None:
            # no onset, no words, no recorded date: the duration is unknown, not zero
            gaps += [
                f"a dated onset for {c.ref} (no onset or recorded date sent; duration unknown)"
                for c in self._onset_pool
                if c.onset is None and c.recorded is None and not c.onset_unread
            ]
        recorded = self.dated_only_by_record
        if recorded is not None and self.duration_card_shown():
            sent = f"sent as '{recorded.onset_unread}'; " if recorded.onset_unread else ""
            gaps.append(f"when the leg pain began ({sent}only the date the diagnosis was recorded)")
        return gaps + self._partial_onset_gaps()

    def _partial_onset_gaps(self) -> list[str]:
        """A partial onset (a month, a year) whose first day lies before the day the duration counts from:
        its full date could make the duration longer. Named, as the recordedDate is, only on the
        duration cards (a patient with no card must not get one saying the onset is not recorded)."""
        anchor = self._certain_anchor
        partial = [
            c
            for c in self._onset_pool
            if c.onset_last is not None
            and anchor is not None
            and (first := _first_date(c.onset, c.recorded)) is not None
            and first < anchor
        ]
        if not partial or not self.duration_card_shown():
            return []
        return [
            f"a full {'onset' if c.onset_given is not None else 'recorded'} date for {c.ref} "
            f"(sent as '{c.onset_text}')"
            for c in partial
        ]

    def duration_card_shown(self) -> bool:
        """The pathway's card is one of the conservative steps the symptom duration chooses (E1, E2
        acute; P1, P2 persistent or chronic), which are always shown. Only then is an onset dated by
        its recordedDate named as a gap: every card carries the onset gaps, and a patient with no
        card gets one saying the onset is not a date — true of an onset in words, not of a condition
        that gives a recorded date (a stimulator that still helps must stay silent)."""
        if not self.gate_open:
            return False
        # the precedence tree reads this context: imported here, where the cards are already decided
        from hooks.pathway.precedence import PATHWAY_STATES, decided

        card = decided(self, PATHWAY_STATES).card
        return card is not None and card.rule_id in DURATION_STATES

    @property
    def dated_only_by_record(self) -> ConditionFact | None:
        """The Condition whose recordedDate the duration counts from: it gives no onset of its own
        and no onset in words bounds the start earlier. Its symptoms began on or before that date, so
        the duration is the least the record supports: kept for the pathway's timing, and named as a
        recorded date, never as the onset."""
        c = self.onset_condition
        if c is None or c.onset_given is not None or self.episode_start is None:
            return None
        return c

    def onset_fact(self) -> Fact:
        c = self.onset_condition
        bound = self.onset_bound
        certain = None if c is None else self._certain_onset(c)
        if bound is not None and (certain is None or bound[1] < certain):
            b, _ = bound
            least = span(self.symptom_days or 0, exact=False)
            return Fact(
                f"onset sent as '{b.onset_unread}' (no date): read as ≥ {least}",
                b.ref,
                short=f"onset '{b.onset_unread}': ≥ {least}",
            )
        if c is None:
            if self.unread_onsets:
                u = self.unread_onsets[0]
                what = "a date after today" if _DATED.match(u.onset_unread or "") else "not a date"
                return Fact(
                    f"onset sent as '{u.onset_unread}' ({what}): duration unknown",
                    u.ref,
                    short=f"onset '{u.onset_unread}': duration unknown",
                )
            return Fact("symptom onset not recorded on any radicular Condition")
        d = self.symptom_days
        when = (_first_date(c.onset, c.recorded) or date.min).isoformat()
        if c.onset_last is not None and c.onset_text:
            # a partial date is shown as written; the duration is the least it allows (``symptom_days``)
            when = c.onset_text
        words = self.in_words_only(c)
        told = f" ({WORDS_ONLY})" if words else ""
        told_short = f"; diagnosis {WORDS_ONLY_SHORT}" if words else ""
        if c.onset_given is None:
            # only the recordedDate dates it: the symptoms began on or before it, so it is no onset
            age = "" if d is None else f"{onset_age(d, self.t.conservative_care_days)} ago; "
            age = "today; " if d == 0 else age
            if d is not None and age:
                age = self._partial_age(c, d, age.removesuffix("; ")) + "; "
            sent = f"onset sent as '{c.onset_unread}'" if c.onset_unread else "no onset given"
            return Fact(
                f"{c.text}{told}: recorded {when} ({age}{sent}: the symptoms began on or before that date)",
                c.ref,
                short=f"recorded {when} ({age}{sent}){told_short}",
            )
        ago = (
            "" if d is None else f" ({self._partial_age(c, d, onset_age(d, self.t.conservative_care_days))})"
        )
        return Fact(f"{c.text}{told}: onset {when}{ago}", c.ref, short=f"onset {when}{ago}{told_short}")

    @staticmethod
    def _partial_age(c: ConditionFact, d: int, age: str) -> str:
        """``age`` (how long ago ``c`` dates from, ``d`` days) as a partial date (a month, a year) gives it:
        the least it allows ("≥ 11 weeks"), or "this month" ("this year") while its period runs;
        unchanged for a full date."""
        if c.onset_last is None or d < 0:
            return age
        if d == 0:
            shown = c.onset_text or ""
            return "this year" if len(shown) == 4 else "this month" if len(shown) == 7 else "up to today"
        return f"≥ {age}"

    # -----------------------------------------------------------------------------------------
    # treatments and their outcomes (§3)
    # -----------------------------------------------------------------------------------------

    @cached_property
    def sessions(self) -> tuple[tuple[ProcedureFact, Modality], ...]:
        """Every completed procedure §3 judges, one per session (64483 + its 64484 add-on is one),
        with its modality, oldest first (``failure.classify_modality``)."""
        by_key: dict[tuple[Modality, date | None, str], ProcedureFact] = {}
        for p in self.history.procedures:
            if not p.is_completed or (p.performed is not None and p.performed > self.today):
                continue
            m = failure.classify_modality(p, self.term, self.history)
            if m is None:
                continue
            key = (m, p.performed, p.ref if p.performed is None else "")
            cur = by_key.get(key)
            if cur is None or (not cur.outcome and (p.outcome or (not cur.level and p.level))):
                by_key[key] = p
        ordered = sorted(by_key.items(), key=lambda kv: (kv[0][1] or date.min, kv[1].ref))
        return tuple((p, m) for (m, _, _), p in ordered)

    def _of(self, modality: Modality) -> tuple[ProcedureFact, ...]:
        return tuple(p for p, m in self.sessions if m is modality)

    @cached_property
    def all_esis(self) -> tuple[ProcedureFact, ...]:
        """Every completed lumbar ESI session on record (diagnostic nerve root blocks excluded), oldest
        first, whatever the episode: what the 12-month session limit counts."""
        return self._of(Modality.ESI)

    @cached_property
    def esis(self) -> tuple[ProcedureFact, ...]:
        """The current episode's lumbar ESI sessions, oldest first: the ones the E/P/F states judge. An
        injection more than ``esi_durability_end_days`` before the episode start (``episode_cutoff``)
        treated an earlier episode: whether it worked then does not decide the new one."""
        return tuple(p for p in self.all_esis if self.in_episode(p.performed))

    @cached_property
    def earlier_episode_esis(self) -> tuple[ProcedureFact, ...]:
        """ESI sessions of an earlier episode (before ``episode_cutoff``), oldest first."""
        return tuple(p for p in self.all_esis if not self.in_episode(p.performed))

    def no_esi_fact(self, lead: str = "no epidural steroid injection") -> Fact:
        """``lead`` (no injection in the current episode) as a card fact. An earlier episode's
        injection is named, not hidden — it treated that episode and does not decide this one:
        "no epidural steroid injection in this episode (TFESI left L5-S1 2024-03-02 treated an
        earlier episode)"; with none, "no epidural steroid injection on record"."""
        earlier = self.earlier_episode_esis
        if not earlier:
            return Fact(f"{lead} on record")
        last = self.session_short(earlier[-1])
        return Fact(
            f"{lead} in this episode ({last} treated an earlier episode)",
            earlier[-1].ref,
            short=f"no ESI this episode; {last} was an earlier episode",
        )

    def is_blind(self, p: ProcedureFact) -> bool:
        """Coded without image guidance (62322 / legacy 62311): a blind injection."""
        return failure.is_image_guided(p, self.term) is False

    @cached_property
    def image_guided_esis(self) -> tuple[ProcedureFact, ...]:
        return tuple(p for p in self.esis if not self.is_blind(p))

    @cached_property
    def blind_esis(self) -> tuple[ProcedureFact, ...]:
        return tuple(p for p in self.esis if self.is_blind(p))

    @cached_property
    def ablations(self) -> tuple[ProcedureFact, ...]:
        """Facet/SI radiofrequency ablation and cryoablation sessions (by code, or by text for cryo)."""
        return self._of(Modality.RFA)

    @cached_property
    def scs_procedures(self) -> tuple[ProcedureFact, ...]:
        return self.procedures("spinal_cord_stimulation")

    def _proc_text(self, p: ProcedureFact) -> str:
        return " ".join([p.text, *p.notes, *p.focal_devices, p.outcome_text or ""])

    @cached_property
    def scs_trials(self) -> tuple[ProcedureFact, ...]:
        """Stimulator (SCS or DRG) trials: percutaneous leads without a permanent system (§0)."""
        return self._of(Modality.SCS_TRIAL)

    @cached_property
    def scs_permanent(self) -> tuple[ProcedureFact, ...]:
        """Permanent stimulator systems: pulse generator/paddle codes, or leads that are not a trial."""
        trials = {p.ref for p in self.scs_trials}
        return tuple(
            p for p in self.scs_procedures
            if p.ref not in trials
            and self.matches("spinal_cord_stimulation", p.codings)
            and not self.matches("scs_revision_removal", p.codings)
        )  # fmt: skip

    def is_drg(self, p: ProcedureFact) -> bool:
        return bool(DRG.search(self._proc_text(p)))

    def is_lumbar_surgery(self, p: ProcedureFact) -> bool:
        """Lumbar surgery only (§7.4). A procedure whose body site or level places it outside the lumbar
        spine (cervical, thoracic, C1–C7, T1–T12), or whose text does so while nothing in it says
        lumbar, is not lumbar surgery whatever its code: a cervical discectomy coded with a lumbar CPT
        code or a generic SNOMED concept stays cervical. Otherwise a lumbar code (63030, 22612,
        'primary lumbar microdiscectomy' ...), or a code that does not name the region (laminectomy,
        discectomy, laminotomy, spinal arthrodesis) with a lumbar body site or lumbar text."""
        site = " ".join([p.body_site_text or "", p.level or "", *(b.display or "" for b in p.body_site)])
        if NON_LUMBAR_SITE.search(site) and not LUMBAR_SITE.search(site):
            return False
        if NON_LUMBAR_SITE.search(p.text) and not LUMBAR_SITE.search(f"{site} {p.text}"):
            return False
        for c in (*p.codings, *p.used_codes):
            if self.matches("prior_lumbar_spine_surgery", [c]) and not self.matches(
                "spine_surgery_site_unspecified", [c]
            ):
                return True
        return bool(LUMBAR_SITE.search(" ".join([site, p.text, *p.notes])))

    @cached_property
    def surgeries(self) -> tuple[ProcedureFact, ...]:
        """Completed lumbar decompressions, discectomies and fusions (§7.4: lumbar only), by code, or
        named in words when no code of the Procedure is one the value sets know (``named_surgery``),
        oldest first."""
        found = [p for p in self._spine_operations if self.is_lumbar_surgery(p)]
        return tuple(sorted(found, key=lambda p: p.performed or date.min))

    @cached_property
    def _spine_operations(self) -> tuple[ProcedureFact, ...]:
        """Spine operations on record, by code or named in words (``named_surgery``), wherever done."""
        coded = self.procedures("prior_lumbar_spine_surgery")
        return (*coded, *(p for p in self.history.procedures if p not in coded and self.named_surgery(p)))

    def named_surgery(self, p: ProcedureFact) -> bool:
        """A completed Procedure, done by today, that names a spine operation in words only
        (``failure.names_operation``)."""
        if not p.is_completed or (p.performed is not None and p.performed > self.today):
            return False
        return failure.names_operation(p, self.term)

    @cached_property
    def surgery_status_conditions(self) -> tuple[ConditionFact, ...]:
        """Lumbar surgical status recorded with a lumbar site or lumbar text (§7.4): coded (Z98.1, the
        code alone may be any joint's fusion; a history of lumbar laminectomy), or an operation named
        as done in a problem-list entry with no code the value sets know ("Status post L4-5
        laminectomy (2018)": ``hooks.text.names_surgical_status``)."""
        named = [
            c for c in self.named_conditions(names_surgical_status, in_force_only=False)
            # the words that name the operation place it: a cervical one stays cervical, whatever
            # a note says of the lumbar spine
            if not (NON_LUMBAR_SITE.search(c.text) and not LUMBAR_SITE.search(c.text))
        ]
        coded = self.conditions("lumbar_surgery_status", current_only=False)
        return tuple(
            c for c in (*coded, *named)
            # a code whose own name says lumbar (a history of lumbar laminectomy) is lumbar
            if LUMBAR_SITE.search(" ".join([c.written, self.term.listed_display(c.codings) or ""]))
        )  # fmt: skip

    @cached_property
    def lumbar_fbss_conditions(self) -> tuple[ConditionFact, ...]:
        """Post-laminectomy syndrome, unless the record places it outside the lumbar spine (§7.4): its
        own words, or, when they name no site, the record's spine operations, every one of them done
        outside the lumbar spine (an M96.1 beside a cervical fusion and no lumbar operation is the
        neck's)."""
        out = []
        for c in self.fbss_conditions:
            text = c.written
            if NON_LUMBAR_SITE.search(text) and not LUMBAR_SITE.search(text):
                continue
            if not LUMBAR_SITE.search(text) and not self.surgeries and self._non_lumbar_operations:
                continue
            out.append(c)
        return tuple(out)

    @cached_property
    def _non_lumbar_operations(self) -> tuple[ProcedureFact, ...]:
        """Spine operations on record (coded or named in words) that the record places outside the
        lumbar spine (``is_lumbar_surgery``)."""
        return tuple(p for p in self._spine_operations if not self.is_lumbar_surgery(p))

    @property
    def post_surgical(self) -> bool:
        """§1.1.3, §7.4: prior lumbar decompression or fusion (lumbar Procedure codes, or a lumbar
        site; M96.1, or Z98.1 with lumbar context)."""
        return bool(self.surgeries or self.lumbar_fbss_conditions or self.surgery_status_conditions)

    @property
    def last_surgery(self) -> ProcedureFact | None:
        dated = [p for p in self.surgeries if p.performed]
        return dated[-1] if dated else (self.surgeries[-1] if self.surgeries else None)

    def assess(self, p: ProcedureFact, modality: Modality) -> Assessment:
        """§3 treatment-failure inference for one procedure (the history engineer's ``failure.assess``)."""
        key = (p.ref, modality)
        cache = self.__dict__.setdefault("_assessments", {})
        if key not in cache:
            if self._assessor is not None:
                cache[key] = self._assessor(p, modality)
            else:
                cache[key] = failure.assess(p, modality, self.history, self.today, self.t, self.term)
        return cache[key]

    @cached_property
    def esi_assessments(self) -> tuple[Assessment, ...]:
        return tuple(self.assess(p, Modality.ESI) for p in self.esis)

    @cached_property
    def image_guided_assessments(self) -> tuple[Assessment, ...]:
        guided = {p.ref for p in self.image_guided_esis}
        return tuple(a for a in self.esi_assessments if a.procedure.ref in guided)

    @cached_property
    def esis_in_frequency_window(self) -> tuple[ProcedureFact, ...]:
        """ESI sessions in the rolling window (today − ``esi_frequency_window_days``, today], the 12
        months the session limit ``esi_max_sessions_per_year`` counts (F8, Medicare LCDs), oldest
        first; the pathway's F8 and the repeat-ESI order check both count these. Every session
        counts here, an earlier episode's too: the limit is on injections, not on episodes."""
        since = self.today - timedelta(days=self.t.esi_frequency_window_days)
        return tuple(p for p in self.all_esis if p.performed and p.performed > since)

    @cached_property
    def non_responding_esi_run(self) -> tuple[Assessment, ...]:
        """The run of most recent image-guided ESI sessions below the response threshold, oldest
        first (``failure.non_response_run``): what a repeat ESI order is judged against. A blind
        injection is not an adequate trial (F2 recommends an image-guided one), so it never counts
        against the injection the pathway recommends."""
        return failure.non_response_run(self.image_guided_assessments)

    def esi_level_concordance(self, p: ProcedureFact) -> failure.Concordance:
        """Level/side of an injection against the imaging report before it and the radicular
        Conditions, the coded ones and those named in words (``failure.procedure_concordance``)."""
        return failure.procedure_concordance(p, self.history, self.term, self.named_radicular_conditions)

    # -----------------------------------------------------------------------------------------
    # conservative care (§3.1 refractory definition)
    # -----------------------------------------------------------------------------------------

    @cached_property
    def physiotherapy(self) -> tuple[ProcedureFact, ...]:
        """Completed physiotherapy sessions for the back or leg (``treats_other_body_part`` leaves out
        a course for the shoulder, knee or neck), oldest first: Procedures, and finished visits whose
        type is a physiotherapy code (an EHR may record the sessions as Encounters typed 97110)."""
        sessions = (*self.procedures("physical_therapy"), *self._physiotherapy_visits)
        return tuple(
            sorted(
                (p for p in sessions if not self.treats_other_body_part(p)),
                key=lambda p: p.performed or date.min,
            )
        )

    @cached_property
    def _physiotherapy_visits(self) -> tuple[ProcedureFact, ...]:
        """Finished Encounters typed with a physiotherapy code, done by today, read as the sessions they
        record."""
        return tuple(
            ProcedureFact(
                ref=e.ref,
                codings=e.types,
                text=e.text or "Physiotherapy visit",
                status="completed",
                performed=e.start,
                performed_text=e.start.isoformat(),
            )
            for e in self.history.encounters
            if e.status == "finished"
            and e.start is not None
            and e.start <= self.today
            and self.matches("physical_therapy", e.types)
        )

    def treats_other_body_part(self, p: ProcedureFact) -> bool:
        """A physiotherapy session whose body site, reason or own text names another part of the body
        (shoulder, knee, neck, hip ...) and nothing of the back or leg: it is not conservative care for
        lumbar radicular pain. Most sessions name no site at all; those count. A reason coded as a
        lumbar diagnosis, or words for the back, a lumbar level, the leg, buttock or foot, or sciatica
        anywhere in them, keep it."""
        words = [
            p.text,
            p.body_site_text or "",
            p.reason_text or "",
            *(c.display or "" for c in (*p.body_site, *p.reason)),
        ]
        written = "\n".join(w for w in words if w)
        if not OTHER_BODY_PART.search(written) or LUMBAR_OR_LEG.search(written):
            return False  # most sessions name no other part of the body
        return not any(self.matches(vs, p.reason) for vs in LUMBAR_REASON_SETS if vs in self.term)

    @cached_property
    def analgesics(self) -> tuple[MedicationFact, ...]:
        """NSAID and muscle-relaxant prescriptions (carisoprodol included), not low-dose aspirin: aspirin
        counts as an analgesic trial only when a dose above ``low_dose_aspirin_mg`` is stated (§7.6)."""
        meds = self.medications("rx_nsaids", "rx_muscle_relaxant_class")
        return tuple(m for m in meds if not self.is_antiplatelet_aspirin(m))

    def is_antiplatelet_aspirin(self, m: MedicationFact) -> bool:
        if not self.matches("rx_aspirin", (*m.codings, *m.ingredient_codings)):
            return False
        doses = [float(x) for x in MG_DOSE.findall(" ".join(filter(None, (m.text, m.dose_text))))]
        return max(doses, default=0.0) <= self.t.low_dose_aspirin_mg

    def med_span(self, m: MedicationFact) -> tuple[date, date] | None:
        """The days a prescription covers: from its start to its end (validity end, or start +
        expected supply), or to today while it is still running. An order that has ended (completed,
        stopped, cancelled) without an end date covers its start day only: it did not run on to today.
        None without a start, or when it starts in the future."""
        if m.start is None or m.start > self.today:
            return None
        end = m.end
        if end is None:
            end = m.start if m.status in ENDED_MED_STATUSES else self.today
        return m.start, min(end, self.today)

    def _episode_span_days(self, span: tuple[date, date] | None) -> int:
        """Days of a span on or after ``episode_cutoff`` (the part of it in the current episode)."""
        if span is None:
            return 0
        start, stop = span
        cutoff = self.episode_cutoff
        if cutoff is not None:
            start = max(start, cutoff)
        return max((stop - start).days + 1, 0)

    @cached_property
    def episode_physiotherapy(self) -> tuple[ProcedureFact, ...]:
        """Dated physiotherapy of the current episode (``in_episode``), oldest first: completed
        sessions, and a course still in progress (one Procedure for the course, status in-progress,
        begun by today)."""
        running = [
            p for p in self.procedures("physical_therapy", completed=False)
            if p.status == "in-progress" and not self.treats_other_body_part(p)
        ]  # fmt: skip
        return tuple(
            sorted(
                (p for p in (*self.physiotherapy, *running) if p.performed and self.in_episode(p.performed)),
                key=lambda p: p.performed or date.min,
            )
        )

    def _physiotherapy_until(self, p: ProcedureFact) -> date | None:
        """The last day a physiotherapy record covers: the end of its period (a course recorded as one
        Procedure), today for a course still in progress with no end, else its day."""
        if p.status == "in-progress":
            return min(p.performed_end or self.today, self.today)
        if p.performed_end is not None:
            return min(p.performed_end, self.today)
        return p.performed

    @cached_property
    def episode_analgesics(self) -> tuple[MedicationFact, ...]:
        """Analgesic prescriptions that cover at least one day of the current episode."""
        return tuple(m for m in self.analgesics if self._episode_span_days(self.med_span(m)) > 0)

    @cached_property
    def earlier_episode_care(self) -> tuple[ProcedureFact | MedicationFact, ...]:
        """Physiotherapy and analgesics of an earlier episode only (on record, not counted), oldest
        first."""
        pt = {p.ref for p in self.episode_physiotherapy}
        meds = {m.ref for m in self.episode_analgesics}
        dated: list[tuple[date, ProcedureFact | MedicationFact]] = [
            (p.performed, p) for p in self.physiotherapy if p.performed and p.ref not in pt
        ]
        dated += [(m.start, m) for m in self.analgesics if m.start and self.med_span(m) and m.ref not in meds]
        return tuple(x for _, x in sorted(dated, key=lambda dx: dx[0]))

    @cached_property
    def conservative_care_days(self) -> int:
        """How long conservative care is documented in the current episode (§3.1): physiotherapy from
        the first session to the last (a course's period to its end, one in progress to today), or
        an NSAID/analgesic prescription's span (``med_span``); the longest counts. Care before
        ``episode_cutoff`` treated an earlier episode and does not count."""
        spans: list[int] = []
        starts = [p.performed for p in self.episode_physiotherapy if p.performed]
        ends = [d for p in self.episode_physiotherapy if (d := self._physiotherapy_until(p)) is not None]
        if starts and ends:
            spans.append((max(ends) - min(starts)).days + 1)
        for m in self.episode_analgesics:
            spans.append(self._episode_span_days(self.med_span(m)))
        return max(spans, default=0)

    def conservative_care_facts(self) -> tuple[Fact, ...]:
        # the card names the session by what it counts as (physiotherapy) and when
        facts = [
            Fact(self.proc_label(p), p.ref, short=f"physiotherapy {self.proc_when(p)}")
            for p in self.episode_physiotherapy[-2:]
        ]
        facts += [self.med_fact(m) for m in self.episode_analgesics[-2:]]
        earlier = self.earlier_episode_care
        if earlier:
            last = earlier[-1]
            if isinstance(last, ProcedureFact):
                what, ref = f"physiotherapy {self.proc_when(last)}", last.ref
            else:
                what, ref = (
                    f"{last.text} from {last.start.isoformat() if last.start else 'undated'}",
                    last.ref,
                )
            facts.append(
                Fact(
                    f"{what}: before this episode of leg pain began, not counted as its conservative care",
                    ref,
                    short=f"{what}: earlier episode, not counted",
                )
            )
        return tuple(facts)

    @property
    def conservative_care_complete(self) -> bool:
        return self.conservative_care_days >= self.t.conservative_care_days

    # -----------------------------------------------------------------------------------------
    # imaging
    # -----------------------------------------------------------------------------------------

    @cached_property
    def imaging(self) -> tuple[ImagingStudy, ...]:
        """Lumbar imaging: reports first (they carry the findings), then completed imaging Procedures."""
        studies: list[ImagingStudy] = []
        for r in self.history.reports:
            if r.status in ("entered-in-error", "cancelled"):
                continue
            if not failure.is_lumbar_imaging_report(r, self.term):
                continue
            studies.append(self._study_from_report(r))
        for p in self.procedures("imaging_lumbar_any"):
            text = " ".join([p.text, *p.notes])
            studies.append(
                ImagingStudy(
                    ref=p.ref,
                    when=p.performed,
                    text=p.text,
                    conclusion=" ".join(p.notes),
                    is_mri=self.matches("imaging_mri_lumbar", p.codings) or bool(MRI.search(text)),
                    with_contrast=self.matches("mri_lumbar_with_and_without_contrast", p.codings)
                    or without_and_with_contrast(p.text),
                    is_report=False,
                    codings=p.codings,
                    radiograph=failure.is_plain_radiograph(p.codings, p.text, self.term),
                )
            )
        return tuple(sorted(studies, key=lambda s: (s.when or date.min, s.is_report)))

    def _study_from_report(self, r: ReportFact) -> ImagingStudy:
        return ImagingStudy(
            ref=r.ref,
            when=r.effective,
            text=r.text,
            conclusion=r.conclusion or "",
            is_mri=self.matches("imaging_mri_lumbar", r.codings) or bool(MRI.search(r.text)),
            with_contrast=self.matches("mri_lumbar_with_and_without_contrast", r.codings)
            or without_and_with_contrast(r.text),
            is_report=True,
            codings=r.codings,
            radiograph=failure.is_plain_radiograph(r.codings, r.text, self.term),
        )

    @property
    def mri_studies(self) -> tuple[ImagingStudy, ...]:
        return tuple(s for s in self.imaging if s.is_mri)

    def imaging_since(
        self,
        d: date | None,
        *,
        mri_only: bool = False,
        contrast: bool | None = None,
    ) -> tuple[ImagingStudy, ...]:
        out = []
        for s in self.imaging:
            if mri_only and not s.is_mri:
                continue
            if contrast is not None and s.with_contrast != contrast:
                continue
            if d is not None and (s.when is None or s.when < d):
                continue
            out.append(s)
        return tuple(out)

    @property
    def root_imaging(self) -> tuple[ImagingStudy, ...]:
        """Lumbar imaging that can show a nerve root: MRI, CT or CT myelography, not plain films."""
        return tuple(s for s in self.imaging if not s.radiograph)

    @property
    def radiographs(self) -> tuple[ImagingStudy, ...]:
        """Plain lumbar radiographs: alignment and instability (flexion-extension), never a root."""
        return tuple(s for s in self.imaging if s.radiograph)

    @property
    def latest_report(self) -> ImagingStudy | None:
        """The latest MRI or CT report with text (a radiograph's cannot place a root lesion)."""
        reps = [s for s in self.root_imaging if s.is_report and s.conclusion]
        return reps[-1] if reps else None

    @property
    def imaging_unread(self) -> bool:
        """The EHR could not give the imaging reports: an MRI may be on record that the service did
        not see, so no card may say there is none."""
        return "diagnosticReports" in self.history.unavailable

    @cached_property
    def concordance(self) -> Concordance:
        """Does the latest MRI or CT report show a compressive lesion concordant with the symptoms?
        Radiographs alone are no imaging for this question: they cannot show root compression, so the
        status is "no-imaging" (the MRI comes first) with the detail saying only radiographs exist."""
        if not self.root_imaging:
            if self.imaging_unread:
                # absent from what was read, not from the record: the card must not say "none on record"
                return Concordance(
                    "no-imaging", None, "no lumbar MRI or CT seen: the imaging reports could not be read"
                )
            if self.radiographs:
                return Concordance(
                    "no-imaging", None, "only radiographs on record: they cannot show nerve-root compression"
                )
            return Concordance("no-imaging", None, "no lumbar imaging on record")
        rep = self.latest_report
        if rep is None:
            study = self.root_imaging[-1]
            return Concordance("unknown", study, f"{study.label}: no report text on record")
        text = rep.conclusion
        lesions = affirmed(COMPRESSION, text)
        if lesions:
            clauses = list(dict.fromkeys(clause_of(text, m) for m in lesions))
            levels = set(levels_in(*clauses) or levels_in(text))
            esi_levels = set(levels_in(*(p.level for p in self.esis)))
            if levels and esi_levels and not (segments(*levels) & segments(*esi_levels)):
                return Concordance(
                    "discordant",
                    rep,
                    f"lesion at {', '.join(sorted(levels))} but injections at "
                    f"{', '.join(sorted(esi_levels))}",
                )
            wrong_side = self._lesion_on_other_side(clauses, esi_levels)
            if wrong_side is not None:
                return Concordance("discordant", rep, wrong_side)
            return Concordance("concordant", rep, "compressive lesion reported")
        if COMPRESSION.search(text) or NEGATED_COMPRESSION.search(text) or NONSPECIFIC_IMAGING.search(text):
            return Concordance("discordant", rep, "no concordant nerve-root compression reported")
        return Concordance("unknown", rep, "report does not clearly describe a concordant lesion")

    @cached_property
    def symptom_side(self) -> str | None:
        """The side of the radicular symptoms as the record states it: the Conditions that open the
        gate (body site, notes, words, code displays, and the value set's own name for the code, so
        that M54.41 reads right and M54.42 left even when the chart gives no display) and this
        episode's epidural injections (their laterality). One side when every statement says it;
        "bilateral" when one says both or they disagree; None when none states a side."""
        sides = {side for c in self.gate_conditions if (side := self.condition_side(c))}
        sides.update(p.laterality for p in self.esis if p.laterality)
        if len(sides) == 1:
            return sides.pop()
        return "bilateral" if sides else None

    def condition_side(self, c: ConditionFact) -> str | None:
        """The side a Condition states (``parse_laterality``): its body site, notes, words, code
        displays, and the value set's own name for the code (M54.41 reads right, M54.42 left, with no
        display sent)."""
        member = self.term.match("lumbar_radiculopathy_conditions", c.codings)
        return parse_laterality(
            c.body_site_text,
            *(b.display for b in c.body_site),
            *c.notes,
            c.text,
            *(x.display for x in c.codings),
            member.display if member is not None else None,
        )

    def _lesion_on_other_side(self, clauses: Sequence[str], esi_levels: set[str]) -> str | None:
        """Why the compressive lesions reported lie on the other side from the symptoms (NICE NG59,
        NASS 2014: decompression only for imaging consistent with the symptoms), or None when they do
        not clearly. Read from the report's clauses that affirm a compression, each at a level the
        injections do not miss (or either level unstated): the lesion is on the other side only when
        every such clause names one side ("left paracentral extrusion compressing the left S1 root")
        and the symptoms the other (``symptom_side``). A central or bilateral lesion, a clause naming
        no side, a lesion on the symptomatic side anywhere, or symptoms of no stated side or both
        sides leave the level-only judgement as it was."""
        side = self.symptom_side
        if side not in ("left", "right"):
            return None
        at_level = [
            c for c in clauses
            if not esi_levels or not levels_in(c) or segments(*levels_in(c)) & segments(*esi_levels)
        ]  # fmt: skip
        lesion_sides = {parse_laterality(c) for c in at_level}
        if not at_level or lesion_sides - {"left", "right"} or side in lesion_sides:
            return None
        (other,) = lesion_sides
        where = ", ".join(levels_in(*at_level))
        at = f" at {where}" if where else ""
        return f"{other}-sided lesion{at} but {side}-sided symptoms"

    def esi_level_discordant(self) -> tuple[ProcedureFact, ...]:
        """Image-guided injections whose stated level or side clearly misses the imaging/diagnosis."""
        return tuple(p for p in self.image_guided_esis if self.esi_level_concordance(p).concordant is False)

    def imaging_in(self, value_set: str) -> tuple[ImagingStudy, ...]:
        """Imaging studies (reports or procedures) coded in the value set."""
        return tuple(s for s in self.imaging if self.matches(value_set, s.codings))

    def report_mentions(self, pattern: re.Pattern[str], since: date | None = None) -> ImagingStudy | None:
        """The latest study (since a date) whose report affirms the pattern (negated mentions don't count)."""
        for s in reversed(self.imaging):
            if since is not None and (s.when is None or s.when < since):
                continue
            if affirmed(pattern, s.conclusion):
                return s
        return None

    @property
    def recurrence_study(self) -> ImagingStudy | None:
        """Imaging after the last surgery that reports a recurrent herniation (not "no recurrent ...").
        A study without contrast whose report leaves it open ("recurrent protrusion versus epidural
        scar", "contrast-enhanced study recommended": ``text.UNCERTAIN``) confirms none: telling a
        recurrence from scar is what the contrast MRI is for (ACR 2021 variant 5)."""
        s = self.last_surgery
        since = s.performed if s else None
        for study in reversed(self.imaging):
            if since is not None and (study.when is None or study.when < since):
                continue
            found = affirmed(RECURRENCE, study.conclusion)
            if not found:
                continue
            if study.with_contrast or not any(_left_open(study.conclusion, m) for m in found):
                return study
        return None

    @staticmethod
    def excludes_recurrence(study: ImagingStudy) -> bool:
        """The report mentions recurrence only to deny it ("No recurrent disc herniation")."""
        return bool(RECURRENCE.search(study.conclusion)) and not affirmed(RECURRENCE, study.conclusion)

    @property
    def fibrosis_study(self) -> ImagingStudy | None:
        s = self.last_surgery
        return self.report_mentions(FIBROSIS, s.performed if s else None)

    @property
    def ligamentum_flavum_study(self) -> ImagingStudy | None:
        return self.report_mentions(LF_HYPERTROPHY)

    # -----------------------------------------------------------------------------------------
    # orders, referrals, notes
    # -----------------------------------------------------------------------------------------

    @cached_property
    def specialist_referrals(self) -> tuple[ServiceRequestFact, ...]:
        """Referrals made to a spine surgeon or pain specialist, of any episode (a deficit from an
        earlier episode may have been addressed then: ``red_flags.deficit_already_addressed``). A
        draft, never sent, is no referral made; P2 names it as one to send."""
        return tuple(
            s for s in self.orders("spine_specialist_referral", pending=False) if s.status != "draft"
        )

    @staticmethod
    def _referral_date(s: ServiceRequestFact) -> date | None:
        return s.authored or s.occurrence

    def _episode_referrals(self) -> tuple[ServiceRequestFact, ...]:
        """The specialist referrals of the current episode: one from an earlier episode (years before
        this onset) did not refer this leg pain."""
        return tuple(s for s in self.specialist_referrals if self.in_episode(self._referral_date(s)))

    def _episode_specialist_encounters(self) -> tuple[EncounterFact, ...]:
        """The specialist visits of the current episode, as ``_episode_referrals``."""
        return tuple(e for e in self.specialist_encounters if self.in_episode(e.start))

    @cached_property
    def specialist_encounters(self) -> tuple[EncounterFact, ...]:
        out = []
        for e in self.history.encounters:
            if e.status in ("cancelled", "entered-in-error"):
                continue
            codings = (*e.types, *e.service_type, *e.participant_types)
            text = " ".join([e.text, *(c.display or "" for c in codings)])
            if self.matches("spine_specialist_referral", codings) or SPINE_SERVICE.search(text):
                out.append(e)
        return tuple(out)

    @property
    def referred(self) -> bool:
        """Referred to, or seen by, a spine surgeon or pain specialist (P2's "still not referred"):
        a referral made (not a draft), a specialist visit, or a procedure only a specialist does (an
        injection, block, ablation, stimulator trial or lumbar operation), each of this episode — a
        patient who had a stimulator trial has been seen, whatever encounters the record lacks."""
        if self._episode_referrals() or self._episode_specialist_encounters():
            return True
        done = (*(p for p, _ in self.sessions), *self.surgeries)
        return any(self.in_episode(p.performed) for p in done)

    @cached_property
    def surgical_referrals(self) -> tuple[ServiceRequestFact, ...]:
        return self.orders("referral_spine_surgery", pending=False)

    @cached_property
    def surgical_encounters(self) -> tuple[EncounterFact, ...]:
        out = []
        for e in self.specialist_encounters:
            codings = (*e.types, *e.service_type, *e.participant_types)
            text = " ".join([e.text, *(c.display or "" for c in codings)])
            if self.matches("referral_spine_surgery", codings) or SURGICAL_SERVICE.search(text):
                out.append(e)
        return tuple(out)

    @property
    def surgically_referred(self) -> bool:
        """Referred to, or seen by, a spine surgeon (the referral F3 and S4 ask for)."""
        return bool(self.surgical_referrals or self.surgical_encounters)

    def referral_facts(self) -> tuple[Fact, ...]:
        facts = [self.order_fact(s, "specialist referral: ") for s in self.specialist_referrals]
        facts += [
            Fact(f"specialist encounter {e.start.isoformat() if e.start else ''}: {e.text}".strip(), e.ref)
            for e in self.specialist_encounters
        ]
        return tuple(facts)

    def pending(self, *value_sets: str) -> tuple[ServiceRequestFact, ...]:
        return self.orders(*value_sets, pending=True)

    @cached_property
    def no_surgical_target_notes(self) -> tuple[Fact, ...]:
        """A surgeon's (or report's) statement that there is no surgical target."""
        out: list[Fact] = []
        for c in self.history.conditions:
            if any(NO_SURGICAL_TARGET.search(n) for n in c.notes):
                out.append(Fact(f"note on {c.text}: no surgical target", c.ref, short=NO_TARGET_SHORT))
        for p in self.history.procedures:
            if any(NO_SURGICAL_TARGET.search(n) for n in p.notes):
                out.append(Fact(f"note on {p.text}: no surgical target", p.ref, short=NO_TARGET_SHORT))
            elif NO_SURGICAL_TARGET.search(p.text):
                # a consultation recorded as a procedure, its finding in its name
                out.append(Fact(p.text, p.ref, short=NO_TARGET_SHORT))
        for s in self.history.service_requests:
            if any(NO_SURGICAL_TARGET.search(n) for n in s.notes):
                out.append(Fact(f"note on {s.text}: no surgical target", s.ref, short=NO_TARGET_SHORT))
        for r in self.history.reports:
            if NO_SURGICAL_TARGET.search(r.conclusion or ""):
                out.append(Fact(f"{r.text}: no surgical target", r.ref, short=NO_TARGET_SHORT))
        for e in self.history.encounters:
            if NO_SURGICAL_TARGET.search(e.text):
                out.append(Fact(f"{e.text}", e.ref))
        return tuple(out)

    def claudication_text(self) -> bool:
        return any(tells_claudication(c.written) for c in self.stenosis_conditions)

    # -----------------------------------------------------------------------------------------
    # pain and function
    # -----------------------------------------------------------------------------------------

    @property
    def latest_pain(self) -> ObservationFact | None:
        return self.latest("pain")

    @property
    def latest_odi(self) -> ObservationFact | None:
        return self.latest("odi")

    def pain_facts(self) -> tuple[Fact, ...]:
        """The latest pain score and ODI of the current episode (``episode_latest``): a score from
        before the symptoms began describes another episode, not this one."""
        found = (self.episode_latest("pain"), self.episode_latest("odi"))
        return tuple(self.obs_fact(o) for o in found if o is not None)

    def current_pain_facts(self) -> tuple[Fact, ...]:
        """The pain score and ODI that grade the pain now (``current_score``)."""
        found = (self.current_score("pain"), self.current_score("odi"))
        return tuple(self.obs_fact(o) for o in found if o is not None)

    def failure_facts(self, a: Assessment) -> tuple[Fact, ...]:
        """Display lines of one assessment, each naming its resource."""
        facts = list(a.facts)
        if not facts:
            facts.append(
                self.proc_fact(a.procedure, f" — outcome: {a.outcome.value.replace('_', ' ')} ({a.basis})")
            )
        return tuple(facts)


FAILED_OUTCOMES = (Outcome.FAILED, Outcome.SHORT_LIVED, Outcome.PARTIAL, Outcome.PROBABLE_FAILED)
SUCCESS_OUTCOMES = (Outcome.SUCCESS, Outcome.RESPONDER, Outcome.RESPONDED_THEN_RECURRED)
UNDOCUMENTED_OUTCOMES = (Outcome.POSSIBLE_FAILED, Outcome.UNKNOWN)


def _left_open(report: str, m: re.Match[str]) -> bool:
    """The sentence of ``report`` that names the finding ``m`` leaves it open (``text.UNCERTAIN``:
    "recurrent protrusion versus epidural scar"), or the report asks for a contrast study to settle
    it: a hedge about another finding ("indeterminate renal lesion") does not."""
    breaks = [b.end() for b in _SENTENCE_END.finditer(report)]
    start = max((b for b in breaks if b <= m.start()), default=0)
    end = min((b for b in breaks if b > m.end()), default=len(report))
    sentence = report[start:end]
    return bool(UNCERTAIN.search(sentence) or CONTRAST_ASKED.search(report))


# Where a sentence of a report ends: a full stop or a semicolon before a capital, a new line or the
# end ("vs." and "approx." inside a sentence do not end it).
_SENTENCE_END = re.compile(r"[.;](?:\s+(?=[A-Z])|\s*\n|\s*$)|\n")
