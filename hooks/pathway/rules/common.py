"""What every pathway rule shares: rule metadata as data, the card builder, the disagreements.

A ``Rule`` holds a state's id (the decision-model state, e.g. "F3"), its title, the topic it
competes in (one card per topic), and the guidelines it rests on. ``Rule.card`` builds the
``CardDraft`` and says out loud which prefetch data could not be had.

The ``Conflict`` constants are where public sources disagree: the full reasoning shows both
positions; a card shows one line when the patient has the contested treatment now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hooks.cards import SUMMARY_MAX, CardDraft, Conflict, Fact, Indicator, LinkDraft, SuggestionDraft, clip
from hooks.evidence import guideline
from hooks.pathway.context import PathwayContext

# Topics: one card per topic per response (alert fatigue, §1.1.5).
TOPIC_RED_FLAG = "radicular-red-flag"
TOPIC_PATHWAY = "radicular-pathway"
TOPIC_NEUROMODULATION = "radicular-neuromodulation"
TOPIC_ABLATION = "radicular-ablation"
TOPIC_OPIOIDS = "radicular-opioids"
TOPIC_NEUROPATHIC = "radicular-neuropathic-agents"
TOPIC_ORAL_STEROIDS = "radicular-oral-steroids"
TOPIC_PSYCHOSOCIAL = "radicular-psychosocial"

# Absolute links to the guidelines a card rests on (the detail cites them all; the card links the first few).
MAX_GUIDELINE_LINKS = 3


@dataclass(frozen=True)
class Rule:
    """A decision-model state as data: id, title, topic and the guidelines behind it."""

    id: str
    title: str
    topic: str
    evidence: tuple[str, ...]

    def card(
        self,
        ctx: PathwayContext,
        *,
        indicator: Indicator,
        summary: str,
        why: Iterable[Fact],
        next_steps: Sequence[str],
        avoid: Sequence[str],
        conflicts: Sequence[Conflict] = (),
        gaps: Iterable[str] = (),
        suggestions: Sequence[SuggestionDraft] = (),
        selection_behavior: str = "at-most-one",
        extra_evidence: Sequence[str] = (),
        needs: Sequence[str] = (),
    ) -> CardDraft:
        """The card for this state. ``needs`` names prefetch keys whose absence the card must admit."""
        summary = clip(summary, SUMMARY_MAX)  # a long free-text date or drug name must not cost the card
        facts = tuple(dict.fromkeys(f for f in why if f is not None))
        all_gaps = list(dict.fromkeys(gaps))
        for key in needs:
            reason = ctx.history.unavailable.get(key)
            if reason:
                all_gaps.append(unread_gap(key, reason))
        keys = tuple(dict.fromkeys((*self.evidence, *extra_evidence)))
        evidence = tuple(guideline(k) for k in keys)
        if selection_behavior == "at-most-one" and sum(s.is_recommended for s in suggestions) > 1:
            raise ValueError(f"{self.id}: at most one suggestion may be recommended with at-most-one")
        return CardDraft(
            rule_id=self.id,
            topic=self.topic,
            indicator=indicator,
            summary=summary,
            title=self.title,
            why=facts,
            next_steps=tuple(next_steps),
            avoid=tuple(avoid),
            evidence=evidence,
            conflicts=tuple(conflicts),
            gaps=tuple(all_gaps),
            suggestions=tuple(suggestions),
            selection_behavior="any" if selection_behavior == "any" else "at-most-one",
            links=tuple(LinkDraft(g.link_label, g.url) for g in evidence[:MAX_GUIDELINE_LINKS]),
            conflict_now=next((c for c in conflicts if ctx.receiving(c)), None),
        )


def unread_gap(key: str, reason: str) -> str:
    """What a card says about a prefetch key the EHR could not give."""
    return f"{key} (could not be read: {reason})"


# Where public sources disagree (shared with the order checks).
from hooks.conflicts import (  # noqa: E402
    DISCOGRAPHY,
    ESI_STENOSIS,
    ESI_TIMING,
    FUSION,
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    ORAL_STEROIDS,
    RFA_SCOPE,
    SCS_SELECTION,
)

__all__ = [
    "DISCOGRAPHY",
    "ESI_STENOSIS",
    "ESI_TIMING",
    "FUSION",
    "NEUROPATHIC_AGENTS",
    "OPIOIDS",
    "ORAL_STEROIDS",
    "RFA_SCOPE",
    "SCS_SELECTION",
    "Rule",
    "unread_gap",
]
