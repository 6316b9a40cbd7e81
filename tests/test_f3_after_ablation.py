"""A facet ablation after a failed epidural does not hide the surgical opinion F3 asks for.

F3 (a failed ESI with a compressive lesion concordant with the symptoms) refers for a surgical opinion.
An ablation of a facet or SI joint since treats another pain generator and says nothing of the disc:
F3's warning stays, not the ablation's info card re-evaluating the ablation. An ablation still moves
on the other injection states, as before (F5's facet pain, whose next step it is).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import (
    assert_house_rules,
    card_of,
    codes_of,
    conservative,
    proc,
    radic,
    report,
    run,
    states,
)

from hooks.pathway.failure import Outcome

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
SPINE_SURGERY_REFERRAL = "183546007"


def chart(*extra: object) -> list[object]:
    return [
        radic(300),
        *conservative(290),
        report("mri", "72148", 200, CONCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=150, level="L5-S1"),
        *extra,
    ]


FAILED = {"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa": Outcome.FAILED}


def test_a_failed_facet_ablation_after_the_failed_esi_keeps_the_surgical_opinion() -> None:
    cards = run(*chart(proc("rfa", "facet_rfa_lumbar", "64635", days=60)), outcomes=FAILED)
    assert states(cards) == ["F3"]
    c = card_of(cards, "F3")
    assert c.indicator == "warning" and SPINE_SURGERY_REFERRAL in codes_of(c)
    assert_house_rules(c)


def test_guard_without_the_ablation_the_card_is_f3() -> None:
    assert states(run(*chart(), outcomes=FAILED)) == ["F3"]
