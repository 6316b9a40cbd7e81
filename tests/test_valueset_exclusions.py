"""Codes the project removes from a shared value set, and the mimics the pathway names (§7.5, §7.6)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.terminology import Coding, Terminology, default_terminology

ROOT = Path(__file__).resolve().parent.parent
SUPPLEMENT = ROOT / "hooks" / "valuesets" / "supplement.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_valuesets", ROOT / "scripts" / "generate_valuesets.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def apply_exclusions(name: str, codes: list[dict[str, Any]], exclude: list[dict[str, Any]]) -> list[Any]:
    """The generator's exclusion step on one value set."""
    out = GEN.apply_exclusions({name: ("d", codes)}, {name: {"exclude": exclude}})
    return list(out[name][1])


def code(system: str, value: str) -> dict[str, Any]:
    return {"system": system, "code": value, "display": value, "verification": "test"}


@pytest.fixture(scope="module")
def term() -> Terminology:
    return default_terminology()


def test_an_exclusion_drops_the_code_and_keeps_the_rest() -> None:
    """It returns the set without the excluded code, in the original order."""
    codes = [code(ICD, "M54.16"), code(ICD, "M54.10"), code(SCT, "2415007")]
    kept = apply_exclusions("x", codes, [{"system": ICD, "code": "M54.10", "reason": "not lumbar"}])
    assert [c["code"] for c in kept] == ["M54.16", "2415007"]


def test_an_exclusion_matches_system_and_code() -> None:
    """The same code string in another system is not what the exclusion names, so it fails."""
    with pytest.raises(SystemExit, match="not in the value set"):
        apply_exclusions("x", [code(ICD, "M54.10")], [{"system": SCT, "code": "M54.10", "reason": "r"}])


def test_an_exclusion_of_a_code_not_in_the_set_fails_loudly() -> None:
    """A mistyped or stale exclusion stops the build instead of silently shipping the code."""
    with pytest.raises(SystemExit, match=r"x.*M54\.99"):
        apply_exclusions("x", [code(ICD, "M54.10")], [{"system": ICD, "code": "M54.99", "reason": "r"}])


def test_no_exclusions_leave_the_set_unchanged() -> None:
    codes = [code(ICD, "M54.16")]
    assert apply_exclusions("x", codes, []) == codes


def test_every_exclusion_in_the_supplement_gives_its_reason() -> None:
    supplement = json.loads(SUPPLEMENT.read_text())
    exclusions = [e for vs in supplement.values() if isinstance(vs, dict) for e in vs.get("exclude", [])]
    assert exclusions
    assert all(e.get("reason", "").strip() for e in exclusions)


@pytest.mark.parametrize(
    ("value_set", "system", "value", "member"),
    [
        # §7.6: radiculopathy of an unspecified site is not lumbar
        ("lumbar_radiculopathy_conditions", ICD, "M54.10", False),
        ("lumbar_radiculopathy_conditions", ICD, "M54.16", True),
        ("lumbar_radiculopathy_conditions", ICD, "M54.17", True),
        # §7.6: sacrococcygeal disorders are not sacroiliac joint pain
        ("sacroiliac_joint_pain", ICD, "M53.3", False),
        ("sacroiliac_joint_pain", ICD, "M46.1", True),
        # §7.6: lumbar spondylosis is too broad to name the facet joint
        ("facet_mediated_pain", SCT, "239880009", False),
        ("facet_mediated_pain", SCT, "428671008", True),
        ("facet_mediated_pain", ICD, "M47.816", True),
        # §7.5 mimics, each in the set the pathway names its test from
        ("mimic_hip_osteoarthritis", ICD, "M16.11", True),
        ("mimic_hip_osteoarthritis", ICD, "M17.11", False),  # knee
        ("mimic_arterial_claudication", ICD, "I70.212", True),
        ("mimic_arterial_claudication", ICD, "I70.222", True),  # rest pain includes claudication
        ("mimic_arterial_claudication", ICD, "I70.0", False),  # the aorta, not the leg arteries
        ("mimic_peroneal_neuropathy", ICD, "G57.31", True),
        ("mimic_meralgia_paresthetica", ICD, "G57.12", True),
        ("mimic_trochanteric_bursitis", ICD, "M70.61", True),
        ("mimic_peripheral_neuropathy", ICD, "E11.44", True),
        ("mimic_peripheral_neuropathy", ICD, "E11.42", True),
        ("mimic_sciatic_neuropathy", SCT, "52585001", True),
        ("alternative_or_mimicking_diagnoses", ICD, "M16.0", True),
        ("alternative_or_mimicking_diagnoses", ICD, "G57.02", True),
    ],
)
def test_corrected_and_mimic_classes(
    term: Terminology, value_set: str, system: str, value: str, member: bool
) -> None:
    """The corrected shared sets and the mimic classes hold what the decision model puts in them."""
    assert (term.match(value_set, [Coding(system, value)]) is not None) is member


def test_every_mimic_has_a_named_class(term: Terminology) -> None:
    """Each member of the mimic set falls in exactly one named class, so a card can name its test."""
    classes = [n for n in term.names if n.startswith("mimic_")]
    assert len(classes) == 7
    for m in term["alternative_or_mimicking_diagnoses"].members:
        homes = [n for n in classes if term.match(n, [Coding(m.system, m.code)]) is not None]
        assert len(homes) == 1, (m.code, homes)
