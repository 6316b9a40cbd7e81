"""Decoding a large call body with the relevance screen applied as it is parsed.

A large chart is mostly resources no rule reads (thousands of vital signs, laboratory results and
encounters). Parsed whole, each of them becomes a few dozen Python objects that are then screened
in a second walk over memory the processor's caches no longer hold, and freed in a third. Here
each resource of a prefetched Bundle is parsed on its own (orjson), screened at once while its
objects are still in the caches, and, when the screen drops it, replaced there and then by a
``ScreenedOut`` stub that ``fhir_adapter.to_history`` skips without screening it again. Only the
types the screen judges one by one are ever dropped (``relevance.JUDGED_TYPES``): an
OperationOutcome in a search result, a Patient or a Medication stays whole. What
stays is what the whole-body decode gives for everything the service reads: the top-level fields
and every non-Bundle prefetch value in full, each Bundle's ``resourceType`` and ``link`` (paging),
and its entries in order, each with its ``resource``; an entry's other fields (``fullUrl``,
``search``, ...) and a Bundle's others (``type``, ``total``, ...) are read by nothing and are
left out.

msgspec finds where each resource begins and ends without building anything (``msgspec.Raw``).
Anything unusual falls back to the whole-body decode (``wire.decode_json``), so that every error
and every odd-but-valid body gets the answer it always got: a body that is not a JSON object,
malformed or too deeply nested JSON anywhere, and a body that is not ASCII and not valid UTF-8
either (msgspec does not check the text of the fields it skips). A Bundle whose entries are not
an array of objects is decoded whole.

Measured side by side under ``serve`` (one connection, a 2.5 MiB chart of 5,050 resources of
which ~50 are kept): the call's p50 was 0.91× and 0.87× that of the whole-body decode (medians of
6 and 8 paired rounds). In process, parsing, screening and freeing it whole took 26-34 ms, here
22-29 ms (three alternating runs of 30).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from cds_service import wire


class ScreenedOut(dict[str, Any]):
    """A prefetched resource the relevance screen dropped while the body was parsed: only its
    ``resourceType`` is kept."""


_ABSENT = msgspec.Raw()  # an entry without a resource (msgspec keeps this very default)


class _Entry(msgspec.Struct):
    resource: msgspec.Raw = _ABSENT


class _Bundle(msgspec.Struct):
    resourceType: Any = None
    link: Any = None
    entry: list[_Entry] | None = None


class _Request(msgspec.Struct, forbid_unknown_fields=True):
    """The fields of a CDS Hooks request, for a body that has no others (the usual case): one pass
    over the body finds them and every prefetched value, where ``dict[str, Raw]`` for the body
    and again for its prefetch took two. A body with any other field, or with a prefetch that is
    neither an object nor null, is read field by field instead (``_decode_fields``)."""

    hook: msgspec.Raw = _ABSENT
    hookInstance: msgspec.Raw = _ABSENT
    fhirServer: msgspec.Raw = _ABSENT
    fhirAuthorization: msgspec.Raw = _ABSENT
    context: msgspec.Raw = _ABSENT
    extension: msgspec.Raw = _ABSENT
    prefetch: dict[str, msgspec.Raw] | msgspec.UnsetType | None = msgspec.UNSET


_REQUEST_FIELDS = tuple(name for name in _Request.__struct_fields__ if name != "prefetch")
_REQUEST = msgspec.json.Decoder(_Request)
_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_BUNDLE = msgspec.json.Decoder(_Bundle)
_UNUSUAL = (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError)  # DecodeError: ValidationError too
_OPEN = ord("{")


def decode(raw: bytes, keep: Callable[[dict[str, Any]], bool], judged: frozenset[str]) -> Any:
    """The body, with every prefetched Bundle resource of a type in ``judged`` that ``keep``
    refuses as a ``ScreenedOut``.

    ``keep`` is the relevance screen; a resource it raises on is kept (validation then says what
    is wrong with it, as for any resource). Resources of other types are kept whole, whatever the
    screen says of them: an OperationOutcome in a search result, which decides whether the
    prefetch failed (``prefetch.error_outcome``), a Patient, a Medication."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return wire.decode_json(raw)
    with wire.collector_paused():
        try:
            return _decode(raw, keep, judged)
        except _UNUSUAL:
            pass
    return wire.decode_json(raw)


def _decode(raw: bytes, keep: Callable[[dict[str, Any]], bool], judged: frozenset[str]) -> dict[str, Any]:
    try:
        request = _REQUEST.decode(raw)
    except msgspec.ValidationError:  # another field, an unusual prefetch, not an object
        return _decode_fields(raw, keep, judged)
    body: dict[str, Any] = {}
    for name in _REQUEST_FIELDS:
        value = getattr(request, name)
        if value is not _ABSENT:
            body[name] = orjson.loads(memoryview(value))
    prefetch = request.prefetch
    if prefetch is not msgspec.UNSET:
        body["prefetch"] = (
            None
            if prefetch is None
            else {key: _prefetched(item, keep, judged) for key, item in prefetch.items()}
        )
    return body


def _decode_fields(
    raw: bytes, keep: Callable[[dict[str, Any]], bool], judged: frozenset[str]
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in _FIELDS.decode(raw).items():  # not an object: msgspec.ValidationError
        text = memoryview(value)  # a Raw spans its value exactly: no whitespace around it
        if name == "prefetch" and text[0] == _OPEN:
            prefetch = _FIELDS.decode(value)
            body[name] = {key: _prefetched(item, keep, judged) for key, item in prefetch.items()}
        else:
            body[name] = orjson.loads(text)
    return body


def _prefetched(value: msgspec.Raw, keep: Callable[[dict[str, Any]], bool], judged: frozenset[str]) -> Any:
    loads = orjson.loads
    if memoryview(value)[0] != _OPEN:
        return loads(memoryview(value))
    try:
        bundle = _BUNDLE.decode(value)
    except msgspec.ValidationError:
        bundle = None  # e.g. a resource whose entry is not an array: then not a Bundle to skim
    if bundle is None or bundle.resourceType != "Bundle":
        return loads(memoryview(value))
    if bundle.entry is None:
        return loads(memoryview(value))
    entries: list[dict[str, Any]] = []
    for entry in bundle.entry:
        if entry.resource is _ABSENT:
            entries.append({})
            continue
        resource = loads(memoryview(entry.resource))
        rtype = resource.get("resourceType") if type(resource) is dict else None
        if type(rtype) is str and rtype in judged:
            try:
                kept = keep(resource)
            except (AttributeError, KeyError, TypeError, ValueError):
                kept = True  # malformed enough to confuse the screen: validation says where
            if not kept:
                resource = ScreenedOut(resourceType=rtype)
        entries.append({"resource": resource})
    skimmed: dict[str, Any] = {"resourceType": "Bundle", "entry": entries}
    if bundle.link is not None:
        skimmed["link"] = bundle.link
    return skimmed
