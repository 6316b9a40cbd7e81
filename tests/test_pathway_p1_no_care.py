"""P1 with no (or too short) conservative care documented asks for the care, and its buttons agree.

Radicular pain past 6 weeks with no conservative care on record — or less than the 6 weeks of it
(physiotherapy and/or an NSAID/analgesic) that ACR 2021 variant 3 and NASS 2014 place before
imaging and injection — gives a P1 card whose summary says to confirm or start the care before MRI
or an injection. Its buttons and steps say the same: the physiotherapy referral is the first,
recommended suggestion; no MRI is offered (the MRI step comes after the care period); the steps
say to *start* physiotherapy, never to continue one that is not on record; and no epidural
injection is proposed, as a step or as an order, until the care is documented. With the care
documented, the card is as before: the MRI recommended, then the image-guided ESI.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import (
    TERM,
    ago,
    assert_house_rules,
    card_of,
    codes_of,
    med,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
)

from hooks.cards import CardDraft
from hooks.facts import ObservationFact
from hooks.suggestions import ordered_codes

MRI = TERM.first("mri_lumbar_without_contrast").code
PHYSIO = TERM.first("referral_physiotherapy").code
ESI_CODES = {"62321", "62323", "64483", "64484"}
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def first_codes(c: CardDraft) -> set[str]:
    """The codes of the card's first suggestion (the button the clinician reads first)."""
    assert c.suggestions, "the card offers no suggestion"
    return {code for _, code in ordered_codes(c.suggestions[0])}


def recommended_codes(c: CardDraft) -> set[str]:
    return {code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)}


def assert_asks_for_care_first(c: CardDraft) -> None:
    # the summary asks for the care before MRI or an injection ...
    assert "before MRI or an injection" in c.summary
    # ... and the first, recommended button gives it: the physiotherapy referral
    assert first_codes(c) == {PHYSIO}
    assert c.suggestions[0].is_recommended
    assert recommended_codes(c) == {PHYSIO}
    # no MRI button (the MRI comes after the care period), no injection order
    assert MRI not in codes_of(c)
    assert not codes_of(c) & ESI_CODES
    # the steps start physiotherapy (none is on record) and propose no injection yet
    assert any(s.startswith("Start active physiotherapy") for s in c.next_steps), c.next_steps
    assert not any("Continue active physiotherapy" in s for s in c.next_steps), c.next_steps
    assert not any("Consider an image-guided" in s for s in c.next_steps), c.next_steps
    assert not any("epidural steroid injection" in s for s in c.next_steps), c.next_steps
    # the step that asks for the care comes first, the physiotherapy that gives it next
    assert "conservative care" in c.next_steps[0]
    assert c.next_steps[1].startswith("Start active physiotherapy")
    # the MRI is said as what follows the care period, not as the step to take now
    assert not any(s.startswith("MRI lumbar spine without contrast if") for s in c.next_steps)
    assert any(s.startswith("After 6 weeks of conservative care, MRI lumbar spine") for s in c.next_steps)
    assert_house_rules(c)


def test_no_conservative_care_recommends_physiotherapy_not_mri() -> None:
    c = card_of(run(radic(45)), "P1")
    assert "no conservative care documented" in c.summary
    assert_asks_for_care_first(c)


def test_nsaid_for_30_days_only_recommends_physiotherapy_not_mri() -> None:
    """An NSAID for 30 days (under 6 weeks) is conservative care begun, not done: the same card."""
    c = card_of(run(radic(49), med("nsaid-1", "rx_nsaids", start=30, end=0)), "P1")
    assert "only 4 weeks of conservative care documented" in c.summary
    assert "MedicationRequest/nsaid-1" in refs_of(c)
    assert_asks_for_care_first(c)


def seven_sessions(first: int = 49) -> list[Any]:
    """Seven weekly physiotherapy sessions, the first ``first`` days ago: 6 weeks of care."""
    return [proc(f"pt-{i}", "physical_therapy", "97110", days=first - 7 * i) for i in range(7)]


def test_documented_care_keeps_the_mri_recommended() -> None:
    """Guard: 7 physiotherapy sessions over 6 weeks are the care documented; the card is as before."""
    c = card_of(run(radic(56), *seven_sessions()), "P1")
    assert "no conservative care" not in c.summary and "only" not in c.summary
    assert first_codes(c) == {MRI}
    assert c.suggestions[0].is_recommended
    assert PHYSIO not in codes_of(c)
    assert c.next_steps[0].startswith("MRI lumbar spine without contrast if the patient is a candidate")
    assert any(s.startswith("Consider an image-guided") for s in c.next_steps)
    assert (
        "Continue active physiotherapy (neurodynamic mobilisation, motor-control exercise)." in c.next_steps
    )
    assert_house_rules(c)


def test_no_care_with_an_mri_on_file_offers_no_injection() -> None:
    """An MRI on file does not bring the injection forward while the care is not documented."""
    c = card_of(run(radic(45), report("mri", "72148", 10, CONCORDANT)), "P1")
    assert not codes_of(c) & ESI_CODES
    assert not any("epidural steroid injection" in s for s in c.next_steps), c.next_steps
    assert first_codes(c) == {PHYSIO} and c.suggestions[0].is_recommended
    assert_house_rules(c)


def test_a_physiotherapy_referral_already_ordered_is_named_not_offered_again() -> None:
    referral = order("pt-ref", "referral_physiotherapy", authored=3)
    c = card_of(run(radic(45), referral), "P1")
    assert PHYSIO not in codes_of(c)
    assert MRI not in codes_of(c)
    assert "ServiceRequest/pt-ref" in refs_of(c)
    assert any(
        s.startswith("Start active physiotherapy") and "referral already ordered on" in s
        for s in c.next_steps
    ), c.next_steps
    assert_house_rules(c)


def test_physiotherapy_under_way_is_continued_not_referred_again() -> None:
    """Three weekly sessions (2 weeks of care): physiotherapy is on record, so it is continued and
    no second referral is offered; MRI and injection still wait for the care period."""
    sessions = [proc(f"pt-{i}", "physical_therapy", "97110", days=15 - 7 * i) for i in range(3)]
    c = card_of(run(radic(45), *sessions), "P1")
    assert PHYSIO not in codes_of(c) and MRI not in codes_of(c)
    assert not codes_of(c) & ESI_CODES
    assert any(s.startswith("Continue active physiotherapy") for s in c.next_steps)
    assert not any("epidural steroid injection" in s for s in c.next_steps), c.next_steps
    assert_house_rules(c)


def test_weak_muscle_without_care_leads_with_the_referral_and_keeps_its_mri() -> None:
    """A muscle at MRC 4 (no fall) and no care: the specialist within 2 weeks stays the summary's point
    and the first step, the MRI goes ahead meanwhile (offered, not pre-selected), the physiotherapy
    referral is offered beside them, and no injection is proposed before the care."""
    weak = ObservationFact(
        ref="Observation/s1",
        codings=(),
        text="Right ankle dorsiflexion strength (MRC)",
        kind="strength",
        effective=ago(3),
        effective_text=None,
        value=4,
        status="final",
        part_of=(),
    )
    c = card_of(run(radic(45), weak), "P1")
    assert "spine specialist within 2 weeks" in c.summary and "MRI" in c.summary
    assert c.next_steps[0].startswith("Refer to a spine specialist to be seen within 2 weeks")
    assert "conservative care before an injection" in c.next_steps[1]
    assert MRI in codes_of(c) and PHYSIO in codes_of(c)
    assert recommended_codes(c) == {TERM.first("referral_spine_surgery").code}
    assert any(s.startswith("Start active physiotherapy") for s in c.next_steps)
    assert not any("epidural steroid injection" in s for s in c.next_steps), c.next_steps
    assert not codes_of(c) & ESI_CODES
    assert_house_rules(c)
