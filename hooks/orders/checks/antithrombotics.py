"""Check 0 — anticoagulant or antiplatelet before a neuraxial or deep procedure
(``order.antithrombotic-procedure``).

When: a procedure of high bleeding risk (``procedures_bleeding_risk_high``: spinal cord or DRG
      stimulator trial and implant, intrathecal pump, MILD) or intermediate risk
      (``procedures_bleeding_risk_intermediate``: epidural injections, facet blocks and ablation,
      discography) is ordered while the patient takes an anticoagulant or an antiplatelet other than
      aspirin (``rx_antithrombotics_before_procedures``: warfarin, DOACs, heparins, P2Y12 inhibitors,
      cilostazol, dipyridamole, vorapaxar). Current therapy only: an active (or on-hold)
      MedicationRequest/MedicationStatement not stopped, completed or entered in error, or one
      drafted in the same session. An order still marked active whose supply or validity ran out
      within ``stale_order_days`` is named too, to confirm it is taken (``supply_run_out``; not an
      NSAID's, a course that ran out). For a high-risk procedure aspirin and other NSAIDs
      (``rx_nsaids``) count as a minor factor: named on the card, and alone they give an info note.
      Low-risk procedures (peripheral nerve blocks, trigger points, sacroiliac joint injections) are
      not listed, so they draw no card.
Then: warning on order-sign, info on order-select; names the drugs and the procedure's bleeding-risk
      class; "hold and restart per the ASRA 2018 interval for this drug, agreed with the prescriber"
      ("each drug per its ASRA 2018 interval" when there are several). The card's facts have short
      forms that keep what decides it: the procedure with its risk class, each drug by name and class.
      The card never suggests stopping or removing the drug (or the procedure): the hold is a plan the
      prescriber agrees, for stents, atrial fibrillation or venous thromboembolism often cardiology or
      neurology.
Evidence: Narouze et al., ASRA/ESRA/AAPM/INS/NANS/WIP 2018, Reg Anesth Pain Med 2018;43(3):225-262.

It runs first among the elective checks: a safety card must not sit below a low-value card on the
same order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from hooks.cards import CardDraft, Fact, Indicator
from hooks.facts import DraftOrder, MedicationFact
from hooks.orders.common import OrderCheck, card
from hooks.orders.context import OrderContext
from hooks.rule import INFO_OR_WARNING, Rule, order_rule
from hooks.terminology import Coding
from hooks.text import abbreviate

EVIDENCE: tuple[str, ...] = ("asra_antithrombotics_2018",)
NEEDS: tuple[str, ...] = ("medicationRequests", "medicationStatements")
RULE_ID_DECL: Rule = order_rule(
    "order.antithrombotic-procedure",
    "Anticoagulant or antiplatelet before a procedure",
    "order.antithrombotic-procedure",
    EVIDENCE,
    INFO_OR_WARNING,
)
RULE_ID = RULE_ID_DECL.id

# Statuses that end therapy (MedicationRequest and MedicationStatement); a draft is not yet therapy.
_ENDED = frozenset({"stopped", "completed", "cancelled", "entered-in-error", "not-taken", "revoked", "draft"})
# Drug classes, most bleeding-relevant first, as a card names them.
_CLASSES: tuple[tuple[str, str], ...] = (
    ("rx_anticoagulants", "anticoagulant"),
    ("rx_p2y12_inhibitors", "P2Y12 inhibitor"),
    ("rx_antiplatelets_other", "antiplatelet"),
)
_MINOR = ("rx_nsaids", "aspirin or NSAID")

HOLD_RESTART = (
    "Hold and restart per the ASRA 2018 interval for this drug, agreed with the prescriber "
    "(cardiology/neurology for stents, AF, VTE)."
)
# the same with two or more drugs: each has its own interval
HOLD_RESTART_EACH = (
    "Hold and restart each drug per its ASRA 2018 interval, agreed with the prescriber "
    "(cardiology/neurology for stents, AF, VTE)."
)
RECORD_NAME_MAX = 20  # a record's own name for a drug (a brand: "Eliquis") longer than this is not one


@dataclass(frozen=True)
class Agent:
    """One antithrombotic the patient takes now (or has drafted), as the card names it."""

    name: str  # ingredient name ("apixaban"), or the record's text when no member names it
    fact: Fact


def risk_class(ctx: OrderContext, order: DraftOrder) -> str | None:
    """The order's ASRA 2018 bleeding-risk class, "high" or "intermediate"; None for any other order."""
    if not order.is_procedure_order:
        return None
    if ctx.order_is(order, "procedures_bleeding_risk_high") is not None:
        return "high"
    if ctx.order_is(order, "procedures_bleeding_risk_intermediate") is not None:
        return "intermediate"
    return None


def is_current(ctx: OrderContext, m: MedicationFact) -> bool:
    """Therapy the patient is on now: not ended by its status, and no end date in the past."""
    if (m.status or "").lower() in _ENDED:
        return False
    return m.end is None or m.end >= ctx.today


def supply_run_out(ctx: OrderContext, m: MedicationFact) -> bool:
    """An order still marked active whose supply or validity ended within ``stale_order_days``: the
    status says the drug goes on (refills, a renewal not yet recorded), the dates that it ran out. A
    bleeding risk is not assumed away: the card names it, to confirm."""
    if m.resource_type != "MedicationRequest" or (m.status or "").lower() != "active" or m.end is None:
        return False
    return ctx.today - timedelta(days=ctx.t.stale_order_days) <= m.end < ctx.today


def _member_name(ctx: OrderContext, value_set: str, codings: Sequence[Coding], text: str) -> str:
    hit = ctx.term.match(value_set, codings)
    return hit.display if hit is not None else text


def drug_short(text: str, name: str, what: str) -> str:
    """A drug as the card's short form names it, by name and class: "Eliquis (apixaban):
    anticoagulant" — the record's own name (its text up to the dose) beside the ingredient when the
    text does not say the ingredient, else the ingredient alone; the dose stays in the full reasoning."""
    record = re.split(r"\s+\d", text.strip(), maxsplit=1)[0].strip(" ,;:-")
    if name.lower() in text.lower() or not record or len(record) > RECORD_NAME_MAX:
        return f"{name}: {what}"
    return f"{record} ({name}): {what}"


def current_agents(ctx: OrderContext, value_set: str, label: str, order: DraftOrder) -> list[Agent]:
    """Current therapy in the history and drugs drafted in this session, in ``value_set``."""
    out: list[Agent] = []
    for m in ctx.pathway.medications(value_set):
        if value_set != _MINOR[0] and supply_run_out(ctx, m):  # an NSAID course that ran out has ended
            name = _member_name(ctx, value_set, (*m.codings, *m.ingredient_codings), m.text)
            assert m.end is not None
            what = f"{label}, order still marked active, supply to {m.end.isoformat()}: confirm it is taken"
            out.append(Agent(name, Fact(f"{m.text}: {what}", m.ref, short=drug_short(m.text, name, label))))
            continue
        if is_current(ctx, m):
            name = _member_name(ctx, value_set, (*m.codings, *m.ingredient_codings), m.text)
            if ctx.pathway.is_stale_order(m) and m.start is not None:
                # an order of years ago never closed: still named (a bleeding risk is not assumed
                # away), but as the record it is, to confirm
                # (the sidebar keeps every drug by name and class; the date is in the full reasoning)
                what = f"{label}, order of {m.start.isoformat()} still marked active: confirm it is taken"
                out.append(
                    Agent(name, Fact(f"{m.text}: {what}", m.ref, short=drug_short(m.text, name, label)))
                )
                continue
            short = drug_short(m.text, name, label)
            out.append(Agent(name, Fact(f"{m.text}: current {label}", m.ref, short=short)))
    for o in ctx.draft_drugs(value_set, exclude=order):
        hit = ctx.drug_is(o, value_set)
        name = hit.display if hit is not None else o.text
        short = drug_short(o.text, name, f"{label}, drafted")
        fact = Fact(f"{o.text}: {label} drafted in this session", o.ref or None, short=short)
        out.append(Agent(name, fact))
    return out


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    risk = risk_class(ctx, order)
    if risk is None:
        return []
    major: list[Agent] = []
    anticoagulant = False
    for value_set, label in _CLASSES:
        seen = {a.fact.text for a in major}
        found = [a for a in current_agents(ctx, value_set, label, order) if a.fact.text not in seen]
        anticoagulant = anticoagulant or (value_set == "rx_anticoagulants" and bool(found))
        major += found
    minor = current_agents(ctx, *_MINOR, order) if risk == "high" else []
    if not major and not minor:
        return []
    indicator: Indicator = "warning" if major and ctx.inp.hook == "order-sign" else "info"
    return [_card(ctx, order, risk, major, minor, indicator, anticoagulant=anticoagulant)]


def _card(
    ctx: OrderContext,
    order: DraftOrder,
    risk: str,
    major: list[Agent],
    minor: list[Agent],
    indicator: Indicator,
    *,
    anticoagulant: bool = False,
) -> CardDraft:
    drugs = list(dict.fromkeys(a.name for a in (major or minor)))
    if major:
        names = ", ".join(dict.fromkeys(a.name for a in major))
        summary = (
            f"On {names}: {risk} bleeding-risk procedure; plan hold and restart per ASRA 2018 with the "
            "prescriber"
        )
    else:
        minor_names = ", ".join(dict.fromkeys(a.name for a in minor))
        summary = f"On {minor_names}: a minor bleeding factor for this high-risk procedure (ASRA 2018)"
    steps = (
        [HOLD_RESTART_EACH if len(drugs) > 1 else HOLD_RESTART]
        if major
        else [
            f"Agree with the prescriber whether to hold {'each' if len(drugs) > 1 else 'it'} before this "
            "procedure (ASRA 2018)."
        ]
    )
    steps += [
        # renal function and INR decide the anticoagulants' intervals, not an antiplatelet's or aspirin's
        f"ASRA 2018 classes this procedure as {risk} bleeding risk; check renal function for a DOAC and "
        "the INR for warfarin before the procedure."
        if anticoagulant
        else f"ASRA 2018 classes this procedure as {risk} bleeding risk.",
        "Restart timing after the procedure follows the same guideline and the prescriber's plan.",
    ]
    return card(
        RULE_ID,
        "Anticoagulant or antiplatelet before a procedure",
        order,
        indicator=indicator,
        summary=summary,
        why=(*(a.fact for a in major), *(a.fact for a in minor)),
        next_steps=steps,
        avoid=("Stopping the drug without the prescriber's agreement; proceeding without a hold plan.",),
        evidence=EVIDENCE,
        gaps=ctx.unavailable_gaps(*NEEDS),
        # what decides the card, shown whole: the procedure and its bleeding-risk class
        order_short=f"Draft order: {abbreviate(order.text)} — {risk} bleeding risk",
    )


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,),
    applies_to=("procedures_bleeding_risk_high", "procedures_bleeding_risk_intermediate"), kind="procedure",
    checks_what="current anticoagulants and antiplatelets (hold and restart per ASRA 2018)", needs=NEEDS,
    evidence=EVIDENCE, judge=check,
    adult_pathway=False,  # the bleeding risk of a neuraxial procedure does not depend on age
)  # fmt: skip
