"""New radicular pain after a lumbar fusion is asked about as a spine surgeon asks it: recurrent or
adjacent-level compression on the contrast MRI, and CT for the fusion and its hardware; "Fusion" is
no longer listed as what to avoid. After a discectomy the card still tells recurrent herniation from
epidural fibrosis.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, obs, proc, radic, run


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
