"""Free text in the chart: spinal levels, laterality, clauses and negation, and the named word patterns.

Coded data comes first everywhere (value sets in ``hooks.terminology``). Text is read only where
coding is commonly missing in real charts: a level or side written in a body-site text or a note,
an imaging report's conclusion, a procedure named without a SNOMED code, a drug coded at the
clinical-drug level whose ingredient is only in its name. Every regular expression the clinical
layer applies to such text lives here, under a name that says what it finds, so the grammar is
written once and tested once (``tests/test_text.py`` holds the truth tables).

All patterns ignore case. They search, they do not anchor: a pattern finds its words anywhere in
the text unless it carries ``\\b`` itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from hooks.terminology import Coding, Terminology

__all__ = [
    "ABLATION",
    "ALCOHOL_TEXT",
    "BACK_SITE",
    "BILATERAL_LEGS",
    "BLOCK",
    "CERVICAL_THORACIC",
    "CLAUDICATION",
    "CLAUSE_BREAK",
    "COMPRESSION",
    "CONTRAST",
    "CONTRAST_AGENT",
    "CONTRAST_ASKED",
    "CT",
    "DENIAL_AFTER",
    "DENIAL_CUE",
    "DEPOT_STEROID",
    "DIAGNOSTIC_INJECTION",
    "DRG",
    "EPIDURAL_INJECTION",
    "FACET_OR_SI",
    "FIBROSIS",
    "FOOT_DROP",
    "FUSION_FINDING",
    "INJECTION_DRUG_USE",
    "INSTABILITY",
    "INTRATHECAL_TRIAL",
    "LEG_SITE",
    "LEG_SYMPTOMS",
    "LEVEL",
    "LF_HYPERTROPHY",
    "LOWER_LIMB_MUSCLE",
    "LUMBAR_SITE",
    "MG_DOSE",
    "MOUD_FORMULATION",
    "MRI",
    "NEGATED_COMPRESSION",
    "NEGATION_CUE",
    "NONSPECIFIC_IMAGING",
    "NON_LUMBAR_SITE",
    "NOTE_RELIEF",
    "NOT_ORAL_ROUTE",
    "NO_STEROID",
    "NO_SURGICAL_TARGET",
    "NUMBER",
    "OTHER_INDICATION",
    "OTP_TEXT",
    "PART_BREAK",
    "PERMANENT_IMPLANT",
    "PULSED",
    "RADIOGRAPH",
    "RECURRENCE",
    "RELATIVE_ONSET",
    "RELIEF_WORDS",
    "SADDLE",
    "SPINE_IMAGING",
    "SPINE_SERVICE",
    "STENOSIS",
    "STEROID_GIVEN",
    "STIMULATION",
    "STRENGTH_WORDS",
    "SURGICAL_SERVICE",
    "TOPICAL",
    "TRANSFORAMINAL_FUSION",
    "TRIAL",
    "UNCERTAIN",
    "UPPER_LIMB_MUSCLE",
    "WEAK_OR_NUMB",
    "WITH_AND_WITHOUT",
    "abbreviate",
    "affirmed",
    "clause_of",
    "finding_of",
    "ingredients_named",
    "is_back_site",
    "is_leg_site",
    "key_finding",
    "levels_in",
    "mentions",
    "names",
    "names_lumbar_radicular",
    "parse_laterality",
    "parse_level",
    "red_flags_named",
    "reported",
    "segments",
    "short_name",
    "states_bilateral_leg_deficit",
    "upper_limb_only",
    "without_and_with_contrast",
]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Spinal levels
# ---------------------------------------------------------------------------------------------

# "L5", "L 5", "L5-S1", "L5/S1", "L5–S1", "L4-5", "l4 to l5"; thoracic levels are matched so a
# thoracic range ("T12-L1") is consumed whole and then skipped (this is a lumbar pathway).
LEVEL = _words(r"\b([LST])\s?(\d{1,2})(?:\s*(?:-|–|/|to)\s*([LST])?\s?(\d{1,2}))?\b")
_SEGMENT = _words(r"([LS])(\d)")


def _valid_level(region: str, num: int) -> bool:
    return region in ("L", "S") and 1 <= num <= 5


def _level_of(m: re.Match[str]) -> str | None:
    """One match of ``LEVEL`` normalised ("L4-L5", "L5-S1", "S1"), or None when it is not lumbosacral."""
    region, num = m.group(1).upper(), int(m.group(2))
    if not _valid_level(region, num):
        return None
    first = f"{region}{num}"
    if m.group(4) is None:
        return first
    region2, num2 = (m.group(3) or region).upper(), int(m.group(4))
    if not _valid_level(region2, num2):
        return first
    return f"{first}-{region2}{num2}"


def levels_in(*texts: str | None) -> tuple[str, ...]:
    """Every lumbar/sacral level written in the texts, normalised, in order, each once.

    "L4-5 bulge; L5-S1 extrusion" → ("L4-L5", "L5-S1"); "L 5" → ("L5",); "T12" → ().
    """
    out: list[str] = []
    for text in texts:
        for m in LEVEL.finditer(text or ""):
            level = _level_of(m)
            if level is not None and level not in out:
                out.append(level)
    return tuple(out)


def parse_level(*texts: str | None) -> str | None:
    """The first lumbar/sacral level in the texts ("L5-S1", "L4-L5", "L5", "S1"), None when none is stated."""
    for text in texts:
        for m in LEVEL.finditer(text or ""):
            level = _level_of(m)
            if level is not None:
                return level
    return None


def segments(*levels: str | None) -> set[str]:
    """Every vertebra named by normalised levels ("L4-L5", "S1" → {"L4", "L5", "S1"})."""
    return {f"{r.upper()}{n}" for lv in levels if lv for r, n in _SEGMENT.findall(lv)}


# ---------------------------------------------------------------------------------------------
# Laterality and body site
# ---------------------------------------------------------------------------------------------

_LEFT = _words(r"\b(left|lt)\b")
_RIGHT = _words(r"\b(right|rt)\b")
_BILATERAL = _words(r"\b(bilateral|bilat|both sides)\b")


def parse_laterality(*texts: str | None) -> str | None:
    """ "left", "right" or "bilateral" from free text (site texts, displays, notes); None when unstated.

    "Bilateral" anywhere wins; left in one text and right in another is bilateral too.
    """
    left = right = False
    for text in texts:
        if not text:
            continue
        if _BILATERAL.search(text):
            return "bilateral"
        left = left or bool(_LEFT.search(text))
        right = right or bool(_RIGHT.search(text))
    if left and right:
        return "bilateral"
    if left:
        return "left"
    if right:
        return "right"
    return None


LEG_SITE = _words(
    r"\b(leg|legs|lower (?:limb|extremity|leg)|thigh|calf|foot|feet|buttock|sciatic|radicular)\b"
)


# A strength score of an arm's muscle or movement (grip, wrist extension, deltoid, "C6 myotome"): not a
# lumbosacral myotome, so no sign of a lumbar root (decision model §7.3: a radicular or myotomal
# weakness). A score that names a leg muscle too is read as the leg's.
UPPER_LIMB_MUSCLE = _words(
    r"\b(?:arms?|hands?(?![- ]?held)|hand ?grip|grips?|grasp|pinch|shoulders?|elbows?|wrists?|fingers?|"
    r"thumbs?|forearms?|biceps|triceps|deltoids?|intrinsics|inteross\w*|upper (?:extremit\w*|limbs?|arms?)|"
    r"neck|c[1-8]|t1)\b"
)
LOWER_LIMB_MUSCLE = _words(
    r"\b(?:legs?|hips?|knees?|ankles?|foot|feet|toes?|hallux|ehl|fhl|extensor hallucis|flexor hallucis|"
    r"dorsiflex\w*|plantar ?flex\w*|invert\w*|evert\w*|quadriceps|quads?|hamstrings?|glute\w*|"
    r"tibialis|tibial|gastrocnemius|gastroc|soleus|calf|calves|peroneus|peroneal|fibularis|iliopsoas|"
    r"psoas|hip\s+(?:ab|ad)duct\w*|abductor hallucis|adductor (?:longus|magnus|brevis)|heel|"
    r"lower (?:extremit\w*|limbs?|legs?)|"
    r"thighs?|[ls][1-5])\b"
)


def upper_limb_only(*texts: str | None) -> bool:
    """A strength score's name or body site names an arm's muscle or movement and no leg's."""
    words = " ".join(t for t in texts if t)
    return bool(UPPER_LIMB_MUSCLE.search(words)) and not LOWER_LIMB_MUSCLE.search(words)


def is_leg_site(text: str | None) -> bool:
    """True when a pain score's body site or component names the leg (radicular pain)."""
    return bool(text and LEG_SITE.search(text))


BACK_SITE = _words(r"\b(back|lumbar|lumbosacral|axial|spine|spinal|low back)\b")


def is_back_site(text: str | None) -> bool:
    """True when a pain score's body site or component names the back (axial pain)."""
    return bool(text and BACK_SITE.search(text))


# ---------------------------------------------------------------------------------------------
# Clauses and negation
# ---------------------------------------------------------------------------------------------

NEGATION_CUE = _words(r"\b(?:no|not|without|negative for|absence of|free of|resolved|resorption of)\b")
CLAUSE_BREAK = _words(r"[.;:]\s|\bbut\b|\bhowever\b")


def _clause_start(text: str, pos: int) -> int:
    return max((b.end() for b in CLAUSE_BREAK.finditer(text, 0, pos)), default=0)


def clause_of(text: str, m: re.Match[str]) -> str:
    """The clause of ``text`` that holds the match (clauses end at ". ", "; ", ": ", "but", "however")."""
    stop = CLAUSE_BREAK.search(text, m.end())
    return text[_clause_start(text, m.start()) : stop.start() if stop else len(text)]


def affirmed(pattern: re.Pattern[str], text: str | None) -> list[re.Match[str]]:
    """Matches of ``pattern`` not negated earlier in their clause ("no", "without", "resorption of" …)."""
    t = text or ""
    return [
        m for m in pattern.finditer(t) if not NEGATION_CUE.search(t[_clause_start(t, m.start()) : m.start()])
    ]


def mentions(pattern: re.Pattern[str], *texts: str | None) -> bool:
    """Whether any of the texts holds the pattern."""
    return any(pattern.search(t) for t in texts if t)


# A symptom written in a Condition's text or note is denied by a cue a few words before it in its
# part of the sentence ("no numbness or weakness", "denies weakness in both legs"), or by an answer
# right after it ("numbness in both legs? No", "weakness: none"). Parts end at commas and at turns
# ("no incontinence, but ...", "denies incontinence and reports ..."). Imaging conclusions use
# ``affirmed`` instead: reports state findings, they do not deny symptoms. A cue that speaks of the
# course ("no improvement in", "not resolved", "without relief of") denies nothing.
DENIAL_CUE = _words(
    r"\b(?:no|not|never|nil|denies|denied|without|negative for|absence of|free of|(?<!not )resolved)\b"
    r"(?!\s+(?:(?:significant|interval|further|real)\s+)?"
    r"(?:change|improvement|improved|increase|relief|resolution|resolved|better|only)\b)"
)
DENIAL_AFTER = _words(
    r"^[^,.;]{0,40}?(?:[:?]|\s[-–])\s*(?:(?:denie[sd]|none|absent|negative|nil|normal|intact)\b|no\s*$"
    r"|not\s+present\b|no\s+(?:numbness|an(?:a)?esthesia|sensory loss|loss|deficit|change|symptoms?)\b"
    r"|(?:mri|imaging|scan|ct)\s+(?:normal|negative|clear|unremarkable)\b)"
    r"|^\s*(?:denied|absent|resolved)\b"
    r"|^\s*(?:(?:symptoms?|signs?|features?)\s+)?(?:is|are|was|were)?\s*"
    r"(?:not\s+(?:present|seen|identified|demonstrated|evident|found|detected)|absent)\b"
    # a normal examination of the area named: "saddle sensation intact", "perianal sensation normal"
    r"|^\s*(?:(?:sensation|sensory|feeling|area|region|exam\w*)\s+){0,2}(?:is\s+|was\s+|remains?\s+)?"
    r"(?:grossly\s+|fully\s+)?(?:intact|normal|preserved|spared|unaffected|unremarkable)\b"
    # ruled out, or gone: "weakness ruled out on exam", "numbness in both legs has resolved"
    r"|^[^,.;]{0,40}?\b(?:ruled[- ]out|excluded)\b"
    r"|^[^,.;]{0,40}?\b(?:has|have|had)\s+(?:now\s+|since\s+)?(?:fully\s+|completely\s+)?"
    r"(?:resolved|recovered|settled)\b"
)
PART_BREAK = _words(
    r",|\b(?:but|however|although|though|except|reports?|reported|presents? with|complains? of)\b|\bc/o\b"
)
DENIAL_REACH_WORDS = 5  # words between a cue and the symptom it denies, at most


def _sentences(text: str | None) -> list[str]:
    return re.split(r"[.;\n]", text or "")


def _parts(sentence: str) -> list[str]:
    out, start = [], 0
    for b in PART_BREAK.finditer(sentence):
        out.append(sentence[start : b.start()])
        start = b.end()
    out.append(sentence[start:])
    return out


_WORD_REST = re.compile(r"\w*")


def _after(part: str, m: re.Match[str]) -> str:
    """What follows the word a match ends in: a pattern may match the start of a word ("weak" of
    "weakness was absent", "perine" of "perineal sensation normal")."""
    end = _WORD_REST.match(part, m.end())
    return part[end.end() if end else m.end() :]


def _denied(part: str, m: re.Match[str]) -> bool:
    cues = list(DENIAL_CUE.finditer(part, 0, m.start()))
    if cues and len(part[cues[-1].end() : m.start()].split()) <= DENIAL_REACH_WORDS:
        return True
    return bool(DENIAL_AFTER.search(_after(part, m)))


def reported(pattern: re.Pattern[str], text: str | None) -> list[re.Match[str]]:
    """Matches of ``pattern`` in a patient's symptom text that are not denied (``DENIAL_CUE``,
    ``DENIAL_AFTER``): "saddle numbness" is reported, "no saddle anaesthesia" is not. Positions are
    those of each part of a sentence, not of ``text``."""
    return [
        m
        for sentence in _sentences(text)
        for part in _parts(sentence)
        for m in pattern.finditer(part)
        if not _denied(part, m)
    ]


# ---------------------------------------------------------------------------------------------
# Symptoms and diagnoses
# ---------------------------------------------------------------------------------------------

# A stenosis Condition with leg symptoms reported (``reported``): the gate admits stenosis only then.
LEG_SYMPTOMS = _words(r"claudicat|sciatica|radicul|radiat|leg pain|leg symptoms|buttock|thigh|calf")
CLAUDICATION = _words(r"neurogenic claudication|claudicat")
# Saddle distribution for the non-specific "anaesthesia of skin" code.
SADDLE = _words(r"saddle|perine|perianal|buttocks? and inner thigh")
# Opioid use disorder documented as injection use.
INJECTION_DRUG_USE = _words(r"inject|intravenous|\biv drug|\bivdu\b|\bpwid\b")


# ---------------------------------------------------------------------------------------------
# Imaging: which study, and what the report says
# ---------------------------------------------------------------------------------------------

MRI = _words(r"\bmri\b|magnetic resonance")
CT = _words(r"\bct\b|computed tomograph")
RADIOGRAPH = _words(r"radiograph|x-?ray")
SPINE_IMAGING = _words(r"lumbar|spine|\bct\b|radiograph")
# "with and without", and the abbreviations radiology names use: "W WO", "W/WO", "W + W/O", "W&WO",
# "WO/W", "pre and post"
WITH_AND_WITHOUT = _words(
    r"with\s+and\s+without|without\s+and\s+with|\bpre[-\s]*(?:and|&|/)\s*post\b"
    r"|\bw(?:ith)?\s*/?\s*(?:\+|&|and)?\s*w(?:ithout|\s*/\s*o|o)\b"
    r"|\bw(?:ithout|\s*/\s*o|o)\s*/?\s*(?:/|\+|&|and)\s*w(?:ith)?\b"
)
CONTRAST_AGENT = _words(r"contrast|gadolin|\bgad\b")
# A study done without and with contrast, by its name: the words for both ("with and without IV
# contrast", "W/WO CONTRAST", "pre- and post-contrast"), or gadolinium or enhancement named.
CONTRAST = _words(
    r"with(?:out)? and with (?:iv |intravenous )?contrast|with and without (?:iv |intravenous )?contrast|"
    r"gadolin|post-?\s?contrast|enhanc"
)


def without_and_with_contrast(name: str) -> bool:
    """A study's name says it was done without and with contrast (``CONTRAST``, or the both-ways
    abbreviations of ``WITH_AND_WITHOUT`` beside a contrast agent's name)."""
    return bool(CONTRAST.search(name) or (WITH_AND_WITHOUT.search(name) and CONTRAST_AGENT.search(name)))
COMPRESSION = _words(
    r"(?:compress|impinge|abut|displac|contact)\w*[^.;]{0,60}(?:nerve root|root|thecal|traversing|exiting)|"
    r"(?:nerve root|root)[^.;]{0,40}(?:compress|impinge)\w*|"
    r"(?:extru|sequest|protru)\w*[^.;]{0,80}(?:compress|impinge|abut|displac|contact)\w*|"
    r"(?:severe|moderate(?:ly)?[- ]severe)\s+(?:foraminal|lateral recess|subarticular)\s+"
    r"(?:stenosis|narrowing)|"
    r"(?:foraminal|lateral recess)\s+stenosis[^.;]{0,60}(?:compress|impinge)\w*"
)
NEGATED_COMPRESSION = _words(
    r"\bno\s+(?:significant\s+|definite\s+|evidence of\s+|focal\s+)*(?:nerve root\s+|neural\s+)?"
    r"(?:compress|impinge|herniat|stenosis|recurren)\w*|"
    r"without\s+(?:nerve root\s+|neural\s+)?(?:compress|impinge)\w*"
)
NONSPECIFIC_IMAGING = _words(
    r"multilevel|multi-level|non-?specific|mild degenerative|age-related|"
    r"no (?:significant )?(?:nerve root|neural) (?:compression|impingement)|"
    r"does not (?:correlate|explain)|discordant"
)
RECURRENCE = _words(
    r"recurren\w*\s+(?:[\w-]+\s+){0,3}(?:herniation|extrusion|protrusion|fragment)|"
    r"re-?herniation|non-?enhancing (?:disc )?(?:fragment|material)"
)
# A report that leaves a finding open: one diagnosis against another ("recurrent protrusion versus
# epidural scar"), a finding it cannot tell apart or calls equivocal, or a further study it asks for.
# A report asking for a contrast study ("contrast-enhanced study recommended", "recommend MRI with
# contrast").
CONTRAST_ASKED = _words(
    r"\b(?:contrast|gadolinium)[\w -]{0,30}\b(?:recommended|suggested|advised)\b"
    r"|\brecommend\w*\s+(?:[\w-]+\s+){0,4}(?:post-?\s?contrast|contrast|gadolinium)"
)
UNCERTAIN = _words(
    r"\bversus\b|\bvs\.?(?=\s)|\bor (?:post-?operative |epidural |peridural )?(?:scar|fibrosis|granulation)"
    r"|\b(?:cannot|can ?not|unable to|difficult to) (?:be )?(?:distinguish|differentiat|exclude|separat)\w*"
    r"|\bequivocal\b|\bindeterminate\b|\bdifferential\b"
    r"|\b(?:contrast|gadolinium|further)[\w -]{0,30}\b(?:recommended|suggested|advised|could be considered)\b"
    r"|" + CONTRAST_ASKED.pattern + r"|\bto (?:differentiate|distinguish)\b"
)
FIBROSIS = _words(
    r"epidural fibrosis|scar tissue|enhancing scar|post-?operative scar|granulation tissue|"
    r"peridural fibrosis"
)
# An intrathecal drug trial named in words: the codes it goes under (a subarachnoid injection, a
# catheter infusion) are shared with epidural injections.
INTRATHECAL_TRIAL = _words(
    r"(?:\b(?:intrathecal|intra-thecal|subarachnoid)\b|(?-i:\bIT\b))[\w\s-]{0,40}?\btrial\b"
    r"|\btrial\b[\w\s-]{0,25}?\b(?:intrathecal|subarachnoid)\b"
    r"|\b(?:ziconotide|prialt)\b[\w\s-]{0,25}?\btrial\b"
)
# Spinal stenosis as a report names it (central, lateral recess or foraminal; "stenotic canal").
STENOSIS = _words(r"\bstenos[ie]s\b|\bstenotic\b|\bcanal (?:narrowing|compromise)\b")
LF_HYPERTROPHY = _words(r"ligament(?:um)? flav\w* (?:hypertroph|thicken)|flaval hypertroph")


# ---------------------------------------------------------------------------------------------
# Procedures named in text, and their outcome written in notes
# ---------------------------------------------------------------------------------------------

DIAGNOSTIC_INJECTION = _words(
    r"selective nerve root block|\bsnrb\b|diagnostic|local an(?:a)?esthetic only|an(?:a)?esthetic only|"
    r"without steroid|no steroid|\bKX\b"
)
# An injection written as given without a steroid: local anaesthetic only, or the steroid denied.
NO_STEROID = _words(
    r"\b(?:no|not|without)\s+(?:a\s+)?(?:cortico)?steroids?\b|steroid[- ]free|"
    r"\b(?:local\s+)?an(?:a)?esthetic\s+only\b|\b(?:lidocaine|bupivacaine|ropivacaine)\s+only\b"
)
# A steroid named as given, or a therapeutic purpose: an injection so written is an ESI, whatever
# else it says ("diagnostic and therapeutic TFESI, triamcinolone 40 mg", "nerve root block with
# steroid"). The bare word "steroid" is not enough: it is in the names of the procedures themselves
# ("transforaminal epidural steroid injection", "anesthetic agent(s) and/or steroid").
STEROID_GIVEN = _words(
    r"\btherapeutic\b|\bwith (?:a )?(?:cortico)?steroid\b|"
    r"(?<!no )(?<!not )(?<!without )\b(?:cortico)?steroid (?:was |were )?(?:given|injected)\b|"
    r"triamcinolone|dexamethasone|methylprednisolone|betamethasone|depo-?medrol|kenalog|celestone"
)
CERVICAL_THORACIC = _words(r"cervical|thoracic")
TRIAL = _words(r"\btrial\b")
STIMULATION = _words(r"spinal cord stimulat|\bscs\b|dorsal root ganglion|\bdrg\b")
DRG = _words(r"dorsal root ganglion|\bdrg\b")
ABLATION = _words(
    r"radiofrequency (?:ablation|neurotomy|denervation)|\brfa\b|cryo(?:ablation|neurolysis)|"
    r"neurotomy|rhizotomy"
)
PULSED = _words(r"pulsed")
FACET_OR_SI = _words(r"facet|medial branch|sacroiliac|\bsij?\b")
BLOCK = _words(
    r"medial branch block|\bmbb\b|sacroiliac (?:joint )?(?:injection|block)|\bsij? (?:injection|block)|"
    r"selective nerve root block|\bsnrb\b"
)
EPIDURAL_INJECTION = _words(r"epidural|\besi\b|tfesi|ilesi|transforaminal")
# "Transforaminal" naming a fusion's approach, not an injection: "transforaminal lumbar interbody
# fusion" (TLIF)
TRANSFORAMINAL_FUSION = _words(r"transforaminal\s+(?:lumbar\s+)?interbody|\btlif\b")
PERMANENT_IMPLANT = _words(r"permanent|implantable pulse generator|\bipg\b")
# "60% relief", "60 % pain relief", "70 % leg pain relief", "relief of about 60%", "relief 65%",
# "62.5 % relief": group 1 or group 2 is the percentage. A duration between "relief" and the number
# ("relief for 6 hours, 80 %") is skipped; the words between never cross a digit, a semicolon or the
# end of a sentence, and a concentration is no relief ("relief; lidocaine 1 %", "relief with 1 %
# lidocaine").
_RELIEF_GAP = r"(?:[^\d;.\n]|\.(?!\s|$))"
_RELIEF_DURATION = (
    rf"{_RELIEF_GAP}{{0,20}}?\d+(?:\.\d+)?\s*(?:h|hrs?|hours?|mins?|minutes?|days?|wks?|weeks?|months?)\b"
)
_ANAESTHETIC = r"\s*(?:lidocaine|lignocaine|xylocaine|bupivacaine|levobupivacaine|marcaine|ropivacaine)"
NOTE_RELIEF = _words(
    r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*%\s*(?:(?:leg|back|buttock|radicular|axial)\s+)?(?:pain\s+)?relief"
    rf"|relief(?:{_RELIEF_DURATION})?{_RELIEF_GAP}{{0,20}}?(?<![\d.])(\d{{1,3}}(?:\.\d+)?)\s*%(?!{_ANAESTHETIC})"
)


# ---------------------------------------------------------------------------------------------
# Services and referrals
# ---------------------------------------------------------------------------------------------

# A spine or pain specialist *service* (P2's "seen by a specialist"): the service is named (spine
# clinic, spinal surgery, neurosurgery, orthopaedic spine or surgery, pain clinic or medicine,
# physiatry), not a body part or a complaint: "Primary care follow-up: spinal pain" and "Physical
# therapy - lumbar spine" are no specialist visit.
SPINE_SERVICE = _words(
    r"\bspin(?:e|al) (?:surg\w*|clinic|cent(?:er|re)|service|specialist|team|unit|institute|consult\w*)"
    r"|neurosurg|orthop\w* (?:spine|surg)|physiatr|\bPM\s?&\s?R\b"
    r"|pain (?:clinic|cent(?:er|re)|management|medicine|specialist)"
)
SURGICAL_SERVICE = _words(r"spine surg|spinal surg|neurosurg|orthop\w* (?:spine|surg)")
NO_SURGICAL_TARGET = _words(
    r"no surgical target|not a surgical candidate|no surgical lesion|"
    r"not a candidate for (?:further )?surgery|no operable"
)


# ---------------------------------------------------------------------------------------------
# Observations without a code the value sets know
# ---------------------------------------------------------------------------------------------

# No LOINC code for a muscle-strength grade or a "% relief" entry could be verified; entries coded
# only locally or by text are recognised by their name (and by the shape of their instrument).
RELIEF_WORDS = _words(r"\brelief\b|\brelieved\b")
# A foot drop named in a diagnosis that no known code says (SNOMED-only problem lists, free text).
FOOT_DROP = _words(r"\bfoot[- ]?drop\b|\bdrop[- ]?foot\b")
STRENGTH_WORDS = _words(
    r"muscle strength|motor strength|strength grade|\bMRC\b|manual muscle test|\bMMT\b|motor power|"
    r"dorsiflex|plantar ?flex|extensor hallucis|\bEHL\b|hip flex|knee exten|power \(|toe exten\w* power"
)
# Scores named like a strength test that are not muscle grades: a pain score on a movement, the MRC
# breathlessness scale, spasticity, reflexes, a range of motion.
# Words that name a muscle grade outright: a name that has them is a strength score even when it also
# mentions pain on testing or a range of motion.
STRENGTH_NAMED = _words(r"strength|\bpower\b|\bMRC grade|manual muscle|\bMMT\b|motor (?:strength|power|exam)")
NOT_STRENGTH_WORDS = _words(
    r"\bpain (?:on|with|during|score|scale|intensity|rating)\b|\(0\s*-\s*10\)|/10\b|breath|dyspn"
    r"|ashworth|spastic|reflex|range of (?:motion|movement)|\bROM\b|degrees|thomas test"
)
# The first number written in a value ("7/10" → 7, "about 60 %" → 60).
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

# Words in a strength reading's name or site that name no muscle: the scale, the limb, the side.
_NOT_A_MUSCLE = frozenset(
    re.findall(
        r"\w+",
        "strength muscle muscles motor power grade grading mrc mmt manual test testing score scale medical "
        "research council exam examination of the and on in at with left right lt rt bilateral bilat both "
        "side sides leg legs lower limb limbs extremity extremities lle rle structure region",
    )
)
_EHL = _words(r"\bEHL\b")


def muscle_named(*texts: str | None) -> frozenset[str]:
    """The muscle or movement a strength reading names, as four-letter word stems ("Right ankle
    dorsiflexion strength (MRC)" → {"ankl", "dors"}; "dorsiflexors" gives the same stem); empty for
    strength in general ("Motor strength, right leg")."""
    text = _EHL.sub("extensor hallucis longus", " ".join(t for t in texts if t)).lower()
    return frozenset(w[:4] for w in re.findall(r"[a-z]{2,}", text) if w not in _NOT_A_MUSCLE)


# ---------------------------------------------------------------------------------------------
# Medications: routes and drug names
# ---------------------------------------------------------------------------------------------

# A route (or an order text) that makes a drug an injectate or a local preparation, not an oral course.
NOT_ORAL_ROUTE = _words(
    r"epidural|intramuscular|\bim\b|intravenous|\biv\b|inject|intra-?articular|subcutaneous|"
    r"topical|inhal|nasal|ophthalm|\botic\b|perineural"
)

# A drug put on the skin (its systemic exposure is low: a topical NSAID is no oral NSAID's harm).
TOPICAL = _words(r"topical|transdermal|cutaneous|\bgel\b|cream|ointment|\bpatch|plaster")


def names(name: str, *texts: str | None) -> bool:
    """Whether any text names ``name`` as a word of its own ("gabapentin" in "Gabapentin 300 MG",
    not in "pregabapentinoid")."""
    pattern = re.compile(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])")
    return any(pattern.search(t.lower()) for t in texts if t)


BRAND_NAMES = Path(__file__).resolve().parent / "data" / "brand_names.json"


@cache
def brand_names() -> Mapping[str, tuple[str, ...]]:
    """Brand name → the ingredient names (as the rx_* value sets display them) it stands for."""
    data = json.loads(BRAND_NAMES.read_text(encoding="utf-8"))
    return MappingProxyType({k: tuple(v) for k, v in data["brands"].items()})


@cache
def _ingredient_index(
    terminology: Terminology,
) -> tuple[re.Pattern[str] | None, dict[str, tuple[Coding, ...]]]:
    """A regex over the ingredient names of every drug value set (rx_*) and their brand names
    (``BRAND_NAMES``: "Eliquis" is apixaban), and name → codings."""
    by_name: dict[str, list[Coding]] = {}
    for name in terminology.names:
        if not name.startswith("rx_"):
            continue
        for m in terminology[name].members:
            key = m.display.strip().lower()
            if key and m.coding() not in by_name.setdefault(key, []):
                by_name[key].append(m.coding())
    for brand, ingredients in brand_names().items():
        codings = [c for i in ingredients for c in by_name.get(i, ())]
        if codings:
            by_name[brand.lower()] = list(dict.fromkeys(codings))
    if not by_name:
        return None, {}
    alternatives = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])({alternatives})(?![a-z])", re.IGNORECASE), {
        k: tuple(v) for k, v in by_name.items()
    }


def ingredients_named(terminology: Terminology, *texts: str | None) -> tuple[Coding, ...]:
    """Ingredient codings for drug names written in the texts ("Gabapentin 300 MG Oral Capsule").

    EHRs code prescriptions at the clinical-drug level (SCD/SBD), which the ingredient value
    sets do not list; the ingredient name in the drug's display or text is then the only
    offline evidence of what was prescribed.
    """
    pattern, by_name = _ingredient_index(terminology)
    if pattern is None:
        return ()
    out: list[Coding] = []
    for text in texts:
        for m in pattern.finditer(text or ""):
            for c in by_name.get(m.group(1).lower(), ()):
                if c not in out:
                    out.append(c)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Medicines, operation sites, onsets in words and bilateral leg symptoms
# ---------------------------------------------------------------------------------------------

# §7.2: buprenorphine forms used for opioid use disorder (not the transdermal pain patch), and
# methadone from an opioid treatment programme.
MOUD_FORMULATION = re.compile(
    r"sublingual|\bSL\b|buccal|inject|subcutaneous|extended-release injection|naloxone|suboxone|"
    r"subutex|zubsolv|sublocade|brixadi",
    re.IGNORECASE,
)
OTP_TEXT = re.compile(r"opioid treatment program|\bOTP\b|opioid use disorder", re.IGNORECASE)
# Naltrexone's other use named in its dosage ("50 mg daily for alcohol use disorder"): not MOUD.
ALCOHOL_TEXT = re.compile(r"\balcohol", re.IGNORECASE)
MG_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b", re.IGNORECASE)
# Indications other than sciatica named in a drug's reason (M2).
OTHER_INDICATION = re.compile(
    r"epilep|seizure|convulsion|trigeminal|bipolar|herpetic|diabetic (?:poly)?neuropath|fibromyalg|"
    r"migraine|depress|anxiety|panic|post-?traumatic",
    re.IGNORECASE,
)
# Where a spine operation or a surgical-status Condition says it was lumbar (decision model §7.4):
# the word, a lumbar or lumbosacral level ("L4-5", "L5-S1"), or the sacrum.
LUMBAR_SITE = re.compile(r"lumb|\bL[1-5]\b|\bL[1-5]\s*[-–/]\s*(?:L?[1-5]|S1)\b|\bS1\b|sacr", re.IGNORECASE)
NON_LUMBAR_SITE = re.compile(r"cervical|thoracic|\bneck\b|\bacdf\b|\b[CT]\d{1,2}\b", re.IGNORECASE)
# A spine operation named in words, as a surgical history or an ICD-10-PCS display writes it
# ("L4-5 microdiscectomy", "Lumbar laminectomy", "TLIF L5-S1", "Excision of Lumbar Vertebral Disc,
# Open Approach", "Fusion of Lumbar Vertebral Joint"); where it was done is asked separately
# (``LUMBAR_SITE``, ``NON_LUMBAR_SITE``).
SPINE_OPERATION = _words(
    r"\b(?:micro-?)?dis[ck]ectomy|\b(?:hemi-?)?lamin(?:ectomy|otomy|oplasty)|\bforaminotomy|"
    r"\bfacetectomy|\barthrodesis|\b(?:total )?dis[ck] (?:arthroplasty|replacement)|"
    r"\b(?:spinal|spine|lumbar|lumbosacral|interbody|posterolateral)\s+fusion\b|"
    r"\b[TPAXOL]LIF\b|\b(?:excision|resection) of (?:the )?(?:lumbar|lumbosacral) (?:vertebral )?dis[ck]|"
    r"\bfusion of (?:the )?(?:lumbar|lumbosacral)|\brelease (?:of )?(?:the )?(?:lumbar|lumbosacral) "
    r"(?:spinal cord|nerve)|\b(?:surgical|spinal|lumbar|posterior) decompression|"
    # a level named before it: "L4-5 decompression and fusion", "L4-S1 instrumented fusion"
    r"\b[LS][1-5](?:\s*[-–/]\s*[LS]?[1-5])?\s+(?:\w+\s+){0,3}?(?:decompression|fusion)\b"
)
# Persistent pain after spine surgery named in words ("Failed back surgery syndrome", "Post-laminectomy
# syndrome", "Persistent spinal pain syndrome type 2", "FBSS").
FBSS_NAME = _words(
    r"\bfailed back surgery\b|\bpost-?\s?laminectomy (?:pain )?syndrome|"
    r"\bpersistent spinal pain syndrome(?:,)? type (?:2|ii)\b|\bFBSS\b"
)
# A problem-list entry that records an operation as done ("Status post L4-5 laminectomy (2018)",
# "S/P lumbar fusion", "History of L5-S1 discectomy"): the words of a status before the operation's.
SURGICAL_STATUS_WORDS = _words(
    r"\bstatus[- ]post\b|\bs/p\b|\bh/o\b|\bhistory of\b|\bprevious\b|\bprior\b|"
    r"\bpost-?\s?(?:discectomy|fusion|microdiscectomy)\b"
)


def names_fbss(*texts: str | None) -> bool:
    """Whether the words name persistent pain after spine surgery (``FBSS_NAME``), not denied."""
    return any(reported(FBSS_NAME, t) for t in texts if t)


def names_surgical_status(*texts: str | None) -> bool:
    """Whether the words record a spine operation as done: a status ("status post", "s/p", "history
    of") and an operation (``SPINE_OPERATION``) in one text, nothing that makes it a plan, another
    procedure or another person's (``_PLANNED``, ``NOT_THE_PATIENTS_SPINE_OPERATION``)."""
    return any(
        t
        and SURGICAL_STATUS_WORDS.search(t)
        and SPINE_OPERATION.search(t)
        and not _PLANNED.search(t)
        and not NOT_THE_PATIENTS_SPINE_OPERATION.search(t)
        for t in texts
    )


# Words that make an operation named in a problem-list entry an intention, or a procedure that is
# no open operation, not one done.
_PLANNED = _words(
    r"\bplan(?:ned|s)?\b|\bschedul|\bcandidate|\bconsider|\bdeclin|\bdefer|\brecommend|\bawait|"
    r"\boffer|\bconsult|\bpercutaneous|\bmild\b|\bepidural|\binjection|"
    # doubt: "h/o L5-S1 discectomy? (unconfirmed)"
    r"\?|\bunconfirmed\b|\bpossible\b|\bquery\b|\bsuspected\b"
)


# Words that make a named operation not the patient's spine operation: denied ("No history of
# lumbar discectomy", "Denies previous lumbar decompression"), another person's ("Family history of
# lumbar fusion (father)"), another joint's ("Arthrodesis, ankle", "Sacroiliac joint fusion"), or an
# assessment before one ("Pre-operative assessment for L4-5
# microdiscectomy").
NOT_THE_PATIENTS_SPINE_OPERATION = _words(
    r"\b(?:no|not|never|denies|denied|without)\b[^.;,\n]{0,50}?(?:dis[ck]ectomy|lamin\w*|foraminotomy|"
    r"fusion|arthrodesis|decompression|surgery|operation)|"
    r"\bfamily\b|\b(?:father|mother|brother|sister|parent|son|daughter)\b|"
    r"\b(?:ankle|knee|hip|shoulder|wrist|elbow|toe|finger|thumb|subtalar|sacroiliac|SIJ?)\b|"
    r"\b(?:assessment|pre-?op\w*|work-?up|clearance)\b"
)
# Words that make a named spine operation something else: an intention, not an operation done
# ("planned L4-5 discectomy", "candidate for fusion", "discectomy declined"); an injection, block,
# ablation or stimulator done after one ("epidural injection, post-laminectomy"); the percutaneous
# decompression (MILD), which is no open operation.
NOT_AN_OPERATION_DONE = _words(
    r"\bplan(?:ned|s)?\b|\bschedul|\bcandidate|\bconsult|\bdiscuss|\bdeclin|\bdefer|\brecommend|"
    r"\bcancel|\brefus|\bevaluat|\breferr?al\b|\bwait(?:ing)?[- ]list|\bnot (?:done|performed)\b|"
    r"\babort|\babandon|"
    r"\bpost-?\s?(?:op|lamin|surg)|\bafter\b|\bepidural|\binjection|\bblock\b|\bablation|\bstimulat|\bpercutaneous|\bmild\b"
)
RELATIVE_ONSET = re.compile(
    r"\b(?:(\d+)|an?|one|a few|few|several|many|some)?\s*(year|yr|month|mo|week|wk|day)s?\s+ago\b",
    re.IGNORECASE,
)
# Depot corticosteroids named without a route: methylprednisolone/triamcinolone acetate, Depo-Medrol,
# Kenalog, Celestone Soluspan are injected (epidural, intra-articular, intramuscular).
DEPOT_STEROID = re.compile(r"\bacetate\b|\bdepo-?medrol\b|\bkenalog\b|\bsoluspan\b", re.IGNORECASE)

# Bilateral leg weakness or numbness written on a Condition (text, body site or note).
BILATERAL_LEGS = re.compile(
    r"\b(?:bilateral|both)\b[^.;]{0,40}?\b(?:legs?|lower (?:limbs?|extremit\w*)|feet)\b"
    r"|\b(?:legs?|lower (?:limbs?|extremit\w*)|feet)\b[^.;]{0,20}?\bbilateral(?:ly)?\b",
    re.IGNORECASE,
)


# A cauda equina screen asked and answered normal in a note: no retention, a small post-void residual,
# normal saddle sensation.
CES_SCREEN_NORMAL = re.compile(
    r"\bno (?:urinary )?retention\b|\bsaddle sensation (?:is )?(?:normal|intact)\b"
    r"|\b(?:normal|intact) saddle sensation\b|\bpost[- ]?void residual (?:of |was |is )?\d{1,2}\s*ml\b",
    re.IGNORECASE,
)


# What a cauda equina screen found abnormal: a residual or bladder scan of 100 mL or more,
# incontinence, saddle sensation reduced, altered or lost. One of these anywhere in the note means the
# screen is not normal, whatever else it says is.
CES_SCREEN_ABNORMAL = re.compile(
    r"incontinen|\b[1-9]\d{2,}\s*(?:ml|cc)\b|reduced|decreased|altered|diminished|impaired|absent|numb|"
    r"\bloss\b|\blost\b|anaesthe|anesthe",
    re.IGNORECASE,
)


def cauda_equina_screen_normal(note: str) -> bool:
    """Whether a note records the cauda equina screen asked and normal: a normal finding
    (``CES_SCREEN_NORMAL``) and no abnormal one (``CES_SCREEN_ABNORMAL``)."""
    return bool(CES_SCREEN_NORMAL.search(note)) and not CES_SCREEN_ABNORMAL.search(note)


# Weight lost on purpose, as a weight-loss diagnosis says it: "intentional" or "deliberate", never
# negated ("unintentional", "non-intentional", "not intentional", "denies intentional dieting").
INTENDED_WEIGHT_LOSS = re.compile(r"\b(?:intentional(?:ly)?|deliberate(?:ly)?)\b", re.IGNORECASE)
_NOT_INTENDED = re.compile(
    r"(?:\b(?:un|non)[- ]?|\b(?:not|no|denies|denied|without)\b[^.;,]{0,20})$", re.IGNORECASE
)


def states_intended_weight_loss(*texts: str | None) -> bool:
    """Whether a weight-loss diagnosis says the weight was lost on purpose ("Weight loss
    (intentional, on semaglutide)"). Only the word itself counts, never negated; a drug or an
    operation named beside it does not (it may have stopped, or be why the loss is unexplained)."""
    for t in texts:
        for m in INTENDED_WEIGHT_LOSS.finditer(t or ""):
            if not _NOT_INTENDED.search((t or "")[max(0, m.start() - 30) : m.start()]):
                return True
    return False


def states_bilateral_leg_pain(text: str) -> bool:
    """Whether a sentence of ``text`` records pain of both legs, not denied ("sciatica, both legs",
    "pain radiating down both legs"; not "denies pain in both legs"), and not neurogenic claudication
    (pain of both legs on walking, eased by sitting, is the stenosis)."""
    for sentence in _sentences(text):
        if _claudication(sentence, text):
            continue
        for part in _parts(sentence):
            if any(not _denied(part, m) for m in BILATERAL_LEGS.finditer(part)):
                return True
    return False


WEAK_OR_NUMB = re.compile(
    r"weak|numb|pins and needles|par(?:a)?esthe|hypo(?:a)?esthe|sensory loss", re.IGNORECASE
)
# Both legs named on their own between commas ("weakness and numbness, both legs"): where they are.
_BARE_LEGS = re.compile(
    r"\s*(?:(?:in|of|affecting|involving)\s+)?(?:the\s+)?(?:" + BILATERAL_LEGS.pattern + r")\s*",
    re.IGNORECASE,
)


# A complaint a leg, foot or buttock is named with ("numbness and tingling of the left leg").
LEG_COMPLAINT = _words(
    r"\b(?:pain|ache|aching|numb|weak|heav(?:y|iness)|tingl|pins and needles|par(?:a)?esthe|burning|"
    r"cramp|shooting)"
)


def states_leg_symptoms(text: str) -> bool:
    """Whether ``text`` reports leg symptoms: words that name them (sciatica, radiating, leg pain,
    claudication), or a leg, foot or buttock named with a complaint in one part of a sentence,
    neither denied ("numbness of the left leg"; "denies leg pain or numbness" does not)."""
    if reported(LEG_SYMPTOMS, text):
        return True
    for sentence in _sentences(text):
        for part in _parts(sentence):
            site = any(not _denied(part, m) for m in LEG_SITE.finditer(part))
            if site and any(not _denied(part, m) for m in LEG_COMPLAINT.finditer(part)):
                return True
    return False


# Leg symptoms denied in so many words: "no leg pain", "denies radiating symptoms", "axial low back
# pain only", "back pain only", "non-radiating".
NO_LEG_SYMPTOMS = _words(
    r"\b(?:no|denies|without)\s+(?:(?!new\b|further\b|additional\b|worse\b|worsening\b)\w+\s+){0,2}?"
    r"(?:leg|radicular|radiating)\s+(?:pain|symptoms)|"
    r"\baxial\b[^.;\n]{0,30}\bonly\b|\bback pain only\b|\bno radiation\b|\bnon-?radiating\b"
)


# A nerve root named ("left S1 burning", "L5 dermatome"): radicular words, whatever else is denied.
_ROOT_NAMED = re.compile(r"\b[LS][1-5]\b(?![-–/]\s*[LS]?\d)")


def denies_leg_symptoms(text: str) -> bool:
    """Whether ``text`` says there are no leg symptoms (``NO_LEG_SYMPTOMS``; "no new leg symptoms" is
    no such denial) and reports none, nor names a nerve root."""
    if not NO_LEG_SYMPTOMS.search(text) or _ROOT_NAMED.search(text):
        return False
    return not states_leg_symptoms(text)


# ---------------------------------------------------------------------------------------------
# A lumbar radicular diagnosis named in words
# ---------------------------------------------------------------------------------------------

# The gate reads these only for a Condition that carries no code any value set knows (typed as free
# text, or coded in a local system): ``names_lumbar_radicular``. A false card is worse than none, so
# the reading is narrow. The diagnosis: sciatica (not "sciatica-like", "pseudo-sciatica" or a
# sciatic nerve lesion); radiculopathy, radiculitis, radicular pain, symptoms or syndrome (not
# "non-radicular", not polyradiculopathy); a lumbar or S1 nerve root named as compressed, impinged,
# irritated or entrapped. Not a disc herniation alone (X1) nor back pain without a root or the leg.
_RADICULAR_NAME = _words(
    r"(?<!pseudo-)(?<!pseudo)\bsciatica\b(?![- ]like)"
    r"|(?<!non-)(?<!non )\bradicul"
    r"(?:opath\w*|itis|algia|ar\s+(?:leg\s+|lower limb\s+)?(?:pain|symptoms?|syndrome))"
    r"|\b(?:L[1-5]|S1|lumbar|lumbosacral)\s*(?:nerve\s+)?roots?\s+(?:compress|imping|irritat|entrap)\w*"
    r"|\b(?:compress|imping|irritat|entrap)\w*\s+of\s+(?:the\s+)?(?:(?:left|right|lt|rt|bilateral)\s+)?"
    r"(?:L[1-5]|S1|lumbar|lumbosacral)\s*(?:nerve\s+)?roots?\b"
)
# The diagnosis named as history or to be ruled out, a few words before it ("history of sciatica",
# "r/o L5 radiculopathy", "previous sciatica") ...
_NOT_CURRENT_BEFORE = _words(
    r"\b(?:(?:history|hx) of|h/o|pmh|previous|prior|former|rul(?:e|ed|ing)[- ]out|r/o|to exclude)(?!\w)"
)
# ... or after it in its part of the sentence ("radiculopathy ruled out", "sciatica (resolved)").
_NOT_CURRENT_AFTER = _words(
    r"^[^,.;]{0,40}?\b(?:ruled[- ]out|excluded|(?<!not )(?<!un)resolved|in remission)\b"
)
# Whatever else the words name that makes the diagnosis another question: a cauda equina sign (the
# red flags read those from codes), a tumour, infection or fracture, a non-compressive cause
# (diabetes, shingles, Lyme) or a nerve lesion below the spine that mimics a root (§7.5). A Condition
# whose words report one (not denied: "no bladder or bowel symptoms" keeps it) is not read at all.
_NOT_SIMPLE_RADICULAR = _words(
    r"cauda equina|\bces\b|saddle|perine|perianal|incontinen|retention|bladder|bowel|sphincter|"
    r"metasta|malignan|tumou?r|cancer|carcinom|neoplas|lymphoma|myeloma|"
    r"infect|abscess|osteomyelitis|discitis|tubercul|fracture|"
    r"diabet|zoster|shingles|herpe|lyme|piriformis|sciatic (?:nerve|neuropath)|neuropath|plexopath|"
    r"amyotroph"
)
# The lumbar spine or the leg named beside "radiculopathy" (sciatica needs nothing: it is the leg's by
# name): the low back, and the plural lower limbs ``LEG_SITE`` leaves to ``BILATERAL_LEGS``.
_LOW_BACK = _words(r"\blow(?:er)? back\b")
_LOWER_LIMBS = _words(r"\blower (?:limbs|extremities)\b")


def _outside_lumbar(text: str) -> bool:
    """Names the cervical or thoracic spine (or the neck) and nothing lumbar or sacral."""
    return bool(NON_LUMBAR_SITE.search(text)) and not LUMBAR_SITE.search(text)


def _in_lumbar_or_leg(sentence: str) -> bool:
    """The sentence places a root diagnosis in the lumbar spine (a lumbar or sacral word or level,
    the low back) or, naming no other part of the spine, in the leg (a leg, foot or buttock not
    denied; the word "radicular" itself names no leg)."""
    if LUMBAR_SITE.search(sentence) or _LOW_BACK.search(sentence):
        return True
    if NON_LUMBAR_SITE.search(sentence):
        return False
    return any(
        m.group(0).lower() != "radicular" and not _denied(part, m)
        for part in _parts(sentence)
        for pattern in (LEG_SITE, _LOWER_LIMBS)
        for m in pattern.finditer(part)
    )


def names_lumbar_radicular(*texts: str | None) -> bool:
    """Whether the words of a diagnosis (its text, its codings' displays) name a current lumbar
    radicular diagnosis: "Left L5 radiculopathy", "Sciatica, right leg", "Lumbar disc prolapse with
    radiculopathy", "Radicular leg pain", "S1 nerve root compression". The name must be reported in
    its part of a sentence (``reported``: not "no sciatica", "without radiculopathy", "sciatica? no"),
    not history or a diagnosis to rule out (``_NOT_CURRENT_BEFORE``/``_AFTER``), not in a part that
    names the cervical or thoracic spine only; radiculopathy, radicular pain and roots also need the
    lumbar spine or the leg in their sentence ("Cervical radiculopathy", "Radiculopathy" alone and
    "Thoracic radiculopathy, T10" are not). Nothing is read when the words report a cauda equina sign,
    a serious or non-compressive cause, or a mimic (``_NOT_SIMPLE_RADICULAR``). A question mark is
    no doubt here, as a provisional coded diagnosis opens the gate too ("?sciatica" names sciatica).
    """
    text = "\n".join(t for t in texts if t)
    if not _RADICULAR_NAME.search(text):  # the cheap test first: most diagnoses name no root
        return False
    if reported(_NOT_SIMPLE_RADICULAR, text):
        return False
    for sentence in _sentences(text):
        for part in _parts(sentence):
            for m in _RADICULAR_NAME.finditer(part):
                if _denied(part, m) or _outside_lumbar(part):
                    continue
                before = list(_NOT_CURRENT_BEFORE.finditer(part, 0, m.start()))
                if before and len(part[before[-1].end() : m.start()].split()) <= DENIAL_REACH_WORDS:
                    continue
                if _NOT_CURRENT_AFTER.search(part[m.end() :]):
                    continue
                if m.group(0).lower() == "sciatica" or _in_lumbar_or_leg(sentence):
                    return True
    return False


# ---------------------------------------------------------------------------------------------
# Red flags named in words
# ---------------------------------------------------------------------------------------------

# The red flags read these only for a Condition that carries no code any value set knows and none in
# ICD-10-CM (``Terminology.words_may_decide``: a SNOMED CT concept outside the sets, a WHO ICD-10 or
# local code, free text): ``red_flags_named``. What they name, each a kind the coded red flags have:
# cauda equina syndrome (R1); a metastasis or a malignancy of the spine (R3, always); any other
# cancer, current or past (R3 until a contrast MRI); a spinal infection (R3); a vertebral fracture
# (R3, the rules date it).
_CAUDA_EQUINA = _words(
    r"\bcauda equina (?:syndrome|compression|lesion|injury)|\b(?:compression|injury|lesion) of (?:the )?"
    r"cauda equina\b|\bces\b"
)
# New bladder, bowel or saddle symptoms written in words (a local code, free text): retention,
# incontinence of urine or stool, lost sphincter control, saddle sensory loss. Not stress, urge,
# mixed or overflow incontinence, nor a feeling of incomplete emptying (weak evidence, §7.6).
_SPHINCTER_OR_SADDLE = _words(
    r"\b(?:acute |painless )?(?:urinary retention|retention of urine)\b"
    r"|\b(?:unable|inability) to (?:pass urine|void|urinate)\b"
    r"|(?<!stress )(?<!urge )(?<!mixed )(?<!overflow )\b(?:urinary|faecal|fecal|bowel|bladder) incontinence\b"
    r"|\bincontinen\w* of (?:urine|faeces|feces|stool)\b"
    r"|\bloss of (?:bladder|bowel|sphincter|anal sphincter) (?:control|function|tone)\b"
    r"|\bsaddle (?:an(?:a)?esthesia|hypo-?(?:a)?esthesia|numbness|sensory loss)\b"
    r"|\bnumb(?:ness)? (?:of|in|over) the (?:saddle|perine\w*)\b|\bperineal (?:numbness|an(?:a)?esthesia)\b"
)
# Words-only sphincter or saddle symptoms count only when the words say they are new ...
_NEW_SYMPTOM = _words(
    r"\b(?:new|new-onset|acute|acutely|sudden\w*|abrupt\w*|worsening|progressive)\b"
    r"|\bsince (?:yesterday|today|this morning|last night|\d{1,2} days?)\b|\b(?:today|yesterday|tonight)\b"
)
# ... and name no other cause, course or kind: an enlarged prostate, an operation, a drug, an
# infection, a long-standing or resolved problem, stress or urge incontinence.
_SPHINCTER_EXPLAINED = _words(
    r"\b(?:due to|secondary to|caused by|related to|attributed to|induced)\b|\bpost-?op\w*|\bpost-?partum\b"
    r"|\bafter (?:\w+ ){0,3}(?:surgery|operation|repair|procedure|delivery|childbirth|an(?:a)?esthe\w*|"
    r"prostatectomy|catheter\w*)\b|\bsince (?:19|20)\d\d\b|\b(?:long-?standing|chronic|resolved|old|"
    r"history of|previous|prior|recurrent)\b|\b(?:stress|urge|mixed|overflow|functional|cough\w*|sneez\w*|"
    r"laugh\w*|exertion\w*)\b|\b(?:overactive|neurogenic) bladder\b|\bspina bifida\b|\bprostat\w*|\bBPH\b"
    r"|\b(?:UTI|urinary tract infection|cystitis|medication|drug|opioid|anticholinergic)\b"
)
_METASTASIS = _words(
    r"\bmetasta\w*|\bsecondary (?:malignan\w*|neoplasm\w*|tumou?rs?|carcinoma\w*|deposits?)\b"
    r"|\b(?:bone|bony|osseous|skeletal|spinal|spine|vertebral|sclerotic|lytic|liver|hepatic|lung|pulmonary|"
    r"brain|widespread|multiple|distant|with)\s+mets\b"
)
_CANCER = _words(
    r"(?<!pre-)(?<!anti-)\bcancers?\b|\w*carcinoma\w*|\bmalignanc(?:y|ies)\b"
    r"|\bmalignant\s+(?:neoplasm|neoplasia|tumou?r|lesion|growth|disease|mass|melanoma|lymphoma|cells?)\w*"
    r"|\w*sarcoma\w*|\blymphoma\w*|\bhodgkin\w*|\bmyeloma\w*|\bplasmacytoma\w*|\bleu[ck]a?emi\w*"
    r"|\bmelanoma\w*|\bmesothelioma\w*"
)
_SPINAL_INFECTION = _words(
    r"\b(?:spondylo)?dis[ck]itis\b|\b(?:spinal |intraspinal |lumbar )?epidural abscess\w*"
    r"|\bintraspinal abscess\w*|\bspinal abscess\w*|\b(?:vertebral|spinal|spine|lumbar) osteomyelitis\b"
    r"|\bosteomyelitis of (?:the )?(?:\w+ )?(?:spine|vertebra\w*|lumbar)"
    r"|\b(?:pyogenic|infective|tuberculous) spondylitis\b|\bspinal tuberculosis\b|\bpott'?s disease\b"
    r"|\b(?:intervertebral )?dis[ck] (?:space )?infection\b"
    r"|\binfection of (?:the )?(?:intervertebral )?dis[ck]\b"
)
_FRACTURE = _words(
    r"\bfractur\w*|\bfx\b|\bcollapsed vertebra\w*|\bvertebral (?:body )?collapse\b"
    r"|\bcollapse of (?:the )?(?:L[1-5]|\w+ lumbar|vertebra)\w*"
)
# ... of a lumbar vertebra: the spine named in the part of the sentence or the next one ("Fracture,
# L1 vertebra"), not a pars defect (spondylolysis), the limbs or the neck and chest only.
_SPINE_BONE = _words(
    r"vertebra\w*|\bspine\b|\bspinal\b|\blumb\w*|\bL[1-5]\b|\b(?:compression|burst|wedge|chance) fractur"
)
_NOT_VERTEBRAL_BODY = _words(r"\bpars\b|spondylolys")
# Words that make a cancer word name no cancer of the patient's: a skin cancer other than melanoma
# (basal or squamous cell: excluded from the coded set as C44 and Z85.828 are), a carcinoma in situ
# or a precancer (D-codes, not C-codes), a benign or borderline tumour.
_NOT_A_CANCER = _words(
    r"basal cell|\bbcc\b|rodent ulcer|non-?melanoma|\bnmsc\b|keratinocyte|\bin situ\b|\bdcis\b|\blcis\b|"
    r"\bcin\b|pre-?cancer\w*|pre-?malignan\w*|\bbenign\b|non-?malignant|\bborderline\b"
)
_SKIN_SQUAMOUS = _words(r"squamous|\bscc\b|skin cancer|carcinoma of (?:the )?skin|cutaneous")
_SKIN = _words(r"\bskin\b|cutaneous|\bscalp\b")
_SKIN_MALIGNANT = _words(r"melanoma|merkel")
# A cancer not had but looked for, feared or at risk of, a few words before it ("screening for colon
# cancer", "fear of cancer") or right after it ("cancer screening", "cancer risk").
_CANCER_NOT_HAD_BEFORE = _words(
    r"\bscreen\w*|\bfear\w* of|\bafraid of|\bworr\w* (?:about|of)|\bconcern\w* (?:about|for|of)|"
    r"\brisk (?:of|for)|\bat risk\b|\bprevention of|\bprophyla\w*|\bsurveillance for\b"
)
_CANCER_NOT_HAD_AFTER = _words(
    r"^\s*(?:screen\w*|risk|prevention|phobia|genes?|susceptibility|predisposition|awareness)\b"
)
# A relative's disease anywhere in the sentence ("family history of cancer", "mother: breast cancer").
_RELATIVE = _words(
    r"\b(?:family|familial|fh|fhx|fam\.? hx|mother|mum|mom|father|dad|sisters?|brothers?|siblings?|"
    r"parents?|aunts?|uncles?|grand(?:mother|father|parent)s?|cousins?|sons?|daughters?|maternal|"
    r"paternal)\b"
)
# A finding that is past (cauda equina, infection, fracture: a cancer history is a red flag itself),
# a few words before it ("history of discitis", "old L1 fracture") or after it ("CES excluded").
_PAST_BEFORE = _words(r"\b(?:(?:history|hx) of|h/o|pmh|previous|prior|former|past|old|remote|healed)(?!\w)")
_NOT_NOW_AFTER = _words(r"^[^,.;]{0,40}?\b(?:ruled[- ]out|excluded|unlikely|disproven)\b")
_PAST_AFTER = _words(
    r"^[^,.;]{0,40}?\b(?:(?<!not )(?<!un)resolved|healed|in remission|sequela\w*|subsequent encounter)\b"
)


# ... or in the part after it ("Discitis L4-5 2019, treated and resolved", "Vertebral osteomyelitis,
# completed treatment 2020").
_PAST_FOLLOWING = _words(
    r"^\s*(?:(?:treated|operated|drained)\s+and\s+)?(?:now\s+)?(?:fully\s+|completely\s+)?"
    r"(?:resolved|healed|cured)\b"
    r"|^\s*(?:completed|finished)\s+(?:\w+\s+)?(?:treatment|antibiotics|course)\b"
    r"|^\s*(?:treatment|antibiotics)\s+(?:completed|finished)\b"
)
# Advice about a red flag is no finding of it: "safety-netted for CES", "counselled about cauda
# equina symptoms" (the cue a few words before), "CES red flag advice given" (right after).
_COUNSELLED_BEFORE = _words(
    r"\bsafety[- ]?nett?(?:ed|ing)?\b|\b(?:counsel+ed|advised|educated|warned|informed)\s+"
    r"(?:\w+\s+){0,2}(?:about|on|regarding|re)\b"
)
_COUNSELLED_AFTER = _words(
    r"^\s*(?:red[- ]flags?\s+|symptoms?\s+)?(?:advice|counsel\w*|information|education|leaflet|"
    r"safety[- ]?net\w*)\b"
)
# A red-flag screen written as negative names the flags it asked about: "Red flags (CES, infection,
# malignancy) screened - none", "no red flags". Not when it names an exception ("... except CES").
_NEGATIVE_SCREEN = _words(
    r"\bred[- ]flags?\b[^.;]{0,80}?(?:[-–:]\s*|\b)(?:none|nil|negative|absent|denied)\b"
    r"|\b(?:no|nil|negative for)\s+red[- ]flags?\b"
)
_SCREEN_EXCEPTION = _words(r"\b(?:except|apart from|other than|but|positive)\b")


def _within_reach(part: str, cue: re.Pattern[str], m: re.Match[str]) -> bool:
    """A cue a few words (``DENIAL_REACH_WORDS``) before the match, in its part of a sentence."""
    cues = list(cue.finditer(part, 0, m.start()))
    return bool(cues) and len(part[cues[-1].end() : m.start()].split()) <= DENIAL_REACH_WORDS


def _denied_red_flag(part: str, m: re.Match[str], *, history_counts: bool, following: str = "") -> bool:
    """``_denied``, and ruled out, excluded or unlikely after it, or named in advice given about it
    (``_COUNSELLED_BEFORE``, ``_COUNSELLED_AFTER``); a finding written as past or resolved, in its
    part of the sentence or in the ``following`` one, is denied too unless ``history_counts`` (a
    cancer history is a red flag: "resolved breast cancer", "breast cancer in remission" are one)."""
    if _NOT_NOW_AFTER.search(part[m.end() :]):
        return True
    if _within_reach(part, _COUNSELLED_BEFORE, m) or _COUNSELLED_AFTER.search(_after(part, m)):
        return True
    if history_counts:
        cues = [c for c in DENIAL_CUE.finditer(part, 0, m.start()) if c.group(0).lower() != "resolved"]
        if cues and len(part[cues[-1].end() : m.start()].split()) <= DENIAL_REACH_WORDS:
            return True
        after = DENIAL_AFTER.search(part[m.end() :])
        return after is not None and "resolved" not in after.group(0).lower()
    return (
        _denied(part, m)
        or _within_reach(part, _PAST_BEFORE, m)
        or bool(_PAST_AFTER.search(part[m.end() :]))
        or bool(_PAST_FOLLOWING.search(following))
    )


def _cancer_kind(part: str, m: re.Match[str]) -> str | None:
    """What a cancer word names in its part of a sentence: "metastasis" (of the spine, or a spread
    cancer), "cancer" (any other, now or in the past) or None (not the patient's cancer)."""
    if _NOT_A_CANCER.search(part):
        return None
    if _SKIN_SQUAMOUS.search(part) and _SKIN.search(part) and not _SKIN_MALIGNANT.search(part):
        return None
    if _within_reach(part, _CANCER_NOT_HAD_BEFORE, m) or _CANCER_NOT_HAD_AFTER.search(part[m.end() :]):
        return None
    if _denied_red_flag(part, m, history_counts=True):
        return None
    return "metastasis" if _SPINE_BONE.search(part) else "cancer"


# The red flags named in words that count only as present: not denied, not written as past.
_PRESENT_FLAGS = (
    ("cauda_equina", _CAUDA_EQUINA),
    ("infection", _SPINAL_INFECTION),
)


def _new_sphincter_or_saddle(text: str, onset_new: bool = False) -> bool:
    """New bladder, bowel or saddle symptoms in words (``_SPHINCTER_OR_SADDLE``): reported (not
    denied), said to be new (or ``onset_new``: the record's own onset date is recent), and with no
    other cause, course or kind named anywhere in the words (``_SPHINCTER_EXPLAINED``): "New urinary
    retention and saddle numbness since yesterday" is one, and so is "Saddle anaesthesia" with an
    onset two days ago; "Urinary retention due to BPH", "Urinary retention, resolved", "stress
    incontinence" are not."""
    return (
        bool(reported(_SPHINCTER_OR_SADDLE, text))
        and (onset_new or bool(_NEW_SYMPTOM.search(text)))
        and not _SPHINCTER_EXPLAINED.search(text)
    )


def red_flags_named(*texts: str | None, onset_new: bool = False) -> frozenset[str]:
    """The red flags the words of a diagnosis (its text, its codings' displays) name:
    "cauda_equina" ("Cauda equina syndrome"), "sphincter_or_saddle" ("New urinary retention and
    saddle numbness since yesterday": ``_new_sphincter_or_saddle``),
    "metastasis" ("Bone metastases", "Secondary malignant neoplasm of bone", "Malignant neoplasm of
    vertebral column"), "cancer" ("Malignant neoplasm of
    breast", "History of prostate cancer", "Breast cancer in remission"), "infection" ("Lumbar
    discitis", "Spinal epidural abscess", "Vertebral osteomyelitis") and "fracture" ("L1 compression
    fracture", "Fracture of lumbar vertebra"). Each must be reported in its part of a sentence, not
    denied ("no history of cancer", "cauda equina syndrome ruled out"), nor a relative's ("family
    history of cancer"); a question or a rule-out is a suspicion, and a suspicion is a red flag
    ("?CES", "r/o metastasis"). A cancer looked for or feared ("cancer screening", "fear of cancer"),
    a basal or squamous cell skin cancer, a carcinoma in situ or a benign tumour is no cancer; a
    cancer in the past is one (a cancer history). Cauda equina, infection and fracture words written
    as past ("history of discitis", "old L1 fracture", "healed") are not; a fracture or an infection
    must be of the spine ("stress fracture of foot", "osteomyelitis of toe" are not), a fracture of
    a lumbar vertebra, not of the pars. ``onset_new``: the diagnosis's own onset date is within the
    days a bladder, bowel or saddle symptom counts as new, so its words need not say "new"."""
    found: set[str] = set()
    text = "\n".join(t for t in texts if t)
    if not _RELATIVE.search(text) and _new_sphincter_or_saddle(text, onset_new):
        found.add("sphincter_or_saddle")
    for sentence in _sentences(text):
        if _RELATIVE.search(sentence):
            continue
        screened = bool(_NEGATIVE_SCREEN.search(sentence)) and not _SCREEN_EXCEPTION.search(sentence)
        parts = _parts(sentence)
        for i, part in enumerate(parts):
            following = parts[i + 1] if i + 1 < len(parts) else ""
            # present only: one not denied, nor written as past, nor asked about in a negative screen
            found.update(
                kind
                for kind, pattern in _PRESENT_FLAGS
                if not screened
                and any(
                    not _denied_red_flag(part, m, history_counts=False, following=following)
                    for m in pattern.finditer(part)
                )
            )
            for m in _METASTASIS.finditer(part):
                if not _denied_red_flag(part, m, history_counts=True) and not _NOT_A_CANCER.search(part):
                    found.add("metastasis")
            for m in _CANCER.finditer(part):
                kind = _cancer_kind(part, m)
                if kind is not None:
                    found.add(kind)
            context = part + "," + following
            if _NOT_VERTEBRAL_BODY.search(context) or _outside_lumbar(context):
                continue
            for m in _FRACTURE.finditer(part):
                if (
                    not screened
                    and _SPINE_BONE.search(context)
                    and not _denied_red_flag(part, m, history_counts=False, following=following)
                ):
                    found.add("fracture")
    return frozenset(found)


# Leg symptoms brought on by walking or standing and eased by sitting, rest or bending forward: the
# pattern of neurogenic claudication, not a lasting deficit of both legs.
ON_WALKING = _words(
    r"\b(?:on|when|with|after|while|during|from)\s+(?:walking|standing|ambulat\w*|exertion)\b"
    r"|\bwalk(?:ing)?\s+(?:\d+|a few|a short|short|for)\b"
)
EASED_BY_SITTING = _words(
    r"\b(?:relieved|relief|eased?|eases|easing|better|improves?|improved|settles?|subsides?|resolves?|"
    r"goes away)\b[^.;]{0,25}?\b(?:sitting|sits?|rest(?:ing)?|bending|flexion|leaning|stooping)\b"
)
# ... unless they are there at rest, all the time, new, or came on suddenly
NOT_CLAUDICATION = _words(
    r"\bat rest\b|\bconstant\w*|\bcontinuous\w*|\ball the time\b|\bpersistent\w*|\bsudden\w*|"
    r"\bsince (?:yesterday|today|this morning|last night)\b|\bnew(?: onset(?: of)?)? (?:numb|weak)"
)


def _claudication(sentence: str, text: str) -> bool:
    """Whether ``sentence`` (of ``text``) tells neurogenic claudication: the word, or symptoms on
    walking or standing that ``text`` says sitting, rest or bending eases; never symptoms at rest,
    constant, new or sudden ones."""
    if reported(NOT_CLAUDICATION, sentence):
        return False
    if reported(CLAUDICATION, sentence):
        return True
    return bool(reported(ON_WALKING, sentence)) and bool(reported(EASED_BY_SITTING, text))


def tells_claudication(text: str) -> bool:
    """Whether ``text`` names neurogenic claudication, or tells its pattern (``_claudication``:
    symptoms on walking or standing, eased by sitting, rest or bending)."""
    return bool(reported(CLAUDICATION, text)) or any(_claudication(s, text) for s in _sentences(text))


# A sentence that gives weakness or numbness of both legs a cause other than a new compression, or
# calls it old: deconditioning (decision model §7.3: not a red flag), a long-standing neurological
# disease, or a deficit written as chronic or unchanged. Not a cauda equina warning sign.
_OTHER_CAUSE = _words(
    r"\bchronic\b|long[- ]?standing|\bunchanged\b|\bstable for\b|\bfor (?:many |several |\d+ )?years\b|"
    r"\bsince (?:19|20)\d\d\b|decondition\w*|\bbed ?rest\b|\b(?:weeks?|days?|months?) in hospital\b|"
    r"multiple sclerosis|(?-i:\bMS\b)|\bstroke\b|hemipar\w*|parapar\w*|spinal cord injury"
)


# A strength score written as limited by pain or effort, not by the nerve: no weakness of the root
_PAIN_LIMITED = _words(
    r"limited by (?:\w+ )?(?:pain|effort|guarding)|pain[- ]limited|give[- ]?way|"
    r"\bdue to (?:hip |knee )?pain\b|poor effort"
)


def limited_by_pain_or_effort(text: str) -> bool:
    """Whether a strength score's words say it was limited by pain or effort (``_PAIN_LIMITED``:
    "give-way weakness, limited by pain", "poor effort"): the score does not measure the root."""
    return bool(_PAIN_LIMITED.search(text))


def explains_weakness_otherwise(text: str) -> bool:
    """Whether ``text`` (a strength score's notes, a weakness diagnosis's words) gives the weakness a
    cause other than a new root compression or calls it old (``_OTHER_CAUSE``: chronic, unchanged for
    years, after a stroke, multiple sclerosis, deconditioning) or says the score was limited by pain
    or effort (``_PAIN_LIMITED``)."""
    return bool(_OTHER_CAUSE.search(text)) or limited_by_pain_or_effort(text)


def _past(part: str, m: re.Match[str]) -> bool:
    """Written as past just before ("history of bilateral leg numbness", "previous weakness of both
    legs"): at most two words between, and no "and" ("no history of back surgery and new bilateral
    leg weakness" is new weakness)."""
    cues = list(_PAST_BEFORE.finditer(part, 0, m.start()))
    if not cues:
        return False
    between = part[cues[-1].end() : m.start()].split()
    return len(between) <= 2 and not any(w.lower() in ("and", "or", "but", "with", "then") for w in between)


def states_bilateral_leg_deficit(text: str) -> bool:
    """Whether a part of a sentence of ``text`` records weakness or numbness of both legs, neither
    denied ("weakness of both legs", "bilateral leg numbness", "pain in both legs, no numbness or
    weakness" does not). Both must be in the same part: "weakness of the right leg, pain in both
    legs" is one leg's weakness; both legs named alone between commas belong to the part beside
    them. Not in a sentence that tells neurogenic claudication ("both legs go numb on walking,
    eased by sitting"): that is the stenosis, not a deficit; nor in one that gives it another cause
    or calls it old (``_OTHER_CAUSE``: deconditioning after weeks in hospital, multiple sclerosis,
    "chronic", "unchanged for years")."""
    for sentence in _sentences(text):
        if _claudication(sentence, text) or _OTHER_CAUSE.search(sentence) or _RELATIVE.search(sentence):
            continue
        parts = _parts(sentence)
        joined: list[str] = []
        for i, part in enumerate(parts):
            if _BARE_LEGS.fullmatch(part) and (joined or i + 1 < len(parts)):
                if joined:
                    joined[-1] += "," + part
                else:
                    parts[i + 1] = part + "," + parts[i + 1]
                continue
            joined.append(part)
        for part in joined:
            legs = [
                m for m in BILATERAL_LEGS.finditer(part) if not _denied(part, m) and not _past(part, m)
            ]
            if legs and any(not _denied(part, w) and not _past(part, w) for w in WEAK_OR_NUMB.finditer(part)):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# An imaging report's finding in a few words (a card's short form)
# ---------------------------------------------------------------------------------------------

FINDING_MAX = 52
INSTABILITY = _words(r"(?:dynamic |segmental )?instabilit\w*|abnormal (?:translation|motion)")
# what an imaging report names that a fusion may treat: a slip (spondylolisthesis, antero- or lateral
# listhesis; not the trace retrolisthesis of a degenerated disc), a pars defect, instability, or an
# earlier fusion that did not heal
FUSION_FINDING = _words(
    INSTABILITY.pattern
    + r"|\b(?:spondylo|antero|lateral )listhesis\b|\bspondylolys[ie]s\b"
    r"|\bpars (?:interarticularis )?(?:defects?|fractures?)\b"
    r"|\bpseudo?arthros[ie]s\b|\bnon-?union\b"
)
_CONCORDANCE_REMARK = _words(r",\s*(?:concordant|consistent|correlat|in keeping)\w*.*$")
_FINDING_FILLER = _words(
    r"\bthe (?:(?:traversing|exiting) )?(?=(?:left |right )?[LS]\d (?:nerve )?roots?\b)|\bnerve (?=roots?\b)|"
    r"\bdisc (?=(?:extrusion|protrusion|herniation|bulg)\w*)"
)


# where a long finding's qualifying words begin ("…, 4 mm in extension", "… due to …")
_FINDING_QUALIFIER = _words(
    r",\s| due to | measuring | around | (?:compress|contact|abutt|imping|displac|encas|surround)ing "
)


def _first_clause(text: str) -> str:
    stop = CLAUSE_BREAK.search(text)
    return text[: stop.start() if stop else len(text)]


def _condensed(clause: str) -> str:
    said = _FINDING_FILLER.sub("", _CONCORDANCE_REMARK.sub("", clause)).strip().rstrip(".;:, ")
    if len(said) > FINDING_MAX:
        cuts = [m.start() for m in _FINDING_QUALIFIER.finditer(said) if m.start() >= 20]
        within = [c for c in cuts if c <= FINDING_MAX]
        said = said[: (within or cuts)[-1 if within else 0]] if cuts else said
    return said[:1].lower() + said[1:] if said[1:2].islower() else said


def finding_of(pattern: re.Pattern[str], conclusion: str | None) -> str:
    """The clause of a report that affirms ``pattern`` (not negated), shortened as ``key_finding``
    shortens it; "" when no clause affirms it."""
    found = affirmed(pattern, conclusion)
    return _condensed(clause_of(conclusion or "", found[0])) if found else ""


def key_finding(conclusion: str | None) -> str:
    """The finding an imaging report turns on, in its own words, shortened for a card: the clause
    with an affirmed compressive lesion; else the first clause, and the clause that denies
    compression when there is one (only the denial when both are too long together). "The
    traversing", "nerve" before "root", "disc" before the lesion and a trailing concordance remark
    are dropped; a clause still longer than ``FINDING_MAX`` ends before its last qualifier (", ",
    "due to", "measuring") within that length."""
    text = (conclusion or "").strip()
    if not text:
        return ""
    lesion = finding_of(COMPRESSION, text)
    if lesion:
        return lesion
    first = _condensed(_first_clause(text))
    denial = NEGATED_COMPRESSION.search(text)
    if denial is None:
        return first
    denied = _condensed(clause_of(text, denial))
    if denied.lower() in first.lower():
        return first
    both = f"{first}; {denied[:1].lower()}{denied[1:]}"
    return both if len(both) <= FINDING_MAX + 24 else denied


# ---------------------------------------------------------------------------------------------
# Names in a few words (a card's short form)
# ---------------------------------------------------------------------------------------------

# The abbreviations clinicians write, longest first so "transforaminal epidural steroid injection"
# becomes "TFESI", not "transforaminal ESI".
ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_words(rf"\b{long}\b"), short)
    for long, short in (
        (r"transforaminal (?:epidural steroid injection|ESI)", "TFESI"),
        (r"interlaminar (?:epidural steroid injection|ESI)", "ILESI"),
        (r"epidural steroid injection", "ESI"),
        (r"radiofrequency ablation", "RFA"),
        (r"spinal cord stimulator", "SCS"),
        (r"magnetic resonance imaging", "MRI"),
        (r"infection and inflammatory reaction due to", "infection of"),  # ICD-10-CM T8x device codes
    )
)
NAME_MAX = 40  # a name longer than this is cut at its first comma in a short form


def abbreviate(text: str) -> str:
    """``text`` with the long procedure names clinicians abbreviate abbreviated ("TFESI", "RFA")."""
    for pattern, short in ABBREVIATIONS:
        text = pattern.sub(short, text)
    return text


def short_name(text: str) -> str:
    """A coded display or order text in a few of its own words: the clinician's name in brackets
    after a coded display ("Spondylosis without myelopathy …, lumbar region (facet arthropathy)" →
    "facet arthropathy"); else abbreviated, and a name still longer than ``NAME_MAX`` up to its first
    comma ("Intervertebral disc disorders with radiculopathy, lumbar region" → "Intervertebral disc
    disorders with radiculopathy")."""
    aside = re.fullmatch(r"(.+?)\s*\(([A-Za-z][^()]*)\)", text.strip())
    if aside is not None:
        return aside.group(2)
    said = abbreviate(text)
    if len(said) > NAME_MAX and ", " in said:
        return said[: said.index(", ")]
    return said
