"""A psychological evaluation on record is named, never asked for again (F7, S3, L1, the order check).

- A completed Procedure named "Psychological evaluation before neuromodulation" under a
  psychotherapy code (90834) is the evaluation, as a visit so named already was: the permanent
  stimulator after a successful trial draws no "no psychological evaluation" warning.
- The refractory card (F7) offered, pre-selected, "Order a psychological evaluation before
  neuromodulation" beside a 90791 evaluation on record that the order check itself names; it now
  names the evaluation and offers the trial's next steps without it.
- An evaluation that says "no psychological contraindication" (or "contraindications: none", "not
  contraindicated") cleared no one: any word "contraindicat" read as a finding of unsuitability.
  A contraindication reported still is.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cds_service.cli import main as cli
from hooks.orders import evaluate_orders
from tests.orders_builders import SUCCESSFUL, cond, history, inp, proc, sr

PATHWAY = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "pathway"
PSYCH = "order.neuromod-psych-eval"


def _sign(*facts: Any) -> set[str]:
    base = (cond("fbss", "M96.1", 500), proc("trial", "63650", 20, outcome=SUCCESSFUL))
    signing = inp("order-sign", [sr("ipg", "63685")], history(*base, *facts))
    return {c.rule_id for c in evaluate_orders(signing)}


def test_an_evaluation_named_under_a_psychotherapy_code_counts() -> None:
    assert PSYCH not in _sign(proc("psy", "90834", 60, "Psychological evaluation before neuromodulation"))


def test_guard_psychotherapy_not_named_an_evaluation_does_not_count() -> None:
    assert PSYCH in _sign(proc("psy", "90834", 60, "Psychotherapy, 45 minutes"))


def _f7(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    evaluated: bool,
    chart: str = "f7_two_failed_esis_no_target",
    state: str = "F7",
) -> tuple[dict[str, Any], str]:
    request = json.loads((PATHWAY / f"{chart}.json").read_text())
    patient = request["context"]["patientId"]
    if evaluated:
        bundle = next(b for k, b in request["prefetch"].items() if k.lower().startswith("procedure"))
        bundle["entry"].append({"resource": {
            "resourceType": "Procedure", "id": "psy-1", "status": "completed",
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "90791"}],
                     "text": "Psychiatric diagnostic evaluation"},
            "subject": {"reference": f"Patient/{patient}"}, "performedDateTime": "2026-08-01"}})  # fmt: skip
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    date = json.loads((PATHWAY / f"{chart}.expected.json").read_text())["evaluation_date"]
    assert cli(["evaluate", str(path), "--date", date, "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)["cards"]
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == state]
    assert cli(["evaluate", str(path), "--date", date, "--full"]) == 0
    return card, capsys.readouterr().out


def test_f7_names_an_evaluation_on_record_and_does_not_offer_another(tmp_path: Path, capsys: Any) -> None:
    card, full = _f7(tmp_path, capsys, evaluated=True)
    assert not any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])
    assert "Psychiatric diagnostic evaluation done 2026-08-01" in full


def test_guard_f7_offers_the_evaluation_when_none_is_on_record(tmp_path: Path, capsys: Any) -> None:
    card, _ = _f7(tmp_path, capsys, evaluated=False)
    assert any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])


def test_s3_names_an_evaluation_on_record_and_offers_the_trial_referral(tmp_path: Path, capsys: Any) -> None:
    card, full = _f7(tmp_path, capsys, evaluated=True, chart="s3_fbss_epidural_fibrosis", state="S3")
    assert card["summary"].endswith("SCS trial next")
    assert not any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])
    assert "Psychiatric diagnostic evaluation done 2026-08-01" in full


def test_guard_s3_offers_the_evaluation_when_none_is_on_record(tmp_path: Path, capsys: Any) -> None:
    card, _ = _f7(tmp_path, capsys, evaluated=False, chart="s3_fbss_epidural_fibrosis", state="S3")
    assert any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])


def test_l1_with_an_old_evaluation_and_no_opioids_asks_for_a_new_one_only(
    tmp_path: Path, capsys: Any
) -> None:
    """The chart's patient had an evaluation two years ago (before the stimulator trials) and takes no
    opioid: the pump work-up asks for a new evaluation (one done within a year clears a device), not
    to reduce opioids."""
    card, full = _f7(tmp_path, capsys, evaluated=False, chart="l1_neuromodulation_exhausted", state="L1")
    assert "reduce systemic opioids" not in full
    assert any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])


def test_l1_without_an_evaluation_and_on_an_opioid_asks_for_both(tmp_path: Path, capsys: Any) -> None:
    """The same chart with its evaluation taken out and oxycodone current: the sequence PACC asks for,
    psychological evaluation and an attempt to reduce systemic opioids, before the pump trial."""
    request = json.loads((PATHWAY / "l1_neuromodulation_exhausted.json").read_text())
    patient = request["context"]["patientId"]
    procedures = request["prefetch"]["procedures"]["entry"]
    procedures[:] = [e for e in procedures if e["resource"]["id"] != "psych-eval-1"]
    request["prefetch"]["medicationRequests"]["entry"].append({"resource": {
        "resourceType": "MedicationRequest", "id": "oxy-1", "status": "active", "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7804"}],
            "text": "oxycodone 5 mg oral tablet"},
        "subject": {"reference": f"Patient/{patient}"}, "authoredOn": "2026-09-01"}})  # fmt: skip
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    date = json.loads((PATHWAY / "l1_neuromodulation_exhausted.expected.json").read_text())["evaluation_date"]
    assert cli(["evaluate", str(path), "--date", date, "--full"]) == 0
    full = " ".join(capsys.readouterr().out.split())
    asked = "Psychological evaluation and an attempt to reduce systemic opioids before an intrathecal pump"
    assert asked in full


def _s3_with(tmp_path: Path, capsys: Any, resource: dict[str, Any]) -> dict[str, Any]:
    request = json.loads((PATHWAY / "s3_fbss_epidural_fibrosis.json").read_text())
    resource["subject"] = {"reference": f"Patient/{request['context']['patientId']}"}
    key = "procedures" if resource["resourceType"] == "Procedure" else "serviceRequests"
    request["prefetch"][key]["entry"].append({"resource": resource})
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    date = json.loads((PATHWAY / "s3_fbss_epidural_fibrosis.expected.json").read_text())["evaluation_date"]
    assert cli(["evaluate", str(path), "--date", date, "--json"]) == 0
    (card,) = [
        c for c in json.loads(capsys.readouterr().out)["cards"] if c["source"]["topic"]["code"] == "S3"
    ]
    return card


CPT_URI = "http://www.ama-assn.org/go/cpt"


def test_an_evaluation_that_found_the_patient_unsuitable_is_no_clearance(tmp_path: Path, capsys: Any) -> None:
    card = _s3_with(tmp_path, capsys, {
        "resourceType": "Procedure", "id": "psy", "status": "completed",
        "code": {"coding": [{"system": CPT_URI, "code": "90791"}], "text": "Psychiatric evaluation"},
        "performedDateTime": "2026-08-01",
        "note": [{"text": "Not a suitable candidate for SCS: untreated severe depression."}]})  # fmt: skip
    assert card["summary"].endswith("no SCS trial now")
    recommended = [s["label"] for s in card["suggestions"] if s.get("isRecommended")]
    assert recommended == ["Refer to psychology for CBT-based pain management"]


def test_an_evaluation_only_ordered_is_completed_first(tmp_path: Path, capsys: Any) -> None:
    card = _s3_with(tmp_path, capsys, {
        "resourceType": "ServiceRequest", "id": "psy-o", "status": "active", "intent": "order",
        "code": {"coding": [{"system": CPT_URI, "code": "90791"}], "text": "Psychological evaluation"},
        "authoredOn": "2026-10-30"})  # fmt: skip
    assert card["summary"].endswith("psychological evaluation, then SCS trial")
    assert not any("psychological evaluation" in s["label"].lower() for s in card["suggestions"])


def test_at_order_time_an_old_or_unsuitable_evaluation_does_not_clear_the_implant() -> None:
    old = proc("psy", "90791", 900)
    unsuitable = proc("psy", "90791", 60, notes=("Not a suitable candidate at present.",))
    for evaluation in (old, unsuitable):
        assert PSYCH in _sign(evaluation), evaluation


@pytest.mark.parametrize(
    "words",
    [
        "No psychological contraindication to spinal cord stimulation; cleared.",
        "Psychological contraindications: none identified.",
        "Suitable; not contraindicated.",
        "Cleared for SCS trial without contraindication.",
        "Contraindication to implant ruled out.",
        "Screened for contraindications (depression, substance use): none found. Suitable candidate.",
    ],
)
def test_an_evaluation_that_denies_a_contraindication_clears_the_implant(words: str) -> None:
    assert PSYCH not in _sign(proc("psy", "90791", 60, notes=(words,)))


@pytest.mark.parametrize(
    "words",
    [
        "Relative contraindication: untreated severe depression, reassess in 3 months.",
        "Psychological contraindication to implant at present.",
    ],
)
def test_guard_an_evaluation_that_found_a_contraindication_is_no_clearance(words: str) -> None:
    assert PSYCH in _sign(proc("psy", "90791", 60, notes=(words,)))
