"""The gates in front of fhir_core's per-instance validators (``cds_service.fhir_gates``).

They may only make valid data cheaper: every resource must validate to the same model, and every
breakage fail with the same errors, places and messages, as with the library's own validators.
pydantic binds a model class's validators when the class is built, so each side is computed in a
fresh interpreter (``tests/fhir_outcomes.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from cds_service import fhir_gates
from tests.fhir_outcomes import ABSENT, BREAKAGES

ROOT = Path(__file__).resolve().parent.parent

PAIN = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
    "subject": {"reference": "Patient/p"},
    "effectiveDateTime": "2026-10-01",
    "valueQuantity": {"value": 7, "unit": "{score}"},
}


def _python(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _result(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out)


def test_every_fixture_resource_and_each_breakage_validates_as_with_the_library_validators() -> None:
    library, gated = _python("-m", "tests.fhir_outcomes"), _python("-m", "tests.fhir_outcomes", "--gated")
    ours, theirs = _result(gated), _result(library)
    assert len(theirs["resources"]) > 2000 and len(theirs["assignments"]) > 1000
    for i, (mine, expected) in enumerate(zip(ours["resources"], theirs["resources"], strict=True)):
        assert mine == expected, i
    assert ours["assignments"] == theirs["assignments"]
    # the breakages reach what each validator refuses, and what it lets through
    kinds: dict[str, set[str]] = {name: set() for name in BREAKAGES}
    messages = ""
    for outcomes in theirs["resources"]:
        for name, (kind, *rest) in outcomes.items():
            kinds[name].add(kind)
            if kind == "invalid":
                messages += "".join(error[2] + "\n" for error in rest[1])
    for refused in (
        "None is not allowed as an element of coding",
        "None is not allowed as an element of contained",
        "Value for the field 'status' is required.",
        "Value for the field 'url' is required.",
        "but got multiple!",
        "Expect any of field value from this list ['medicationCodeableConcept', 'medicationReference']",
    ):
        assert refused in messages, refused
    assert kinds["as sent"] == {"valid"}
    assert "valid" in kinds["no status, its absence explained by an extension"]
    assert kinds["a null in a list of primitives"] == {"valid"}
    assert {"valid", "invalid"} <= kinds["no status"]


def test_every_model_class_the_service_builds_has_the_gates(tmp_path: Path) -> None:
    """The service as ``serve`` starts it: the app, with the workers' preloaded models."""
    script = f"""
import json
from cds_service.app import create_app
from cds_service.fhir_gates import gated
from cds_service.settings import Settings
from fhir_core.fhirabstractmodel import FHIRAbstractModel

create_app(Settings(auth_enabled=False, database_url="sqlite:///{tmp_path / "s.sqlite3"}"), warm=True)
built, pending = [], [FHIRAbstractModel]
while pending:
    for cls in pending.pop().__subclasses__():
        built.append(cls)
        pending.append(cls)
print(json.dumps([c.__name__ for c in built if not gated(c)] + [len(built)]))
"""
    *ungated, built = _result(_python("-c", script))
    assert built > 70 and ungated == []


def test_a_class_built_before_the_gates_keeps_the_library_validators() -> None:
    script = """
import json
from fhir.resources.R4B import get_fhir_model_class
from cds_service import fhir_gates
early = get_fhir_model_class("Basic")
fhir_gates.install()
print(json.dumps([fhir_gates.gated(early), fhir_gates.gated(get_fhir_model_class("Observation"))]))
"""
    assert _result(_python("-c", script)) == [False, True]


def test_with_another_fhir_core_release_the_library_validators_stay() -> None:
    """The gates are checked against one fhir_core release; with another they step aside (and
    the test above fails until they are checked against it)."""
    script = """
import json
from fhir.resources.R4B import get_fhir_model_class
from cds_service import fhir_gates
fhir_gates.version = lambda name: "1.2.0"
print(json.dumps([fhir_gates.install(), fhir_gates.gated(get_fhir_model_class("Observation"))]))
"""
    assert _result(_python("-c", script)) == [False, False]


class _Counted:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        for name in ("_library_before", "_library_after"):
            monkeypatch.setattr(fhir_gates, name, self._counting(name, getattr(fhir_gates, name)))

    def _counting(self, name: str, validator: Any) -> Any:
        def counted(*args: Any) -> Any:
            self.calls.append(name)
            return validator(*args)

        return counted


def test_valid_data_never_reaches_the_library_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    model = get_fhir_model_class("Observation")
    assert fhir_gates.gated(model)  # the suite builds its models as the service does (conftest)
    counted = _Counted(monkeypatch)
    model.model_validate({**PAIN, "category": [{"text": "survey"}], "note": [{"text": "a"}, {"text": "b"}]})
    assert counted.calls == []


@pytest.mark.parametrize(
    ("change", "reaches"),
    [
        ({"category": [None]}, "_library_before"),
        ({"code": {"coding": [{"code": "x"}, None]}}, "_library_before"),
        ({"status": None}, "_library_after"),
        ({"valueString": "7"}, "_library_after"),
        ({"extension": [{"valueString": "no url"}]}, "_library_after"),
    ],
)
def test_what_a_validator_could_refuse_goes_to_it_and_is_refused(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, Any], reaches: str
) -> None:
    model = get_fhir_model_class("Observation")
    counted = _Counted(monkeypatch)
    with pytest.raises(ValueError):  # pydantic's ValidationError
        model.model_validate({**PAIN, **change})
    assert reaches in counted.calls


def test_a_status_whose_absence_is_explained_is_read_by_the_library_and_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = get_fhir_model_class("Observation")
    counted = _Counted(monkeypatch)
    data = {k: v for k, v in PAIN.items() if k != "status"}
    model.model_validate({**data, "_status": ABSENT})
    assert counted.calls and set(counted.calls) == {"_library_after"}
