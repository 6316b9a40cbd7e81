"""Red flags recorded without an ICD-10-CM code are red flags (decision model §2 note 2: always check
every coding; §1.2 R1 and R3; §7.3 "a history of cancer stays a red flag at any symptom duration").

A SNOMED-only problem list ("Secondary malignant neoplasm of bone", 94222008; "Malignant neoplasm
of breast", 254837009 — concepts outside the value sets), a WHO ICD-10 G83.4 "Cauda equina
syndrome", or a Condition typed as free text ("Metastatic prostate cancer with bone metastases")
used to be missed, and E1 then said "no red flag" with NSAID advice. Such Conditions are now read
by their words, as a radicular diagnosis in words opens the gate: only when no code any value set
knows and none in ICD-10-CM is on them (``Terminology.words_may_decide``). They take the coded
path: R1 for cauda equina syndrome, R3 for a metastasis (always), another cancer (current or past,
until a contrast MRI), a spinal infection or a recent vertebral fracture, with the same status and
date rules, and the order-time interception follows (a TFESI is held). The card says the finding
was recognised from its words.

The words are read narrowly (a false critical card is the worst defect): not denied ("no history
of cancer", "cauda equina syndrome ruled out"), not a relative's ("family history of cancer"), not
a cancer looked for ("cancer screening"), not a basal cell skin cancer (C44 is not in the coded set
either), not a past infection or fracture. The ``test_guard_*`` tests hold on the code before the
change: look-alikes stay quiet, an ICD-10-CM code decides whatever its text says, refuted
Conditions do not count, and coded red flags fire as before.

Not covered here: a measured body temperature (LOINC 8310-5) at fever level, which
``tests/test_red_flag_fever_and_weakness.py`` covers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from hooks import text
from hooks.cards import CardDraft
from hooks.facts import ConditionFact
from hooks.terminology import Coding
from tests import orders_builders as ob
from tests.pathway_builders import TERM, assert_house_rules, card_of, cond, radic, report, run, states
from tests.test_orders_checks import RADICULOPATHY, rules
from tests.test_orders_checks import run as run_orders

SCT = "http://snomed.info/sct"
WHO = "http://hl7.org/fhir/sid/icd-10"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ACTIVE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
}


def raw(rid: str, code: dict[str, Any], onset: str = "2026-10-01", status: dict[str, Any] = ACTIVE) -> Any:
    """A FHIR Condition as an EHR sends it, read as the service reads it."""
    resource = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": status,
        "code": code,
        "onsetDateTime": onset,
    }
    (fact,) = build_history([resource], TERM).conditions
    return fact


def concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        out["text"] = text
    return out


def words(rid: str, said: str, *, codings: tuple[Coding, ...] = (), **kw: Any) -> ConditionFact:
    """A Condition typed as free text (or under codes no value set knows)."""
    return replace(cond(rid, "red_flag_malignancy", "C79.51", **kw), codings=codings, text=said)


def red_flag_card(cards: list[CardDraft], rule: str) -> CardDraft:
    card = card_of(cards, rule)
    assert card.indicator == "critical"
    assert "E1" not in states(cards)
    assert_house_rules(card)
    return card


# ---------------------------------------------------------------------------------------------
# malignancy (R3)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            concept(SCT, "94222008", "Secondary malignant neoplasm of bone", "Bone metastases, lumbar spine"),
            id="SNOMED bone metastases",
        ),
        pytest.param(concept(SCT, "254837009", "Malignant neoplasm of breast"), id="SNOMED breast cancer"),
        pytest.param({"text": "Metastatic prostate cancer with bone metastases"}, id="text only"),
    ],
)
def test_a_cancer_without_an_icd10cm_code_is_r3_not_e1(code: dict[str, Any]) -> None:
    """Radicular pain of 30 days beside the cancer: R3 (MRI with and without contrast before any
    ESI), never E1's "no red flag" and NSAIDs; the fact says it was read from words."""
    cards = run(radic(days=30), raw("ca", code))
    r3 = red_flag_card(cards, "R3")
    assert r3.summary.startswith("Red flag (malignancy)")
    (fact,) = [f for f in r3.why if f.ref == "Condition/ca"]
    assert "recognised from its words" in fact.text
    assert fact.short is not None and "in words only" in fact.short


def test_a_metastasis_in_words_stays_a_red_flag_after_a_contrast_mri() -> None:
    """A metastasis is a red flag always (as C79.51 is); a contrast MRI since the onset settles only a
    cancer history or a primary cancer."""
    mri = report("mri-1", "72158", 5, "L5-S1 disc protrusion.")
    cards = run(radic(days=30), words("ca", "Bone metastases, lumbar spine"), mri)
    red_flag_card(cards, "R3")


def test_a_cancer_in_words_recorded_as_resolved_is_a_cancer_history() -> None:
    """A treated cancer is a history of cancer (Z85), coded or in words."""
    cards = run(radic(days=30), words("ca", "Malignant neoplasm of breast", status="resolved"))
    r3 = red_flag_card(cards, "R3")
    assert any(f.ref == "Condition/ca" and f.text.startswith("cancer history: ") for f in r3.why)


def test_a_tfesi_for_the_snomed_bone_metastasis_patient_is_held() -> None:
    """The order-time interception reads the pathway's red flags: the draft image-guided TFESI gets
    the red-flag hold, not only the too-early card."""
    facts = (
        ob.cond("rad", RADICULOPATHY, 11),
        ob.cond("ca", "94222008", 60, "Secondary malignant neoplasm of bone", system=SCT),
    )
    cards = run_orders("order-select", [ob.sr("esi-d", "64483")], *facts)
    assert "order.red-flag-elective" in rules(cards)
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    assert hold.indicator == "critical"
    assert "malignancy" in hold.summary
    assert_house_rules(hold)
    (fact,) = [f for f in hold.why if f.ref == "Condition/ca"]
    assert "recognised from its words" in fact.text  # as on the pathway's R3: confirm the finding
    assert fact.short is not None and "in words only" in fact.short


def test_guard_a_coded_red_flag_on_the_order_hold_is_not_marked_as_words() -> None:
    facts = (
        ob.cond("rad", RADICULOPATHY, 11),
        ob.cond("ca", "C79.51", 60, "Secondary malignant neoplasm of bone"),
    )
    cards = run_orders("order-select", [ob.sr("esi-d", "64483")], *facts)
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    (fact,) = [f for f in hold.why if f.ref == "Condition/ca"]
    assert "words" not in fact.text and "words" not in (fact.short or "")


# ---------------------------------------------------------------------------------------------
# cauda equina syndrome (R1)
# ---------------------------------------------------------------------------------------------


def test_who_icd10_cauda_equina_beside_who_sciatica_is_r1() -> None:
    """WHO ICD-10 codes are not ICD-10-CM: M54.4 "Lumbago with sciatica" opens the gate by its
    words, and G83.4 "Cauda equina syndrome" is R1 by its words."""
    sciatica = raw("c1", concept(WHO, "M54.4", "Lumbago with sciatica"), onset="2026-10-20")
    ces = raw("ces", concept(WHO, "G83.4", "Cauda equina syndrome"), onset="2026-11-01")
    r1 = red_flag_card(run(sciatica, ces), "R1")
    assert r1.summary.startswith("Suspected cauda equina syndrome: emergency MRI today")
    assert any(f.ref == "Condition/ces" and "recognised from its words" in f.text for f in r1.why)


def test_cauda_equina_syndrome_as_free_text_is_r1() -> None:
    cards = run(radic(days=30), words("ces", "Cauda equina syndrome", onset=1))
    red_flag_card(cards, "R1")


# ---------------------------------------------------------------------------------------------
# spinal infection and fracture (R3)
# ---------------------------------------------------------------------------------------------


def test_a_spinal_infection_in_words_is_r3_infection() -> None:
    cards = run(radic(days=30), words("inf", "Lumbar discitis L4-L5", onset=3))
    r3 = red_flag_card(cards, "R3")
    assert r3.summary.startswith("Red flag (infection): same-day emergency assessment")


def test_a_recent_vertebral_fracture_in_words_is_r3_fracture_an_old_one_is_not() -> None:
    """No 7th character in words: within the last 3 months it is current, as a coded fracture
    without one is."""
    cards = run(radic(days=30), words("fx", "L1 compression fracture", onset=10))
    assert red_flag_card(cards, "R3").summary.startswith("Red flag (fracture)")
    assert "R3" not in states(run(radic(days=30), words("fx", "L1 compression fracture", onset=400)))


# ---------------------------------------------------------------------------------------------
# the reader's truth table
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "kinds"),
    [
        ("Cauda equina syndrome", {"cauda_equina"}),
        ("?CES", {"cauda_equina"}),
        ("Bone metastases, lumbar spine", {"metastasis"}),
        ("Malignant neoplasm of vertebral column", {"metastasis"}),
        ("Malignant neoplasm of breast", {"cancer"}),
        ("History of prostate cancer", {"cancer"}),
        ("Breast cancer in remission", {"cancer"}),
        ("Squamous cell carcinoma of lung", {"cancer"}),
        ("Spinal epidural abscess", {"infection"}),
        ("Osteomyelitis of vertebra, lumbar region", {"infection"}),
        ("Fracture of lumbar vertebra", {"fracture"}),
        # look-alikes and negations
        ("Cancer screening", set()),
        ("Family history of cancer", set()),
        ("Mother had breast cancer", set()),
        ("Basal cell carcinoma of skin", set()),
        ("Squamous cell carcinoma of skin of back", set()),
        ("Ductal carcinoma in situ of breast", set()),
        ("No history of cancer", set()),
        ("Fear of cancer", set()),
        ("Malignant hypertension", set()),
        ("Cauda equina syndrome ruled out", set()),
        ("Denies bladder or bowel symptoms; no cauda equina syndrome", set()),
        ("History of discitis", set()),
        ("Osteomyelitis of toe", set()),
        ("Stress fracture of foot", set()),
        ("Old L1 fracture", set()),
        ("Osteoporosis without current pathological fracture", set()),
        ("Exercise capacity 4 METs", set()),
    ],
)
def test_the_words_that_name_a_red_flag(said: str, kinds: set[str]) -> None:
    assert text.red_flags_named(said) == kinds


# ---------------------------------------------------------------------------------------------
# guards: hold before and after the change
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "Cancer screening",
        "Family history of cancer",
        "Basal cell carcinoma of skin",
        "No history of cancer",
        "Cauda equina syndrome ruled out",
        "History of discitis",
        "Stress fracture of foot",
        "Carcinoma in situ of cervix",
    ],
)
def test_guard_look_alikes_and_negations_are_no_red_flag(said: str) -> None:
    """Typed as free text or under a SNOMED CT code the value sets do not know: E1, no red flag."""
    for condition in (
        words("x", said, onset=20),
        words("x", said, onset=20, codings=(Coding(SCT, "999999999", said),)),
    ):
        cards = run(radic(days=30), condition)
        assert states(cards) == ["E1"], (said, states(cards))
        assert_house_rules(cards[0])


def test_guard_an_icd10cm_code_decides_whatever_its_text_says() -> None:
    """Z80.3 (family history of breast cancer) is ICD-10-CM: its words "Breast cancer" are not read."""
    fh = words(
        "fh",
        "Breast cancer",
        codings=(Coding(ICD, "Z80.3", "Family history of malignant neoplasm of breast"),),
    )
    assert "R3" not in states(run(radic(days=30), fh))


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_guard_a_refuted_finding_in_words_is_no_red_flag(verification: str) -> None:
    cards = run(radic(days=30), words("ca", "Bone metastases", verification=verification))
    assert "R3" not in states(cards)


@pytest.mark.parametrize(
    ("condition", "rule", "summary"),
    [
        (cond("ca", "red_flag_malignancy", "C79.51", onset=60), "R3", "Red flag (malignancy)"),
        (cond("ces", "red_flag_cauda_equina", "G83.4", onset=1), "R1", "Suspected cauda equina syndrome"),
        (cond("f", "red_flag_infection", "R50.9", onset=2), "R3", "Red flag (infection)"),
    ],
)
def test_guard_a_coded_red_flag_fires_as_before(condition: ConditionFact, rule: str, summary: str) -> None:
    card = red_flag_card(run(radic(days=30), condition), rule)
    assert card.summary.startswith(summary)
    assert not any("recognised from its words" in f.text for f in card.why)


# ---------------------------------------------------------------------------------------------
# the relevance screen keeps what the red-flag reader reads, so the live service sees it
# ---------------------------------------------------------------------------------------------


def resource(code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "x", "clinicalStatus": ACTIVE, "code": code}


@pytest.mark.parametrize(
    "code",
    [
        concept(SCT, "94222008", "Secondary malignant neoplasm of bone"),
        concept(WHO, "G83.4", "Cauda equina syndrome"),
        {"text": "Metastatic prostate cancer with bone metastases"},
    ],
)
def test_the_relevance_screen_keeps_a_red_flag_named_in_words(code: dict[str, Any]) -> None:
    assert is_relevant(resource(code), TERM)


@pytest.mark.parametrize("said", ["Family history of breast cancer", "Hypertension"])
def test_guard_the_relevance_screen_drops_words_that_name_no_red_flag(said: str) -> None:
    assert not is_relevant(resource({"text": said}), TERM)
