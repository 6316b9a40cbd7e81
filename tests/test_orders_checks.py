"""Each order check, positive and negative, through ``evaluate_orders`` with hand-built histories."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.orders import RULE_IDS, evaluate_orders
from hooks.pathway import evaluate_pathway
from tests.orders_builders import (
    RADICULOPATHY,
    SUCCESSFUL,
    UNSUCCESSFUL,
    ago,
    cond,
    history,
    inp,
    med,
    mr,
    obs,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")


MRI_DONE = proc("mri", "72148", 20, "MRI lumbar spine without contrast")  # the level an ESI is aimed at


def run(hook: str, orders: list[dict[str, Any]], *facts: Any, **kw: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(*facts), **kw))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def one(cards: list[CardDraft], rule: str) -> CardDraft:
    hits = [c for c in cards if c.rule_id == rule]
    assert len(hits) == 1, rules(cards)
    return hits[0]


def actions(card: CardDraft) -> list[tuple[str, str | None, dict[str, Any] | None]]:
    return [(a.type, a.resource_id, a.resource) for s in card.suggestions for a in s.actions]


def codes(resource: dict[str, Any] | None) -> list[str]:
    assert resource is not None
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    return [c["code"] for c in concept.get("coding", [])]


def assert_well_formed(card: CardDraft, order_ref: str) -> None:
    detail = render_detail(card)
    assert card.subject_key == order_ref
    assert card.why[0].ref == order_ref
    assert all(g.url.startswith("https://") for g in card.evidence)
    assert ADVISORY in detail and len(detail) <= DETAIL_MAX
    assert len(card.summary) < 140
    for s in card.suggestions:
        for a in s.actions:
            if a.type == "delete":
                assert a.resource_id == order_ref and a.resource is None
            elif a.type == "update":
                assert (
                    a.resource is not None and f"{a.resource['resourceType']}/{a.resource['id']}" == order_ref
                )
            else:
                assert a.resource is not None and a.resource["status"] == "draft"


def test_rule_ids_are_unique_and_namespaced() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))
    assert all(r.startswith("order.") for r in RULE_IDS)


# --------------------------------------------------------------------------------- check 1
@pytest.mark.parametrize("hook", HOOKS)
def test_mri_in_week_2_without_red_flag_is_intercepted(hook: str) -> None:
    cards = run(
        hook, [sr("mri1", "72148", "MRI lumbar")], cond("rad", RADICULOPATHY, 14, "Lumbar radiculopathy")
    )
    c = one(cards, "order.mri-early")
    assert c.indicator == "info"
    assert_well_formed(c, "ServiceRequest/mri1")
    assert actions(c) == [("delete", "ServiceRequest/mri1", None)]
    assert "Condition/rad" in [f.ref for f in c.why]
    assert ago(14).isoformat() == "2026-11-06" and "2026-12-18" in c.summary  # 6 weeks from onset


@pytest.mark.parametrize("hook", HOOKS)
def test_mri_in_week_2_with_foot_drop_draws_no_objection(hook: str) -> None:
    cards = run(
        hook,
        [sr("mri1", "72148", "MRI lumbar")],
        cond("rad", RADICULOPATHY, 14),
        cond("fd", "M21.372", 3, "Foot drop, left"),
    )
    assert cards == []


def test_mri_after_6_weeks_draws_no_objection() -> None:
    assert run("order-sign", [sr("mri1", "72148")], cond("rad", RADICULOPATHY, 50)) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_routine_mri_in_cauda_equina_becomes_an_emergency_study(hook: str) -> None:
    cards = run(
        hook,
        [sr("mri1", "72148", priority="routine")],
        cond("rad", RADICULOPATHY, 5),
        cond("ces", "G83.4", 1, "Cauda equina syndrome"),
    )
    c = one(cards, "order.mri-ces-emergency")
    assert c.indicator == "critical"
    assert_well_formed(c, "ServiceRequest/mri1")
    (kind, _, res), (referral, _, created) = actions(c)
    assert kind == "update" and res is not None and res["priority"] == "stat" and codes(res) == ["72148"]
    assert referral == "create" and created is not None and created["priority"] == "stat"
    stat = run(hook, [sr("mri1", "72148", priority="stat")], cond("ces", "G83.4", 1))
    assert stat == []


# --------------------------------------------------------------------------------- check 2
@pytest.mark.parametrize("hook", HOOKS)
def test_non_contrast_mri_after_surgery_is_replaced_with_contrast_study(hook: str) -> None:
    cards = run(
        hook,
        [sr("mri2", "72148", "MRI lumbar w/o")],
        proc("lam", "63030", 400, "Discectomy L5-S1"),
        cond("rad", RADICULOPATHY, 60, "Recurrent sciatica"),
    )
    c = one(cards, "order.mri-postop-contrast")
    assert c.indicator == "warning"
    assert_well_formed(c, "ServiceRequest/mri2")
    ((kind, _, res),) = actions(c)
    assert kind == "update" and codes(res) == ["72158"] and res is not None and res["id"] == "mri2"
    assert {"Procedure/lam", "Condition/rad"} <= {f.ref for f in c.why}


def test_contrast_mri_after_surgery_and_non_contrast_without_surgery_draw_no_objection() -> None:
    facts = (proc("lam", "63030", 400), cond("rad", RADICULOPATHY, 60))
    assert run("order-sign", [sr("mri2", "72158")], *facts) == []
    assert run("order-sign", [sr("mri2", "72148")], cond("rad", RADICULOPATHY, 60)) == []


def test_non_contrast_mri_with_suspected_infection_asks_for_contrast() -> None:
    cards = run(
        "order-sign",
        [sr("mri3", "72148")],
        cond("rad", RADICULOPATHY, 10),
        cond("osteo", "M46.26", 2, "Osteomyelitis of vertebra, lumbar"),
    )
    c = one(cards, "order.mri-postop-contrast")
    assert "Condition/osteo" in [f.ref for f in c.why]


# --------------------------------------------------------------------------------- check 3
@pytest.mark.parametrize("hook", HOOKS)
def test_blind_esi_is_replaced_with_image_guided_codes(hook: str) -> None:
    cards = run(hook, [sr("esi1", "62322", "Lumbar epidural, no imaging")], cond("rad", RADICULOPATHY, 70))
    c = one(cards, "order.esi-blind")
    assert_well_formed(c, "ServiceRequest/esi1")
    acts = actions(c)
    assert [a[0] for a in acts] == ["update", "update"]
    assert [codes(a[2]) for a in acts] == [["62323"], ["64483"]]
    assert c.suggestions[0].is_recommended and not c.suggestions[1].is_recommended


@pytest.mark.parametrize("hook", HOOKS)
def test_a_blind_epidural_catheter_is_replaced_with_the_image_guided_catheter(hook: str) -> None:
    """62326 is an indwelling catheter: its image-guided code is 62327, not a single injection."""
    catheter = sr("cath", "62326", "Lumbar epidural catheter, no imaging")
    cards = run(hook, [catheter], cond("rad", RADICULOPATHY, 70))
    c = one(cards, "order.esi-blind")
    assert_well_formed(c, "ServiceRequest/cath")
    assert [codes(a[2]) for a in actions(c)] == [["62327"], ["64483"]]
    assert c.suggestions[0].label == "Change to an epidural catheter with imaging guidance"
    assert c.suggestions[0].is_recommended


def test_legacy_blind_code_is_caught_and_image_guided_is_not() -> None:
    assert rules(run("order-sign", [sr("esi1", "62311")], cond("rad", RADICULOPATHY, 70))) == [
        "order.esi-blind"
    ]
    assert run("order-sign", [sr("esi1", "62323")], cond("rad", RADICULOPATHY, 70), MRI_DONE) == []


# --------------------------------------------------------------------------------- check 4
@pytest.mark.parametrize("hook", HOOKS)
def test_esi_after_two_failed_esis_is_intercepted(hook: str) -> None:
    cards = run(
        hook,
        [sr("esi3", "64483")],
        cond("rad", RADICULOPATHY, 300),
        proc("e1", "64483", 200, outcome=UNSUCCESSFUL),
        proc("e2", "64483", 100, outcome=UNSUCCESSFUL),
    )
    c = one(cards, "order.esi-repeat")
    assert c.indicator == "warning"
    assert_well_formed(c, "ServiceRequest/esi3")
    assert {"Procedure/e1", "Procedure/e2"} <= {f.ref for f in c.why}
    first = c.suggestions[0]
    assert [a.type for a in first.actions] == ["delete", "create"]
    assert first.actions[0].resource_id == "ServiceRequest/esi3"


def test_two_failed_esis_at_different_levels_are_no_repeat_without_benefit() -> None:
    """A failed L4-L5 injection then a failed L5-S1 one tried two roots, not one target twice: the
    order check counts failures as the pathway's F8 does, so neither hook calls the next ESI a repeat
    without benefit while the other is silent. (The draft states no level, so the latest failure, at
    L5-S1, is the one it would repeat: that one failure is named, not two.)"""
    facts = (
        cond("rad", RADICULOPATHY, 300),
        proc("e1", "64483", 200, outcome=UNSUCCESSFUL, level="L4-L5"),
        proc("e2", "64483", 100, outcome=UNSUCCESSFUL, level="L5-S1"),
    )
    cards = run("order-sign", [sr("esi3", "64483")], *facts)
    assert [c.summary.split(":")[0] for c in cards if c.rule_id == "order.esi-repeat"] == [
        "Repeat ESI after the failed image-guided ESI at L5-S1 of " + proc("x", "64483", 100).performed_text
    ]
    same = (facts[0], facts[1], proc("e2", "64483", 100, outcome=UNSUCCESSFUL, level="L4-L5"))
    assert "order.esi-repeat" in rules(run("order-sign", [sr("esi3", "64483")], *same))


def test_image_guided_esi_after_two_failed_blind_injections_draws_no_repeat_card() -> None:
    """Blind injections are not an adequate trial: the pathway's F2 recommends an image-guided ESI at
    the concordant level, so ordering it must not be called a repeat without benefit."""
    facts = (
        cond("rad", RADICULOPATHY, 300),
        proc("e1", "62322", 200, outcome=UNSUCCESSFUL),
        proc("e2", "62322", 100, outcome=UNSUCCESSFUL),
    )
    assert [c.rule_id for c in evaluate_pathway(inp("patient-view", [], history(*facts)))] == ["F2"]
    assert "order.esi-repeat" not in rules(run("order-sign", [sr("esi3", "64483")], *facts))
    guided = (
        *facts,
        proc("e3", "64483", 60, outcome=UNSUCCESSFUL),
        proc("e4", "64483", 30, outcome=UNSUCCESSFUL),
    )
    assert "order.esi-repeat" in rules(run("order-sign", [sr("esi5", "64483")], *guided))


def test_esi_after_a_successful_esi_draws_no_objection() -> None:
    cards = run(
        "order-sign",
        [sr("esi3", "64483")],
        cond("rad", RADICULOPATHY, 400),
        proc("e1", "64483", 300, outcome=UNSUCCESSFUL),
        proc("e2", "64483", 200, outcome=SUCCESSFUL),
        obs("b", "pain", 8, 201),
        obs("f1", "pain", 2, 170),
        obs("f2", "pain", 2, 110),
    )
    assert "order.esi-repeat" not in rules(cards)


def test_fifth_esi_in_twelve_months_is_intercepted() -> None:
    """Up to 4 sessions per region in 12 months are allowed (Medicare ESI LCDs): the fifth is intercepted."""
    facts = [cond("rad", RADICULOPATHY, 400)]
    facts += [proc(f"e{i}", "62323", d, outcome=SUCCESSFUL) for i, d in enumerate((330, 250, 170, 90))]
    c = one(run("order-sign", [sr("esi5", "62323")], *facts), "order.esi-repeat")
    assert "session 5" in c.summary
    assert {"Procedure/e0", "Procedure/e1", "Procedure/e2", "Procedure/e3"} <= {f.ref for f in c.why}
    # the fourth session is within the limit
    assert "order.esi-repeat" not in rules(run("order-sign", [sr("esi5", "62323")], *facts[:4]))


@pytest.mark.parametrize("hook", HOOKS)
def test_esi_before_6_weeks_without_severe_pain_warns_with_both_sides(hook: str) -> None:
    cards = run(hook, [sr("esi1", "64483")], cond("rad", RADICULOPATHY, 20), obs("p", "pain", 5, 2))
    c = one(cards, "order.esi-too-early")
    assert c.indicator == "warning" and c.conflicts
    assert "NICE" in c.conflicts[0].for_ and "ACR 2021" in c.conflicts[0].against
    assert actions(c) == [("delete", "ServiceRequest/esi1", None)]


def test_early_esi_with_severe_pain_draws_no_objection() -> None:
    cards = run(
        "order-sign", [sr("esi1", "64483")], cond("rad", RADICULOPATHY, 20), obs("p", "pain", 8, 2), MRI_DONE
    )
    assert cards == []
    # severe pain but little disability is not E2 (NRS ≥ 7 with ODI ≥ 40, as the pathway grades it)
    mild_odi = run(
        "order-sign",
        [sr("esi1", "64483")],
        cond("rad", RADICULOPATHY, 20),
        obs("p", "pain", 8, 2),
        obs("o", "odi", 20, 2, code="97909-6"),
    )
    assert rules(mild_odi) == ["order.esi-too-early"]
    # the summary says why 8/10 is not E2's severe, disabling pain, never "without severe pain"
    assert one(mild_odi, "order.esi-too-early").summary == (
        "ESI 20 days after onset, pain 8/10 but not disabling (ODI 20 %): complete 6 weeks of "
        "conservative care first"
    )
    assert "without severe pain" in one(
        run("order-sign", [sr("esi1", "64483")], cond("rad", RADICULOPATHY, 20), obs("p", "pain", 5, 2)),
        "order.esi-too-early",
    ).summary
    # no score at all: the card asks for one
    unscored = one(
        run("order-sign", [sr("esi1", "64483")], cond("rad", RADICULOPATHY, 20)), "order.esi-too-early"
    )
    assert any("No pain score" in g for g in unscored.gaps)


@pytest.mark.parametrize("hook", HOOKS)
def test_image_guided_esi_after_8_weeks_of_failed_care_draws_no_objection(hook: str) -> None:
    cards = run(
        hook,
        [sr("esi1", "64483", "TFESI L5-S1")],
        cond("rad", RADICULOPATHY, 56),
        proc("pt1", "97161", 50),
        proc("pt2", "97110", 30),
        obs("p", "pain", 6, 3),
        med("nsaid", "7258", "naproxen", 55),
        MRI_DONE,
    )
    assert cards == []


# --------------------------------------------------------------------------------- check 5
@pytest.mark.parametrize("hook", HOOKS)
def test_esi_for_facet_pain_suggests_medial_branch_block(hook: str) -> None:
    cards = run(hook, [sr("esi1", "62323")], cond("facet", "M47.816", 200, "Lumbar spondylosis (facet)"))
    c = one(cards, "order.esi-facet-pain")
    assert_well_formed(c, "ServiceRequest/esi1")
    acts = actions(c)
    assert acts[0][:2] == ("delete", "ServiceRequest/esi1") and codes(acts[1][2]) == ["64493"]
    # no injection on record: the first one is "an ESI", not "another"
    assert c.summary.endswith("a diagnostic block, not an ESI") and c.avoid[0].startswith("An ESI for")


def test_esi_for_radicular_pain_with_facet_arthropathy_and_no_failed_esi_draws_no_facet_card() -> None:
    cards = run(
        "order-sign", [sr("esi1", "62323")], cond("facet", "M47.816", 200), cond("rad", RADICULOPATHY, 200)
    )
    assert "order.esi-facet-pain" not in rules(cards)
    failed = (
        cond("facet", "M47.816", 200),
        cond("rad", RADICULOPATHY, 200),
        proc("e1", "64483", 100, outcome=UNSUCCESSFUL),
    )
    # imaging on record that shows no compressive lesion, and the back scored above the leg: the
    # failed ESI points to the facets
    leg = replace(obs("leg", "pain", 3, 5), body_site_text="Left leg")
    back = replace(obs("back", "pain", 7, 5), body_site_text="Lower back")
    imaged = run("order-sign", [sr("esi1", "62323")], *failed, proc("mri", "72148", 150), leg, back)
    assert "order.esi-facet-pain" in rules(imaged)
    # with no score saying where it hurts most, the record does not point anywhere (as F5 reads it)
    unscored = run("order-sign", [sr("esi1", "62323")], *failed, proc("mri", "72148", 150))
    assert "order.esi-facet-pain" not in rules(unscored)


def test_no_facet_card_while_the_esi_may_still_target_the_nerve_root() -> None:
    """After a failed ESI, facet arthropathy does not make the next ESI wrong while no imaging has
    excluded a compressive lesion, or the leg hurts at least as much as the back (F5 is axial pain)."""
    failed = (
        cond("facet", "M47.816", 200),
        cond("rad", RADICULOPATHY, 200),
        proc("e1", "64483", 100, outcome=UNSUCCESSFUL),
    )
    assert "order.esi-facet-pain" not in rules(run("order-sign", [sr("esi1", "62323")], *failed))
    leg = replace(obs("leg", "pain", 8, 5), body_site_text="Left leg")
    back = replace(obs("back", "pain", 4, 5), body_site_text="Lower back")
    imaged = (*failed, proc("mri", "72148", 150), leg, back)
    assert "order.esi-facet-pain" not in rules(run("order-sign", [sr("esi1", "62323")], *imaged))


@pytest.mark.parametrize("hook", HOOKS)
def test_esi_for_neurogenic_claudication_shows_nice_and_asipp(hook: str) -> None:
    cards = run(
        hook, [sr("esi1", "62323")], cond("ns", "M48.062", 300, "Stenosis with neurogenic claudication")
    )
    c = one(cards, "order.esi-claudication")
    assert "NICE" in c.conflicts[0].against and "ASIPP" in c.conflicts[0].for_
    assert any(a[0] == "create" for a in actions(c))
    assert run(hook, [sr("esi1", "62323")], cond("ns", "M48.061", 300)) == []


def test_a_transforaminal_esi_for_radicular_pain_beside_claudication_is_not_cancelled() -> None:
    """Stenosis with neurogenic claudication and a current radiculopathy: a transforaminal injection
    aims at the nerve root, which NICE NG59 does not advise against; with no imaging yet to exclude a
    compressive lesion, it may be for the leg pain. An interlaminar one still draws the warning, but
    with the radiculopathy beside it the cancellation is offered, not pre-selected."""
    stenosis = cond("st", "M48.062", 300, "Spinal stenosis lumbar with neurogenic claudication")
    radic = cond("rad", RADICULOPATHY, 300, "Right L4 radiculopathy")
    tf = run("order-sign", [sr("o1", "64483", "TFESI right L4-5")], stenosis, radic)
    assert "order.esi-claudication" not in rules(tf)
    il = one(
        run("order-sign", [sr("o1", "62323", "Interlaminar ESI L4-5")], stenosis, radic),
        "order.esi-claudication",
    )
    assert not any(s.is_recommended for s in il.suggestions)
    alone = one(
        run("order-sign", [sr("o1", "64483", "TFESI right L4-5")], stenosis), "order.esi-claudication"
    )
    assert any(s.is_recommended for s in alone.suggestions)


@pytest.mark.parametrize(
    ("note", "warned"),
    [
        ("Leg pain on walking: neurogenic claudication.", True),
        ("Radicular pain down the right leg; denies claudication.", False),
        ("No neurogenic claudication.", False),
        # its pattern, in words: on walking or standing, eased by sitting, rest or bending
        ("Both legs go numb after walking 200 m; eased by sitting.", True),
        ("Leg pain on standing, better sitting or leaning forward.", True),
        ("Leg pain on walking.", False),  # without the relief, any leg pain
    ],
)
def test_esi_claudication_warning_needs_claudication_reported(note: str, warned: bool) -> None:
    """A stenosis coded without claudication counts as claudication only where its note reports it."""
    sten = cond("ns", "M48.061", 300, "Spinal stenosis, lumbar region", notes=(note,))
    cards = run("order-sign", [sr("esi1", "62323")], sten, cond("rad", RADICULOPATHY, 200))
    assert ("order.esi-claudication" in rules(cards)) is warned


# --------------------------------------------------------------------------------- check 6
@pytest.mark.parametrize("hook", HOOKS)
def test_facet_rfa_without_a_block_is_replaced_by_the_block(hook: str) -> None:
    cards = run(hook, [sr("rfa1", "64635", "RFA L4-L5")], cond("facet", "M47.816", 200))
    c = one(cards, "order.rfa-no-block")
    assert_well_formed(c, "ServiceRequest/rfa1")
    kind, _, res = actions(c)[0]
    assert kind == "update" and codes(res) == ["64493"]


def test_facet_rfa_after_a_positive_block_draws_no_objection() -> None:
    facts = (cond("facet", "M47.816", 200), proc("mbb", "64493", 30, outcome=SUCCESSFUL))
    assert run("order-sign", [sr("rfa1", "64635")], *facts) == []


def test_facet_rfa_after_a_positive_block_then_a_negative_one_is_held() -> None:
    """A positive block (85 %) then a negative confirmatory block (40 %): the pair is discordant and the
    pain generator not confirmed; the order went through. The negative block leads, the positive one
    it did not confirm is named."""
    first = proc("mbb1", "64493", 60, outcome=SUCCESSFUL)
    second = proc("mbb2", "64493", 30, outcome=UNSUCCESSFUL)
    c = one(run("order-sign", [sr("rfa1", "64635")], cond("facet", "M47.816", 200), first, second),
            "order.rfa-no-block")  # fmt: skip
    assert "negative medial branch block" in c.summary and "not confirmed" in c.summary
    refs = [f.ref for f in c.why]
    assert refs.index("Procedure/mbb2") < refs.index("Procedure/mbb1")


def test_guard_a_negative_block_before_a_positive_one_does_not_hold_the_rfa() -> None:
    first = proc("mbb1", "64493", 60, outcome=UNSUCCESSFUL)
    second = proc("mbb2", "64493", 30, outcome=SUCCESSFUL)
    assert run("order-sign", [sr("rfa1", "64635")], cond("facet", "M47.816", 200), first, second) == []


def test_si_rfa_without_si_block_suggests_si_joint_injection() -> None:
    c = one(run("order-sign", [sr("rfa2", "64625")], cond("si", "M46.1", 200)), "order.rfa-no-block")
    assert codes(actions(c)[0][2]) == ["27096"]
    assert "L39455" in c.conflicts[0].against


def test_repeat_rfa_after_failed_rfa_at_the_same_level_is_intercepted() -> None:
    facts = (
        cond("facet", "M47.816", 400),
        proc("mbb", "64493", 300, outcome=SUCCESSFUL),
        proc("rfa0", "64635", 250, outcome=UNSUCCESSFUL, level="L4-L5"),
    )
    c = one(run("order-sign", [sr("rfa1", "64635", "RFA L4-L5")], *facts), "order.rfa-repeat-failed")
    assert "Procedure/rfa0" in [f.ref for f in c.why]
    # what the card says first is what it pre-selects: repeat the block that confirms the pathway
    assert c.next_steps[0].startswith("Repeat the diagnostic block")
    chosen = [s.label for s in c.suggestions if s.is_recommended]
    assert chosen == ["Cancel the RFA and repeat the diagnostic block"]
    assert "Repeat the diagnostic block" in render_detail(c)
    other_level = run("order-sign", [sr("rfa1", "64635", "RFA L2-L3")], *facts)
    assert "order.rfa-repeat-failed" not in rules(other_level)


# --------------------------------------------------------------------------------- check 7
@pytest.mark.parametrize("hook", HOOKS)
def test_permanent_scs_without_trial_or_psych_evaluation(hook: str) -> None:
    cards = run(hook, [sr("ipg", "63685", "SCS generator")], cond("fbss", "M96.1", 500))
    assert sorted(rules(cards)) == ["order.neuromod-psych-eval", "order.scs-no-trial"]
    c = one(cards, "order.scs-no-trial")
    assert codes(actions(c)[0][2]) == ["63650"]
    psych = one(cards, "order.neuromod-psych-eval")
    assert actions(psych)[0][0] == "create" and codes(actions(psych)[0][2])[0] == "90791"


def test_permanent_scs_after_successful_trial_and_psych_evaluation_draws_no_objection() -> None:
    facts = (
        cond("fbss", "M96.1", 500),
        proc("trial", "63650", 20, outcome=SUCCESSFUL),
        proc("psy", "90791", 60),
    )
    assert run("order-sign", [sr("ipg", "63685")], *facts) == []


def test_permanent_scs_after_failed_trial_is_not_implanted() -> None:
    facts = (
        cond("fbss", "M96.1", 500),
        proc("trial", "63650", 20, outcome=UNSUCCESSFUL),
        proc("psy", "90791", 60),
    )
    c = one(run("order-sign", [sr("ipg", "63685")], *facts), "order.scs-failed-trial")
    assert actions(c)[0] == ("delete", "ServiceRequest/ipg", None)
    assert "Procedure/trial" in [f.ref for f in c.why]


def test_intrathecal_pump_without_psych_evaluation_and_with_one_drafted() -> None:
    assert rules(run("order-sign", [sr("idd", "62362")], cond("fbss", "M96.1", 500))) == [
        "order.neuromod-psych-eval"
    ]
    # the evaluation drafted beside it answers that card; the missing intrathecal trial is then said
    drafted = run("order-sign", [sr("idd", "62362"), sr("psy", "90791")], cond("fbss", "M96.1", 500))
    assert rules(drafted) == ["order.idd-no-trial"]


# --------------------------------------------------------------------------------- check 8
@pytest.mark.parametrize("hook", HOOKS)
def test_fusion_for_disc_herniation_without_instability(hook: str) -> None:
    cards = run(
        hook,
        [sr("fus", "22630", "PLIF L5-S1")],
        cond("hnp", "M51.16", 200, "Disc herniation with radiculopathy"),
    )
    c = one(cards, "order.fusion-no-instability")
    assert_well_formed(c, "ServiceRequest/fus")
    assert codes(actions(c)[0][2]) == ["63030"]


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("code", ["M43.16", "Q76.2"])  # Q76.2: congenital spondylolisthesis
def test_fusion_with_spondylolisthesis_draws_no_objection(hook: str, code: str) -> None:
    cards = run(hook, [sr("fus", "22630")], cond("hnp", "M51.16", 200), cond("spl", code, 200))
    assert cards == []


# --------------------------------------------------------------------------------- check 9
@pytest.mark.parametrize("hook", HOOKS)
def test_high_dose_opioid_warns_and_offers_naloxone(hook: str) -> None:
    order = mr("oxy", "7804", "oxycodone", dose=10, per=4)  # 40 mg/day × 1.5 = 60 MME
    c = one(run(hook, [order], cond("rad", RADICULOPATHY, 100)), "order.opioid-risk")
    assert "60 MME/day" in render_full(c)
    ((kind, _, res),) = actions(c)
    assert kind == "create" and res is not None and res["resourceType"] == "MedicationRequest"
    assert codes(res) == ["7242"]


def test_low_dose_short_opioid_draws_no_objection_and_stu3_dose_is_read() -> None:
    low = mr("oxy", "7804", "oxycodone", dose=5, per=2, stu3=True)  # 15 MME
    assert run("order-sign", [low], cond("rad", RADICULOPATHY, 100)) == []
    high = mr("oxy", "7804", "oxycodone", dose=20, per=2, stu3=True)  # 60 MME
    assert rules(run("order-sign", [high], cond("rad", RADICULOPATHY, 100))) == ["order.opioid-risk"]


def test_opioid_with_a_drafted_benzodiazepine_and_with_long_term_use() -> None:
    opioid = mr("tram", "10689", "tramadol", dose=50, per=2)  # 20 MME
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    c = one(run("order-sign", [opioid, benzo], cond("rad", RADICULOPATHY, 100)), "order.opioid-risk")
    assert c.subject_key == "MedicationRequest/tram"
    assert "MedicationRequest/dzp" in [f.ref for f in c.why]
    long_term = run(
        "order-sign", [opioid], cond("rad", RADICULOPATHY, 200), med("old", "10689", "tramadol", 150)
    )
    c2 = one(long_term, "order.opioid-risk")
    assert "90 days" in c2.summary and c2.suggestions == ()


def test_opioid_coded_at_clinical_drug_level_via_contained_medication() -> None:
    order = {
        "resourceType": "MedicationRequest", "id": "hc", "status": "draft", "intent": "order",
        "contained": [{"resourceType": "Medication", "id": "m1",
                       "code": {"coding": [{"system": "https://ehr.example.org/drugs", "code": "HC10",
                                            "display": "hydrocodone 10 MG / APAP 325 MG Oral Tablet"}]},
                       "ingredient": [{"itemCodeableConcept": {"text": "hydrocodone"},
                                       "strength": {"numerator": {"value": 10, "unit": "mg", "code": "mg"},
                                                    "denominator": {"value": 1, "unit": "tablet"}}}]}],
        "medicationReference": {"reference": "#m1"}, "subject": {"reference": "Patient/p1"},
        "dosageInstruction": [{"timing": {"repeat": {"frequency": 6, "period": 1, "periodUnit": "d"}},
                               "doseAndRate": {"doseQuantity": {"value": 1, "unit": "tablet"}}}],
    }  # fmt: skip
    c = one(run("order-sign", [order]), "order.opioid-risk")  # 60 mg hydrocodone = 60 MME
    assert "60 MME/day" in render_full(c)


@pytest.mark.parametrize("hook", HOOKS)
def test_gabapentinoid_for_sciatica_is_info_with_both_sides(hook: str) -> None:
    c = one(
        run(hook, [mr("gaba", "187832", "pregabalin", 75, per=2)], cond("rad", RADICULOPATHY, 60)),
        "order.gabapentinoid-sciatica",
    )
    assert c.indicator == "info"
    assert "NICE CG173" in c.conflicts[0].for_ and "PRECISE" in c.conflicts[0].against
    assert run(hook, [mr("gaba", "187832", "pregabalin", 75, per=2)]) == []  # no radicular diagnosis


def test_oral_steroid_is_info_and_epidural_injectate_is_not() -> None:
    c = one(
        run(
            "order-sign", [mr("pred", "8640", "prednisone", 40, route="oral")], cond("rad", RADICULOPATHY, 20)
        ),
        "order.oral-steroid-sciatica",
    )
    assert "NICE" in c.conflicts[0].against
    inj = mr("dex", "3264", "dexamethasone", 10, route="epidural")
    assert run("order-sign", [inj], cond("rad", RADICULOPATHY, 20)) == []


# --------------------------------------------------------------------------------- check 10
@pytest.mark.parametrize("hook", HOOKS)
def test_esi_with_cauda_equina_is_critical_and_other_cards_are_dropped(hook: str) -> None:
    cards = run(hook, [sr("esi1", "62322")], cond("rad", RADICULOPATHY, 10), cond("ces", "G83.4", 1))
    assert rules(cards) == ["order.red-flag-elective"]
    c = cards[0]
    assert c.indicator == "critical"
    assert_well_formed(c, "ServiceRequest/esi1")
    first = c.suggestions[0]
    assert [a.type for a in first.actions] == ["delete", "create"]
    assert first.actions[1].resource is not None and first.actions[1].resource["priority"] == "stat"


def test_rfa_with_suspected_infection_is_critical_and_stable_old_foot_drop_is_not() -> None:
    infected = run(
        "order-sign", [sr("rfa1", "64635")], cond("osteo", "M46.26", 3), cond("facet", "M47.816", 300)
    )
    assert rules(infected) == ["order.red-flag-elective"]
    assert codes(infected[0].suggestions[0].actions[1].resource) == ["72158"]
    # a same-day emergency: the MRI and the referral go out stat, as the patient-view R3 orders them
    created = [a.resource for s in infected[0].suggestions for a in s.actions if a.type == "create"]
    assert created and all(r is not None and r["priority"] == "stat" for r in created)
    assert infected[0].next_steps[0].startswith("Emergency MRI without and with contrast today")
    stable = run(
        "order-sign", [sr("esi1", "62323")], cond("rad", RADICULOPATHY, 120), cond("fd", "M21.371", 100)
    )
    # no emergency hold: a stable deficit no surgeon has seen asks for the surgical opinion (warning)
    assert [(c.rule_id, c.indicator) for c in stable if c.rule_id == "order.red-flag-elective"] == [
        ("order.red-flag-elective", "warning")
    ]


@pytest.mark.parametrize(("days_ago", "held"), [(10, True), (1000, False)])
def test_an_old_fever_does_not_hold_an_injection(days_ago: int, held: bool) -> None:
    """A fever recorded this month holds an elective injection; one recorded years before the leg
    pain began is a stale problem-list entry."""
    facts = (cond("rad", RADICULOPATHY, 120), cond("fever", "R50.9", days_ago, "Fever, unspecified"))
    cards = run("order-sign", [sr("esi1", "64483")], *facts)
    assert ("order.red-flag-elective" in rules(cards)) is held


def test_declining_strength_makes_a_foot_drop_progressive() -> None:
    facts = (
        cond("rad", RADICULOPATHY, 120),
        cond("fd", "M21.371", 100),
        obs("s1", "strength", 4, 30),
        obs("s2", "strength", 2, 2),
    )
    c = one(run("order-sign", [sr("esi1", "62323")], *facts), "order.red-flag-elective")
    assert {"Observation/s1", "Observation/s2"} <= {r for f in c.why for r in (f.ref, *f.also)}


# --------------------------------------------------------------------------------- check 11
@pytest.mark.parametrize("hook", HOOKS)
def test_discography_is_info_with_both_sides(hook: str) -> None:
    c = one(run(hook, [sr("disco", "62290", "Discography lumbar")]), "order.discography")
    assert c.indicator == "info" and "ACR" in c.conflicts[0].against
    assert run(hook, [sr("emg", "95910")]) == []


# --------------------------------------------------------------------------------- hooks, selections
def test_order_select_judges_only_the_selections_but_uses_all_orders_as_context() -> None:
    opioid, benzo = mr("tram", "10689", "tramadol", 50, per=2), mr("dzp", "3322", "diazepam", 5, per=2)
    esi = sr("esi1", "62322")
    cards = run(
        "order-select",
        [opioid, benzo, esi],
        cond("rad", RADICULOPATHY, 100),
        selections=("MedicationRequest/tram",),
    )
    assert rules(cards) == [
        "order.opioid-risk"
    ]  # the blind ESI is not selected; the benzodiazepine is context
    signed = run("order-sign", [opioid, benzo, esi], cond("rad", RADICULOPATHY, 100))
    assert sorted(rules(signed)) == ["order.esi-blind", "order.opioid-risk"]


def test_same_check_on_same_order_has_the_same_identity_on_both_hooks() -> None:
    facts = (cond("rad", RADICULOPATHY, 14),)
    a = one(run("order-select", [sr("mri1", "72148")], *facts), "order.mri-early")
    b = one(run("order-sign", [sr("mri1", "72148")], *facts), "order.mri-early")
    assert (a.rule_id, a.subject_key, a.topic) == (b.rule_id, b.subject_key, b.topic)
    assert a.topic == "order.mri-early|ServiceRequest/mri1"


def test_unrelated_and_odd_orders_draw_nothing() -> None:
    sandbox_med = {
        "resourceType": "MedicationRequest",
        "id": "request-123",
        "status": "draft",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-21",
    }
    nutrition = {"resourceType": "NutritionOrder", "id": "diet", "status": "draft"}
    device = {
        "resourceType": "DeviceRequest",
        "id": "dev",
        "status": "draft",
        "codeCodeableConcept": {"text": "Lumbar brace"},
    }
    unknown = {"resourceType": "VisionPrescription", "id": "v"}
    tmj = sr("tmj", "70336", "MRI temporomandibular joint")
    cards = run("order-sign", [sandbox_med, nutrition, device, unknown, tmj], cond("rad", RADICULOPATHY, 14))
    assert cards == []


def test_unavailable_history_is_named_on_the_card() -> None:
    hist = history(cond("rad", RADICULOPATHY, 14), unavailable={"conditions": "FHIR server timed out"})
    cards = evaluate_orders(inp("order-sign", [sr("mri1", "72148")], hist))
    assert "FHIR server timed out" in render_full(one(cards, "order.mri-early"))


def test_fusion_code_22612_is_judged_like_22630() -> None:
    cards = run("order-sign", [sr("fus", "22612")], cond("hnp", "M51.16", 200))
    assert rules(cards) == ["order.fusion-no-instability"]


def test_current_benzodiazepine_in_the_history_and_a_lapsed_opioid_course() -> None:
    opioid = mr("tram", "10689", "tramadol", dose=50, per=2)  # 20 MME
    with_benzo = run(
        "order-sign", [opioid], cond("rad", RADICULOPATHY, 100), med("lzp", "3322", "diazepam", 40)
    )
    assert "MedicationRequest/lzp" in [f.ref for f in one(with_benzo, "order.opioid-risk").why]
    # an opioid course that ended 60 days ago is not continued by this order (gap > 30 days)
    lapsed = run(
        "order-sign",
        [opioid],
        cond("rad", RADICULOPATHY, 300),
        med("old", "10689", "tramadol", 250, end_days_ago=60, status="completed"),
    )
    assert lapsed == []


def test_physiotherapy_referral_waits_for_the_cauda_equina_work_up() -> None:
    from tests.orders_builders import SCT

    pt = sr("pt", "306170007", "Referral to physiotherapy service", system=SCT)
    cards = run("order-sign", [pt], cond("rad", RADICULOPATHY, 10), cond("ces", "G83.4", 1))
    assert rules(cards) == ["order.red-flag-elective"]
    assert run("order-sign", [pt], cond("rad", RADICULOPATHY, 10)) == []


def test_mme_factors_are_data_keyed_by_the_opioid_value_set() -> None:
    from hooks.mme import MME_FILE, mme_factors
    from tests.orders_builders import TERM

    per_mg, per_mcg_h = mme_factors()
    names = {m.display.lower() for m in TERM["rx_opioids"].members}
    factored = set(per_mg) | set(per_mcg_h)
    assert factored <= names
    # CDC 2022 does not convert buprenorphine; the shipped table has no factor for the rarer opioids,
    # whose MME is then reported as not computed (never as zero)
    rarer = {
        "meperidine", "levorphanol", "pentazocine", "butorphanol", "dihydrocodeine", "nalbuphine", "opium",
    }  # fmt: skip
    assert names - factored == {"buprenorphine", *rarer}
    assert per_mg["oxycodone"] == 1.5 and per_mg["methadone"] == 4.7 and per_mcg_h["fentanyl"] == 2.4
    assert "cdc.gov" in MME_FILE.read_text()


def test_fentanyl_patch_mme_uses_micrograms_per_hour() -> None:
    patch = mr("fent", "4337", "fentanyl", dose=25, unit="ug/h")  # 25 mcg/h × 2.4 = 60 MME
    # for an opioid-naive patient the dose is a fact of the one card on starting a patch
    c = one(run("order-sign", [patch]), "order.opioid-er-naive")
    assert "60 MME/day" in render_full(c)


@pytest.mark.parametrize("hook", HOOKS)
def test_benzodiazepine_with_a_current_opioid_warns_once(hook: str) -> None:
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    on_opioid = run(hook, [benzo], cond("rad", RADICULOPATHY, 100), med("oxy", "7804", "oxycodone", 20))
    c = one(on_opioid, "order.benzodiazepine-with-opioid")
    assert c.indicator == "warning" and "MedicationRequest/oxy" in [f.ref for f in c.why]
    assert actions(c)[0] == ("delete", "MedicationRequest/dzp", None)
    assert run(hook, [benzo], cond("rad", RADICULOPATHY, 100)) == []  # no opioid: nothing to say
    # with the opioid drafted too, the opioid's card carries the co-prescription alone
    both = run(
        "order-sign", [benzo, mr("oxy2", "7804", "oxycodone", dose=5, per=2)], cond("rad", RADICULOPATHY, 100)
    )
    assert rules(both) == ["order.opioid-risk"]


def test_session_wide_advice_is_offered_once() -> None:
    # trial leads and generator drafted together: one psychological-evaluation card, on the first order
    cards = run("order-sign", [sr("leads", "63650"), sr("ipg", "63685")], cond("fbss", "M96.1", 500))
    psych = [c for c in cards if c.rule_id == "order.neuromod-psych-eval"]
    assert [c.subject_key for c in psych] == ["ServiceRequest/leads"]
    # two elective orders with cauda equina: both critical, the emergency MRI is suggested once
    cards = run(
        "order-sign",
        [sr("esi", "62323"), sr("rfa", "64635")],
        cond("rad", RADICULOPATHY, 9),
        cond("ces", "G83.4", 1),
    )
    assert rules(cards) == ["order.red-flag-elective", "order.red-flag-elective"]
    creates = [a for c in cards for s in c.suggestions for a in s.actions if a.type == "create"]
    assert sorted(codes(a.resource) for a in creates) == [["183546007"], ["72148"]]
    assert cards[1].suggestions[0].is_recommended and cards[1].suggestions[0].actions[0].type == "delete"


def test_non_contrast_mri_within_3_months_of_surgery_is_not_judged_as_s1() -> None:
    cards = run(
        "order-sign", [sr("mri2", "72148")], proc("lam", "63030", 30), cond("rad", RADICULOPATHY, 200)
    )
    assert cards == []
    fbss_only = run(
        "order-sign", [sr("mri2", "72148")], cond("fbss", "M96.1", 300, "Postlaminectomy syndrome")
    )
    assert rules(fbss_only) == ["order.mri-postop-contrast"]


def test_missing_data_a_silent_check_needed_is_named_not_read_as_all_clear() -> None:
    down = {
        "medicationRequests": "FHIR server answered 500",
        "medicationStatements": "FHIR server answered 500",
    }
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    hist = history(cond("rad", RADICULOPATHY, 100), unavailable=down)
    c = one(evaluate_orders(inp("order-sign", [benzo], hist)), "order.not-fully-checked")
    assert c.indicator == "info" and c.subject_key == "MedicationRequest/dzp"
    assert "prescriptions" in c.summary and "500" in render_full(c)
    assert any("opioid" in s for s in c.next_steps)
    # a check that fired already names the gap itself: no extra card
    high = mr("oxy", "7804", "oxycodone", dose=10, per=4)
    assert rules(evaluate_orders(inp("order-sign", [high], hist))) == ["order.opioid-risk"]
    # data a check does not read changes nothing
    assert rules(evaluate_orders(inp("order-sign", [sr("mri", "72148")], hist))) == []
    # an epidural injection is checked against current anticoagulants (ASRA 2018): the gap is named
    blind = evaluate_orders(inp("order-sign", [sr("esi", "62322")], hist))
    assert rules(blind) == ["order.esi-blind", "order.not-fully-checked"]
    # complete data: no card
    assert run("order-sign", [benzo], cond("rad", RADICULOPATHY, 100)) == []


def test_esi_without_observations_says_earlier_outcomes_were_not_checked() -> None:
    hist = history(
        cond("rad", RADICULOPATHY, 300),
        proc("e1", "64483", 200),
        proc("e2", "64483", 100),
        unavailable={"observations": "timed out"},
    )
    c = one(evaluate_orders(inp("order-select", [sr("esi", "64483")], hist)), "order.not-fully-checked")
    assert any("earlier epidural injections" in s for s in c.next_steps)


# ------------------------------------------------ complementary suggestions: selectionBehavior "any"
def _changed(card: CardDraft) -> list[str | None]:
    """The draft orders the card's suggestions delete or update, once per action."""
    return [
        a.resource_id or f"{(a.resource or {})['resourceType']}/{(a.resource or {})['id']}"
        for s in card.suggestions
        for a in s.actions
        if a.type != "create"
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_the_emergency_pathway_steps_are_offered_together(hook: str) -> None:
    cards = run(hook, [sr("esi1", "62322")], cond("rad", RADICULOPATHY, 10), cond("ces", "G83.4", 1))
    c = one(cards, "order.red-flag-elective")
    assert c.selection_behavior == "any"
    assert [s.is_recommended for s in c.suggestions] == [True, True]
    cancel_and_image, refer = c.suggestions
    assert [a.type for a in cancel_and_image.actions] == ["delete", "create"]
    assert codes(cancel_and_image.actions[1].resource) == ["72148"]
    assert codes(refer.actions[0].resource) == ["183546007"] and refer.label.startswith("Stat")
    assert _changed(c) == ["ServiceRequest/esi1"]  # the order is removed by one suggestion only


def test_with_the_emergency_mri_drafted_cancelling_and_referring_go_together() -> None:
    mri = sr("mri", "72148", "MRI lumbar spine without contrast", priority="stat")
    facts = (cond("rad", RADICULOPATHY, 10), cond("ces", "G83.4", 1))
    cards = run("order-sign", [sr("esi1", "62322"), mri], *facts)
    c = next(c for c in cards if c.subject_key == "ServiceRequest/esi1")
    assert c.selection_behavior == "any"
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Cancel the elective procedure", True),
        ("Stat: refer to a spine surgeon", True),
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_removing_the_benzodiazepine_and_naloxone_are_offered_together(hook: str) -> None:
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    c = one(
        run(hook, [benzo], cond("rad", RADICULOPATHY, 100), med("oxy", "7804", "oxycodone", 20)),
        "order.benzodiazepine-with-opioid",
    )
    assert c.selection_behavior == "any"
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Remove the benzodiazepine prescription", True),
        ("Prescribe naloxone (opioid overdose reversal)", True),
    ]
    assert "naloxone" in c.next_steps[0] and "recommendation 11" in c.next_steps[0]


@pytest.mark.parametrize("hook", HOOKS)
def test_opioid_with_a_drafted_benzodiazepine_says_and_offers_what_its_summary_says(hook: str) -> None:
    opioid = mr("oxy", "7804", "oxycodone", dose=10, per=4)  # 60 MME/day
    benzo = mr("dzp", "3322", "diazepam", dose=5, per=2)
    c = one(
        run(hook, [opioid, benzo], cond("rad", RADICULOPATHY, 100), selections=("MedicationRequest/oxy",)),
        "order.opioid-risk",
    )
    assert "avoid co-prescribing" in c.summary and "naloxone" in c.summary
    first = c.next_steps[0]
    assert first.startswith("Avoid co-prescribing") and "diazepam" in first and "naloxone" in first
    assert "Avoid co-prescribing" in render_detail(c)
    # the dose that decides the card is shown whole, never cut in the middle
    assert not [ln for ln in render_detail(c).splitlines() if ln.startswith("- ") and " … " in ln]
    assert "60 MME/day in all (≥ 50, CDC 2022)" in render_detail(c)
    assert c.selection_behavior == "any"
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Remove the benzodiazepine prescription", True),
        ("Prescribe naloxone (opioid overdose reversal)", True),
    ]
    assert actions(c)[0] == ("delete", "MedicationRequest/dzp", None)
    assert _changed(c) == ["MedicationRequest/dzp"]  # never the opioid order itself


def test_opioid_with_a_current_benzodiazepine_asks_for_a_taper_and_offers_naloxone() -> None:
    opioid = mr("tram", "10689", "tramadol", dose=50, per=2)  # 20 MME
    c = one(
        run("order-sign", [opioid], cond("rad", RADICULOPATHY, 100), med("lzp", "3322", "diazepam", 40)),
        "order.opioid-risk",
    )
    assert c.next_steps[0].startswith("Avoid co-prescribing") and "taper" in c.next_steps[0]
    # a recorded prescription is not deleted
    assert [s.label for s in c.suggestions] == ["Prescribe naloxone (opioid overdose reversal)"]
    assert c.selection_behavior == "at-most-one"


def test_the_conflict_summaries_name_their_public_sources() -> None:
    from hooks.conflicts import GABAPENTINOIDS, ORAL_STEROIDS

    gaba = one(
        run("order-sign", [mr("gaba", "187832", "pregabalin", 75, per=2)], cond("rad", RADICULOPATHY, 60)),
        "order.gabapentinoid-sciatica",
    )
    prednisone = mr("pred", "8640", "prednisone", 40, route="oral")
    pred = one(run("order-sign", [prednisone], cond("rad", RADICULOPATHY, 20)), "order.oral-steroid-sciatica")
    unnamed = ("one source", "other sources", "some sources")
    for c in (gaba, pred):
        assert not any(w in c.summary.lower() for w in unnamed), c.summary
    # each source the summary names is on the side of the conflict it is said to take
    assert "NICE CG173" in gaba.summary and "NICE CG173" in GABAPENTINOIDS.for_
    assert "PRECISE 2017" in gaba.summary and "PRECISE 2017" in GABAPENTINOIDS.against
    assert "NICE NG59" in gaba.summary and "NICE NG59" in GABAPENTINOIDS.against
    assert "JAMA 2015" in pred.summary and "Goldberg" in pred.summary
    assert "JAMA 2015" in ORAL_STEROIDS.for_ and "Goldberg" in ORAL_STEROIDS.for_
    assert "NICE NG59" in pred.summary and "NICE NG59" in ORAL_STEROIDS.against


def test_a_negative_block_of_the_other_side_does_not_hold_a_left_rfa() -> None:
    """A positive left block, then a negative right one: the right side is not the pain generator, the
    left still is."""
    left = replace(proc("mbb1", "64493", 60, outcome=SUCCESSFUL), laterality="left")
    right = replace(proc("mbb2", "64493", 30, outcome=UNSUCCESSFUL), laterality="right")
    order = sr("rfa1", "64635", "RFA left L4-L5")
    assert [c.rule_id for c in run("order-sign", [order], cond("facet", "M47.816", 200), left, right)] == []
