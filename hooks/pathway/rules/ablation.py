"""A1–A2: facet or SI-joint radiofrequency (or cryo) ablation that failed (A1) or wore off (A2).

Runs whenever ablation Procedures exist (decision model §1.1.4).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Fact, SuggestionDraft
from hooks.facts import ProcedureFact, ServiceRequestFact
from hooks.pathway.context import SUCCESS_OUTCOMES, PathwayContext
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.pathway.rules.common import HOLD, NEUROPATHIC_AGENTS, RFA_SCOPE, TOPIC_ABLATION, Rule
from hooks.rule import INFO_OR_WARNING
from hooks.text import levels_in
from hooks.thresholds import pct, span, window

A1 = Rule(
    "A1",
    "Failed nerve ablation (RFA or cryo)",
    TOPIC_ABLATION,
    ("asra_facet_2020", "cms_facet_lcd", "nacc_2014"),
    indicators=INFO_OR_WARNING,
)
A1_RECORD = Rule(
    "A1", "Nerve ablation outcome not recorded", TOPIC_ABLATION, ("asra_facet_2020", "cms_facet_lcd")
)
A2 = Rule(
    "A2", "Nerve ablation worked, then pain recurred", TOPIC_ABLATION, ("asra_facet_2020", "cms_facet_lcd")
)

RFA_ORDER_SETS = ("facet_rfa_or_si_rfa",)


def _when(p: ProcedureFact) -> str:
    return p.performed_text or (p.performed.isoformat() if p.performed else "an unrecorded date")


def weeks(ctx: PathwayContext) -> str:
    """The window an ablation is judged in, as card text ("4–12 weeks")."""
    return window(ctx.t.rfa_window_start_days, ctx.t.rfa_window_end_days)


def same_level(p: ProcedureFact, q: ProcedureFact) -> bool:
    """Two ablations at the same level (or at unstated levels, which cannot be told apart)."""
    if not p.level or not q.level:
        return True
    return bool(set(levels_in(p.level)) & set(levels_in(q.level)))


def generator_refs(ctx: PathwayContext) -> tuple[str, ...]:
    """The reason for an order about the ablated pain generator: its facet or SI-joint Condition,
    else the gate Conditions (an ablation card may appear with the gate closed, §1.1.4)."""
    gens = ctx.conditions("facet_mediated_pain", "sacroiliac_joint_pain")
    return tuple(c.ref for c in gens) or ctx.reason_refs


def care_refs(ctx: PathwayContext) -> tuple[str, ...]:
    """The reason for a referral about the patient's pain as a whole: the gate Conditions, else the
    pain generator."""
    return ctx.reason_refs or generator_refs(ctx)


def repeated_after_failure(ctx: PathwayContext) -> tuple[ProcedureFact, ProcedureFact] | None:
    """An ablation repeated at the same level after an earlier ablation that FAILED (§3.1)."""
    abl = ctx.ablations
    for i, earlier in enumerate(abl):
        a = ctx.assess(earlier, Modality.RFA)
        if a.outcome not in (Outcome.FAILED,):
            continue
        for later in abl[i + 1 :]:
            if same_level(earlier, later):
                return earlier, later
    return None


# An ablation or block named only in words: the SI joint, or the facet joints (medial branches).
_SI_WORDS = re.compile(r"sacroiliac|\bsij?\b", re.IGNORECASE)
_FACET_WORDS = re.compile(r"facet|medial branch|\bmbb\b", re.IGNORECASE)


@dataclass(frozen=True)
class BlockBefore:
    """Whether a positive diagnostic block of the ablation's kind preceded it (NICE NG59; ASRA 2020):
    the block the ablation needed (medial branch block for a facet RFA, SI joint block for an SI joint
    RFA), its threshold, and the blocks of that kind done before it that were not positive."""

    si: bool
    spec: sx.OrderSpec
    kind: str  # "medial branch block" | "sacroiliac joint block"
    threshold: float
    confirmed: bool  # a positive block (or an earlier ablation there that worked) preceded it
    not_positive: tuple[Assessment, ...] = ()


def is_si_ablation(ctx: PathwayContext, p: ProcedureFact) -> bool:
    """An SI joint ablation: coded as an RFA but not a facet one (64625), or named only in words."""
    if ctx.matches("facet_rfa_lumbar", p.codings):
        return False
    if ctx.matches("facet_rfa_or_si_rfa", p.codings):
        return True
    return bool(_SI_WORDS.search(p.text)) and not _FACET_WORDS.search(p.text)


def _blocks_of_kind(ctx: PathwayContext, si: bool) -> tuple[ProcedureFact, ...]:
    """Completed diagnostic blocks of one kind, oldest first: coded in its value set, or a block
    ``failure.classify_modality`` read from words that names that joint (never a root block)."""
    coded = ctx.procedures("si_joint_diagnostic_block" if si else "facet_medial_branch_block_lumbar")
    words = _SI_WORDS if si else _FACET_WORDS
    other = _FACET_WORDS if si else _SI_WORDS
    by_text = [
        p
        for p, m in ctx.sessions
        if m is Modality.DIAGNOSTIC_BLOCK
        and p not in coded
        and not ctx.matches("esi_transforaminal_lumbar", p.codings)
        and not ctx.term.matches_any(
            ("si_joint_diagnostic_block", "facet_medial_branch_block_lumbar"), p.codings
        )
        and words.search(p.text)
        and not other.search(p.text)
    ]
    return tuple(sorted((*coded, *by_text), key=lambda p: p.performed or date.min))


def _before(p: ProcedureFact, ablation: ProcedureFact) -> bool:
    """Done before the ablation (an undated one is given the benefit of the doubt)."""
    return p.performed is None or ablation.performed is None or p.performed < ablation.performed


NOT_FOR_LEG_PAIN = "Radiofrequency ablation does not treat radicular leg pain (NICE NG59)."


def held_repeats(ctx: PathwayContext, pending: Sequence[ServiceRequestFact]) -> list[Fact]:
    """The pending repeat ablation orders, each named as one to hold."""
    return [ctx.order_fact(s, "pending repeat ablation — hold it: ", short_prefix=HOLD) for s in pending]


def block_offer(ctx: PathwayContext, block: BlockBefore) -> SuggestionDraft:
    """The diagnostic block of the ablation's kind, offered pre-selected to confirm the pain generator."""
    return ctx.offer(
        block.spec,
        reasons=generator_refs(ctx),
        recommended=True,
        label=f"Diagnostic {block.kind} to confirm the pain generator",
    )


def confirming_blocks(ctx: PathwayContext) -> tuple[Assessment, ...]:
    """The positive diagnostic medial branch blocks that confirm facet-mediated pain (by ``assess``:
    ≥ ``mbb_positive_relief_pct``), when there are ``mbb_required_positive_blocks`` of them and no
    block done after the last of them was negative (a discordant pair confirms nothing, as the order
    check ``order.rfa-no-block`` reads it); else none. Oldest first."""
    read = [ctx.assess(b, Modality.DIAGNOSTIC_BLOCK) for b in _blocks_of_kind(ctx, False)]
    positive = [a for a in read if a.outcome in SUCCESS_OUTCOMES]
    if len(positive) < ctx.t.mbb_required_positive_blocks:
        return ()
    return () if negative_after(positive, read) else tuple(positive)


def negative_after(positives: Sequence[Assessment], others: Sequence[Assessment]) -> list[Assessment]:
    """Of ``others``, the diagnostic blocks done after the last of ``positives`` that did not relieve
    the pain: the pair is discordant (the first may have been a false positive), and the pain
    generator is not confirmed."""
    last = max((a.procedure.performed for a in positives if a.procedure.performed), default=None)
    return [
        a for a in others
        if a.outcome is Outcome.FAILED and last is not None
        and a.procedure.performed is not None and a.procedure.performed > last
    ]  # fmt: skip


def radicular_only(ctx: PathwayContext) -> bool:
    """A radicular diagnosis on record and no facet or SI joint pain diagnosis, nor axial low back pain
    (M54.5x "Low back pain", "lumbago" without sciatica): an ablation treats back pain."""
    generators = ctx.conditions("facet_mediated_pain", "sacroiliac_joint_pain")
    axial = any(
        _AXIAL.search(words) and not _RADICULAR.search(words)
        for c in ctx.history.conditions
        if ctx.in_force(c)
        for words in [" ".join([c.text, *(x.display or "" for x in c.codings)])]
    )
    return bool(ctx.radicular_conditions) and not generators and not axial


_AXIAL = re.compile(r"\blow back pain\b|\blumbago\b|\baxial (?:back |spine |spinal )?pain\b", re.IGNORECASE)
_RADICULAR = re.compile(r"sciatica|radicul|radiat", re.IGNORECASE)


def block_before(ctx: PathwayContext, p: ProcedureFact) -> BlockBefore:
    """Did a positive diagnostic block of ``p``'s kind (by ``assess``: ≥ ``mbb_positive_relief_pct``
    for a medial branch block, ≥ ``sij_block_positive_relief_pct`` for an SI joint block) precede the
    ablation ``p``? An earlier ablation of the same kind at the same level that worked confirmed the
    pain generator as a block would."""
    si = is_si_ablation(ctx, p)
    spec = sx.SI_JOINT_BLOCK if si else sx.MEDIAL_BRANCH_BLOCK
    kind = "sacroiliac joint block" if si else "medial branch block"
    threshold = ctx.t.sij_block_positive_relief_pct if si else ctx.t.mbb_positive_relief_pct
    blocks = [ctx.assess(b, Modality.DIAGNOSTIC_BLOCK) for b in _blocks_of_kind(ctx, si) if _before(b, p)]
    positive = any(b.outcome in SUCCESS_OUTCOMES for b in blocks)
    worked = any(
        q is not p
        and _before(q, p)
        and is_si_ablation(ctx, q) == si
        and same_level(q, p)
        and ctx.assess(q, Modality.RFA).outcome in SUCCESS_OUTCOMES
        for q in ctx.ablations
    )
    not_positive = tuple(b for b in blocks if b.outcome not in SUCCESS_OUTCOMES)
    return BlockBefore(si, spec, kind, threshold, positive or worked, not_positive)


def a1_failed_ablation(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A1 — failed nerve ablation.

    When: an RFA/cryo ablation with outcome unsuccessful, < 50 % relief at 4–12 weeks, or relief lasting
      < 3 months.
    Then: re-evaluate (updated imaging; repeat diagnostic block to confirm the pathway); if radicular,
      an ESI or targeted nerve-root injection; pulsed RF; chemical neurolysis only for highly refractory
      pain; medication review; SCS/DRG/IDD; surgery if a structural target; multidisciplinary care + CBT.
      Warning if a repeat RFA is pending or was done after the failure, else info.
      With no positive diagnostic block of the ablation's kind before it (``block_before``: medial
      branch block for a facet RFA, SI joint block for an SI joint RFA, judged by ``assess``), the
      card names that as a fact and asks for a diagnostic block — not a "repeat" one — before any
      further ablation: the pain generator was never confirmed (NICE NG59). With a radicular
      diagnosis and no facet or SI joint pain diagnosis, one line adds that RFA does not treat
      radicular leg pain.
    Evidence: ASRA facet consensus 2020; CMS facet LCDs; NACC 2014; NICE NG59 (RFA only after a
      positive medial branch block).
    """
    p = a.procedure
    pending = ctx.pending(*RFA_ORDER_SETS)
    repeat = repeated_after_failure(ctx)
    failure = ctx.failure_facts(a)
    block = block_before(ctx, p)
    if not block.confirmed:
        return _a1_without_block(ctx, a, block, pending, repeat)
    why = [
        *failure[:1],
        *held_repeats(ctx, pending),
        *failure[1:],
    ]
    if repeat is not None:
        why.append(_repeat_fact(ctx, repeat))
    suggestions = [
        ctx.offer(
            block.spec,
            reasons=generator_refs(ctx),
            recommended=True,
            label=f"Repeat diagnostic {block.kind} to confirm the pathway",
        )
    ]
    steps = [
        "Re-evaluate why it failed (wrong target, incomplete lesion, different pain generator): updated "
        "MRI/CT and a repeat diagnostic block to confirm the pathway (ASRA 2020).",
    ]
    if pending:
        steps.insert(
            0,
            "Hold the pending repeat ablation order: re-evaluate why the ablation failed first, with a "
            "repeat diagnostic block (ASRA 2020).",
        )
    return _a1_card(
        ctx,
        a,
        summary=f"Ablation on {_when(p)} failed: re-evaluate with a repeat diagnostic block; do not repeat "
        "RFA there",
        warn=bool(pending or repeat),
        why=why,
        steps=steps,
        avoid=[],
        suggestions=suggestions,
    )


def _repeat_fact(ctx: PathwayContext, repeat: tuple[ProcedureFact, ProcedureFact]) -> Fact:
    return ctx.proc_fact(
        repeat[1], f" — repeated at the same level after the failed ablation on {_when(repeat[0])}"
    )


def _a1_without_block(
    ctx: PathwayContext,
    a: Assessment,
    block: BlockBefore,
    pending: tuple[ServiceRequestFact, ...],
    repeat: tuple[ProcedureFact, ProcedureFact] | None,
) -> CardDraft:
    """A1 when no positive diagnostic block of the ablation's kind preceded it: the fact is named, and
    the next step is the diagnostic block the ablation lacked (not a "repeat" block)."""
    p = a.procedure
    when = _when(p)
    failure = ctx.failure_facts(a)
    threshold = f"≥ {block.threshold:g} % relief"
    why = [
        *failure[:1],
        *held_repeats(ctx, pending),
        Fact(
            f"no positive diagnostic {block.kind} ({threshold}) on record before the RFA of {when}",
            short=f"no positive {block.kind} before the RFA",
        ),
        *(f for b in block.not_positive for f in ctx.failure_facts(b)),
        *failure[1:],
    ]
    if repeat is not None:
        why.append(_repeat_fact(ctx, repeat))
    # blocks of that kind were done, none positive (negative, or relief not recorded): none confirmed it
    unconfirmed = (
        "No block on record confirmed the pain generator"
        if block.not_positive
        else "The pain generator was never confirmed"
    )
    steps = [
        f"{unconfirmed}: a diagnostic {block.kind} (positive = {threshold}) before any further ablation "
        "(NICE NG59; ASRA 2020).",
    ]
    if pending:
        steps.insert(
            0,
            f"Hold the pending repeat ablation order: no positive diagnostic {block.kind} preceded the "
            "failed ablation.",
        )
    if radicular_only(ctx):
        steps.append(NOT_FOR_LEG_PAIN)
    steps.append("Re-evaluate the pain source (different pain generator, wrong target): updated MRI/CT.")
    summary = ""
    for said in (f"no positive {block.kind} preceded it", "no positive block preceded it"):
        summary = f"Ablation on {when} failed; {said}: diagnostic block before any further RFA"
        if len(summary) <= SUMMARY_MAX:
            break
    return _a1_card(
        ctx,
        a,
        summary=summary,
        warn=bool(pending or repeat),
        why=why,
        steps=steps,
        avoid=["Further ablation before a positive diagnostic block."],
        suggestions=[block_offer(ctx, block)],
        extra_evidence=("nice_ng59",),
    )


def _a1_card(
    ctx: PathwayContext,
    a: Assessment,
    *,
    summary: str,
    warn: bool,
    why: list[Fact],
    steps: list[str],
    avoid: list[str],
    suggestions: list[SuggestionDraft],
    extra_evidence: tuple[str, ...] = (),
) -> CardDraft:
    """The A1 card: the caller's summary, facts, first steps and block offer, then the steps, avoids
    and offers every failed ablation shares."""
    steps = list(steps)
    suggestions = list(suggestions)
    if ctx.gate_open:
        steps.append("With radicular pain: an image-guided ESI or a targeted nerve-root injection.")
        suggestions.append(ctx.offer(sx.DIAGNOSTIC_SNRB))
    steps += [
        "Pulsed radiofrequency as a non-destructive alternative; chemical neurolysis only for highly "
        "refractory "
        "pain.",
        "Medication review; SCS/DRG/intrathecal options if still refractory; surgery only with a structural "
        "target.",
        "Multidisciplinary care with CBT.",
    ]
    suggestions.append(ctx.offer(sx.CBT_REFERRAL, reasons=care_refs(ctx)))
    return A1.card(
        ctx,
        indicator="warning" if warn else "info",
        summary=summary,
        why=why,
        gaps=list(a.gaps),
        next_steps=steps,
        avoid=[
            *avoid,
            "Repeat RFA at the same level after an ablation that gave no relief.",
            "Chemical neurolysis as the first next step.",
            "Fusion.",
        ],
        conflicts=[RFA_SCOPE, *NEUROPATHIC_AGENTS],
        suggestions=suggestions,
        selection_behavior="any",
        extra_evidence=extra_evidence,
        needs=("observations", "serviceRequests"),
    )


def a1_record_outcome(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A1 (documentation) — the ablation's outcome is not recorded.

    When: the latest ablation (within a year) has no outcome, no usable scores and at most one proxy.
    Then: info — record pain and % relief at 4–12 weeks; no repeat ablation before the outcome is known.
    Evidence: CMS facet LCDs (repeat only after ≥ 50 % relief for ≥ 6 months); ASRA facet consensus 2020.
    """
    p = a.procedure
    return A1_RECORD.card(
        ctx,
        indicator="info",
        summary=f"Record the outcome of the ablation on {_when(p)} (pain NRS, % relief at {weeks(ctx)})",
        why=[*ctx.failure_facts(a), *a.proxies],
        gaps=[
            *a.gaps,
            f"record the outcome of the ablation on {_when(p)} (pain NRS and % relief at {weeks(ctx)})",
        ],
        next_steps=[
            f"Record pain and % relief; ≥ {pct(ctx.t.responder_relief_pct)} relief for "
            f"{span(ctx.t.rfa_durable_days)} justifies a repeat ablation."
        ],
        avoid=["A repeat ablation before its outcome is known."],
        needs=("observations",),
    )


def a2_worked_then_recurred(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A2 — RFA worked, then pain recurred: nerve regeneration, not failure.

    When: the latest ablation gave ≥ 50 % relief lasting ≥ 6 months and the pain came back
      (RESPONDED_THEN_RECURRED: the assessment names the recurrence). A success with no later data,
      or relief that still holds, is not a recurrence: no card, and never a repeat RFA.
    Then: info — a repeat RFA is reasonable (Medicare facet LCD repeat criterion). Not a failed
      ablation; not an SCS indication.
      Relief that lasted past 3 months but fell before 6 (``durable`` False: the assessment's
      "did not last 6 months") is no failure either, but does not justify a repeat: the card says so,
      holds a pending repeat ablation order, and offers no repeat RFA (``_a2_under_six_months``).
    Evidence: CMS facet LCDs; ASRA facet consensus 2020 (nerve regeneration).
    """
    p = a.procedure
    if a.durable is False:
        return _a2_under_six_months(ctx, a)
    block = block_before(ctx, p)
    if not block.confirmed and radicular_only(ctx):
        return _a2_generator_unconfirmed(ctx, a, block)
    return A2.card(
        ctx,
        indicator="info",
        summary=f"Ablation on {_when(p)} worked for months, then pain recurred: not a failure; a repeat "
        "RFA is reasonable",
        why=[*ctx.failure_facts(a)],
        gaps=list(a.gaps),
        next_steps=[
            f"A repeat ablation at the same level is reasonable after ≥ {pct(ctx.t.responder_relief_pct)} "
            f"relief lasting {span(ctx.t.rfa_durable_days)} (Medicare facet LCD); nerve regeneration "
            "explains the recurrence."
        ],
        avoid=["Labelling it a failed ablation.", "Spinal cord stimulation."],
        conflicts=[RFA_SCOPE],
        suggestions=[
            ctx.offer(
                sx.REPEAT_FACET_RFA,
                reasons=generator_refs(ctx),
                note=f"Same level as the ablation on {_when(p)}" + (f" ({p.level})." if p.level else "."),
                recommended=True,
            )
        ],
        needs=("observations",),
    )


def _a2_generator_unconfirmed(ctx: PathwayContext, a: Assessment, block: BlockBefore) -> CardDraft:
    """A2 when the ablation that worked had no positive diagnostic block before it and the record holds
    a radicular diagnosis but no facet or SI joint pain: the relief is not taken to confirm a facet or
    SI joint generator (NICE NG59: RFA only after a positive block; decision model: never RFA for
    pure radicular pain), so no repeat RFA is offered and a pending one is held; the block comes
    first, and the radicular pain has its own pathway."""
    p = a.procedure
    when = _when(p)
    pending = ctx.pending(*RFA_ORDER_SETS)
    facts = ctx.failure_facts(a)
    threshold = f"≥ {block.threshold:g} % relief"
    why = [
        *facts[:1],
        *held_repeats(ctx, pending),
        Fact(
            f"no positive diagnostic {block.kind} ({threshold}) before the RFA of {when}, and no facet or "
            "SI joint pain diagnosis: only a radicular one",
            short=f"no positive {block.kind}; radicular diagnosis only",
        ),
        *facts[1:],
    ]
    steps = [
        f"Before any repeat ablation, confirm the pain generator with a diagnostic {block.kind} "
        f"(positive = {threshold}; NICE NG59, ASRA 2020).",
        NOT_FOR_LEG_PAIN,
    ]
    if pending:
        steps.insert(0, f"Hold the pending repeat ablation: no positive diagnostic {block.kind} on record.")
    if ctx.gate_open:
        steps.append("For the radicular leg pain: an image-guided ESI or a targeted nerve-root injection.")
    summary = ""
    for said in (f"no positive {block.kind} on record", "no positive block on record"):
        summary = f"Pain back after the ablation on {when}; {said}: diagnostic block before any repeat RFA"
        if len(summary) <= SUMMARY_MAX:
            break
    return A2.card(
        ctx,
        indicator="warning" if pending else "info",
        summary=summary,
        why=why,
        gaps=list(a.gaps),
        next_steps=steps,
        avoid=["A repeat ablation before a positive diagnostic block.", "Spinal cord stimulation."],
        conflicts=[RFA_SCOPE],
        suggestions=[block_offer(ctx, block)],
        extra_evidence=("nice_ng59",),
        needs=("observations", "serviceRequests"),
    )


def _a2_under_six_months(ctx: PathwayContext, a: Assessment) -> CardDraft:
    """A2 for relief that lasted past 3 months but not 6: not a failure (no "re-evaluate with a
    block"), but below the Medicare facet LCD repeat criterion (≥ 50 % relief for ≥ 6 months): no
    repeat RFA, and a pending one is held."""
    p = a.procedure
    six = span(ctx.t.rfa_durable_days)
    pending = ctx.pending(*RFA_ORDER_SETS)
    facts = ctx.failure_facts(a)
    why = [
        *facts[:2],
        *held_repeats(ctx, pending),
        *facts[2:],
    ]
    steps = [
        f"A repeat ablation at the same level is justified only after ≥ {pct(ctx.t.responder_relief_pct)} "
        f"relief lasting {six} (Medicare facet LCD); this relief lasted under {six}. Not a failed "
        "ablation: the relief confirms the pain generator.",
        "Medication review; multidisciplinary care with CBT.",
    ]
    if pending:
        steps.insert(0, f"Hold the pending repeat ablation order: the relief lasted under {six}.")
    then = "hold the pending repeat RFA" if pending else "a repeat RFA is not justified"
    return A2.card(
        ctx,
        indicator="info",
        summary=f"Ablation on {_when(p)} helped for under {six}: not a failure, but {then}",
        why=why,
        gaps=list(a.gaps),
        next_steps=steps,
        avoid=[
            "Labelling it a failed ablation.",
            f"A repeat ablation at the same level before ≥ {pct(ctx.t.responder_relief_pct)} relief has "
            f"lasted {six}.",
        ],
        conflicts=[RFA_SCOPE],
        needs=("observations", "serviceRequests"),
    )
