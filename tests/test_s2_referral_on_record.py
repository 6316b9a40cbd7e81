"""S2 (recurrent herniation after lumbar surgery) with a spine-surgery referral made since the
operation names it and offers no second referral; the referral that led to the operation itself does
not count.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import (
    assert_house_rules,
    card_of,
    code,
    codes_of,
    cond,
    order,
    radic,
    refs_of,
    report,
    run,
)
from test_pathway_rules_treatments import discectomy

RECURRENT = (
    "Non-enhancing recurrent right paracentral disc extrusion at L4-5 compressing the traversing right L5 "
    "nerve root."
)
REFERRAL = "referral_spine_surgery"


def s2(*extra: object):  # type: ignore[no-untyped-def]
    cards = run(
        discectomy(420),
        radic(days=120),
        report("mri", "72158", 30, RECURRENT),
        cond("annulus", "annulus_fibrosus_defect_post_discectomy", "M51.A2", onset=30),
        *extra,
    )
    c = card_of(cards, "S2")
    assert_house_rules(c)
    return c


def referral_codes() -> set[str]:
    return {code(REFERRAL).code}


def test_a_referral_since_the_operation_is_named_and_not_offered_again() -> None:
    c = s2(order("ref", REFERRAL, authored=10))
    assert c.summary == (
        "Recurrent disc herniation after lumbar surgery: spine-surgery referral on record for revision "
        "discectomy"
    )
    assert "ServiceRequest/ref" in refs_of(c)
    assert c.next_steps[0] == "Confirm the spine-surgery appointment, or follow the surgeon's plan once seen."
    assert not codes_of(c) & referral_codes()


def test_guard_the_referral_before_the_operation_does_not_count() -> None:
    c = s2(order("ref", REFERRAL, authored=450, status="completed"))
    assert c.summary.endswith("surgical re-evaluation for revision discectomy")
    assert codes_of(c) & referral_codes()
