"""Applicability as data: named predicates that return the facts that fired them, and decision
trees of steps over the rule catalogue.

A ``Predicate`` asks one question of the context ("the last ESI's outcome is not yet due") and
answers with the facts that show it — an empty answer means it does not hold. Questions whose
answer is a judgement rather than a record (symptoms under 6 weeks) hold without facts of their
own. ``~p`` is the negation (it holds, without facts, when ``p`` does not).

A ``Step`` names a catalogue rule, the predicates under which it applies and the function that
builds its card. A ``Branch`` groups steps under predicates of its own and is final: once its
predicates hold, the first of its steps that holds decides and nothing after the branch is read
(a patient after lumbar surgery never falls through to the conservative steps). ``decide`` walks a
tree in order and returns the card with its ``basis``: the predicates that held on the way, each a
fact naming the resources it rests on, for the full reasoning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from hooks.cards import CardDraft, Fact
from hooks.rule import Rule
from hooks.thresholds import DEFAULT_THRESHOLDS, Thresholds, phrase

C = TypeVar("C")
Answer = Iterable[Fact] | bool | None


@dataclass(frozen=True)
class Predicate(Generic[C]):
    """One named question about the patient; ``test`` returns the facts that answer yes (or a bool).

    ``name`` may name thresholds (``"symptoms under {conservative_care_days}"``): ``label`` says
    them as the site has set them."""

    name: str
    test: Callable[[C], Answer]
    negated: bool = False
    opposite: str = ""  # the name of the negation ("no lumbar ESI on record"); else "not <name>"

    def holds(self, ctx: C) -> tuple[Fact, ...] | None:
        """The facts that show the predicate holds (possibly none), or None when it does not."""
        answer = self.test(ctx)
        if isinstance(answer, bool) or answer is None:
            facts: tuple[Fact, ...] = ()
            yes = bool(answer)
        else:
            facts = tuple(answer)
            yes = bool(facts)
        if self.negated:
            return None if yes else ()
        return facts if yes else None

    def label(self, t: Thresholds = DEFAULT_THRESHOLDS) -> str:
        return phrase(self.name, t)

    def __invert__(self) -> Predicate[C]:
        return replace(
            self, name=self.opposite or f"not {self.name}", opposite=self.name, negated=not self.negated
        )


def predicate(name: str, opposite: str = "") -> Callable[[Callable[[C], Answer]], Predicate[C]]:
    """Decorator: ``@predicate("symptoms under {conservative_care_days}")`` over ``def acute(ctx)``;
    ``opposite`` names the negation when "not …" would read badly."""

    def wrap(test: Callable[[C], Answer]) -> Predicate[C]:
        return Predicate(name, test, opposite=opposite)

    return wrap


@dataclass(frozen=True)
class Step(Generic[C]):
    """A rule applies when every predicate holds; ``build`` makes its card (None: the rule is silent
    here and the next step is read)."""

    rule: Rule
    when: tuple[Predicate[C], ...]
    build: Callable[[C], CardDraft | None]


@dataclass(frozen=True)
class Branch(Generic[C]):
    """Steps under shared predicates; final once its predicates hold."""

    name: str
    when: tuple[Predicate[C], ...]
    steps: tuple[Step[C] | Branch[C], ...]


Node = Step[Any] | Branch[Any]


@dataclass(frozen=True)
class Decision:
    card: CardDraft | None
    basis: tuple[Fact, ...]


def _all_hold(ctx: C, when: tuple[Predicate[C], ...]) -> tuple[Fact, ...] | None:
    """One fact per predicate that holds (its name, with the resources of its facts), or None."""
    out = []
    for p in when:
        facts = p.holds(ctx)
        if facts is None:
            return None
        refs = tuple(dict.fromkeys(r for f in facts for r in f.refs))
        label = p.label(getattr(ctx, "t", DEFAULT_THRESHOLDS))
        out.append(Fact(label, refs[0] if refs else None, refs[1:]))
    return tuple(out)


def _walk(ctx: C, nodes: tuple[Step[C] | Branch[C], ...], trail: tuple[Fact, ...]) -> Decision | None:
    for node in nodes:
        held = _all_hold(ctx, node.when)
        if held is None:
            continue
        if isinstance(node, Branch):
            decided = _walk(ctx, node.steps, trail + held)
            return decided if decided is not None else Decision(None, trail + held)
        card = node.build(ctx)
        if card is not None:
            return Decision(replace(card, basis=trail + held), trail + held)
    return None


def decide(ctx: C, tree: Branch[C]) -> Decision:
    """The first step of ``tree`` that holds and gives a card, with the predicates that led there."""
    held = _all_hold(ctx, tree.when)
    if held is None:
        return Decision(None, ())
    return _walk(ctx, tree.steps, held) or Decision(None, held)


def steps(tree: Branch[Any]) -> Iterator[tuple[tuple[str, ...], Step[Any]]]:
    """Every step of the tree in precedence order, with the names of the predicates above it."""

    def visit(node: Node, above: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Step[Any]]]:
        names = above + tuple(p.label() for p in node.when)
        if isinstance(node, Step):
            yield names, node
        else:
            for child in node.steps:
                yield from visit(child, names)

    yield from visit(tree, ())


def describe(tree: Branch[Any]) -> list[str]:
    """The tree as a markdown list, for the docs: branches nest, each step names its rule."""
    lines: list[str] = []

    def when(node: Node) -> str:
        return "; ".join(p.label() for p in node.when) or "otherwise"

    def visit(node: Node, depth: int) -> None:
        pad = "  " * depth
        if isinstance(node, Step):
            lines.append(f"{pad}- **{node.rule.id}** ({node.rule.title}) — when {when(node)}")
            return
        lines.append(f"{pad}- {node.name} — when {when(node)}, and then only:")
        for child in node.steps:
            visit(child, depth + 1)

    for child in tree.steps:
        visit(child, 0)
    return lines
