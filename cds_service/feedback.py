"""``POST /cds-services/{id}/feedback`` (CDS Hooks 2.0 §Feedback).

The body is ``{"feedback": [...]}``; each entry names a card uuid, an ``outcome`` (``accepted``
with the ``acceptedSuggestions`` taken, or ``overridden`` with an optional coded
``overrideReason`` and ``userComment``) and an RFC 3339 ``outcomeTimestamp``. The whole batch is
checked first: one bad entry is a 400 naming it (``feedback[i].field``) and nothing is stored.
A valid batch is stored in one transaction; re-sent entries are stored once. 200 means committed.

Feedback naming a card uuid this service never issued is **stored, flagged** (``card_known`` false)
rather than refused: the EHR cannot act on a 4xx for one card in a batch, and a governance
committee should see such feedback. Flagged feedback never snoozes anything. The Sandbox's shape
(a reason Coding without ``display``) is accepted.

Response body (an implementation choice; the spec defines none):
``{"stored": n, "duplicates": n, "unknownCards": n}``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request

from cds_service.errors import BadRequest, NotFound, UnsupportedMediaType
from cds_service.store import FeedbackItem, Store
from hooks.registry import service_by_id

log = logging.getLogger(__name__)

MAX_BATCH = 1000
MAX_ID_CHARS = 200
MAX_COMMENT_CHARS = 4000
JSON_TYPES = ("application/json", "application/fhir+json")
# ASCII digits only, and nothing after the offset (``$`` would also match before a final newline).
RFC3339 = re.compile(
    r"\A(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z",
    re.ASCII,
)


def parse_rfc3339(value: str) -> datetime:
    """An RFC 3339 §5.6 date-time (offset required) as an aware UTC datetime; ValueError otherwise."""
    m = RFC3339.match(value)
    if m is None:
        raise ValueError("not an RFC 3339 date-time")
    date, clock, frac, offset = m.groups()
    frac = (frac or "")[:7]  # Python keeps microseconds; finer digits are dropped
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{date}T{clock}{frac}{offset}").astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 is past the last representable instant
        raise ValueError("date-time out of range") from None


def _string(
    obj: dict[str, Any], name: str, where: str, *, required: bool, limit: int = MAX_ID_CHARS
) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{where}.{name} is required.", expression=[f"{where}.{name}"])
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where}.{name} must be a non-empty string.", expression=[f"{where}.{name}"])
    if len(value) > limit:
        raise BadRequest(f"{where}.{name} is longer than {limit} characters.", expression=[f"{where}.{name}"])
    return value


def parse_item(raw: Any, where: str) -> FeedbackItem:
    if not isinstance(raw, dict):
        raise BadRequest(f"{where} must be an object.", expression=[where])
    card = _string(raw, "card", where, required=True)
    outcome = raw.get("outcome")
    if outcome not in ("accepted", "overridden"):
        raise BadRequest(
            f"{where}.outcome must be 'accepted' or 'overridden'.", expression=[f"{where}.outcome"]
        )
    assert card is not None
    outcome_at = _outcome_at(raw, where)
    accepted = _accepted_suggestions(raw, where, accepted=outcome == "accepted")
    system, code, display, comment = _override_reason(raw, where)
    return FeedbackItem(
        card=card,
        outcome=outcome,
        outcome_at=outcome_at,
        accepted_suggestions=tuple(dict.fromkeys(accepted)),
        reason_system=system,
        reason_code=code,
        reason_display=display,
        user_comment=comment or None,
    )


def _outcome_at(raw: dict[str, Any], where: str) -> datetime:
    ts = _string(raw, "outcomeTimestamp", where, required=True, limit=64)
    assert ts is not None
    try:
        return parse_rfc3339(ts)
    except ValueError:
        raise BadRequest(
            f"{where}.outcomeTimestamp must be an RFC 3339 date-time, e.g. 2026-01-31T10:05:31Z.",
            expression=[f"{where}.outcomeTimestamp"],
        ) from None


def _accepted_suggestions(raw: dict[str, Any], where: str, *, accepted: bool) -> list[str]:
    """The suggestion ids of an accepted card (required then, and only then)."""
    sugs = raw.get("acceptedSuggestions")
    if not accepted:
        if sugs is not None:
            raise BadRequest(
                f"{where}.acceptedSuggestions is only for accepted cards.",
                expression=[f"{where}.acceptedSuggestions"],
            )
        return []
    if not isinstance(sugs, list) or not sugs:
        raise BadRequest(
            f"{where}.acceptedSuggestions is required when the outcome is accepted "
            '(a non-empty array of {"id": suggestion uuid}).',
            expression=[f"{where}.acceptedSuggestions"],
        )
    if len(sugs) > MAX_BATCH:
        raise BadRequest(
            f"{where}.acceptedSuggestions is too long.", expression=[f"{where}.acceptedSuggestions"]
        )
    ids: list[str] = []
    for j, sug in enumerate(sugs):
        w = f"{where}.acceptedSuggestions[{j}]"
        if not isinstance(sug, dict):
            raise BadRequest(f"{w} must be an object with an id.", expression=[w])
        sid = _string(sug, "id", w, required=True)
        assert sid is not None
        ids.append(sid)
    if raw.get("overrideReason") is not None:
        raise BadRequest(
            f"{where}.overrideReason is only for overridden cards.",
            expression=[f"{where}.overrideReason"],
        )
    return ids


def _override_reason(
    raw: dict[str, Any], where: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """(system, code, display, userComment) of an overrideReason; all None without one."""
    reason_obj = raw.get("overrideReason")
    if reason_obj is None:
        return None, None, None, None
    w = f"{where}.overrideReason"
    if not isinstance(reason_obj, dict):
        raise BadRequest(f"{w} must be an object.", expression=[w])
    system = code = display = None
    coding = reason_obj.get("reason")
    if coding is not None:
        if not isinstance(coding, dict):
            raise BadRequest(f"{w}.reason must be a Coding.", expression=[f"{w}.reason"])
        system = _string(coding, "system", f"{w}.reason", required=True, limit=1000)
        code = _string(coding, "code", f"{w}.reason", required=True)
        display = _string(coding, "display", f"{w}.reason", required=False, limit=1000)
    comment = reason_obj.get("userComment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        raise BadRequest(
            f"{w}.userComment must be a string of at most {MAX_COMMENT_CHARS} characters.",
            expression=[f"{w}.userComment"],
        )
    return system, code, display, comment


def parse_body(body: Any) -> list[FeedbackItem]:
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise BadRequest('The body must be an object with a "feedback" array.', expression=["feedback"])
    entries = body["feedback"]
    if len(entries) > MAX_BATCH:
        raise BadRequest(f"At most {MAX_BATCH} feedback entries per request.", expression=["feedback"])
    return [parse_item(raw, f"feedback[{i}]") for i, raw in enumerate(entries)]


def _registry_has(service_id: str) -> bool:
    return service_by_id(service_id) is not None


def make_feedback_blueprint(
    store: Store,
    *,
    service_exists: Callable[[str], bool] = _registry_has,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Blueprint:
    """The feedback endpoint. ``service_exists`` defaults to the registry (``service_by_id``);
    ``clock`` gives the time of receipt."""
    bp = Blueprint("feedback", __name__)

    @bp.post("/cds-services/<service_id>/feedback")
    def feedback(service_id: str) -> Response:
        if not service_exists(service_id):
            raise NotFound("No such CDS service.")
        if request.mimetype not in JSON_TYPES:
            raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None
        items = parse_body(body)
        result = store.record_feedback(service_id, items, clock())
        log.info(
            "feedback stored",
            extra={
                "event": "feedback",
                "service": service_id,
                "stored": result.stored,
                "duplicates": result.duplicates,
                "unknown_cards": result.unknown_cards,
            },
        )
        out = {"stored": result.stored, "duplicates": result.duplicates, "unknownCards": result.unknown_cards}
        return Response(json.dumps(out), status=200, mimetype="application/json")

    return bp
