"""A measured motor deficit in acute sciatica, the MRI a red flag offers after lumbar surgery, and
stimulator trial leads in place.

A. A muscle scored MRC 4 in the first 6 weeks is a neurological deficit: refer to a spine specialist
   within 2 weeks (E2), never "conservative care, no red flag, no surgical referral" (E1). MRC ≤ 3 and
   a falling score stay R2's red flag.
B. After lumbar surgery a red-flag card offers the lumbar MRI the order check expects (with and
   without contrast, ACR 2021 variant 5, where ``order.mri-postop-contrast`` asks for it), names the
   operation and says to contact the operating surgeon's team: the card's own MRI, placed as a
   draft order, draws no order-check card.
C. Externalised stimulator trial leads (placed within the trial period, not removed, no permanent
   system since) are a device for an MRI, and with an infection red flag they are removed and the
   exit site cultured with the implanting team.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pathway_builders import (
    PATIENT,
    ago,
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    conservative,
    make_input,
    obs,
    order,
    proc,
    radic,
    refs_of,
    run,
    states,
)

from cds_service.draft_orders import read_draft_orders
from hooks import suggestions as sx
from hooks.cards import CardDraft, render_detail, render_full
from hooks.facts import ObservationFact
from hooks.orders import evaluate_orders

POSTOP_CHECK = "order.mri-postop-contrast"
PLAIN_MRI, CONTRAST_MRI = "72148", "72158"


def mrc(
    ref: str, v: float, days: int, text: str = "Right ankle dorsiflexion strength (MRC)"
) -> ObservationFact:
    return ObservationFact(
        ref=f"Observation/{ref}", codings=(), text=text, kind="strength", effective=ago(days),
        effective_text=None, value=v, status="final",
    )  # fmt: skip


def text_of(card: CardDraft) -> str:
    return "\n".join([card.summary, render_detail(card), render_full(card)])


def mri_resources(card: CardDraft) -> list[dict[str, Any]]:
    """Every lumbar MRI order the card's suggestions create."""
    codes = {PLAIN_MRI, "72149", CONTRAST_MRI}
    return [
        a.resource
        for s in card.suggestions
        for a in s.actions
        if a.resource and {c.get("code") for c in a.resource.get("code", {}).get("coding", [])} & codes
    ]


def order_sign_cards(facts: list[Any], resources: list[dict[str, Any]]) -> list[CardDraft]:
    """The order-sign cards for ``resources`` placed as draft orders for the same patient."""
    drafts = [{**r, "id": f"draft-{i}"} for i, r in enumerate(resources)]
    inp = replace(
        make_input(*facts), hook="order-sign", draft_orders=read_draft_orders("order-sign", drafts, ())
    )
    return evaluate_orders(inp)


def plain_mri_draft() -> dict[str, Any]:
    from pathway_builders import TERM

    return sx.service_request(sx.MRI_WITHOUT_CONTRAST, TERM, patient_id=PATIENT, intent="order")


# ---------------------------------------------------------------------------------------------
# A. a measured motor deficit in acute sciatica
# ---------------------------------------------------------------------------------------------

ACUTE_MRC4 = [radic(21), mrc("s1", 4, 2), obs("p", "pain", 6, 2)]


def test_acute_sciatica_with_mrc_4_is_a_two_week_specialist_referral() -> None:
    """The reproduction: MRC 4/5 with pain 6/10 at 3 weeks gave E1 ("no red flag", no surgical
    referral at this stage); it is E2: refer within 2 weeks, the muscle and its score first."""
    cards = run(*ACUTE_MRC4)
    assert "E1" not in states(cards)
    c = card_of(cards, "E2")
    assert c.indicator == "warning"
    assert c.why[0].ref == "Observation/s1" and "4/5" in c.why[0].text
    assert "Right ankle dorsiflexion" in render_detail(c) and "4/5" in render_detail(c)
    assert "motor weakness" in c.summary.lower() and "2 weeks" in c.summary
    (referral,) = [s for s in c.suggestions if s.is_recommended]
    resource = referral.actions[0].resource
    assert resource is not None
    note = resource["note"][0]["text"]
    assert "within 2 weeks" in note and "4/5" in note
    assert "no red flag" not in text_of(c)
    assert "re-examine and record strength" in text_of(c).lower()
    assert_house_rules(c)


def test_severe_pain_with_mrc_4_names_both_within_the_budgets() -> None:
    c = card_of(run(radic(21), mrc("s1", 4, 2), obs("p", "pain", 8, 2), obs("o", "odi", 50, 2)), "E2")
    assert "motor weakness" in c.summary and c.summary.startswith("Severe")
    assert c.why[0].ref == "Observation/s1"
    assert "acute and severe sciatica" in render_full(c)
    assert_house_rules(c)


def test_guard_mrc_5_keeps_e1_as_it_was() -> None:
    """Full strength is no deficit: E1 exactly as without any strength score."""
    with_score = card_of(run(radic(21), mrc("s1", 5, 2), obs("p", "pain", 6, 2)), "E1")
    without = card_of(run(radic(21), obs("p", "pain", 6, 2)), "E1")
    assert with_score.summary == without.summary
    assert with_score.why == without.why and with_score.next_steps == without.next_steps
    assert with_score.avoid == without.avoid
    assert any("no red flag" in f.text for f in with_score.why)
    assert any("surgical referral at this stage" in a for a in with_score.avoid)


def test_guard_mrc_3_is_r2_as_before() -> None:
    c = card_of(run(radic(21), mrc("s1", 3, 2), obs("p", "pain", 6, 2)), "R2")
    assert c.indicator == "warning"
    assert "3/5" in render_detail(c)
    assert PLAIN_MRI in codes_of(c)


def test_guard_a_falling_score_is_r2_critical_as_before() -> None:
    c = card_of(run(radic(21), mrc("s0", 5, 10), mrc("s1", 4, 2), obs("p", "pain", 6, 2)), "R2")
    assert c.indicator == "critical"


def test_guard_a_weak_score_from_before_the_episode_is_not_this_episode_s_deficit() -> None:
    c = card_of(run(radic(21), mrc("s1", 4, 200), obs("p", "pain", 6, 2)), "E1")
    assert any("no red flag" in f.text for f in c.why)


def test_guard_mrc_4_after_six_weeks_is_not_e2() -> None:
    """The deficit arm is E2's (the first 6 weeks); a persistent course stays P1's."""
    cards = run(radic(60), *conservative(55), mrc("s1", 4, 2), obs("p", "pain", 6, 2))
    assert "E2" not in states(cards) and "P1" in states(cards)


def test_e1_with_mrc_4_already_referred_names_the_weakness_not_no_red_flag() -> None:
    cards = run(*ACUTE_MRC4, order("ref", "spine_specialist_referral", authored=1))
    c = card_of(cards, "E1")
    assert c.why[0].ref == "Observation/s1"
    assert "ServiceRequest/ref" in refs_of(c)
    assert "no red flag" not in text_of(c)
    assert not any("surgical referral" in a for a in c.avoid)


def test_e1_with_an_addressed_mrc_3_never_says_no_red_flag() -> None:
    """MRC 3 with a specialist referral since: R2 is silent (addressed); E1 names the weak muscle."""
    cards = run(
        radic(21),
        mrc("s1", 3, 5),
        obs("p", "pain", 6, 2),
        order("ref", "spine_specialist_referral", authored=1),
    )
    c = card_of(cards, "E1")
    assert c.why[0].ref == "Observation/s1" and "3/5" in c.why[0].text
    assert "no red flag" not in text_of(c)


# ---------------------------------------------------------------------------------------------
# B. the MRI a red flag offers after lumbar surgery
# ---------------------------------------------------------------------------------------------

DISCECTOMY = proc("disc", "lumbar_decompression_discectomy", "63030", days=150, level="L4-L5")
FOOT_DROP = cond("fd", "red_flag_motor_deficit", "M21.371", onset=3)
R2_AFTER_SURGERY = [radic(300), *conservative(290), DISCECTOMY, FOOT_DROP]


def test_r2_after_lumbar_surgery_offers_mri_with_and_without_contrast_and_names_the_operation() -> None:
    """The reproduction: a new foot drop 5 months after a discectomy pre-selected a plain MRI and never
    named the operation."""
    c = card_of(run(*R2_AFTER_SURGERY), "R2")
    assert c.indicator == "critical"
    (mri,) = [s for s in c.suggestions if s.is_recommended]
    assert codes_of(replace(c, suggestions=(mri,))) == {CONTRAST_MRI}
    assert PLAIN_MRI not in codes_of(c)
    assert "Procedure/disc" in refs_of(c) and "`Procedure/disc`" in render_detail(c)
    assert "operating surgeon" in render_detail(c)
    assert "with and without contrast" in c.summary
    assert_house_rules(c)


def test_r2_s_mri_as_a_draft_order_draws_no_postop_contrast_check() -> None:
    c = card_of(run(*R2_AFTER_SURGERY), "R2")
    resources = mri_resources(c)
    assert resources
    assert POSTOP_CHECK not in states(order_sign_cards(R2_AFTER_SURGERY, resources))
    # the check itself still fires on the plain study the card used to offer
    assert POSTOP_CHECK in states(order_sign_cards(R2_AFTER_SURGERY, [plain_mri_draft()]))


def test_r2_warning_after_lumbar_surgery_offers_the_contrast_study() -> None:
    facts = [radic(300), *conservative(290), DISCECTOMY, mrc("s1", 3, 20), mrc("s2", 3, 2)]
    c = card_of(run(*facts), "R2")
    assert c.indicator == "warning"
    assert CONTRAST_MRI in codes_of(c) and PLAIN_MRI not in codes_of(c)
    assert "Procedure/disc" in refs_of(c)
    assert "operating surgeon" in text_of(c)
    assert POSTOP_CHECK not in states(order_sign_cards(facts, mri_resources(c)))
    assert_house_rules(c)


def test_r3_fracture_after_lumbar_surgery_offers_the_contrast_study() -> None:
    facts = [radic(300), *conservative(290), DISCECTOMY, cond("fx", "red_flag_fracture", onset=3)]
    c = card_of(run(*facts), "R3")
    assert CONTRAST_MRI in codes_of(c) and PLAIN_MRI not in codes_of(c)
    assert "Procedure/disc" in refs_of(c)
    assert POSTOP_CHECK not in states(order_sign_cards(facts, mri_resources(c)))


def test_r2_early_after_surgery_names_the_operation_and_the_surgeon() -> None:
    """40 days after the operation the order check does not ask for contrast, so the card keeps the
    study it offered; it still names the operation and the operating surgeon's team."""
    facts = [radic(300), proc("disc", "lumbar_decompression_discectomy", "63030", days=40), FOOT_DROP]
    c = card_of(run(*facts), "R2")
    assert PLAIN_MRI in codes_of(c)
    assert "Procedure/disc" in refs_of(c)
    assert "operating surgeon" in render_detail(c)
    assert POSTOP_CHECK not in states(order_sign_cards(facts, mri_resources(c)))


def test_guard_r2_without_prior_surgery_offers_the_plain_mri_as_before() -> None:
    c = card_of(run(radic(300), *conservative(290), FOOT_DROP), "R2")
    assert c.indicator == "critical"
    assert PLAIN_MRI in codes_of(c) and CONTRAST_MRI not in codes_of(c)
    assert c.summary == "New motor deficit: urgent MRI and urgent spine surgery referral within days"
    assert "operating surgeon" not in text_of(c)


def test_guard_r1_after_lumbar_surgery_keeps_the_emergency_plain_mri_and_the_check_agrees() -> None:
    """Suspected cauda equina: the emergency MRI today is not delayed for contrast (ACR 2021 variant 4);
    the order check exempts it."""
    facts = [*R2_AFTER_SURGERY[:-1], cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2)]
    c = card_of(run(*facts), "R1")
    assert PLAIN_MRI in codes_of(c)
    assert POSTOP_CHECK not in states(order_sign_cards(facts, mri_resources(c)))


# ---------------------------------------------------------------------------------------------
# C. stimulator trial leads in place
# ---------------------------------------------------------------------------------------------

FBSS = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=900)
FEVER = cond("fv", "red_flag_infection", "R50.9", onset=1)


def trial(days: int) -> Any:
    return proc("trial", "scs_percutaneous_lead", "63650", days=days, text="SCS trial")


def mri_notes(card: CardDraft) -> list[str]:
    return [n["text"] for r in mri_resources(card) for n in r.get("note", [])]


def test_fever_with_trial_leads_in_place_removes_them_and_names_them_for_the_mri() -> None:
    """The reproduction: fever 2 days after the trial leads were placed pre-selected a stat contrast
    MRI with no device note and never said to remove the externalised leads."""
    c = card_of(run(FBSS, trial(2), FEVER), "R3")
    assert c.indicator == "critical"
    notes = mri_notes(c)
    assert notes and all("trial" in n and "MR-conditional labelling" in n for n in notes)
    words = text_of(c)
    assert "remove the trial leads" in words and "culture the exit site" in words
    assert "implanting team" in words
    assert "trial leads" in c.summary
    lead = [f for f in c.why if f.ref == "Procedure/trial"]
    assert len(lead) == 1 and "`Procedure/trial`" in render_detail(c)
    assert_house_rules(c)


def test_pain_worse_after_the_trial_removes_the_leads_too() -> None:
    cards = run(radic(400), obs("p0", "pain", 5, 6), trial(5), obs("p1", "pain", 8, 1))
    c = card_of(cards, "R3")
    assert c.indicator == "critical"
    assert "remove the trial leads" in text_of(c)


def test_trial_leads_in_place_are_named_on_any_mri_a_card_offers() -> None:
    c = card_of(run(radic(300), trial(3), FOOT_DROP), "R2")
    assert any("trial" in n and "MR-conditional labelling" in n for n in mri_notes(c))


def test_guard_a_trial_followed_by_a_permanent_implant_keeps_the_implant_s_note() -> None:
    cards = run(FBSS, trial(60), proc("ipg", "scs_permanent_system", "63685", days=45), FEVER)
    c = card_of(cards, "R3")
    notes = mri_notes(c)
    assert notes and all(n.startswith("Implanted spinal cord stimulator on record") for n in notes)
    assert "trial leads" not in text_of(c)


def test_guard_trial_leads_removed_or_past_the_trial_period_are_no_device() -> None:
    removed = card_of(run(FBSS, trial(6), proc("out", "scs_lead_removal", "63661", days=2), FEVER), "R3")
    old = card_of(run(FBSS, trial(20), FEVER), "R3")
    for c in (removed, old):
        assert not mri_notes(c)
        assert "trial leads" not in text_of(c)
        assert c.indicator == "critical"


def test_an_mri_offered_during_the_trial_names_the_leads_and_keeps_the_card() -> None:
    """No infection: the card is the one the old code gave (S1 for a post-laminectomy syndrome); its
    MRI now says to clear the scan against the trial system first."""
    cards = run(FBSS, trial(5))
    assert states(cards) == ["S1"]
    c = cards[0]
    assert any("trial system" in n and "MR-conditional labelling" in n for n in mri_notes(c))
    assert "R3" not in states(cards) and "remove the trial leads" not in text_of(c)


def test_p1_with_a_weak_muscle_leads_with_the_specialist_referral() -> None:
    """Persistent radicular pain with a muscle at MRC 4 (no fall) and no specialist yet: the
    weakness is the first fact, the referral within 2 weeks the summary's point and the first step,
    pre-selected with the muscle in its note; the MRI still goes ahead meanwhile."""
    c = card_of(run(radic(70), *conservative(60), mrc("s1", 4, 5)), "P1")
    assert c.why[0].ref == "Observation/s1" and "4/5" in c.why[0].text
    assert "motor weakness" in c.summary and "spine specialist within 2 weeks" in c.summary
    assert "MRI" in c.summary
    assert c.next_steps[0].startswith("Refer to a spine specialist to be seen within 2 weeks")
    referral = next(s for s in c.suggestions if "Refer" in s.label)
    assert referral.is_recommended
    assert "motor weakness" in str(referral.actions[0].resource)
    assert_house_rules(c)


def test_guard_p1_without_weakness_or_already_referred_is_unchanged() -> None:
    strong = card_of(run(radic(70), *conservative(60), mrc("s1", 5, 5)), "P1")
    assert "motor weakness" not in strong.summary
    referred = card_of(
        run(
            radic(70),
            *conservative(60),
            mrc("s1", 4, 5),
            order("ref", "spine_specialist_referral", authored=3),
        ),
        "P1",
    )
    assert "motor weakness" not in referred.summary


def test_the_red_flag_order_card_after_surgery_offers_the_mri_the_postop_check_accepts() -> None:
    """An elective ESI drafted beside a new foot drop five months after a discectomy: the order-side
    red-flag card's imaging is the MRI with and without contrast, as the patient-view R2 card's is,
    and placing it draws no post-operative MRI card."""
    from pathway_builders import TERM

    esi = sx.service_request(sx.REPEAT_TFESI, TERM, patient_id=PATIENT, intent="order")
    cards = order_sign_cards(R2_AFTER_SURGERY, [esi])
    red = next(c for c in cards if c.rule_id == "order.red-flag-elective")
    created = [r for r in mri_resources(red)]
    assert created and all(CONTRAST_MRI in {c["code"] for c in r["code"]["coding"]} for r in created), created
    assert POSTOP_CHECK not in states(order_sign_cards(R2_AFTER_SURGERY, created))


def test_an_early_mri_order_with_a_weak_muscle_names_it_and_refers_within_two_weeks() -> None:
    """A lumbar MRI drafted two weeks into sciatica with a muscle at MRC 4: the early-imaging card no
    longer says 'no red flag (… motor deficit …)' and 'reassess at 6 weeks'; it names the muscle and
    refers to a spine specialist within 2 weeks, who plans the imaging."""
    cards = order_sign_cards([radic(14), mrc("s1", 4, 3)], [plain_mri_draft()])
    (early,) = [c for c in cards if c.rule_id == "order.mri-early"]
    assert "motor weakness" in early.summary and "within 2 weeks" in early.summary
    assert any(f.ref == "Observation/s1" for f in early.why)
    assert not any("motor deficit" in f.text for f in early.why)
    (cancel,) = early.suggestions
    assert cancel.is_recommended and [a.type for a in cancel.actions] == ["delete", "create"]
    plain = [c for c in order_sign_cards([radic(14)], [plain_mri_draft()]) if c.rule_id == "order.mri-early"]
    assert plain and "reassess at 6 weeks" in plain[0].summary
