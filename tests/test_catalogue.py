"""The rule catalogue is the one list of rules, and every rule in it is tested and documented.

A positive fixture is a scenario whose expected cards include the rule; a negative fixture one that
names the rule as what must not fire there (pathway ``forbidden_states``, orders ``negativeFor``);
the docs entry is the rule's row in the catalogue table of ``docs/pathway.md``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from hooks.catalogue import CATALOGUE, RULES_BY_ID, rules_for
from hooks.evidence import guideline
from hooks.orders import CHECKS, RULE_IDS
from hooks.registry import services

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fhir_fixtures"
DOCS = ROOT / "docs" / "pathway.md"

# Rules that still lack a fixture of one kind. Each entry is a debt: add the scenario (in the
# generator's separate section) and delete the line; the test fails while a listed gap is filled.
MISSING_NEGATIVE: set[str] = set()
MISSING_POSITIVE: set[str] = set()
# Said when data could not be read; tested on every fixture with its optional data removed
# (tests/test_pathway_unread_data.py, tests/test_orders_http.py), not by a scenario of their own.
DATA_GAP_RULES = {"pathway.not-fully-checked", "order.not-fully-checked"}


def _fixture_coverage() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    pos: dict[str, set[str]] = defaultdict(set)
    neg: dict[str, set[str]] = defaultdict(set)
    for p in (FIXTURES / "pathway").glob("*.expected.json"):
        e = json.loads(p.read_text())
        for c in e["cards"]:
            pos[c["state"]].add(p.name)
        for s in e["forbidden_states"]:
            neg[s].add(p.name)
        if not e["cards"] and e["scenario"].startswith("x1_"):
            pos["X1"].add(p.name)  # X1 is shown by the absence of any card
    for p in (FIXTURES / "orders").glob("*.expected.json"):
        e = json.loads(p.read_text())
        for hook in ("order-select", "order-sign"):
            for c in e[hook]:
                pos[c["rule"]].add(p.name)
        for r in e.get("negativeFor", []):
            neg[r].add(p.name)
    return pos, neg


def test_ids_are_unique_and_every_rule_rests_on_a_public_guideline() -> None:
    """One declaration per id; the first source of every rule is a guideline linked over https."""
    ids = [r.id for r in CATALOGUE]
    assert len(ids) == len(set(ids)) == len(RULES_BY_ID)
    for r in CATALOGUE:
        first = guideline(r.evidence[0])
        assert first.kind == "guideline" and first.url.startswith("https://"), r.id
        assert all(guideline(k) for k in r.evidence)


def test_the_services_run_exactly_the_catalogued_rules() -> None:
    """Every order check's rules are catalogued, and every catalogued rule runs on a hook a service
    answers."""
    assert set(RULE_IDS) == {r.id for r in rules_for(("order-select", "order-sign"))}
    assert {rid for c in CHECKS for rid in c.rule_ids} <= set(RULE_IDS)
    hooks = {h for s in services() for h in s.hooks}
    assert all(set(r.hooks) <= hooks for r in CATALOGUE)
    for s in services():
        assert s.rules == rules_for(s.hooks)


def test_every_rule_has_a_positive_and_a_negative_fixture() -> None:
    """Each rule fires in at least one scenario and is named as not firing in another."""
    pos, neg = _fixture_coverage()
    ids = {r.id for r in CATALOGUE} - DATA_GAP_RULES
    assert {i for i in ids if not pos[i]} == MISSING_POSITIVE
    assert {i for i in ids if not neg[i]} == MISSING_NEGATIVE


def test_every_rule_has_a_row_in_the_docs() -> None:
    """docs/pathway.md has a catalogue row for every rule, with its state and title."""
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)` \|.*$", DOCS.read_text(), re.M)}
    missing = [r.id for r in CATALOGUE if r.id not in rows]
    assert not missing, f"docs/pathway.md lacks rows for {missing}"
    for r in CATALOGUE:
        assert r.title in rows[r.id] and f"| {r.decision_state} |" in rows[r.id], r.id
    assert set(rows) == {r.id for r in CATALOGUE}, "the docs list a rule the catalogue does not have"
