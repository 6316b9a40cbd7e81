"""FHIR R4 building blocks shared by the fixture generators, the benchmark charts and the tests.

Every code system URL is named here once. Codings are checked against the shipped value sets
(``hooks/valuesets/data``): :func:`coding` refuses a code no value set lists, so a fixture can only
carry codes the service knows. A code that is outside the value sets on purpose (a negative
scenario, an EHR's own example) is written with :func:`unchecked_coding` and a comment saying why.

Resources are plain JSON dicts in the key order real clients send; optional parts are added only
when given, so each generator keeps its own request shapes while building them from one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VALUESET_DIR = ROOT / "hooks" / "valuesets" / "data"

# ---------------------------------------------------------------------------------------------
# Code systems
# ---------------------------------------------------------------------------------------------

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"  # WHO ICD-10, as the cds-hooks.org example sends it
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
HL7_CODESYSTEM = "http://terminology.hl7.org/CodeSystem"
CONDITION_CLINICAL = f"{HL7_CODESYSTEM}/condition-clinical"
CONDITION_VERIFICATION = f"{HL7_CODESYSTEM}/condition-ver-status"
CONDITION_CATEGORY = f"{HL7_CODESYSTEM}/condition-category"
OBSERVATION_CATEGORY = f"{HL7_CODESYSTEM}/observation-category"
MEDICATION_REQUEST_CATEGORY = f"{HL7_CODESYSTEM}/medicationrequest-category"
ACT_CODE = f"{HL7_CODESYSTEM}/v3-ActCode"
V2_0074 = f"{HL7_CODESYSTEM}/v2-0074"  # diagnostic service section
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"

# Code systems whose codes the rules read: a fixture may carry only value-set codes of these.
CLINICAL_SYSTEMS = frozenset({ICD10CM, SNOMED, CPT, LOINC, RXNORM, HCPCS})

# Displays of the HL7 status and category codes the fixtures write with a display.
HL7_DISPLAYS = {
    "active": "Active",
    "confirmed": "Confirmed",
    "problem-list-item": "Problem List Item",
    "outpatient": "Outpatient",
}

# Procedure.outcome (SNOMED CT, in the shipped value sets)
SUCCESSFUL = "385669000"
UNSUCCESSFUL = "385671000"

PAIN_NRS = "72514-3"  # LOINC: pain severity 0-10 verbal numeric rating


# ---------------------------------------------------------------------------------------------
# Codings checked against the shipped value sets
# ---------------------------------------------------------------------------------------------


@cache
def known_codes() -> dict[tuple[str, str], str]:
    """Every member of every shipped value set, with its display (the first value set listing it wins)."""
    known: dict[tuple[str, str], str] = {}
    index = json.loads((VALUESET_DIR / "index.json").read_text())
    for entry in index["valueSets"].values():
        vs = json.loads((VALUESET_DIR / entry["file"]).read_text())
        for inc in vs.get("compose", {}).get("include", []):
            for c in inc.get("concept", []):
                known.setdefault((inc["system"], c["code"]), c.get("display", c["code"]))
        for c in vs.get("expansion", {}).get("contains", []):
            known.setdefault((c["system"], c["code"]), c.get("display", c["code"]))
    return known


def display(system: str, code: str) -> str:
    """The value sets' display of a code (raises if no value set lists it)."""
    try:
        return known_codes()[(system, code)]
    except KeyError:
        raise SystemExit(f"{system}|{code} is not in any shipped value set") from None


def coding(system: str, code: str, label: str | None = None, *, with_display: bool = True) -> dict[str, str]:
    """A Coding of a code the shipped value sets know: their display unless ``label`` is given,
    none when ``with_display`` is false (CPT descriptors are AMA-copyrighted)."""
    shown = display(system, code)
    out = {"system": system, "code": code}
    if with_display:
        out["display"] = label or shown
    return out


def unchecked_coding(system: str, code: str, label: str | None = None) -> dict[str, str]:
    """A Coding as given, not checked against the value sets: a code outside them on purpose (say why
    where it is used), or a test's arbitrary code."""
    out = {"system": system, "code": code}
    if label is not None:
        out["display"] = label
    return out


def hl7_coding(system: str, code: str, *, with_display: bool = False) -> dict[str, str]:
    """A Coding from an HL7 status or category code system (not clinical: no value set holds it)."""
    out = {"system": system, "code": code}
    if with_display:
        out["display"] = HL7_DISPLAYS[code]
    return out


def icd(code: str) -> dict[str, str]:
    return coding(ICD10CM, code)


def sct(code: str) -> dict[str, str]:
    return coding(SNOMED, code)


def cpt(code: str) -> dict[str, str]:
    """A CPT coding without the AMA descriptor; the resource's text carries a short local name."""
    return coding(CPT, code, with_display=False)


def rx(code: str) -> dict[str, str]:
    return coding(RXNORM, code)


def loinc(code: str) -> dict[str, str]:
    return coding(LOINC, code)


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept of ``codings`` and an optional text."""
    out: dict[str, Any] = {"coding": list(codings)}
    if text:
        out["text"] = text
    return out


def labelled(c: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept of one coding whose text repeats its display (as many EHRs send it)."""
    return {"coding": [c], "text": c["display"]}


def hl7_concept(system: str, code: str, *, with_display: bool = False) -> dict[str, Any]:
    """A status or category CodeableConcept; ``with_display`` repeats the display as text."""
    c = hl7_coding(system, code, with_display=with_display)
    return labelled(c) if with_display else concept(c)


def quantity(value: float, unit: str, *, coded: bool = True) -> dict[str, Any]:
    """A UCUM quantity whose unit is its code (``coded`` false: the unit text only, as some EHRs send)."""
    if not coded:
        return {"value": value, "unit": unit}
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def days(n: int) -> dict[str, Any]:
    """A duration of ``n`` days (UCUM ``d``)."""
    return {"value": n, "unit": "days", "system": UCUM, "code": "d"}


def reference(ref: str) -> dict[str, str]:
    return {"reference": ref}


def ref_of(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def profile(name: str) -> dict[str, Any]:
    return {"profile": [f"{US_CORE}/{name}"]}


# ---------------------------------------------------------------------------------------------
# Resources (only the parts given are written, in this order)
# ---------------------------------------------------------------------------------------------


def _notes(out: dict[str, Any], note: str | None) -> None:
    if note:
        out["note"] = [{"text": note}]


def _reasons(out: dict[str, Any], reason: Iterable[str]) -> None:
    refs = list(reason)
    if refs:
        out["reasonReference"] = [reference(r) for r in refs]


def condition(
    rid: str,
    code: dict[str, Any],
    subject: dict[str, str],
    *,
    onset: str | None = None,
    recorded: str | None = None,
    abatement: str | None = None,
    clinical: str = "active",
    verification: str | None = "confirmed",
    category: str | None = "problem-list-item",
    status_displays: bool = False,
    meta: dict[str, Any] | None = None,
    body_site: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A Condition; ``status_displays`` writes the status and category codings with their display
    and text (the shape most EHR examples use), otherwise bare system and code."""
    r: dict[str, Any] = {"resourceType": "Condition", "id": rid}
    if meta:
        r["meta"] = meta
    r["clinicalStatus"] = hl7_concept(CONDITION_CLINICAL, clinical, with_display=status_displays)
    if verification:
        r["verificationStatus"] = hl7_concept(
            CONDITION_VERIFICATION, verification, with_display=status_displays
        )
    if category:
        r["category"] = [hl7_concept(CONDITION_CATEGORY, category, with_display=status_displays)]
    r["code"] = code
    r["subject"] = subject
    if body_site:
        r["bodySite"] = [{"text": body_site}]
    if onset is not None:
        r["onsetDateTime"] = onset
    if abatement is not None:
        r["abatementDateTime"] = abatement
    if recorded is not None:
        r["recordedDate"] = recorded
    _notes(r, note)
    return r


def procedure(
    rid: str,
    code: dict[str, Any],
    subject: dict[str, str],
    *,
    performed: str | None = None,
    period: tuple[str, str] | None = None,
    status: str = "completed",
    meta: dict[str, Any] | None = None,
    body_site: str | None = None,
    outcome: dict[str, Any] | None = None,
    reason: Iterable[str] = (),
    note: str | None = None,
) -> dict[str, Any]:
    """A Procedure performed at a date (``performed``) or over a ``period`` (start, end)."""
    r: dict[str, Any] = {"resourceType": "Procedure", "id": rid}
    if meta:
        r["meta"] = meta
    r["status"] = status
    r["code"] = code
    r["subject"] = subject
    if period is not None:
        r["performedPeriod"] = {"start": period[0], "end": period[1]}
    elif performed is not None:
        r["performedDateTime"] = performed
    if body_site:
        r["bodySite"] = [{"text": body_site}]
    if outcome:
        r["outcome"] = outcome
    _reasons(r, reason)
    _notes(r, note)
    return r


def outcome(code: str, *, text: bool = False) -> dict[str, Any]:
    """Procedure.outcome: SUCCESSFUL or UNSUCCESSFUL (SNOMED CT); ``text`` repeats the display."""
    c = sct(code)
    if text:
        c["display"] = {SUCCESSFUL: "Successful", UNSUCCESSFUL: "Unsuccessful"}[code]
        return labelled(c)
    return concept(c)


def observation(
    rid: str,
    code: dict[str, Any],
    subject: dict[str, str],
    *,
    effective: str,
    value: float | None = None,
    unit: str = "{score}",
    integer: bool = False,
    coded_unit: bool = True,
    category: str | None = None,
    body_site: str | None = None,
    part_of: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A final Observation with a UCUM quantity (or an integer) value."""
    r: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final"}
    if category:
        r["category"] = [hl7_concept(OBSERVATION_CATEGORY, category)]
    r["code"] = code
    r["subject"] = subject
    r["effectiveDateTime"] = effective
    if value is not None:
        if integer:
            r["valueInteger"] = int(value)
        else:
            r["valueQuantity"] = quantity(value, unit, coded=coded_unit)
    if body_site:
        r["bodySite"] = {"text": body_site}
    if part_of:
        r["partOf"] = [reference(part_of)]
    _notes(r, note)
    return r


def pain_score(rid: str, value: float, effective: str, subject: dict[str, str]) -> dict[str, Any]:
    """A 0-10 pain NRS as the EHR examples send it (coding display repeated as text)."""
    return observation(rid, labelled(loinc(PAIN_NRS)), subject, effective=effective, value=value)


def dosage(
    mg: float,
    per_day: int,
    text: str,
    *,
    stu3: bool = False,
    route: str | None = None,
    period: int = 1,
    period_unit: str = "d",
    unit: str = "mg",
) -> dict[str, Any]:
    """One dosage instruction: ``per_day`` doses of ``mg`` each ``period`` ``period_unit``; the STU3 shape
    puts doseQuantity on the dosage itself."""
    d: dict[str, Any] = {
        "text": text,
        "timing": {"repeat": {"frequency": per_day, "period": period, "periodUnit": period_unit}},
    }
    if route:
        d["route"] = {"text": route}
    dose = quantity(mg, unit)
    if stu3:
        d["doseQuantity"] = dose
    else:
        d["doseAndRate"] = [{"doseQuantity": dose}]
    return d


def medication_request(
    rid: str,
    medication: dict[str, Any] | None,
    subject: dict[str, str],
    *,
    authored: str,
    status: str = "active",
    intent: str | None = "order",
    meta: dict[str, Any] | None = None,
    category: str | None = None,
    requester: dict[str, str] | None = None,
    dosage_instruction: Sequence[dict[str, Any]] = (),
    dispense: dict[str, Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A MedicationRequest (a draft when ``status`` is draft); ``medication`` None = no drug named."""
    r: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid}
    if meta:
        r["meta"] = meta
    r["status"] = status
    if intent:
        r["intent"] = intent
    if category:
        r["category"] = [concept(hl7_coding(MEDICATION_REQUEST_CATEGORY, category, with_display=True))]
    if medication is not None:
        r["medicationCodeableConcept"] = medication
    r["subject"] = subject
    r["authoredOn"] = authored
    if requester:
        r["requester"] = requester
    if dosage_instruction:
        r["dosageInstruction"] = list(dosage_instruction)
    if dispense:
        r["dispenseRequest"] = dispense
    _notes(r, note)
    return r


def service_request(
    rid: str,
    code: dict[str, Any],
    subject: dict[str, str],
    *,
    authored: str,
    status: str = "active",
    intent: str = "order",
    priority: str | None = None,
    requester: dict[str, str] | None = None,
    occurrence: str | None = None,
    reason: Iterable[str] = (),
    note: str | None = None,
) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "ServiceRequest", "id": rid, "status": status, "intent": intent}
    if priority:
        r["priority"] = priority
    r["code"] = code
    r["subject"] = subject
    r["authoredOn"] = authored
    if requester:
        r["requester"] = requester
    if occurrence is not None:
        r["occurrenceDateTime"] = occurrence
    _reasons(r, reason)
    _notes(r, note)
    return r


def diagnostic_report(
    rid: str,
    code: dict[str, Any],
    subject: dict[str, str],
    *,
    effective: str,
    conclusion: str,
    meta: dict[str, Any] | None = None,
    category: Sequence[dict[str, Any]] = (),
    issued: str | None = None,
    performer: str | None = None,
) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "DiagnosticReport", "id": rid}
    if meta:
        r["meta"] = meta
    r["status"] = "final"
    if category:
        r["category"] = list(category)
    r["code"] = code
    r["subject"] = subject
    r["effectiveDateTime"] = effective
    if issued:
        r["issued"] = issued
    if performer:
        r["performer"] = [{"display": performer}]
    r["conclusion"] = conclusion
    return r


def encounter(
    rid: str,
    subject: dict[str, str],
    *,
    start: str,
    end: str,
    service: str | None = None,
    meta: dict[str, Any] | None = None,
    class_display: bool = True,
    reason: Iterable[str] = (),
) -> dict[str, Any]:
    """A finished ambulatory Encounter, optionally naming its service (e.g. "Spine surgery clinic")."""
    r: dict[str, Any] = {"resourceType": "Encounter", "id": rid}
    if meta:
        r["meta"] = meta
    r["status"] = "finished"
    r["class"] = {"system": ACT_CODE, "code": "AMB"}
    if class_display:
        r["class"]["display"] = "ambulatory"
    if service:
        r["type"] = [{"text": f"{service} consultation"}]
        r["serviceType"] = {"text": service}
    r["subject"] = subject
    r["period"] = {"start": start, "end": end}
    _reasons(r, reason)
    return r


def searchset(
    resources: Sequence[dict[str, Any]],
    *,
    base: str = "https://ehr.example.org/fhir",
    self_link: bool = False,
    search_mode: bool = False,
    entry_when_empty: bool = True,
    full_url: str = "rest",
) -> dict[str, Any]:
    """A searchset Bundle of ``resources``: fullUrl ``{base}/{type}/{id}`` (``full_url="rest"``) or
    ``urn:uuid:{id}`` (``"urn"``); optionally its self link and each entry's search mode."""
    b: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if self_link:
        b["link"] = [{"relation": "self", "url": f"{base}/search"}]
    entries = []
    for r in resources:
        url = f"urn:uuid:{r['id']}" if full_url == "urn" else f"{base}/{r['resourceType']}/{r['id']}"
        e: dict[str, Any] = {"fullUrl": url, "resource": r}
        if search_mode:
            e["search"] = {"mode": "match"}
        entries.append(e)
    if entries or entry_when_empty:
        b["entry"] = entries
    return b
