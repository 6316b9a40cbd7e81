"""A nerve mimic beside EMG/nerve conduction studies this episode already has: the study is named
with its result and the step is to review it against the mimic, not to order another.

Peripheral, peroneal and sciatic neuropathy are told from a root lesion by EMG/NCS (ACR 2021; NASS
2014). A diabetic with polyneuropathy whose EMG of two months ago reads "chronic left L5
radiculopathy, no evidence of peripheral polyneuropathy", or "normal study", has had that test: a
card asking to exclude the neuropathy "with EMG/nerve conduction studies" and offering a new one
contradicts the chart. A study ordered and not yet done is awaited the same way. A hip or arterial
mimic is not excluded by a nerve study, and a study of an earlier episode judged that episode: those
cases keep their own test.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import assert_house_rules, card_of, codes_of, cond, order, refs_of, run, states
from test_f7_diagnosis_settled import EMG, emg_proc, emg_report, scored

from hooks.suggestions import ordered_codes

POSITIVE = "Chronic left L5 radiculopathy. No evidence of peripheral polyneuropathy."
NORMAL = "Normal study. No electrodiagnostic evidence of lumbosacral radiculopathy."
REVIEW = "a review of the EMG/NCS of 2026-09-03"
NEUROPATHY = cond("dpn", "mimic_peripheral_neuropathy", onset=400)


def only(*extra: object, state: str):  # type: ignore[no-untyped-def]
    cards = run(*scored(NEUROPATHY, *extra))
    assert states(cards) == [state]
    c = card_of(cards, state)
    assert_house_rules(c)
    return c


def test_f4_names_a_normal_emg_beside_the_neuropathy_and_asks_to_review_it() -> None:
    c = only(emg_report(NORMAL, days=60), state="F4")
    assert "DiagnosticReport/emg" in refs_of(c)
    assert not codes_of(c) & EMG
    assert c.next_steps[0] == (
        f"Before the next spine procedure, exclude peripheral neuropathy with {REVIEW} (ACR 2021; NASS 2014)."
    )


def test_f7_with_an_emg_that_found_the_radiculopathy_offers_no_second_study() -> None:
    c = only(emg_report(POSITIVE, days=60), state="F7")
    assert "DiagnosticReport/emg" in refs_of(c)
    assert not codes_of(c) & EMG
    assert c.next_steps[0] == f"First exclude peripheral neuropathy with {REVIEW} (ACR 2021; NASS 2014)."
    assert not any(s.startswith("EMG/nerve conduction studies") for s in c.next_steps)


def test_an_emg_procedure_is_reviewed_too() -> None:
    c = only(emg_proc(days=60, notes=("Normal study.",)), state="F4")
    assert "Procedure/emg" in refs_of(c)
    assert not codes_of(c) & EMG
    assert "with a review of the EMG/NCS of" in c.next_steps[0]


def test_guard_the_neuropathy_without_a_study_offers_emg_recommended() -> None:
    c = only(state="F4")
    emg = [s for s in c.suggestions if {code for _, code in ordered_codes(s)} & EMG]
    assert len(emg) == 1 and emg[0].is_recommended
    assert "exclude peripheral neuropathy with EMG/nerve conduction studies" in c.next_steps[0]


def test_guard_an_emg_of_an_earlier_episode_is_ordered_again() -> None:
    c = only(emg_proc(days=1000), state="F4")
    assert codes_of(c) >= EMG
    assert "with EMG/nerve conduction studies" in c.next_steps[0]


def test_guard_a_hip_mimic_keeps_its_own_examination_beside_an_emg() -> None:
    cards = run(*scored(cond("hip", "mimic_hip_osteoarthritis", onset=400), emg_report(NORMAL, days=60)))
    c = card_of(cards, "F4")
    assert "hip examination and a hip radiograph" in c.next_steps[0]
    assert "review of the EMG/NCS" not in " ".join(c.next_steps)


# an EMG/NCS ordered and not yet done: named, awaited, not offered again


def test_a_study_already_ordered_beside_the_neuropathy_is_awaited_not_ordered_again() -> None:
    c = only(order("emgo", "order_emg_ncs", authored=8), state="F4")
    assert "ServiceRequest/emgo" in refs_of(c)
    assert not codes_of(c) & EMG
    # too long for the card's "Next:" line whole, the step opens with "First exclude"
    assert c.next_steps[0] == (
        "First exclude peripheral neuropathy with the EMG/NCS already ordered (2026-10-25) (ACR 2021; "
        "NASS 2014)."
    )


def test_f4_without_a_mimic_names_the_study_ordered() -> None:
    cards = run(*scored(order("emgo", "order_emg_ncs", authored=8)))
    c = card_of(cards, "F4")
    assert not codes_of(c) & EMG
    assert c.summary == (
        "Failed ESI with uncertain diagnosis: re-evaluate with imaging review, the EMG/NCS ordered and a "
        "diagnostic SNRB"
    )
    assert "Review the EMG/NCS already ordered (2026-10-25) when it is reported." in c.next_steps



def test_an_arm_nerve_study_does_not_answer_a_leg_neuropathy() -> None:
    arm = replace(
        emg_report("Right median neuropathy at the wrist (carpal tunnel). No cervical radiculopathy."),
        text="Nerve conduction study, right median and ulnar nerves",
    )
    c = only(arm, state="F4")
    assert codes_of(c) >= EMG
    assert "exclude peripheral neuropathy with EMG/nerve conduction studies" in c.next_steps[0]


def test_an_order_on_hold_is_not_awaited() -> None:
    c = only(order("emgo", "order_emg_ncs", authored=8, status="on-hold"), state="F4")
    assert codes_of(c) >= EMG
