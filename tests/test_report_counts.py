"""The governance report counts each card once, by its latest feedback, on SQLite and PostgreSQL.

Feedback arrives as an EHR sends it (``parse_body`` on CDS Hooks 2.0 JSON), so what is counted is
what the feedback endpoint stores: an override later accepted, an override sent twice, a snooze a
critical card refused, a reason coded in the EHR's own system with its own display.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
    store_fixture,
)

from cds_service.cli import main
from cds_service.feedback import parse_body
from cds_service.records import InvocationRecord, IssuedCard
from cds_service.settings import Settings
from cds_service.store import RuleReport, Store
from hooks.override_reasons import OVERRIDE_SYSTEM

DAY = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
SVC = "radicular-pathway"
EHR = "http://ehr.example.org/reasons"


def issue(store: Store, *cards: tuple[str, str, str], patient: str = "p1", at: datetime = DAY) -> None:
    store.record_invocation(
        InvocationRecord(
            at=at,
            service_id=SVC,
            hook="patient-view",
            hook_instance=f"h-{cards[0][0]}",
            patient_id=patient,
            user_id=None,
            status=200,
            latency_ms=5.0,
            cards=tuple(
                IssuedCard(uuid=u, rule_id=r, indicator=i, suggestion_uuids=(f"s-{u}",)) for u, r, i in cards
            ),
        )
    )


def overridden(
    card: str, at: str, code: str | None = None, system: str = OVERRIDE_SYSTEM, **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {"card": card, "outcome": "overridden", "outcomeTimestamp": at}
    if code is not None:
        item["overrideReason"] = {"reason": {"system": system, "code": code, **extra}}
    return item


def accepted(card: str, at: str) -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "outcomeTimestamp": at,
        "acceptedSuggestions": [{"id": f"s-{card}"}],
    }


def send(store: Store, *items: dict[str, Any], received: datetime = DAY + timedelta(hours=8)) -> None:
    store.record_feedback(SVC, parse_body({"feedback": list(items)}), received)


def rules(store: Store) -> dict[str, RuleReport]:
    rep = store.governance_report(DAY.replace(hour=0), DAY.replace(hour=0) + timedelta(days=1))
    return {r.rule_id: r for r in rep.rules}


def reasons(rule: RuleReport) -> list[tuple[str, int]]:
    """(display, count) of each reason: the shape the report had before it noted refused snoozes."""
    return [(r.display, r.count) for r in rule.reasons]


# ---- defect 6: one card, one outcome -------------------------------------------------------------


def test_a_card_overridden_then_accepted_counts_once_as_accepted(store: Store) -> None:
    """The reviewer's R1b: overridden at 06:00Z (sent as 11:00+05:00), accepted at 12:00Z."""
    issue(store, ("r1a", "R1", "critical"), ("r1b", "R1", "critical"))
    send(store, overridden("r1a", "2026-12-06T10:00:00Z", "patient-declines"))
    send(
        store,
        overridden("r1b", "2026-12-06T11:00:00+05:00", "pt-refused", EHR),
        accepted("r1b", "2026-12-06T12:00:00Z"),
    )
    r1 = rules(store)["R1"]
    assert (r1.issued, r1.accepted, r1.overridden, r1.no_feedback) == (2, 1, 1, 0)
    assert r1.override_rate == pytest.approx(0.5)
    assert reasons(r1) == [("Patient declines", 1)]


def test_the_latest_is_by_outcome_time_not_by_arrival(store: Store) -> None:
    """An override decided before the acceptance but received after it does not undo it."""
    issue(store, ("c1", "F3", "warning"))
    send(store, accepted("c1", "2026-12-06T12:00:00Z"), received=DAY + timedelta(hours=5))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "not-applicable"), received=DAY + timedelta(hours=9))
    f3 = rules(store)["F3"]
    assert (f3.accepted, f3.overridden, f3.no_feedback, f3.reasons) == (1, 0, 0, ())


def test_a_card_accepted_then_overridden_counts_as_overridden(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    send(
        store,
        accepted("c1", "2026-12-06T09:00:00Z"),
        overridden("c1", "2026-12-06T09:30:00Z", "already-addressed"),
    )
    f3 = rules(store)["F3"]
    assert (f3.accepted, f3.overridden) == (0, 1)
    assert reasons(f3) == [("Already addressed elsewhere", 1)]


def test_a_card_overridden_twice_gives_the_reason_of_its_latest_override(store: Store) -> None:
    """The reviewer's S1: two overrides of one card are one overridden card with one reason."""
    issue(store, ("s1", "S1", "warning"))
    send(
        store,
        overridden("s1", "2026-12-06T10:00:00Z", "already-addressed"),
        overridden("s1", "2026-12-06T10:30:00Z", "specialist-decision"),
    )
    s1 = rules(store)["S1"]
    assert (s1.issued, s1.accepted, s1.overridden) == (1, 0, 1)
    assert reasons(s1) == [("Specialist has reviewed and decided otherwise", 1)]
    assert sum(r.count for r in s1.reasons) == s1.overridden


def test_cards_without_feedback_are_counted_and_left_out_of_the_rate(store: Store) -> None:
    issue(
        store, ("a", "F3", "warning"), ("b", "F3", "warning"), ("c", "F3", "warning"), ("d", "F3", "warning")
    )
    send(
        store,
        accepted("a", "2026-12-06T09:00:00Z"),
        overridden("b", "2026-12-06T09:00:00Z", "not-applicable"),
    )
    f3 = rules(store)["F3"]
    assert (f3.issued, f3.accepted, f3.overridden, f3.no_feedback) == (4, 1, 1, 2)
    assert f3.override_rate == pytest.approx(0.5)  # 1 of the 2 cards with feedback, not 1 of 4 issued


def test_a_rule_with_no_feedback_has_no_override_rate(store: Store) -> None:
    """The reviewer's Y1: issued, no feedback at all — unknown, not "never overridden"."""
    issue(store, ("y1", "Y1", "warning"))
    y1 = rules(store)["Y1"]
    assert (y1.issued, y1.accepted, y1.overridden, y1.no_feedback) == (1, 0, 0, 1)
    assert y1.override_rate is None


# ---- defect 7: a refused snooze is not reported as if it took effect ------------------------------


def test_a_snooze_refused_on_a_critical_card_is_marked_not_applied(store: Store) -> None:
    issue(store, ("r1", "R1", "critical"))
    send(store, overridden("r1", "2026-12-06T09:00:00Z", "snooze-6m"))
    assert store.active_snoozes(SVC, "p1", DAY + timedelta(days=1)) == frozenset()  # refused, as before
    (reason,) = rules(store)["R1"].reasons
    assert (reason.code, reason.display, reason.snooze_applied, reason.note) == (
        "snooze-6m",
        "Snooze for 6 months",
        False,
        "not applied: critical card",
    )


# ---- defect 8: the EHR's own wording -------------------------------------------------------------


def test_a_foreign_reason_shows_the_display_the_ehr_sent(store: Store) -> None:
    issue(store, ("y1", "Y1", "warning"))
    send(store, overridden("y1", "2026-12-06T09:00:00Z", "PR", EHR, display="Patient refused"))
    assert reasons(rules(store)["Y1"]) == [("Patient refused (PR, http://ehr.example.org/reasons)", 1)]


# ---- the command, as a committee reads it --------------------------------------------------------


def seed_reviewer_day(store: Store) -> None:
    """The reviewer's run, in small: R1 overridden then accepted, a refused snooze, S1 twice, Y1
    overridden with the EHR's coding, P1 with no feedback, F3 overridden with a snooze that held."""
    issue(store, ("r1a", "R1", "critical"), ("r1b", "R1", "critical"), ("r1c", "R1", "critical"))
    issue(store, ("s1", "S1", "warning"), patient="p2")
    issue(store, ("y1", "Y1", "warning"), patient="p3")
    issue(store, ("p1", "P1", "info"), patient="p4")
    issue(store, ("f3", "F3", "warning"), patient="p5")
    send(
        store,
        overridden("r1a", "2026-12-06T11:00:00+05:00", "PR", EHR, display="Patient refused"),
        accepted("r1a", "2026-12-06T12:00:00Z"),
        overridden("r1b", "2026-12-06T09:00:00Z", "snooze-6m"),
        overridden("s1", "2026-12-06T10:00:00Z", "already-addressed"),
        overridden("s1", "2026-12-06T10:30:00Z", "specialist-decision"),
        overridden("y1", "2026-12-06T09:00:00Z", "PR", EHR, display="Patient refused"),
        overridden("f3", "2026-12-06T09:00:00Z", "snooze-3m"),
        overridden("ghost", "2026-12-06T09:00:00Z", "not-applicable"),
    )


@pytest.fixture(name="reviewer_day")
def reviewer_day_fixture(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    store = Store.from_url(db_url, migrate=False)
    try:
        seed_reviewer_day(store)
    finally:
        store.close()
    monkeypatch.setenv("CDS_DATABASE_URL", db_url)
    return db_url


def test_the_table_counts_each_card_once_and_states_the_denominator(
    reviewer_day: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--from", "2026-12-06", "--to", "2026-12-06"]) == 0
    out = capsys.readouterr().out
    assert "Override rate = overridden ÷ cards with feedback" in out
    assert "service / rule          issued  accepted  overridden  no feedback  override rate\n" in out
    assert (
        "radicular-pathway / F3       1         0           1            0         100.0%\n"
        "                          override reason: Snooze for 3 months — 1\n"
        "radicular-pathway / P1       1         0           0            1              -\n"
        "radicular-pathway / R1       3         1           1            1          50.0%\n"
        "                          override reason: Snooze for 6 months (not applied: critical card) — 1\n"
        "radicular-pathway / S1       1         0           1            0         100.0%\n"
        "                          override reason: Specialist has reviewed and decided otherwise — 1\n"
        "radicular-pathway / Y1       1         0           1            0         100.0%\n"
        "                          override reason: Patient refused (PR, http://ehr.example.org/reasons)"
        " — 1\n"
    ) in out
    assert " 0.0%" not in out  # a rule without feedback is "-", never read as "never overridden"


def test_the_json_has_the_no_feedback_count_and_no_rate_without_feedback(
    reviewer_day: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--from", "2026-12-06", "--to", "2026-12-06", "--json"]) == 0
    rules_ = {r["rule"]: r for r in json.loads(capsys.readouterr().out)["rules"]}
    assert {
        k: rules_["P1"][k] for k in ("issued", "accepted", "overridden", "noFeedback", "overrideRate")
    } == {
        "issued": 1,
        "accepted": 0,
        "overridden": 0,
        "noFeedback": 1,
        "overrideRate": None,
    }
    assert rules_["R1"]["overrideRateDenominator"] == "cardsWithFeedback"
    assert (rules_["R1"]["accepted"], rules_["R1"]["overridden"], rules_["R1"]["overrideRate"]) == (1, 1, 0.5)
    assert rules_["R1"]["overrideReasons"] == [
        {
            "system": OVERRIDE_SYSTEM,
            "code": "snooze-6m",
            "display": "Snooze for 6 months",
            "count": 1,
            "snoozeApplied": False,
            "note": "not applied: critical card",
        }
    ]


# ---- guards: what must not change ------------------------------------------------------------------


def test_guard_the_products_own_codes_keep_the_products_wording(store: Store) -> None:
    """An EHR may send its own display for one of our codes; the report names our reason."""
    issue(store, ("c1", "F3", "warning"))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "patient-declines", display="Pt said no"))
    assert reasons(rules(store)["F3"]) == [("Patient declines", 1)]


def test_guard_a_foreign_reason_without_display_shows_code_and_system(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "pt-refused", EHR))
    assert reasons(rules(store)["F3"]) == [("pt-refused (http://ehr.example.org/reasons)", 1)]


def test_guard_an_override_without_a_reason(store: Store) -> None:
    issue(store, ("e1", "E1", "warning"))
    send(store, overridden("e1", "2026-12-06T09:00:00Z"))
    e1 = rules(store)["E1"]
    assert (e1.overridden, reasons(e1)) == (1, [("(no reason given)", 1)])


def test_guard_a_snooze_that_took_effect_is_listed_plainly(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "snooze-3m"))
    assert store.active_snoozes(SVC, "p1", DAY + timedelta(days=1)) == {"F3"}
    assert reasons(rules(store)["F3"]) == [("Snooze for 3 months", 1)]


def test_a_snooze_that_took_effect_is_marked_applied(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "snooze-3m"))
    (reason,) = rules(store)["F3"].reasons
    assert (reason.display, reason.snooze_applied, reason.note) == ("Snooze for 3 months", True, None)


def test_reasons_that_are_not_snoozes_carry_no_snooze_flag(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    send(store, overridden("c1", "2026-12-06T09:00:00Z", "not-applicable"))
    (reason,) = rules(store)["F3"].reasons
    assert (reason.snooze_applied, reason.note) == (None, None)


def test_guard_distinct_cards_with_the_same_reason_are_summed(store: Store) -> None:
    issue(store, ("a", "F3", "warning"), ("b", "F3", "warning"), ("c", "F3", "warning"))
    send(
        store,
        overridden("a", "2026-12-06T09:00:00Z", "not-applicable"),
        overridden("b", "2026-12-06T09:00:00Z", "not-applicable"),
        overridden("c", "2026-12-06T09:00:00Z", "patient-declines"),
    )
    f3 = rules(store)["F3"]
    assert (f3.overridden, reasons(f3)) == (
        3,
        [("Not applicable to this patient", 2), ("Patient declines", 1)],
    )


def test_guard_a_resent_item_is_stored_once_and_counted_once(store: Store) -> None:
    issue(store, ("c1", "F3", "warning"))
    item = overridden("c1", "2026-12-06T09:00:00Z", "not-applicable")
    send(store, item)
    send(store, item)
    f3 = rules(store)["F3"]
    assert (f3.overridden, reasons(f3)) == (1, [("Not applicable to this patient", 1)])


def test_guard_the_period_is_by_issue_time_and_unknown_cards_are_apart(store: Store) -> None:
    issue(store, ("in", "F3", "warning"))
    issue(store, ("late", "F3", "warning"), patient="p2", at=DAY + timedelta(days=1))
    send(
        store,
        overridden("in", "2026-12-06T09:00:00Z", "not-applicable"),
        overridden("late", "2026-12-07T09:00:00Z", "patient-declines"),
        overridden("ghost", "2026-12-06T09:00:00Z", "patient-declines"),
    )
    rep = store.governance_report(DAY.replace(hour=0), DAY.replace(hour=0) + timedelta(days=1))
    (f3,) = rep.rules
    assert (f3.issued, f3.overridden, reasons(f3)) == (1, 1, [("Not applicable to this patient", 1)])
    assert rep.unmatched_feedback == 1


def test_guard_free_text_comments_stay_stored_by_default_and_out_of_the_report(
    reviewer_day: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """CDS_FEEDBACK_COMMENTS keeps its default (true); the report never prints a comment."""
    assert Settings.from_env({}).feedback_comments is True
    store = Store.from_url(reviewer_day, migrate=False)
    try:
        issue(store, ("x1", "X1", "warning"), patient="p9")
        send(
            store,
            {
                **overridden("x1", "2026-12-06T09:00:00Z"),
                "overrideReason": {"userComment": "John Smith MRN 1"},
            },
        )
    finally:
        store.close()
    assert main(["report", "--from", "2026-12-06", "--to", "2026-12-06"]) == 0
    assert main(["report", "--from", "2026-12-06", "--to", "2026-12-06", "--json"]) == 0
    assert "John Smith" not in capsys.readouterr().out
