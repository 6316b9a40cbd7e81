"""A positive diagnostic selective nerve root block decides where the first transforaminal ESI goes.

The chart: an MRI showing a foraminal L5-S1 protrusion touching the exiting left L5 root and the
traversing left S1 root ("symptomatic level uncertain"), then a lidocaine-only block of the left S1
root with 90 % relief. The persistent-pain card (P1) offered an injection "at the left L5 nerve
root (L5-S1 foramen) and S1 nerve root (S1 foramen)" — two levels on a single-level order — and
never named the block. It now names the block as a deciding fact and aims the injection at the
root it confirmed. Without a block, two compressed roots are offered as either one ("or"), the
one that matches the symptoms, not both.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cds_service.cli import main as cli

PATHWAY = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "pathway"
CHART = "p1_diagnostic_snrb_is_not_an_esi"


def _card(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    block_note: str | None = None,
    drop_block: bool = False,
    block_site: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    request = json.loads((PATHWAY / f"{CHART}.json").read_text())
    for bundle in request["prefetch"].values():
        if not isinstance(bundle, dict):
            continue
        entries = bundle.get("entry", [])
        if drop_block:
            entries[:] = [e for e in entries if e["resource"].get("id") != "snrb-1"]
        for entry in entries:
            if entry["resource"].get("id") == "snrb-1" and block_note is not None:
                entry["resource"]["note"] = [{"text": block_note}]
            if entry["resource"].get("id") == "snrb-1" and block_site is not None:
                entry["resource"]["bodySite"] = [{"text": block_site}]
                entry["resource"]["code"]["text"] = f"Diagnostic selective nerve root block, {block_site}"
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    assert cli(["evaluate", str(path), "--date", "2026-11-02", "--json"]) == 0
    (card,) = json.loads(capsys.readouterr().out)["cards"]
    return card


def _tfesi(card: dict[str, Any]) -> tuple[str, str]:
    (s,) = [s for s in card["suggestions"] if "transforaminal" in s["label"]]
    notes = " ".join(n["text"] for a in s["actions"] for n in a["resource"].get("note", []))
    return s["label"], notes


def test_a_positive_root_block_chooses_the_root_and_is_named(tmp_path: Path, capsys: Any) -> None:
    card = _card(tmp_path, capsys)
    assert "root block 2026-10-13 confirmed left S1" in card["summary"]
    assert "`Procedure/snrb-1`" in card["detail"]
    label, notes = _tfesi(card)
    assert label.endswith("at the left S1 nerve root (S1 foramen)")
    assert "diagnostic root block on 2026-10-13 confirmed" in notes


def test_two_compressed_roots_without_a_block_are_offered_as_either(tmp_path: Path, capsys: Any) -> None:
    label, notes = _tfesi(_card(tmp_path, capsys, drop_block=True))
    assert "L5 nerve root (L5-S1 foramen) or S1 nerve root (S1 foramen)" in label
    assert " and S1 nerve root" not in label
    assert "the one that matches the symptoms" in notes


def test_guard_a_block_that_did_not_relieve_the_pain_chooses_nothing(tmp_path: Path, capsys: Any) -> None:
    negative = "Lidocaine only, no steroid: 10 % relief; negative for left S1."
    card = _card(tmp_path, capsys, block_note=negative)
    assert "root block" not in card["summary"]
    label, _ = _tfesi(card)
    assert "at the left L5 nerve root (L5-S1 foramen)" in label  # the imaging's roots, as before


def test_a_block_on_the_other_side_from_the_compression_settles_nothing(tmp_path: Path, capsys: Any) -> None:
    """The MRI's compression is left-sided; a right S1 block that relieved the pain does not choose a
    right-sided injection: the imaging's target stands."""
    note = "Lidocaine only: 90 % relief of the leg pain."
    card = _card(tmp_path, capsys, block_note=note, block_site="Right S1")
    assert "root block" not in card["summary"]
    assert "right S1 nerve root" not in _tfesi(card)[0]
