"""Treatment-failure inference (decision model §3): did a prior ESI, block, ablation or trial fail?

Classification, first match wins: explicit Procedure.outcome; too early → PENDING; numeric relief
from the baseline and the follow-up window of that modality; short-lived response; proxies (two →
PROBABLE_FAILED, one → POSSIBLE_FAILED, which only earns an info card asking to record the outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from hooks.cards import Fact
from hooks.facts import ObservationFact, PatientHistory, ProcedureFact
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds


class Modality(Enum):
    ESI = "esi"
    DIAGNOSTIC_BLOCK = "diagnostic_block"  # SNRB, medial branch block, SI joint block
    RFA = "rfa"  # facet/SI radiofrequency or cryo ablation
    SCS_TRIAL = "scs_trial"  # SCS or DRG stimulation trial


class Outcome(Enum):
    SUCCESS = "success"  # explicit 385669000 (durability still applied for ESI/RFA)
    RESPONDER = "responder"  # ≥ 50 % relief in the window (and durable where checked)
    RESPONDED_THEN_RECURRED = "responded_then_recurred"  # F1 / A2: sustained response, then recurrence
    PARTIAL = "partial"  # 30-49 % or Δ ≥ 2 points; or explicit 385670004
    FAILED = "failed"  # < 30 % and Δ < 2; or explicit 385671000
    SHORT_LIVED = "short_lived"  # responder in the window, < 30 % by the durability horizon
    PENDING = "pending"  # too early to judge
    PROBABLE_FAILED = "probable_failed"  # two or more proxies
    POSSIBLE_FAILED = "possible_failed"  # one proxy: info card "record the outcome" only
    UNKNOWN = "unknown"  # no outcome, no usable scores, no proxies

    @property
    def counts_as_failure(self) -> bool:
        """Outcomes that enter the refractory (F) states for an image-guided ESI (§3.1)."""
        return self in (Outcome.FAILED, Outcome.SHORT_LIVED, Outcome.PARTIAL, Outcome.PROBABLE_FAILED)


@dataclass(frozen=True)
class Assessment:
    procedure: ProcedureFact
    modality: Modality
    outcome: Outcome
    basis: str  # "explicit outcome" | "too early" | "pain scores" | "short-lived" | "proxies" | "no data"
    baseline: ObservationFact | None = None
    follow_up: tuple[ObservationFact, ...] = ()
    follow_up_median: float | None = None
    relief_pct: float | None = None
    delta: float | None = None
    durable: bool | None = None
    proxies: tuple[Fact, ...] = ()
    facts: tuple[Fact, ...] = ()  # display lines naming the resources, e.g. "pain 8 → 7 (12 %) at 4 weeks"
    gaps: tuple[str, ...] = ()  # e.g. "record the outcome (NRS/ODI) of the ESI on 2026-03-02"


def assess(
    procedure: ProcedureFact,
    modality: Modality,
    history: PatientHistory,
    today: date,
    thresholds: Thresholds,
    terminology: Terminology,
) -> Assessment:
    raise NotImplementedError("failure inference is being implemented")
