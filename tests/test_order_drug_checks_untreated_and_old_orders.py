"""Opioid and NSAID order checks for untreated opioid use disorder and for orders never renewed.

- Oxycodone drafted for a patient with active opioid use disorder (F11.20) and no treatment for it
  drew "Opioid continuing beyond 90 days: reassess benefit and harm; taper" (the opioid was new) with
  no naloxone offered, while remission drew both. The card now says the disorder is untreated and
  offers OUD treatment (CDC 2022 recommendation 12) and naloxone.
- A buprenorphine-naloxone order of 2025 still marked active and nothing newer is no current MOUD (a
  patient who left treatment has lost tolerance): the card keeps its advice and names the old order,
  to confirm with its prescriber.
- Warfarin ordered in 2025 and still marked active was invisible to the NSAID check (ibuprofen
  drafted: no card), while the ESI bleeding check named it. The bleeding partners of an NSAID now
  include such an order, named to confirm it is taken.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, mr

RAD = cond("rad", RADICULOPATHY, 100)
OUD = cond("oud", "F11.20", 400, "Opioid use disorder, moderate")
OXY = mr("oxy", "7804", "oxycodone", dose=5, per=3)


def _cards(order, *facts):  # type: ignore[no-untyped-def]
    return evaluate_orders(inp("order-sign", [order], history(RAD, *facts)))


def test_untreated_opioid_use_disorder_is_said_and_offers_treatment_and_naloxone() -> None:
    (card,) = [c for c in _cards(OXY, OUD) if c.rule_id == "order.opioid-risk"]
    assert "no current MOUD" in card.summary and "continuing beyond" not in card.summary
    assert any("buprenorphine or methadone" in s for s in card.next_steps)
    assert any("naloxone" in s.label.lower() for s in card.suggestions)


def test_an_old_moud_order_still_marked_active_is_named_but_not_taken_as_current_treatment() -> None:
    """A patient who left treatment has lost tolerance: the old order does not stand in for MOUD."""
    suboxone = med("sbx", "1819", "buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet", 690)
    (card,) = [c for c in _cards(OXY, OUD, suboxone) if c.rule_id == "order.opioid-risk"]
    assert "no current MOUD" in card.summary
    assert any(f.ref == suboxone.ref and "confirm" in f.text for f in card.why)
    assert any("naloxone" in s.label.lower() for s in card.suggestions)


def test_guard_a_current_moud_order_is_coordinated_as_moud() -> None:
    suboxone = med("sbx", "1819", "buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet", 20)
    assert [c.rule_id for c in _cards(OXY, OUD, suboxone)] == ["order.opioid-with-moud"]


def test_an_nsaid_beside_an_old_warfarin_order_still_marked_active_warns() -> None:
    warfarin = med("wf", "11289", "warfarin sodium 5 MG Oral Tablet", 690)
    (card,) = [c for c in _cards(mr("ibu", "5640", "ibuprofen", dose=400, per=3), warfarin)]
    assert card.rule_id == "order.nsaid-co-prescription" and "warfarin" in card.summary
    assert any(f.ref == warfarin.ref and "confirm it is taken" in f.text for f in card.why)


def test_guard_an_nsaid_beside_a_current_warfarin_order_warns() -> None:
    warfarin = med("wf", "11289", "warfarin sodium 5 MG Oral Tablet", 30)
    cards = _cards(mr("ibu", "5640", "ibuprofen", dose=400, per=3), warfarin)
    assert [c.rule_id for c in cards] == ["order.nsaid-co-prescription"]


def test_an_old_warfarin_order_beside_current_apixaban_is_not_named() -> None:
    """A newer anticoagulant replaced the old order: naming both read as dual anticoagulation."""
    warfarin = med("wf", "11289", "warfarin sodium 5 MG Oral Tablet", 690)
    apixaban = med("apx", "1364430", "apixaban 5 MG Oral Tablet", 60)
    (card,) = _cards(mr("ibu", "5640", "ibuprofen", dose=400, per=3), warfarin, apixaban)
    assert {f.ref for f in card.why} >= {apixaban.ref} and warfarin.ref not in {f.ref for f in card.why}


def test_an_old_moud_order_with_no_disorder_coded_still_draws_a_card_to_confirm_it() -> None:
    """An opioid-treatment-programme methadone order of 2021 still marked active, no OUD code: the
    oxycodone drew no card once the old order stopped counting as current MOUD."""
    otp = "methadone hydrochloride 10 MG/ML Oral Solution (opioid treatment program)"
    methadone = med("meth", "6813", otp, 1800)
    (card,) = [c for c in _cards(OXY, methadone) if c.rule_id == "order.opioid-risk"]
    assert card.indicator == "warning" and "old MOUD order" in card.summary
    assert any(f.ref == methadone.ref for f in card.why)
    assert any("naloxone" in s.label.lower() for s in card.suggestions)
