""""Transforaminal" naming a fusion's approach is no injection.

A draft order with only the text "L4-L5 transforaminal lumbar interbody fusion (TLIF)" was read as a
lumbar epidural steroid injection: it drew "Repeat ESI after the failed image-guided ESI ... re-evaluate
instead of injecting again" and an intermediate bleeding-risk card for an injection. The words
"transforaminal lumbar interbody" (and "TLIF") now name no injection; a transforaminal injection still
reads as one.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import proc

from hooks.pathway.failure import Modality, classify_modality
from hooks.terminology import Coding, default_terminology

TERM = default_terminology()


def _read(text: str) -> Modality | None:
    p = proc("x", "esi_lumbar_all", text=text)
    return classify_modality(
        type(p)(ref=p.ref, codings=(Coding("urn:local", "X1", text),), text=text, status="completed",
                performed=p.performed, performed_text=None),
        TERM,
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["L4-L5 transforaminal lumbar interbody fusion (TLIF)", "Transforaminal interbody fusion L5-S1"],
)
def test_a_transforaminal_fusion_is_no_injection(text: str) -> None:
    assert _read(text) is not Modality.ESI


@pytest.mark.parametrize(
    "text", ["Transforaminal epidural steroid injection L5-S1 left", "Left L5 transforaminal injection"]
)
def test_guard_a_transforaminal_injection_still_reads_as_one(text: str) -> None:
    assert _read(text) is Modality.ESI
