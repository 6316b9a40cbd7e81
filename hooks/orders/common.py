"""Shared pieces of the order checks: the card shape and the actions that act on a draft order.

Identity: a card's ``rule_id`` is the check's stable id (``order.mri-early``) and its
``subject_key`` the draft order reference (``ServiceRequest/123``); ``topic`` joins both, so one
order can carry cards from several checks and the same check on two orders gives two cards. The
same check on the same draft order therefore has the same (rule_id, subject_key) on order-select
and on order-sign.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import replace as with_fields
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from hooks import suggestions as sx
from hooks.cards import (
    SUMMARY_MAX,
    Action,
    CardDraft,
    Conflict,
    Fact,
    Indicator,
    LinkDraft,
    SuggestionDraft,
    clip,
)
from hooks.evidence import guideline
from hooks.facts import DraftOrder
from hooks.rule import ORDER_HOOKS, Rule
from hooks.suggestions import OrderSpec, Priority, service_request
from hooks.terminology import Coding, Terminology
from hooks.text import abbreviate, levels_in, parse_laterality, parse_level

if TYPE_CHECKING:
    from hooks.orders.context import OrderContext

# Said on an order when a check that applies to it stayed silent for lack of data.
NOT_CHECKED = Rule(
    "order.not-fully-checked",
    "Order not fully checked: data unavailable",
    "order.not-fully-checked",
    ("nice_ng59",),
    hooks=ORDER_HOOKS,
)


@dataclass(frozen=True)
class OrderCheck:
    """One order check as data, declared at the end of its module in ``hooks/orders/checks/``.

    ``rules`` the catalogue rules its cards carry; ``applies_to`` the value sets of the orders it
    judges (of the drug, when ``kind`` is ``"medication"``); ``needs`` the optional prefetch keys
    whose loss can silence it, ``checks_what`` what the "not fully checked" card then asks the
    clinician to review and ``evidence`` the sources of that card; ``judge`` the function that
    judges one draft order; ``excludes`` (optional) the orders in ``applies_to`` it does not judge
    (a diagnostic nerve root block is coded as a transforaminal ESI but is not one); ``defers_to``
    (optional) the rules of checks earlier in ``hooks.orders.CHECKS`` whose card on the same order
    already says what this check would (one piece of advice per order): this check is then not run,
    unless that card's rule is snoozed for the patient (``EvaluationInput.silenced``): a snoozed card is
    not shown, so it says nothing.

    ``adult_pathway`` (required: every check decides) says whether the check rests on the adult
    pathway's timing, sequencing or value evidence, which does not hold for a patient under
    ``pathway_min_age_years`` (16: NICE NG59 covers people aged 16 and over, ACR 2021 adults; the
    patient-view pathway gives such a patient one ``pathway.under-age`` card instead of its steps):

    - ``True``: not run for a patient under 16 (``OrderContext.under_age``): early imaging, ESI
      sequencing, RFA without a block, a stimulator without a trial, fusion, discography;
    - ``False``: safety that holds at any age, run for everyone: red flags, antithrombotics before a
      neuraxial procedure, blind (unguided) injection;
    - a tuple of rule ids: a check with both kinds of rule; under 16 it runs and the cards of the
      rules named are dropped (the early-imaging card but not the cauda equina emergency study; the
      sciatica evidence-conflict notes but not the opioid, benzodiazepine or steroid-with-infection
      safety cards).

    A check kept at any age whose judgement has one branch resting on the adult pathway reads
    ``ctx.under_age`` in that branch itself, and says so (``mri_contrast``: the post-surgical branch).
    A patient with no birth date is judged as an adult, as the pathway does."""

    rules: tuple[Rule, ...]
    applies_to: tuple[str, ...]
    kind: Literal["procedure", "medication"]
    checks_what: str
    needs: tuple[str, ...]
    evidence: tuple[str, ...]
    judge: Callable[[OrderContext, DraftOrder], list[CardDraft]]
    adult_pathway: bool | tuple[str, ...]
    excludes: Callable[[OrderContext, DraftOrder], bool] | None = None
    defers_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.adult_pathway, tuple):
            unknown = sorted(set(self.adult_pathway) - set(self.rule_ids))
            if unknown:
                raise ValueError(f"{self.name}: adult_pathway names rules the check does not have: {unknown}")
            if not self.adult_pathway:
                raise ValueError(f"{self.name}: adult_pathway=() decides nothing; say False")
        elif not isinstance(self.adult_pathway, bool):
            raise TypeError(f"{self.name}: adult_pathway is True, False or a tuple of its rule ids")

    @property
    def name(self) -> str:
        return self.judge.__module__.rsplit(".", 1)[-1]

    @property
    def adult_rule_ids(self) -> frozenset[str]:
        """The rules of this check whose cards a patient under 16 does not get (``adult_pathway``)."""
        if self.adult_pathway is True:
            return frozenset(self.rule_ids)
        if self.adult_pathway is False:
            return frozenset()
        return frozenset(self.adult_pathway)

    @property
    def runs_under_age(self) -> bool:
        """Whether the check runs at all for a patient under 16: not when every rule it has rests on
        the adult pathway."""
        return not self.adult_rule_ids >= set(self.rule_ids)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def applies(self, ctx: OrderContext, order: DraftOrder) -> tuple[Fact, ...]:
        """The fact that makes this check judge the draft order (its code in ``applies_to``), or ()."""
        if self.kind == "medication":
            if order.resource_type != "MedicationRequest":
                return ()
            hit = next((m for vs in self.applies_to if (m := ctx.drug_is(order, vs)) is not None), None)
        elif not order.is_procedure_order:
            return ()
        else:
            hit = ctx.term.matches_any(self.applies_to, order.all_codings)
        if hit is None or (self.excludes is not None and self.excludes(ctx, order)):
            return ()
        reading = ctx.reading(order)
        if reading is not None and reading.coding is not None and hit.code == reading.coding.code:
            return (
                Fact(
                    f"the draft order is one this check judges: read from its text as a {reading.what} "
                    "(its code is not recognised)",
                    order.ref or None,
                ),
            )
        coded = f"{hit.code} {hit.display}" if hit.display else hit.code
        return (Fact(f"the draft order is one this check judges: {coded}", order.ref or None),)


def order_fact(order: DraftOrder, what: str | None = None, *, short: str | None = None) -> Fact:
    """The draft order the card is on. ``short`` (optional) says in a few words what about the order
    decides the card ("Draft order: … — intermediate bleeding risk"), always from the order's own
    fields; it should start "Draft order:" as the full text does."""
    return Fact(f"Draft order: {order.text}" + (f" — {what}" if what else ""), order.ref or None, short=short)


DRAFT_SHORT_MAX = 90  # a longer order name is cut on the card rather than crowd out the facts after it


def draft_short(order: DraftOrder) -> str | None:
    """The draft-order fact's short form when the order's name itself decides the card (a pump
    replacement at battery end of life, an order read from its words): its whole text, long procedure
    names abbreviated, shown whole — half an order's name misleads. None for a name so long that
    showing it whole would leave no room for the facts after it (it is then cut in the middle)."""
    short = f"Draft order: {abbreviate(order.text)}"
    return short if len(short) <= DRAFT_SHORT_MAX else None


# Words that say a drafted referral is for the spine (the orthopaedic referral code also sends a knee)
_SPINE_REFERRAL_WORDS = re.compile(
    r"spin|\bback\b|lumbar|neuro|radicul|sciatic|cauda|\bdisc\b|decompress", re.IGNORECASE
)
_URGENCY = {"routine": 0, "urgent": 1, "asap": 2, "stat": 3}


def spine_referral_drafts(ctx: OrderContext, order: DraftOrder) -> tuple[DraftOrder, ...]:
    """Spine-surgery referrals drafted in the session beside ``order``: in the referral value set and
    for the spine by their words (an orthopaedic referral for a knee shares the code)."""
    return tuple(
        o
        for o in ctx.other_orders(order, sx.SPINE_SURGERY_REFERRAL.value_set)
        if _SPINE_REFERRAL_WORDS.search(" ".join(x for x in (o.text, o.body_site_text or "") if x))
    )


def spine_referral(
    ctx: OrderContext,
    order: DraftOrder,
    *,
    reasons: Sequence[str],
    priority: Priority,
    recommended: bool,
    label: str | None = None,
) -> list[SuggestionDraft]:
    """The spine-surgery referral a red flag needs, at ``priority``: a spine referral drafted in the
    session made that urgent (nothing when it already is), else a new one. Never a second referral
    beside one drafted."""
    drafted = spine_referral_drafts(ctx, order)
    if drafted:
        return [
            update_fields(
                r,
                f"Make the spine-surgery referral {priority}",
                f"Set priority to {priority} on {r.ref}",
                recommended=recommended,
                priority=priority,
            )
            for r in drafted
            if _URGENCY.get(r.priority or "routine", 0) < _URGENCY[priority]
        ]
    return [
        sx.suggest(
            sx.SPINE_SURGERY_REFERRAL,
            ctx.term,
            patient_id=ctx.inp.patient_id,
            reasons=tuple(reasons),
            priority=priority,
            recommended=recommended,
            label=label,
        )
    ]


def _creates_only(s: SuggestionDraft, *, keep_recommended: bool) -> SuggestionDraft | None:
    """``s`` when it only creates; else its creates alone, labelled as the order they make ("Stat:
    order MRI lumbar spine without contrast"), or None when it creates nothing. What was a
    replacement is now an addition beside the draft the card cannot cancel: pre-selected only on a
    critical card (the emergency MRI), never as routine advice that would leave both orders."""
    if all(a.type == "create" for a in s.actions):
        return s
    creates = tuple(a for a in s.actions if a.type == "create")
    if not creates:
        return None
    what = creates[0].description.split(": ", 1)[-1]
    if len(what) > 1 and what[1].islower():  # "Diagnostic lumbar ..." → "diagnostic ..."; "MRI ..." stays
        what = what[0].lower() + what[1:]
    priority = str((creates[0].resource or {}).get("priority") or "routine")
    prefix = "" if priority == "routine" else f"{priority.capitalize()}: "
    label = f"{prefix}order {what}" if prefix else f"Order {what}"
    return with_fields(s, label=label, actions=creates, is_recommended=s.is_recommended and keep_recommended)


def card(
    rule_id: str,
    title: str,
    order: DraftOrder,
    *,
    indicator: Indicator,
    summary: str,
    why: Sequence[Fact],
    next_steps: Sequence[str],
    avoid: Sequence[str] = (),
    evidence: Sequence[str],
    conflicts: Sequence[Conflict] = (),
    gaps: Sequence[str] = (),
    suggestions: Sequence[SuggestionDraft] = (),
    selection_behavior: Literal["at-most-one", "any"] = "at-most-one",
    order_short: str | None = None,
) -> CardDraft:
    """An order check's card on ``order``. ``selection_behavior``: "at-most-one" when the suggestions
    are alternatives (change the order to X, or cancel it), at most one of them recommended; "any"
    when they are complementary steps the clinician may take together (cancel the procedure and
    order the emergency MRI and refer; remove the benzodiazepine and offer naloxone), any of them
    recommended. ``order_short``: the short form of the draft-order fact (``order_fact``)."""
    if selection_behavior == "at-most-one" and sum(s.is_recommended for s in suggestions) > 1:
        raise ValueError(f"{rule_id}: at most one suggestion may be recommended with at-most-one")
    subject = order.ref or f"{order.resource_type}/?"
    if not order.ref:
        # A draft without an id cannot be updated or deleted by reference: keep the creates (the
        # emergency MRI a "cancel the procedure; stat MRI" suggestion orders), each as its own order.
        kept = [_creates_only(s, keep_recommended=indicator == "critical") for s in suggestions]
        if any(k is not s for k, s in zip(kept, suggestions, strict=True)):
            gaps = (*gaps, "The draft order has no id, so this card cannot change it; edit it by hand.")
        suggestions = [k for k in kept if k is not None]
    sources = tuple(guideline(k) for k in evidence)
    return CardDraft(
        rule_id=rule_id,
        topic=f"{rule_id}|{subject}",
        indicator=indicator,
        summary=clip(summary, SUMMARY_MAX),
        title=title,
        why=(order_fact(order, short=order_short), *why),
        next_steps=tuple(next_steps),
        avoid=tuple(avoid),
        evidence=sources,
        conflicts=tuple(conflicts),
        # the draft order is the contested treatment: a conflict about it is shown in one line
        conflict_now=conflicts[0] if conflicts else None,
        links=tuple(LinkDraft(g.link_label, g.url) for g in sources[:3]),
        gaps=tuple(gaps),
        suggestions=tuple(suggestions),
        selection_behavior=selection_behavior,
        subject_key=order.ref or None,
    )


def delete(order: DraftOrder, label: str, description: str, *, recommended: bool = False) -> SuggestionDraft:
    """Remove the draft order (``resourceId`` = ``Type/id``)."""
    return SuggestionDraft(
        label=label,
        actions=(Action("delete", description, resource_id=order.ref),),
        is_recommended=recommended,
    )


def replace(
    order: DraftOrder,
    coding: Coding,
    label: str,
    description: str,
    *,
    text: str | None = None,
    recommended: bool = False,
    keep_place: bool = True,
    **fields: Any,
) -> SuggestionDraft:
    """Update the draft in place (same id, whole resource) with another code and/or fields. The new
    name keeps the level and side the clinician wrote in the order's name (``kept_place``), unless
    ``keep_place`` is False (a stimulator trial is not placed where a generator's pocket was)."""
    name = text or coding.display or coding.code
    if keep_place:
        name = kept_place(order, name)
    return SuggestionDraft(
        label=label,
        actions=(Action("update", description, resource=order.replaced(coding, name, **fields)),),
        is_recommended=recommended,
    )


def kept_place(order: DraftOrder, name: str) -> str:
    """``name`` with the spinal level and side the draft's own name states and ``name`` does not:
    "L5-S1 left TFESI, no guidance" replaced by an image-guided code reads "…, image-guided, L5-S1,
    left", so accepting the change does not lose where the injection goes (a coded bodySite stays on
    the resource as sent). Only a name with one level and one side (or "bilateral" said as such) is
    read: "left L5-S1 and right L4-5", or "L5-S1 right (s/p left L4-5 laminectomy)", cannot be
    carried into one order's name without mixing them, so nothing is added."""
    levels = levels_in(order.text)
    if len(levels) > 1 or (levels and _spans_levels(levels[0])):
        return name
    added: list[str] = []
    if levels and parse_level(name) is None:
        added.append(levels[0])
    side = parse_laterality(order.text)
    if BILATERAL_WORDS.search(order.text):
        side = "bilateral"
    elif side == "bilateral":
        side = None  # left and right each named: two places, not one bilateral injection
    if side is not None and parse_laterality(name) is None:
        added.append(side)
    return ", ".join((name, *added))


_SEGMENTS = ("L1", "L2", "L3", "L4", "L5", "S1")


def _spans_levels(level: str) -> bool:
    """A range over more than one interspace ("L4-S1": L4-L5 and L5-S1), not a single level."""
    ends = level.split("-")
    if len(ends) != 2 or not all(e in _SEGMENTS for e in ends):
        return False
    return _SEGMENTS.index(ends[1]) - _SEGMENTS.index(ends[0]) > 1


# "Bilateral" as a name says it (as against left and right each named).
BILATERAL_WORDS = re.compile(r"\b(?:bilateral|bilat|both sides)\b|\bB/L\b", re.IGNORECASE)


def update_fields(
    order: DraftOrder, label: str, description: str, *, recommended: bool = False, **fields: Any
) -> SuggestionDraft:
    """Update the draft in place keeping its code (e.g. priority → stat)."""
    return SuggestionDraft(
        label=label,
        actions=(Action("update", description, resource=order.updated(**fields)),),
        is_recommended=recommended,
    )


def cancel_and_create(
    order: DraftOrder,
    spec: OrderSpec,
    term: Terminology,
    *,
    patient_id: str,
    label: str,
    reasons: Iterable[str] = (),
    priority: Priority = "routine",
    note: str | None = None,
    recommended: bool = False,
    seen_by: date | None = None,
) -> SuggestionDraft:
    """Delete the draft and create the right alternative, as one suggestion (one transaction)."""
    resource = service_request(
        spec, term, patient_id=patient_id, reasons=tuple(reasons), priority=priority, note=note,
        seen_by=seen_by,
    )  # fmt: skip
    return SuggestionDraft(
        label=label,
        actions=(
            Action("delete", f"Remove the draft order {order.text}", resource_id=order.ref),
            Action("create", f"Create a draft order: {spec.text}", resource=resource),
        ),
        is_recommended=recommended,
    )


def create(
    spec: OrderSpec,
    term: Terminology,
    *,
    patient_id: str,
    label: str | None = None,
    reasons: Iterable[str] = (),
    priority: Priority = "routine",
    note: str | None = None,
    recommended: bool = False,
) -> SuggestionDraft:
    resource = service_request(
        spec, term, patient_id=patient_id, reasons=tuple(reasons), priority=priority, note=note
    )
    return SuggestionDraft(
        label=label or spec.label,
        actions=(Action("create", f"Create a draft order: {spec.text}", resource=resource),),
        is_recommended=recommended,
    )


def reason_refs(facts: Iterable[Fact]) -> tuple[str, ...]:
    """Condition and Observation references among facts (for reasonReference on created orders: a
    ServiceRequest's and a MedicationRequest's may name either; a fever measured is a reason)."""
    return tuple(
        dict.fromkeys(f.ref for f in facts if f.ref and f.ref.startswith(("Condition/", "Observation/")))
    )
