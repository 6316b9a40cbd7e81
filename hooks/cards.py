"""Card drafts: what a rule returns. The web layer adds uuids and serialises to CDS Hooks JSON.

A draft carries its explanation as structured parts; ``render_detail`` turns them into the
markdown the card shows: (a) why, with each fact naming its source resource, (b) next steps,
(c) what not to do, (d) evidence with both sides of any disagreement, (e) the advisory line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hooks.evidence import Guideline
from hooks.terminology import Coding

Indicator = Literal["info", "warning", "critical"]
INDICATOR_RANK: Mapping[str, int] = {"info": 0, "warning": 1, "critical": 2}
SUMMARY_MAX = 139
ADVISORY = (
    "_This is decision support for the treating clinician, not an order: it gives advice and does not "
    "prescribe. Use clinical judgement._"
)
RULE_SYSTEM = "http://radicular-cds.org/fhir/CodeSystem/cds-rules"


@dataclass(frozen=True, slots=True)
class Fact:
    """One reason the card fired, naming the resource it came from (``ref``) when there is one."""

    text: str
    ref: str | None = None

    def markdown(self) -> str:
        return f"`{self.ref}` — {self.text}" if self.ref else self.text


@dataclass(frozen=True, slots=True)
class Conflict:
    """Where sources disagree: both positions, never one silently."""

    topic: str
    for_: str
    against: str

    def markdown(self) -> str:
        return f"**{self.topic}** — for: {self.for_} Against: {self.against}"


@dataclass(frozen=True, slots=True)
class Action:
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resource_id: str | None = None


@dataclass(frozen=True, slots=True)
class SuggestionDraft:
    label: str
    actions: tuple[Action, ...] = ()
    is_recommended: bool = False


@dataclass(frozen=True, slots=True)
class LinkDraft:
    label: str
    url: str
    type: Literal["absolute", "smart"] = "absolute"


@dataclass(frozen=True)
class CardDraft:
    rule_id: str  # stable id of the rule/state, e.g. "F3" or "order.esi-blind"; becomes source.topic
    topic: str  # one card per topic per response (alert fatigue): the service keeps the most urgent
    indicator: Indicator
    summary: str
    title: str  # human name of the rule, shown as source.topic.display
    why: tuple[Fact, ...]
    next_steps: tuple[str, ...]
    avoid: tuple[str, ...]
    evidence: tuple[Guideline, ...]
    conflicts: tuple[Conflict, ...] = ()
    gaps: tuple[str, ...] = ()  # data that was needed and not there, said out loud
    suggestions: tuple[SuggestionDraft, ...] = ()
    selection_behavior: Literal["at-most-one", "any"] = "at-most-one"
    links: tuple[LinkDraft, ...] = ()
    # Identity of the thing judged (e.g. the draft order "ServiceRequest/123"), so the same check on
    # the same order keeps a stable identity across order-select and order-sign.
    subject_key: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.summary) > SUMMARY_MAX:
            raise ValueError(f"{self.rule_id}: summary is {len(self.summary)} chars (max {SUMMARY_MAX})")
        if self.indicator not in INDICATOR_RANK:
            raise ValueError(f"{self.rule_id}: bad indicator {self.indicator!r}")
        if not self.evidence:
            raise ValueError(f"{self.rule_id}: every card cites at least one guideline")
        if not self.why:
            raise ValueError(f"{self.rule_id}: every card names the data that fired it")

    @property
    def topic_coding(self) -> Coding:
        return Coding(RULE_SYSTEM, self.rule_id, self.title)


def render_detail(card: CardDraft) -> str:
    parts: list[str] = ["**Why**", *(f"- {f.markdown()}" for f in card.why)]
    if card.gaps:
        parts += ["", "**Not checked / please record**", *(f"- {g}" for g in card.gaps)]
    if card.next_steps:
        parts += ["", "**Recommended next steps**", *(f"- {s}" for s in card.next_steps)]
    if card.avoid:
        parts += ["", "**Do not**", *(f"- {s}" for s in card.avoid)]
    parts += ["", "**Evidence**", *(f"- {g.markdown()}" for g in card.evidence)]
    if card.conflicts:
        parts += ["", "**Where sources disagree**", *(f"- {c.markdown()}" for c in card.conflicts)]
    parts += ["", ADVISORY]
    return "\n".join(parts)


def most_urgent_per_topic(cards: list[CardDraft]) -> list[CardDraft]:
    """Keep one card per topic: the most urgent (first wins on ties), preserving order."""
    best: dict[str, CardDraft] = {}
    for c in cards:
        cur = best.get(c.topic)
        if cur is None or INDICATOR_RANK[c.indicator] > INDICATOR_RANK[cur.indicator]:
            best[c.topic] = c
    return [c for c in cards if best.get(c.topic) is c]
