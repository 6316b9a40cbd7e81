"""An ODI sent as a fraction or out of its raw 50 points is read as the percentage it is.

ODI 0.56 (unit 1) was shown as "ODI 0.56 %" and graded a patient with NRS 8 as mild (E1): a
disability of 56 % is E2's severe. A fraction (unit 1, at most 1) is multiplied by 100 and a ratio
out of 50 (the raw score) by 2; any other unit is kept as sent.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from hooks.terminology import default_terminology

TERM = default_terminology()
ODI_CODE = {
    "coding": [{"system": "http://loinc.org", "code": "97909-6", "display": "Oswestry disability index"}]
}


def odi(**value: Any) -> float | None:
    raw = {
        "resourceType": "Observation", "id": "odi", "status": "final", "code": ODI_CODE,
        "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-12-05", **value,
    }  # fmt: skip
    (o,) = [o for o in build_history([raw], TERM).observations if o.kind == "odi"]
    return o.value


def test_a_fraction_is_a_percentage() -> None:
    assert (
        odi(valueQuantity={"value": 0.56, "unit": "1", "system": "http://unitsofmeasure.org", "code": "1"})
        == 56
    )


def test_a_raw_score_out_of_fifty_is_doubled() -> None:
    assert odi(valueRatio={"numerator": {"value": 28}, "denominator": {"value": 50}}) == 56


def test_guard_a_percentage_is_kept() -> None:
    assert (
        odi(valueQuantity={"value": 56, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"})
        == 56
    )


def test_a_whole_fraction_in_a_fraction_unit_is_one_hundred_percent() -> None:
    assert odi(valueQuantity={"value": 1.0, "unit": "{fraction}"}) == 100
    assert odi(valueQuantity={"value": 1, "unit": "1"}) == 1  # a bare 1 in unit 1: kept as sent
