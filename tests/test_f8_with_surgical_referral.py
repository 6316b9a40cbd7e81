"""F8 with a spine surgery referral already made does not ask for a surgical opinion again.

Two failed TFESIs and a completed referral to spine surgery drew "stop injecting; re-evaluate and get
a surgical opinion", with a second referral offered. The card now names the referral, says to review
the surgeon's opinion with the imaging, and offers no second referral.
"""

from __future__ import annotations

from pathway_builders import card_of, code, conservative, order, proc, radic, report, run

from hooks.cards import CardDraft
from hooks.pathway.failure import Outcome

FAILED = {"Procedure/e1": Outcome.FAILED, "Procedure/e2": Outcome.FAILED}
REFERRAL = code("referral_spine_surgery").code
CONCORDANT = "L5-S1 left paracentral disc extrusion compressing the left S1 nerve root."


def chart(*extra: object) -> list[object]:
    return [
        radic(300),
        *conservative(290),
        report("mri", "72148", 250, CONCORDANT),
        proc("e1", "esi_transforaminal_lumbar", "64483", days=200, level="L5-S1"),
        proc("e2", "esi_transforaminal_lumbar", "64483", days=100, level="L5-S1"),
        *extra,
    ]


def offered(c: CardDraft) -> set[str]:
    return {a.resource["code"]["coding"][0]["code"] for s in c.suggestions for a in s.actions if a.resource}


def test_f8_without_a_referral_asks_for_the_surgical_opinion() -> None:
    c = card_of(run(*chart(), outcomes=FAILED), "F8")
    assert c.summary.endswith("re-evaluate and get a surgical opinion")
    assert REFERRAL in offered(c)


def test_f8_with_a_completed_referral_reviews_the_opinion_instead() -> None:
    ref = order("ref", "referral_spine_surgery", status="completed", authored=60)
    c = card_of(run(*chart(ref), outcomes=FAILED), "F8")
    assert c.summary.endswith("stop injecting; re-evaluate with the surgeon's opinion"), c.summary
    assert any(f.ref == "ServiceRequest/ref" for f in c.why)
    assert any(s.startswith("Review the spine surgeon's opinion") for s in c.next_steps)
    assert REFERRAL not in offered(c)
