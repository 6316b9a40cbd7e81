"""Every discovery entry has its own id (issue 15 §6): the CDS Hooks Sandbox keeps one service per
id, so order-select and order-sign are listed as ``radicular-order-select`` and
``radicular-order-sign``. They stay one service in the governance record: the same rule on the
same draft order has the same identity on both hooks, and feedback and snoozes hold across them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import draft, load_protocol, make_probe_service, snooze_feedback
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from cds_service.pipeline import Engine
from cds_service.settings import Settings
from cds_service.store import Store
from cds_service.store import models as m

ORDERS = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "orders"


def test_each_discovery_entry_has_its_own_id(make_app: Callable[..., Flask]) -> None:
    entries = make_app().test_client().get("/cds-services").get_json()["services"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert {(e["hook"], e["id"]) for e in entries} == {
        ("patient-view", "radicular-pathway"),
        ("order-select", "radicular-order-select"),
        ("order-sign", "radicular-order-sign"),
    }
    titles = [e["title"] for e in entries]
    assert len(titles) == len(set(titles))  # the Sandbox lists them by title, too


def test_two_entries_with_one_id_are_refused_at_start() -> None:
    dup = make_probe_service(id="x", hooks=("order-select", "order-sign"))
    clash = make_probe_service(id="y", hooks=("patient-view",))
    object.__setattr__(clash, "hook_ids", {"patient-view": "x"})
    with pytest.raises(ValueError, match="share a discovery id"):
        Engine(Settings(), (dup, clash), None, None, None)  # type: ignore[arg-type]


def test_each_id_answers_its_own_hook_only(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    sign = load_protocol("order-sign.full-prefetch.json")
    resp = client.post("/cds-services/radicular-order-select", json=sign)
    assert resp.status_code == 400 and resp.get_json()["issue"][0]["expression"] == ["hook"]
    assert client.post("/cds-services/radicular-order-sign", json=sign).status_code == 200
    # the former shared id is no longer a discovery id
    assert client.post("/cds-services/radicular-order-guardrails", json=sign).status_code == 404
    resp = client.post("/cds-services/radicular-order-guardrails/feedback", json={"feedback": []})
    assert resp.status_code == 404


def topics(cards: list[dict[str, Any]]) -> list[str]:
    return [c["source"]["topic"]["code"] for c in cards]


@pytest.mark.parametrize("scenario", ["esi-blind", "fusion-disc-herniation", "rfa-without-block"])
def test_the_same_rule_on_the_same_order_keeps_its_identity_on_both_hooks(
    make_app: Callable[..., Flask], scenario: str
) -> None:
    """Order-sign judges every draft order, order-select the selected ones: each order-select card
    reappears on order-sign under the same rule, so the order-sign answer supersedes it."""
    client = make_app().test_client()
    answers = {}
    for hook in ("order-select", "order-sign"):
        body = json.loads((ORDERS / f"{scenario}.{hook}.json").read_text())
        resp = client.post(f"/cds-services/radicular-{hook}", json=body)
        assert resp.status_code == 200, resp.get_json()
        answers[hook] = topics(resp.get_json()["cards"])
    assert answers["order-select"], scenario
    assert set(answers["order-select"]) <= set(answers["order-sign"])


@pytest.fixture
def guard_app(make_app: Callable[..., Flask]) -> Flask:
    """An order service listed under two ids, answering one snoozable warning (rule A)."""
    service = make_probe_service(lambda inp: [draft("A", "topic-a", "warning")], id="guard")
    object.__setattr__(service, "hook_ids", {"order-select": "guard-select", "order-sign": "guard-sign"})
    object.__setattr__(service, "hooks", ("order-select", "order-sign"))
    return make_app(services=(service,))


def test_a_snooze_set_on_order_select_holds_on_order_sign(guard_app: Flask, store: Store) -> None:
    client = guard_app.test_client()
    select_body = load_protocol("order-select.full-prefetch.json")
    sign_body = load_protocol("order-sign.full-prefetch.json")
    assert topics(client.post("/cds-services/guard-sign", json=sign_body).get_json()["cards"]) == ["A"]
    card = client.post("/cds-services/guard-select", json=select_body).get_json()["cards"][0]
    feedback = snooze_feedback(card["uuid"], "snooze-1m")
    resp = client.post("/cds-services/guard-select/feedback", json=feedback)
    assert resp.get_json() == {"stored": 1, "duplicates": 0, "unknownCards": 0}
    assert topics(client.post("/cds-services/guard-sign", json=sign_body).get_json()["cards"]) == []
    assert topics(client.post("/cds-services/guard-select", json=select_body).get_json()["cards"]) == []
    # feedback on that card through the other id of the same service is the same feedback
    again = client.post("/cds-services/guard-sign/feedback", json=feedback).get_json()
    assert again == {"stored": 0, "duplicates": 1, "unknownCards": 0}
    with Session(store.engine) as s:
        rows = s.execute(select(m.Invocation.service_id, m.Invocation.hook).order_by(m.Invocation.id)).all()
    assert [tuple(r) for r in rows] == [
        ("guard", "order-sign"),
        ("guard", "order-select"),
        ("guard", "order-sign"),
        ("guard", "order-select"),
    ]
