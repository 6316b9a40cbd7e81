"""A post-operative MRI without contrast that leaves a recurrence open is not a confirmed recurrence.

"Recurrent left paracentral protrusion at L5-S1 versus epidural scar; contrast-enhanced study
recommended" on a plain MRI after a microdiscectomy drew S2, revision discectomy. Telling a
recurrence from scar is what the MRI without and with contrast is for (ACR 2021 variant 5; decision
model S1: no reoperation before it, S2: a non-enhancing fragment): such a report is S1. A plain MRI
that names the recurrence outright, and a contrast MRI whatever its wording, keep S2.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, radic, report, run, states
from test_pathway_rules_treatments import discectomy

from hooks import text

OPEN = [
    "Recurrent left paracentral protrusion at L5-S1 versus epidural scar; contrast-enhanced study "
    "recommended.",
    "Recurrent disc protrusion vs. postoperative scar at L5-S1.",
    "Recurrent herniation at L5-S1 cannot be distinguished from epidural fibrosis without contrast.",
    "Possible recurrent extrusion at L5-S1. Recommend MRI with contrast to differentiate.",
]


@pytest.mark.parametrize("conclusion", OPEN)
def test_a_plain_mri_leaving_the_recurrence_open_asks_for_the_contrast_mri(conclusion: str) -> None:
    cards = run(discectomy(420), radic(days=120), report("mri", "72148", 30, conclusion))
    assert states(cards) == ["S1"]
    assert cards[0].summary.startswith("Radicular pain after lumbar surgery: MRI without and with contrast")


def test_guard_a_plain_mri_naming_the_recurrence_outright_is_s2() -> None:
    said = "Recurrent right paracentral disc extrusion at L4-5 compressing the traversing right L5 root."
    assert states(run(discectomy(420), radic(days=120), report("mri", "72148", 30, said))) == ["S2"]


@pytest.mark.parametrize("conclusion", OPEN[:2])
def test_guard_a_contrast_mri_is_read_whatever_its_hedging(conclusion: str) -> None:
    cards = run(
        discectomy(420),
        radic(days=120),
        report("mri", "72158", 30, conclusion),
        cond("annulus", "annulus_fibrosus_defect_post_discectomy", "M51.A2", onset=30),
    )
    assert states(cards) == ["S2"]


@pytest.mark.parametrize(
    ("said", "uncertain"),
    [
        (OPEN[0], True),
        ("Differential includes scar", True),
        ("Equivocal enhancement", True),
        ("Recurrent disc extrusion at L5-S1 compressing the S1 root.", False),
        ("No recurrent herniation. Versatile", False),
    ],
)
def test_what_leaves_a_finding_open(said: str, uncertain: bool) -> None:
    assert bool(text.UNCERTAIN.search(said)) is uncertain



@pytest.mark.parametrize(
    "said",
    [
        "Recurrent right paracentral extrusion at L4-5 compressing the L5 root. Indeterminate renal lesion; "
        "ultrasound recommended.",
        "L3-4: bulge versus protrusion. L4-5: recurrent right paracentral extrusion compressing the L5 root.",
    ],
)
def test_a_hedge_about_another_finding_leaves_the_recurrence_confirmed(said: str) -> None:
    assert states(run(discectomy(420), radic(days=120), report("mri", "72148", 30, said))) == ["S2"]
