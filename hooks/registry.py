"""The one registry of CDS services: discovery, routing and prefetch all derive from it.

Each service is declared once: id, the hooks it answers, title, description, prefetch templates
(valid R4 search syntax, CDS Hooks 2.0 tokens only), which prefetch keys it cannot work without
(missing and unfetchable → HTTP 412), usage requirements, and the logic it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput
from hooks.rule import Rule
from hooks.terminology import Terminology, default_terminology

Evaluate = Callable[[EvaluationInput], list[CardDraft]]


@dataclass(frozen=True)
class ServiceDefinition:
    """``id`` names the service in the governance record (audit, cards issued, feedback, snoozes).
    ``hook_ids`` gives a hook a discovery id of its own (``/cds-services/{that id}``); a hook not
    in it is listed under ``id``. Every discovery entry must have its own id: an EHR or the CDS
    Hooks Sandbox keeps one service per id, so a second entry with the same id hides the first.
    The endpoints of one service share its record: a snooze set on an order-select card also
    silences that rule on order-sign, and a card keeps its identity (rule + draft order, the
    draft's ``subject_key``) on both."""

    id: str
    hooks: tuple[str, ...]
    title: str
    description: str
    prefetch: Mapping[str, str]
    required_prefetch: frozenset[str]
    usage_requirements: str
    evaluate: Evaluate
    hook_ids: Mapping[str, str] = field(default_factory=dict)

    def endpoint_id(self, hook: str) -> str:
        """The discovery id (``/cds-services/{id}``) this hook is called on."""
        return self.hook_ids.get(hook, self.id)

    def endpoint_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.endpoint_id(h) for h in self.hooks))

    def hooks_at(self, endpoint_id: str) -> tuple[str, ...]:
        """The hooks answered at this discovery id (empty: not one of this service's)."""
        return tuple(h for h in self.hooks if self.endpoint_id(h) == endpoint_id)
    rules: tuple[Rule, ...] = ()  # what it can say, from the catalogue (docs, reports, tests)

    def discovery_entries(self) -> list[dict[str, object]]:
        """One discovery entry per hook, each under its own id (``endpoint_id``)."""
        return [
            {
                "hook": hook,
                "id": self.endpoint_id(hook),
                "title": f"{self.title} ({hook})" if hook in self.hook_ids else self.title,
                "description": self.description,
                "prefetch": dict(self.prefetch),
                "usageRequirements": self.usage_requirements,
            }
            for hook in self.hooks
        ]


def _codes_param(terminology: Terminology, *value_sets: str) -> str:
    """A token search parameter value listing every member as system|code (comma = OR)."""
    seen: list[str] = []
    for name in value_sets:
        for m in terminology[name].members:
            token = f"{m.system}|{m.code}"
            if token not in seen:
                seen.append(token)
    return ",".join(seen)


OBSERVATION_VALUE_SETS = (
    "pain_intensity_observations",
    "function_and_pain_interference_observations",
    "psychosocial_screening_observations",
    # PHQ-9 item 9 recorded on its own: thoughts of self-harm ask for a suicide risk assessment (Y1)
    "phq9_item9_observations",
    # whether the patient is pregnant now (US Core pregnancy status): imaging, injections and NSAIDs
    "pregnancy_status_observations",
    # body temperature (a vital sign): a fever with the present illness is an infection red flag (R3)
    "body_temperature_observations",
    # kidney function (eGFR): no NSAID below 30 mL/min/1.73 m² (KDIGO 2012)
    "egfr_observations",
)


def history_prefetch(terminology: Terminology) -> dict[str, str]:
    """Templates for the patient history both services read."""
    pid = "{{context.patientId}}"
    return {
        "patient": f"Patient/{pid}",
        "conditions": f"Condition?patient={pid}&clinical-status=active,recurrence,relapse&_count=200",
        "procedures": f"Procedure?patient={pid}&_sort=-date&_count=200",
        "observations": (
            f"Observation?patient={pid}&code={_codes_param(terminology, *OBSERVATION_VALUE_SETS)}"
            "&_sort=-date&_count=200"
        ),
        # Physical-examination findings (MRC strength grades, % relief after a block) are often
        # recorded without a code the value sets could name, so a code filter would never return
        # them; the exam category does (progressive weakness is a red flag, R2).
        "examObservations": f"Observation?patient={pid}&category=exam&_sort=-date&_count=100",
        "medicationRequests": f"MedicationRequest?patient={pid}&_count=200",
        "medicationStatements": f"MedicationStatement?patient={pid}&_count=200",
        "serviceRequests": f"ServiceRequest?patient={pid}&_count=200",
        "diagnosticReports": f"DiagnosticReport?patient={pid}&_sort=-date&_count=50",
        "encounters": f"Encounter?patient={pid}&_sort=-date&_count=100",
    }


# Keys that hold the same kind of data fetched two ways: a rule that reads observations reads both
# (scores by code, examination findings by category), so losing either must be admitted.
KEY_GROUPS: Mapping[str, tuple[str, ...]] = {"observations": ("observations", "examObservations")}


def expand_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Prefetch keys with each group name replaced by its members, in order, without repeats."""
    return tuple(dict.fromkeys(k2 for k in keys for k2 in KEY_GROUPS.get(k, (k,))))


# The gate (a lumbar radicular condition) and the treatment history decide every state; without
# them the service cannot say anything safe, so their absence is a 412, not an empty answer.
REQUIRED_KEYS = frozenset({"conditions", "procedures"})


@cache
def services(terminology: Terminology | None = None) -> tuple[ServiceDefinition, ...]:
    from hooks.catalogue import rules_for
    from hooks.orders import evaluate_orders
    from hooks.pathway import evaluate_pathway

    term = terminology or default_terminology()
    prefetch = history_prefetch(term)
    return (
        ServiceDefinition(
            id="radicular-pathway",
            hooks=("patient-view",),
            title="Refractory lumbar radiculopathy pathway",
            description=(
                "Works out where a patient with lumbar radicular pain stands on the treatment pathway "
                "(red flags, conservative care, failed epidural steroid injection, post-surgical pain, "
                "ablation and neuromodulation) and recommends the next step with its evidence."
            ),
            prefetch=prefetch,
            required_prefetch=REQUIRED_KEYS,
            usage_requirements=(
                "Needs the patient's Conditions and Procedures (by prefetch or FHIR server access); "
                "Observations, medications, orders and reports refine the advice."
            ),
            evaluate=evaluate_pathway,
            rules=rules_for(("patient-view",)),
        ),
        ServiceDefinition(
            id="radicular-order-guardrails",
            hooks=("order-select", "order-sign"),
            title="Spine and pain order guardrails",
            description=(
                "Checks spine imaging, injection, ablation, stimulator, fusion and opioid orders against "
                "the patient's radicular pain history and flags unsafe or low-value orders before signing."
            ),
            prefetch=prefetch,
            required_prefetch=REQUIRED_KEYS,
            usage_requirements=(
                "Reads draftOrders from the hook context and the patient's history by prefetch or FHIR "
                "server access."
            ),
            evaluate=evaluate_orders,
            # One discovery id per hook (the Sandbox keeps one service per id); the governance
            # record keeps one service, so feedback and snoozes hold across both hooks.
            hook_ids={"order-select": "radicular-order-select", "order-sign": "radicular-order-sign"},
            rules=rules_for(("order-select", "order-sign")),
        ),
    )


def service_by_id(service_id: str) -> ServiceDefinition | None:
    """The service with this record id or discovery id."""
    for s in services():
        if s.id == service_id or service_id in s.endpoint_ids():
            return s
    return None
