"""One invocation, start to finish, without HTTP: validate → prefetch → adapt → evaluate → cards.

The adapt step reads every FHIR resource into typed facts (``fhir_adapter`` / ``fhir_facts`` for
the record, ``draft_orders`` for the draft orders), so the decision logic never sees JSON.

Used by the Flask view and by ``radicular-cds evaluate`` alike, so both run the same code.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from cds_service import large_body, wire
from cds_service.auth.trust import dev_fhir_server_allowed, normalise_allowlist
from cds_service.draft_orders import read_draft_orders
from cds_service.errors import InternalError, NotFound
from cds_service.fhir_adapter import BuildHistory, IsRelevant, ModelCache, to_history
from cds_service.fhir_client import FhirClient
from cds_service.prefetch import FetchSlots, Resolved, resolve
from cds_service.records import IssuedCard
from cds_service.relevance import JUDGED_TYPES
from cds_service.relevance import is_relevant as default_screen
from cds_service.segmented_lru import SegmentedLru
from cds_service.settings import Settings, SettingsError
from hooks.cards import CardDraft, most_urgent_per_topic
from hooks.evaluation import EvaluationInput
from hooks.facts import PatientHistory
from hooks.registry import ServiceDefinition
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds

ActiveSnoozes = Callable[[str, str, datetime], frozenset[str]]
Clock = Callable[[], datetime]
# May this call's data be fetched from this fhirServer (base URL)? Decided by the trust file for
# the calling issuer and tenant, or by CDS_FHIR_SERVERS when authentication is off.
FhirServerAllowed = Callable[[str], bool]
SERVER_NOT_ALLOWED = "the request's FHIR server is not on this service's allowlist, so it was not contacted"

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def evaluation_date_override(settings: Settings) -> date | None:
    if not settings.evaluation_date:
        return None
    try:
        return date.fromisoformat(settings.evaluation_date)
    except ValueError:
        raise SettingsError(
            f"CDS_EVALUATION_DATE must be an ISO date (YYYY-MM-DD), not {settings.evaluation_date!r}"
        ) from None


@dataclass
class Invocation:
    """What one call produced; filled in as far as it got (for the audit record and the log)."""

    service_id: str
    hook: str = ""
    hook_instance: str = ""
    patient_id: str | None = None
    user_id: str | None = None
    body: dict[str, Any] | None = None
    issued: tuple[IssuedCard, ...] = ()
    fetched: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()
    snoozed: int = 0
    # What the rules read and what they said, in full, for the pathway app's page (never logged).
    history: PatientHistory | None = None
    drafts: tuple[CardDraft, ...] = ()
    today: date | None = None


class DecisionMemo:
    """The cards a service drew for the very same patient history and inputs, for the last
    ``capacity`` such calls of this worker.

    A chart sent again (a chart reopened, patient-view after patient-view) comes back from the
    model cache as the same history object (``ModelCache.history``); the rules are pure functions
    of the ``EvaluationInput`` (the date is passed in, never read from a clock), and drafts and
    histories are immutable, so the same inputs give the same drafts. Calls with draft orders are
    never remembered (their orders are new objects each call). Keyed by the history's identity
    with the history held, so no other history can take its id while an entry is kept; the
    snoozes, the choice of one card per topic, the card ids and links are applied after it, on
    every call."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.hits = 0
        self._drafts: SegmentedLru[tuple[Any, ...], tuple[EvaluationInput, list[CardDraft]]] = SegmentedLru(
            capacity
        )
        self._lock = threading.Lock()

    def drafts(
        self, service_id: str, inp: EvaluationInput, evaluate: Callable[[], list[CardDraft]]
    ) -> list[CardDraft]:
        """``evaluate()``, or what it gave for the same service and inputs."""
        if self.capacity == 0 or inp.draft_orders or inp.extra:
            return evaluate()
        key = (
            service_id,
            id(inp.history),
            id(inp.terminology),
            inp.thresholds,
            inp.hook,
            inp.today,
            inp.patient_id,
            inp.user_id,
            inp.encounter_id,
            inp.silenced,
        )
        with self._lock:
            kept = self._drafts.get(key)
            if kept is not None:  # the entry holds its history and terminology: their ids are theirs
                self.hits += 1
                return list(kept[1])
        drafts = evaluate()
        with self._lock:
            self._drafts.put(key, (inp, list(drafts)))
        return drafts


# A call body at least this large is decoded with the relevance screen applied as it is parsed
# (``large_body``). A typical chart (~60 resources, 25 KiB) is decoded whole: nearly everything in
# it is kept, so there is nothing to drop early.
SCREEN_WHILE_PARSING_BYTES = 256 * 1024


class Engine:
    def __init__(
        self,
        settings: Settings,
        services: Iterable[ServiceDefinition],
        client: FhirClient,
        terminology: Terminology,
        thresholds: Thresholds,
        *,
        active_snoozes: ActiveSnoozes | None = None,
        clock: Clock = utc_now,
        is_relevant: IsRelevant | None = None,
        build_history: BuildHistory | None = None,
        new_id: wire.UuidFactory = wire.new_uuid,
        card_links: wire.CardLinks | None = None,
    ) -> None:
        self.settings = settings
        self.services: tuple[ServiceDefinition, ...] = tuple(services)
        ids = [s.id for s in self.services]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate service ids in the registry: {ids}")
        endpoints = [e for s in self.services for e in s.endpoint_ids()]
        if len(endpoints) != len(set(endpoints)):
            raise ValueError(f"two services share a discovery id: {endpoints}")
        self.client = client
        self.terminology = terminology
        self.thresholds = thresholds
        self.active_snoozes = active_snoozes
        self.clock = clock
        self.fixed_date = evaluation_date_override(settings)
        self.is_relevant = is_relevant
        self.build_history = build_history
        self.new_id = new_id
        # Links the web layer adds to cards (the pathway app's SMART link); rules never see them.
        if card_links is None:
            from cds_service.smart.links import app_links

            card_links = app_links(settings.public_base_url)
        self.card_links = card_links
        self.model_cache = ModelCache(settings.model_cache_size)
        # off with the model cache: without it a chart sent again is never the same history
        self.decisions = DecisionMemo(ModelCache.HISTORIES if settings.model_cache_size else 0)
        # the cards of those decisions, pruned once (a call draws one to three)
        self.card_templates = wire.CardTemplates(4 * ModelCache.HISTORIES if settings.model_cache_size else 0)
        # Evaluation is CPU-bound Python: one call at a time per process evaluates, in arrival
        # order, while the others wait here, on the FHIR server or on the audit commit without
        # holding the interpreter. Threads then add overlap, not contention (see cds_service.server).
        # The audit writer takes its turn under the same lock (``Store.take_turns_with``).
        self.evaluating = threading.Lock()
        slots = settings.fhir_concurrent_calls or max(1, settings.threads - 1)
        self.fetch_slots = FetchSlots(slots)
        dev_allowlist = normalise_allowlist(settings.fhir_servers, "CDS_FHIR_SERVERS")
        self.dev_fhir_server_allowed: FhirServerAllowed = partial(dev_fhir_server_allowed, dev_allowlist)

    def decode(self, raw: bytes) -> Any:
        """A call's body as JSON (``wire.decode_json``). One of ``SCREEN_WHILE_PARSING_BYTES`` or
        more is screened as it is parsed (``large_body``): the prefetched resources the relevance
        screen drops arrive as ``large_body.ScreenedOut`` stubs."""
        if len(raw) >= SCREEN_WHILE_PARSING_BYTES:
            screen, terminology = self.is_relevant or default_screen, self.terminology
            return large_body.decode(raw, lambda resource: screen(resource, terminology), JUDGED_TYPES)
        return wire.decode_json(raw)

    def discovery(self) -> dict[str, Any]:
        return wire.discovery(self.services)

    def endpoint(self, endpoint_id: str) -> tuple[ServiceDefinition, tuple[str, ...]]:
        """The service called at ``/cds-services/{endpoint_id}`` and the hooks it answers there."""
        for s in self.services:
            hooks = s.hooks_at(endpoint_id)
            if hooks:
                return s, hooks
        raise NotFound(f"There is no CDS service with id {endpoint_id[:100]!r}.")

    def record_id(self, endpoint_id: str) -> str | None:
        """The service id the governance record keeps for calls and feedback at this discovery id."""
        return next((s.id for s in self.services if s.hooks_at(endpoint_id)), None)

    def invoke(
        self,
        service_id: str,
        body: Any,
        inv: Invocation | None = None,
        *,
        fhir_server_allowed: FhirServerAllowed | None = None,
    ) -> Invocation:
        """Run one call. Raises a ``CdsError`` for every failure (never an empty card list).

        ``fhir_server_allowed`` decides whether the request's ``fhirServer`` may be contacted (the
        trust file's allowlist for the caller); by default the development policy of the settings
        (``CDS_FHIR_SERVERS``, else loopback only). A server it refuses is treated as absent: the
        prefetched data is used, nothing is fetched, and required data missing is a 412 saying so."""
        inv = inv or Invocation(service_id)
        if isinstance(body, dict):  # for the audit record even when validation fails
            inv.hook = wire.bounded_text(body.get("hook"), wire.MAX_HOOK_CHARS)
            inv.hook_instance = wire.bounded_text(body.get("hookInstance"), wire.MAX_HOOK_INSTANCE_CHARS)
        service, hooks = self.endpoint(service_id)
        inv.service_id = service.id  # the record keeps one service for all its discovery ids
        req = wire.parse_request(body, declared_hooks=hooks)
        inv.patient_id, inv.user_id = req.patient_id, req.user_id

        allowed = fhir_server_allowed or self.dev_fhir_server_allowed
        no_server_reason = None
        if req.fhir_server is not None and not allowed(req.fhir_server):
            log.warning(
                "fhirServer not on the allowlist; not contacted",
                extra={"event": "fhir_server_refused", "service": service_id},
            )
            req = replace(req, fhir_server=None, access_token=None)
            no_server_reason = SERVER_NOT_ALLOWED
        resolved = resolve(
            service.prefetch,
            service.required_prefetch,
            req,
            self.client,
            max_workers=self.settings.fhir_max_workers,
            budget_seconds=self.settings.fhir_total_budget_seconds,
            no_server_reason=no_server_reason,
            max_bytes=self.settings.fhir_max_call_bytes,
            fetch_slots=self.fetch_slots,
        )
        inv.fetched, inv.unavailable = resolved.fetched, tuple(sorted(resolved.unavailable))
        # The running snoozes are read before the turn to evaluate, not during it. The read waits
        # on the database without the interpreter lock, and taking that lock back waits for
        # whichever thread holds it (up to the 5 ms switch interval): under the evaluation lock,
        # every other call of the worker waited too. Measured inside a loaded worker, the read took
        # 0.06 ms at p50 but 1.3 ms at p90 and 3.8 ms at p99.
        now = self.clock()
        silenced = frozenset[str]()
        if self.active_snoozes is not None:
            silenced = self.active_snoozes(service.id, req.patient_id, now)
        with self.evaluating:
            return self._evaluate_resolved(service, req, resolved, inv, now, silenced)

    def _evaluate_resolved(
        self,
        service: ServiceDefinition,
        req: wire.CdsRequest,
        resolved: Resolved,
        inv: Invocation,
        now: datetime,
        silenced: frozenset[str],
    ) -> Invocation:
        history = to_history(
            resolved.data,
            self.terminology,
            resolved.unavailable,
            is_relevant=self.is_relevant,
            build_history=self.build_history,
            cache=self.model_cache,
        )
        inp = EvaluationInput(
            hook=req.hook,
            today=self.fixed_date or now.astimezone(UTC).date(),
            patient_id=req.patient_id,
            user_id=req.user_id,
            encounter_id=req.encounter_id,
            history=history,
            terminology=self.terminology,
            thresholds=self.thresholds,
            draft_orders=read_draft_orders(req.hook, req.draft_orders, req.selections),
            silenced=silenced,
        )
        drafts = self.decisions.drafts(service.id, inp, lambda: self._evaluate(service, inp))
        kept = [d for d in drafts if not inp.hides(d)]
        inv.snoozed = len(drafts) - len(kept)
        drafts = kept
        shown = most_urgent_per_topic(drafts)
        inv.history, inv.drafts, inv.today = history, tuple(shown), inp.today
        inv.body, inv.issued = wire.serialise_cards(
            shown, self.new_id, lambda d: self.card_links(service.id, req.hook, d), self.card_templates
        )
        return inv

    def _evaluate(self, service: ServiceDefinition, inp: EvaluationInput) -> list[CardDraft]:
        try:
            drafts = service.evaluate(inp)
            if not isinstance(drafts, list | tuple) or not all(isinstance(d, CardDraft) for d in drafts):
                raise TypeError("evaluate must return a list of CardDraft")
        except Exception as exc:
            raise InternalError(
                f"The {service.id} decision logic failed; no advice could be given. This is not an "
                "empty result."
            ) from exc
        return list(drafts)


def summary_fields(inv: Invocation) -> Mapping[str, Any]:
    """Safe-to-log fields of an invocation (no patient or user ids)."""
    return {
        "service": inv.service_id,
        "hook": inv.hook or None,
        "hook_instance": inv.hook_instance or None,
        "cards": len(inv.issued),
        "fetched": list(inv.fetched) or None,
        "unavailable": list(inv.unavailable) or None,
        "snoozed": inv.snoozed or None,
    }
