"""A card that says to exclude a mimic first offers no stimulator or pump work-up.

A card that follows a failed lumbar treatment beside a mimic on record (decision model §7.5) says to
exclude the mimic first and offers no spine procedure; but the neuromodulation work-up went through:
L1 beside type 2 diabetes with polyneuropathy (E11.42) pre-selected "Refer to the pain service for
intrathecal pump evaluation", and S3 beside a same-side hip osteoarthritis (M16.12) pre-selected the
psychological evaluation before neuromodulation and offered the spinal cord stimulator trial
referral — orders coded as a referral or an evaluation, which the spine value sets do not hold. While
a mimic is to be excluded no neuromodulation or pump suggestion is offered (the mimic's test comes
first, and the card's own steps after it); without a mimic, or with one on the other side from the
pain, the work-up is offered as before.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from fhir_fixtures.fhir_builder import CPT
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.cards import CardDraft
from tests.pathway_builders import assert_house_rules, card_of
from tests.raw_chart import SUBJECT, leg_pain, patient_view, procedure

NEUROMODULATION = ("stimulat", "pump", "neuromodulation", "DRG")


def _condition(rid: str, code: str, display: str, onset: str, site: str | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "resourceType": "Condition", "id": rid, "subject": SUBJECT,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": ICD, "code": code, "display": display}], "text": display},
        "onsetDateTime": onset, "recordedDate": onset,
    }  # fmt: skip
    if site:
        raw["bodySite"] = [{"text": site}]
    return raw


def _procedure(rid: str, code: str, text: str, when: str, **extra: Any) -> dict[str, Any]:
    return procedure(rid, code, text, when, **extra)


def _leg_pain(rid: str, value: float, when: str) -> dict[str, Any]:
    return leg_pain(rid, value, when)


def _report(rid: str, code: str, title: str, when: str, conclusion: str) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport", "id": rid, "status": "final", "subject": SUBJECT,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                  "code": "RAD"}]}],
        "code": {"coding": [{"system": CPT, "code": code}], "text": title}, "effectiveDateTime": when,
        "conclusion": conclusion,
    }  # fmt: skip


def _cards(resources: list[dict[str, Any]]) -> list[CardDraft]:
    return patient_view(resources)


NEUROPATHY = _condition("dm", "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", "2025-01-01")
LEFT_HIP = _condition(
    "hip", "M16.12", "Unilateral primary osteoarthritis, left hip", "2026-01-01", "Left hip"
)
RIGHT_HIP = _condition(
    "hip", "M16.11", "Unilateral primary osteoarthritis, right hip", "2026-01-01", "Right hip"
)


def _l1(*mimics: dict[str, Any]) -> CardDraft:
    """A failed SCS trial more than 3 months ago, no surgical target, an evaluation on record."""
    trial = _procedure("trial", "63650", "SCS trial", "2026-03-01")
    del trial["performedDateTime"]
    trial["performedPeriod"] = {"start": "2026-03-01", "end": "2026-03-08"}
    trial["outcome"] = {"coding": [{"system": SCT, "code": "385671000", "display": "Unsuccessful"}]}
    referral = {
        "resourceType": "ServiceRequest", "id": "neurosurg", "status": "completed", "intent": "order",
        "subject": SUBJECT, "authoredOn": "2026-05-10",
        "code": {"coding": [{"system": SCT, "code": "183546007"}], "text": "Neurosurgical referral"},
    }  # fmt: skip
    resources = [
        _condition("rad", "M54.17", "Radiculopathy, lumbosacral region", "2024-05-16",
                   "Left leg (S1 distribution)"),
        _procedure("psych", "90834", "Pre-neuromodulation psychological evaluation", "2026-08-01",
                   note=[{"text": "Psychological evaluation before neuromodulation: suitable candidate."}]),
        trial, _procedure("removal", "63661", "Removal of trial leads", "2026-03-08"),
        _leg_pain("nrs", 8, "2026-02-25"), referral,
        _report("mri", "72148", "MRI lumbar spine without contrast", "2026-05-01",
                "No disc herniation, no nerve root compression."),
        *mimics,
    ]  # fmt: skip
    return card_of(_cards(resources), "L1")


def _s3(*mimics: dict[str, Any]) -> CardDraft:
    """Left leg pain after a left L4-5 microdiscectomy, epidural fibrosis, no target."""
    resources = [
        _condition("rad", "M54.17", "Radiculopathy, lumbosacral region", "2025-01-01", "Left leg"),
        _condition("fbss", "M96.1", "Postlaminectomy syndrome", "2025-03-01"),
        _procedure("surgery", "63030", "L4-5 microdiscectomy left", "2024-08-01"),
        _leg_pain("nrs", 7, "2026-11-01"),
        _report("mri", "72158", "MRI lumbar spine without and with contrast", "2026-09-01",
                "Enhancing epidural fibrosis surrounding the left L5 nerve root at L4-5. No recurrent disc "
                "herniation."),
        *mimics,
    ]  # fmt: skip
    return card_of(_cards(resources), "S3")


def _neuromodulation_offers(card: CardDraft) -> list[str]:
    """Suggestions of a stimulator or pump work-up: the referral for one, or the evaluation before one."""
    return [s.label for s in card.suggestions if any(w.lower() in s.label.lower() for w in NEUROMODULATION)]


def _assert_mimic_first(card: CardDraft, mimic_ref: str) -> None:
    assert "exclude it first" in card.summary
    assert mimic_ref in {f.ref for f in card.why}
    assert _neuromodulation_offers(card) == [], _neuromodulation_offers(card)
    assert card.next_steps[0].startswith("First exclude")
    for step in card.next_steps[1:]:
        first_clause = step.split(";")[0].lower()
        recommends = not step.startswith(("Do not", "Hold", "If "))
        if recommends and any(w.lower() in first_clause for w in NEUROMODULATION):
            assert step.startswith("Once ") and " excluded: " in step, step
    assert_house_rules(card)


def test_l1_beside_diabetic_polyneuropathy_offers_no_pump_evaluation() -> None:
    card = _l1(NEUROPATHY)
    _assert_mimic_first(card, "Condition/dm")
    recommended = [s.label for s in card.suggestions if s.is_recommended]
    assert recommended == ["Order EMG/nerve conduction studies of the legs"], recommended


def test_s3_beside_a_same_side_hip_osteoarthritis_offers_no_stimulator_work_up() -> None:
    card = _s3(LEFT_HIP)
    _assert_mimic_first(card, "Condition/hip")
    assert "hip radiograph" in card.next_steps[0]
    assert [s.label for s in card.suggestions] == ["Refer to psychology for CBT-based pain management"]


def test_guard_l1_without_a_mimic_offers_the_pump_evaluation() -> None:
    card = _l1()
    assert {s.label: s.is_recommended for s in card.suggestions}[
        "Refer to the pain service for intrathecal pump evaluation"
    ]


def test_guard_s3_without_a_mimic_offers_the_stimulator_work_up() -> None:
    card = _s3()
    assert len(_neuromodulation_offers(card)) == 2, [s.label for s in card.suggestions]


def test_guard_a_hip_on_the_other_side_leaves_the_stimulator_work_up() -> None:
    card = _s3(RIGHT_HIP)
    assert "exclude" not in card.summary
    assert len(_neuromodulation_offers(card)) == 2, [s.label for s in card.suggestions]


def test_n2_beside_a_mimic_offers_no_drg_referral() -> None:
    """A failed SCS trial (N2) beside diabetic polyneuropathy: the DRG referral is not offered, and
    DRG stimulation waits for the neuropathy to be excluded."""
    trial = _procedure("trial", "63650", "SCS trial", "2026-10-21")
    del trial["performedDateTime"]
    trial["performedPeriod"] = {"start": "2026-10-21", "end": "2026-10-28"}
    trial["outcome"] = {"coding": [{"system": SCT, "code": "385671000", "display": "Unsuccessful"}]}
    resources = [
        _condition("rad", "M54.17", "Radiculopathy, lumbosacral region", "2024-05-16", "Left leg"),
        trial, _leg_pain("nrs", 8, "2026-10-19"), NEUROPATHY,
    ]  # fmt: skip
    card = card_of(_cards(resources), "N2")
    _assert_mimic_first(card, "Condition/dm")
    assert any(
        s.startswith("Once peripheral neuropathy is excluded: DRG stimulation") for s in card.next_steps
    )
    assert any(s.startswith("Do not implant") for s in card.next_steps)
