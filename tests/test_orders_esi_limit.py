"""``order.esi-repeat`` on the yearly session limit alone, after injections that worked.

The Medicare ESI LCD allows at most 4 lumbar ESI sessions per region in a rolling 12 months; the
order check fires on the fifth. When the limit alone decides it and the injections helped (the
predicate of the patient-view F8 limit card, ``esi_outcome.response_at_limit``), the card says the
limit is reached and the date a further session falls within it (``esi_outcome.next_session_date``),
holds the order until then and recommends a surgical opinion for radicular pain that keeps recurring
and needing injections (NASS 2014): never "without benefit", "re-evaluate" or EMG/NCS. The limit with
failed injections, and two consecutive failures within the limit, keep the "without benefit" card.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from hooks import suggestions as sx
from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.facts import ServiceRequestFact
from hooks.orders import evaluate_orders
from hooks.pathway import evaluate_pathway
from hooks.pathway.rules.esi_outcome import F8_LIMIT_TITLE
from hooks.terminology import Coding
from hooks.thresholds import DEFAULT_THRESHOLDS as T
from tests.orders_builders import (
    RADICULOPATHY,
    SUCCESSFUL,
    TERM,
    UNSUCCESSFUL,
    ago,
    cond,
    history,
    inp,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
REPEAT = "order.esi-repeat"
OLD_TITLE = "Repeat epidural injection without benefit"

RAD = cond("rad", RADICULOPATHY, 400)
MRI = proc("mri", "72148", 380, "MRI lumbar spine without contrast")  # the level the injections aim at
TFESI = sr("esi-new", "64483", "Transforaminal epidural injection L5-S1")
DAYS = (330, 250, 170, 90)  # four sessions in the last 12 months
# the oldest session leaves the 12-month window on its anniversary: a fifth falls within the limit then
UNTIL = (ago(DAYS[0]) + timedelta(days=T.esi_frequency_window_days)).isoformat()


def esi(i: int, days_ago: int, outcome: Coding | None) -> Any:
    return proc(f"e{i}", "64483", days_ago, "TFESI L5-S1", outcome=outcome, level="L5-S1")


RESPONDERS = [esi(i, d, SUCCESSFUL) for i, d in enumerate(DAYS)]
# the limit reached and the last two injections failed: the non-response run
LAST_TWO_FAILED = [esi(i, d, SUCCESSFUL if i < 2 else UNSUCCESSFUL) for i, d in enumerate(DAYS)]


def run(hook: str, orders: list[dict[str, Any]], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(RAD, MRI, *facts)))


def one(cards: list[CardDraft]) -> CardDraft:
    assert [c.rule_id for c in cards] == [REPEAT]
    return cards[0]


def words(c: CardDraft) -> str:
    labels = [s.label for s in c.suggestions]
    actions = [a.description for s in c.suggestions for a in s.actions]
    return "\n".join([c.title, c.summary, render_detail(c), render_full(c), *labels, *actions]).lower()


def created_codes(c: CardDraft) -> set[str]:
    return {
        coding["code"]
        for s in c.suggestions
        for a in s.actions
        if a.type == "create" and a.resource
        for coding in a.resource.get("code", {}).get("coding", [])
    }


def spec_codes(spec: sx.OrderSpec) -> set[str]:
    return {m.code for m in TERM[spec.value_set].members}


def assert_limit_card(c: CardDraft, until: str, sessions: int = 5) -> None:
    assert c.indicator == "warning"
    assert c.title == F8_LIMIT_TITLE
    assert c.summary.startswith(
        f"Lumbar ESI session {sessions} in 12 months: limit of {T.esi_max_sessions_per_year} reached; "
        f"hold this ESI until {until}"
    )
    assert len(c.summary) < 140
    text = words(c)
    for wrong in ("without benefit", "re-evaluat", "emg", "nerve conduction", "seed", "decision model"):
        assert wrong not in text, wrong
    assert not created_codes(c) & spec_codes(sx.EMG_NCS)
    assert c.next_steps[0].startswith(f"Hold this epidural steroid injection until {until}: ")
    assert "Medicare ESI LCD" in c.next_steps[0]
    assert f"Another epidural steroid injection before {until}." in c.avoid
    assert [g.key for g in c.evidence] == ["nass_ldh", "cms_esi_lcd"]
    detail = render_detail(c)
    assert ADVISORY in detail and len(detail) <= DETAIL_MAX


# --------------------------------------------------------------------------- the limit after responses
@pytest.mark.parametrize("hook", HOOKS)
def test_fifth_session_after_four_responders_says_the_limit_and_the_date(hook: str) -> None:
    """The reproduction: four responses confirm the diagnosis; the limit, not a failure, stops the fifth."""
    c = one(run(hook, [TFESI], *RESPONDERS))
    assert_limit_card(c, UNTIL)
    assert c.subject_key == "ServiceRequest/esi-new"
    assert "surgical opinion for recurring radicular pain" in c.summary
    assert any("Surgical opinion" in s and "keeps recurring" in s and "NASS 2014" in s for s in c.next_steps)
    # the limit and "each helped" first, then the latest response, then the other sessions
    assert "the limit is 4 sessions per region" in c.why[1].text and "each helped" in c.why[1].text
    assert c.why[2].ref == "Procedure/e3" and "successful" in c.why[2].text
    assert {f"Procedure/e{i}" for i in range(4)} <= {f.ref for f in c.why}
    # hold the order: cancel it and refer to a spine surgeon (recommended), or cancel it alone
    assert [(s.label, s.is_recommended, [a.type for a in s.actions]) for s in c.suggestions] == [
        ("Cancel the ESI and refer to a spine surgeon", True, ["delete", "create"]),
        (f"Cancel the ESI; no ESI before {UNTIL}", False, ["delete"]),
    ]
    assert all(s.actions[0].resource_id == "ServiceRequest/esi-new" for s in c.suggestions)
    assert created_codes(c) and created_codes(c) <= spec_codes(sx.SPINE_SURGERY_REFERRAL)


def test_the_order_card_and_the_patient_view_card_give_the_same_date() -> None:
    """The same record on patient-view: F8 says the limit with the same date; the order card agrees."""
    (f8,) = evaluate_pathway(inp("patient-view", [], history(RAD, MRI, *RESPONDERS)))
    assert (f8.rule_id, f8.title) == ("F8", F8_LIMIT_TITLE)
    assert f"no ESI before {UNTIL}" in f8.summary
    assert one(run("order-sign", [TFESI], *RESPONDERS)).title == f8.title


def test_a_last_session_too_recent_to_judge_after_responses_is_the_limit_card() -> None:
    """A fifth session 5 days ago (not judged yet) after four responses, a sixth ordered: the limit,
    with the date the second session leaves the window (five on record, four must remain)."""
    recent = proc("e4", "64483", 5, "TFESI L5-S1", level="L5-S1")
    c = one(run("order-sign", [TFESI], *RESPONDERS, recent))
    until = (ago(DAYS[1]) + timedelta(days=T.esi_frequency_window_days)).isoformat()
    assert_limit_card(c, until, sessions=6)
    assert "each helped" not in c.why[1].text  # the fifth cannot be judged yet
    assert c.why[2].ref == "Procedure/e3"  # the latest judged response


def test_one_session_ordered_as_two_service_requests_draws_one_limit_card() -> None:
    orders = [sr("l", "64483", "TFESI L5-S1 left"), sr("r", "64483", "TFESI L5-S1 right")]
    c = one(run("order-sign", orders, *RESPONDERS))
    assert_limit_card(c, UNTIL)
    for s in c.suggestions:
        assert [a.resource_id for a in s.actions if a.type == "delete"] == [
            "ServiceRequest/l",
            "ServiceRequest/r",
        ]


def test_a_surgeons_no_target_note_replaces_the_surgical_opinion() -> None:
    seen = cond("lbp", "M54.50", 200, "Low back pain", notes=("Seen by spine surgery: no surgical target.",))
    c = one(run("order-sign", [TFESI], *RESPONDERS, seen))
    assert_limit_card(c, UNTIL)
    assert c.summary.endswith("continue active care")
    assert "Condition/lbp" in {f.ref for f in c.why}
    assert any("no surgical referral is needed again" in s for s in c.next_steps)
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        (f"Cancel the ESI; no ESI before {UNTIL}", True)
    ]
    assert not created_codes(c)


def test_already_referred_to_a_spine_surgeon_the_plain_cancellation_is_recommended() -> None:
    referral = ServiceRequestFact(
        ref="ServiceRequest/ref-1", codings=(TERM.first(sx.SPINE_SURGERY_REFERRAL.value_set).coding(),),
        text="Referral to spine surgery", status="active", intent="order", authored=ago(20),
    )  # fmt: skip
    hist = replace(history(RAD, MRI, *RESPONDERS), service_requests=(referral,))
    (c,) = evaluate_orders(inp("order-sign", [TFESI], hist))
    assert_limit_card(c, UNTIL)
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Cancel the ESI and refer to a spine surgeon", False),
        (f"Cancel the ESI; no ESI before {UNTIL}", True),
    ]


# --------------------------------------------------------------------------- unchanged: the old card
@pytest.mark.parametrize("hook", HOOKS)
def test_fifth_session_after_two_failures_names_the_limit_on_the_without_benefit_card(hook: str) -> None:
    c = one(run(hook, [TFESI], *LAST_TWO_FAILED))
    assert c.title == OLD_TITLE
    assert c.summary == (
        "Lumbar ESI session 5 in 12 months, over the limit of 4, after 2 non-responding injections: "
        "re-evaluate instead of injecting again"
    )
    assert any("session 5 in 12 months; the limit is 4" in f.text for f in c.why)
    assert created_codes(c) & spec_codes(sx.EMG_NCS)
    assert c.next_steps[0].startswith("Stop repeating the injection; re-evaluate the diagnosis")


def test_guard_fifth_session_after_a_last_failure_keeps_the_without_benefit_card() -> None:
    """The latest judged injection failed: nothing shows the injections still work."""
    sessions = [esi(i, d, SUCCESSFUL if i < 3 else UNSUCCESSFUL) for i, d in enumerate(DAYS)]
    c = one(run("order-sign", [TFESI], *sessions))
    assert c.title == OLD_TITLE
    assert c.summary == "Lumbar ESI session 5 in 12 months: re-evaluate instead of injecting again"


def test_guard_fifth_session_with_no_outcome_recorded_keeps_the_without_benefit_card() -> None:
    sessions = [esi(i, d, None) for i, d in enumerate(DAYS)]
    c = one(run("order-sign", [TFESI], *sessions))
    assert c.title == OLD_TITLE
    assert "re-evaluate" in c.summary


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_two_consecutive_failures_within_the_limit_keep_the_without_benefit_card(hook: str) -> None:
    c = one(run(hook, [TFESI], esi(0, 200, UNSUCCESSFUL), esi(1, 100, UNSUCCESSFUL)))
    assert c.title == OLD_TITLE
    assert c.summary == "Repeat ESI after 2 non-responding injections: re-evaluate instead of injecting again"
    assert created_codes(c) & spec_codes(sx.EMG_NCS)


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_the_fourth_session_after_responders_draws_no_limit_card(hook: str) -> None:
    """Within the limit no limit card. The last injection, 12 weeks ago, is recorded successful with
    no score since: F1 holds a repeat until its relief is known to last, and so does the order check
    (it passed this repeat before)."""
    cards = run(hook, [TFESI], *RESPONDERS[1:])
    assert [c.rule_id for c in cards] == ["order.esi-before-judged"]
    assert "has helped so far: judge whether the relief lasts, now (by" in cards[0].summary
