"""A referral ordered in words is a referral made (P2 "still not referred"; F3/S4 "surgical opinion").

A ServiceRequest whose code is text only ("Referral to pain clinic", "Neurosurgery referral - lumbar
radiculopathy"), or a local code with that display, was not read: P2 warned "not yet referred: refer
to a spine specialist now" beside the referral on the chart. Specialist visits were already read by
their words; referrals now are too, when no value set knows their code and the words name both a
referral and the spine or pain service.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import ago, conservative, fake_assessor, make_input, radic, run, states

from hooks.facts import ServiceRequestFact
from hooks.pathway.context import PathwayContext
from hooks.terminology import Coding


def referral(words: str, *, code: Coding | None = None, status: str = "active") -> ServiceRequestFact:
    return ServiceRequestFact(
        ref="ServiceRequest/ref", codings=(code,) if code else (), text=words, status=status,
        intent="order", authored=ago(10),
    )  # fmt: skip


def chart(*extra: object) -> list[object]:
    return [radic(days=100), *conservative(95), *extra]


def test_unreferred_chart_is_p2() -> None:
    assert states(run(*chart())) == ["P2"]


@pytest.mark.parametrize(
    "ref",
    [
        referral("Referral to pain clinic"),
        referral("Neurosurgery referral - lumbar radiculopathy"),
        referral("Spine surgery consult", status="completed"),
        referral("Ref", code=Coding("urn:local:orders", "REF-PAIN", "Referral to pain management")),
    ],
)
def test_a_referral_in_words_is_a_referral_made(ref: ServiceRequestFact) -> None:
    assert "P2" not in states(run(*chart(ref)))


@pytest.mark.parametrize(
    "ref",
    [
        referral("Referral to pain clinic", status="draft"),  # never sent
        referral("Referral to pain clinic", status="revoked"),
        referral("Physiotherapy referral"),  # another service
        referral("Pain clinic"),  # no referral named
        referral("Physiotherapy referral - pain management programme"),
        referral("Referral to physical therapy for pain management"),
        referral("Orthopaedic surgery referral - right knee osteoarthritis"),
        referral("Neurosurgery referral - pituitary adenoma"),
        referral("Physical therapy evaluation; referred by pain clinic"),
        referral("Consult pharmacy: pain medicine reconciliation"),
        referral("Patient declined referral to pain clinic"),
        replace(referral("Consider neurosurgery referral if no improvement"), intent="proposal"),
        replace(referral("Pain clinic referral"), intent="plan"),
    ],
)
def test_guard_what_is_no_specialist_referral_keeps_p2(ref: ServiceRequestFact) -> None:
    assert states(run(*chart(ref))) == ["P2"]


def test_a_neurosurgery_referral_in_words_is_a_surgical_referral() -> None:
    inp = make_input(*chart(referral("Neurosurgery referral - lumbar radiculopathy")))
    ctx = PathwayContext(inp, fake_assessor(inp, {}))
    assert ctx.surgically_referred and ctx.referred
