"""A draft order sent with codes only (no ``code.text``, no display) is named on its card by its
listed code's display, or by its code when no value set lists it; never by its bare resource type
("Draft order: ServiceRequest").

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import render_detail
from hooks.orders import evaluate_orders
from tests.orders_builders import CPT, RADICULOPATHY, cond, history, inp, sr


def _bare(rid: str, code: str) -> dict[str, Any]:
    order = sr(rid, code)
    order["code"] = {"coding": [{"system": CPT, "code": code}]}
    return order


def test_code_only_blind_esi_is_named_by_its_listed_display() -> None:
    cards = evaluate_orders(
        inp("order-sign", [_bare("esi1", "62322")], history(cond("rad", RADICULOPATHY, 70)))
    )
    (card,) = [c for c in cards if c.rule_id == "order.esi-blind"]
    detail = render_detail(card)
    assert "Draft order: ServiceRequest" not in detail
    assert "interlaminar epidural" in detail and "without imaging guidance" in detail


def test_guard_a_named_order_keeps_its_own_name() -> None:
    cards = evaluate_orders(
        inp(
            "order-sign",
            [sr("esi1", "62322", "Blind L5-S1 epidural")],
            history(cond("rad", RADICULOPATHY, 70)),
        )
    )
    (card,) = [c for c in cards if c.rule_id == "order.esi-blind"]
    assert "Blind L5-S1 epidural" in render_detail(card)
