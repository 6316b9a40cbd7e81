"""P2 ("refer now") is silenced only by a referral made in this episode or a specialist visit.

A clinician review found P2 replaced by an info P1 card at 20 weeks of leg pain, with no specialist
ever seen, because four things that are not a spine or pain specialist referral or visit counted as
one: a primary-care encounter "follow-up: spinal pain", a physiotherapy encounter "lumbar spine", a
neurosurgical referral from an earlier episode years before, and a referral drafted and never sent.
P1 for a patient already referred still said "refer", and P2 called stenosis with neurogenic
claudication "radicular pain".
"""

from __future__ import annotations

import pytest
from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    cond,
    conservative,
    context,
    encounter,
    next_line,
    order,
    radic,
    refs_of,
    run,
    states,
)

from hooks.suggestions import ordered_codes
from hooks.terminology import default_terminology

TERM = default_terminology()
# every code a specialist-referral suggestion could carry
REFERRAL_CODES = {
    c.code
    for c in (
        TERM.coding("referral_spine_surgery", "183546007"),
        TERM.coding("referral_spine_surgery", "308482002"),
        TERM.coding("referral_pain_management", "306109009"),
    )
}
NEUROSURGICAL_REFERRAL = "183546007"

# 20 weeks of leg pain after 6 weeks of physiotherapy and an NSAID, no specialist on record
CHRONIC = (radic(days=140), *conservative(130))
# 8 weeks: P1
PERSISTENT = (radic(days=56), *conservative(50))


def neurosurgical_referral(ref: str, *, status: str, authored: int):  # type: ignore[no-untyped-def]
    return order(ref, "referral_spine_surgery", "308482002", status=status, authored=authored)


def p2_card(*extra: object):  # type: ignore[no-untyped-def]
    cards = run(*CHRONIC, *extra)
    assert states(cards) == ["P2"], states(cards)
    c = cards[0]
    assert c.indicator == "warning"
    assert_house_rules(c)
    return c


# ---------------------------------------------------------------------------------------------
# what is not a referral
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Primary care follow-up: spinal pain", "Physical therapy - lumbar spine", "Spinal pain review"],
)
def test_a_visit_naming_the_spine_but_no_specialist_service_leaves_p2(text: str) -> None:
    c = p2_card(encounter("enc", 30, text))
    assert NEUROSURGICAL_REFERRAL in codes_of(c)
    assert next_line(c).startswith("**Next:** Refer to a spine specialist now")


def test_a_referral_from_an_earlier_episode_leaves_p2() -> None:
    # a neurosurgical referral of 2019, years before this leg pain began
    c = p2_card(neurosurgical_referral("old", status="completed", authored=2800))
    assert NEUROSURGICAL_REFERRAL in codes_of(c)
    assert "ServiceRequest/old" not in refs_of(c)


def test_a_specialist_visit_from_an_earlier_episode_leaves_p2() -> None:
    p2_card(encounter("old-visit", 2500, "Spine surgery clinic"))


def test_a_drafted_referral_never_sent_gives_p2_asking_to_send_it() -> None:
    c = p2_card(neurosurgical_referral("draft", status="draft", authored=20))
    assert "drafted" in c.summary and "never sent" in c.summary
    # the draft is named among the facts the card shows, in place of "no referral on record"
    assert "ServiceRequest/draft" in refs_of(c)
    assert "never sent" in c.why[1].brief
    assert c.next_steps[0].startswith("Sign and send the drafted referral (Referral to neurosurgeon")
    # the draft is sent, not written a second time: no referral offered beside it
    assert not codes_of(c) & REFERRAL_CODES
    assert "Refer to a spine specialist" not in card_words(c)


def test_a_drafted_referral_in_p1_is_named_and_not_offered_again() -> None:
    cards = run(*PERSISTENT, neurosurgical_referral("draft", status="draft", authored=10))
    c = card_of(cards, "P1")
    assert "ServiceRequest/draft" in refs_of(c)
    assert any(s.startswith("Sign and send the drafted referral") for s in c.next_steps)
    assert not any(s.startswith("Refer to a spine specialist") for s in c.next_steps)
    assert not codes_of(c) & REFERRAL_CODES


def test_a_drafted_referral_does_not_address_a_weak_muscle() -> None:
    """R2's "already addressed by a specialist" needs a referral made, not a draft."""
    cards = run(
        radic(days=70),
        *conservative(60),
        cond("drop", "red_flag_motor_deficit", "M21.371", onset=65),
        order("ref", "referral_spine_surgery", status="draft", authored=30),
    )
    assert "R2" in states(cards)


# ---------------------------------------------------------------------------------------------
# P1 for a patient already referred; P2's words for neurogenic claudication
# ---------------------------------------------------------------------------------------------


def test_p1_names_a_completed_referral_and_does_not_ask_for_it_again() -> None:
    cards = run(*CHRONIC, neurosurgical_referral("ref", status="completed", authored=50))
    c = card_of(cards, "P1")
    assert_house_rules(c)
    assert "ServiceRequest/ref" in refs_of(c)
    assert not any(s.startswith("Refer to a spine specialist") for s in c.next_steps)
    (step,) = [s for s in c.next_steps if s.startswith("Already referred")]
    assert "Referral to neurosurgeon" in step and "completed" in step
    assert not codes_of(c) & REFERRAL_CODES


def test_p1_names_a_specialist_visit_and_does_not_ask_for_a_referral() -> None:
    cards = run(*CHRONIC, encounter("enc", 20, "Spine surgery clinic"))
    c = card_of(cards, "P1")
    assert "Encounter/enc" in refs_of(c)
    assert any(s.startswith("Already seen by a specialist (Spine surgery clinic") for s in c.next_steps)
    assert not any(s.startswith("Refer to a spine specialist") for s in c.next_steps)


def test_p2_for_stenosis_with_neurogenic_claudication_says_so() -> None:
    cards = run(cond("sten", "neurogenic_claudication", "M48.062", onset=140), *conservative(130))
    c = card_of(cards, "P2")
    assert c.summary.startswith("Neurogenic claudication for over 12 weeks")
    assert "Radicular pain" not in c.summary


# ---------------------------------------------------------------------------------------------
# guards: behaviour that must not change
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Spine surgery clinic", "Neurosurgery consultation", "Pain clinic", "Orthopaedic spine service"]
)
def test_guard_a_specialist_visit_this_episode_gives_p1(text: str) -> None:
    assert states(run(*CHRONIC, encounter("enc", 20, text))) == ["P1"]


@pytest.mark.parametrize("status", ["active", "on-hold", "completed"])
def test_guard_a_referral_sent_this_episode_gives_p1(status: str) -> None:
    assert states(run(*CHRONIC, neurosurgical_referral("ref", status=status, authored=30))) == ["P1"]


def test_guard_a_pain_management_referral_this_episode_gives_p1() -> None:
    assert states(run(*CHRONIC, order("ref", "referral_pain_management"))) == ["P1"]


def test_guard_a_revoked_referral_still_gives_p2() -> None:
    p2_card(neurosurgical_referral("ref", status="revoked", authored=30))


def test_guard_p2_without_any_referral_is_unchanged() -> None:
    c = p2_card()
    assert c.summary == (
        "Radicular pain for over 12 weeks and not yet referred: refer to a spine specialist now"
    )
    assert c.why[1].text == "no spine or pain specialist referral or visit on record"
    recommended = {code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)}
    assert NEUROSURGICAL_REFERRAL in recommended
    assert (
        c.next_steps[0]
        == "Refer to a spine specialist now (usual practice: no later than 12 weeks after onset)."
    )


def test_guard_p1_not_referred_still_offers_the_referral() -> None:
    c = card_of(run(*PERSISTENT), "P1")
    assert NEUROSURGICAL_REFERRAL in codes_of(c)
    assert any(s.startswith("Refer to a spine specialist") for s in c.next_steps)


def test_guard_a_surgeon_seen_years_ago_still_addresses_a_deficit_of_that_time() -> None:
    """The referral that addressed a foot drop years ago still does for R2: only P2's "not yet
    referred" reads the episode."""
    drop = cond("drop", "red_flag_motor_deficit", "M21.371", onset=1500)
    without = run(*CHRONIC, drop)
    assert "R2" in states(without)
    seen = order("ref", "referral_spine_surgery", status="completed", authored=1400)
    assert "R2" not in states(run(*CHRONIC, drop, seen))


def test_guard_a_spine_surgery_visit_is_still_a_surgical_visit() -> None:
    ctx = context(*CHRONIC, encounter("enc", 20, "Spine surgery clinic"))
    assert ctx.surgically_referred and ctx.referred


def test_the_twelve_week_referral_limit_is_said_as_usual_practice_not_a_guideline() -> None:
    """No public guideline sets the 12-week limit (NICE NG59 and NASS 2014 give none): the card says
    it is usual practice, never "(NASS 2014)" after it."""
    c = card_of(run(radic(100), *conservative(100)), "P2")
    text = "\n".join(c.next_steps)
    assert "usual practice: no later than 12 weeks" in text
    assert "after onset (NASS 2014)" not in text
