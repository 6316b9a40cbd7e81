"""S3 (post-surgical radicular pain, no surgical target) says "with fibrosis" only when the contrast
MRI after surgery shows the scar; a scan that excludes a recurrence and shows no scar is named as
what it is."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

PATHWAY = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "pathway"
FIXTURE = PATHWAY / "s3_fbss_epidural_fibrosis.json"


def with_conclusion(text: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FIXTURE.read_text())
    body["prefetch"]["diagnosticReports"]["entry"][0]["resource"]["conclusion"] = text
    return body


@pytest.fixture
def s3(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    client = make_app(settings_overrides={"evaluation_date": "2026-11-02"}).test_client()

    def call(body: dict[str, Any]) -> dict[str, Any]:
        resp = client.post("/cds-services/radicular-pathway", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        cards = resp.get_json()["cards"]
        card: dict[str, Any] = next(c for c in cards if c["source"]["topic"]["code"] == "S3")
        return card

    return call


def test_a_scan_with_no_scar_is_not_called_fibrosis(s3: Callable[..., Any]) -> None:
    card = s3(with_conclusion("No recurrent disc herniation. No epidural fibrosis. No stenosis."))
    assert "fibrosis" not in card["summary"]
    assert card["summary"].startswith("Post-surgical radicular pain with no target")


def test_a_scan_that_shows_the_scar_says_so(s3: Callable[..., Any]) -> None:
    card = s3(with_conclusion("Enhancing epidural fibrosis encasing the left S1 nerve root. No recurrence."))
    assert card["summary"].startswith("Post-surgical radicular pain with fibrosis and no target")
