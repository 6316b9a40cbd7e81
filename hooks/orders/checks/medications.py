"""Check 9 — opioid, gabapentinoid and oral corticosteroid prescriptions for radicular pain.

``order.opioid-risk`` (decision model M1)
When: an opioid MedicationRequest (``rx_opioids``, by ingredient code or name) is drafted and any of:
      (a) the order continues an opioid course (prescriptions ≤ 30 days apart chained, as the
      pathway's M1 counts them) longer than ``long_term_opioid_days`` (90), or long-term opioid
      use / opioid use disorder is on record (``opioid_risk_conditions``);
      (b) the total MME/day of this order plus other drafted and current opioids is
      ≥ ``high_mme_per_day`` (50), converted with the CDC 2022 factors in
      ``hooks/data/mme_conversion.json``; a dose in tablets, mL or patches of an RxNorm clinical drug
      (the Sandbox sends only its code and name) takes the strength per unit from the shipped opioid
      drug table, else from the RxNorm name (``hooks.clinical_drugs``);
      (c) a benzodiazepine (``rx_benzodiazepine_class``) is current or drafted in the same session;
      (d) a gabapentinoid (``rx_gabapentinoids``) is current or drafted in the same session, whatever
      it is for (CDC 2022: weigh opioids with other central nervous system depressants); for (c) and
      (d), with none current, an old order still marked active and never stopped counts too, named
      to confirm it is still taken (as the NSAID check names a stale partner);
      (e) the order is tramadol and an SNRI or tricyclic (``rx_antidepressants_neuropathic``:
      duloxetine, venlafaxine, amitriptyline, nortriptyline, desipramine) or an SSRI (``rx_ssri``:
      sertraline, fluoxetine, citalopram, escitalopram, paroxetine, fluvoxamine) is current or
      drafted: serotonin syndrome and seizure risk (tramadol prescribing information).
      (f) opioid use disorder in remission is on record (``opioid_use_disorder_in_remission``) and
      no MOUD is current: relapse and overdose risk (CDC 2022 recommendation 8); (g) opioid use
      disorder in force (``opioid_use_disorder_diagnoses``) with no MOUD current: the card says so
      first, offers OUD treatment (buprenorphine or methadone, CDC 2022 recommendation 12) and naloxone.
Then: warning; reassess benefit and harm, taper rather than stop abruptly, avoid benzodiazepine
      co-prescription, offer naloxone (suggested as a draft MedicationRequest when (b), (c), (d), (f)
      or (g)).
      With a benzodiazepine the first step is to avoid the combination: a benzodiazepine drafted in
      the same session is suggested for removal, beside naloxone (both recommended, selectionBehavior
      "any"). With a gabapentinoid the card names both drugs: start low, watch for respiratory
      depression and sedation, offer naloxone. When only (d) or (e) fires: warning on order-sign,
      info on order-select.
Evidence: CDC 2022 (recommendations 5, 6, 8, 11); NICE NG59 (no opioids for chronic sciatica).
When the MME/day cannot be computed and nothing else fires: info card saying so, with the reason
      (dose, frequency or strength not given, or no CDC factor), never silence.

``order.opioid-er-naive`` (decision model M1, §7.6)
When: an extended-release or long-acting opioid (extended-release or transdermal clinical drug, a
      "12 HR"/"24 HR" release form, methadone, or a dose in mcg/h) is drafted for an opioid-naive
      patient: no opioid current or taken within ``opioid_naive_days`` (90); an opioid drafted in the
      same session does not make the patient tolerant. Not judged when the medication history could
      not be read.
Then: warning; start with an immediate-release opioid instead; removing the draft is offered.
Evidence: CDC 2022 (recommendation 3).

``order.benzodiazepine-with-opioid`` (decision model M1)
When: a benzodiazepine is drafted while the patient takes an opioid (current in the history) and no
      opioid is drafted in this session (a drafted opioid carries the co-prescription on its own card).
Then: warning; avoid the combination and offer naloxone: removing the benzodiazepine and naloxone
      are suggested together (both recommended, selectionBehavior "any").
Evidence: CDC 2022 (recommendations 8, 11).

``order.gabapentinoid-with-opioid`` (decision model M2)
When: a gabapentinoid is drafted while the patient takes an opioid (current in the history, or
      drafted in this session and not judged by this hook), whatever the gabapentinoid is for; not
      when a drafted opioid judged by this hook carries the co-prescription on its own card (above).
Then: warning on order-sign, info on order-select, naming both drugs: start the gabapentinoid low
      and increase slowly, watch for respiratory depression and sedation; naloxone is suggested
      (recommended).
Evidence: CDC 2022 (recommendations 8, 11: opioids with other central nervous system depressants).

``order.antidepressant-with-tramadol`` (decision model M1, M2)
When: an SNRI, tricyclic (``rx_antidepressants_neuropathic``) or SSRI (``rx_ssri``) is drafted
      while the patient takes tramadol (current in the history, or drafted in this session and not
      judged by this hook); not when a drafted tramadol judged by this hook carries the combination
      on its own card ((e) above).
Then: warning on order-sign, info on order-select, naming both drugs: serotonin syndrome and seizure
      risk (tramadol prescribing information). Tramadol is for acute rescue (NICE CG173), and
      amitriptyline and duloxetine (``rx_neuropathic_first_line_antidepressants``), no other, are
      named its first choices for nerve pain: review whether tramadol is still needed; if both
      continue, start low and watch for agitation, tremor, sweating and fever. No suggestion: the
      recorded tramadol is reviewed with its prescriber.
Evidence: NICE CG173.

``order.nsaid-co-prescription``
When: an NSAID (``rx_nsaids``; not aspirin with no dose above ``low_dose_aspirin_mg`` stated) is
      drafted while the patient takes, or has drafted in this session, an anticoagulant or an
      antiplatelet other than aspirin (``rx_anticoagulants``, ``rx_p2y12_inhibitors``,
      ``rx_antiplatelets_other``) or another NSAID (a different ingredient; low-dose aspirin does not
      count: it is usually cardioprotective), or while the record shows what rules an NSAID out
      (``hooks.pathway.rules.acute.nsaid_harms``; not for a topical NSAID): the latest eGFR of the
      past year below 30 mL/min/1.73 m², chronic kidney disease stage 4-5 or dialysis, a peptic ulcer
      or upper GI bleed, heart failure. Aspirin alone never fires it.
Then: warning naming the drugs and the findings with their dates: prefer another analgesic
      (bleeding; kidney injury; GI bleeding; worsening heart failure; two NSAIDs add GI and kidney
      harm); without such a finding, if an NSAID is essential, the lowest dose for the shortest time
      with gastroprotection. The patient's age is a fact on the card from ``nsaid_caution_age_years``
      (75). Removing the draft is offered (recommended with an anticoagulant, an antiplatelet or a
      finding that rules an NSAID out). In pregnancy it is the order's one card on the NSAID
      (``order.pregnancy-nsaid`` defers to it): from 20 weeks, or with the weeks unknown, its summary
      names the pregnancy with the drug, it says to avoid NSAIDs (FDA 2020), an essential NSAID is
      agreed with the obstetric team, another current NSAID is to be stopped too, and removing the
      draft is recommended; before 20 weeks an essential NSAID ends before them, with gastroprotection
      other than misoprostol; the pregnancy, its weeks and the FDA advice are on the card at any stage
      (``hooks.orders._mark_pregnancy``). Partners too many to name in the summary are counted there
      ("with 5 other drugs"), each still a fact on the card.
Evidence: NICE NG59 (oral NSAIDs: weigh GI, liver and cardio-renal toxicity and risk factors,
      including age; lowest effective dose, shortest time, gastroprotection); KDIGO 2012 (avoid NSAIDs
      below an eGFR of 30); ACG 2009 (NSAID-related ulcer complications); AHA/ACC/HFSA 2022 (NSAIDs
      worsen heart failure).

``order.opioid-with-moud`` (decision model §7.2)
When: an opioid other than the patient's MOUD is drafted while the patient takes medication for opioid
      use disorder (buprenorphine or methadone for OUD, naltrexone). A MOUD order itself gets no card.
Then: warning instead of ``order.opioid-risk``; coordinate with the MOUD prescriber; continue MOUD.
Evidence: CDC 2022 (recommendation 12).

``order.gabapentinoid-sciatica`` and ``order.oral-steroid-sciatica`` (decision model M2, M3, §1.3)
When: a gabapentinoid (``rx_gabapentinoids``) or a systemic corticosteroid by a route that is not an
      injection (``rx_systemic_corticosteroids``) is drafted for a patient with a current lumbar
      radicular condition; a gabapentinoid whose reason or a current condition names another
      indication (epilepsy, diabetic neuropathy, post-herpetic neuralgia ...) is not for sciatica.
Then: info card showing the evidence conflict: NICE CG173 (neuropathic agents for neuropathic pain)
      and a trial of oral prednisone (Goldberg, JAMA 2015) support them; PRECISE (pregabalin no
      better than placebo) and NICE NG59 (do not offer gabapentinoids or oral corticosteroids for
      sciatica) do not. Reassess at 4-8 weeks; taper if no
      ≥ 30 %/2-point benefit.
      The corticosteroid card applies the same other-indication test with
      ``oral_steroid_other_indications`` (adrenal insufficiency, hypopituitarism, congenital adrenal
      hyperplasia, polymyalgia rheumatica, giant cell arteritis, rheumatoid arthritis, lupus,
      dermatomyositis, sarcoidosis, recorded long-term steroid use), and is not shown for a renewal of
      the same corticosteroid taken longer than a course (``oral_steroid_recent_days``: a continuous
      course that long, or a prescription started that long ago and not ended): stopping long-term
      glucocorticoids risks adrenal crisis. Nor is it shown for a burst drafted with a reason that is
      not the spine (asthma, COPD, gout: ``prescribed_for_something_else``, as M3 reads a recorded one).
Evidence: NICE NG59; PRECISE 2017 (Mathieson, NEJM).

Age: the two sciatica evidence-conflict notes (``order.gabapentinoid-sciatica``,
``order.oral-steroid-sciatica``) weigh adult evidence of benefit and are not shown for a patient
under 16; the opioid, benzodiazepine, gabapentinoid-with-opioid, antidepressant-with-tramadol, NSAID
co-prescription, MOUD and steroid-with-infection cards are drug safety and are shown at any age
(``OrderCheck.adult_pathway``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, Action, CardDraft, Conflict, Fact, SuggestionDraft
from hooks.clinical_drugs import (
    LONG_ACTING_INGREDIENTS,
    ClinicalDrug,
    MmeResult,
    is_extended_release_or_long_acting,
)
from hooks.conflicts import GABAPENTINOIDS, ORAL_STEROIDS
from hooks.facts import MG_UNITS, DraftOrder, MedicationFact
from hooks.mme import RXNORM, dose_clinical_drug, dose_mme
from hooks.orders.common import OrderCheck, card, create, delete, reason_refs
from hooks.orders.context import OrderContext, RedFlag
from hooks.pathway import age_years
from hooks.pathway.context import ENDED_MED_STATUSES
from hooks.pathway.pregnancy import NSAID_WEEKS
from hooks.pathway.rules.acute import nsaid_harms, nsaids_or_caution
from hooks.pathway.rules.medication import (
    BENZODIAZEPINE_INDICATIONS,
    STEROID_INDICATIONS,
    continuous_course_days,
    counted_opioids,
    opioid_mme,
    other_indication,
    prescribed_for_something_else,
    prescription_key,
)
from hooks.rule import CRITICAL, INFO, INFO_OR_WARNING, Rule, order_rule
from hooks.terminology import Coding, Terminology
from hooks.text import MG_DOSE, NOT_ORAL_ROUTE, TOPICAL, ingredients_named, names
from hooks.thresholds import pct

RULE_OPIOID_DECL: Rule = order_rule(
    "order.opioid-risk", "Opioid prescribing risk", "M1", ("cdc_opioids_2022", "nice_ng59"), INFO_OR_WARNING
)
RULE_GABAPENTINOID_DECL: Rule = order_rule(
    "order.gabapentinoid-sciatica",
    "Gabapentinoid for sciatica: evidence conflict",
    "M2",
    ("nice_ng59", "precise_2017"),
    INFO,
)
RULE_STEROID_DECL: Rule = order_rule(
    "order.oral-steroid-sciatica",
    "Oral corticosteroid for sciatica: evidence conflict",
    "M3",
    ("nice_ng59",),
    INFO,
)
RULE_STEROID_INFECTION_DECL: Rule = order_rule(
    "order.steroid-suspected-infection",
    "Corticosteroid while a spinal infection is suspected",
    "R3",
    ("acr_lbp_2021",),
    CRITICAL,
)
RULE_BENZO_DECL: Rule = order_rule(
    "order.benzodiazepine-with-opioid", "Benzodiazepine with a current opioid", "M1", ("cdc_opioids_2022",)
)
RULE_MOUD_DECL: Rule = order_rule(
    "order.opioid-with-moud",
    "Opioid for a patient on treatment for opioid use disorder",
    "M1",
    ("cdc_opioids_2022",),
)
RULE_ER_NAIVE_DECL: Rule = order_rule(
    "order.opioid-er-naive",
    "Extended-release opioid for an opioid-naive patient",
    "M1",
    ("cdc_opioids_2022",),
)
RULE_GABAPENTINOID_OPIOID_DECL: Rule = order_rule(
    "order.gabapentinoid-with-opioid",
    "Gabapentinoid with an opioid",
    "M2",
    ("cdc_opioids_2022",),
    INFO_OR_WARNING,  # warning on order-sign, info on order-select
)
RULE_TRAMADOL_SEROTONERGIC_DECL: Rule = order_rule(
    "order.antidepressant-with-tramadol",
    "Serotonergic antidepressant with tramadol",
    "M1",
    ("nice_cg173",),
    INFO_OR_WARNING,  # warning on order-sign, info on order-select
)
RULE_NSAID_DECL: Rule = order_rule(
    "order.nsaid-co-prescription",
    "NSAID with a bleeding, kidney, ulcer or heart-failure risk, or another NSAID",
    "order.nsaid-co-prescription",
    ("nice_ng59", "kdigo_ckd_2012", "acg_nsaid_ulcer_2009", "aha_hf_2022"),
)
RULES = (
    RULE_OPIOID_DECL,
    RULE_GABAPENTINOID_DECL,
    RULE_STEROID_DECL,
    RULE_BENZO_DECL,
    RULE_MOUD_DECL,
    RULE_ER_NAIVE_DECL,
    RULE_STEROID_INFECTION_DECL,
    RULE_GABAPENTINOID_OPIOID_DECL,
    RULE_TRAMADOL_SEROTONERGIC_DECL,
    RULE_NSAID_DECL,
)
(
    RULE_OPIOID,
    RULE_GABAPENTINOID,
    RULE_STEROID,
    RULE_BENZO,
    RULE_MOUD,
    RULE_ER_NAIVE,
    RULE_STEROID_INFECTION,
    RULE_GABAPENTINOID_OPIOID,
    RULE_TRAMADOL_SEROTONERGIC,
    RULE_NSAID,
) = (r.id for r in RULES)

# An anticoagulant or an antiplatelet other than aspirin, as a card names its class.
BLEEDING_CLASSES: tuple[tuple[str, str], ...] = (
    ("rx_anticoagulants", "anticoagulant"),
    ("rx_p2y12_inhibitors", "P2Y12 inhibitor"),
    ("rx_antiplatelets_other", "antiplatelet"),
)


def order_mme(ctx: OrderContext, order: DraftOrder) -> float | None:
    """MME/day of an opioid order, or None when it cannot be computed (see ``order_mme_result``)."""
    return order_mme_result(ctx, order).mme_per_day


def order_mme_result(ctx: OrderContext, order: DraftOrder) -> MmeResult:
    """MME/day of an opioid order with the CDC 2022 factors, or why it cannot be computed
    (``hooks.mme.dose_mme``, as M1 computes it for the record): a dose stated in mg (or mcg/h for a
    patch) of a known ingredient directly; otherwise the strength per tablet, capsule, mL or patch of
    the RxNorm clinical drug and the dose in those units × doses per day."""
    member = ctx.drug_is(order, "rx_opioids")
    if member is None:
        return MmeResult(None, reason=f"{order.text} is not a recognised opioid")
    return dose_mme(member.display.lower(), order.all_codings, order.text, order.doses, order.daily_dose_mg())


def order_clinical_drug(order: DraftOrder) -> ClinicalDrug | None:
    """The order's RxNorm clinical drug: by code from the opioid drug table, else read from a name."""
    return dose_clinical_drug(order.all_codings, order.text)


def naloxone_offer(ctx: OrderContext) -> tuple[SuggestionDraft, ...]:
    """Naloxone to create, pre-selected; nothing when a current naloxone prescription is on record
    (a second would be a duplicate order; ``PathwayContext.rescue_naloxone``)."""
    if ctx.pathway.rescue_naloxone:
        return ()
    return (naloxone_suggestion(ctx.term, ctx.inp.patient_id, recommended=True),)


def naloxone_suggestion(term: Terminology, patient_id: str, recommended: bool) -> SuggestionDraft:
    coding = term.first("order_naloxone").coding()
    resource = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": {
            "coding": [coding.as_fhir()],
            "text": "Naloxone (opioid overdose reversal)",
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "note": [
            {"text": "Offered with a high opioid dose, or with a benzodiazepine or gabapentinoid (CDC 2022)."}
        ],
    }
    return SuggestionDraft(
        label=sx.NALOXONE.label,  # as the chart's cards name it
        actions=(Action("create", "Create a draft prescription: naloxone", resource=resource),),
        is_recommended=recommended,
    )


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if order.resource_type != "MedicationRequest":
        return []
    if ctx.drug_is(order, "rx_opioids") is not None:
        if order_is_moud(ctx, order):  # never judged as pain therapy, nor flagged for removal
            return _opioid(ctx, order)
        return _one_card_on_starting(ctx, _opioid(ctx, order), _er_la_in_opioid_naive(ctx, order))
    if ctx.drug_is(order, "rx_benzodiazepine_class") is not None:
        return _benzodiazepine(ctx, order)
    if ctx.drug_is(order, "rx_gabapentinoids") is not None:
        return _gabapentinoid(ctx, order)
    if ctx.drug_is(order, "rx_systemic_corticosteroids") is not None:
        return _steroid(ctx, order)
    if ctx.drug_is(order, "rx_nsaids") is not None:
        return _nsaid(ctx, order)
    if _serotonergic_antidepressant(ctx, order) is not None:
        return _antidepressant_with_tramadol(ctx, order)
    return []


def _one_card_on_starting(ctx: OrderContext, risk: list[CardDraft], er: list[CardDraft]) -> list[CardDraft]:
    """An extended-release, long-acting or transdermal opioid for an opioid-naive patient draws one
    card, not two: when the opioid-risk card says nothing but the starting dose (``_dose_only``: at
    or above the high MME/day, or not computable), its dose fact and its naloxone offer join the
    extended-release card, whose advice (remove it; start with a low-dose immediate-release opioid)
    already covers it. A co-prescription or an opioid use disorder keeps its own card."""
    if not (er and risk and _dose_only(ctx, risk[0])):
        return [*risk, *er]
    dose = risk[0]
    # its naloxone offer comes along, offered but not pre-selected beside the removal the card
    # recommends: if the prescriber goes ahead at a high dose, naloxone is still offered (CDC 2022
    # recommendation 8)
    suggestions = (*er[0].suggestions, *(replace(x, is_recommended=False) for x in dose.suggestions))
    return [
        replace(
            er[0],
            why=(*er[0].why, *dose.why[1:]),
            gaps=(*er[0].gaps, *dose.gaps),
            suggestions=suggestions,
            selection_behavior="any" if len(suggestions) > 1 else er[0].selection_behavior,
        )
    ]


def _dose_only(ctx: OrderContext, c: CardDraft) -> bool:
    return c.rule_id == RULE_OPIOID and c.summary in (_high_start_summary(ctx), _not_checked_summary(ctx))


def _high_start_summary(ctx: OrderContext) -> str:
    return (
        f"Opioid start at ≥ {ctx.t.high_mme_per_day:g} MME/day for an opioid-naive patient: start lower; "
        "offer naloxone (CDC 2022)"
    )


def _not_checked_summary(ctx: OrderContext) -> str:
    limit = f"{ctx.t.high_mme_per_day:g}"
    return f"Opioid dose not checked: MME/day could not be computed; confirm it is below {limit} MME/day " + (
        "(CDC 2022)"
    )


@dataclass(frozen=True)
class Partner:
    """A drug the patient takes now, or has drafted in this session, beside the draft order."""

    name: str  # the ingredient as its value set names it ("apixaban"), else the record's text
    code: str | None  # that member's code
    fact: Fact
    record: MedicationFact | None = None  # the history's record, for current therapy
    drafted: DraftOrder | None = None  # the draft order, for a drug drafted in this session


def taken_with(
    ctx: OrderContext, order: DraftOrder, value_set: str, label: str, *, stale_too: bool = False
) -> list[Partner]:
    """Current therapy in ``value_set`` (not ended, not stale) and drugs of it drafted in this session
    other than ``order``, as a card names them ("naproxen 500 mg tablet: current NSAID").
    ``stale_too``: an order of years ago still marked active counts as well when nothing of the value
    set is current, named to confirm (a bleeding risk is not assumed away because a record was never
    renewed)."""
    out: list[Partner] = []
    recorded = ctx.pathway.medications(value_set)
    # an old order counts only when nothing of its class is current: a newer drug replaced it
    stale_too = stale_too and not any(ctx.pathway.is_active_med(m) for m in recorded)
    for m in recorded:
        stale = stale_too and ctx.pathway.is_stale_order(m)
        if ctx.pathway.is_active_med(m) or stale:
            hit = ctx.term.match(value_set, (*m.codings, *m.ingredient_codings))
            name, code = (hit.display, hit.code) if hit is not None else (m.text, None)
            said = f"{label}, order of {m.start} still marked active: confirm it is taken" if stale else (
                f"current {label}"
            )
            short = f"{name}: {label}, old order, confirm" if stale else f"{name}: {label}"
            out.append(Partner(name, code, Fact(f"{m.text}: {said}", m.ref, short=short), record=m))
    for o in ctx.draft_drugs(value_set, exclude=order):
        member = ctx.drug_is(o, value_set)
        name, code = (member.display, member.code) if member is not None else (o.text, None)
        fact = Fact(
            f"{o.text}: {label} drafted in this session", o.ref or None, short=f"{name}: {label}, drafted"
        )
        out.append(Partner(name, code, fact, drafted=o))
    return out


def listed(partners: Sequence[Partner]) -> str:
    """The partners' names, each once: "apixaban, naproxen"."""
    return ", ".join(dict.fromkeys(p.name for p in partners))


def order_is_moud(ctx: OrderContext, order: DraftOrder) -> bool:
    """The drafted order is itself treatment for opioid use disorder (decision model §7.2): by its
    formulation, or buprenorphine/methadone/naltrexone beside an opioid use disorder diagnosis. An
    order sent with only its name ("Buprenorphine-naloxone 8 mg-2 mg sublingual film") is read by the
    ingredients it names, as the history's prescriptions are read."""
    named = ingredients_named(ctx.term, order.text, *(c.display for c in order.all_codings))
    return ctx.pathway.is_moud(order.as_medication(ctx.today, (*table_ingredients(order), *named)))


def table_ingredients(order: DraftOrder) -> tuple[Coding, ...]:
    """The RxNorm ingredients of an order coded only by its clinical drug (as the Sandbox sends it),
    from the shipped opioid drug table, so ingredient value sets (MOUD) recognise it."""
    drug = order_clinical_drug(order)
    if drug is None:
        return ()
    return tuple(Coding(RXNORM, s.code, s.ingredient) for s in drug.ingredients if s.code)


def _moud_coordination(ctx: OrderContext, order: DraftOrder) -> list[CardDraft] | None:
    """An opioid order for a patient on MOUD (decision model §7.2): None when the patient is not on
    MOUD; no card when the order is itself MOUD (a renewal is not escalation); otherwise a warning to
    coordinate with the MOUD prescriber instead of the ordinary opioid-risk card."""
    if order_is_moud(ctx, order):
        return []
    moud = ctx.pathway.moud
    if not moud:
        return None
    return [
        card(
            RULE_MOUD, "Opioid for a patient on treatment for opioid use disorder", order,
            indicator="warning",
            summary="Opioid for a patient on treatment for opioid use disorder: coordinate with the MOUD "
            "prescriber first",
            why=(
                *(ctx.pathway.med_fact(m, "treatment for opioid use disorder: ") for m in moud),
                *(ctx.pathway.cond_fact(c) for c in ctx.pathway.oud_conditions[:1]),
            ),
            next_steps=(
                "Agree any full-agonist opioid and the acute pain plan with the MOUD prescriber before "
                "signing.",
                "Continue the treatment for opioid use disorder; do not stop it for pain control (CDC "
                "2022 recommendation 12).",
            ),
            avoid=("A full-agonist opioid without the MOUD prescriber; stopping or tapering MOUD.",),
            evidence=("cdc_opioids_2022",),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
        )
    ]  # fmt: skip


def _old_moud_orders(ctx: OrderContext) -> list[Fact]:
    """MOUD orders never closed (still marked active, nothing newer), with no current MOUD. They are no
    current treatment to coordinate as such (a patient who left treatment has lost tolerance), nor
    nothing (programmes dispense outside the EHR, so the record lags): the opioid card names them, to
    confirm with their prescriber, and keeps its other advice."""
    return [
        Fact(
            f"{m.text}: MOUD order of {m.start} still marked active with nothing newer: confirm with its "
            "prescriber whether it continues",
            m.ref,
            short=f"{m.text}: old MOUD order, confirm",
        )
        for m in ctx.pathway.stale_orders("rx_moud")
        if ctx.pathway.is_moud(m)
    ]


def _opioid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    moud = _moud_coordination(ctx, order)
    if moud is not None:
        return moud
    why: list[Fact] = []
    gaps: list[str] = list(ctx.unavailable_gaps("medicationRequests", "medicationStatements"))
    # (a) long-term use: the continuous course this order would extend (runs ≤ 30 days apart
    # chained, as the pathway's M1 counts it), counting the draft as a prescription starting today.
    history_opioids = ctx.pathway.medications("rx_opioids")
    days = continuous_course_days(ctx.pathway, (*history_opioids, order.as_medication(ctx.today)))
    long_term = days > ctx.t.long_term_opioid_days
    if long_term:
        earlier = [m for m in history_opioids if m.start is not None]
        first = earlier[0] if earlier else None
        why.append(
            Fact(
                f"this order continues an opioid course of {days} days (since "
                f"{first.start if first else ctx.today})",
                first.ref if first else None,
            )
        )
    risk = ctx.current_conditions("opioid_risk_conditions")
    # opioid use disorder in force with no current MOUD (``_moud_coordination`` answered otherwise)
    untreated = [c for c in risk if ctx.pathway.matches("opioid_use_disorder_diagnoses", c.codings)]
    for c in risk:
        long_term = True
        why.append(
            ctx.cond(c, "opioid use disorder, no current MOUD on record")
            if c in untreated
            else ctx.cond(c, "long-term opioid use on record")
        )
    # opioid use disorder in remission, or no longer in force (no MOUD, or ``_moud_coordination`` would
    # have answered): an opioid prescription risks relapse and overdose (CDC 2022 recommendation 8)
    # in any clinical status (remission, inactive, resolved); not refuted
    remission = [c for c in ctx.pathway.oud_history if c not in risk]
    why += [
        ctx.cond(c, "opioid use disorder in remission" if c.clinical_status in (None, "active", "remission")
                 else f"opioid use disorder on record ({c.clinical_status})")
        for c in remission
    ]  # fmt: skip
    old_moud = _old_moud_orders(ctx)
    why += old_moud
    # (b) MME/day
    mme_result = order_mme_result(ctx, order)
    mme = mme_result.mme_per_day
    high = False
    if mme is None:
        gaps.append(f"MME/day of this order could not be computed: {mme_result.reason}.")
    else:
        # the session's drafts in the order they were drafted, named alike on each opioid's card, so
        # that two opioids drafted together draw one card (``_one_card_per_session``), not two
        total, parts = 0.0, []
        drafts = ctx.draft_drugs("rx_opioids")
        for other in drafts:
            om = mme if other is order else order_mme(ctx, other)
            if om:
                total += om
                parts.append(f"{'this order' if len(drafts) == 1 else other.ref} {om:g}")
        # a current order of the same drug, words and dose is the one this order renews, and of one
        # prescription written twice on record the latest counts: neither is a second dose
        drafted = prescription_key(order.codings, order.text, mme)
        current = counted_opioids(ctx.pathway, ctx.pathway.medications("rx_opioids"))
        # the orders this session's drafts replace (``priorPrescription``: a dose change), and one of
        # the same drug already stopped, its supply still running: the draft is its new dose
        replaced = {o.replaces for o in drafts if o.replaces}
        drafted_med = order.as_medication(ctx.today)
        for m in ctx.pathway.medications("rx_opioids"):
            stopped_for = m.status in ENDED_MED_STATUSES and ctx.pathway.same_drug(m, drafted_med)
            if not ctx.pathway.is_active_med(m) or m.ref == order.ref or m.ref in replaced or stopped_for:
                continue  # not current, this very order (re-signed, also in the prefetch), or replaced
            mm = current.get(m)
            if mm is not None:
                if prescription_key(m.codings, m.text, mm) != drafted:
                    total += mm
                    parts.append(f"{m.ref} {mm:g}")
            elif opioid_mme(ctx.pathway, m).mme_per_day is None and not ctx.pathway.is_moud(m):
                # a current opioid the total cannot hold: said, never counted as zero
                why_not = opioid_mme(ctx.pathway, m).reason
                gaps.append(f"MME/day of {m.text} could not be computed ({why_not}): not in the total.")
        if total >= ctx.t.high_mme_per_day:
            high = True
            # the parts named only when there is more than this order to add up
            summed = f" ({' + '.join(parts)})" if len(parts) > 1 else ""
            why.append(
                Fact(
                    f"{total:g} MME/day{summed} ≥ {ctx.t.high_mme_per_day:g} (CDC 2022 factors)",
                    # what decides the card, whole: the total against the threshold
                    short=f"{total:g} MME/day in all (≥ {ctx.t.high_mme_per_day:g}, CDC 2022)",
                )
            )
    # (c) benzodiazepine
    benzo_drafts = ctx.draft_drugs("rx_benzodiazepines", exclude=order)
    benzo_recorded = ctx.pathway.medications("rx_benzodiazepines")
    benzo_meds = [m for m in benzo_recorded if ctx.pathway.is_active_med(m)]
    # an order of long ago still marked active (never stopped) counts when none is current, named to
    # confirm, as the NSAID check counts a stale partner (``taken_with``): a sedative risk is not
    # assumed away because a record was never renewed
    benzo_stale = [] if benzo_meds else [m for m in benzo_recorded if ctx.pathway.is_stale_order(m)]
    why += [Fact(f"{o.text}: benzodiazepine drafted in this session", o.ref) for o in benzo_drafts]
    why += [Fact(f"{m.text}: current benzodiazepine", m.ref) for m in benzo_meds]
    why += [
        Fact(
            f"{m.text}: benzodiazepine, order of {m.start} still marked active: confirm it is taken",
            m.ref,
            short=f"{m.text}: benzodiazepine, old order, confirm",
        )
        for m in benzo_stale
    ]
    taken_benzos = benzo_meds or benzo_stale
    benzo = bool(benzo_drafts or taken_benzos)
    # (d) gabapentinoid, whatever it is for (an old order still marked active too, to confirm);
    # (e) tramadol with an SNRI or tricyclic
    gabapentinoids = taken_with(ctx, order, "rx_gabapentinoids", "gabapentinoid", stale_too=True)
    serotonergic = _serotonergic_with_tramadol(ctx, order)
    why += [p.fact for p in (*gabapentinoids, *serotonergic)]
    grave = long_term or high or benzo or bool(remission) or bool(old_moud)
    if not (grave or gabapentinoids or serotonergic):
        return _dose_not_checked(ctx, order, mme_result) if mme is None else []
    opioid = _opioid_name(ctx, order)
    # a first prescription for an opioid-naive patient: nothing to reassess or taper yet
    meds_read = not (ctx.history.unavailable.keys() & {"medicationRequests", "medicationStatements"})
    new_start = meds_read and not long_term and not recent_opioids(ctx)
    if grave and not new_start and is_extended_release_order(ctx, order) and recent_opioids(ctx):
        # the draft itself is what the card advises against: adding an extended-release opioid
        why.append(Fact("this order adds an extended-release or long-acting opioid to current opioid therapy",
                        short="extended-release opioid added"))  # fmt: skip
    summary = _opioid_summary(
        ctx,
        opioid,
        gabapentinoids,
        serotonergic,
        benzo=benzo,
        high=high,
        long_term=long_term,
        new_start=new_start,
        remission=bool(remission),
        untreated_oud=bool(untreated),
        old_moud=bool(old_moud),
    )
    naloxone = high or benzo or bool(gabapentinoids) or bool(remission) or bool(untreated) or bool(old_moud)
    suggestions = _opioid_suggestions(ctx, benzo_drafts, naloxone=naloxone)
    return [
        card(
            RULE_OPIOID,
            "Opioid prescribing risk",
            order,
            # a sedating or serotonergic co-prescription alone: warning when the order is signed
            indicator="warning" if grave or ctx.inp.hook == "order-sign" else "info",
            summary=summary,
            why=why,
            next_steps=_opioid_steps(
                opioid,
                # a drafted benzodiazepine that renews one or treats epilepsy is tapered, not removed
                [o for o in benzo_drafts if benzodiazepine_kept(ctx, o) is None] if benzo else None,
                gabapentinoids,
                serotonergic,
                grave=grave,
                high=high,
                new_start=new_start,
                high_mme=ctx.t.high_mme_per_day,
                remission=bool(remission),
                untreated_oud=bool(untreated),
                old_moud=bool(old_moud),
                benzo_needed=bool(taken_benzos) and all(
                    ctx.pathway.other_indication(m, *BENZODIAZEPINE_INDICATIONS) for m in taken_benzos
                ),
                # only an old order stands for the benzodiazepine: whether it is taken is asked first
                benzo_unconfirmed=listed_records(benzo_stale) if benzo_stale and not benzo_drafts else None,
            ),
            avoid=(
                (
                    f"Starting at {ctx.t.high_mme_per_day:g} MME/day or more; starting with extended-release "
                    "or long-acting opioids; dose escalation.",
                )
                if new_start
                else ("Dose escalation; adding extended-release opioids; abrupt discontinuation.",)
            ),
            evidence=("cdc_opioids_2022", "nice_ng59"),
            gaps=gaps,
            suggestions=suggestions,
            selection_behavior="any" if len(suggestions) > 1 else "at-most-one",
        )
    ]


def _opioid_summary(
    ctx: OrderContext,
    opioid: str,
    gabapentinoids: Sequence[Partner],
    serotonergic: Sequence[Partner],
    *,
    benzo: bool,
    high: bool,
    long_term: bool,
    new_start: bool,
    remission: bool = False,
    untreated_oud: bool = False,
    old_moud: bool = False,
) -> str:
    """The opioid card's one recommendation, the gravest concern first."""
    if benzo:
        return "Opioid with a benzodiazepine: avoid co-prescribing; offer naloxone (CDC 2022)"
    if untreated_oud:
        return (
            "Opioid for a patient with opioid use disorder and no current MOUD: offer OUD treatment and "
            "naloxone (CDC 2022)"
        )
    if remission:
        return (
            "Opioid for a patient with opioid use disorder in remission: relapse risk; prefer non-opioid "
            "care; offer naloxone (CDC 2022)"
        )
    if old_moud:
        return (
            "Opioid for a patient with an old MOUD order still marked active: confirm with its prescriber "
            "first; offer naloxone (CDC 2022)"
        )
    if high and new_start:
        return _high_start_summary(ctx)
    if high:
        return (
            f"Opioid dose ≥ {ctx.t.high_mme_per_day:g} MME/day: reassess benefit and risk; offer naloxone "
            "(CDC 2022)"
        )
    if long_term:
        return (
            f"Opioid continuing beyond {ctx.t.long_term_opioid_days} days: reassess benefit and harm; "
            "taper if no benefit (CDC 2022)"
        )
    if gabapentinoids:
        return (
            f"{opioid.capitalize()} with {listed(gabapentinoids)}: start low; watch for respiratory "
            "depression and sedation; offer naloxone (CDC 2022)"
        )
    return (
        f"Tramadol with {listed(serotonergic)}: serotonin syndrome and seizure risk; prefer another analgesic"
    )


def _opioid_name(ctx: OrderContext, order: DraftOrder) -> str:
    member = ctx.drug_is(order, "rx_opioids")
    return member.display if member is not None else order.text


# Antidepressants that, taken with tramadol, risk serotonin syndrome and seizures (tramadol
# prescribing information): the SNRIs and tricyclics used for nerve pain, and the SSRIs.
SEROTONERGIC_ANTIDEPRESSANTS = (
    ("rx_antidepressants_neuropathic", "serotonergic antidepressant"),
    ("rx_ssri", "SSRI"),
)


def _serotonergic_antidepressant(ctx: OrderContext, order: DraftOrder) -> str | None:
    """The drafted drug's name when it is an SNRI, a tricyclic or an SSRI; else None."""
    for value_set, _label in SEROTONERGIC_ANTIDEPRESSANTS:
        member = ctx.drug_is(order, value_set)
        if member is not None:
            return member.display
    return None


def _serotonergic_with_tramadol(ctx: OrderContext, order: DraftOrder) -> list[Partner]:
    """An SNRI, tricyclic or SSRI taken with a tramadol order: serotonin syndrome and a lower seizure
    threshold (tramadol prescribing information)."""
    if _opioid_name(ctx, order).lower() != "tramadol":
        return []
    return [
        p
        for value_set, label in SEROTONERGIC_ANTIDEPRESSANTS
        for p in taken_with(ctx, order, value_set, label)
    ]


def _opioid_steps(
    opioid: str,
    benzo_drafts: Sequence[DraftOrder] | None,
    gabapentinoids: Sequence[Partner],
    serotonergic: Sequence[Partner],
    *,
    grave: bool,
    high: bool,
    new_start: bool = False,
    high_mme: float = 50,
    remission: bool = False,
    untreated_oud: bool = False,
    old_moud: bool = False,
    benzo_needed: bool = False,
    benzo_unconfirmed: str | None = None,
) -> list[str]:
    """The opioid card's steps: a co-prescription first (benzodiazepine, gabapentinoid, tramadol with
    a serotonergic antidepressant), then, with opioid use disorder in remission, the addiction care
    to involve; then reassessment, or for a first prescription to an opioid-naive patient the
    starting dose (nothing to reassess or taper yet); naloxone is said once. ``benzo_needed``: every
    current benzodiazepine treats epilepsy or another condition its prescriber manages.
    ``benzo_unconfirmed``: the benzodiazepine is only an old order still marked active (named): the
    step asks first to confirm it is still taken."""
    steps: list[str] = []
    if benzo_drafts is not None:
        steps.append(_co_prescribing_step(benzo_drafts, needed=benzo_needed, unconfirmed=benzo_unconfirmed))
    if old_moud:
        steps.append(
            "Confirm with the MOUD prescriber or programme whether the old MOUD order continues, before "
            "signing (programmes dispense outside the EHR); with buprenorphine a full agonist may not "
            "work, with methadone it adds respiratory depression."
        )
    if untreated_oud:
        steps.append(
            "Opioid use disorder with no current MOUD: offer or arrange buprenorphine or methadone "
            "(CDC 2022 recommendation 12); non-opioid analgesia first; if an opioid is needed, "
            "coordinate with addiction care, prescribe the smallest supply and offer naloxone."
        )
    if remission:
        steps.append(
            "Opioid use disorder in remission: non-opioid analgesia first; if an opioid is needed, "
            "coordinate with the patient's addiction care, prescribe the smallest supply and offer "
            "naloxone (CDC 2022 recommendation 8)."
        )
    if gabapentinoids:
        naloxone = "" if benzo_drafts is not None or high else "; offer naloxone"
        dose = "do not raise both doses together" if grave else f"start {opioid} low and increase slowly"
        steps.append(
            f"With {listed(gabapentinoids)}: {dose}; watch for respiratory depression and sedation{naloxone} "
            "(CDC 2022)."
        )
    if serotonergic:
        steps.append(
            f"Tramadol with {listed(serotonergic)} risks serotonin syndrome and seizures (tramadol "
            "prescribing information): prefer another analgesic, or start low and watch for agitation, "
            "tremor and fever."
        )
    if grave and new_start:
        steps.append(
            f"Start with an immediate-release opioid at the lowest effective dose, well below {high_mme:g} "
            "MME/day for an opioid-naive patient (CDC 2022 recommendations 3 and 4); prefer non-opioid "
            "therapy for radicular pain."
        )
    elif grave:
        steps += [
            "Reassess benefit and harm with the patient; prefer non-opioid therapy for radicular pain.",
            "If benefit does not outweigh harm, taper gradually; do not stop abruptly.",
        ]
    else:
        steps.append("Prefer non-opioid therapy for radicular pain; if an opioid is needed, the lowest "
                     "effective dose for the shortest time (CDC 2022).")  # fmt: skip
    if high:
        steps.append("Offer naloxone and review the dose (CDC 2022: higher daily doses raise overdose risk).")
    return steps


# A draft's own words saying it continues a prescription.
RENEWAL = re.compile(r"\b(?:renew\w*|refill\w*|continu\w*|repeat prescription)\b", re.IGNORECASE)


def benzodiazepine_kept(ctx: OrderContext, order: DraftOrder) -> Fact | None:
    """Why a drafted benzodiazepine is not one to remove at a click, when it is not: it renews one the
    patient takes (the same ingredient on record, not ended), or it is prescribed for epilepsy,
    seizures or another indication its prescriber manages. Stopping a benzodiazepine taken for weeks
    abruptly risks withdrawal and seizures: it is tapered with its prescriber (CDC 2022
    recommendation 11)."""
    member = ctx.drug_is(order, "rx_benzodiazepines")
    if member is not None:
        says_renewal = any(RENEWAL.search(t) for t in (order.text, *(d.text or "" for d in order.doses)))
        for m in ctx.pathway.medications("rx_benzodiazepines"):
            same = _ingredient_of(ctx, m, "rx_benzodiazepines") == member.code
            # a current order, or an old one the draft's own words say it renews ("renewal", "refill")
            taken = ctx.pathway.is_active_med(m) or (says_renewal and m.status not in ENDED_MED_STATUSES)
            if same and m.ref != order.ref and taken:
                return ctx.pathway.med_fact(m, "taken now, renewed by the draft: ")
    # prescribed for epilepsy or seizures (or another indication its prescriber manages), as the draft's
    # own reason says: a condition elsewhere on the problem list says nothing of a new prescription
    reasons = (
        *order.reason_codings,
        *(x for c in ctx.history.conditions if c.ref in order.reason_refs for x in c.codings),
    )
    for c in reasons:
        if ctx.term.match("antiepileptic_other_indications", (c,)) is not None:
            return Fact(f"{order.text} is prescribed for {c.display or c.code}", order.ref or None)
    return None


def _opioid_suggestions(
    ctx: OrderContext, benzo_drafts: Sequence[DraftOrder], *, naloxone: bool
) -> list[SuggestionDraft]:
    """Complementary steps, each recommended (selectionBehavior "any" when more than one): remove the
    benzodiazepine newly drafted in this session (CDC 2022 recommendation 11) and offer naloxone
    (recommendation 8). A recorded benzodiazepine, or a draft that renews one or treats epilepsy
    (``benzodiazepine_kept``), is not deleted: it is tapered with its prescriber."""
    suggestions: list[SuggestionDraft] = []
    removable = [o for o in benzo_drafts if o.ref and benzodiazepine_kept(ctx, o) is None]
    if removable:
        suggestions.append(
            SuggestionDraft(
                label="Remove the benzodiazepine prescription",
                actions=tuple(Action("delete", f"Remove {o.ref}", resource_id=o.ref) for o in removable),
                is_recommended=True,
            )
        )
    if naloxone:
        suggestions += naloxone_offer(ctx)
    return suggestions


def listed_records(meds: Sequence[MedicationFact]) -> str:
    """Recorded drugs as a step names them, each once, with the date of its order: "alprazolam (order
    of 2025-10-16)"."""
    return ", ".join(dict.fromkeys(f"{m.text} (order of {m.start})" for m in meds))


def _co_prescribing_step(
    benzo_drafts: Sequence[DraftOrder], *, needed: bool = False, unconfirmed: str | None = None
) -> str:
    """The first step of an opioid card with a benzodiazepine, as its summary says: avoid the
    combination (CDC 2022 recommendation 11), then naloxone (recommendation 8). ``benzo_drafts``: the
    benzodiazepines newly drafted (one that renews a current one or treats epilepsy is tapered with
    its prescriber, as a recorded one is). ``needed``: the current benzodiazepine treats epilepsy or
    another condition its prescriber manages: not one to taper for the opioid's sake (the pathway's
    M1 says the same). ``unconfirmed``: the benzodiazepine is only an old order still marked active
    (named): confirm first that it is still taken."""
    confirm = (
        f"confirm with the patient that {unconfirmed}, still marked active, is still taken; if it is, "
        if unconfirmed
        else ""
    )
    if not benzo_drafts and needed:
        return (
            f"Avoid co-prescribing (CDC 2022 recommendation 11): {confirm}the benzodiazepine treats another "
            "condition; do not taper it without its prescriber (withdrawal can provoke seizures); "
            "reconsider this opioid instead; offer naloxone."
        )
    if benzo_drafts:
        drafted = ", ".join(dict.fromkeys(o.text for o in benzo_drafts))
        return (
            f"Avoid co-prescribing (CDC 2022 recommendation 11): remove the drafted {drafted} and treat "
            "anxiety, insomnia or spasm another way; offer naloxone."
        )
    return (
        f"Avoid co-prescribing (CDC 2022 recommendation 11): {confirm}reconsider this opioid, or taper the "
        "current benzodiazepine gradually with its prescriber; offer naloxone."
    )


def _dose_not_checked(ctx: OrderContext, order: DraftOrder, result: MmeResult) -> list[CardDraft]:
    """The opioid raised no other concern, but its dose could not be judged: say so, never silence."""
    limit = f"{ctx.t.high_mme_per_day:g}"
    return [
        card(
            RULE_OPIOID, "Opioid prescribing risk", order,
            indicator="info",
            summary=_not_checked_summary(ctx),
            why=(Fact(f"MME/day could not be computed: {result.reason}"),),
            next_steps=(
                f"Work out the daily dose in MME before signing; at {limit} MME/day or more, reassess "
                "and offer naloxone (CDC 2022).",
                "State the dose per administration and how often it is taken, so the dose can be checked.",
            ),
            avoid=("Dose escalation; adding extended-release opioids.",),
            evidence=("cdc_opioids_2022", "nice_ng59"),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
        )
    ]  # fmt: skip


def is_extended_release_order(ctx: OrderContext, order: DraftOrder) -> bool:
    """An ER/LA opioid: its clinical drug is extended-release, transdermal or methadone, it is coded as
    a long-acting ingredient alone (methadone by its ingredient code), or its dose is a rate in mcg/h
    (a transdermal patch)."""
    drug = order_clinical_drug(order)
    if drug is not None and is_extended_release_or_long_acting(drug):
        return True
    ingredient = ctx.drug_is(order, "rx_opioids")
    if ingredient is not None and (ingredient.display or "").lower() in LONG_ACTING_INGREDIENTS:
        return True
    return order.patch_mcg_per_hour() is not None


def recent_opioids(ctx: OrderContext) -> list[MedicationFact]:
    """Opioids current or taken within ``opioid_naive_days``: any means the patient is not opioid-naive."""
    since = ctx.today - timedelta(days=ctx.t.opioid_naive_days)
    out = []
    for m in ctx.pathway.medications("rx_opioids"):
        last = m.end or m.start
        if ctx.pathway.is_active_med(m) or last is None or last >= since:
            out.append(m)
    return out


_TRANSDERMAL = re.compile(r"transdermal|\bpatch", re.IGNORECASE)


def _er_la_in_opioid_naive(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """CDC 2022 recommendation 3: start opioids with immediate-release forms, not ER/LA."""
    if not is_extended_release_order(ctx, order):
        return []
    if ctx.history.unavailable.keys() & {"medicationRequests", "medicationStatements"}:
        return []  # naivety cannot be judged; the order's "not fully checked" card says so
    if recent_opioids(ctx):
        return []
    days = ctx.t.opioid_naive_days
    # a fentanyl patch is contraindicated in a patient who is not opioid-tolerant (its label's boxed
    # warning: fatal respiratory depression), not only "not the first choice"
    member = ctx.drug_is(order, "rx_opioids")
    fentanyl = member is not None and member.display.lower() == "fentanyl"
    patch = fentanyl and (order.patch_mcg_per_hour() is not None or bool(_TRANSDERMAL.search(order.text)))
    summary = (
        "Fentanyl patch for an opioid-naive patient: contraindicated (not opioid-tolerant); remove it"
        if patch
        else "Extended-release/long-acting opioid for an opioid-naive patient: start with immediate-release "
        "instead (CDC 2022)"
    )
    return [
        card(
            RULE_ER_NAIVE, "Extended-release opioid for an opioid-naive patient", order,
            indicator="warning",
            summary=summary,
            why=(Fact(f"no opioid prescribed or taken in the last {days} days (opioid-naive)"),),
            next_steps=(
                *(("Transdermal fentanyl is only for patients already opioid-tolerant (its labelling): it "
                   "can cause fatal respiratory depression in anyone else.",) if patch else ()),
                "If an opioid is needed, prescribe an immediate-release opioid at the lowest effective dose "
                "(CDC 2022 recommendation 3).",
                "Reserve extended-release or long-acting opioids for severe, continuous pain in patients "
                "already taking opioids.",
            ),
            avoid=("Extended-release, long-acting or transdermal opioids to start opioid therapy.",),
            evidence=("cdc_opioids_2022",),
            suggestions=(delete(order, "Remove the extended-release opioid prescription",
                                f"Remove {order.ref}", recommended=True),),
        )
    ]  # fmt: skip


def _benzodiazepine(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    drafted = ctx.draft_drugs("rx_opioids", exclude=order)
    if any(o.selected for o in drafted) and not ctx.pathway.moud:
        # the judged opioid's card names this benzodiazepine (its co-prescription check); not on
        # order-select with the opioid unselected (no card of it in this response), nor for a patient
        # on MOUD, whose opioid card is about coordinating with the MOUD prescriber
        return []
    opioids = [m for m in ctx.pathway.medications("rx_opioids") if ctx.pathway.is_active_med(m)]
    if not opioids and not drafted:
        return []
    in_session = tuple(Fact(f"{o.text}: opioid drafted in this session", o.ref) for o in drafted)
    kept = benzodiazepine_kept(ctx, order)
    # treatment for opioid use disorder is continued, not weighed as pain therapy (decision model §7.2)
    moud = [m for m in opioids if m in ctx.pathway.moud]
    if moud and len(moud) == len(opioids):
        summary = (
            "Benzodiazepine for a patient on treatment for opioid use disorder: avoid if possible; "
            "continue that treatment (CDC 2022)"
        )
        why = (*(ctx.pathway.med_fact(m, "treatment for opioid use disorder: ") for m in moud), *in_session)
        steps = (
            "Avoid starting a benzodiazepine if possible: with buprenorphine or methadone it adds sedation "
            "and overdose risk (CDC 2022 recommendation 11); treat anxiety, insomnia or spasm another way; "
            "offer naloxone.",
            "Do not stop or withhold the treatment for opioid use disorder because of the benzodiazepine: "
            "agree the plan with its prescriber (CDC 2022 recommendation 12).",
        )
    elif kept is not None:
        which = "a current opioid" if opioids else "an opioid drafted with it"
        summary = f"Benzodiazepine continued with {which}: do not stop it abruptly; review both; offer "
        summary += "naloxone"
        why = (*(ctx.pathway.med_fact(m, "current opioid: ") for m in opioids), kept, *in_session)
        steps = (
            "Do not stop this benzodiazepine abruptly (withdrawal, seizures): review the combination "
            "with its prescriber, reconsider the opioid, and taper the benzodiazepine gradually if it "
            "should stop (CDC 2022 recommendation 11); offer naloxone.",
            "If both must continue, use the lowest doses and review soon.",
        )
    else:
        which = "a current opioid" if opioids else "an opioid drafted with it"
        summary = f"Benzodiazepine with {which}: avoid co-prescribing; offer naloxone (CDC 2022)"
        why = (*(ctx.pathway.med_fact(m, "current opioid: ") for m in opioids), *in_session)
        steps = (
            "Avoid starting a benzodiazepine in a patient taking opioids (CDC 2022 recommendation 11): "
            "treat anxiety, insomnia or spasm another way; offer naloxone.",
            "If both must continue, use the lowest doses and review soon.",
        )
    removal: tuple[SuggestionDraft, ...] = ()
    if kept is None:
        removal = (
            delete(order, "Remove the benzodiazepine prescription", f"Remove {order.ref}", recommended=True),
        )
    return [
        card(
            RULE_BENZO, "Benzodiazepine with a current opioid", order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=steps,
            avoid=("Opioid and benzodiazepine together without a documented reason.",),
            evidence=("cdc_opioids_2022",),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
            # complementary, both recommended: remove a new benzodiazepine, and offer naloxone
            suggestions=(*removal, *naloxone_offer(ctx)),
            selection_behavior="any" if removal else "at-most-one",
        )
    ]  # fmt: skip


def _conflict_card(
    ctx: OrderContext,
    order: DraftOrder,
    rule: str,
    title: str,
    summary: str,
    conflict: Conflict,
    evidence: tuple[str, ...],
    steps: tuple[str, ...],
) -> list[CardDraft]:
    if not ctx.radicular:
        return []
    return [
        card(
            rule,
            title,
            order,
            indicator="info",
            summary=summary,
            why=tuple(ctx.cond(c, "lumbar radicular pain (sciatica)") for c in ctx.radicular),
            next_steps=steps,
            avoid=("Dose escalation or repeat courses without a documented benefit.",),
            evidence=evidence,
            conflicts=(conflict,),
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=(delete(order, "Remove this prescription", f"Remove {order.ref}"),),
        )
    ]


def _for_another_indication(ctx: OrderContext, order: DraftOrder) -> bool:
    """The drafted drug is for something other than sciatica: its reasonCode or reasonReference, or a
    current condition, names another indication (epilepsy, diabetic neuropathy, post-herpetic
    neuralgia, fibromyalgia ...), as the pathway's M2 judges it."""
    return other_indication(ctx.pathway, order.as_medication(ctx.today)) is not None


def _gabapentinoid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    with_opioid = _gabapentinoid_with_opioid(ctx, order)
    if _for_another_indication(ctx, order):
        return with_opioid  # not for sciatica: no evidence-conflict note, the safety card stands
    steps = [
        f"If prescribed, reassess benefit; taper if there is no ≥ {pct(ctx.t.partial_relief_pct)} or "
        f"{ctx.t.partial_delta_points:g}-point improvement."
    ]
    if not with_opioid:
        steps.append("Warn about respiratory depression with opioids.")
    return [
        *with_opioid,
        *_conflict_card(
            ctx,
            order,
            RULE_GABAPENTINOID,
            "Gabapentinoid for sciatica: evidence conflict",
            # PRECISE tested pregabalin; NICE NG59 is a recommendation, not a finding
            "Gabapentinoid for sciatica: NICE NG59 advises against; pregabalin failed in PRECISE 2017; NICE "
            "CG173 lists it for nerve pain",
            GABAPENTINOIDS,
            ("nice_ng59", "precise_2017"),
            tuple(steps),
        ),
    ]


def _opioid_card_names_it(ctx: OrderContext, opioid: DraftOrder) -> bool:
    """Whether a drafted opioid judged by this hook gets the opioid card, which names a gabapentinoid
    taken or drafted with it (an opioid for a patient on MOUD, or MOUD itself, gets another card)."""
    judged = any(opioid is o for o in ctx.judged)
    return judged and not ctx.pathway.moud and not order_is_moud(ctx, opioid)


def _gabapentinoid_with_opioid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """A gabapentinoid drafted for a patient taking an opioid (CDC 2022: weigh opioids with other
    central nervous system depressants), whatever the gabapentinoid is for."""
    opioids = taken_with(ctx, order, "rx_opioids", "opioid")
    if not opioids or any(p.drafted is not None and _opioid_card_names_it(ctx, p.drafted) for p in opioids):
        return []  # no opioid, or the drafted opioid's card names this gabapentinoid
    member = ctx.drug_is(order, "rx_gabapentinoids")
    gaba = member.display if member is not None else order.text
    return [
        card(
            RULE_GABAPENTINOID_OPIOID, "Gabapentinoid with an opioid", order,
            indicator="warning" if ctx.inp.hook == "order-sign" else "info",
            summary=f"{gaba.capitalize()} with {listed(opioids)}: start low; watch for respiratory "
            "depression and sedation; offer naloxone (CDC 2022)",
            why=tuple(p.fact for p in opioids),
            next_steps=(
                f"Start {gaba} at a low dose and increase slowly; watch for respiratory depression and "
                f"sedation with {listed(opioids)}; offer naloxone (CDC 2022).",
            ),
            avoid=("Raising the opioid and the gabapentinoid together; adding other sedating drugs.",),
            evidence=("cdc_opioids_2022",),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
            suggestions=naloxone_offer(ctx),
        )
    ]  # fmt: skip


def _antidepressant_with_tramadol(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """An SNRI, tricyclic or SSRI drafted for a patient taking tramadol: serotonin syndrome and a lower
    seizure threshold (tramadol prescribing information), the converse of the tramadol card's (e)."""
    tramadol = [p for p in taken_with(ctx, order, "rx_opioids", "opioid") if p.name.lower() == "tramadol"]
    if not tramadol or any(p.drafted is not None and _opioid_card_names_it(ctx, p.drafted) for p in tramadol):
        return []  # no tramadol, or the drafted tramadol's card names this antidepressant
    drug = _serotonergic_antidepressant(ctx, order) or order.text
    if ctx.drug_is(order, "rx_neuropathic_first_line_antidepressants") is not None:
        review = (
            f"{drug.capitalize()} is a first choice for nerve pain and tramadol is for acute rescue only "
            "(NICE CG173): review whether tramadol is still needed, with its prescriber."
        )
    else:
        review = (
            "Tramadol is for acute rescue only (NICE CG173): review whether it is still needed, with "
            "its prescriber."
        )
    return [
        card(
            RULE_TRAMADOL_SEROTONERGIC, "Serotonergic antidepressant with tramadol", order,
            indicator="warning" if ctx.inp.hook == "order-sign" else "info",
            summary=f"{drug.capitalize()} with tramadol: serotonin syndrome and seizure risk; review whether "
            "tramadol is still needed",
            why=tuple(p.fact for p in tramadol),
            next_steps=(
                review,
                "If both continue, start low and watch for agitation, tremor, sweating and fever "
                "(serotonin syndrome) and for seizures (tramadol prescribing information).",
            ),
            avoid=("Raising both doses together; adding other serotonergic drugs.",),
            evidence=("nice_cg173",),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
        )
    ]  # fmt: skip


def _antiplatelet_aspirin(ctx: OrderContext, order: DraftOrder) -> bool:
    """Aspirin with no dose above ``low_dose_aspirin_mg`` stated: antiplatelet therapy (usually
    cardioprotective), not an NSAID course, as the pathway reads recorded aspirin."""
    if ctx.drug_is(order, "rx_aspirin") is None:
        return False
    doses = [float(x) for x in MG_DOSE.findall(order.text or "")]
    for d in order.doses:
        if d.value is not None and (d.unit or "").strip().lower() in MG_UNITS:
            doses.append(d.value)
        elif d.value is not None and order.strength_mg is not None:
            doses.append(d.value * order.strength_mg)
    return max(doses, default=0.0) <= ctx.t.low_dose_aspirin_mg


def _other_nsaids(ctx: OrderContext, order: DraftOrder, code: str | None) -> list[Partner]:
    """Another NSAID taken or drafted with this one: a different ingredient (the same one is a renewal),
    not low-dose aspirin."""
    out = []
    for p in taken_with(ctx, order, "rx_nsaids", "NSAID"):
        if p.code is not None and p.code == code:
            continue
        if p.drafted is not None and _antiplatelet_aspirin(ctx, p.drafted):
            continue
        if p.record is not None and ctx.pathway.is_antiplatelet_aspirin(p.record):
            continue
        out.append(p)
    return out


def _age_fact(ctx: OrderContext) -> Fact | None:
    """The patient's age from ``nsaid_caution_age_years`` (75, as the acute cards): NSAID harm rises
    with age (NICE NG59)."""
    patient = ctx.history.patient
    age = age_years(patient.birth_date if patient is not None else None, ctx.today)
    if age is None or age < ctx.t.nsaid_caution_age_years:
        return None
    return Fact(f"age {age}: NSAID harm rises with age (NICE NG59)", patient.ref if patient else None,
                short=f"age {age}")  # fmt: skip


def _nsaid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    """An NSAID drafted with an anticoagulant or an antiplatelet other than aspirin (bleeding), with
    another NSAID (GI and kidney harm add up), or for a patient whose record rules an NSAID out
    (``nsaid_harms``: kidney failure, a peptic ulcer or GI bleed, heart failure; not for a topical
    NSAID, whose systemic exposure is low). Aspirin alone draws no card."""
    if _antiplatelet_aspirin(ctx, order):
        return []
    member = ctx.drug_is(order, "rx_nsaids")
    nsaid = member.display if member is not None else order.text
    bleeding: list[Partner] = []
    for value_set, label in BLEEDING_CLASSES:
        seen = {p.fact.ref for p in bleeding}
        bleeding += [
            p for p in taken_with(ctx, order, value_set, label, stale_too=True) if p.fact.ref not in seen
        ]
    others = _other_nsaids(ctx, order, member.code if member is not None else None)
    harms = () if _topical(order) else nsaid_harms(ctx.pathway)
    if not bleeding and not others and not harms:
        return []
    found = list(dict.fromkeys(h.short for h in harms))
    # in pregnancy this card is the order's one card on the NSAID (``order.pregnancy-nsaid`` defers
    # to it); from 20 weeks, or with the weeks unknown, it says the pregnancy where it says the drug
    pregnancy = ctx.pathway.pregnancy
    late = pregnancy is not None and not pregnancy.before_nsaid_weeks
    named = f"{nsaid} in pregnancy ({pregnancy.weeks})" if late and pregnancy is not None else nsaid
    if bleeding:
        partners, noun, tail = [*bleeding, *others], "drug", "bleeding risk; prefer another analgesic"
    elif harms:
        # from 20 weeks of pregnancy no NSAID is the advice, not one NSAID only
        one_only = "; one NSAID only" if others and not late else ""
        partners, noun, tail = others, "NSAID", f"prefer another analgesic{one_only}"
    elif late:
        partners, noun = others, "NSAID"
        tail = f"two NSAIDs at once; avoid NSAIDs from {NSAID_WEEKS} weeks (FDA 2020)"
    else:
        partners, noun, tail = others, "NSAID", "two NSAIDs at once; prescribe one only"
    summary = _nsaid_summary(named, partners, noun, found, tail)
    reasons = [f"an NSAID with {listed(bleeding)} raises the risk of serious bleeding"] if bleeding else []
    cited = {h.cite for h in harms}
    reasons += [f"{said} ({cite})" for cite, said in _HARM_ADVICE.items() if cite in cited]
    steps: list[str] = []
    if reasons:
        weigh = (
            "; NICE NG59 asks to weigh GI, liver and cardio-renal toxicity and risk factors, including age"
            if bleeding
            else ""
        )
        steps.append(f"Prefer another analgesic: {'; '.join(reasons)}{weigh}.")
    if others and late:
        steps.append(
            f"Do not start {nsaid}, and stop {listed(others)}: NSAIDs are avoided from {NSAID_WEEKS} "
            "weeks of pregnancy (FDA 2020)."
        )
    elif others:
        steps.append(
            f"Do not combine NSAIDs: stop {listed(others)} if {nsaid} replaces it, or do not start {nsaid}."
        )
    if not harms and late:
        steps.append(
            "If an NSAID is essential: the lowest dose for the shortest time, agreed with the obstetric "
            "team (FDA 2020)."
        )
    elif not harms and pregnancy is not None:
        # before 20 weeks: the course ends before them; misoprostol (a gastroprotective) is not for pregnancy
        steps.append(
            f"If an NSAID is essential: the lowest dose for the shortest time, ending before {NSAID_WEEKS} "
            "weeks of pregnancy (FDA 2020), with gastroprotection other than misoprostol, which is "
            "contraindicated in pregnancy (NICE NG59)."
        )
    elif not harms:
        steps.append(
            "If an NSAID is essential: the lowest dose for the shortest time, with gastroprotection "
            "(NICE NG59)."
        )
    avoid = [f"An NSAID with {listed(bleeding)}"] if bleeding else []
    avoid += [f"an NSAID with {short}" for short in found]
    if others:
        avoid.append("two NSAIDs at once")
    if late:
        avoid.append(f"NSAIDs from {NSAID_WEEKS} weeks of pregnancy")
    age = _age_fact(ctx)
    return [
        card(
            RULE_NSAID, "NSAID with a bleeding, kidney, ulcer or heart-failure risk, or another NSAID", order,
            indicator="warning",
            summary=summary,
            why=(
                *(p.fact for p in bleeding), *(h.fact() for h in harms), *(p.fact for p in others),
                *((age,) if age is not None else ()),
            ),
            next_steps=steps,
            avoid=(_sentence("; ".join(avoid)),),
            evidence=("nice_ng59", *dict.fromkeys(h.evidence for h in harms)),
            gaps=ctx.unavailable_gaps(
                "medicationRequests", "medicationStatements", "conditions", "observations"
            ),
            suggestions=(
                delete(order, "Remove the NSAID prescription", f"Remove {order.ref}",
                       recommended=bool(bleeding or harms or late)),
            ),
        )
    ]  # fmt: skip


def _nsaid_summary(nsaid: str, partners: Sequence[Partner], noun: str, found: list[str], tail: str) -> str:
    """"<NSAID> with <partners>, <findings>: <tail>", naming as many findings as the summary has room
    for (the card's facts name every one); when even the partners' names leave no room, they are
    counted ("with 3 other drugs"), so that the recommendation is never cut off."""
    count = len(dict.fromkeys(p.name for p in partners))
    named = [listed(partners)] if partners else []
    counted = [f"another {noun}" if count == 1 else f"{count} other {noun}s"] if partners else []
    summary = ""
    for shown_partners in (named, counted):
        for n in range(len(found), -1 if partners else 0, -1):
            shown = [*shown_partners, *found[:n]]
            more = "" if n == len(found) else f" and {len(found) - n} more"
            summary = f"{nsaid.capitalize()} with {', '.join(shown)}{more}: {tail}"
            if len(summary) <= SUMMARY_MAX:
                return summary
    return summary


def _topical(order: DraftOrder) -> bool:
    """An NSAID put on the skin (a gel, a cream, a patch): its systemic exposure is low."""
    routes = [*(d.route_text for d in order.doses), *(c.display for d in order.doses for c in d.route)]
    return bool(TOPICAL.search(" ".join(t for t in (*routes, order.text) if t)))


# What each guideline says of an NSAID with the findings ``nsaid_harms`` reads, as a card step says it.
_HARM_ADVICE = {
    "KDIGO 2012": "avoid NSAIDs below an eGFR of 30 mL/min/1.73 m² and in kidney failure",
    "ACG 2009": "a peptic ulcer or a GI bleed is the highest risk of NSAID ulcer complications",
    "AHA/ACC/HFSA 2022": "NSAIDs worsen heart failure and are avoided",
}


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    return text[:1].upper() + text[1:] + "."


def _long_term_steroid(ctx: OrderContext, order: DraftOrder) -> MedicationFact | None:
    """The record of the same corticosteroid this order renews, when the patient has taken it for
    longer than a course (``oral_steroid_recent_days``): prescriptions that together cover more days
    than that (each from its start to its end, a day counted once), or a record still current with
    no end that began that long ago (it may be long-term therapy: stopping a steroid taken for months
    risks adrenal crisis, so such a record is read as one). Repeated short bursts with their ends
    recorded are repeated courses, not long-term therapy. A renewal of long-term therapy is not a
    course for sciatica."""
    member = ctx.drug_is(order, "rx_systemic_corticosteroids")
    if member is None:
        return None
    same = [
        m
        for m in ctx.pathway.medications("rx_systemic_corticosteroids")
        if m.status not in ENDED_MED_STATUSES and _steroid_of(ctx, m) == member.code
    ]
    if not same:
        return None
    limit = ctx.t.oral_steroid_recent_days
    if _days_covered(ctx, same) > limit:
        return same[0]
    since = ctx.today - timedelta(days=limit)
    return next((m for m in same if m.start is not None and m.start <= since and m.end is None), None)


def _days_covered(ctx: OrderContext, meds: Iterable[MedicationFact]) -> int:
    """Days on which at least one of ``meds`` was prescribed (their spans merged; no end: the start
    day only; nothing after today)."""
    days, last = 0, date.min
    for start, end in sorted((m.start, min(m.end or m.start, ctx.today)) for m in meds if m.start):
        start = max(start, last + timedelta(days=1))  # a day already counted is not counted again
        if end >= start:
            days += (end - start).days + 1
            last = end
    return days


def _steroid_of(ctx: OrderContext, m: MedicationFact) -> str | None:
    """The corticosteroid ingredient of a recorded medication (by code, else by name)."""
    return _ingredient_of(ctx, m, "rx_systemic_corticosteroids")


def _ingredient_of(ctx: OrderContext, m: MedicationFact, value_set: str) -> str | None:
    """The ingredient of ``value_set`` a recorded medication is (by code, else by name)."""
    codings = (*m.codings, *m.ingredient_codings)
    hit = ctx.term.match(value_set, codings)
    if hit is not None:
        return hit.code
    texts = [m.text, *(c.display or "" for c in codings)]
    named = next((x for x in ctx.term[value_set].members if names(x.display, *texts)), None)
    return named.code if named else None


def _steroid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    routes = " ".join(
        filter(
            None,
            (
                *(d.route_text for d in order.doses),
                *(c.display or "" for d in order.doses for c in d.route),
                order.text,
            ),
        )
    )
    if NOT_ORAL_ROUTE.search(routes):
        return []  # an injectate (e.g. the steroid of an ESI), not an oral course
    if _long_term_steroid(ctx, order) is not None:
        return []  # renewal of long-term therapy: stopping it risks adrenal crisis
    infection = ctx.flag("infection")
    if infection is not None:
        return _steroid_with_infection(ctx, order, infection)
    drafted = order.as_medication(ctx.today)
    if ctx.pathway.other_indication(drafted, *STEROID_INDICATIONS) is not None:
        return []  # for adrenal insufficiency, polymyalgia rheumatica ...: not a course for sciatica
    if prescribed_for_something_else(ctx.pathway, drafted):
        return []  # a burst for asthma, COPD or gout named as its reason: not a course for sciatica
    return _conflict_card(
        ctx,
        order,
        RULE_STEROID,
        "Oral corticosteroid for sciatica: evidence conflict",
        "Oral corticosteroid for sciatica: NICE NG59 advises against; a JAMA 2015 trial (Goldberg) found a "
        "small gain in function",
        ORAL_STEROIDS,
        ("nice_ng59",),
        (
            "Prefer NSAIDs and staying active; do not renew or repeat courses."
            if (no_nsaid := nsaids_or_caution(ctx.pathway)) == "NSAIDs"
            else f"Prefer staying active ({no_nsaid}); do not renew or repeat courses.",
        ),
    )


def _steroid_with_infection(ctx: OrderContext, order: DraftOrder, infection: RedFlag) -> list[CardDraft]:
    """A new oral corticosteroid course while a spinal infection is suspected (decision model R3:
    no steroid of any kind): hold it until infection is excluded, whatever it is for; the urgent
    infection work-up is offered beside removing it. Critical, as the R3 card and the hold on an
    elective procedure for the same red flag are."""
    pid = ctx.inp.patient_id
    return [
        card(
            RULE_STEROID_INFECTION,
            "Corticosteroid while a spinal infection is suspected",
            order,
            indicator="critical",
            summary="Corticosteroid while a spinal infection is suspected: hold it until infection is "
            "excluded",
            why=infection.facts,
            next_steps=(
                "Hold the corticosteroid until spinal infection is excluded: urgent MRI without and with "
                "contrast, blood cultures, ESR and CRP, same-day assessment (ACR 2021).",
                "If it is for another condition that cannot wait (asthma, COPD, adrenal insufficiency), "
                "agree the dose with the prescriber and make the infection work-up urgent.",
            ),
            avoid=("A corticosteroid course for sciatica before infection is excluded.",),
            evidence=("acr_lbp_2021",),
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=(
                delete(
                    order,
                    "Remove this prescription until infection is excluded",
                    f"Remove {order.ref}",
                    recommended=True,
                ),
                # a lumbar MRI drafted in the session is the study (its own check makes it the one
                # with and without contrast, urgent): never a second one beside it
                *(
                    ()
                    if ctx.other_orders(order, "imaging_lumbar_advanced")
                    else (
                        create(
                            sx.MRI_WITH_AND_WITHOUT_CONTRAST,
                            ctx.term,
                            patient_id=pid,
                            reasons=reason_refs(infection.facts),
                            priority="urgent",
                            recommended=True,
                        ),
                    )
                ),
            ),
            selection_behavior="any",
        )
    ]


CHECK = OrderCheck(
    rules=RULES, kind="medication", judge=check, evidence=("cdc_opioids_2022",),
    applies_to=("rx_opioids", "rx_benzodiazepine_class", "rx_gabapentinoids", "rx_systemic_corticosteroids",
                "rx_nsaids", "rx_antidepressants_neuropathic"),
    checks_what="current opioids, benzodiazepines, gabapentinoids, antidepressants, anticoagulants, "
    "antiplatelets and NSAIDs, the length of opioid use, and (for an NSAID) kidney function, a peptic "
    "ulcer or GI bleed and heart failure",
    # the problem list and the eGFR decide whether an NSAID is safe (and the problem list names opioid
    # use disorder): their loss must be admitted, never read as "nothing on record"
    needs=("medicationRequests", "medicationStatements", "conditions", "observations"),
    # the sciatica evidence-conflict notes weigh adult trials and NICE NG59 (value, not safety); the
    # opioid, benzodiazepine, MOUD and steroid-with-infection cards are drug safety at any age
    adult_pathway=(RULE_GABAPENTINOID, RULE_STEROID),
)  # fmt: skip
