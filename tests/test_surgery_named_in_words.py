"""A prior lumbar operation recorded without a code the value sets list — a surgical history's
words ("L4-5 microdiscectomy"), a local code with its display ("Lumbar laminectomy"), an ICD-10-PCS
code ("Excision of Lumbar Vertebral Disc, Open Approach"), a lumbar disc arthroplasty, or a
problem-list entry in words ("Failed back surgery syndrome", "Status post L4-5 laminectomy") — opens
the post-surgical branch as a coded one does: radicular pain after it is S1 (MRI without and with
contrast), not acute sciatica (E2). Words of an intention ("planned discectomy"), of another
procedure done after an operation ("epidural injection, post-laminectomy") or of another region
("cervical laminectomy") do not.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cds_service.cli import main as cli

PATHWAY = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "pathway"
CHART = "s1_post_discectomy_new_pain"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
PCS_DISC_EXCISION = "Excision of Lumbar Vertebral Disc, Open Approach"
CPT = "http://www.ama-assn.org/go/cpt"


def _states(code: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The rule ids of the cards for the chart whose discectomy is recorded as ``code`` instead."""
    request = json.loads((PATHWAY / f"{CHART}.json").read_text())
    for bundle in request["prefetch"].values():
        for entry in bundle.get("entry", []) if isinstance(bundle, dict) else []:
            resource = entry["resource"]
            if resource["resourceType"] == "Procedure" and resource["id"] == "discectomy-1":
                resource["code"] = code
                resource.pop("bodySite", None)
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    assert cli(["evaluate", str(path), "--date", "2026-11-03", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)["cards"]
    return [c["source"]["topic"]["code"] for c in cards]


@pytest.mark.parametrize(
    "code",
    [
        {"text": "L4-5 microdiscectomy"},
        {"text": "Left L5-S1 hemilaminectomy and discectomy"},
        {"coding": [{"system": "urn:oid:1.2.3.4", "code": "SURG123", "display": "Lumbar laminectomy"}]},
        {"coding": [{"system": PCS, "code": "0SB20ZZ", "display": PCS_DISC_EXCISION}]},
        {"text": "TLIF L4-5"},
        {"coding": [{"system": CPT, "code": "22857"}], "text": "Total disc arthroplasty, lumbar L5-S1"},
    ],
)
def test_an_operation_named_in_words_opens_the_post_surgical_branch(
    code: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "S1" in _states(code, tmp_path, capsys)


@pytest.mark.parametrize(
    "code",
    [
        {"text": "Planned L4-5 microdiscectomy"},
        {"text": "Lumbar epidural injection, post-laminectomy"},
        {"text": "C5-6 laminectomy"},
        {"text": "Minimally invasive lumbar decompression (MILD), percutaneous"},
        {"text": "Discectomy"},  # no region named: §7.4 counts lumbar operations only
    ],
)
def test_guard_words_of_no_lumbar_operation_done_leave_the_acute_pathway(
    code: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    states = _states(code, tmp_path, capsys)
    assert "S1" not in states and states, states


def test_guard_the_coded_operation_still_opens_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = {"coding": [{"system": CPT, "code": "63030"}], "text": "microdiscectomy"}
    assert "S1" in _states(code, tmp_path, capsys)


def _states_with_condition(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The chart with its operation taken out and a problem-list entry in words put in."""
    request = json.loads((PATHWAY / f"{CHART}.json").read_text())
    patient = request["context"]["patientId"]
    for bundle in request["prefetch"].values():
        if not isinstance(bundle, dict):
            continue
        entries = bundle.get("entry", [])
        entries[:] = [e for e in entries if e["resource"].get("id") != "discectomy-1"]
    request["prefetch"]["conditions"]["entry"].append({"resource": {
        "resourceType": "Condition", "id": "hx-1",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "code": {"text": text}, "subject": {"reference": f"Patient/{patient}"},
        "recordedDate": "2024-01-10"}})
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    assert cli(["evaluate", str(path), "--date", "2026-11-03", "--json"]) == 0
    return [c["source"]["topic"]["code"] for c in json.loads(capsys.readouterr().out)["cards"]]


@pytest.mark.parametrize(
    "text", ["Failed back surgery syndrome", "Status post L4-5 laminectomy (2018)", "S/P lumbar fusion L5-S1"]
)
def test_a_problem_list_entry_in_words_opens_the_post_surgical_branch(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "S1" in _states_with_condition(text, tmp_path, capsys)


@pytest.mark.parametrize(
    "text", ["Lumbar laminectomy planned", "Status post C5-6 laminectomy", "Low back pain"]
)
def test_guard_a_problem_list_entry_of_no_lumbar_operation_does_not(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    states = _states_with_condition(text, tmp_path, capsys)
    assert "S1" not in states and states, states


@pytest.mark.parametrize(
    "text",
    [
        "No history of lumbar discectomy",
        "Denies previous lumbar decompression surgery",
        "Family history of lumbar fusion (father)",
        "S/P MILD percutaneous lumbar decompression",
        "History of lumbar discectomy consult",
        "h/o L5-S1 discectomy? (unconfirmed)",
        "Prior lumbar fusion offered",
        "Status post sacroiliac joint arthrodesis",
    ],
)
def test_a_problem_list_entry_of_no_operation_done_on_this_spine_does_not(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    states = _states_with_condition(text, tmp_path, capsys)
    assert "S1" not in states and states, states


@pytest.mark.parametrize(
    "code",
    [
        {"text": "Arthrodesis, ankle"},
        {"text": "Pre-operative assessment for L4-5 microdiscectomy"},
        {"text": "L4-5 microdiscectomy - aborted, not performed"},
        {"text": "Sacroiliac joint arthrodesis"},
    ],
)
def test_a_procedure_of_no_lumbar_operation_done_does_not(
    code: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    states = _states(code, tmp_path, capsys)
    assert "S1" not in states and states, states


@pytest.mark.parametrize(
    "code", [{"text": "L4-5 decompression and fusion"}, {"text": "L4-S1 instrumented fusion"},
             {"text": "L4-5 total disc replacement"}],
)  # fmt: skip
def test_more_wordings_of_a_lumbar_operation_open_it(
    code: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "S1" in _states(code, tmp_path, capsys)
