"""F3 with a surgical referral already made says to confirm the appointment, and asks for none again.

With a neurosurgery referral active since October the F3 card still led with "refer for a surgical
opinion", its first step "Refer to a spine surgeon" and a referral suggestion: a second referral for
the same opinion. Now the summary and first step say the opinion has been requested (confirm the
appointment) or given (follow the surgeon's plan), the referral is named beside the failure, and no
referral is offered.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import (
    card_of,
    codes_of,
    conservative,
    encounter,
    order,
    proc,
    radic,
    report,
    run,
)

from hooks.cards import CardDraft
from hooks.pathway.failure import Outcome

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
ESI = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=100, level="L5-S1", laterality="right")
REFERRAL = "183546007"


def f3(*extra: Any) -> CardDraft:
    cards = run(
        radic(days=300), *conservative(290), report("mri", "72148", 200, CONCORDANT), ESI, *extra,
        outcomes={ESI.ref: Outcome.FAILED},
    )  # fmt: skip
    return card_of(cards, "F3")


def test_a_referral_made_is_confirmed_not_repeated() -> None:
    made = order("ref-ns", "referral_spine_surgery", "308482002", authored=60)
    c = f3(made)
    assert c.summary.endswith("surgical opinion requested; confirm the appointment")
    assert c.next_steps[0].startswith("Confirm the appointment for the spine-surgery referral of")
    assert c.why[1].ref == "ServiceRequest/ref-ns"
    assert REFERRAL not in codes_of(c)


def test_guard_without_a_referral_the_card_refers() -> None:
    c = f3()
    assert c.summary.endswith("refer for a surgical opinion (discectomy/decompression)")
    assert REFERRAL in codes_of(c)
    assert c.next_steps[0].startswith("Refer to a spine surgeon")


def test_a_surgeon_seen_means_following_the_plan() -> None:
    seen = encounter("ns-visit", 20, "Neurosurgery clinic consultation")
    c = f3(seen)
    assert c.summary.endswith("follow the spine surgeon's plan")
    assert c.why[1].ref == seen.ref
    assert c.next_steps[0].startswith("Follow the plan of the spine-surgery visit of")
    assert REFERRAL not in codes_of(c)
