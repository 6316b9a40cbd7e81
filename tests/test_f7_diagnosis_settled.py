"""F7 (multidisciplinary care and spinal cord stimulation evaluation) only once the radicular
diagnosis is settled: a surgeon's "no surgical target" note, EMG/nerve conduction studies or a
diagnostic selective nerve root block of this episode. Failed injections with imaging that shows no
root compression, and nothing else, are a diagnosis still in doubt: F4's re-evaluation (EMG/NCS, a
diagnostic root block; no stimulation before the diagnosis is clear) comes first, or F8 when the
injections failed at one level."""

from __future__ import annotations

from typing import Any

from pathway_builders import (
    ago,
    assert_house_rules,
    card_of,
    code,
    codes_of,
    conservative,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import render_detail, render_full
from hooks.facts import ReportFact
from hooks.pathway.failure import Outcome
from hooks.terminology import Coding

DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."
FAILED = {"Procedure/e1": Outcome.FAILED, "Procedure/e2": Outcome.FAILED}


def tfesi(ref: str, days: int, level: str = "L5-S1", **kw: Any) -> Any:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def codes(value_set: str) -> set[str]:
    c: Coding = code(value_set)
    return {c.code}


PSYCH_EVAL = "90791"  # the psychological evaluation F7 pre-selects before neuromodulation
EMG = codes("order_emg_ncs")
SNRB = codes("order_diagnostic_snrb")


def reproduction(*extra: Any, same_level: bool = False) -> list[Any]:
    """The reviewer's case: 9 months of radicular pain, conservative care, an MRI without root
    compression, two failed TFESIs (at two levels), pain 7/10 now."""
    return [
        radic(270),
        *conservative(260),
        report("mri", "72148", 240, DISCORDANT),
        tfesi("e1", 200, level="L5-S1" if same_level else "L4-L5"),
        tfesi("e2", 120, level="L5-S1"),
        obs("p", "pain", 7, 10),
        *extra,
    ]


def scored(*extra: Any) -> list[Any]:
    """The same case with the injections judged from pain scores (7 → 7 at 3 weeks), as a real record
    is: each failure then has its short form on the card."""
    return [
        radic(270),
        *conservative(260),
        report("mri", "72148", 240, DISCORDANT),
        obs("b1", "pain", 7, 202),
        tfesi("e1", 200, level="L4-L5"),
        obs("f1", "pain", 7, 179),
        obs("b2", "pain", 7, 122),
        tfesi("e2", 120, level="L5-S1"),
        obs("f2", "pain", 7, 99),
        obs("p", "pain", 7, 10),
        *extra,
    ]


def emg_proc(days: int = 150, notes: tuple[str, ...] = ()) -> Any:
    return proc("emg", "electrodiagnostic_emg_ncs", days=days, notes=notes)


def emg_report(conclusion: str, days: int = 150) -> ReportFact:
    c = code("electrodiagnostic_emg_ncs", "95910")
    return ReportFact(
        ref="DiagnosticReport/emg",
        codings=(c,),
        text=c.display or c.code,
        status="final",
        effective=ago(days),
        conclusion=conclusion,
    )


def snrb(days: int = 150) -> Any:
    return tfesi("snrb", days, notes=("Diagnostic selective nerve root block, lidocaine only, no steroid.",))


def surgeon_no_target(days: int = 100) -> Any:
    return order(
        "ref",
        "referral_spine_surgery",
        status="completed",
        authored=days,
        notes=("Seen by spine surgery: no surgical target.",),
    )


# ---------------------------------------------------------------------------------------------
# the reproduction: discordant imaging alone does not settle the diagnosis
# ---------------------------------------------------------------------------------------------


def test_discordant_imaging_without_confirmation_is_re_evaluation_not_scs() -> None:
    cards = run(*reproduction(), outcomes=FAILED)
    assert states(cards) == ["F4"]
    c = card_of(cards, "F4")
    assert PSYCH_EVAL not in codes_of(c), "no psychological evaluation before neuromodulation"
    assert codes_of(c) >= (EMG | SNRB), "EMG/NCS and a diagnostic root block offered"
    assert "Spinal cord stimulation before the diagnosis is clear." in c.avoid
    assert "DiagnosticReport/mri" in refs_of(c)
    assert "SCS" not in c.summary and "stimulat" not in c.summary.lower()
    assert_house_rules(c)


def test_the_same_case_judged_from_scores_names_the_mri_on_the_re_evaluation_card() -> None:
    cards = run(*scored())
    assert states(cards) == ["F4"]
    assert "DiagnosticReport/mri" in render_detail(cards[0])


def test_two_failures_at_one_level_without_confirmation_warn_f8_not_f7() -> None:
    """Two failed injections at one level: F8 (stop; diagnostic re-evaluation), which the tree reads
    before F4, never F7's stimulation evaluation."""
    cards = run(*reproduction(same_level=True), outcomes=FAILED)
    assert states(cards) == ["F8"]
    c = cards[0]
    assert PSYCH_EVAL not in codes_of(c)
    assert codes_of(c) >= EMG
    assert_house_rules(c)


def test_an_emg_report_that_found_no_radiculopathy_settles_nothing() -> None:
    cards = run(
        *reproduction(
            emg_report("Normal study. No electrodiagnostic evidence of lumbosacral radiculopathy.")
        ),
        outcomes=FAILED,
    )
    assert states(cards) == ["F4"]


def test_a_negative_root_block_settles_nothing() -> None:
    cards = run(*reproduction(snrb()), outcomes={**FAILED, "Procedure/snrb": Outcome.FAILED})
    assert states(cards) == ["F4"]


def test_an_emg_of_an_earlier_episode_settles_nothing() -> None:
    """An EMG two years before this episode's pain began judged another episode."""
    cards = run(*reproduction(emg_proc(days=1000)), outcomes=FAILED)
    assert states(cards) == ["F4"]


# ---------------------------------------------------------------------------------------------
# F7 still fires once the diagnosis is settled
# ---------------------------------------------------------------------------------------------


def test_guard_a_surgeons_no_target_note_still_gives_f7() -> None:
    cards = run(*reproduction(surgeon_no_target()), outcomes=FAILED)
    assert states(cards) == ["F7"]
    c = cards[0]
    assert PSYCH_EVAL in codes_of(c)
    assert "ServiceRequest/ref" in refs_of(c)
    assert_house_rules(c)


def test_an_emg_procedure_settles_it_and_f7_names_it() -> None:
    cards = run(*reproduction(emg_proc()), outcomes=FAILED)
    assert states(cards) == ["F7"]
    c = cards[0]
    assert PSYCH_EVAL in codes_of(c)
    assert "Procedure/emg" in refs_of(c)
    assert any(f.ref == "Procedure/emg" for f in c.basis), "the basis says what settled the diagnosis"
    assert_house_rules(c)


def test_an_emg_report_of_a_radiculopathy_settles_it() -> None:
    cards = run(*reproduction(emg_report("Chronic right S1 radiculopathy.")), outcomes=FAILED)
    assert states(cards) == ["F7"]
    assert "DiagnosticReport/emg" in refs_of(cards[0])
    assert "Chronic right S1 radiculopathy" in render_full(cards[0])


def test_a_diagnostic_root_block_settles_it() -> None:
    cards = run(*reproduction(snrb()), outcomes=FAILED)
    assert states(cards) == ["F7"]
    assert "Procedure/snrb" in refs_of(cards[0])
    assert_house_rules(cards[0])


# ---------------------------------------------------------------------------------------------
# the F7 card names the imaging that shows no root compression
# ---------------------------------------------------------------------------------------------


def test_f7_on_imaging_without_root_compression_names_the_mri_among_its_facts() -> None:
    cards = run(*scored(emg_proc()))
    assert states(cards) == ["F7"]
    c = cards[0]
    detail = render_detail(c)
    for ref in ("Procedure/e1", "Procedure/e2", "DiagnosticReport/mri"):
        assert ref in detail, ref
    assert [f.ref for f in c.why[:4]] == [
        "Procedure/e1",
        "Procedure/e2",
        "DiagnosticReport/mri",
        "Procedure/emg",
    ]
    assert "without root compression" in detail
    assert_house_rules(c)
