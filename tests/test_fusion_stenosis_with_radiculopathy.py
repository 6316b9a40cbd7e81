"""A fusion drafted for lumbar stenosis with neurogenic claudication and radicular pain, with no disc
herniation on record, draws the stenosis card (decompression alone, NASS 2011; cancel it or test for
instability), never a discectomy for a herniation no record names. With a herniation coded, the
discectomy stays the alternative.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from tests.orders_builders import RADICULOPATHY, cond, sr
from tests.test_orders_checks import actions, codes, one, run

FUSION = sr("fus", "22630", "L4-5 posterior lumbar interbody fusion")
DISCECTOMY = "63030"


def _created_or_updated_codes(card) -> list[str]:  # type: ignore[no-untyped-def]
    return [c for kind, _, res in actions(card) if kind in ("update", "create") for c in codes(res)]


def test_stenosis_with_radicular_pain_and_no_herniation_is_offered_no_discectomy() -> None:
    c = one(
        run("order-sign", [FUSION], cond("rad", RADICULOPATHY, 200), cond("st", "M48.062", 300)),
        "order.fusion-no-instability",
    )
    assert DISCECTOMY not in _created_or_updated_codes(c)
    assert "discectomy" not in c.summary.lower()


def test_guard_a_coded_herniation_keeps_the_discectomy() -> None:
    facts = (cond("hern", "M51.16", 200), cond("st", "M48.062", 300))
    c = one(run("order-sign", [FUSION], *facts), "order.fusion-no-instability")
    assert DISCECTOMY in _created_or_updated_codes(c)


def test_guard_radiculopathy_without_stenosis_keeps_the_discectomy() -> None:
    c = one(run("order-sign", [FUSION], cond("rad", RADICULOPATHY, 200)), "order.fusion-no-instability")
    assert DISCECTOMY in _created_or_updated_codes(c)
