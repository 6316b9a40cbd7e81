"""Check 9 — opioid, gabapentinoid and oral corticosteroid prescriptions for radicular pain.

``order.opioid-risk`` (decision model M1)
When: an opioid MedicationRequest (``rx_opioids``, by ingredient code or name) is drafted and any of:
      (a) the order continues an opioid course (prescriptions ≤ 30 days apart chained, as the
      pathway's M1 counts them) longer than ``long_term_opioid_days`` (90), or long-term opioid
      use / opioid use disorder is on record (``opioid_risk_conditions``);
      (b) the total MME/day of this order plus other drafted and current opioids is
      ≥ ``high_mme_per_day`` (50), converted with the CDC 2022 factors in
      ``hooks/orders/data/mme_conversion.json``;
      (c) a benzodiazepine (``rx_benzodiazepine_class``) is current or drafted in the same session.
Then: warning; reassess benefit and harm, taper rather than stop abruptly, avoid benzodiazepine
      co-prescription, offer naloxone (suggested as a draft MedicationRequest when (b) or (c)).
Evidence: CDC 2022 (recommendations 5, 6, 8, 11); NICE NG59 (no opioids for chronic sciatica);
      seed 003 (avoid prolonged opioids).

``order.benzodiazepine-with-opioid`` (decision model M1)
When: a benzodiazepine is drafted while the patient takes an opioid (current in the history) and no
      opioid is drafted in this session (a drafted opioid carries the co-prescription on its own card).
Then: warning; avoid the combination; if both continue, offer naloxone (suggested).
Evidence: CDC 2022 (recommendations 8, 11).

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
Then: info card showing the evidence conflict: seeds 000/001/004 (neuropathic agents) and 002 (oral
      steroids) list them; PRECISE (pregabalin no better than placebo) and NICE NG59 (do not offer
      gabapentinoids or oral corticosteroids for sciatica) do not. Reassess at 4-8 weeks; taper if no
      ≥ 30 %/2-point benefit.
Evidence: NICE NG59; PRECISE 2017 (Mathieson, NEJM).
"""

from __future__ import annotations

from hooks.cards import Action, CardDraft, Conflict, Fact, SuggestionDraft
from hooks.conflicts import NEUROPATHIC_AGENTS, ORAL_STEROIDS
from hooks.facts import MedicationFact
from hooks.mme import mme_factors
from hooks.orders.common import card, delete
from hooks.orders.context import OrderContext
from hooks.orders.draft import DraftOrder, _codings, _list
from hooks.pathway.rules.medication import continuous_course_days, daily_mme, other_indication
from hooks.rule import INFO, Rule, order_rule
from hooks.terminology import Terminology
from hooks.text import NOT_ORAL_ROUTE
from hooks.thresholds import pct

RULE_OPIOID_DECL: Rule = order_rule(
    "order.opioid-risk", "Opioid prescribing risk", "M1", ("cdc_opioids_2022", "nice_ng59")
)
RULE_GABAPENTINOID_DECL: Rule = order_rule(
    "order.gabapentinoid-sciatica", "Gabapentinoid for sciatica: evidence conflict", "M2",
    ("nice_ng59", "precise_2017"), INFO,
)
RULE_STEROID_DECL: Rule = order_rule(
    "order.oral-steroid-sciatica", "Oral corticosteroid for sciatica: evidence conflict", "M3",
    ("nice_ng59",), INFO,
)
RULE_BENZO_DECL: Rule = order_rule(
    "order.benzodiazepine-with-opioid", "Benzodiazepine with a current opioid", "M1", ("cdc_opioids_2022",)
)
RULE_MOUD_DECL: Rule = order_rule(
    "order.opioid-with-moud", "Opioid for a patient on treatment for opioid use disorder", "M1",
    ("cdc_opioids_2022",),
)
RULES = (RULE_OPIOID_DECL, RULE_GABAPENTINOID_DECL, RULE_STEROID_DECL, RULE_BENZO_DECL, RULE_MOUD_DECL)
RULE_OPIOID, RULE_GABAPENTINOID, RULE_STEROID, RULE_BENZO, RULE_MOUD = (r.id for r in RULES)
RULE_IDS = tuple(r.id for r in RULES)
# What the order-level "not fully checked" card needs to know about this check.
APPLIES_TO: tuple[str, ...] = (
    "rx_opioids",
    "rx_benzodiazepine_class",
    "rx_gabapentinoids",
    "rx_systemic_corticosteroids",
)
ORDER_KIND = "medication"
CHECKS_WHAT = "current opioids, benzodiazepines and the length of opioid use"
NEEDS: tuple[str, ...] = (
    "medicationRequests",
    "medicationStatements",
)  # optional prefetch keys whose loss can silence this check
EVIDENCE: tuple[str, ...] = ("cdc_opioids_2022",)


def order_mme(ctx: OrderContext, order: DraftOrder) -> float | None:
    member = ctx.drug_is(order, "rx_opioids")
    if member is None:
        return None
    per_mg, per_mcg_h = mme_factors()
    name = member.display.lower()
    if name in per_mcg_h:
        rate = order.patch_mcg_per_hour()
        return rate * per_mcg_h[name] if rate is not None else None
    mg = order.daily_dose_mg()
    if mg is None or name not in per_mg:
        return None
    return mg * per_mg[name]


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
        "note": [{"text": "Offered with a high opioid dose or with a benzodiazepine (CDC 2022)."}],
    }
    return SuggestionDraft(
        label="Offer naloxone",
        actions=(Action("create", "Create a draft prescription: naloxone", resource=resource),),
        is_recommended=recommended,
    )


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if order.resource_type != "MedicationRequest":
        return []
    if ctx.drug_is(order, "rx_opioids") is not None:
        return _opioid(ctx, order)
    if ctx.drug_is(order, "rx_benzodiazepine_class") is not None:
        return _benzodiazepine(ctx, order)
    if ctx.drug_is(order, "rx_gabapentinoids") is not None:
        return _gabapentinoid(ctx, order)
    if ctx.drug_is(order, "rx_systemic_corticosteroids") is not None:
        return _steroid(ctx, order)
    return []


def _moud_coordination(ctx: OrderContext, order: DraftOrder) -> list[CardDraft] | None:
    """An opioid order for a patient on MOUD (decision model §7.2): None when the patient is not on
    MOUD; no card when the order is itself MOUD (a renewal is not escalation); otherwise a warning to
    coordinate with the MOUD prescriber instead of the ordinary opioid-risk card."""
    route_names = (*(d.route_text for d in order.doses), *(c.display for d in order.doses for c in d.route))
    routes = " ".join(r for r in route_names if r)
    as_ordered = MedicationFact(
        ref=order.ref, resource_type="MedicationRequest", codings=order.codings,
        ingredient_codings=order.ingredient_codings, text=order.text, status="active", intent="order",
        start=ctx.today, end=None, route_text=routes or None,
    )  # fmt: skip
    if ctx.pathway.is_moud(as_ordered):
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


def _opioid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    moud = _moud_coordination(ctx, order)
    if moud is not None:
        return moud
    why: list[Fact] = []
    gaps: list[str] = list(ctx.unavailable_gaps("medicationRequests", "medicationStatements"))
    # (a) long-term use: the continuous course this order would extend (runs ≤ 30 days apart
    # chained, as the pathway's M1 counts it), counting the draft as a prescription starting today.
    history_opioids = ctx.pathway.medications("rx_opioids")
    as_prescribed = MedicationFact(
        ref=order.ref, resource_type="MedicationRequest", codings=order.codings,
        ingredient_codings=order.ingredient_codings, text=order.text, status="active", intent="order",
        start=ctx.today, end=None,
    )  # fmt: skip
    days = continuous_course_days(ctx.pathway, (*history_opioids, as_prescribed))
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
    for c in ctx.current_conditions("opioid_risk_conditions"):
        long_term = True
        why.append(ctx.cond(c, "long-term opioid use or opioid use disorder on record"))
    # (b) MME/day
    mme = order_mme(ctx, order)
    high = False
    if mme is None:
        gaps.append(
            "MME/day of this order could not be computed (dose, unit or frequency not stated, or no CDC "
            "factor for this opioid)."
        )
    else:
        total = mme
        parts = [f"this order {mme:g}"]
        for other in ctx.draft_drugs("rx_opioids", exclude=order):
            om = order_mme(ctx, other)
            if om:
                total += om
                parts.append(f"{other.ref} {om:g}")
        for m in ctx.pathway.medications("rx_opioids"):
            mm = daily_mme(ctx.pathway, (m,)) if ctx.pathway.is_active_med(m) else None
            if mm:
                total += mm
                parts.append(f"{m.ref} {mm:g}")
        if total >= ctx.t.high_mme_per_day:
            high = True
            why.append(
                Fact(
                    f"{total:g} MME/day ({' + '.join(parts)}) ≥ {ctx.t.high_mme_per_day:g} (CDC 2022 factors)"
                )
            )
    # (c) benzodiazepine
    benzo_drafts = ctx.draft_drugs("rx_benzodiazepines", exclude=order)
    benzo_meds = [m for m in ctx.pathway.medications("rx_benzodiazepines") if ctx.pathway.is_active_med(m)]
    why += [Fact(f"{o.text}: benzodiazepine drafted in this session", o.ref) for o in benzo_drafts]
    why += [Fact(f"{m.text}: current benzodiazepine", m.ref) for m in benzo_meds]
    benzo = bool(benzo_drafts or benzo_meds)
    if not (long_term or high or benzo):
        return []
    if benzo:
        summary = "Opioid with a benzodiazepine: avoid co-prescribing; offer naloxone (CDC 2022)"
    elif high:
        summary = (
            f"Opioid dose ≥ {ctx.t.high_mme_per_day:g} MME/day: reassess benefit and risk; offer naloxone "
            "(CDC 2022)"
        )
    else:
        summary = (
            f"Opioid continuing beyond {ctx.t.long_term_opioid_days} days: reassess benefit and harm; "
            "taper if no benefit (CDC 2022)"
        )
    suggestions: list[SuggestionDraft] = []
    if high or benzo:
        suggestions.append(naloxone_suggestion(ctx.term, ctx.inp.patient_id, recommended=True))
    return [
        card(
            RULE_OPIOID,
            "Opioid prescribing risk",
            order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=(
                "Reassess benefit and harm with the patient; prefer non-opioid therapy for radicular pain.",
                "If benefit does not outweigh harm, taper gradually; do not stop abruptly.",
                *(
                    (
                        "Avoid opioid and benzodiazepine together; if both continue, taper one with the "
                        "patient.",
                    )
                    if benzo
                    else ()
                ),
                *(
                    (
                        "Offer naloxone and review the dose (CDC 2022: higher daily doses raise overdose "
                        "risk).",
                    )
                    if high or benzo
                    else ()
                ),
            ),
            avoid=("Dose escalation; adding extended-release opioids; abrupt discontinuation.",),
            evidence=("cdc_opioids_2022", "nice_ng59"),
            gaps=gaps,
            suggestions=suggestions,
        )
    ]


def _benzodiazepine(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if ctx.draft_drugs("rx_opioids", exclude=order):
        return []  # the drafted opioid's card names this benzodiazepine
    opioids = [m for m in ctx.pathway.medications("rx_opioids") if ctx.pathway.is_active_med(m)]
    if not opioids:
        return []
    return [
        card(
            RULE_BENZO, "Benzodiazepine with a current opioid", order,
            indicator="warning",
            summary="Benzodiazepine with a current opioid: avoid co-prescribing; offer naloxone (CDC 2022)",
            why=tuple(ctx.pathway.med_fact(m, "current opioid: ") for m in opioids),
            next_steps=(
                "Avoid starting a benzodiazepine in a patient taking opioids; treat anxiety, insomnia or "
                "spasm another way.",
                "If both must continue, use the lowest doses, offer naloxone and review soon.",
            ),
            avoid=("Opioid and benzodiazepine together without a documented reason.",),
            evidence=("cdc_opioids_2022",),
            gaps=ctx.unavailable_gaps("medicationRequests", "medicationStatements"),
            suggestions=(
                delete(order, "Remove the benzodiazepine prescription", f"Remove {order.ref}",
                       recommended=True),
                naloxone_suggestion(ctx.term, ctx.inp.patient_id, recommended=False),
            ),
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
    res = order.resource
    refs = [r.get("reference") for r in _list(res.get("reasonReference"))]
    reason = tuple(c for rc in _list(res.get("reasonCode")) for c in _codings(rc))
    as_ordered = MedicationFact(
        ref=order.ref, resource_type="MedicationRequest", codings=order.codings,
        ingredient_codings=order.ingredient_codings, text=order.text, status="active", intent=order.intent,
        start=ctx.today, end=None, reason=reason,
        reason_refs=tuple("/".join(r.split("/")[-2:]) for r in refs if isinstance(r, str) and "/" in r),
    )  # fmt: skip
    return other_indication(ctx.pathway, as_ordered) is not None


def _gabapentinoid(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if _for_another_indication(ctx, order):
        return []
    return _conflict_card(
        ctx,
        order,
        RULE_GABAPENTINOID,
        "Gabapentinoid for sciatica: evidence conflict",
        "Gabapentinoid for sciatica: trials and NICE found no benefit; other sources list it",
        NEUROPATHIC_AGENTS,
        ("nice_ng59", "precise_2017"),
        (
            f"If prescribed, reassess benefit; taper if there is no ≥ {pct(ctx.t.partial_relief_pct)} or "
            f"{ctx.t.partial_delta_points:g}-point improvement.",
            "Warn about respiratory depression with opioids.",
        ),
    )


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
    return _conflict_card(
        ctx,
        order,
        RULE_STEROID,
        "Oral corticosteroid for sciatica: evidence conflict",
        "Oral corticosteroid for sciatica: NICE advises against; one source lists it first",
        ORAL_STEROIDS,
        ("nice_ng59",),
        ("Prefer NSAIDs and staying active; do not renew or repeat courses.",),
    )
