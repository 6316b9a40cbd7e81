"""The pathway app's page and its parts: the smart link on every pathway card, the trust file's
FHIR servers, the timeline picture checked structurally, the pathway map, the reasoning, the
demo route and ``evaluate --html``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # parses SVG this service drew, not outside input
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from cds_service.auth.trust import TrustConfigError, load_trust
from cds_service.cli import main
from cds_service.fhir_client import FhirClient
from cds_service.pipeline import Engine, Invocation
from cds_service.settings import Settings
from cds_service.smart.page import PageInput, render_page
from cds_service.smart.reasoning import reasoning
from cds_service.smart.timeline import NARROW, WIDTH, draw_timeline, x_position
from hooks.registry import services
from hooks.terminology import default_terminology
from hooks.thresholds import Thresholds
from tests.smart_helpers import PATHWAY, scenario, write_trust

SVG = "{http://www.w3.org/2000/svg}"
THREE = ("f3_failed_tfesi_concordant", "s3_fbss_epidural_fibrosis", "f7_two_failed_esis_no_target")


def run(name: str, base_url: str = "https://cds.example.org") -> Invocation:
    request, expected = scenario(name)
    settings = Settings(evaluation_date=expected["evaluation_date"], public_base_url=base_url)
    engine = Engine(settings, services(), FhirClient(), default_terminology(), Thresholds())
    return engine.invoke("radicular-pathway", request)


# -- the link ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", sorted(p.name.removesuffix(".expected.json") for p in PATHWAY.glob("*.expected.json"))
)
def test_every_pathway_card_carries_the_smart_link_at_its_state(name: str) -> None:
    """Each patient-view card of the pathway service has one smart link to the app's launch URL,
    absolute from the public base URL, with appContext = the card's state."""
    inv = run(name, base_url="https://cds.example.org/base/")
    assert inv.body is not None
    for card in inv.body["cards"]:
        smart = [lk for lk in card["links"] if lk["type"] == "smart"]
        assert smart == [
            {
                "label": "See the pathway",
                "url": "https://cds.example.org/base/app/launch",
                "type": "smart",
                "appContext": card["source"]["topic"]["code"],
            }
        ]
        assert all("appContext" not in lk for lk in card["links"] if lk["type"] == "absolute")


def test_order_cards_carry_no_smart_link(protocol: Callable[[str], dict[str, Any]]) -> None:
    """The order guardrails are not pathway cards: no app link there."""
    root = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "orders"
    request = json.loads((root / "esi-blind.order-sign.json").read_text())
    engine = Engine(
        Settings(evaluation_date="2026-11-20"), services(), FhirClient(), default_terminology(), Thresholds()
    )
    inv = engine.invoke("radicular-order-sign", request)
    assert inv.body is not None and inv.body["cards"], (
        "the fixture must produce a card for this check to mean anything"
    )
    assert all(lk["type"] != "smart" for c in inv.body["cards"] for lk in c.get("links", []))


# -- the trust file ---------------------------------------------------------------------------


def test_the_trust_file_lists_fhir_servers_and_the_client_id(tmp_path: Path) -> None:
    trust = load_trust(
        write_trust(
            tmp_path / "t.json",
            ["https://EHR.example.org/fhir/", "http://127.0.0.1:9/fhir"],
            loopback_http=True,
        )
    )
    assert trust.all_fhir_servers() == {"https://ehr.example.org/fhir", "http://127.0.0.1:9/fhir"}
    assert trust.fhir_server_allowed("https://ehr.example.org", None, "https://ehr.example.org/fhir")
    assert not trust.fhir_server_allowed("https://ehr.example.org", None, "https://other.example.org/fhir")
    assert not trust.fhir_server_allowed("https://nobody.example.org", None, "https://ehr.example.org/fhir")
    assert trust.smart_client_id("https://ehr.example.org/fhir") == "pathway-test-client"


@pytest.mark.parametrize(
    ("servers", "loopback"),
    [
        (["http://ehr.example.org/fhir"], True),
        (["http://127.0.0.1:9/fhir"], False),
        ("https://x/fhir", False),
    ],
)
def test_plain_http_fhir_servers_need_loopback_and_the_switch(
    tmp_path: Path, servers: Any, loopback: bool
) -> None:
    path = write_trust(tmp_path / "t.json", ["https://ok.example.org/fhir"], loopback_http=loopback)
    raw = json.loads(path.read_text())
    next(iter(raw.values()))["fhir_servers"] = servers
    path.write_text(json.dumps(raw))
    with pytest.raises(TrustConfigError):
        load_trust(path)


# -- the timeline -----------------------------------------------------------------------------


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the service's own output


def shape_centres(mark: ET.Element) -> list[float]:
    """The x of the shape that marks a procedure: a circle, a diamond or triangle path, a square, a tick."""
    out = []
    for el in mark.iter():
        tag = el.tag.removeprefix(SVG)
        if tag == "circle":
            out.append(float(el.get("cx", "nan")))
        elif tag == "line":
            out.append(float(el.get("x1", "nan")))
        elif tag == "path":
            out.append(float(re.match(r"M([\d.]+)", el.get("d", "")).group(1)))  # type: ignore[union-attr]
        elif tag == "rect":
            out.append(round(float(el.get("x", "nan")) + float(el.get("width", "nan")) / 2, 1))
    return out


@pytest.mark.parametrize("name", THREE)
@pytest.mark.parametrize("width", [WIDTH, NARROW])
def test_each_procedure_is_drawn_once_at_its_dates_x(name: str, width: int) -> None:
    """Every dated procedure of the chart appears exactly once in the picture, at the x position of
    its date on the picture's own axis; the evaluation date is drawn too."""
    inv = run(name)
    assert inv.history is not None and inv.today is not None
    tl = draw_timeline(inv.history, inv.today, default_terminology(), Thresholds(), width=width)
    root = parse_svg(tl.svg)
    assert root.get("viewBox", "").startswith(f"0 0 {width} ")
    start, end = date.fromisoformat(root.get("data-start", "")), date.fromisoformat(root.get("data-end", ""))
    drawn: dict[str, list[ET.Element]] = {}
    for el in root.iter():
        if el.get("data-ref", "").startswith("Procedure/"):
            drawn.setdefault(el.get("data-ref", ""), []).append(el)
    procedures = [p for p in inv.history.procedures if p.performed is not None and p.status != "not-done"]
    assert procedures, "the scenario has procedures"
    for p in procedures:
        assert p.performed is not None
        marks = drawn.get(p.ref, [])
        assert len(marks) == 1, f"{p.ref} drawn {len(marks)} times"
        mark = marks[0]
        assert mark.get("data-date") == p.performed.isoformat()
        x = x_position(p.performed, start, end, width)
        assert shape_centres(mark) == [x], f"{p.ref} not drawn at x={x}"
    assert set(drawn) <= {p.ref for p in procedures}
    today = root.find(f".//{SVG}g[@class='today']")
    assert today is not None and today.get("data-date") == inv.today.isoformat()


def test_failed_injections_are_marked_failed_with_their_outcome_label() -> None:
    inv = run("f3_failed_tfesi_concordant")
    assert inv.history is not None and inv.today is not None
    root = parse_svg(draw_timeline(inv.history, inv.today, default_terminology(), Thresholds()).svg)
    esi = root.find(f".//{SVG}g[@data-ref='Procedure/esi-1']")
    assert esi is not None and "fail" in (esi.get("class") or "").split()
    assert "".join(esi.itertext()).count("failed") >= 1


def diagnosis_marker(inv: Invocation) -> ET.Element:
    assert inv.history is not None and inv.today is not None
    root = parse_svg(draw_timeline(inv.history, inv.today, default_terminology(), Thresholds()).svg)
    marks = [el for el in root.iter() if el.get("data-ref", "").startswith("Condition/")]
    assert len(marks) == 1
    return marks[0]


def test_a_diagnosis_with_an_onset_is_drawn_as_the_onset() -> None:
    words = "".join(diagnosis_marker(run("f3_failed_tfesi_concordant")).itertext())
    assert "Onset" in words and "Recorded" not in words


def test_a_diagnosis_dated_only_by_its_recording_is_drawn_as_recorded_not_as_an_onset() -> None:
    """No onset given: the rules date the diagnosis by its recording (the pain began on or before
    that day), and the picture says so rather than calling that day the onset."""
    inv = run("f3_failed_tfesi_concordant")
    assert inv.history is not None
    conditions = tuple(
        replace(c, onset=c.recorded or c.onset, onset_from_record=True) for c in inv.history.conditions
    )
    inv = replace(inv, history=replace(inv.history, conditions=conditions))
    words = "".join(diagnosis_marker(inv).itertext())
    assert "Recorded" in words and "recorded; no onset given" in words
    assert "Onset" not in words


def test_pain_and_odi_are_lines_and_medicines_bars() -> None:
    inv = run("f3_failed_tfesi_concordant")
    assert inv.history is not None and inv.today is not None
    root = parse_svg(draw_timeline(inv.history, inv.today, default_terminology(), Thresholds()).svg)
    pain = root.find(f".//{SVG}g[@class='series pain']")
    assert pain is not None and len(pain.findall(f"{SVG}circle")) == len(
        {o.effective for o in inv.history.observations if o.kind == "pain"}
    )
    assert root.find(f".//{SVG}g[@class='series odi']") is not None
    assert root.findall(f".//{SVG}g[@class='med nsaid']")
    assert "Timeline of the radicular pain history" in (root.get("aria-label") or "")


# -- the page ---------------------------------------------------------------------------------


INTERNAL_NAMES = re.compile(r"\bseeds?\b|decision model|§|re-?verified", re.I)


def test_no_scenario_reasoning_names_an_internal_source() -> None:
    """The page shows every card's full reasoning as the rules wrote it, with no filter between:
    across every pathway scenario, no fact, step, caution, conflict or gap names an internal
    source document, the decision model or a section number."""
    names = sorted(p.name.removesuffix(".expected.json") for p in PATHWAY.glob("*.expected.json"))
    assert len(names) > 80
    for name in names:
        for view in reasoning(run(name).drafts):
            text = " ".join(
                [view.summary, *(f.text for f in (*view.why, *view.basis)), *view.gaps, *view.next_steps]
                + list(view.avoid)
                + [f"{c.topic} {c.for_} {c.against}" for c in view.conflicts]
                + [f"{e.label} {e.title} {e.citation}" for e in view.evidence]
            )
            assert not INTERNAL_NAMES.search(text), (name, view.state, INTERNAL_NAMES.search(text))


@pytest.mark.parametrize("name", THREE)
def test_the_page_shows_the_state_the_reasoning_and_no_internal_sources(name: str) -> None:
    inv = run(name)
    assert inv.history is not None and inv.today is not None
    state = inv.drafts[0].rule_id
    html = render_page(
        PageInput(inv.history, inv.drafts, inv.today, app_context=state), default_terminology(), Thresholds()
    )
    assert 'aria-current="step"' in html and f'id="state-{state}"' in html
    assert "How the pathway reached this step" in html and inv.drafts[0].basis
    for d in inv.drafts:
        for fact in (*d.why, *d.basis):
            if fact.ref:
                assert fact.ref in html
        for g in d.evidence:
            assert f'href="{g.url}"' in html
    lowered = html.lower()
    assert "seed" not in lowered and "decision model" not in lowered and "§" not in html
    assert html.count("<svg") == 2  # full width and side panel


def test_reasoning_reads_any_card_like_object() -> None:
    inv = run("f3_failed_tfesi_concordant")
    views = reasoning(inv.drafts)
    assert [v.state for v in views] == [d.rule_id for d in inv.drafts]
    assert views[0].why and views[0].evidence[0].url.startswith("https://")


def test_the_demo_route_renders_a_scenario_only_with_auth_off(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    resp = app.test_client().get("/app/demo/s3_fbss_epidural_fibrosis")
    assert resp.status_code == 200 and "<svg" in resp.get_data(as_text=True)
    assert app.test_client().get("/app/demo/..%2Fsecret").status_code == 404
    on = make_app(settings_overrides={"auth_enabled": True})
    assert on.test_client().get("/app/demo/s3_fbss_epidural_fibrosis").status_code == 404


def test_evaluate_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.html"
    _, expected = scenario("f7_two_failed_esis_no_target")
    code = main(
        [
            "evaluate",
            str(PATHWAY / "f7_two_failed_esis_no_target.json"),
            "--date",
            expected["evaluation_date"],
            "--html",
            str(out),
        ]
    )
    assert code == 0
    html = out.read_text()
    assert "<svg" in html and 'id="state-F7"' in html
    assert re.search(r"See the pathway: \S+/app/launch", capsys.readouterr().out)


def test_settings_read_the_app_switches() -> None:
    s = Settings.from_env({"CDS_SMART_CLIENT_ID": "abc", "CDS_APP_COOKIE_SAMESITE": "none"})
    assert (s.smart_client_id, s.app_cookie_samesite) == ("abc", "None")
    assert replace(s, app_cookie_samesite="Lax").app_cookie_samesite == "Lax"


# ------------------------------------------------------------------ the state comes from this evaluation
def _page(name: str, state: str | None) -> str:
    inv = run(name)
    assert inv.history is not None and inv.today is not None
    return render_page(
        PageInput(inv.history, inv.drafts, inv.today, app_context=state), default_terminology(), Thresholds()
    )


def _headline(html: str) -> str:
    m = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert m is not None
    return m.group(1)


def test_a_red_flag_found_now_leads_the_page_whatever_card_the_link_came_from() -> None:
    """A link from an F3 card opened on a chart that now shows cauda equina: the page headline and
    the map's "now" are the red flag, and the page says the F3 card no longer applies."""
    html = _page("r1_cauda_equina_code", "F3")
    assert "Cauda equina" in _headline(html)
    assert 'class="card critical current" id="state-R1"' in html
    assert "no longer applies" in html and "Failed, surgical target" in html.split("no longer applies")[0]


def test_a_link_to_a_state_this_evaluation_does_not_find_is_not_shown_as_now() -> None:
    html = _page("e1_acute_tolerable", "R1")
    assert "Cauda equina" not in _headline(html)
    assert "no longer applies" in html


def test_guard_the_link_state_that_still_applies_leads_the_page() -> None:
    inv = run("f3_failed_tfesi_concordant")
    state = inv.drafts[0].rule_id
    html = _page("f3_failed_tfesi_concordant", state)
    assert 'aria-current="step"' in html and "no longer applies" not in html
    assert f'class="card {inv.drafts[0].indicator} current" id="state-{state}"' in html


def test_the_leading_card_summary_is_under_the_headline() -> None:
    """The recommendation is read first, above the map and the history, not two screens down."""
    html = _page("r1_cauda_equina_code", "F3")
    inv = run("r1_cauda_equina_code")
    lead = next(d for d in inv.drafts if d.rule_id == "R1")
    head = html.split('id="map-h"')[0]
    assert 'class="lead critical"' in head and lead.summary in head and 'href="#state-R1"' in head


def test_every_card_of_the_evaluation_is_summed_up_under_the_headline() -> None:
    """A warning beside the pathway card (M5: naproxen with an eGFR of 24) is read at the top too,
    not only in the reasoning two screens down; the map lists it alongside the pathway."""
    html = _page("m5_naproxen_with_egfr_24", None)
    head = html.split('id="map-h"')[0]
    assert 'class="lead info"' in head and 'class="lead warning"' in head
    assert "Naproxen with eGFR 24 on 2026-10-12: review and stop it" in head and 'href="#state-M5"' in head
    assert "NSAID risk" in html.split('id="tl-h"')[0]
