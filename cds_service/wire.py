"""The CDS Hooks 2.0 wire format: request validation in, card serialisation out.

Requests are checked against the spec's names and constraints (hook, hookInstance, the hook's
required context fields, fhirServer when fhirAuthorization is present, draftOrders shape) and
become a ``CdsRequest``. Card drafts become CDS Hooks cards with fresh uuids per response;
nothing optional is ever emitted as ``null`` or empty (the only sanctioned empty value is
``"cards": []``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import re
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from cds_service.draft_orders import is_selected, selection_key
from cds_service.errors import BadRequest
from cds_service.records import IssuedCard
from cds_service.segmented_lru import SegmentedLru
from hooks.cards import Action, CardDraft, SuggestionDraft, render_detail
from hooks.override_reasons import reasons_for

SERVICE_LABEL = "Radicular CDS"

# Hook contexts (HL7 CDS Hooks Library 1.0.1): required fields, and the fields usable as
# prefetch tokens ("Prefetch Token: Yes"; primitive, root level).
REQUIRED_CONTEXT: Mapping[str, tuple[str, ...]] = {
    "patient-view": ("userId", "patientId"),
    "order-select": ("userId", "patientId", "selections", "draftOrders"),
    "order-sign": ("userId", "patientId", "draftOrders"),
}
TOKEN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "patient-view": ("userId", "patientId", "encounterId"),
    "order-select": ("userId", "patientId", "encounterId"),
    "order-sign": ("userId", "patientId", "encounterId"),
}
_STRING_CONTEXT = ("userId", "patientId", "encounterId")

# Upper bounds on what is logged and stored with every call. A hook name is short; hookInstance is
# a UUID in practice (36 characters), allowed some room for EHRs that use other unique strings.
MAX_HOOK_CHARS = 64
MAX_HOOK_INSTANCE_CHARS = 128
MAX_ID_CHARS = 64  # FHIR R4 id: [A-Za-z0-9\-\.]{1,64}
# FHIR R4 id (http://hl7.org/fhir/R4/datatypes.html#id) and a relative reference Type/id: what
# patientId, encounterId and userId must be before any of them goes into a URL or the store.
FHIR_ID = re.compile(r"\A[A-Za-z0-9\-.]{1,64}\Z")
FHIR_TYPE_AND_ID = re.compile(r"\A[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}\Z")
_ID_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "patientId": FHIR_ID,
    "encounterId": FHIR_ID,
    "userId": FHIR_TYPE_AND_ID,
}


def storable(text: str) -> bool:
    """Text a database can hold as given: encodable as UTF-8 (no lone surrogates) and without NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bounded_text(value: Any, limit: int) -> str:
    """``value`` if it is storable text within ``limit`` characters, else "" (for the audit record
    of a call that failed validation: what cannot be stored is not)."""
    return value if isinstance(value, str) and len(value) <= limit and storable(value) else ""


@dataclass(frozen=True)
class CdsRequest:
    """A validated CDS Hooks request. ``prefetch`` keeps the distinction between an absent key
    (not in the mapping) and a ``null`` value (present, ``None``)."""

    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    fhir_server: str | None = None
    access_token: str | None = None
    prefetch: Mapping[str, Any] = field(default_factory=dict)
    draft_orders: tuple[dict[str, Any], ...] = ()
    selections: tuple[str, ...] = ()

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])

    @property
    def user_id(self) -> str | None:
        v = self.context.get("userId")
        return v if isinstance(v, str) else None

    @property
    def encounter_id(self) -> str | None:
        v = self.context.get("encounterId")
        return v if isinstance(v, str) else None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(raw: bytes) -> Any:
    """A request body as JSON: orjson for every body it accepts (UTF-8, no NaN/Infinity).

    What orjson refuses is read again by the standard library, so that the caller learns why:
    a lone surrogate parses and is then refused by field (``storable``) with the call recorded;
    nesting beyond the interpreter's depth raises ``RecursionError`` ("nested too deeply"); an
    integer wider than 64 bits parses as it always did. Anything else is a ``ValueError``
    (or ``UnicodeDecodeError``).

    The cyclic garbage collector is paused while the body is built (``collector_paused``; a
    caller keeping the body pauses it for longer, ``HeldBody``)."""
    with collector_paused():
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return json.loads(raw, parse_constant=_no_constant)


class CollectorPause:
    """The cyclic garbage collector paused, process-wide, from construction until ``resume()``,
    unless it was already paused (then whoever paused it resumes it).

    Parsed JSON holds no reference cycles, so a collection finds nothing in it; yet the thousands
    of dicts and lists a large chart makes trigger collections that walk all of them (and, while
    the chart is alive, walk them again as they age). For a 2.5 MiB chart that was more time than
    the parse itself. Allocations of other threads in the meantime are collected once it resumes.
    The objects allocated meanwhile count towards the next collection: whatever they are, they must
    be freed (or the pause last) until the count has fallen back, or the first allocation after
    ``resume()`` collects them all."""

    def __init__(self) -> None:
        self._paused = gc.isenabled()
        if self._paused:
            gc.disable()

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            gc.enable()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """``CollectorPause`` for the block."""
    pause = CollectorPause()
    try:
        yield
    finally:
        pause.resume()


# WSGI environ key: an ``AfterResponse`` when the server runs work after writing the response
# (``cds_service.server.BufferedFront``); absent under any other server.
AFTER_RESPONSE = "cds.after_response"

# WSGI environ key: the whole request body as bytes, when the server has read it all before the
# app runs (``cds_service.server.BufferedFront``; ``wsgi.input`` then holds the same bytes);
# absent under any other server. Read through Werkzeug's ``get_data``, the body is copied in 64 KiB
# pieces (a 2.5 MiB chart: 3.4 ms, in process on a slow host); these are the bytes themselves.
REQUEST_BODY = "cds.request_body"


class AfterResponse:
    """Work a call leaves until its response has been written: the server runs it once, after the
    response (or once the client is gone). ``defer`` says False when that moment has passed (the
    call ran past its connection's end): the caller then does the work itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._work: list[Callable[[], object]] | None = []

    def defer(self, work: Callable[[], object]) -> bool:
        with self._lock:
            if self._work is None:
                return False
            self._work.append(work)
            return True

    def run(self) -> None:
        with self._lock:
            work, self._work = self._work or [], None
        for item in work:
            item()


class HeldBody:
    """A call's parsed body, kept until ``release()`` drops it; with ``pause`` (a large body), the
    collector stays paused (``CollectorPause``) until then.

    Freeing a parsed chart costs about as much as parsing it (a 2.5 MiB chart of 5,000 resources:
    about 11 ms each, in process), in one cascade of deallocations that never lets go of the
    interpreter lock. Released after the response is written (``AfterResponse``), that time no
    longer delays the answer; the call costs the same CPU.

    A typical body (~2,000 objects) does not pause the collector. The pause is process-wide and
    the first call to take it gives it back, so with calls in flight together the collector was
    off most of the time, yet came back on while other calls still held their bodies: the objects
    allocated meanwhile piled up past its threshold and were walked, in-flight bodies included,
    all at once. A young collection during a typical call walks its body too, ~2,000 objects, well
    under a millisecond. Side by side under ``serve`` (repeated chart after distinct charts, 8
    connections, 6 alternating rounds): p99 0.68×, requests/s 1.03×."""

    def __init__(self, pause: bool = True) -> None:
        self.body: Any = None
        self._pause = CollectorPause() if pause else None

    def release(self) -> None:
        self.body = None
        if self._pause is not None:
            self._pause.resume()


def encode_json(body: Any) -> bytes:
    """A response body as UTF-8 JSON (orjson)."""
    return orjson.dumps(body)


def _bad(message: str, *expression: str) -> BadRequest:
    return BadRequest(message, expression=list(expression))


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _valid_base_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and storable(value)


def _has_userinfo(value: str) -> bool:
    parts = urlsplit(value)
    return "@" in parts.netloc or parts.username is not None


def parse_request(body: Any, *, declared_hooks: Iterable[str] | None = None) -> CdsRequest:
    """Validate a decoded JSON body; raises ``BadRequest`` naming the offending field."""
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    hook = _parse_hook(body.get("hook"), declared_hooks)
    hook_instance = _parse_hook_instance(body.get("hookInstance"))
    fhir_server = _parse_fhir_server(body.get("fhirServer"))
    access_token = _parse_authorization(body.get("fhirAuthorization"), fhir_server)
    context = _parse_context(body.get("context"), hook)
    draft_orders: tuple[dict[str, Any], ...] = ()
    if "draftOrders" in context:
        draft_orders = _parse_draft_orders(context["draftOrders"])
    selections = _parse_selections(context)
    if hook == "order-select":
        _check_selections(selections, draft_orders)
    _check_draft_subjects(draft_orders, context.get("patientId"))
    return CdsRequest(
        hook=hook,
        hook_instance=hook_instance,
        context=context,
        fhir_server=fhir_server,
        access_token=access_token,
        prefetch=_parse_prefetch(body.get("prefetch")),
        draft_orders=draft_orders,
        selections=selections,
    )


def _parse_hook(hook: Any, declared_hooks: Iterable[str] | None) -> str:
    if not isinstance(hook, str) or not hook.strip():
        raise _bad("'hook' is required and must be a non-empty string.", "hook")
    if len(hook) > MAX_HOOK_CHARS or not storable(hook):
        raise _bad(f"'hook' must be a hook name of at most {MAX_HOOK_CHARS} characters.", "hook")
    if declared_hooks is not None and hook not in tuple(declared_hooks):
        raise _bad(f"This service does not answer the {hook!r} hook.", "hook")
    if hook not in REQUIRED_CONTEXT:
        raise _bad(f"Unsupported hook {hook!r}.", "hook")
    return hook


def _parse_hook_instance(hook_instance: Any) -> str:
    if not isinstance(hook_instance, str) or not hook_instance.strip():
        raise _bad("'hookInstance' is required and must be a non-empty string.", "hookInstance")
    if len(hook_instance) > MAX_HOOK_INSTANCE_CHARS or not storable(hook_instance):
        raise _bad(
            f"'hookInstance' must be a UUID or other unique string of at most {MAX_HOOK_INSTANCE_CHARS} "
            "characters, in valid Unicode.",
            "hookInstance",
        )
    return hook_instance


def _parse_fhir_server(fhir_server: Any) -> str | None:
    if fhir_server is None:
        return None
    if not (_nonempty_str(fhir_server) and _valid_base_url(fhir_server)):
        raise _bad("'fhirServer' must be an absolute http(s) URL.", "fhirServer")
    if _has_userinfo(fhir_server):
        raise _bad("'fhirServer' must not carry user info (user:password@).", "fhirServer")
    return str(fhir_server)


def _parse_context(context: Any, hook: str) -> dict[str, Any]:
    """The context object: the hook's required fields present, the ids in FHIR id shape."""
    if not isinstance(context, dict):
        raise _bad("'context' is required and must be a JSON object.", "context")
    for name in REQUIRED_CONTEXT[hook]:
        if name not in context or context[name] is None:
            raise _bad(f"context.{name} is required for the {hook} hook.", f"context.{name}")
    for name in _STRING_CONTEXT:
        if name in context and not _nonempty_str(context[name]):
            raise _bad(f"context.{name} must be a non-empty string.", f"context.{name}")
        if name in context and not _ID_PATTERNS[name].match(context[name]):
            shape = "ResourceType/id" if name == "userId" else "a FHIR id"
            raise _bad(
                f"context.{name} must be {shape} (letters, digits, '-' and '.', at most {MAX_ID_CHARS}).",
                f"context.{name}",
            )
    return context


def _check_selections(selections: Sequence[str], draft_orders: Sequence[dict[str, Any]]) -> None:
    """order-select judges its selections: at least one, each a draft order of the Bundle. With none,
    or one naming no draft, an answer would judge nothing, or less than asked, and read as "nothing
    to worry about"."""
    if not selections:
        raise _bad(
            "context.selections must name at least one order of context.draftOrders ('Type/id').",
            "context.selections",
        )
    unknown = [s for s in selections if not any(is_selected(d, {selection_key(s)}) for d in draft_orders)]
    if unknown:
        raise _bad(
            f"context.selections names no order of context.draftOrders: {', '.join(unknown[:3])} (each "
            "selection is the 'Type/id' of a draft order in the Bundle).",
            "context.selections",
        )


def _check_draft_subjects(draft_orders: Sequence[dict[str, Any]], patient_id: Any) -> None:
    """A draft order for another patient than ``context.patientId`` cannot be judged against this
    patient's record."""
    if not isinstance(patient_id, str):
        return
    for i, resource in enumerate(draft_orders):
        ref = (resource.get("subject") or {}).get("reference")
        parts = [p for p in ref.split("/") if p] if isinstance(ref, str) else []
        if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1] != patient_id:
            where = f"context.draftOrders.entry[{i}].resource.subject"
            raise _bad(f"{where} names another patient than context.patientId.", where)


def _parse_selections(context: dict[str, Any]) -> tuple[str, ...]:
    if "selections" not in context:
        return ()
    raw_sel = context["selections"]
    if not isinstance(raw_sel, list) or not all(_nonempty_str(s) for s in raw_sel):
        raise _bad("context.selections must be an array of 'Type/id' strings.", "context.selections")
    return tuple(raw_sel)


def _parse_prefetch(prefetch: Any) -> dict[str, Any]:
    if prefetch is None:
        return {}
    if not isinstance(prefetch, dict):
        raise _bad("'prefetch' must be a JSON object.", "prefetch")
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, dict):
            raise _bad(f"prefetch.{key} must be a FHIR resource or null.", f"prefetch.{key}")
    return prefetch


def _parse_authorization(auth: Any, fhir_server: Any) -> str | None:
    if auth is None:
        return None
    if not isinstance(auth, dict):
        raise _bad("'fhirAuthorization' must be a JSON object.", "fhirAuthorization")
    if fhir_server is None:
        raise _bad("'fhirServer' is required when 'fhirAuthorization' is present.", "fhirServer")
    token = auth.get("access_token")
    if not _nonempty_str(token):
        raise _bad("fhirAuthorization.access_token is required.", "fhirAuthorization.access_token")
    token_type = auth.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise _bad("fhirAuthorization.token_type must be 'Bearer'.", "fhirAuthorization.token_type")
    expires_in = auth.get("expires_in")
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int)):
        raise _bad("fhirAuthorization.expires_in must be an integer.", "fhirAuthorization.expires_in")
    for name in ("scope", "subject", "patient"):
        if name in auth and not isinstance(auth[name], str):
            raise _bad(f"fhirAuthorization.{name} must be a string.", f"fhirAuthorization.{name}")
    return str(token)


def _parse_draft_orders(value: Any) -> tuple[dict[str, Any], ...]:
    """draftOrders is read leniently (no Bundle.type, STU3 dosage shapes) but must be a Bundle-like
    object with an ``entry`` array of objects; entries without a resource are skipped."""
    if not isinstance(value, dict) or not isinstance(value.get("entry"), list):
        raise _bad("context.draftOrders must be a Bundle with an 'entry' array.", "context.draftOrders")
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    for i, entry in enumerate(value["entry"]):
        where = f"context.draftOrders.entry[{i}]"
        if not isinstance(entry, dict):
            raise _bad(f"{where} must be a JSON object.", where)
        resource = entry.get("resource")
        if resource is None:
            continue
        if not isinstance(resource, dict) or not _nonempty_str(resource.get("resourceType")):
            raise _bad(f"{where}.resource must be a FHIR resource with a resourceType.", f"{where}.resource")
        _check_draft_shape(resource, f"{where}.resource")
        if resource.get("id") is not None and not isinstance(resource["id"], str):
            raise _bad(f"{where}.resource.id must be a string (a FHIR id).", f"{where}.resource.id")
        ident = (resource["resourceType"], resource.get("id"))
        if ident[1] is not None and ident in seen:
            raise _bad(f"{where}.resource repeats the id {ident[0]}/{ident[1]} of another draft.", where)
        seen.add(ident)
        out.append(resource)
    return tuple(out)


# The elements of a draft order the checks read, and the JSON shape FHIR gives each: a code sent as
# a bare string, or a reason as one object, is malformed, not "no code" (an empty answer would read
# as "nothing to worry about").
_DRAFT_OBJECTS = ("code", "medicationCodeableConcept", "medicationReference", "subject", "occurrencePeriod")
_DRAFT_ARRAYS = ("reasonCode", "reasonReference", "bodySite", "dosageInstruction", "note", "contained")


def _check_draft_shape(resource: dict[str, Any], where: str) -> None:
    for name in _DRAFT_OBJECTS:
        if name in resource and resource[name] is not None and not isinstance(resource[name], dict):
            raise _bad(f"{where}.{name} must be a JSON object (a FHIR {name} element).", f"{where}.{name}")
    for name in _DRAFT_ARRAYS:
        value = resource.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise _bad(f"{where}.{name} must be an array of JSON objects.", f"{where}.{name}")


# ---------------------------------------------------------------------------------------------
# Serialisation


def prune(value: Any) -> Any:
    """Drop ``None`` and empty strings/lists/dicts recursively (CDS Hooks 2.0 #use-of-json)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            pv = prune(v)
            if pv is None or pv == "" or pv == [] or pv == {}:
                continue
            out[k] = pv
        return out
    if isinstance(value, list | tuple):
        kept = (prune(v) for v in value)
        return [pv for pv in kept if not (pv is None or pv == "" or pv == [] or pv == {})]
    return value


UuidFactory = Callable[[], str]


class RandomUuids:
    """Random (version 4) UUIDs from the operating system's random source, as ``uuid.uuid4``
    makes them, but read ``BATCH`` at a time per thread.

    ``uuid.uuid4`` reads 16 bytes per UUID, and every read gives up the interpreter lock
    (``os.urandom``). A call's card and suggestion UUIDs are made while it holds its worker's
    evaluation lock, so each read let another thread of the worker take the interpreter lock, and
    taking it back waited until that thread let go of it (up to the 5 ms switch interval) while
    every other call of the worker waited for the evaluation lock. A forked process starts with
    no UUIDs read, so two workers never hand out the same ones."""

    BATCH = 256

    def __init__(self) -> None:
        self._local = threading.local()
        os.register_at_fork(after_in_child=functools.partial(_forget_after_fork, weakref.ref(self)))

    def _forget(self) -> None:
        self._local = threading.local()

    def __call__(self) -> str:
        ready: list[str] | None = getattr(self._local, "ready", None)
        if not ready:
            ready = self._read()
        return ready.pop()

    def fill(self) -> None:
        """Read this thread's batch now if it has none (a call thread as it starts: the ~0.6 ms a
        batch takes is then off its first call)."""
        if not getattr(self._local, "ready", None):
            self._read()

    def _read(self) -> list[str]:
        raw = os.urandom(16 * self.BATCH)
        ready = [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, len(raw), 16)]
        self._local.ready = ready
        return ready


def _forget_after_fork(ref: weakref.ref[RandomUuids]) -> None:
    uuids = ref()
    if uuids is not None:
        uuids._forget()


new_uuid = RandomUuids()


def _action(action: Action) -> dict[str, Any]:
    return {
        "type": action.type,
        "description": action.description,
        "resource": action.resource,
        "resourceId": action.resource_id,
    }


def _suggestion(s: SuggestionDraft, suggestion_uuid: str) -> dict[str, Any]:
    return {
        "label": s.label,
        "uuid": suggestion_uuid,
        "isRecommended": True if s.is_recommended else None,
        "actions": [_action(a) for a in s.actions],
    }


def _source(draft: CardDraft) -> dict[str, Any]:
    primary = draft.evidence[0]
    return {
        "label": f"{SERVICE_LABEL} · {primary.label}",
        "url": primary.url,
        "topic": draft.topic_coding.as_fhir(),
    }


# The links the web layer adds to a card besides the rule's own: (service id, hook, draft) → links.
CardLinks = Callable[[str, str, CardDraft], Sequence[Mapping[str, str]]]


def serialise_card(
    draft: CardDraft,
    new_id: UuidFactory = new_uuid,
    extra_links: Sequence[Mapping[str, str]] = (),
    templates: CardTemplates | None = None,
) -> tuple[dict[str, Any], IssuedCard]:
    """One CDS Hooks card (pruned of empty optionals) and its record for the store; ``templates``
    keeps the cards drawn before."""
    card_uuid = new_id()
    suggestion_uuids = tuple(new_id() for _ in draft.suggestions)
    pruned = templates.card(draft, extra_links) if templates is not None else _pruned_card(draft, extra_links)
    return _with_uuids(pruned, card_uuid, suggestion_uuids), _issued(draft, card_uuid, suggestion_uuids)


# Where a card's uuid and its suggestions' go, until a call gives them (a card the rules drew
# once is pruned once: ``CardTemplates``).
_UUID_SLOT = "uuid-of-this-call"


def _pruned_card(draft: CardDraft, extra_links: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The card, pruned of empty optionals, its uuids left in ``_UUID_SLOT``."""
    card: dict[str, Any] = {
        "uuid": _UUID_SLOT,
        "summary": draft.summary,
        "detail": render_detail(draft),
        "indicator": draft.indicator,
        "source": _source(draft),
        "suggestions": [_suggestion(s, _UUID_SLOT) for s in draft.suggestions],
        "selectionBehavior": draft.selection_behavior if draft.suggestions else None,
        "overrideReasons": [r.as_fhir() for r in reasons_for(draft.indicator)],
        "links": [
            *({"label": link.label, "url": link.url, "type": link.type} for link in draft.links),
            *(dict(link) for link in extra_links),
        ],
    }
    pruned: dict[str, Any] = prune(card)
    return pruned


def _with_uuids(card: dict[str, Any], card_uuid: str, suggestion_uuids: Sequence[str]) -> dict[str, Any]:
    card["uuid"] = card_uuid
    suggestions = card.get("suggestions", [])
    for suggestion, suggestion_uuid in zip(suggestions, suggestion_uuids, strict=True):
        suggestion["uuid"] = suggestion_uuid
    return card


def _issued(draft: CardDraft, card_uuid: str, suggestion_uuids: tuple[str, ...]) -> IssuedCard:
    return IssuedCard(
        uuid=card_uuid, rule_id=draft.rule_id, indicator=draft.indicator, suggestion_uuids=suggestion_uuids
    )


class CardTemplates:
    """The pruned card of each draft of recent calls, as JSON with its uuids left out.

    A chart reopened gets the drafts its history gave before (``pipeline.DecisionMemo``): the
    same draft objects, so the same cards but for their uuids. Rendering the detail and pruning a
    card cost ~70 µs; parsing the kept JSON back ~5 µs, into objects of the call's own (nothing
    is shared between answers). Keyed by the draft's identity with the draft held, and by the
    links added to it. ``capacity`` 0 keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.hits = 0
        self._kept: SegmentedLru[int, tuple[CardDraft, tuple[Mapping[str, str], ...], bytes]] = SegmentedLru(
            capacity
        )
        self._lock = threading.Lock()

    def card(self, draft: CardDraft, extra_links: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        """The pruned card of ``draft`` with ``extra_links``, its uuids in ``_UUID_SLOT``."""
        if self.capacity == 0:
            return _pruned_card(draft, extra_links)
        links = tuple(extra_links)
        with self._lock:
            kept = self._kept.get(id(draft))
        if kept is not None and kept[0] is draft and kept[1] == links:
            self.hits += 1
            loaded: dict[str, Any] = orjson.loads(kept[2])
            return loaded
        card = _pruned_card(draft, links)
        with self._lock:
            self._kept.put(id(draft), (draft, links, orjson.dumps(card)))
        return card


def serialise_cards(
    drafts: Iterable[CardDraft],
    new_id: UuidFactory = new_uuid,
    links_for: Callable[[CardDraft], Sequence[Mapping[str, str]]] | None = None,
    templates: CardTemplates | None = None,
) -> tuple[dict[str, Any], tuple[IssuedCard, ...]]:
    """The response body ``{"cards": [...]}`` and what was issued, in the same order;
    ``links_for`` adds the web layer's links to each card; ``templates`` keeps the cards drawn
    before."""
    cards: list[dict[str, Any]] = []
    issued: list[IssuedCard] = []
    for d in drafts:
        card, record = serialise_card(d, new_id, links_for(d) if links_for else (), templates)
        cards.append(card)
        issued.append(record)
    return {"cards": cards}, tuple(issued)


def discovery(services: Iterable[Any]) -> dict[str, Any]:
    """``GET /cds-services``: one entry per (service, hook), pruned of empty optionals."""
    return {"services": [prune(e) for s in services for e in s.discovery_entries()]}
