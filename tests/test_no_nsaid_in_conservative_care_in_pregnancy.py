"""In pregnancy from 20 weeks (or with the weeks unknown) the conservative-care step of the
early-MRI and early-ESI cards no longer says "NSAIDs" beside the pregnancy step that says to avoid them
(FDA 2020); it says no NSAID in pregnancy, as the heart-failure rewrite says "no NSAID". Before 20
weeks, and without a pregnancy, the step is unchanged. The patient-view cards read the same words
(``acute.nsaid_caution``): E1 no longer offers "NSAID if not contraindicated" under the pregnancy step
that says to avoid NSAIDs, nor P1 "NSAID/analgesic"."""

from __future__ import annotations

from typing import Any

import pytest

from hooks.cards import CardDraft
from tests.orders_builders import RADICULOPATHY, cond, proc, sr
from tests.test_orders_checks import one, run

RAD = cond("rad", RADICULOPATHY, 10, "Radiculopathy, lumbar region")  # onset 10 days ago
MRI = sr("mri", "72148", "MRI lumbar spine without contrast")
ESI = sr("t", "64483", "TFESI L5-S1")
MRI_DONE = proc("m0", "72148", 5, "MRI lumbar spine without contrast")
CASES = [("order.mri-early", MRI, ()), ("order.esi-too-early", ESI, (MRI_DONE,))]


def pregnant(weeks: int | None) -> Any:
    """A pregnancy recorded today: weeks of gestation (Z3A.<weeks>), or supervision with no weeks."""
    if weeks is None:
        return cond("preg", "Z34.00", 0, "Encounter for supervision of normal first pregnancy")
    return cond("preg", f"Z3A.{weeks:02d}", 0, f"{weeks} weeks gestation of pregnancy")


def care_step(card: CardDraft) -> str:
    return next(s for s in card.next_steps if "onservative care" in s)


@pytest.mark.parametrize(("rule", "order", "extra"), CASES, ids=["mri-early", "esi-too-early"])
@pytest.mark.parametrize("weeks", [28, None], ids=["28-weeks", "weeks-unknown"])
def test_conservative_care_names_no_nsaid_from_20_weeks(
    rule: str, order: dict[str, Any], extra: tuple[Any, ...], weeks: int | None
) -> None:
    c = one(run("order-sign", [order], RAD, pregnant(weeks), *extra), rule)
    step = care_step(c)
    assert "NSAIDs," not in step and "(NSAIDs" not in step and ": NSAIDs" not in step
    assert "no NSAID in pregnancy per FDA 2020" in step
    # the pregnancy step still says to avoid NSAIDs, before the step it qualifies
    avoid = next(i for i, s in enumerate(c.next_steps) if s.startswith("Avoid NSAIDs in pregnancy"))
    assert avoid < c.next_steps.index(step)


@pytest.mark.parametrize(("rule", "order", "extra"), CASES, ids=["mri-early", "esi-too-early"])
def test_with_heart_failure_in_pregnancy_both_are_said(
    rule: str, order: dict[str, Any], extra: tuple[Any, ...]
) -> None:
    hf = cond("hf", "I50.22", 400, "Heart failure")
    step = care_step(one(run("order-sign", [order], RAD, hf, pregnant(28), *extra), rule))
    assert "no NSAID with heart failure" in step and "nor in pregnancy per FDA 2020" in step


@pytest.mark.parametrize(("rule", "order", "extra"), CASES, ids=["mri-early", "esi-too-early"])
@pytest.mark.parametrize("weeks", [12, "none"], ids=["12-weeks", "not-pregnant"])
def test_control_before_20_weeks_or_not_pregnant_the_step_is_unchanged(
    rule: str, order: dict[str, Any], extra: tuple[Any, ...], weeks: int | str
) -> None:
    facts = () if weeks == "none" else (pregnant(int(weeks)),)
    step = care_step(one(run("order-sign", [order], RAD, *facts, *extra), rule))
    assert "NSAIDs, stay active" in step and "paracetamol" not in step


@pytest.mark.parametrize("weeks", [24, None], ids=["25-weeks", "weeks-unknown"])
def test_patient_view_conservative_care_names_no_nsaid_from_20_weeks(weeks: int | None) -> None:
    from pathway_builders import card_of, conservative, radic
    from pathway_builders import cond as pathway_cond
    from pathway_builders import run as run_pathway
    from test_pregnancy import pregnancy

    unknown = pathway_cond("preg", "pregnancy_current", onset=20)
    found = pregnancy(weeks=weeks, recorded=7) if weeks else unknown
    e1 = card_of(run_pathway(radic(days=20), *conservative(60)[:1], found), "E1")
    care = next(s for s in e1.next_steps if s.startswith("Conservative care ("))
    assert care.startswith("Conservative care (no NSAID in pregnancy per FDA 2020; stay active")
    assert e1.next_steps[0].startswith("Avoid NSAIDs in pregnancy")
    p1 = card_of(run_pathway(radic(days=70), *conservative(60)[:1], found), "P1")
    assert any("an analgesic other than an NSAID" in s for s in p1.next_steps)
    assert not any("NSAID/analgesic" in s for s in p1.next_steps)
    # before 20 weeks the step offers an NSAID, the caution after it
    early = card_of(run_pathway(radic(days=20), *conservative(60)[:1], pregnancy(weeks=12, recorded=7)), "E1")
    assert any(s.startswith("Conservative care (NSAID if not contraindicated") for s in early.next_steps)
