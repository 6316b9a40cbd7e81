"""Codes sent under another spelling of their system: by the system's HL7 OID
("urn:oid:2.16.840.1.113883.6.12" for CPT), with a trailing "/" or in other case. EHRs send all
three; each is read as the URI the value sets use, at patient view and at order time, and gives the
cards the same record gives with the URIs as listed. A system that is not one of these stays unknown.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hooks.terminology import canonical_system

ROOT = Path(__file__).resolve().parent.parent
ORDERS = ROOT / "fhir_fixtures" / "orders"
PATHWAY = ROOT / "fhir_fixtures" / "pathway"

URIS = {
    "http://hl7.org/fhir/sid/icd-10-cm": "urn:oid:2.16.840.1.113883.6.90",
    "http://snomed.info/sct": "urn:oid:2.16.840.1.113883.6.96",
    "http://loinc.org": "urn:oid:2.16.840.1.113883.6.1",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "urn:oid:2.16.840.1.113883.6.88",
    "http://www.ama-assn.org/go/cpt": "urn:oid:2.16.840.1.113883.6.12",
}
SPELLINGS: dict[str, Callable[[str], str]] = {
    "HL7 OID": lambda uri: URIS[uri],
    "trailing slash": lambda uri: uri + "/",
    "other case, spaces": lambda uri: f" {uri.upper()} ",
}


def respelt(node: Any, spell: Callable[[str], str]) -> Any:
    """``node`` with the system of every coding the value sets use spelt by ``spell``."""
    if isinstance(node, list):
        return [respelt(x, spell) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: respelt(v, spell) for k, v in node.items()}
    if isinstance(out.get("system"), str) and out["system"] in URIS and "code" in out:
        out["system"] = spell(out["system"])
    return out


def cards_of(client: Any, url: str, body: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    resp = client.post(url, json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [
        (c["indicator"], c["summary"], [s["label"] for s in c.get("suggestions", [])])
        for c in resp.get_json()["cards"]
    ]


@pytest.mark.parametrize("uri", sorted(URIS))
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_each_spelling_reads_as_the_listed_uri(uri: str, spelling: str) -> None:
    assert canonical_system(SPELLINGS[spelling](uri)) == uri


def test_other_systems_stay_as_sent() -> None:
    for system in ("http://example.org/cpt", "urn:oid:2.16.840.1.113883.6.3", "http://loinc.org/extra"):
        assert canonical_system(system) == system


ORDER_SCENARIOS = (
    "esi-blind",
    "mri-week2-no-red-flag",
    "esi-on-apixaban-clopidogrel",
    "opioid-high-mme-with-benzodiazepine",
    "fusion-disc-herniation",
)


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize("scenario", ORDER_SCENARIOS)
def test_order_checks_read_every_spelling(
    make_app: Callable[..., Flask], scenario: str, spelling: str
) -> None:
    client = make_app(settings_overrides={"evaluation_date": "2026-11-20"}).test_client()
    body = json.loads((ORDERS / f"{scenario}.order-sign.json").read_text())
    url = "/cds-services/radicular-order-sign"
    as_listed = cards_of(client, url, body)
    assert as_listed  # the check fires as listed
    assert cards_of(client, url, respelt(copy.deepcopy(body), SPELLINGS[spelling])) == as_listed


PATHWAY_SCENARIOS = ("f3_explicit_partial_outcome", "m1_long_term_opioid_with_benzo")


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize("scenario", PATHWAY_SCENARIOS)
def test_patient_view_reads_every_spelling(
    make_app: Callable[..., Flask], scenario: str, spelling: str
) -> None:
    expected = json.loads((PATHWAY / f"{scenario}.expected.json").read_text())
    client = make_app(settings_overrides={"evaluation_date": expected["evaluation_date"]}).test_client()
    body = json.loads((PATHWAY / f"{scenario}.json").read_text())
    url = f"/cds-services/{expected['service']}"
    as_listed = cards_of(client, url, body)
    assert as_listed  # the scenario has cards as listed
    assert cards_of(client, url, respelt(copy.deepcopy(body), SPELLINGS[spelling])) == as_listed


def test_an_unknown_system_is_not_read_as_cpt(make_app: Callable[..., Flask]) -> None:
    """The control: the same blind injection under a system no value set uses draws no blind-injection
    card (it is named as an order not fully checked instead)."""
    client = make_app(settings_overrides={"evaluation_date": "2026-11-20"}).test_client()
    body = json.loads((ORDERS / "esi-blind.order-sign.json").read_text())
    url = "/cds-services/radicular-order-sign"
    as_listed = cards_of(client, url, body)
    local = cards_of(client, url, respelt(copy.deepcopy(body), lambda uri: "http://example.org/local-codes"))
    assert local != as_listed
