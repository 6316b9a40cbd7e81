"""A lumbar fusion drafted without spondylolisthesis or instability draws its warning for every
patient the service judges, and offers a decompression in its place only where one is indicated.

Before this change, a fusion for a patient after failed back surgery whose contrast MRI showed
epidural scar and no recurrence (S3) drew the radicular card, pre-selecting "Change to a lumbar
decompression": another operation for scar, which S3 lists under what not to do. With the
post-laminectomy syndrome coded alone, or facet pain alone (F5: no surgery), the fusion drew no card.

Now the card reads the patient as the pathway's post-surgical states do:

- scar and no target on a contrast MRI since the operation (S3): no operation offered; cancel it,
  and the stimulator pathway (or conservative care) named as what to do instead;
- new pain after the operation with no contrast MRI since it (S1): cancel it and order the MRI
  without and with contrast;
- a recurrence on the imaging since the operation (S2): the discectomy stays the alternative;
- facet or SI joint pain (F5): diagnostic blocks first, no operation offered;
- a lumbar arthrodesis status (an earlier fusion) makes the order a revision or an extension: no
  objection, as with a fusion Procedure on record.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import CardDraft, render_detail, render_full
from hooks.facts import ReportFact
from hooks.orders import evaluate_orders
from tests.orders_builders import CPT, TERM, Coding, ago, cond, history, inp, proc, sr
from tests.test_orders_checks import HOOKS, actions, assert_well_formed, codes

RULE = "order.fusion-no-instability"
FUSION = "Posterolateral lumbar fusion L4-5"
DISCECTOMY = TERM.first("order_discectomy").code
CONTRAST_MRI = TERM.first("mri_lumbar_with_and_without_contrast")

SURGERY = proc("lam", "63030", 830, "L4-5 microdiscectomy left")
FBSS = cond("fbss", "M96.1", 700, "Postlaminectomy syndrome")
NEW_RADICULAR = cond("rad", "M54.17", 440, "Radiculopathy, lumbosacral region")  # after the operation


def contrast_mri(days_ago: int, conclusion: str) -> ReportFact:
    return ReportFact(
        ref="DiagnosticReport/mri", codings=(Coding(CPT, CONTRAST_MRI.code, CONTRAST_MRI.display),),
        text="MRI lumbar spine without and with contrast", status="final", effective=ago(days_ago),
        conclusion=conclusion,
    )  # fmt: skip


SCAR = contrast_mri(
    80,
    "Enhancing epidural fibrosis surrounding the left L5 nerve root at L4-5. No recurrent disc herniation. "
    "No instability.",
)
RECURRENCE = contrast_mri(
    40,
    "Non-enhancing recurrent left paracentral disc extrusion at L4-5 compressing the traversing left L5 "
    "nerve root.",
)


def fusion_cards(hook: str, *facts: Any, reports: tuple[ReportFact, ...] = ()) -> list[CardDraft]:
    h = replace(history(*facts), reports=reports)
    return [c for c in evaluate_orders(inp(hook, [sr("f", "22612", FUSION)], h)) if c.rule_id == RULE]


def fusion_card(hook: str, *facts: Any, reports: tuple[ReportFact, ...] = ()) -> CardDraft:
    found = fusion_cards(hook, *facts, reports=reports)
    assert len(found) == 1, [c.summary for c in found]
    assert found[0].indicator == "warning"
    assert_well_formed(found[0], "ServiceRequest/f")
    return found[0]


def placed_codes(c: CardDraft) -> list[str]:
    """Codes of the orders the card's suggestions create or put in the draft's place."""
    return [code for kind, _, res in actions(c) if kind in ("create", "update") for code in codes(res)]


def recommended(c: CardDraft) -> list[str]:
    return [s.label for s in c.suggestions if s.is_recommended]


def said(c: CardDraft) -> str:
    return " ".join([c.title, c.summary, *(f.text for f in c.why), *c.next_steps, *c.avoid])


def assert_clinician_text(c: CardDraft) -> None:
    """No internal source names on the card, and the guideline named."""
    text = " ".join([render_detail(c), render_full(c), said(c)]).lower()
    assert "seed" not in text and "decision model" not in text and "§" not in text
    assert c.evidence and all(g.url.startswith("https://") for g in c.evidence)


# ------------------------------------------------------------------ S3: scar, no target after surgery
@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_scar_after_surgery_offers_no_operation(hook: str) -> None:
    c = fusion_card(hook, NEW_RADICULAR, FBSS, SURGERY, reports=(SCAR,))
    assert DISCECTOMY not in placed_codes(c)  # no reoperation for scar, not pre-selected nor offered
    labels = " ".join(s.label for s in c.suggestions).lower()
    assert "decompression" not in labels and "discectomy" not in labels
    assert recommended(c) == ["Cancel the fusion"]
    assert "scar" in c.summary and "no reoperation" in c.summary
    refs = [f.ref for f in c.why]
    assert "DiagnosticReport/mri" in refs and "Procedure/lam" in refs  # the data that fired it
    assert "spinal cord stimulator trial" in c.next_steps[0] and "NICE TA159" in c.next_steps[0]
    assert any("Reoperation for scar" in a for a in c.avoid)
    assert {g.key for g in c.evidence} >= {"nacc_2014", "nice_ta159"}
    assert_clinician_text(c)


@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_with_the_post_laminectomy_syndrome_coded_alone_is_judged(hook: str) -> None:
    c = fusion_card(hook, FBSS, SURGERY, reports=(SCAR,))
    assert DISCECTOMY not in placed_codes(c)
    assert recommended(c) == ["Cancel the fusion"]
    assert "DiagnosticReport/mri" in [f.ref for f in c.why]
    assert_clinician_text(c)


def test_fusion_with_the_post_laminectomy_syndrome_and_no_operation_on_record_is_judged() -> None:
    c = fusion_card("order-sign", FBSS, reports=(SCAR,))
    assert recommended(c) == ["Cancel the fusion"] and DISCECTOMY not in placed_codes(c)
    assert "Condition/fbss" in [f.ref for f in c.why]


# ------------------------------------------------------------------ S1: no contrast MRI since surgery
@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_after_surgery_with_no_contrast_mri_orders_the_mri_first(hook: str) -> None:
    c = fusion_card(hook, NEW_RADICULAR, SURGERY)
    assert DISCECTOMY not in placed_codes(c)
    assert placed_codes(c).count(CONTRAST_MRI.code) == 1
    assert recommended(c) == ["Cancel the fusion and order MRI lumbar spine without and with contrast"]
    assert any("no MRI with contrast since the operation" in f.text for f in c.why)
    assert "Procedure/lam" in [f.ref for f in c.why]
    assert "ACR 2021 variant 5" in c.next_steps[0]
    assert_clinician_text(c)


def test_fusion_after_surgery_with_the_contrast_mri_ordered_is_cancelled_without_a_second_one() -> None:
    pending = sr("mri2", CONTRAST_MRI.code, "MRI lumbar spine without and with contrast")
    h = history(NEW_RADICULAR, SURGERY)
    cards = [c for c in evaluate_orders(inp("order-sign", [sr("f", "22612", FUSION), pending], h))
             if c.rule_id == RULE]  # fmt: skip
    (c,) = cards
    assert CONTRAST_MRI.code not in placed_codes(c)
    assert "ServiceRequest/mri2" in [f.ref for f in c.why]
    assert recommended(c) == ["Cancel the fusion"]


# ------------------------------------------------------------------ F5: facet or SI joint pain
@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_facet_pain_alone_draws_the_warning_and_no_operation(hook: str) -> None:
    facet = cond("fa", "M47.816", 560, "Spondylosis without myelopathy or radiculopathy, lumbar region")
    c = fusion_card(hook, facet)
    assert DISCECTOMY not in placed_codes(c)
    assert recommended(c) == ["Cancel the fusion"]
    assert "Condition/fa" in [f.ref for f in c.why]
    assert "medial branch block" in c.next_steps[0] and "NICE NG59" in c.next_steps[0]
    assert [g.key for g in c.evidence] == ["nice_ng59"]
    assert_clinician_text(c)


def test_fusion_for_sacroiliac_joint_pain_alone_draws_the_warning() -> None:
    c = fusion_card("order-sign", cond("si", "M46.1", 300, "Sacroiliitis, not elsewhere classified"))
    assert DISCECTOMY not in placed_codes(c) and recommended(c) == ["Cancel the fusion"]


# ------------------------------------------------------------------ an earlier fusion as a status
def test_a_lumbar_arthrodesis_status_makes_the_order_a_revision() -> None:
    status = cond("z", "Z98.1", 900, "Arthrodesis status - lumbar L4-5 fusion")
    radicular = cond("rad", "M54.16", 200, "Radiculopathy, lumbar region")
    assert fusion_cards("order-sign", radicular, status) == []


# ------------------------------------------------------------------ guards
@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_recurrence_on_the_contrast_mri_keeps_the_discectomy(hook: str) -> None:
    c = fusion_card(hook, NEW_RADICULAR, FBSS, SURGERY, reports=(RECURRENCE,))
    assert placed_codes(c)[:1] == [DISCECTOMY]
    assert c.suggestions[0].is_recommended


def test_guard_radiculopathy_without_surgery_keeps_the_decompression() -> None:
    c = fusion_card("order-sign", cond("rad", "M54.16", 200, "Radiculopathy, lumbar region"))
    assert placed_codes(c)[:1] == [DISCECTOMY]


@pytest.mark.parametrize(
    "facts",
    [
        (NEW_RADICULAR, FBSS, SURGERY, cond("spl", "M43.16", 300, "Spondylolisthesis, lumbar region")),
        (cond("fa", "M47.816", 560, "Lumbar facet arthropathy"), cond("spl", "M43.16", 300)),
    ],
    ids=["fbss-with-spondylolisthesis", "facet-with-spondylolisthesis"],
)
def test_guard_fusion_with_spondylolisthesis_draws_no_objection(facts: tuple[Any, ...]) -> None:
    assert fusion_cards("order-sign", *facts, reports=(SCAR,)) == []


def test_guard_after_two_discectomies_fusion_draws_no_objection() -> None:
    revision = proc("lam2", "63030", 500, "Revision discectomy L4-5")
    assert fusion_cards("order-sign", NEW_RADICULAR, FBSS, SURGERY, revision, reports=(SCAR,)) == []


def test_facet_pain_years_after_a_discectomy_is_judged_as_facet_pain() -> None:
    """Lumbar surgery on record but no radicular pain or post-laminectomy syndrome: the pathway's
    post-surgical branch does not follow this pain, F5 does."""
    facet = cond("fa", "M47.816", 300, "Lumbar facet arthropathy")
    c = fusion_card("order-sign", facet, SURGERY)
    assert "medial branch block" in c.next_steps[0]
    assert recommended(c) == ["Cancel the fusion"] and DISCECTOMY not in placed_codes(c)
