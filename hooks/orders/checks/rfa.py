"""Check 6 — facet or SI joint radiofrequency ablation without its prerequisites.

``order.rfa-no-block`` (decision model F5/A1, §1.3 "RFA scope")
When: a lumbar facet RFA (``facet_rfa_lumbar``) or SI joint RFA (64625 in ``facet_rfa_or_si_rfa``)
      is ordered and the record holds fewer than ``mbb_required_positive_blocks`` positive diagnostic
      blocks of the matching kind (medial branch block / SI joint block) by
      ``hooks.pathway.failure.assess`` (≥ ``mbb_positive_relief_pct`` / ``sij_block_positive_relief_pct``),
      and no earlier ablation of the same kind at the same level (or either level not stated) worked
      (≥ 50 % relief, or outcome successful, by ``assess``): a successful ablation confirms the pain
      generator as a block would, so a repeat after it needs no new block.
Then: warning; replace the draft with the diagnostic block (same order id); RFA only after a positive
      block. When blocks of that kind are on record but their relief is not (``assess``: unknown, or
      still pending), the card asks for the relief of those blocks to be recorded before the ablation,
      names them (latest first), and recommends no further block: the blocks were done. When the
      blocks on record did not relieve the pain (negative), the card names the latest first, says the
      joints are not shown to be the pain generator and to look for another, and recommends cancelling
      the ablation; a repeat block is offered, not pre-selected (ASRA 2020: only if the first was
      technically inadequate). A positive block of other facet joints than the ablation's (both name
      their joints, none shared: "right L2-3 and L3-4" for "L4-5 and L5-S1") does not count; the card
      names it and asks for a block of the joints to be ablated.
      Pure radicular pain (decision model §1.3 "RFA scope", F3 must-not): otherwise, when a lumbar
      radicular diagnosis is in force (``PathwayContext.radicular_conditions``, coded or in words;
      post-laminectomy syndrome alone is not one), no facet-mediated or SI joint pain diagnosis is
      (``refractory.facet_or_si_generators``, the value sets F5 reads) and the pain scores do not show
      axial-predominant pain (``refractory.axial_predominant``), the card says instead that the
      ablation treats facet- (or SI-joint-) mediated back pain, not radicular leg pain, names the
      radicular diagnosis as the deciding fact, recommends cancelling the order and suggests no block:
      re-evaluate the radicular pain (MRI review, image-guided ESI or a surgical opinion). With a
      facet or SI joint diagnosis on record (mixed pain) the block comes first, as above.
Evidence: ASRA facet consensus 2020; NICE NG59 (RFA only after a positive medial branch block);
      CMS facet LCDs (two blocks ≥ 80 %).

``order.rfa-repeat-failed`` (decision model A1, A2; §3.1 RFA row)
When: the same kind of RFA is ordered, at the same level (or the level of either is not stated), and
      one of, the first that applies giving the card:
      1. an earlier ablation there failed (failed, short-lived, partial < 50 %, probable failure);
      2. the latest ablation there (a stated opposite side is another target: a staged bilateral
         ablation) responded but its relief did not last ``rfa_durable_days`` (``durable`` False by
         ``assess``: fell between 3 and 6 months, or 30-49 % at 6 months);
      3. the latest ablation there was under ``rfa_durable_days`` (6 months) ago: whether its relief
         lasts is not known yet;
      4. the latest ablation there (6 months ago or more) has no documented response (no outcome and
         no scores to judge it, or one sign of failure only): record its relief and how long it
         lasted first;
      5. a facet RFA with ``rfa_max_sessions_per_year`` (2) sessions (distinct days, any level) already
         in the rolling ``esi_frequency_window_days`` (12 months), counted as the ESI session limit is.
      The session-limit fact is added to the card of 1-4 when it also applies.
Then: warning. 1: "after a failed ablation" / "an ablation whose relief was short-lived" / "with
      partial relief" / "that probably failed" / "that gave little or no relief", as ``assess`` judged
      it; do not repeat at the same level: re-evaluate (updated imaging, repeat diagnostic block),
      consider other options (clinical practice); suggest cancelling and repeating the block.
      2-4: a repeat is not justified (yet): ≥ 50 % relief lasting 6 months first; no failure, no block;
      suggest cancelling the order. 5: hold the order until the first day a further session falls
      within the limit; suggest cancelling it.
Evidence: CMS facet LCDs (repeat only after ≥ 50 % relief for ≥ 6 months; at most 2 RF sessions per
      region per rolling 12 months); ASRA 2020.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hooks import suggestions as sx
from hooks.cards import SUMMARY_MAX, CardDraft, Conflict, Fact, SuggestionDraft
from hooks.conflicts import RFA_SCOPE
from hooks.facts import ConditionFact, DraftOrder, ProcedureFact
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete, replace
from hooks.orders.context import FAILED, POSITIVE, OrderContext
from hooks.pathway.context import clinical_name, mid_sentence
from hooks.pathway.failure import Assessment, Modality, Outcome, levels_concordant, sides_concordant
from hooks.pathway.rules import ablation, refractory
from hooks.pathway.rules.common import count
from hooks.rule import Rule, order_rule
from hooks.text import levels_in, parse_laterality, parse_level, segments, short_name
from hooks.thresholds import pct, span

RULE_NO_BLOCK_DECL: Rule = order_rule(
    "order.rfa-no-block",
    "Radiofrequency ablation without a positive diagnostic block",
    "F5",
    ("asra_facet_2020", "nice_ng59", "cms_facet_lcd"),
)
RULE_REPEAT_DECL: Rule = order_rule(
    "order.rfa-repeat-failed", "Repeat ablation after failure", "A1", ("asra_facet_2020", "cms_facet_lcd")
)
RULES = (RULE_NO_BLOCK_DECL, RULE_REPEAT_DECL)
# A block done whose relief is not known yet: no score, no recorded relief (or too early to judge).
_UNREAD = (Outcome.UNKNOWN, Outcome.PENDING)
RULE_NO_BLOCK, RULE_REPEAT = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "facet_rfa_or_si_rfa"):
        return []
    facet = ctx.order_is(order, "facet_rfa_lumbar") is not None
    return [*_repeat(ctx, order, facet), *_no_block(ctx, order, facet)]


def _no_block(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[CardDraft]:
    block_set = "facet_medial_branch_block_lumbar" if facet else "si_joint_diagnostic_block"
    needed = ctx.t.mbb_required_positive_blocks if facet else 1
    threshold = ctx.t.mbb_positive_relief_pct if facet else ctx.t.sij_block_positive_relief_pct
    ordered_joints = _joints(order.body_site_text, order.text)
    blocks = _read_blocks(ctx, order, block_set, ordered_joints)
    positives, others, elsewhere = blocks.positives, blocks.others, blocks.elsewhere
    # a negative block of the other side or other joints says nothing against the ones ordered
    contradicted = ablation.negative_after(positives, blocks.same_target)
    if len(positives) >= needed and not contradicted:
        return []
    if _successful_ablation(ctx, order, facet):
        return []  # a successful ablation of the same kind at the same level confirmed the pain generator
    kind = "medial branch block" if facet else "sacroiliac joint block"
    why: list[Fact] = [
        Fact(
            f"{count(len(positives), f'positive diagnostic {kind}')}"
            f"{' of these joints' if elsewhere else ''} on record; {needed} required "
            f"(≥ {threshold:g} % relief)"
        )
    ]
    # blocks done whose relief is not recorded come first, latest first: they decide the card; then
    # blocks that did not relieve the pain, latest first
    unread = [a for a in others if a.outcome in _UNREAD]
    negative = [] if unread else [a for a in others if a.outcome in FAILED]
    rest = [a for a in others if a.outcome not in _UNREAD and a not in negative]
    for a in (*reversed(unread), *reversed(negative), *rest):
        why.extend(ctx.pathway.failure_facts(a))
    if negative:
        # the negative block decides the card: it comes first; then the positive one it did not confirm
        unconfirmed = [f for a in positives if contradicted for f in ctx.pathway.failure_facts(a)]
        why = [*why[1:], why[0], *unconfirmed]
    joints = " and ".join(ordered_joints) or "those ordered"
    why += [
        Fact(
            f"{p.text or kind} on {p.performed_text or 'an undated day'} {reason}",
            p.ref,
            short=f"{kind} {p.performed_text or 'undated'}: "
            + ("other side" if reason.startswith("was") else "other joints"),
        )
        for p, reason in elsewhere
    ]
    if not unread:
        radicular = _pure_radicular(ctx)
        if radicular:
            return [_radicular(ctx, order, facet, radicular, others)]
    spec = sx.MEDIAL_BRANCH_BLOCK if facet else sx.SI_JOINT_BLOCK
    coding = ctx.term.first(spec.value_set).coding()
    if unread:
        dated = list(dict.fromkeys(a.procedure.performed_text or "undated" for a in reversed(unread)))
        dates = " and ".join(dated) if len(dated) <= 2 else ", ".join(dated)
        kind = kind if len(unread) == 1 else f"{kind}s"
        summary = f"RFA ordered: relief after the {kind} of {dates} not recorded; record it before ablation"
        steps: tuple[str, ...] = (
            f"Ablate only once ≥ {threshold:g} % relief is recorded for the {kind} of {dates} "
            "(anaesthetic phase, from the pain diary).",
            f"If the relief was not measured, repeat the {spec.text.lower()} before the ablation.",
        )
    elif negative:
        # the block was done and did not relieve the pain: the joints it tested are not shown to be
        # the pain generator; another block is no routine next step (ASRA 2020)
        last = negative[-1]
        when = last.procedure.performed_text or "undated"
        relief = f"{last.relief_pct:g} % relief, " if last.relief_pct is not None else ""
        summary = (
            f"RFA ordered after a negative {kind} ({relief}{when}): the pain generator is not confirmed; "
            "do not ablate"
        )
        if len(summary) > SUMMARY_MAX:
            summary = f"RFA ordered after a negative {kind} ({when}): pain generator not confirmed"
        steps = (
            f"Cancel the RFA: a negative block does not show the {'facet joints' if facet else 'SI joint'} "
            "to be the pain generator.",
            "Look for another pain generator (radicular pain, the SI joint or hip, discogenic pain) and "
            "review the diagnosis.",
            f"Repeat the {kind} only if the first was technically inadequate (ASRA 2020).",
        )
    elif elsewhere:
        summary = (
            f"RFA ordered for {joints}: the positive {kind} on record does not cover them; block them first"
        )
        if len(summary) > SUMMARY_MAX:
            summary = f"RFA ordered: the positive {kind} on record does not cover them; block them first"
        steps = (
            f"{spec.text} at the joints to be ablated ({joints}), recording % relief during the anaesthetic "
            "phase.",
            "Radiofrequency ablation only of joints a positive block tested.",
        )
    else:
        summary = f"RFA ordered without a positive diagnostic {kind} on record: do the block first"
        steps = (
            f"{spec.text}, recording % relief during the anaesthetic phase.",
            "Radiofrequency ablation only after a positive block.",
        )
    conflicts = (
        [RFA_SCOPE]
        if facet
        else [
            Conflict(
                "SI joint RFA",
                "NICE NG59 and ASRA 2020 allow radiofrequency ablation after a positive diagnostic block.",
                "Some Medicare LCDs (L39455) do not cover SI joint RFA.",
            )
        ]
    )
    return [
        card(
            RULE_NO_BLOCK,
            "Radiofrequency ablation without a positive diagnostic block",
            order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=steps,
            avoid=("RFA without a positive diagnostic block.", "RFA for purely radicular pain."),
            evidence=("asra_facet_2020", "nice_ng59", "cms_facet_lcd"),
            conflicts=conflicts,
            gaps=ctx.unavailable_gaps("procedures", "observations"),
            suggestions=_first_recommended(
                replace(
                    order,
                    coding,
                    f"Change to a {spec.text.lower()}",
                    f"Replace {order.ref} with a {spec.text.lower()}",
                    text=spec.text,
                    # the blocks were done: their relief is wanted, not another; a negative block is
                    # no reason for a routine second one
                    recommended=not unread and not negative,
                    **_note_field(spec.note),
                ),
                delete(order, "Cancel the RFA", f"Remove {order.ref}", recommended=bool(negative)),
            ),
        )
    ]


@dataclass
class _Blocks:
    """The diagnostic blocks on record, read against the ablation ordered."""

    positives: list[Assessment] = field(default_factory=list)  # positive, of the side and joints ordered
    others: list[Assessment] = field(default_factory=list)  # not positive (negative or not recorded)
    # positive blocks of other joints, or of the other side, than the ablation ordered: (block, why)
    elsewhere: list[tuple[ProcedureFact, str]] = field(default_factory=list)
    same_target: list[Assessment] = field(default_factory=list)  # not positive, of the target ordered


def _read_blocks(
    ctx: OrderContext, order: DraftOrder, block_set: str, ordered_joints: tuple[str, ...]
) -> _Blocks:
    out = _Blocks()
    ordered_side = parse_laterality(order.body_site_text, order.text)
    for p in ctx.completed(block_set):
        a = ctx.assess(p, Modality.DIAGNOSTIC_BLOCK)
        side = p.laterality or parse_laterality(p.text)
        blocked = _joints(p.body_site_text, p.text)
        other_side = sides_concordant(ordered_side, side) is False
        other_joints = _other_joints(ordered_joints, blocked)
        if a.outcome in POSITIVE and other_side:
            out.elsewhere.append((p, f"was {side}, not the side ordered ({ordered_side})"))
        elif a.outcome in POSITIVE and other_joints:
            joints = " and ".join(ordered_joints)
            out.elsewhere.append((p, f"tested {' and '.join(blocked)}, not the joints ordered ({joints})"))
        elif a.outcome in POSITIVE:
            out.positives.append(a)
        else:
            out.others.append(a)
            if not other_side and not other_joints:
                out.same_target.append(a)
    return out


def _joints(*texts: str | None) -> tuple[str, ...]:
    """The facet joints the words name, as segments ("L4-L5", "L5-S1"); a single vertebra ("L4 medial
    branch") names no joint and is left out."""
    return tuple(level for level in levels_in(*texts) if "-" in level)


def _other_joints(ordered: tuple[str, ...], blocked: tuple[str, ...]) -> bool:
    """Whether a block tested other facet joints than an ablation is ordered for: both name levels
    and they share no vertebra ("L1-2 and L2-3" for "L4-5 and L5-S1"). Levels that share one count as
    the same target: notes name the medial branches ("L3-L4 medial branches") or the joint they supply
    ("L4-5") alike. Unknown when either names none: then the block counts."""
    a, b = segments(*ordered), segments(*blocked)
    return bool(a) and bool(b) and not a & b


def _first_recommended(*suggestions: SuggestionDraft) -> tuple[SuggestionDraft, ...]:
    """The suggestions with the recommended one first: what the card says to do is its first button."""
    return tuple(sorted(suggestions, key=lambda x: not x.is_recommended))


def _pure_radicular(ctx: OrderContext) -> tuple[ConditionFact, ...]:
    """The lumbar radicular diagnoses in force when they are the whole story: no facet-mediated or SI
    joint pain diagnosis (the value sets the pathway's F5 reads) and no pain scores showing the back
    hurting more than the leg (F5's axial-predominant pain); empty otherwise (mixed pain, or no
    radicular diagnosis)."""
    p = ctx.pathway
    if refractory.facet_or_si_generators(p) or refractory.axial_predominant(p):
        return ()
    return p.radicular_conditions


# a summary naming a radicular diagnosis too long to fit names the pain instead
_RADICULAR_PAIN = "lumbar radicular pain"


def _radicular(
    ctx: OrderContext,
    order: DraftOrder,
    facet: bool,
    radicular: tuple[ConditionFact, ...],
    negative: list[Assessment],
) -> CardDraft:
    """Facet or SI joint RFA for pure radicular pain: the ablation does not treat it; cancel the order,
    no diagnostic block (the pain is not facet- or SI-joint-mediated), re-evaluate the radicular pain."""
    kind, mediated = ("facet", "facet-mediated") if facet else ("SI joint", "SI-joint-mediated")
    head = "Facet RFA" if facet else "SI joint RFA"
    name = mid_sentence(short_name(clinical_name(radicular[0].text)))
    summary = ""
    for said in (name, _RADICULAR_PAIN):
        summary = f"{head} ordered for {said}: ablation treats {mediated} back pain, not radicular leg pain"
        if len(summary) <= SUMMARY_MAX:
            break
    why: list[Fact] = [ctx.cond(c, "lumbar radicular diagnosis") for c in radicular]
    why.append(Fact("no facet-mediated or sacroiliac joint pain diagnosis on record"))
    for a in negative:
        why.extend(ctx.pathway.failure_facts(a))
    return card(
        RULE_NO_BLOCK,
        "Radiofrequency ablation for radicular pain",
        order,
        indicator="warning",
        summary=summary,
        why=why,
        next_steps=(
            f"Cancel the {kind} RFA and re-evaluate the radicular pain: ablation treats {mediated} back "
            "pain, not radicular leg pain, and no facet or SI joint pain is diagnosed.",
            "For the radicular pain: review the MRI, then an image-guided ESI or a surgical opinion as the "
            "course so far indicates (NICE NG59; ASRA 2020 facet consensus).",
        ),
        avoid=(
            "RFA for purely radicular pain.",
            "A diagnostic facet or SI joint block for radicular pain alone.",
        ),
        evidence=("nice_ng59", "asra_facet_2020"),
        gaps=ctx.unavailable_gaps("conditions", "procedures", "observations"),
        suggestions=(delete(order, "Cancel the RFA", f"Remove {order.ref}", recommended=True),),
    )


def _same_kind_ablations(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[ProcedureFact]:
    """Completed ablations of the order's kind (facet, or SI joint) at its level (or either level not
    stated)."""
    level = parse_level(order.body_site_text, order.text)
    out = []
    for p in ctx.completed("facet_rfa_lumbar" if facet else "facet_rfa_or_si_rfa"):
        if not facet and ctx.term.match("facet_rfa_lumbar", p.codings) is not None:
            continue  # an SI RFA order is compared with SI ablations only
        if levels_concordant(level, p.level) is False:
            continue
        out.append(p)
    return out


def _successful_ablation(ctx: OrderContext, order: DraftOrder, facet: bool) -> bool:
    """A repeat ablation after one of the same kind at the same level that worked (≥ 50 % relief, or
    outcome successful, by ``assess``): that response meets the diagnostic-block requirement."""
    earlier = _same_kind_ablations(ctx, order, facet)
    return any(ctx.assess(p, Modality.RFA).outcome in POSITIVE for p in earlier)


def _repeat(ctx: OrderContext, order: DraftOrder, facet: bool) -> list[CardDraft]:
    """``order.rfa-repeat-failed``: after a failure at the level (any earlier one), else after the
    latest ablation at the level whose relief did not last 6 months or is under 6 months old, else on
    the session limit alone; one card, the first that applies."""
    level = parse_level(order.body_site_text, order.text)
    same = _same_kind_ablations(ctx, order, facet)
    failed = [a for a in (ctx.assess(p, Modality.RFA) for p in same) if a.outcome in FAILED]
    limit = _session_limit(ctx, facet)
    gaps = list(ctx.unavailable_gaps("procedures", "observations"))
    if failed:
        if any(not (level and a.procedure.level) for a in failed):
            gaps.append(_UNKNOWN_LEVEL)
        return [_after_failure(ctx, order, facet, failed, limit, gaps)]
    # a staged contralateral ablation (left, then right) is no repeat of the first
    side = parse_laterality(order.body_site_text, order.text)
    here = [p for p in same if sides_concordant(side, p.laterality or parse_laterality(p.text)) is not False]
    last = here[-1] if here else None
    if last is not None:
        if not (level and last.level):
            gaps.append(_UNKNOWN_LEVEL)
        latest = ctx.assess(last, Modality.RFA)
        if latest.durable is False:
            return [_not_lasting(ctx, order, latest, limit, gaps)]
        days = (ctx.today - last.performed).days if last.performed else None
        if days is not None and days < ctx.t.rfa_durable_days:
            return [_too_soon(ctx, order, last, days, limit, gaps)]
        if latest.outcome in _UNDOCUMENTED:
            return [_not_documented(ctx, order, latest, limit, gaps)]
    if limit is not None:
        return [_limit_reached(ctx, order, limit, list(ctx.unavailable_gaps("procedures")))]
    return []


_UNKNOWN_LEVEL = (
    "The spinal level of the draft order or of the earlier ablation is not stated; they were treated "
    "as the same level."
)


def _failed_as(a: Assessment) -> str:
    """The earlier ablation as the assessment judged it, for a summary: "an ablation whose relief was
    short-lived" (SHORT_LIVED), never "no relief" for one that gave 88 % for a while."""
    if a.outcome is Outcome.SHORT_LIVED:
        return "an ablation whose relief was short-lived"
    if a.outcome is Outcome.PARTIAL:
        return "an ablation with partial relief"
    if a.outcome is Outcome.PROBABLE_FAILED:
        return "an ablation that probably failed"
    return "a failed ablation" if a.relief_pct is None else "an ablation that gave little or no relief"


@dataclass(frozen=True)
class _Limit:
    """The facet RFA session limit reached: what the card shows, and the first day a further session
    falls within it."""

    facts: tuple[Fact, ...]
    until: str


def _session_limit(ctx: OrderContext, facet: bool) -> _Limit | None:
    """Facet RFA sessions (distinct days) in the rolling window (today − ``esi_frequency_window_days``,
    today], counted as ``PathwayContext.esis_in_frequency_window`` counts ESI sessions: when
    ``rfa_max_sessions_per_year`` are already on record (Medicare facet LCD: at most 2 RF sessions per
    region per rolling 12 months), the fact saying so, then the sessions, oldest first; else None.
    Any level counts (the limit is per region). SI joint RFA is outside that LCD: never counted."""
    if not facet:
        return None
    since = ctx.today - timedelta(days=ctx.t.esi_frequency_window_days)
    done: dict[date, ProcedureFact] = {}
    for p in ctx.completed("facet_rfa_lumbar"):
        if p.performed is not None and p.performed > since:
            done.setdefault(p.performed, p)
    limit = ctx.t.rfa_max_sessions_per_year
    if limit <= 0 or len(done) < limit:
        return None
    days = sorted(done)
    until = (days[-limit] + timedelta(days=ctx.t.esi_frequency_window_days)).isoformat()
    year = span(ctx.t.esi_frequency_window_days)
    head = Fact(
        f"this would be facet RFA session {len(done) + 1} in {year}; the limit is {limit} sessions per "
        f"region (earlier sessions: {', '.join(d.isoformat() for d in days)})"
    )
    sessions = (Fact(f"{done[d].text or 'facet RFA'} on {d.isoformat()}", done[d].ref) for d in days)
    return _Limit((head, *sessions), until)


def _after_failure(
    ctx: OrderContext,
    order: DraftOrder,
    facet: bool,
    failed: list[Assessment],
    limit: _Limit | None,
    gaps: list[str],
) -> CardDraft:
    why: list[Fact] = []
    for a in failed:
        why.extend(ctx.pathway.failure_facts(a))
    what = _failed_as(failed[-1])
    return card(
        RULE_REPEAT,
        RULE_REPEAT_DECL.title,
        order,
        indicator="warning",
        summary=f"Repeat RFA at the same level after {what}: re-evaluate first",
        why=[*why, *(limit.facts[:1] if limit else ())],
        next_steps=(
            "Repeat the diagnostic block to confirm the pain pathway before any further ablation, with "
            "an updated MRI or CT if the picture has changed (ASRA 2020).",
            "If the pain is radicular: image-guided ESI or targeted nerve-root injection.",
            "Medication review; multidisciplinary care with CBT; neuromodulation evaluation.",
        ),
        avoid=(
            f"Repeat RFA at the same level after {what}.",
            "Chemical neurolysis as the first next step.",
        ),
        evidence=("asra_facet_2020", "cms_facet_lcd"),
        gaps=gaps,
        suggestions=(
            # the step the card gives first: the block that confirms (or not) the pain pathway
            cancel_and_create(
                order,
                sx.MEDIAL_BRANCH_BLOCK if facet else sx.SI_JOINT_BLOCK,
                ctx.term,
                patient_id=ctx.inp.patient_id,
                label="Cancel the RFA and repeat the diagnostic block",
                recommended=True,
            ),
            delete(order, "Cancel the repeat RFA", f"Remove {order.ref}"),
        ),
    )


def _repeat_criterion(ctx: OrderContext) -> str:
    return (
        f"a repeat ablation at the same level only after ≥ {pct(ctx.t.responder_relief_pct)} relief lasting "
        f"{span(ctx.t.rfa_durable_days)} (Medicare facet LCD)"
    )


def _not_justified(
    ctx: OrderContext,
    order: DraftOrder,
    *,
    title: str,
    summary: str,
    why: list[Fact],
    steps: list[str],
    limit: _Limit | None,
    gaps: list[str],
) -> CardDraft:
    """A repeat RFA the record does not justify (yet), the earlier ablation no failure: cancel it; no
    diagnostic block (the relief confirmed the pain generator)."""
    if limit:
        steps.append(
            f"At most {ctx.t.rfa_max_sessions_per_year} facet RFA sessions per region in a rolling "
            f"{span(ctx.t.esi_frequency_window_days)}: the next from {limit.until}."
        )
    return card(
        RULE_REPEAT,
        title,
        order,
        indicator="warning",
        summary=summary,
        why=[*why, *(limit.facts[:1] if limit else ())],
        next_steps=steps,
        avoid=(
            f"Repeat RFA at the same level before ≥ {pct(ctx.t.responder_relief_pct)} relief has lasted "
            f"{span(ctx.t.rfa_durable_days)}.",
        ),
        evidence=("cms_facet_lcd", "asra_facet_2020"),
        gaps=gaps,
        suggestions=(delete(order, "Cancel the repeat RFA", f"Remove {order.ref}", recommended=True),),
    )


def _not_lasting(
    ctx: OrderContext, order: DraftOrder, a: Assessment, limit: _Limit | None, gaps: list[str]
) -> CardDraft:
    """The latest ablation at the level responded but the relief did not last 6 months (``durable``
    False): not a failure, but no repeat."""
    six = span(ctx.t.rfa_durable_days)
    when = a.procedure.performed_text or "an unrecorded date"
    return _not_justified(
        ctx,
        order,
        title="Repeat ablation after relief that did not last 6 months",
        summary=f"Repeat RFA at the same level: relief from the ablation of {when} did not last {six}; a "
        "repeat is not justified",
        why=list(ctx.pathway.failure_facts(a)),
        steps=[
            f"Cancel the repeat: {_repeat_criterion(ctx)}. The relief confirms the pain generator; the "
            "ablation did not fail.",
            "Medication review; multidisciplinary care with CBT.",
        ],
        limit=limit,
        gaps=gaps,
    )


# an earlier ablation with no documented response: no outcome and no scores to judge it, or one sign
# of failure only (decision model §3.1.5)
_UNDOCUMENTED = (Outcome.UNKNOWN, Outcome.POSSIBLE_FAILED)


def _not_documented(
    ctx: OrderContext, order: DraftOrder, a: Assessment, limit: _Limit | None, gaps: list[str]
) -> CardDraft:
    """The latest ablation at the level has no documented response: a repeat needs its relief and how
    long it lasted on record first (Medicare facet LCD), as the chart's card asks for its outcome."""
    when = a.procedure.performed_text or "an unrecorded date"
    return _not_justified(
        ctx,
        order,
        title="Repeat ablation with the last one's relief not documented",
        summary=f"Repeat RFA at the same level: relief after the ablation of {when} is not documented; "
        "record it first",
        why=list(ctx.pathway.failure_facts(a)),
        steps=[
            f"Record the relief the ablation of {when} gave and how long it lasted (pain NRS, ODI): "
            f"{_repeat_criterion(ctx)}.",
            "If it gave little or no relief, re-evaluate the pain generator instead of repeating it.",
        ],
        limit=limit,
        gaps=gaps,
    )


def _too_soon(
    ctx: OrderContext,
    order: DraftOrder,
    last: ProcedureFact,
    days: int,
    limit: _Limit | None,
    gaps: list[str],
) -> CardDraft:
    """The latest ablation at the level was under 6 months ago: whether its relief lasts 6 months is
    not known yet."""
    assert last.performed is not None
    six = span(ctx.t.rfa_durable_days)
    judged = (last.performed + timedelta(days=ctx.t.rfa_durable_days)).isoformat()
    after = "on the same day as" if days == 0 else f"{span(days, exact=False)} after"
    return _not_justified(
        ctx,
        order,
        title="Repeat ablation within 6 months of the last",
        summary=f"Repeat RFA {after} the ablation at that level: judge its relief at {six} ({judged}) first",
        why=[
            Fact(
                f"{last.text or 'ablation'} on {last.performed_text or last.performed.isoformat()}, "
                f"{span(days, exact=False) if days else '0 days'} ago; under {six}",
                last.ref,
            )
        ],
        steps=[
            f"Record pain and % relief {six} after the last ablation ({judged}); {_repeat_criterion(ctx)}.",
        ],
        limit=limit,
        gaps=gaps,
    )


def _limit_reached(ctx: OrderContext, order: DraftOrder, limit: _Limit, gaps: list[str]) -> CardDraft:
    n = ctx.t.rfa_max_sessions_per_year
    year = span(ctx.t.esi_frequency_window_days)
    until = limit.until
    return card(
        RULE_REPEAT,
        "Radiofrequency ablation session limit reached",
        order,
        indicator="warning",
        summary=f"Facet RFA: {n} sessions already in {year}, the limit per region; hold this one until "
        f"{until}",
        why=limit.facts,
        next_steps=(
            f"Hold this ablation until {until}: at most {n} facet RFA sessions per region in a rolling "
            f"{year} (Medicare facet LCD).",
        ),
        avoid=(f"More than {n} facet RFA sessions per region in {year}.",),
        evidence=("cms_facet_lcd", "asra_facet_2020"),
        gaps=gaps,
        suggestions=(
            delete(order, f"Cancel the RFA; none before {until}", f"Remove {order.ref}", recommended=True),
        ),
    )


CHECK = OrderCheck(
    rules=RULES, applies_to=("facet_rfa_or_si_rfa",), kind="procedure",
    checks_what="the result of earlier ablations and diagnostic blocks", needs=("observations",),
    evidence=("asra_facet_2020",), judge=check,
    adult_pathway=True,  # block-before-ablation sequencing of the adult pathway (ASRA 2020, CMS LCDs)
)  # fmt: skip


def _note_field(note: str | None) -> dict[str, Any]:
    """The ``note`` an update adds to the clinician's, when there is one."""
    return {"note": [{"text": note}]} if note else {}
