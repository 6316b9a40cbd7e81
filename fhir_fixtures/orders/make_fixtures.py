"""Write the order-guardrail scenario fixtures: for every scenario a complete CDS Hooks
``order-select`` request (``<slug>.order-select.json``), a complete ``order-sign`` request
(``<slug>.order-sign.json``) and the expected cards on each hook (``<slug>.expected.json``).

The JSON files are the committed fixtures; this script only keeps them consistent. Every date is
absolute: events sit a fixed number of days before the frozen evaluation date ``EVAL``. Patients,
practitioners and ids are synthetic. Request shapes follow what real clients send:

* ``library``: the HL7 hook-library shape (``Bundle`` without ``type``, encounterId, PractitionerRole);
* ``cds-hooks-org``: the cds-hooks.org order-select radiology request (``fhirServer``, ServiceRequest
  with ``intent: plan`` and an ICD-10 ``reasonCode``);
* ``sandbox``: the CDS Hooks Sandbox body (no encounterId, ``Practitioner/COREPRACTITIONER1``,
  ``fhirServer`` on localhost, draft MedicationRequest possibly without a medication).

Every key of the service's prefetch is present (a Bundle, or ``null`` for an empty read), so no
request needs a FHIR server. Run from the repository root::

    python fhir_fixtures/orders/make_fixtures.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from fhir_fixtures import fhir_builder as fb  # noqa: E402 -- the repository root is on the path only now
from fhir_fixtures.fhir_builder import CPT, ICD10CM, RXNORM  # noqa: E402

EVAL = date(2026, 11, 20)
NS = uuid.UUID("0b7e3f4c-6a52-4f0e-9d3b-5c1a7e2d9f80")
PREFETCH_KEYS = (
    "patient", "conditions", "procedures", "observations", "examObservations", "medicationRequests",
    "medicationStatements",
    "serviceRequests", "diagnosticReports", "encounters",
)  # fmt: skip


OUTCOMES = {"successful": fb.SUCCESSFUL, "unsuccessful": fb.UNSUCCESSFUL}


def ago(days: int) -> str:
    return (EVAL - timedelta(days=days)).isoformat()


def cc(system: str, code: str, display: str) -> dict[str, Any]:
    """A value-set code with this scenario's own display, repeated as text."""
    return fb.labelled(fb.coding(system, code, display))


def foreign(system: str, code: str, display: str) -> dict[str, Any]:
    """A code outside the shipped value sets on purpose: an order the guardrails must ignore, or a
    client's own example coding."""
    return fb.labelled(fb.unchecked_coding(system, code, display))


@dataclass
class Scenario:
    slug: str
    title: str
    shape: str = "library"  # library | cds-hooks-org | sandbox
    patient_id: str = ""
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    drafts: list[dict[str, Any]] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)  # order-select; default: every draft order
    expected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    negative_for: list[str] = field(default_factory=list)  # checks (rule ids) this scenario must not fire

    def __post_init__(self) -> None:
        self.patient_id = self.patient_id or f"ord-{self.slug}"

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.patient_id}"}

    def add(self, key: str, resource: dict[str, Any]) -> Scenario:
        self.resources.setdefault(key, []).append(resource)
        return self

    # ---------------------------------------------------------------- history
    def condition(self, rid: str, system: str, code: str, display: str, onset_days: int) -> Scenario:
        return self.add("conditions", fb.condition(
            rid, cc(system, code, display), self.subject, status_displays=True,
            onset=ago(onset_days), recorded=ago(onset_days),
        ))  # fmt: skip

    def procedure(
        self,
        rid: str,
        code: str,
        display: str,
        days: int,
        *,
        outcome: str | None = None,
        level: str | None = None,
    ) -> Scenario:
        res = fb.procedure(
            rid, cc(CPT, code, display), self.subject, performed=ago(days),
            outcome=fb.outcome(OUTCOMES[outcome], text=True) if outcome else None,
        )  # fmt: skip
        if level:
            res["bodySite"] = [{"text": level}]  # after the outcome, as these requests were first written
        return self.add("procedures", res)

    def report(self, rid: str, code: str, title: str, days: int, conclusion: str) -> Scenario:
        """A final radiology DiagnosticReport coded with CPT (the study), ``days`` before ``EVAL``."""
        return self.add("diagnosticReports", fb.diagnostic_report(
            rid, cc(CPT, code, title), self.subject, effective=ago(days), conclusion=conclusion,
            category=[fb.concept(fb.loinc("LP29684-5"), fb.coding(fb.V2_0074, "RAD"))],
        ))  # fmt: skip

    def pregnancy(self, rid: str, weeks: int, days: int) -> Scenario:
        """A weeks-of-gestation Condition (ICD-10-CM Z3A.xx: a descendant of the Z3A category the
        pregnancy value set lists, so not a listed member itself) recorded ``days`` before ``EVAL``."""
        code = fb.labelled(
            fb.unchecked_coding(ICD10CM, f"Z3A.{weeks:02d}", f"{weeks} weeks gestation of pregnancy")
        )
        return self.add("conditions", fb.condition(
            rid, code, self.subject, status_displays=True, onset=ago(days), recorded=ago(days),
        ))  # fmt: skip

    def delivery(self, rid: str, days: int) -> Scenario:
        """The outcome of a delivery (Z37.0, a descendant of the Z37 category that ends a pregnancy)."""
        code = fb.labelled(fb.unchecked_coding(ICD10CM, "Z37.0", "Single live birth"))
        return self.add("conditions", fb.condition(
            rid, code, self.subject, status_displays=True, onset=ago(days), recorded=ago(days),
        ))  # fmt: skip

    def pain(self, rid: str, value: float, days: int) -> Scenario:
        return self.add("observations", fb.pain_score(rid, value, ago(days), self.subject))

    def medication(
        self, rid: str, rx: str, display: str, start_days: int, *, status: str = "active"
    ) -> Scenario:
        return self.add(
            "medicationRequests",
            fb.medication_request(
                rid, cc(RXNORM, rx, display), self.subject, authored=ago(start_days), status=status
            ),
        )

    def statement(self, rid: str, rx: str, display: str, text: str, start_days: int) -> Scenario:
        """A MedicationStatement (the patient reports taking it), named as the EHR's drug list shows it."""
        medication = {"coding": [fb.coding(RXNORM, rx, display)], "text": text}
        return self.add("medicationStatements", {
            "resourceType": "MedicationStatement", "id": rid, "status": "active",
            "medicationCodeableConcept": medication, "subject": self.subject,
            "effectivePeriod": {"start": ago(start_days)},
        })  # fmt: skip

    # ---------------------------------------------------------------- draft orders
    def order(
        self,
        rid: str,
        code: str,
        display: str,
        *,
        system: str = CPT,
        foreign_code: bool = False,
        **extra: Any,
    ) -> Scenario:
        """A draft ServiceRequest; ``foreign_code`` for an order outside every value set (the guardrails
        must let it pass)."""
        res = fb.service_request(
            rid,
            (foreign if foreign_code else cc)(system, code, display),
            self.subject,
            status="draft",
            intent="plan" if self.shape != "library" else "order",
            authored=EVAL.isoformat(),
        )
        if self.shape == "cds-hooks-org":
            # the cds-hooks.org example's WHO ICD-10 reason, outside the (ICD-10-CM) value sets
            res["reasonCode"] = [foreign(fb.ICD10, "M54.1", "Radiculopathy")]
        res.update(extra)
        self.drafts.append(res)
        return self

    def prescription(
        self,
        rid: str,
        rx: str | None,
        display: str,
        *,
        mg: float | None = None,
        per_day: int = 1,
        stu3: bool = False,
    ) -> Scenario:
        """A draft MedicationRequest; ``rx`` None = the Sandbox's draft that names no drug (nor intent)."""
        res = fb.medication_request(
            rid, None, self.subject, status="draft", intent=None, authored=EVAL.isoformat()
        )
        if rx is not None:
            res["intent"] = "order"
            res["medicationCodeableConcept"] = cc(RXNORM, rx, display)
        if mg is not None:
            # STU3 shape: doseQuantity on the dosage, as the order-sign example labelled R4 sends it
            res["dosageInstruction"] = [fb.dosage(mg, per_day, f"{mg:g} mg {per_day} times a day", stu3=stu3)]
        self.drafts.append(res)
        return self

    def clinical_drug_order(
        self, rid: str, rx: str, name: str, *, tablets: float, per_day: int | None
    ) -> Scenario:
        """A draft MedicationRequest as the Sandbox's Rx view builds it for R4: the RxNorm clinical drug
        (SCD) code and name only, the dose as a count of ``{pill}``; ``per_day`` None = taken as
        needed, no frequency stated. The SCD codes come from the shipped opioid drug table (CDC MME
        toolkit data), not the value sets, which list ingredients."""
        medication = {"text": name, "coding": [fb.unchecked_coding(RXNORM, rx, name)]}
        res = fb.medication_request(
            rid, medication, self.subject, status="draft", intent="order", authored=EVAL.isoformat(),
        )  # fmt: skip
        dose = {"value": tablets, "system": fb.UCUM, "code": "{pill}"}
        dosage: dict[str, Any] = {"doseAndRate": [{"doseQuantity": dose}]}
        if per_day is None:
            dosage.update(text=f"{tablets:g} tablet as needed", asNeededBoolean=True)
        else:
            dosage.update(
                text=f"{tablets:g} tablets {per_day} times a day",
                timing={"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            )
        res["dosageInstruction"] = [dosage]
        self.drafts.append(res)
        return self

    def expect(
        self, hook: str, rule: str, indicator: str, subject: str, first_actions: list[list[str]]
    ) -> Scenario:
        self.expected.setdefault(hook, []).append(
            {"rule": rule, "indicator": indicator, "subject": subject, "recommendedActions": first_actions}
        )
        return self

    def expect_both(
        self, rule: str, indicator: str, subject: str, first_actions: list[list[str]]
    ) -> Scenario:
        for hook in ("order-select", "order-sign"):
            self.expect(hook, rule, indicator, subject, first_actions)
        return self

    # ---------------------------------------------------------------- rendering
    def prefetch(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in PREFETCH_KEYS:
            if key == "patient":
                out[key] = {
                    "resourceType": "Patient",
                    "id": self.patient_id,
                    "gender": "female",
                    "birthDate": "1972-04-18",
                }
                continue
            bundle = fb.searchset(self.resources.get(key, []), entry_when_empty=False)
            out[key] = bundle
        return out

    def request(self, hook: str) -> dict[str, Any]:
        draft_bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "entry": [{"resource": r} for r in self.drafts],
        }
        context: dict[str, Any] = {"patientId": self.patient_id}
        body: dict[str, Any] = {"hookInstance": str(uuid.uuid5(NS, f"{self.slug}|{hook}")), "hook": hook}
        if self.shape == "sandbox":
            body["fhirServer"] = "http://localhost:8081/fhir"
            context["userId"] = "Practitioner/COREPRACTITIONER1"
        elif self.shape == "cds-hooks-org":
            body["fhirServer"] = "http://hooks.smarthealthit.org:9080"
            context.update(userId="Practitioner/123", encounterId="89284")
        else:
            context.update(userId="PractitionerRole/123", encounterId="enc-89284")
        if hook == "order-select":
            context["selections"] = self.selections or [f"{r['resourceType']}/{r['id']}" for r in self.drafts]
        context["draftOrders"] = draft_bundle
        body["context"] = context
        body["prefetch"] = self.prefetch()
        return body

    def files(self) -> dict[str, str]:
        out = {}
        for hook in ("order-select", "order-sign"):
            out[f"{self.slug}.{hook}.json"] = (
                json.dumps(self.request(hook), indent=1, ensure_ascii=False) + "\n"
            )
        expected = {
            "title": self.title,
            "evaluationDate": EVAL.isoformat(),
            "order-select": self.expected.get("order-select", []),
            "order-sign": self.expected.get("order-sign", []),
            "negativeFor": self.negative_for,
        }
        out[f"{self.slug}.expected.json"] = json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
        return out


# What several scenarios record or order, as (system, code, display) or (id, code, display)
RAD = (ICD10CM, "M54.16", "Radiculopathy, lumbar region")
FACET = (ICD10CM, "M47.816", "Spondylosis without myelopathy or radiculopathy, lumbar region")
CAUDA_EQUINA = (ICD10CM, "G83.4", "Cauda equina syndrome")
PSYCH_EVAL = ("psy", "90791", "Psychiatric diagnostic evaluation")
DISCECTOMY = ("discectomy", "63030", "Laminotomy with discectomy L5-S1")
MRI = ("sr-mri", "72148", "MRI lumbar spine without contrast")
# A lumbar MRI on record showing the compressed root: an ESI ordered after it is aimed by it.
MRI_REPORT = ("mri-report", "72148", "MRI lumbar spine without contrast")
MRI_L5S1 = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
GUIDED_ILESI = ("sr-esi", "62323", "Lumbar interlaminar epidural injection with imaging guidance")
BLIND_ESI = ("sr-esi", "62322", "Lumbar interlaminar epidural injection without imaging guidance")
SCS_IPG = ("sr-ipg", "63685", "Insertion of spinal neurostimulator pulse generator")
FUSION = ("sr-fusion", "22630", "Posterior lumbar interbody arthrodesis L5-S1")


def scenarios() -> list[Scenario]:
    s: list[Scenario] = []
    # ------------------------------------------------------------------ check 1
    s.append(
        Scenario(
            "mri-week2-no-red-flag",
            "Lumbar MRI in week 2 without a red flag (check 1, positive)",
            shape="cds-hooks-org",
        )
        .condition("rad", *RAD, 14)
        .order(*MRI)
        .expect_both(
            "order.mri-early", "info", "ServiceRequest/sr-mri", [["delete", "ServiceRequest/sr-mri"]]
        )
    )
    s.append(
        Scenario(
            "mri-week2-foot-drop",
            "Lumbar MRI in week 2 with foot drop (check 1, negative)",
            shape="cds-hooks-org",
        )
        .condition("rad", *RAD, 14)
        .condition("footdrop", ICD10CM, "M21.372", "Foot drop, left foot", 4)
        .order(*MRI)
    )
    s.append(
        Scenario("mri-cauda-equina-routine", "Routine MRI with suspected cauda equina (check 1, critical)")
        .condition("rad", *RAD, 9)
        .condition("ces", *CAUDA_EQUINA, 1)
        .order(*MRI, priority="routine")
        .expect_both(
            "order.mri-ces-emergency",
            "critical",
            "ServiceRequest/sr-mri",
            [["update", "ServiceRequest/sr-mri", "72148"]],
        )
    )
    s.append(
        Scenario(
            "radiographs-cauda-equina", "Lumbar radiographs with suspected cauda equina (check 1, critical)"
        )
        .condition("rad", *RAD, 9)
        .condition("ces", *CAUDA_EQUINA, 1)
        .order("sr-xr", "72100", "Lumbar spine radiographs (2 or 3 views)")
        .expect_both(
            "order.mri-ces-emergency",
            "critical",
            "ServiceRequest/sr-xr",
            [["delete", "ServiceRequest/sr-xr"], ["create", "ServiceRequest", "72148"]],
        )
    )
    # ------------------------------------------------------------------ check 2
    s.append(
        Scenario("mri-postop-without-contrast", "Non-contrast MRI after discectomy (check 2, positive)")
        .procedure(*DISCECTOMY, 420, level="L5-S1")
        .condition("rad", *RAD, 60)
        .order(*MRI)
        .expect_both(
            "order.mri-postop-contrast",
            "warning",
            "ServiceRequest/sr-mri",
            [["update", "ServiceRequest/sr-mri", "72158"]],
        )
    )
    s.append(
        Scenario(
            "mri-postop-with-contrast", "MRI without and with contrast after discectomy (check 2, negative)"
        )
        .procedure(*DISCECTOMY, 420, level="L5-S1")
        .condition("rad", *RAD, 60)
        .order("sr-mri", "72158", "MRI lumbar spine without and with contrast")
    )
    # ------------------------------------------------------------------ check 3
    s.append(
        Scenario("esi-blind", "Epidural injection without imaging guidance (check 3, positive)")
        .condition("rad", *RAD, 70)
        .pain("pain", 7, 3)
        .order(*BLIND_ESI)
        .expect_both(
            "order.esi-blind",
            "warning",
            "ServiceRequest/sr-esi",
            [["update", "ServiceRequest/sr-esi", "62323"]],
        )
    )
    # ------------------------------------------------------------------ check 4
    s.append(
        Scenario("esi-after-two-failed", "Third ESI after two failed ESIs (check 4, positive)")
        .condition("rad", *RAD, 300)
        .procedure("esi-1", "64483", "Transforaminal ESI L5-S1", 200, outcome="unsuccessful", level="L5-S1")
        .procedure("esi-2", "64483", "Transforaminal ESI L5-S1", 100, outcome="unsuccessful", level="L5-S1")
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1", bodySite=[{"text": "L5-S1"}])
        .expect_both(
            "order.esi-repeat",
            "warning",
            "ServiceRequest/sr-esi",
            [["delete", "ServiceRequest/sr-esi"], ["create", "ServiceRequest", "183546007"]],
        )
    )
    s.append(
        Scenario("esi-week3-not-severe", "ESI in week 3 with moderate pain (check 4, positive)")
        .condition("rad", *RAD, 20)
        .pain("pain", 5, 2)
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1")
        .expect_both(
            "order.esi-too-early", "warning", "ServiceRequest/sr-esi", [["delete", "ServiceRequest/sr-esi"]]
        )
    )
    s.append(
        Scenario(
            "esi-after-8-weeks-failed-care",
            "Image-guided ESI after 8 weeks of failed conservative care (check 4, negative)",
        )
        .condition("rad", *RAD, 56)
        .procedure("pt-eval", "97161", "Physical therapy evaluation", 50)
        .procedure("pt-1", "97110", "Therapeutic exercises", 30)
        .medication("naproxen", "7258", "naproxen", 55)
        .pain("pain", 6, 3)
        .report(*MRI_REPORT, 10, MRI_L5S1)
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1", bodySite=[{"text": "L5-S1"}])
    )
    s.append(
        Scenario(
            "tfesi-wrong-side",
            "Transforaminal ESI ordered on the right for left-sided radiculopathy (check 5c, positive)",
        )
        .condition("rad", ICD10CM, "M54.16", "Left L5 radiculopathy", 56)
        .procedure("pt-eval", "97161", "Physical therapy evaluation", 50)
        .procedure("pt-1", "97110", "Therapeutic exercises", 30)
        .medication("naproxen", "7258", "naproxen", 55)
        .pain("pain", 6, 3)
        .report(*MRI_REPORT, 10,
                "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root.")
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1 right",
               bodySite=[{"text": "right"}])
        .expect_both(
            "order.esi-wrong-side", "warning", "ServiceRequest/sr-esi", [["delete", "ServiceRequest/sr-esi"]]
        )
    )
    s.append(
        Scenario(
            "esi-six-weeks-after-discectomy",
            "Image-guided ESI for new leg pain 6 weeks after a discectomy (early post-operative, positive)",
        )
        .procedure(*DISCECTOMY, 46)
        .condition("rad", *RAD, 19)
        .pain("pain", 7, 3)
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1", bodySite=[{"text": "L5-S1"}])
        .expect_both(
            "order.early-postop-procedure", "warning", "ServiceRequest/sr-esi",
            [["delete", "ServiceRequest/sr-esi"]],
        )
    )
    s.append(
        Scenario("esi-ten-days-after-esi",
                 "Repeat ESI 10 days after the last one, before its 2-6-week assessment window "
                 "(check 4, positive)")
        .condition("rad", *RAD, 120)
        .procedure("pt-eval", "97161", "Physical therapy evaluation", 100)
        .procedure("pt-1", "97110", "Therapeutic exercises", 60)
        .pain("pain-before", 7, 12)
        .procedure("esi-1", "64483", "Transforaminal ESI L5-S1", 10, level="L5-S1")
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1", bodySite=[{"text": "L5-S1"}])
        .expect_both("order.esi-before-judged", "warning", "ServiceRequest/sr-esi",
                     [["delete", "ServiceRequest/sr-esi"]])
    )  # fmt: skip
    s.append(
        Scenario("esi-after-esi-that-worked",
                 "Repeat ESI after one that gave 3 months of relief, pain back (check 4, negative)")
        .condition("rad", *RAD, 300)
        .pain("pain-before", 8, 152)
        .procedure("esi-1", "64483", "Transforaminal ESI L5-S1", 150, level="L5-S1")
        .pain("pain-3-weeks", 3, 129)
        .pain("pain-3-months", 3, 60)
        .pain("pain-now", 7, 5)
        .order("sr-esi", "64483", "Transforaminal epidural injection L5-S1", bodySite=[{"text": "L5-S1"}])
    )  # fmt: skip
    # ------------------------------------------------------------------ check 5
    s.append(
        Scenario("esi-facet-pain", "ESI for facet-mediated pain (check 5, positive)")
        .condition("facet", *FACET, 200)
        .order(*GUIDED_ILESI)
        .expect_both(
            "order.esi-facet-pain",
            "warning",
            "ServiceRequest/sr-esi",
            [["delete", "ServiceRequest/sr-esi"], ["create", "ServiceRequest", "64493"]],
        )
    )
    s.append(
        Scenario("esi-neurogenic-claudication", "ESI for neurogenic claudication (check 5, positive)")
        .condition(
            "stenosis", ICD10CM, "M48.062", "Spinal stenosis, lumbar region with neurogenic claudication", 300
        )
        .order(*GUIDED_ILESI)
        .expect_both(
            "order.esi-claudication",
            "warning",
            "ServiceRequest/sr-esi",
            [["delete", "ServiceRequest/sr-esi"], ["create", "ServiceRequest", "183546007"]],
        )
    )
    # ------------------------------------------------------------------ check 6
    s.append(
        Scenario("rfa-without-block", "Facet RFA without a diagnostic block (check 6, positive)")
        .condition("facet", *FACET, 300)
        .order("sr-rfa", "64635", "Radiofrequency ablation, lumbar facet L4-L5")
        .expect_both(
            "order.rfa-no-block",
            "warning",
            "ServiceRequest/sr-rfa",
            [["update", "ServiceRequest/sr-rfa", "64493"]],
        )
    )
    s.append(
        Scenario(
            "rfa-after-positive-block", "Facet RFA after a positive medial branch block (check 6, negative)"
        )
        .condition("facet", *FACET, 300)
        .procedure("mbb", "64493", "Medial branch block L4-L5", 30, outcome="successful", level="L4-L5")
        .order("sr-rfa", "64635", "Radiofrequency ablation, lumbar facet L4-L5")
    )
    s.append(
        Scenario(
            "rfa-repeat-after-failed", "Repeat RFA at the same level after a failed RFA (check 6, positive)"
        )
        .condition("facet", *FACET, 500)
        .procedure("mbb", "64493", "Medial branch block L4-L5", 300, outcome="successful", level="L4-L5")
        .procedure(
            "rfa-1", "64635", "Radiofrequency ablation L4-L5", 250, outcome="unsuccessful", level="L4-L5"
        )
        .order("sr-rfa", "64635", "Radiofrequency ablation, lumbar facet L4-L5", bodySite=[{"text": "L4-L5"}])
        .expect_both(
            "order.rfa-repeat-failed",
            "warning",
            "ServiceRequest/sr-rfa",
            [["delete", "ServiceRequest/sr-rfa"], ["create", "ServiceRequest", "64493"]],
        )
    )
    # ------------------------------------------------------------------ check 7
    fbss = (ICD10CM, "M96.1", "Postlaminectomy syndrome, not elsewhere classified")
    s.append(
        Scenario(
            "scs-permanent-without-trial",
            "Permanent SCS without trial or psychological evaluation (check 7, positive)",
        )
        .condition("fbss", *fbss, 500)
        .order(*SCS_IPG)
        .expect_both(
            "order.scs-no-trial",
            "warning",
            "ServiceRequest/sr-ipg",
            [["update", "ServiceRequest/sr-ipg", "63650"]],
        )
        .expect_both(
            "order.neuromod-psych-eval",
            "warning",
            "ServiceRequest/sr-ipg",
            [["create", "ServiceRequest", "90791"]],
        )
    )
    s.append(
        Scenario(
            "scs-after-successful-trial",
            "Permanent SCS after a successful trial and psychological evaluation (check 7, negative)",
        )
        .condition("fbss", *fbss, 500)
        .procedure(*PSYCH_EVAL, 90)
        .procedure("trial", "63650", "SCS trial, percutaneous leads", 20, outcome="successful")
        .order(*SCS_IPG)
    )
    s.append(
        Scenario("scs-after-failed-trial", "Permanent SCS after a failed trial (check 7, positive)")
        .condition("fbss", *fbss, 500)
        .procedure(*PSYCH_EVAL, 90)
        .procedure("trial", "63650", "SCS trial, percutaneous leads", 20, outcome="unsuccessful")
        .order(*SCS_IPG)
        .expect_both(
            "order.scs-failed-trial",
            "warning",
            "ServiceRequest/sr-ipg",
            [["delete", "ServiceRequest/sr-ipg"]],
        )
    )
    # ------------------------------------------------------------------ check 8
    hnp = (ICD10CM, "M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region")
    s.append(
        Scenario(
            "fusion-disc-herniation", "Fusion for disc herniation without instability (check 8, positive)"
        )
        .condition("hnp", *hnp, 200)
        .order(*FUSION)
        .expect_both(
            "order.fusion-no-instability",
            "warning",
            "ServiceRequest/sr-fusion",
            [["update", "ServiceRequest/sr-fusion", "63030"]],
        )
    )
    s.append(
        Scenario("fusion-spondylolisthesis", "Fusion with spondylolisthesis (check 8, negative)")
        .condition("hnp", *hnp, 200)
        .condition("spondylo", ICD10CM, "M43.16", "Spondylolisthesis, lumbar region", 200)
        .order(*FUSION)
    )
    # ------------------------------------------------------------------ check 2b
    contrast_mri = ("sr-mri-c", "72158", "MRI lumbar spine without and with contrast")
    s.append(
        Scenario(
            "contrast-mri-no-indication",
            "Contrast lumbar MRI for sciatica at 10 weeks, no surgery or red flag (check 2b, positive)",
        )
        .condition("rad", *RAD, 70)
        .order(*contrast_mri)
        .expect_both(
            "order.mri-contrast-no-indication",
            "info",
            "ServiceRequest/sr-mri-c",
            [["update", "ServiceRequest/sr-mri-c", "72148"]],
        )
    )
    s.append(
        Scenario(
            "contrast-mri-after-discectomy",
            "Contrast lumbar MRI for sciatica after a discectomy (check 2b, negative)",
        )
        .condition("rad", *RAD, 200)
        .procedure(*DISCECTOMY, 400)
        .order(*contrast_mri)
    )
    # ------------------------------------------------------------------ check 7b
    pump = ("sr-pump", "62362", "Implantation of programmable intrathecal pump")
    s.append(
        Scenario(
            "idd-without-trial", "Intrathecal pump with no intrathecal trial on record (check 7b, positive)"
        )
        .condition("fbss", ICD10CM, "M96.1", "Postlaminectomy syndrome, not elsewhere classified", 900)
        .procedure("psych-done", "90791", "Psychiatric diagnostic evaluation", 60)
        .order(*pump)
        .expect_both(
            "order.idd-no-trial", "warning", "ServiceRequest/sr-pump", [["delete", "ServiceRequest/sr-pump"]]
        )
    )
    s.append(
        Scenario(
            "idd-after-trial", "Intrathecal pump after an intrathecal morphine trial (check 7b, negative)"
        )
        .condition("fbss", ICD10CM, "M96.1", "Postlaminectomy syndrome, not elsewhere classified", 900)
        .procedure("psych-done", "90791", "Psychiatric diagnostic evaluation", 60)
        .procedure("it-trial", "62323", "Intrathecal morphine trial, single bolus", 30)
        .order(*pump)
    )
    # ------------------------------------------------------------------ check 14
    stenosis = (ICD10CM, "M48.062", "Spinal stenosis, lumbar region with neurogenic claudication")
    mild = ("sr-mild", "0275T", "Percutaneous laminotomy/laminectomy (MILD), lumbar")
    s.append(
        Scenario("mild-spondylolisthesis", "MILD with spondylolisthesis (check 14, positive)")
        .condition("stenosis", *stenosis, 300)
        .condition("spondylo", ICD10CM, "M43.16", "Spondylolisthesis, lumbar region", 300)
        .order(*mild)
        .expect_both(
            "order.mild-instability",
            "warning",
            "ServiceRequest/sr-mild",
            [["delete", "ServiceRequest/sr-mild"], ["create", "ServiceRequest", "183546007"]],
        )
    )
    s.append(
        Scenario("mild-stenosis-stable", "MILD for stenosis without instability (check 14, negative)")
        .condition("stenosis", *stenosis, 300)
        .order(*mild)
    )
    s.append(
        Scenario(
            "mild-disc-herniation",
            "MILD for a disc herniation with no stenosis on record (check 14b, positive)",
        )
        .condition("hnp", ICD10CM, "M51.16", "Intervertebral disc disorders with radiculopathy, lumbar", 200)
        .order(*mild)
        .expect_both(
            "order.mild-no-stenosis",
            "warning",
            "ServiceRequest/sr-mild",
            [["delete", "ServiceRequest/sr-mild"]],
        )
    )
    # ------------------------------------------------------------------ check 9
    s.append(
        Scenario(
            "opioid-high-mme-with-benzodiazepine",
            "Oxycodone 60 MME/day drafted next to diazepam; order-select selects the opioid "
            "(check 9, positive)",
        )
        .condition("rad", *RAD, 100)
        .prescription("mr-oxy", "7804", "oxycodone", mg=10, per_day=4)
        .prescription("mr-diazepam", "3322", "diazepam", mg=5, per_day=2, stu3=True)
        .expect_both(
            "order.opioid-risk",
            "warning",
            "MedicationRequest/mr-oxy",
            [["create", "MedicationRequest", "7242"]],
        )
    )
    s[-1].selections = ["MedicationRequest/mr-oxy"]
    s.append(
        Scenario(
            "opioid-low-dose-short",
            "Oxycodone 15 MME/day, no benzodiazepine, no long-term use (check 9, negative)",
        )
        .condition("rad", *RAD, 100)
        .prescription("mr-oxy", "7804", "oxycodone", mg=5, per_day=2, stu3=True)
    )
    s.append(
        Scenario("gabapentinoid-for-sciatica", "Pregabalin for sciatica (check 9, info with conflict)")
        .condition("rad", *RAD, 60)
        .prescription("mr-pregabalin", "187832", "pregabalin", mg=75, per_day=2)
        .expect_both(
            "order.gabapentinoid-sciatica",
            "info",
            "MedicationRequest/mr-pregabalin",
            [["delete", "MedicationRequest/mr-pregabalin"]],
        )
    )
    s.append(
        Scenario("benzodiazepine-with-current-opioid",
                 "Diazepam drafted for a patient taking oxycodone (check 9, positive)")
        .condition("rad", *RAD, 100)
        .medication("oxy", "7804", "oxycodone", 20)
        .prescription("mr-diazepam", "3322", "diazepam", mg=5, per_day=2)
        .expect_both("order.benzodiazepine-with-opioid", "warning", "MedicationRequest/mr-diazepam",
                     [["delete", "MedicationRequest/mr-diazepam"]])
    )  # fmt: skip
    s.append(
        Scenario("oral-prednisone-for-sciatica",
                 "Oral prednisone taper for lumbar radicular pain (check 9, info with conflict)")
        .condition("rad", *RAD, 30)
        .prescription("mr-prednisone", "8640", "prednisone", mg=40, per_day=1)
        .expect_both("order.oral-steroid-sciatica", "info", "MedicationRequest/mr-prednisone",
                     [["delete", "MedicationRequest/mr-prednisone"]])
    )  # fmt: skip
    s.append(
        Scenario("oral-prednisone-with-fever",
                 "Oral prednisone drafted for sciatica with a fever recorded this week (check 9, suspected "
                 "spinal infection)")
        .condition("rad", *RAD, 10)
        .condition("fever", ICD10CM, "R50.9", "Fever, unspecified", 2)
        .prescription("mr-prednisone", "8640", "prednisone", mg=40, per_day=1)
        .expect_both("order.steroid-suspected-infection", "critical", "MedicationRequest/mr-prednisone",
                     [["delete", "MedicationRequest/mr-prednisone"]])
    )  # fmt: skip
    # check 9: an opioid for a patient on treatment for opioid use disorder (decision model §7.2)
    s.append(
        Scenario("opioid-with-moud",
                 "Oxycodone drafted for a patient on sublingual buprenorphine-naloxone for opioid use "
                 "disorder (check 9, positive)")
        .condition("rad", *RAD, 100)
        .condition("oud", ICD10CM, "F11.20", "Opioid dependence, uncomplicated", 700)
        .medication("bup", "1819", "buprenorphine 8 mg / naloxone 2 mg sublingual film", 200)
        .prescription("mr-oxy", "7804", "oxycodone", mg=10, per_day=4)
        .expect_both("order.opioid-with-moud", "warning", "MedicationRequest/mr-oxy", [])
    )  # fmt: skip
    s.append(
        Scenario("opioid-with-transdermal-buprenorphine",
                 "Oxycodone drafted for a patient on a buprenorphine patch for pain, no opioid use "
                 "disorder (check 9, negative)")
        .condition("rad", *RAD, 100)
        .medication("bup", "1819", "buprenorphine 10 mcg/hr 7-day transdermal patch", 40)
        .prescription("mr-oxy", "7804", "oxycodone", mg=5, per_day=2)
    )  # fmt: skip
    s.append(
        Scenario("pregabalin-for-diabetic-neuropathy",
                 "Pregabalin drafted for a patient with sciatica and diabetic polyneuropathy: prescribed for "
                 "the neuropathy (check 9, negative)")
        .condition("rad", *RAD, 60)
        .condition("dpn", ICD10CM, "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", 900)
        .prescription("mr-pregabalin", "187832", "pregabalin", mg=75, per_day=2)
    )  # fmt: skip
    # check 9: the benzodiazepine class (decision model §7.6)
    s.append(
        Scenario("temazepam-with-current-opioid",
                 "Temazepam drafted for a patient taking oxycodone (check 9, positive)")
        .condition("rad", *RAD, 100)
        .medication("oxy", "7804", "oxycodone", 20)
        .prescription("mr-temazepam", "10355", "temazepam", mg=15, per_day=1)
        .expect_both("order.benzodiazepine-with-opioid", "warning", "MedicationRequest/mr-temazepam",
                     [["delete", "MedicationRequest/mr-temazepam"]])
    )  # fmt: skip
    s.append(
        Scenario("carisoprodol-with-current-opioid",
                 "Carisoprodol (a muscle relaxant, not a benzodiazepine) drafted for a patient taking "
                 "oxycodone (check 9, negative)")
        .condition("rad", *RAD, 100)
        .medication("oxy", "7804", "oxycodone", 20)
        .prescription("mr-carisoprodol", "2101", "carisoprodol", mg=350, per_day=3)
    )  # fmt: skip
    # ------------------------------------------------------------------ check 10
    s.append(
        Scenario("esi-with-cauda-equina", "Blind ESI with suspected cauda equina (check 10, critical)")
        .condition("rad", *RAD, 10)
        .condition("ces", *CAUDA_EQUINA, 1)
        .order(*BLIND_ESI)
        .expect_both(
            "order.red-flag-elective",
            "critical",
            "ServiceRequest/sr-esi",
            [["delete", "ServiceRequest/sr-esi"], ["create", "ServiceRequest", "72148"]],
        )
    )
    # ------------------------------------------------------------------ check 11
    s.append(
        Scenario("discography", "Lumbar discography (check 11, info with conflict)")
        .condition("rad", *RAD, 200)
        .order("sr-disco", "62290", "Discography, lumbar, each level")
        .expect_both(
            "order.discography", "info", "ServiceRequest/sr-disco", [["delete", "ServiceRequest/sr-disco"]]
        )
    )
    # ------------------------------------------------------------------ check 12
    s.append(
        Scenario("esi-without-imaging",
                 "Transforaminal ESI after 17 weeks of radicular pain and 7 physiotherapy sessions, no "
                 "lumbar MRI or CT ever (check 12, positive)")
        .condition("rad", *RAD, 120)
        .procedure("pt-eval", "97161", "Physical therapy evaluation", 110)
        .procedure("pt-1", "97110", "Therapeutic exercises", 100)
        .procedure("pt-2", "97110", "Therapeutic exercises", 90)
        .procedure("pt-3", "97110", "Therapeutic exercises", 80)
        .procedure("pt-4", "97110", "Therapeutic exercises", 70)
        .procedure("pt-5", "97110", "Therapeutic exercises", 60)
        .procedure("pt-6", "97110", "Therapeutic exercises", 50)
        .pain("pain", 7, 3)
        .order("sr-esi", "64483", "TFESI L5-S1 right", bodySite=[{"text": "right L5-S1"}])
        .expect_both("order.esi-no-imaging", "info", "ServiceRequest/sr-esi",
                     [["delete", "ServiceRequest/sr-esi"], ["create", "ServiceRequest", "72148"]])
    )  # fmt: skip
    # ------------------------------------------------------------------ check 0: antithrombotics
    s.extend(antithrombotic_scenarios())
    # ------------------------------------------------------------------ check 9: doses from real orders
    s.extend(opioid_clinical_drug_scenarios())
    # ------------------------------------------------------------------ check 13: pregnancy
    s.extend(pregnancy_scenarios())
    # ------------------------------------------------------------------ unrelated orders
    s.append(
        Scenario(
            "sandbox-medication-without-drug",
            "The Sandbox's draft MedicationRequest without a medication (negative)",
            shape="sandbox",
            patient_id="p1",
        )
        .condition("rad", *RAD, 30)
        .prescription("request-123", None, "")
    )
    s.append(
        Scenario(
            "sandbox-pama-tmj-mri",
            "The Sandbox PAMA screen's TMJ MRI (negative)",
            shape="sandbox",
            patient_id="p1",
        )
        .condition("rad", *RAD, 14)
        .order(
            "example-request-id",
            "70336",
            "Magnetic resonance (eg, proton) imaging, temporomandibular joint(s)",
            foreign_code=True,  # the Sandbox PAMA screen's own order and reason, outside the value sets
            reasonCode=[foreign(fb.SNOMED, "10085004", "Metatarsalgia (finding)")],
        )
    )
    # ------------------------------------------------------------------ more negatives
    s.append(
        Scenario("esi-radicular-with-facet-arthropathy",
                 "Image-guided ESI, radiculopathy with facet arthropathy, no failed ESI (check 5, negative)")
        .condition("rad", *RAD, 70)
        .condition("facet", ICD10CM, "M47.816", "Lumbar spondylosis without myelopathy or radiculopathy", 300)
        .pain("pain", 7, 3)
        .report(*MRI_REPORT, 20, MRI_L5S1)
        .order(*GUIDED_ILESI)
    )  # fmt: skip
    s.append(
        Scenario("esi-with-old-stable-foot-drop",
                 "Image-guided ESI with a foot drop present 14 weeks, strength stable, no spine surgeon "
                 "seen, no lumbar MRI or CT (check 10, warning)")
        .condition("rad", *RAD, 120)
        .condition("footdrop", ICD10CM, "M21.371", "Foot drop, right foot", 100)
        .order(*GUIDED_ILESI)
        # a stable deficit is no emergency hold, but no surgeon has seen it: the surgical opinion comes
        # before an elective injection (R2: "ESI instead of a surgical opinion"), the MRI offered beside it
        .expect_both("order.red-flag-elective", "warning", "ServiceRequest/sr-esi",
                     [["create", "ServiceRequest", "183546007"]])
    )  # fmt: skip
    s.append(
        Scenario("physiotherapy-with-old-stable-foot-drop",
                 "Physiotherapy referral with a foot drop present 14 weeks, strength stable (check 10, "
                 "negative)")
        .condition("rad", *RAD, 120)
        .condition("footdrop", ICD10CM, "M21.371", "Foot drop, right foot", 100)
        # physiotherapy is care a stable deficit needs, not an elective procedure to hold
        .order("sr-pt", "306170007", "Referral to physiotherapy service", system=fb.SNOMED)
    )  # fmt: skip
    s.append(
        Scenario("emg-nerve-conduction", "EMG/nerve conduction study order (check 11, negative)")
        .condition("rad", *RAD, 120)
        .order("sr-emg", "95910", "Nerve conduction studies, 7-8 studies")
    )  # fmt: skip
    for sc in s:
        sc.negative_for = NEGATIVE_FOR.get(sc.slug, [])
    return s


APIXABAN = ("apixaban", "1364430", "apixaban")
CLOPIDOGREL = ("clopidogrel", "32968", "clopidogrel")
WARFARIN = ("warfarin", "11289", "warfarin")
ASPIRIN = ("aspirin", "1191", "aspirin")
TFESI = ("sr-esi", "64483", "Transforaminal epidural injection L5-S1")


def _after_conservative_care(sc: Scenario, *, mri: bool = True) -> Scenario:
    """Radicular pain for 10 weeks after failed physiotherapy and an NSAID, and (``mri``) a lumbar MRI
    showing the compressed root: an ESI draws no other card."""
    sc = (
        sc.condition("rad", *RAD, 70)
        .procedure("pt-eval", "97161", "Physical therapy evaluation", 60)
        .procedure("pt-1", "97110", "Therapeutic exercises", 40)
        .pain("pain", 7, 3)
    )
    return sc.report(*MRI_REPORT, 14, MRI_L5S1) if mri else sc


def antithrombotic_scenarios() -> list[Scenario]:
    """Check 0 (ASRA 2018): a neuraxial or deep procedure ordered while the patient takes an
    anticoagulant or antiplatelet; info on order-select, warning on order-sign, no suggestion."""
    rule = "order.antithrombotic-procedure"
    s: list[Scenario] = []
    s.append(
        _after_conservative_care(Scenario(
            "esi-on-apixaban-clopidogrel",
            "Transforaminal ESI ordered while the patient takes apixaban and clopidogrel (check 0, positive)",
        ))
        .medication(*APIXABAN, 200)
        .medication(*CLOPIDOGREL, 400)
        .order(*TFESI, bodySite=[{"text": "L5-S1"}])
        .expect("order-select", rule, "info", "ServiceRequest/sr-esi", [])
        .expect("order-sign", rule, "warning", "ServiceRequest/sr-esi", [])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "sandbox-esi-on-apixaban-clopidogrel",
            "The Sandbox signs an interlaminar ESI; apixaban and clopidogrel on the drug list "
            "(check 0, positive)",
            shape="sandbox", patient_id="p1",
        ))
        .statement("eliquis", *APIXABAN[1:], "Eliquis 5 mg twice daily", 300)
        .statement("plavix", *CLOPIDOGREL[1:], "Plavix 75 mg daily", 500)
        .order(*GUIDED_ILESI)
        .expect("order-select", rule, "info", "ServiceRequest/sr-esi", [])
        .expect("order-sign", rule, "warning", "ServiceRequest/sr-esi", [])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "esi-after-apixaban-stopped",
            "Transforaminal ESI after apixaban was stopped (check 0, negative)",
        ))
        .medication(*APIXABAN, 200, status="stopped")
        .order(*TFESI, bodySite=[{"text": "L5-S1"}])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "si-joint-injection-on-apixaban",
            "Sacroiliac joint injection (low bleeding risk) on apixaban (check 0, negative)",
        ), mri=False)
        .medication(*APIXABAN, 200)
        .order("sr-sij", "27096", "Sacroiliac joint injection with imaging guidance")
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "mri-on-warfarin", "Lumbar MRI (not a procedure) on warfarin (check 0, negative)",
        ), mri=False)
        .medication(*WARFARIN, 300)
        .order(*MRI)
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "esi-on-aspirin-alone",
            "Transforaminal ESI (intermediate risk) on aspirin alone (check 0, negative)",
        ))
        .medication(*ASPIRIN, 300)
        .order(*TFESI, bodySite=[{"text": "L5-S1"}])
    )  # fmt: skip
    return s


OXY_5_IR = ("1049621", "oxycodone hydrochloride 5 MG Oral Tablet")
OXY_10_ER = ("1049502", "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet")


def opioid_clinical_drug_scenarios() -> list[Scenario]:
    """Check 9 on opioids ordered as the Sandbox and most EHRs send them (RxNorm clinical drug, dose in
    tablets): MME/day from the strength per tablet (CDC 2022 factors); a dose that cannot be computed
    is said; an extended-release opioid for an opioid-naive patient (CDC 2022 recommendation 3)."""
    s: list[Scenario] = []
    s.append(
        Scenario("sandbox-oxycodone-high-dose",
                 "The Sandbox signs oxycodone 5 mg tablets, 2 tablets 4 times a day = 60 MME/day (check 9, "
                 "positive)", shape="sandbox", patient_id="p1")
        .condition("rad", *RAD, 100)
        .clinical_drug_order("mr-oxy", *OXY_5_IR, tablets=2, per_day=4)
        .expect_both("order.opioid-risk", "warning", "MedicationRequest/mr-oxy",
                     [["create", "MedicationRequest", "7242"]])
    )  # fmt: skip
    s.append(
        Scenario("sandbox-oxycodone-low-dose",
                 "The Sandbox signs oxycodone 5 mg tablets, 1 tablet 4 times a day = 30 MME/day (check 9, "
                 "negative)", shape="sandbox", patient_id="p1")
        .condition("rad", *RAD, 100)
        .clinical_drug_order("mr-oxy", *OXY_5_IR, tablets=1, per_day=4)
    )  # fmt: skip
    s.append(
        Scenario("oxycodone-dose-not-computable",
                 "Oxycodone 5 mg tablets as needed, no frequency: MME/day cannot be computed and the card "
                 "says so (check 9, info)")
        .condition("rad", *RAD, 100)
        .clinical_drug_order("mr-oxy", *OXY_5_IR, tablets=1, per_day=None)
        .expect_both("order.opioid-risk", "info", "MedicationRequest/mr-oxy", [])
    )  # fmt: skip
    s.append(
        Scenario("er-oxycodone-opioid-naive",
                 "Extended-release oxycodone 10 mg twice a day for an opioid-naive patient (check 9, "
                 "positive)")
        .condition("rad", *RAD, 100)
        .clinical_drug_order("mr-oxy-er", *OXY_10_ER, tablets=1, per_day=2)
        .expect_both("order.opioid-er-naive", "warning", "MedicationRequest/mr-oxy-er",
                     [["delete", "MedicationRequest/mr-oxy-er"]])
    )  # fmt: skip
    s.append(
        Scenario("er-oxycodone-on-long-term-opioids",
                 "The same extended-release oxycodone for a patient on oxycodone for 7 months (check 9: "
                 "long-term use, not opioid-naive)")
        .condition("rad", *RAD, 300)
        .medication("oxy", "7804", "oxycodone", 210)
        .clinical_drug_order("mr-oxy-er", *OXY_10_ER, tablets=1, per_day=2)
        .expect_both("order.opioid-risk", "warning", "MedicationRequest/mr-oxy-er", [])
    )  # fmt: skip
    return s


def pregnancy_scenarios() -> list[Scenario]:
    """Check 13 (ACOG 2017, FDA 2020): a fluoroscopic or CT-guided procedure, a contrast MRI or an
    NSAID ordered in pregnancy (the weeks of gestation recorded 14 days before, so 26 weeks now)."""
    s: list[Scenario] = []
    s.append(
        _after_conservative_care(Scenario(
            "esi-pregnant-24-weeks",
            "Transforaminal ESI ordered at 26 weeks of pregnancy (check 13, positive)",
        ))
        .pregnancy("preg", 24, 14)
        .order(*TFESI, bodySite=[{"text": "L5-S1"}])
        .expect_both("order.pregnancy-fluoroscopy", "warning", "ServiceRequest/sr-esi",
                     [["delete", "ServiceRequest/sr-esi"]])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "esi-after-delivery",
            "Transforaminal ESI 20 days after a delivery recorded after the pregnancy (check 13, negative)",
        ))
        .pregnancy("preg", 30, 80)
        .delivery("delivery", 20)
        .order(*TFESI, bodySite=[{"text": "L5-S1"}])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "mri-contrast-pregnant",
            "Lumbar MRI without and with contrast at 26 weeks of pregnancy (check 13, positive)",
        ), mri=False)
        .pregnancy("preg", 24, 14)
        .order("sr-mri", "72158", "MRI lumbar spine without and with contrast")
        .expect_both("order.pregnancy-gadolinium", "warning", "ServiceRequest/sr-mri",
                     [["update", "ServiceRequest/sr-mri", "72148"]])
    )  # fmt: skip
    s.append(
        _after_conservative_care(Scenario(
            "mri-without-contrast-pregnant",
            "Lumbar MRI without contrast at 26 weeks of pregnancy (check 13, negative)",
        ), mri=False)
        .pregnancy("preg", 24, 14)
        .order(*MRI)
    )  # fmt: skip
    s.append(
        Scenario("ibuprofen-pregnant-24-weeks",
                 "Ibuprofen prescribed at 26 weeks of pregnancy (check 13, positive)")
        .condition("rad", *RAD, 70)
        .pregnancy("preg", 24, 14)
        .prescription("mr-ibu", "5640", "ibuprofen", mg=400, per_day=3)
        .expect_both("order.pregnancy-nsaid", "warning", "MedicationRequest/mr-ibu",
                     [["delete", "MedicationRequest/mr-ibu"]])
    )  # fmt: skip
    s.append(
        Scenario("ibuprofen-pregnant-10-weeks",
                 "Ibuprofen prescribed at 10 weeks of pregnancy: avoid from 20 weeks (check 13, info)")
        .condition("rad", *RAD, 70)
        .pregnancy("preg", 8, 14)
        .prescription("mr-ibu", "5640", "ibuprofen", mg=400, per_day=3)
        .expect_both("order.pregnancy-nsaid", "info", "MedicationRequest/mr-ibu", [])
    )  # fmt: skip
    s.append(
        Scenario("low-dose-aspirin-pregnant",
                 "Aspirin 81 mg at 26 weeks of pregnancy: antiplatelet therapy, not an NSAID course "
                 "(check 13, negative)")
        .condition("rad", *RAD, 70)
        .pregnancy("preg", 24, 14)
        .prescription("mr-asa", "1191", "aspirin", mg=81)
    )  # fmt: skip
    # check 9: a gabapentinoid with an opioid; an NSAID with an anticoagulant or another NSAID
    s.append(
        Scenario("pregabalin-with-current-opioid",
                 "Pregabalin drafted for diabetic polyneuropathy in a patient taking oxycodone: name both, "
                 "start low, offer naloxone (check 9, positive)")
        .condition("rad", *RAD, 60)
        .condition("dpn", ICD10CM, "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", 900)
        .medication("oxy", "7804", "oxycodone", 20)
        .prescription("mr-pregabalin", "187832", "pregabalin", mg=75, per_day=2)
        .expect("order-select", "order.gabapentinoid-with-opioid", "info", "MedicationRequest/mr-pregabalin",
                [["create", "MedicationRequest", "7242"]])
        .expect("order-sign", "order.gabapentinoid-with-opioid", "warning", "MedicationRequest/mr-pregabalin",
                [["create", "MedicationRequest", "7242"]])
    )  # fmt: skip
    s.append(
        Scenario("duloxetine-with-current-tramadol",
                 "Duloxetine drafted for nerve pain in a patient taking tramadol: serotonin syndrome and "
                 "seizure risk; review the tramadol (check 9, positive)")
        .condition("rad", *RAD, 60)
        .medication("tram", "10689", "tramadol", 20)
        .prescription("mr-duloxetine", "72625", "duloxetine", mg=30)
        .expect("order-select", "order.antidepressant-with-tramadol", "info",
                "MedicationRequest/mr-duloxetine", [])
        .expect("order-sign", "order.antidepressant-with-tramadol", "warning",
                "MedicationRequest/mr-duloxetine", [])
    )  # fmt: skip
    s.append(
        Scenario("duloxetine-with-current-oxycodone",
                 "Duloxetine drafted for nerve pain in a patient taking oxycodone, not tramadol "
                 "(check 9, negative)")
        .condition("rad", *RAD, 60)
        .medication("oxy", "7804", "oxycodone", 20)
        .prescription("mr-duloxetine", "72625", "duloxetine", mg=30)
    )  # fmt: skip
    s.append(
        Scenario("pregabalin-after-opioid-stopped",
                 "Pregabalin drafted for diabetic polyneuropathy; the oxycodone course is completed "
                 "(check 9, negative)")
        .condition("rad", *RAD, 60)
        .condition("dpn", ICD10CM, "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", 900)
        .medication("oxy", "7804", "oxycodone", 60, status="completed")
        .prescription("mr-pregabalin", "187832", "pregabalin", mg=75, per_day=2)
    )  # fmt: skip
    s.append(
        Scenario("ibuprofen-on-apixaban",
                 "Ibuprofen drafted for a patient taking apixaban: bleeding risk (check 9, positive)")
        .condition("rad", *RAD, 30)
        .medication("apixaban", "1364430", "apixaban", 200)
        .prescription("mr-ibu", "5640", "ibuprofen", mg=400, per_day=3)
        .expect_both("order.nsaid-co-prescription", "warning", "MedicationRequest/mr-ibu",
                     [["delete", "MedicationRequest/mr-ibu"]])
    )  # fmt: skip
    s.append(
        Scenario("ibuprofen-on-low-dose-aspirin",
                 "Ibuprofen drafted for a patient taking aspirin 81 mg: low-dose aspirin alone draws no card "
                 "(check 9, negative)")
        .condition("rad", *RAD, 30)
        .medication("asa", "1191", "aspirin 81 mg oral tablet", 400)
        .prescription("mr-ibu", "5640", "ibuprofen", mg=400, per_day=3)
    )  # fmt: skip
    return s


# Which checks each negative scenario shows silent (every check has at least one).
NEGATIVE_FOR: dict[str, list[str]] = {
    "mri-week2-foot-drop": ["order.mri-early", "order.mri-ces-emergency"],
    "mri-postop-with-contrast": ["order.mri-postop-contrast", "order.mri-early"],
    "esi-after-8-weeks-failed-care": ["order.esi-blind", "order.esi-repeat", "order.esi-too-early",
                                      "order.esi-facet-pain", "order.esi-claudication",
                                      "order.esi-no-imaging", "order.early-postop-procedure",
                                      "order.esi-wrong-side"],
    "esi-radicular-with-facet-arthropathy": ["order.esi-facet-pain", "order.esi-too-early"],
    # the last ESI was judged (a sustained response, pain back): a repeat is reasonable
    "esi-after-esi-that-worked": ["order.esi-before-judged", "order.esi-repeat", "order.esi-too-early"],
    "rfa-after-positive-block": ["order.rfa-no-block", "order.rfa-repeat-failed"],
    "scs-after-successful-trial": ["order.scs-no-trial", "order.scs-failed-trial",
                                   "order.neuromod-psych-eval"],
    "fusion-spondylolisthesis": ["order.fusion-no-instability"],
    "mild-stenosis-stable": ["order.mild-instability", "order.mild-no-stenosis"],
    "idd-after-trial": ["order.idd-no-trial", "order.neuromod-psych-eval"],
    "contrast-mri-after-discectomy": ["order.mri-contrast-no-indication"],
    # an opioid drafted with no benzodiazepine current or drafted: neither co-prescription card
    "opioid-low-dose-short": ["order.opioid-risk", "order.benzodiazepine-with-opioid"],
    # a buprenorphine patch for pain is not MOUD: no coordination card (and 15 MME/day, 41 days: no risk card)
    "opioid-with-transdermal-buprenorphine": ["order.opioid-with-moud", "order.opioid-risk"],
    "carisoprodol-with-current-opioid": ["order.benzodiazepine-with-opioid"],
    "pregabalin-for-diabetic-neuropathy": ["order.gabapentinoid-sciatica"],
    # no infection red flag: the evidence-conflict note, not the hold
    "oral-prednisone-for-sciatica": ["order.steroid-suspected-infection"],
    "physiotherapy-with-old-stable-foot-drop": ["order.red-flag-elective"],
    "emg-nerve-conduction": ["order.discography"],
    "sandbox-medication-without-drug": ["order.opioid-risk", "order.gabapentinoid-sciatica",
                                        "order.oral-steroid-sciatica"],
    "sandbox-pama-tmj-mri": ["order.mri-early", "order.mri-postop-contrast"],
    "esi-after-apixaban-stopped": ["order.antithrombotic-procedure"],
    "si-joint-injection-on-apixaban": ["order.antithrombotic-procedure"],
    "mri-on-warfarin": ["order.antithrombotic-procedure", "order.mri-early"],
    "esi-on-aspirin-alone": ["order.antithrombotic-procedure", "order.esi-no-imaging"],
    "sandbox-oxycodone-low-dose": ["order.opioid-risk", "order.opioid-er-naive"],
    "er-oxycodone-on-long-term-opioids": ["order.opioid-er-naive"],
    # a delivery recorded after the pregnancy: the pregnancy has ended
    "esi-after-delivery": ["order.pregnancy-fluoroscopy"],
    "mri-without-contrast-pregnant": ["order.pregnancy-gadolinium", "order.pregnancy-fluoroscopy"],
    "low-dose-aspirin-pregnant": ["order.pregnancy-nsaid"],
    # the opioid course has ended: no co-prescription
    "pregabalin-after-opioid-stopped": ["order.gabapentinoid-with-opioid", "order.gabapentinoid-sciatica"],
    # serotonin syndrome is tramadol's: another opioid with duloxetine draws nothing
    "duloxetine-with-current-oxycodone": ["order.antidepressant-with-tramadol"],
    # low-dose aspirin is antiplatelet therapy, usually cardioprotective: not a second NSAID
    "ibuprofen-on-low-dose-aspirin": ["order.nsaid-co-prescription"],
}  # fmt: skip


def render() -> dict[str, str]:
    out: dict[str, str] = {}
    for sc in scenarios():
        out.update(sc.files())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = ap.parse_args(argv)
    files = render()
    if args.check:
        stale = sorted(
            n for n, text in files.items() if not (HERE / n).exists() or (HERE / n).read_text() != text
        )
        if stale:
            print(f"order fixtures out of date: {stale[:5]}; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    for name, text in files.items():
        (HERE / name).write_text(text)
    print(f"wrote {len(files)} files to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
