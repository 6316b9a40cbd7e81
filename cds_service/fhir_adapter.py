"""The one place that imports fhir.resources, pinned to the **R4B** models.

(The package's default models are R5 and reject real R4 Procedures and Encounters.) Raw JSON is
first screened with ``cds_service.relevance.is_relevant`` so only resources the rules can use are
validated, then read into typed facts by ``cds_service.fhir_facts``; an invalid one is a 400
naming the prefetch key and the path. fhir.resources raises
``KeyError``/``TypeError``/``ValueError`` rather than ``ValidationError`` on some malformed input
(an unknown ``resourceType`` in a Bundle entry or a contained resource): that is a 400 too.

An EHR sends the same chart again and again (every ``order-select`` as the clinician picks orders,
``order-sign``, the chart reopened), so each worker keeps the models it validated in a bounded
``ModelCache`` keyed by the resource's exact JSON: a resource byte-for-byte equal to one already
validated is not validated again. Only successes are kept; the rules only read the models.

A chart never seen before still repeats itself element by element: every resource of a chart
names the same patient (``subject``), and every chart codes its pain scores, diagnoses and
procedures with the same few ``CodeableConcept``s. The ``ElementMemo`` keeps the element models
(CodeableConcept, Reference, Quantity, ...) of a resource's own fields by class and exact JSON,
and hands them to the resource's model instead of their JSON: fhir.resources takes an instance of
the field's class as it is, so an element byte-for-byte equal to one already validated as that
class is not validated again, and everything else is validated as before.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, NamedTuple, get_args, get_origin

import orjson
from fhir.resources.R4B import get_fhir_model_class
from fhir_core.types import FhirElementOrResourceBase
from pydantic import BaseModel, ValidationError

from cds_service import fhir_gates
from cds_service.errors import InvalidFhirData
from cds_service.fhir_facts import RESOURCE_TYPES
from cds_service.fhir_facts import build_history as build_facts
from cds_service.large_body import ScreenedOut
from cds_service.prefetch import KeyData
from cds_service.relevance import is_relevant as screen
from cds_service.segmented_lru import SegmentedLru
from hooks.facts import PatientHistory
from hooks.terminology import Terminology

IsRelevant = Callable[[dict[str, Any], Terminology], bool]
BuildHistory = Callable[[list[Any], Terminology, dict[str, str]], PatientHistory]

# Before any R4B model class is built (fhir.resources builds each the first time it is asked for).
fhir_gates.install()


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# The resource types the history is built from (the relevance screen keeps no others).
VALIDATED_TYPES = RESOURCE_TYPES


def preload_models(resource_types: Iterable[str] = VALIDATED_TYPES) -> int:
    """Import every R4B model class reachable from these resource types.

    fhir.resources imports a nested element's module (CodeableConcept, Period, Dosage, ...) the
    first time a resource holding one is validated, which costs a clinician's first call tens of
    milliseconds per type. Walking the field annotations once per worker moves that to start-up.
    Returns how many model classes are loaded."""
    seen: set[type] = set()
    pending = [get_fhir_model_class(t) for t in resource_types]
    seen.update(pending)
    while pending:
        cls = pending.pop()
        for field in cls.model_fields.values():
            stack: list[Any] = [field.annotation]
            while stack:
                ann = stack.pop()
                stack.extend(get_args(ann))
                loader = getattr(ann, "get_model_klass", None)
                if loader is None:
                    continue
                klass = loader()
                if klass not in seen:
                    seen.add(klass)
                    pending.append(klass)
    return len(seen)


_History = tuple[tuple[Any, ...], Terminology, dict[str, str], BuildHistory, PatientHistory]

# (the field's attribute name, the element's model class, a list of them?) by the JSON name
ElementFields = dict[str, tuple[str, type, bool]]


@cache
def element_fields(model: type[BaseModel]) -> ElementFields:
    """The fields of a model class that hold FHIR elements (CodeableConcept, Reference, a
    backbone element, ...), one or a list, by their JSON name.

    Left out: fields that hold resources (``contained``), whose class is chosen by the JSON's own
    ``resourceType``, and any field whose type names more than one element class."""
    out: ElementFields = {}
    for name, field in model.model_fields.items():
        classes: list[Any] = []
        many = False
        stack: list[Any] = [field.annotation]
        while stack:
            ann = stack.pop()
            many = many or get_origin(ann) is list
            stack.extend(get_args(ann))
            if getattr(ann, "get_model_klass", None) is not None:
                classes.append(ann)
        if len(classes) != 1 or issubclass(classes[0], FhirElementOrResourceBase):
            continue
        out[field.alias or name] = (name, classes[0].get_model_klass(), many)
    return out


class _Bounded:
    """A per-worker memo of at most ``capacity`` entries (0: off), with its lock and its counts."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()


# An element whose JSON is longer is validated every time (a narrative's XHTML, a long note): it
# hardly ever repeats, and the memo would hold a copy of its text.
MAX_ELEMENT_JSON = 1024

_ElementKey = tuple[type, bytes | str]


class ElementMemo(_Bounded):
    """Validated element models of resources' own fields, by class and exact JSON, in a
    ``SegmentedLru``: the patient reference and the codes a chart repeats outlast the elements
    seen once (identifiers, timestamps).

    ``validate(model, raw)`` is ``validate_model(model, raw)`` with each element found here handed
    over as its model. Only elements of a resource that validated whole are kept. Per worker
    process; thread-safe. ``capacity`` 0 turns it off. ``hits``/``misses`` count elements since
    start."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._kept: SegmentedLru[_ElementKey, Any] = SegmentedLru(capacity)

    def __len__(self) -> int:
        return len(self._kept)

    def validate(self, model: type[BaseModel], raw: dict[str, Any]) -> Any:
        wanted = _elements_of(model, raw) if self.capacity else []
        if not wanted:
            return validate_model(model, raw)
        data = raw
        missing: list[_Wanted] = []
        with self._lock:
            for want in wanted:
                found = self._kept.get(want.key)
                if found is None:
                    missing.append(want)
                    continue
                if data is raw:
                    data = dict(raw)  # the caller's JSON is never changed
                if want.place is None:
                    data[want.name] = found
                else:
                    if data[want.name] is raw[want.name]:
                        data[want.name] = list(raw[want.name])
                    data[want.name][want.place] = found
            self.hits += len(wanted) - len(missing)
            self.misses += len(missing)
        validated = validate_model(model, data)  # raises for invalid data: nothing of it is kept
        if missing:
            with self._lock:
                for want in missing:
                    value = getattr(validated, want.attr)
                    self._kept.put(want.key, value if want.place is None else value[want.place])
        return validated


def validate_model(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """``model.model_validate(data)`` for a resource's JSON object: the same model or the same
    ``ValidationError``, with fhir_core's after-validator run once instead of twice.

    fhir.resources' models define their own ``__init__`` (it checks ``resourceType``), so
    ``model_validate`` calls that ``__init__``, which validates, and then runs the model's
    after-validator (required primitives, one value per choice type) again on the way out.
    Calling the model validates once: about 12 of the 77 microseconds of an Observation whose
    elements the memo hands over. A key that is not a string cannot be a keyword: that object
    takes the library's own path, which says what is wrong with it."""
    try:
        return model(**data)
    except TypeError:
        return model.model_validate(data)


class _Wanted(NamedTuple):
    """An element of a resource's JSON that the memo may hold."""

    name: str  # the JSON name of its field
    attr: str  # the model's attribute for that field
    place: int | None  # its place in the field's list; None when the field holds one element
    key: _ElementKey


def _elements_of(model: type[BaseModel], raw: dict[str, Any]) -> list[_Wanted]:
    """The elements of ``raw``'s own fields that have a key (plain JSON, not too long)."""
    fields = element_fields(model)
    out: list[_Wanted] = []
    for name, value in raw.items():
        spec = fields.get(name)
        if spec is None:
            continue
        attr, element, many = spec
        if not many:
            key = _element_key(value)
            if key is not None:
                out.append(_Wanted(name, attr, None, (element, key)))
        elif value.__class__ is list:
            for i, item in enumerate(value):
                key = _element_key(item)
                if key is not None:
                    out.append(_Wanted(name, attr, i, (element, key)))
    return out


def _element_key(value: Any) -> bytes | str | None:
    if value.__class__ is not dict:
        return None
    key = _cache_key(value)
    return key if key is not None and len(key) <= MAX_ELEMENT_JSON else None


class ModelCache(_Bounded):
    """Validated R4B models by the exact JSON of the resource, in a ``SegmentedLru``: a resource
    looked up again outlasts a stream of charts opened once each.

    Per worker process; thread-safe. ``capacity`` 0 turns it off. ``hits``/``misses`` count
    lookups since start, for the benchmark and for operators.

    It also remembers the last ``HISTORIES`` patient histories built from its models (``history``):
    a chart sent again (an order-select call per selection, a chart reopened) comes back as the
    same model objects, and its history is the same. A resource it has not seen is validated with
    its ``elements`` (an ``ElementMemo`` of the same capacity)."""

    HISTORIES = 32

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._models: SegmentedLru[bytes | str, Any] = SegmentedLru(capacity)
        self.elements = ElementMemo(capacity)
        self._histories: SegmentedLru[tuple[int, ...], _History] = SegmentedLru(
            self.HISTORIES if capacity else 0
        )

    def history(
        self, models: list[Any], terminology: Terminology, unavailable: Mapping[str, str], build: BuildHistory
    ) -> PatientHistory:
        """``build(models, terminology, unavailable)``, or the history it gave for the very same
        model objects, terminology, builder and unavailable keys. Histories and their facts are
        immutable; an entry holds its models, so no other object can take one of their ids while
        it is kept."""
        if self.capacity == 0:
            return build(models, terminology, dict(unavailable))
        key = tuple(map(id, models))
        with self._lock:
            kept = self._histories.get(key)
            if kept is not None:
                same_models, same_terminology, same_unavailable, same_build, history = kept
                if (
                    same_terminology is terminology
                    and same_build is build
                    and same_unavailable == unavailable
                    and all(a is b for a, b in zip(same_models, models, strict=True))
                ):
                    return history
        history = build(models, terminology, dict(unavailable))
        with self._lock:
            self._histories.put(key, (tuple(models), terminology, dict(unavailable), build, history))
        return history

    def __len__(self) -> int:
        return len(self._models)

    def parse(self, raw: Any, where: str) -> Any:
        if self.capacity == 0 or not isinstance(raw, dict):
            return parse_resource(raw, where)
        key = _cache_key(raw)
        if key is None:
            return parse_resource(raw, where)  # not plain JSON: validation says what is wrong
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self.hits += 1
                return model
            self.misses += 1
        model = parse_resource(raw, where, self.elements)  # raises for invalid data: never kept
        with self._lock:
            self._models.put(key, model)
        return model


_KEY_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _cache_key(raw: dict[str, Any]) -> bytes | str | None:
    """The exact JSON of a resource, or None when it is not plain JSON.

    orjson writes it in about a tenth of the standard library's time (this runs for every resource
    kept, on every call), but writes NaN and infinities as ``null``; a key holding ``null``
    anywhere (rare in FHIR, which has no nulls outside primitive-extension arrays) is written
    again by the standard library, which refuses them, so two different resources never share a
    key. Keys of the two kinds (bytes, str) never compare equal."""
    try:
        key = orjson.dumps(raw, option=_KEY_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: not a str key, an integer beyond 64 bits, ...
        key = None
    if key is not None and b"null" not in key:
        # orjson's bytes keep the capacity of its output buffer (about 1 KiB at least): a cache of
        # 4,096 such keys held ~20 MB more per worker than the keys need. An exact-size copy.
        return bytes(memoryview(key))
    try:
        return json.dumps(raw, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None


def parse_resource(raw: Any, where: str, elements: ElementMemo | None = None) -> Any:
    """Validate one raw resource with its R4B model; ``where`` names it in the error. With
    ``elements``, its elements validated before are handed over as their models."""
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        raise InvalidFhirData(f"{where} is not a FHIR resource (no resourceType).", expression=[where])
    rtype = raw["resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError):
        raise InvalidFhirData(
            f"{where}: {rtype!r} is not a FHIR R4 resource type.", expression=[f"{where}.resourceType"]
        ) from None
    try:
        return elements.validate(model, raw) if elements is not None else validate_model(model, raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        first = errors[0] if errors else {"loc": (), "msg": "invalid"}
        path = f"{where}.{_loc(first['loc'])}" if first.get("loc") else where
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InvalidFhirData(
            f"Invalid FHIR R4 {rtype} at {path}: {first['msg']}{more}.", expression=[path]
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        # fhir.resources raises these for e.g. an unknown resourceType in a nested resource.
        raise InvalidFhirData(
            f"Invalid FHIR R4 {rtype} at {where}: malformed content ({type(exc).__name__}).",
            expression=[where],
        ) from None


def to_history(
    data: Mapping[str, KeyData],
    terminology: Terminology,
    unavailable: Mapping[str, str],
    *,
    is_relevant: IsRelevant | None = None,
    build_history: BuildHistory | None = None,
    cache: ModelCache | None = None,
) -> PatientHistory:
    """Screen, validate and hand the models to ``cds_service.fhir_facts.build_history``."""
    is_relevant = is_relevant or screen
    build_history = build_history or build_facts
    models: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for kd in data.values():
        for i, raw in enumerate(kd.resources):
            if raw.__class__ is ScreenedOut:
                continue  # screened as the body was parsed (``large_body``): dropped already
            rtype = raw.get("resourceType") if isinstance(raw, dict) else None
            if not isinstance(rtype, str):
                where = kd.path(i)
                raise InvalidFhirData(
                    f"{where} is not a FHIR resource (no resourceType).", expression=[where]
                )
            try:
                relevant = is_relevant(raw, terminology)
            except (AttributeError, KeyError, TypeError, ValueError):
                relevant = True  # malformed enough to confuse the screen: let validation say where
            if not relevant:
                continue
            # the same resource may arrive under two keys (e.g. MedicationRequest in two searches);
            # only what is kept needs the check: thousands of resources are screened out above
            rid = raw.get("id")
            if isinstance(rid, str):
                ident = (rtype, rid)
                if ident in seen:
                    continue
                seen.add(ident)
            where = kd.path(i)  # only for what is validated: thousands of resources are not
            models.append(cache.parse(raw, where) if cache is not None else parse_resource(raw, where))
    if cache is not None:
        return cache.history(models, terminology, unavailable, build_history)
    return build_history(models, terminology, dict(unavailable))
