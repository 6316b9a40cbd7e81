"""The one rule shape: a frozen declaration per pathway state or order check.

Every rule — a patient-view state (``F3``) or an order check (``order.esi-blind``) — is a ``Rule``
listed once in ``hooks.catalogue.CATALOGUE``; discovery, precedence ties, tests and docs read that
tuple. ``Rule.card`` builds a pathway card from the declaration and says out loud which prefetch
data could not be had (order checks build theirs with ``hooks.orders.common.card``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from hooks.cards import SUMMARY_MAX, CardDraft, Conflict, Fact, Indicator, LinkDraft, SuggestionDraft, clip
from hooks.evidence import guideline
from hooks.facts import PatientHistory

PATIENT_VIEW: tuple[str, ...] = ("patient-view",)
ORDER_HOOKS: tuple[str, ...] = ("order-select", "order-sign")
# Absolute links to the sources a card rests on (the full reasoning cites them all).
MAX_GUIDELINE_LINKS = 3


class RuleContext(Protocol):
    """What ``Rule.card`` reads from the context: the history (for unread data) and current treatment."""

    @property
    def history(self) -> PatientHistory: ...

    def receiving(self, conflict: Conflict) -> bool: ...


@dataclass(frozen=True)
class Rule:
    """One rule as data: a pathway state or an order check.

    ``id`` is what the card carries (``source.topic.code``) and what snoozes and feedback key on;
    ``state`` the decision-model state it belongs to (an order check names the state it guards);
    ``topic`` the competition it takes part in (one card per topic); ``hooks`` where it runs;
    ``indicators`` the card urgencies it can give (none: the rule explains a silence, X1);
    ``evidence`` the public sources it rests on, the first becoming the card's source;
    ``next_step`` the recommendation in a phrase, as the docs and the catalogue list it.
    """

    id: str
    title: str
    topic: str
    evidence: tuple[str, ...]
    hooks: tuple[str, ...] = PATIENT_VIEW
    indicators: tuple[Indicator, ...] = ("info",)
    state: str = ""
    next_step: str = ""

    @property
    def decision_state(self) -> str:
        return self.state or self.id

    def card(
        self,
        ctx: RuleContext,
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
        without_evidence: Sequence[str] = (),
        needs: Sequence[str] = (),
    ) -> CardDraft:
        """The card for this state. ``needs`` names prefetch keys whose absence the card must admit;
        ``without_evidence`` the rule's sources that do not bear on this patient's card (a pregabalin
        trial on a duloxetine card)."""
        summary = clip(summary, SUMMARY_MAX)  # a long free-text date or drug name must not cost the card
        facts = tuple(dict.fromkeys(f for f in why if f is not None))
        all_gaps = list(dict.fromkeys(gaps))
        for key in needs:
            reason = ctx.history.unavailable.get(key)
            if reason:
                all_gaps.append(unread_gap(key, reason))
        keys = tuple(k for k in dict.fromkeys((*self.evidence, *extra_evidence)) if k not in without_evidence)
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
    return f"{key} (unread: {reason})"


def by_id(rules: Iterable[Rule]) -> Mapping[str, Rule]:
    return {r.id: r for r in rules}


# The urgencies a rule can give, named once.
INFO: tuple[Indicator, ...] = ("info",)
WARNING: tuple[Indicator, ...] = ("warning",)
CRITICAL: tuple[Indicator, ...] = ("critical",)
INFO_OR_WARNING: tuple[Indicator, ...] = ("info", "warning")
CRITICAL_OR_WARNING: tuple[Indicator, ...] = ("critical", "warning")


def order_rule(
    rule_id: str,
    title: str,
    state: str,
    evidence: tuple[str, ...],
    indicators: tuple[Indicator, ...] = WARNING,
) -> Rule:
    """An order check's declaration: it runs on order-select and order-sign, its topic is its id."""
    return Rule(rule_id, title, rule_id, evidence, hooks=ORDER_HOOKS, indicators=indicators, state=state)
