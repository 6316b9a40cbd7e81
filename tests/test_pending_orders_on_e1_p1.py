"""Orders already placed that the step advises against are named on its card, to hold.

An E1 card (under 6 weeks, tolerable pain) said "no imaging or ESI yet" beside a signed TFESI or lumbar
MRI order, and a P1 card said "then image-guided ESI" beside a signed blind (62322) injection. Signed
orders pass the order-sign check once; the patient view is where they are seen again. F5 and F6
already named a pending order to hold.
"""

from __future__ import annotations

from pathway_builders import card_of, conservative, order, radic, run

from hooks.cards import CardDraft, render_detail


def e1(*extra: object) -> CardDraft:
    return card_of(run(radic(days=21), *extra), "E1")


def test_e1_with_an_esi_ordered_says_to_hold_it() -> None:
    c = e1(order("esi", "esi_transforaminal_lumbar", "64483"))
    assert c.summary == "Acute radicular pain under 6 weeks: hold the ESI ordered; conservative care first"
    assert any(f.ref == "ServiceRequest/esi" and "hold it" in f.text for f in c.why)
    assert c.next_steps[0].startswith("Hold the ESI already ordered: under 6 weeks without a red flag")
    assert "`ServiceRequest/esi` hold pending order: ESI ordered" in render_detail(c)


def test_e1_with_an_mri_ordered_says_to_hold_it() -> None:
    c = e1(order("mri", "imaging_mri_lumbar", "72148"))
    assert c.summary == "Acute radicular pain under 6 weeks: hold the MRI ordered; conservative care first"
    assert c.next_steps[0].startswith("Hold the MRI already ordered")


def test_e1_with_both_ordered_names_both() -> None:
    c = e1(order("mri", "imaging_mri_lumbar", "72148"), order("esi", "esi_transforaminal_lumbar", "64483"))
    assert "hold the MRI and ESI ordered" in c.summary


def test_guard_e1_without_orders_keeps_its_summary() -> None:
    c = e1()
    assert c.summary.endswith("no imaging or ESI yet")
    assert not c.next_steps[0].startswith("Hold")


def test_guard_a_done_or_revoked_order_is_not_held() -> None:
    for status in ("completed", "revoked"):
        c = e1(order("esi", "esi_transforaminal_lumbar", "64483", status=status))
        assert "hold" not in c.summary


def test_p1_with_a_blind_esi_ordered_holds_it_first() -> None:
    cards = run(radic(days=60), *conservative(55), order("blind", "esi_interlaminar_caudal_lumbar", "62322"))
    c = card_of(cards, "P1")
    assert c.next_steps[0].startswith("Hold the epidural injection ordered on")
    assert "without image guidance" in c.next_steps[0]
    assert any(f.ref == "ServiceRequest/blind" and "hold it" in f.text for f in c.why)
    assert "image-guided epidural steroid injection already ordered" not in " ".join(c.next_steps)


def test_guard_an_order_placed_with_a_specialist_involved_is_not_held() -> None:
    """A spine surgery referral made: the MRI is the specialist's decision (NICE NG59 1.1.4 speaks to
    non-specialist settings)."""
    referral = order("ref", "referral_spine_surgery", status="completed", authored=5)
    c = e1(referral, order("mri", "imaging_mri_lumbar", "72148"))
    assert "hold" not in c.summary
