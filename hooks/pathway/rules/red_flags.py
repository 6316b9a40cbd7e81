"""Red flags R1 > R2 > R3 (decision model §1.1.2): when one fires it is the only pathway card.

A red-flag card pre-empts every pathway card for this encounter and names any pending elective
order (epidural injection, ablation, stimulator trial, physiotherapy) it intercepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks import vitals
from hooks.cards import SUMMARY_MAX, CardDraft, Fact, SuggestionDraft, data_name
from hooks.facts import ConditionFact, ObservationFact, ProcedureFact
from hooks.pathway import failure
from hooks.pathway.context import (
    WORDS_ONLY,
    WORDS_ONLY_SHORT,
    PathwayContext,
    clinical_name,
    mid_sentence,
    onset_bound_in_words,
)
from hooks.pathway.failure import (
    buttock_score,
    is_back_score,
    is_leg_score,
    latest_score,
    like_baseline,
    pain_before,
    score_site,
)
from hooks.pathway.rules import neuromodulation, post_surgical
from hooks.pathway.rules.common import TOPIC_RED_FLAG, Rule
from hooks.pathway.rules.mimics import MIMICS
from hooks.rule import CRITICAL, CRITICAL_OR_WARNING
from hooks.text import (
    FOOT_DROP,
    INJECTION_DRUG_USE,
    SADDLE,
    cauda_equina_screen_normal,
    explains_weakness_otherwise,
    limited_by_pain_or_effort,
    muscle_named,
    parse_laterality,
    reported,
    short_name,
    states_bilateral_leg_deficit,
    states_bilateral_leg_pain,
    states_intended_weight_loss,
)
from hooks.thresholds import span

ELECTIVE_ORDER_SETS = (
    "esi_lumbar_all",
    "facet_rfa_or_si_rfa",
    "facet_medial_branch_block_lumbar",
    "spinal_cord_stimulation",
    "intrathecal_drug_delivery",
    "referral_physiotherapy",
    "physical_therapy",
    "mild_percutaneous_lumbar_decompression",
    "discography_lumbar",
)

R1 = Rule(
    "R1",
    "Suspected cauda equina syndrome",
    TOPIC_RED_FLAG,
    ("acr_lbp_2021", "nice_ng59"),
    indicators=CRITICAL,
)
R2 = Rule(
    "R2",
    "Progressive or severe motor deficit",
    TOPIC_RED_FLAG,
    ("acr_lbp_2021", "nass_ldh"),
    indicators=CRITICAL_OR_WARNING,
)
R3 = Rule(
    "R3",
    "Suspected malignancy, infection or fracture",
    TOPIC_RED_FLAG,
    ("acr_lbp_2021", "nice_ng59"),
    indicators=CRITICAL,
)


def intercepted_orders(ctx: PathwayContext) -> tuple[Fact, ...]:
    """Pending elective orders that must wait until the red flag is dealt with; the short form a
    card shows says so too."""
    facts = (
        ctx.order_fact(s, "pending elective order intercepted — hold it: ")
        for s in ctx.pending(*ELECTIVE_ORDER_SETS)
    )
    return tuple(replace(f, short=f"hold: {f.short}") if f.short else f for f in facts)


def with_holds(why: Sequence[Fact], intercepted: Sequence[Fact]) -> list[Fact]:
    """The finding that fired first, then the pending orders to hold, then the rest: a card shows
    only its first few facts, and the order a clinician must hold is one of them."""
    return [*why[:1], *intercepted, *why[1:]]


def _hold_step(intercepted: Sequence[Fact]) -> list[str]:
    if not intercepted:
        return []
    return ["Put the pending elective order(s) listed above on hold until the red flag has been assessed."]


def began(ctx: PathwayContext, c: ConditionFact) -> date | None:
    """The latest date the finding ``c`` can have begun by: its onset (else its recordedDate), or
    the bound an onset sent only in words gives when that lies earlier ("years ago" recorded today
    began a year ago at least: an old finding entered today, not a new one). Words that give no
    bound leave the dated onset. With no onset[x] sent at all, a note that is nothing but such words
    ("since 2010", "3 years ago") says when the finding began (``note_bound``)."""
    start = c.onset or c.recorded
    said_on = c.recorded or ctx.today
    if c.onset_unread:
        bound = onset_bound_in_words(c.onset_unread, said_on)
    else:
        bound = note_bound(c, said_on) if c.onset_from_record or c.onset is None else None
    if bound is None:
        return start
    return bound if start is None or bound < start else start


# A note that is nothing but when the finding began: a date ("since 2010", "in March 2019", "onset
# 2015"), or a time ago ("3 years ago"), after at most a word that says the finding is old ("chronic
# since 2012"). Unlike onset[x], a note may date anything ("LBP since 2010", "MRI 2019", "surgery
# 2015", "previous MRI 2019"): no other word before the date is read.
NOTE_ONSET = re.compile(
    r"^(?:(?:chronic|long-?standing|stable|known|present)\s+)?(?:(?:since|from|in|onset(?:\s+in)?)\s+)?"
    r"(?:(?:about|approximately|approx\.?|~)\s*)?"
    r"(?:(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?(?:19|20)\d\d"
    r"|(?:\d+|an?|one|a few|few|several|many)\s+(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)\s+ago)"
    r"\s*\.?$",
    re.IGNORECASE,
)


def note_bound(c: ConditionFact, said_on: date) -> date | None:
    """The bound the Condition's notes give when every note is nothing but an onset in words
    (``NOTE_ONSET``: "since 2010", "3 years ago", read as ``onset_bound_in_words`` reads onset[x]);
    the latest of them when notes disagree, so a note never makes a finding older than another
    allows. A note that says anything else ("LBP since 2010", "MRI 2019", "retention this morning")
    leaves the finding as new as its recorded date says: the year may date something else, and the
    other note may be today's emergency."""
    if not c.notes or not all(NOTE_ONSET.match(n.strip()) for n in c.notes):
        return None
    bounds = [onset_bound_in_words(n, said_on) for n in c.notes]
    if any(b is None for b in bounds):
        return None  # "since 2026" said in 2026: nothing certain before today
    return max(b for b in bounds if b is not None)


def found_with_this_illness(ctx: PathwayContext, c: ConditionFact, found: date | None = None) -> bool:
    """First recorded (``found``, else when it began) no more than ``red_flag_finding_lead_days``
    before the leg pain began, or since: a finding of the present illness. Without a date for
    either, it counts."""
    found, onset = found or began(ctx, c), ctx.onset
    return found is None or onset is None or (onset - found).days <= ctx.t.red_flag_finding_lead_days


def repeated_record(
    ctx: PathwayContext, c: ConditionFact, known: Iterable[ConditionFact]
) -> ConditionFact | None:
    """The problem-list record that ``c`` codes again, when it does. A record that gives no onset
    before its own date (an encounter diagnosis re-coding, at today's visit, a problem already on the
    list) repeats the earliest current problem-list record among ``known`` with the same code, and
    the same side when both name one, that began before it. Only the problem list counts: a problem
    resolved and recorded again is new again, and an old encounter diagnosis does not show that the
    finding lasted."""
    start = began(ctx, c)
    if start is None or c.recorded is None or start < c.recorded:
        return None
    codes = {(x.system, x.code) for x in c.codings}
    origin = None
    for d in known:
        if d is c or d.is_encounter_diagnosis or not ctx.in_force(d):
            continue
        if codes.isdisjoint((x.system, x.code) for x in d.codings) or not _same_side(c, d):
            continue
        earlier = began(ctx, d)
        if earlier is not None and earlier < start:
            origin, start = d, earlier
    return origin


def first_recorded(ctx: PathwayContext, c: ConditionFact, known: Iterable[ConditionFact]) -> date | None:
    """When the finding ``c`` records began: as the problem-list record it codes again
    (``repeated_record``) began, else as it did itself (``began``)."""
    origin = repeated_record(ctx, c, known)
    return began(ctx, c if origin is None else origin)


def finding_facts(
    ctx: PathwayContext, found: Sequence[ConditionFact], prefix: str, *, with_note: bool = False
) -> list[Fact]:
    """One line per finding: a record coded again at a visit is named on the line of the
    problem-list record it repeats, not as a finding of its own date."""
    again: dict[str, list[ConditionFact]] = {}
    lead = []
    for c in found:
        origin = repeated_record(ctx, c, found)
        if origin is None:
            lead.append(c)
        else:
            again.setdefault(origin.ref, []).append(c)
    out = []
    for c in lead:
        fact = flag_fact(ctx, c, prefix, with_note=with_note)
        repeats = again.get(c.ref, [])
        if repeats:
            dates = ", ".join(sorted({str(x.onset or x.recorded) for x in repeats}))
            fact = replace(
                fact, text=f"{fact.text}; coded again {dates}", also=(*fact.also, *(x.ref for x in repeats))
            )
        out.append(fact)
    return out


def _side(c: ConditionFact) -> str | None:
    return parse_laterality(c.body_site_text, *(b.display for b in c.body_site))


def _same_side(a: ConditionFact, b: ConditionFact) -> bool:
    """Whether two records of one code can be of the same finding: not when their body sites name
    different sides (a foot drop on the left is not the right one coded again)."""
    sa, sb = _side(a), _side(b)
    return sa is None or sb is None or sa == sb


# ---------------------------------------------------------------------------------------------
# Red flags recorded in words
# ---------------------------------------------------------------------------------------------


# The prefetch keys beside the Conditions that red flags are read from (strength scores, new
# bladder or bowel findings recorded as observations).
RED_FLAG_OBSERVATION_KEYS = ("observations", "examObservations")


def no_red_flag(ctx: PathwayContext, said: str = "no red flag") -> str:
    """``said`` ("no red flag") as a card may say it: when the observations could not be read, a red
    flag in them (a falling strength score) was not checked, and the words say what was read. An old
    spinal infection still marked active (``stale_infections``) is no red flag of this illness but
    is not nothing either: it is named first, to confirm it has resolved, and the rest is "no other
    red flag"."""
    unread = [data_name(k) for k in RED_FLAG_OBSERVATION_KEYS if k in ctx.history.unavailable]
    if unread:
        said = f"no red flag in the diagnoses on record ({' and '.join(unread)} could not be read)"
    stale = stale_infections(ctx)
    if not stale:
        return said
    other = said.replace("no red flag", "no other red flag", 1)
    return "; ".join([*(stale_infection_words(ctx, c) for c in stale), other])


def named_flags(ctx: PathwayContext, *kinds: str, current_only: bool = True) -> tuple[ConditionFact, ...]:
    """Conditions that name a red flag of ``kinds`` in words only (``PathwayContext.
    named_red_flag_conditions``: a SNOMED CT concept outside the value sets, a WHO ICD-10 code, free
    text), in force unless asked, each once: read with the coded ones of the same kind (decision
    model §2 note 2, every coding is checked), and named on a card as recognised from words."""
    found = (c for k in kinds for c in ctx.named_red_flag_conditions.get(k, ()))
    return tuple(c for c in dict.fromkeys(found) if not current_only or ctx.in_force(c))


def in_words(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A red-flag Condition recognised from its words, not a code (``named_flags``)."""
    return any(c is n for found in ctx.named_red_flag_conditions.values() for n in found)


def flag_fact(ctx: PathwayContext, c: ConditionFact, prefix: str = "", *, with_note: bool = False) -> Fact:
    """``PathwayContext.cond_fact`` for a red-flag finding: one recognised from its words says so
    (``WORDS_ONLY``), as a radicular diagnosis read from words does; a fever measured
    (``FeverReading``) is named by its temperature and date."""
    if isinstance(c, FeverReading):
        return fever_fact(c, prefix)
    fact = ctx.cond_fact(c, prefix, with_note=with_note)
    if not in_words(ctx, c) or WORDS_ONLY in fact.text:
        return fact
    head = f"{prefix}{ctx.cond_label(c)}"
    text = fact.text.replace(head, f"{head} ({WORDS_ONLY})", 1)
    short = fact.short
    if short is not None:
        since = ctx.cond_since(c)
        body = short.removesuffix(since) if since else short
        short = f"{body} ({WORDS_ONLY_SHORT}){short[len(body) :]}"
    return replace(fact, text=text, short=short)


# ---------------------------------------------------------------------------------------------
# R1 cauda equina syndrome
# ---------------------------------------------------------------------------------------------


def cauda_equina_diagnoses(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Current cauda equina diagnoses not yet treated by a lumbar decompression done on or after their onset
    (a decompressed, documented cauda equina is history, not an emergency), nor recorded long before
    the present leg pain began (an old syndrome left active on the problem list for its lasting
    deficits; new bladder, bowel or saddle symptoms raise the card on their own). Coded, or named
    in words only (``named_flags``: "Cauda equina syndrome" as free text or under a WHO ICD-10 or
    SNOMED CT code the value sets do not know)."""
    out = []
    found = ctx.conditions("red_flag_cauda_equina") + named_flags(ctx, "cauda_equina")
    for c in found:
        start = first_recorded(ctx, c, found)
        if not found_with_this_illness(ctx, c, start):
            continue
        treated = start is not None and any(p.performed and p.performed >= start for p in ctx.surgeries)
        if not treated:
            out.append(c)
    return tuple(out)


def is_saddle_or_sphincter(ctx: PathwayContext, c: ConditionFact) -> bool:
    """Bladder/bowel dysfunction codes count as they are; skin anaesthesia only in a saddle distribution.
    A symptom named in words only (``named_flags``: "new urinary retention", "saddle numbness") counts
    as its words say."""
    if not ctx.matches("red_flag_sphincter_saddle_symptoms", c.codings):
        return c in named_flags(ctx, "sphincter_or_saddle")
    if not ctx.matches("skin_anaesthesia_unspecified_site", c.codings):
        return True
    return bool(reported(SADDLE, c.written))


SPHINCTER_PREFIX = "new sphincter/saddle symptom: "
# A bladder or bowel symptom in words, beside saddle sensory loss in the same record.
_BLADDER_OR_BOWEL = re.compile(
    r"\b(?:urin\w*|bladder|bowel|faecal|fecal|stool|void\w*|retention|incontinen\w*|sphincter)\b", re.I
)
# Sensory loss in words (anaesthesia, hypoaesthesia, numbness, lost or reduced sensation), as
# against paraesthesia (tingling, pins and needles) alone.
SENSORY_LOSS = re.compile(
    r"\ban(?:a)?esthesi|\bhypo-?(?:a)?esthesi|\bnumb|"
    r"(?:loss of|lost|reduced|decreased|diminished|absent)\s+(?:\w+\s+)?(?:sensation|feeling)",
    re.I,
)


def saddle_sensation(ctx: PathwayContext, c: ConditionFact) -> str | None:
    """What a skin-sensation record in a saddle distribution (``is_saddle_or_sphincter``) records, in
    clinical words: "saddle anaesthesia" (anaesthesia of skin), "saddle numbness" (hypoaesthesia,
    or numbness the record reports of the saddle area) or "saddle paraesthesia" (paraesthesia
    alone). None for a bladder or bowel symptom."""
    if not ctx.matches("skin_anaesthesia_unspecified_site", c.codings):
        # in words: saddle numbness unless the words name a bladder or bowel symptom too
        if in_words(ctx, c) and not reported(_BLADDER_OR_BOWEL, c.written) and reported(SADDLE, c.written):
            return "saddle numbness"
        return None
    if ctx.matches("skin_sensory_loss_unspecified_site", c.codings):
        hypo = any(re.search(r"hypo-?(?:a)?esthe", x.display or "", re.I) for x in c.codings)
        return "saddle numbness" if hypo else "saddle anaesthesia"
    lines = c.written.splitlines()
    if any(reported(SENSORY_LOSS, line) and reported(SADDLE, line) for line in lines):
        return "saddle numbness"
    return "saddle paraesthesia"


def cauda_equina_confirmed(ctx: PathwayContext) -> bool:
    """R1's emergency itself: a cauda equina diagnosis, a new bladder or bowel symptom or recorded
    saddle sensory loss beside a lumbar diagnosis. Saddle paraesthesia alone or symptoms of both legs
    prompt the questions about bladder, bowel and saddle sensation first (§7.3)."""
    ces, new_sx, _ = cauda_equina_signs(ctx)
    return bool(ces) or any(confirms_cauda_equina(ctx, c) for c in new_sx)


def confirms_cauda_equina(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A new sphincter or saddle symptom that is a full cauda equina criterion by itself: a bladder
    or bowel symptom, or recorded saddle sensory loss (anaesthesia or numbness). Saddle paraesthesia
    alone prompts the questions about bladder, bowel and saddle sensation instead (§7.3), and so does
    a feeling of incomplete emptying beside pain in both legs (weak evidence, §7.6: is there
    retention?)."""
    if is_weak_cauda_equina_evidence(ctx, c):
        return False
    return saddle_sensation(ctx, c) in (None, "saddle anaesthesia", "saddle numbness")


def sphincter_or_saddle_fact(ctx: PathwayContext, c: ConditionFact, fact: Fact) -> Fact:
    """The line a new sphincter or saddle symptom has on the card: a saddle finding named as what it
    is ("new saddle anaesthesia since 2026-11-01"), not as the display of its site-less code
    ("Anesthesia of skin"), which stays in the full text with the body site the record gives."""
    name = saddle_sensation(ctx, c)
    if name is None:
        plain = "new bladder/bowel symptom: "
        short = fact.short.replace(SPHINCTER_PREFIX, plain, 1) if fact.short else None
        return replace(fact, text=fact.text.replace(SPHINCTER_PREFIX, plain, 1), short=short)
    when = c.onset_text or (c.onset or c.recorded)
    since = f" since {when}" if when else ""
    site = c.body_site_text or next((b.display for b in c.body_site if b.display), None)
    coded = "; ".join(x for x in (f"coded {c.text}", site) if x)
    rest = fact.text.split(ctx.cond_label(c), 1)[1] if ctx.cond_label(c) in fact.text else ""
    return replace(fact, text=f"new {name}{since} ({coded}){rest}", short=f"new {name}{since}")


def new_sphincter_or_saddle_symptoms(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """New (≤ 14 days) urinary retention/incontinence, faecal incontinence or saddle anaesthesia; a
    symptom long on the problem list and coded again at today's visit is not new (``first_recorded``;
    only an entry that is itself such a symptom counts: foot numbness under the code of skin
    anaesthesia does not make a saddle anaesthesia old)."""
    coded = ctx.conditions("red_flag_sphincter_saddle_symptoms") + named_flags(ctx, "sphincter_or_saddle")
    found = [c for c in coded if is_saddle_or_sphincter(ctx, c)]
    window = ctx.t.new_sphincter_symptom_days
    return tuple(c for c in found if _new(ctx, first_recorded(ctx, c, found), window))


def _new(ctx: PathwayContext, first: date | None, within_days: int) -> bool:
    age = ctx.days_since(first)
    return age is not None and age <= within_days


def strong_sphincter_or_saddle_symptoms(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """New sphincter/saddle symptoms, unless every one is weak evidence alone (R39.14, a feeling of
    incomplete emptying, does not suggest cauda equina syndrome by itself: decision model §7.6). Beside
    new radicular pain of both legs it is not alone: bilateral sciatica with a new bladder disturbance
    is the presentation of a cauda equina syndrome still incomplete, and R1's questions come first
    (``confirms_cauda_equina``)."""
    found = new_sphincter_or_saddle_symptoms(ctx)
    if all(is_weak_cauda_equina_evidence(ctx, c) for c in found):
        # weak evidence counts only beside new pain of both legs, and not once a note records the
        # screen asked and normal (no retention, a small residual, normal saddle sensation)
        unanswered = tuple(c for c in found if not any(cauda_equina_screen_normal(n) for n in c.notes))
        return unanswered if unanswered and new_bilateral_radicular_pain(ctx) else ()
    return found


def is_weak_cauda_equina_evidence(ctx: PathwayContext, c: ConditionFact) -> bool:
    return ctx.matches("weak_cauda_equina_evidence", c.codings)


def new_bilateral_radicular_pain(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Radicular pain of both legs in an episode begun within ``new_sphincter_symptom_days``: a
    radicular diagnosis whose coded side, site or words (not a denial, not neurogenic claudication,
    ``text.states_bilateral_leg_pain``) say both legs, or a left and a right one. An episode older
    than that (chronic pain coded again at today's visit) is no new bilateral pain."""
    days = ctx.symptom_days
    if days is None or days > ctx.t.new_sphincter_symptom_days:
        return ()
    both, sides = [], {}
    for c in ctx.gate_conditions:
        if ctx.matches("neurogenic_claudication", c.codings):
            continue
        words = " ".join(x for x in (c.text, c.body_site_text, *(b.display or "" for b in c.body_site)) if x)
        if states_bilateral_leg_pain(words):
            both.append(c)
        # the side from the coded site and the codes' displays ("Lumbago with sciatica, right side"),
        # not free words ("not bilateral", "bilateral foraminal bulges" on the MRI)
        side = parse_laterality(
            c.body_site_text, *(b.display for b in c.body_site), *(x.display for x in c.codings)
        )
        if side in ("left", "right", "bilateral"):
            sides[c] = side
    if both:
        return tuple(both)
    if "bilateral" in sides.values() or {"left", "right"} <= set(sides.values()):
        return tuple(sides)
    return ()


# Mimics that are not nerve disease: no cause of numbness or weakness in both legs
_NON_NERVE_MIMICS = tuple(m.value_set for m in MIMICS if not m.neuropathy)


def _nerve_mimic(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A mimic diagnosis of the nerves (a polyneuropathy, an entrapment), not hip, arterial or bursal
    disease."""
    return ctx.matches("alternative_or_mimicking_diagnoses", c.codings) and not any(
        ctx.matches(vs, c.codings) for vs in _NON_NERVE_MIMICS
    )


def new_bilateral_leg_symptoms(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Current Conditions new within 14 days that record weakness or numbness of both legs: a cauda
    equina warning sign even without coded retention (decision model §7.3). Not a diagnosis that
    itself explains symmetric leg symptoms (a polyneuropathy or another nerve mimic): "numbness of
    both feet" coded as diabetic polyneuropathy is that disease, not a cauda equina sign. A hip,
    arterial or bursal mimic explains no numbness or weakness of both legs (new weakness of both legs
    in arterial disease is an emergency of its own), so such a Condition's words still screen."""
    window = ctx.t.new_sphincter_symptom_days
    out = []
    for c in ctx.history.conditions:
        if not ctx.in_force(c) or _nerve_mimic(ctx, c):
            continue
        if _new(ctx, began(ctx, c), window) and states_bilateral_leg_deficit(c.written):
            out.append(c)
    out += [c for c in _new_deficit_of_each_leg(ctx, window) if c not in out]
    if not out:
        return ()
    # coded again at the visit: only an entry that itself records both legs makes it old
    known = [
        d
        for d in ctx.history.conditions
        if not d.is_encounter_diagnosis and states_bilateral_leg_deficit(d.written)
    ]
    return tuple(c for c in out if _new(ctx, first_recorded(ctx, c, known), window))


def _new_deficit_of_each_leg(ctx: PathwayContext, window: int) -> list[ConditionFact]:
    """New motor deficits coded one leg at a time that together take in both legs (a foot drop of
    the left foot and one of the right, each new): weakness of both legs, as one entry saying so is."""
    new = [
        c
        for c in ctx.conditions("red_flag_motor_deficit")
        if not _nerve_mimic(ctx, c) and _new(ctx, began(ctx, c), window)
    ]
    # one side each: a record whose code says one side and its site the other names no leg for sure
    sides = {parse_laterality(c.written) for c in new}
    return new if {"left", "right"} <= sides else []


CES_EMERGENCY = (
    "Emergency MRI of the lumbar spine today and emergency spine-surgery assessment for decompression "
    "(ACR 2021 variant 4)."
)
# One sentence with no clause break: a card short of room drops the examination in brackets (an
# aside), never the emergency MRI — the questions without what follows would read as routine.
CES_QUESTIONS = (
    "Ask today about bladder, bowel and saddle sensation (and examine perianal sensation) and get an "
    "emergency MRI today if any is abnormal."
)
CES_IF_POSITIVE = (
    "Retention, incontinence or saddle numbness confirms the emergency: MRI of the lumbar spine today and "
    "emergency spine-surgery assessment for decompression (ACR 2021 variant 4). If the answers are "
    "unclear, scan today."
)


BILATERAL_PREFIX = "new bilateral leg symptom: "
_WEAK = re.compile(r"weak", re.I)
_NUMB = re.compile(r"numb|pins and needles|par(?:a)?esthe|hypo(?:a)?esthe|sensory loss", re.I)


def bilateral_fact(ctx: PathwayContext, c: ConditionFact) -> Fact:
    """New symptoms of both legs as what the record says of them, in a few words ("new weakness
    and numbness of both legs since 2026-11-01"), not the display of the code they were written
    under ("Muscle weakness (generalized)"), which stays in the full text with the note."""
    fact = ctx.cond_fact(c, BILATERAL_PREFIX, with_note=True)
    side = parse_laterality(c.written)
    if side in ("left", "right") and not states_bilateral_leg_deficit(c.written):
        # one leg's deficit of a pair (``_new_deficit_of_each_leg``): said as that leg's
        when = c.onset_text or (c.onset or c.recorded)
        name = mid_sentence(short_name(clinical_name(c.text)))
        named = name if parse_laterality(name) else f"{name}, {side}"
        return replace(fact, short=f"new {named}: both legs weak{f' since {when}' if when else ''}")

    def said(text: str) -> list[str]:
        return [k for k, p in (("weakness", _WEAK), ("numbness", _NUMB)) if p.search(text)]

    # the clinician's note first: "numbness in both legs" written under a weakness code is numbness
    kinds = said(" ".join(c.notes)) or said(c.written)
    when = c.onset_text or (c.onset or c.recorded)
    since = f" since {when}" if when else ""
    return replace(fact, short=f"new {' and '.join(kinds) or 'symptoms'} of both legs{since}")


def scored_weakness_of_both_legs(ctx: PathwayContext) -> tuple[ObservationFact | ConditionFact, ...]:
    """New weakness of both legs shown by strength scores (§7.3: new bilateral leg weakness prompts
    R1's questions): for each leg, a muscle whose latest score this episode is MRC 3 or less
    (``weak_muscles``), first found that weak within ``new_sphincter_symptom_days``
    (``weak_muscle_since``) and not given another cause or limited by pain or effort in its words
    (``explains_weakness_otherwise``), or a new foot drop coded on that side (``is_new``). The scores
    and the codes that make both legs, at least one a score (two coded foot drops are
    ``_new_deficit_of_each_leg``'s); none otherwise. A score that names no side names no leg."""
    window = ctx.t.new_sphincter_symptom_days
    scores = []
    for o in weak_muscles(ctx):
        if explains_weakness_otherwise(" ".join((o.text, *o.notes, o.value_text or ""))):
            continue
        if _new(ctx, weak_muscle_since(ctx, o), window) and _muscle(o)[0] is not None:
            scores.append(o)
    if not scores:
        return ()
    coded = [c for c in motor_deficit_conditions(ctx) if is_new(ctx, c) and not _nerve_mimic(ctx, c)]
    sides = {_muscle(o)[0] for o in scores} | {_side(c) or parse_laterality(c.written) for c in coded}
    if "bilateral" not in sides and not {"left", "right"} <= sides:
        return ()
    return (*coded, *scores)


def has_spinal_diagnosis(ctx: PathwayContext) -> bool:
    """A lumbar disc, radicular or stenosis diagnosis (R1 needs one beside the sphincter symptoms)."""
    return bool(ctx.gate_conditions or ctx.disc_conditions or ctx.stenosis_conditions)


def cauda_equina_signs(
    ctx: PathwayContext,
) -> tuple[tuple[ConditionFact, ...], tuple[ConditionFact, ...], tuple[ConditionFact, ...]]:
    """R1's findings: cauda equina diagnoses; new sphincter or saddle symptoms and new bilateral leg
    symptoms, each only beside a lumbar diagnosis."""
    spinal = has_spinal_diagnosis(ctx)
    ces = cauda_equina_diagnoses(ctx)
    if not spinal:
        return ces, (), ()
    new_sx = tuple(c for c in strong_sphincter_or_saddle_symptoms(ctx) if c not in ces)
    bilateral = tuple(c for c in new_bilateral_leg_symptoms(ctx) if c not in new_sx and c not in ces)
    return ces, new_sx, bilateral


def scored_weakness(ctx: PathwayContext) -> tuple[ObservationFact | ConditionFact, ...]:
    """New weakness of both legs from strength scores, beside a lumbar diagnosis, when no other R1
    finding records both legs already (``scored_weakness_of_both_legs``)."""
    if not has_spinal_diagnosis(ctx):
        return ()
    ces, new_sx, bilateral = cauda_equina_signs(ctx)
    if bilateral:
        return ()
    return tuple(x for x in scored_weakness_of_both_legs(ctx) if x not in ces and x not in new_sx)


def scored_weakness_fact(ctx: PathwayContext, x: ObservationFact | ConditionFact) -> Fact:
    """One leg's new weakness of a pair, as R1 names it: the score ("new bilateral leg symptom: Left
    ankle dorsiflexion: 2/5 on ...") or the coded foot drop."""
    if isinstance(x, ConditionFact):
        return bilateral_fact(ctx, x)
    fact = weak_muscle_fact(x)
    return replace(fact, text=BILATERAL_PREFIX + fact.text, short=f"new weakness, {fact.text}")


def r1_cauda_equina(ctx: PathwayContext) -> CardDraft:
    """R1 — suspected or confirmed cauda equina syndrome.

    When: a cauda equina diagnosis, or new (≤ 14 days) urinary retention/incontinence, faecal
      incontinence, saddle anaesthesia or paraesthesia, or bilateral leg weakness/numbness together
      with a lumbar disc, radicular or stenosis diagnosis (R39.14 alone is too weak, §7.6).
    Then: critical card — a diagnosis, a bladder or bowel symptom or recorded saddle anaesthesia or
      numbness: emergency MRI today and emergency spine-surgery assessment for decompression, its
      first step; saddle paraesthesia alone or symptoms of both legs: ask today about bladder, bowel
      and saddle sensation first, emergency MRI if any is abnormal (§7.3), the summary saying the
      same, the stat MRI offered but not pre-selected until an answer is abnormal; every elective
      order (ESI, RFA, SCS) is held.
    Evidence: clinical practice (the absolute indication for immediate surgery; immediate
      imaging), ACR 2021 low back pain variant 4, NICE NG59.
    """
    ces, new_sx, bilateral = cauda_equina_signs(ctx)
    scored = scored_weakness(ctx)
    why = finding_facts(ctx, ces, "cauda equina diagnosis: ", with_note=True)
    by_ref = {c.ref: c for c in new_sx}
    why += [
        sphincter_or_saddle_fact(ctx, by_ref[f.ref], f) if f.ref in by_ref else f
        for f in finding_facts(ctx, new_sx, SPHINCTER_PREFIX, with_note=True)
    ]
    why += [bilateral_fact(ctx, c) for c in bilateral]
    why += [scored_weakness_fact(ctx, x) for x in scored]
    bilateral = (*bilateral, *(x for x in scored if isinstance(x, ConditionFact)))
    if (new_sx or bilateral or scored) and not ces:
        why += [
            ctx.cond_fact(c, "with spinal diagnosis: ")
            for c in (ctx.gate_conditions or ctx.disc_conditions)[:2]
        ]
    intercepted = intercepted_orders(ctx)
    reasons = tuple(dict.fromkeys(x.ref for x in (*ces, *new_sx, *bilateral, *scored))) + ctx.reason_refs
    # A diagnosis, a new bladder or bowel symptom or recorded saddle anaesthesia or numbness is the
    # emergency itself: its first step is the MRI today. Saddle paraesthesia alone or new symptoms of
    # both legs prompt the questions first (§7.3), and the summary says so.
    confirmed = cauda_equina_confirmed(ctx)
    if confirmed:
        summary = (
            "Suspected cauda equina syndrome: emergency MRI today and emergency spine surgery assessment"
        )
        steps = [CES_EMERGENCY]
    else:
        summary = (
            "Possible cauda equina syndrome: ask today about bladder, bowel and saddle sensation; "
            "emergency MRI if any is abnormal"
        )
        steps = [CES_QUESTIONS, CES_IF_POSITIVE]
    return R1.card(
        ctx,
        indicator="critical",
        summary=summary,
        why=with_holds(why, intercepted),
        next_steps=[
            *steps,
            "Cauda equina syndrome is an indication for immediate decompression (NASS 2014).",
            *_hold_step(intercepted),
        ],
        avoid=[
            "Epidural steroid injection or any elective injection.",
            "A period of conservative care, physiotherapy or a routine referral.",
            "RFA, spinal cord stimulation or an intrathecal pump.",
            "Opioids as the plan.",
        ],
        suggestions=[
            ctx.offer(
                sx.MRI_WITHOUT_CONTRAST,
                reasons=reasons,
                intent="order",
                priority="stat",
                # offered, not pre-selected, while the questions decide whether it is needed today
                recommended=confirmed,
            ),
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=reasons,
                intent="order",
                priority="stat",
                label="Emergency spine surgery assessment",
            ),
        ],
        selection_behavior="any",
        needs=("conditions", "serviceRequests"),
    )


# ---------------------------------------------------------------------------------------------
# R2 motor deficit
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrengthDecline:
    """One muscle's strength falling: from ``earlier`` (the best score before the fall) to the level
    first scored at ``later`` and scored again at ``latest`` (``later`` itself unless a later score
    shows the level has held)."""

    earlier: ObservationFact
    later: ObservationFact
    latest: ObservationFact
    progressing: bool  # fallen (first scored at this level) within ``new_motor_deficit_days``

    @property
    def unscored_since(self) -> bool:
        """No score since the fall: whether the level has held is not known."""
        return self.latest is self.later

    def fact(self) -> Fact:
        e, n, z = self.earlier, self.later, self.latest
        if e.text == n.text:
            text = f"{n.text}: {e.value:g} on {e.effective} → {n.value:g} on {n.effective}"
        else:
            text = f"{e.text} {e.value:g} on {e.effective} → {n.text} {n.value:g} on {n.effective}"
        if z is not n:
            text += f", {z.value:g} again on {z.effective}"
        return Fact(text, e.ref, (n.ref,) if z is n else (n.ref, z.ref))


Muscle = tuple[str | None, frozenset[str]]


def _muscle(o: ObservationFact) -> Muscle:
    """The side and the muscle a strength score is of: from its name, and its body site where the
    name does not say."""
    sites = (o.body_site_text, *(b.display for b in o.body_site))
    return parse_laterality(o.text, *sites), muscle_named(o.text) or muscle_named(*sites)


def _same_muscle(a: Muscle, b: Muscle) -> bool:
    """Whether two scores can be of one muscle: the sides agree (or one is not given) and one names
    the muscle the other names, or strength in general ("motor strength 5/5" covers every muscle)."""
    (side_a, words_a), (side_b, words_b) = a, b
    sides = side_a is None or side_b is None or side_a == side_b or "bilateral" in (side_a, side_b)
    return sides and (words_a <= words_b or words_b <= words_a)


def _fall(ctx: PathwayContext, series: Sequence[ObservationFact]) -> StrengthDecline | None:
    latest = series[-1]
    value = latest.value or 0.0
    i = len(series) - 1
    while i > 0 and (series[i - 1].value or 0.0) <= value:
        i -= 1  # the scores at (or below) today's level, back to the first of them
    if i == 0:
        return None
    earlier = max(series[:i], key=lambda o: o.value or 0.0)
    if (earlier.value or 0.0) - value < ctx.t.strength_decline_points:
        return None
    later = series[i]
    age = ctx.days_since(later.effective)
    # a fall scored long ago with no score since is of unknown course, not a progressing one: the
    # warning asks for strength to be examined again (a fall that goes on shows as a recent one)
    progressing = age is None or age <= ctx.t.new_motor_deficit_days
    return StrengthDecline(earlier, later, latest, progressing)


def strength_decline(ctx: PathwayContext) -> StrengthDecline | None:
    """Serial strength scores (MRC 0–5) of one muscle falling by at least ``strength_decline_points``
    grades; the scores of another muscle, or the other side, are not its history. Of several, a fall
    still in progress first, then the largest. A fall first scored more than
    ``new_motor_deficit_days`` ago is not a progressing one, whether it has held since or has not
    been scored again (its course unknown: examine again); a further fall is a new, recent one. A fall
    to a score its words say was limited by pain or effort (``limited_by_pain_or_effort``) is none."""
    obs = ctx.observations("strength")
    muscles = [_muscle(o) for o in obs]
    found = []
    for i, m in enumerate(muscles):
        if m in muscles[i + 1 :]:
            continue  # a later score of the same muscle speaks for it
        series = [o for o, mo in zip(obs[: i + 1], muscles[: i + 1], strict=True) if _same_muscle(mo, m)]
        fall = _fall(ctx, series)
        latest = fall.latest if fall is not None else None
        # a fall to a score limited by pain or effort is no fall of the root's strength (a weak score
        # alone still draws R2's warning: examine again)
        if fall is not None and latest is not None and not limited_by_pain_or_effort(
            " ".join((latest.text, *latest.notes, latest.value_text or ""))
        ):
            found.append(fall)
    return max(
        found,
        key=lambda d: (d.progressing, (d.earlier.value or 0.0) - (d.latest.value or 0.0), d.latest.effective),
        default=None,
    )


def latest_strength_scores(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Each muscle's latest strength score (MRC 0–5) of this episode (``episode_observations``):
    weakness scored before the pain began is another story. A later score of the same muscle speaks
    for it (a muscle scored weak and since recovered is not weak), and a general score ("motor
    strength") speaks for every muscle scored before it. Oldest first."""
    obs = ctx.episode_observations("strength")
    muscles = [_muscle(o) for o in obs]
    return tuple(
        o
        for i, (o, m) in enumerate(zip(obs, muscles, strict=True))
        if not any(_same_muscle(m, later) for later in muscles[i + 1 :])
    )


def weak_muscles(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Muscles whose latest strength score (MRC 0–5) this episode (``latest_strength_scores``) is
    ``weak_muscle_mrc`` (3) or less: a motor deficit by itself (decision model §7.3, "MRC ≤ 3"),
    whether or not earlier scores show a fall. Oldest first."""
    return tuple(
        o for o in latest_strength_scores(ctx) if o.value is not None and o.value <= ctx.t.weak_muscle_mrc
    )


FULL_STRENGTH_MRC = 5.0  # the top of the MRC scale: normal power
# MRC 2 or less: no movement against gravity (MRC 2 moves with gravity eliminated, 1 a flicker, 0 none),
# a severe deficit
SEVERE_WEAKNESS_MRC = 2.0


def reduced_muscles(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Muscles whose latest strength score this episode (``latest_strength_scores``) is below full
    strength (MRC 5) but above ``weak_muscle_mrc``: a measured motor deficit (MRC 4, "4-" or "4+")
    that is no red flag by itself (``weak_muscles`` and ``strength_decline`` are R2's) but is a
    neurological deficit the acute pathway refers within 2 weeks (E2). Oldest first."""
    return tuple(
        o
        for o in latest_strength_scores(ctx)
        if o.value is not None and ctx.t.weak_muscle_mrc < o.value < FULL_STRENGTH_MRC
    )


def weak_muscle_since(ctx: PathwayContext, o: ObservationFact) -> date | None:
    """When the muscle of ``o`` was first scored at its present weakness or below, without a
    stronger score between: the day the deficit was found."""
    m = _muscle(o)
    since = o.effective
    scored = ctx.episode_observations("strength")
    for earlier in reversed([x for x in scored if x.effective and since and x.effective < since]):
        if not _same_muscle(_muscle(earlier), m):
            continue
        if earlier.value is None or earlier.value > ctx.t.weak_muscle_mrc:
            break
        since = earlier.effective
    return since


def new_severe_weakness(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Muscles first scored at all within ``new_motor_deficit_days``, at ``SEVERE_WEAKNESS_MRC``
    (MRC 2, no movement against gravity) or less, and still that weak (``weak_muscles``): a new
    severe deficit, critical as a new foot drop is (decision model R2, "progressive or severe motor
    deficit"), though no earlier score shows a fall. A muscle scored before at any level is judged by
    its scores (``strength_decline``, ``weak_muscle_since``); an MRC 3 or 4 first score is a deficit
    to refer (warning), not this; so is a score whose words give the weakness another cause or call
    it old ("chronic since a 2015 stroke", "limited by hip pain": ``explains_weakness_otherwise``).
    Oldest first."""
    scored = ctx.observations("strength")
    out = []
    for o in weak_muscles(ctx):
        if o.value is None or o.value > SEVERE_WEAKNESS_MRC:
            continue
        if explains_weakness_otherwise(" ".join((o.text, *o.notes, o.value_text or ""))):
            continue
        m = _muscle(o)
        first = next((x for x in scored if _same_muscle(_muscle(x), m)), o)
        if first.value is None or first.value > SEVERE_WEAKNESS_MRC:
            continue
        age = ctx.days_since(first.effective)
        if age is not None and age <= ctx.t.new_motor_deficit_days:
            out.append(o)
    return tuple(out)


def weak_muscle_fact(o: ObservationFact) -> Fact:
    return Fact(f"{o.text}: {o.value:g}/5 on {o.effective_text or o.effective}", o.ref)


def motor_deficit_conditions(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Foot drops in force: coded (``red_flag_motor_deficit``), or named in the words of a diagnosis
    that carries no code any value set knows (a SNOMED-only problem list, free text: "Right foot
    drop"). A diagnosis coded as something known (a peroneal neuropathy "with foot drop") is what
    its code says."""
    coded = ctx.conditions("red_flag_motor_deficit")
    named = tuple(
        c for c in ctx.history.conditions
        if c not in coded
        and ctx.in_force(c)
        and not any(ctx.term.is_known(x.system, x.code) for x in c.codings)
        and reported(FOOT_DROP, "\n".join([c.text, *(x.display or "" for x in c.codings)]))
    )  # fmt: skip
    return coded + named


@dataclass(frozen=True, slots=True)
class NerveLesion:
    """A peripheral nerve lesion that weakens ankle dorsiflexion by itself (decision model §7.5)
    and the examination that tells it from an L5 root lesion."""

    value_set: str
    name: str
    spared: str  # weak in an L5 radiculopathy, spared in this lesion


NERVE_LESIONS = (
    NerveLesion("mimic_peroneal_neuropathy", "peroneal neuropathy", "ankle inversion and hip abduction"),
    NerveLesion("mimic_sciatic_neuropathy", "sciatic neuropathy", "hip abduction"),
)


def _laterality(c: ConditionFact) -> str | None:
    """The side a Condition names: its body site, else its text or code display ("Foot drop, right
    foot", "Lesion of lateral popliteal nerve, left lower limb")."""
    return _side(c) or parse_laterality(c.text, *(x.display for x in c.codings))


def nerve_lesion_for(ctx: PathwayContext, c: ConditionFact) -> tuple[ConditionFact, NerveLesion] | None:
    """A current peroneal or sciatic neuropathy on the side of the foot drop ``c`` (or either side
    unstated): a diagnosed lesion below the spine that explains the foot drop, so the code alone is
    no proof of a root compression getting worse."""
    side = _laterality(c)
    for kind in NERVE_LESIONS:
        for n in ctx.conditions(kind.value_set):
            other = _laterality(n)
            if side is None or other is None or side == other or "bilateral" in (side, other):
                return n, kind
    return None


def is_new(ctx: PathwayContext, c: ConditionFact) -> bool:
    """First recorded within ``new_motor_deficit_days`` (``first_recorded``: a foot drop long on the
    problem list and coded again at today's visit is not new), and not explained by a diagnosed
    peroneal or sciatic neuropathy on its side (``nerve_lesion_for``): that foot drop is a deficit
    to examine and refer, not an emergency on the code alone; a fall in strength scores still is."""
    since = first_recorded(ctx, c, motor_deficit_conditions(ctx))
    age = ctx.days_since(since)
    new = age is not None and age <= ctx.t.new_motor_deficit_days
    return new and nerve_lesion_for(ctx, c) is None and recovered_since(ctx, c, since) is None


# The word stems (``text.muscle_named``) of the muscles a foot drop weakens: ankle dorsiflexion,
# tibialis anterior, extensor hallucis longus.
_FOOT_DROP_MUSCLES = frozenset({"dors", "tibi", "hall"})


def recovered_since(ctx: PathwayContext, c: ConditionFact, since: date | None) -> ObservationFact | None:
    """The latest strength score of a dorsiflexor on the side of a foot drop coded on ``since`` (or a
    score of strength in general), taken since, when it is above ``weak_muscle_mrc``: the foot drop is
    recovering or recovered (2/5 then 4/5, 5/5), no new severe deficit on the code alone. The code
    stays a deficit on record: the stable deficit's warning asks for it to be examined and referred,
    and names this score. None otherwise."""
    if since is None:
        return None
    side = _side(c) or parse_laterality(c.written)
    scores = [
        o
        for o in ctx.observations("strength")
        if o.value is not None and o.effective is not None and o.effective >= since
        and _same_muscle(_muscle(o), (side, _muscle(o)[1]))
        and (not _muscle(o)[1] or _muscle(o)[1] & _FOOT_DROP_MUSCLES)
    ]  # fmt: skip
    if not scores or (scores[-1].value or 0.0) <= ctx.t.weak_muscle_mrc:
        return None
    return scores[-1]


def emg_after(ctx: PathwayContext, start: date) -> bool:
    return any(p.performed and p.performed >= start for p in ctx.procedures("electrodiagnostic_emg_ncs"))


def deficit_already_addressed(
    ctx: PathwayContext,
    deficits: Sequence[ConditionFact],
    decline: StrengthDecline | None = None,
    weak: Sequence[ObservationFact] = (),
) -> bool:
    """A spine referral, specialist visit or decompression after the latest of the deficits (coded,
    a fall in strength that has held, or a muscle scored weak) appeared; for foot drops that a
    diagnosed peroneal or sciatic neuropathy explains, EMG/nerve conduction studies since then also
    (the level has been tested)."""
    starts = [first_recorded(ctx, c, deficits) for c in deficits]
    if decline is not None:
        starts.append(decline.later.effective)
    starts += [weak_muscle_since(ctx, o) for o in weak]
    if not starts or None in starts:
        return False
    start = max(d for d in starts if d is not None)
    if (
        decline is None
        and not weak
        and all(nerve_lesion_for(ctx, c) for c in deficits)
        and emg_after(ctx, start)
    ):
        return True
    for s in ctx.specialist_referrals:
        if s.authored and s.authored >= start:
            return True
    for e in ctx.specialist_encounters:
        if e.start and e.start >= start:
            return True
    return any(p.performed and p.performed >= start for p in ctx.surgeries)


def motor_deficit_to_act_on(ctx: PathwayContext) -> tuple[ConditionFact, ...] | bool:
    """R2's findings: a strength decline in progress, a new deficit or a muscle first scored MRC ≤ 2
    within ``new_motor_deficit_days`` (``new_severe_weakness``) (critical), or a stable
    deficit (coded, a fall in strength that has held, or a muscle scored MRC ≤ 3) not yet addressed
    by a surgeon (warning)."""
    deficits = motor_deficit_conditions(ctx)
    decline = strength_decline(ctx)
    if (decline is not None and decline.progressing) or new_severe_weakness(ctx):
        return deficits or True
    if any(is_new(ctx, c) for c in deficits):
        return deficits
    weak = weak_muscles(ctx)
    if (not deficits and decline is None and not weak) or deficit_already_addressed(
        ctx, deficits, decline, weak
    ):
        return ()
    return deficits or True


def contrast_after_surgery(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The lumbar operation(s) on record when a lumbar MRI must be with and without contrast because
    of them (ACR 2021 variant 5): prior lumbar surgery (decompression, discectomy or fusion, or a
    lumbar post-laminectomy syndrome or arthrodesis status), a radicular diagnosis, and the pain more
    than 3 months after the operation (an undated one counts as long ago), in an adult; else ().
    This is the order check's definition (``order.mri-postop-contrast``, ``_post_surgical_facts`` in
    ``hooks.orders.checks.mri_contrast``): an MRI a red-flag card offers never draws that check."""
    from hooks.pathway import under_age  # the package imports this module: read at call time

    if under_age(ctx) is not None:
        return ()
    if not (ctx.post_surgical and ctx.gate_open and post_surgical.symptoms_after_recovery(ctx)):
        return ()
    return tuple(post_surgical.surgery_facts(ctx))


def operation_facts(ctx: PathwayContext) -> tuple[Fact, ...]:
    """The lumbar operation(s) on record (the last two), or the post-laminectomy syndrome or
    arthrodesis status that records one: what a deficit after surgery is judged against, and whom
    to contact (the operating surgeon's team)."""
    return tuple(post_surgical.surgery_facts(ctx)) if ctx.post_surgical else ()


def lumbar_mri(ctx: PathwayContext) -> sx.OrderSpec:
    """The lumbar MRI a red-flag card offers for a deficit or a fracture: with and without contrast
    after lumbar surgery (``contrast_after_surgery``), else without contrast (ACR 2021)."""
    return sx.MRI_WITH_AND_WITHOUT_CONTRAST if contrast_after_surgery(ctx) else sx.MRI_WITHOUT_CONTRAST


def _with_operation(why: list[Fact], operation: Sequence[Fact]) -> list[Fact]:
    """The operation on record right after the finding that fired first (a card shows its first few
    facts), each resource named once."""
    shown = {r for f in operation for r in f.refs}
    return [*why[:1], *operation, *(f for f in why[1:] if not set(f.refs) & shown)]


def _r2_progressive_summary(operated: bool, contrast: bool, what: str = "Progressive") -> str:
    """``what``: "Progressive" for strength seen to fall, "New" for a deficit first recorded in the
    last days with no fall on record, or "New severe" for a muscle first scored MRC ≤ 2
    (``new_severe_weakness``)."""
    if not operated:
        return f"{what} motor deficit: urgent MRI and urgent spine surgery referral within days"
    study = "urgent MRI with and without contrast" if contrast else "urgent MRI"
    return f"{what} motor deficit after lumbar surgery: contact the operating surgeon today; {study}"


def r2_motor_deficit(ctx: PathwayContext) -> CardDraft:
    """R2 — progressive or severe motor deficit.

    When: one muscle's serial strength Observations decline (e.g. MRC 4/5 → 2/5) with the fall
      first scored within 14 days, a new foot drop (≤ 14 days) that no diagnosed peroneal or
      sciatic neuropathy on its side explains, or a muscle first scored within 14 days at MRC ≤ 2
      (no movement against gravity: a new severe deficit, ``new_severe_weakness``) → critical; a
      stable motor deficit (foot drop, a fall in strength that has held or was scored long ago and
      not since, or a muscle whose latest score this episode is MRC 3, or MRC ≤ 2 first scored long
      ago, §7.3) not yet seen by a spine surgeon → warning (refer within 2 weeks; re-examine
      strength); a foot drop that such a neuropathy explains, with no fall in strength, not yet
      tested by EMG/nerve conduction studies or seen by a surgeon → warning (examine and test to
      tell it from an L5 root lesion).
    Then: urgent MRI and urgent surgical referral (within days); no waiting 6 weeks, no ESI instead
      of a surgical opinion. After lumbar surgery the operation is named among the first facts, the
      card says to contact the operating surgeon's team, and the MRI is with and without contrast
      where the order check asks for it (``contrast_after_surgery``; ACR 2021 variant 5).
    Evidence: clinical practice (progressive deficits require decompression; refer ≤ 2 weeks for any
      deficit; immediate imaging for progressive deficit), ACR 2021, NASS LDH.
    """
    decline = strength_decline(ctx)
    deficits = motor_deficit_conditions(ctx)
    new_deficits = tuple(c for c in deficits if is_new(ctx, c))
    falling = (decline is not None and decline.progressing) or bool(new_deficits)
    severe = new_severe_weakness(ctx)
    progressive = falling or bool(severe)
    # said as seen: "progressive" only for strength seen to fall; a deficit first recorded in the last
    # days (a new foot drop) is "new", and a muscle first scored MRC ≤ 2 "new severe"
    seen_falling = decline is not None and decline.progressing
    what = "Progressive" if seen_falling else "New" if new_deficits else "New severe"
    why: list[Fact] = [decline.fact()] if decline is not None else []
    shown = {r for f in why for r in (f.ref, *f.also)}
    why += [weak_muscle_fact(o) for o in weak_muscles(ctx) if o.ref not in shown]
    why += finding_facts(ctx, deficits, "motor deficit: ", with_note=True)
    recovering = [
        o for c in deficits if (o := recovered_since(ctx, c, first_recorded(ctx, c, deficits))) is not None
    ]
    why += [
        Fact(
            f"strength since: {o.text} {o.value:g}/5 on {o.effective}", o.ref, short=f"{o.text} {o.value:g}/5"
        )
        for o in dict.fromkeys(recovering)
    ]
    why += [ctx.cond_fact(c, "radicular diagnosis: ") for c in ctx.gate_conditions[:1]]
    operation = operation_facts(ctx)
    why = _with_operation(why, operation)
    reasons = tuple(c.ref for c in deficits) + ctx.reason_refs
    mri = lumbar_mri(ctx)
    contrast = mri is sx.MRI_WITH_AND_WITHOUT_CONTRAST
    study = f"MRI of the lumbar spine {'with and ' if contrast else ''}without contrast"
    cite = "ACR 2021 variant 5 after lumbar surgery" if contrast else "ACR 2021"
    needs = ("conditions", "observations", "procedures")
    if progressive:
        intercepted = intercepted_orders(ctx)
        return R2.card(
            ctx,
            indicator="critical",
            summary=_r2_progressive_summary(bool(operation), contrast, what),
            why=with_holds(why, intercepted),
            next_steps=[
                *(
                    [
                        f"Contact the operating surgeon's team today for a review within days, with an "
                        f"urgent {study} ({cite}; NASS 2014).",
                        "A new deficit after lumbar surgery may be a recurrent herniation or a complication "
                        "at the operated level: it needs a surgical opinion on decompression.",
                    ]
                    if operation
                    else [
                        f"Urgent {study} and an urgent spine-surgery referral, to be seen within days "
                        f"({cite}; NASS 2014).",
                        f"A {what.lower()} deficit needs a surgical opinion on decompression.",
                    ]
                ),
                *_hold_step(intercepted),
            ],
            avoid=[
                "Waiting out a period of conservative care.",
                "An epidural steroid injection instead of a surgical opinion.",
                "Physiotherapy alone.",
            ],
            suggestions=[
                ctx.offer(
                    mri,
                    reasons=reasons,
                    intent="order",
                    priority="urgent",
                    recommended=True,
                ),
                ctx.offer(
                    sx.SPINE_SURGERY_REFERRAL,
                    reasons=reasons,
                    intent="order",
                    priority="urgent",
                ),
            ],
            selection_behavior="any",
            needs=needs,
        )
    gaps = (
        []
        if ctx.observations("strength")
        else ["record serial strength scores (MRC 0–5) to show whether the deficit is stable or progressing"]
    )
    if decline is not None and decline.unscored_since:
        gaps.append(
            f"a strength score since the fall on {decline.later.effective}: examine again to show whether "
            "the deficit has held or is still getting worse"
        )
    lesions = [nerve_lesion_for(ctx, c) for c in deficits]
    if decline is None and not weak_muscles(ctx) and deficits and all(lesions):
        return _r2_nerve_lesion(ctx, why, gaps, [x for x in lesions if x is not None], reasons)
    return R2.card(
        ctx,
        indicator="warning",
        summary="Motor deficit with radicular pain: refer to a spine surgeon to be seen within "
        f"{span(ctx.t.urgent_referral_days)}",
        why=why,
        gaps=gaps,
        next_steps=[
            f"Spine-surgery referral, to be seen within {span(ctx.t.urgent_referral_days)}"
            + (", back to the operating surgeon's team where possible." if operation else "."),
            f"{study} if the patient is a surgical candidate" + (f" ({cite})." if contrast else "."),
            "Re-examine strength; escalate to an urgent referral if it worsens.",
        ],
        avoid=[
            "Waiting out a period of conservative care before referral.",
            "An epidural steroid injection instead of a surgical opinion.",
            "Physiotherapy alone.",
        ],
        suggestions=[
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=reasons,
                note=f"Motor deficit: to be seen within {span(ctx.t.urgent_referral_days)}.",
                seen_by=ctx.urgent_referral_by,
                recommended=True,
            ),
            ctx.offer(mri, reasons=reasons),
        ],
        selection_behavior="any",
        needs=(*needs, "serviceRequests", "encounters"),
    )


def _r2_nerve_lesion(
    ctx: PathwayContext,
    why: list[Fact],
    gaps: list[str],
    lesions: Sequence[tuple[ConditionFact, NerveLesion]],
    reasons: tuple[str, ...],
) -> CardDraft:
    """R2's warning for a foot drop that a diagnosed peroneal or sciatic neuropathy explains: tell
    the two apart before a spine referral (decision model §7.5)."""
    found, kind = lesions[0]
    named = [ctx.cond_fact(found, f"{kind.name} on record: ")]
    refs = (found.ref, *reasons)
    urgent = span(ctx.t.urgent_referral_days)
    return R2.card(
        ctx,
        indicator="warning",
        summary=f"Foot drop with a {kind.name} on record: examine and test to tell it from an L5 "
        "radiculopathy before a spine referral",
        why=[*why[:1], *named, *why[1:]],
        gaps=gaps,
        next_steps=[
            f"Examine {kind.spared} (weak in an L5 radiculopathy, spared in a {kind.name}) and order "
            "EMG/nerve conduction studies to confirm the level (NASS 2014).",
            f"If the weakness is radicular, spine-surgery referral to be seen within {urgent}.",
            "Re-examine and record strength (MRC 0–5); if it worsens, an urgent MRI and an urgent "
            "spine-surgery referral.",
        ],
        avoid=[
            "Attributing the foot drop to the spine or to the nerve without examination or EMG.",
            "An epidural steroid injection before the level is confirmed.",
        ],
        suggestions=[
            ctx.offer(sx.EMG_NCS, reasons=refs, recommended=True),
            ctx.offer(
                sx.SPINE_SURGERY_REFERRAL,
                reasons=reasons,
                note=f"Foot drop, if radicular: to be seen within {urgent}.",
                seen_by=ctx.urgent_referral_by,
            ),
        ],
        selection_behavior="any",
        needs=("conditions", "observations", "procedures", "serviceRequests", "encounters"),
    )


# ---------------------------------------------------------------------------------------------
# R3 malignancy, infection, fracture
# ---------------------------------------------------------------------------------------------


def new_pain(ctx: PathwayContext) -> bool:
    d = ctx.symptom_days
    return d is not None and d <= ctx.t.red_flag_new_pain_days


def _is_history_only(ctx: PathwayContext, c: ConditionFact) -> bool:
    """Infection-risk context codes (long-term steroids, immunosuppression) need new pain."""
    return ctx.matches("red_flag_context_needs_new_pain", c.codings)


def stale_finding(ctx: PathwayContext, c: ConditionFact) -> bool:
    """Fever or weight loss recorded long before the leg pain began: a stale problem-list entry, not
    a red flag (they are findings of the present illness)."""
    return ctx.matches("red_flag_episode_findings", c.codings) and not found_with_this_illness(ctx, c)


def contrast_mri_since_onset(ctx: PathwayContext, cancer: ConditionFact | None = None) -> bool:
    """A lumbar MRI without and with contrast on or after the pain began, and after ``cancer`` was
    diagnosed (its onset, else recorded date): it has looked for metastasis of that cancer, so the
    cancer alone no longer holds elective care back. The pain began at the radicular onset; for a
    patient with no radicular diagnosis (facet or sacroiliac joint pain), at the latest onset (else
    recorded date) of those conditions; with neither, a contrast MRI within ``red_flag_new_pain_days``
    counts (recent enough to have imaged the pain now)."""
    began = ctx.onset
    if began is None:
        joints = ctx.conditions("facet_mediated_pain", "sacroiliac_joint_pain")
        dates = [c.onset or c.recorded for c in joints]
        began = max((d for d in dates if d is not None), default=None)
    if began is None:
        began = ctx.today - timedelta(days=ctx.t.red_flag_new_pain_days)
    diagnosed = (cancer.onset or cancer.recorded) if cancer is not None else None
    if diagnosed is not None:
        began = max(began, diagnosed)
    return bool(ctx.imaging_since(began, mri_only=True, contrast=True))


# The kinds of ``hooks.text.red_flags_named`` R3 reads as malignancy.
MALIGNANCY_WORDS = ("metastasis", "cancer")


def current_malignancies(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Malignancy codes in force, then malignancies named in words only (``named_flags``)."""
    return ctx.conditions("red_flag_malignancy") + named_flags(ctx, *MALIGNANCY_WORDS)


def past_cancers(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Confirmed cancer codes, or cancers named in words only, recorded as resolved, inactive or in
    remission (or abated): a treated cancer is a history of cancer, as a Z85 code is. Weight loss
    that has resolved is not, nor a suspected cancer (provisional, differential) no longer current:
    that one was ruled out."""
    current = set(current_malignancies(ctx))
    recorded = (
        *ctx.conditions("red_flag_malignancy", current_only=False),
        *named_flags(ctx, *MALIGNANCY_WORDS, current_only=False),
    )
    return tuple(
        c for c in recorded
        if c not in current and c.verification_status in (None, "confirmed")
        and not ctx.matches("red_flag_episode_findings", c.codings)
    )  # fmt: skip


def _cancer_in_words_only(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A cancer named in words that names no metastasis nor a malignancy of the spine: settled, as a
    coded primary cancer or cancer history is, by a contrast MRI since the onset."""
    words = ctx.named_red_flag_conditions
    return c in words.get("cancer", ()) and c not in words.get("metastasis", ())


def malignancy_flags(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Malignancy codes: metastasis and vertebral tumours always; a cancer history (a Z85 code, or a
    cancer recorded as resolved, inactive or in remission: ``past_cancers``) or an active primary
    cancer at any symptom duration until an MRI without and with contrast since the onset (§7.3);
    weight loss only with the present illness. A history of basal or squamous cell skin cancer is
    not one, as the active skin cancer is not. The same in words only (``named_flags``: "Bone
    metastases" under a SNOMED CT code the value sets do not know, "Malignant neoplasm of breast",
    "History of prostate cancer"): a metastasis or a malignancy of the spine always, any other
    cancer until the contrast MRI."""
    out = []
    past = past_cancers(ctx)
    for c in (*current_malignancies(ctx), *past):
        if stale_finding(ctx, c) or ctx.matches("nonmelanoma_skin_cancer_history", c.codings):
            continue
        finding = ctx.matches("red_flag_episode_findings", c.codings)
        if finding and states_intended_weight_loss(c.text, *c.notes):
            continue  # weight lost on purpose (a diet drug, bariatric surgery) is no sign of cancer
        settled_by_mri = (
            c in past
            or ctx.matches("cancer_history", c.codings)
            or ctx.matches("primary_cancer", c.codings)
            or _cancer_in_words_only(ctx, c)
        )
        if settled_by_mri and contrast_mri_since_onset(ctx, c):
            continue
        out.append(c)
    return tuple(out)


def is_infection_diagnosis(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A spinal infection diagnosed (discitis, vertebral osteomyelitis, intraspinal abscess): an
    infection red flag that is neither a risk context (``_is_history_only``), nor a fever (a finding
    of the present illness, ``stale_finding``), nor an infected implanted device; coded, or named in
    words only (``named_flags``)."""
    return not (
        _is_history_only(ctx, c)
        or ctx.matches("red_flag_episode_findings", c.codings)
        or ctx.matches("implanted_device_infection", c.codings)
    )


def old_infection(ctx: PathwayContext, c: ConditionFact) -> bool:
    """A spinal infection diagnosis (``is_infection_diagnosis``), or an infected implanted device
    (a stimulator pocket infection of 2019, long explanted), that began (its onset, else its
    recordedDate: ``began``) more than ``stale_infection_days`` ago: a discitis of 2019, or of two
    years into a long sciatica, left active on the problem list, not an infection of today. (Treated,
    a spinal infection has healed long before a year; one still active would have been seen again.)
    Each record on its own: the same code recorded again at today's visit is a clinician's diagnosis
    of today; an old record marked as a recurrence or relapse says the infection is back. Without a
    date, it counts."""
    device = ctx.matches("implanted_device_infection", c.codings)
    if not (is_infection_diagnosis(ctx, c) or device) or c.clinical_status in ("recurrence", "relapse"):
        return False
    start = began(ctx, c)
    return start is not None and (ctx.today - start).days > ctx.t.stale_infection_days


def fever_with_this_illness(ctx: PathwayContext) -> bool:
    """A fever measured (``measured_fever``) or coded (not ``stale_finding``) with the present
    illness."""
    if measured_fever(ctx) is not None:
        return True
    coded = ctx.conditions("red_flag_episode_findings")
    return any(ctx.matches("red_flag_infection", c.codings) and not stale_finding(ctx, c) for c in coded)


def _infection_conditions(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    return tuple(dict.fromkeys(ctx.conditions("red_flag_infection") + named_flags(ctx, "infection")))


def stale_infections(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Old spinal infection diagnoses still in force (``old_infection``) that raise no red flag: no
    fever with the present illness (with one, an old discitis may have come back, and it counts).
    A card that names no red flag names them as history to confirm resolved (``no_red_flag``)."""
    old = tuple(c for c in _infection_conditions(ctx) if old_infection(ctx, c))
    return () if not old or fever_with_this_illness(ctx) else old


def stale_infection_words(ctx: PathwayContext, c: ConditionFact) -> str:
    """An old infection still on the problem list, as a card says it: "discitis, lumbar region since
    2019-01-01 still marked active: confirm it has resolved"."""
    name = mid_sentence(short_name(clinical_name(re.sub(r",\s*unspecified\b", "", c.text, flags=re.I))))
    when = c.onset_text or began(ctx, c)
    since = f" since {when}" if c.onset_given is not None else f" recorded {when}" if when else ""
    status = f"still marked {c.clinical_status}" if c.clinical_status else "still on the problem list"
    return f"{name}{since} {status}: confirm it has resolved"


def stale_infection_fact(ctx: PathwayContext, c: ConditionFact) -> Fact:
    words = stale_infection_words(ctx, c)
    return Fact(f"history: {words}", c.ref, short=f"history: {words}")


def with_stale_infections(ctx: PathwayContext, card: CardDraft) -> CardDraft:
    """A pathway card beside a spinal infection of years ago still marked active (``stale_infections``):
    the old infection named after the card's first deciding fact, to confirm it has resolved before
    the imaging, injection or operation the card recommends; a card that names it already (E1's "no
    other red flag" line) has that line moved there, where the sidebar shows it (a card shows its
    first few facts: behind the scores it was cut)."""
    old = stale_infections(ctx)
    if not old:
        return card
    words = [stale_infection_words(ctx, c) for c in old]
    naming = [f for f in card.why[1:] if any(w in f.text for w in words)]
    stale = [
        c
        for c, w in zip(old, words, strict=True)
        if not any(c.ref in f.refs or w in f.text for f in card.why)
    ]
    facts = (*naming, *(stale_infection_fact(ctx, c) for c in stale))
    rest = tuple(f for f in card.why[1:] if f not in naming)
    return replace(card, why=(*card.why[:1], *facts, *rest))


# A contrast MRI report that rules spinal infection out: it says so in a sentence that is nothing but
# "no" and a list of infection findings ("No discitis, osteomyelitis or epidural collection.", "No
# evidence of infection."), and no sentence names an infection finding, or a sign of one, otherwise
# ("No change in the epidural abscess", "No discitis, but ...", "No definite abscess", "Marrow
# oedema and endplate enhancement ...", "Pott disease"). Anything else, or no report text, has not.
_INFECTION_TERM = (
    r"(?:(?:epidural|paraspinal|psoas|intraspinal|spinal)\s+)?(?:abscess(?:es)?|collections?|phlegmon)|"
    r"(?:spondylo)?dis[ck]itis|(?:vertebral\s+)?osteomyelitis|septic\s+arthritis|infection|"
    r"spinal\s+infection|empyema"
)
_PURE_DENIAL = re.compile(
    rf"^\W*(?:there\s+is\s+)?no\s+(?:(?:mri\s+)?evidence\s+of\s+)?(?:{_INFECTION_TERM})"
    rf"(?:\s*(?:,|,?\s+or|,?\s+and)\s+(?:{_INFECTION_TERM}))*\W*$",
    re.IGNORECASE,
)
_INFECTION_SIGN = re.compile(
    r"abscess|phlegmon|collection|osteomyelit|dis[ck]itis|septic|infect|empyema|pyogenic|spondyl(?:o)?dis|"
    r"spondylitis|tubercul|\bpott|marrow\s+o?edema|end\s*plate|enhanc|fluid\s+signal\s+in\s+the\s+dis",
    re.IGNORECASE,
)
_FINAL_REPORT = ("final", "amended", "corrected", "appended")


def rules_out_infection(conclusion: str | None) -> bool:
    """A report conclusion that says spinal infection was looked for and not found (above)."""
    sentences = [t for t in re.split(r"(?<=[.;:])\s+|\n", conclusion or "") if t.strip()]
    denials = [t for t in sentences if _PURE_DENIAL.search(t)]
    others = [t for t in sentences if t not in denials]
    return bool(denials) and not any(_INFECTION_SIGN.search(t) for t in others)


def infection_work_up_done(ctx: PathwayContext, c: ConditionFact) -> bool:
    """An MRI without and with contrast, reported (final) since both the radicular onset and the
    infection-risk context ``c`` began, whose conclusion rules spinal infection out
    (``rules_out_infection``): it has looked for discitis and epidural abscess, so that context beside
    new pain no longer calls for the same-day work-up it was (§7.3). A fever, injection drug use or an
    infection diagnosed is no context: those stay red flags."""
    if ctx.onset is None:
        return False
    since = max(d for d in (ctx.onset, c.onset, c.recorded) if d is not None)
    contrast = {s.ref for s in ctx.imaging_since(since, mri_only=True, contrast=True) if s.is_report}
    return any(
        r.ref in contrast and r.status in _FINAL_REPORT and rules_out_infection(r.conclusion)
        for r in ctx.history.reports
    )


def _context_red_flag(ctx: PathwayContext, c: ConditionFact) -> bool:
    """An infection-risk context code (``_is_history_only``) that is a red flag now: beside new pain,
    before a contrast MRI has ruled infection out (``infection_work_up_done``)."""
    return new_pain(ctx) and not infection_work_up_done(ctx, c)


def infection_risks(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Infection-risk contexts on record that raise no red flag (``_context_red_flag``): the pain not
    new, or a contrast MRI since has ruled infection out: long-term systemic steroids or other
    immunosuppression, current injection drug use. A needle in the spine is still weighed against them
    (``with_infection_risks``)."""
    held = tuple(c for c in ctx.conditions("red_flag_infection") if _is_history_only(ctx, c))
    if any(_context_red_flag(ctx, c) for c in held):
        return ()  # R3 speaks
    return (*held, *(() if new_pain(ctx) else injection_drug_use(ctx)))


def _infection_risk_fact(ctx: PathwayContext, c: ConditionFact) -> Fact:
    if c in injection_drug_use(ctx):
        what = "injection drug use"
    elif ctx.matches("long_term_systemic_steroids", c.codings):
        what = "long-term steroids"
    else:
        what = "immunosuppression"
    fact = ctx.cond_fact(c, f"infection risk ({what}): ")
    check = "before a spinal procedure, ask about fever and night pain and check the skin at the site"
    return replace(
        fact,
        text=f"{fact.text}; {check}",
        short=f"infection risk ({what}): ask about fever, night pain first",
    )


def with_infection_risks(ctx: PathwayContext, card: CardDraft) -> CardDraft:
    """A pathway card that offers a spinal injection or other spinal procedure beside an infection
    risk that raises no red flag (``infection_risks``): the risk named after the card's first deciding
    fact, with the questions to ask before the procedure (decision model §7.3: fever, injection drug
    use and immunosuppression are the infection red flags; epidural abscess follows spinal
    injections)."""
    risks = infection_risks(ctx)
    if not risks or not _offers_spinal_procedure(ctx, card):
        return card
    shown = {r for f in card.why for r in f.refs}
    facts = tuple(_infection_risk_fact(ctx, c) for c in risks if c.ref not in shown)
    return replace(card, why=(*card.why[:1], *facts, *card.why[1:])) if facts else card


def _offers_spinal_procedure(ctx: PathwayContext, card: CardDraft) -> bool:
    for s in card.suggestions:
        for a in s.actions:
            if a.type != "create" or a.resource is None:
                continue
            if ctx.term.matches_any(SPINAL_PROCEDURE_SETS, sx.resource_codings(a.resource)) is not None:
                return True
    return False


def infection_flags(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Infection codes in force (context codes only with new pain; fever only with the present
    illness; a spinal infection diagnosis that began more than ``stale_infection_days`` before the
    leg pain only beside a fever of the present illness: ``stale_infections``), spinal infections
    named in words only (``named_flags``: "Lumbar discitis", "Spinal epidural abscess", "Vertebral
    osteomyelitis"), and a fever measured with the present illness (``measured_fever``). A context
    code beside new pain is no red flag once a final contrast MRI report since the onset and the risk
    has ruled infection out (``infection_work_up_done``)."""
    out: list[ConditionFact] = []
    stale = stale_infections(ctx)
    for c in ctx.conditions("red_flag_infection") + named_flags(ctx, "infection"):
        if _is_history_only(ctx, c) and not _context_red_flag(ctx, c):
            continue
        if stale_finding(ctx, c) or c in stale:
            continue
        out.append(c)
    fever = measured_fever(ctx)
    if fever is not None:
        out.append(fever)
    return tuple(out)


# With no radicular onset on record, a fever counts with the present illness when measured this
# recently (the window R1 gives a new symptom).
FEVER_UNKNOWN_ONSET_DAYS = 14
# A fever measured longer ago than this is no finding of today's visit, whatever the onset: the
# critical card sends the patient for a same-day assessment, which a fever of this week warrants and
# one of a month ago, since settled (the normal readings after it are not kept), does not.
FEVER_MAX_AGE_DAYS = 7


@dataclass(frozen=True, slots=True)
class FeverReading(ConditionFact):
    """A fever measured (``measured_fever``), read as the infection findings are: those are named
    wherever red flags are (the pathway's precedence, the order checks' red flags) as Conditions,
    so the reading stands among them as one. ``reading`` is the Observation; ``ref`` is its
    reference, ``text`` says the temperature and its date ("temperature 38.6 °C on 2026-12-05")."""

    reading: ObservationFact | None = None


def _celsius(o: ObservationFact) -> tuple[float, bool] | None:
    """The reading in °C and whether it was sent in °F (``hooks.vitals.celsius``)."""
    return vitals.celsius(o.value, o.unit)


def is_fever(o: ObservationFact) -> bool:
    """A body temperature at fever level (``hooks.vitals.is_fever``)."""
    return vitals.is_fever(o.value, o.unit)


def temperature_text(o: ObservationFact) -> str:
    """The reading as a card names it: "temperature 38.6 °C on 2026-12-05", one sent in °F with its
    value in °C ("temperature 101.5 °F (38.6 °C) on 2026-12-05")."""
    read = _celsius(o)
    when = o.effective_text or (o.effective.isoformat() if o.effective else "undated")
    if read is None or o.value is None:
        return f"temperature {o.value_text or 'no value'} on {when}"
    celsius, fahrenheit = read
    value = f"{o.value:.1f} °F ({celsius:.1f} °C)" if fahrenheit else f"{celsius:.1f} °C"
    return f"temperature {value} on {when}"


def fever_readings(ctx: PathwayContext) -> tuple[ObservationFact, ...]:
    """Body temperatures (``body_temperature_observations``) at fever level measured with the present
    illness, oldest first: on or after the radicular onset (within ``FEVER_UNKNOWN_ONSET_DAYS`` when
    no onset is on record), by today, and no more than ``FEVER_MAX_AGE_DAYS`` ago. A fever before
    the leg pain began (an old febrile illness) is not one; a reading without a value or in a unit
    that is not a temperature's is not read. A later normal temperature does not undo a fever: a
    febrile episode with new radicular pain asks for the same work-up (epidural abscess and
    discitis are often afebrile by the time they are seen)."""
    start = ctx.onset or ctx.today - timedelta(days=FEVER_UNKNOWN_ONSET_DAYS)
    start = max(start, ctx.today - timedelta(days=FEVER_MAX_AGE_DAYS))
    found = [
        o
        for o in ctx.history.observations
        if o.effective is not None
        and start <= o.effective <= ctx.today
        and o.status not in ("entered-in-error", "cancelled")
        and ctx.matches("body_temperature_observations", o.codings)
        and is_fever(o)
    ]
    return tuple(sorted(found, key=lambda o: o.effective or date.min))


def measured_fever(ctx: PathwayContext) -> FeverReading | None:
    """The latest fever measured with the present illness (``fever_readings``; of several that day,
    the highest), as an infection finding (``FeverReading``)."""
    readings = fever_readings(ctx)
    if not readings:
        return None
    last_day = readings[-1].effective
    o = max((r for r in readings if r.effective == last_day), key=lambda r: _celsius(r) or (0.0, False))
    return FeverReading(
        ref=o.ref,
        codings=o.codings,
        text=temperature_text(o),
        clinical_status="active",
        verification_status="confirmed",
        categories=(),
        onset=None,  # named by the date in its text, not as "since"
        onset_text=None,
        recorded=o.effective,
        abatement=None,
        notes=o.notes,
        reading=o,
    )


def fever_fact(c: FeverReading, prefix: str = "") -> Fact:
    """A fever measured, as a card names it: "infection flag: fever, temperature 38.6 °C on
    2026-12-05", with the Observation's reference."""
    return Fact(f"{prefix}fever, {c.text}", c.ref, short=f"{prefix}fever, {c.text}")


# Drug use by injection in words the shared reading (``INJECTION_DRUG_USE``) does not name.
IV_DRUG_USE = re.compile(
    r"\biv\s+(?:heroin|fentanyl|opioids?|opiates?|drugs?|use|user)\b|\bshoot(?:s|ing)?\s+up\b", re.I
)
# An injection that is treatment, not drug use: a medication for opioid use disorder, or naloxone.
TREATMENT_INJECTION = re.compile(
    r"buprenorphine|naltrexone|naloxone|narcan|methadone|sublocade|brixadi|vivitrol|extended-release|"
    r"long-acting|depot",
    re.I,
)
# Injection use written as past: a former user is not a current one.
PAST_USE = re.compile(
    r"in\s+(?:sustained\s+|early\s+|full\s+)?remission|\bformer(?:ly)?\b|\bex-|"
    r"\bin the past\b|\babstinent\b|\bsober\b|\bclean\s+(?:for|since|\d)",
    re.I,
)
TREATMENT_REACH_WORDS = 3  # words either side of "injection" that can make it a treatment


def _is_treatment(m: re.Match[str]) -> bool:
    before = " ".join(m.string[: m.start()].split()[-TREATMENT_REACH_WORDS:])
    after = " ".join(m.string[m.end() :].split()[:TREATMENT_REACH_WORDS])
    return bool(TREATMENT_INJECTION.search(f"{before} {m.group(0)} {after}"))


def current_injection_use(text: str) -> bool:
    """Whether ``text`` reports drug use by injection now: not denied ("denies IV drug use"), not
    an injected treatment ("Sublocade injection", "naloxone injection kit"), and not in a sentence
    that puts the use in the past ("former IVDU, abstinent since 2015")."""
    for sentence in re.split(r"[.;\n]", text):
        if PAST_USE.search(sentence):
            continue
        found = (*reported(INJECTION_DRUG_USE, sentence), *reported(IV_DRUG_USE, sentence))
        if any(not _is_treatment(m) for m in found):
            return True
    return False


def injection_drug_use(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Opioid use disorder documented as current injection use: an infection risk context (R3).
    Any current opioid use disorder code (F11.x), not one coded as in remission: a past disorder is
    not current injection use, whatever its note says of the past."""
    return tuple(
        c for c in ctx.conditions("opioid_use_disorder", "opioid_use_disorder_diagnoses")
        if not ctx.matches("opioid_use_disorder_in_remission", c.codings) and current_injection_use(c.written)
    )  # fmt: skip


def suspected_infection(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Infection flags, and injection drug use when the pain is new (R3; shared with the order checks)."""
    ivdu = injection_drug_use(ctx) if new_pain(ctx) else ()
    return (*infection_flags(ctx), *ivdu)


SPINAL_PROCEDURE_SETS = tuple(s for s in ELECTIVE_ORDER_SETS if "physio" not in s and "physical" not in s)


@dataclass(frozen=True)
class WorseningAfterProcedure:
    procedure: ProcedureFact
    before: ObservationFact
    after: ObservationFact


# The first days after a procedure, when back soreness (the needle, the incision) is expected.
POST_PROCEDURE_SORENESS_DAYS = 3


def worsening_after_procedure(ctx: PathwayContext) -> WorseningAfterProcedure | None:
    """A spinal procedure (injection, ablation, stimulator, lumbar surgery) within the last 4 weeks with
    the latest pain score since then at least 2 points above the score it began from
    (``failure.pain_before``; a score of the same site, leg with leg, back with back, each site
    judged against its own): epidural abscess or discitis
    must be excluded (decision model §7.3). The latest score, not the worst: a flare in the first
    days after an injection that has since settled is common and no red flag; nor is pain back at
    its baseline after the relief recorded just after the injection."""
    window = ctx.t.post_procedure_infection_days
    recent = [
        (p.performed, p)
        for p in (*ctx.procedures(*SPINAL_PROCEDURE_SETS), *ctx.surgeries)
        if p.performed is not None and 0 <= (ctx.today - p.performed).days <= window
    ]
    for when, p in sorted(recent, key=lambda wp: wp[0], reverse=True):
        scored = ctx.observations("pain", until=when)
        since = ctx.observations("pain", since=when + timedelta(days=1))
        before = pain_before(scored, p)
        latest = latest_score(like_baseline(since, before)) if before is not None else None
        if before is not None and latest is not None and _worse(ctx, before, latest):
            return WorseningAfterProcedure(p, before, latest)
        back = _back_flare(ctx, p, when, scored, since)
        if back is not None:
            return back
    return None


def _back_sited(o: ObservationFact) -> bool:
    return (is_back_score(o) and not is_leg_score(o)) or buttock_score(o)


def _back_flare(
    ctx: PathwayContext,
    p: ProcedureFact,
    when: date,
    scored: Sequence[ObservationFact],
    since: Sequence[ObservationFact],
) -> WorseningAfterProcedure | None:
    """Back pain much worse after the procedure while the leg's baseline (read first) shows nothing:
    an epidural abscess or discitis shows as back pain. Read narrowly, as a false emergency is the
    worst card: back- or buttock-sited scores only (never an unsited one), a back score before the
    procedure within ``baseline_lookback_days``, and the latest back score taken from the third day
    after the procedure (a first days' soreness or incision pain is expected) and no older than the
    latest score of any site (a leg score since then says where the patient is now)."""
    before = pain_before([o for o in scored if _back_sited(o)], p)
    if before is None or before.effective is None:
        return None
    if (when - before.effective).days > ctx.t.baseline_lookback_days:
        return None
    latest = latest_score([o for o in since if _back_sited(o)])
    newest = max((o.effective for o in since if o.effective is not None), default=None)
    if latest is None or latest.effective is None:
        return None
    if (latest.effective - when).days < POST_PROCEDURE_SORENESS_DAYS:
        return None
    if newest is not None and latest.effective < newest:
        return None
    return WorseningAfterProcedure(p, before, latest) if _worse(ctx, before, latest) else None


def _worse(ctx: PathwayContext, before: ObservationFact, latest: ObservationFact) -> bool:
    return (latest.value or 0) - (before.value or 0) >= ctx.t.worsening_pain_points


INITIAL_ENCOUNTER = "AB"  # ICD-10-CM 7th character: initial encounter (closed / open fracture)


def encounter_character(
    ctx: PathwayContext, c: ConditionFact, value_set: str = "red_flag_fracture"
) -> str | None:
    """The 7th character of the Condition's ICD-10-CM code in ``value_set`` (a fracture, a fall or
    injury), when it has one: A or B an initial encounter, D, G, K, P a later one, S a sequela."""
    for coding in c.codings:
        member = ctx.term.match(value_set, [coding])
        compact = coding.code.replace(".", "")
        if member is not None and member.descendants and len(compact) >= 7:
            return compact[6].upper()
    return None


def is_current_fracture(ctx: PathwayContext, c: ConditionFact) -> bool:
    """An initial-encounter code (7th character A or B) recorded with the present illness, or a
    fracture coded without one that began within the last 3 months; subsequent-encounter (D, G, K,
    P) and sequela (S) codes are history (decision model §7.3), and so is an initial-encounter code
    left on the problem list years before the leg pain began."""
    seventh = encounter_character(ctx, c)
    if seventh is not None:
        return seventh in INITIAL_ENCOUNTER and found_with_this_illness(ctx, c)
    age = ctx.days_since(began(ctx, c))
    return age is not None and age <= ctx.t.chronic_days


def fracture_flags(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """Current vertebral fractures (``is_current_fracture``): coded, or named in words only
    (``named_flags``: "L1 compression fracture"), which carry no 7th character and count within
    the last 3 months."""
    found = ctx.conditions("red_flag_fracture") + named_flags(ctx, "fracture")
    return tuple(c for c in found if is_current_fracture(ctx, c))


TRIAL_LEADS_STEP = (
    "Stimulator trial leads in place: with the implanting team, remove the trial leads today and culture "
    "the exit site and lead tips; no permanent implant until the infection has been treated."
)


def _r3_steps(
    cancer: bool,
    infection: bool,
    fracture: bool,
    device: bool = False,
    *,
    trial_leads: bool = False,
    operated: bool = False,
) -> list[str]:
    """``trial_leads``: externalised stimulator trial leads in place (``neuromodulation.trial_in_place``);
    ``operated``: a lumbar MRI must be with and without contrast after lumbar surgery
    (``contrast_after_surgery``)."""
    steps = []
    if infection:
        steps.append(
            "Same-day emergency assessment: MRI with and without contrast, blood cultures, ESR and CRP "
            "today. Epidural abscess and discitis must be excluded (ACR 2021 variant 7)."
        )
    if infection and trial_leads:
        steps.append(TRIAL_LEADS_STEP)
    elif device:
        steps.append(
            "Infected stimulator or pump: contact the implanting team today (an infected device is "
            "usually removed); no new implant or device replacement until the infection is treated."
        )
    if cancer:
        steps.append(
            "MRI with and without contrast before any epidural injection (ACR 2021 variant 7). "
            "Add ESR, CRP and a blood count."
        )
    if fracture:
        steps.append(
            "Fracture imaging (ACR 2021 variant 6): after lumbar surgery MRI with and without contrast "
            "(variant 5), or CT/radiographs."
            if operated
            else "Fracture imaging (ACR 2021 variant 6): MRI without contrast, or CT/radiographs."
        )
    steps.append(
        "Same-day emergency referral (spine surgery, infectious disease)."
        if infection
        else "Urgent spine referral (oncology input as indicated)."
        if cancer
        else "Urgent spine referral for the fracture."
    )
    return steps


def _r3_avoid(kinds: Sequence[str]) -> list[str]:
    """What R3 must not recommend, for the kinds found: a fracture alone is no reason to speak of
    infection or tumour (ACR 2021 variant 6)."""
    if list(kinds) == ["fracture"]:
        return [
            "An elective spine injection before the fracture has been imaged and assessed.",
            "Spinal manipulation.",
            "The 6-week rule or an outpatient conservative plan.",
        ]
    return [
        "Epidural or any steroid injection while infection or tumour is possible.",
        "Spinal manipulation.",
        "The 6-week rule or an outpatient conservative plan.",
    ]


def _r3_suggestions(ctx: PathwayContext, reasons: tuple[str, ...], kinds: set[str]) -> list[SuggestionDraft]:
    suggestions = []
    priority: sx.Priority = "stat" if "infection" in kinds else "urgent"
    if kinds & {"malignancy", "infection"}:
        suggestions.append(
            ctx.offer(
                sx.MRI_WITH_AND_WITHOUT_CONTRAST,
                reasons=reasons,
                intent="order",
                priority=priority,
                recommended=True,
            )
        )
    fracture_mri = lumbar_mri(ctx)  # with and without contrast after lumbar surgery (variant 5)
    if "fracture" in kinds and not (suggestions and fracture_mri is sx.MRI_WITH_AND_WITHOUT_CONTRAST):
        suggestions.append(
            ctx.offer(
                fracture_mri,
                reasons=reasons,
                intent="order",
                priority="urgent",
                recommended=not suggestions,
            )
        )
    suggestions.append(
        ctx.offer(
            sx.SPINE_SURGERY_REFERRAL,
            reasons=reasons,
            intent="order",
            priority=priority,
        )
    )
    return suggestions


def procedure_short_name(ctx: PathwayContext, p: ProcedureFact) -> str:
    """A spinal procedure in the few words the other cards name it, with its date: an injection,
    ablation, block or trial as its outcome is judged ("TFESI L5-S1 2026-10-30",
    ``failure.dated_name``), anything else by its text's first words, without asides in brackets
    ("Laminotomy L4-L5 2026-10-05", ``PathwayContext.proc_short``), never the whole coded descriptor."""
    modality = next((m for q, m in ctx.sessions if q is p), None)
    if modality is None:
        # an add-on code of a session (64484 beside 64483) is named as the session is
        modality = failure.classify_modality(p, ctx.term, ctx.history)
    if modality is not None:
        return failure.dated_name(p, modality, ctx.term)
    return ctx.proc_short(p)


def worsening_facts(ctx: PathwayContext, worse: WorseningAfterProcedure | None) -> list[Fact]:
    """The procedure and the two scores that make the worsening: the full reasoning names the
    procedure as recorded, the card by its short name ("pain worse after TFESI L5-S1 2026-10-30:
    5/10 before, 8/10 on 2026-11-01")."""
    if worse is None:
        return []
    p, b, a = worse.procedure, worse.before, worse.after
    scores = f"{b.value or 0:g}/10 before, {a.value or 0:g}/10 on {a.effective}"
    # the site when the scores name one: back pain worse while the leg improves is told as such
    site = score_site(b) or "pain"
    return [
        Fact(
            f"{site} worse after {ctx.proc_label(p)}: {scores}",
            p.ref,
            (b.ref, a.ref),
            short=f"{site} worse after {procedure_short_name(ctx, p)}: {scores}",
        )
    ]


def recent_spinal_procedure(ctx: PathwayContext) -> ProcedureFact | None:
    """The latest spinal procedure (lumbar surgery, injection, ablation, stimulator) within the last
    ``chronic_days`` (12 weeks): post-operative and post-procedural spinal infection presents within
    weeks of it, so an infection card names it."""
    window = ctx.t.chronic_days
    recent = [
        p
        for p in (*ctx.procedures(*SPINAL_PROCEDURE_SETS), *ctx.surgeries)
        if p.performed is not None and 0 <= (ctx.today - p.performed).days <= window
    ]
    return max(recent, key=lambda p: p.performed or date.min) if recent else None


def recent_procedure_fact(ctx: PathwayContext, p: ProcedureFact) -> Fact:
    assert p.performed is not None
    ago = span((ctx.today - p.performed).days, exact=False)
    named = procedure_short_name(ctx, p)  # "Laminotomy L4-L5 2026-10-05", "TFESI L5-S1 2026-10-30"
    return Fact(
        f"{ctx.proc_label(p)} ({ago} ago: infection risk after a spinal procedure)",
        p.ref,
        short=f"{named}, {ago} ago",
    )


def _malignancy_prefix(ctx: PathwayContext, c: ConditionFact, past: Sequence[ConditionFact]) -> str:
    """A cancer history (a Z85 code, or a cancer recorded as resolved) is named as one, not as a
    cancer found now."""
    return (
        "cancer history: " if c in past or ctx.matches("cancer_history", c.codings) else "malignancy flag: "
    )


def _infection_prefix(ctx: PathwayContext, c: ConditionFact, device: Sequence[ConditionFact]) -> str:
    """An infected device as one; a risk context (long-term steroids, immunosuppression) as a risk,
    not as an infection found."""
    if c in device:
        return "implanted device infection: "
    return "infection risk: " if _is_history_only(ctx, c) else "infection flag: "


def r3_malignancy_infection_fracture(ctx: PathwayContext) -> CardDraft:
    """R3 — suspected malignancy, infection or fracture.

    When: metastatic/bone tumour codes or unexplained weight loss, or a cancer history at any symptom
      duration until an MRI without and with contrast since the onset; discitis, osteomyelitis,
      epidural abscess or fever, an infected spinal cord stimulator or intrathecal pump (initial
      encounter), or long-term steroids, immunosuppression or injection drug use with new pain;
      vertebral fracture codes as initial encounters or within the last 3 months.
    Then: critical card — infection: same-day emergency assessment, MRI without and with contrast
      (72158), blood cultures and inflammatory markers; with stimulator trial leads in place
      (``neuromodulation.trial_in_place``) the summary and a step say to remove them and culture the
      exit site with the implanting team; tumour: MRI without and with contrast before any ESI;
      fracture imaging (variant 6; with and without contrast after lumbar surgery where the order
      check asks for it, ``contrast_after_surgery``, the operation named); nothing elective meanwhile.
      A fracture alone speaks of the fracture only (an urgent spine referral, no word of infection
      or tumour). A cancer history is named "cancer history", a risk context "infection risk"; an
      old spinal infection still marked active (``stale_infections``) is named as history.
    Evidence: ACR 2021 variants 5–7; NICE NG59.
    """
    cancer, infection, fracture = malignancy_flags(ctx), suspected_infection(ctx), fracture_flags(ctx)
    ivdu = tuple(c for c in injection_drug_use(ctx) if c in infection)
    worse = worsening_after_procedure(ctx)
    why = worsening_facts(ctx, worse)
    past = past_cancers(ctx)
    why += [flag_fact(ctx, c, _malignancy_prefix(ctx, c, past), with_note=True) for c in cancer]
    device = tuple(c for c in infection if ctx.matches("implanted_device_infection", c.codings))
    why += [
        flag_fact(ctx, c, _infection_prefix(ctx, c, device), with_note=True)
        for c in infection
        if c not in ivdu
    ]
    why += [ctx.cond_fact(c, "infection risk (injection drug use): ", with_note=True) for c in ivdu]
    # an old spinal infection still marked active is no red flag by itself: named as history
    why += [stale_infection_fact(ctx, c) for c in stale_infections(ctx)]
    recent = recent_spinal_procedure(ctx) if infection and worse is None else None
    # externalised stimulator trial leads are the first suspect of an infection: named as the device
    # an MRI must be cleared against (``implanted_device``), and removed (``TRIAL_LEADS_STEP``)
    trial = neuromodulation.trial_in_place(ctx) if infection or worse else None
    at = next((i + 1 for i, f in enumerate(why) if f.ref in {c.ref for c in infection}), len(why))
    if trial is not None:
        device_now = neuromodulation.implanted_device(ctx)
        leads = device_now.fact if device_now is not None and device_now.fact.ref == trial.ref else None
        why.insert(at, leads or recent_procedure_fact(ctx, trial))
        if recent is not None and recent.ref == trial.ref:
            recent = None  # named once, as the leads in place
    if recent is not None:
        # the operation weeks before decides the infection risk (post-operative discitis, abscess):
        # it follows the first infection finding, among the facts the card shows
        why.insert(at, recent_procedure_fact(ctx, recent))
    why += [flag_fact(ctx, c, "fracture flag: ", with_note=True) for c in fracture]
    operated = contrast_after_surgery(ctx)
    if fracture and operated:
        # the operation decides the fracture imaging (with and without contrast after lumbar surgery)
        shown = {r for f in why for r in f.refs}
        why += [f for f in operated if not set(f.refs) & shown]
    if cancer or infection:
        why.append(ctx.onset_fact())
    intercepted = intercepted_orders(ctx)
    reasons = tuple(c.ref for c in (*cancer, *infection, *fracture)) + ctx.reason_refs
    if worse is not None:
        reasons = (worse.procedure.ref, *reasons)
    kinds = [
        k
        for k, hit in (("malignancy", cancer), ("infection", infection or worse), ("fracture", fracture))
        if hit
    ]
    plan = (
        "same-day emergency assessment, MRI with and without contrast"
        if "infection" in kinds
        else "urgent MRI and urgent referral before any elective spine care"
    )
    summary = f"Red flag ({' / '.join(kinds)}): {plan}"
    if worse is not None and kinds == ["infection"] and not infection:
        # only the pain rise after the procedure says "infection": the card says what it saw and what
        # to exclude, not an infection as found (decision model §7.3: abscess or discitis)
        after = procedure_short_name(ctx, worse.procedure)
        said = (
            f"Red flag: pain much worse after {after}: exclude epidural abscess or discitis today (MRI with "
            "and without contrast)"
        )
        summary = said if len(said) <= SUMMARY_MAX else summary
    if trial is not None:
        with_leads = (
            f"Red flag ({' / '.join(kinds)}), stimulator trial leads in: remove them today; same-day "
            "assessment, MRI with and without contrast"
        )
        summary = with_leads if len(with_leads) <= SUMMARY_MAX else summary
    return R3.card(
        ctx,
        indicator="critical",
        summary=summary[:139],
        why=with_holds(why, intercepted),
        next_steps=[
            *_r3_steps(
                bool(cancer),
                "infection" in kinds,
                bool(fracture),
                bool(device),
                trial_leads=trial is not None,
                operated=bool(operated),
            ),
            *_hold_step(intercepted),
        ],
        avoid=_r3_avoid(kinds),
        suggestions=_r3_suggestions(ctx, reasons, set(kinds)),
        selection_behavior="any",
        needs=("conditions", "procedures", "observations") if worse else ("conditions",),
    )
