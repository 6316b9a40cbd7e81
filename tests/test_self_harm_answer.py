"""PHQ-9 item 9: thoughts of being better off dead or of self-harm.

An item 9 answer recorded on its own (LOINC 44260-8) beyond "Not at all" — coded (several days, more
than half the days, nearly every day) or scored 1-3 — makes the psychosocial card (Y1) a warning whose
first fact is the answer and first step a suicide risk assessment today. A later "Not at all" answers
for now; a total score alone keeps the info card. The observations prefetch asks for the item, the
relevance screen keeps it and the reader types it.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from hooks.registry import history_prefetch
from tests.pathway_builders import TERM, ago, assert_house_rules, card_of, obs, radic, run

LOINC = "http://loinc.org"


def item9(ref: str, days: int, *, answer: tuple[str, str] | None = None, score: int | None = None) -> Any:
    raw: dict[str, Any] = {
        "resourceType": "Observation", "id": ref, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "44260-8", "display": "PHQ-9 item 9"}]},
        "subject": {"reference": "Patient/pt-1"}, "effectiveDateTime": ago(days).isoformat(),
    }  # fmt: skip
    if answer is not None:
        raw["valueCodeableConcept"] = {"coding": [{"system": LOINC, "code": answer[0], "display": answer[1]}]}
    if score is not None:
        raw["valueInteger"] = score
    return raw


NEARLY_EVERY_DAY = ("LA6571-9", "Nearly every day")
NOT_AT_ALL = ("LA6568-5", "Not at all")


def facts(*raws: Any) -> tuple[Any, ...]:
    for raw in raws:
        assert is_relevant(raw, TERM)
    return build_history(list(raws), TERM).observations


def y1(*extra: Any) -> Any:
    return card_of(run(radic(60), *extra), "Y1")


def test_an_item_9_answer_of_nearly_every_day_is_a_warning_to_assess_suicide_risk_today() -> None:
    c = y1(*facts(item9("i9", 5, answer=NEARLY_EVERY_DAY)), obs("phq", "phq9", 24, 5))
    assert c.indicator == "warning"
    assert c.summary.startswith("Thoughts of self-harm on the PHQ-9 (item 9): assess suicide risk today")
    assert c.why[0].ref == "Observation/i9" and "nearly every day" in c.why[0].text
    assert c.next_steps[0].startswith("Assess suicide risk today")
    assert "kroenke_phq9_2001" in {g.key for g in c.evidence}
    assert_house_rules(c)


def test_an_item_9_score_of_1_counts_too() -> None:
    assert y1(*facts(item9("i9", 5, score=1))).indicator == "warning"


def test_a_later_not_at_all_answers_for_now() -> None:
    older, newer = facts(item9("a", 40, answer=NEARLY_EVERY_DAY), item9("b", 5, answer=NOT_AT_ALL))
    cards = run(radic(60), older, newer)
    assert "Y1" not in [c.rule_id for c in cards]


def test_the_observations_prefetch_asks_for_item_9() -> None:
    assert f"{LOINC}|44260-8" in history_prefetch(TERM)["observations"]


def test_guard_a_phq9_total_alone_keeps_the_info_card() -> None:
    c = y1(obs("phq", "phq9", 24, 5))
    assert c.indicator == "info"
