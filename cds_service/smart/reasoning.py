"""The full reasoning behind each card, as the page shows it.

``reasoning(drafts)`` is the one place that reads the rules' structured explanation — why (each
fact with the resource it came from), what is not recorded, next steps, what not to do, the
evidence with its links and both sides of any disagreement. It reads those parts by name from any
card-like object, so another producer of the same parts can be shown without changing the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The rules' text may name the project's internal source documents ("seed 003"); a clinician
# cannot look those up, so the page names only the public guidelines beside them.
_INTERNAL = re.compile(r"\bseeds? \d{3}(?:\s*(?:/|,|and|–|-)\s*\d{3})*\b", re.IGNORECASE)
_EMPTY_PARENS = re.compile(r"\s*\(\s*(?:[;,]\s*)*\)")
_LEADING_SEP = re.compile(r"\(\s*[;,]\s*")
_TRAILING_SEP = re.compile(r"\s*[;,]\s*\)")
_DOUBLE_SEP = re.compile(r"([;,])\s*[;,]")


def public_text(text: str) -> str:
    """``text`` without references to internal source documents: "(seed 003; NASS)" → "(NASS)"."""
    lead = _INTERNAL.match(text.lstrip())
    out = _INTERNAL.sub("", text)
    if lead is not None:
        # "seed 003 notes …" → "One source notes …"; "seed 003 and the NASS guideline …" → "the NASS …"
        out = re.sub(r"^\s*(?:(?:and|or)\s+|[,;]\s*)?", "", out)
        first = out.split(" ", 1)[0]
        if first[:1].islower() and first not in ("the", "a", "an"):
            subject = "Some sources" if lead.group(0).lower().startswith("seeds") else "One source"
            out = f"{subject} {out.strip()}"
    out = _DOUBLE_SEP.sub(r"\1", out)
    out = _LEADING_SEP.sub("(", out)
    out = _TRAILING_SEP.sub(")", out)
    out = _EMPTY_PARENS.sub("", out)
    out = re.sub(r"\b(and|the)\s+(the|and)\b", r"\2", out)
    out = re.sub(r"(?<=[:;,])\s*(?:and\s+)?(?=list|recommend|say|lists|recommends)", " some sources ", out)
    return re.sub(r"\s{2,}", " ", out).strip()


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
    verified: bool


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
            summary=public_text(d.summary),
            why=tuple(FactView(public_text(f.text), f.ref) for f in d.why),
            gaps=tuple(public_text(g) for g in d.gaps),
            next_steps=tuple(public_text(s) for s in d.next_steps),
            avoid=tuple(public_text(s) for s in d.avoid),
            evidence=tuple(
                EvidenceView(g.label, g.title, g.year, g.citation, g.url, getattr(g, "verified", True))
                for g in d.evidence
            ),
            conflicts=tuple(
                ConflictView(c.topic, public_text(c.for_), public_text(c.against)) for c in d.conflicts
            ),
        )
        for d in drafts
    )
