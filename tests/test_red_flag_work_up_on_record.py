"""A red flag's work-up already on record stops the critical card that asks for it.

- A lumbar MRI without and with contrast is read from its report's title as radiology names it ("MRI
  LUMBAR SPINE W/WO CONTRAST", "with and without IV contrast", "pre- and post-contrast"), as it was
  from its code (72158): a cancer history held every elective order back with "urgent MRI without and
  with contrast" while that very MRI, coded locally, was on the chart.
- Immunosuppression or long-term steroids beside new radicular pain is R3's infection context (§7.3):
  same-day work-up, MRI without and with contrast. Once that MRI since the onset has looked and its
  report names no spinal infection, the context is no red flag: it is named as an infection risk on a
  card that offers a spinal injection instead. A report that finds discitis, a plain MRI, or a fever
  keeps the red flag.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, code, cond, conservative, history, radic, report, run, states

from hooks.facts import ReportFact
from hooks.orders import evaluate_orders
from hooks.text import without_and_with_contrast
from tests.orders_builders import inp, sr

NEGATIVE = (
    "No discitis, osteomyelitis or epidural collection. Left L5-S1 extrusion compressing the left S1 root."
)


def titled(title: str, days: int, conclusion: str = NEGATIVE) -> ReportFact:
    """A lumbar MRI report under a local code: only its title says what study it was."""
    r = report("mri-c", "72148", days, conclusion, title=title)
    local = code("imaging_mri_lumbar", "72148")
    return ReportFact(
        ref=r.ref, codings=(type(local)("urn:local", "X1", title),), text=title, status="final",
        effective=r.effective, conclusion=conclusion,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "both"),
    [
        ("MRI LUMBAR SPINE W/WO CONTRAST", True),
        ("MRI lumbar spine with and without IV contrast", True),
        ("MRI lumbar spine without and with intravenous contrast", True),
        ("MRI lumbar spine pre- and post-contrast", True),
        ("MRI L-spine W WO gadolinium", True),
        ("MRI lumbar spine with gadolinium", True),
        ("MRI LUMBAR SPINE WO CONTRAST", False),
        ("MRI lumbar spine without contrast", False),
        ("MRI lumbar spine", False),
        ("MRI lumbar spine W/WO", False),  # no contrast agent named: not read as one
    ],
)
def test_a_study_name_says_without_and_with_contrast(name: str, both: bool) -> None:
    assert without_and_with_contrast(name) is both


@pytest.mark.parametrize(
    "title",
    ["MRI LUMBAR SPINE W/WO CONTRAST", "MRI lumbar spine with and without IV contrast",
     "MRI lumbar spine pre and post contrast"],
)  # fmt: skip
def test_a_cancer_history_is_settled_by_a_contrast_mri_named_in_its_title(title: str) -> None:
    ca = cond("ca", "red_flag_malignancy", "Z85.3", onset=2000)
    facts = [radic(days=70), *conservative(65), ca]
    assert "R3" in states(run(*facts, titled("MRI lumbar spine", 20)))
    assert "R3" not in states(run(*facts, titled(title, 20)))
    esi = [sr("esi", "64483", "TFESI left L5-S1")]
    orders = evaluate_orders(inp("order-sign", esi, history(*facts, titled(title, 20))))
    assert not any(c.indicator == "critical" for c in orders), [(c.rule_id, c.summary) for c in orders]


@pytest.mark.parametrize("member", ["Z79.52", "B20", "D84.9"])
def test_immunosuppression_with_new_pain_is_no_red_flag_after_a_negative_contrast_mri(member: str) -> None:
    context = cond("imm", "red_flag_infection", member, onset=900)
    facts = [radic(days=70), *conservative(65), context]
    assert states(run(*facts)) == ["R3"]  # before the work-up: the same-day infection work-up
    cards = run(*facts, report("mri-c", "72158", 20, NEGATIVE))
    assert "R3" not in states(cards)
    assert not any(c.indicator == "critical" for c in cards)
    main = cards[0]
    if any(a.type == "create" for s in main.suggestions for a in s.actions):
        assert any(f.ref == "Condition/imm" and "infection risk" in f.text for f in main.why), main.why


@pytest.mark.parametrize(
    "conclusion",
    [
        "",
        "Rim-enhancing epidural fluid collection at L4-5 concerning for abscess.",
        "Epidural phlegmon at L4-5 with enhancement of the L4-5 disc and endplates.",
        "Right psoas abscess extending to the L4 vertebral body.",
        "L4 and L5 vertebral body osteomyelitis with endplate erosion.",
        "Findings compatible with spondylodiscitis at L4-5.",
        "No discitis. Epidural abscess cannot be excluded.",
        "Endplate changes at L4-5; infection not excluded, recommend correlation with ESR/CRP.",
        "No discitis or abscess; small epidural collection at L4-5.",
        "Left L5-S1 extrusion.",  # says nothing of infection: it was not looked at
        "No change in the L4-5 epidural abscess.",
        "No discitis, but there is a rim-enhancing epidural abscess at L4-5.",
        "No abscess. Marrow oedema and enhancement of the L4 and L5 endplates with fluid signal in the disc.",
        "No epidural abscess. L4-5 diskitis.",
        "No epidural collection. Tuberculous spondylitis (Pott disease) of L3 and L4.",
        "No definite epidural abscess.",
        "No obvious discitis.",
    ],
)
def test_a_contrast_mri_that_does_not_rule_infection_out_keeps_the_red_flag(conclusion: str) -> None:
    context = cond("imm", "red_flag_infection", "Z79.52", onset=900)
    cards = run(radic(days=70), *conservative(65), context, report("mri-c", "72158", 20, conclusion))
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"


@pytest.mark.parametrize("status", ["registered", "preliminary", "partial"])
def test_a_report_not_yet_final_keeps_the_red_flag(status: str) -> None:
    context = cond("imm", "red_flag_infection", "Z79.52", onset=900)
    mri = replace(report("mri-c", "72158", 20, NEGATIVE), status=status)
    assert "R3" in states(run(radic(days=70), *conservative(65), context, mri))


def test_an_mri_before_the_risk_began_keeps_the_red_flag() -> None:
    """Steroids started 10 days ago; the negative contrast MRI was 60 days ago, before them."""
    context = cond("imm", "red_flag_infection", "Z79.52", onset=10)
    mri = report("mri-c", "72158", 60, NEGATIVE)
    assert "R3" in states(run(radic(days=70), *conservative(65), context, mri))


def test_immunosuppression_keeps_the_red_flag_when_the_contrast_mri_finds_infection_or_was_plain() -> None:
    context = cond("imm", "red_flag_infection", "Z79.52", onset=900)
    facts = [radic(days=70), *conservative(65), context]
    found = report("mri-c", "72158", 20, "Findings consistent with L4-5 discitis with an epidural abscess.")
    assert "R3" in states(run(*facts, found))
    assert "R3" in states(run(*facts, report("mri-p", "72148", 20, NEGATIVE)))
    # an MRI before the pain began has not looked at this illness
    assert "R3" in states(run(*facts, report("mri-old", "72158", 100, NEGATIVE)))


def test_a_fever_keeps_the_red_flag_after_a_negative_contrast_mri() -> None:
    context = cond("imm", "red_flag_infection", "Z79.52", onset=900)
    fever = cond("fev", "red_flag_infection", "R50.9", onset=2)
    cards = run(radic(days=70), *conservative(65), context, report("mri-c", "72158", 20, NEGATIVE), fever)
    r3 = card_of(cards, "R3")
    assert r3.indicator == "critical"
