"""One prescription written twice is one dose: MME/day counts a renewal once.

An old opioid order with repeats left still active beside its renewal (both "active", as EHRs keep
them) doubled the day's dose: oxycodone 10 mg three times a day (45 MME/day) was "90 MME/day in
total", past CDC 2022's threshold for avoiding or justifying the dose; ordering the renewal itself
added the current order to the draft and warned of 90 MME/day. Orders of the same codes, words and
MME/day are one prescription: the latest counts, and a draft renewing a current order is not added to
it. Anything that differs (another strength, an extended-release form, a second drug) still adds.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, context, med, radic, run

from hooks.cards import render_full
from hooks.orders import evaluate_orders
from hooks.pathway.rules.medication import daily_mme
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr
from tests.orders_builders import med as omed

OXY_TEXT = "oxycodone hydrochloride 10 MG Oral Tablet"
OLD = med("oxy-1", "rx_opioids", "7804", start=240, daily_dose_mg=30, text=OXY_TEXT)
RENEWAL = med("oxy-2", "rx_opioids", "7804", start=20, daily_dose_mg=30, text=OXY_TEXT)


def test_an_order_and_its_renewal_both_active_count_once() -> None:
    ctx = context(radic(300), OLD, RENEWAL)
    assert daily_mme(ctx, ctx.medications("rx_opioids")) == 45


def test_guard_two_different_strengths_still_add() -> None:
    evening = med("oxy-3", "rx_opioids", "7804", start=20, daily_dose_mg=20, text="oxycodone 20 MG at night")
    ctx = context(radic(300), RENEWAL, evening)
    assert daily_mme(ctx, ctx.medications("rx_opioids")) == 75


def test_the_long_term_opioid_card_says_the_renewal_is_counted_once() -> None:
    benzo = med("alp", "rx_benzodiazepine_class", start=60)
    c = card_of(run(radic(300), OLD, RENEWAL, benzo), "M1")
    full = render_full(c)
    assert "90 MME/day" not in full
    assert "MedicationRequest/oxy-1 is a prescription written again, counted once" in full


def test_renewing_the_current_opioid_is_not_a_second_dose() -> None:
    draft = mr("renew", "7804", OXY_TEXT, dose=10, per=3)
    current = omed("oxy", "7804", OXY_TEXT, 30, daily_dose_mg=30)
    cards = evaluate_orders(inp("order-sign", [draft], history(cond("rad", RADICULOPATHY, 200), current)))
    assert not any("90 MME/day" in render_full(c) for c in cards), [c.summary for c in cards]
    assert not any(c.rule_id == "order.opioid-risk" and "≥ 50 MME" in c.summary for c in cards)


def test_guard_a_second_opioid_beside_the_current_one_still_adds() -> None:
    draft = mr("more", "7804", "oxycodone hydrochloride 15 MG Oral Tablet", dose=15, per=2)
    current = omed("oxy", "7804", OXY_TEXT, 30, daily_dose_mg=30)
    cards = evaluate_orders(inp("order-sign", [draft], history(cond("rad", RADICULOPATHY, 200), current)))
    assert any("90 MME/day" in render_full(c) for c in cards)


def test_a_re_signed_order_also_in_the_prefetch_is_not_counted_twice() -> None:
    """order-sign may carry an active order being re-signed; the prefetch holds the same resource."""
    draft = mr("oxy", "7804", "oxycodone 5 MG every 6 hours", dose=5, per=4)
    same = omed("oxy", "7804", "oxycodone hydrochloride 5 MG Oral Tablet", 30, daily_dose_mg=20)
    cards = evaluate_orders(inp("order-sign", [draft], history(cond("rad", RADICULOPATHY, 200), same)))
    assert not any("60 MME/day" in render_full(c) for c in cards), [c.summary for c in cards]
