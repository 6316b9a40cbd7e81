"""The feedback endpoint: validated per CDS Hooks 2.0, idempotent, 200 only once committed."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.errors import BadRequest, CdsError, InternalError
from cds_service.feedback import make_feedback_blueprint, parse_body, parse_rfc3339
from cds_service.records import InvocationRecord, IssuedCard
from cds_service.store import Store
from cds_service.store import models as m
from hooks.override_reasons import OVERRIDE_SYSTEM

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "cds-hooks" / "examples"
SANDBOX_FEEDBACK = EXAMPLES / "observed-sandbox" / "observed-sandbox-feedback-request.json"
SVC = "radicular-pathway"
URL = f"/cds-services/{SVC}/feedback"
RECEIVED = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def make_app(store: Store) -> Flask:
    app = Flask("feedback-test")
    app.register_blueprint(make_feedback_blueprint(store, clock=lambda: RECEIVED))

    @app.errorhandler(CdsError)
    def _cds(err: CdsError) -> tuple[Response, int]:
        return jsonify(err.outcome()), err.status

    @app.errorhandler(Exception)
    def _other(exc: Exception) -> tuple[Response, int]:
        err = InternalError("Internal error")
        return jsonify(err.outcome()), err.status

    return app


@pytest.fixture(name="store")
def store_fixture(db_url: str) -> Iterator[Store]:
    s = Store.from_url(db_url, migrate=False)  # db_url is migrated already
    yield s
    s.close()


@pytest.fixture(name="client")
def client_fixture(store: Store) -> Any:
    return make_app(store).test_client()


def issue(
    store: Store, uuid: str, rule: str = "esi-failed", indicator: str = "warning", sugs: tuple[str, ...] = ()
) -> None:
    store.record_invocation(
        InvocationRecord(
            at=RECEIVED - timedelta(minutes=5),
            service_id=SVC,
            hook="patient-view",
            hook_instance="hook-instance-1",
            patient_id="pat-1",
            user_id="Practitioner/p1",
            status=200,
            latency_ms=10.0,
            cards=(IssuedCard(uuid=uuid, rule_id=rule, indicator=indicator, suggestion_uuids=sugs),),
        )
    )


def rows(store: Store) -> list[m.Feedback]:
    with Session(store.engine) as s:
        return list(s.scalars(select(m.Feedback).order_by(m.Feedback.id)))


def post(client: Any, body: Any, url: str = URL) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_sandbox_feedback_is_stored_and_joins_its_card(client: Any, store: Store) -> None:
    """It stores the Sandbox's real feedback body and joins it to the card and rule that was issued."""
    body = json.loads(SANDBOX_FEEDBACK.read_text())
    issue(store, "4e0a3a1e-3283-4575-ab82-028d55fe2719", sugs=("e56e1945-20b3-4393-8503-a1a20fd73152",))
    resp = post(client, body)
    assert resp.status_code == 200
    assert resp.get_json() == {"stored": 1, "duplicates": 0, "unknownCards": 0}
    with Session(store.engine) as s:
        joined = s.execute(
            select(
                m.Feedback.outcome,
                m.Feedback.accepted_suggestions,
                m.Feedback.outcome_at,
                m.IssuedCard.rule_id,
            ).join(m.IssuedCard, m.IssuedCard.uuid == m.Feedback.card_uuid)
        ).all()
    assert joined == [
        (
            "accepted",
            ["e56e1945-20b3-4393-8503-a1a20fd73152"],
            datetime(2026, 11, 21, 0, 30, 40, 918000, tzinfo=UTC),
            "esi-failed",
        )
    ]


@pytest.mark.parametrize(
    "name",
    [
        "feedback-accepted.spec-2.0.1.json",
        "feedback-overridden-no-reason.spec-2.0.1.json",
        "feedback-overridden-with-reason.spec-2.0.1.json",
    ],
)
def test_the_spec_examples_are_accepted(client: Any, store: Store, name: str) -> None:
    """It accepts each feedback example printed in the spec (reason Coding without display included)."""
    resp = post(client, example(name))
    assert resp.status_code == 200
    stored = rows(store)
    assert len(stored) == 1
    assert stored[0].card_uuid == example(name)["feedback"][0]["card"]
    assert stored[0].card_known is False  # never issued here: kept, flagged


def test_override_reason_and_comment_are_kept(client: Any, store: Store) -> None:
    """It keeps the coded reason (display optional) and the clinician's comment."""
    issue(store, "c-1")
    resp = post(
        client,
        example("feedback-overridden-with-reason.spec-2.0.1.json")
        | {
            "feedback": [
                {
                    "card": "c-1",
                    "outcome": "overridden",
                    "overrideReason": {
                        "reason": {"system": OVERRIDE_SYSTEM, "code": "patient-declines"},
                        "userComment": "prefers PT",
                    },
                    "outcomeTimestamp": "2026-11-21T00:40:00+01:00",
                }
            ]
        },
    )
    assert resp.status_code == 200
    (row,) = rows(store)
    assert (row.reason_system, row.reason_code, row.reason_display, row.user_comment) == (
        OVERRIDE_SYSTEM,
        "patient-declines",
        None,
        "prefers PT",
    )
    assert row.outcome_at == datetime(2026, 11, 20, 23, 40, tzinfo=UTC) and row.card_known is True


def test_batches_and_duplicates(client: Any, store: Store) -> None:
    """It takes several cards in one POST and stores a repeated entry once, also across POSTs."""
    issue(store, "c-1")
    issue(store, "c-2")
    one = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T00:00:00Z"}
    two = {"card": "c-2", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T00:00:01Z"}
    first = post(client, {"feedback": [one, two, copy.deepcopy(one)]})
    again = post(client, {"feedback": [two]})
    assert first.get_json() == {"stored": 2, "duplicates": 1, "unknownCards": 0}
    assert again.status_code == 200 and again.get_json() == {"stored": 0, "duplicates": 1, "unknownCards": 0}
    assert [r.card_uuid for r in rows(store)] == ["c-1", "c-2"]


def test_snooze_feedback_silences_the_rule(client: Any, store: Store) -> None:
    """It records an override with a snooze reason so the rule is silent for that patient until it ends."""
    issue(store, "c-1", rule="esi-failed")
    resp = post(
        client,
        {
            "feedback": [
                {
                    "card": "c-1",
                    "outcome": "overridden",
                    "overrideReason": {
                        "reason": {
                            "system": OVERRIDE_SYSTEM,
                            "code": "snooze-3m",
                            "display": "Snooze for 3 months",
                        }
                    },
                    "outcomeTimestamp": "2026-11-21T00:50:00Z",
                }
            ]
        },
    )
    assert resp.status_code == 200
    start = datetime(2026, 11, 21, 0, 50, tzinfo=UTC)
    assert store.active_snoozes(SVC, "pat-1", start + timedelta(days=90)) == {"esi-failed"}
    assert store.active_snoozes(SVC, "pat-1", start + timedelta(days=92)) == frozenset()


def test_an_empty_batch_is_fine(client: Any, store: Store) -> None:
    """It answers 200 to an empty feedback array and stores nothing."""
    assert post(client, {"feedback": []}).get_json() == {"stored": 0, "duplicates": 0, "unknownCards": 0}
    assert rows(store) == []


GOOD = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T00:00:00Z"}
ACCEPTED = {
    "card": "c-1",
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": "s-1"}],
    "outcomeTimestamp": "2026-11-21T00:00:00Z",
}

INVALID: dict[str, tuple[Any, str]] = {
    "body not an object": ([], "feedback"),
    "no feedback array": ({"feedback": {}}, "feedback"),
    "entry not an object": ({"feedback": ["c-1"]}, "feedback[0]"),
    "missing card": ({"feedback": [{k: v for k, v in GOOD.items() if k != "card"}]}, "feedback[0].card"),
    "empty card": ({"feedback": [GOOD | {"card": ""}]}, "feedback[0].card"),
    "card not a string": ({"feedback": [GOOD | {"card": 7}]}, "feedback[0].card"),
    "missing outcome": (
        {"feedback": [{k: v for k, v in GOOD.items() if k != "outcome"}]},
        "feedback[0].outcome",
    ),
    "unknown outcome": ({"feedback": [GOOD | {"outcome": "ignored"}]}, "feedback[0].outcome"),
    "outcome in capitals": ({"feedback": [GOOD | {"outcome": "Accepted"}]}, "feedback[0].outcome"),
    "accepted without suggestions": (
        {"feedback": [{k: v for k, v in ACCEPTED.items() if k != "acceptedSuggestions"}]},
        "feedback[0].acceptedSuggestions",
    ),
    "accepted with empty suggestions": (
        {"feedback": [ACCEPTED | {"acceptedSuggestions": []}]},
        "feedback[0].acceptedSuggestions",
    ),
    "suggestion without id": (
        {"feedback": [ACCEPTED | {"acceptedSuggestions": [{"uuid": "s"}]}]},
        "feedback[0].acceptedSuggestions[0].id",
    ),
    "suggestions on an override": (
        {"feedback": [GOOD | {"acceptedSuggestions": [{"id": "s"}]}]},
        "feedback[0].acceptedSuggestions",
    ),
    "override reason on an acceptance": (
        {"feedback": [ACCEPTED | {"overrideReason": {"userComment": "x"}}]},
        "feedback[0].overrideReason",
    ),
    "override reason not an object": (
        {"feedback": [GOOD | {"overrideReason": "declined"}]},
        "feedback[0].overrideReason",
    ),
    "reason not a Coding": (
        {"feedback": [GOOD | {"overrideReason": {"reason": "declined"}}]},
        "feedback[0].overrideReason.reason",
    ),
    "reason without code": (
        {"feedback": [GOOD | {"overrideReason": {"reason": {"system": OVERRIDE_SYSTEM}}}]},
        "feedback[0].overrideReason.reason.code",
    ),
    "reason without system": (
        {"feedback": [GOOD | {"overrideReason": {"reason": {"code": "patient-declines"}}}]},
        "feedback[0].overrideReason.reason.system",
    ),
    "comment not a string": (
        {"feedback": [GOOD | {"overrideReason": {"userComment": 5}}]},
        "feedback[0].overrideReason.userComment",
    ),
    "missing timestamp": (
        {"feedback": [{k: v for k, v in GOOD.items() if k != "outcomeTimestamp"}]},
        "feedback[0].outcomeTimestamp",
    ),
    "date only": ({"feedback": [GOOD | {"outcomeTimestamp": "2026-11-21"}]}, "feedback[0].outcomeTimestamp"),
    "no offset": (
        {"feedback": [GOOD | {"outcomeTimestamp": "2026-11-21T00:30:40"}]},
        "feedback[0].outcomeTimestamp",
    ),
    "impossible date": (
        {"feedback": [GOOD | {"outcomeTimestamp": "2026-02-30T00:00:00Z"}]},
        "feedback[0].outcomeTimestamp",
    ),
    "words": ({"feedback": [GOOD | {"outcomeTimestamp": "yesterday"}]}, "feedback[0].outcomeTimestamp"),
    "second entry bad": ({"feedback": [GOOD, GOOD | {"outcome": "maybe"}]}, "feedback[1].outcome"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_feedback_is_a_400_and_stores_nothing(client: Any, store: Store, case: str) -> None:
    """It answers 400 with an OperationOutcome naming the bad field, and stores none of the batch."""
    body, expression = INVALID[case]
    issue(store, "c-1")
    post(client, {"feedback": [GOOD]})  # already on record: must survive the bad request
    resp = post(client, body)
    assert resp.status_code == 400
    outcome = resp.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "invalid"
    assert outcome["issue"][0]["expression"] == [expression]
    assert [r.card_uuid for r in rows(store)] == ["c-1"]


def test_not_json(client: Any, store: Store) -> None:
    """It answers 400 to a body that is not JSON, and 415 to a body that is not sent as JSON."""
    bad = client.post(URL, data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["resourceType"] == "OperationOutcome"
    form = client.post(URL, data="feedback=1", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415 and form.get_json()["resourceType"] == "OperationOutcome"
    assert rows(store) == []


def test_unknown_service_is_a_404(client: Any, store: Store) -> None:
    """It answers 404 for a service id the registry does not know, and stores nothing."""
    resp = post(client, {"feedback": [GOOD]}, url="/cds-services/no-such-service/feedback")
    assert resp.status_code == 404 and resp.get_json()["issue"][0]["code"] == "not-found"
    assert rows(store) == []


def test_feedback_for_an_unknown_card_is_kept_and_flagged(client: Any, store: Store) -> None:
    """It stores feedback for a card it never issued, flagged, and says so in the response."""
    resp = post(client, {"feedback": [GOOD | {"card": "never-issued"}]})
    assert resp.status_code == 200 and resp.get_json()["unknownCards"] == 1
    (row,) = rows(store)
    assert (row.card_uuid, row.card_known) == ("never-issued", False)


def test_a_200_means_committed(client: Any, store: Store, db_url: str) -> None:
    """It answers 200 only after commit: a separate connection already sees the rows."""
    issue(store, "c-1")
    assert post(client, {"feedback": [GOOD]}).status_code == 200
    other = Store.from_url(db_url)
    try:
        with Session(other.engine) as s:
            assert s.scalars(select(m.Feedback.card_uuid)).all() == ["c-1"]
    finally:
        other.close()


def test_a_failed_write_is_not_a_success(client: Any, store: Store) -> None:
    """It never answers 2xx when the rows could not be written."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE feedback"))
    resp = post(client, {"feedback": [GOOD]})
    assert resp.status_code == 500


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-21T00:30:40.918Z", datetime(2026, 11, 21, 0, 30, 40, 918000, tzinfo=UTC)),
        ("2026-11-21t00:30:40z", datetime(2026, 11, 21, 0, 30, 40, tzinfo=UTC)),
        ("2026-11-21T02:30:40.123456789+02:00", datetime(2026, 11, 21, 0, 30, 40, 123456, tzinfo=UTC)),
        ("2026-11-20T19:30:40-05:00", datetime(2026, 11, 21, 0, 30, 40, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps(value: str, expected: datetime) -> None:
    """It reads RFC 3339 date-times with Z or an offset, any fraction of a second, into UTC."""
    assert parse_rfc3339(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "2026-01-01T24:00:00Z",
        "2026-01-01T10:00:00+25:00",
    ],
)
def test_rfc3339_out_of_range_is_a_value_error(value: str) -> None:
    """It reports an impossible or unrepresentable date-time as invalid input (so a 400, never a 500)."""
    with pytest.raises(ValueError):
        parse_rfc3339(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
entry = st.fixed_dictionaries(
    {},
    optional={
        "card": st.sampled_from(["c-1", ""]) | json_values,
        "outcome": st.sampled_from(["accepted", "overridden"]) | json_values,
        "outcomeTimestamp": st.sampled_from(["2026-11-21T00:00:00Z", "9999-12-31T23:59:59-01:00"])
        | json_values,
        "acceptedSuggestions": st.lists(st.fixed_dictionaries({"id": json_values}), max_size=2) | json_values,
        "overrideReason": st.fixed_dictionaries(
            {},
            optional={
                "reason": st.fixed_dictionaries({}, optional={"system": json_values, "code": json_values})
            },
        )
        | json_values,
    },
)


@hyp_settings(max_examples=200, deadline=None)
@given(body=st.fixed_dictionaries({"feedback": st.lists(entry, max_size=3)}) | json_values)
def test_any_body_parses_or_is_a_bad_request(body: Any) -> None:
    """It turns any JSON body into feedback items or a BadRequest naming a field — never another error."""
    try:
        items = parse_body(body)
    except BadRequest as exc:
        assert exc.expression and exc.expression[0].startswith("feedback")
        return
    for item in items:
        assert item.outcome in ("accepted", "overridden") and item.card and item.outcome_at.tzinfo is not None
        assert (item.outcome == "accepted") == bool(item.accepted_suggestions)
