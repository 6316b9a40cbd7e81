"""The relevance screen: which raw FHIR resources of a call can matter to any rule, decided on the
raw JSON before anything is validated (it sits beside the R4B adapter, ``fhir_adapter``, which
validates only what it keeps).

It runs on every resource of every prefetch key or search result — histories of thousands of
resources, mostly vital signs, laboratory results and encounters — so it decides in the cheapest
order: resource type (one list, ``RELEVANT_TYPES``, which is also what the adapter validates),
status, code membership in the value sets, then category, and reads display texts only for what
is still undecided. It errs on the side of keeping: a resource wrongly dropped here changes
clinical advice, a resource wrongly kept costs a validation.

Codes are never written here: membership is a question to ``terminology``. Word lists recognise
what EHRs record without codes (text-only procedures, uncoded strength grades and "% relief"
entries, spine imaging reports, spine and pain care encounters, a foot drop in words, weakness or
numbness of both legs in words under any code).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from hooks.terminology import Terminology

# Shared with the history builder, which recognises the same uncoded entries by name.
from hooks.text import BILATERAL_LEGS as _BILATERAL_LEGS
from hooks.text import FOOT_DROP as _FOOT_DROP
from hooks.text import RELIEF_WORDS as _RELIEF_WORDS
from hooks.text import STRENGTH_WORDS as _STRENGTH_WORDS
from hooks.text import ingredients_named as _ingredients_named
from hooks.text import names_fbss as _names_fbss
from hooks.text import names_lumbar_radicular as _names_lumbar_radicular
from hooks.text import names_surgical_status as _names_surgical_status
from hooks.text import red_flags_named as _red_flags_named
from hooks.text import states_bilateral_leg_deficit as _states_bilateral_leg_deficit
from hooks.vitals import is_fever as _is_fever

_PROCEDURE_WORDS = re.compile(
    r"epidural|\besi\b|tfesi|ilesi|nerve root|snrb|radiofrequen|\brfa\b|ablation|neurotomy|rhizotomy|"
    r"cryo|stimulat|dorsal root|\bdrg\b|medial branch|facet|sacroiliac|\bsij?\b|laminectomy|laminotomy|"
    r"discectomy|diskectomy|foraminotomy|fusion|\b[tpaxol]lif\b|arthrodesis|arthroplasty|dis[ck] replacement|"
    r"decompression|"
    r"intrathecal|spine|spinal|"
    r"lumbar|sciatic|radicul|physiotherap|physical therap",
    re.IGNORECASE,
)
_REPORT_WORDS = re.compile(
    # spine context only: "S1" alone is also a heart sound, "stenosis" alone also aortic
    r"lumbar|lumbosacral|\bspine\b|spinal (?:canal|stenosis|cord)|\bdis[ck]s?\b|foramina|\bL[1-5]\b|"
    r"radicul|thecal sac|cauda equina|nerve root|myelogra",
    re.IGNORECASE,
)
_SPECIALTY_WORDS = re.compile(
    r"spine|spinal|pain|neurosurg|orthop|physiatr|physical medicine|rehabilitat|neurolog",
    re.IGNORECASE,
)


def _items(value: Any) -> list[Any]:
    """A JSON array as a list; anything else (absent, malformed) as empty."""
    return value if isinstance(value, list) else []


def _raw_known(terminology: Terminology, cc: Any) -> bool:
    if not isinstance(cc, dict):
        return False
    codings = cc.get("coding")
    if not isinstance(codings, list):
        return False
    for c in codings:
        if isinstance(c, dict):
            system, code = c.get("system"), c.get("code")
            if isinstance(system, str) and isinstance(code, str) and terminology.is_known(system, code):
                return True
    return False


def _raw_in(terminology: Terminology, value_set: str, cc: Any) -> bool:
    """Whether any coding of the CodeableConcept ``cc`` is in ``value_set``."""
    codings = cc.get("coding") if isinstance(cc, dict) else None
    if not isinstance(codings, list):
        return False
    for c in codings:
        if isinstance(c, dict) and value_set in terminology.memberships(c.get("system"), c.get("code")):
            return True
    return False


def _raw_fever(raw: dict[str, Any]) -> bool:
    """Whether the Observation's valueQuantity is a fever (``hooks.vitals.is_fever``; the unit as the
    history builder reads it: ``unit``, else ``code``)."""
    q = raw.get("valueQuantity")
    if not isinstance(q, dict):
        return False
    value, unit = q.get("value"), q.get("unit") or q.get("code")
    if isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(unit, str):
        return False
    return _is_fever(float(value), unit)


def _raw_any_known(terminology: Terminology, value: Any) -> bool:
    if isinstance(value, list):
        return any(_raw_known(terminology, cc) for cc in value)
    return _raw_known(terminology, value)


def _raw_texts(value: Any) -> Iterable[str]:
    for cc in value if isinstance(value, list) else [value]:
        if not isinstance(cc, dict):
            continue
        if isinstance(cc.get("text"), str):
            yield cc["text"]
        for c in _items(cc.get("coding")):
            if isinstance(c, dict) and isinstance(c.get("display"), str):
                yield c["display"]


@lru_cache(maxsize=8192)
def _text_has(pattern: re.Pattern[str], text: str) -> bool:
    # Charts repeat the same few display texts thousands of times ("Heart rate", "Glucose"):
    # remember the answer per (pattern, text) so a large history pays for each text once.
    return pattern.search(text) is not None


def _raw_words(pattern: re.Pattern[str], *values: Any) -> bool:
    return any(_text_has(pattern, t) for v in values for t in _raw_texts(v))


def _raw_medication_known(raw: dict[str, Any], terminology: Terminology) -> bool:
    """A drug the rules know: by code, ingredient code, ingredient name, or an unjudgeable reference."""
    cc = raw.get("medicationCodeableConcept")
    if _raw_known(terminology, cc):
        return True
    if cc is not None and _ingredients_named(terminology, *_raw_texts(cc)):
        return True
    reference = raw.get("medicationReference")
    ref = reference.get("reference") if isinstance(reference, dict) else None
    if isinstance(ref, str) and ref:
        if not ref.startswith("#"):
            return True  # Medication/x elsewhere in the bundle: cannot judge it from here
        for med in _items(raw.get("contained")):
            if (
                isinstance(med, dict)
                and f"#{med.get('id')}" == ref
                and _raw_medication_resource(med, terminology)
            ):
                return True
    return bool(_raw_any_known(terminology, raw.get("reasonCode")))


def _raw_medication_resource(med: dict[str, Any], terminology: Terminology) -> bool:
    if _raw_known(terminology, med.get("code")):
        return True
    for ing in _items(med.get("ingredient")):
        if isinstance(ing, dict) and _raw_known(terminology, ing.get("itemCodeableConcept")):
            return True
    texts = list(_raw_texts(med.get("code")))
    for ing in _items(med.get("ingredient")):
        if isinstance(ing, dict):
            texts.extend(_raw_texts(ing.get("itemCodeableConcept")))
    return bool(_ingredients_named(terminology, *texts))


_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
# Categories no rule reads when the code is in no value set: vital signs and laboratory results
# (coded pain scores filed as vital signs are kept by their code, which is checked first).
# code -> system, so that the common miss is one dict lookup on the code
_UNREAD_CATEGORIES = {
    "vital-signs": _OBSERVATION_CATEGORY,
    "laboratory": _OBSERVATION_CATEGORY,
    "LAB": _V2_0074,
}


def _unread_category(raw: dict[str, Any]) -> bool:
    categories = raw.get("category")
    if not isinstance(categories, list):
        return False
    for cc in categories:
        codings = cc.get("coding") if isinstance(cc, dict) else None
        if isinstance(codings, list):
            for c in codings:
                if isinstance(c, dict):
                    system = _UNREAD_CATEGORIES.get(code) if isinstance(code := c.get("code"), str) else None
                    if system is not None and system == c.get("system"):
                        return True
    return False


def _condition(raw: dict[str, Any], t: Terminology) -> bool:
    evidence = [
        cc for ev in _items(raw.get("evidence")) if isinstance(ev, dict) for cc in _items(ev.get("code"))
    ]
    # a foot drop in words only (a SNOMED-only problem list, free text) is still a red flag, as are
    # cauda equina syndrome, a cancer, a spinal infection or fracture named in words with no code the
    # value sets know (``PathwayContext.named_red_flag_conditions``); a lumbar radicular diagnosis in
    # words only still opens the gate
    code = raw.get("code")
    if _raw_known(t, code) or _raw_any_known(t, evidence) or _raw_words(_FOOT_DROP, code):
        return True
    if _words_may_decide(t, code):
        texts = list(_raw_texts(code))
        if any(_names_radicular(text) for text in texts) or _red_flags_named(*texts):
            return True
        # post-laminectomy syndrome or a lumbar operation named as done ("S/P L4-5 laminectomy"): the
        # post-surgical branch
        if _names_fbss(*texts) or _names_surgical_status(*texts):
            return True
    # new weakness or numbness of both legs is a cauda equina warning sign whatever the code it is
    # written under ("R29.898" or "R53.1" with "New weakness of both legs", ``red_flags.
    # new_bilateral_leg_symptoms``): read only here, for what the codes did not keep
    return _names_both_legs(raw, code)


def _names_both_legs(raw: dict[str, Any], code: Any) -> bool:
    """Whether the Condition's words (its code's text and displays, body site, notes: what
    ``ConditionFact.written`` reads) record weakness or numbness of both legs
    (``hooks.text.states_bilateral_leg_deficit``). Both legs named at all is the cheap test first: most
    diagnoses never name them."""
    lines = [*_raw_texts(code), *_raw_texts(raw.get("bodySite"))]
    lines += [
        n["text"] for n in _items(raw.get("note")) if isinstance(n, dict) and isinstance(n.get("text"), str)
    ]
    if not any(_BILATERAL_LEGS.search(line) for line in lines):
        return False
    return _states_bilateral_leg_deficit("\n".join(lines))


def _words_may_decide(t: Terminology, concept: Any) -> bool:
    """``Terminology.words_may_decide`` on a raw CodeableConcept."""
    codings = _items(concept.get("coding")) if isinstance(concept, dict) else []
    pairs = ((_str(c.get("system")), _str(c.get("code"))) for c in codings if isinstance(c, dict))
    return t.words_may_decide(pairs)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# the same few free-text diagnoses recur across charts: each text is read once
_names_radicular = lru_cache(maxsize=8192)(_names_lumbar_radicular)


def _procedure(raw: dict[str, Any], t: Terminology) -> bool:
    return (
        _raw_known(t, raw.get("code"))
        or _raw_any_known(t, raw.get("usedCode"))
        or _raw_any_known(t, raw.get("reasonCode"))
        or _raw_known(t, raw.get("outcome"))
        or _raw_words(_PROCEDURE_WORDS, raw.get("code"))
    )


def _observation(raw: dict[str, Any], t: Terminology) -> bool:
    # Most of a large chart: vital signs and laboratory results. The checks run in the order that
    # rejects those soonest, each as a plain loop (this runs once per resource of every call).
    code = raw.get("code")
    if _raw_known(t, code):
        # a body temperature matters only as a fever (the rules read no other): a large chart's many
        # normal readings are dropped here, unvalidated
        return not _raw_in(t, "body_temperature_observations", code) or _raw_fever(raw)
    components = raw.get("component")
    if components:
        for comp in _items(components):
            if isinstance(comp, dict) and _raw_known(t, comp.get("code")):
                return True
    part_of = raw.get("partOf")
    if part_of and any(
        isinstance(p, dict) and "Procedure/" in str(p.get("reference") or "") for p in _items(part_of)
    ):
        return True
    if _unread_category(raw):
        return False  # a vital sign or laboratory result no value set names: no text read
    if _raw_words(_RELIEF_WORDS, raw.get("code")) or _raw_words(_STRENGTH_WORDS, raw.get("code")):
        return True
    # an examination panel whose components are named as strength scores ("Left EHL strength (MRC)")
    named = (comp.get("code") for comp in _items(components or ()) if isinstance(comp, dict))
    return any(_raw_words(_STRENGTH_WORDS, code) for code in named)


def _service_request(raw: dict[str, Any], t: Terminology) -> bool:
    return (
        _raw_known(t, raw.get("code"))
        or _raw_any_known(t, raw.get("reasonCode"))
        or _raw_any_known(t, raw.get("category"))
        or _raw_words(_PROCEDURE_WORDS, raw.get("code"))
        or _raw_words(_SPECIALTY_WORDS, raw.get("performerType"), raw.get("code"))
    )


def _diagnostic_report(raw: dict[str, Any], t: Terminology) -> bool:
    if _raw_known(t, raw.get("code")) or _raw_any_known(t, raw.get("category")):
        return True
    if _raw_any_known(t, raw.get("conclusionCode")):
        return True
    if _unread_category(raw):
        return False  # a laboratory report: no text read
    if _raw_words(_REPORT_WORDS, raw.get("code")):
        return True
    conclusion = raw.get("conclusion")
    return isinstance(conclusion, str) and bool(_REPORT_WORDS.search(conclusion))


_ENCOUNTER_FIELDS = frozenset({"type", "reasonCode", "serviceType", "participant"})


def _encounter(raw: dict[str, Any], t: Terminology) -> bool:
    if raw.keys().isdisjoint(_ENCOUNTER_FIELDS):
        return False  # nothing a rule could read: no type, reason, service or participant
    if _raw_any_known(t, raw.get("type")) or _raw_any_known(t, raw.get("reasonCode")):
        return True
    if _raw_known(t, raw.get("serviceType")):
        return True
    participant_types = [
        cc for p in _items(raw.get("participant")) if isinstance(p, dict) for cc in _items(p.get("type"))
    ]
    return _raw_words(_SPECIALTY_WORDS, raw.get("type"), raw.get("serviceType"), participant_types)


_SCREENS: dict[str, Callable[[dict[str, Any], Terminology], bool]] = {
    "Condition": _condition,
    "Procedure": _procedure,
    "Observation": _observation,
    "MedicationRequest": _raw_medication_known,
    "MedicationStatement": _raw_medication_known,
    "ServiceRequest": _service_request,
    "DiagnosticReport": _diagnostic_report,
    "Encounter": _encounter,
}
_ALWAYS = ("Patient", "Medication")

# The one list of resource types the rules read: what this screen can keep and the adapter validates.
RELEVANT_TYPES: tuple[str, ...] = (*_ALWAYS, *_SCREENS)
# The types this screen judges one by one (the others it keeps, or drops, by type alone).
JUDGED_TYPES: frozenset[str] = frozenset(_SCREENS)


def is_relevant(raw: dict[str, Any], terminology: Terminology) -> bool:
    """Whether a raw FHIR JSON resource can matter to any rule (no validation, dict lookups only).

    Patient: always. Medication: always (it only arrives as the target of a request's
    reference, and dropping it would hide the drug). Others of ``RELEVANT_TYPES``: when any coding
    of a CodeableConcept the rules read is in a value set, plus
    - Conditions whose words record weakness or numbness of both legs, whatever their code (a
      cauda equina warning sign), read only when no code kept them;
    - Procedures named in text only (SNOMED-less ESI/DRG/cryo, local codes) by spine words;
    - Observations linked to a Procedure by ``partOf`` (post-procedure pain or % relief), or
      named as a strength grade or "% relief" in text — unless filed as a vital sign or
      laboratory result;
    - DiagnosticReports of the imaging category, or — unless laboratory reports — whose
      code/conclusion is about the spine;
    - ServiceRequests and Encounters whose type/performer/specialty is spine or pain care;
    - MedicationRequests/Statements naming a listed ingredient in their drug's text, or
      referencing a Medication this test cannot see.
    Entered-in-error resources are dropped. Anything else (other types, non-dicts) is not relevant.
    """
    if not isinstance(raw, dict):
        return False
    rtype = raw.get("resourceType")
    if not isinstance(rtype, str):
        return False
    screen = _SCREENS.get(rtype)
    if screen is None:
        return rtype in _ALWAYS
    if raw.get("status") == "entered-in-error":
        return False
    return screen(raw, terminology)
