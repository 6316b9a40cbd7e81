"""After lumbar surgery, what a spine surgeon asks.

- New radicular pain after a lumbar fusion: recurrent or adjacent-level compression on the contrast
  MRI, and CT for the fusion and its hardware; "Fusion" is no longer listed as what to avoid. After
  a discectomy the card still tells recurrent herniation from epidural fibrosis.
- A recurrence after a discectomy and its revision is a repeated one (decision model S2: fusion only
  with instability or multiple recurrences): fusion is an option.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, obs, proc, radic, report, run


def _s1(surgery):  # type: ignore[no-untyped-def]
    return card_of(run(radic(days=60), surgery, obs("nrs", "pain", 7, 5)), "S1")


def test_after_a_fusion_the_card_asks_about_adjacent_levels_and_the_hardware() -> None:
    card = _s1(proc("fus", "lumbar_fusion_cpt", None, days=1200, level="L4-L5"))
    assert "adjacent-level compression" in card.next_steps[0]
    assert any(step.startswith("CT of the lumbar spine") for step in card.next_steps)
    assert "Fusion." not in card.avoid


def test_guard_after_a_discectomy_the_card_tells_recurrence_from_scar() -> None:
    card = _s1(proc("disc", "prior_lumbar_spine_surgery", "63030", days=1200, level="L4-L5"))
    assert "recurrent herniation from epidural fibrosis" in card.next_steps[0]
    assert "Fusion." in card.avoid


def test_a_recurrence_after_a_revision_makes_fusion_an_option() -> None:
    """Decision model S2: fusion only with instability or multiple recurrences. A recurrence after a
    discectomy and its revision is a repeated one: the card says fusion is an option and does not list
    it as what to avoid."""
    first = proc("disc1", "prior_lumbar_spine_surgery", "63030", days=2000, level="L5-S1")
    revision = proc("disc2", "prior_lumbar_spine_surgery", "63042", days=800, level="L5-S1")
    finding = "Recurrent left paracentral disc extrusion at L5-S1 compressing the left S1 nerve root."
    mri = report("mri", "72158", 60, finding)
    card = card_of(run(radic(days=90), first, revision, mri, obs("nrs", "pain", 7, 5)), "S2")
    assert "fusion is an option" in card.summary
    assert "Routine fusion." not in card.avoid
