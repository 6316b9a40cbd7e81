"""The treatment pathway as a small flow: stages left to right (top to bottom in a side panel),
red flags as exits, the patient's current state highlighted and the stages already passed marked.

The stages and states are those the pathway rules answer with (their rule ids, e.g. ``F3``);
which stages are passed is read from the same typed history the rules read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hooks.evaluation import EvaluationInput
from hooks.facts import PatientHistory
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import Modality, assess_all, classify_modality
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds

STATE_NAMES: dict[str, str] = {
    "R1": "Cauda equina syndrome",
    "R2": "Motor deficit",
    "R3": "Cancer, infection or fracture",
    "E1": "Acute, tolerable",
    "E2": "Acute, severe",
    "P1": "Persistent ≥ 6 weeks",
    "P2": "≥ 3 months, not referred",
    "F0": "Too early to judge",
    "F1": "Worked, then recurred",
    "F2": "Inadequate injection trial",
    "F3": "Failed, surgical target",
    "F4": "Failed, diagnosis uncertain",
    "F5": "Facet or SI joint pain",
    "F6": "Stenosis with claudication",
    "F7": "No surgical target",
    "F8": "Repeated without benefit",
    "S0": "Within 3 months of surgery",
    "S1": "New pain after surgery",
    "S2": "Recurrent herniation / new lesion",
    "S3": "Failed back surgery syndrome",
    "S4": "Instability",
    "A1": "Ablation failed",
    "A2": "Ablation worked, then recurred",
    "N1": "Stimulator trial succeeded",
    "N2": "Stimulator trial failed",
    "N3": "Implant losing effect",
    "L1": "Beyond neuromodulation",
    "M1": "Long-term opioids",
    "M2": "Neuropathic agents",
    "M3": "Oral corticosteroids",
    "M4": "Treatment for opioid use disorder",
    "M5": "NSAID risk",
    "Y1": "Psychosocial risk",
}


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    title: str
    states: tuple[str, ...]
    exit: bool = False  # red flags: leave the pathway for urgent care


STAGES: tuple[Stage, ...] = (
    Stage("early", "Conservative care", ("E1", "E2")),
    Stage("persistent", "Persistent pain", ("P1", "P2")),
    Stage("esi", "Epidural steroid injection", ("F0", "F1", "F2", "F8")),
    Stage("failed", "After a failed injection", ("F3", "F4", "F5", "F6", "F7")),
    Stage("surgery", "Surgery", ("S0", "S1", "S2", "S3", "S4")),
    Stage("ablation", "Ablation", ("A1", "A2")),
    Stage("neuromodulation", "Neuromodulation", ("N1", "N2", "N3", "L1")),
)
RED_FLAGS = Stage("red", "Red flags: urgent care, off the pathway", ("R1", "R2", "R3"), exit=True)
ALONGSIDE = Stage("alongside", "Alongside the pathway", ("M1", "M2", "M3", "M4", "M5", "Y1"))


@dataclass(frozen=True, slots=True)
class StateView:
    id: str
    name: str
    current: bool
    on_card: bool  # a card of this response is in this state


@dataclass(frozen=True, slots=True)
class StageView:
    key: str
    title: str
    passed: bool
    current: bool
    exit: bool
    states: tuple[StateView, ...]


def passed_stages(
    history: PatientHistory, today: date, terminology: Terminology, thresholds: Thresholds
) -> frozenset[str]:
    """The stages the record shows the patient has been through (not where they are now)."""
    t = terminology
    passed: set[str] = set()
    onsets = [
        c.onset
        for c in history.conditions
        if c.onset is not None and t.match("lumbar_radiculopathy_conditions", c.codings) is not None
    ]
    if onsets and (today - min(onsets)).days >= thresholds.conservative_care_days:
        passed.add("early")
    done = [
        p for p in history.procedures if p.is_completed and p.performed is not None and p.performed <= today
    ]
    modalities = {classify_modality(p, t, history) for p in done}
    if modalities - {None}:
        passed |= {"early", "persistent"}
    judged = [a for a in assess_all(history, today, thresholds, t) if a.modality is Modality.ESI]
    if any(a.outcome.value not in ("pending", "unknown") for a in judged):
        passed |= {"early", "persistent", "esi"}
    # Lumbar operations only, as the pathway reads them (a cervical discectomy is not this stage).
    ctx = PathwayContext(EvaluationInput("patient-view", today, "", None, None, history, t, thresholds))
    if ctx.surgeries or ctx.surgery_status_conditions:
        passed |= {"early", "persistent", "surgery"}
    if Modality.RFA in modalities:
        passed.add("ablation")
    if Modality.SCS_TRIAL in modalities:
        passed.add("neuromodulation")
    return frozenset(passed)


def pathway_map(current: str | None, on_cards: Iterable[str], passed: frozenset[str]) -> list[StageView]:
    cards = set(on_cards)

    def view(stage: Stage) -> StageView:
        states = tuple(StateView(s, STATE_NAMES[s], s == current, s in cards) for s in stage.states)
        here = any(s.current for s in states)
        return StageView(stage.key, stage.title, stage.key in passed and not here, here, stage.exit, states)

    return [view(RED_FLAGS), *(view(s) for s in STAGES), view(ALONGSIDE)]
