"""The governance report command, through the real ``radicular-cds`` entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.cli import main
from cds_service.records import InvocationRecord, IssuedCard
from cds_service.store import FeedbackItem, Store
from hooks.override_reasons import OVERRIDE_SYSTEM

DAY = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
SVC = "radicular-pathway"


def seed(store: Store) -> None:
    def call(at: datetime, patient: str, *cards: tuple[str, str, str]) -> None:
        store.record_invocation(
            InvocationRecord(
                at=at,
                service_id=SVC,
                hook="patient-view",
                hook_instance=f"h-{patient}-{at:%j}",
                patient_id=patient,
                user_id=None,
                status=200,
                latency_ms=5.0,
                cards=tuple(IssuedCard(uuid=u, rule_id=r, indicator=i) for u, r, i in cards),
            )
        )

    call(DAY, "p1", ("a1", "pathway.esi-failed", "warning"), ("f1", "pathway.red-flag", "critical"))
    call(DAY + timedelta(days=1), "p2", ("a2", "pathway.esi-failed", "warning"))
    call(DAY + timedelta(days=2), "p3", ("a3", "pathway.esi-failed", "warning"))
    call(DAY + timedelta(days=3), "p4", ("a4", "pathway.esi-failed", "warning"))
    call(DAY + timedelta(days=60), "p5", ("late", "pathway.esi-failed", "warning"))  # after the period

    def over(card: str, code: str | None) -> FeedbackItem:
        return FeedbackItem(
            card=card,
            outcome="overridden",
            outcome_at=DAY + timedelta(days=4),
            reason_system=OVERRIDE_SYSTEM if code else None,
            reason_code=code,
        )

    store.record_feedback(
        SVC,
        [
            over("a1", "snooze-3m"),
            over("a2", "patient-declines"),
            over("a3", "snooze-3m"),
            FeedbackItem(card="a4", outcome="accepted", outcome_at=DAY, accepted_suggestions=("s",)),
            over("f1", None),
            over("ghost", "not-applicable"),
            over("late", "patient-declines"),
        ],
        DAY + timedelta(days=4),
    )


@pytest.fixture(name="seeded")
def seeded_fixture(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    store = Store.from_url(db_url, migrate=False)
    seed(store)
    store.close()
    monkeypatch.setenv("CDS_DATABASE_URL", db_url)
    return db_url


def test_report_as_json(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """It counts, per rule, the cards issued in the period, accepted, overridden, and why."""
    assert main(["report", "--from", "2026-02-01", "--to", "2026-02-28", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "from": "2026-02-01",
        "to": "2026-02-28",
        "rules": [
            {
                "service": SVC,
                "rule": "pathway.esi-failed",
                "issued": 4,
                "accepted": 1,
                "overridden": 3,
                "noFeedback": 0,
                "overrideRate": 0.75,
                "overrideRateDenominator": "cardsWithFeedback",
                "overrideReasons": [
                    {
                        "system": OVERRIDE_SYSTEM,
                        "code": "snooze-3m",
                        "display": "Snooze for 3 months",
                        "count": 2,
                        "snoozeApplied": True,
                        "note": None,
                    },
                    {
                        "system": OVERRIDE_SYSTEM,
                        "code": "patient-declines",
                        "display": "Patient declines",
                        "count": 1,
                        "snoozeApplied": None,
                        "note": None,
                    },
                ],
            },
            {
                "service": SVC,
                "rule": "pathway.red-flag",
                "issued": 1,
                "accepted": 0,
                "overridden": 1,
                "noFeedback": 0,
                "overrideRate": 1.0,
                "overrideRateDenominator": "cardsWithFeedback",
                "overrideReasons": [
                    {
                        "system": None,
                        "code": None,
                        "display": "(no reason given)",
                        "count": 1,
                        "snoozeApplied": None,
                        "note": None,
                    }
                ],
            },
        ],
        "unmatchedFeedback": 1,
    }


def test_report_as_a_table(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """It prints a table a committee can read, reasons under their rule."""
    assert main(["report", "--from", "2026-02-01", "--to", "2026-03-31"]) == 0
    assert capsys.readouterr().out == (
        "Cards issued 2026-02-01 to 2026-03-31 (UTC), with the feedback on them\n"
        "\n"
        "Each card is counted once, by its latest feedback (by outcome time): accepted, overridden,\n"
        "or no feedback (the EHR sent none). Override rate = overridden ÷ cards with feedback\n"
        '(accepted + overridden); "-" when no card of the rule had feedback. Reasons are those of\n'
        'each overridden card\'s latest override; a snooze the service refused is marked "not applied".\n'
        "\n"
        "service / rule                          issued  accepted  overridden  no feedback  override rate\n"
        "radicular-pathway / pathway.esi-failed       4         1           3            0          75.0%\n"
        "                                          override reason: Snooze for 3 months — 2\n"
        "                                          override reason: Patient declines — 1\n"
        "radicular-pathway / pathway.red-flag         1         0           1            0         100.0%\n"
        "                                          override reason: (no reason given) — 1\n"
        "\n"
        "Feedback received in the period for cards never issued: 1\n"
    )


def test_the_last_day_is_included(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """It counts a card issued on the --to day, and none issued before --from."""
    assert main(["report", "--from", "2026-02-11", "--to", "2026-02-11", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert [(r["rule"], r["issued"]) for r in rules] == [("pathway.esi-failed", 1)]


def test_an_empty_period(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """It says so when no card was issued in the period."""
    assert main(["report", "--from", "2025-01-01", "--to", "2025-01-31"]) == 0
    assert "No cards were issued in this period." in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--from", "2026-02-31", "--to", "2026-03-01"],
        ["report", "--from", "2026-02-01"],
        ["report", "--from", "2026-03-01", "--to", "2026-02-01"],
    ],
    ids=["bad date", "missing --to", "reversed"],
)
def test_bad_arguments(seeded: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """It refuses an impossible date, a missing bound or a reversed range with exit status 2."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        status = int(exc.code or 0)
    assert status == 2
    assert capsys.readouterr().out == ""
