"""N2 after a failed DRG stimulator trial: no DRG stimulation offered again.

A DRG stimulator trial (63650, "dorsal root ganglion" in its words) judged unsuccessful got the N2
card that offered "Refer to the pain service to consider DRG stimulation for focal pain" and named
DRG stimulation among its next steps: the very modality that had just failed (N2: "a repeat of the
same failed trial"; L1: "repeating failed procedures"). A failed SCS trial followed by a failed DRG
trial (or the other way round) did the same. DRG stimulation is the option after a failed SCS trial
only while no DRG trial has failed; after one, the next steps are multidisciplinary care with CBT
and an intrathecal pump evaluation (N2, L1; NACC DRG 2019; PACC 2024).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import itertools
from typing import Any

from fhir_fixtures.fhir_builder import CPT
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.cards import CardDraft
from tests.pathway_builders import assert_house_rules, card_of, card_words
from tests.raw_chart import SUBJECT, leg_pain, patient_view, radiculopathy

_ids = itertools.count()


def _trial(rid: str, start: str, end: str, text: str, *, failed: bool = True) -> dict[str, Any]:
    outcome = ("385671000", "Unsuccessful") if failed else ("385669000", "Successful")
    return {
        "resourceType": "Procedure", "id": rid, "status": "completed", "subject": SUBJECT,
        "code": {"coding": [{"system": CPT, "code": "63650"}], "text": text},
        "performedPeriod": {"start": start, "end": end},
        "outcome": {"coding": [{"system": SCT, "code": outcome[0], "display": outcome[1]}],
                    "text": outcome[1]},
    }  # fmt: skip


def _leg_pain(value: float, when: str) -> dict[str, Any]:
    return leg_pain(f"nrs{next(_ids)}", value, when)


def _cards(*resources: dict[str, Any]) -> list[CardDraft]:
    return patient_view([radiculopathy(), *resources])


DRG_TRIAL = "Dorsal root ganglion (DRG) stimulator trial, left L5 and S1"
SCS_TRIAL = "Spinal cord stimulator trial, percutaneous leads T8-T10"


def _offers_drg(card: CardDraft) -> list[str]:
    """What on the card offers or recommends DRG stimulation: suggestion labels and next steps."""
    return [s.label for s in card.suggestions if "DRG" in s.label] + [
        step for step in card.next_steps if "DRG" in step
    ]


def _assert_after_failed_drg(card: CardDraft) -> None:
    assert _offers_drg(card) == [], _offers_drg(card)
    steps = " ".join(card.next_steps)
    assert "Multidisciplinary pain management with CBT" in steps
    assert "intrathecal pump evaluation" in steps.lower()
    recommended = [s.label for s in card.suggestions if s.is_recommended]
    assert recommended == ["Refer to psychology for CBT-based pain management"], recommended
    assert any("DRG" in a for a in card.avoid), card.avoid
    assert_house_rules(card)


def test_a_failed_drg_trial_is_not_followed_by_an_offer_of_drg_stimulation() -> None:
    card = card_of(
        _cards(_trial("drg", "2026-10-21", "2026-10-28", DRG_TRIAL), _leg_pain(8, "2026-10-19")), "N2"
    )
    assert card.summary.startswith("DRG stimulator trial on 2026-10-21 failed")
    assert card.why[0].ref == "Procedure/drg"
    _assert_after_failed_drg(card)


def test_a_failed_scs_then_a_failed_drg_trial_offers_no_drg_stimulation() -> None:
    card = card_of(
        _cards(
            _trial("scs", "2026-08-01", "2026-08-08", SCS_TRIAL),
            _trial("drg", "2026-10-21", "2026-10-28", DRG_TRIAL),
            _leg_pain(8, "2026-07-28"),
        ),
        "N2",
    )
    _assert_after_failed_drg(card)


def test_a_failed_drg_then_a_failed_scs_trial_names_the_drg_trial_and_offers_no_drg() -> None:
    card = card_of(
        _cards(
            _trial("drg", "2026-08-01", "2026-08-08", DRG_TRIAL),
            _trial("scs", "2026-10-21", "2026-10-28", SCS_TRIAL),
            _leg_pain(8, "2026-07-28"),
        ),
        "N2",
    )
    assert card.why[0].ref == "Procedure/scs"
    assert "Procedure/drg" in {f.ref for f in card.why}, "the failed DRG trial is what rules DRG out"
    _assert_after_failed_drg(card)


def test_guard_a_failed_scs_trial_alone_still_offers_drg_for_focal_pain() -> None:
    card = card_of(
        _cards(_trial("scs", "2026-10-21", "2026-10-28", SCS_TRIAL), _leg_pain(8, "2026-10-19")), "N2"
    )
    assert "Refer to the pain service to consider DRG stimulation for focal pain" in [
        s.label for s in card.suggestions
    ]
    assert any(step.startswith("DRG stimulation if the pain is focal") for step in card.next_steps)
    assert_house_rules(card)


def test_guard_l1_after_a_failed_drg_trial_offers_no_drg() -> None:
    """With imaging that shows no surgical target, a failed DRG trial is L1: the pump work-up."""
    mri = {
        "resourceType": "DiagnosticReport", "id": "mri", "status": "final", "subject": SUBJECT,
        "code": {"coding": [{"system": CPT, "code": "72148"}], "text": "MRI lumbar spine without contrast"},
        "effectiveDateTime": "2026-05-01", "conclusion": "No disc herniation, no nerve root compression.",
    }  # fmt: skip
    cards = _cards(_trial("drg", "2026-10-21", "2026-10-28", DRG_TRIAL), _leg_pain(8, "2026-10-19"), mri)
    card = card_of(cards, "L1")
    assert _offers_drg(card) == []
    assert "intrathecal pump" in card_words(card)
