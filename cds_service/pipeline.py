"""One invocation, start to finish, without HTTP: validate → prefetch → adapt → evaluate → cards.

Used by the Flask view and by ``radicular-cds evaluate`` alike, so both run the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cds_service import wire
from cds_service.errors import InternalError, NotFound
from cds_service.fhir_adapter import BuildHistory, IsRelevant, ModelCache, to_history
from cds_service.fhir_client import FhirClient
from cds_service.prefetch import resolve
from cds_service.records import IssuedCard
from cds_service.settings import Settings, SettingsError
from hooks.cards import CardDraft, most_urgent_per_topic
from hooks.evaluation import EvaluationInput
from hooks.registry import ServiceDefinition
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds

ActiveSnoozes = Callable[[str, str, datetime], frozenset[str]]
Clock = Callable[[], datetime]


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
    drafts: tuple[CardDraft, ...] = ()  # the cards issued, with their full reasoning (evaluate --full)


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
    ) -> None:
        self.settings = settings
        self.services: tuple[ServiceDefinition, ...] = tuple(services)
        ids = [s.id for s in self.services]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate service ids in the registry: {ids}")
        self.client = client
        self.terminology = terminology
        self.thresholds = thresholds
        self.active_snoozes = active_snoozes
        self.clock = clock
        self.fixed_date = evaluation_date_override(settings)
        self.is_relevant = is_relevant
        self.build_history = build_history
        self.new_id = new_id
        self.model_cache = ModelCache(settings.model_cache_size)

    def discovery(self) -> dict[str, Any]:
        return wire.discovery(self.services)

    def service(self, service_id: str) -> ServiceDefinition:
        for s in self.services:
            if s.id == service_id:
                return s
        raise NotFound(f"There is no CDS service with id {service_id!r}.")

    def invoke(self, service_id: str, body: Any, inv: Invocation | None = None) -> Invocation:
        """Run one call. Raises a ``CdsError`` for every failure (never an empty card list)."""
        inv = inv or Invocation(service_id)
        if isinstance(body, dict):  # for the audit record even when validation fails
            hook, instance = body.get("hook"), body.get("hookInstance")
            inv.hook = hook if isinstance(hook, str) else ""
            inv.hook_instance = instance if isinstance(instance, str) else ""
        service = self.service(service_id)
        req = wire.parse_request(body, declared_hooks=service.hooks)
        inv.patient_id, inv.user_id = req.patient_id, req.user_id

        resolved = resolve(
            service.prefetch,
            service.required_prefetch,
            req,
            self.client,
            max_workers=self.settings.fhir_max_workers,
            budget_seconds=self.settings.fhir_total_budget_seconds,
        )
        inv.fetched, inv.unavailable = resolved.fetched, tuple(sorted(resolved.unavailable))
        history = to_history(
            resolved.data,
            self.terminology,
            resolved.unavailable,
            is_relevant=self.is_relevant,
            build_history=self.build_history,
            cache=self.model_cache,
        )
        now = self.clock()
        inp = EvaluationInput(
            hook=req.hook,
            today=self.fixed_date or now.astimezone(UTC).date(),
            patient_id=req.patient_id,
            user_id=req.user_id,
            encounter_id=req.encounter_id,
            history=history,
            terminology=self.terminology,
            thresholds=self.thresholds,
            draft_orders=req.draft_orders,
            selections=req.selections,
        )
        drafts = self._evaluate(service, inp)
        if self.active_snoozes is not None:
            silenced = self.active_snoozes(service.id, req.patient_id, now)
            kept = [d for d in drafts if d.rule_id not in silenced]
            inv.snoozed = len(drafts) - len(kept)
            drafts = kept
        inv.drafts = tuple(most_urgent_per_topic(drafts))
        inv.body, inv.issued = wire.serialise_cards(inv.drafts, self.new_id)
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
