"""Every card the service answers any fixture with can be read in ten seconds in an EHR sidebar.

Each request in ``fhir_fixtures/`` (pathway scenarios, order scenarios on both hooks, the protocol
requests) is POSTed to the real app at its evaluation date. Every card must keep the budgets —
summary ≤ 139 characters, detail ≤ 400, no "Do not" list, at most one "Not recorded" line — and
name only public sources: no internal source names ("seed"), no "decision model" or section
numbers, no unverified-citation caveat, no study labelled a guideline. Patient-view answers with at
most two cards, a critical card stands alone, and only a critical card says or orders "urgent".
Every deciding fact the card shows that has a short form shows it whole, never cut in the middle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hooks.cards import DETAIL_MAX, KEY_FACTS, SUMMARY_MAX, CardDraft, _fact_head, render_detail
from hooks.evidence import GUIDELINES
from hooks.registry import history_prefetch
from hooks.terminology import default_terminology

ROOT = Path(__file__).resolve().parent.parent / "fhir_fixtures"
PROTOCOL_DATE = "2026-11-20"
SERVICE = {"patient-view": "radicular-pathway", "order-select": "radicular-order-select",
           "order-sign": "radicular-order-sign"}  # fmt: skip
FORBIDDEN = re.compile(r"\bseeds?\b|decision model|§|re-?verified|\bGuideline:", re.I)
URGENT = re.compile(r"\b(urgent|stat|emergency)\b", re.I)
STUDY_URLS = {g.url: g for g in GUIDELINES.values() if g.kind != "guideline"}


def _requests() -> Iterator[tuple[str, Path, str]]:
    for exp in sorted((ROOT / "pathway").glob("*.expected.json")):
        e = json.loads(exp.read_text())
        yield f"pathway/{e['scenario']}", ROOT / "pathway" / e["fixture"], e["evaluation_date"]
    for exp in sorted((ROOT / "orders").glob("*.expected.json")):
        e = json.loads(exp.read_text())
        slug = exp.name.removesuffix(".expected.json")
        for hook in ("order-select", "order-sign"):
            yield f"orders/{slug}.{hook}", ROOT / "orders" / f"{slug}.{hook}.json", e["evaluationDate"]
    for p in sorted((ROOT / "protocol").glob("*.json")):
        if "hook" in json.loads(p.read_text()):
            yield f"protocol/{p.stem}", p, PROTOCOL_DATE


REQUESTS = list(_requests())


def offline(request: dict[str, Any]) -> dict[str, Any]:
    """The request with every prefetch key it lacks given as null (no data), so nothing is fetched."""
    keys = history_prefetch(default_terminology())
    given = {k: v for k, v in (request.get("prefetch") or {}).items() if k in keys}
    prefetch = {k: None for k in keys} | given
    return {k: v for k, v in request.items() if k not in ("fhirServer", "fhirAuthorization")} | {
        "prefetch": prefetch
    }


def card_problems(card: dict[str, Any]) -> list[str]:
    """Every way one card breaks the ten-second budget or names something a clinician cannot look up."""
    name = card.get("source", {}).get("topic", {}).get("code", "?")
    out = []
    summary, detail = card.get("summary", ""), card.get("detail", "")
    if len(summary) > SUMMARY_MAX:
        out.append(f"{name}: summary {len(summary)} > {SUMMARY_MAX}")
    if len(detail) > DETAIL_MAX:
        out.append(f"{name}: detail {len(detail)} > {DETAIL_MAX}")
    if "**Do not**" in detail:
        out.append(f"{name}: a 'Do not' list on the card")
    if detail.count("Not recorded") > 1:
        out.append(f"{name}: more than one 'Not recorded' line")
    texts = [summary, detail, card.get("source", {}).get("label", "")]
    texts += [s.get("label", "") for s in card.get("suggestions", [])]
    texts += [a.get("description", "") for s in card.get("suggestions", []) for a in s.get("actions", [])]
    texts += [lk.get("label", "") for lk in card.get("links", [])]
    out += [f"{name}: internal or unverified name in {t!r}" for t in texts if FORBIDDEN.search(t)]
    for lk in card.get("links", []):
        study = STUDY_URLS.get(lk.get("url", ""))
        if study is not None and study.kind not in lk.get("label", ""):
            out.append(f"{name}: {study.label} linked without saying it is a {study.kind}")
    if card.get("indicator") != "critical":
        for s in card.get("suggestions", []):
            priorities = {(a.get("resource") or {}).get("priority") for a in s.get("actions", [])}
            if URGENT.search(s.get("label", "")) or priorities & {"urgent", "stat", "asap"}:
                out.append(f"{name}: {card.get('indicator')} card offers {s.get('label')!r} as urgent")
    return out


def response_problems(hook: str, cards: list[dict[str, Any]]) -> list[str]:
    out = [p for c in cards for p in card_problems(c)]
    if hook == "patient-view" and len(cards) > 2:
        out.append(f"patient-view answered with {len(cards)} cards (budget 2)")
    if any(c.get("indicator") == "critical" for c in cards) and len(cards) > 1:
        out.append("a critical card does not stand alone")
    return out


@pytest.fixture
def post(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any], str], list[dict[str, Any]]]:
    apps: dict[str, Flask] = {}

    def call(request: dict[str, Any], when: str) -> list[dict[str, Any]]:
        app = apps.get(when) or apps.setdefault(when, make_app(settings_overrides={"evaluation_date": when}))
        resp = app.test_client().post(f"/cds-services/{SERVICE[request['hook']]}", json=offline(request))
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        return list(resp.get_json()["cards"])

    return call


@pytest.mark.parametrize(("name", "path", "when"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_card_keeps_the_budget(
    name: str, path: Path, when: str, post: Callable[[dict[str, Any], str], list[dict[str, Any]]]
) -> None:
    """The response to this fixture keeps every card and alert budget and names only public sources."""
    request = json.loads(path.read_text())
    problems = response_problems(request["hook"], post(request, when))
    assert not problems, f"{name}:\n  - " + "\n  - ".join(problems)


def test_the_checks_catch_what_they_are_for() -> None:
    """The checker flags a long detail, a seed citation, a study labelled a guideline, an urgent
    suggestion on a warning card and a third patient-view card (so a green run means something)."""
    study = next(iter(STUDY_URLS.values()))
    bad = {
        "summary": "x" * 141,
        "detail": "**Do not**\n- seed 003 says so\n" + "y" * 400,
        "indicator": "warning",
        "source": {"label": "Radicular CDS · decision model §1.2", "topic": {"code": "F3"}},
        "suggestions": [{"label": "Urgent: refer to a spine surgeon", "actions": []}],
        "links": [{"label": "Guideline: " + study.label, "url": study.url}],
    }
    found = "\n".join(response_problems("patient-view", [bad, bad, bad]))
    for expected in ("summary 141", "detail", "'Do not' list", "internal or unverified name",
                     f"linked without saying it is a {study.kind}", "as urgent", "3 cards"):
        assert expected in found, expected
    assert not card_problems({"summary": "ok", "detail": "ok", "indicator": "info"})


def cut_short_forms(draft: CardDraft, detail: str) -> list[str]:
    """Each deciding fact shown on the card with a short form that is not shown whole."""
    lines = [line for line in detail.split("\n") if line.startswith("- ")]
    out = []
    for f, line in zip(draft.why[:KEY_FACTS], lines, strict=False):
        if f.short and line != _fact_head(f) + f.short:
            out.append(f"{draft.rule_id}: {line!r} is not the short form {f.short!r}")
    return out


@pytest.fixture(scope="module")
def engine() -> Callable[[str], Any]:
    """One evaluation engine per date, with no FHIR server to call (the requests run offline)."""
    from dataclasses import replace

    from cds_service.fhir_client import FhirClient
    from cds_service.pipeline import Engine
    from cds_service.settings import Settings
    from hooks.registry import services
    from hooks.thresholds import load_thresholds

    settings = Settings(auth_enabled=False, database_url="sqlite://")
    client = FhirClient(timeout=1.0, page_cap=1, max_response_bytes=1 << 20)
    made: dict[str, Any] = {}

    def at(when: str) -> Any:
        if when not in made:
            made[when] = Engine(
                replace(settings, evaluation_date=when), services(), client, default_terminology(),
                load_thresholds(settings.thresholds_file),
            )  # fmt: skip
        return made[when]

    return at


@pytest.mark.parametrize(("name", "path", "when"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_short_form_on_a_card_is_whole(
    name: str, path: Path, when: str, engine: Callable[[str], Any]
) -> None:
    """Each card drafted for this fixture shows its deciding facts' short forms whole, within budget."""
    from cds_service.pipeline import Invocation
    from hooks.registry import services

    request = offline(json.loads(path.read_text()))
    service = next(s for s in services() if request["hook"] in s.hooks)
    inv = engine(when).invoke(service.endpoint_id(request["hook"]), request, Invocation(service.id))
    problems = []
    for draft in inv.drafts:
        detail = render_detail(draft)
        problems += cut_short_forms(draft, detail)
        if len(detail) > DETAIL_MAX or len(draft.summary) > SUMMARY_MAX:
            problems.append(f"{draft.rule_id}: over budget")
    assert not problems, f"{name}:\n  - " + "\n  - ".join(problems)


def test_the_short_form_check_catches_a_cut() -> None:
    from hooks.cards import Fact
    from hooks.evidence import guideline

    fact = Fact("a long text", "Procedure/esi-1", short="TFESI 2026-09-03: pain 8 → 7")
    draft = CardDraft(
        rule_id="F3", topic="t", indicator="info", summary="s", title="t", why=(fact,), next_steps=(),
        avoid=(), evidence=(guideline("nass_ldh"),),
    )  # fmt: skip
    assert cut_short_forms(draft, "- `Procedure/esi-1` TFESI 2026-09-03 … 8 → 7") != []
    assert cut_short_forms(draft, "- `Procedure/esi-1` TFESI 2026-09-03: pain 8 → 7") == []
