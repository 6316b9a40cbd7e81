"""Wire format: request validation and card serialisation (CDS Hooks 2.0 names and constraints)."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import uuid
from typing import Any

import pytest
from conftest import draft, load_protocol
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service import wire
from cds_service.errors import BadRequest
from hooks.cards import Action, LinkDraft, SuggestionDraft, render_detail
from hooks.evidence import guideline
from hooks.override_reasons import OVERRIDE_SYSTEM
from hooks.registry import services

PV = {
    "hook": "patient-view",
    "hookInstance": "i-1",
    "context": {"userId": "Practitioner/1", "patientId": "p1"},
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = dict(base)
    parts = path.split(".")
    target = out
    for p in parts[:-1]:
        target[p] = dict(target[p])
        target = target[p]
    if value is _DELETE:
        target.pop(parts[-1], None)
    else:
        target[parts[-1]] = value
    return out


_DELETE = object()


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        ([], []),
        (_with(PV, "hook", _DELETE), ["hook"]),
        (_with(PV, "hook", ""), ["hook"]),
        (_with(PV, "hook", "encounter-start"), ["hook"]),
        (_with(PV, "hookInstance", _DELETE), ["hookInstance"]),
        (_with(PV, "hookInstance", 7), ["hookInstance"]),
        (_with(PV, "context", _DELETE), ["context"]),
        (_with(PV, "context", ["x"]), ["context"]),
        (_with(PV, "context.patientId", _DELETE), ["context.patientId"]),
        (_with(PV, "context.userId", None), ["context.userId"]),
        (_with(PV, "context.encounterId", ""), ["context.encounterId"]),
        (_with(PV, "fhirServer", "ftp://x"), ["fhirServer"]),
        (_with(PV, "fhirServer", "not a url"), ["fhirServer"]),
        (_with(PV, "fhirAuthorization", {"access_token": "t", "token_type": "Bearer"}), ["fhirServer"]),
        (_with(PV, "prefetch", []), ["prefetch"]),
        (_with(PV, "prefetch", {"conditions": "123"}), ["prefetch.conditions"]),
    ],
)
def test_invalid_requests_are_400_naming_the_field(body: Any, expression: list[str]) -> None:
    """It rejects a malformed request with BadRequest whose expression names the offending field."""
    with pytest.raises(BadRequest) as info:
        wire.parse_request(body, declared_hooks=("patient-view",))
    assert info.value.status == 400
    assert info.value.expression == expression


def test_fhir_authorization_fields_are_checked() -> None:
    """It requires access_token and a Bearer token_type when fhirAuthorization is given."""
    base = {**PV, "fhirServer": "https://ehr.example.org/fhir"}
    cases = {
        "fhirAuthorization.access_token": {"token_type": "Bearer"},
        "fhirAuthorization.token_type": {"access_token": "t", "token_type": "MAC"},
        "fhirAuthorization.expires_in": {"access_token": "t", "token_type": "Bearer", "expires_in": "300"},
        "fhirAuthorization": "Bearer t",
    }
    for expression, auth in cases.items():
        with pytest.raises(BadRequest) as info:
            wire.parse_request({**base, "fhirAuthorization": auth})
        assert info.value.expression == [expression]
    ok = wire.parse_request(
        {**base, "fhirAuthorization": {"access_token": "t", "token_type": "bearer", "expires_in": 300}}
    )
    assert ok.access_token == "t"


def test_undeclared_hook_is_400() -> None:
    """A hook the service does not declare is a 400, even if it is a hook the product knows."""
    with pytest.raises(BadRequest, match="does not answer the 'patient-view' hook"):
        wire.parse_request(PV, declared_hooks=("order-select", "order-sign"))


@pytest.mark.parametrize(
    ("hook", "context", "expression"),
    [
        (
            "order-select",
            {"userId": "Practitioner/1", "patientId": "p", "draftOrders": {"entry": []}},
            "selections",
        ),
        ("order-select", {"userId": "Practitioner/1", "patientId": "p", "selections": []}, "draftOrders"),
        ("order-sign", {"userId": "Practitioner/1", "patientId": "p"}, "draftOrders"),
        ("order-sign", {"userId": "Practitioner/1", "patientId": "p", "draftOrders": []}, "draftOrders"),
        (
            "order-sign",
            {"userId": "Practitioner/1", "patientId": "p", "draftOrders": {"resourceType": "Bundle"}},
            "draftOrders",
        ),
        (
            "order-sign",
            {"userId": "Practitioner/1", "patientId": "p", "draftOrders": {"entry": "x"}},
            "draftOrders",
        ),
        (
            "order-select",
            {"userId": "Practitioner/1", "patientId": "p", "draftOrders": {"entry": []}, "selections": "a"},
            "selections",
        ),
    ],
)
def test_order_hook_context_is_checked(hook: str, context: dict[str, Any], expression: str) -> None:
    """draftOrders must be an object with an entry array; order-select needs selections."""
    with pytest.raises(BadRequest) as info:
        wire.parse_request({"hook": hook, "hookInstance": "i", "context": context})
    assert info.value.expression == [f"context.{expression}"]


def test_draft_orders_are_read_leniently() -> None:
    """A draftOrders Bundle without type, with STU3 dosage shapes and unknown types, is accepted raw."""
    body = load_protocol("order-sign.library-R4.json")  # its "R4" example carries STU3 doseQuantity
    req = wire.parse_request(body)
    assert [r["resourceType"] for r in req.draft_orders] == ["NutritionOrder", "MedicationRequest"]
    assert req.draft_orders[1]["dosageInstruction"][0]["doseQuantity"]["value"] == 5
    sandbox = wire.parse_request(load_protocol("order-select.sandbox-pama.json"))
    assert sandbox.selections == ("ServiceRequest/example-request-id",)
    assert sandbox.draft_orders[0]["id"] == "example-request-id"


def test_every_protocol_fixture_parses() -> None:
    """Every request file in fhir_fixtures/protocol is a valid CDS Hooks request."""
    from conftest import PROTOCOL_DIR

    names = sorted(p.name for p in PROTOCOL_DIR.glob("*.json") if not p.name.endswith(".bundle.json"))
    assert len(names) >= 10
    for name in names:
        req = wire.parse_request(load_protocol(name))
        assert req.hook in ("patient-view", "order-select", "order-sign"), name


def test_prefetch_keeps_absent_and_null_apart() -> None:
    """A null prefetch value is kept as present-and-None; an absent key is simply not there."""
    req = wire.parse_request({**PV, "prefetch": {"conditions": None}})
    assert "conditions" in req.prefetch and req.prefetch["conditions"] is None
    assert "procedures" not in req.prefetch


def _ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"uuid-{next(counter)}"


def test_card_serialisation_whole() -> None:
    """A warning card with a suggestion, a link and a gap becomes exactly this CDS Hooks card."""
    d = draft(
        "order.esi-blind",
        "esi",
        "warning",
        summary="Blind ESI ordered",
        title="ESI without image guidance",
        gaps=("observations: FHIR server timed out",),
        suggestions=(
            SuggestionDraft(
                "Order an image-guided transforaminal ESI instead",
                actions=(
                    Action("delete", "Remove the blind ESI", resource_id="ServiceRequest/sr1"),
                    Action(
                        "create",
                        "Image-guided ESI",
                        resource={"resourceType": "ServiceRequest", "status": "draft", "note": []},
                    ),
                ),
                is_recommended=True,
            ),
            SuggestionDraft(
                "Cancel the order", actions=(Action("delete", "Remove", resource_id="ServiceRequest/sr1"),)
            ),
        ),
        links=(LinkDraft("NICE NG59", "https://www.nice.org.uk/guidance/ng59"),),
    )
    card, issued = wire.serialise_card(d, _ids())
    g = guideline("nice_ng59")
    assert card == {
        "uuid": "uuid-1",
        "summary": "Blind ESI ordered",
        "detail": render_detail(d),
        "indicator": "warning",
        "source": {
            "label": "Radicular CDS · NICE NG59",
            "url": g.url,
            "topic": {
                "system": "http://radicular-cds.org/fhir/CodeSystem/cds-rules",
                "code": "order.esi-blind",
                "display": "ESI without image guidance",
            },
        },
        "suggestions": [
            {
                "label": "Order an image-guided transforaminal ESI instead",
                "uuid": "uuid-2",
                "isRecommended": True,
                "actions": [
                    {
                        "type": "delete",
                        "description": "Remove the blind ESI",
                        "resourceId": "ServiceRequest/sr1",
                    },
                    {
                        "type": "create",
                        "description": "Image-guided ESI",
                        "resource": {"resourceType": "ServiceRequest", "status": "draft"},
                    },
                ],
            },
            {
                "label": "Cancel the order",
                "uuid": "uuid-3",
                "actions": [{"type": "delete", "description": "Remove", "resourceId": "ServiceRequest/sr1"}],
            },
        ],
        "selectionBehavior": "at-most-one",
        "overrideReasons": [
            {"system": OVERRIDE_SYSTEM, "code": c, "display": disp}
            for c, disp in [
                ("patient-declines", "Patient declines"),
                ("already-addressed", "Already addressed elsewhere"),
                ("not-applicable", "Not applicable to this patient"),
                ("specialist-decision", "Specialist has reviewed and decided otherwise"),
                ("snooze-1m", "Snooze for 1 month"),
                ("snooze-3m", "Snooze for 3 months"),
                ("snooze-6m", "Snooze for 6 months"),
            ]
        ],
        "links": [{"label": "NICE NG59", "url": "https://www.nice.org.uk/guidance/ng59", "type": "absolute"}],
    }
    assert "observations: FHIR server timed out" in card["detail"]
    assert issued == wire.IssuedCard("uuid-1", "order.esi-blind", "warning", ("uuid-2", "uuid-3"))


def test_info_card_has_no_empty_optionals() -> None:
    """An info card with no suggestions or links omits suggestions, selectionBehavior,
    overrideReasons and links instead of sending null or []."""
    card, issued = wire.serialise_card(draft("P1", "pathway", "info"), _ids())
    assert set(card) == {"uuid", "summary", "detail", "indicator", "source"}
    assert issued.suggestion_uuids == ()


def test_critical_card_offers_no_snooze() -> None:
    """A critical card's override reasons are the clinical ones only."""
    card, _ = wire.serialise_card(draft("R1", "red-flag", "critical"), _ids())
    assert [r["code"] for r in card["overrideReasons"]] == [
        "patient-declines",
        "already-addressed",
        "not-applicable",
        "specialist-decision",
    ]


def test_uuids_are_fresh_per_response() -> None:
    """Serialising the same drafts twice gives different card and suggestion uuids."""
    d = draft("X", "t", suggestions=(SuggestionDraft("s"),))
    a, _ = wire.serialise_cards([d])
    b, _ = wire.serialise_cards([d])
    ids_a = {a["cards"][0]["uuid"], a["cards"][0]["suggestions"][0]["uuid"]}
    ids_b = {b["cards"][0]["uuid"], b["cards"][0]["suggestions"][0]["uuid"]}
    assert len(ids_a) == 2 and not ids_a & ids_b


def _two_suggestion_draft() -> Any:
    return draft(
        "X",
        "t",
        "warning",
        suggestions=(
            SuggestionDraft("first", actions=(Action("delete", "Remove", resource_id="ServiceRequest/a"),)),
            SuggestionDraft("second", is_recommended=True),
        ),
        links=(LinkDraft("NICE NG59", "https://www.nice.org.uk/guidance/ng59"),),
    )


def test_a_card_drawn_again_comes_from_its_template_with_fresh_uuids_and_objects() -> None:
    """The same draft object serialised again gives the card built afresh but for its uuids, each
    uuid new and in the record; the answer's objects are its own, so changing one answer leaves
    the next as it should be."""
    d = _two_suggestion_draft()
    smart = ({"label": "Pathway", "url": "https://cds.example/app/launch", "type": "smart"},)
    templates = wire.CardTemplates(8)
    plain, _ = wire.serialise_cards([d], links_for=lambda _: smart)
    seen: set[str] = set()
    for _ in range(3):
        body, issued = wire.serialise_cards([d], links_for=lambda _: smart, templates=templates)
        card = body["cards"][0]
        uuids = [card["uuid"], *(s["uuid"] for s in card["suggestions"])]
        assert (issued[0].uuid, issued[0].suggestion_uuids) == (uuids[0], tuple(uuids[1:]))
        assert not seen & set(uuids) and len(set(uuids)) == 3
        seen |= set(uuids)
        for c in (card, plain["cards"][0]):
            c["uuid"] = "x"
            for s in c["suggestions"]:
                s["uuid"] = "x"
        assert card == plain["cards"][0]
        card["links"].clear()  # a change to one answer
        card["suggestions"][0]["label"] = "changed"
    assert templates.hits == 2


def test_card_templates_are_keyed_by_the_draft_and_its_links() -> None:
    d, same_content = _two_suggestion_draft(), _two_suggestion_draft()
    templates = wire.CardTemplates(8)
    smart = ({"label": "Pathway", "url": "https://cds.example/app/launch", "type": "smart"},)
    with_link = templates.card(d, smart)
    without = templates.card(d, ())  # another hook: no app link
    assert [link["type"] for link in with_link["links"]] == ["absolute", "smart"]
    assert [link["type"] for link in without["links"]] == ["absolute"]
    templates.card(same_content, ())  # an equal draft, not the same one: built afresh
    assert templates.hits == 0
    templates.card(same_content, ())
    assert templates.hits == 1
    off = wire.CardTemplates(0)
    off.card(d, ())
    off.card(d, ())
    assert off.hits == 0


def test_prune_drops_null_and_empty_recursively() -> None:
    """None, "", [] and {} vanish at every depth; false and 0 stay."""
    assert wire.prune({"a": None, "b": "", "c": [], "d": {}, "e": {"f": [None, {}], "g": 0, "h": False}}) == {
        "e": {"g": 0, "h": False}
    }


def test_discovery_meets_the_conformance_checklist() -> None:
    """Discovery lists both services with hook, id, title, description, prefetch and
    usageRequirements; the order service is listed once per hook under the same id."""
    body = wire.discovery(services())
    entries = body["services"]
    assert [(e["hook"], e["id"]) for e in entries] == [
        ("patient-view", "radicular-pathway"),
        ("order-select", "radicular-order-select"),
        ("order-sign", "radicular-order-sign"),
    ]
    for e in entries:
        assert set(e) == {"hook", "id", "title", "description", "prefetch", "usageRequirements"}
        assert all(
            isinstance(e[k], str) and e[k]
            for k in ("hook", "id", "title", "description", "usageRequirements")
        )
        for key, template in e["prefetch"].items():
            assert "sort:desc" not in template and "&status=" not in template, key
            assert "{{context.patientId}}" in template, key
    sel, sign = entries[1], entries[2]
    assert sel["prefetch"] == sign["prefetch"] and sel["description"] == sign["description"]


def test_extensions_are_accepted_and_ignored() -> None:
    """The spec's request-with-extension example: top-level and context extensions are ignored,
    while the hook's required context is still enforced (the example has no patientId)."""
    import json

    from conftest import ROOT

    example = json.loads(
        (
            ROOT.parent / "shared" / "cds-hooks" / "examples" / "request-with-extension.spec-2.0.1.json"
        ).read_text()
    )
    with pytest.raises(BadRequest) as info:
        wire.parse_request(example)
    assert info.value.expression == ["context.patientId"]
    example["context"]["patientId"] = "p1"
    example["context"]["extension"] = {"com.example.flag": True}
    req = wire.parse_request(example)
    assert req.patient_id == "p1" and req.fhir_server == "http://fhir.example.org:9080"


KEYS = [
    "hook",
    "hookInstance",
    "context",
    "prefetch",
    "fhirServer",
    "fhirAuthorization",
    "userId",
    "patientId",
    "encounterId",
    "draftOrders",
    "selections",
    "entry",
    "resource",
    "resourceType",
    "access_token",
    "token_type",
]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["", "patient-view", "order-sign", "Bearer", "x"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_json_is_a_request_or_a_400(body: Any) -> None:
    """Whatever JSON arrives, validation either accepts it or raises BadRequest — never another error."""
    try:
        req = wire.parse_request(body)
    except BadRequest as exc:
        assert exc.status == 400 and exc.message
    else:
        assert req.hook in wire.REQUIRED_CONTEXT and req.patient_id


@pytest.mark.parametrize("raw", [b'{"hook": "patient-view"}', b'{"a": NaN}', b"{not json", b'"\xff"'])
def test_decoding_leaves_the_garbage_collector_as_it_found_it(raw: bytes) -> None:
    """The collector is paused for the parse only: back on after it, whether the body parsed or
    not, and left off when something else had turned it off."""
    import gc

    assert gc.isenabled()
    for was_on in (True, False):
        if not was_on:
            gc.disable()
        try:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                wire.decode_json(raw)
            assert gc.isenabled() is was_on
        finally:
            gc.enable()


def test_deferred_work_runs_once_and_work_deferred_too_late_is_refused() -> None:
    after = wire.AfterResponse()
    done: list[str] = []
    assert after.defer(lambda: done.append("a"))
    assert after.defer(lambda: done.append("b"))
    assert done == []
    after.run()
    assert done == ["a", "b"]
    after.run()
    assert done == ["a", "b"]  # once
    assert not after.defer(lambda: done.append("c"))  # the moment has passed: the caller does it
    assert done == ["a", "b"]


def test_a_held_body_keeps_the_collector_paused_until_released() -> None:
    import gc

    assert gc.isenabled()
    for was_on in (True, False):
        if not was_on:
            gc.disable()
        try:
            held = wire.HeldBody()
            held.body = wire.decode_json(b'{"prefetch": {"a": [1, 2]}}')
            assert not gc.isenabled()
            held.release()
            assert held.body is None
            assert gc.isenabled() is was_on  # left off when something else had turned it off
            held.release()
            assert gc.isenabled() is was_on
        finally:
            gc.enable()


# ---- card and suggestion UUIDs ---------------------------------------------------------------


def test_card_uuids_are_random_version_4_and_never_repeat_across_threads() -> None:
    uuids = wire.RandomUuids()
    drawn: list[str] = []

    def draw() -> None:
        drawn.extend(uuids() for _ in range(1000))

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(drawn)) == 3000
    assert all(uuid.UUID(u).version == 4 and str(uuid.UUID(u)) == u for u in drawn)


def test_card_uuids_read_the_random_source_once_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # every read of os.urandom gives up the interpreter lock while the call holds its evaluation lock
    reads: list[int] = []
    real = os.urandom

    def counting(n: int) -> bytes:
        reads.append(n)
        return real(n)

    monkeypatch.setattr(os, "urandom", counting)
    uuids = wire.RandomUuids()
    for _ in range(wire.RandomUuids.BATCH + 1):
        uuids()
    assert len(reads) == 2


def test_a_thread_that_fills_its_batch_first_reads_nothing_on_its_first_uuids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``fill`` (a call thread as it starts) reads the batch; the thread's next BATCH UUIDs need no
    read, a second ``fill`` reads nothing, and another thread has a batch of its own."""
    reads: list[str] = []
    real = os.urandom

    def counting(n: int) -> bytes:
        reads.append(threading.current_thread().name)
        return real(n)

    monkeypatch.setattr(os, "urandom", counting)
    uuids = wire.RandomUuids()
    uuids.fill()
    uuids.fill()
    assert len(reads) == 1
    drawn = [uuids() for _ in range(wire.RandomUuids.BATCH)]
    assert len(reads) == 1 and len(set(drawn)) == wire.RandomUuids.BATCH
    other = threading.Thread(target=uuids.fill, name="other")
    other.start()
    other.join()
    assert reads[1:] == ["other"]
    uuids()  # this thread's batch is spent: the next one is read
    assert len(reads) == 3


def test_a_forked_worker_never_hands_out_the_uuids_its_parent_has_read() -> None:
    uuids = wire.RandomUuids()
    uuids()  # the parent now holds a batch read before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next UUID, to the parent
        try:
            os.write(write_end, uuids().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child = os.read(read_end, 64).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent_next = [uuids() for _ in range(wire.RandomUuids.BATCH)]
    assert child and child not in parent_next
