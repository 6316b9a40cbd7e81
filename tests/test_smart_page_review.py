"""The pathway page after a review: red-flag findings in the history picture and its table, the
red-flag box of the map styled only when a red flag is current, the card badge read apart from
the title, medicine names on the narrow timeline written whole, and durations by one rule."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # parses SVG this service drew, not outside input
from collections.abc import Callable
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
from flask import Flask

from cds_service.smart.timeline import NARROW, WIDTH, draw_timeline
from hooks.pathway.context import onset_age
from hooks.terminology import default_terminology
from hooks.thresholds import Thresholds
from tests.smart_helpers import PATHWAY
from tests.test_smart_page import SVG, _page, parse_svg, run

CES = "r1_cauda_equina_code"
ALL = sorted(p.name.removesuffix(".expected.json") for p in PATHWAY.glob("*.expected.json"))


def _text(fragment: str) -> str:
    """What a screen reader reads and a copy gives: the text with the tags taken out."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _table(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _svgs(html: str) -> list[ET.Element]:
    return [parse_svg(s) for s in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def _marks(root: ET.Element, ref: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}g") if el.get("data-ref") == ref]


# -- 5. red flags in the history ----------------------------------------------------------------


def test_the_cauda_equina_finding_is_in_the_table_with_its_date_and_post_void_residual() -> None:
    rows = _table(_page(CES, None))
    flags = [r for r in rows if "Condition/ces-1" in r[-1]]
    assert len(flags) == 1, rows
    n, when, what, result, _ref = flags[0]
    assert when == "2026-11-01"
    assert what.startswith("Red flag: cauda equina syndrome")
    assert "post-void residual 650 mL" in result
    assert n, "the row carries the number of its marker in the picture"
    assert len(rows) == 5  # diagnosis, ibuprofen, pain score, the red flag, the evaluation date


@pytest.mark.parametrize("width", [WIDTH, NARROW])
def test_the_cauda_equina_finding_is_a_red_marker_of_its_own_in_the_picture(width: int) -> None:
    inv = run(CES)
    assert inv.history is not None and inv.today is not None
    root = parse_svg(draw_timeline(inv.history, inv.today, default_terminology(), Thresholds(), width).svg)
    marks = _marks(root, "Condition/ces-1")
    assert len(marks) == 1
    classes = (marks[0].get("class") or "").split()
    assert {"ev", "redflag", "flag"} <= set(classes) and "past" not in classes
    assert marks[0].get("data-date") == "2026-11-01"
    title = marks[0].find(f"{SVG}title")
    assert title is not None and "Red flag: cauda equina syndrome" in (title.text or "")
    assert "Red flag" in "".join(marks[0].itertext())
    assert "Red flag: cauda equina syndrome" in (root.get("aria-label") or "")


def test_the_page_draws_the_red_flag_in_both_pictures_and_names_it_in_the_legend() -> None:
    html = _page(CES, None)
    for root in _svgs(html):
        assert [m.get("class") for m in _marks(root, "Condition/ces-1")] == ["ev redflag flag"]
    assert re.search(r'<ul class="legend".*?red flag</li>', html, re.S)


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("e1_skin_numbness_not_saddle", "Condition/numb-finger-1"),
        ("r1_resolved_ces_history_not_red_flag", "Condition/ces-1"),
    ],
)
def test_guard_a_finding_the_rules_do_not_count_is_shown_but_not_called_a_red_flag(
    name: str, ref: str
) -> None:
    """A numb fingertip coded as skin anaesthesia, or a cauda equina syndrome operated on years ago:
    in a value set the red-flag rules read, but no red flag today. The history shows it, outlined,
    and says the rules checked it; it never reads "Red flag"."""
    inv = run(name)
    assert not any(d.rule_id.startswith("R") for d in inv.drafts)
    assert inv.history is not None
    if not any(c.ref == ref for c in inv.history.conditions):
        pytest.skip(f"{name} no longer holds {ref}")
    html = _page(name, None)
    for root in _svgs(html):
        marks = _marks(root, ref)
        assert len(marks) == 1 and (marks[0].get("class") or "").split()[:2] == ["ev", "finding"]
        assert "Red flag" not in "".join(marks[0].itertext())
    row = next(r for r in _table(html) if ref in r[-1])
    assert not row[2].startswith("Red flag") and "no red flag raised today" in row[2]


def test_guard_red_flag_markers_only_where_a_red_flag_card_fires() -> None:
    """Across every pathway scenario: a red marker only when a red-flag card (R1–R3) fires, only on
    a Condition or measurement that card cites; and every Condition it cites that is in a red-flag
    value set is a red marker (not the spinal diagnosis it cites beside it)."""
    from cds_service.smart.timeline import RED_FLAG_SETS  # the value sets the red-flag rules read

    red_sets = tuple(vs for vs, _, _ in RED_FLAG_SETS)
    t, th = default_terminology(), Thresholds()
    for name in ALL:
        inv = run(name)
        assert inv.history is not None and inv.today is not None
        tl = draw_timeline(inv.history, inv.today, t, th)
        flagged = {r.ref for r in tl.rows if r.kind == "redflag"}
        red_cards = [d for d in inv.drafts if d.rule_id in ("R1", "R2", "R3")]
        if not red_cards:
            assert not flagged, (name, flagged)
            continue
        cited = {
            r
            for d in red_cards
            for f in d.why
            for r in (f.ref, *f.refs)
            if r and r.startswith(("Condition/", "Observation/"))
        }
        in_sets = {c.ref for c in inv.history.conditions if t.in_any(red_sets, c.codings)}
        assert flagged <= cited, (name, flagged, cited)
        assert cited & in_sets <= flagged, (name, flagged, cited)


# -- 9. the map's red-flag box, the badge, the narrow timeline, durations ----------------------------


def _css(html: str) -> str:
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def _rules(css: str) -> list[tuple[str, str]]:
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def _exit_li(html: str) -> str:
    m = re.search(r'<li class="(exit[^"]*)"', html)
    assert m is not None
    return m.group(1)


def test_the_red_flag_box_looks_like_any_stage_unless_a_red_flag_is_current() -> None:
    html = _page("f3_failed_tfesi_concordant", None)
    assert "current" not in _exit_li(html).split()
    for sel, body in _rules(_css(html)):
        if "li.exit" in sel and ".current" not in sel:
            assert "dashed" not in body and "--fail" not in body and "#fdeeee" not in body, (sel, body)
    red = _page(CES, None)
    assert "current" in _exit_li(red).split()
    styled = [
        body
        for sel, body in _rules(_css(red))
        if "li.exit.current" in sel and sel.endswith("li.exit.current")
    ]
    assert any("--fail" in body for body in styled)


def test_the_now_mark_is_not_drawn_in_the_passed_green() -> None:
    """ "● now" and "✓ passed" are told apart by their class; "now" is never the passed green, and in
    the red-flag box it is the red flag's red."""
    html = _page(CES, None)
    assert '<span class="mark now">● now</span>' in html
    rules = _rules(_css(html))
    now = [body for sel, body in rules if sel.endswith(".mark.now")]
    assert now and all("--ok" not in body for body in now)
    assert any(
        "--fail" in body for sel, body in rules if "li.exit.current" in sel and sel.endswith(".mark.now")
    )
    generic = [body for sel, body in rules if sel.endswith(".stage .mark")]
    assert all("color" not in body for body in generic)


class _H3(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h3":
            self.depth += 1
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.texts[-1] += data


@pytest.mark.parametrize("name", ["f3_failed_tfesi_concordant", CES, "e1_acute_tolerable"])
def test_the_badge_is_read_apart_from_the_card_title(name: str) -> None:
    """Read aloud or copied, a card heading is "warning: Failed ESI…", not "warningFailed ESI…"."""
    parser = _H3()
    parser.feed(_page(name, None))
    assert parser.texts
    for text in parser.texts:
        assert re.match(r"(info|warning|critical): \S", text), text


def test_the_separator_is_hidden_from_sight_not_from_screen_readers() -> None:
    css = _css(_page(CES, None))
    vh = [body for sel, body in _rules(css) if sel == ".vh"]
    assert vh and "display:none" not in vh[0].replace(" ", "") and "clip" in vh[0]


CHAR_W = 6  # about the width of a character of a bar's name (9.5 px bold)


def _bar_names(root: ET.Element) -> list[tuple[str, float, str]]:
    out = []
    for g in root.iter(f"{SVG}g"):
        if "med" not in (g.get("class") or "").split():
            continue
        for el in g.findall(f"{SVG}text"):
            out.append((el.text or "", float(el.get("x", "nan")), el.get("text-anchor") or "start"))
    return out


def test_naproxen_is_written_whole_inside_the_narrow_picture() -> None:
    inv = run("s1_post_discectomy_new_pain")
    assert inv.history is not None and inv.today is not None
    root = parse_svg(draw_timeline(inv.history, inv.today, default_terminology(), Thresholds(), NARROW).svg)
    names = _bar_names(root)
    assert [n for n, _, _ in names] == ["Naproxen"]
    _, x, anchor = names[0]
    lo, hi = (x, x + len("Naproxen") * CHAR_W) if anchor == "start" else (x - len("Naproxen") * CHAR_W, x)
    assert lo >= 0 and hi <= NARROW, (lo, hi)


@pytest.mark.parametrize("width", [WIDTH, NARROW])
def test_guard_every_medicine_name_is_whole_and_inside_the_picture(width: int) -> None:
    """Every scenario: the name on a bar is the first word of the order's text, never cut, and lies
    inside the picture's width; every event label's centre leaves it room inside too."""
    t, th = default_terminology(), Thresholds()
    for name in ALL:
        inv = run(name)
        assert inv.history is not None and inv.today is not None
        root = parse_svg(draw_timeline(inv.history, inv.today, t, th, width).svg)
        words = {m.text.split(" ")[0] for m in inv.history.medications if m.text}
        for text, x, anchor in _bar_names(root):
            assert text in words | {"medicine", "Physiotherapy", "Psychological therapy"}, (name, text)
            w = len(text) * CHAR_W
            lo, hi = (x, x + w) if anchor == "start" else (x - w, x)
            assert lo >= 0 and hi <= width, (name, width, text, lo, hi)
        for lbl in root.iter(f"{SVG}text"):
            if lbl.get("class") == "lbl":
                half = len(lbl.text or "") * 2.9
                assert half <= float(lbl.get("x", "nan")) <= width - half, (name, lbl.text)


ONSET = re.compile(r"onset (\d{4}-\d{2}-\d{2}) \((\d+ (?:day|week|month|year)s?)\)")


@pytest.mark.parametrize(
    "name",
    [
        "s1_post_discectomy_new_pain",
        "f3_failed_tfesi_concordant",
        "e1_acute_tolerable",
        CES,
        "r3_infection_ivdu_fever",
    ],
)
def test_guard_an_onset_age_is_written_by_one_rule(name: str) -> None:
    """ "(35 days)" on one page and "(21 weeks)" on another are one rule, not two: days while the
    symptoms are younger than the conservative-care period (so they read beside "ESI 20 days after
    onset"), then ``hooks.thresholds.span``. Every onset age on the page follows it."""
    inv = run(name)
    assert inv.today is not None
    html = _page(name, None)
    found = ONSET.findall(_text(html))
    for when, age in found:
        days = (inv.today - date.fromisoformat(when)).days
        assert age == onset_age(days, Thresholds().conservative_care_days), (when, age)


def test_the_demo_route_shows_the_red_flag_in_the_history(make_app: Callable[..., Flask]) -> None:
    html = make_app().test_client().get(f"/app/demo/{CES}").get_data(as_text=True)
    row = next(r for r in _table(html) if "Condition/ces-1" in r[-1])
    assert row[1] == "2026-11-01" and row[2].startswith("Red flag: cauda equina syndrome")


# -- a partial onset date is said as the record wrote it ------------------------------------------


def test_an_onset_sent_as_a_month_is_shown_as_that_month_not_its_first_day() -> None:
    """The chart gives the sciatica's onset as "2026-07": the page's table, the marker's tooltip and
    the picture's words say "2026-07", never "2026-07-01", a day the record does not give."""
    html = _page("p2_three_months_unreferred", None)
    onset = [r for r in _table(html) if r[2].startswith("Lumbar radiculopathy") or "onset gives" in r[3]]
    assert len(onset) == 1, _table(html)
    assert onset[0][1] == "2026-07"
    assert onset[0][3] == "onset gives the month only"
    assert "2026-07-01" not in _text(html)  # what is read; data-date places the marker on its first day
    (svg, *_rest) = _svgs(html)
    titles = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert any(t.startswith("2026-07 — ") for t in titles), titles
    assert "2026-07 " in (svg.get("aria-label") or "")


# -- a red flag read from a measurement ------------------------------------------------------------


def test_a_fever_measured_is_a_red_flag_marker_in_the_history() -> None:
    """A temperature of 38.6 °C with new sciatica fires the infection card; the history shows the
    reading that fired it, on the day it was taken, as a red flag, not only the Conditions."""
    from cds_service.smart.timeline import red_flags_on_cards
    from tests.test_red_flag_fever_and_weakness import TODAY, pathway, radiculopathy, read, temperature

    resources = (radiculopathy(16), temperature(38.6, 1))
    cards = pathway(*resources)
    assert [c.rule_id for c in cards] == ["R3"]
    timeline = draw_timeline(read(*resources), TODAY, default_terminology(), Thresholds(),
                             raised=red_flags_on_cards(cards))  # fmt: skip
    flags = [r for r in timeline.rows if r.ref == "Observation/temp"]
    assert [(r.kind, r.what) for r in flags] == [
        ("redflag", "Red flag (cancer, infection or fracture): Body temperature")
    ]
    assert (
        flags[0].result.startswith("38.6")
        and flags[0].day == (TODAY.fromordinal(TODAY.toordinal() - 1)).isoformat()
    )
