"""The radiculopathy pathway on patient-view (decision model §1).

``evaluate_pathway(inp)`` applies the precedence of §1.1:

1. Red flags first. R1 (cauda equina) needs only a spinal diagnosis beside new sphincter/saddle
   symptoms; R2 and R3 need the gate. A critical red flag is the only card returned.
2. The gate: an active, non-refuted lumbar radicular condition, post-laminectomy syndrome, or lumbar
   stenosis with leg symptoms. Disc codes alone never open it (X1: no card). A patient under 16
   (the youngest NICE NG59 covers) gets one info card saying the adult pathway does not apply, after
   the red flags.
3. A red-flag warning (R2, stable deficit) pre-empts every pathway card; cross-cutting cards stay.
4. Post-surgical S-branch if a prior lumbar decompression/fusion (or M96.1/Z98.1 with lumbar
   context; S0 within 3 months of the operation), otherwise the conservative → ESI branch (E, P, F):
   one tree of named predicates over the catalogue, ``hooks.pathway.precedence.PATHWAY_STATES``.
5. Device and ablation branches (N, L, A) whenever matching procedures exist, even with the gate
   closed (a facet RFA that wore off in a patient with facet arthropathy only).
6. Cross-cutting medication (M) and psychosocial (Y) cards beside one pathway card. A mimic on
   record (§7.5) is named on a card that follows a failed lumbar treatment, with its test as the
   next step (``rules/mimics.py``).
7. The alert budget: at most two cards — the most urgent pathway card and one cross-cutting card
   (several cross-cutting rules are merged into one card).
8. Pregnancy (``pregnancy.py``): for a current pregnancy, every card that offers or recommends a
   fluoroscopic or CT-guided procedure, a contrast MRI or an NSAID names the pregnancy and says what
   it changes (defer until after delivery, ACOG 2017; gadolinium only if essential, ACOG 2017;
   NSAIDs avoided from 20 weeks, FDA 2020); a fluoroscopic order is no longer pre-selected.

Errors propagate: a rule that crashes must never look like "no cards".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hooks import suggestions as sx
from hooks.cards import INDICATOR_RANK, SUMMARY_MAX, CardDraft, Fact, clip_clause, data_name
from hooks.evaluation import EvaluationInput
from hooks.facts import ProcedureFact
from hooks.pathway.context import Assessor, PathwayContext
from hooks.pathway.precedence import ABLATION_STATES, DEVICE_STATES, RED_FLAGS, decided, pathway_card
from hooks.pathway.pregnancy import NSAID_WEEKS, current_nsaids, mark_pregnancy
from hooks.pathway.rules import (
    ablation,
    esi_outcome,
    medication,
    mimics,
    neuromodulation,
    psychosocial,
    red_flags,
    refractory,
)
from hooks.pathway.rules.common import TOPIC_PATHWAY, Rule, unread_gap

__all__ = ["PathwayContext", "evaluate_context", "evaluate_pathway", "pathway_card", "pathway_step"]


def evaluate_pathway(inp: EvaluationInput, assessor: Assessor | None = None) -> list[CardDraft]:
    """The pathway cards for one patient-view call (``assessor`` replaces §3 inference in tests)."""
    ctx = PathwayContext(inp, assessor)
    return admit_unread_data(ctx, admit_onset_gaps(ctx, evaluate_context(ctx)))


NOT_FULLY_CHECKED = Rule(
    "pathway.not-fully-checked",
    "Radiculopathy pathway not fully checked",
    "radicular-data-gaps",
    ("nice_ng59",),
)


NOT_ADULT = Rule(
    "pathway.under-age",
    "Radiculopathy pathway not applied: patient under 16",
    TOPIC_PATHWAY,
    ("nice_ng59",),
)


def age_years(birth: date | None, today: date) -> int | None:
    """Completed years of age on ``today``; None without a birth date."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def under_age(ctx: PathwayContext) -> int | None:
    """The patient's age when it is under ``pathway_min_age_years`` (16: the age NICE NG59 starts
    at; ACR 2021 and the other guidelines are for adults), else None (no birth date: an adult)."""
    patient = ctx.history.patient
    age = age_years(patient.birth_date if patient is not None else None, ctx.today)
    return age if age is not None and age < ctx.t.pathway_min_age_years else None


def under_age_card(ctx: PathwayContext, age: int) -> CardDraft:
    """A child or young adolescent inside the gate: the adult steps (injections, imaging thresholds,
    opioid and neuropathic-agent reviews) are not applied, and the card says so rather than go
    silent. Red flags were judged before this card and still speak."""
    patient = ctx.history.patient
    birth = patient.birth_date if patient is not None else None
    born = birth.isoformat() if birth is not None else "unknown"
    return NOT_ADULT.card(
        ctx,
        indicator="info",
        summary=f"Patient is {age}: this adult radiculopathy pathway does not apply; assess with a "
        "paediatric spine specialist",
        why=(
            Fact(
                f"age {age} on {ctx.today.isoformat()} (born {born})",
                patient.ref if patient is not None else None,
                short=f"age {age}",
            ),
            *(ctx.cond_fact(c, "radicular diagnosis: ") for c in ctx.gate_conditions[:1]),
        ),
        next_steps=(
            "Radicular leg pain is uncommon before 16: look for a serious or structural cause (infection, "
            "tumour, spondylolysis or spondylolisthesis, a disc herniation with a deficit) and refer to a "
            "paediatric spine or orthopaedic specialist.",
            f"The guidelines this pathway follows cover people aged {ctx.t.pathway_min_age_years} and "
            "over (NICE NG59) or adults (ACR 2021); red flags were still checked.",
        ),
        avoid=("Adult injection, imaging-timing or opioid rules applied to a child.",),
    )


def admit_onset_gaps(ctx: PathwayContext, cards: list[CardDraft]) -> list[CardDraft]:
    """An onset sent in words ("years ago") is a data gap every card names; read as a bound it still
    lets the pathway run (§1.1.6 never gets an invented date). A patient inside the gate whose onset
    cannot be read at all, or was never sent (no onset, no recorded date), and who therefore has no
    duration-based card, gets one saying so: never a silent empty list."""
    gaps = tuple(ctx.onset_gaps())
    if not gaps or not ctx.gate_open:
        return cards
    if cards:
        return [replace(c, gaps=c.gaps + tuple(g for g in gaps if g not in c.gaps)) for c in cards]
    return [
        NOT_FULLY_CHECKED.card(
            ctx,
            indicator="info",
            summary="Radiculopathy pathway not fully checked: the symptom onset is "
            + ("not a date" if ctx.unread_onsets else "not recorded"),
            why=(
                ctx.onset_fact(),
                *(Fact(f"{c.text}: onset sent as '{c.onset_unread}'", c.ref) for c in ctx.unread_onsets[1:2]),
            ),
            next_steps=(
                "Record when the leg pain began (a date, or how many weeks before a dated visit): the acute, "
                "persistent and chronic steps of the pathway depend on it (NICE NG59).",
                "Red flags were checked on the record as it stands.",
            ),
            avoid=(),
            gaps=gaps,
        )
    ]


def admit_unread_data(ctx: PathwayContext, cards: list[CardDraft]) -> list[CardDraft]:
    """Optional data the EHR could not give may change every state (a missing medication list hides
    an analgesic escalation, missing reports hide a concordant lesion), so no card may read as if it
    were complete: each card names every key that could not be read, and a patient inside the gate
    with no card at all gets one info card saying what was not checked — never a silent empty list.
    (A closed gate is decided on the Conditions, which are required data.)"""
    missing = ctx.history.unavailable
    if not missing:
        return cards
    if not cards:
        if not ctx.gate_open:
            return cards
        return [
            NOT_FULLY_CHECKED.card(
                ctx,
                indicator="info",
                summary="Radiculopathy pathway not fully checked: "
                + ", ".join(dict.fromkeys(data_name(k) for k in sorted(missing)))
                + " could not be read",
                why=(
                    ctx.onset_fact(),
                    *(
                        Fact(f"the patient's {data_name(k)} could not be read ({missing[k]})")
                        for k in sorted(missing)
                    ),
                ),
                next_steps=(
                    "Review the record for what could not be read before relying on the absence of advice.",
                ),
                avoid=(),
                gaps=[unread_gap(k, missing[k]) for k in sorted(missing)],
            )
        ]
    out = []
    for card in cards:
        extra = tuple(
            unread_gap(k, missing[k]) for k in sorted(missing) if not any(k in g for g in card.gaps)
        )
        out.append(replace(card, gaps=card.gaps + extra) if extra else card)
    return out


def evaluate_context(ctx: PathwayContext) -> list[CardDraft]:
    """The cards for the patient; any that offers a lumbar MRI while an implanted neurostimulator or
    pump is on record says to clear the scan against the device's MR labelling first, and any that
    offers or recommends a fluoroscopic or CT-guided procedure, a contrast MRI or an NSAID to a
    pregnant patient says what pregnancy changes (``pregnancy.mark_pregnancy``)."""
    device = neuromodulation.implanted_device(ctx)
    cards = [sx.mark_implanted_device(c, ctx.term, device) for c in _evaluate_context(ctx)]
    if ctx.pregnancy is None:
        return cards
    nsaids = current_nsaids(ctx)
    # an NSAID she is taking is named on the first card, whatever that card is about (FDA 2020); from
    # 20 weeks the line the card shows says to stop it, the card's own recommendation staying first
    label = (
        f"to stop, past {NSAID_WEEKS} weeks of pregnancy (FDA 2020): "
        if ctx.pregnancy.past_nsaid_weeks
        else "taking in pregnancy: "
    )
    taking = tuple(ctx.med_fact(m, label) for m in ctx.medications("rx_nsaids") if m.ref in nsaids)
    return [
        mark_pregnancy(c, ctx.term, ctx.pregnancy, nsaid_refs=nsaids, taking=taking if i == 0 else ())
        for i, c in enumerate(cards)
    ]


def _evaluate_context(ctx: PathwayContext) -> list[CardDraft]:
    red = decided(ctx, RED_FLAGS).card
    if red is not None and red.indicator == "critical":
        return [red]  # a critical card stands alone
    device = decided(ctx, DEVICE_STATES).card
    ablated = decided(ctx, ABLATION_STATES).card
    if not ctx.gate_open:
        # X1 (an incidental disc finding) or no radicular diagnosis: no radiculopathy card, but the
        # device and ablation branches run on their own procedures (§1.1.4), e.g. a facet RFA that
        # wore off in a patient whose only spine diagnosis is facet arthropathy
        return alert_budget([mimics.with_mimics(ctx, c) for c in (device, ablated) if c is not None], [])
    age = under_age(ctx)
    if age is not None:
        # a deficit (R2 warning) still leads; otherwise one card says the adult pathway was not applied;
        # drug safety (an opioid with a sedative, MOUD) is said beside it
        lead = red if red is not None else under_age_card(ctx, age)
        return alert_budget([lead], medication.any_age_drug_safety(ctx))
    if red is not None:
        pathway = [red]
    else:
        main = pathway_card(ctx)
        leads = _ablation_leads(ctx, ablated)
        if main is not None and superseded_by_later_treatment(
            ctx, main, later_card=bool(device or (ablated and leads))
        ):
            main = None  # a later line of treatment is under way: its own card says what comes next
        if main is not None and ablated is not None and not leads:
            main = replace(main, why=(*main.why, _misdirected_ablation(ctx)))
        # on equal urgency the card about the latest line of treatment speaks for the pathway, unless
        # it is an ablation of a pain generator the record does not hold (``_ablation_leads``)
        in_turn = (device, ablated, main) if leads else (device, main, ablated)
        pathway = [
            red_flags.with_infection_risks(
                ctx, red_flags.with_stale_infections(ctx, mimics.with_mimics(ctx, c))
            )
            for c in in_turn
            if c is not None
        ]
    cross_rules = (*medication.MEDICATION_RULES, psychosocial.y1_psychosocial_risk)
    cross = [c for rule in cross_rules if (c := rule(ctx)) is not None]
    return alert_budget(pathway, cross)


def pathway_step(ctx: PathwayContext) -> CardDraft | None:
    """The E/P/F/S card the patient view shows as this patient's step on the pathway
    (``_evaluate_context``), or None where it shows none: a red flag, no radicular diagnosis (the gate
    closed), a patient under the pathway's age, or a later line of treatment under way whose own card
    speaks. What the order checks read when an order must agree with the step (a stimulator trial
    where the step says the diagnosis is not settled)."""
    if decided(ctx, RED_FLAGS).card is not None or not ctx.gate_open or under_age(ctx) is not None:
        return None
    main = pathway_card(ctx)
    ablated = decided(ctx, ABLATION_STATES).card
    later = decided(ctx, DEVICE_STATES).card is not None or _ablation_leads(ctx, ablated)
    if main is not None and superseded_by_later_treatment(ctx, main, later_card=later):
        return None
    return main


def _ablation_leads(ctx: PathwayContext, ablated: CardDraft | None) -> bool:
    """Whether the ablation's card (A1, A2) speaks for the patient's step. A1 does not where the
    record holds a radicular diagnosis and no facet, SI joint or axial back pain
    (``ablation.radicular_only``): an ablation does not treat radicular leg pain, so one that failed
    (or whose outcome is not recorded) says nothing of where the radiculopathy stands, and the
    radicular step (an ESI, a surgical opinion, a stimulator) leads on equal urgency; a held repeat
    ablation (a warning) still leads, and so does A1 where a positive block before the ablation, or
    scores showing the back hurting more than the leg, put the back pain it treated on record. An
    ablation that helped (A2) was evidence of a facet or SI joint source: its card keeps the lead."""
    if ablated is None:
        return False
    if ablated.rule_id != ablation.A1.id or ablated.indicator == "warning" or not ctx.ablations:
        return True
    # the back pain the ablation treated is on record: a positive block before it, or scores showing
    # the back hurting more than the leg (as the order check ``order.rfa-no-block`` reads them)
    treated_back_pain = ablation.block_before(ctx, ctx.ablations[-1]).confirmed or bool(
        refractory.axial_predominant(ctx)
    )
    return treated_back_pain or not ablation.radicular_only(ctx)


def _misdirected_ablation(ctx: PathwayContext) -> Fact:
    """The ablation beside the radicular step it did not change."""
    return ctx.proc_fact(
        ctx.ablations[-1],
        " — an ablation does not treat radicular leg pain (NICE NG59); no further RFA",
        short=": ablation does not treat leg pain",
    )


def alert_budget(pathway: list[CardDraft], cross: list[CardDraft]) -> list[CardDraft]:
    """At most two cards: the most urgent pathway card and one cross-cutting card (merged when
    several apply). Alert fatigue is the first reason clinicians switch decision support off."""
    out = []
    if pathway:
        out.append(max(pathway, key=lambda c: INDICATOR_RANK[c.indicator]))  # first wins on ties
    if cross:
        merged = merge_cross_cutting(cross)
        if out and out[0].conflict_now is not None and out[0].conflict_now in merged.conflicts:
            # the medicine's own card says it, beside the medicine it is about
            out[0] = replace(out[0], conflict_now=None)
        out.append(merged)
    return out


def merge_cross_cutting(cards: list[CardDraft]) -> CardDraft:
    """One card for every cross-cutting rule that fired: the most urgent leads (its rule id and topic),
    its two deciding facts and each other rule's first come first, and nothing of the full reasoning
    is dropped. The summary keeps the lead's whole clauses that fit beside what else it carries."""
    if len(cards) == 1:
        return cards[0]
    lead = max(cards, key=lambda c: INDICATOR_RANK[c.indicator])
    rest = [c for c in cards if c is not lead]
    ordered = [lead, *rest]
    also = " Also: " + ", ".join(CROSS_CUTTING_NAMES.get(c.rule_id, c.title.lower()) for c in rest) + "."
    suggestions = tuple({s.label: s for c in ordered for s in c.suggestions}.values())
    # the lead's two deciding facts (its summary's pair: the opioid and the benzodiazepine beside it),
    # then each other rule's first
    # then each other rule's first about a record not already shown (M1's gabapentinoid is M2's too)
    # a warning merged beside a warning lead is said in a line of its own before the lead's second fact
    # (its summary: "Naproxen with eGFR 24 on 2026-10-12: review and stop it" beside an opioid with a
    # benzodiazepine, whose summary already names both drugs), so the card the EHR shows says it
    graver = [
        Fact(c.summary, c.why[0].ref, also=tuple(f.ref for f in c.why[1:] if f.ref), short=c.summary)
        for c in rest
        if c.indicator == lead.indicator == "warning"
    ]
    firsts = [*lead.why[:1], *graver, *lead.why[1:2]]
    for c in rest:
        if c.why[0].ref is None or c.why[0].ref not in {f.ref for f in firsts}:
            firsts.append(c.why[0])
    return replace(
        lead,
        summary=_with_also(lead.summary, also),
        why=tuple(dict.fromkeys((*firsts, *(f for c in ordered for f in c.why)))),
        next_steps=tuple(dict.fromkeys(s for c in ordered for s in c.next_steps)),
        avoid=tuple(dict.fromkeys(s for c in ordered for s in c.avoid)),
        evidence=tuple({g.key: g for c in ordered for g in c.evidence}.values()),
        conflicts=tuple(dict.fromkeys(x for c in ordered for x in c.conflicts)),
        gaps=tuple(dict.fromkeys(g for c in ordered for g in c.gaps)),
        suggestions=suggestions,
        selection_behavior="any" if len(suggestions) > 1 else lead.selection_behavior,
        conflict_now=next((c.conflict_now for c in ordered if c.conflict_now is not None), None),
        merged=tuple(c.rule_id for c in rest),
    )


def _with_also(summary: str, also: str) -> str:
    """The lead's summary, cut after its last whole clause that fits (``clip_clause``), ended as a
    sentence, then what else the card carries (" Also: ...")."""
    head = clip_clause(summary.rstrip("."), SUMMARY_MAX - len(also) - 1)
    return (head if head.endswith(("…", "?", "!")) else head + ".") + also


# How a merged cross-cutting card names the rules it carries besides its lead.
CROSS_CUTTING_NAMES = {
    "M1": "opioid review",
    "M2": "neuropathic-agent review",
    "M3": "oral corticosteroid",
    "M4": "opioid use disorder treatment",
    "M5": "NSAID to stop",
    "Y1": "psychosocial risk",
}


ESI_STATES = ("F0", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8")


def superseded_by_later_treatment(ctx: PathwayContext, main: CardDraft, *, later_card: bool) -> bool:
    """An F-state judged on the epidural injections is stale once a later line of treatment followed
    them: a stimulator trial or implant (whether or not its card speaks: a stimulator that still
    helps is silent, and the old "ESI failed, next procedure" advice must not reappear), or an
    ablation whose own card speaks for the current step (``later_card``). A pending ESI order keeps
    the card, which names it; an ablation never stales F3, the surgical opinion on a concordant
    compressive lesion. S3 and F7 recommend SCS evaluation, moot once a stimulator exists or a trial
    is running (``neuromodulation.stimulator_trial_running``).
    S1 (radicular pain after surgery: contrast MRI, surgical review) is stale once a permanent
    stimulator implanted after the operation still helps: the pain it treats is not new; pain rising
    again under the stimulator is N3's (interrogation and reprogramming, imaging if new signs)."""
    if stimulator_explanted(ctx) and not later_card:
        return False  # the stimulator is out (infection, failure): the pathway speaks again
    if main.rule_id in ("F7", "S3") and (ctx.scs_procedures or neuromodulation.stimulator_trial_running(ctx)):
        return True
    if main.rule_id == "S1" and stimulator_after_surgery(ctx):
        return True
    if main.rule_id not in ESI_STATES or not ctx.esis:
        return False
    last_esi = ctx.esis[-1].performed

    def after_last_esi(procedures: tuple[ProcedureFact, ...]) -> bool:
        done = [p.performed for p in procedures if p.performed is not None]
        return any(last_esi is None or when >= last_esi for when in done)

    if after_last_esi(ctx.scs_procedures) and not esi_outcome.pending_esi_orders(ctx):
        return True
    if main.rule_id == "F3":
        # a compressive lesion concordant with the symptoms that no surgeon has reviewed: an ablation
        # since treats another pain generator (a facet or SI joint) and does not answer it
        return False
    return later_card and after_last_esi((*ctx.scs_procedures, *ctx.ablations))


def stimulator_after_surgery(ctx: PathwayContext) -> bool:
    """A permanent stimulator implanted after the last lumbar operation (an undated operation counts as
    before it), still implanted, and not shown losing effect."""
    surgery = ctx.last_surgery
    since = surgery.performed if surgery is not None else None
    return bool(neuromodulation.stimulator_still_helping(ctx, since))


def stimulator_explanted(ctx: PathwayContext) -> bool:
    """A permanent stimulator was implanted and its electrodes removed after the last implant
    (explanted for infection or failure): no longer a line of treatment under way."""
    implants = [p.performed for p in ctx.scs_permanent if p.performed is not None]
    removals = [q.performed for q in ctx.procedures("scs_lead_removal") if q.performed is not None]
    return bool(implants and removals) and max(removals) > max(implants)
