"""A transforaminal injection ordered on the side without symptoms.

"Left L5 radiculopathy" (body site left), a left-sided extrusion on MRI, and a transforaminal ESI
ordered at right L4-L5 passed silently: side was compared only with earlier injections. A
transforaminal injection treats the root on its own side (§1.2, NASS 2014): the order now draws a
warning to confirm the side. Bilateral or unstated symptoms, an interlaminar injection, or the same
side draw none.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, sr

LEFT = replace(cond("rad", RADICULOPATHY, 120, "Left L5 radiculopathy"), body_site_text="left")


def _rules(order, *facts):  # type: ignore[no-untyped-def]
    return {c.rule_id: c for c in evaluate_orders(inp("order-sign", [order], history(*facts)))}


def test_a_transforaminal_esi_on_the_other_side_warns() -> None:
    order = sr("esi", "64483", "Transforaminal ESI L4-L5 right", bodySite=[{"text": "right L4-L5"}])
    cards = _rules(order, LEFT)
    card = cards["order.esi-wrong-side"]
    assert card.indicator == "warning" and "right" in card.summary and "left" in card.summary
    assert "Condition/rad" in {f.ref for f in card.why}


def test_guard_the_same_side_draws_no_side_card() -> None:
    cards = _rules(sr("esi", "64483", "Transforaminal ESI L4-L5 left"), LEFT)
    assert "order.esi-wrong-side" not in cards


def test_guard_bilateral_or_unstated_symptoms_or_an_interlaminar_injection_draw_none() -> None:
    both = replace(cond("rad", RADICULOPATHY, 120, "Bilateral L5 radiculopathy"), body_site_text="bilateral")
    unstated = cond("rad", RADICULOPATHY, 120, "Lumbar radiculopathy")
    right_tf = sr("esi", "64483", "Transforaminal ESI L4-L5 right")
    assert "order.esi-wrong-side" not in _rules(right_tf, both)
    assert "order.esi-wrong-side" not in _rules(right_tf, unstated)
    assert "order.esi-wrong-side" not in _rules(sr("esi", "62323", "Interlaminar ESI L4-5 right"), LEFT)
