"""The ten-second card: each deciding fact shows its short form whole, or, without one, its text cut
in the middle; the full reasoning keeps every complete text."""

from __future__ import annotations

from hooks.cards import DETAIL_MAX, CardDraft, Fact, render_detail, render_full
from hooks.evidence import guideline

LONG = (
    "L5-S1 right paracentral disc extrusion compressing the traversing right S1 nerve root, concordant "
    "with the right S1 radicular symptoms. No spondylolisthesis. (MRI lumbar spine without contrast on "
    "2026-07-15)"
)
SHORT = "MRI 2026-07-15: L5-S1 right paracentral extrusion"
NEXT = (
    "Refer to a spine surgeon for discectomy or decompression (NASS 2014; NICE NG59), and record the "
    "outcome of the injection with pain and function scores before the visit."
)


def card(*why: Fact) -> CardDraft:
    return CardDraft(
        rule_id="F3", topic="pathway", indicator="warning", summary="Failed ESI: refer",
        title="Failed ESI", why=why, next_steps=(NEXT,), avoid=(), evidence=(guideline("nass_ldh"),),
    )  # fmt: skip


def fact_lines(detail: str) -> list[str]:
    return [line for line in detail.split("\n") if line.startswith("- ")]


def test_a_fact_with_a_short_form_shows_it_whole() -> None:
    esi = Fact(
        "transforaminal ESI right L5-S1 on 2026-09-03; pain 8 → 7 (12 %) at 2-5 weeks, which is less "
        "than the 50 % relief a response needs",
        "Procedure/esi-1",
        short="TFESI right L5-S1 2026-09-03: pain 8 → 7 (12 %) at 2-5 weeks",
    )
    mri = Fact(LONG, "DiagnosticReport/mri-1", short=SHORT)
    detail = render_detail(card(esi, mri))
    assert fact_lines(detail) == [
        "- `Procedure/esi-1` TFESI right L5-S1 2026-09-03: pain 8 → 7 (12 %) at 2-5 weeks",
        f"- `DiagnosticReport/mri-1` {SHORT}",
    ]
    assert len(detail) <= DETAIL_MAX


def test_a_fact_without_one_is_cut_in_the_middle() -> None:
    detail = render_detail(card(Fact(LONG, "DiagnosticReport/mri-1"), Fact(LONG, "DiagnosticReport/mri-2")))
    lines = fact_lines(detail)
    assert len(lines) == 2 and all(" … " in line for line in lines)
    assert all(line.endswith("2026-07-15)") for line in lines)  # the end (the date) survives the cut


def test_fewer_facts_rather_than_a_cut_short_form() -> None:
    """Three short forms that do not fit together: the third (least deciding) goes, none is cut."""
    wide = [Fact(LONG, f"DiagnosticReport/mri-{i}", short=SHORT + " " + "x" * 60) for i in range(3)]
    detail = render_detail(card(*wide))
    lines = fact_lines(detail)
    assert 1 <= len(lines) < 3
    assert all(line.endswith("x" * 60) for line in lines)
    assert len(detail) <= DETAIL_MAX


def test_the_full_reasoning_keeps_the_complete_text() -> None:
    full = render_full(card(Fact(LONG, "DiagnosticReport/mri-1", short=SHORT)))
    assert f"`DiagnosticReport/mri-1` — {LONG}" in full
    assert SHORT not in full


def test_brief_is_the_short_form_else_the_text() -> None:
    assert Fact("long text", short="short").brief == "short"
    assert Fact("long text").brief == "long text"
