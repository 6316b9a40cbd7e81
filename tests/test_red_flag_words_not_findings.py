"""Words that name a red flag without recording one never raise a critical card, and words that do
record one still do.

A critical card that is false is the worst card this service can show. Each record below once drew
one:

- a normal examination of the saddle area under a sensory code ("Saddle sensation intact",
  "Perianal sensation normal", "Saddle: no numbness"): R1;
- a deficit of both legs written as absent, ruled out, resolved, past or a relative's ("Bilateral
  leg weakness was absent on examination", "Family history: mother had weakness of both legs
  (MS)"): R1's questions;
- a red flag named in advice, in a negative screen, denied with "nil", settled by a normal scan, not
  found, or treated and resolved ("CES red flag advice given", "Red flags (CES, infection,
  malignancy) screened - none", "Epidural abscess was not found on MRI", "Discitis L4-5 2019,
  treated and resolved"): R1 or R3;
- a strength score that falls only because pain or effort limited it ("Give-way weakness, limited
  by pain"): R2 critical (a weak score still draws R2's warning: examine again);
- a visual analogue score sent without a unit, read as a tenth of itself (7 read as 0.7, so a 5/10
  after an injection looked like pain rising): R3.

And one missed: saddle anaesthesia or urinary retention typed as words, with an onset date two days
ago but no word saying "new", drew the routine acute-pain card.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import ago, cond, radic, run

from cds_service.fhir_facts import build_history
from hooks.cards import CardDraft
from hooks.facts import ConditionFact, ObservationFact
from hooks.terminology import default_terminology
from hooks.text import red_flags_named, states_bilateral_leg_deficit


def _sensory(code: str, note: str) -> ConditionFact:
    return cond("sx", "red_flag_sphincter_saddle_symptoms", code, onset=3, notes=(note,))


def _words(text: str, **kw: Any) -> ConditionFact:
    """A Condition typed as words only (no code any value set knows)."""
    return replace(cond("w", "red_flag_malignancy", "C79.51", **kw), codings=(), text=text)


def _strength(ref: str, value: float, days: int, notes: tuple[str, ...] = ()) -> ObservationFact:
    name = "Left ankle dorsiflexion strength (MRC)"
    return ObservationFact(f"Observation/{ref}", (), name, "strength", ago(days), None, value, notes=notes)


def _critical(cards: list[CardDraft]) -> list[tuple[str, str]]:
    return [(c.rule_id, c.summary) for c in cards if c.indicator == "critical"]


NOT_FINDINGS = {
    "saddle-sensation-intact": lambda: (
        _sensory("R20.2", "Numbness dorsum of left foot (L5). Saddle sensation intact."),
    ),
    "perianal-sensation-normal": lambda: (_sensory("R20.2", "Perianal sensation normal"),),
    "perineal-sensation-normal": lambda: (_sensory("R20.1", "Perineal sensation normal"),),
    "saddle-spared": lambda: (_sensory("R20.2", "saddle spared"),),
    "saddle-colon-no-numbness": lambda: (_sensory("R20.2", "Saddle: no numbness"),),
    "saddle-preserved": lambda: (_sensory("R20.0", "Saddle sensation preserved"),),
    "ces-advice": lambda: (_words("CES red flag advice given", onset=None, recorded=0),),
    "safety-netted": lambda: (_words("Safety-netted for cauda equina syndrome", onset=None, recorded=0),),
    "counselled": lambda: (_words("Counselled about CES symptoms", onset=None, recorded=0),),
    "nil-features": lambda: (_words("Nil features of cauda equina syndrome", onset=None, recorded=0),),
    "query-mri-normal": lambda: (_words("Query CES - MRI normal", onset=None, recorded=0),),
    "negative-screen": lambda: (
        _words("Red flags (CES, infection, malignancy) screened - none", onset=None, recorded=0),
    ),
    "abscess-not-found": lambda: (_words("Epidural abscess was not found on MRI", onset=None, recorded=0),),
    "abscess-not-detected": lambda: (_words("Epidural abscess not detected", onset=None, recorded=0),),
    "discitis-resolved": lambda: (
        _words("Discitis L4-5 2019, treated and resolved", onset=None, recorded=1),
    ),
    "osteomyelitis-treated": lambda: (
        _words("Vertebral osteomyelitis, completed treatment 2020", onset=None, recorded=1),
    ),
}


@pytest.mark.parametrize("extra", list(NOT_FINDINGS.values()), ids=list(NOT_FINDINGS))
def test_words_that_record_no_red_flag_raise_no_critical_card(extra: Any) -> None:
    assert _critical(run(radic(10), *extra())) == []


BOTH_LEGS_NOT_NOW = [
    "Bilateral leg weakness was absent on examination.",
    "Bilateral leg numbness: not present",
    "Bilateral leg weakness ruled out on exam",
    "Numbness in both legs has resolved",
    "History of bilateral leg numbness in 2019, fully recovered",
    "Family history: mother had weakness of both legs (MS)",
]


@pytest.mark.parametrize("note", BOTH_LEGS_NOT_NOW)
def test_a_deficit_of_both_legs_denied_past_or_a_relatives_is_no_cauda_equina_warning(note: str) -> None:
    assert not states_bilateral_leg_deficit(note)
    assert _critical(run(radic(10, notes=(note,)))) == []


@pytest.mark.parametrize(
    "note",
    [
        "New weakness of both legs since yesterday",
        "Bilateral leg numbness, worse today",
        "Numbness in both legs has not resolved",
    ],
)
def test_a_deficit_of_both_legs_recorded_now_still_asks_the_cauda_equina_questions(note: str) -> None:
    assert states_bilateral_leg_deficit(note)
    assert [r for r, _ in _critical(run(radic(10, notes=(note,))))] == ["R1"]


STILL_FINDINGS = {
    "saddle-numbness-new": (lambda: (_sensory("R20.2", "Saddle numbness since yesterday"),), "R1"),
    "saddle-numbness-absent-reflex": (
        lambda: (_sensory("R20.2", "saddle numbness with absent anal reflex"),),
        "R1",
    ),
    "ces": (lambda: (_words("Cauda equina syndrome", onset=1),), "R1"),
    "ces-query": (lambda: (_words("?CES", onset=None, recorded=0),), "R1"),
    "ces-rule-out": (lambda: (_words("r/o cauda equina syndrome", onset=None, recorded=0),), "R1"),
    "ces-then-counselled": (
        lambda: (_words("Cauda equina syndrome, counselled about emergency surgery", onset=1),),
        "R1",
    ),
    "screen-positive": (
        lambda: (_words("Red flags screened - positive: new urinary retention since yesterday", onset=1),),
        "R1",
    ),
    "screen-negative-except": (
        lambda: (_words("Red flags negative except CES", onset=None, recorded=0),),
        "R1",
    ),
    "ces-symptoms-present": (lambda: (_words("CES symptoms: saddle numbness present", onset=1),), "R1"),
    "abscess": (lambda: (_words("Epidural abscess", onset=2),), "R3"),
    "discitis": (lambda: (_words("Discitis L4-5", onset=3),), "R3"),
    "discitis-not-resolved": (lambda: (_words("Discitis L4-5, not resolved", onset=3),), "R3"),
    # no word says "new": the record's own onset date does
    "saddle-anaesthesia-onset-2-days": (lambda: (_words("Saddle anaesthesia", onset=2),), "R1"),
    "urinary-retention-onset-1-day": (lambda: (_words("Urinary retention", onset=1),), "R1"),
    "faecal-incontinence-onset-2-days": (lambda: (_words("Faecal incontinence", onset=2),), "R1"),
}


@pytest.mark.parametrize(("extra", "rule"), list(STILL_FINDINGS.values()), ids=list(STILL_FINDINGS))
def test_words_that_record_a_red_flag_still_raise_its_critical_card(extra: Any, rule: str) -> None:
    assert [r for r, _ in _critical(run(radic(10), *extra()))] == [rule]


def test_an_old_or_future_onset_in_words_alone_is_not_new() -> None:
    """Without a word saying new, only an onset within 14 days makes the symptom new: one a month ago
    is not (coded again at a visit, it may be old), nor one dated in the future."""
    assert red_flags_named("Saddle anaesthesia", onset_new=True) == {"sphincter_or_saddle"}
    assert red_flags_named("Saddle anaesthesia") == frozenset()
    assert _critical(run(radic(40), _words("Saddle anaesthesia", onset=30))) == []
    assert _critical(run(radic(10), _words("Saddle anaesthesia", onset=-3))) == []


def test_a_fall_to_a_score_limited_by_pain_draws_the_warning_not_the_critical_card() -> None:
    for note in ("Give-way weakness, limited by pain", "poor effort"):
        cards = run(radic(20), _strength("s1", 5, 12), _strength("s2", 3, 2, (note,)))
        assert _critical(cards) == []
        assert [(c.rule_id, c.indicator) for c in cards if c.rule_id == "R2"] == [("R2", "warning")]
    # the same fall scored without such words stays critical
    cards = run(radic(20), _strength("s1", 5, 12), _strength("s2", 3, 2))
    assert [r for r, _ in _critical(cards)] == ["R2"]


def _vas(value: float, unit: str | None) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity["unit"] = unit
    raw = {
        "resourceType": "Observation",
        "id": "vas",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "38214-3"}]},
        "effectiveDateTime": "2026-10-01",
        "valueQuantity": quantity,
    }
    return get_fhir_model_class("Observation").model_validate(raw)


@pytest.mark.parametrize(
    ("value", "unit", "read"),
    [(7, None, None), (10, None, None), (0, None, 0.0), (65, None, 6.5), (7, "cm", 7.0), (70, "mm", 7.0)],
)
def test_a_visual_analogue_score_without_a_unit_is_read_only_when_its_scale_is_plain(
    value: float, unit: str | None, read: float | None
) -> None:
    """7 with no unit may be 7/10 or 7 mm of 100: not read (once read as 0.7, a 5/10 after an
    injection looked like pain rising and raised an infection alarm). Above 10 it can only be the
    0-100 scale; 0 is 0 on either."""
    history = build_history([_vas(value, unit)], default_terminology())
    assert [o.value for o in history.observations if o.ref == "Observation/vas"] == [read]
