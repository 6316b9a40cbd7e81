"""A Condition sent with a code only (no text, no display) is named by the display its value set
gives the code, else by the code: a card never shows an empty name ("red flag:  since 2018")."""

from __future__ import annotations

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM, SNOMED
from hooks.terminology import default_terminology

TERM = default_terminology()


def _condition(cid: str, system: str, code: str, **extra: object) -> dict[str, object]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": system, "code": code}], **extra},
    }


def _names(*raws: dict[str, object]) -> dict[str, str]:
    return {c.ref: c.text for c in build_history(raws, TERM).conditions}


def test_a_bare_known_code_takes_its_value_set_display() -> None:
    names = _names(_condition("ca", ICD10CM, "Z85.3"), _condition("rad", ICD10CM, "M54.17"))
    assert names == {
        "Condition/ca": "Personal history of malignant neoplasm of breast",
        "Condition/rad": "Radiculopathy, lumbosacral region",
    }


def test_an_unknown_bare_code_is_named_by_its_code() -> None:
    assert _names(_condition("x", SNOMED, "999999"))["Condition/x"] == "999999"


def test_text_and_display_still_come_first() -> None:
    assert (
        _names(_condition("ca", ICD10CM, "Z85.3", text="Breast cancer 2015"))["Condition/ca"]
        == "Breast cancer 2015"
    )
