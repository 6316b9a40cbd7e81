"""What the order checks know about the patient: an order-specific view layered on the one
``PathwayContext`` of the call.

The patient's facts are derived once, by the pathway's context (``self.pathway``): red flags,
duration, conservative care, procedures, the ESI sessions and their §3 assessments, stimulator
trials, the F5/F6 facts, all exactly as the pathway reads them. This view adds only what concerns
the draft orders (typed ``DraftOrder`` facts read at the service boundary): which are judged on
this hook, value-set membership of a drafted drug, the session's other orders. Thresholds are
``ctx.t`` here as in the pathway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from hooks.cards import Fact
from hooks.evaluation import EvaluationInput
from hooks.facts import ConditionFact, DraftOrder, ObservationFact, PatientHistory, ProcedureFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.registry import expand_keys
from hooks.rule import unread_gap
from hooks.terminology import Coding, Member, Terminology
from hooks.text import names
from hooks.thresholds import Thresholds

FAILED = (Outcome.FAILED, Outcome.SHORT_LIVED, Outcome.PARTIAL, Outcome.PROBABLE_FAILED)
POSITIVE = (Outcome.SUCCESS, Outcome.RESPONDER, Outcome.RESPONDED_THEN_RECURRED)


@dataclass(frozen=True)
class RedFlag:
    """An active red flag (decision model R1-R3) and the resources that show it."""

    kind: str  # cauda_equina | motor_progressive | motor_stable | malignancy | infection | fracture
    label: str
    facts: tuple[Fact, ...]

    @property
    def emergency(self) -> bool:
        """Pre-empts elective care (R1, progressive R2, R3). A stable deficit is urgent, not emergency."""
        return self.kind != "motor_stable"


@dataclass
class OrderContext:
    inp: EvaluationInput

    # ----------------------------------------------------------------- plumbing
    @property
    def term(self) -> Terminology:
        return self.inp.terminology

    @property
    def t(self) -> Thresholds:
        return self.inp.thresholds

    @property
    def today(self) -> date:
        return self.inp.today

    @property
    def history(self) -> PatientHistory:
        return self.inp.history

    @property
    def orders(self) -> tuple[DraftOrder, ...]:
        """Every draft order of the call, read at the service boundary (``cds_service.draft_orders``)."""
        return self.inp.draft_orders

    @property
    def judged(self) -> tuple[DraftOrder, ...]:
        return tuple(o for o in self.orders if o.selected)

    def is_a(self, value_set: str, codings: Iterable[Coding]) -> Member | None:
        return self.term.match(value_set, codings)

    def order_is(self, order: DraftOrder, value_set: str) -> Member | None:
        return self.term.match(value_set, order.all_codings)

    def drug_is(self, order: DraftOrder, value_set: str) -> Member | None:
        """Membership by code, or by the ingredient's name in the order's text when it is coded at the
        clinical-drug level (SCD/SBD) the ingredient value sets do not list."""
        hit = self.term.match(value_set, order.all_codings)
        if hit is not None:
            return hit
        texts = [order.text, *(c.display or "" for c in order.all_codings)]
        for m in self.term[value_set].members:
            if names(m.display, *texts):
                return m
        return None

    def assess(self, procedure: ProcedureFact, modality: Modality) -> Assessment:
        """§3 inference, shared with the pathway's view of the patient (one assessment per call)."""
        return self.pathway.assess(procedure, modality)

    def unavailable_gaps(self, *keys: str) -> tuple[str, ...]:
        out = []
        for key in expand_keys(keys):
            why = self.history.unavailable.get(key)
            if why:
                out.append(unread_gap(key, why))
        return tuple(out)

    # ----------------------------------------------------------------- conditions
    def current_conditions(self, *value_sets: str) -> tuple[ConditionFact, ...]:
        """Current, not refuted Conditions in the value sets, as the pathway reads them."""
        return self.pathway.conditions(*value_sets)

    @cached_property
    def pathway(self) -> PathwayContext:
        """The pathway's view of the same patient: gate, onset, red flags, F5/F6 facts are read there."""
        return PathwayContext(self.inp)

    @cached_property
    def radicular(self) -> tuple[ConditionFact, ...]:
        """Current lumbar radicular conditions and post-laminectomy syndrome (sciatica on record)."""
        return (*self.pathway.radicular_conditions, *self.pathway.fbss_conditions)

    @property
    def radicular_refs(self) -> tuple[str, ...]:
        """References of the gate conditions (reasonReference of created orders)."""
        return self.pathway.reason_refs

    @cached_property
    def onset(self) -> tuple[date, ConditionFact] | None:
        """Earliest onset (or recorded date) of the radicular conditions (§1.1.6), as the pathway dates it."""
        c, d = self.pathway.onset_condition, self.pathway.onset
        return (d, c) if c is not None and d is not None else None

    @property
    def duration_days(self) -> int | None:
        return self.pathway.symptom_days

    def cond(self, c: ConditionFact, what: str) -> Fact:
        """A condition as a card names it: "<what>: <text> since <onset>", with its reference."""
        return self.pathway.cond_fact(c, f"{what}: ")

    def onset_fact(self) -> Fact | None:
        return self.pathway.onset_fact() if self.onset else None

    # ----------------------------------------------------------------- red flags (R1-R3)
    @cached_property
    def red_flags(self) -> tuple[RedFlag, ...]:
        """Active red flags, detected exactly as the pathway's R1-R3 rules detect them."""
        from hooks.pathway.rules import red_flags as rf

        p = self.pathway
        flags: list[RedFlag] = []
        ces = [self.cond(c, "red flag R1, cauda equina syndrome") for c in rf.cauda_equina_diagnoses(p)]
        if rf.has_spinal_diagnosis(p):
            ces += [
                self.cond(c, "red flag R1, new sphincter or saddle symptom with a lumbar diagnosis")
                for c in rf.strong_sphincter_or_saddle_symptoms(p)
            ]
            ces += [
                self.cond(c, "red flag R1, new bilateral leg symptom with a lumbar diagnosis")
                for c in rf.new_bilateral_leg_symptoms(p)
                if c not in rf.strong_sphincter_or_saddle_symptoms(p)
            ]
        if ces:
            flags.append(RedFlag("cauda_equina", "suspected cauda equina syndrome", tuple(ces)))
        motor = rf.motor_deficit_conditions(p)
        decline = rf.strength_decline(p)
        if motor or decline is not None:
            new = [c for c in motor if rf.is_new(p, c)]
            facts = [
                self.cond(c, "red flag R2, new motor deficit" if c in new else "red flag R2, motor deficit")
                for c in motor
            ]
            if decline is not None:
                facts.append(decline.fact())
            if (decline is not None and decline.progressing) or new:
                flags.append(RedFlag("motor_progressive", "new or progressive motor deficit", tuple(facts)))
            else:
                flags.append(RedFlag("motor_stable", "stable motor deficit", tuple(facts)))
        for kind, found, label in (
            ("malignancy", rf.malignancy_flags(p), "suspected malignancy"),
            ("infection", rf.suspected_infection(p), "suspected spinal infection"),
            ("fracture", rf.fracture_flags(p), "suspected vertebral fracture"),
        ):
            if found:
                flags.append(
                    RedFlag(kind, label, tuple(self.cond(c, f"red flag R3, {label}") for c in found))
                )
        worse = rf.worsening_after_procedure(p)
        if worse is not None and not any(f.kind == "infection" for f in flags):
            fact = rf.worsening_facts(p, worse)[0]
            label = "suspected spinal infection"
            shown = Fact(
                f"red flag R3, {label}: {fact.text}",
                fact.ref,
                fact.also,
                short=f"{label}: {fact.brief}",
            )
            flags.append(RedFlag("infection", label, (shown,)))
        return tuple(flags)

    def flag(self, kind: str) -> RedFlag | None:
        return next((f for f in self.red_flags if f.kind == kind), None)

    @property
    def emergency_flags(self) -> tuple[RedFlag, ...]:
        return tuple(f for f in self.red_flags if f.emergency)

    # ----------------------------------------------------------------- procedures
    def completed(self, value_set: str) -> tuple[ProcedureFact, ...]:
        """Completed Procedures in the value set, oldest first, as the pathway reads them."""
        return self.pathway.procedures(value_set)

    # ----------------------------------------------------------------- pain severity (E2)
    def latest(self, kind: str) -> ObservationFact | None:
        """The latest observation of a kind (pain, odi, ...), as the pathway reads it."""
        return self.pathway.latest(kind)

    def severe_pain(self) -> bool:
        """Severe, disabling pain as the pathway grades it for E2 (NRS ≥ 7 with ODI ≥ 40; one score
        must exist, a missing one does not argue against severity)."""
        from hooks.pathway.rules.acute import is_severe

        return is_severe(self.pathway)

    # ----------------------------------------------------------------- medications
    def draft_drugs(self, value_set: str, *, exclude: DraftOrder | None = None) -> tuple[DraftOrder, ...]:
        return tuple(
            o
            for o in self.orders
            if o is not exclude and o.resource_type == "MedicationRequest" and self.drug_is(o, value_set)
        )

    # ----------------------------------------------------------------- other orders in the session
    def first_judged(self, order: DraftOrder, *value_sets: str) -> bool:
        """Whether ``order`` is the first judged order in these value sets: advice that concerns the
        whole session (an emergency MRI, a psychological evaluation) is offered once, on that card."""
        for o in self.judged:
            if self.term.matches_any(value_sets, o.all_codings) is not None:
                return o is order
        return False

    def other_orders(self, order: DraftOrder, value_set: str) -> tuple[DraftOrder, ...]:
        return tuple(o for o in self.orders if o is not order and self.order_is(o, value_set))
