"""Order-guardrail scenarios through HTTP on both hooks: every fixture in fhir_fixtures/orders/ is
POSTed to ``/cds-services/radicular-order-select`` or ``-sign`` and its cards compared with the expectations
next to it."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from flask import Flask

from fhir_fixtures import fhir_builder as fb
from hooks.cards import ADVISORY, DETAIL_MAX

ROOT = Path(__file__).resolve().parent.parent
ORDERS_DIR = ROOT / "fhir_fixtures" / "orders"
SERVICE_URL = "/cds-services/radicular-{hook}"  # one discovery id per hook
HOOKS = ("order-select", "order-sign")
SCENARIOS = sorted(p.name.removesuffix(".expected.json") for p in ORDERS_DIR.glob("*.expected.json"))


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ORDERS_DIR / name).read_text())
    return data


EVALUATION_DATE = "2026-11-20"  # every order fixture is written for this date (make_fixtures.EVAL)


@pytest.fixture
def post(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any], str], list[dict[str, Any]]]:
    client = make_app(settings_overrides={"evaluation_date": EVALUATION_DATE}).test_client()

    def call(body: dict[str, Any], evaluation_date: str) -> list[dict[str, Any]]:
        assert evaluation_date == EVALUATION_DATE
        resp = client.post(SERVICE_URL.format(hook=body["hook"]), json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        cards: list[dict[str, Any]] = resp.get_json()["cards"]
        return cards

    return call


def _action_key(action: dict[str, Any]) -> list[str]:
    if action["type"] == "delete":
        return ["delete", action["resourceId"]]
    res = action["resource"]
    concept = res.get("code") or res.get("medicationCodeableConcept") or {}
    code = concept["coding"][0]["code"]
    if action["type"] == "update":
        return ["update", f"{res['resourceType']}/{res['id']}", code]
    return ["create", res["resourceType"], code]


def test_fixtures_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("order_fixtures", ORDERS_DIR / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["order_fixtures"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_every_check_has_a_positive_scenario_on_both_hooks() -> None:
    from hooks.orders import CHECKS

    fired = {e["rule"] for slug in SCENARIOS for hook in HOOKS for e in load(f"{slug}.expected.json")[hook]}
    for check in CHECKS:
        assert fired & set(check.rule_ids), check.name
    assert any(not load(f"{s}.expected.json")["order-sign"] for s in SCENARIOS)  # negatives exist


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("slug", SCENARIOS)
def test_scenario(slug: str, hook: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]) -> None:
    expected = load(f"{slug}.expected.json")
    body = load(f"{slug}.{hook}.json")
    cards = post(body, expected["evaluationDate"])
    drafts = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in body["context"]["draftOrders"].get("entry", [])
        if e["resource"].get("id")
    }
    want = expected[hook]
    assert Counter((c["source"]["topic"]["code"], c["indicator"]) for c in cards) == Counter(
        (e["rule"], e["indicator"]) for e in want
    ), [c["summary"] for c in cards]
    for e in want:
        card = next(c for c in cards if c["source"]["topic"]["code"] == e["rule"])
        subject = e["subject"]
        assert f"`{subject}` Draft order" in card["detail"]
        assert ADVISORY in card["detail"] and len(card["detail"]) <= DETAIL_MAX
        # the facts that decide the card are shown whole (their short forms), never cut in the middle
        cut = [f for f in card["detail"].splitlines() if f.startswith("- ") and " … " in f]
        assert not cut, cut
        assert card["source"]["url"].startswith("https://")
        assert len(card["summary"]) < 140
        assert ("overrideReasons" in card) == (card["indicator"] != "info")
        assert all(r["display"] for r in card.get("overrideReasons", []))
        if not e["recommendedActions"]:
            assert "suggestions" not in card and "selectionBehavior" not in card
            continue
        recommended = [s for s in card["suggestions"] if s.get("isRecommended")]
        if card["selectionBehavior"] == "at-most-one":  # alternatives: the one recommended comes first
            assert len(recommended) <= 1
            first = recommended[0] if recommended else card["suggestions"][0]
            assert [_action_key(a) for a in first["actions"]] == e["recommendedActions"]
        else:  # steps taken together: the expected one is among those recommended, and all can be taken
            assert card["selectionBehavior"] == "any" and len(card["suggestions"]) > 1
            assert e["recommendedActions"] in [[_action_key(a) for a in s["actions"]] for s in recommended]
            changed = [
                a.get("resourceId") or f"{a['resource']['resourceType']}/{a['resource']['id']}"
                for s in card["suggestions"]
                for a in s["actions"]
                if a["type"] != "create"
            ]
            assert len(changed) == len(set(changed)), "two suggestions change the same draft order"
        for s in card["suggestions"]:
            assert s["label"] and s["uuid"]
            for a in s["actions"]:
                assert a["description"]
                if a["type"] == "delete":  # the order judged, or another draft of the session it names
                    assert a["resourceId"] in {subject} | drafts and "resource" not in a
                elif a["type"] == "update":
                    assert f"{a['resource']['resourceType']}/{a['resource']['id']}" == subject
                else:
                    assert a["resource"]["status"] == "draft" and "id" not in a["resource"]
                if "resource" in a:  # every created or updated resource is valid FHIR R4(B)
                    get_fhir_model_class(a["resource"]["resourceType"]).model_validate(a["resource"])


@pytest.mark.parametrize("slug", [s for s in SCENARIOS if load(f"{s}.expected.json")["order-sign"]])
def test_same_check_on_same_order_keeps_its_identity_across_hooks(
    slug: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]
) -> None:
    expected = load(f"{slug}.expected.json")
    select = post(load(f"{slug}.order-select.json"), expected["evaluationDate"])
    sign = post(load(f"{slug}.order-sign.json"), expected["evaluationDate"])

    def identity(cards: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return sorted((c["source"]["topic"]["code"], c["detail"].split("`")[1]) for c in cards)

    assert identity(select) == identity(sign)


PROTOCOL_DIR = ROOT / "fhir_fixtures" / "protocol"
VERBATIM = (
    "order-sign.sandbox.json",  # the Sandbox's draft MedicationRequest without a medication
    "order-select.sandbox-pama.json",  # the Sandbox PAMA screen: TMJ MRI
    "order-select.cds-hooks-org-radiology.json",  # cds-hooks.org: MRA of the knee, intent plan
    "order-select.library-R4.json",  # NutritionOrder + amoxicillin, R4 doseAndRate as an object
    "order-sign.library-R4.json",  # labelled R4, STU3 doseQuantity
    "order-sign.library-STU3.json",
)


def _radicular_history(patient_id: str) -> dict[str, Any]:
    """Prefetch for the verbatim bodies: a lumbar radiculopathy two weeks old, nothing else."""
    empty: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    condition = fb.condition(
        "rad", fb.concept(fb.icd("M54.16")), {"reference": f"Patient/{patient_id}"},
        verification=None, category=None, onset="2026-11-06",
    )  # fmt: skip
    return {
        "patient": {"resourceType": "Patient", "id": patient_id},
        "conditions": {**empty, "total": 1, "entry": [{"resource": condition}]},
        **{k: empty for k in ("procedures", "observations", "medicationRequests", "medicationStatements",
                              "serviceRequests", "diagnosticReports", "encounters")},
    }  # fmt: skip


@pytest.mark.parametrize("name", VERBATIM)
def test_real_client_bodies_with_unrelated_orders_draw_no_cards(
    name: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]
) -> None:
    body = json.loads((PROTOCOL_DIR / name).read_text())
    if not body.get("prefetch"):
        body["prefetch"] = _radicular_history(body["context"]["patientId"])
    assert post(body, EVALUATION_DATE) == []


def test_a_repeat_of_the_failed_esi_in_the_full_prefetch_body_draws_the_repeat_card(
    post: Callable[[dict[str, Any], str], list[dict[str, Any]]],
) -> None:
    """The full-prefetch order-select body: an image-guided TFESI drafted after one TFESI recorded as
    unsuccessful, with a concordant lesion on the MRI, 37 weeks of symptoms. Repeating the failed
    injection is what the pathway rules out (a repeat only after a sustained ≥ 50 % response): one
    information card on order-select, naming the failed injection."""
    body = json.loads((PROTOCOL_DIR / "order-select.full-prefetch.json").read_text())
    cards = post(body, EVALUATION_DATE)
    assert [(c["source"]["topic"]["code"], c["indicator"]) for c in cards] == [("order.esi-repeat", "info")]
    assert "failed image-guided ESI of 2026-06-10" in cards[0]["summary"]


def test_oxycodone_signed_for_a_patient_on_gabapentin_draws_the_opioid_card_naming_it(
    post: Callable[[dict[str, Any], str], list[dict[str, Any]]],
) -> None:
    """The full-prefetch order-sign body: the same ESI plus oxycodone 20 mg/day (30 MME, short-term)
    for a patient with gabapentin active since April. The ESI, a repeat of the failed one, draws the
    repeat card; the opioid draws one card, the co-prescription with the gabapentinoid (respiratory
    depression: CDC 2022)."""
    body = json.loads((PROTOCOL_DIR / "order-sign.full-prefetch.json").read_text())
    cards = post(body, EVALUATION_DATE)
    assert [(c["source"]["topic"]["code"], c["indicator"]) for c in cards] == [
        ("order.esi-repeat", "warning"),
        ("order.opioid-risk", "warning"),
    ]
    opioid = cards[1]
    assert "gabapentin" in opioid["summary"].lower() or "gabapentin" in opioid["detail"].lower()


def test_a_lumbar_mri_in_the_cds_hooks_org_body_is_judged_like_any_other(
    post: Callable[[dict[str, Any], str], list[dict[str, Any]]],
) -> None:
    body = json.loads((PROTOCOL_DIR / "order-select.cds-hooks-org-radiology.json").read_text())
    order = body["context"]["draftOrders"]["entry"][0]["resource"]
    order["code"] = fb.concept(fb.cpt("72148"), text="MRI L-spine")
    body["prefetch"] = _radicular_history(body["context"]["patientId"])
    cards = post(body, EVALUATION_DATE)
    assert [(c["source"]["topic"]["code"], c["indicator"]) for c in cards] == [("order.mri-early", "info")]
    (action,) = cards[0]["suggestions"][0]["actions"]
    assert action == {
        "type": "delete",
        "description": action["description"],
        "resourceId": "ServiceRequest/example-MRI-59879846",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_an_unreadable_medication_list_is_named_on_the_order(
    hook: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]
) -> None:
    """The EHR answers the medication searches with an OperationOutcome and there is no fhirServer to
    ask: the diazepam order cannot be checked against current opioids, and the card says so."""
    body = load(f"benzodiazepine-with-current-opioid.{hook}.json")
    failed = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
    body["prefetch"]["medicationRequests"] = failed
    body["prefetch"]["medicationStatements"] = failed
    (card,) = post(body, EVALUATION_DATE)
    assert (card["source"]["topic"]["code"], card["indicator"]) == ("order.not-fully-checked", "info")
    assert "`MedicationRequest/mr-diazepam` Draft order" in card["detail"]
    assert "prescriptions" in card["summary"] and "opioid" in card["detail"]


# Checks whose judgement reads the order's priority: an emergency study ordered as routine.
PRIORITY_RULES = frozenset({"order.mri-ces-emergency"})


@pytest.mark.parametrize("priority", ["urgent", "stat", "asap"])
@pytest.mark.parametrize("slug", [s for s in SCENARIOS if load(f"{s}.expected.json")["order-sign"]])
def test_a_draft_marked_urgent_is_judged_as_the_routine_one(
    slug: str, priority: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]
) -> None:
    """A clinician's urgent, stat or asap draft draws the same checks as the routine one, and a card
    that changes it (a replacement, a contrast added) keeps the clinician's priority: the hook never
    fails on it, and no other check's card is lost with it."""
    expected = load(f"{slug}.expected.json")
    body = load(f"{slug}.order-sign.json")
    for e in body["context"]["draftOrders"].get("entry", []):
        if e["resource"]["resourceType"] == "ServiceRequest":
            e["resource"]["priority"] = priority
    cards = post(body, expected["evaluationDate"])
    want = Counter(
        (e["rule"], e["indicator"]) for e in expected["order-sign"] if e["rule"] not in PRIORITY_RULES
    )
    got = Counter(
        (c["source"]["topic"]["code"], c["indicator"])
        for c in cards
        if c["source"]["topic"]["code"] not in PRIORITY_RULES
    )
    assert got == want, [c["summary"] for c in cards]
    for c in cards:
        if c["source"]["topic"]["code"] in PRIORITY_RULES:
            continue  # a cauda equina study is made stat: the card's point
        for s in c.get("suggestions", []):
            for a in s["actions"]:
                if a["type"] == "update" and a["resource"]["resourceType"] == "ServiceRequest":
                    assert a["resource"].get("priority") == priority, "the clinician's priority was changed"
