"""A mimic beside a failed ESI is excluded by its own examination or test, named in full.

Hip osteoarthritis, peripheral arterial disease with claudication and trochanteric bursitis can pass
for lumbar radicular pain (ACR 2021; NASS 2014): the card names the mimic and the examination or test
that excludes it — pulses and an ankle-brachial index, a hip examination and radiograph, examination
for trochanteric tenderness — in the line the clinician reads, never cut down to "exclude X.". No
verified code exists for an ankle-brachial index or a hip radiograph: they are named in words, to be
ordered in the EHR. EMG/nerve conduction studies tell a root lesion from a neuropathy or an
entrapment (peroneal, sciatic, lateral femoral cutaneous, diabetic): they are offered for those, not
as the test for a hip, arterial or bursal mimic.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    cond,
    conservative,
    next_line,
    obs,
    proc,
    radic,
    refs_of,
    report,
    run,
)

from hooks.cards import (
    ADVISORY,
    DETAIL_MAX,
    SHORT_FACT_ROOM,
    CardDraft,
    first_sentence,
    shorter_forms,
)
from hooks.facts import ConditionFact
from hooks.pathway.rules.mimics import MIMICS, Mimic, mimic_step
from hooks.suggestions import ordered_codes
from hooks.terminology import Coding

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
EMG_NCS = "95910"
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."

# (ICD-10-CM leaf code an EHR sends, its display, the words the card's next step must show)
NON_NEUROPATHY = [
    (
        "I70.213",
        "Atherosclerosis of native arteries of extremities with intermittent claudication, bilateral legs",
        ("peripheral arterial disease", "pulses", "ankle-brachial index"),
    ),
    (
        "I70.211",
        "Atherosclerosis of native arteries of extremities with intermittent claudication, right leg",
        ("peripheral arterial disease", "pulses", "ankle-brachial index"),
    ),
    ("M70.61", "Trochanteric bursitis, right hip", ("trochanteric bursitis", "trochanter", "tenderness")),
    (
        "M16.11",
        "Unilateral primary osteoarthritis, right hip",
        ("hip osteoarthritis", "hip examination", "hip radiograph"),
    ),
]
NEUROPATHY = [
    ("G57.31", "Lesion of lateral popliteal nerve, right lower limb"),
    ("G57.01", "Lesion of sciatic nerve, right lower limb"),
    ("E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy"),
]


def mimic(code: str, display: str) -> ConditionFact:
    """A current mimic Condition coded as an EHR sends it: the ICD-10-CM leaf code."""
    c = cond("mimic", "lumbar_radiculopathy_conditions", "M54.17", onset=900)
    return replace(c, codings=(Coding(ICD10, code, display),), text=display)


def failed_tfesi(imaging: str | None = CONCORDANT) -> list[Any]:
    """Five months of right S1 radiculopathy, conservative care, lumbar imaging and a TFESI 5 weeks ago
    whose leg pain stayed at 7/10 at 4 weeks (a failed injection, judged from the scores)."""
    return [
        radic(days=150),
        *conservative(140),
        *([report("mri", "72148", 120, imaging)] if imaging else []),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=35, level="L5-S1"),
        obs("pain-0", "pain", 7, 36),
        obs("pain-4w", "pain", 7, 7),
    ]


def recommended(c: CardDraft) -> list[str]:
    return [code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)]


@pytest.mark.parametrize(("code", "display", "words"), NON_NEUROPATHY, ids=[m[0] for m in NON_NEUROPATHY])
def test_f4_names_the_mimic_s_own_test_in_full_and_offers_no_emg_as_its_test(
    code: str, display: str, words: tuple[str, ...]
) -> None:
    """Whatever the imaging, the line the card shows names the mimic and its examination or test,
    whole. With the concordant lesion on imaging the mimic is the only doubt, and no nerve study
    excludes it: neither the suggestions nor the steps offer EMG. Discordant or absent imaging is a
    reason of its own for EMG (diagnostic re-evaluation): it may stay on offer, never pre-selected."""
    for imaging in (CONCORDANT, DISCORDANT, None):
        c = card_of(run(*failed_tfesi(imaging), mimic(code, display)), "F4")
        assert "Condition/mimic" in refs_of(c)
        line = next_line(c)
        for w in words:
            assert w in line, f"{w!r} missing from the line the card shows: {line}"
        assert "…" not in line, "the step is shown whole, not cut inside a clause"
        assert "EMG" not in line
        assert EMG_NCS not in recommended(c)
        assert_house_rules(c)
        if imaging == CONCORDANT:
            assert EMG_NCS not in codes_of(c), "EMG offered as the test for a mimic it cannot exclude"
            assert not any("EMG" in s for s in c.next_steps)
            assert "peripheral neuropathy" not in card_words(c)


def test_emg_is_offered_as_the_test_only_for_a_neuropathy_mimic() -> None:
    for code, display in NEUROPATHY:
        c = card_of(run(*failed_tfesi(CONCORDANT), mimic(code, display)), "F4")
        assert recommended(c) == [EMG_NCS], code
        assert "EMG/nerve conduction studies" in next_line(c), code
    for code, display, _ in NON_NEUROPATHY:
        c = card_of(run(*failed_tfesi(CONCORDANT), mimic(code, display)), "F4")
        assert EMG_NCS not in codes_of(c), code


@pytest.mark.parametrize("kind", MIMICS, ids=[m.value_set for m in MIMICS])
@pytest.mark.parametrize("first", [False, True], ids=["next", "first"])
@pytest.mark.parametrize("lead", ["Before the next spine procedure, exclude", "First exclude"])
def test_no_shortening_of_a_mimic_step_drops_its_test(kind: Mimic, first: bool, lead: str) -> None:
    """A card short of room shows the next step in a shorter complete form; every one of them still
    names the mimic with its test, and one of them fits the room the card always leaves the step."""
    c = cond("m", kind.value_set)
    step = mimic_step(((c, kind),), first=first, lead=lead)
    sentence = first_sentence(step)  # what the card shows of a step
    test = kind.test.split(" (", 1)[0]  # an aside inside the test may go; the test may not
    forms = [f for f, _ in shorter_forms(sentence)]
    for form in forms:
        assert kind.brief in form and test in form, form
    # what the facts (at most SHORT_FACT_ROOM) and the advisory line always leave the "Next:" line
    room = DETAIL_MAX - SHORT_FACT_ROOM - len(ADVISORY) - len("**Next:** ") - 2
    assert min(len(f) for f in forms) <= room
