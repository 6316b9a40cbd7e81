"""The relevance screen: which raw FHIR JSON resources can matter to any rule.

``is_relevant(raw, terminology)`` runs on every raw FHIR JSON resource of a prefetch or search
result (histories of thousands of resources), before validation. It only does dict lookups and
a few string checks. It errs on the side of keeping: a resource wrongly dropped here changes
clinical advice, a resource wrongly kept costs a validation.

The resources it keeps are validated and turned into the typed history by
``cds_service.fhir_facts.build_history``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from hooks.terminology import Terminology
from hooks.text import RELIEF_WORDS as _RELIEF_WORDS
from hooks.text import STRENGTH_WORDS as _STRENGTH_WORDS
from hooks.text import ingredients_named as _ingredients_named

__all__ = ["is_relevant"]

# ---------------------------------------------------------------------------------------------
# is_relevant: raw JSON, dict lookups only
# ---------------------------------------------------------------------------------------------

_PROCEDURE_WORDS = re.compile(
    r"epidural|\besi\b|tfesi|ilesi|nerve root|snrb|radiofrequen|\brfa\b|ablation|neurotomy|rhizotomy|"
    r"cryo|stimulat|dorsal root|\bdrg\b|medial branch|facet|sacroiliac|\bsij?\b|laminectomy|laminotomy|"
    r"discectomy|diskectomy|foraminotomy|fusion|arthrodesis|decompression|intrathecal|spine|spinal|"
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

_CHECKED = frozenset(
    {
        "Condition",
        "Procedure",
        "Observation",
        "MedicationRequest",
        "MedicationStatement",
        "Medication",
        "ServiceRequest",
        "DiagnosticReport",
        "Encounter",
    }
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
        if not isinstance(c, dict):
            continue
        system, code = c.get("system"), c.get("code")
        if isinstance(system, str) and isinstance(code, str) and terminology.is_known(system, code):
            return True
    return False


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


def is_relevant(raw: dict[str, Any], terminology: Terminology) -> bool:
    """Whether a raw FHIR JSON resource can matter to any rule (no validation, dict lookups only).

    Patient: always. Medication: always (it only arrives as the target of a request's
    reference, and dropping it would hide the drug). Others of the types the history reads:
    when any coding of a CodeableConcept the rules read is in a value set, plus
    - Procedures named in text only (SNOMED-less ESI/DRG/cryo, local codes) by spine words;
    - Observations linked to a Procedure by ``partOf`` (post-procedure pain or % relief);
    - DiagnosticReports of the imaging category, or whose code/conclusion is about the spine;
    - ServiceRequests and Encounters whose type/performer/specialty is spine or pain care;
    - MedicationRequests/Statements naming a listed ingredient in their drug's text, or
      referencing a Medication this test cannot see.
    Entered-in-error resources are dropped. Anything else (other types, non-dicts) is not relevant.
    """
    if not isinstance(raw, dict):
        return False
    rtype = raw.get("resourceType")
    if rtype == "Patient" or rtype == "Medication":
        return True
    if rtype not in _CHECKED:
        return False
    if raw.get("status") == "entered-in-error":
        return False
    t = terminology
    if rtype == "Condition":
        evidence = [
            cc for ev in _items(raw.get("evidence")) if isinstance(ev, dict) for cc in _items(ev.get("code"))
        ]
        return _raw_known(t, raw.get("code")) or _raw_any_known(t, evidence)
    if rtype == "Procedure":
        return (
            _raw_known(t, raw.get("code"))
            or _raw_any_known(t, raw.get("usedCode"))
            or _raw_any_known(t, raw.get("reasonCode"))
            or _raw_known(t, raw.get("outcome"))
            or _raw_words(_PROCEDURE_WORDS, raw.get("code"))
        )
    if rtype == "Observation":
        if _raw_known(t, raw.get("code")):
            return True
        for comp in _items(raw.get("component")):
            if isinstance(comp, dict) and _raw_known(t, comp.get("code")):
                return True
        if any(
            isinstance(p, dict) and "Procedure/" in str(p.get("reference") or "")
            for p in _items(raw.get("partOf"))
        ):
            return True
        return _raw_words(_RELIEF_WORDS, raw.get("code")) or _raw_words(_STRENGTH_WORDS, raw.get("code"))
    if rtype in ("MedicationRequest", "MedicationStatement"):
        return _raw_medication_known(raw, t)
    if rtype == "ServiceRequest":
        return (
            _raw_known(t, raw.get("code"))
            or _raw_any_known(t, raw.get("reasonCode"))
            or _raw_any_known(t, raw.get("category"))
            or _raw_words(_PROCEDURE_WORDS, raw.get("code"))
            or _raw_words(_SPECIALTY_WORDS, raw.get("performerType"), raw.get("code"))
        )
    if rtype == "DiagnosticReport":
        if _raw_known(t, raw.get("code")) or _raw_any_known(t, raw.get("category")):
            return True
        if _raw_any_known(t, raw.get("conclusionCode")):
            return True
        if _raw_words(_REPORT_WORDS, raw.get("code")):
            return True
        conclusion = raw.get("conclusion")
        return isinstance(conclusion, str) and bool(_REPORT_WORDS.search(conclusion))
    # Encounter
    if _raw_any_known(t, raw.get("type")) or _raw_any_known(t, raw.get("reasonCode")):
        return True
    if _raw_known(t, raw.get("serviceType")):
        return True
    participant_types = [
        cc for p in _items(raw.get("participant")) if isinstance(p, dict) for cc in _items(p.get("type"))
    ]
    return _raw_words(_SPECIALTY_WORDS, raw.get("type"), raw.get("serviceType"), participant_types)


