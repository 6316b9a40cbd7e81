"""Lenient reading of ``draftOrders`` resources (CDS Hooks order-select / order-sign) into typed
``DraftOrder`` facts, at the service boundary beside ``fhir_facts`` (the patient's record).

Real clients send what they have: a Bundle without ``type``, a MedicationRequest with no
medication yet (the Sandbox), NutritionOrder or DeviceRequest entries, STU3 dosage shapes
(``doseQuantity`` directly on the dosage) next to R4 ``doseAndRate`` (sometimes an object, not an
array), medications coded directly or through a contained Medication. ``cds_service.wire``
refuses what is not a Bundle of resources (400 with an OperationOutcome); nothing here raises on
an odd shape: a field that cannot be read is simply absent, and the checks say what they could not
judge.

On order-select the checks judge only the ``selections``; every draft order is still context (an
MRI already drafted in the same session, a benzodiazepine next to an opioid). On order-sign every
draft order is judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from hooks.facts import MG_UNITS, Dose, DraftOrder, OriginalResource
from hooks.terminology import Coding, canonical_system

_PER_DAY = {"s": 86400.0, "min": 1440.0, "h": 24.0, "d": 1.0, "wk": 1 / 7, "mo": 1 / 30, "a": 1 / 365}


def _list(value: Any) -> list[Any]:
    """An array element as a list: a lone object becomes one item, anything else none."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, Mapping) else []


def _codings(concept: Any) -> tuple[Coding, ...]:
    if not isinstance(concept, Mapping):
        return ()
    out = []
    for c in _list(concept.get("coding")):
        if isinstance(c, Mapping) and isinstance(c.get("code"), str) and isinstance(c.get("system"), str):
            display = c.get("display") if isinstance(c.get("display"), str) else None
            out.append(Coding(canonical_system(c["system"]), c["code"], display))
    return tuple(out)


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return str(concept["text"]).strip()
    for c in _list(concept.get("coding")):
        if isinstance(c, Mapping) and isinstance(c.get("display"), str):
            return str(c["display"])
    return None


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 4:
        return None
    try:
        if len(value) == 4:
            return date(int(value), 1, 1)
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 1)
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _quantity(q: Any) -> tuple[float | None, str | None]:
    if not isinstance(q, Mapping):
        return None, None
    unit = q.get("code") if isinstance(q.get("code"), str) else q.get("unit")
    return _number(q.get("value")), unit if isinstance(unit, str) else None


def _dose_quantity(dosage: Mapping[str, Any]) -> tuple[float | None, str | None]:
    # STU3 (and the order-sign example labelled R4): doseQuantity / doseRange on the dosage itself.
    candidates: list[Mapping[str, Any]] = [dosage]
    # doseAndRate: an array, or (seen in the wild) one object
    candidates.extend(x for x in _list(dosage.get("doseAndRate")) if isinstance(x, Mapping))
    for c in candidates:
        value, unit = _quantity(c.get("doseQuantity"))
        if value is not None:
            return value, unit
        rng = c.get("doseRange")
        if isinstance(rng, Mapping):
            value, unit = _quantity(rng.get("high"))
            if value is None:
                value, unit = _quantity(rng.get("low"))
            if value is not None:
                return value, unit
    return None, None


def _per_day(dosage: Mapping[str, Any]) -> float | None:
    timing = dosage.get("timing")
    repeat = timing.get("repeat") if isinstance(timing, Mapping) else None
    if not isinstance(repeat, Mapping):
        return None
    freq = _number(repeat.get("frequencyMax")) or _number(repeat.get("frequency"))
    period = _number(repeat.get("period"))
    unit = repeat.get("periodUnit") or repeat.get("periodUnits")  # DSTU2 (older Sandbox) spelling
    if freq is None or not period or not isinstance(unit, str) or unit not in _PER_DAY:
        return None
    return freq / period * _PER_DAY[str(unit)]


def _doses(resource: Mapping[str, Any]) -> tuple[Dose, ...]:
    out = []
    for d in _list(resource.get("dosageInstruction")):  # one object is accepted too (seen in the wild)
        if not isinstance(d, Mapping):
            continue
        value, unit = _dose_quantity(d)
        route = d.get("route")
        out.append(
            Dose(
                text=_text(d.get("text")),
                value=value,
                unit=unit,
                per_day=_per_day(d),
                route=_codings(route),
                route_text=_concept_text(route),
                sequence=_sequence(d.get("sequence")),
            )
        )
    return tuple(out)


def _sequence(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _contained(
    resource: Mapping[str, Any], reference: Any, sent: Mapping[str, Mapping[str, Any]] | None = None
) -> Mapping[str, Any] | None:
    """The Medication a medicationReference names: contained in the resource, else one sent as its
    own draftOrders entry (``sent``, by "Medication/id")."""
    if not isinstance(reference, Mapping) or not isinstance(reference.get("reference"), str):
        return None
    ref = reference["reference"]
    for c in _list(resource.get("contained")):
        if (
            isinstance(c, Mapping)
            and c.get("resourceType") == "Medication"
            and ref in (f"#{c.get('id')}", f"Medication/{c.get('id')}")
        ):
            return c
    return (sent or {}).get(selection_key(ref)) if "/" in ref else None


def _strength_mg(ingredients: Iterable[Any]) -> float | None:
    """mg per presentation unit from the first ingredient whose strength is mg per 1 unit."""
    for ing in ingredients:
        if not isinstance(ing, Mapping) or not isinstance(ing.get("strength"), Mapping):
            continue
        num, num_unit = _quantity(ing["strength"].get("numerator"))
        den, _ = _quantity(ing["strength"].get("denominator"))
        if num is not None and (num_unit or "").lower() in MG_UNITS and (den is None or den == 1):
            return num
    return None


def _read_medication(
    resource: Mapping[str, Any], sent: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[tuple[Coding, ...], tuple[Coding, ...], str | None, float | None]:
    concept = resource.get("medicationCodeableConcept")
    codings = _codings(concept)
    text = _concept_text(concept)
    ingredients: tuple[Coding, ...] = ()
    strength = None
    med = _contained(resource, resource.get("medicationReference"), sent)
    if med is not None:
        codings += _codings(med.get("code"))
        text = text or _concept_text(med.get("code"))
        items: list[Coding] = []
        for ing in _list(med.get("ingredient")):
            if isinstance(ing, Mapping):
                items.extend(_codings(ing.get("itemCodeableConcept")))
        ingredients = tuple(items)
        strength = _strength_mg(_list(med.get("ingredient")))
    elif isinstance(resource.get("medicationReference"), Mapping):
        display = resource["medicationReference"].get("display")
        text = text or (display if isinstance(display, str) else None)
    return codings, ingredients, text, strength


def _reason_refs(resource: Mapping[str, Any]) -> tuple[str, ...]:
    """reasonReference as "Type/id" (e.g. "Condition/abc")."""
    refs = (r.get("reference") for r in _list(resource.get("reasonReference")) if isinstance(r, dict))
    return tuple("/".join(r.split("/")[-2:]) for r in refs if isinstance(r, str) and "/" in r)


def _prior_prescription(resource: Mapping[str, Any]) -> str | None:
    """A MedicationRequest's priorPrescription as "Type/id": the order a dose change replaces."""
    prior = resource.get("priorPrescription")
    ref = prior.get("reference") if isinstance(prior, Mapping) else None
    return selection_key(ref) if isinstance(ref, str) and "/" in ref else None


def read_order(
    resource: Mapping[str, Any], selected: bool, medications: Mapping[str, Mapping[str, Any]] | None = None
) -> DraftOrder:
    """One draft resource as a ``DraftOrder``; never raises. ``medications``: the Medication
    resources sent as draftOrders entries of their own, by "Medication/id", for a
    medicationReference that names one."""
    rtype = str(resource.get("resourceType") or "Unknown")
    rid = _text(resource.get("id"))
    ref = f"{rtype}/{rid}" if rid else ""
    ingredients: tuple[Coding, ...] = ()
    strength = None
    doses: tuple[Dose, ...] = ()
    supply_days = None
    if rtype == "MedicationRequest":
        codings, ingredients, text, strength = _read_medication(resource, medications)
        doses = _doses(resource)
        disp = resource.get("dispenseRequest")
        if isinstance(disp, Mapping):
            supply_days, unit = _quantity(disp.get("expectedSupplyDuration"))
            if supply_days is not None and unit in ("wk", "week", "weeks"):
                supply_days *= 7
        authored = _parse_date(resource.get("authoredOn"))
    else:
        # ServiceRequest (R4), ProcedureRequest (STU3), DeviceRequest (codeCodeableConcept) and
        # anything else with a ``code``: read it the same way; NutritionOrder has none.
        concept = resource.get("code") or resource.get("codeCodeableConcept")
        codings = _codings(concept)
        text = _concept_text(concept)
        authored = _parse_date(resource.get("authoredOn") or resource.get("dateTime"))
    body_site = None
    for site in _list(resource.get("bodySite")):
        body_site = _concept_text(site) or body_site
    return DraftOrder(
        ref=ref,
        resource_type=rtype,
        id=rid,
        codings=codings,
        ingredient_codings=ingredients,
        text=text or rtype,
        status=_text(resource.get("status")),
        intent=_text(resource.get("intent")),
        priority=_text(resource.get("priority")),
        authored=authored,
        selected=selected,
        original=OriginalResource(resource),
        body_site_text=body_site,
        doses=doses,
        strength_mg=strength,
        supply_days=supply_days,
        reason_codings=tuple(c for rc in _list(resource.get("reasonCode")) for c in _codings(rc)),
        reason_refs=_reason_refs(resource),
        occurrence=_occurrence(resource),
        replaces=_prior_prescription(resource),
        grouped=_grouped(resource),
    )


# Resources that order something, as draftOrders may hold them (CDS Hooks order-select/order-sign),
# and the two that hold orders of their own: an order set sent as a RequestGroup or a nested Bundle.
_ORDER_TYPES = frozenset(
    {"MedicationRequest", "ServiceRequest", "ProcedureRequest", "DeviceRequest", "NutritionOrder",
     "VisionPrescription"}
)  # fmt: skip
_GROUP_TYPES = frozenset({"RequestGroup", "Bundle"})


def _grouped(resource: Mapping[str, Any], depth: int = 0) -> tuple[str, ...]:
    """The orders a RequestGroup (its contained resources) or a nested Bundle (its entries) holds, as
    "name (Type/id)", groups within groups read through; nothing for any other resource."""
    rtype = resource.get("resourceType")
    if rtype not in _GROUP_TYPES or depth > 3:
        return ()
    inner = (
        _list(resource.get("contained"))
        if rtype == "RequestGroup"
        else [e.get("resource") for e in _list(resource.get("entry")) if isinstance(e, Mapping)]
    )
    out: list[str] = []
    for r in inner:
        if not isinstance(r, Mapping):
            continue
        if r.get("resourceType") in _ORDER_TYPES:
            out.append(read_order(r, False).label)
        else:
            out += _grouped(r, depth + 1)
    return tuple(out)


def _occurrence(resource: Mapping[str, Any]) -> date | None:
    """When the order is booked for: occurrenceDateTime, or the start of an occurrencePeriod."""
    period = resource.get("occurrencePeriod")
    start = period.get("start") if isinstance(period, Mapping) else None
    return _parse_date(resource.get("occurrenceDateTime")) or _parse_date(start)


def read_draft_orders(
    hook: str, resources: Sequence[Mapping[str, Any]], selections: Sequence[str]
) -> tuple[DraftOrder, ...]:
    """Every draft order, each marked ``selected`` when this hook must judge it.

    order-select judges the selections (``Type/id``; a bare id is accepted too); order-sign, and
    any other hook that carries draft orders, judges them all. A Medication sent as an entry of its
    own is read as the drug of the MedicationRequest whose medicationReference names it (an EHR may
    send the drug that way rather than contained), and is then no order of its own.
    """
    wanted = {selection_key(s) for s in selections}
    medications = {
        f"Medication/{raw['id']}": raw
        for raw in resources
        if isinstance(raw, Mapping)
        and raw.get("resourceType") == "Medication"
        and isinstance(raw.get("id"), str)
    }
    named = {
        selection_key(ref["reference"])
        for raw in resources
        if isinstance(raw, Mapping)
        and raw.get("resourceType") == "MedicationRequest"
        and isinstance(ref := raw.get("medicationReference"), Mapping)
        and isinstance(ref.get("reference"), str)
    }
    out = []
    for raw in resources:
        if not isinstance(raw, Mapping):
            continue
        if raw.get("resourceType") == "Medication" and f"Medication/{raw.get('id')}" in named:
            continue  # the drug of an order sent beside it, read with that order
        out.append(read_order(raw, hook != "order-select" or is_selected(raw, wanted), medications))
    return tuple(out)


def selection_key(selection: str) -> str:
    """A selection as ``Type/id``: an absolute or versioned reference
    (``https://ehr/fhir/ServiceRequest/1/_history/2``) reduced to its type and id; ``Type/id`` or a
    bare id as sent."""
    parts = [p for p in selection.strip().split("?")[0].split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else selection.strip()


def is_selected(raw: Mapping[str, Any], wanted: set[str]) -> bool:
    """Whether a draft order is among the selections (``selection_key``s): by ``Type/id``, or by its
    bare id."""
    rtype, rid = raw.get("resourceType"), raw.get("id")
    return f"{rtype}/{rid}" in wanted or (isinstance(rid, str) and rid in wanted)
