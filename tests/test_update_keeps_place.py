"""A one-click change of a drafted order keeps where it goes: the level and side the clinician wrote
only in the order's name are carried into the new name, and a coded bodySite stays as sent."""

from __future__ import annotations

from typing import Any

import pytest

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, sr


def _updates(orders: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    cards = evaluate_orders(inp("order-sign", orders, history(cond("rad", RADICULOPATHY, 70))))
    card = next(c for c in cards if c.rule_id == rule)
    return [a.resource for s in card.suggestions for a in s.actions if a.type == "update" and a.resource]


@pytest.mark.parametrize(
    ("written", "level", "side"),
    [
        ("L5-S1 left transforaminal epidural, no imaging", "L5-S1", "left"),
        ("Lumbar epidural without guidance, L4-5, RT", "L4-L5", "right"),
        ("Interlaminar ESI L4/L5 bilateral, blind", "L4-L5", "bilateral"),
    ],
)
def test_image_guided_change_keeps_level_and_side_from_the_name(written: str, level: str, side: str) -> None:
    updates = _updates([sr("esi1", "62322", written)], "order.esi-blind")
    assert len(updates) == 2
    for resource in updates:
        text = resource["code"]["text"]
        assert text.endswith(f", {level}, {side}"), text
        assert resource["code"]["coding"][0]["code"] in ("62323", "64483")


def test_name_without_level_or_side_is_unchanged() -> None:
    updates = _updates(
        [sr("esi1", "62322", "Lumbar interlaminar epidural injection without imaging guidance")],
        "order.esi-blind",
    )
    assert [u["code"]["text"] for u in updates] == [
        "Lumbar interlaminar epidural steroid injection with imaging guidance",
        "Lumbar transforaminal epidural steroid injection, image-guided",
    ]


def test_coded_body_site_and_reason_stay_as_sent() -> None:
    site = [{"coding": [{"system": "http://snomed.info/sct", "code": "7771000"}], "text": "Left L5-S1"}]
    reason = [{"text": "Left S1 radiculopathy"}]
    order = sr("esi1", "62322", "Epidural, no imaging", bodySite=site, reasonCode=reason, priority="routine")
    for resource in _updates([order], "order.esi-blind"):
        assert resource["bodySite"] == site
        assert resource["reasonCode"] == reason
        assert resource["priority"] == "routine"
        assert resource["id"] == "esi1"


def test_a_name_with_two_levels_adds_nothing() -> None:
    """Two levels (or a level and an operated one) cannot go into one order's name without mixing
    them: "L4-5 and L5-S1" read as one injection at both, or the old laminectomy's level added."""
    rfa = sr("rfa", "64635", "Bilateral L4-5 and L5-S1 medial branch RFA")
    cards = evaluate_orders(inp("order-sign", [rfa], history(cond("facet", "M47.816", 300))))
    (card,) = [c for c in cards if c.rule_id == "order.rfa-no-block"]
    (update,) = [a.resource for s in card.suggestions for a in s.actions if a.type == "update" and a.resource]
    assert update["code"]["text"] == "Diagnostic lumbar medial branch block"


@pytest.mark.parametrize(
    "written",
    [
        "ESI no fluoro: left L5-S1 and right L4-5 transforaminal",
        "L5-S1 ESI right (s/p left L4-5 laminectomy 2019)",
    ],
)
def test_mixed_levels_and_sides_add_nothing(written: str) -> None:
    for resource in _updates([sr("esi1", "62322", written)], "order.esi-blind"):
        assert "L4-L5" not in resource["code"]["text"] and "bilateral" not in resource["code"]["text"]


def test_b_slash_l_is_bilateral() -> None:
    (first, _) = _updates([sr("esi1", "62322", "L5-S1 B/L epidural, no imaging")], "order.esi-blind")
    assert first["code"]["text"].endswith(", L5-S1, bilateral")


def test_left_and_right_named_apart_are_no_side() -> None:
    (first, _) = _updates(
        [sr("esi1", "62322", "L5-S1 epidural, left leg pain worse than right, no imaging")], "order.esi-blind"
    )
    assert first["code"]["text"].endswith(", L5-S1")


def test_stimulator_trial_takes_no_side_from_the_generator_pocket() -> None:
    ipg = sr("ipg", "63685", "Spinal cord stimulator generator, right buttock pocket")
    cards = evaluate_orders(inp("order-sign", [ipg], history(cond("fbss", "M96.1", 500))))
    texts = [
        a.resource["code"]["text"]
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if a.type == "update" and a.resource is not None
    ]
    assert texts and not any("right" in t for t in texts), texts


def test_a_range_over_two_interspaces_adds_nothing() -> None:
    cards = evaluate_orders(
        inp(
            "order-sign", [sr("fus", "22630", "L4-S1 fusion, left")], history(cond("rad", RADICULOPATHY, 200))
        )
    )
    (card,) = [c for c in cards if c.rule_id == "order.fusion-no-instability"]
    texts = [
        a.resource["code"]["text"]
        for s in card.suggestions
        for a in s.actions
        if a.type == "update" and a.resource
    ]
    # radiculopathy with no herniation coded: the laminotomy is named as a nerve-root decompression
    assert texts == ["Lumbar laminotomy with nerve-root decompression, single interspace"]
