"""F5 with the diagnostic block already done and positive: the block is named and facet RFA is next.

A failed ESI, facet arthropathy, axial-predominant pain, and a medial branch block three weeks ago
that gave 60 % relief: F5 asked for "diagnostic medial branch block before any RFA" and pre-selected
a new block, never naming the one done. With ``mbb_required_positive_blocks`` positive blocks (ASRA
2020: one block of ≥ 50 % relief) and no negative block after them, F5 now names the block and
offers facet RFA; a negative block after the positive one, or a block whose relief is below the
threshold, leaves the block as the next step, as the order check ``order.rfa-no-block`` reads them.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import assert_house_rules, card_of, codes_of, proc, refs_of, run
from test_r3_f5_precision import MBB_CODES, failed_tfesi, pain

from hooks.pathway.failure import Outcome

RFA_CODES = {"64635", "64636"}
AXIAL = (pain("b", 7, 62, "Lower back"), pain("f", 7, 30, "Lower back"), pain("leg", 3, 30, "Left leg"))


def mbb(ref: str, days: int) -> object:
    return proc(ref, "facet_medial_branch_block_lumbar", "64493", days=days, level="L4-L5")


def f5(*extra: object, outcomes: dict[str, Outcome]):  # type: ignore[no-untyped-def]
    cards = run(*failed_tfesi(*AXIAL, *extra), outcomes={"Procedure/esi": Outcome.FAILED, **outcomes})
    c = card_of(cards, "F5")
    assert_house_rules(c)
    return c


def test_a_positive_block_on_record_makes_facet_rfa_the_next_step() -> None:
    c = f5(mbb("mbb-1", 21), outcomes={"Procedure/mbb-1": Outcome.RESPONDER})
    assert "medial branch block confirmed it: facet RFA next" in c.summary
    assert "Procedure/mbb-1" in refs_of(c)
    assert codes_of(c) & RFA_CODES and not codes_of(c) & MBB_CODES


def test_guard_a_negative_block_keeps_the_block_as_the_next_step() -> None:
    c = f5(mbb("mbb-1", 21), outcomes={"Procedure/mbb-1": Outcome.FAILED})
    assert "diagnostic medial branch block before any RFA" in c.summary
    assert not codes_of(c) & RFA_CODES


def test_guard_a_negative_block_after_the_positive_one_confirms_nothing() -> None:
    outcomes = {"Procedure/mbb-1": Outcome.RESPONDER, "Procedure/mbb-2": Outcome.FAILED}
    c = f5(mbb("mbb-1", 40), mbb("mbb-2", 20), outcomes=outcomes)
    assert not codes_of(c) & RFA_CODES
