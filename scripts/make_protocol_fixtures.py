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
sys.path.insert(0, str(ROOT))

from fhir_fixtures import fhir_builder as fb  # noqa: E402 -- the repository root is on the path only now
from fhir_fixtures.fhir_builder import CPT, ICD10CM, RXNORM  # noqa: E402

PID = "rad-001"
SUBJ = {"reference": f"Patient/{PID}"}


def cc(system: str, code: str, display: str) -> dict:
    """A value-set code with this chart's own display, repeated as text."""
    return fb.labelled(fb.coding(system, code, display))


def pain(id_: str, when: str, value: int) -> dict:
    return fb.pain_score(id_, value, when, SUBJ)


ESI = cc(CPT, "64483", "Transforaminal epidural injection, lumbar or sacral, single level")
CHART = {
    "patient": {
        "resourceType": "Patient",
        "id": PID,
        "gender": "female",
        "birthDate": "1971-05-14",
        "name": [{"family": "Example", "given": ["Radicular"]}],
    },
    "conditions": fb.searchset(
        [
            fb.condition(
                "cond-radic",
                cc(ICD10CM, "M54.16", "Radiculopathy, lumbar region"),
                SUBJ,
                status_displays=True,
                onset="2026-03",
                recorded="2026-03-09",
            )
        ]
    ),
    "procedures": fb.searchset(
        [
            fb.procedure(
                "proc-esi-1",
                ESI,
                SUBJ,
                performed="2026-06-10",
                outcome=fb.outcome(fb.UNSUCCESSFUL, text=True),
            ),
            fb.procedure(
                "proc-pt-1",
                cc(CPT, "97110", "Therapeutic exercises"),
                SUBJ,
                period=("2026-03-20", "2026-05-01"),
            ),
        ]
    ),
    "observations": fb.searchset([pain("obs-pain-1", "2026-06-01", 8), pain("obs-pain-2", "2026-07-08", 7)]),
    "examObservations": {"resourceType": "Bundle", "type": "searchset", "total": 0},
    "medicationRequests": fb.searchset(
        [fb.medication_request("medrx-gaba", cc(RXNORM, "25480", "gabapentin"), SUBJ, authored="2026-04-01")]
    ),
    "medicationStatements": fb.searchset([]),
    "serviceRequests": fb.searchset([]),
    "diagnosticReports": fb.searchset(
        [
            fb.diagnostic_report(
                "dr-mri-1",
                cc(CPT, "72148", "MRI lumbar spine without contrast"),
                SUBJ,
                effective="2026-05-15",
                conclusion="L5-S1 right paracentral disc extrusion contacting the right S1 nerve root.",
            )
        ]
    ),
    "encounters": fb.searchset([]),
}

ESI_DRAFT = fb.service_request("sr-draft-esi", ESI, SUBJ, status="draft", authored="2026-11-20")
OPIOID_DRAFT = fb.medication_request(
    "medrx-draft-oxy",
    cc(RXNORM, "7804", "oxycodone"),
    SUBJ,
    status="draft",
    authored="2026-11-20",
    dosage_instruction=[fb.dosage(5, 1, "5 mg every 6 hours as needed", period=6, period_unit="h")],
)


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
