"""The pathway page, rendered on the server (Jinja2, inline SVG, no script).

``render_page`` takes what one run of the pipeline produced (the typed history, the cards in
full and the evaluation date) and the state the card link named, and returns the HTML: the
pathway map, the timeline picture with its table, the full reasoning of every card, and the data
that could not be read. The same function serves the SMART launch, the demo route and
``radicular-cds evaluate --html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from cds_service.smart.pathway_map import STATE_NAMES, passed_stages, pathway_map
from cds_service.smart.reasoning import reasoning
from cds_service.smart.timeline import NARROW, draw_timeline, red_flags_on_cards
from hooks.cards import ADVISORY, data_name
from hooks.facts import PatientHistory
from hooks.terminology import Terminology
from hooks.thresholds import Thresholds

_ENV = Environment(
    loader=PackageLoader("cds_service.smart", "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class PageInput:
    history: PatientHistory
    drafts: Sequence[Any]  # CardDraft-like: see cds_service.smart.reasoning
    today: date
    app_context: str | None = None  # the state the card link named, e.g. "F3"
    note: str | None = None  # e.g. "Demonstration: synthetic patient"
    logout: bool = False  # an app session's page offers to end it


def current_state(app_context: str | None, drafts: Sequence[Any]) -> str | None:
    """The state to open at, from what this evaluation found, never from the link alone (a card
    opened yesterday may no longer apply): a red flag found now always; else the state of the card
    the link was opened from, when it still applies; else the first pathway card's (not a
    cross-cutting one)."""
    found = [str(d.rule_id) for d in drafts if d.rule_id in STATE_NAMES]
    flags = [s for s in found if s[0] == "R"]
    if flags:
        return flags[0]
    if app_context and app_context in found:
        return app_context
    return next((s for s in found if s[0] not in "MY"), None)


def stale_link(app_context: str | None, drafts: Sequence[Any]) -> str | None:
    """The name of the state the link was opened from when this evaluation no longer finds it."""
    if not app_context or app_context not in STATE_NAMES:
        return None
    return None if any(d.rule_id == app_context for d in drafts) else STATE_NAMES[app_context]


def render_page(page: PageInput, terminology: Terminology, thresholds: Thresholds) -> str:
    # the red flags the cards already decided, not decided again for each picture
    raised = red_flags_on_cards(page.drafts)
    timeline = draw_timeline(page.history, page.today, terminology, thresholds, raised=raised)
    narrow = draw_timeline(page.history, page.today, terminology, thresholds, width=NARROW, raised=raised)
    current = current_state(page.app_context, page.drafts)
    stages = pathway_map(
        current,
        (d.rule_id for d in page.drafts),
        passed_stages(page.history, page.today, terminology, thresholds),
    )
    views = reasoning(page.drafts)
    # the card the link was opened from comes first
    views = tuple(sorted(views, key=lambda v: v.state != current))
    return _ENV.get_template("page.html").render(
        today=page.today,
        note=page.note,
        logout=page.logout,
        patient=page.history.patient,
        current=current,
        current_name=STATE_NAMES.get(current or "", ""),
        stale=stale_link(page.app_context, page.drafts),
        stages=stages,
        # built by timeline.py, where every text is escaped
        svg=Markup(timeline.svg),  # noqa: S704
        svg_narrow=Markup(narrow.svg),  # noqa: S704
        rows=timeline.rows,
        cards=views,
        unavailable=_unavailable(page.history.unavailable),
        advisory=ADVISORY.strip("_"),
    )


def render_error(title: str, message: str, status: int) -> str:
    """A plain page saying what went wrong and what to do; never a stack trace, never a token."""
    return _ENV.get_template("error.html").render(title=title, message=message, status=status)


def _unavailable(unavailable: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(data_name(k), why) for k, why in sorted(unavailable.items())]
