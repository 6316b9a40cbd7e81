"""Orders drafted inside an order set — a RequestGroup's contained orders, a nested Bundle's entries —
are out of the checks' reach (they judge draft orders sent one by one, and a suggestion cannot change
an order inside a group). They are never passed in silence: a warning names each one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

BLIND = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "orders" / "esi-blind.order-sign.json"


def signed_with(draft: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(BLIND.read_text())
    entries = body["context"]["draftOrders"]["entry"]
    entries[:] = [{"resource": draft(copy.deepcopy(entries[0]["resource"]))}]
    return body


def request_group(order: dict[str, Any]) -> dict[str, Any]:
    inner = dict(order, id="inner-esi")
    return {
        "resourceType": "RequestGroup", "id": "order-set-1", "status": "draft", "intent": "order",
        "subject": order["subject"], "contained": [inner],
        "action": [{"resource": {"reference": "#inner-esi"}}],
    }  # fmt: skip


def nested_bundle(order: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}


@pytest.fixture
def sign(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    client = make_app(settings_overrides={"evaluation_date": "2026-11-20"}).test_client()

    def call(body: dict[str, Any]) -> list[dict[str, Any]]:
        resp = client.post("/cds-services/radicular-order-sign", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        cards: list[dict[str, Any]] = resp.get_json()["cards"]
        return cards

    return call


@pytest.mark.parametrize(
    ("group", "where", "ref"),
    [
        (request_group, "RequestGroup/order-set-1", "ServiceRequest/inner-esi"),
        (nested_bundle, "Bundle", "ServiceRequest/sr-esi"),
    ],
)
def test_a_blind_injection_inside_a_group_is_named_not_passed(
    sign: Callable[..., Any], group: Callable[..., dict[str, Any]], where: str, ref: str
) -> None:
    cards = sign(signed_with(group))
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "warning"
    assert card["summary"] == f"Not checked: order drafted inside {where}; review it before signing"
    assert f"Lumbar interlaminar epidural injection without imaging guidance ({ref})" in card["detail"]
    assert "one by one" in card["detail"]
    assert not card.get("suggestions")  # nothing inside a group can be changed by a suggestion


def test_the_same_order_sent_on_its_own_is_judged(sign: Callable[..., Any]) -> None:
    cards = sign(signed_with(lambda order: order))
    assert [c["indicator"] for c in cards] == ["warning"]
    assert not any(c["summary"].startswith("Not checked: order drafted inside") for c in cards)


def test_a_group_of_no_orders_draws_nothing(sign: Callable[..., Any]) -> None:
    def empty(order: dict[str, Any]) -> dict[str, Any]:
        return {"resourceType": "RequestGroup", "id": "rg-empty", "status": "draft", "intent": "order",
                "subject": order["subject"]}  # fmt: skip

    assert sign(signed_with(empty)) == []
