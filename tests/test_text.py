"""Truth tables for hooks.text: every free-text reading the clinical layer does, one row per case.

Each table states the text and the answer the rules must get; a change to a pattern that changes
an answer fails here first, by row.
"""

from __future__ import annotations

import re

import pytest

from hooks import text
from hooks.terminology import Terminology, default_terminology

# ---------------------------------------------------------------------------------------------
# Spinal levels: one grammar for the level of a procedure, a report and a diagnosis
# ---------------------------------------------------------------------------------------------

LEVELS: list[tuple[str, tuple[str, ...]]] = [
    ("L5", ("L5",)),
    ("L 5", ("L5",)),
    ("l5", ("L5",)),
    ("S1 root", ("S1",)),
    ("L5-S1", ("L5-S1",)),
    ("L5/S1", ("L5-S1",)),
    ("L5–S1", ("L5-S1",)),
    ("L5 - S1", ("L5-S1",)),
    ("l5/s1 foramen", ("L5-S1",)),
    ("L4-5", ("L4-L5",)),
    ("L4-L5", ("L4-L5",)),
    ("l4 to l5", ("L4-L5",)),
    ("L 4 - 5", ("L4-L5",)),
    ("L5 nerve root", ("L5",)),
    ("L4-5 bulge; L5-S1 extrusion", ("L4-L5", "L5-S1")),
    ("L5-S1 and again L5-S1", ("L5-S1",)),
    ("L5 S1", ("L5", "S1")),
    ("T12", ()),
    ("T12-L1", ()),  # a thoracolumbar range is not a lumbar level
    ("T11 and L3", ("L3",)),
    ("L6", ()),
    ("L0", ()),
    ("S6", ()),
    ("L5-S6", ("L5",)),  # an impossible end keeps the valid start
    ("L45", ()),
    ("ALL5", ()),
    ("C5-6", ()),
    ("lumbar spine", ()),
    ("", ()),
]


@pytest.mark.parametrize(("written", "levels"), LEVELS)
def test_levels_in(written: str, levels: tuple[str, ...]) -> None:
    assert text.levels_in(written) == levels


@pytest.mark.parametrize(("written", "levels"), LEVELS)
def test_parse_level_is_the_first_of_levels_in(written: str, levels: tuple[str, ...]) -> None:
    assert text.parse_level(written) == (levels[0] if levels else None)


def test_levels_across_texts_in_order() -> None:
    """Several texts are read in order (body site before notes): the first stated level wins."""
    assert text.parse_level(None, "", "left L5 root", "L4-5 disc") == "L5"
    assert text.levels_in(None, "L4-5", "L5-S1; L4-5") == ("L4-L5", "L5-S1")
    assert text.parse_level(None, "") is None


@pytest.mark.parametrize(
    ("levels", "vertebrae"),
    [
        (("L4-L5",), {"L4", "L5"}),
        (("L5-S1", "S1"), {"L5", "S1"}),
        (("l5-s1",), {"L5", "S1"}),
        (("L3",), {"L3"}),
        ((None, ""), set()),
        ((), set()),
    ],
)
def test_segments(levels: tuple[str | None, ...], vertebrae: set[str]) -> None:
    assert text.segments(*levels) == vertebrae


# ---------------------------------------------------------------------------------------------
# Laterality and site
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "side"),
    [
        (("left leg",), "left"),
        (("Lt L5",), "left"),
        (("Right",), "right"),
        (("rt S1",), "right"),
        (("left", "right"), "bilateral"),
        (("left and right legs",), "bilateral"),
        (("bilat",), "bilateral"),
        (("Bilateral L5",), "bilateral"),
        (("pain on both sides",), "bilateral"),
        (("left", "bilateral"), "bilateral"),
        ((None, "", "left"), "left"),
        (("midline",), None),
        (("leftover",), None),
        (("bright",), None),
        ((), None),
    ],
)
def test_parse_laterality(texts: tuple[str | None, ...], side: str | None) -> None:
    assert text.parse_laterality(*texts) == side


@pytest.mark.parametrize(
    ("site", "leg"),
    [
        ("Left leg", True),
        ("legs", True),
        ("lower extremity", True),
        ("right thigh", True),
        ("calf", True),
        ("foot", True),
        ("Buttock", True),
        ("sciatic pain", True),
        ("radicular pain", True),
        ("Low back", False),
        ("legacy", False),
        ("", False),
        (None, False),
    ],
)
def test_is_leg_site(site: str | None, leg: bool) -> None:
    assert text.is_leg_site(site) is leg


# ---------------------------------------------------------------------------------------------
# Clauses and negation
# ---------------------------------------------------------------------------------------------

_HERNIATION = re.compile("herniation", re.I)


@pytest.mark.parametrize(
    ("report", "affirmed"),
    [
        ("Recurrent herniation at L5-S1.", 1),
        ("No herniation.", 0),
        ("No stenosis; herniation at L5-S1.", 1),  # the negation ends with its clause
        ("No stenosis, herniation at L5-S1.", 0),  # a comma does not end a clause
        ("Without herniation but herniation at L4-5.", 1),
        ("Negative for herniation.", 0),
        ("Absence of herniation.", 0),
        ("Free of herniation.", 0),
        ("Resorption of the herniation.", 0),
        ("Resolved herniation.", 0),
        ("Not a herniation: a synovial cyst.", 0),
        ("Nothing to note. Herniation at L5-S1; however no herniation at L4-5.", 1),
        ("Knot herniation.", 1),  # "knot" is not "not"
        ("", 0),
    ],
)
def test_affirmed(report: str, affirmed: int) -> None:
    assert len(text.affirmed(_HERNIATION, report)) == affirmed


def test_affirmed_of_none() -> None:
    assert text.affirmed(_HERNIATION, None) == []


@pytest.mark.parametrize(
    ("report", "clause"),
    [
        (
            "Disc bulge. Extrusion at L5-S1 compressing the root; mild stenosis",
            "Extrusion at L5-S1 compressing the root",
        ),
        ("Extrusion at L5-S1", "Extrusion at L5-S1"),
        ("L4-5 normal but extrusion at L5-S1 however stable", " extrusion at L5-S1 "),
        ("Impression: extrusion at L5-S1.", "extrusion at L5-S1."),
    ],
)
def test_clause_of(report: str, clause: str) -> None:
    m = re.search("extrusion", report, re.I)
    assert m is not None
    assert text.clause_of(report, m) == clause


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("Lumbar stenosis without neurogenic claudication", []),
        ("Stenosis without claudication, no leg pain", []),
        ("Stenosis, no radicular symptoms", []),
        ("Spinal stenosis. Denies leg pain or radiation", []),
        ("Stenosis with claudication", ["claudicat"]),
        ("Stenosis without myelopathy, with neurogenic claudication", ["claudicat"]),
    ],
)
def test_reported_leg_symptoms(written: str, found: list[str]) -> None:
    assert [m.group(0) for m in text.reported(text.LEG_SYMPTOMS, written)] == found


def test_mentions() -> None:
    assert text.mentions(text.MRI, None, "", "MRI lumbar spine")
    assert not text.mentions(text.MRI, None, "", "CT lumbar spine")
    assert not text.mentions(text.MRI)


# ---------------------------------------------------------------------------------------------
# Word patterns: each named pattern with texts it must find and texts it must not
# ---------------------------------------------------------------------------------------------

PATTERNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "LEG_SYMPTOMS": (
        ("neurogenic claudication", "Sciatica", "radiculopathy", "pain radiating", "leg pain",
         "leg symptoms", "buttock", "thigh", "calf"),
        ("low back pain", "lumbar stenosis"),
    ),
    "CLAUDICATION": (("Neurogenic claudication", "claudicates at 100 m"), ("sciatica",)),
    "SADDLE": (
        ("saddle anaesthesia", "perineal numbness", "perianal", "buttocks and inner thigh",
         "buttock and inner thigh"),
        ("left thigh numbness", "buttock pain"),
    ),
    "INJECTION_DRUG_USE": (
        ("injects heroin", "intravenous drug use", "IV drug use", "history of IVDU", "PWID"),
        ("oral opioids", "ivy", "IVF"),
    ),
    "MRI": (("MRI lumbar spine", "Magnetic resonance imaging"), ("CT lumbar", "mrin")),
    "CT": (("CT lumbar spine", "Computed tomography of the spine"), ("CTA", "octet", "MRI lumbar")),
    "RADIOGRAPH": (("Lumbar spine radiographs", "X-ray lumbar", "xray"), ("MRI lumbar", "CT lumbar")),
    "INSTABILITY": (
        ("dynamic instability", "segmental instability", "abnormal translation"),
        ("stable", "no abnormal angulation"),
    ),
    "INTRATHECAL_TRIAL": (
        ("Intrathecal morphine trial", "IT bolus trial", "ziconotide trial",
         "trial of intrathecal hydromorphone", "subarachnoid bolus trial"),
        ("SCS trial", "epidural steroid injection", "intrathecal pump refill", "trial of gabapentin",
         "felt it was not helpful during the trial"),
    ),
    "STENOSIS": (
        ("moderate central canal stenosis", "lumbar spinal stenosis", "stenotic canal", "canal narrowing"),
        ("stent", "stenography", "foramina patent"),
    ),
    "CONTRAST_ASKED": (
        ("contrast-enhanced study recommended", "recommend MRI with contrast", "gadolinium advised"),
        ("MRI without contrast", "no contrast given", "recommended follow-up in 6 weeks"),
    ),
    "UNCERTAIN": (
        ("protrusion versus scar", "herniation vs. fibrosis", "cannot be distinguished", "equivocal",
         "contrast-enhanced study recommended", "recommend MRI with contrast", "or epidural fibrosis"),
        ("versatile", "recurrent extrusion compressing the S1 root", "no scar", "contrast enhancing"),
    ),
    "FUSION_FINDING": (
        ("Grade 1 anterolisthesis of L4 on L5", "spondylolisthesis", "lateral listhesis",
         "bilateral L5 pars defects", "pars interarticularis fracture", "spondylolysis", "pseudarthrosis",
         "pseudoarthrosis", "non-union", "nonunion", "segmental instability"),
        ("listless", "unionised", "parsing", "stable alignment", "solid arthrodesis", "trace retrolisthesis"),
    ),
    "SPINE_IMAGING": (("Lumbar X-ray", "spine film", "CT abdomen", "radiograph"), ("chest x-ray", "ctx")),
    "CONTRAST": (
        ("MRI without and with contrast", "with and without contrast", "gadolinium", "post-contrast",
         "postcontrast", "enhancing", "with and without IV contrast", "post contrast"),
        ("MRI without contrast", "MRI lumbar spine", "MRI W/WO"),
    ),
    "CONTRAST_AGENT": (("W/WO CONTRAST", "gadolinium", "with gad"), ("MRI lumbar spine WO", "gadget")),
    "WITH_AND_WITHOUT": (
        ("W/WO", "W WO", "W + W/O", "W&WO", "WO/W", "with and without", "without and with", "pre and post",
         "pre- and post-contrast", "pre/post"),
        ("without contrast", "with contrast", "W/O contrast", "wound"),
    ),
    "UPPER_LIMB_MUSCLE": (
        ("Right grip strength", "wrist extension", "shoulder abduction", "deltoid", "biceps", "C6 myotome",
         "upper extremity", "left hand"),
        ("ankle dorsiflexion", "EHL", "motor strength", "handle", "armour", "Hand-held dynamometry",
         "handheld dynamometer"),
    ),
    "LOWER_LIMB_MUSCLE": (
        ("ankle dorsiflexion", "Left EHL", "hip flexion", "quadriceps", "lower extremity", "L5 myotome",
         "plantarflexion", "calf raise", "tibialis anterior", "gastrocnemius/soleus", "peroneus longus",
         "iliopsoas", "hip adductors", "ankle eversion", "hip abduction", "abductor hallucis"),
        ("grip", "wrist extension", "motor strength", "finger abductors", "shoulder abductors"),
    ),
    "COMPRESSION": (
        ("extrusion compressing the left S1 nerve root", "abutting the traversing L5 root",
         "nerve root is compressed", "protrusion contacting the thecal sac",
         "severe foraminal stenosis", "moderately severe lateral recess narrowing",
         "foraminal stenosis with impingement"),
        ("mild foraminal stenosis", "disc bulge. Root normal", "moderate foraminal stenosis"),
    ),
    "NEGATED_COMPRESSION": (
        ("no nerve root compression", "No significant stenosis", "no evidence of herniation",
         "no definite recurrence", "without neural impingement"),
        ("nerve root compression", "not compressed"),
    ),
    "NONSPECIFIC_IMAGING": (
        ("multilevel degenerative change", "multi-level", "nonspecific", "non-specific", "mild degenerative",
         "age-related", "no significant nerve root compression", "does not explain", "discordant"),
        ("extrusion at L5-S1 compressing S1",),
    ),
    "RECURRENCE": (
        ("recurrent disc herniation", "recurrent left paracentral extrusion", "re-herniation", "reherniation",
         "non-enhancing disc fragment", "nonenhancing material"),
        ("recurrent pain", "enhancing scar"),
    ),
    "FIBROSIS": (
        ("epidural fibrosis", "scar tissue", "enhancing scar", "postoperative scar", "post-operative scar",
         "granulation tissue", "peridural fibrosis"),
        ("fibrous disc", "scarring of the skin"),
    ),
    "LF_HYPERTROPHY": (
        ("ligamentum flavum hypertrophy", "ligament flavum thickening", "flaval hypertrophy"),
        ("facet hypertrophy",),
    ),
    "DIAGNOSTIC_INJECTION": (
        ("Selective nerve root block", "SNRB L5", "diagnostic block", "local anesthetic only",
         "local anaesthetic only", "anesthetic only", "without steroid", "no steroid", "64483-KX"),
        ("transforaminal ESI", "steroid injection"),
    ),
    "NO_STEROID": (
        ("lidocaine only; no steroid given", "without steroid", "not a steroid", "local anesthetic only",
         "steroid-free", "bupivacaine only"),
        ("triamcinolone 40 mg", "transforaminal epidural steroid injection", "no improvement"),
    ),
    "STEROID_GIVEN": (
        ("diagnostic and therapeutic TFESI", "nerve root block with steroid", "steroid was injected",
         "triamcinolone 40 mg", "Depo-Medrol 80 mg", "dexamethasone 10 mg"),
        ("transforaminal epidural steroid injection", "anesthetic agent(s) and/or steroid",
         "without steroid", "lidocaine only", "no steroid given", "steroid was not given"),
    ),
    "BACK_SITE": (
        ("Lower back", "Low back pain score", "lumbar spine", "axial pain", "Back"),
        ("Left leg", "buttock", "Pain severity", "backpack"),
    ),
    "CERVICAL_THORACIC": (("Cervical ESI", "thoracic interlaminar"), ("lumbar ESI",)),
    "TRIAL": (("SCS trial", "Trial of stimulation"), ("trials", "permanent implant")),
    "STIMULATION": (
        ("spinal cord stimulator", "spinal cord stimulation", "SCS trial", "dorsal root ganglion",
         "DRG trial"),
        ("nerve stimulation test", "scsi"),
    ),
    "DRG": (("dorsal root ganglion stimulation", "DRG"), ("drugs", "SCS")),
    "ABLATION": (
        ("radiofrequency ablation", "radiofrequency neurotomy", "radiofrequency denervation", "RFA",
         "cryoablation", "cryoneurolysis", "neurotomy", "rhizotomy"),
        ("radiofrequency", "ablation of the endometrium"),
    ),
    "PULSED": (("pulsed radiofrequency",), ("continuous radiofrequency",)),
    "FACET_OR_SI": (
        ("facet joint", "medial branch", "sacroiliac", "SI joint", "SIJ"),
        ("transforaminal", "sit"),
    ),
    "BLOCK": (
        ("medial branch block", "MBB", "sacroiliac joint injection", "sacroiliac block", "SI injection",
         "SIJ block", "selective nerve root block", "SNRB"),
        ("medial branch RFA", "epidural block"),
    ),
    "EPIDURAL_INJECTION": (
        ("epidural steroid injection", "ESI", "TFESI", "ILESI", "transforaminal injection"),
        ("esiotropia", "facet injection"),
    ),
    "TRANSFORAMINAL_FUSION": (
        ("transforaminal lumbar interbody fusion", "Transforaminal interbody fusion L5-S1", "TLIF L4-5"),
        ("transforaminal epidural steroid injection", "transforaminal injection L5", "tlifx"),
    ),
    "PERMANENT_IMPLANT": (
        ("permanent SCS implant", "implantable pulse generator", "IPG placement"),
        ("SCS trial", "ipgx"),
    ),
    "SPINE_SERVICE": (
        ("Spine clinic", "spinal surgery", "Neurosurgery", "orthopaedic surgery", "orthopedic surgeon",
         "pain clinic", "pain management", "pain medicine", "Spine surgery clinic consultation",
         "spine surgeon", "Orthopaedic spine service", "Spine center", "Physiatry", "PM&R clinic",
         "Back pain clinic"),
        ("orthopaedic clinic", "physiotherapy", "pain", "Primary care follow-up: spinal pain",
         "Physical therapy - lumbar spine", "spinal pain", "spine", "lumbar spine physiotherapy",
         "Spinal cord stimulator check", "spinal stenosis follow-up", "pain follow-up"),
    ),
    "SURGICAL_SERVICE": (
        ("spine surgery", "spinal surgeon", "Neurosurgery", "orthopaedic spine", "orthopedic surgery"),
        ("spine clinic", "pain management", "orthopaedic clinic"),
    ),
    "NO_SURGICAL_TARGET": (
        ("no surgical target", "not a surgical candidate", "no surgical lesion",
         "not a candidate for surgery", "not a candidate for further surgery", "no operable lesion"),
        ("surgical target at L5-S1", "candidate for surgery"),
    ),
    "RELIEF_WORDS": (("Pain relief", "relieved by 60 %"), ("reliefs", "relieve")),
    "FOOT_DROP": (
        ("Foot drop", "Right foot drop", "footdrop", "foot-drop", "Drop foot (left)"),
        ("foot dropped off the pedal", "drop-off", "wrist drop"),
    ),
    "STRENGTH_WORDS": (
        ("Muscle strength", "motor strength", "strength grade", "MRC grade", "manual muscle testing", "MMT",
         "motor power", "ankle dorsiflexion", "plantarflexion", "plantar flexion", "extensor hallucis longus",
         "EHL", "hip flexion", "knee extension", "power (L5)"),
        ("grip", "pain score", "mrcp"),
    ),
    "NOT_ORAL_ROUTE": (
        ("Epidural", "Intramuscular", "IM", "Intravenous", "IV", "injectable suspension", "intra-articular",
         "intraarticular", "Subcutaneous", "Topical", "Inhalation", "Nasal", "Ophthalmic", "Otic",
         "perineural"),
        ("Oral", "oral tablet", "by mouth", "PO", "narcotic", "antibiotic", "ivermectin"),
    ),
    "TOPICAL": (
        ("Topical", "diclofenac sodium 1 % gel", "Voltaren Gel", "ketoprofen cream", "transdermal patch",
         "diclofenac epolamine patch", "cutaneous"),
        ("Oral", "naproxen 500 mg tablet", "dispatched", "gelatin capsule", "ibuprofen oral suspension"),
    ),
    "MOUD_FORMULATION": (
        ("sublingual film", "Buprenorphine 8 mg SL", "buccal", "Sublocade injection",
         "buprenorphine and naloxone", "Suboxone", "Brixadi"),
        ("transdermal patch", "oral tablet"),
    ),
    "OTP_TEXT": (
        ("opioid treatment program", "dispensed by the OTP", "for opioid use disorder"),
        ("pain management", "hotplate"),
    ),
    "ALCOHOL_TEXT": (
        ("50 mg daily for alcohol use disorder", "Alcohol dependence", "alcoholism"),
        ("opioid use disorder", "nonalcoholic steatohepatitis", "50 mg daily"),
    ),
    "MG_DOSE": (("16 mg daily", "2.5mg"), ("16 mcg", "take 2 tablets", "5 mgmt")),
    "OTHER_INDICATION": (
        ("epilepsy", "seizure disorder", "trigeminal neuralgia", "bipolar disorder", "postherpetic neuralgia",
         "diabetic neuropathy", "diabetic polyneuropathy", "fibromyalgia", "migraine prophylaxis",
         "major depression", "anxiety", "panic disorder", "post-traumatic stress"),
        ("sciatica", "lumbar radiculopathy"),
    ),
    "LUMBAR_SITE": (("Lumbar spine", "L4-5", "L5-S1", "S1", "sacrum"), ("C5-C6", "cervical spine", "knee")),
    "NON_LUMBAR_SITE": (
        ("cervical", "thoracic spine", "neck", "ACDF C5-6", "C5", "T12"),
        ("lumbar", "L4-5"),
    ),
    "RELATIVE_ONSET": (
        ("years ago", "3 weeks ago", "a few months ago", "2 days ago"),
        ("since 2019", "last year"),
    ),
    "DEPOT_STEROID": (
        ("methylprednisolone acetate", "Depo-Medrol", "Kenalog-40", "Celestone Soluspan"),
        ("prednisone", "methylprednisolone 4 mg tablet"),
    ),
    "BILATERAL_LEGS": (
        ("weakness of both legs", "bilateral lower extremity numbness", "numb feet bilaterally"),
        ("left leg", "both arms"),
    ),
    "WEAK_OR_NUMB": (
        ("weakness", "numbness", "pins and needles", "paraesthesia", "paresthesia", "hypoesthesia",
         "sensory loss"),
        ("pain", "stiffness"),
    ),
    "DENIAL_CUE": (
        ("patient denies", "no", "without", "negative for", "never injected", "not"),
        ("new weakness", "knows", "nothing", "notable", "no improvement in", "not resolved",
         "without relief of", "no significant change"),
    ),
    "DENIAL_AFTER": (
        ("? denies", ": none", " - negative", "? No", " denied", "  absent"),
        (": no improvement", " - new since Monday", ", not denied"),
    ),
    "PART_BREAK": (
        (",", " but ", "however", "reports", "complains of", "c/o", "presents with"),
        ("reportedly", "butt", "and"),
    ),
}


@pytest.mark.parametrize(
    ("name", "written", "found"),
    [
        (name, t, found)
        for name, (yes, no) in PATTERNS.items()
        for found, texts in ((True, yes), (False, no))
        for t in texts
    ],
)
def test_word_pattern(name: str, written: str, found: bool) -> None:
    pattern = getattr(text, name)
    assert bool(pattern.search(written)) is found


@pytest.mark.parametrize(
    ("written", "states"),
    [
        ("weakness of both legs", True),
        ("Numbness in the legs bilaterally.", True),
        ("New numbness of both feet and weakness of both legs", True),
        ("No weakness, bilateral leg numbness", True),
        ("No bladder symptoms but bilateral leg numbness", True),
        ("Denies incontinence and reports bilateral leg numbness", True),
        ("No history of back surgery and new bilateral leg weakness", True),  # the cue is too far
        ("Weakness and numbness, both legs, since yesterday", True),
        ("Both legs, weak and numb", True),
        ("Both legs: numb", True),
        ("Bilateral leg weakness: no improvement", True),
        ("No improvement in bilateral leg weakness", True),  # the course, not a denial
        ("Not resolved: numbness of both feet", True),
        ("Pain radiating to both legs, no numbness or weakness", False),
        ("Bilateral legs - strength 5/5, no numbness", False),
        ("Bilateral lower extremities: denies weakness, numbness", False),
        ("Right L5 radiculopathy; bilateral lower limbs without weakness or numbness", False),
        ("Patient denies bowel or bladder incontinence or weakness in both legs", False),
        ("Negative for bilateral leg weakness", False),
        ("Numbness in both legs? denies", False),
        ("Bilateral leg weakness: none", False),
        ("Weakness of the right leg, pain in both legs", False),
        ("Weakness: none. Both legs strong", False),
        # neurogenic claudication: on walking or standing, eased by sitting, rest or bending
        ("Bilateral leg numbness and weakness when walking, relieved by sitting", False),
        ("Numbness in both legs after walking 200 m; eases on sitting or bending forward", False),
        ("Neurogenic claudication: both legs go numb and weak on walking", False),
        ("Both legs numb when standing, better sitting", False),
        # ... but not at rest, constant, sudden, or without the relief
        ("Weakness of both legs, worse when walking", True),
        ("Bilateral leg numbness, constant, worse on walking, eased by sitting", True),
        ("Both legs weak on walking since yesterday, better sitting", True),
        ("Claudication for a year; now numbness of both legs at rest", True),
        ("Known claudication, new numbness of both legs", True),
        ("Bilateral leg numbness, no claudication", True),
    ],
)
def test_states_bilateral_leg_deficit(written: str, states: bool) -> None:
    assert text.states_bilateral_leg_deficit(written) is states


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("Saddle anaesthesia since this morning", ["Saddle"]),
        ("no saddle anaesthesia", []),
        ("Denies saddle numbness. Perianal numbness today", ["Perianal"]),
        ("numb dorsum of foot; no saddle anaesthesia", []),
        ("Saddle numbness? No", []),
        (None, []),
    ],
)
def test_reported(written: str | None, found: list[str]) -> None:
    assert [m.group(0) for m in text.reported(text.SADDLE, written)] == found


def test_every_named_pattern_has_a_truth_table() -> None:
    """A pattern added to hooks.text without rows here fails (LEVEL, NOTE_RELIEF, NUMBER, the clause
    and negation cues have their own tables above and below)."""
    own_tables = {"LEVEL", "NOTE_RELIEF", "NUMBER", "NEGATION_CUE", "CLAUSE_BREAK", "LEG_SITE"}
    named = {n for n in text.__all__ if isinstance(getattr(text, n), re.Pattern)}
    assert named - own_tables == set(PATTERNS)
    assert own_tables <= named


@pytest.mark.parametrize(
    ("note", "pct"),
    [
        ("60% relief for 3 weeks", "60"),
        ("about 60 % pain relief", "60"),
        ("reported relief of about 70%", "70"),
        ("relief: 40 %", "40"),
        ("good relief", None),
        ("80% better", None),
        # a duration before or after the number does not hide it
        ("80% relief for 6 hours", "80"),
        ("relief for 6 hours, 80%", "80"),
        ("Relief lasted 2.5 hours at 70 %", "70"),
        ("relief 65%", "65"),
        ("reported 70 % pain relief during the trial", "70"),
        ("7-day trial: 70 % leg pain relief", "70"),
        ("62.5% relief", "62.5"),  # the whole number, not its last digit
        # a concentration, or a number past the end of the sentence, is no relief
        ("Good relief; lidocaine 1 % 2 mL per level", None),
        ("Good relief. Lidocaine 1 % used", None),
        ("relief with 1 % lidocaine", None),
        ("Dexamethasone 10 mg with lidocaine 1 %; contrast confirmed spread", None),
        # the pattern reads the number; words that bound or deny it are read by failure.note_relief
        ("relief less than 50%", "50"),
    ],
)
def test_note_relief(note: str, pct: str | None) -> None:
    m = text.NOTE_RELIEF.search(note)
    assert (m.group(1) or m.group(2) if m else None) == pct


@pytest.mark.parametrize(
    ("value", "number"),
    [("7/10", "7"), ("about 60 %", "60"), ("-1.5", "-1.5"), ("4.5 of 5", "4.5"), ("none", None)],
)
def test_number(value: str, number: str | None) -> None:
    m = text.NUMBER.search(value)
    assert (m.group(0) if m else None) == number


# ---------------------------------------------------------------------------------------------
# Drug names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "named"),
    [
        (("Gabapentin 300 MG Oral Capsule",), True),
        (("gabapentin",), True),
        ((None, "", "GABAPENTIN enacarbil"), True),
        (("Gabapentinoid class",), False),
        (("pregabalin",), False),
        ((), False),
    ],
)
def test_names(texts: tuple[str | None, ...], named: bool) -> None:
    assert text.names("Gabapentin", *texts) is named


@pytest.fixture(scope="module")
def term() -> Terminology:
    return default_terminology()


def _member(term: Terminology, value_set: str, display: str) -> tuple[str, str]:
    for m in term[value_set].members:
        if m.display.lower() == display:
            return m.coding().system, m.coding().code
    raise AssertionError(f"{display} not in {value_set}")


def test_ingredients_named(term: Terminology) -> None:
    """A drug coded at the clinical-drug level is read by its ingredient's name, once per ingredient."""
    found = text.ingredients_named(term, "Gabapentin 300 MG Oral Capsule", None, "gabapentin")
    assert term.match("rx_gabapentinoids", found) is not None
    assert {(c.system, c.code) for c in found} == {_member(term, "rx_gabapentinoids", "gabapentin")}
    assert text.ingredients_named(term, "Vitamin D 1000 UNT", None) == ()
    assert text.ingredients_named(term, "pregabapentinol") == ()


# ---------------------------------------------------------------------------------------------
# Short forms: an imaging report's finding and a name in a few of their own words
# ---------------------------------------------------------------------------------------------

FINDINGS: list[tuple[str, str]] = [
    (
        "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root, "
        "concordant with the left S1 radicular symptoms.",
        "left paracentral extrusion at L5-S1",
    ),
    (
        "Right paracentral disc extrusion at L4-5 compressing the right L5 nerve root.",
        "right paracentral extrusion at L4-5",
    ),
    (
        "Bilateral facet arthropathy at L4-5 and L5-S1. No nerve root compression.",
        "bilateral facet arthropathy at L4-5 and L5-S1; no root compression",
    ),
    (
        "Central L4-5 disc protrusion without nerve root compression.",
        "central L4-5 protrusion without root compression",
    ),
    (
        "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy.",
        "severe central canal stenosis at L4-5",
    ),
    ("Postoperative changes at L5-S1.", "postoperative changes at L5-S1"),
    ("", ""),
]


@pytest.mark.parametrize(("conclusion", "finding"), FINDINGS)
def test_key_finding(conclusion: str, finding: str) -> None:
    assert text.key_finding(conclusion) == finding


def test_finding_of_reads_the_clause_that_affirms_it() -> None:
    report = (
        "Grade 1 anterolisthesis of L4 on L5, 3 mm in extension and 8 mm in flexion: dynamic instability."
    )
    assert text.finding_of(text.INSTABILITY, report) == "dynamic instability"
    assert text.finding_of(text.INSTABILITY, "Postoperative changes. No instability.") == ""
    fibrosis = (
        "Enhancing epidural fibrosis encasing the left S1 nerve root at L5-S1. No recurrent disc herniation."
    )
    assert text.finding_of(text.FIBROSIS, fibrosis) == "enhancing epidural fibrosis"


NAMES: list[tuple[str, str]] = [
    (
        "Spondylosis without myelopathy or radiculopathy, lumbar region (facet arthropathy)",
        "facet arthropathy",
    ),
    (
        "Intervertebral disc disorders with radiculopathy, lumbar region",
        "Intervertebral disc disorders with radiculopathy",
    ),
    ("Radiculopathy, lumbar region", "Radiculopathy, lumbar region"),
    ("Repeat transforaminal epidural steroid injection, right L5-S1", "Repeat TFESI, right L5-S1"),
    (
        "Repeat radiofrequency ablation of lumbar medial branches, bilateral L4-5 and L5-S1",
        "Repeat RFA of lumbar medial branches",
    ),
]


@pytest.mark.parametrize(("display", "name"), NAMES)
def test_short_name(display: str, name: str) -> None:
    assert text.short_name(display) == name


# ---------------------------------------------------------------------------------------------
# The muscle a strength score is of
# ---------------------------------------------------------------------------------------------

MUSCLES: list[tuple[str, frozenset[str]]] = [
    ("Right ankle dorsiflexion strength (MRC)", frozenset({"ankl", "dors"})),
    ("Ankle dorsiflexors, right", frozenset({"ankl", "dors"})),
    ("Right EHL strength (MRC)", frozenset({"exte", "hall", "long"})),
    ("Extensor hallucis longus power", frozenset({"exte", "hall", "long"})),
    ("Hip flexion strength (MRC)", frozenset({"hip", "flex"})),
    ("Knee extension, left (MMT grade)", frozenset({"knee", "exte"})),
    ("Motor strength, right leg", frozenset()),
    ("Ankle dorsiflexion (L4), R", frozenset({"ankl", "dors"})),  # a root or a side letter names no muscle
    ("Muscle strength", frozenset()),
]


@pytest.mark.parametrize(("name", "muscle"), MUSCLES)
def test_muscle_named(name: str, muscle: frozenset[str]) -> None:
    assert text.muscle_named(name) == muscle


# ---------------------------------------------------------------------------------------------
# Leg symptoms written in words (the gate for a stenosis)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "states"),
    [
        ("Sciatica", True),
        ("Pain radiating to the left calf", True),
        ("Numbness and tingling of the left leg", True),
        ("Left foot numbness", True),
        ("Both legs feel heavy after walking", True),
        ("Back pain, no leg pain; left leg numb", True),
        ("Denies leg pain or numbness", False),
        ("No leg symptoms. Back pain only", False),
        ("Back pain; legs strong, sensation intact", False),
        ("Left foot fracture in 2019", False),
        ("Headache; left leg x-ray normal", False),
    ],
)
def test_states_leg_symptoms(written: str, states: bool) -> None:
    assert text.states_leg_symptoms(written) is states


@pytest.mark.parametrize(
    ("written", "tells"),
    [
        ("Neurogenic claudication", True),
        ("Both legs go numb after walking 200 m; eased by sitting", True),
        ("Leg pain on standing, better sitting or leaning forward", True),
        ("Leg pain on walking", False),
        ("Denies claudication", False),
        ("Leg numbness on walking, constant, eased by sitting", False),
    ],
)
def test_tells_claudication(written: str, tells: bool) -> None:
    assert text.tells_claudication(written) is tells
