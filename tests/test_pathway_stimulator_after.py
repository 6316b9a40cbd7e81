"""After a permanent spinal cord stimulator: a stimulator taken out is named and not offered again
(F7), and an implant that never relieved the pain is said so (N3) rather than left silent or called
still helping."""

from __future__ import annotations

from pathway_builders import (
    ago,
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    cond,
    conservative,
    context,
    obs,
    order,
    proc,
    radic,
    report,
    run,
    states,
)

from hooks.pathway.failure import Outcome
from hooks.pathway.rules.esi_outcome import working_stimulator
from hooks.pathway.rules.neuromodulation import losing_effect, stimulator_still_helping

SCS_TRIAL_AND_IMPLANT = {"63650", "63655", "63685"}
PSYCH_EVALUATION = "90791"
NO_ROOT_COMPRESSION = "Mild multilevel degenerative disc disease without nerve root compression."
SUCCESSFUL_TRIAL = {
    "Procedure/esi-1": Outcome.FAILED,
    "Procedure/esi-2": Outcome.FAILED,
    "Procedure/trial": Outcome.SUCCESS,
}


def refractory(days: int = 1100) -> list:
    """Radicular pain for ``days``, conservative care, imaging without root compression, two failed
    transforaminal ESIs and a surgeon's "no surgical target" note: F7 territory."""
    return [
        radic(days),
        *conservative(days - 10),
        report("mri", "72148", days - 60, NO_ROOT_COMPRESSION),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=days - 100, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=days - 180, level="L5-S1"),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=days - 240,
            notes=("Seen by spine surgery: no surgical target.",),
        ),
    ]


def implanted(trial_days: int = 520, implant_days: int = 450) -> list:
    """Pain 8 before a successful stimulator trial, then a permanent system (leads and generator)."""
    return [
        obs("nrs-0", "pain", 8, trial_days + 5),
        proc("trial", "scs_percutaneous_lead", "63650", days=trial_days),
        proc("leads", "scs_percutaneous_lead", "63650", days=implant_days, text="Permanent SCS leads T8-T10"),
        proc("ipg", "scs_permanent_system", "63685", days=implant_days),
    ]


# ---------------------------------------------------------------------------------------------
# F7 after the stimulator was removed
# ---------------------------------------------------------------------------------------------


def explanted(*scores: object) -> list:
    return [
        *refractory(),
        *implanted(),
        *scores,
        proc("explant", "scs_lead_removal", "63661", days=360),
        obs("nrs-now", "pain", 8, 5),
    ]


def test_f7_names_the_removed_stimulator_and_offers_no_new_scs_evaluation() -> None:
    cards = run(*explanted(), outcomes=SUCCESSFUL_TRIAL)
    assert states(cards) == ["F7"]
    c = cards[0]
    first = c.why[0]
    # what was removed and when: the implant and the removal, with their dates
    assert {"Procedure/ipg", "Procedure/explant"} <= set(first.refs)
    assert (
        "removed" in first.brief
        and ago(360).isoformat() in first.brief
        and ago(450).isoformat() in first.brief
    )
    assert "removed" in c.summary
    # no new spinal cord stimulator evaluation or trial: no psychological evaluation before one, no
    # "SCS evaluation" referral, no trial or implant order, and no step that says to start one
    assert not codes_of(c) & (SCS_TRIAL_AND_IMPLANT | {PSYCH_EVALUATION})
    assert not any("stimulation evaluation" in s.label.lower() for s in c.suggestions)
    assert not any("Spinal cord stimulation evaluation" in s for s in c.next_steps)
    # what it offers instead: multidisciplinary care with CBT, a medication review, and further
    # neuromodulation (DRG for focal pain) only through the implanting team
    assert c.next_steps[0].startswith("Multidisciplinary pain management with cognitive behavioural therapy")
    assert any(s.startswith("Medication review") for s in c.next_steps)
    assert any("DRG stimulation for focal" in s and "implanting team" in s for s in c.next_steps)
    assert any(s.is_recommended and "CBT" in s.label for s in c.suggestions)
    assert_house_rules(c)


def test_f7_without_a_stimulator_still_offers_the_scs_evaluation() -> None:
    cards = run(*refractory(), obs("nrs-now", "pain", 8, 5), outcomes=SUCCESSFUL_TRIAL)
    assert states(cards) == ["F7"]
    c = cards[0]
    assert "SCS evaluation" in c.summary
    assert PSYCH_EVALUATION in codes_of(c)
    assert any("spinal cord stimulation evaluation" in s.label.lower() for s in c.suggestions)
    assert any(s.startswith("Spinal cord stimulation evaluation") for s in c.next_steps)
    assert "removed" not in card_words(c)


def test_a_removed_stimulator_that_had_helped_is_not_interrogated() -> None:
    """Pain 8 → 3 with the implant, then the system removed and pain 8 again: there is no device to
    interrogate or reprogram (no N3); the pathway card names the removed stimulator."""
    cards = run(
        *explanted(obs("nrs-1", "pain", 3, 420), obs("nrs-2", "pain", 3, 380)), outcomes=SUCCESSFUL_TRIAL
    )
    assert "N3" not in states(cards)
    assert not any("reprogram" in card_words(c).lower() for c in cards)
    c = card_of(cards, "F7")
    assert "Procedure/explant" in c.why[0].refs


# ---------------------------------------------------------------------------------------------
# N3 for an implant that never relieved the pain
# ---------------------------------------------------------------------------------------------


def never_helped() -> list:
    """Pain 8 before the trial; 8, 8, 8 at every score since the implant (the first 3 months after)."""
    return [
        *refractory(),
        *implanted(),
        obs("nrs-1", "pain", 8, 360),
        obs("nrs-2", "pain", 8, 200),
        obs("nrs-3", "pain", 8, 6),
    ]


def test_n3_when_the_implant_never_relieved_the_pain() -> None:
    cards = run(*never_helped(), outcomes=SUCCESSFUL_TRIAL)
    assert states(cards) == ["N3"]
    c = cards[0]
    assert "not relieving the pain" in c.summary and "interrogate and reprogram" in c.summary
    assert {"Procedure/ipg", "Observation/nrs-0", "Observation/nrs-3"} <= {r for f in c.why for r in f.refs}
    assert c.next_steps[0].startswith("Device interrogation and reprogramming")
    assert any("review the indication" in s for s in c.next_steps)
    assert any(s.is_recommended and "interrogation" in s.label for s in c.suggestions)
    assert not codes_of(c) & {"63661", "63662", "63688"}
    assert_house_rules(c)


def test_an_implant_that_never_helped_is_not_called_working() -> None:
    ctx = context(*never_helped(), outcomes=SUCCESSFUL_TRIAL)
    effect = losing_effect(ctx, current_only=False)
    assert effect is not None and effect.never_helped
    assert stimulator_still_helping(ctx, None) == ()
    assert working_stimulator(ctx) is None


def test_no_n3_when_the_implant_helped() -> None:
    """Pain 8 before the trial, 3 and 3 since the implant: the stimulator works, no card about it."""
    facts = [*refractory(), *implanted(), obs("nrs-1", "pain", 3, 360), obs("nrs-2", "pain", 3, 6)]
    cards = run(*facts, outcomes=SUCCESSFUL_TRIAL)
    assert "N3" not in states(cards)
    ctx = context(*facts, outcomes=SUCCESSFUL_TRIAL)
    assert losing_effect(ctx) is None
    assert stimulator_still_helping(ctx, None)
    assert working_stimulator(ctx) is not None


def test_no_never_helped_card_without_enough_scores_after_the_implant() -> None:
    """Conservative: one score since the implant, or two but one within its first weeks, or no
    baseline before stimulation, says nothing yet."""
    base = [*refractory(), *implanted()]
    one = run(*base, obs("nrs-1", "pain", 8, 6), outcomes=SUCCESSFUL_TRIAL)
    assert "N3" not in states(one)
    early = run(*base, obs("nrs-1", "pain", 8, 440), obs("nrs-2", "pain", 8, 6), outcomes=SUCCESSFUL_TRIAL)
    assert "N3" not in states(early)
    no_baseline = [f for f in never_helped() if getattr(f, "ref", "") != "Observation/nrs-0"]
    assert "N3" not in states(run(*no_baseline, outcomes=SUCCESSFUL_TRIAL))


def test_no_never_helped_card_after_a_generator_revision_or_removal() -> None:
    """A generator "revision or removal" (63688) coded after the implant: the scores since may not be
    the implanted system's (it may be out), so the stimulator is not told to be reprogrammed."""
    cards = run(
        *never_helped(),
        proc("ipg-out", "scs_revision_removal", "63688", days=300),
        outcomes=SUCCESSFUL_TRIAL,
    )
    assert "N3" not in states(cards)
    assert not any("reprogram" in card_words(c).lower() for c in cards)


# ---------------------------------------------------------------------------------------------
# S3 after the stimulator was removed
# ---------------------------------------------------------------------------------------------


def fibrosis(*extra: object) -> list:
    """Post-laminectomy syndrome, a contrast MRI showing scar and no recurrence, 20 months of leg pain:
    S3 offers the stimulator pathway."""
    return [
        proc("lam", "lumbar_decompression_discectomy", "63047", days=800),
        cond("fbss", "postlaminectomy_syndrome_fbss", onset=600),
        radic(days=600),
        report(
            "mri",
            "72158",
            60,
            "Enhancing epidural fibrosis encasing the left S1 root. No recurrent disc "
            "herniation. No instability.",
        ),
        obs("nrs", "pain", 7, 10),
        *extra,
    ]


def test_s3_after_a_removed_stimulator_names_it_and_offers_no_new_scs_trial() -> None:
    cards = run(*fibrosis(*implanted(), proc("explant", "scs_lead_removal", "63661", days=360)))
    assert states(cards) == ["S3"]
    c = cards[0]
    assert {"Procedure/ipg", "Procedure/explant"} <= set(c.why[0].refs)
    assert "removed" in c.summary and "not a new SCS trial" in c.summary
    assert not codes_of(c) & (SCS_TRIAL_AND_IMPLANT | {PSYCH_EVALUATION})
    assert any("DRG stimulation for focal" in s and "implanting team" in s for s in c.next_steps)
    assert_house_rules(c)


def test_guard_s3_without_a_stimulator_still_offers_the_trial_pathway() -> None:
    c = card_of(run(*fibrosis()), "S3")
    assert PSYCH_EVALUATION in codes_of(c) and "removed" not in card_words(c)
