"""order-select selections must name a draft order; an absolute or versioned reference is one.

Selections that matched no draft order (a wrong id) answered 200 with no cards, which reads as
"nothing to worry about" when nothing was judged; a selection sent as an absolute URL
(``https://ehr/fhir/ServiceRequest/sr-esi``) matched nothing the same way. Now a selection is read
as its ``Type/id`` (an absolute or ``_history`` reference reduced), and when no selection names a
draft order the request is a 400 naming ``context.selections``.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds_service import wire
from cds_service.draft_orders import read_draft_orders
from cds_service.errors import BadRequest

ESI = {"resourceType": "ServiceRequest", "id": "sr-esi", "status": "draft", "intent": "order",
       "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "64483"}]},
       "subject": {"reference": "Patient/p"}}  # fmt: skip


def request(selections: list[str]) -> dict[str, Any]:
    drafts = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ESI}]}
    context = {"userId": "Practitioner/1", "patientId": "p", "selections": selections, "draftOrders": drafts}
    return {"hook": "order-select", "hookInstance": "i-1", "context": context}


def test_selections_naming_no_draft_order_are_a_400() -> None:
    with pytest.raises(BadRequest) as info:
        wire.parse_request(request(["ServiceRequest/does-not-exist"]))
    assert info.value.expression == ["context.selections"]


@pytest.mark.parametrize(
    "selection", ["https://ehr.example.org/fhir/ServiceRequest/sr-esi", "ServiceRequest/sr-esi/_history/3"]
)
def test_an_absolute_or_versioned_selection_selects_its_order(selection: str) -> None:
    req = wire.parse_request(request([selection]))
    (order,) = read_draft_orders("order-select", req.draft_orders, req.selections)
    assert order.selected


def test_guard_type_and_id_or_a_bare_id_select() -> None:
    for selection in ("ServiceRequest/sr-esi", "sr-esi"):
        req = wire.parse_request(request([selection]))
        assert read_draft_orders("order-select", req.draft_orders, req.selections)[0].selected
