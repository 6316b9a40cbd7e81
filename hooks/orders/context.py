"""What the order checks know about the patient: an order-specific view layered on the one
``PathwayContext`` of the call.

The patient's facts are derived once, by the pathway's context (``self.pathway``): red flags,
duration, conservative care, procedures, the ESI sessions and their §3 assessments, stimulator
trials, the F5/F6 facts, all exactly as the pathway reads them. This view adds only what concerns
the draft orders (typed ``DraftOrder`` facts read at the service boundary): which are judged on
this hook, value-set membership of a drafted drug, the session's other orders. Thresholds are
``ctx.t`` here as in the pathway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from hooks.cards import Fact
from hooks.clinical_drugs import clinical_drug
from hooks.evaluation import EvaluationInput
from hooks.facts import ConditionFact, DraftOrder, ObservationFact, PatientHistory, ProcedureFact
from hooks.mme import RXNORM
from hooks.pathway import under_age as pathway_under_age
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import (
    Assessment,
    Modality,
    Outcome,
    classify_modality,
    is_diagnostic_injection,
)
from hooks.registry import expand_keys
from hooks.rule import unread_gap
from hooks.terminology import Coding, Member, Terminology
from hooks.text import (
    CERVICAL_THORACIC,
    CONTRAST_AGENT,
    LUMBAR_SITE,
    NO_STEROID,
    STEROID_GIVEN,
    WITH_AND_WITHOUT,
    ingredients_named,
    mentions,
    names,
)
from hooks.thresholds import Thresholds

RED_FLAG = "red flag"  # how a red-flag condition's short form begins

FAILED = (Outcome.FAILED, Outcome.SHORT_LIVED, Outcome.PARTIAL, Outcome.PROBABLE_FAILED)
POSITIVE = (Outcome.SUCCESS, Outcome.RESPONDER, Outcome.RESPONDED_THEN_RECURRED)

# A CPT code with modifiers appended ("64483-LT", "64483-50", "64483 RT KX", "64483KX"): the code is
# the first 5. A modifier written straight after the code must begin with a letter ("64483KX"): seven
# digits ("7214812") are no code with a modifier but some other number, and are not read as one.
_CPT_WITH_MODIFIERS = re.compile(
    r"^\s*([0-9]{4}[0-9A-Z])((?:\s*[-\s]\s*[0-9A-Z]{2}|[A-Z][0-9A-Z])+)\s*$", re.IGNORECASE
)
_MODIFIER = re.compile(r"[0-9A-Z]{2}", re.IGNORECASE)
# Systems a CPT/HCPCS modifier may be sent in as a coding of its own (beside the code).
_MODIFIER_SYSTEM = re.compile(r"modifier|hcpcs|cpt|2\.16\.840\.1\.113883\.6\.(?:12|285)\b", re.IGNORECASE)
# The Medicare modifier that marks a transforaminal injection (64483) as a diagnostic selective nerve
# root block, not a therapeutic ESI (CMS billing articles for the ESI LCDs; decision model §0).
DIAGNOSTIC_MODIFIER = "KX"
# Words that name a spine procedure by themselves, and words that do with a spinal site ("lumbar
# fusion", "L4-5 decompression"): an order with no recognised code so named is not cleared silently.
_SPINE_PROCEDURE = re.compile(
    r"epidural|transforaminal|interlaminar|caudal|facet|medial branch|sacroiliac|spinal cord stimulat|"
    r"dorsal root ganglion|\b(?:scs|drg|esi|tfesi|ilesi|snrb|mbb|rfa)\b|intrathecal|discogra|kyphoplasty|"
    r"vertebroplasty|nerve root block",
    re.IGNORECASE,
)
_PROCEDURE_WORD = re.compile(
    r"fusion|arthrodesis|discectomy|laminectomy|laminotomy|decompression|foraminotomy|radiofrequency|"
    r"ablation|neurotomy|stimulat|pump|injection|block",
    re.IGNORECASE,
)
_SPINAL_SITE = re.compile(r"spin|vertebra|\bdisc\b", re.IGNORECASE)
# An imaging order, whatever it names as its reason or target ("MRI L-spine: epidural compression"),
# unless the modality only guides a procedure ("CT-guided transforaminal injection").
# "MR" as radiology order names write it ("MR LUMBAR SPINE WO CONTRAST"): capitals only, never "Mr".
_IMAGING = re.compile(
    r"(?i:\bmri\b|magnetic resonance|\bct\b|computed tomograph|x-?ray|radiograph|myelogra)|\bMR\b"
)
_MRI = re.compile(r"(?i:\bmri\b|magnetic resonance)|\bMR\b")
_L_SPINE = re.compile(r"\bl[-\s]?spine\b|\bls[-\s]?spine\b", re.IGNORECASE)
_WITHOUT_CONTRAST = re.compile(
    r"without\s+contrast|\bw\s*/\s*o\b|\bwo\b|non-?\s*contrast|no\s+contrast", re.IGNORECASE
)
_GUIDED = re.compile(
    r"guid|fluoro|\bunder\s+(?:ct|x-?ray|imaging|image|c-?arm)\b|\bwith\s+(?:imaging|image)\b", re.IGNORECASE
)
# An epidural injection written as done without imaging: the blind (62322) injection, said in words.
_BLIND = re.compile(
    r"\bblind\b|landmark|\bunguided\b|\bnon-?guided\b|\bnot\s+(?:image[- ])?guided\b|"
    r"\bwithout\s+(?:image|imaging|fluoroscop\w*|x-?ray|ct|guidance)\b|"
    r"\bno\s+(?:image\s+|imaging\s+|fluoroscopic\s+|ct\s+)?guidance\b|\bno\s+(?:imaging|fluoroscopy)\b",
    re.IGNORECASE,
)
# Which order a procedure read from the text stands for, within its kind (the value set whose first
# member is the code the checks then judge it by).
_TRANSFORAMINAL = re.compile(r"transforaminal|tfesi|nerve root|\bsnrb\b", re.IGNORECASE)
_SACROILIAC = re.compile(r"sacroiliac|\bsij?\b", re.IGNORECASE)
_NERVE_ROOT = re.compile(r"nerve root|\bsnrb\b", re.IGNORECASE)
_READ_AS: dict[Modality, str] = {
    Modality.ESI: "lumbar epidural steroid injection",
    Modality.RFA: "facet or sacroiliac joint radiofrequency ablation",
    Modality.DIAGNOSTIC_BLOCK: "diagnostic spinal block",
    Modality.SCS_TRIAL: "spinal cord stimulator trial",
}


# A draft order withdrawn in the same session (sent back revoked or entered in error) will not be
# done: it is neither judged ("cancel the procedure" on a cancelled order is noise) nor context.
_WITHDRAWN = ("revoked", "entered-in-error")
MEDICATION_ORDERS = ("MedicationRequest", "MedicationStatement", "MedicationOrder")
# The red flags an order's reasonCode is read for (``OrderContext.reasons_stated``), on the orders
# whose reason is the question they answer: lumbar imaging.
REASON_RED_FLAGS = ("red_flag_cauda_equina", "red_flag_malignancy", "red_flag_infection", "red_flag_fracture")
REASON_ORDERS = ("imaging_lumbar_any",)


@dataclass(frozen=True)
class TextReading:
    """A procedure order with no recognised code, read from its words (``OrderContext.reading``).

    ``what`` how the card names the procedure; ``coding`` the code the checks judge it by (a value
    set's first member), None when the words name a spine procedure the service cannot place."""

    what: str
    coding: Coding | None
    # an epidural injection whose words say nothing of image guidance: judged as the image-guided one
    # (no hard stop on a guess), and its "not fully checked" card asks to confirm the guidance
    guidance_unstated: bool = False


@dataclass(frozen=True)
class Course:
    """How long the patient has had this complaint (``OrderContext.course``): from the earliest
    onset of the radicular conditions, or from the first lumbar treatment for it (epidural injection,
    physiotherapy, lumbar surgery) when that is earlier. ``facts`` say what it was read from."""

    start: date
    days: int
    facts: tuple[Fact, ...]
    from_treatment: bool
    # ``start`` as a card says it: an onset sent as a month or a year, as written
    start_text: str | None = None

    @property
    def start_said(self) -> str:
        return self.start_text or self.start.isoformat()

    @property
    def since(self) -> str:
        """How a card's summary names the start: "after onset" or "after the first treatment"."""
        return "after the first lumbar treatment" if self.from_treatment else "after onset"


@dataclass(frozen=True)
class RedFlag:
    """An active red flag (decision model R1-R3) and the resources that show it."""

    kind: str  # cauda_equina | motor_progressive | motor_stable | malignancy | infection | fracture
    label: str
    facts: tuple[Fact, ...]

    @property
    def emergency(self) -> bool:
        """Pre-empts elective care (R1, progressive R2, R3). A stable deficit is urgent, not emergency."""
        return self.kind != "motor_stable"


def _bilateral(fact: Fact, said: Fact) -> Fact:
    """The hold's fact for new symptoms of both legs, its short form the record's words."""
    return replace(fact, short=f"{RED_FLAG}: {said.short}" if said.short else fact.short)


def _performed(p: ProcedureFact) -> date:
    return p.performed or date.max


@dataclass
class OrderContext:
    inp: EvaluationInput

    # ----------------------------------------------------------------- plumbing
    @property
    def term(self) -> Terminology:
        return self.inp.terminology

    @property
    def t(self) -> Thresholds:
        return self.inp.thresholds

    @property
    def today(self) -> date:
        return self.inp.today

    @property
    def history(self) -> PatientHistory:
        return self.inp.history

    @cached_property
    def orders(self) -> tuple[DraftOrder, ...]:
        """Every draft order of the call, read at the service boundary (``cds_service.draft_orders``),
        with the codes the checks match (``_coded``): CPT sent by its OID or with modifiers as the
        plain CPT code, and a procedure named only in words as the code it reads as."""
        return tuple(
            self._coded(o) for o in self.inp.draft_orders if (o.status or "").lower() not in _WITHDRAWN
        )

    @cached_property
    def cpt_system(self) -> str:
        """The CPT system URI as the shipped value sets spell it (no URI is written in the checks)."""
        return self.term.first("esi_lumbar_all").system

    def _plain(self, c: Coding) -> Coding | None:
        """The coding as the value sets hold it, when it differs: a CPT code with modifiers → the code
        alone (a system sent by its OID or spelt otherwise is read as the value sets' URI when the
        drafts are read, ``terminology.canonical_system``)."""
        system, code = c.system, c.code
        if system == self.cpt_system:
            m = _CPT_WITH_MODIFIERS.match(code)
            code = m.group(1).upper() if m else code.strip()
        if (system, code) == (c.system, c.code):
            return None
        return Coding(system, code, c.display)

    def _coded(self, order: DraftOrder) -> DraftOrder:
        extra = tuple(p for c in order.codings if (p := self._plain(c)) is not None)
        out = replace(order, codings=(*order.codings, *extra)) if extra else order
        known = any(self.term.is_known(c.system, c.code) for c in out.all_codings)
        stated = self._contrast_in_words(out) if known and out.is_procedure_order else None
        if stated is not None:
            out = replace(out, codings=(*out.codings, stated))
        if out.text == out.resource_type:
            out = replace(out, text=self._listed_name(out))
            if out.all_codings and not known:
                self._unnamed.add(id(out))
        if not out.is_procedure_order or known:
            return out
        reading = self._read_text(out)
        if reading is None:
            return out
        if reading.coding is not None:
            out = replace(out, codings=(*out.codings, reading.coding))
        self._read[id(out)] = reading
        return out

    def _listed_name(self, order: DraftOrder) -> str:
        """The name of a draft sent with codes only (no ``code.text``, no display): its first
        listed code's display from the value sets, else the code itself ("ServiceRequest 0275T"),
        never the bare resource type a card would read as "Draft order: ServiceRequest"."""
        listed = self.term.listed_display(order.all_codings)
        if listed is not None:
            return listed
        first = next(iter(order.all_codings), None)
        return f"{order.resource_type} {first.code}" if first is not None else order.resource_type

    @cached_property
    def _read(self) -> dict[int, TextReading]:
        return {}

    @cached_property
    def _unnamed(self) -> set[int]:
        return set()

    def unidentified(self, order: DraftOrder) -> bool:
        """A drafted medication sent with codes no value set lists and no name (no text, no display):
        what it is cannot be told, so neither can whether it is an anticoagulant before an injection
        or a benzodiazepine beside an opioid. Never an all-clear: it gets the "not fully checked"
        card. A draft with no medication at all (none chosen yet, as the Sandbox sends) is not one."""
        return id(order) in self._unnamed and order.resource_type in MEDICATION_ORDERS

    def reading(self, order: DraftOrder) -> TextReading | None:
        """How an order with no recognised code was read from its text, or None (coded, or not a
        spine procedure). Its checks judge it by ``reading.coding``; the order's "not fully checked"
        card says that the code was missing."""
        return self._read.get(id(order))

    def _read_text(self, order: DraftOrder) -> TextReading | None:
        """A lumbar spine procedure named in words (the pathway's reading of uncoded procedures,
        ``failure.classify_modality``), or None when the words name none."""
        words = (order.text, order.body_site_text, *(c.display for c in order.codings))
        text = " ".join(t for t in words if t)
        if not text or CERVICAL_THORACIC.search(text):
            return None
        imaging = _IMAGING.search(text)
        if imaging and not _GUIDED.search(text):
            named = [m.start() for m in (_SPINE_PROCEDURE.search(text), _PROCEDURE_WORD.search(text)) if m]
            if not named or imaging.start() < min(named):
                # imaging that names its reason ("MRI: rule out epidural abscess") is no procedure; a
                # procedure that names imaging after it ("lumbar ESI, MRI reviewed") still is one. A
                # lumbar MRI named in words (a local radiology code) is judged as that MRI.
                return self._read_mri(text)
        as_procedure = ProcedureFact(
            ref=order.ref, codings=order.codings, text=text, status=order.status, performed=None,
            performed_text=None,
        )  # fmt: skip
        modality = classify_modality(as_procedure, self.term)
        if modality is not None:
            unstated = (
                modality is Modality.ESI
                and not _TRANSFORAMINAL.search(text)  # transforaminal injection is image-guided (64483)
                and not _GUIDED.search(text)
                and not _BLIND.search(text)
            )
            return TextReading(_READ_AS[modality], self._stand_in(modality, text).coding(), unstated)
        spine = _SPINE_PROCEDURE.search(text) or (
            _PROCEDURE_WORD.search(text) and (LUMBAR_SITE.search(text) or _SPINAL_SITE.search(text))
        )
        return TextReading("spine procedure", None) if spine else None

    def _read_mri(self, text: str) -> TextReading | None:
        """A lumbar MRI named in words ("MRI LUMBAR SPINE WO CONTRAST", "MRI L-spine w/o contrast"),
        judged as the MRI without contrast, or without and with contrast when the words say both;
        None for any other study, or when the words leave the contrast unclear ("with contrast")."""
        if not _MRI.search(text) or not (LUMBAR_SITE.search(text) or _L_SPINE.search(text)):
            return None
        if WITH_AND_WITHOUT.search(text):
            value_set, what = "mri_lumbar_with_and_without_contrast", "lumbar MRI without and with contrast"
        elif _WITHOUT_CONTRAST.search(text) or not CONTRAST_AGENT.search(text):
            value_set, what = "mri_lumbar_without_contrast", "lumbar MRI without contrast"
        else:
            return None
        return TextReading(what, self.term.first(value_set).coding())

    def _contrast_in_words(self, order: DraftOrder) -> Coding | None:
        """For a lumbar MRI coded without saying contrast (SNOMED 433141005 "MRI of lumbar and sacral
        spine"), the study its words state plainly ("with and without IV contrast", "without
        contrast") as the code that says it; None when the code says it already, or the words do not
        ("with contrast" alone leaves which study open)."""
        if self.term.match("imaging_mri_lumbar", order.codings) is None or self.term.in_any(
            ("mri_lumbar_with_contrast", "mri_lumbar_without_contrast"), order.codings
        ):
            return None
        text = " ".join(x for x in (order.text, *(c.display or "" for c in order.codings)) if x)
        if WITH_AND_WITHOUT.search(text):
            return self.term.first("mri_lumbar_with_and_without_contrast").coding()
        if _WITHOUT_CONTRAST.search(text):
            return self.term.first("mri_lumbar_without_contrast").coding()
        return None

    def _stand_in(self, modality: Modality, text: str) -> Member:
        """The order a procedure read from words stands for, within its kind."""
        t = self.term
        if modality is Modality.ESI:
            if _TRANSFORAMINAL.search(text):
                return t.first("order_esi_transforaminal")
            if _BLIND.search(text):
                return t.first("esi_without_image_guidance")  # "blind", "without fluoroscopy": 62322
            # guided in words, or guidance not stated: the image-guided injection (62323); the
            # unstated case is asked about on the order's "not fully checked" card, never stopped
            return t.first("order_esi_interlaminar_image_guided")
        if modality is Modality.RFA:
            if _SACROILIAC.search(text):
                facet = {m.code for m in t["facet_rfa_lumbar"].members}
                return next(m for m in t["facet_rfa_or_si_rfa"].members if m.code not in facet)
            return t.first("order_facet_rfa")
        if modality is Modality.DIAGNOSTIC_BLOCK:
            if _NERVE_ROOT.search(text):
                return t.first("order_diagnostic_snrb")
            if _SACROILIAC.search(text):
                return t.first("order_si_joint_block")
            return t.first("order_medial_branch_block")
        return t.first("order_scs_trial")

    def modifiers(self, order: DraftOrder) -> frozenset[str]:
        """The CPT/HCPCS modifiers of a procedure order, upper case: appended to its CPT code
        ("64483-KX", "64483 LT KX", "64483KX") or sent as a coding of their own ("KX")."""
        out: set[str] = set()
        for c in order.codings:
            if c.system == self.cpt_system and (m := _CPT_WITH_MODIFIERS.match(c.code)) is not None:
                out.update(x.upper() for x in _MODIFIER.findall(m.group(2)))
            elif len(c.code.strip()) == 2 and _MODIFIER_SYSTEM.search(c.system or ""):
                out.add(c.code.strip().upper())
        return frozenset(out)

    def is_diagnostic_block(self, order: DraftOrder) -> bool:
        """A transforaminal injection order (64483/64484) that is a diagnostic selective nerve root
        block, not a therapeutic epidural steroid injection (decision model §0): marked with the KX
        modifier, or so written (diagnostic, SNRB, local anaesthetic only) as the pathway reads a
        recorded injection (``failure.is_diagnostic_injection``: a steroid or a therapeutic purpose
        written makes it an ESI). The checks that judge an ESI as a treatment (repeat, too early,
        wrong pain generator) do not judge it; the safety checks (red flag, anticoagulants) still do."""
        if not order.is_procedure_order or self.order_is(order, "esi_transforaminal_lumbar") is None:
            return False
        reading = self._read.get(id(order))
        if reading is not None and reading.what == _READ_AS[Modality.DIAGNOSTIC_BLOCK]:
            return True
        reason = " ".join(c.display for c in order.reason_codings if c.display)
        as_procedure = ProcedureFact(
            ref=order.ref, codings=order.codings, text=order.text, status=order.status, performed=None,
            performed_text=None, body_site_text=order.body_site_text, reason=order.reason_codings,
            reason_text=reason or None,
        )  # fmt: skip
        if mentions(STEROID_GIVEN, order.text, reason) and not mentions(NO_STEROID, order.text, reason):
            return False
        if DIAGNOSTIC_MODIFIER in self.modifiers(order):
            return True
        return is_diagnostic_injection(as_procedure, self.term)

    @property
    def judged(self) -> tuple[DraftOrder, ...]:
        return tuple(o for o in self.orders if o.selected)

    def is_a(self, value_set: str, codings: Iterable[Coding]) -> Member | None:
        return self.term.match(value_set, codings)

    def order_is(self, order: DraftOrder, value_set: str) -> Member | None:
        return self.term.match(value_set, order.all_codings)

    def drug_is(self, order: DraftOrder, value_set: str) -> Member | None:
        """Membership by code, or by the ingredient's name in the order's text when it is coded at the
        clinical-drug level (SCD/SBD) the ingredient value sets do not list, or by the ingredients that
        level of code or name stands for (``drug_ingredients``: a brand, an opioid clinical drug)."""
        hit = self.term.match(value_set, order.all_codings)
        if hit is not None:
            return hit
        texts = [order.text, *(c.display or "" for c in order.all_codings)]
        for m in self.term[value_set].members:
            if names(m.display, *texts):
                return m
        return self.term.match(value_set, self.drug_ingredients(order))

    def drug_ingredients(self, order: DraftOrder) -> tuple[Coding, ...]:
        """The ingredients of a drafted drug coded below the ingredient level, read as the history's
        prescriptions are read (``cds_service.fhir_facts``): an RxNorm opioid clinical drug (SCD/SBD)
        by its code in the shipped opioid drug table (``hooks/data/opioid_clinical_drugs.json``: 857004
        "Norco 5 MG / 325 MG Oral Tablet" is hydrocodone), and, when no code of the order is in a value
        set, the ingredient or brand names its words say (``hooks.text.ingredients_named``, with
        ``hooks/data/brand_names.json``: "Plavix" is clopidogrel, "Motrin" ibuprofen). A drug named by
        its brand only is then judged as its ingredient, as a recorded "Eliquis" is."""
        kept = self._drug_ingredients.get(id(order))
        if kept is not None and kept[0] is order:
            return kept[1]
        out: list[Coding] = []
        for c in order.all_codings:
            drug = clinical_drug(c.code) if c.system == RXNORM else None
            if drug is not None and drug.source == "table":
                out += [Coding(RXNORM, s.code, s.ingredient) for s in drug.ingredients if s.code]
        if not any(self.term.is_known(c.system, c.code) for c in order.all_codings):
            out += ingredients_named(self.term, order.text, *(c.display for c in order.all_codings))
        found = tuple(dict.fromkeys(out))
        self._drug_ingredients[id(order)] = (order, found)  # the order kept: its id is not reused
        return found

    @cached_property
    def _drug_ingredients(self) -> dict[int, tuple[DraftOrder, tuple[Coding, ...]]]:
        return {}

    def assess(self, procedure: ProcedureFact, modality: Modality) -> Assessment:
        """§3 inference, shared with the pathway's view of the patient (one assessment per call)."""
        return self.pathway.assess(procedure, modality)

    def unavailable_gaps(self, *keys: str) -> tuple[str, ...]:
        out = []
        for key in expand_keys(keys):
            why = self.history.unavailable.get(key)
            if why:
                out.append(unread_gap(key, why))
        return tuple(out)

    # ----------------------------------------------------------------- conditions
    def current_conditions(self, *value_sets: str) -> tuple[ConditionFact, ...]:
        """Current, not refuted Conditions in the value sets, as the pathway reads them."""
        return self.pathway.conditions(*value_sets)

    @cached_property
    def pathway(self) -> PathwayContext:
        """The pathway's view of the same patient: gate, onset, red flags, F5/F6 facts are read there.
        A red flag the session's orders give as their reason (``reasons_stated``) is part of it."""
        stated = self.reasons_stated
        if not stated:
            return PathwayContext(self.inp)
        history = replace(self.inp.history, conditions=(*self.inp.history.conditions, *stated))
        return PathwayContext(replace(self.inp, history=history))

    @cached_property
    def reasons_stated(self) -> tuple[ConditionFact, ...]:
        """The red flags the clinician states as a drafted lumbar imaging order's reason (reasonCode):
        an MRI "for bone metastasis" (C79.51) or "rule out cauda equina" (G83.4). Each is read as a
        provisional diagnosis recorded today, named by the order that states it (a code already on
        the problem list is left to its own dates: an old fracture copied into a reason stays old,
        and other orders' reasons, which copy the problem list, are not read), so the checks judge
        the order as they would with that Condition on the problem list (ACR 2021 variant 7 wants the
        contrast study the clinician chose for a malignancy, not the plain one)."""
        out: list[ConditionFact] = []
        recorded = {(c.system, c.code) for f in self.inp.history.conditions for c in f.codings}
        for o in self.inp.draft_orders:
            if (o.status or "").lower() in _WITHDRAWN or not o.ref:
                continue
            if not self.term.in_any(REASON_ORDERS, o.all_codings):
                continue  # a physiotherapy order's reasons copy the problem list; imaging states a question
            for c in o.reason_codings:
                if not self.term.in_any(REASON_RED_FLAGS, (c,)) or (c.system, c.code) in recorded:
                    continue  # the same code on the problem list: its own dates decide (an old fracture)
                out.append(
                    ConditionFact(
                        ref=o.ref, codings=(c,), text=f"{c.display or c.code}, the reason for {o.text}",
                        clinical_status="active", verification_status="provisional",
                        categories=("encounter-diagnosis",), onset=self.today, onset_text=None,
                        recorded=self.today, abatement=None, onset_from_record=True,
                    )
                )  # fmt: skip
        return tuple(out)

    @cached_property
    def under_age(self) -> int | None:
        """The patient's age when under ``pathway_min_age_years`` (16), exactly as the pathway reads
        it (``hooks.pathway.under_age``); None for an adult or a patient with no birth date. The
        checks that rest on the adult pathway (``OrderCheck.adult_pathway``) are not applied then."""
        return pathway_under_age(self.pathway)

    @cached_property
    def radicular(self) -> tuple[ConditionFact, ...]:
        """Current lumbar radicular conditions and post-laminectomy syndrome (sciatica on record)."""
        return (*self.pathway.radicular_conditions, *self.pathway.fbss_conditions)

    @property
    def radicular_refs(self) -> tuple[str, ...]:
        """References of the gate conditions (reasonReference of created orders)."""
        return self.pathway.reason_refs

    @cached_property
    def onset(self) -> tuple[date, ConditionFact] | None:
        """Earliest onset (or recorded date) of the radicular conditions (§1.1.6), as the pathway dates it."""
        c, d = self.pathway.onset_condition, self.pathway.onset
        return (d, c) if c is not None and d is not None else None

    @property
    def duration_days(self) -> int | None:
        return self.pathway.symptom_days

    @cached_property
    def course(self) -> Course | None:
        """How long this complaint has lasted: from the earliest onset of the radicular conditions
        (``duration_days``). When the condition gives no onset of its own (only its recordedDate,
        ``PathwayContext.dated_by_record``), from the first lumbar epidural injection, physiotherapy
        or lumbar operation of the current episode (``in_episode``: the year before the record) when
        that is earlier — a condition recorded days ago does not make a complaint treated for months
        new. None when neither is on record."""
        p = self.pathway
        found: list[tuple[date, bool, tuple[Fact, ...]]] = []
        anchor = p.duration_anchor
        if anchor is not None:
            found.append((anchor, False, (p.onset_fact(),)))
            if not p.dated_by_record:
                # an onset of its own is when the symptoms began: earlier treatment (a shoulder's
                # physiotherapy, an operation years ago) does not make them older
                return Course(
                    anchor, (self.today - anchor).days, (p.onset_fact(),), False, p.duration_anchor_text
                )
        for what, done in (
            ("lumbar epidural injection", p.esis),
            ("physiotherapy", p.episode_physiotherapy),
            ("lumbar spine surgery", tuple(q for q in p.surgeries if p.in_episode(q.performed))),
        ):
            dated = sorted((q for q in done if q.performed and q.performed <= self.today), key=_performed)
            if not dated:
                continue
            first = dated[0]
            when = first.performed
            assert when is not None
            weeks = (self.today - when).days // 7
            fact = Fact(
                f"first {what} on record: {first.text or what} on {first.performed_text or when} "
                f"({weeks} weeks ago); the duration counts from this earlier treatment, not from the "
                "onset recorded on the condition",
                first.ref,
                short=f"first {what} {when.isoformat()}",
            )
            found.append((when, True, (fact, p.onset_fact()) if anchor is not None else (fact,)))
        if not found:
            return None
        start, treated, facts = min(found, key=lambda f: (f[0], f[1]))
        said = p.duration_anchor_text if not treated else None
        return Course(start, (self.today - start).days, facts, treated, said)

    def cond(self, c: ConditionFact, what: str, *, short_what: str | None = None) -> Fact:
        """A condition as a card names it: "<what>: <text> since <onset>", with its reference;
        ``short_what`` stands for ``what`` in the short form (the card's summary says the rest). A
        red flag recognised from its words says so, as on the pathway's cards (``flag_fact``)."""
        from hooks.pathway.rules.red_flags import flag_fact

        fact = flag_fact(self.pathway, c, f"{what}: ")
        if short_what is None or fact.short is None:
            return fact
        return replace(fact, short=f"{short_what}: {fact.short.removeprefix(f'{what}: ')}")

    def onset_fact(self) -> Fact | None:
        return self.pathway.onset_fact() if self.onset else None

    # ----------------------------------------------------------------- red flags (R1-R3)
    @cached_property
    def red_flags(self) -> tuple[RedFlag, ...]:
        """Active red flags, detected exactly as the pathway's R1-R3 rules detect them."""
        from hooks.pathway.rules import red_flags as rf

        p = self.pathway
        flags: list[RedFlag] = []
        # the summary names the flag: a short form that says "red flag" and the finding is enough
        ces = [
            self.cond(c, "red flag, cauda equina syndrome", short_what=RED_FLAG)
            for c in rf.cauda_equina_diagnoses(p)
        ]
        if rf.has_spinal_diagnosis(p):
            ces += [
                self.cond(c, "red flag, new sphincter or saddle symptom with a lumbar diagnosis",
                          short_what=RED_FLAG)
                for c in rf.strong_sphincter_or_saddle_symptoms(p)
            ]  # fmt: skip
            # both legs said as the record says them ("new weakness of both legs"), not as the display
            # of the code they were written under ("Other symptoms and signs involving the
            # musculoskeletal system"), as the pathway's R1 card says them
            ces += [
                _bilateral(self.cond(c, "red flag, new bilateral leg symptom with a lumbar diagnosis"),
                           rf.bilateral_fact(p, c))
                for c in rf.new_bilateral_leg_symptoms(p)
                if c not in rf.strong_sphincter_or_saddle_symptoms(p)
            ]  # fmt: skip
            # weakness of both legs shown by strength scores (a score each side, or a score and a
            # new foot drop), as the pathway's R1 reads it
            ces += [rf.scored_weakness_fact(p, x) for x in rf.scored_weakness(p)]
        if ces:
            flags.append(RedFlag("cauda_equina", "suspected cauda equina syndrome", tuple(ces)))
        motor = rf.motor_deficit_conditions(p)
        decline = rf.strength_decline(p)
        weak = rf.weak_muscles(p)
        if motor or decline is not None or weak:
            new = [c for c in motor if rf.is_new(p, c)]
            facts = [
                self.cond(c, "red flag, new motor deficit" if c in new else "red flag, motor deficit")
                for c in motor
            ]
            if decline is not None:
                facts.append(decline.fact())
            listed = {r for f in facts for r in f.refs}
            facts += [rf.weak_muscle_fact(o) for o in weak if o.ref not in listed]
            # a first score of MRC 2 or less this fortnight is a new severe deficit, as a new foot drop is
            if (decline is not None and decline.progressing) or new or rf.new_severe_weakness(p):
                flags.append(RedFlag("motor_progressive", "new or progressive motor deficit", tuple(facts)))
            else:
                flags.append(RedFlag("motor_stable", "stable motor deficit", tuple(facts)))
        for kind, found, label in (
            ("malignancy", rf.malignancy_flags(p), "suspected malignancy"),
            ("infection", rf.suspected_infection(p), "suspected spinal infection"),
            ("fracture", rf.fracture_flags(p), "suspected vertebral fracture"),
        ):
            if found:
                facts = [
                    # a cancer history (Z85) is a red flag, not a cancer found: named as what it is
                    self.cond(c, "red flag, cancer history", short_what=RED_FLAG)
                    if kind == "malignancy" and p.matches("cancer_history", c.codings)
                    else self.cond(c, f"red flag, {label}", short_what=RED_FLAG)
                    for c in found
                ]
                flags.append(RedFlag(kind, label, tuple(facts)))
        worse = rf.worsening_after_procedure(p)
        if worse is not None and not any(f.kind == "infection" for f in flags):
            fact = rf.worsening_facts(p, worse)[0]
            label = "suspected spinal infection"
            shown = Fact(
                f"red flag, {label}: {fact.text}",
                fact.ref,
                fact.also,
                short=f"{label}: {fact.brief}",
            )
            flags.append(RedFlag("infection", label, (shown,)))
        return tuple(flags)

    def flag(self, kind: str) -> RedFlag | None:
        return next((f for f in self.red_flags if f.kind == kind), None)

    @property
    def emergency_flags(self) -> tuple[RedFlag, ...]:
        return tuple(f for f in self.red_flags if f.emergency)

    # ----------------------------------------------------------------- procedures
    def completed(self, value_set: str) -> tuple[ProcedureFact, ...]:
        """Completed Procedures in the value set, oldest first, as the pathway reads them."""
        return self.pathway.procedures(value_set)

    # ----------------------------------------------------------------- pain severity (E2)
    def latest(self, kind: str) -> ObservationFact | None:
        """The latest observation of a kind (pain, odi, ...), as the pathway reads it."""
        return self.pathway.latest(kind)

    def severe_pain(self) -> bool:
        """Severe, disabling pain as the pathway grades it for E2 (NRS ≥ 7 with ODI ≥ 40; one score
        must exist, a missing one does not argue against severity)."""
        from hooks.pathway.rules.acute import is_severe

        return is_severe(self.pathway)

    # ----------------------------------------------------------------- medications
    def draft_drugs(self, value_set: str, *, exclude: DraftOrder | None = None) -> tuple[DraftOrder, ...]:
        return tuple(
            o
            for o in self.orders
            if o is not exclude and o.resource_type == "MedicationRequest" and self.drug_is(o, value_set)
        )

    # ----------------------------------------------------------------- other orders in the session
    def first_judged(self, order: DraftOrder, *value_sets: str) -> bool:
        """Whether ``order`` is the first judged order in these value sets: advice that concerns the
        whole session (an emergency MRI, a psychological evaluation) is offered once, on that card."""
        for o in self.judged:
            if self.term.matches_any(value_sets, o.all_codings) is not None:
                return o is order
        return False

    def other_orders(self, order: DraftOrder, value_set: str) -> tuple[DraftOrder, ...]:
        return tuple(o for o in self.orders if o is not order and self.order_is(o, value_set))
