"""The decision model's precedence is one set of trees over the catalogue (hooks.pathway.precedence):
every patient-view state is reached through it, in the catalogue's order, documented as it runs,
and every card says which named predicates brought it there."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pathway_builders import make_input, obs, radic, run

from cds_service.cli import main as cli
from hooks.applicability import Branch, Step, decide, describe, predicate, steps
from hooks.cards import CardDraft, Fact, render_full
from hooks.catalogue import CATALOGUE
from hooks.pathway import evaluate_pathway
from hooks.pathway import precedence as pc
from hooks.pathway.rules import medication, psychosocial
from hooks.rule import PATIENT_VIEW, Rule
from hooks.thresholds import phrase

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "pathway.md"

# Patient-view rules that are not chosen by precedence: every cross-cutting rule that applies is
# shown (merged into one card), X1 explains a silence, the data-gap card is added afterwards, and
# the under-age card replaces every tree but the red flags (a scope check, not a state).
NOT_IN_A_TREE = {
    *(r.id for r in (medication.M1, medication.M2, medication.M3, medication.M4, medication.M5)),
    psychosocial.Y1.id,
    "X1",
    "pathway.not-fully-checked",
    "pathway.under-age",
}


def _tree_rules() -> list[str]:
    """Rule ids in the order the trees first name them."""
    return list(dict.fromkeys(s.rule.id for tree in pc.TREES for _, s in steps(tree)))


def test_every_patient_view_state_is_reached_through_a_tree_in_catalogue_order() -> None:
    pathway = [r.id for r in CATALOGUE if r.hooks == PATIENT_VIEW and r.id not in NOT_IN_A_TREE]
    assert _tree_rules() == pathway
    catalogued = {r.id: r for r in CATALOGUE}
    assert all(catalogued[s.rule.id] is s.rule for tree in pc.TREES for _, s in steps(tree))


def test_predicates_are_named_once_and_every_one_is_listed() -> None:
    used = {p.test for tree in pc.TREES for names, s in steps(tree) for p in s.when}
    used |= {p.test for tree in pc.TREES for p in _branch_predicates(tree)}
    listed = {p.test for p in pc.PREDICATES}
    assert used == listed
    names = [p.name for p in pc.PREDICATES]
    assert len(names) == len(set(names))
    assert all(p.label() == phrase(p.name, make_input().thresholds) for p in pc.PREDICATES)


def _branch_predicates(node: Branch | Step) -> list:  # type: ignore[type-arg]
    if isinstance(node, Step):
        return []
    return [*node.when, *(p for child in node.steps for p in _branch_predicates(child))]


def test_the_docs_print_the_trees_as_they_run() -> None:
    text = DOCS.read_text()
    start, end = "<!-- precedence:start -->\n", "<!-- precedence:end -->"
    assert start in text and end in text
    shown = text.split(start, 1)[1].split(end, 1)[0]
    assert shown.strip() == pc.docs_section().strip(), (
        "docs/pathway.md is out of date: paste the output of "
        "`python -c 'from hooks.pathway.precedence import docs_section; print(docs_section())'`"
    )


def test_no_number_in_a_predicate_name_is_a_literal() -> None:
    """Durations and scores in predicate names are threshold fields, said as the site set them (the
    "/10" of a 0–10 scale is not a threshold)."""
    for p in pc.PREDICATES:
        for name in (p.name, p.opposite):
            assert not re.search(r"\d", re.sub(r"\{[a-z_]+\}|/10\b", "", name)), name


def test_the_card_says_how_the_pathway_reached_it() -> None:
    """E1's basis names the gate-free predicates that held and the scores they read; the full
    reasoning prints them."""
    cards = run(radic(days=20), obs("Observation/nrs", "pain", 4, 3))
    (card,) = cards
    assert card.rule_id == "E1"
    texts = [f.text for f in card.basis]
    assert texts == [
        "no lumbar ESI in this episode",
        "symptoms under 6 weeks",
        "pain under 7/10 or ODI under 40, or neither recorded",
    ]
    assert "**How the pathway reached this step**" in render_full(card)


def test_a_site_threshold_shows_in_the_basis() -> None:
    inp = make_input(radic(days=50), obs("Observation/nrs", "pain", 4, 3))
    site = replace(inp, thresholds=replace(inp.thresholds, conservative_care_days=56))
    (card,) = evaluate_pathway(site)
    assert card.rule_id == "E1"
    assert "symptoms under 8 weeks" in [f.text for f in card.basis]


def test_a_refractory_card_names_the_failed_esi_in_its_basis(capsys: pytest.CaptureFixture[str]) -> None:
    """The F3 fixture's full reasoning shows the way to F3, each step with the resource it read."""
    request = ROOT / "fhir_fixtures" / "pathway" / "f3_failed_tfesi_concordant.json"
    assert cli(["evaluate", str(request), "--date", "2026-11-01", "--full"]) == 0
    text = capsys.readouterr().out
    basis = text.split("**How the pathway reached this step**\n", 1)[1].split("\n\n", 1)[0]
    assert basis.splitlines() == [
        "- `Procedure/esi-1` — the latest image-guided ESI failed",
        "- pain not recorded as settled",
        "- `DiagnosticReport/mri-1` — a compressive lesion concordant with the symptoms",
    ]


# ---------------------------------------------------------------------------------------------
# the tree semantics, on a context of their own
# ---------------------------------------------------------------------------------------------


@dataclass
class Ctx:
    flags: set[str]


RULE = Rule("T1", "Test", "t", ("nice_ng59",))


def _card(rule_id: str) -> CardDraft:
    return CardDraft(rule_id, "t", "info", rule_id, rule_id, (Fact("x"),), (), (), (object(),))  # type: ignore[arg-type]


@predicate("a", "no a")
def has_a(ctx: Ctx) -> bool:
    return "a" in ctx.flags


@predicate("b")
def has_b(ctx: Ctx) -> list[Fact]:
    return [Fact("b seen", "Observation/b")] if "b" in ctx.flags else []


TREE: Branch[Ctx] = Branch(
    "test",
    (),
    (
        Branch("under a", (has_a,), (Step(RULE, (has_b,), lambda c: _card("A and B")),)),
        Step(RULE, (~has_b,), lambda c: _card("neither")),
        Step(RULE, (), lambda c: None),
        Step(RULE, (), lambda c: _card("fallback")),
    ),
)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [({"a", "b"}, "A and B"), ({"a"}, None), (set(), "neither"), ({"b"}, "fallback")],
)
def test_a_branch_is_final_and_a_silent_step_falls_through(flags: set[str], expected: str | None) -> None:
    decision = decide(Ctx(flags), TREE)
    assert (decision.card.rule_id if decision.card else None) == expected


def test_the_basis_carries_each_predicate_with_its_resources() -> None:
    decision = decide(Ctx({"a", "b"}), TREE)
    assert decision.card is not None
    assert [(f.text, f.ref) for f in decision.card.basis] == [("a", None), ("b", "Observation/b")]
    assert (~has_a).name == "no a" and (~~has_a).name == "a"
    assert (~has_b).name == "not b"


def test_describe_nests_branches() -> None:
    lines = describe(TREE)
    assert lines[0] == "- under a — when a, and then only:"
    assert lines[1].startswith("  - **T1** (Test) — when b")
    assert lines[2] == "- **T1** (Test) — when not b"


def test_an_order_card_says_why_its_check_ran(capsys: pytest.CaptureFixture[str]) -> None:
    """Order checks are declared as data (``OrderCheck``): the code that put the draft in a check's
    scope is the card's basis, printed in the full reasoning."""
    request = ROOT / "fhir_fixtures" / "orders" / "esi-blind.order-sign.json"
    assert cli(["evaluate", str(request), "--date", "2026-11-01", "--full"]) == 0
    text = capsys.readouterr().out
    basis = text.split("**Why this check ran**\n", 1)[1].split("\n\n", 1)[0]
    assert basis.startswith("- `ServiceRequest/sr-esi` — the draft order is one this check judges: 62322 ")
