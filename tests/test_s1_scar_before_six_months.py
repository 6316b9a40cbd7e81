"""New leg pain after lumbar surgery counts from its own onset before a stimulator is offered.

A microdiscectomy 13 months ago, new left S1 leg pain for 5 weeks and a contrast MRI showing scar and
no recurrence drew S3 ("psychological evaluation, then SCS trial", a one-click referral for the
trial): the operation's date stood in for 6 months of pain. NICE TA159 and the decision model's S3 ask
for 6 months of neuropathic pain. Pain that began months after the operation is new pain (S1); with
the contrast MRI done and showing no target, S1 no longer asks for that MRI again: surgical review of
the result, conservative care, and a stimulator evaluation from the date the pain reaches 6 months.

Guards: pain there since the operation (its onset before it) keeps S3 once the operation is 6 months
old; a post-laminectomy label dated only by when it was recorded says nothing of when the pain began.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import assert_house_rules, card_of, codes_of, cond, proc, radic, report, run, states

from hooks.cards import render_full

CONTRAST_MRI = "72158"
SCAR = "Enhancing epidural scar at left L5-S1; no recurrent disc herniation; no instability."


def discectomy(days: int = 400) -> Any:
    return proc("disc", "lumbar_decompression_discectomy", "63030", days=days)


def test_new_pain_of_five_weeks_after_an_operation_a_year_ago_is_s1_without_a_second_mri() -> None:
    cards = run(discectomy(), radic(days=35), report("mri-c", CONTRAST_MRI, 7, SCAR))
    assert states(cards) == ["S1"]
    c = cards[0]
    assert_house_rules(c)
    assert c.summary == (
        "Radicular pain after lumbar surgery; contrast MRI shows no surgical target: surgical review, "
        "conservative care"
    )
    assert CONTRAST_MRI not in codes_of(c)  # the MRI that tells scar from recurrence is on the chart
    assert any(f.ref == "DiagnosticReport/mri-c" for f in c.why)
    full = render_full(c)
    # scs_eligibility_days (182) from the onset, 35 days before 2026-11-02
    assert "Spinal cord stimulator evaluation from 2027-03-29 if the pain persists" in full, full
    assert "A stimulator trial before 6 months of pain." in c.avoid
    assert not any("stimulat" in s.label.lower() for s in c.suggestions)
    assert any("spine surg" in s.label.lower() for s in c.suggestions if s.is_recommended)


def test_new_pain_reaching_six_months_goes_on_to_s3() -> None:
    cards = run(discectomy(600), radic(days=200), report("mri-c", CONTRAST_MRI, 7, SCAR))
    assert states(cards) == ["S3"]


def test_guard_pain_there_since_the_operation_keeps_s3() -> None:
    """The leg pain began before the operation and has not gone: the operation a year ago dates it."""
    cards = run(discectomy(), radic(days=500), report("mri-c", CONTRAST_MRI, 7, SCAR))
    assert states(cards) == ["S3"]


def test_guard_a_label_dated_only_by_its_record_does_not_make_the_pain_new() -> None:
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=None, recorded=35)
    cards = run(discectomy(), fbss, report("mri-c", CONTRAST_MRI, 7, SCAR))
    assert states(cards) == ["S3"]


def test_without_the_contrast_mri_s1_still_asks_for_it() -> None:
    c = card_of(run(discectomy(), radic(days=35)), "S1")
    assert CONTRAST_MRI in codes_of(c)


def test_a_scar_scan_from_before_the_new_pain_does_not_answer_it() -> None:
    """The contrast MRI showing scar was taken 350 days ago; the new pain began 60 days ago: S1 asks for
    a contrast MRI of this pain."""
    c = card_of(run(discectomy(), radic(days=60), report("mri-c", CONTRAST_MRI, 350, SCAR)), "S1")
    assert CONTRAST_MRI in codes_of(c)
    assert not any(a.startswith("Another MRI") for a in c.avoid)


def test_a_scar_scan_from_before_new_pain_of_seven_months_is_no_ground_for_s3() -> None:
    """New pain for 200 days (begun long after the operation), the only contrast MRI from before it:
    the stimulator pathway waits for a scan of this pain (S1), not the old one (S3)."""
    cards = run(discectomy(), radic(days=200), report("mri-c", CONTRAST_MRI, 350, SCAR))
    assert states(cards) == ["S1"]
    assert CONTRAST_MRI in codes_of(cards[0])
