"""Resolve every prefetch key of a service, per key, exactly as CDS Hooks 2.0 says.

* value present → use it (a Bundle with a ``next`` link is paged through on the fhirServer);
* ``null`` → no data (not re-queried);
* an OperationOutcome, or a Bundle holding an error OperationOutcome → failed: fetch it;
* absent → render the template and fetch it from ``fhirServer`` (bearer token when given).

Missing keys are fetched concurrently, each call with a timeout and all within an overall
budget. A required key that cannot be had raises ``PreconditionFailed`` (HTTP 412); an optional
key that cannot be had is recorded in ``unavailable`` with a short reason (no URL or token).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cds_service.errors import PreconditionFailed
from cds_service.fhir_client import (
    Deadline,
    FhirClient,
    FhirError,
    SearchResult,
    bundle_resources,
    next_link,
)
from cds_service.wire import TOKEN_FIELDS, CdsRequest

_TOKEN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}
_ERROR_SEVERITIES = frozenset({"error", "fatal"})
log = logging.getLogger(__name__)


BUSY = "the service is fetching for too many other calls right now; not fetched (try again)"


class FetchSlots:
    """How many calls of one worker may fetch from FHIR servers at once (``CDS_FHIR_CONCURRENT_CALLS``)."""

    WAIT_SECONDS = 0.1  # a call finding no slot gives its thread back at once

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._sem = threading.BoundedSemaphore(self.slots)

    def acquire(self, deadline: Deadline) -> bool:
        return self._sem.acquire(timeout=max(0.0, min(self.WAIT_SECONDS, deadline.remaining())))

    def release(self) -> None:
        self._sem.release()


class TemplateError(ValueError):
    """A prefetch template token cannot be rendered for this request."""


def render_template(template: str, hook: str, context: Mapping[str, Any]) -> str:
    """Replace every CDS Hooks 2.0 token; raises ``TemplateError`` naming the unrenderable token.

    ``{{context.x}}`` works for the hook's prefetch-token fields with a primitive value;
    ``{{userPractitionerId}}`` and friends give the id part of ``context.userId`` when it is of
    that resource type. Values are percent-encoded so they cannot add search parameters.
    """

    def value_for(token: str) -> str:
        if token.startswith("context."):
            name = token[len("context.") :]
            if name not in TOKEN_FIELDS.get(hook, ()):
                raise TemplateError(f"{{{{{token}}}}} is not a prefetch token of the {hook} hook")
            value = context.get(name)
            if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
                raise TemplateError(f"{{{{{token}}}}} has no value in this request")
            return str(value)
        if token in _USER_TOKENS:
            user = context.get("userId")
            rtype = _USER_TOKENS[token]
            if isinstance(user, str) and user.startswith(rtype + "/") and len(user) > len(rtype) + 1:
                return user[len(rtype) + 1 :]
            raise TemplateError(f"{{{{{token}}}}} cannot be derived: the user is not a {rtype}")
        raise TemplateError(f"{{{{{token}}}}} is not a CDS Hooks 2.0 prefetch token")

    return _TOKEN.sub(lambda m: quote(value_for(m.group(1)), safe="/"), template)


def error_outcome(value: Mapping[str, Any]) -> bool:
    """True for an OperationOutcome (not merely informational) or a Bundle holding one."""
    if value.get("resourceType") == "OperationOutcome":
        return _is_error(value)
    if value.get("resourceType") == "Bundle":
        return any(
            r.get("resourceType") == "OperationOutcome" and _is_error(r) for r in bundle_resources(value)
        )
    return False


def _is_error(outcome: Mapping[str, Any]) -> bool:
    issues = outcome.get("issue")
    if not isinstance(issues, list) or not issues:
        return True
    return any(not isinstance(i, dict) or i.get("severity", "error") in _ERROR_SEVERITIES for i in issues)


def _without_outcomes(resources: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    return tuple(r for r in resources if r.get("resourceType") != "OperationOutcome")


@dataclass(frozen=True)
class KeyData:
    """The resources for one prefetch key, with where each came from (for error messages)."""

    key: str
    resources: tuple[dict[str, Any], ...]
    source: str  # "prefetch" | "fhirServer" | "null"
    single: bool = False  # a single resource (a read), not a Bundle

    def path(self, index: int) -> str:
        """Where resource ``index`` sits, for error messages: ``prefetch.conditions.entry[3].resource``."""
        return f"prefetch.{self.key}" if self.single else f"prefetch.{self.key}.entry[{index}].resource"


@dataclass
class Resolved:
    data: dict[str, KeyData] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    fetched: tuple[str, ...] = ()


def resolve(
    prefetch_templates: Mapping[str, str],
    required: frozenset[str],
    request: CdsRequest,
    client: FhirClient,
    *,
    max_workers: int = 8,
    budget_seconds: float = 8.0,
    no_server_reason: str | None = None,
    max_bytes: int | None = None,
    fetch_slots: FetchSlots | None = None,
) -> Resolved:
    """``no_server_reason``: why the request has no usable FHIR server (e.g. it is not on the
    allowlist), said in the reasons of the keys that could not be fetched. ``max_bytes`` caps what
    the call reads from the FHIR server across keys and pages. ``fetch_slots`` bounds how many calls
    of this worker fetch at once: a call that finds none free (within 0.1 s) does not fetch (its
    keys are unavailable, "busy"), so calls waiting on a slow FHIR server cannot take every thread
    from fully prefetched calls and the health checks."""
    out = Resolved()
    deadline = Deadline(budget_seconds, max_bytes=max_bytes)
    to_fetch: dict[str, str] = {}  # key -> why it must be fetched (for the unavailable reason)
    for key in prefetch_templates:
        if key not in request.prefetch:
            to_fetch[key] = "not prefetched"
            continue
        value = request.prefetch[key]
        if value is None:
            out.data[key] = KeyData(key, (), "null")
            continue
        if value.get("resourceType") == "Bundle" and next_link(value) is None:
            # The usual case, a whole search prefetched: one walk over its entries (a chart may
            # hold thousands), not one to look for an error, one to collect and one to filter.
            resources = bundle_resources(value)
            outcomes = [r for r in resources if r.get("resourceType") == "OperationOutcome"]
            if any(_is_error(o) for o in outcomes):
                to_fetch[key] = "prefetch returned an error"
                continue
            kept = _without_outcomes(tuple(resources)) if outcomes else tuple(resources)
            out.data[key] = KeyData(key, kept, "prefetch")
            continue
        if error_outcome(value):
            to_fetch[key] = "prefetch returned an error"
            continue
        result = _page_prefetched(value, request, client, deadline)
        if isinstance(result, FhirError):
            _log_failure(key, result)
            out.unavailable[key] = f"paging failed: {result.reason}"
            out.data[key] = KeyData(key, _without_outcomes(tuple(bundle_resources(value))), "prefetch")
            continue
        single = value.get("resourceType") != "Bundle"
        out.data[key] = KeyData(key, _without_outcomes(result.resources), "prefetch", single)
        if result.incomplete:
            out.unavailable[key] = f"incomplete: {result.incomplete}"

    if to_fetch:
        slot = fetch_slots.acquire(deadline) if fetch_slots is not None and request.fhir_server else True
        if not slot:
            for key, why in to_fetch.items():
                out.unavailable[key] = f"{why}; {BUSY}"
        else:
            try:
                _fetch_all(
                    prefetch_templates, to_fetch, request, client, out, max_workers, deadline,
                    no_server_reason,
                )  # fmt: skip
            finally:
                if fetch_slots is not None and request.fhir_server:
                    fetch_slots.release()
        out.fetched = tuple(k for k in to_fetch if k in out.data)

    missing_required = sorted(k for k in required if k not in out.data)
    if missing_required:
        detail = "; ".join(f"{k}: {out.unavailable.get(k, 'not available')}" for k in missing_required)
        raise PreconditionFailed(
            f"Required FHIR data could not be obtained ({detail}).",
            expression=[f"prefetch.{k}" for k in missing_required],
        )
    return out


def _log_failure(key: str, exc: FhirError) -> None:
    """What the client is not told (which status, which network error), for operations; no URL."""
    log.warning(
        "FHIR fetch failed",
        extra={"event": "fhir_fetch_failed", "key": key, "category": exc.reason, "detail": exc.detail},
    )


def _page_prefetched(
    value: Mapping[str, Any], request: CdsRequest, client: FhirClient, deadline: Deadline
) -> SearchResult | FhirError:
    if value.get("resourceType") != "Bundle" or next_link(value) is None:
        return client.collect(value, fhir_server=None, access_token=None)
    try:
        return client.collect(
            value, fhir_server=request.fhir_server, access_token=request.access_token, deadline=deadline
        )
    except FhirError as exc:
        return exc


def _fetch_all(
    templates: Mapping[str, str],
    to_fetch: Mapping[str, str],
    request: CdsRequest,
    client: FhirClient,
    out: Resolved,
    max_workers: int,
    deadline: Deadline,
    no_server_reason: str | None = None,
) -> None:
    fhir_server = request.fhir_server
    rendered: dict[str, str] = {}
    for key, why in to_fetch.items():
        if fhir_server is None:
            out.unavailable[key] = f"{why}; {no_server_reason}" if no_server_reason else (
                f"{why} and no FHIR server was given"
            )
            continue
        try:
            rendered[key] = render_template(templates[key], request.hook, request.context)
        except TemplateError as exc:
            out.unavailable[key] = f"{why}; template not renderable: {exc}"
    if not rendered or fhir_server is None:
        return

    pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(rendered))), thread_name_prefix="fhir")
    try:
        futures: dict[Future[SearchResult], str] = {
            pool.submit(
                client.fetch,
                query,
                fhir_server=fhir_server,
                access_token=request.access_token,
                deadline=deadline,
            ): key
            for key, query in rendered.items()
        }
        # The workers stop themselves at the deadline (every connect, read and page checks it); the
        # small margin lets one that has just timed out report its own reason.
        done, not_done = wait(futures, timeout=max(deadline.remaining(), 0) + 0.25)
        for fut in not_done:
            out.unavailable[futures[fut]] = deadline.reason
            fut.cancel()
        for fut in done:
            key = futures[fut]
            try:
                result = fut.result()
            except FhirError as exc:
                _log_failure(key, exc)
                out.unavailable[key] = exc.reason
                continue
            if any(r.get("resourceType") == "OperationOutcome" and _is_error(r) for r in result.resources):
                out.unavailable[key] = "FHIR server returned an error OperationOutcome"
                continue
            out.data[key] = KeyData(key, _without_outcomes(result.resources), "fhirServer", result.single)
            if result.incomplete:
                out.unavailable[key] = f"incomplete: {result.incomplete}"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
