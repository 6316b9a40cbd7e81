"""Check 12 — epidural injection with no lumbar MRI or CT on record (``order.esi-no-imaging``).

When: a lumbar epidural steroid injection is ordered (``esi_lumbar_all``; not a diagnostic selective
      nerve root block, ``OrderContext.is_diagnostic_block``) for a current lumbar radicular diagnosis
      (``OrderContext.radicular``), and the record holds no lumbar MRI, CT or CT myelogram, as the
      pathway reads it (``refractory.imaging_on_record``: reports and completed imaging Procedures,
      ``failure.is_lumbar_imaging_report``; plain radiographs, ``failure.is_plain_radiograph``, show
      no nerve root and do not count), and none is planned: no
      lumbar MRI or CT order on record that is pending or completed (``imaging_lumbar_advanced``, any
      status but revoked or entered in error), none drafted in the same session, and the order's own
      words do not say one was seen ("Lumbar ESI L5-S1, MRI reviewed": imaging done elsewhere).
      After lumbar surgery, imaging and imaging orders dated before the last operation do not count:
      they show the spine before the surgery changed it (the card names that MRI and the operation).
      Silent when another check already judges the injection on this order (red flag, leg pain early
      after lumbar surgery (imaging is then the surgeon's call), blind injection, repeat without
      benefit, before the last one can be judged, too early, facet or SI pain, neurogenic claudication):
      one piece of advice per order, and theirs comes first (the
      bleeding-risk card is other advice and stands beside it). Silent after an injection that gave
      a sustained response (a repeat is then reasonable without a re-work-up). Silent when the
      imaging reports or orders could not be read: the order's "not fully checked" card names them
      instead.
Then: info; image first: MRI lumbar spine without contrast (after lumbar surgery: without and with
      contrast), then the image-guided injection at the level and side concordant with it; if an MRI
      or CT was done elsewhere, add its report. One suggestion, recommended: replace the ESI with the
      MRI order (the draft removed, the MRI created, one transaction).
      Info, not warning: the injection is not dangerous, it may be aimed at the wrong root (a
      transforaminal injection is placed at the compressed root the imaging shows), and an MRI done
      elsewhere and missing from this record is common; the clinician need not give an override
      reason to go ahead. The pathway state it follows (persistent radicular pain, no MRI yet) is an
      info state. A blind injection, which is a wrong technique, keeps its own warning.
Evidence: ACR Appropriateness Criteria Low Back Pain 2021 (variant 3: MRI without contrast for a
      candidate for an injection or surgery after 6 weeks of conservative care; variant 5: without
      and with contrast after surgery); NASS LDH 2014 (MRI the imaging of choice to confirm a disc
      herniation concordant with radicular symptoms; image-guided transforaminal injection).
"""

from __future__ import annotations

from datetime import date

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact
from hooks.facts import DraftOrder
from hooks.orders.checks import early_postop, esi_blind, esi_repeat, esi_wrong_target, red_flag
from hooks.orders.common import OrderCheck, cancel_and_create, card
from hooks.orders.context import POSITIVE, OrderContext
from hooks.pathway.failure import MYELOGRAPHY
from hooks.pathway.rules import refractory
from hooks.rule import INFO, Rule, order_rule
from hooks.text import MRI, affirmed

TITLE = "Epidural injection with no lumbar MRI or CT on record"
RULE_ID_DECL: Rule = order_rule("order.esi-no-imaging", TITLE, "P1", ("acr_lbp_2021", "nass_ldh"), INFO)
RULE_ID = RULE_ID_DECL.id
# MRI, CT and CT myelography: imaging that shows the nerve root (plain radiographs are not in it)
ROOT_IMAGING_ORDERS = "imaging_lumbar_advanced"
# the prefetch keys the imaging is read from beyond the (required) procedures: reports and orders
NEEDS = ("diagnosticReports", "serviceRequests")
# the checks that judge the injection itself (earlier in ``hooks.orders.CHECKS``): when one of them
# fires on the order, its card is the advice
INJECTION_RULES = tuple(
    r.id for m in (red_flag, early_postop, esi_blind, esi_repeat, esi_wrong_target) for r in m.CHECK.rules
)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order or not ctx.order_is(order, "esi_lumbar_all"):
        return []
    if ctx.is_diagnostic_block(order):
        return []  # a diagnostic nerve root block is no therapeutic ESI (and is a test itself)
    if any(k in ctx.history.unavailable for k in NEEDS):
        return []  # the order's "not fully checked" card names the imaging data that could not be read
    if not ctx.radicular:
        return []  # no radicular diagnosis: the injection is judged by the checks for what it treats
    p = ctx.pathway
    operated = _last_operation_day(ctx)
    pre_op = _before_operation(ctx, operated)
    if _imaging_planned(ctx, order, operated) or _imaging_named(order):
        return []
    if refractory.imaging_on_record(p) and pre_op is None:
        return []
    if _after_sustained_response(ctx):
        return []
    transforaminal = ctx.order_is(order, "esi_transforaminal_lumbar") is not None
    target = "level and side" if transforaminal else "level"
    xray = refractory.radiographs_only(p)
    absence = pre_op or xray or Fact(
        "no lumbar MRI or CT on record (no imaging report, no imaging procedure, no completed or pending "
        "imaging order)",
        short="no lumbar MRI or CT on record",
    )
    summary = (
        f"ESI with no lumbar MRI or CT since the operation: image first to choose the {target}"
        if pre_op is not None
        else f"ESI with no lumbar MRI or CT on record: image first to choose the {target}"
    )
    why = [absence, *(ctx.cond(c, "radicular diagnosis", short_what="diagnosis") for c in ctx.radicular[:2])]
    if p.post_surgical:
        spec = sx.MRI_WITH_AND_WITHOUT_CONTRAST
        why_mri = "ACR 2021 variant 5, after lumbar surgery"
    else:
        spec = sx.MRI_WITHOUT_CONTRAST
        why_mri = "ACR 2021 variant 3"
    steps = [
        f"{spec.text} first, then an image-guided injection at the {target} it shows ({why_mri}; NASS 2014)."
    ]
    if xray is not None:
        steps.append("Radiographs show alignment and degeneration, never the compressed nerve root.")
    return [
        card(
            RULE_ID,
            TITLE,
            order,
            indicator="info",
            summary=summary,
            why=why,
            next_steps=steps,
            avoid=(f"Choosing the injection {target} from the symptoms alone when an MRI can show it.",),
            evidence=("acr_lbp_2021", "nass_ldh"),
            # imaging done elsewhere is common: its report is what the card asks for
            gaps=(
                "no lumbar MRI or CT report since the operation: if done elsewhere, add it"
                if pre_op is not None
                else "no lumbar MRI or CT report on record: if done elsewhere, add it",
            ),
            suggestions=(
                cancel_and_create(
                    order,
                    spec,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    reasons=ctx.radicular_refs,
                    label=f"Replace the ESI with an {spec.text}",
                    recommended=True,
                ),
            ),
        )
    ]


def _imaging_planned(ctx: OrderContext, order: DraftOrder, operated: date | None) -> bool:
    """A lumbar MRI or CT ordered: on record and not withdrawn (pending or done, its report perhaps
    not yet filed; after lumbar surgery, ordered since the operation), or drafted with the injection
    in this session."""
    # ``orders(pending=False)``: every status but revoked and entered in error
    on_record = [
        s for s in ctx.pathway.orders(ROOT_IMAGING_ORDERS, pending=False)
        if operated is None or s.authored is None or s.authored >= operated
    ]  # fmt: skip
    return bool(on_record or ctx.other_orders(order, ROOT_IMAGING_ORDERS))


def _last_operation_day(ctx: OrderContext) -> date | None:
    """The day of the last lumbar operation on record, when the record dates it."""
    last = ctx.pathway.last_surgery
    return last.performed if last is not None else None


def _before_operation(ctx: OrderContext, operated: date | None) -> Fact | None:
    """The lumbar MRI or CT the pathway reads, when it was done before the last lumbar operation: it
    shows the spine before the surgery changed it, and after surgery the injection's level is chosen
    from imaging since (ACR 2021 variant 5). None when there is no such operation or study, or the
    study is later or undated."""
    study = ctx.pathway.concordance.study
    if operated is None or study is None or study.when is None or study.when >= operated:
        return None
    return Fact(
        f"the latest lumbar MRI or CT ({study.label}) predates the lumbar operation on "
        f"{operated.isoformat()}",
        study.ref,
        short=f"{study.short_label}: before the operation on {operated.isoformat()}",
    )


def _imaging_named(order: DraftOrder) -> bool:
    """The order itself says an MRI or myelogram was seen or is coming ("Lumbar ESI L5-S1, MRI
    reviewed"): the imaging exists, outside this record. "No MRI" or "without MRI" is no such word."""
    texts = (order.text, order.body_site_text, *(c.display for c in order.reason_codings))
    return any(affirmed(MRI, t) or affirmed(MYELOGRAPHY, t) for t in texts if t)


def _after_sustained_response(ctx: OrderContext) -> bool:
    """The last injection of the episode gave a sustained response: a repeat at the same level is
    reasonable, and a re-work-up is what not to do."""
    last = ctx.pathway.esi_assessments[-1:]
    return bool(last) and last[0].outcome in POSITIVE and last[0].durable is not False


CHECK = OrderCheck(
    rules=(RULE_ID_DECL,), applies_to=("esi_lumbar_all",), kind="procedure",
    checks_what="lumbar MRI or CT reports and imaging orders (the level the injection is aimed at)",
    needs=NEEDS, evidence=("acr_lbp_2021",), judge=check, excludes=OrderContext.is_diagnostic_block,
    defers_to=INJECTION_RULES,
    adult_pathway=True,  # image-then-inject sequencing of the adult pathway (ACR 2021 variant 3)
)  # fmt: skip
