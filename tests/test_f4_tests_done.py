"""F4 (failed ESI, diagnosis uncertain) names the EMG/nerve conduction studies and the diagnostic
root block this episode already has, with their results, and does not offer them again: a normal
EMG/NCS or a block that did not relieve the pain is re-evaluation done, not a test to repeat. The
summary lists only the tests still to do; with both done it turns to the imaging and other pain
generators. An EMG of an earlier episode judged that episode, and is offered again.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import assert_house_rules, card_of, codes_of, refs_of, run, states
from test_f7_diagnosis_settled import EMG, SNRB, emg_proc, emg_report, scored, snrb

from hooks.pathway.failure import Outcome

NORMAL = "Normal study. No electrodiagnostic evidence of lumbosacral radiculopathy."
BLOCK_FAILED = {"Procedure/snrb": Outcome.FAILED}


def f4(*extra: object, outcomes: dict[str, Outcome] | None = None):  # type: ignore[no-untyped-def]
    cards = run(*scored(*extra), outcomes=outcomes)
    assert states(cards) == ["F4"]
    c = card_of(cards, "F4")
    assert_house_rules(c)
    return c


def test_a_normal_emg_is_named_and_not_offered_again() -> None:
    c = f4(emg_report(NORMAL))
    assert not codes_of(c) & EMG and codes_of(c) >= SNRB
    assert (
        c.summary
        == "Failed ESI with uncertain diagnosis: re-evaluate with imaging review and a diagnostic SNRB"
    )
    assert "DiagnosticReport/emg" in refs_of(c)
    assert "EMG/nerve conduction studies to tell radiculopathy" not in " ".join(c.next_steps)


def test_an_emg_procedure_with_no_radiculopathy_found_says_so() -> None:
    c = f4(emg_proc(notes=("Normal study.",)))
    fact = next(f for f in c.why if f.ref == "Procedure/emg")
    assert fact.text.endswith(": no radiculopathy found")
    assert not codes_of(c) & EMG


def test_a_block_that_did_not_relieve_the_pain_is_named_and_not_offered_again() -> None:
    c = f4(snrb(), outcomes=BLOCK_FAILED)
    assert not codes_of(c) & SNRB and codes_of(c) >= EMG
    assert c.summary == "Failed ESI with uncertain diagnosis: re-evaluate with imaging review and EMG/NCS"
    fact = next(f for f in c.why if f.ref == "Procedure/snrb")
    assert fact.text == "diagnostic selective nerve root block L5-S1 on 2026-06-05: did not relieve the pain"
    assert not any("selective nerve root block to confirm" in s for s in c.next_steps)


def test_with_both_done_the_card_turns_to_the_imaging_and_other_pain_generators() -> None:
    c = f4(emg_report(NORMAL), snrb(), outcomes=BLOCK_FAILED)
    assert not codes_of(c) & (EMG | SNRB)
    assert c.summary == (
        "Failed ESI with uncertain diagnosis after EMG/NCS and a root block: review the imaging, look for "
        "other pain generators"
    )
    assert {"DiagnosticReport/emg", "Procedure/snrb"} <= refs_of(c)
    assert c.next_steps[-1].startswith("Look for other pain generators")
    assert "Spinal cord stimulation before the diagnosis is clear." in c.avoid


def test_guard_an_emg_of_an_earlier_episode_is_offered_again() -> None:
    c = f4(emg_proc(days=1000))
    assert codes_of(c) >= EMG | SNRB
    assert c.summary == (
        "Failed ESI with uncertain diagnosis: re-evaluate with imaging review, EMG/NCS and a diagnostic SNRB"
    )


def test_guard_with_neither_done_both_are_offered() -> None:
    c = f4()
    assert codes_of(c) >= EMG | SNRB
