"""A psychological evaluation followed by thoughts of self-harm no longer clears an implant.

After a successful stimulator trial, N1 pre-selected the permanent implant because a psychological
evaluation had cleared the patient, although a PHQ-9 taken weeks later answered item 9 (thoughts of
being better off dead or of self-harm) "2 of 3" — the answer on which the psychosocial card (Y1), in
the same response, says to assess suicide risk today, before the spine plan. An evaluation dated
before a later positive item 9 answer (as Y1 reads it, ``psychosocial.self_harm_answer``) no longer
counts as the evaluation before an implant (``neuromodulation.psych_evaluation_fact``): N1 asks for
a new one first and names the answer, the implant offered after it, not pre-selected; Y1 asks for
the evaluation instead of calling it on record. An evaluation on or after the answer still counts.

The order check on the implant (``order.neuromod-psych-eval``) reads the evaluation with its own
reader in hooks/orders/checks/neuromodulation.py, not through the pathway: the test on the signed
implant order is expected to fail until that reader applies the same rule
(``neuromodulation.self_harm_since``).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import LOINC
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.cards import CardDraft
from hooks.orders import evaluate_orders
from tests.orders_builders import inp, sr
from tests.pathway_builders import TERM, assert_house_rules, card_of
from tests.raw_chart import SUBJECT, patient_view, procedure, radiculopathy

PSYCH_CHECK = "order.neuromod-psych-eval"
IMPLANT = "Order the permanent spinal cord stimulator implant"
EVALUATION = "Order a psychological evaluation before neuromodulation"


def _score(rid: str, code: str, display: str, value: float, when: str, site: str | None = None) -> Any:
    raw: dict[str, Any] = {
        "resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT,
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "{score}", "system": "http://unitsofmeasure.org",
                          "code": "{score}"},
    }  # fmt: skip
    if site:
        raw["bodySite"] = {"text": site}
    return raw


def _procedure(rid: str, code: str, text: str, when: str, **extra: Any) -> dict[str, Any]:
    return procedure(rid, code, text, when, **extra)


def _chart(*, evaluated: str = "2026-08-01", item9: float | None = 2) -> list[dict[str, Any]]:
    """A successful SCS trial with its leads removed, a psychological evaluation that found the
    patient suitable on ``evaluated``, and a PHQ-9 of 16 on 2026-11-15 whose item 9 is ``item9``."""
    trial = _procedure(
        "trial", "63650", "Spinal cord stimulator trial, percutaneous leads T8-T10", "2026-10-21"
    )
    del trial["performedDateTime"]
    trial["performedPeriod"] = {"start": "2026-10-21", "end": "2026-10-28"}
    trial["outcome"] = {"coding": [{"system": SCT, "code": "385669000", "display": "Successful"}]}
    return [
        radiculopathy(),
        _procedure("psych", "90834", "Pre-neuromodulation psychological evaluation", evaluated,
                   note=[{"text": "Psychological evaluation before neuromodulation: suitable candidate."}]),
        trial,
        _procedure("removal", "63661", "Removal of percutaneous trial leads", "2026-10-28"),
        _score("nrs", "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", 8,
               "2026-10-19", "Leg"),
        _score("phq9", "44261-6", "PHQ-9 total score", 16, "2026-11-15"),
        *([] if item9 is None else [_score("item9", "44260-8", "PHQ-9 item 9", item9, "2026-11-15")]),
    ]  # fmt: skip


def _cards(resources: list[dict[str, Any]]) -> list[CardDraft]:
    return patient_view(resources)


def _suggested(card: CardDraft) -> dict[str, bool]:
    return {s.label: s.is_recommended for s in card.suggestions}


def test_n1_asks_for_a_new_evaluation_when_self_harm_thoughts_follow_the_last_one() -> None:
    card = card_of(_cards(_chart()), "N1")
    assert "psychological evaluation" in card.summary
    assert _suggested(card) == {EVALUATION: True, IMPLANT: False}
    assert card.selection_behavior == "any"
    assert card.next_steps[0].startswith("A new psychological evaluation before the permanent implant")
    assert card.why[1].ref == "Observation/item9" and "2 of 3 (2026-11-15)" in card.why[1].text
    assert "Pre-neuromodulation psychological evaluation done 2026-08-01" in [f.text for f in card.why]
    assert "A permanent implant before the psychological evaluation." in card.avoid
    assert_house_rules(card)


def test_y1_asks_for_the_evaluation_rather_than_calling_it_on_record() -> None:
    card = card_of(_cards(_chart()), "Y1")
    assert card.next_steps[0].startswith("Assess suicide risk today")
    assert EVALUATION in _suggested(card)
    assert not any("is on record" in step for step in card.next_steps)


def test_the_implant_order_is_checked_for_the_evaluation_too() -> None:
    signing = inp(
        "order-sign", [sr("ipg", "63685", "Implant SCS pulse generator")], build_history(_chart(), TERM)
    )
    cards = [c for c in evaluate_orders(signing) if c.rule_id == PSYCH_CHECK]
    assert len(cards) == 1
    card = cards[0]
    assert card.summary.endswith("repeat it first")
    assert any("PHQ-9 item 9" in f.text and "assess suicide risk first" in f.text for f in card.why)
    assert any(s.is_recommended and "psychological evaluation" in s.label.lower() for s in card.suggestions)


def test_guard_an_evaluation_after_the_self_harm_answer_counts() -> None:
    card = card_of(_cards(_chart(evaluated="2026-11-17")), "N1")
    assert _suggested(card) == {IMPLANT: True}
    assert card.summary.endswith("proceed to permanent implant")


def test_guard_an_evaluation_the_same_day_as_the_answer_counts() -> None:
    card = card_of(_cards(_chart(evaluated="2026-11-15")), "N1")
    assert _suggested(card) == {IMPLANT: True}


def test_guard_item_9_not_at_all_leaves_the_evaluation_standing() -> None:
    card = card_of(_cards(_chart(item9=0)), "N1")
    assert _suggested(card) == {IMPLANT: True}
    signing = inp("order-sign", [sr("ipg", "63685", "Implant SCS pulse generator")],
                  build_history(_chart(item9=0), TERM))  # fmt: skip
    assert PSYCH_CHECK not in {c.rule_id for c in evaluate_orders(signing)}
