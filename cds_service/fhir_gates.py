"""Gates in front of fhir_core's two per-instance validators: valid data passes at a glance, and
anything they could object to gets the library's own validator, its own errors and messages.

fhir_core runs two model validators on every FHIR model instance, each resource and each element
inside it:

- ``reject_null_complex_elements`` (before the fields are validated) refuses a null inside a list
  of elements. It walks every field the class declares, some thirty for an Observation, asking of
  each whether it is a list and whether it is primitive, to look up the few keys the JSON holds.
- ``validate_after_model_construction`` (after) checks that each required primitive is present,
  and that a choice type (``value[x]``, ``medication[x]``) holds at most one value, and one when
  it is required. It asks the instance for its required fields, its choice groups and its alias
  map on every call, though they are constants of its class.

On a chart the worker has not seen they were about a quarter of the engine's instructions, and a
fifth of a call's through the app with its caches (``docs/benchmark-history.md``). The gates:

- **before**: a null can only be refused if one of the JSON object's own values is a list holding
  a null. If none is, the gate returns the data, as the validator would; otherwise the validator
  runs.
- **after**: the class's required fields and choice groups are read once per class. If every
  required field holds a value and no choice group holds two (nor none when it is required), the
  gate returns the instance, as the validator would; otherwise the validator runs and raises.

pydantic binds a model's validators when its class is built, looking each up by name through the
class's bases. fhir.resources builds an R4B class the first time it is asked for it, so
``install()`` runs when the adapter is imported, before any model class exists; a class built
before that keeps the library's validators, which give the same results, only slower.

The gates are written against the validators of the fhir_core release in ``CHECKED_WITH``: with
any other installed, ``install()`` leaves the library's validators in place, and
``tests/test_fhir_gates.py`` fails until the gates are checked against it. That test compares
both ways with the library on every fixture resource and 22 breakages of each.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any, NamedTuple

from fhir_core.fhirabstractmodel import FHIRAbstractModel

# The fhir_core release whose two validators the gates were checked against.
CHECKED_WITH = "1.1.12"

_BEFORE = "reject_null_complex_elements"
_AFTER = "validate_after_model_construction"

# The library's own validators, as fhir_core defines them.
_library_before = FHIRAbstractModel.__dict__[_BEFORE].__func__
_library_after = FHIRAbstractModel.__dict__[_AFTER]


def _gate_before(cls: type[FHIRAbstractModel], data: Any) -> Any:
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list) and None in value:
                return _library_before(cls, data)
    return data


class _Plan(NamedTuple):
    """What the after-validator checks on a class: its required fields' attributes, and each
    choice group's attributes with whether the group is required."""

    required: tuple[str, ...]
    choices: tuple[tuple[tuple[str, ...], bool], ...]


_plans: dict[type, _Plan | None] = {}


def _plan(model: FHIRAbstractModel) -> _Plan | None:
    """The class's plan, read as the library reads it; None, and every instance goes to the
    library's validator, if the class does not read as expected."""
    cls = type(model)
    try:
        aliases = cls.get_alias_mapping()
        required = tuple(aliases[name] for name, _ in model.get_required_fields())
        choices = []
        for prefix, fields in model.get_one_of_many_fields().items():
            extra = cls.model_fields[fields[0]].json_schema_extra
            if not isinstance(extra, dict) or extra["one_of_many"] != prefix:
                raise ValueError(prefix)
            choices.append((tuple(fields), extra["one_of_many_required"] is True))
        plan: _Plan | None = _Plan(required, tuple(choices))
    except (AttributeError, KeyError, TypeError, ValueError):
        plan = None
    _plans[cls] = plan
    return plan


def _gate_after(self: FHIRAbstractModel) -> Any:
    cls = type(self)
    plan = _plans[cls] if cls in _plans else _plan(self)
    if plan is None:
        return _library_after(self)
    values = self.__dict__
    for attr in plan.required:
        if values.get(attr) is None:
            return _library_after(self)
    for fields, required in plan.choices:
        held = 0
        for attr in fields:
            if values.get(attr) is not None:
                held += 1
        if held > 1 or (required and not held):
            return _library_after(self)
    return self


def install() -> bool:
    """Put the gates on ``FHIRAbstractModel`` under the validators' names, for every model class
    built from now on, if the installed fhir_core is the release they were checked against.
    Returns whether they are in place. Idempotent."""
    if version("fhir-core") != CHECKED_WITH:
        return False
    setattr(FHIRAbstractModel, _BEFORE, classmethod(_gate_before))
    setattr(FHIRAbstractModel, _AFTER, _gate_after)
    return True


def gated(model: type[Any]) -> bool:
    """Whether a model class was built with both gates."""
    validators = model.__pydantic_decorators__.model_validators
    before = getattr(validators[_BEFORE].func, "__func__", None)
    return before is _gate_before and validators[_AFTER].func is _gate_after
