"""Mimics to exclude before the next spine procedure (decision model §7.5).

Hip osteoarthritis, peripheral arterial disease with claudication, peroneal neuropathy, meralgia
paraesthetica, trochanteric bursitis, diabetic amyotrophy or polyneuropathy and sciatic neuropathy
all produce leg pain, numbness or weakness that can pass for a lumbar radiculopathy. Each kind is a
value set, holding every code its disease is recorded under: peripheral arterial disease also as
rest pain, of a bypass graft, of unspecified type or as peripheral vascular disease unspecified (where
the ICD-10-CM index puts intermittent claudication); diabetic neuropathy also unspecified. When one is
on record beside a lumbar treatment that did not work, the next spine procedure (a repeat or
different injection, surgery, stimulation) may be aimed at the wrong pain generator.

When: a current mimic diagnosis that can be the leg pain's cause and a card whose next step follows
  a failed or insufficient lumbar treatment — conservative care that did not settle the pain (P1,
  P2), failed injections (F2–F8), the post-surgical states (S1–S4), a failed ablation (A1),
  stimulation that failed or lost effect (N2, N3, L1). A mimic whose side is stated and is the
  other side from the stated side of the radicular pain cannot be that pain's cause (a right hip
  beside a left S1 radiculopathy): it is not a mimic here, and the card is left as it is. When
  either side is unstated, or either is bilateral, the mimic counts (``other_side``).
Then: the card names the mimic among its deciding facts, its summary says to exclude the mimic
  first and its next step becomes that mimic's examination or test, before the spine procedure it
  recommends ("before any spine procedure" when none has been done yet): spine imaging and a
  spine-surgery referral stay on offer but are no longer pre-selected, and no spine procedure itself
  (an injection, block, ablation, MILD, stimulation, an operation) is offered as an order, nor the
  stimulator or pump work-up coded as a referral or an evaluation (the psychological evaluation
  before neuromodulation, the pain-service referral for a stimulator, DRG or pump evaluation or
  trial: ``is_neuromodulation_workup``); a later step recommending one says it waits for the mimic
  to be excluded ("Once hip osteoarthritis is excluded: ..."). A test the
  value sets can order (EMG/nerve conduction studies) is offered and recommended; one they hold no
  verified code for (a hip radiograph, an ankle-brachial index) is named in the sentence the card
  shows, to be ordered in the EHR, the same sentence saying the card offers no order (once, not a
  second time). Each test is named once: mimics sharing one (EMG/nerve conduction studies) are named
  together before it, and a later step that only repeats it is dropped.
  F4 (diagnosis uncertain) is built around the mimic itself. Acute sciatica (E1, E2: no treatment
  has failed yet, the plan is conservative care and reassessment at 6 weeks), successes (F1, A2,
  N1), F0 and red flags are left unchanged: a red flag must stand alone.
Evidence: ACR 2021 (imaging abnormalities do not always explain the symptoms; look for other
  causes); NASS 2014 (diagnosis of lumbar disc herniation with radiculopathy: history and
  examination to exclude other causes of leg pain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from hooks import suggestions as sx
from hooks.cards import (
    ADVISORY,
    DETAIL_MAX,
    SHORT_FACT_ROOM,
    SUMMARY_MAX,
    CardDraft,
    Fact,
    SuggestionDraft,
)
from hooks.evidence import guideline
from hooks.facts import ConditionFact
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.electrodiagnosis import emg_to_review
from hooks.text import parse_laterality

MIMIC_EVIDENCE = ("acr_lbp_2021", "nass_ldh")
EMG_TEST = "EMG/nerve conduction studies"


@dataclass(frozen=True, slots=True)
class Mimic:
    """One kind of mimic: its value set, how a card names it (``short``: in a summary), and the
    examination or test that tells it from a radiculopathy (``emg``: that test is EMG/nerve conduction
    studies, which the card offers as an order). ``unoffered`` names the part of the test that needs an
    order the value sets have no verified code for: the card says so instead of offering one.
    ``neuropathy``: a nerve lesion, which EMG/nerve conduction studies can tell from a root lesion
    (not hip or arterial disease, nor a bursitis: no nerve study excludes them)."""

    value_set: str
    name: str
    test: str
    emg: bool = False
    short: str = ""
    unoffered: str | None = None
    neuropathy: bool = False

    @property
    def brief(self) -> str:
        return self.short or self.name


MIMICS: tuple[Mimic, ...] = (
    Mimic(
        "mimic_hip_osteoarthritis",
        "hip osteoarthritis",
        "hip examination and a hip radiograph",
        unoffered="hip radiograph",
    ),
    Mimic(
        "mimic_arterial_claudication",
        "peripheral arterial disease with claudication",
        "pulses and an ankle-brachial index",
        short="peripheral arterial disease",
        unoffered="ankle-brachial index",
    ),
    Mimic(
        "mimic_peroneal_neuropathy",
        "peroneal neuropathy",
        EMG_TEST,
        emg=True,
        neuropathy=True,
    ),
    Mimic(
        "mimic_meralgia_paresthetica",
        "meralgia paraesthetica",
        "examination of lateral-thigh sensation (lateral femoral cutaneous nerve)",
        neuropathy=True,
    ),
    Mimic(
        "mimic_trochanteric_bursitis",
        "trochanteric bursitis",
        "examination for greater-trochanter tenderness",
    ),
    Mimic(
        "mimic_peripheral_neuropathy",
        # not only diabetic: the set holds polyneuropathy unspecified (G62.9) too
        "diabetic amyotrophy or peripheral neuropathy",
        EMG_TEST,
        emg=True,
        short="peripheral neuropathy",
        neuropathy=True,
    ),
    Mimic(
        "mimic_sciatic_neuropathy",
        "sciatic neuropathy",
        EMG_TEST,
        emg=True,
        neuropathy=True,
    ),
)

# Cards whose next step follows a lumbar treatment that failed or did not settle the pain. F4 is
# not here: it is the mimic card itself.
AFTER_FAILED_TREATMENT = frozenset(
    ("P1", "P2", "F2", "F3", "F5", "F6", "F7", "F8", "S1", "S2", "S3", "S4", "A1", "N2", "N3", "L1")
)

# What a mimic must come before: lumbar imaging, injections, blocks, ablation, stimulation, pumps,
# decompression or fusion, and the spine-surgery referral. Their suggestions stay on the card, none
# pre-selected, while a mimic is unexcluded.
SPINE_STEPS = frozenset(
    (
        "imaging_mri_lumbar",
        "imaging_ct_myelography_xray_lumbar",
        "esi_lumbar_all",
        "facet_medial_branch_block_lumbar",
        "facet_rfa_or_si_rfa",
        "sacroiliac_joint_procedures",
        "spinal_cord_stimulation",
        "intrathecal_drug_delivery",
        "mild_percutaneous_lumbar_decompression",
        "lumbar_decompression_discectomy",
        "lumbar_fusion",
        "referral_spine_surgery",
    )
)
# Of those, the procedures themselves: not offered as orders while a mimic is unexcluded (imaging and
# a surgical opinion may help tell the two apart; an injection or an operation may not).
SPINE_INTERVENTIONS = SPINE_STEPS - {
    "imaging_mri_lumbar",
    "imaging_ct_myelography_xray_lumbar",
    "referral_spine_surgery",
}


def condition_side(c: ConditionFact) -> str | None:
    """The side a Condition states — "left", "right" or "bilateral" — in its body site, notes, words or
    its codes' displays ("Unilateral primary osteoarthritis, right hip": right); None when it states
    none. Both sides named anywhere read as bilateral (``text.parse_laterality``)."""
    return parse_laterality(
        c.body_site_text,
        *(b.display for b in c.body_site),
        *c.notes,
        c.text,
        *(x.display for x in c.codings),
    )


def radicular_side(ctx: PathwayContext) -> str | None:
    """The side of the radicular pain as the record states it (``PathwayContext.symptom_side``: the
    radicular Conditions in force and this episode's epidural injections). One side when every
    statement says it; "bilateral" when one says both or they disagree; None when none states a
    side."""
    return ctx.symptom_side


def other_side(ctx: PathwayContext, c: ConditionFact) -> bool:
    """Mimic Condition ``c`` states one side and the radicular pain the other (a right hip beside a
    left S1 radiculopathy): it cannot be that pain's cause. False when either side is unstated or
    bilateral: then it may be."""
    sides = (condition_side(c), radicular_side(ctx))
    return all(s in ("left", "right") for s in sides) and sides[0] != sides[1]


def mimic_conditions(ctx: PathwayContext) -> tuple[ConditionFact, ...]:
    """The current Conditions of the mimic value set that can be the radicular pain's cause: all but
    those on the other side from it (``other_side``)."""
    return tuple(c for c in ctx.conditions("alternative_or_mimicking_diagnoses") if not other_side(ctx, c))


def mimics_found(ctx: PathwayContext) -> tuple[tuple[ConditionFact, Mimic], ...]:
    """Each current mimic Condition with its kind, in record order (one kind per Condition); one on the
    other side from the radicular pain is none (``mimic_conditions``)."""
    out = []
    for c in mimic_conditions(ctx):
        kind = next((m for m in MIMICS if ctx.matches(m.value_set, c.codings)), None)
        if kind is not None:
            out.append((c, kind))
    return tuple(out)


def mimic_facts(ctx: PathwayContext, found: tuple[tuple[ConditionFact, Mimic], ...]) -> tuple[Fact, ...]:
    """One deciding fact per mimic Condition (the Condition's own wording; its onset is not what
    decides); the card names the mimic by its kind ("possible mimic: peripheral arterial disease")."""
    return tuple(
        Fact(f"possible mimic: {c.text or m.name}", c.ref, short=f"possible mimic: {m.brief}")
        for c, m in found
    )


def _kinds(found: tuple[tuple[ConditionFact, Mimic], ...]) -> list[Mimic]:
    return list(dict.fromkeys(m for _, m in found))


def spine_procedure_done(ctx: PathwayContext) -> bool:
    """Whether any lumbar spine procedure is on record (an injection, block, ablation, stimulator or
    operation): before the first one, the mimic comes before "any", not "the next", spine procedure."""
    return bool(ctx.sessions or ctx.surgeries)


# What a card's "Next:" line shows whole whatever the facts beside it take (``render_detail``): a
# single mimic's step longer than this opens with ``SHORT_LEAD``, so the line keeps the test.
STEP_ROOM = DETAIL_MAX - SHORT_FACT_ROOM - len(ADVISORY) - len("**Next:** ") - 2
SHORT_LEAD = "First exclude"


def mimic_step(
    found: tuple[tuple[ConditionFact, Mimic], ...],
    *,
    first: bool = False,
    lead: str = "Before the next spine procedure, exclude",
    emg_review: str | None = None,
) -> str:
    """The next step that excludes the mimics: each named once, with its examination or test; a test
    the card cannot offer as an order (no verified code) is said to be ordered in the EHR. ``first``:
    no spine procedure yet ("Before any spine procedure"); ``lead`` otherwise opens the step (a card
    whose summary already says "exclude it first" says it in fewer words, leaving its facts room).
    One mimic is named "X with its test", never "X: its test", and a step too long for the "Next:"
    line opens with "First exclude": the line the card shows always names the test, whole. Mimics
    that share a test are named together before it, the test once ("peroneal neuropathy and sciatic
    neuropathy (EMG/nerve conduction studies)"); a test with no code is said to be ordered in the EHR
    once, in the sentence the card shows, with why (the card offers no order for it). ``emg_review``
    ("a review of the EMG/NCS of 2026-09-03", ``electrodiagnosis.emg_to_review``) stands for the
    EMG/nerve conduction studies of a mimic they exclude when this episode already has one."""
    kinds = _kinds(found)

    def test(m: Mimic) -> str:
        return emg_review if m.emg and emg_review else m.test

    if len(kinds) == 1:
        # "with", not ":": a card short of room cuts a sentence where a clause ends, and a cut at
        # "exclude X:" would keep the mimic and drop the very test that excludes it
        what = f"{kinds[0].brief} with {test(kinds[0])}"
    else:
        # one list joined by "and", never ";": a card cut short at a ";" would drop a mimic unseen
        by_test: dict[str, list[str]] = {}
        for m in kinds:
            by_test.setdefault(test(m), []).append(m.brief)
        named = [f"{' and '.join(briefs)} ({test})" for test, briefs in by_test.items()]
        what = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
    opening = "Before any spine procedure, exclude" if first else lead
    if len(kinds) == 1 and len(f"{opening} {what}.") > STEP_ROOM:
        # too long to show whole beside the card's facts: fewer words before the mimic, the test kept
        # whole (the summary says the spine procedure it comes before)
        opening = SHORT_LEAD
    unoffered = [m.unoffered for m in kinds if m.unoffered]
    # where the order for a test without a code comes from, and why, in the sentence the card shows,
    # said once (last clauses a short card may drop, the test itself still named)
    if not unoffered:
        ehr = ""
    else:
        which = "it" if len(kinds) == 1 else f"the {' and the '.join(unoffered)}"
        them = "them" if len(unoffered) > 1 else "it"
        ehr = f" — order {which} in the EHR: this card offers no order for {them}"
    return f"{opening} {what}{ehr} (ACR 2021; NASS 2014)."


def mimic_summary(
    summary: str, found: tuple[tuple[ConditionFact, Mimic], ...], *, first: bool = False
) -> str:
    """``summary`` turned round: the situation it names, then the mimic to exclude first."""
    kinds = _kinds(found)
    names = " and ".join(m.brief for m in kinds)
    pron = "them" if len(kinds) > 1 else "it"
    situation = summary.split(":", 1)[0] if ":" in summary else ""
    options = [
        f"{situation}, but {names} can cause the same leg pain: exclude {pron} first" if situation else "",
        f"{names[0].upper()}{names[1:]} can cause the same leg pain: exclude {pron} before "
        + ("any" if first else "the next")
        + " spine procedure",
    ]
    for text in options:
        if text and len(text) <= SUMMARY_MAX:
            return text
    return f"Exclude the possible mimic{'s' if len(kinds) > 1 else ''} first: {names}"[:SUMMARY_MAX]


# The stimulator or pump work-up as the cards offer it, in orders no spine value set holds: the
# psychological evaluation before neuromodulation, and a pain-service referral whose label names a
# stimulator, DRG, pump or neuromodulation evaluation, trial or option. Not the care of a device in
# place (interrogation, reprogramming, a pump refill): that is no new procedure.
NEUROMODULATION_EVALUATION = "psychological_evaluation"
NEUROMODULATION_REFERRAL = "referral_pain_management"
NEUROMODULATION_WORDS = re.compile(r"stimulat|\bDRG\b|intrathecal|\bpump\b|neuromodulation", re.IGNORECASE)
DEVICE_CARE_WORDS = re.compile(r"interrogat|reprogram|refill", re.IGNORECASE)


def is_neuromodulation_workup(ctx: PathwayContext, s: SuggestionDraft) -> bool:
    """The suggestion starts a stimulator or pump work-up: the psychological evaluation before
    neuromodulation (``psychological_evaluation``), or a pain-service referral
    (``referral_pain_management``) for a stimulator, DRG or pump evaluation or trial, as its label
    says; not one for the care of a device in place (interrogation, reprogramming, a pump refill)."""
    sets = {vs for system, code in sx.ordered_codes(s) for vs in ctx.term.memberships(system, code)}
    if NEUROMODULATION_EVALUATION in sets:
        return True
    return (
        NEUROMODULATION_REFERRAL in sets
        and NEUROMODULATION_WORDS.search(s.label) is not None
        and DEVICE_CARE_WORDS.search(s.label) is None
    )


def is_spine_step(ctx: PathwayContext, s: SuggestionDraft) -> bool:
    """The suggestion orders (or refers for) a lumbar spine procedure or spine imaging, or starts a
    stimulator or pump work-up (``is_neuromodulation_workup``)."""
    return is_neuromodulation_workup(ctx, s) or any(
        SPINE_STEPS.intersection(ctx.term.memberships(system, code)) for system, code in sx.ordered_codes(s)
    )


def is_spine_intervention(ctx: PathwayContext, s: SuggestionDraft) -> bool:
    """The suggestion orders a lumbar spine procedure itself (an injection, block, ablation, MILD,
    stimulation, a pump or an operation), or starts a stimulator or pump work-up, coded as a
    referral or an evaluation (``is_neuromodulation_workup``) — not imaging and not a referral for an
    opinion."""
    return is_neuromodulation_workup(ctx, s) or any(
        SPINE_INTERVENTIONS.intersection(ctx.term.memberships(system, code))
        for system, code in sx.ordered_codes(s)
    )


def mimic_suggestions(
    ctx: PathwayContext, card: CardDraft, found: tuple[tuple[ConditionFact, Mimic], ...]
) -> tuple[SuggestionDraft, ...]:
    """The card's suggestions while a mimic is to be excluded: no spine procedure order (a card saying
    "exclude it first" offers none), nor the stimulator or pump work-up (the psychological evaluation
    before neuromodulation, the pain-service referral for a stimulator or pump:
    ``is_neuromodulation_workup``), its imaging and referrals kept but none pre-selected, and the
    mimic's own test first when the value sets hold a code for it (EMG/nerve conduction studies),
    recommended. A test with no verified code (a hip radiograph, an ankle-brachial index) stays in
    the words of the next step: no code is made up for it. EMG/nerve conduction studies this episode
    already has (``electrodiagnosis.emg_to_review``) are reviewed, not ordered again: none is offered."""
    kept = [
        replace(s, is_recommended=False) if is_spine_step(ctx, s) else s
        for s in card.suggestions
        if not is_spine_intervention(ctx, s)
    ]
    if not any(m.emg for m in _kinds(found)):
        return tuple(kept)
    emg = ctx.term.first(sx.EMG_NCS.value_set).coding()
    if emg_to_review(ctx) is not None:
        return tuple(s for s in kept if (emg.system, emg.code) not in sx.ordered_codes(s))
    present = [s for s in kept if (emg.system, emg.code) in sx.ordered_codes(s)]
    if present:
        test = replace(present[0], is_recommended=True)
        others = [s for s in kept if s is not present[0]]
    else:
        reasons = (*(c.ref for c, m in found if m.emg), *ctx.reason_refs)
        test = ctx.offer(sx.EMG_NCS, reasons=reasons, recommended=True)
        others = kept
    if card.selection_behavior == "at-most-one":
        others = [replace(s, is_recommended=False) for s in others]
    return (test, *others)


def without_repeated_tests(
    steps: tuple[str, ...], found: tuple[tuple[ConditionFact, Mimic], ...]
) -> tuple[str, ...]:
    """``steps`` without any that only repeats a mimic's test: one that opens with it ("EMG/nerve
    conduction studies to tell radiculopathy from neuropathy or entrapment.") beside the step that
    excludes the mimic with that test. That step opens with its lead ("First exclude"), never with
    the test, and stays."""
    tests = tuple(m.test for m in _kinds(found))
    return tuple(s for s in steps if not s.startswith(tests))


# A step that already holds something back or is conditional: not a recommendation to condition.
_NOT_A_RECOMMENDATION = ("Do not", "Don't", "No ", "Not ", "Hold", "If ", "Avoid")


def after_mimic(step: str, found: tuple[tuple[ConditionFact, Mimic], ...]) -> str:
    """``step`` as it reads after the step that excludes the mimics: one whose first clause recommends
    a stimulator or pump (or its work-up) is said to wait for them to be excluded ("Once peripheral
    neuropathy is excluded: an intrathecal pump trial ..."); a step that holds something back, is
    already conditional, cares for a device in place, or names neuromodulation only in a later
    clause ("...; intrathecal pump evaluation later if still refractory") is left as it is."""
    first_clause = step.split(";", 1)[0]
    if (
        step.startswith(_NOT_A_RECOMMENDATION)
        or NEUROMODULATION_WORDS.search(first_clause) is None
        or DEVICE_CARE_WORDS.search(step) is not None
    ):
        return step
    kinds = _kinds(found)
    names = " and ".join(m.brief for m in kinds)
    rest = step[:1].lower() + step[1:] if step[1:2].islower() else step
    return f"Once {names} {'are' if len(kinds) > 1 else 'is'} excluded: {rest}"


def with_mimics(ctx: PathwayContext, card: CardDraft) -> CardDraft:
    """``card`` turned towards the mimics on record, when it follows a failed lumbar treatment: the
    mimics named after its first deciding fact, the summary saying to exclude them first, their test
    as the next step (offered, recommended, when it can be ordered) and no spine step pre-selected;
    F4, built around the mimic, loses only a step repeating the mimic's test; otherwise ``card``
    unchanged."""
    if card.rule_id == "F4":
        found = mimics_found(ctx)
        steps = without_repeated_tests(card.next_steps, found) if found else card.next_steps
        return card if steps == card.next_steps else replace(card, next_steps=steps)
    if card.rule_id not in AFTER_FAILED_TREATMENT:
        return card
    found = mimics_found(ctx)
    if not found:
        return card
    # a nerve mimic beside EMG/nerve conduction studies already done: the study is named after the
    # mimic, and reviewing it is the step
    review = emg_to_review(ctx) if any(m.emg for m in _kinds(found)) else None
    facts = (*mimic_facts(ctx, found), *([review[0]] if review else []))
    keys = {g.key for g in card.evidence}
    extra = tuple(guideline(k) for k in MIMIC_EVIDENCE if k not in keys)
    first = not spine_procedure_done(ctx)
    return replace(
        card,
        summary=mimic_summary(card.summary, found, first=first),
        why=tuple(dict.fromkeys((*card.why[:1], *facts, *card.why[1:]))),
        next_steps=(
            mimic_step(found, first=first, lead="First exclude", emg_review=review[1] if review else None),
            *(after_mimic(step, found) for step in without_repeated_tests(card.next_steps, found)),
        ),
        evidence=card.evidence + extra,
        suggestions=mimic_suggestions(ctx, card, found),
    )
