"""Write the CDS Hooks protocol fixtures in fhir_fixtures/protocol/ (complete requests, absolute dates).

Sandbox and spec shapes are copied verbatim from ../shared/cds-hooks/examples (wrapped into full
requests where the source is only a context); the "full-prefetch" requests carry one synthetic
patient's chart under every prefetch key the registry declares. Run from the repository root.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
EX = SHARED / "cds-hooks" / "examples"
OUT = ROOT / "fhir_fixtures" / "protocol"

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
RXN = "http://www.nlm.nih.gov/research/umls/rxnorm"
PID = "rad-001"
SUBJ = {"reference": f"Patient/{PID}"}


def cc(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def searchset(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def pain(id_: str, when: str, value: int) -> dict:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "code": cc(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
        "subject": SUBJ,
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        },
    }


CHART = {
    "patient": {
        "resourceType": "Patient",
        "id": PID,
        "gender": "female",
        "birthDate": "1971-05-14",
        "name": [{"family": "Example", "given": ["Radicular"]}],
    },
    "conditions": searchset(
        {
            "resourceType": "Condition",
            "id": "cond-radic",
            "clinicalStatus": cc(
                "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
            ),
            "verificationStatus": cc(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"
            ),
            "category": [
                cc(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                    "Problem List Item",
                )
            ],
            "code": cc(ICD, "M54.16", "Radiculopathy, lumbar region"),
            "subject": SUBJ,
            "onsetDateTime": "2026-03",
            "recordedDate": "2026-03-09",
        }
    ),
    "procedures": searchset(
        {
            "resourceType": "Procedure",
            "id": "proc-esi-1",
            "status": "completed",
            "code": cc(CPT, "64483", "Transforaminal epidural injection, lumbar or sacral, single level"),
            "subject": SUBJ,
            "performedDateTime": "2026-06-10",
            "outcome": cc(SCT, "385671000", "Unsuccessful"),
        },
        {
            "resourceType": "Procedure",
            "id": "proc-pt-1",
            "status": "completed",
            "code": cc(CPT, "97110", "Therapeutic exercises"),
            "subject": SUBJ,
            "performedPeriod": {"start": "2026-03-20", "end": "2026-05-01"},
        },
    ),
    "observations": searchset(pain("obs-pain-1", "2026-06-01", 8), pain("obs-pain-2", "2026-07-08", 7)),
    "examObservations": {"resourceType": "Bundle", "type": "searchset", "total": 0},
    "medicationRequests": searchset(
        {
            "resourceType": "MedicationRequest",
            "id": "medrx-gaba",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": cc(RXN, "25480", "gabapentin"),
            "subject": SUBJ,
            "authoredOn": "2026-04-01",
        }
    ),
    "medicationStatements": searchset(),
    "serviceRequests": searchset(),
    "diagnosticReports": searchset(
        {
            "resourceType": "DiagnosticReport",
            "id": "dr-mri-1",
            "status": "final",
            "code": cc(CPT, "72148", "MRI lumbar spine without contrast"),
            "subject": SUBJ,
            "effectiveDateTime": "2026-05-15",
            "conclusion": "L5-S1 right paracentral disc extrusion contacting the right S1 nerve root.",
        }
    ),
    "encounters": searchset(),
}

ESI_DRAFT = {
    "resourceType": "ServiceRequest",
    "id": "sr-draft-esi",
    "status": "draft",
    "intent": "order",
    "code": cc(CPT, "64483", "Transforaminal epidural injection, lumbar or sacral, single level"),
    "subject": SUBJ,
    "authoredOn": "2026-11-20",
}
OPIOID_DRAFT = {
    "resourceType": "MedicationRequest",
    "id": "medrx-draft-oxy",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": cc(RXN, "7804", "oxycodone"),
    "subject": SUBJ,
    "authoredOn": "2026-11-20",
    "dosageInstruction": [
        {
            "text": "5 mg every 6 hours as needed",
            "timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
            "doseAndRate": [
                {
                    "doseQuantity": {
                        "value": 5,
                        "unit": "mg",
                        "system": "http://unitsofmeasure.org",
                        "code": "mg",
                    }
                }
            ],
        }
    ],
}


def load(rel: str) -> dict:
    return json.loads((EX / rel).read_text())


def write(name: str, body: dict) -> None:
    (OUT / name).write_text(json.dumps(body, indent=2) + "\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # Real Sandbox shapes, verbatim.
    write("patient-view.sandbox.json", load("observed-sandbox/observed-sandbox-patient-view-request.json"))
    write("order-sign.sandbox.json", load("observed-sandbox/observed-sandbox-order-sign-request.json"))
    write(
        "order-select.sandbox-pama.json",
        load("observed-sandbox/observed-sandbox-pama-order-select-request.json"),
    )
    # Spec / hook-library / cds-hooks.org examples.
    write("patient-view.spec.json", load("patient-view-request-with-prefetch.spec-2.0.1.json"))
    write(
        "order-select.cds-hooks-org-radiology.json",
        load("cds-hooks-org/order-select-radiology-ServiceRequest.request.json"),
    )
    for hook, src, instance in (
        (
            "order-select",
            "hook-library/order-select-context-R4.library-1.0.1.json",
            "0b6e1a5e-6d7c-4f0e-9a41-8d7c3b1f4a01",
        ),
        (
            "order-sign",
            "hook-library/order-sign-context-R4.library-1.0.1.json",
            "0b6e1a5e-6d7c-4f0e-9a41-8d7c3b1f4a02",
        ),
        (
            "order-sign",
            "hook-library/order-sign-context-STU3.library-1.0.1.json",
            "0b6e1a5e-6d7c-4f0e-9a41-8d7c3b1f4a03",
        ),
    ):
        tag = src.rsplit("context-", 1)[1].split(".library")[0]
        write(
            f"{hook}.library-{tag}.json",
            {
                "hook": hook,
                "hookInstance": instance,
                "fhirServer": "https://ehr.example.org/fhir",
                **load(src),
            },
        )
    # One synthetic patient, every prefetch key filled.
    common = {"userId": "Practitioner/prac-7", "patientId": PID, "encounterId": "enc-42"}
    write(
        "patient-view.full-prefetch.json",
        {
            "hook": "patient-view",
            "hookInstance": "6f1c9a52-2d2b-4c1e-8a53-0c9d7b1e5a10",
            "context": common,
            "prefetch": CHART,
        },
    )
    write(
        "order-select.full-prefetch.json",
        {
            "hook": "order-select",
            "hookInstance": "6f1c9a52-2d2b-4c1e-8a53-0c9d7b1e5a11",
            "context": {
                **common,
                "selections": ["ServiceRequest/sr-draft-esi"],
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": ESI_DRAFT}],
                },
            },
            "prefetch": CHART,
        },
    )
    write(
        "order-sign.full-prefetch.json",
        {
            "hook": "order-sign",
            "hookInstance": "6f1c9a52-2d2b-4c1e-8a53-0c9d7b1e5a12",
            "context": {
                **common,
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": ESI_DRAFT}, {"resource": OPIOID_DRAFT}],
                },
            },
            "prefetch": CHART,
        },
    )
    # The same chart as one FHIR Bundle, for `radicular-cds evaluate --hook ... --patient ...`.
    resources = [CHART["patient"]] + [
        e["resource"] for k, v in CHART.items() if k != "patient" for e in v.get("entry", [])
    ]
    write(
        "chart-rad-001.bundle.json",
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
    )


if __name__ == "__main__":
    main()
