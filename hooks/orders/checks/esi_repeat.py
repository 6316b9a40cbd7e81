"""Check 4 — epidural injection repeated without benefit, too often, or too early.

``order.esi-repeat`` (decision model F8, "intercept on order-sign")
When: a lumbar ESI is ordered and either the last two completed lumbar ESIs
      (``esi_consecutive_failures``) were both non-responders by ``hooks.pathway.failure.assess``
      (failed, short-lived, partial < 50 %, probable failure), or the order would exceed the session
      limit: ``esi_max_sessions_per_year`` (4) sessions are allowed per region in 12 months, so the
      card fires when 4 are already on record and a fifth is ordered.
Then: warning; stop injecting: diagnostic re-evaluation (EMG/NCS, diagnostic nerve-root block),
      surgical opinion, multidisciplinary care. Suggest cancelling the ESI and referring to a spine
      surgeon instead, or cancelling and ordering EMG/NCS.
Evidence: CMS ESI LCDs (repeat only after ≥ 50 % sustained relief; ≤ 4 sessions per region per 12
      months); decision model §3.1 persistence rule; NASS LDH.

``order.esi-too-early`` (decision model E1)
When: a lumbar ESI is ordered fewer than 6 weeks into the complaint (from the earliest onset, or from
      the first lumbar epidural injection, physiotherapy or lumbar operation when that is earlier:
      ``OrderContext.course``; the card names what it counted from) and the pain is not graded severe and
      disabling as the pathway grades it for E2 (latest NRS ≥ 7 with ODI ≥ 40; a missing score does
      not argue against severity, but one must exist).
Then: warning with both sides: ACR 2021 places ESI after 6 weeks of failed conservative care;
      NICE NG59 lets a specialist consider it in acute and severe sciatica. Suggest cancelling and
      reassessing at 6 weeks.
Evidence: ACR 2021; NICE NG59; CMS ESI LCDs (≥ 4 weeks of pain and failed conservative care).

A diagnostic selective nerve root block coded 64483 (-KX, or written as diagnostic or local anaesthetic
only: ``OrderContext.is_diagnostic_block``) is not a therapeutic ESI and is not judged here.
"""

from __future__ import annotations

from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.conflicts import ESI_TIMING
from hooks.facts import DraftOrder
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete
from hooks.orders.context import OrderContext
from hooks.rule import Rule, order_rule
from hooks.thresholds import pct, span

RULE_REPEAT_DECL: Rule = order_rule(
    "order.esi-repeat", "Repeat epidural injection without benefit", "F8", ("nass_ldh", "cms_esi_lcd")
)
RULE_EARLY_DECL: Rule = order_rule(
    "order.esi-too-early",
    "Epidural injection before the conservative-care period",
    "E1",
    ("nice_ng59", "cms_esi_lcd"),
)
RULES = (RULE_REPEAT_DECL, RULE_EARLY_DECL)
RULE_REPEAT, RULE_EARLY = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "esi_lumbar_all"):
        return []
    if ctx.is_diagnostic_block(order):
        return []  # a diagnostic nerve root block (KX, local anaesthetic only) is no therapeutic ESI
    out = _repeat(ctx, order)
    if not out:
        out = _too_early(ctx, order)
    return out


def _repeat(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    why: list[Fact] = []
    n = ctx.t.esi_consecutive_failures
    run = ctx.pathway.non_responding_esi_run
    failures = n > 0 and len(run) >= n
    if failures:
        for a in run[-n:]:
            why.extend(ctx.pathway.failure_facts(a))
    sessions = ctx.pathway.esis_in_frequency_window
    limit = ctx.t.esi_max_sessions_per_year
    year = span(ctx.t.esi_frequency_window_days)
    too_many = len(sessions) + 1 > limit  # up to ``limit`` sessions are allowed: warn on the one after
    if too_many:
        why.append(
            Fact(
                f"this would be lumbar ESI session {len(sessions) + 1} in {year}; the limit is {limit} "
                f"sessions per region (earlier sessions: {', '.join(str(p.performed) for p in sessions)})"
            )
        )
        why.extend(
            Fact(f"{p.text or 'lumbar ESI'} on {p.performed_text or p.performed}", p.ref)
            for p in sessions
            if not any(f.ref == p.ref for f in why)
        )
    if not why:
        return []
    summary = (
        f"Repeat ESI after {n} non-responding injections: re-evaluate instead of injecting again"
        if failures
        else f"Lumbar ESI session {len(sessions) + 1} in {year}: re-evaluate instead of injecting again"
    )
    reasons = ctx.radicular_refs
    pid = ctx.inp.patient_id
    return [
        card(
            RULE_REPEAT,
            "Repeat epidural injection without benefit",
            order,
            indicator="warning",
            summary=summary,
            why=why,
            next_steps=(
                "Stop repeating the injection; re-evaluate the diagnosis: review imaging concordance, "
                "EMG/nerve "
                "conduction studies, a diagnostic selective nerve-root block if the level is in doubt.",
                "Surgical opinion when a concordant compressive lesion exists.",
                "Multidisciplinary pain care with CBT; medication review.",
            ),
            avoid=(
                f"Another ESI without a sustained ≥ {pct(ctx.t.responder_relief_pct)} response to the last "
                "one.",
                f"More than {limit} lumbar ESI sessions in {year}.",
            ),
            evidence=("nass_ldh", "cms_esi_lcd"),
            gaps=ctx.unavailable_gaps("procedures", "observations"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=pid,
                    reasons=reasons,
                    label="Cancel the ESI and refer to a spine surgeon",
                    recommended=True,
                ),
                cancel_and_create(
                    order,
                    sx.EMG_NCS,
                    ctx.term,
                    patient_id=pid,
                    reasons=reasons,
                    label="Cancel the ESI and order EMG/nerve conduction studies",
                ),
            ),
        )
    ]


def _too_early(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    course = ctx.course
    if course is None or course.days >= ctx.t.conservative_care_days:
        return []
    if ctx.severe_pain():
        return []  # E2: acute and severe sciatica; a specialist may consider an early ESI (NICE NG59)
    duration = course.days
    reassess = course.start + timedelta(days=ctx.t.conservative_care_days)
    weeks = span(ctx.t.conservative_care_days)
    counted_from = "the first treatment" if course.from_treatment else "onset"
    pain, odi = ctx.latest("pain"), ctx.latest("odi")
    why = list(course.facts)
    if pain is not None:
        why.append(Fact(f"latest pain {pain.value:g}/10 on {pain.effective}", pain.ref))
    if odi is not None:
        why.append(Fact(f"latest ODI {odi.value:g} on {odi.effective}", odi.ref))
    gaps = list(ctx.unavailable_gaps("observations"))
    if pain is None and odi is None:
        gaps.append(
            "No pain score (NRS) or ODI on record: record them; severe, disabling pain "
            "would change this advice."
        )
    return [
        card(
            RULE_EARLY,
            "Epidural injection before the conservative-care period",
            order,
            indicator="warning",
            summary=f"ESI {duration} days {course.since} without severe pain: complete {weeks} of "
            "conservative care first",
            why=why,
            next_steps=(
                f"Conservative care to {reassess.isoformat()} ({weeks} from {counted_from}): NSAIDs, "
                "stay active, directional-preference exercises; then an image-guided ESI if radicular "
                "pain persists.",
                f"Refer within {span(ctx.t.urgent_referral_days)} instead if pain becomes severe and "
                "disabling or a deficit appears.",
            ),
            avoid=(f"Routine ESI in the first {weeks} for tolerable pain.",),
            evidence=("nice_ng59", "cms_esi_lcd"),
            conflicts=(ESI_TIMING,),
            gaps=gaps,
            suggestions=(
                delete(
                    order,
                    f"Cancel the ESI and reassess at {weeks}",
                    f"Remove {order.ref}; reassess on {reassess.isoformat()}",
                    recommended=True,
                ),
            ),
        )
    ]


CHECK = OrderCheck(
    rules=RULES, applies_to=("esi_lumbar_all",), kind="procedure",
    checks_what="outcomes of earlier epidural injections (repeat after non-response) and pain severity",
    needs=("observations",), evidence=("nass_ldh", "cms_esi_lcd"), judge=check,
    excludes=OrderContext.is_diagnostic_block,
)  # fmt: skip
