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


def _resource(resource_type: str, rid: str, **parts: Any) -> dict[str, Any]:
    """A resource of ``parts`` in the order given; parts that are None or empty are left out."""
    r: dict[str, Any] = {"resourceType": resource_type, "id": rid}
    r.update((k, v) for k, v in parts.items() if v is not None and v not in ("", [], {}))
    return r


def _note(note: str | None) -> list[dict[str, str]] | None:
    return [{"text": note}] if note else None


def _references(refs: Iterable[str]) -> list[dict[str, str]]:
    return [reference(r) for r in refs]


def _site(text: str | None) -> list[dict[str, str]] | None:
    return [{"text": text}] if text else None


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
    shown = status_displays
    return _resource(
        "Condition",
        rid,
        meta=meta,
        clinicalStatus=hl7_concept(CONDITION_CLINICAL, clinical, with_display=shown),
        verificationStatus=hl7_concept(CONDITION_VERIFICATION, verification, with_display=shown)
        if verification
        else None,
        category=[hl7_concept(CONDITION_CATEGORY, category, with_display=shown)] if category else None,
        code=code,
        subject=subject,
        bodySite=_site(body_site),
        onsetDateTime=onset,
        abatementDateTime=abatement,
        recordedDate=recorded,
        note=_note(note),
    )


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
    return _resource(
        "Procedure",
        rid,
        meta=meta,
        status=status,
        code=code,
        subject=subject,
        performedPeriod={"start": period[0], "end": period[1]} if period else None,
        performedDateTime=performed if not period else None,
        bodySite=_site(body_site),
        outcome=outcome,
        reasonReference=_references(reason),
        note=_note(note),
    )


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
    quantity_value = None if value is None or integer else quantity(value, unit, coded=coded_unit)
    return _resource(
        "Observation",
        rid,
        status="final",
        category=[hl7_concept(OBSERVATION_CATEGORY, category)] if category else None,
        code=code,
        subject=subject,
        effectiveDateTime=effective,
        valueInteger=int(value) if value is not None and integer else None,
        valueQuantity=quantity_value,
        bodySite={"text": body_site} if body_site else None,
        partOf=_references([part_of] if part_of else []),
        note=_note(note),
    )


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
    dose = quantity(mg, unit)
    parts = {
        "text": text,
        "timing": {"repeat": {"frequency": per_day, "period": period, "periodUnit": period_unit}},
        "route": {"text": route} if route else None,
        "doseQuantity": dose if stu3 else None,
        "doseAndRate": None if stu3 else [{"doseQuantity": dose}],
    }
    return {k: v for k, v in parts.items() if v is not None}


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
    return _resource(
        "MedicationRequest",
        rid,
        meta=meta,
        status=status,
        intent=intent,
        category=[concept(hl7_coding(MEDICATION_REQUEST_CATEGORY, category, with_display=True))]
        if category
        else None,
        medicationCodeableConcept=medication,
        subject=subject,
        authoredOn=authored,
        requester=requester,
        dosageInstruction=list(dosage_instruction),
        dispenseRequest=dispense,
        note=_note(note),
    )


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
    return _resource(
        "ServiceRequest",
        rid,
        status=status,
        intent=intent,
        priority=priority,
        code=code,
        subject=subject,
        authoredOn=authored,
        requester=requester,
        occurrenceDateTime=occurrence,
        reasonReference=_references(reason),
        note=_note(note),
    )


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
    return _resource(
        "DiagnosticReport",
        rid,
        meta=meta,
        status="final",
        category=list(category),
        code=code,
        subject=subject,
        effectiveDateTime=effective,
        issued=issued,
        performer=[{"display": performer}] if performer else None,
        conclusion=conclusion,
    )


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
    ambulatory = {"system": ACT_CODE, "code": "AMB", "display": "ambulatory" if class_display else None}
    return _resource(
        "Encounter",
        rid,
        meta=meta,
        status="finished",
        **{"class": {k: v for k, v in ambulatory.items() if v}},
        type=[{"text": f"{service} consultation"}] if service else None,
        serviceType={"text": service} if service else None,
        subject=subject,
        period={"start": start, "end": end},
        reasonReference=_references(reason),
    )


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
