"""Order guardrails on order-select and order-sign (issue 5): judge each draft order against the
patient's history and the other draft orders, before it is signed.

On order-select only the ``selections`` are judged; on order-sign every draft order. Each check
lives in ``hooks.orders.checks`` (one module per check, with its When / Then / Evidence). A card
carries ``subject_key`` = the draft order reference and a stable ``rule_id``, so the same check on
the same order has the same identity on both hooks.

Red-flag pre-emption (decision model §1.1.2): when an order draws a critical card, the other cards
on that order are dropped; the emergency pathway is the only advice about it.

One session, one card: an injection drafted as one ServiceRequest per side or level draws the same
advice from a check on each; the same card on several draft orders is shown once, naming every order
(each order's fact and reason to be judged, with its reference, stay in the card), its suggestions
acting on all of them (``_one_card_per_session``).

Missing data is never an all-clear: when a check that applies to an order stayed silent and an
optional part of the history it reads (``NEEDS``) could not be fetched, the order gets one info card
(``order.not-fully-checked``) naming the data and what to review before signing.

A patient under 16 (``OrderContext.under_age``, the pathway's ``pathway_min_age_years``; no birth
date reads as an adult): the checks that rest on the adult pathway's timing, sequencing or value
evidence (``OrderCheck.adult_pathway``: early imaging, ESI sequencing, RFA, stimulators, fusion,
discography, the sciatica evidence-conflict notes) are not applied, as the patient-view pathway does
not apply its adult steps; the safety checks (red flags, antithrombotics, blind injection, opioid,
benzodiazepine and steroid-with-infection safety) still are (``checks_for``). A skipped check draws
no "not fully checked" card; each card on such an order says in its basis that the adult-pathway
checks were not applied.

Codes are read as EHRs send them: CPT by its OID, or with modifiers ("64483-LT"), is matched as the
plain CPT code; a transforaminal injection marked -KX, or written as diagnostic or local anaesthetic
only, is a diagnostic nerve root block (``OrderContext.is_diagnostic_block``), not a therapeutic ESI.
An epidural injection read from words is judged blind only when they say so ("blind", "without
fluoroscopy"); words silent on guidance are asked about on its "not fully checked" card.

A procedure order with no recognised code whose text names a lumbar spine procedure is read from its
words as the pathway reads uncoded procedures (an epidural steroid injection, facet or SI joint
ablation, diagnostic block, stimulator trial) and judged as that procedure; any other spine procedure
named only in words (fusion, permanent stimulator, pump ...) cannot be judged. Either way the order
also gets the ``order.not-fully-checked`` card saying its code was not recognised, with the
active red flags if any: an unrecognised code never reads as an all-clear. So does a drafted
medication sent with an unlisted code and no name (``OrderContext.unidentified``): it cannot be told
from an anticoagulant or a benzodiazepine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeVar

from hooks import suggestions as sx
from hooks.cards import Action, CardDraft, Fact, SuggestionDraft, data_name
from hooks.evaluation import EvaluationInput
from hooks.facts import DraftOrder
from hooks.orders.checks import (
    antithrombotics,
    discography,
    early_postop,
    esi_blind,
    esi_no_imaging,
    esi_repeat,
    esi_wrong_target,
    fusion,
    imaging_early,
    intrathecal,
    medications,
    mild,
    mri_contrast,
    neuromodulation,
    pregnancy,
    red_flag,
    rfa,
)
from hooks.orders.common import NOT_CHECKED, OrderCheck, card, draft_short
from hooks.orders.context import OrderContext, TextReading
from hooks.pathway.pregnancy import current_nsaids, mark_pregnancy
from hooks.pathway.rules.neuromodulation import implanted_device
from hooks.registry import expand_keys
from hooks.text import abbreviate, levels_in, parse_laterality

# Most urgent first: red-flag interception, the bleeding-risk safety check, radiation and gadolinium
# in pregnancy, then imaging, injections, ablation, devices, surgery, drugs (NSAIDs in pregnancy after
# the other drug checks).
CHECKS: tuple[OrderCheck, ...] = (
    *(m.CHECK for m in (red_flag, antithrombotics, pregnancy)),
    *(
        m.CHECK
        for m in (
            imaging_early,
            mri_contrast,
        )
    ),
    mri_contrast.CHECK_UNNEEDED,
    *(
        m.CHECK
        for m in (
            early_postop,
            esi_blind,
            esi_repeat,
            esi_wrong_target,
            esi_no_imaging,
            rfa,
            neuromodulation,
            intrathecal,
            fusion,
            mild,
            medications,
        )
    ),
    pregnancy.CHECK_NSAID,
    discography.CHECK,
)
RULE_NOT_CHECKED = NOT_CHECKED.id
_T = TypeVar("_T")
RULE_IDS: tuple[str, ...] = (*(rid for c in CHECKS for rid in c.rule_ids), RULE_NOT_CHECKED)


def evaluate_orders(inp: EvaluationInput) -> list[CardDraft]:
    """Cards for the draft orders this hook judges (the selections on order-select, all on order-sign)."""
    ctx = OrderContext(inp)
    checks = checks_for(ctx)
    cards: list[CardDraft] = []
    for order in ctx.judged:
        found: list[CardDraft] = []
        for check in checks:
            if check.defers_to and any(c.rule_id in check.defers_to and not inp.hides(c) for c in found):
                continue  # an earlier check's card on this order already gives the advice (and is shown)
            judged = check.judge(ctx, order)
            if ctx.under_age is not None:
                # under 16: a mixed check's adult-pathway cards are dropped, its safety cards kept
                judged = [c for c in judged if c.rule_id not in check.adult_rule_ids]
            if judged:
                basis = check.applies(ctx, order)
                found += [replace(c, basis=(*basis, *c.basis)) for c in judged]
        unchecked = _not_fully_checked(ctx, order, found)
        if unchecked is not None:
            found.append(unchecked)
        if ctx.under_age is not None:
            # the full reasoning says why no adult-pathway card is among them
            found = [replace(c, basis=(*c.basis, _under_age_fact(ctx))) for c in found]
        if any(c.indicator == "critical" for c in found):
            found = [c for c in found if c.indicator == "critical"]
        cards.extend(found)
    # a card that offers a lumbar MRI while an implanted neurostimulator or pump is on record says,
    # beside the draft order, to clear the scan against the device's MR labelling first
    device = implanted_device(ctx.pathway)
    cards = [sx.mark_implanted_device(c, ctx.term, device, at=2) for c in cards]
    return _no_second_orders(ctx, _one_card_per_session(_mark_pregnancy(ctx, cards)))


def _no_second_orders(ctx: OrderContext, cards: list[CardDraft]) -> list[CardDraft]:
    """No suggestion of the response orders what is already drafted in the session or offered by an
    earlier card, so accepting every recommended suggestion never orders a thing twice (CDS Hooks
    applies each suggestion's actions as a unit):

    - a suggestion whose one action creates an order with a code of a draft (a stat referral drafted
      beside the red-flag card's stat referral) or of an earlier suggestion's create (the naloxone
      each opioid's card offers) is dropped;
    - in a suggestion that also removes or changes a draft, a create of what is drafted is left out,
      and an update that would turn the draft into another order already drafted (the RFA changed to
      the block drafted beside it) removes the draft instead; it is then labelled "Cancel <draft>: <the
      other> is already drafted"."""
    drafted: dict[tuple[str, tuple[str, str]], DraftOrder] = {
        k: o for o in ctx.orders for k in _draft_keys(o)
    }
    taken = set(drafted)
    out = []
    for card_ in cards:
        kept = []
        for s in card_.suggestions:
            actions = s.actions
            if len(actions) == 1 and actions[0].type == "create" and actions[0].resource is not None:
                codes = _keys(actions[0].resource)
                if codes and codes & taken:
                    continue
                taken |= codes
                kept.append(s)
                continue
            trimmed = _without_drafted(ctx, s, drafted)
            if trimmed is not None and not any(_same_deletes(trimmed, k) for k in kept):
                kept.append(trimmed)
        same = len(kept) == len(card_.suggestions) and all(
            a is b for a, b in zip(kept, card_.suggestions, strict=True)
        )
        out.append(card_ if same else replace(card_, suggestions=tuple(kept)))
    return out


def _draft_keys(o: DraftOrder) -> set[tuple[str, tuple[str, str]]]:
    return {(o.resource_type, (c.system, c.code)) for c in o.all_codings}


def _same_place(aim: str, o: DraftOrder) -> bool:
    """Whether an order aimed as ``aim`` says (its words) is where the draft ``o`` is: not when both
    name levels and none is shared, or both name one side and they differ; unstated, the same."""
    theirs = " ".join(x for x in (o.text, o.body_site_text or "") if x)
    ours_levels, their_levels = set(levels_in(aim)), set(levels_in(theirs))
    if ours_levels and their_levels and not ours_levels & their_levels:
        return False
    sides = (parse_laterality(aim), parse_laterality(theirs))
    return not (all(x in ("left", "right") for x in sides) and sides[0] != sides[1])


def _same_deletes(a: SuggestionDraft, b: SuggestionDraft) -> bool:
    """Two suggestions that only remove, and remove the same drafts: one is enough."""

    def removes(s: SuggestionDraft) -> set[str | None] | None:
        return {x.resource_id for x in s.actions} if all(x.type == "delete" for x in s.actions) else None

    return removes(a) is not None and removes(a) == removes(b)


def _keys(resource: dict[str, Any]) -> set[tuple[str, tuple[str, str]]]:
    kind = str(resource.get("resourceType"))
    return {(kind, (c.system, c.code)) for c in sx.resource_codings(resource)}


def _without_drafted(
    ctx: OrderContext, s: SuggestionDraft, drafted: dict[tuple[str, tuple[str, str]], DraftOrder]
) -> SuggestionDraft | None:
    """``s`` without the orders it would make twice (see ``_no_second_orders``); None when nothing is
    left of it."""
    # the drafts this suggestion removes or changes are being replaced: a create of their kind is
    # the replacement, not a second order
    changed = {a.resource_id for a in s.actions if a.type == "delete"} | {
        f"{(a.resource or {}).get('resourceType')}/{(a.resource or {}).get('id')}"
        for a in s.actions
        if a.type == "update"
    }
    actions: list[Action] = []
    already: list[DraftOrder] = []
    by_ref = {o.ref: o for o in ctx.orders}
    for a in s.actions:
        resource = a.resource or {}
        if a.type == "delete":
            actions.append(a)
            continue
        # what this action orders is aimed where its draft (an update) or the suggestion (a create)
        # says: a block drafted at another level or side is another order
        source = by_ref.get(f"{resource.get('resourceType')}/{resource.get('id')}")
        if a.type == "update" and source is not None and _keys(resource) & _draft_keys(source):
            actions.append(a)  # the draft keeps its own code (a priority made stat): no other order
            continue
        aim = " ".join(x for x in (source.text, source.body_site_text or "") if x) if source else ""
        same = [
            drafted[k] for k in _keys(resource)
            if k in drafted and drafted[k].ref not in changed and _same_place(aim, drafted[k])
        ]  # fmt: skip
        if a.type == "create" and same:
            already.append(same[0])
            continue
        if a.type == "update" and same:
            ref = f"{resource.get('resourceType')}/{resource.get('id')}"
            already.append(same[0])
            why = f"Remove {ref}: {same[0].text} is already drafted"
            actions.append(Action("delete", why, resource_id=ref))
            continue
        actions.append(a)
    if not already:
        return s
    if not actions:
        return None
    removed = [o.text for a in actions if a.type == "delete" for o in ctx.orders if o.ref == a.resource_id]
    if not removed:
        return None
    label = f"Cancel {removed[0]}: {already[0].text} is already drafted"
    return replace(s, label=label, actions=tuple(actions))


def _mark_pregnancy(ctx: OrderContext, cards: list[CardDraft]) -> list[CardDraft]:
    """In pregnancy, another check's card that offers a fluoroscopic or CT-guided procedure or a
    contrast MRI, or names an NSAID, says what pregnancy changes (``pregnancy.mark_pregnancy``, as on
    patient-view); the draft order itself is judged by the pregnancy checks, whose cards say it already.
    A contrast MRI stays pre-selected while a tumour or an infection is suspected."""
    found = ctx.pathway.pregnancy
    if found is None:
        return cards
    nsaids = current_nsaids(ctx.pathway)
    contrast_needed = ctx.flag("malignancy") is not None or ctx.flag("infection") is not None
    return [
        c
        if c.rule_id in pregnancy.RULE_IDS
        else mark_pregnancy(
            c, ctx.term, found, contrast_needed=contrast_needed, read_steps=False, nsaid_refs=nsaids, at=2
        )
        for c in cards
    ]


def checks_for(ctx: OrderContext) -> tuple[OrderCheck, ...]:
    """The checks run for this patient: all of ``CHECKS`` for an adult or a patient with no birth
    date; for a patient under 16 (``OrderContext.under_age``) not those whose every rule rests on the
    adult pathway's timing, sequencing or value evidence (``OrderCheck.adult_pathway`` True: early
    ESI, repeat ESI, ESI without imaging, ESI for facet pain or claudication, RFA, stimulators,
    fusion, discography). The guidelines behind them cover adults (NICE NG59 from 16, ACR 2021
    adults), and the patient-view pathway gives such a patient one card saying its adult steps do not
    apply. Checks with a safety rule still run; the cards of their adult-pathway rules are dropped in
    ``evaluate_orders``. A check not run is not "not fully checked" either (``_not_fully_checked``)."""
    if ctx.under_age is None:
        return CHECKS
    return tuple(c for c in CHECKS if c.runs_under_age)


def _under_age_fact(ctx: OrderContext) -> Fact:
    """Said in the basis of every card on a child's order: which checks were left out, and why."""
    patient = ctx.history.patient
    return Fact(
        f"patient aged {ctx.under_age} (under {ctx.t.pathway_min_age_years}): the order checks that rest "
        "on adult evidence of timing, sequencing or value (NICE NG59 covers people aged "
        f"{ctx.t.pathway_min_age_years} and over, ACR 2021 adults) were not applied; the safety checks were",
        patient.ref if patient is not None else None,
        short=f"age {ctx.under_age}: adult-pathway order checks not applied",
    )


def _same_advice(c: CardDraft) -> tuple[object, ...]:
    """What a card says apart from the draft order it is on (its first fact, ``common.card``)."""
    return (
        c.rule_id, c.indicator, c.title, c.summary, c.why[1:], c.next_steps, c.avoid, c.evidence,
        c.conflicts, c.gaps, tuple((s.label, s.is_recommended) for s in c.suggestions),
    )  # fmt: skip


def _one_card_per_session(cards: list[CardDraft]) -> list[CardDraft]:
    """One card for the same advice on several draft orders of the session: an ESI ordered as one
    ServiceRequest per side or level (bilateral L5-S1, L4-5 and L5-S1) is one injection session, and
    the same check on each draws the same card. The card is kept once, on the first order: it names
    every draft order (one fact each), its basis keeps each order's reason to be judged (with its
    reference), and each suggestion acts on all of them (each order removed or changed; the
    alternative ordered once)."""
    groups: dict[tuple[object, ...], list[CardDraft]] = {}
    for c in cards:
        groups.setdefault(_same_advice(c), []).append(c)
    out: list[CardDraft] = []
    for c in cards:
        group = groups[_same_advice(c)]
        if len(group) == 1:
            out.append(c)
        elif c is group[0]:
            out.append(_merged(group))
    return out


def _merged(group: list[CardDraft]) -> CardDraft:
    first = group[0]
    suggestions = tuple(
        SuggestionDraft(
            label=s.label,
            # each draft order removed or changed first, then the alternative created once
            actions=tuple(
                sorted(
                    _unique(_one_each(a for c in group for a in c.suggestions[i].actions)),
                    key=lambda a: a.type == "create",
                )
            ),
            is_recommended=s.is_recommended,
        )
        for i, s in enumerate(first.suggestions)
    )
    return replace(
        first,
        why=(*(c.why[0] for c in group), *first.why[1:]),
        basis=tuple(_unique(f for c in group for f in c.basis)),
        suggestions=suggestions,
    )


def _one_each(actions: Iterable[Action]) -> list[Action]:
    """The actions of the merged cards, an order made twice made once: a draft whose update would
    give the same resource as an earlier draft's update (the same code and fields, only the id
    differing: each draft of a session changed to the same alternative) is removed instead, so that
    accepting the suggestion leaves one such order, as a created alternative is created once."""
    made: list[tuple[object, dict[str, Any]]] = []
    out: list[Action] = []
    for a in actions:
        if a.type == "update" and a.resource is not None:
            rid = a.resource.get("id")
            same = {k: v for k, v in a.resource.items() if k != "id"}
            if any(other != rid and made_same == same for other, made_same in made):
                ref = f"{a.resource.get('resourceType')}/{rid}"
                out.append(
                    Action("delete", f"Remove {ref}: the same order as the one changed", resource_id=ref)
                )
                continue
            made.append((rid, same))
        out.append(a)
    return out


def _unique(items: Iterable[_T]) -> list[_T]:
    """Items once each, in order (by value: the same alternative created by each card is one)."""
    out: list[_T] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def _not_fully_checked(ctx: OrderContext, order: DraftOrder, found: list[CardDraft]) -> CardDraft | None:
    """One info card when checks that apply to this order stayed silent without data they read, or
    when the order has no recognised code but its text names a spine procedure (``ctx.reading``).
    Only the checks run for this patient count (``checks_for``): an adult-pathway check left out for
    a patient under 16 was not silenced by missing data, and asking to review its data would mislead."""
    if order.grouped:
        return _grouped_card(order)
    missing = ctx.history.unavailable
    fired = {c.rule_id for c in found}
    silent: list[tuple[OrderCheck, list[str]]] = []
    for check in checks_for(ctx):
        keys = [k for k in expand_keys(check.needs) if k in missing]
        if keys and not fired & set(check.rule_ids) and check.applies(ctx, order):
            silent.append((check, keys))
    reading = ctx.reading(order)
    if not silent and reading is None and not ctx.unidentified(order):
        return None
    keys = sorted({k for _, ks in silent for k in ks})
    evidence = tuple(dict.fromkeys(e for check, _ in silent for e in check.evidence)) or NOT_CHECKED.evidence
    # the reason each could not be read is on the card's "Not recorded" line: the fact says which
    names = list(dict.fromkeys(data_name(k) for k in keys))  # as a clinician names the data
    why = [
        Fact(
            f"the patient's {data_name(k)} could not be read ({missing[k]})",
            short=f"{data_name(k)} could not be read",
        )
        for k in keys
    ]
    steps = [f"Before signing, review {check.checks_what} in the record." for check, _ in silent]
    if reading is not None:
        summary = _uncoded(ctx, order, reading, why, steps)
    elif ctx.unidentified(order):
        summary = _unidentified(order, why, steps)
    else:
        summary = f"Not fully checked: the patient's {', '.join(names)} could not be read"
    return card(
        RULE_NOT_CHECKED, "Order not fully checked: data unavailable", order,
        indicator="info",
        summary=summary,
        why=tuple(why),
        next_steps=tuple(steps),
        evidence=evidence,
        gaps=ctx.unavailable_gaps(*keys),
        order_short=draft_short(order),
    )  # fmt: skip


def _grouped_card(order: DraftOrder) -> CardDraft:
    """Orders drafted inside an order set (a RequestGroup's contained orders, a nested Bundle's
    entries): the checks judge orders sent one by one, and a suggestion cannot change an order inside
    a group. Never an all-clear: a warning that names each order left unchecked."""
    n = len(order.grouped)
    what = "order" if n == 1 else f"{n} orders"
    return card(
        RULE_NOT_CHECKED, "Order not fully checked: orders inside a group", order,
        indicator="warning",
        summary=f"Not checked: {what} drafted inside {order.ref or order.resource_type}; review "
        f"{'it' if n == 1 else 'them'} before signing",
        why=tuple(Fact(f"drafted inside {order.ref or order.resource_type}: {g}") for g in order.grouped),
        next_steps=(
            "Before signing, review each of these orders against the patient's record yourself: this "
            "service checks draft orders sent one by one, not inside an order set (RequestGroup or "
            "nested Bundle).",
        ),
        evidence=NOT_CHECKED.evidence,
        order_short=draft_short(order),
    )  # fmt: skip


def _unidentified(order: DraftOrder, why: list[Fact], steps: list[str]) -> str:
    """What the card says of a drafted medication sent with an unlisted code and no name
    (``OrderContext.unidentified``): the medication checks could not tell what it is."""
    sent = ", ".join(f"{c.code} ({c.system})" for c in order.all_codings)
    why.insert(
        0,
        Fact(
            f"the drafted medication's code is not one the service recognises and no name was sent: {sent}",
            order.ref or None,
            short=f"medication not identified: {', '.join(dict.fromkeys(c.code for c in order.all_codings))}",
        ),
    )
    steps.insert(
        0,
        "Before signing, check what this medication is: an anticoagulant or antiplatelet before a spinal "
        "injection, or a benzodiazepine or gabapentinoid beside an opioid, needs review "
        "(ASRA 2018; CDC 2022).",
    )
    return "Not fully checked: the drafted medication could not be identified (unrecognised code, no name)"


def _uncoded(
    ctx: OrderContext, order: DraftOrder, reading: TextReading, why: list[Fact], steps: list[str]
) -> str:
    """What the card says of an order with no recognised code whose text names a spine procedure: the
    checks could judge it only by its words (or not at all), so it is never cleared silently."""
    sent_codes = [c for c in order.codings if c != reading.coding]
    sent = ", ".join(f"{c.code} ({c.system})" for c in sent_codes) or "no code"
    codes = ", ".join(dict.fromkeys(c.code for c in sent_codes)) or "no code"
    ref = order.ref or None
    why.insert(
        0,
        Fact(
            f"the draft order's code is not one the service recognises: {sent}",
            ref,
            short=f"code not recognised: {codes}",
        ),
    )
    if reading.coding is not None:
        why.insert(
            1,
            Fact(
                f"read from its text as a {reading.what}; the checks for it were applied",
                short=f"checked as a {abbreviate(reading.what)}, read from its text",
            ),
        )
        summary = f"Not fully checked: no recognised procedure code; read from its text as a {reading.what}"
    else:
        summary = "Not fully checked: no recognised procedure code for this spine procedure"
    if reading.guidance_unstated:
        # judged as the image-guided injection: a guess is no reason to stop the order, but it is said
        why.insert(
            2,
            Fact(
                "the order does not say whether the injection is done with imaging guidance",
                short="imaging guidance not stated",
            ),
        )
        steps.insert(
            0,
            "Confirm the injection is done with fluoroscopic or CT guidance: a blind (landmark-only) "
            "epidural injection is not recommended and is not an adequate trial.",
        )
    flags = ctx.emergency_flags
    for flag in flags:
        why.extend(flag.facts)
    steps.insert(0, "Code the order with its CPT procedure code so every check applies to it.")
    if flags:
        labels = ", ".join(f.label for f in flags)
        steps.insert(1, f"Red flag active ({labels}): elective spine procedures wait until it is treated.")
    steps.append(
        "Before signing, review the red flags, anticoagulant or antiplatelet therapy, and earlier "
        "procedures and their results in the record."
    )
    return summary[:139]


__all__ = ["CHECKS", "RULE_IDS", "checks_for", "evaluate_orders"]
