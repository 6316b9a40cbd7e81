"""Check 1 — lumbar MRI/CT or radiographs before 6 weeks without a red flag (``order.mri-early``), and
an imaging order in suspected cauda equina that is not an emergency study (``order.mri-ces-emergency``).

When: a lumbar MRI, CT or CT-myelogram (``imaging_lumbar_advanced``) or lumbar radiographs
      (``lumbar_radiographs``: CPT 72100, 72110, 72114, 72120) are ordered, the complaint began fewer
      than 6 weeks ago (``conservative_care_days``), no red flag is active (cauda equina, motor deficit,
      suspected cancer, infection, fracture) and the patient has had no lumbar spine surgery. The
      duration runs from the earliest onset of the radicular conditions, or from the first lumbar
      epidural injection, physiotherapy or lumbar operation when that is earlier
      (``OrderContext.course``); the card names what it was read from. With a fracture risk on record
      (``acute.fracture_risk``: osteoporosis, recorded long-term systemic steroid use, or a fall or
      other trauma recorded with the present illness in a patient aged 70 or more) initial imaging is
      appropriate (ACR 2021 variant 6: radiographs to exclude a vertebral fracture), so no card. After
      lumbar surgery, new or recurrent radicular pain is imaged without waiting (ACR 2021 variant 5: MRI
      without and with contrast), so no card; nor when the pain is severe (E2) and an epidural injection
      is drafted with an MRI or CT, which plans it (radiographs plan no injection: their card stands).
      Radiographs are judged as the MRI is (ACR 2021 variant 1 rates every study, radiographs included,
      "usually not appropriate" for acute low back pain with or without radiculopathy and no red flag);
      the card names them ("Lumbar radiographs ..."), and its later step is still the MRI without
      contrast after 6 weeks of failed care: radiographs show neither the disc nor the nerve root.
Then: info card (decision model §1.3 "intercept early MRI orders ... with an info card"): cancel
      the study and reassess at 6 weeks; image earlier only if a red flag appears.
      With a red flag: no objection. With suspected cauda equina and an order that is not ``stat``
      or ``asap``: critical card, update the order to an emergency (stat) study today and refer to a
      spine surgeon stat (R1: emergency MRI and emergency surgical assessment), both recommended with
      selectionBehavior "any"; the referral is left out when one is drafted in the session or the
      red-flag card of an elective order judged with it already offers it (one referral per response).
      Radiographs with suspected cauda equina and no MRI or CT drafted beside them: critical card, the
      radiographs show neither the cauda equina nor a compressing disc and delay the emergency MRI;
      cancel them for a stat MRI without contrast today, with the stat spine-surgery referral (as
      above). With saddle paraesthesia alone or symptoms of both legs (R1's questions first), the
      card asks the questions and offers the MRI and the referral without pre-selecting them.
Evidence: ACR Appropriateness Criteria Low Back Pain 2021 (variants 1-4); NICE NG59 1.1.4 (no imaging
      before 6 weeks of conservative care unless there is a red flag).
Age: ``order.mri-early`` is adult guidance and is not shown for a patient under 16 (children are
      imaged more readily: spondylolysis, infection and tumour are relatively more common);
      ``order.mri-ces-emergency`` holds at any age (``OrderCheck.adult_pathway``).
"""

from __future__ import annotations

from datetime import timedelta

from hooks import suggestions as sx
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.facts import DraftOrder
from hooks.orders.checks import red_flag
from hooks.orders.common import OrderCheck, cancel_and_create, card, delete, spine_referral, update_fields
from hooks.orders.context import OrderContext, RedFlag
from hooks.pathway.rules import acute, red_flags
from hooks.rule import CRITICAL, INFO, Rule, order_rule
from hooks.thresholds import span

RULE_EARLY_DECL: Rule = order_rule(
    "order.mri-early",
    "Lumbar imaging before the conservative-care period without red flags",
    "E1",
    ("acr_lbp_2021", "nice_ng59"),
    INFO,
)
RULE_CES_DECL: Rule = order_rule(
    "order.mri-ces-emergency",
    "Cauda equina: imaging must be an emergency study",
    "R1",
    ("acr_lbp_2021", "nice_ng59"),
    CRITICAL,
)
RULES = (RULE_EARLY_DECL, RULE_CES_DECL)
ADVANCED = "imaging_lumbar_advanced"  # MRI, CT, CT-myelogram
RADIOGRAPHS = "lumbar_radiographs"  # plain lumbosacral radiographs, any views (ACR 2021 variants 1 and 6)
# what an emergency study today is ordered as: stat, or asap (FHIR's next highest, "as soon as possible")
EMERGENCY_PRIORITIES = ("stat", "asap")
RULE_EARLY, RULE_CES = (r.id for r in RULES)


def check(ctx: OrderContext, order: DraftOrder) -> list[CardDraft]:
    if not order.is_procedure_order:
        return []
    advanced = ctx.order_is(order, ADVANCED)
    radiographs = not advanced and ctx.order_is(order, RADIOGRAPHS)
    if not advanced and not radiographs:
        return []
    ces = ctx.flag("cauda_equina")
    if ces is not None and radiographs:
        return _radiographs_in_cauda_equina(ctx, order, ces)
    if ces is not None:
        if order.priority in EMERGENCY_PRIORITIES:
            return []
        suggestions = [
            update_fields(
                order,
                "Make this an emergency (stat) study today",
                f"Set priority to stat on {order.ref}",
                recommended=True,
                priority="stat",
            )
        ]
        # cauda equina needs the emergency surgical assessment as well as the imaging (R1): both are
        # taken, so each is recommended and the card offers them with selectionBehavior "any"
        suggestions += _ces_referral(ctx, order, ces, recommended=True)
        return [
            card(
                RULE_CES,
                "Cauda equina: imaging must be an emergency study",
                order,
                indicator="critical",
                summary="Suspected cauda equina: make this lumbar imaging an emergency (stat) study today",
                why=(
                    *ces.facts,
                    Fact(f"the imaging order's priority is {order.priority or 'not set (routine)'}"),
                ),
                next_steps=(
                    # both on the card: the imaging and the surgical assessment are each the emergency
                    "Emergency MRI of the lumbar spine today (ACR 2021 variant 4) and emergency "
                    "spine-surgery assessment for decompression (NASS 2014).",
                ),
                avoid=(
                    "Routine or scheduled imaging; waiting for conservative care; any elective injection.",
                ),
                evidence=("acr_lbp_2021", "nice_ng59"),
                gaps=ctx.unavailable_gaps("conditions"),
                suggestions=suggestions,
                selection_behavior="any",
            )
        ]
    if ctx.red_flags:
        return []  # a red flag justifies early imaging (ACR variants 4-7)
    if acute.fracture_risk(ctx.pathway):
        # osteoporosis, long-term steroids, or trauma in an older patient make initial imaging
        # appropriate (ACR 2021 variant 6)
        return []
    if red_flags.stale_infections(ctx.pathway):
        # a spinal infection of years ago still marked active: imaging to confirm it has resolved is
        # what the injection warning asks for, not early imaging to cancel
        return []
    if ctx.pathway.post_surgical:
        # After lumbar surgery, new or recurrent radicular pain is imaged without the 6-week wait:
        # MRI without and with contrast (ACR 2021 variant 5); order.mri-postop-contrast judges the study.
        return []
    course = ctx.course
    if course is None or course.days >= ctx.t.conservative_care_days:
        return []
    if (
        advanced
        and ctx.severe_pain()
        and any(ctx.order_is(o, "esi_lumbar_all") for o in ctx.orders if o is not order)
    ):
        # severe acute sciatica with an epidural drafted with it (NICE NG59 lets a specialist consider
        # one without waiting): the MRI plans the injection; the ESI's own check judges the injection.
        # Radiographs show neither the disc nor the root: they plan no injection.
        return []
    # what the card names: the radiographs ordered, or the MRI/CT as "lumbar imaging"
    study = "Lumbar radiographs" if radiographs else "Lumbar imaging"
    verb = "are" if radiographs else "is"
    duration = course.days
    reassess = course.start + timedelta(days=ctx.t.conservative_care_days)
    weeks = span(ctx.t.conservative_care_days)
    counted_from = "the first treatment" if course.from_treatment else "onset"
    # a muscle at MRC 4 (no fall) is no red flag but E2's deficit: the card names it, never "no
    # motor deficit", and the specialist it is referred to plans the imaging (NICE NG59 1.1.4)
    weak = acute.stable_deficit(ctx.pathway)
    weak_facts = tuple(red_flags.weak_muscle_fact(o) for o in weak)
    deficit = "progressive weakness" if weak else "motor deficit"
    none = red_flags.no_red_flag(ctx.pathway, "no red flag on record")
    status = Fact(f"{none} (cauda equina, {deficit}, suspected cancer, infection, fracture)")
    # severe, disabling pain (E2) is referred within 2 weeks as a weak muscle is: the specialist, not
    # the 6-week wait, decides the imaging; the scores that graded it are the card's facts
    severe = ctx.severe_pain()
    severe_facts = tuple(acute.score_facts(ctx.pathway)) if severe else ()
    what = " and ".join(x for x, on in (("severe pain", severe), ("motor weakness", bool(weak))) if on)
    refer = (
        (
            f"Refer to a spine specialist to be seen within {span(ctx.t.urgent_referral_days)} for the "
            f"{what}; the specialist plans any imaging (NICE NG59).",
        )
        if what and not ctx.pathway.referred
        else ()
    )
    if not refer and order.occurrence is not None and order.occurrence >= reassess:
        return []  # booked for after the conservative-care period: ordered early, done on time
    return [
        card(
            RULE_EARLY,
            "Lumbar imaging before the conservative-care period without red flags",
            order,
            indicator="info",
            summary=f"{study} {duration} days {course.since} with {what}: refer to a spine "
            f"specialist within {span(ctx.t.urgent_referral_days)}, who plans the imaging"
            if refer
            else f"{study} {duration} days {course.since} without red flags {verb} not indicated; "
            f"reassess at {weeks} ({reassess.isoformat()})",
            why=(*weak_facts, *severe_facts, *course.facts, status),
            next_steps=(
                *refer,
                f"Continue conservative care ({acute.nsaids_or_caution(ctx.pathway)}, stay active, "
                f"directional-preference exercises) and reassess on {reassess.isoformat()} ({weeks} from "
                f"{counted_from}).",
                "Image at once if a red flag appears: sphincter or saddle symptoms, progressive weakness, "
                "fever, cancer history with new pain, trauma.",
                f"After {weeks} of failed care, MRI without contrast if the patient is a candidate for an "
                "injection or surgery (ACR 2021 variant 3)"
                + (": radiographs show neither the disc nor the nerve root." if radiographs else "."),
            ),
            avoid=(
                f"Routine lumbar radiographs in the first {weeks}: usually not appropriate for acute low "
                "back pain or radicular pain without a red flag (ACR 2021 variant 1); they show neither the "
                "disc nor the nerve root."
                if radiographs
                else f"Routine imaging in the first {weeks}: most disc herniations regress within weeks and "
                "disc findings are common without symptoms (ACR 2021).",
            ),
            evidence=("acr_lbp_2021", "nice_ng59"),
            gaps=ctx.unavailable_gaps("conditions", "observations"),
            suggestions=(
                cancel_and_create(
                    order,
                    sx.SPINE_SURGERY_REFERRAL,
                    ctx.term,
                    patient_id=ctx.inp.patient_id,
                    label="Cancel the imaging order and refer to a spine specialist within "
                    f"{span(ctx.t.urgent_referral_days)}",
                    reasons=(*(o.ref for o in weak), *(f.ref for f in severe_facts if f.ref)),
                    note=f"To be seen within {span(ctx.t.urgent_referral_days)}: {what}.",
                    seen_by=ctx.pathway.urgent_referral_by,
                    recommended=True,
                )
                if refer
                else delete(
                    order,
                    f"Cancel the {'radiographs' if radiographs else 'imaging order'} and reassess at {weeks}",
                    f"Remove {order.ref}; reassess on {reassess.isoformat()}",
                    recommended=True,
                ),
            ),
        )
    ]


def _radiographs_in_cauda_equina(ctx: OrderContext, order: DraftOrder, ces: RedFlag) -> list[CardDraft]:
    """Radiographs ordered while cauda equina is suspected: they show neither the cauda equina nor a
    disc compressing it, and waiting for them delays the emergency MRI (R1; ACR 2021 variant 4). An
    MRI or CT drafted beside them is the study that decides, judged by its own check: no card."""
    if ctx.other_orders(order, ADVANCED):
        return []
    # the emergency MRI done since the cauda equina signs began (and this fortnight): radiographs now
    # are the surgeon's (pre-operative films); an MRI from before the signs answers nothing
    refs = {r for f in ces.facts for r in f.refs}
    began = [red_flags.began(ctx.pathway, c) for c in ctx.pathway.history.conditions if c.ref in refs]
    since = max([ctx.today - timedelta(days=ctx.t.new_sphincter_symptom_days), *(d for d in began if d)])
    if ctx.pathway.imaging_since(since, mri_only=True):
        return []
    confirmed = red_flags.cauda_equina_confirmed(ctx.pathway)
    reasons = _ces_reasons(ces)
    if _offered(ctx, order, sx.MRI_WITHOUT_CONTRAST):
        # the red-flag card of an elective order judged with these offers the stat MRI: one MRI
        mri = delete(
            order,
            "Cancel the radiographs",
            f"Remove {order.ref}: the stat MRI is the study",
            recommended=confirmed,
        )
    else:
        mri = sx.superseding(
            sx.suggest(
                sx.MRI_WITHOUT_CONTRAST, ctx.term, patient_id=ctx.inp.patient_id, reasons=reasons,
                priority="stat", recommended=confirmed,
            ),
            [(order.ref, order.text)],
            label="Cancel the radiographs; stat MRI lumbar spine without contrast today",
        )  # fmt: skip
    suggestions = [mri]
    suggestions += _ces_referral(ctx, order, ces, recommended=confirmed)
    return [
        card(
            RULE_CES,
            "Cauda equina: imaging must be an emergency study",
            order,
            indicator="critical",
            summary="Suspected cauda equina: radiographs cannot show it; emergency MRI today instead"
            if confirmed
            else "Possible cauda equina: radiographs cannot show it; ask about bladder, bowel and saddle "
            "sensation today",
            why=(
                *ces.facts,
                Fact("lumbar radiographs show neither the cauda equina nor a disc compressing it"),
            ),
            next_steps=(red_flags.CES_EMERGENCY,)
            if confirmed
            else (red_flags.CES_QUESTIONS, red_flags.CES_IF_POSITIVE),
            avoid=(
                "Radiographs in place of the MRI, or waiting for their result.",
                "Routine or scheduled imaging; waiting for conservative care; any elective injection.",
            ),
            evidence=("acr_lbp_2021", "nice_ng59"),
            gaps=ctx.unavailable_gaps("conditions"),
            suggestions=suggestions,
            selection_behavior="any",
        )
    ]


def _ces_referral(
    ctx: OrderContext, order: DraftOrder, ces: RedFlag, *, recommended: bool
) -> list[SuggestionDraft]:
    """The stat spine-surgery referral a cauda equina imaging card offers, unless the red-flag card of
    another order in this response offers it; a spine referral drafted in the session is made stat
    instead of a second one (``spine_referral``)."""
    if _referral_offered(ctx, order):
        return []
    reasons = _ces_reasons(ces)
    return spine_referral(ctx, order, reasons=reasons, priority="stat", recommended=recommended)


def _ces_reasons(ces: RedFlag) -> tuple[str, ...]:
    """The Conditions a cauda equina order is for (its reasonReference)."""
    return tuple(f.ref for f in ces.facts if f.ref and f.ref.startswith("Condition/"))


def _referral_offered(ctx: OrderContext, order: DraftOrder) -> bool:
    """Whether the emergency spine-surgery referral is offered in this response by the red-flag card
    of an elective order judged with this one (``red_flag.check`` offers it once, on the first such
    order: a new referral, or a drafted one made stat). One referral, never two."""
    return _red_flag_card_orders(ctx, order, sx.SPINE_SURGERY_REFERRAL.value_set, ("create", "update"))


def _offered(ctx: OrderContext, order: DraftOrder, spec: sx.OrderSpec) -> bool:
    """Whether ``spec`` is already drafted in this session or created by the red-flag card of an
    elective order judged with ``order`` (``red_flag.check``)."""
    return bool(ctx.other_orders(order, spec.value_set)) or _red_flag_card_orders(
        ctx, order, spec.value_set, ("create",)
    )


def _red_flag_card_orders(
    ctx: OrderContext, order: DraftOrder, value_set: str, kinds: tuple[str, ...]
) -> bool:
    """Whether the red-flag card of another elective order judged with ``order`` has an action of
    ``kinds`` on an order in ``value_set``."""
    return any(
        a.type in kinds and ctx.term.match(value_set, sx.resource_codings(a.resource)) is not None
        for o in ctx.judged
        if o is not order
        for c in red_flag.check(ctx, o)
        for s in c.suggestions
        for a in s.actions
    )


CHECK = OrderCheck(
    rules=RULES, applies_to=(ADVANCED, RADIOGRAPHS), kind="procedure",
    checks_what="imaging timing and red flags", needs=(), evidence=("acr_lbp_2021",), judge=check,
    # the 6-week wait is adult guidance (children are imaged more readily: spondylolysis, infection and
    # tumour are relatively more common); an emergency study for cauda equina holds at any age
    adult_pathway=(RULE_EARLY,),
)  # fmt: skip
