"""After lumbar surgery with epidural fibrosis and no surgical target, S3 sends the patient on to a
psychological evaluation and a spinal cord stimulator trial. It did so whatever the injections
said: six days after an ESI, whose outcome cannot be judged before 2 weeks (decision model F0: no
escalation until then), and four weeks after one that had given 62 % relief.

- An ESI given in the last 2 weeks now draws F0: record the scores in its window, and only if it
  gives less than 50 % relief, the stimulator evaluation (the summary says so); the scan that makes
  it the next step is named, and NACC 2014 and NICE TA159 are among the card's evidence.
- An ESI after the operation that helped draws F1 (relief so far; reassess at 60-120 days), which
  names no stimulator.
- An ESI before the operation, or one that failed, leaves S3 as it was.
- A stimulator trial signed days after an ESI is held until the injection can be judged
  (``order.scs-no-trial``), as the pathway holds S3; after a failed ESI it is not.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from cds_service.cli import main as cli
from hooks.orders import evaluate_orders

PATHWAY = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "pathway"
CHART = "s3_fbss_epidural_fibrosis"
CPT = "http://www.ama-assn.org/go/cpt"
DATE = json.loads((PATHWAY / f"{CHART}.expected.json").read_text())["evaluation_date"]
assert DATE == "2026-11-02"  # the dates below are set against it


def _esi(day: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure", "id": "esi-new", "status": "completed",
        "code": {"coding": [{"system": CPT, "code": "64483"}], "text": "TFESI left L5-S1"},
        "performedDateTime": f"{day}T09:00:00Z",
    }  # fmt: skip


def _pain(rid: str, value: float, day: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": rid, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}], "text": "Pain severity 0-10"},
        "effectiveDateTime": f"{day}T09:00:00Z",
        "valueQuantity": {"value": value, "unit": "{score}", "system": "http://unitsofmeasure.org",
                          "code": "{score}"},
    }  # fmt: skip


def _chart(tmp_path: Path, *added: dict[str, Any], drop: tuple[str, ...] = ()) -> Path:
    request = json.loads((PATHWAY / f"{CHART}.json").read_text())
    subject = {"reference": f"Patient/{request['context']['patientId']}"}
    for key in ("procedures", "observations"):
        request["prefetch"][key]["entry"] = [
            e for e in request["prefetch"][key]["entry"] if e["resource"]["id"] not in drop
        ]
    for resource in added:
        key = "procedures" if resource["resourceType"] == "Procedure" else "observations"
        request["prefetch"][key]["entry"].append({"resource": {**resource, "subject": subject}})
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(request))
    return path


def _cards(
    tmp_path: Path, capsys: Any, *added: dict[str, Any], drop: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    assert cli(["evaluate", str(_chart(tmp_path, *added, drop=drop)), "--date", DATE, "--json"]) == 0
    return list(json.loads(capsys.readouterr().out)["cards"])


def _proc(rid: str, code: str, day: str, text: str, note: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Procedure", "id": rid, "status": "completed",
        "code": {"coding": [{"system": CPT, "code": code}], "text": text}, "performedDateTime": day,
    }  # fmt: skip
    if note:
        out["note"] = [{"text": note}]
    return out


def _full(tmp_path: Path, capsys: Any, *added: dict[str, Any]) -> str:
    assert cli(["evaluate", str(_chart(tmp_path, *added)), "--date", DATE, "--full"]) == 0
    return " ".join(capsys.readouterr().out.split())


def _state(card: dict[str, Any]) -> str:
    return str(card["source"]["topic"]["code"])


def test_an_esi_six_days_ago_is_judged_before_a_stimulator_trial(tmp_path: Path, capsys: Any) -> None:
    (card,) = _cards(tmp_path, capsys, _esi("2026-10-27"))
    assert _state(card) == "F0"
    assert card["summary"] == (
        "ESI on 2026-10-27 is too recent to judge: record leg-pain NRS and ODI at 2–6 weeks; "
        "SCS evaluation if it fails"
    )
    assert "Procedure/esi-new" in card["detail"] and "DiagnosticReport/mri-1" in card["detail"]
    # nothing on the card starts the stimulator work-up or repeats the injection
    assert not card.get("suggestions")
    # the full reasoning says what follows, and on what
    assert cli(["evaluate", str(_chart(tmp_path, _esi("2026-10-27"))), "--date", DATE, "--full"]) == 0
    full = " ".join(capsys.readouterr().out.split())
    assert (
        "If it gives less than 50 % relief: psychological evaluation, then a spinal cord stimulator trial; "
        "permanent implant only with ≥ 50 % relief during the trial (NACC 2014; NICE TA159)."
    ) in full
    assert "[NACC 2014](https://doi.org/10.1111/ner.12208)" in full and "[NICE TA159](" in full


def test_an_esi_after_the_operation_that_helped_is_not_followed_by_a_stimulator(
    tmp_path: Path, capsys: Any
) -> None:
    scores = _pain("pre", 8, "2026-10-01"), _pain("post", 3, "2026-10-26")
    (card,) = _cards(tmp_path, capsys, _esi("2026-10-05"), *scores, drop=("nrs-3",))
    assert _state(card) == "F1"
    assert card["summary"].startswith("ESI on 2026-10-05 gave ≥ 50 % relief so far: not a failure")
    assert "stimulator" not in card["summary"] and "SCS" not in card["summary"]


def test_guard_an_esi_before_the_operation_leaves_s3(tmp_path: Path, capsys: Any) -> None:
    """The laminectomy was on 2024-08-24: an injection that helped before it says nothing of the pain
    after it."""
    scores = _pain("pre", 8, "2024-03-01"), _pain("post", 3, "2024-03-25")
    cards = _cards(tmp_path, capsys, _esi("2024-03-04"), *scores)
    assert [_state(c) for c in cards] == ["S3"]


def test_guard_an_esi_after_the_operation_that_failed_leaves_s3(tmp_path: Path, capsys: Any) -> None:
    scores = _pain("pre", 8, "2026-08-01"), _pain("post", 8, "2026-08-26")
    cards = _cards(tmp_path, capsys, _esi("2026-08-04"), *scores)
    assert [_state(c) for c in cards] == ["S3"]
    assert cards[0]["summary"].endswith("psychological evaluation, then SCS trial")


def test_guard_without_an_injection_s3_is_unchanged(tmp_path: Path, capsys: Any) -> None:
    (card,) = _cards(tmp_path, capsys)
    assert _state(card) == "S3"


# The order check agrees: a stimulator trial signed while the last injection is too recent to judge
# went through with only the psychological-evaluation card.
def _trial_cards(esi_days_ago: int, *facts: Any) -> list[Any]:
    from hooks.facts import ReportFact
    from hooks.orders import evaluate_orders
    from tests.orders_builders import TERM, ago, cond, history, inp, proc, sr

    # the fibrosis patient: the contrast MRI after the operation shows scar and no recurrence (without
    # it, new pain after the operation is S1's, and the trial waits for that scan)
    contrast = TERM.first("mri_lumbar_with_and_without_contrast")
    scan = ReportFact(
        ref="DiagnosticReport/mri", codings=(contrast.coding(),), text=contrast.display or "",
        status="final", effective=ago(400),
        conclusion="Enhancing epidural fibrosis around the left S1 root. No recurrent disc herniation.",
    )  # fmt: skip
    operated = (cond("fbss", "M96.1", 500), cond("rad", "M54.17", 500), proc("lam", "63030", 800, "Lam"))
    chart = (*operated, scan, proc("esi", "64483", esi_days_ago, "TFESI L5-S1 left"), *facts)
    return list(evaluate_orders(inp("order-sign", [sr("trial", "63650", "SCS trial")], history(*chart))))


def test_a_stimulator_trial_signed_days_after_an_esi_waits_for_its_scores() -> None:
    from tests.orders_builders import ago

    (card,) = _trial_cards(6)
    opens = (ago(6) + timedelta(days=14)).isoformat()
    assert card.rule_id == "order.scs-no-trial" and card.indicator == "warning"
    assert card.summary == (
        f"Spinal cord stimulator trial 6 days after an ESI that cannot be judged before {opens}: "
        "judge it first"
    )
    assert card.why[1].ref == "Procedure/esi"
    assert "a stimulator trial only if it gives less than 50 % relief" in card.next_steps[0]
    assert [(s.label, s.is_recommended) for s in card.suggestions] == [
        ("Hold the trial until the injection is judged", True)
    ]


def test_guard_a_stimulator_trial_after_a_failed_esi_is_not_held_for_it() -> None:
    from tests.orders_builders import obs

    failed = obs("n0", "pain", 8, 64), obs("n1", "pain", 8, 35)
    assert [c.rule_id for c in _trial_cards(60, *failed)] == ["order.neuromod-psych-eval"]



# What follows the injection is what S3 itself would advise; where S3 advises no stimulator trial, the
# injection does not take its place.
def test_guard_after_an_explanted_stimulator_s3_keeps_its_own_advice(tmp_path: Path, capsys: Any) -> None:
    explant = (
        _proc("ipg", "63685", "2025-10-01", "SCS IPG implant"),
        _proc("leads", "63650", "2025-10-01", "SCS percutaneous leads"),
        _proc("rm", "63661", "2026-05-01", "SCS lead removal"),
    )
    (card,) = _cards(tmp_path, capsys, *explant, _esi("2026-10-27"))
    assert _state(card) == "S3" and card["summary"].endswith("multidisciplinary care, not a new SCS trial")


def test_guard_an_evaluation_finding_the_patient_unsuitable_keeps_s3(tmp_path: Path, capsys: Any) -> None:
    unsuitable = _proc("psy", "90791", "2026-08-01", "Psychiatric evaluation",
                       "Not a suitable candidate for SCS: untreated severe depression.")  # fmt: skip
    (card,) = _cards(tmp_path, capsys, unsuitable, _esi("2026-10-27"))
    assert _state(card) == "S3" and card["summary"].endswith("no SCS trial now")


def test_an_evaluation_that_cleared_the_patient_is_named_and_not_asked_for_again(
    tmp_path: Path, capsys: Any
) -> None:
    cleared = _proc("psy", "90791", "2026-08-01", "Psychiatric evaluation", "Cleared for SCS trial.")
    (card,) = _cards(tmp_path, capsys, cleared, _esi("2026-10-27"))
    assert _state(card) == "F0" and card["summary"].endswith("; SCS trial if it fails")
    full = _full(tmp_path, capsys, cleared, _esi("2026-10-27"))
    then = "If it gives less than 50 % relief: a spinal cord stimulator trial (the psychological evaluation"
    assert then in full
    assert "Psychiatric evaluation done 2026-08-01" in full


def test_the_session_limit_is_named_beside_the_injection_to_judge(tmp_path: Path, capsys: Any) -> None:
    days = ("2026-01-10", "2026-04-10", "2026-07-10")
    earlier = [_esi(day) | {"id": f"esi-{i}"} for i, day in enumerate(days)]
    full = _full(tmp_path, capsys, *earlier, _esi("2026-10-27"))
    assert "4 lumbar ESI sessions in the last 12 months: the limit of 4 is reached" in full
    assert "No further injection: 4 lumbar sessions in the last 12 months reach the limit of 4" in full


def test_an_injection_weeks_ago_without_outcome_is_judged_first(tmp_path: Path, capsys: Any) -> None:
    """Past 2 weeks with no score, the injection is no longer too recent, but it has still not been
    judged: S3 came back without naming it. F0 asks for its outcome, as it does without the operation."""
    (card,) = _cards(tmp_path, capsys, _esi("2026-10-12"))
    assert _state(card) == "F0"
    assert card["summary"] == (
        "Outcome of the ESI on 2026-10-12 is not recorded: record pain (NRS) and ODI before next steps; "
        "SCS evaluation if it failed"
    )
    full = _full(tmp_path, capsys, _esi("2026-10-12"))
    then = "If it gave less than 50 % relief: psychological evaluation, then a spinal cord stimulator trial"
    assert then in full


def test_a_stimulator_trial_weeks_after_an_esi_with_no_outcome_is_held_for_it() -> None:
    (card,) = _trial_cards(20)
    assert card.rule_id == "order.scs-no-trial"
    assert card.summary == (
        "Spinal cord stimulator trial 2 weeks after an ESI whose outcome is not recorded: record it first"
    )


def test_a_stimulator_trial_after_an_esi_that_has_helped_so_far_waits_for_its_horizon() -> None:
    """A response not yet known to last is judged at 60-120 days (F1 holds a repeat so); a trial waits
    for that judgement, and with the pain back before it, says so."""
    from tests.orders_builders import ago, obs

    helped = obs("n0", "pain", 8, 59), obs("n1", "pain", 3, 20)
    opens = (ago(56) + timedelta(days=60)).isoformat()
    (card,) = _trial_cards(56, *helped)
    assert card.rule_id == "order.scs-no-trial"
    assert card.summary == (
        f"Spinal cord stimulator trial 8 weeks after an ESI that has helped so far: judge it from {opens} "
        "first"
    )
    # what follows is what that judgement makes of it (F1, or the refractory cards), not promised now
    assert "the next step, a stimulator trial among them, follows from that judgement" in card.next_steps[0]
    (back,) = _trial_cards(56, *helped, obs("n2", "pain", 8, 2))
    assert back.summary.startswith("Spinal cord stimulator trial 8 weeks after an ESI whose response has not")
    assert any(f.text == f"latest: pain 8/10 on {ago(2).isoformat()} (no relief)" for f in back.why)


def test_a_response_judged_not_sustained_holds_no_trial_for_a_judgement_already_made() -> None:
    """An outcome coded successful whose pain was back at 10 weeks is judged (F1: not sustained): the
    trial and a repeat were held 'judge it now' until day 120 for a judgement F1 had already made."""
    from tests.orders_builders import SUCCESSFUL, cond, history, inp, obs, proc, sr

    coded = (cond("rad", "M54.17", 400), proc("esi", "64483", 70, "TFESI L5-S1 left", outcome=SUCCESSFUL),
             obs("n1", "pain", 8, 5))  # fmt: skip
    trial = evaluate_orders(inp("order-sign", [sr("o", "63650", "SCS trial")], history(*coded)))
    assert [c.rule_id for c in trial] == ["order.neuromod-psych-eval"]
    repeat = evaluate_orders(inp("order-sign", [sr("o", "64483", "TFESI")], history(*coded)))
    assert not any("judge it" in c.summary for c in repeat)


def test_a_stimulator_trial_after_an_esi_that_worked_is_stopped_as_f1_advises() -> None:
    """F1 "worked": a repeat injection when the pain recurs; the decision model lists escalation among
    what F1 must not recommend."""
    from tests.orders_builders import obs

    lasted = obs("n0", "pain", 8, 204), obs("n1", "pain", 3, 180), obs("n2", "pain", 3, 110)
    (card,) = _trial_cards(200, *lasted)
    assert card.rule_id == "order.scs-no-trial"
    assert card.summary == (
        "Spinal cord stimulator trial 6 months after an ESI that worked (lasting relief): a repeat "
        "injection is the next step"
    )
    assert [(s.label, s.is_recommended) for s in card.suggestions] == [("Cancel the trial", True)]


def test_a_repeat_after_a_response_that_did_not_last_is_stopped_as_f1_says() -> None:
    """F1: 'helped, but the relief did not hold at 60–120 days: not sustained; repeat criterion not met'.
    The repeat passed with only the imaging card once the misleading 'judge it now' hold was gone."""
    from tests.orders_builders import SUCCESSFUL, cond, history, inp, obs, proc, sr

    coded = (cond("rad", "M54.17", 400), proc("esi", "64483", 70, "TFESI L5-S1 left", outcome=SUCCESSFUL),
             obs("n1", "pain", 8, 5))  # fmt: skip
    cards = evaluate_orders(inp("order-sign", [sr("o", "64483", "TFESI")], history(*coded)))
    (repeat,) = [c for c in cards if c.rule_id == "order.esi-repeat"]
    assert "whose response did not last: re-evaluate" in repeat.summary
    assert repeat.title == "Repeat epidural injection after a response that did not last"


def test_guard_an_esi_before_the_operation_does_not_hold_a_trial() -> None:
    """The laminectomy was 800 days ago; an injection that helped, or whose outcome was never recorded,
    before it says nothing of the pain after it (the pathway's S3 does not ask about it either)."""
    from tests.orders_builders import obs

    helped = obs("n0", "pain", 8, 904), obs("n1", "pain", 3, 880)
    assert [c.rule_id for c in _trial_cards(900, *helped)] == ["order.neuromod-psych-eval"]
    assert [c.rule_id for c in _trial_cards(810)] == ["order.neuromod-psych-eval"]
    # within the 12 months an outcome is asked for, but before an operation 200 days ago
    from hooks.orders import evaluate_orders
    from tests.orders_builders import cond, history, inp, proc, sr

    chart = (cond("fbss", "M96.1", 190), cond("rad", "M54.17", 400), proc("lam", "63030", 200, "Lam"),
             proc("esi", "64483", 250, "TFESI L5-S1 left"))  # fmt: skip
    cards = evaluate_orders(inp("order-sign", [sr("trial", "63650", "SCS trial")], history(*chart)))
    assert [c.rule_id for c in cards] == ["order.neuromod-psych-eval"]


def test_guard_after_a_failed_stimulator_trial_a_drg_trial_is_not_held_for_an_earlier_injection() -> None:
    """A DRG trial after a failed SCS trial is N2's own advice for focal pain: an ESI that helped before
    the SCS trial does not stop it."""
    from hooks.orders import evaluate_orders
    from tests.orders_builders import UNSUCCESSFUL, cond, history, inp, obs, proc, sr

    chart = (
        cond("fbss", "M96.1", 500), cond("rad", "M54.17", 500), proc("lam", "63030", 800, "Lam"),
        proc("esi", "64483", 300, "TFESI L5-S1 left"), obs("n0", "pain", 8, 304), obs("n1", "pain", 3, 280),
        proc("t0", "63650", 200, "SCS trial", outcome=UNSUCCESSFUL),
    )  # fmt: skip
    drg = sr("drg", "63650", "DRG stimulator trial L5 dorsal root ganglion")
    cards = evaluate_orders(inp("order-sign", [drg], history(*chart)))
    assert [c.rule_id for c in cards] == ["order.neuromod-psych-eval"]


def test_guard_an_injection_before_the_operation_leaves_s3(tmp_path: Path, capsys: Any) -> None:
    """The laminectomy was on 2024-08-24: an injection months before it, with no outcome on record, is
    not asked about before the stimulator evaluation (and it is outside the 12 months asked about)."""
    cards = _cards(tmp_path, capsys, _esi("2024-06-01"))
    assert [_state(c) for c in cards] == ["S3"]
