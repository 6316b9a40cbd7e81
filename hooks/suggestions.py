"""Suggestion builders: draft FHIR ServiceRequests (and MedicationRequests) offered as ``create`` actions.

Every order is named by a value set, never by a raw code: ``OrderSpec.value_set`` names a
(derived or supplement) value set whose first member is the code ordered. The resource built is a
plain R4 ServiceRequest JSON object with ``status: draft``, ``intent`` ``proposal`` (the default:
the clinician decides) or ``order``, ``subject: Patient/<id>`` and ``reasonReference`` pointing at
the Conditions that justify it.

Used by the pathway rules (``hooks.pathway``) and the order guardrails (``hooks.orders``)::

    from hooks import suggestions as sx
    sx.suggest(sx.MRI_WITH_AND_WITHOUT_CONTRAST, term, patient_id="123",
               reasons=("Condition/rad",), priority="urgent", recommended=True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from hooks.cards import Action, CardDraft, Fact, SuggestionDraft
from hooks.terminology import Coding, Terminology

Priority = Literal["routine", "urgent", "asap", "stat"]
Intent = Literal["proposal", "plan", "order"]


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """Something orderable: the value set whose first member is ordered, and how to say it."""

    key: str
    value_set: str
    label: str  # the suggestion's label, e.g. "Order MRI lumbar spine without and with contrast"
    text: str  # ServiceRequest.code.text shown to the clinician
    note: str | None = None  # ServiceRequest.note, e.g. "local anaesthetic only (diagnostic)"


@dataclass(frozen=True, slots=True)
class BodySite:
    """Where an order is aimed (``ServiceRequest.bodySite``): the words ("right L5-S1") and any codes
    the record gave for the site of the procedure it follows."""

    text: str | None = None
    codings: tuple[Coding, ...] = ()


MRI_WITHOUT_CONTRAST = OrderSpec(
    "mri-lumbar",
    "mri_lumbar_without_contrast",
    "Order MRI lumbar spine without contrast",
    "MRI lumbar spine without contrast",
)
MRI_WITH_AND_WITHOUT_CONTRAST = OrderSpec(
    "mri-lumbar-contrast",
    "mri_lumbar_with_and_without_contrast",
    "Order MRI lumbar spine without and with contrast",
    "MRI lumbar spine without and with contrast",
)
FLEXION_EXTENSION_XRAY = OrderSpec(
    "xray-flexion-extension",
    "order_flexion_extension_xray",
    "Order lumbar radiographs with flexion-extension views",
    "Lumbar spine radiographs with flexion-extension views",
)
LUMBAR_RADIOGRAPHS = OrderSpec(
    "xray-lumbar",
    "order_lumbar_radiographs",
    "Order lumbar spine radiographs",
    "Lumbar spine radiographs (2 or 3 views)",
    note="Osteoporosis: exclude a vertebral compression fracture (ACR 2021 variant 6).",
)
SPINE_SURGERY_REFERRAL = OrderSpec(
    "referral-spine-surgery",
    "referral_spine_surgery",
    "Refer to a spine surgeon",
    "Referral to spine surgery",
)
PAIN_MANAGEMENT_REFERRAL = OrderSpec(
    "referral-pain",
    "referral_pain_management",
    "Refer to the pain management service",
    "Referral to pain management service",
)
PHYSIOTHERAPY_REFERRAL = OrderSpec(
    "referral-physiotherapy",
    "referral_physiotherapy",
    "Refer to physiotherapy (active exercise programme)",
    "Referral to physiotherapy",
)
CBT_REFERRAL = OrderSpec(
    "referral-cbt",
    "referral_psychology",
    "Refer to psychology for CBT-based pain management",
    "Referral to psychology for cognitive behavioural therapy",
    note="Cognitive behavioural therapy within multidisciplinary pain management.",
)
PSYCHOLOGICAL_EVALUATION = OrderSpec(
    "psych-evaluation",
    "psychological_evaluation",
    "Order a psychological evaluation before neuromodulation",
    "Psychological evaluation",
    note="Pre-procedure psychological evaluation (required before a spinal cord stimulator or "
    "intrathecal pump trial).",
)
EMG_NCS = OrderSpec(
    "emg-ncs",
    "order_emg_ncs",
    "Order EMG/nerve conduction studies of the legs",
    "Nerve conduction studies with needle EMG, lower limbs",
    note="To separate lumbar radiculopathy from peripheral neuropathy or nerve entrapment.",
)
DIAGNOSTIC_SNRB = OrderSpec(
    "snrb",
    "order_diagnostic_snrb",
    "Order a diagnostic selective nerve root block",
    "Diagnostic selective nerve root block (transforaminal)",
    note="Diagnostic block: local anaesthetic only, single level, image-guided; record % relief during the "
    "anaesthetic phase.",
)
MEDIAL_BRANCH_BLOCK = OrderSpec(
    "mbb",
    "order_medial_branch_block",
    "Order diagnostic lumbar medial branch blocks",
    "Diagnostic lumbar medial branch block",
    note="Diagnostic block: record % relief during the anaesthetic phase; radiofrequency ablation only "
    "after a positive block.",
)
SI_JOINT_BLOCK = OrderSpec(
    "si-block",
    "order_si_joint_block",
    "Order a diagnostic sacroiliac joint injection",
    "Diagnostic sacroiliac joint injection, image-guided",
)
SCS_TRIAL = OrderSpec(
    "scs-trial",
    "scs_percutaneous_lead",
    "Order a spinal cord stimulator trial",
    "Spinal cord stimulator trial (percutaneous leads)",
    note="Trial only: a permanent implant needs the trial's pain relief recorded and sufficient.",
)
SCS_PERMANENT = OrderSpec(
    "scs-permanent",
    "scs_permanent_system",
    "Order the permanent spinal cord stimulator implant",
    "Permanent spinal cord stimulator implant",
)
# A dorsal root ganglion system is billed with the same generator and lead codes as a spinal cord
# stimulator (there is no DRG-specific code): the order says what it is in words.
DRG_PERMANENT = OrderSpec(
    "drg-permanent",
    "scs_permanent_system",
    "Order the permanent stimulator implant (DRG system)",
    "Permanent stimulator implant (dorsal root ganglion system)",
    note="Dorsal root ganglion stimulation, at the level of the successful trial.",
)

TFESI = OrderSpec(
    "tfesi",
    "order_esi_transforaminal",
    "Order an image-guided transforaminal ESI",
    "Transforaminal epidural steroid injection, lumbar/sacral, image-guided",
    note="Single level, at the level and side that match the imaging and the symptoms; record leg-pain NRS "
    "and ODI before the injection and again in the weeks after it.",
)
REPEAT_TFESI = OrderSpec(
    "repeat-tfesi",
    "order_esi_transforaminal",
    "Order a repeat image-guided transforaminal ESI at the same level",
    "Transforaminal epidural steroid injection, image-guided (repeat)",
    note="Repeat only after a sustained response to the previous injection, within the yearly session limit "
    "per region.",
)
REPEAT_ILESI = OrderSpec(
    "repeat-ilesi",
    "order_esi_interlaminar_image_guided",
    "Order a repeat image-guided interlaminar ESI at the same level",
    "Interlaminar/caudal epidural steroid injection, lumbar, image-guided (repeat)",
    note="Repeat only after a sustained response to the previous injection, within the yearly session limit "
    "per region.",
)
FACET_RFA = OrderSpec(
    "facet-rfa",
    "order_facet_rfa",
    "Order facet radiofrequency ablation at the levels the block confirmed",
    "Radiofrequency ablation of lumbar medial branches",
    note="At the medial branches the positive diagnostic block tested; record pain (NRS) before and at 3 "
    "and 6 months.",
)
REPEAT_FACET_RFA = OrderSpec(
    "repeat-facet-rfa",
    "order_facet_rfa",
    "Order a repeat facet radiofrequency ablation at the same level",
    "Radiofrequency ablation of lumbar medial branches (repeat)",
    note="Repeat only after lasting relief from the previous ablation.",
)

MILD = OrderSpec(
    "mild",
    "order_mild",
    "Refer for minimally invasive lumbar decompression (MILD)",
    "Minimally invasive lumbar decompression (MILD)",
    note="For central canal stenosis from ligamentum flavum hypertrophy without instability.",
)

ALL_ORDERS: tuple[OrderSpec, ...] = (
    MRI_WITHOUT_CONTRAST,
    MRI_WITH_AND_WITHOUT_CONTRAST,
    FLEXION_EXTENSION_XRAY,
    LUMBAR_RADIOGRAPHS,
    SPINE_SURGERY_REFERRAL,
    PAIN_MANAGEMENT_REFERRAL,
    PHYSIOTHERAPY_REFERRAL,
    CBT_REFERRAL,
    PSYCHOLOGICAL_EVALUATION,
    EMG_NCS,
    DIAGNOSTIC_SNRB,
    MEDIAL_BRANCH_BLOCK,
    SI_JOINT_BLOCK,
    SCS_TRIAL,
    SCS_PERMANENT,
    DRG_PERMANENT,
    TFESI,
    REPEAT_TFESI,
    REPEAT_ILESI,
    FACET_RFA,
    REPEAT_FACET_RFA,
    MILD,
)


def service_request(
    spec: OrderSpec,
    terminology: Terminology,
    *,
    patient_id: str,
    reasons: Sequence[str] = (),
    intent: Intent = "proposal",
    priority: Priority = "routine",
    note: str | None = None,
    body_site: BodySite | None = None,
    seen_by: date | None = None,
) -> dict[str, Any]:
    """A draft R4 ServiceRequest for ``spec``: coded from its value set, for the patient, with reasons;
    ``body_site`` names where (a repeat at the level and side of the procedure it repeats);
    ``seen_by`` the last day it should happen, as ``occurrencePeriod.end`` (a referral "to be seen
    within 2 weeks" is routed by that date, not only by the words of its note)."""
    coding = terminology.first(spec.value_set).coding()
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": intent,
        "priority": priority,
        "code": {"coding": [coding.as_fhir()], "text": spec.text},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    refs = [r for r in dict.fromkeys(reasons) if r]
    if refs:
        resource["reasonReference"] = [{"reference": r} for r in refs]
    if body_site is not None and (body_site.text or body_site.codings):
        site: dict[str, Any] = {}
        if body_site.codings:
            site["coding"] = [c.as_fhir() for c in body_site.codings]
        if body_site.text:
            site["text"] = body_site.text
        resource["bodySite"] = [site]
    if seen_by is not None:
        resource["occurrencePeriod"] = {"end": seen_by.isoformat()}
    notes = [n for n in (spec.note, note) if n]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def suggest(
    spec: OrderSpec,
    terminology: Terminology,
    *,
    patient_id: str,
    reasons: Sequence[str] = (),
    intent: Intent = "proposal",
    priority: Priority = "routine",
    note: str | None = None,
    recommended: bool = False,
    label: str | None = None,
    body_site: BodySite | None = None,
    device: ImplantedDevice | None = None,
    seen_by: date | None = None,
) -> SuggestionDraft:
    """A suggestion with one ``create`` action holding the draft ServiceRequest. ``device``: an
    implanted neurostimulator or pump on record; an MRI order then carries the device-safety note."""
    resource = service_request(
        spec,
        terminology,
        patient_id=patient_id,
        reasons=reasons,
        intent=intent,
        priority=priority,
        note=note,
        body_site=body_site,
        seen_by=seen_by,
    )
    if device is not None and _is_mri(resource, terminology):
        resource = _with_note(resource, device.note)
    prefix = "" if priority == "routine" else f"{priority.capitalize()}: "
    text = label or spec.label
    return SuggestionDraft(
        label=f"{prefix}{text[0].lower()}{text[1:]}" if prefix else text,
        actions=(Action("create", f"Create a draft order: {spec.text}", resource),),
        is_recommended=recommended,
    )


def superseding(
    suggestion: SuggestionDraft, orders: Sequence[tuple[str, str]], *, label: str | None = None
) -> SuggestionDraft:
    """``suggestion`` made to take the place of pending orders (``(ref, text)`` pairs, ``ref`` as
    ``ServiceRequest/<id>``): one ``delete`` action per order, then its own actions, so accepting it
    leaves the new order alone and never two of the same kind (one click, one transaction)."""
    refs = list(dict.fromkeys((ref, text) for ref, text in orders if ref))
    if not refs:
        return suggestion
    removals = tuple(
        Action("delete", f"Remove the pending order {text}", resource_id=ref) for ref, text in refs
    )
    return replace(suggestion, label=label or suggestion.label, actions=(*removals, *suggestion.actions))


# ---------------------------------------------------------------------------------------------
# MRI with an implanted neurostimulator or intrathecal pump
# ---------------------------------------------------------------------------------------------

MR_SAFETY = "confirm its MR-conditional labelling and MRI mode with the implanting team before scanning"


@dataclass(frozen=True, slots=True)
class ImplantedDevice:
    """An implanted neurostimulator or intrathecal pump on record, as an MRI order must name it:
    ``name`` in a few words ("spinal cord stimulator"), ``fact`` the record entry with the safety
    step (its short form says the same in a few words)."""

    name: str
    fact: Fact

    @property
    def note(self) -> str:
        """What an MRI order carries (``ServiceRequest.note``)."""
        return f"Implanted {self.name} on record: {MR_SAFETY}."


def resource_codings(resource: dict[str, Any] | None) -> tuple[Coding, ...]:
    """The codings of what a suggested or drafted order resource orders: its ``code`` (a
    ServiceRequest) or ``medicationCodeableConcept`` (a MedicationRequest); codings without a code
    are left out."""
    res = resource or {}
    concept = res.get("code") or res.get("medicationCodeableConcept") or {}
    return tuple(
        Coding(str(c.get("system", "")), str(c.get("code")), c.get("display"))
        for c in concept.get("coding", [])
        if c.get("code")
    )


def _is_mri(resource: dict[str, Any] | None, terminology: Terminology) -> bool:
    if not resource or resource.get("resourceType") != "ServiceRequest":
        return False
    return terminology.match("imaging_mri_lumbar", resource_codings(resource)) is not None


def _with_note(resource: dict[str, Any], text: str) -> dict[str, Any]:
    notes = list(resource.get("note") or [])
    if any(n.get("text") == text for n in notes):
        return resource
    return {**resource, "note": [*notes, {"text": text}]}


def offers_mri(suggestion: SuggestionDraft, terminology: Terminology) -> bool:
    """The suggestion creates or changes a draft to a lumbar MRI order."""
    return any(_is_mri(a.resource, terminology) for a in suggestion.actions)


def with_device_note(
    suggestion: SuggestionDraft, terminology: Terminology, device: ImplantedDevice
) -> SuggestionDraft:
    """The suggestion with the device-safety note on every MRI order it creates or changes."""
    if not offers_mri(suggestion, terminology):
        return suggestion
    actions = tuple(
        replace(a, resource=_with_note(a.resource, device.note))
        if a.resource is not None and _is_mri(a.resource, terminology)
        else a
        for a in suggestion.actions
    )
    return replace(suggestion, actions=actions)


def mark_implanted_device(
    card: CardDraft, terminology: Terminology, device: ImplantedDevice | None, *, at: int = 1
) -> CardDraft:
    """A card that offers a lumbar MRI while an implanted neurostimulator or pump is on record says,
    among its first facts (position ``at``) and on each MRI order, to confirm the device's
    MR-conditional labelling and MRI mode with the implanting team before scanning. Any other card,
    or no device, is returned as it is."""
    if device is None or not any(offers_mri(s, terminology) for s in card.suggestions):
        return card
    rest = [f for f in card.why if f != device.fact]
    why = (*rest[:at], device.fact, *rest[at:])
    suggestions = tuple(with_device_note(s, terminology, device) for s in card.suggestions)
    return replace(card, why=why, suggestions=suggestions)


def neuromodulation_workup(
    terminology: Terminology,
    *,
    patient_id: str,
    reasons: Sequence[str],
    referral_label: str,
    evaluated: bool = False,
    refer: bool = True,
) -> list[SuggestionDraft]:
    """The work-up before stimulation or an intrathecal pump (NACC 2014; PACC): a
    psychological evaluation (recommended), a pain-service referral for the device evaluation, and
    CBT. Offered with ``selection_behavior="any"``. With the evaluation already on record
    (``evaluated``) it is not offered again, and the referral is the recommended step, unless the
    evaluation does not clear the device (``refer`` False: CBT is then the recommended step)."""
    evaluation = suggest(
        PSYCHOLOGICAL_EVALUATION, terminology, patient_id=patient_id, reasons=reasons, recommended=True
    )
    return [
        *([] if evaluated else [evaluation]),
        suggest(
            PAIN_MANAGEMENT_REFERRAL,
            terminology,
            patient_id=patient_id,
            reasons=reasons,
            label=referral_label,
            recommended=evaluated and refer,
        ),
        suggest(CBT_REFERRAL, terminology, patient_id=patient_id, reasons=reasons, recommended=not refer),
    ]


@dataclass(frozen=True, slots=True)
class MedicationSpec:
    """Something prescribable, named by the value set whose first member is the ingredient."""

    key: str
    value_set: str
    label: str
    text: str
    dosage_text: str | None = None


NALOXONE = MedicationSpec(
    "naloxone",
    "order_naloxone",
    "Prescribe naloxone (opioid overdose reversal)",
    "Naloxone for opioid overdose reversal",
    dosage_text="Naloxone 4 mg nasal spray: 1 spray in one nostril for suspected opioid overdose; may repeat "
    "after 2-3 minutes. Call emergency services.",
)


def medication_request(
    spec: MedicationSpec,
    terminology: Terminology,
    *,
    patient_id: str,
    reasons: Sequence[str] = (),
    intent: Intent = "proposal",
) -> dict[str, Any]:
    """A draft R4 MedicationRequest for ``spec``, coded by ingredient (the prescriber picks the product)."""
    coding = terminology.first(spec.value_set).coding()
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": intent,
        "medicationCodeableConcept": {"coding": [coding.as_fhir()], "text": spec.text},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    refs = [r for r in dict.fromkeys(reasons) if r and r.startswith(("Condition/", "Observation/"))]
    if refs:
        resource["reasonReference"] = [{"reference": r} for r in refs]
    if spec.dosage_text:
        resource["dosageInstruction"] = [{"text": spec.dosage_text}]
    return resource


def suggest_medication(
    spec: MedicationSpec,
    terminology: Terminology,
    *,
    patient_id: str,
    reasons: Sequence[str] = (),
    recommended: bool = False,
) -> SuggestionDraft:
    """A suggestion with one ``create`` action holding the draft MedicationRequest."""
    resource = medication_request(spec, terminology, patient_id=patient_id, reasons=reasons)
    return SuggestionDraft(
        label=spec.label,
        actions=(Action("create", f"Create a draft prescription: {spec.text}", resource),),
        is_recommended=recommended,
    )


def ordered_codes(suggestion: SuggestionDraft) -> list[tuple[str, str]]:
    """(system, code) of every ServiceRequest or MedicationRequest a suggestion would create."""
    return [(c.system, c.code) for action in suggestion.actions for c in resource_codings(action.resource)]
