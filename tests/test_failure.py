"""Treatment-failure inference (decision model §3.1): truth tables for every branch and edge."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import CPT, LOINC, RXNORM
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.evaluation import EvaluationInput
from hooks.facts import PatientHistory, ProcedureFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import (
    Modality,
    Outcome,
    assess,
    assess_all,
    classify_modality,
    is_diagnostic_injection,
    is_image_guided,
    levels_concordant,
    procedure_concordance,
    sides_concordant,
)
from hooks.terminology import Terminology, default_terminology
from hooks.thresholds import DEFAULT_THRESHOLDS, Thresholds, load_thresholds

T0 = date(2026, 3, 2)
TERM: Terminology = default_terminology()


def day(n: int) -> str:
    return (T0 + timedelta(days=n)).isoformat()


def proc(
    pid: str = "esi",
    code: str = "64483",
    at: int = 0,
    level: str | None = "L5-S1",
    outcome: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": pid,
        "status": "completed",
        "code": {"coding": [{"system": CPT, "code": code}]},
        "performedDateTime": day(at),
    }
    if level:
        raw["bodySite"] = [{"text": level}]
    if outcome:
        raw["outcome"] = {"coding": [{"system": SCT, "code": outcome}]}
    raw.update(extra)
    return raw


def pain(
    oid: str, at: int, value: float, site: str | None = None, part_of: str | None = None
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "72514-3"}]},
        "valueQuantity": {"value": value},
        "effectiveDateTime": day(at),
    }
    if site:
        raw["bodySite"] = {"text": site}
    if part_of:
        raw["partOf"] = [{"reference": part_of}]
    return raw


def odi(oid: str, at: int, value: float) -> dict[str, Any]:
    return dict(pain(oid, at, value), code={"coding": [{"system": LOINC, "code": "97909-6"}]})


def relief(oid: str, at: int, pct: float, part_of: str | None = None) -> dict[str, Any]:
    raw = pain(oid, at, pct, part_of=part_of)
    raw["code"] = {"text": "Pain relief"}
    raw["valueQuantity"] = {"value": pct, "unit": "%"}
    if not part_of:
        raw["partOf"] = [{"reference": "Procedure/other"}]
    return raw


def radicular(cid: str, recorded_at: int, category: str = "encounter-diagnosis") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": ICD, "code": "M54.17"}], "text": "Lumbosacral radiculopathy"},
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": category}
                ]
            }
        ],
        "onsetDateTime": "2025-12-01",
        "recordedDate": day(recorded_at),
    }


def med(mid: str, rxcui: str, at: int, name: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxcui, "display": name}]},
        "authoredOn": day(at),
    }


def order(sid: str, code: str, at: int) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": sid,
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": CPT, "code": code}], "text": "Medial branch block"},
        "authoredOn": day(at),
    }


def history(*resources: dict[str, Any]) -> PatientHistory:
    return build_history(resources, TERM)


def pathway(h: PatientHistory, today: date) -> PathwayContext:
    """The pathway's view of ``h`` on ``today``, where the ESI sessions and their run are derived."""
    return PathwayContext(EvaluationInput("order-sign", today, "p", None, None, h, TERM))


def run(
    *resources: dict[str, Any],
    today: int,
    modality: Modality | None = None,
    th: Thresholds = DEFAULT_THRESHOLDS,
    target: str = "Procedure/esi",
):
    h = history(*resources)
    p = next(p for p in h.procedures if p.ref == target)
    m = modality or classify_modality(p, TERM, h)
    assert m is not None
    return assess(p, m, h, T0 + timedelta(days=today), th, TERM)


# ---------------------------------------------------------------------------------------------
# modality (§0 traps)
# ---------------------------------------------------------------------------------------------


def fact_of(raw: dict[str, Any]) -> ProcedureFact:
    return history(raw).procedures[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (proc(code="64483"), Modality.ESI),
        (proc(code="62323"), Modality.ESI),
        (proc(code="62322"), Modality.ESI),
        (proc(code="62321"), None),  # cervical/thoracic: not lumbar logic
        (
            proc(code="64483", reasonCode=[{"text": "Diagnostic selective nerve root block"}]),
            Modality.DIAGNOSTIC_BLOCK,
        ),
        (
            proc(code="64483", usedCode=[{"coding": [{"system": RXNORM, "code": "6387"}]}]),
            Modality.DIAGNOSTIC_BLOCK,
        ),
        (
            proc(
                code="64483",
                usedCode=[
                    {"coding": [{"system": RXNORM, "code": "6387"}]},
                    {"coding": [{"system": RXNORM, "code": "3264"}]},
                ],
                note=[{"text": "diagnostic and therapeutic"}],
            ),
            Modality.ESI,
        ),
        (proc(code="64493"), Modality.DIAGNOSTIC_BLOCK),
        (proc(code="27096"), Modality.DIAGNOSTIC_BLOCK),
        (proc(code="64635"), Modality.RFA),
        (proc(code="64625"), Modality.RFA),
        (proc(code="63650"), Modality.SCS_TRIAL),
        (proc(code="63650", note=[{"text": "Permanent percutaneous leads"}]), None),
        (proc(code="63685"), None),
        (proc(code="63030"), None),
        (
            {
                "resourceType": "Procedure",
                "id": "x",
                "status": "completed",
                "code": {"text": "Lumbar medial branch cryoablation L4-L5"},
            },
            Modality.RFA,
        ),
        (
            {
                "resourceType": "Procedure",
                "id": "x",
                "status": "completed",
                "code": {"text": "Dorsal root ganglion stimulator trial"},
            },
            Modality.SCS_TRIAL,
        ),
        (
            {
                "resourceType": "Procedure",
                "id": "x",
                "status": "completed",
                "code": {"text": "Cervical epidural steroid injection"},
            },
            None,
        ),
        (
            {
                "resourceType": "Procedure",
                "id": "x",
                "status": "completed",
                "code": {"text": "Pulsed radiofrequency of the L5 DRG"},
            },
            None,
        ),
        (
            proc(code="64999", note=[{"text": "n/a"}], level=None)
            | {
                "code": {
                    "coding": [{"system": CPT, "code": "64999"}],
                    "text": "Cryoablation of L4-L5 medial branches",
                }
            },
            Modality.RFA,
        ),
        (
            proc(code="63030")
            | {
                "code": {
                    "coding": [
                        {
                            "system": CPT,
                            "code": "63030",
                            "display": "Laminotomy, nerve root "
                            "decompression, facetectomy, foraminotomy, epidural exploration",
                        }
                    ]
                }
            },
            None,
        ),
    ],
)
def test_classify_modality(raw: dict[str, Any], expected: Modality | None) -> None:
    """Codes decide first (64483 diagnostic vs ESI, 63650 trial vs permanent); text only when no code."""
    assert classify_modality(fact_of(raw), TERM) is expected


def test_scs_lead_with_a_same_day_generator_is_a_permanent_implant_not_a_trial() -> None:
    """63650 alone is a trial; with a 63685 Procedure the same day it is a permanent system."""
    h = history(proc("lead", "63650", 30), proc("ipg", "63685", 30), proc("trial", "63650", 0))
    by = {p.ref: p for p in h.procedures}
    assert classify_modality(by["Procedure/lead"], TERM, h) is None
    assert classify_modality(by["Procedure/trial"], TERM, h) is Modality.SCS_TRIAL


@pytest.mark.parametrize(
    ("text", "diagnostic"),
    [
        ("Diagnostic and therapeutic transforaminal ESI L5-S1 (triamcinolone 40 mg)", False),
        ("Diagnostic selective nerve root block with steroid", False),
        ("Diagnostic selective nerve root block, lidocaine only", True),
        ("Diagnostic transforaminal epidural steroid injection", True),  # the procedure's name is no dose
        ("Selective nerve root block L5, lidocaine only; no steroid given.", True),
    ],
)
def test_a_steroid_written_as_given_makes_a_diagnostic_injection_an_esi(text: str, diagnostic: bool) -> None:
    """§0: 64483 is an ESI unless it is clearly diagnostic; a steroid or a therapeutic purpose
    written as given settles it."""
    raw = proc()
    raw["code"]["text"] = text
    p = fact_of(raw)
    assert is_diagnostic_injection(p, TERM) is diagnostic
    assert classify_modality(p, TERM) is (Modality.DIAGNOSTIC_BLOCK if diagnostic else Modality.ESI)


def test_image_guidance_and_diagnostic_injection_helpers() -> None:
    """62322 is blind, 62323/64483 image-guided; a steroid in usedCode always makes an ESI."""
    assert is_image_guided(fact_of(proc(code="62322")), TERM) is False
    assert is_image_guided(fact_of(proc(code="62311")), TERM) is False
    assert is_image_guided(fact_of(proc(code="62323")), TERM) is True
    assert is_image_guided(fact_of(proc(code="64483")), TERM) is True
    assert is_image_guided(fact_of(proc(code="63650")), TERM) is None
    steroid = proc(
        code="64483", note=[{"text": "SNRB"}], usedCode=[{"coding": [{"system": RXNORM, "code": "6902"}]}]
    )
    assert is_diagnostic_injection(fact_of(steroid), TERM) is False


# ---------------------------------------------------------------------------------------------
# 1. explicit outcome
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("385671000", Outcome.FAILED), ("385670004", Outcome.PARTIAL), ("385669000", Outcome.SUCCESS)],
)
def test_explicit_outcome_wins_over_scores(code: str, expected: Outcome) -> None:
    """Procedure.outcome decides even when the scores say otherwise (scores here say responder)."""
    a = run(proc(outcome=code), pain("b", -3, 8), pain("f", 28, 2), today=50)
    assert (a.outcome, a.basis) == (expected, "explicit outcome")
    assert a.facts[0].ref == "Procedure/esi"


def test_the_wrong_partial_success_code_never_matches() -> None:
    """385670002 is not in the FHIR outcome value set: the scores decide instead."""
    a = run(proc(outcome="385670002"), pain("b", -3, 8), pain("f", 28, 7), today=50)
    assert (a.outcome, a.basis) == (Outcome.FAILED, "pain scores")


def test_explicit_success_of_an_esi_still_checks_durability() -> None:
    """An ESI recorded as successful whose relief fell below 30 % by 3 months is SHORT_LIVED."""
    a = run(proc(outcome="385669000"), pain("b", -3, 8), pain("f", 28, 3), pain("d", 90, 7), today=130)
    assert a.outcome is Outcome.SHORT_LIVED and a.durable is False


def test_explicit_success_durable_then_recurrence_is_not_a_failure() -> None:
    """Success, still ≥ 50 % at 3 months, pain back at 6 months → RESPONDED_THEN_RECURRED (F1)."""
    a = run(
        proc(outcome="385669000"),
        pain("b", -3, 8),
        pain("f", 28, 2),
        pain("d", 90, 3),
        pain("r", 180, 7),
        today=200,
    )
    assert a.outcome is Outcome.RESPONDED_THEN_RECURRED and a.durable is True
    assert not a.outcome.counts_as_failure
    assert any(f.ref == "Observation/r" for f in a.recurrence)


def test_explicit_success_of_a_trial_is_success() -> None:
    """For an SCS trial an explicit success is simply SUCCESS (N1)."""
    a = run(proc("esi", "63650", outcome="385669000"), today=30)
    assert (a.modality, a.outcome) == (Modality.SCS_TRIAL, Outcome.SUCCESS)


# ---------------------------------------------------------------------------------------------
# 2. too early
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "pending"), [(6, True), (13, True), (14, False)])
def test_esi_is_pending_until_the_window_opens(today: int, pending: bool) -> None:
    """An ESI 6 days ago (F0) is too early; on day 14 it can be judged."""
    a = run(proc(), pain("b", -3, 8), pain("f", 14, 7), today=today)
    assert (a.outcome is Outcome.PENDING) is pending
    if pending:
        assert a.basis == "too early"
        assert any("record pain (NRS) and function (ODI)" in g for g in a.gaps)


def test_trial_still_running_without_scores_is_pending() -> None:
    """An SCS trial 5 days in with no diary yet is pending, not unknown."""
    a = run(proc("esi", "63650"), today=5)
    assert a.outcome is Outcome.PENDING


# ---------------------------------------------------------------------------------------------
# 3. numbers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "follow", "expected"),
    [
        (8, 4, Outcome.RESPONDER),  # exactly 50 %
        (8, 4.1, Outcome.PARTIAL),  # 48.75 %
        (10, 7, Outcome.PARTIAL),  # exactly 30 %
        (9, 7, Outcome.PARTIAL),  # 22 % but Δ = 2 points
        (10, 8.1, Outcome.FAILED),  # 19 %, Δ 1.9
        (8, 7, Outcome.FAILED),  # 12.5 %
        (6, 8, Outcome.FAILED),  # worse
    ],
)
def test_numeric_relief_truth_table(baseline: float, follow: float, expected: Outcome) -> None:
    """≥ 50 % → responder; ≥ 30 % or Δ ≥ 2 → partial; else failed (edges inclusive)."""
    a = run(proc(), pain("b", -3, baseline), pain("f", 28, follow), today=50)
    assert (a.outcome, a.basis) == (expected, "pain scores")
    assert a.baseline is not None and a.baseline.ref == "Observation/b"


def test_fact_line_names_the_resource_and_reads_like_a_clinician() -> None:
    """The first fact is the procedure, level, date, pain before → after, relief and time."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 7), today=50)
    assert a.facts[0].markdown() == (
        "`Procedure/esi` — transforaminal ESI L5-S1 on 2026-03-02; pain 8 → 7 (12 %) at 4 weeks"
    )
    assert {f.ref for f in a.facts} == {"Procedure/esi", "Observation/b", "Observation/f"}


def test_follow_up_is_the_median_of_the_window() -> None:
    """A single noisy score does not decide: the median of 2, 7 and 8 is 7."""
    a = run(proc(), pain("b", -1, 8), pain("f1", 15, 2), pain("f2", 25, 7), pain("f3", 40, 8), today=60)
    assert a.follow_up_median == 7 and a.outcome is Outcome.FAILED


@pytest.mark.parametrize(("at", "inside"), [(13, False), (14, True), (42, True), (43, False)])
def test_esi_window_edges(at: int, inside: bool) -> None:
    """Only scores on days 14-42 after the ESI count as its follow-up."""
    a = run(proc(), pain("b", -1, 8), pain("f", at, 2), today=60)
    assert (a.basis == "pain scores") is inside


@pytest.mark.parametrize(("at", "inside"), [(-30, True), (-31, False), (0, True)])
def test_baseline_window_edges(at: int, inside: bool) -> None:
    """The baseline is the latest score in [t0 − 30 d, t0]."""
    a = run(proc(), pain("b", at, 8), pain("f", 28, 2), today=60)
    assert (a.baseline is not None) is inside


def test_same_day_scores_without_time_take_the_higher_as_baseline() -> None:
    """Two unlinked scores on the injection day (before and after) → the higher is the baseline."""
    a = run(proc(), pain("pre", 0, 8), pain("post", 0, 2), pain("f", 28, 7), today=50)
    assert a.baseline is not None and a.baseline.ref == "Observation/pre"
    assert a.outcome is Outcome.FAILED


def test_block_with_only_same_day_unlinked_scores() -> None:
    """A block whose pre and post scores are both dated the same day compares the higher with the rest."""
    a = run(proc("esi", "64493"), pain("pre", 0, 8), pain("post", 0, 2), today=3)
    assert a.baseline is not None and a.baseline.ref == "Observation/pre"
    assert [o.ref for o in a.follow_up] == ["Observation/post"] and a.outcome is Outcome.RESPONDER


def test_a_relief_score_on_the_injection_day_is_never_the_baseline_of_an_esi() -> None:
    """A recovery-room score of 1 on the ESI's day (no partOf, no time) and the clinic's 8 three days
    before: the ESI began from 8, and 3 at four weeks is a response, not a failure from 1."""
    a = run(proc(), pain("b", -3, 8), pain("post", 0, 1), pain("f", 28, 3), today=50)
    assert a.baseline is not None and a.baseline.ref == "Observation/b"
    assert a.outcome is Outcome.RESPONDER and a.relief_pct == pytest.approx(62.5)


def timed(raw: dict[str, Any], key: str, at: str) -> dict[str, Any]:
    """``raw`` with ``key`` (effectiveDateTime / performedDateTime) at a time of its day."""
    return {**raw, key: f"{raw[key]}T{at}:00+00:00"}


def test_times_of_day_order_the_scores_of_the_procedure_day() -> None:
    """With times, the score taken before the block is its baseline and the ones after are its
    result, whatever their values: a flare to 9 just before a block that brought it to 3."""
    mbb = timed(proc("esi", "64493", level="L4-L5"), "performedDateTime", "10:00")
    scores = (
        pain("clinic", -5, 6),
        timed(pain("pre", 0, 9), "effectiveDateTime", "09:30"),
        timed(pain("post", 0, 3), "effectiveDateTime", "11:00"),
    )
    a = run(mbb, *scores, today=3)
    assert a.baseline is not None and a.baseline.ref == "Observation/pre"
    assert [o.ref for o in a.follow_up] == ["Observation/post"] and a.outcome is Outcome.RESPONDER
    # an ESI too: the holding-area score before it is the baseline, a score after it never is
    esi = timed(proc(), "performedDateTime", "10:00")
    b = run(
        esi, pain("clinic", -5, 4), timed(pain("pre", 0, 7), "effectiveDateTime", "09:00"),
        timed(pain("post", 0, 9), "effectiveDateTime", "12:00"), pain("f", 28, 3), today=50,
    )  # fmt: skip
    assert b.baseline is not None and b.baseline.ref == "Observation/pre" and b.outcome is Outcome.RESPONDER


@pytest.mark.parametrize(
    ("day_scores", "expected", "relief"),
    [
        ((7, 1), Outcome.RESPONDER, 86),  # the higher of two was taken before the block
        ((1,), Outcome.RESPONDER, 86),  # one alone, with a baseline from before its day, is the result
        ((7,), Outcome.FAILED, 0),  # one alone as high as the baseline: the block did not help
        ((7, 7), Outcome.FAILED, 0),
        ((9, 2), Outcome.RESPONDER, 78),  # a flare before the block is its baseline
    ],
)
def test_block_day_scores_without_times(day_scores: tuple[int, ...], expected: Outcome, relief: int) -> None:
    """A medial branch block with a clinic score of 7 days before and its day's scores undated in
    time: the pre-block score of its day is never read as its result."""
    mbb = proc("esi", "64493", level="L4-L5")
    day_obs = [pain(f"d{i}", 0, v) for i, v in enumerate(day_scores)]
    a = run(mbb, pain("clinic", -5, 7), *day_obs, today=3)
    assert a.outcome is expected and round(a.relief_pct or 0) == relief
    assert a.facts[0].text.endswith("on the day") and "(the same day)" in a.facts[-1].text


def test_a_trial_is_judged_at_its_end_never_on_the_day_the_leads_went_in() -> None:
    """SCS trial: the holding-area 8 on the day of the leads is no trial result; 8 → 2 at day 7."""
    a = run(
        proc("esi", "63650", level=None), pain("b", -10, 8), pain("day0", 0, 8), pain("t", 7, 2), today=20
    )
    assert [o.ref for o in a.follow_up] == ["Observation/t"]
    assert a.outcome is Outcome.RESPONDER and a.relief_pct == pytest.approx(75)


def test_a_baseline_without_a_site_is_compared_with_leg_pain_before_back_pain() -> None:
    """Baseline "pain 8" with no site; at follow-up leg pain 2 and back pain 7: radicular pain is the
    leg's, so 8 → 2, not 8 → 7."""
    leg, back = pain("leg1", 28, 2, site="Left leg"), pain("back1", 28, 7, site="Lower back")
    a = run(proc(), pain("b", -2, 8), leg, back, today=60)
    assert [o.ref for o in a.follow_up] == ["Observation/leg1"] and a.outcome is Outcome.RESPONDER
    # a follow-up that names no site either is the like-for-like one
    b = run(proc(), pain("b", -2, 8), pain("same", 28, 6), pain("leg1", 28, 2, site="Left leg"), today=60)
    assert [o.ref for o in b.follow_up] == ["Observation/same"]


def test_a_recorded_relief_of_half_or_more_is_an_esis_result() -> None:
    """80 % relief recorded four weeks after an ESI, no pain scores: a response (then the durability
    check), not a failure read from proxies; the relief Observation is named."""
    unlinked = relief("r", 28, 80)
    del unlinked["partOf"]  # dated in the window, linked to nothing
    for rel in (unlinked, relief("r", 28, 80, part_of="Procedure/esi")):
        a = run(proc(), rel, radicular("enc", 50), order("ref", "99203", 60), today=100)
        assert (a.outcome, a.basis, a.relief_pct) == (Outcome.RESPONDER, "recorded relief", 80)
        assert [f.ref for f in a.facts[:2]] == ["Procedure/esi", "Observation/r"]


def test_the_relief_of_another_procedure_in_the_window_is_not_the_esis() -> None:
    """80 % relief linked to a medial branch block done three weeks after the ESI is the block's
    result: the ESI is judged without it (and the block is a next line of treatment)."""
    block = proc("mbb", "64493", at=21, level="L4-L5")
    a = run(proc(), block, relief("r", 21, 80, part_of="Procedure/mbb"), today=100)
    assert a.outcome is not Outcome.RESPONDER and a.basis != "recorded relief"


def test_leg_pain_is_preferred_for_baseline_and_follow_up() -> None:
    """With leg and back scores, leg is compared with leg (radicular pain)."""
    a = run(
        proc(),
        pain("back0", -2, 3, site="Lower back"),
        pain("leg0", -5, 8, site="Left leg"),
        pain("back1", 28, 3, site="Lower back"),
        pain("leg1", 28, 7, site="Left leg"),
        today=60,
    )
    assert a.baseline is not None and a.baseline.ref == "Observation/leg0"
    assert [o.ref for o in a.follow_up] == ["Observation/leg1"]
    assert a.outcome is Outcome.FAILED


def test_vas_0_100_is_scaled() -> None:
    """A 0-100 VAS baseline of 80 compares with an NRS of 7 as 8 → 7."""
    vas = pain("b", -3, 80)
    vas["code"] = {"coding": [{"system": LOINC, "code": "38214-3"}]}
    a = run(proc(), vas, pain("f", 28, 7), today=50)
    assert a.baseline is not None and a.baseline.value == 8 and a.outcome is Outcome.FAILED


def test_partial_procedure_date_is_the_first_day_it_covers() -> None:
    """performed "2026-03" is 2026-03-01: the window runs from that day."""
    raw = proc()
    raw["performedDateTime"] = "2026-03"
    a = run(raw, pain("b", -5, 8), pain("f", 27, 7), today=60)
    assert a.procedure.performed == date(2026, 3, 1) and a.outcome is Outcome.FAILED
    assert "on 2026-03;" in a.facts[0].text


# ---------------------------------------------------------------------------------------------
# 4. durability
# ---------------------------------------------------------------------------------------------


def test_short_lived_esi_counts_as_failure() -> None:
    """Responder at 4 weeks, < 30 % relief at 3 months → SHORT_LIVED."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 3), pain("d", 90, 7), today=130)
    assert a.outcome is Outcome.SHORT_LIVED and a.outcome.counts_as_failure and a.basis == "short-lived"
    # the line that decides it comes second, among the few facts a card shows, before the scores
    assert "short-lived response" in a.facts[1].text and "baseline pain" in a.facts[2].text


def test_a_recurrence_is_named_right_after_the_response_it_ended() -> None:
    """Durable response, then pain back at 5 months: the sustained relief and the recurrence are the
    second and third facts, before the scores that measured the response."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 3), pain("d", 100, 3), pain("r", 150, 7), today=160)
    assert a.outcome is Outcome.RESPONDED_THEN_RECURRED
    assert "sustained" in a.facts[1].text and a.facts[2].text.startswith("pain back to 7/10")


def test_durable_responder_without_recurrence_stays_responder() -> None:
    """Still ≥ 50 % at 3 months and nothing later → RESPONDER, durable."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 3), pain("d", 100, 3), today=130)
    assert (a.outcome, a.durable) == (Outcome.RESPONDER, True)


def test_responder_that_partly_wore_off_is_not_durable_but_not_short_lived() -> None:
    """40 % at 3 months: not the sustained response F1 needs (a partial response, below the
    threshold to repeat), not short-lived either."""
    a = run(proc(), pain("b", -3, 10), pain("f", 28, 4), pain("d", 90, 6), today=130)
    assert (a.outcome, a.durable, a.basis) == (Outcome.PARTIAL, False, "not sustained")


def test_responder_with_no_scores_at_the_durability_horizon_says_so() -> None:
    """No score at 60-120 days: still a responder, and the gap says durability is unknown."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 3), pain("late", 200, 8), today=210)
    assert (a.outcome, a.durable) == (Outcome.RESPONDER, None)
    assert a.gaps == (
        "no pain score 60-120 days after the transforaminal ESI L5-S1 on 2026-03-02: "
        "whether the response lasted is unknown",
    )


def test_durable_esi_then_repeat_is_responded_then_recurred() -> None:
    """A durable response followed by a repeat ESI after the horizon is F1, not a failure."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 3), pain("d", 100, 3), proc("esi2", at=200), today=210)
    assert a.outcome is Outcome.RESPONDED_THEN_RECURRED
    assert [f.ref for f in a.recurrence] == ["Procedure/esi2"]


def test_rfa_window_and_six_month_durability() -> None:
    """RFA: 28-90 d window; ≥ 50 % at 6 months then pain back → RESPONDED_THEN_RECURRED (A2)."""
    rfa = proc("esi", "64635", level="L4-L5")
    a = run(rfa, pain("b", -3, 8), pain("f", 60, 2), pain("d", 200, 3), pain("r", 300, 8), today=320)
    assert (a.modality, a.outcome) == (Modality.RFA, Outcome.RESPONDED_THEN_RECURRED)
    short = run(rfa, pain("b", -3, 8), pain("f", 60, 2), pain("d", 120, 7), today=320)
    assert short.outcome is Outcome.SHORT_LIVED
    failed = run(rfa, pain("b", -3, 8), pain("f", 20, 2), pain("f2", 80, 7), today=120)
    assert failed.outcome is Outcome.FAILED  # the day-20 score is outside the RFA window


# A success recorded without a baseline score: no relief to measure, but the pain left can be read


SUCCESS = "385669000"


def test_a_coded_success_without_a_baseline_is_still_checked_for_recurrence() -> None:
    """ESI coded successful, no score before it: pain 2 at 4 weeks and at 3 months (still relieved),
    7 at 6 months → RESPONDED_THEN_RECURRED (F1), never a failure."""
    a = run(proc(outcome=SUCCESS), pain("f", 28, 2), pain("d", 90, 2), pain("r", 180, 7), today=200)
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, True)
    assert [f.ref for f in a.recurrence] == ["Observation/r"]
    assert "still relieved" in a.facts[1].text


def test_an_ablation_with_recorded_relief_and_no_baseline_then_a_repeat_is_a2() -> None:
    """80 % relief linked to the RFA at 8 weeks, pain 2 at 7 months, a repeat RFA at 10 months."""
    rfa = proc("esi", "64635", level="L4-L5")
    a = run(
        rfa, relief("rel", 56, 80, part_of="Procedure/esi"), pain("d", 210, 2), proc("rfa2", "64635", at=300),
        today=320,
    )  # fmt: skip
    assert (a.modality, a.basis) == (Modality.RFA, "recorded relief")
    assert a.outcome is Outcome.RESPONDED_THEN_RECURRED
    assert [f.ref for f in a.recurrence] == ["Procedure/rfa2"]


def test_without_a_baseline_the_pain_back_level_is_two_points_above_the_relieved_pain() -> None:
    """Relieved to 4 at 4 weeks: 5 later is under 4 + 2 points (not back); 6 is back."""
    base = (proc(outcome=SUCCESS), pain("f", 28, 4), pain("d", 90, 4))
    assert run(*base, pain("r", 180, 5), today=200).outcome is Outcome.SUCCESS
    assert run(*base, pain("r", 180, 6), today=200).outcome is Outcome.RESPONDED_THEN_RECURRED


def test_without_a_baseline_or_scores_at_the_horizon_durability_stays_unknown() -> None:
    """Coded success, nothing at 60-120 days, pain 8 at 7 months: whether it lasted is unknown, so no
    "worked, then recurred" (as with a baseline), and the gap says what is missing."""
    a = run(proc(outcome=SUCCESS), pain("late", 210, 8), today=220)
    assert (a.outcome, a.durable) == (Outcome.SUCCESS, None)
    assert any("whether the response lasted is unknown" in g for g in a.gaps)


def test_an_ablation_whose_pain_came_back_before_six_months_is_not_a2_nor_a_failure() -> None:
    """Coded RFA success without a baseline, back pain 7 at 4 months: not durable (no repeat RFA), but
    with no baseline not a failure either."""
    rfa = proc("esi", "64635", level="L4-L5", outcome=SUCCESS)
    a = run(rfa, pain("e", 120, 7), pain("r", 300, 8), today=320)
    assert (a.outcome, a.durable) == (Outcome.SUCCESS, False)
    assert not a.outcome.counts_as_failure


# ---------------------------------------------------------------------------------------------
# diagnostic blocks and trials
# ---------------------------------------------------------------------------------------------


def test_leg_pain_coming_back_ends_the_response_of_a_baseline_without_a_site() -> None:
    """Pain 8 (no site) before an ESI, 2 (no site) at 4 weeks, then leg pain 8 at 13 weeks: the
    radicular pain came back, a short-lived response, not a durable one."""
    a = run(proc(), pain("b", -3, 8), pain("f", 28, 2), pain("leg", 90, 8, site="Left leg"), today=130)
    assert a.outcome is Outcome.SHORT_LIVED


def test_an_ablation_begun_from_back_pain_is_not_judged_by_a_later_leg_pain() -> None:
    """Facet RFA from back pain 8: back pain 3 at 6 weeks and at 6 months is a durable response; leg
    pain 8 at 4 months (sciatica of its own) does not make it short-lived."""
    a = run(
        proc("esi", "64635", level="L4-L5"),
        pain("b", -3, 8, site="Lower back"),
        pain("f", 42, 3, site="Lower back"),
        pain("leg", 120, 8, site="Left leg"),
        pain("d", 190, 3, site="Lower back"),
        today=200,
    )
    assert (a.outcome, a.durable) == (Outcome.RESPONDER, True)


def test_medial_branch_block_uses_same_day_scores_and_its_threshold() -> None:
    """MBB: baseline before, the post-block score the same day (partOf), ≥ 50 % positive."""
    mbb = proc("esi", "64493", level="L4-L5")
    pos = run(mbb, pain("b", -7, 7), pain("post", 0, 3, part_of="Procedure/esi"), today=5)
    assert (pos.modality, pos.outcome) == (Modality.DIAGNOSTIC_BLOCK, Outcome.RESPONDER)
    neg = run(mbb, pain("b", -7, 7), pain("post", 0, 5, part_of="Procedure/esi"), today=5)
    assert neg.outcome is Outcome.FAILED  # 29 %: negative block (no partial tier)


def test_si_joint_block_threshold_is_75_and_site_overridable(tmp_path: Path) -> None:
    """SIJ block 60 % is negative at the default 75 %, positive when the site sets 60 %."""
    sij = proc("esi", "27096", level=None)
    scores = (pain("b", -1, 10), pain("post", 0, 4, part_of="Procedure/esi"))
    assert run(sij, *scores, today=3).outcome is Outcome.FAILED
    policy = tmp_path / "thresholds.json"
    policy.write_text(json.dumps({"sij_block_positive_relief_pct": 60}))
    assert run(sij, *scores, today=3, th=load_thresholds(policy)).outcome is Outcome.RESPONDER


def test_block_with_recorded_percent_relief() -> None:
    """A pain diary's "% relief" linked to the block is its result."""
    a = run(proc("esi", "64493"), relief("r", 0, 80, part_of="Procedure/esi"), today=3)
    assert (a.outcome, a.relief_pct) == (Outcome.RESPONDER, 80)
    assert any(f.ref == "Observation/r" for f in a.facts)


def test_block_without_data_asks_for_the_diary() -> None:
    """A block with no relief recorded is UNKNOWN with a gap, never a failure."""
    a = run(proc("esi", "64493"), today=10)
    assert a.outcome is Outcome.UNKNOWN
    assert any("% relief during the anaesthetic phase" in g for g in a.gaps)


@pytest.mark.parametrize(("post", "expected"), [(5, Outcome.RESPONDER), (6, Outcome.FAILED)])
def test_scs_trial_threshold(post: float, expected: Outcome) -> None:
    """SCS trial: ≥ 50 % relief by the end of the trial is success (N1), less is failure (N2)."""
    a = run(proc("esi", "63650", level=None), pain("b", -10, 10), pain("t", 7, post), today=20)
    assert a.outcome is expected


# ---------------------------------------------------------------------------------------------
# 5. proxies
# ---------------------------------------------------------------------------------------------


def test_one_proxy_is_possible_failure_with_a_record_the_outcome_gap() -> None:
    """Only a re-asserted encounter diagnosis → POSSIBLE_FAILED and "record the outcome ..."."""
    a = run(proc(), radicular("c", 50), today=90)
    assert (a.outcome, a.basis) == (Outcome.POSSIBLE_FAILED, "proxies")
    assert not a.outcome.counts_as_failure
    assert a.gaps[0] == "record the outcome (NRS/ODI) of the transforaminal ESI L5-S1 on 2026-03-02"
    assert [f.ref for f in a.proxies] == ["Condition/c"]


def test_two_proxies_are_probable_failure() -> None:
    """Re-asserted diagnosis + a new gabapentinoid within 42 days → PROBABLE_FAILED."""
    a = run(proc(), radicular("c", 50), med("g", "187832", 20, "pregabalin"), today=90)
    assert a.outcome is Outcome.PROBABLE_FAILED and a.outcome.counts_as_failure
    assert {f.ref for f in a.proxies} == {"Condition/c", "MedicationRequest/g"}


def test_scores_without_a_baseline_are_shown_but_not_compared() -> None:
    """A follow-up score with no baseline cannot give relief; it is listed, and the gap names the baseline."""
    a = run(proc(), pain("f", 28, 8), today=90)
    assert a.outcome is Outcome.UNKNOWN and a.relief_pct is None
    assert any(f.ref == "Observation/f" for f in a.facts)
    assert "no pain score in the 30 days before the transforaminal ESI L5-S1 on 2026-03-02" in a.gaps


def test_no_proxies_is_unknown_with_the_gap() -> None:
    """No outcome, no scores, no proxies → UNKNOWN, still asking for the outcome."""
    a = run(proc(), today=90)
    assert a.outcome is Outcome.UNKNOWN and a.basis == "no data"
    assert a.gaps[0].startswith("record the outcome (NRS/ODI) of the transforaminal ESI")


@pytest.mark.parametrize(("recorded", "counts"), [(41, False), (42, True), (-10, False)])
def test_reassertion_must_be_six_weeks_after(recorded: int, counts: bool) -> None:
    """Re-assertion counts from 42 days; a stale entry recorded before the ESI never counts."""
    a = run(proc(), radicular("c", recorded), today=90)
    assert (len(a.proxies) == 1) is counts


def test_problem_list_entry_counts_only_with_a_new_record_date() -> None:
    """A problem-list entry recorded again ≥ 6 weeks later is a re-assertion."""
    a = run(proc(), radicular("c", 60, category="problem-list-item"), today=90)
    assert len(a.proxies) == 1 and "new record date" in a.proxies[0].text


@pytest.mark.parametrize(
    ("other", "counts"),
    [
        (proc("esi2", at=60, level="L5-S1"), True),  # repeat at the same level
        (proc("esi2", at=60, level="L3-L4"), False),  # another level
        (proc("esi2", at=130, level="L5-S1"), False),  # beyond 120 days
        (order("mbb", "64493", 40), True),  # next-line order
        (proc("mbb", "64493", at=40), True),  # next-line procedure
    ],
)
def test_repeat_or_next_line_within_120_days(other: dict[str, Any], counts: bool) -> None:
    """A repeat ESI at the same level or a next-line order/procedure within 120 days is a proxy."""
    a = run(proc(), other, today=200)
    assert (len(a.proxies) == 1) is counts


def test_analgesic_escalation_new_drug_or_higher_dose_only() -> None:
    """A new opioid counts; a continued one does not; a higher daily dose does."""
    assert len(run(proc(), med("o", "7804", 10, "oxycodone"), today=90).proxies) == 1
    assert len(run(proc(), med("o", "7804", 50, "oxycodone"), today=90).proxies) == 0  # after 42 days
    cont = run(proc(), med("o0", "7804", -60, "oxycodone"), med("o1", "7804", 10, "oxycodone"), today=90)
    assert cont.proxies == ()
    low, high = med("o0", "7804", -60, "oxycodone"), med("o1", "7804", 10, "oxycodone")
    for raw, mg in ((low, 5), (high, 10)):
        raw["dosageInstruction"] = [
            {
                "timing": {"repeat": {"frequency": 4, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg", "code": "mg"}}],
            }
        ]
    assert len(run(proc(), low, high, today=90).proxies) == 1


def test_switching_to_another_drug_of_the_class_is_escalation() -> None:
    """Tramadol before the ESI, oxycodone added 3 weeks after: an opioid escalation."""
    a = run(proc(), med("t", "10689", -60, "tramadol"), med("o", "7804", 21, "oxycodone"), today=90)
    assert [f.ref for f in a.proxies] == ["MedicationRequest/o"]
    assert "oxycodone added on" in a.proxies[0].text


@pytest.mark.parametrize(("after", "counts"), [(35, True), (28, False), (30, False)])
def test_odi_improvement_below_the_minimal_important_change(after: float, counts: bool) -> None:
    """ODI 40 → 35 at 8 weeks is < 10 points and < 30 %; 40 → 28 or 30 is a real change."""
    a = run(proc(), odi("o0", -5, 40), odi("o1", 56, after), today=100)
    assert (len(a.proxies) == 1) is counts


@pytest.mark.parametrize(("pct", "counts"), [(30, True), (49, True), (50, False)])
def test_percent_relief_below_half_is_a_proxy(pct: float, counts: bool) -> None:
    """A recorded "% relief" under 50 % after an ESI is a proxy, not a number to divide."""
    a = run(proc(), relief("r", 20, pct, part_of="Procedure/esi"), today=90)
    assert (len(a.proxies) == 1) is counts


@pytest.mark.parametrize(
    ("note", "counts"),
    [
        ("Follow-up call: 20% relief, pain back", True),
        ("Reports relief of about 40 %", True),
        ("80% pain relief at 3 weeks", False),
        ("Procedure uneventful", False),
    ],
)
def test_percent_relief_written_in_the_procedure_note(note: str, counts: bool) -> None:
    """A note on the ESI saying under 50 % relief is the same proxy as a recorded observation."""
    a = run(proc(note=[{"text": note}]), today=90)
    assert (len(a.proxies) == 1) is counts
    if counts:
        assert a.proxies[0].ref == "Procedure/esi"


# ---------------------------------------------------------------------------------------------
# site overrides, status, whole-history helpers
# ---------------------------------------------------------------------------------------------


def test_site_thresholds_change_the_classification(tmp_path: Path) -> None:
    """A site policy (60 % responder, ESI window from day 7) changes results without code changes."""
    policy = tmp_path / "site.json"
    policy.write_text(json.dumps({"responder_relief_pct": 60, "esi_window_start_days": 7}))
    th = load_thresholds(policy)
    assert run(proc(), pain("b", -3, 8), pain("f", 28, 4), today=50, th=th).outcome is Outcome.PARTIAL
    assert run(proc(), pain("b", -3, 8), pain("f", 8, 7), today=10, th=th).outcome is Outcome.FAILED
    assert run(proc(), pain("b", -3, 8), pain("f", 8, 7), today=10).outcome is Outcome.PENDING


def test_a_procedure_that_was_not_completed_is_not_judged() -> None:
    """A stopped or not-done injection is UNKNOWN ("not completed"), never a failure."""
    raw = proc()
    raw["status"] = "stopped"
    a = run(raw, pain("b", -3, 8), pain("f", 28, 8), today=50)
    assert (a.outcome, a.basis) == (Outcome.UNKNOWN, "not completed")


def test_assess_all_one_assessment_per_session() -> None:
    """64483 + 64484 the same day are one session; other modalities are assessed too."""
    h = history(
        proc("a", "64483", 0),
        proc("b", "64484", 0),
        proc("c", "64493", 100),
        proc("d", "63030", 150),
        pain("base", -2, 8),
        pain("f", 28, 7),
    )
    got = [
        (a.procedure.ref, a.modality)
        for a in assess_all(h, T0 + timedelta(days=200), DEFAULT_THRESHOLDS, TERM)
    ]
    assert got == [("Procedure/a", Modality.ESI), ("Procedure/c", Modality.DIAGNOSTIC_BLOCK)]


def test_esi_sessions_in_a_rolling_year() -> None:
    """Sessions are counted per day in (end − 365 d, end]; diagnostic blocks are not ESIs."""
    h = history(
        proc("a", "64483", 0),
        proc("a2", "64484", 0),
        proc("b", "62323", 60),
        proc("c", "64483", 120),
        proc("d", "64483", 200),
        proc("e", "64483", 250, reasonCode=[{"text": "diagnostic SNRB"}]),
    )
    sessions = pathway(h, T0 + timedelta(days=300)).esis_in_frequency_window
    assert [p.ref for p in sessions] == ["Procedure/a", "Procedure/b", "Procedure/c", "Procedure/d"]
    assert len(pathway(h, T0 + timedelta(days=365)).esis_in_frequency_window) == 3  # day 0 has left
    assert pathway(h, T0 + timedelta(days=200)).esis_in_frequency_window[-1].ref == "Procedure/d"
    shorter = replace(DEFAULT_THRESHOLDS, esi_frequency_window_days=180)
    late = PathwayContext(
        EvaluationInput("order-sign", T0 + timedelta(days=300), "p", None, None, h, TERM, shorter)
    )
    assert [p.ref for p in late.esis_in_frequency_window] == ["Procedure/d"]  # the window is a threshold


def test_consecutive_non_responding_esis() -> None:
    """Two failed ESIs in a row → a run of 2; a responder in between breaks the run."""
    two = history(
        proc("a", at=0),
        pain("b0", -2, 8),
        pain("f0", 28, 7),
        proc("b", at=100),
        pain("b1", 98, 8),
        pain("f1", 128, 8),
    )
    run_ = pathway(two, T0 + timedelta(days=200)).non_responding_esi_run
    assert [a.procedure.ref for a in run_] == ["Procedure/a", "Procedure/b"]
    broken = history(
        proc("a", at=0),
        pain("b0", -2, 8),
        pain("f0", 28, 7),
        proc("b", at=100),
        pain("b1", 98, 8),
        pain("f1", 128, 2),
        pain("d1", 170, 2),
        proc("c", at=250),
        pain("b2", 248, 8),
        pain("f2", 278, 8),
    )
    run_ = pathway(broken, T0 + timedelta(days=300)).non_responding_esi_run
    assert [a.procedure.ref for a in run_] == ["Procedure/c"]


def test_the_non_response_run_leaves_out_blind_sessions_and_skips_pending_ones() -> None:
    """A blind ESI that failed is not an adequate trial and stays out of the run (F2 recommends an
    image-guided one); an ESI too recent to judge neither joins nor ends it."""
    h = history(
        proc("a", "62322", at=0),
        pain("b0", -2, 8),
        pain("f0", 28, 7),
        proc("b", at=100),
        pain("b1", 98, 8),
        pain("f1", 128, 8),
        proc("c", at=195),
    )
    ctx = pathway(h, T0 + timedelta(days=200))
    assert [(a.procedure.ref, a.outcome) for a in ctx.esi_assessments][-1] == ("Procedure/c", Outcome.PENDING)
    assert [a.procedure.ref for a in ctx.non_responding_esi_run] == ["Procedure/b"]


def test_each_esi_is_judged_on_its_own_scores() -> None:
    """Two ESIs 9 weeks apart, each 8 → 3 then back to 8: both short-lived, so two in a row (F8).

    The second injection's relief must not make the first look durable.
    """
    h = history(
        proc("a", at=0),
        pain("b0", -2, 8),
        pain("f0", 28, 3),
        pain("back0", 62, 8),
        proc("b", at=63),
        pain("f1", 63 + 28, 3),
        pain("f1b", 63 + 35, 3),
        pain("back1", 63 + 80, 8),
    )
    today = T0 + timedelta(days=63 + 130)
    first = assess(h.procedures[0], Modality.ESI, h, today, DEFAULT_THRESHOLDS, TERM)
    assert first.outcome is Outcome.SHORT_LIVED
    run_ = pathway(h, today).non_responding_esi_run
    assert [(a.procedure.ref, a.outcome) for a in run_] == [
        ("Procedure/a", Outcome.SHORT_LIVED),
        ("Procedure/b", Outcome.SHORT_LIVED),
    ]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("L5-S1", "S1", True),
        ("L4-L5", "L5-S1", True),
        ("L3-L4", "L5-S1", False),
        (None, "L5", None),
        ("L5", "", None),
    ],
)
def test_levels_concordant(a: str | None, b: str | None, expected: bool | None) -> None:
    """Levels are concordant when they share a segment (the same root)."""
    assert levels_concordant(a, b) is expected


def test_sides_concordant() -> None:
    """Left vs right is discordant; bilateral matches either; unknown is None."""
    assert sides_concordant("left", "right") is False
    assert sides_concordant("left", "bilateral") is True
    assert sides_concordant(None, "left") is None


def test_procedure_concordance_with_the_imaging_report() -> None:
    """A right L3-L4 injection against a left L5-S1 extrusion on MRI is discordant (F2/F4)."""
    report = {
        "resourceType": "DiagnosticReport",
        "id": "mri",
        "status": "final",
        "code": {"text": "MRI lumbar"},
        "effectiveDateTime": day(-20),
        "conclusion": "Left L5-S1 extrusion compressing the left S1 nerve root.",
    }
    h = history(proc("x", level="Right L3-L4"), report)
    c = procedure_concordance(h.procedures[0], h, TERM)
    assert c.concordant is False and c.facts[0].ref == "DiagnosticReport/mri"
    h2 = history(proc("x", level="Left L5-S1"), report)
    assert procedure_concordance(h2.procedures[0], h2, TERM).concordant is True
    h3 = history(proc("x", level=None), report)
    assert procedure_concordance(h3.procedures[0], h3, TERM).concordant is None


# ---------------------------------------------------------------------------------------------
# ordinary EHR data: other-site imaging, cancelled orders, records not done
# ---------------------------------------------------------------------------------------------


def other_report(rid: str, title: str, conclusion: str, at: int = -10) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": rid,
        "status": "final",
        "code": {"text": title},
        "effectiveDateTime": day(at),
        "conclusion": conclusion,
    }


def test_a_knee_mri_before_an_injection_says_nothing_about_its_level_or_side() -> None:
    """A left knee MRI is the latest report before a right L5-S1 TFESI: not lumbar imaging, so the
    injection is not called discordant by it."""
    knee = other_report("knee", "MRI left knee without contrast", "Left medial meniscus tear.")
    h = history(proc("x", level="Right L5-S1"), knee)
    assert procedure_concordance(h.procedures[0], h, TERM).concordant is None


@pytest.mark.parametrize(
    ("title", "lumbar"),
    [
        ("MRI lumbar spine without contrast", True),
        ("MRI", True),  # a title that names no site is kept
        ("CT lumbar spine and pelvis", True),
        ("MRI left knee", False),
        ("CT chest with contrast", False),
        ("Chest radiograph, 2 views", False),
        ("MRI cervical spine", False),
        ("CT head without contrast", False),
    ],
)
def test_which_reports_are_lumbar_imaging(title: str, lumbar: bool) -> None:
    h = history(other_report("r", title, "Unremarkable."))
    inp = EvaluationInput(
        hook="patient-view",
        today=T0,
        patient_id="p",
        user_id=None,
        encounter_id=None,
        history=h,
        terminology=TERM,
    )
    ctx = PathwayContext(inp)
    assert bool(ctx.imaging) is lumbar


def test_a_cancelled_opioid_order_is_no_analgesic_escalation() -> None:
    cancelled = dict(med("o", "7804", 20, "oxycodone"), status="cancelled")
    assert run(proc(), cancelled, today=90).proxies == ()
    assert len(run(proc(), med("o", "7804", 20, "oxycodone"), today=90).proxies) == 1


def test_a_generator_not_done_does_not_make_the_trial_leads_a_permanent_implant() -> None:
    h = history(proc("trial", "63650", 0), dict(proc("ipg", "63685", 1), status="not-done"))
    by = {p.ref: p for p in h.procedures}
    assert classify_modality(by["Procedure/trial"], TERM, h) is Modality.SCS_TRIAL
