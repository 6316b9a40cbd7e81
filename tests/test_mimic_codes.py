"""The codes a mimic is recorded under, as EHRs send them (decision model §7.5).

Peripheral arterial disease reaches the record under more codes than I70.21x (atherosclerosis of the
native arteries of the extremities with intermittent claudication): the ICD-10-CM index sends
"Claudication, intermittent" to I73.9 (peripheral vascular disease, unspecified); claudication with
rest pain is coded I70.22x alone (it "includes any condition classifiable to I70.21-"); atherosclerosis
of the extremities of unspecified type is I70.20x (I73.9 excludes it); bypass-graft atherosclerosis
with claudication or rest pain is I70.31x-I70.72x; SNOMED CT records peripheral arterial (occlusive)
disease. Diabetic neuropathy is also recorded unspecified (E10.40, E11.40, E13.40; SNOMED 230572002).
Each of them, beside a failed ESI, makes the F4 card name the mimic and its own test. Another vascular
disorder that causes no leg pain of arterial origin (varicose veins, Raynaud's syndrome) does not.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    next_line,
    refs_of,
    run,
    states,
)
from test_card_suggestions import f6_cards
from test_mimic_tests import (
    CONCORDANT,
    DISCORDANT,
    EMG_NCS,
    ICD10,
    failed_tfesi,
    mimic,
    recommended,
)

from hooks.facts import ConditionFact
from hooks.terminology import Coding, default_terminology

SNOMED = "http://snomed.info/sct"
TERM = default_terminology()

# (system, code an EHR sends, its display): one leaf per code family added to the arterial mimic
ARTERIAL = [
    (ICD10, "I73.9", "Peripheral vascular disease, unspecified"),
    (ICD10, "I70.201", "Unspecified atherosclerosis of native arteries of extremities, right leg"),
    (ICD10, "I70.223", "Atherosclerosis of native arteries of extremities with rest pain, bilateral legs"),
    (
        ICD10,
        "I70.312",
        "Atherosclerosis of unspecified type of bypass graft(s) of the extremities with intermittent "
        "claudication, left leg",
    ),
    (
        ICD10,
        "I70.321",
        "Atherosclerosis of unspecified type of bypass graft(s) of the extremities with rest pain, right leg",
    ),
    (
        ICD10,
        "I70.413",
        "Atherosclerosis of autologous vein bypass graft(s) of the extremities with intermittent "
        "claudication, bilateral legs",
    ),
    (
        ICD10,
        "I70.422",
        "Atherosclerosis of autologous vein bypass graft(s) of the extremities with rest pain, left leg",
    ),
    (
        ICD10,
        "I70.511",
        "Atherosclerosis of nonautologous biological bypass graft(s) of the extremities with intermittent "
        "claudication, right leg",
    ),
    (
        ICD10,
        "I70.529",
        "Atherosclerosis of nonautologous biological bypass graft(s) of the extremities with rest pain, "
        "unspecified extremity",
    ),
    (
        ICD10,
        "I70.612",
        "Atherosclerosis of nonbiological bypass graft(s) of the extremities with intermittent "
        "claudication, left leg",
    ),
    (
        ICD10,
        "I70.623",
        "Atherosclerosis of nonbiological bypass graft(s) of the extremities with rest pain, bilateral legs",
    ),
    (
        ICD10,
        "I70.719",
        "Atherosclerosis of other type of bypass graft(s) of the extremities with intermittent "
        "claudication, unspecified extremity",
    ),
    (
        ICD10,
        "I70.721",
        "Atherosclerosis of other type of bypass graft(s) of the extremities with rest pain, right leg",
    ),
    (SNOMED, "399957001", "Peripheral arterial occlusive disease"),
    (SNOMED, "840580004", "Peripheral arterial disease"),
]
DIABETIC_NEUROPATHY = [
    (SNOMED, "230572002", "Diabetic neuropathy"),
    (ICD10, "E10.40", "Type 1 diabetes mellitus with diabetic neuropathy, unspecified"),
    (ICD10, "E11.40", "Type 2 diabetes mellitus with diabetic neuropathy, unspecified"),
    (ICD10, "E13.40", "Other specified diabetes mellitus with diabetic neuropathy, unspecified"),
]
# vascular codes that are not the arterial mimic: no claudication or rest pain of the legs
NOT_A_MIMIC = [
    (ICD10, "I83.90", "Asymptomatic varicose veins of unspecified lower extremity"),
    (ICD10, "I73.00", "Raynaud's syndrome without gangrene"),
    (ICD10, "I70.90", "Unspecified atherosclerosis"),
]


def coded(system: str, code: str, display: str) -> ConditionFact:
    """A current Condition sent with one coding, in any system (``mimic`` builds the ICD-10-CM one)."""
    return replace(mimic(code, display), codings=(Coding(system, code, display),))


def ids(rows: list[tuple[str, str, str]]) -> list[str]:
    return [code for _, code, _ in rows]


@pytest.mark.parametrize(("system", "code", "display"), ARTERIAL, ids=ids(ARTERIAL))
def test_f4_names_peripheral_arterial_disease_and_its_test(system: str, code: str, display: str) -> None:
    """Beside a failed TFESI, the F4 card names PAD and pulses with an ankle-brachial index, whatever the
    imaging; no nerve study is offered as its test."""
    for imaging in (CONCORDANT, DISCORDANT, None):
        c = card_of(run(*failed_tfesi(imaging), coded(system, code, display)), "F4")
        assert "Condition/mimic" in refs_of(c)
        assert "peripheral arterial disease" in c.summary, c.summary
        line = next_line(c)
        for words in ("peripheral arterial disease", "pulses", "ankle-brachial index"):
            assert words in line, f"{words!r} missing from: {line}"
        assert any(f.short == "possible mimic: peripheral arterial disease" for f in c.why if f.short)
        assert EMG_NCS not in recommended(c)
        if imaging == CONCORDANT:
            assert EMG_NCS not in codes_of(c), "EMG offered as the test for a mimic it cannot exclude"
        assert_house_rules(c)


@pytest.mark.parametrize(("system", "code", "display"), DIABETIC_NEUROPATHY, ids=ids(DIABETIC_NEUROPATHY))
def test_f4_names_diabetic_neuropathy_and_offers_emg(system: str, code: str, display: str) -> None:
    """Diabetic neuropathy recorded without its form (SNOMED 230572002, E1x.40) is the diabetic
    neuropathy mimic: named on F4, with EMG/nerve conduction studies offered and recommended."""
    c = card_of(run(*failed_tfesi(CONCORDANT), coded(system, code, display)), "F4")
    assert "Condition/mimic" in refs_of(c)
    assert "peripheral neuropathy" in c.summary, c.summary
    assert "EMG/nerve conduction studies" in next_line(c)
    assert recommended(c) == [EMG_NCS]
    assert_house_rules(c)


@pytest.mark.parametrize(("system", "code", "display"), NOT_A_MIMIC, ids=ids(NOT_A_MIMIC))
def test_another_vascular_code_names_no_mimic(system: str, code: str, display: str) -> None:
    """Varicose veins, Raynaud's syndrome or atherosclerosis of no stated site: no mimic, no ABI; with
    the concordant lesion on imaging the failed ESI goes on to the surgical opinion (F3)."""
    cards = run(*failed_tfesi(CONCORDANT), coded(system, code, display))
    assert "F3" in states(cards) and "F4" not in states(cards)
    for c in cards:
        words = card_words(c).lower()
        assert "possible mimic" not in words
        assert "peripheral arterial disease" not in words and "ankle-brachial" not in words


def test_f6_names_pad_recorded_as_peripheral_vascular_disease() -> None:
    """Neurogenic claudication after a failed ESI, with claudication coded as I73.9 (the index entry
    for intermittent claudication): the F6 card says to exclude PAD first, with its test."""
    c = card_of(f6_cards(coded(ICD10, "I73.9", "Intermittent claudication")), "F6")
    assert "peripheral arterial disease" in c.summary and "exclude it first" in c.summary
    assert "ankle-brachial index" in c.next_steps[0]


def test_peripheral_vascular_disease_raises_no_red_flag() -> None:
    """The arterial mimic is not a red flag: a failed ESI with I73.9 on record gets no R card."""
    cards = run(*failed_tfesi(CONCORDANT), coded(ICD10, "I73.9", "Peripheral vascular disease, unspecified"))
    assert not [s for s in states(cards) if s.startswith("R")]


@pytest.mark.parametrize(
    ("value_set", "members"),
    [
        ("mimic_arterial_claudication", ARTERIAL),
        ("mimic_peripheral_neuropathy", DIABETIC_NEUROPATHY),
    ],
)
def test_each_new_code_falls_in_its_mimic_class_only(
    value_set: str, members: list[tuple[str, str, str]]
) -> None:
    """Each code is in the mimic set and in its own class, no other class; ICD-10-CM codes carry the
    CMS release's confirmation; SNOMED codes no terminology release here confirms stay UNVERIFIED."""
    classes = [n for n in TERM.names if n.startswith("mimic_")]
    for system, code, _ in members:
        coding = [Coding(system, code)]
        assert TERM.match("alternative_or_mimicking_diagnoses", coding) is not None, code
        homes = [n for n in classes if TERM.match(n, coding) is not None]
        assert homes == [value_set], (code, homes)
        m = TERM.match(value_set, coding)
        assert m is not None
        if system == ICD10:
            assert m.verification.startswith("verified: CMS ICD-10-CM"), (code, m.verification)
        elif not m.verification.startswith("verified: SNOMED CT IPS free set"):
            assert m.verification.startswith("UNVERIFIED"), (code, m.verification)
            assert TERM[value_set].status == "draft"


def test_the_negative_codes_are_in_no_mimic_class() -> None:
    for system, code, _ in NOT_A_MIMIC:
        assert TERM.match("alternative_or_mimicking_diagnoses", [Coding(system, code)]) is None, code


def test_a_polyneuropathy_not_said_to_be_diabetic_is_not_called_diabetic() -> None:
    """G62.9 (polyneuropathy, unspecified) sits in the neuropathy mimic set: the card names a
    peripheral neuropathy, never a diabetic one the record does not show."""
    c = card_of(run(*failed_tfesi(CONCORDANT), coded(ICD10, "G62.9", "Polyneuropathy, unspecified")), "F4")
    assert "peripheral neuropathy" in c.summary, c.summary
    assert "diabetic" not in c.summary and not any("diabetic" in s for s in c.next_steps)
