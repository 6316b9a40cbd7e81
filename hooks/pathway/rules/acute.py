"""E1–E2: radicular pain in its first 6 weeks, no red flags, no prior lumbar surgery, no ESI yet.

A fracture risk (ACR 2021 variant 6: osteoporosis, chronic steroid use, low-velocity trauma in an
elderly individual: ``fracture_risk``) adds lumbar radiographs to both; it is no red flag.

E2 has two arms: severe, disabling pain (NRS ≥ 7 with ODI ≥ 40), or a motor deficit measured this
episode that is no red flag (a muscle's latest strength score MRC 4, no fall: ``stable_deficit``).
No sensory or reflex finding is read as structured data, so the deficit arm is motor only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact
from hooks.facts import ConditionFact, MedicationFact, ObservationFact
from hooks.pathway import failure
from hooks.pathway.context import EXCLUDED_VERIFICATION, PathwayContext
from hooks.pathway.rules import red_flags
from hooks.pathway.rules.common import (
    ESI_TIMING,
    NEUROPATHIC_AGENTS,
    ORAL_STEROIDS,
    TOPIC_PATHWAY,
    Rule,
    ordered_fact,
)
from hooks.rule import WARNING
from hooks.text import reported
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
    acute pain. A score from before the symptoms began (an old visit for something else) does not.
    Of a leg-pain and a back-pain score taken together, the leg's grades radicular pain (decision
    model §3.1); a back score alone still counts."""
    latest = failure.latest_scores(ctx.episode_observations("pain"))
    return failure.latest_score(failure.prefer_leg(latest)), ctx.episode_latest("odi")


def is_severe(ctx: PathwayContext) -> bool:
    """NRS ≥ 7 with ODI ≥ 40 — a missing score does not argue against severity, but one score of the
    current episode must exist."""
    pain, odi = severity_scores(ctx)
    if pain is None and odi is None:
        return False
    pain_severe = pain is None or (pain.value or 0) >= ctx.t.severe_pain_nrs
    odi_severe = odi is None or (odi.value or 0) >= ctx.t.severe_odi
    return pain_severe and odi_severe


def stable_deficit(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """E2's deficit arm: muscles whose latest strength score this episode is below full strength but
    above the red-flag level (MRC 4: ``red_flags.reduced_muscles``), while no fall in strength is on
    record (a falling score is R2's: ``red_flags.strength_decline``). A neurological deficit that
    is referred to a spine specialist within 2 weeks, as severe pain is."""
    if red_flags.strength_decline(ctx) is not None:
        return ()
    return red_flags.reduced_muscles(ctx)


def recorded_weakness(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Every muscle whose latest strength score this episode is below full strength (MRC < 5),
    whether or not a card acts on it: a card that shows conservative care names it, and never says
    "no red flag" beside it."""
    return tuple(
        o
        for o in red_flags.latest_strength_scores(ctx)
        if o.value is not None and o.value < red_flags.FULL_STRENGTH_MRC
    )


# ACR Appropriateness Criteria Low Back Pain 2021, variant 6 ("low-velocity trauma, osteoporosis,
# elderly individual, or chronic steroid use"): initial radiographs are appropriate. The variant names
# an "elderly individual" without an age: this service reads it as 70 or older (a clinical choice, to
# be reviewed), and only with a trauma recorded with the present illness (a fall from standing is the
# low-velocity trauma of an older patient). Age alone is not read: every older patient with new
# sciatica would be sent for radiographs.
TRAUMA_AGE_YEARS = 70
# A trauma belongs to the present illness when it is dated on or after the radicular onset, or at most
# this many days before it (the fall that set the pain off is often recorded the day before).
TRAUMA_LEAD_DAYS = 14
# No value set names long-term systemic steroid use alone (a ``fracture_risk_steroids`` set is
# needed: ICD-10-CM Z79.52). The two sets that hold it share that one meaning, and only it: the
# A fall or an injury of the lower back or pelvis (``trauma_low_back_and_falls``: ICD-10-CM W00-W19,
# S33, S39.x of the lower back) is a trauma by its code; otherwise trauma is read from a Condition's
# words (its text, codings' displays and notes), reported, not denied ("no fall", "denies trauma":
# ``hooks.text.reported``). A fall or fell, trauma (not post-traumatic stress, nor emotional or
# psychological trauma), or an injury of the back, spine or pelvis.
TRAUMA_FALL = re.compile(
    r"\bf(?:all(?:s|en|ing)?|ell)\b(?!\s+(?:asleep|ill|pregnant|to|by|below|short|behind)\b)", re.IGNORECASE
)
TRAUMA_WORDS = re.compile(
    r"(?<!post-)(?<!post )(?<!emotional )(?<!psychological )(?<!childhood )(?<!sexual )\btrauma(?:tic)?\b",
    re.IGNORECASE,
)
TRAUMA_INJURY = re.compile(r"\binjur(?:y|ies|ed)\b", re.IGNORECASE)
TRAUMA_INJURY_SITE = re.compile(
    r"\b(?:back|lumbar|lumbosacral|spine|spinal|vertebra\w*|pelvi\w*|sacr\w*|coccy\w*|hip|buttock)\b",
    re.IGNORECASE,
)
# a fall written as a risk or a history is not a trauma of the present illness ("fall risk", "at risk
# of falls", "history of falls", "fear of falling", "falls prevention", "fell 10 years ago")
NOT_A_TRAUMA = re.compile(
    r"\brisk|\bhistory of\b|\bfear of\b|prevent|precaution|\b(?:a|\d+|many|several)\s+years?\s+ago\b",
    re.IGNORECASE,
)
# a year named alone (a fall "in" a past year), not inside a full date (year-month-day, or the
# month/day/year form): a fall dated in a year that ended before the radicular onset's lead window is
# history, not this illness's trauma
NAMED_YEAR = re.compile(r"(?<![\d/-])\b((?:19|20)\d\d)\b(?![/-]\d)")


@dataclass(frozen=True, slots=True)
class Trauma:
    """A trauma recorded with the present illness in an older patient (``trauma_with_illness``):
    ``event`` as the card names it ("fall", "trauma", "injury"), the day it is dated and the age then."""

    condition: ConditionFact
    event: str
    on: date
    age: int
    in_notes: bool


def _before_illness(sentence: str, onset: date | None) -> bool:
    """The sentence names a year that ended more than ``TRAUMA_LEAD_DAYS`` before the radicular onset
    ("Fall in 2019 with wrist fracture, healed"): what it reports is history."""
    if onset is None:
        return False
    lead = onset - timedelta(days=TRAUMA_LEAD_DAYS)
    return any(int(y) < lead.year for y in NAMED_YEAR.findall(sentence))


def _trauma_event(c: ConditionFact, onset: date | None = None) -> tuple[str, bool] | None:
    """What trauma the Condition's words report ("fall", "trauma", "injury") and whether only its
    notes say it; None when they report none. A sentence dating it in a year before the radicular
    ``onset`` (``_before_illness``) reports history."""
    displays = [x.display for x in c.codings if x.display]
    own = "\n".join([c.text, c.body_site_text or "", *displays])
    for text, in_notes in ((own, False), ("\n".join(c.notes), True)):
        for sentence in re.split(r"[.;\n]", text):
            if NOT_A_TRAUMA.search(sentence) or _before_illness(sentence, onset):
                continue
            if reported(TRAUMA_FALL, sentence):
                return "fall", in_notes
            if reported(TRAUMA_WORDS, sentence):
                return "trauma", in_notes
            if reported(TRAUMA_INJURY, sentence) and TRAUMA_INJURY_SITE.search(sentence):
                return "injury", in_notes
    return None


def _coded_trauma(ctx: PathwayContext, c: ConditionFact) -> tuple[str, bool] | None:
    """A fall or an injury of the lower back or pelvis by its code (``trauma_low_back_and_falls``),
    named as its value-set member's words say: "fall", else "injury"."""
    hit = ctx.term.match("trauma_low_back_and_falls", c.codings)
    if hit is None:
        return None
    return ("fall" if TRAUMA_FALL.search(hit.display or "") else "injury"), False


def _coded_later_encounter(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A fall or injury coded (``trauma_low_back_and_falls``, ICD-10-CM) with a 7th character other than
    an initial encounter (``red_flags.INITIAL_ENCOUNTER``): a subsequent encounter (D, G, K) or a
    sequela (S) is the history of an earlier trauma, as ``red_flags.is_current_fracture`` reads the
    7th character of a fracture code; its words ("Unspecified fall, subsequent encounter") too."""
    seventh = red_flags.encounter_character(ctx, c, "trauma_low_back_and_falls")
    return seventh is not None and seventh not in red_flags.INITIAL_ENCOUNTER


def trauma_with_illness(ctx: PathwayContext) -> tuple[Trauma, ...]:
    """Trauma recorded with the present illness in a patient aged ``TRAUMA_AGE_YEARS`` or more on
    its day: a Condition (not refuted nor entered in error; resolved counts, a fall is an event) whose
    words report a fall, trauma or an injury of the back, spine or pelvis (``_trauma_event``), dated
    (onset, else recordedDate) on or after the radicular onset or at most ``TRAUMA_LEAD_DAYS`` before
    it, and not after today. Not a fall or injury coded as a subsequent encounter or sequela
    (``_coded_later_encounter``), nor words dating it in a year before the onset (``_before_illness``).
    Without a birth date, a date for the trauma or a radicular onset, none."""
    from hooks.pathway import age_years  # the package imports this module: read at call time

    patient = ctx.history.patient
    birth = patient.birth_date if patient is not None else None
    onset = ctx.onset
    if birth is None or onset is None:
        return ()
    out = []
    for c in ctx.history.conditions:
        on = c.onset or c.recorded
        if c.verification_status in EXCLUDED_VERIFICATION or on is None or on > ctx.today:
            continue
        if (onset - on).days > TRAUMA_LEAD_DAYS:
            continue
        age = age_years(birth, on)
        if age is None or age < TRAUMA_AGE_YEARS:
            continue
        if _coded_later_encounter(ctx, c):
            continue  # a subsequent encounter or sequela: an earlier trauma's history
        found = _trauma_event(c, onset) or _coded_trauma(ctx, c)
        if found is not None:
            out.append(Trauma(c, found[0], on, age, found[1]))
    return tuple(out)


def steroid_use(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Recorded long-term systemic steroid use in force (``long_term_systemic_steroids``): chronic
    steroid use, a fracture risk of ACR 2021 variant 6."""
    return ctx.conditions("long_term_systemic_steroids")


def fracture_risk(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """What makes initial imaging appropriate in the first 6 weeks (ACR 2021 variant 6: radiographs
    to exclude a vertebral fracture, where variants 1-2 say no imaging): osteoporosis in force
    (``fracture_risk_osteoporosis``), recorded long-term systemic steroid use (``steroid_use``), and
    a trauma recorded with the present illness from ``TRAUMA_AGE_YEARS`` (``trauma_with_illness``),
    in that order. Age alone is none. Not a red flag: a vertebral fracture on record is R3's."""
    found = (
        *ctx.conditions("fracture_risk_osteoporosis"),
        *steroid_use(ctx),
        *(t.condition for t in trauma_with_illness(ctx)),
    )
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class RiskNamed:
    """One fracture risk as the acute cards name it: the fact that decides it, how the summary says
    it ("with osteoporosis"), and how the step begins ("Osteoporosis")."""

    fact: Fact
    phrase: str
    label: str
    trauma: bool


VARIANT_6 = "fracture risk (ACR 2021 variant 6)"


def fracture_risks_named(ctx: PathwayContext) -> tuple[RiskNamed, ...]:
    """The first of each kind of fracture risk (``fracture_risk``), as the acute cards name it."""
    out = [
        RiskNamed(ctx.cond_fact(c, f"{VARIANT_6}: "), "with osteoporosis", "Osteoporosis", False)
        for c in ctx.conditions("fracture_risk_osteoporosis")[:1]
    ]
    out += [
        RiskNamed(
            ctx.cond_fact(c, f"long-term systemic steroids, {VARIANT_6}: "),
            "on long-term steroids",
            "Long-term systemic steroids",
            False,
        )
        for c in steroid_use(ctx)[:1]
    ]
    for t in trauma_with_illness(ctx)[:1]:
        c = t.condition
        what = f"{t.event} on {t.on.isoformat()} at age {t.age}"
        said = next((n.strip() for n in c.notes if n.strip()), "") if t.in_notes else ""
        told = f" ({said[:120]})" if said else ""
        article = "a " if t.event == "fall" else ""
        out.append(
            RiskNamed(
                Fact(f"{what}: {VARIANT_6}: {c.text}{told}", c.ref, short=f"{what}: {VARIANT_6}"),
                f"after {article}{t.event} at age {t.age}",
                f"{article.capitalize()}{t.event} at age {t.age}"
                if article
                else f"{t.event.capitalize()} at age {t.age}",
                True,
            )
        )
    return tuple(out)


def fracture_risk_summary(ctx: PathwayContext, named: tuple[RiskNamed, ...]) -> str:
    """E1's summary with a fracture risk: every risk named when they fit, else the first."""
    for phrases in (", ".join(r.phrase for r in named), *(r.phrase for r in named[:1])):
        said = (
            f"Acute radicular pain {phrases}: lumbar radiographs to exclude a fracture; conservative care, "
            "no ESI yet"
        )
        if phrases and len(said) <= SUMMARY_MAX:
            return said
    return "Acute radicular pain with a fracture risk: lumbar radiographs to exclude a fracture; no ESI yet"


def fracture_risk_step(ctx: PathwayContext) -> str:
    """The acute cards' step for a patient with a fracture risk (ACR 2021 variant 6)."""
    named = fracture_risks_named(ctx)
    # the action leads: the short card keeps the step's first clause, which must say what to do
    labels = "; ".join(r.label[:1].lower() + r.label[1:] for r in named)
    fracture = (
        "a vertebral fracture"
        if named and all(r.trauma for r in named)
        else "a vertebral compression fracture"
    )
    return (
        f"Lumbar radiographs now to exclude {fracture} ({labels or 'fracture risk'}; ACR 2021 variant 6); "
        "MRI if a fracture or a neurological deficit is found."
    )


def _weakness_words(o: ObservationFact) -> str:
    """A muscle's score as a step says it: "Right ankle dorsiflexion strength (MRC) 4/5"."""
    return f"{o.text} {o.value:g}/5"


def score_facts(ctx: PathwayContext) -> list[Fact]:
    """The scores that graded severity (the episode's latest pain score and ODI)."""
    facts = []
    for o in severity_scores(ctx):
        if o is None:
            continue
        f = ctx.obs_fact(o)
        # other scores recorded at the same time are named: the card reads the highest of them
        also = failure.also_that_day(o, ctx.episode_observations(o.kind))
        facts.append(replace(f, text=f.text + also, short=f.short + also if f.short else None) if also else f)
    return facts


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


# What an acute card says about analgesia depends on what the patient already takes (NICE NG59: weigh
# each person's GI, liver and cardio-renal risks, age included; CDC 2022 recommendations 11-12).
BLEEDING_SETS = ("rx_anticoagulants", "rx_p2y12_inhibitors", "rx_antiplatelets_other")


def nsaid_advice(ctx: PathwayContext) -> str:
    """The NSAID an acute card offers, as this patient may take it (``nsaid_caution``), else "NSAID if
    not contraindicated"."""
    return nsaid_caution(ctx) or "NSAID if not contraindicated"


@dataclass(frozen=True)
class NsaidHarm:
    """Something on record that rules an NSAID out (``nsaid_harms``): what it is, with its date
    (``label``), its resource, the harm, and the guideline that says to avoid an NSAID with it."""

    label: str
    ref: str
    short: str  # what it is in a few words, as a summary names it ("eGFR 24 on 2026-10-11", "heart failure")
    harm: str  # what an NSAID risks with it ("kidney injury")
    cite: str  # the guideline as a card names it ("KDIGO 2012")
    evidence: str  # its key in ``hooks.evidence``

    def fact(self) -> Fact:
        return Fact(f"{self.label}: an NSAID risks {self.harm} ({self.cite})", self.ref, short=self.label)


# Conditions in force that rule an NSAID out: the value set, what a summary calls it, the harm, the
# guideline and its key.
NSAID_HARM_CONDITIONS = (
    ("kidney_failure_conditions", "kidney failure", "kidney injury", "KDIGO 2012", "kdigo_ckd_2012"),
    ("nsaid_kidney_risk_conditions", "advanced kidney disease", "kidney injury", "KDIGO 2012",
     "kdigo_ckd_2012"),
    ("nsaid_gi_risk_conditions", "peptic ulcer or GI bleed", "GI bleeding", "ACG 2009",
     "acg_nsaid_ulcer_2009"),
    ("heart_failure_conditions", "heart failure", "worsening heart failure", "AHA/ACC/HFSA 2022",
     "aha_hf_2022"),
)  # fmt: skip
# CKD stage 4-5 by its stage: a later eGFR of 30 or more outweighs it (never kidney failure on dialysis)
STAGED_CKD = "nsaid_kidney_risk_conditions"


@dataclass(frozen=True)
class EgfrReading:
    """An eGFR in mL/min/1.73 m², with the comparator it was sent with ("<15": below 15)."""

    value: float
    comparator: str  # "", "<", "<=", ">" or ">="
    obs: ObservationFact

    def is_below(self, threshold: float) -> bool:
        if self.comparator.startswith(">"):
            return False  # ">20" may be anything above 20: not known to be below 30
        if self.comparator.startswith("<"):
            return self.value <= threshold
        return self.value < threshold

    @property
    def text(self) -> str:
        # one decimal at most, never rounded across a threshold (29.6 is not "30")
        return f"{self.comparator}{round(self.value, 1):g}"


# A result sent in words as a bound ("below 15", "greater than 60").
BELOW_WORDS = re.compile(r"(?:below|less than|under)\b")
ABOVE_WORDS = re.compile(r"(?:above|greater than|more than|over)\b")


def egfr_reading(o: ObservationFact) -> EgfrReading | None:
    """An eGFR as sent: in mL/min/1.73 m² (a result in mL/s/1.73 m², as some laboratories send it,
    times 60), with a comparator from the quantity or the words ("<15", ">60"); None for a unit that
    is neither."""
    if o.value is None:
        return None
    words = (o.value_text or "").strip().lower()
    comparator = next((c for c in ("<=", ">=", "<", ">") if words.startswith(c)), "")
    if not comparator and BELOW_WORDS.match(words):
        comparator = "<"  # "below 15", "less than 15"
    elif not comparator and ABOVE_WORDS.match(words):
        comparator = ">"
    unit = (o.unit or "").replace(" ", "").lower()
    if not unit or "/min" in unit:
        return EgfrReading(o.value, comparator, o)
    if unit.startswith("ml/s"):
        return EgfrReading(o.value * 60.0, comparator, o)
    return None


def latest_egfr(ctx: PathwayContext) -> EgfrReading | None:
    """The latest eGFR of the past ``egfr_recent_days`` (several the same day: the lowest); an older
    one tells nothing of kidney function now."""
    since = ctx.today - timedelta(days=ctx.t.egfr_recent_days)
    latest = failure.latest_scores(ctx.observations("egfr", since=since))
    readable = [r for o in latest if (r := egfr_reading(o)) is not None]
    if not readable:
        return None
    return min(readable, key=lambda r: (not r.is_below(ctx.t.nsaid_avoid_egfr), r.value))


def nsaid_harms(ctx: PathwayContext) -> tuple[NsaidHarm, ...]:
    """What on record rules an NSAID out, beside bleeding medicines (``BLEEDING_SETS``): the latest eGFR
    of the past ``egfr_recent_days`` below ``nsaid_avoid_egfr`` (30; KDIGO 2012 CKD guideline: avoid
    NSAIDs below it), kidney failure or dialysis, chronic kidney disease stage 4-5, a peptic ulcer or
    upper gastrointestinal bleed (ACG 2009: the highest risk of ulcer complications) and heart failure
    (AHA/ACC/HFSA 2022), each in force. A recent eGFR of 30 or more is no harm, and a CKD stage dated
    before it is not read as one (the eGFR says the kidneys work better than it); kidney failure on
    dialysis always is (an eGFR does not measure it). An eGFR older than that window tells nothing
    either way."""
    out: list[NsaidHarm] = []
    egfr = latest_egfr(ctx)
    if egfr is not None and egfr.is_below(ctx.t.nsaid_avoid_egfr):
        o = egfr.obs
        when = o.effective_text or (o.effective.isoformat() if o.effective else "undated")
        out.append(
            NsaidHarm(f"eGFR {egfr.text} mL/min/1.73 m² on {when}", o.ref, f"eGFR {egfr.text} on {when}",
                      "kidney injury", "KDIGO 2012", "kdigo_ckd_2012")
        )  # fmt: skip
    for value_set, short, harm, cite, key in NSAID_HARM_CONDITIONS:
        found = ctx.conditions(value_set)
        if value_set == STAGED_CKD and egfr is not None and not egfr.is_below(ctx.t.nsaid_avoid_egfr):
            found = tuple(c for c in found if not _before(c, egfr.obs))
        out += [NsaidHarm(ctx.cond_label(c), c.ref, short, harm, cite, key) for c in found]
    return tuple(out)


def _before(c: ConditionFact, o: ObservationFact) -> bool:
    """The condition dates from before the observation (its onset, else its recorded date); an undated
    one is older news than a dated result."""
    when = c.onset or c.recorded
    return when is None or (o.effective is not None and when <= o.effective)


def conservative_analgesia(ctx: PathwayContext) -> str:
    """How a conservative-care step names the analgesic: "NSAID/analgesic", or "an analgesic other
    than an NSAID" where the record rules an NSAID out (``nsaid_caution``)."""
    caution = nsaid_caution(ctx)
    ruled_out = caution is not None and caution.startswith("no NSAID")
    return "an analgesic other than an NSAID" if ruled_out else "NSAID/analgesic"


def nsaids_or_caution(ctx: PathwayContext) -> str:
    """"NSAIDs" as a conservative-care step names them, or, where the record rules them out, why not
    ("no NSAID with eGFR 24 on 2026-10-11 per KDIGO 2012")."""
    caution = nsaid_caution(ctx)
    return caution if caution is not None and caution.startswith("no NSAID") else "NSAIDs"


def nsaid_evidence(ctx: PathwayContext) -> tuple[str, ...]:
    """The guidelines behind what ``nsaid_harms`` finds, for the cards whose analgesia names them."""
    return tuple(dict.fromkeys(h.evidence for h in nsaid_harms(ctx)))


def nsaid_caution(ctx: PathwayContext) -> str | None:
    """What limits an NSAID for this patient: none beside an anticoagulant or a P2Y12 or other
    antiplatelet (bleeding), nor with what ``nsaid_harms`` finds (kidney failure, an ulcer or a GI
    bleed, heart failure; named briefly, with the guidelines), nor in pregnancy from 20 weeks or with
    the weeks unknown (FDA 2020; the pregnancy's own step, ``pregnancy.mark_pregnancy``, gives the
    weeks and paracetamol), the lowest dose for the shortest time with gastroprotection from
    ``nsaid_caution_age_years``; None when nothing on record does."""
    blood = [m for m in ctx.medications(*BLEEDING_SETS) if ctx.is_active_med(m)]
    harms = nsaid_harms(ctx)
    pregnancy = ctx.pregnancy
    pregnant = pregnancy is not None and not pregnancy.before_nsaid_weeks
    if blood or harms or pregnant:
        names = ", ".join(dict.fromkeys(_ingredient(ctx, m) for m in blood))
        said = [f"while on {names}: bleeding risk"] if blood else []
        if harms:
            found = ", ".join(dict.fromkeys(h.short for h in harms))
            cites = " and ".join(dict.fromkeys(h.cite for h in harms))
            said.append(f"with {found} per {cites}")
        if pregnant:
            said.append("in pregnancy per FDA 2020")
        return "no NSAID " + "; nor ".join(said)
    from hooks.pathway import age_years  # the package imports this module: read at call time

    patient = ctx.history.patient
    age = age_years(patient.birth_date if patient is not None else None, ctx.today)
    if age is not None and age >= ctx.t.nsaid_caution_age_years:
        return f"NSAID only at the lowest dose for the shortest time, with gastroprotection (age {age})"
    return None


def _ingredient(ctx: PathwayContext, m: MedicationFact) -> str:
    """A bleeding medicine by its ingredient as the value sets name it ("apixaban"), else its own text."""
    return ingredient_name(ctx, m, BLEEDING_SETS)


def ingredient_name(ctx: PathwayContext, m: MedicationFact, value_sets: Sequence[str]) -> str:
    """A medicine by its ingredient as the first of ``value_sets`` to list it names it ("apixaban"),
    else its own text."""
    hit = next(
        (h for vs in value_sets if (h := ctx.term.match(vs, (*m.codings, *m.ingredient_codings)))), None
    )
    return hit.display if hit is not None else m.text


def opioid_advice_fits(ctx: PathwayContext) -> bool:
    """Whether an acute card may suggest a short-term opioid: not to a patient already taking an opioid,
    treatment for opioid use disorder or a benzodiazepine, whose own cards (M1, M4) say what to do,
    nor to one with opioid use disorder on record, active or in remission in any clinical status
    (relapse and overdose risk: CDC 2022 recommendation 8; the order check says the same)."""
    taking = [m for m in ctx.medications("rx_opioids", "rx_benzodiazepines") if ctx.is_active_med(m)]
    return not taking and not ctx.moud and not ctx.oud_history


# What E1 and E2 tell the patient to come back for the same day (cauda equina, a new deficit).
SAFETY_NET = (
    "Safety-net advice: new bladder or bowel problems, saddle numbness or leg weakness need same-day care."
)


def e1_acute_tolerable(ctx: PathwayContext) -> CardDraft:
    """E1 — acute radiculopathy < 6 weeks, no red flags, tolerable.

    When: gate open, symptoms < 42 days, NRS < 7 or ODI < 40 (or no scores), no red flag, no ESI, and
      no motor deficit to refer (``stable_deficit``: that is E2's second arm, read first by the
      precedence).
    Then: info card — NSAIDs, stay active, education and reassurance, directional-preference
      exercises, heat/cold, safety-net advice, reassess at 6 weeks. No imaging, no ESI, no referral.
      A weak muscle on record that is already with a specialist (MRC 4 and referred, or MRC ≤ 3 that
      R2 finds addressed) is named, with the referral, and the card never says "no red flag".
      With a fracture risk (``fracture_risk``: osteoporosis, long-term systemic steroids, or a fall
      or other trauma with the present illness from age 70) the risk is the first fact, lumbar
      radiographs are the first step and a recommended order, and the card says neither "no red
      flag" nor "no imaging" (ACR 2021 variant 6). Not a red flag: the card stays info. A lumbar MRI
      or an ESI already ordered (signed or drafted) is named, to hold until the conservative-care
      period is over, and the summary says so (an MRI kept beside a fracture risk or a weak muscle).
    Evidence: NICE NG59 1.1.4 (no routine imaging); ACR 2021 variants 1–2 (6 weeks of conservative
      care; no imaging before 6 weeks without red flags) and variant 6 (fracture risk).
    """
    onset = ctx.duration_anchor
    weeks = span(ctx.t.conservative_care_days)
    review = (onset + timedelta(days=ctx.t.conservative_care_days)).isoformat() if onset else "after onset"
    weak = recorded_weakness(ctx)
    # a weak muscle with a specialist already involved is named first, with the referral; the card
    # then never says "no red flag"
    weak_facts = [red_flags.weak_muscle_fact(o) for o in weak]
    risk = fracture_risk(ctx)
    named = fracture_risks_named(ctx)
    risk_facts = [r.fact for r in named]
    status = (
        [*ctx.referral_facts()[:1], ctx.no_esi_fact("no prior lumbar surgery, no epidural injection")]
        if weak
        # with a fracture risk the card does not say "no red flag": a vertebral fracture is not excluded
        else [ctx.no_esi_fact("no prior lumbar surgery, no epidural injection")]
        if risk
        else [
            ctx.no_esi_fact(f"{red_flags.no_red_flag(ctx)}, no prior lumbar surgery, no epidural injection")
        ]
    )
    # dated only by the day the diagnosis was recorded: the pain may be far older, so the card asks
    # when it began before it calls it acute (from 6 weeks the persistent steps apply)
    record = ctx.dated_only_by_record
    recorded_only = record is not None
    # a month or a year that reaches back past 6 weeks (a year alone): acute only if it began late in it
    imprecise = ctx.imprecise_onset
    since = (ctx.today - record.onset).days if record is not None and record.onset else None
    ago = "today" if since == 0 else f"{span(since, exact=False)} ago" if since else f"under {weeks} ago"
    ask_onset = [
        f"Record when the leg pain began: if {weeks} or more ago, the persistent-pain steps apply, not these."
    ]
    # an MRI or an injection already ordered is what the card advises against now: named, to hold (a
    # fracture risk keeps imaging, its radiographs first; a weak muscle with a specialist its MRI)
    # ordered with a spine or pain specialist involved (a referral made, a visit): the specialist's
    # decision (NICE NG59 1.1.4 speaks to non-specialist settings), not held
    held = (
        []
        if ctx.referred
        else [*([] if risk or weak else ctx.pending("imaging_mri_lumbar")), *ctx.pending("esi_lumbar_all")]
    )
    kinds = {s.ref: "ESI" if ctx.matches("esi_lumbar_all", s.codings) else "MRI" for s in held}
    held_what = " and ".join(dict.fromkeys(kinds.values()))
    hold = (
        [
            f"Hold the {held_what} already ordered: under {weeks} without a red flag, imaging and epidural "
            "injection wait for the conservative-care period (NICE NG59 1.1.4; ACR 2021 variants 1–2)."
        ]
        if held
        else []
    )
    return E1.card(
        ctx,
        indicator="info",
        summary=f"Radicular pain first recorded {ago}, onset not given: record when it began; conservative "
        "care meanwhile"
        if recorded_only
        else f"Radicular pain {_began(imprecise.onset_text)}, day not given: record when it began; "
        "conservative care meanwhile"
        if imprecise is not None
        else fracture_risk_summary(ctx, named)
        if risk
        else f"Acute radicular pain under {weeks}: hold the {held_what} ordered; conservative care first"
        if held
        else f"Acute radicular pain under {weeks}: conservative care and safety-net advice; no imaging "
        "or ESI yet",
        why=[
            *risk_facts,
            *weak_facts,
            ctx.onset_fact(),
            *(ordered_fact(ctx, s, "pending order — hold it: ", kinds[s.ref], hold=True) for s in held),
            *score_facts(ctx),
            *status,
        ],
        gaps=_score_gaps(ctx),
        next_steps=[
            *([fracture_risk_step(ctx)] if risk else []),
            *(ask_onset if recorded_only or imprecise is not None else []),
            *hold,
            f"Conservative care ({nsaid_advice(ctx)}; stay active, reassurance) and reassess at "
            f"{weeks} ({review}).",
            *(
                [
                    "Re-examine and record strength (MRC 0–5) at each visit; if it falls, an urgent MRI and "
                    "an urgent spine-surgery referral (ACR 2021; NASS 2014)."
                ]
                if weak
                else []
            ),
            "Education and reassurance about the usually favourable course (NICE NG59).",
            "Directional-preference exercises, heat or cold for symptom relief.",
            *(
                ["Short-term opioid only if pain is severe, at the lowest dose for the shortest time."]
                if opioid_advice_fits(ctx)
                else []
            ),
            SAFETY_NET,
            f"An image-guided ESI only if radicular pain still persists at {weeks}."
            if risk
            else f"Imaging and an image-guided ESI only if radicular pain still persists at {weeks}.",
        ],
        avoid=[
            *([] if risk else ["Lumbar imaging (NICE NG59 1.1.4; ACR 2021 variants 1–2)."]),
            "Epidural steroid injection at this stage."
            if weak
            else "Epidural steroid injection or a surgical referral at this stage.",
            "Gabapentinoids; long-term opioids; oral corticosteroid bursts; bed rest.",
        ],
        conflicts=[ESI_TIMING, *NEUROPATHIC_AGENTS, ORAL_STEROIDS],
        suggestions=[ctx.offer(sx.LUMBAR_RADIOGRAPHS, reasons=tuple(c.ref for c in risk), recommended=True)]
        if risk
        else [],
        extra_evidence=("precise_2017", *nsaid_evidence(ctx)),
        needs=("observations",),
    )


def e2_acute_severe(ctx: PathwayContext) -> CardDraft:
    """E2 — severe, disabling acute radicular pain, or a motor deficit, in the first 6 weeks.

    When: gate open, symptoms < 42 days, not yet referred, and NRS ≥ 7 with ODI ≥ 40, or a muscle
      whose latest strength score this episode is MRC 4 with no fall (``stable_deficit``; MRC ≤ 3 or a
      falling score is R2's red flag).
    Then: warning — refer to a spine specialist within 2 weeks; the specialist may consider an ESI for
      acute and severe sciatica (NICE) although ACR 2021 waits 6 weeks; short-term analgesia. With a
      motor deficit the muscle and its score are the first fact and the referral's reason, and the
      card asks for strength to be re-examined (a fall is R2's urgent referral). A fracture risk
      (``fracture_risk``) is named and adds lumbar radiographs beside the referral (ACR 2021 variant 6).
    Evidence: clinical practice (refer within 2 weeks if severe/disabling or with a neurological
      deficit); NICE NG59 (epidural for acute and severe sciatica; 1.1.4 no imaging in non-specialist
      settings).
    """
    urgent = span(ctx.t.urgent_referral_days)
    weak = stable_deficit(ctx)
    severe = is_severe(ctx)
    weakness = "; ".join(_weakness_words(o) for o in weak)
    if not weak:
        summary = f"Severe acute radicular pain: refer to a spine specialist to be seen within {urgent}"
        reason = "severe, disabling radicular pain"
    elif severe:
        summary = (
            f"Severe acute radicular pain with motor weakness: refer to a spine specialist to be seen within "
            f"{urgent}"
        )
        reason = f"severe, disabling radicular pain and motor weakness ({weakness})"
    else:
        summary = (
            "Motor weakness with acute radicular pain: refer to a spine specialist to be seen within "
            f"{urgent}"
        )
        reason = f"motor weakness ({weakness}) with radicular pain"
    weak_facts = [red_flags.weak_muscle_fact(o) for o in weak]
    risk = fracture_risk(ctx)
    return E2.card(
        ctx,
        indicator="warning",
        summary=summary,
        why=[
            *weak_facts,
            *(r.fact for r in fracture_risks_named(ctx)),
            ctx.onset_fact(),
            *score_facts(ctx),
            Fact("no spine or pain specialist referral on record"),
        ],
        gaps=_score_gaps(ctx),
        next_steps=[
            f"Refer to a spine specialist to be seen within {urgent}"
            + (" for the motor weakness." if weak and not severe else "."),
            *(
                [
                    "The specialist may consider an image-guided epidural injection for acute and severe "
                    "sciatica (NICE NG59) — see where sources disagree below."
                ]
                if severe
                else []
            ),
            *(
                [
                    "Re-examine and record strength (MRC 0–5) at each visit; if it falls, an urgent MRI and "
                    "an urgent spine-surgery referral (ACR 2021; NASS 2014)."
                ]
                if weak
                else []
            ),
            *([fracture_risk_step(ctx)] if risk else []),
            "Short-term analgesia ("
            + nsaid_advice(ctx)
            + ("; lowest-dose short-term opioid only if needed)." if opioid_advice_fits(ctx) else ")."),
            # the most severe acute pain is safety-netted as the mild is, while the referral is awaited
            SAFETY_NET,
        ],
        avoid=[
            "MRI from primary care before specialist review (NICE NG59 1.1.4).",
            "Fusion; long-term opioids; gabapentinoids; repeated oral corticosteroid courses.",
        ],
        conflicts=[ESI_TIMING, *NEUROPATHIC_AGENTS, ORAL_STEROIDS],
        suggestions=[
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                note=f"To be seen within {urgent}: {reason}.",
                seen_by=ctx.urgent_referral_by,
                recommended=True,
            ),
            # "a spine specialist": for severe pain without weakness the pain service, which may
            # consider an epidural for acute and severe sciatica (NICE NG59), is the other one
            *(
                []
                if weak
                else [
                    ctx.offer(
                        sx.PAIN_MANAGEMENT_REFERRAL,
                        note=f"To be seen within {urgent}: {reason}.",
                        seen_by=ctx.urgent_referral_by,
                    )
                ]
            ),
            *([ctx.offer(sx.LUMBAR_RADIOGRAPHS, reasons=tuple(c.ref for c in risk))] if risk else []),
        ],
        # the two referrals are alternatives; radiographs for a fracture risk go beside either
        selection_behavior="any" if risk else "at-most-one",
        extra_evidence=("nass_ldh", *nsaid_evidence(ctx)),
        needs=("observations", "serviceRequests", "encounters"),
    )


def _began(shown: str | None) -> str:
    """When an onset sent as a month, a year or an age says the pain began: "since 2026-08", "from
    age 39 years"."""
    if shown and shown.startswith("at age"):
        return "from" + shown.removeprefix("at")
    return f"since {shown}"
