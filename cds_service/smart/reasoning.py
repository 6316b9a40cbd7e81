"""The full reasoning behind each card, as the page shows it.

``reasoning(drafts)`` is the one place that reads the rules' structured explanation — why (each
fact with the resource it came from), how the pathway reached the state, what is not recorded,
next steps, what not to do, the evidence with its links and both sides of any disagreement. It
reads those parts by name from any card-like object, so another producer of the same parts can be
shown without changing the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hooks.cards import gap_text


@dataclass(frozen=True, slots=True)
class FactView:
    text: str
    ref: str | None


@dataclass(frozen=True, slots=True)
class EvidenceView:
    label: str
    title: str
    year: str
    citation: str
    url: str


@dataclass(frozen=True, slots=True)
class ConflictView:
    topic: str
    for_: str
    against: str


@dataclass(frozen=True, slots=True)
class ReasoningView:
    state: str
    title: str
    indicator: str
    summary: str
    why: tuple[FactView, ...]
    basis: tuple[FactView, ...]  # how the pathway reached this state: each predicate that held
    gaps: tuple[str, ...]
    next_steps: tuple[str, ...]
    avoid: tuple[str, ...]
    evidence: tuple[EvidenceView, ...]
    conflicts: tuple[ConflictView, ...]


def reasoning(drafts: Iterable[Any]) -> tuple[ReasoningView, ...]:
    """One view per card, in the order given (the service's order: most urgent first)."""
    return tuple(
        ReasoningView(
            state=d.rule_id,
            title=d.title,
            indicator=d.indicator,
            summary=d.summary,
            why=tuple(FactView(f.text, f.ref) for f in d.why),
            basis=tuple(FactView(f.text, f.ref) for f in getattr(d, "basis", ())),
            gaps=tuple(gap_text(g) for g in d.gaps),
            next_steps=tuple(d.next_steps),
            avoid=tuple(d.avoid),
            evidence=tuple(
                EvidenceView(g.label, g.title, g.year, g.citation, g.url)
                for g in d.evidence
            ),
            conflicts=tuple(
                ConflictView(c.topic, c.for_, c.against) for c in d.conflicts
            ),
        )
        for d in drafts
    )
