"""Pregnancy: read from the record, and said on every card that offers what it changes.

A current pregnancy (a pregnancy Condition in force, or a "pregnant" status Observation, within
``pregnancy_max_days`` and not followed by a delivery or other end of the pregnancy) changes the
advice: elective fluoroscopic or CT-guided procedures wait until after delivery (ACOG 2017),
gadolinium is given only when essential (ACOG 2017), NSAIDs are avoided from 20 weeks (FDA 2020).
The patient-view cards say so (``hooks.pathway.pregnancy.mark_pregnancy``) and the order checks judge
the draft orders (``hooks.orders.checks.pregnancy``). A false card is the worst defect: every way a
pregnancy record is not current is tested as well.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from conftest import ROOT, load_protocol, snooze_feedback
from flask.testing import FlaskClient
from orders_builders import history as order_history
from orders_builders import inp as order_input
from orders_builders import mr, sr
from pathway_builders import (
    TERM,
    ago,
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    cond,
    conservative,
    context,
    med,
    next_line,
    obs,
    proc,
    radic,
    report,
    run,
    states,
)

from cds_service.relevance import is_relevant
from hooks.cards import CardDraft, render_detail
from hooks.facts import ConditionFact, ObservationFact
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from hooks.thresholds import Thresholds

# Read from the value sets when a test runs (this module must import, and its tests fail one by one,
# on code that has no pregnancy value sets).
ICD = TERM.first("lumbar_radiculopathy_conditions").system  # ICD-10-CM, as the value sets spell it
WEEKS = "Z3A"  # the weeks-of-gestation category (tests/test_pregnancy checks the value set holds it)


def members(value_set: str) -> set[str]:
    return {m.code for m in TERM[value_set].members}


def offers(card: CardDraft, s: Any, value_set: str) -> bool:
    """The suggestion ``s`` of ``card`` orders a member of ``value_set``."""
    return bool(codes_of(replace(card, suggestions=(s,))) & members(value_set))


FLUORO = "fluoroscopic_or_ct_spine_procedures"
CONTRAST = "mri_lumbar_with_contrast"


def steps() -> Any:
    """The pregnancy steps the cards say (hooks.pathway.pregnancy)."""
    from hooks.pathway import pregnancy as module

    return module


MRI_TEXT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def icd(code: str, display: str) -> Coding:
    return Coding(ICD, code, display)


def pregnancy(
    ref: str = "preg-1",
    *,
    weeks: int | None = None,
    recorded: int = 30,
    onset: int | None = None,
    **kw: Any,
) -> ConditionFact:
    """A pregnancy Condition recorded ``recorded`` days ago: weeks of gestation (``weeks``, the
    category's two-digit code) or, without weeks, supervision of a normal pregnancy."""
    # built on any Condition, its code replaced (the parameters below are made at import)
    c = cond(ref, "lumbar_radiculopathy_conditions", onset=onset, recorded=recorded, **kw)
    if weeks is None:
        coding = icd("Z34.00", "Encounter for supervision of normal first pregnancy, unspecified trimester")
    else:
        coding = icd(f"{WEEKS}.{weeks:02d}", f"{weeks} weeks gestation of pregnancy")
    return replace(c, codings=(coding,), text=coding.display or coding.code)


def delivery(ref: str = "delivery-1", days: int = 10) -> ConditionFact:
    c = cond(ref, "lumbar_radiculopathy_conditions", onset=days)
    return replace(c, codings=(icd("Z37.0", "Single live birth"),), text="Single live birth")


def status(ref: str, value_set: str, days: int) -> ObservationFact:
    """A pregnancy status Observation whose value is the first member of ``value_set``."""
    value = TERM.first(value_set).coding()
    return ObservationFact(
        ref=f"Observation/{ref}", codings=(TERM.first("pregnancy_status_observations").coding(),),
        text="Pregnancy status", kind="pregnancy_status", effective=ago(days), effective_text=None,
        value=None, value_text=value.display, status="final", value_codings=(value,),
    )  # fmt: skip


def found(*facts: Any) -> Any:
    return context(*facts).pregnancy


# ---------------------------------------------------------------------------------------------
# 1. detection


def test_a_supervision_of_pregnancy_recorded_a_month_ago_is_a_current_pregnancy() -> None:
    p = found(radic(), pregnancy(recorded=30))
    assert p is not None
    assert p.weeks == "weeks unknown"
    fact = p.fact()
    assert fact.ref == "Condition/preg-1"
    assert fact.short == f"pregnant, weeks unknown (recorded {ago(30).isoformat()})"


@pytest.mark.parametrize(
    "record",
    [
        pregnancy(abatement=5),  # abated: the pregnancy is over
        pregnancy(status="resolved"),
        pregnancy(status="inactive"),
        pregnancy(verification="refuted"),
        pregnancy(verification="entered-in-error"),
        pregnancy(recorded=301),  # older than pregnancy_max_days
        pregnancy(onset=320, recorded=20),  # began more than 300 days ago, whenever it was written down
        pregnancy(recorded=-3),  # dated in the future
    ],
    ids=["abated", "resolved", "inactive", "refuted", "entered-in-error", "older-than-300-days",
         "onset-older-than-300-days", "future-dated"],
)  # fmt: skip
def test_a_pregnancy_record_that_is_not_current_is_not_a_pregnancy(record: ConditionFact) -> None:
    assert found(radic(), record) is None


def test_an_undated_pregnancy_condition_is_not_read() -> None:
    assert found(radic(), replace(pregnancy(), onset=None, recorded=None)) is None


def test_the_window_is_the_threshold_in_force() -> None:
    assert found(radic(), pregnancy(recorded=300)) is not None
    inp = context(radic(), pregnancy(recorded=250)).inp
    from hooks.pathway.context import PathwayContext

    short = PathwayContext(replace(inp, thresholds=Thresholds(pregnancy_max_days=200)))
    assert short.pregnancy is None


def test_a_delivery_after_the_pregnancy_ends_it_and_one_before_it_does_not() -> None:
    assert found(radic(), pregnancy(weeks=30, recorded=60), delivery(days=10)) is None
    assert found(radic(), pregnancy(weeks=30, recorded=60), delivery(days=60)) is None  # the same day
    # a delivery two years ago is an earlier pregnancy
    assert found(radic(), pregnancy(weeks=10, recorded=20), delivery(days=700)) is not None


def test_a_resolved_delivery_record_still_ends_the_pregnancy() -> None:
    ended = replace(delivery(days=10), clinical_status="resolved")
    assert found(radic(), pregnancy(recorded=100), ended) is None


def test_a_caesarean_procedure_after_the_pregnancy_ends_it() -> None:
    caesarean = TERM["pregnancy_ended"].member("11466000").coding()
    section = replace(proc("cs-1", "pregnancy_ended", "11466000", days=15), codings=(caesarean,))
    assert found(radic(), pregnancy(recorded=200), section) is None


def test_an_abated_pregnancy_ends_the_records_of_it_left_active() -> None:
    """A problem-list pregnancy abated 10 days ago; its weeks-of-gestation entry left active."""
    old = pregnancy("preg-old", abatement=10, recorded=250)
    weeks = pregnancy("weeks-1", weeks=33, recorded=60)
    assert found(radic(), old, weeks) is None


@pytest.mark.parametrize(
    ("weeks", "recorded", "said", "then"),
    [(20, 0, "20 weeks", None), (20, 10, "21 weeks", "20 weeks"), (24, 30, "28 weeks", "24 weeks"),
     (8, 6, "8 weeks", None), (1, 0, "under 8 weeks", None), (1, 10, "under 10 weeks", "under 8 weeks"),
     (42, 0, "42 weeks", None), (49, 0, "at least 43 weeks", None)],
)  # fmt: skip
def test_the_weeks_of_gestation_are_read_and_advanced_to_today(
    weeks: int, recorded: int, said: str, then: str | None
) -> None:
    """Weeks advanced to today are said as today's, beside what the record said on its date."""
    p = found(radic(), pregnancy(weeks=weeks, recorded=recorded))
    assert p is not None and p.weeks == said
    when = ago(recorded).isoformat()
    expected = (
        f"pregnant, {said} (recorded {when})"
        if then is None
        else f"pregnant, {said} today ({then} on {when})"
    )
    assert p.fact().short == expected


def test_weeks_not_specified_say_weeks_unknown() -> None:
    p = found(radic(), pregnancy(weeks=0, recorded=5))
    assert p is not None and p.weeks == "weeks unknown"


def test_the_latest_weeks_of_gestation_decide() -> None:
    p = found(radic(), pregnancy("early", weeks=10, recorded=100), pregnancy("late", weeks=22, recorded=10))
    assert p is not None and p.weeks == "23 weeks" and p.fact().ref == "Condition/late"


def test_a_gestation_that_would_be_past_44_weeks_dates_a_pregnancy_that_has_ended() -> None:
    """38 weeks recorded 60 days ago would be 46 weeks today: the baby has been born."""
    assert found(radic(), pregnancy(weeks=38, recorded=60)) is None
    # a pregnancy recorded after that one ended is a new one, its weeks not known
    newer = found(radic(), pregnancy("old", weeks=38, recorded=60), pregnancy("new", recorded=5))
    assert newer is not None and newer.weeks == "weeks unknown" and newer.fact().ref == "Condition/new"


@pytest.mark.parametrize(
    ("code", "days"),
    [("Z3A.20", (140, 146)), ("Z3A.01", (0, 55)), ("Z3A.49", (301, None)), ("Z3A.00", None),
     ("Z3A.1", (70, 139)), ("Z3A.4", (280, None)), ("Z3A.0", None), ("Z3A", None)],
)  # fmt: skip
def test_what_each_weeks_of_gestation_code_says(code: str, days: Any) -> None:
    assert TERM.first("pregnancy_gestational_weeks").code == WEEKS
    assert steps().gestation_days(code) == days


def test_a_pregnant_status_observation_is_a_pregnancy_and_a_later_not_pregnant_ends_it() -> None:
    pregnant = status("status-1", "pregnancy_status_pregnant", 40)
    p = found(radic(), pregnant)
    assert p is not None and p.fact().ref == "Observation/status-1"
    assert found(radic(), pregnant, status("status-2", "pregnancy_status_not_pregnant", 5)) is None
    # "not pregnant" before a new pregnancy record does not end it
    assert found(radic(), status("status-0", "pregnancy_status_not_pregnant", 90), pregnant) is not None
    # and a not-pregnant status ends a pregnancy Condition recorded before it
    assert (
        found(radic(), pregnancy(recorded=60), status("status-2", "pregnancy_status_not_pregnant", 5)) is None
    )


def test_a_pregnancy_status_older_than_the_window_is_history() -> None:
    assert found(radic(), status("status-1", "pregnancy_status_pregnant", 301)) is None


# ---------------------------------------------------------------------------------------------
# 2. patient-view


def p1_with_concordant_mri(*extra: Any) -> list[CardDraft]:
    return run(radic(days=70), *conservative(60), report("mri", "72148", 10, MRI_TEXT), *extra)


def test_p1_with_a_concordant_mri_in_pregnancy_offers_the_esi_unselected_and_says_defer() -> None:
    control = card_of(p1_with_concordant_mri(), "P1")
    esi = next(s for s in control.suggestions if offers(control, s, FLUORO))
    assert esi.is_recommended  # the non-pregnant patient's card pre-selects the TFESI
    card = card_of(p1_with_concordant_mri(pregnancy(weeks=24, recorded=30)), "P1")
    for s in card.suggestions:
        if offers(card, s, FLUORO):
            assert not s.is_recommended
            notes = [n["text"] for a in s.actions for n in (a.resource or {}).get("note", [])]
            assert any("Patient is pregnant" in n for n in notes)
    assert not any(s.is_recommended for s in card.suggestions)
    assert card.why[1].ref == "Condition/preg-1" and card.why[1].short.startswith("pregnant, 28 weeks")
    assert card.next_steps[0] == steps().DEFER_STEP
    detail = render_detail(card)
    assert "`Condition/preg-1` pregnant, 28 weeks" in detail
    assert next_line(card) == (
        "**Next:** Defer elective fluoroscopic or CT-guided procedures until after delivery."
    )
    assert card.summary.endswith("(pregnant: after delivery)")
    assert "ACOG 2017" in {g.label for g in card.evidence}
    assert_house_rules(card)


def test_the_non_pregnant_control_and_an_ended_pregnancy_are_unchanged() -> None:
    control = p1_with_concordant_mri()
    ended = p1_with_concordant_mri(pregnancy(weeks=30, recorded=60), delivery(days=10))
    assert ended == control
    assert "pregnan" not in "\n".join(card_words(c) for c in control).lower()


def test_p1_without_an_mri_recommends_the_injection_in_words_and_says_defer() -> None:
    """The common card (MRI if a candidate, then an image-guided ESI) names the injection in its steps
    and summary without offering it: the step and the summary say it waits."""
    card = card_of(run(radic(days=70), *conservative(60), pregnancy(recorded=20)), "P1")
    assert card.summary == (
        "Radicular pain over 6 weeks: MRI if an injection or surgical candidate, then image-guided ESI "
        "(pregnant: procedures after delivery)"
    )
    assert steps().DEFER_STEP in card.next_steps
    mri = next(s for s in card.suggestions if s.label == "Order MRI lumbar spine without contrast")
    assert mri.is_recommended  # MRI without contrast is the study of choice in pregnancy
    assert_house_rules(card)


def test_an_nsaid_step_gets_the_fda_caution_before_it_when_the_weeks_are_unknown() -> None:
    card = card_of(run(radic(days=10), pregnancy(recorded=5)), "E1")
    # the conservative-care step no longer offers an NSAID "if not contraindicated" under it
    nsaid = next(i for i, s in enumerate(card.next_steps) if "no NSAID in pregnancy per FDA 2020" in s)
    assert not any("NSAID if not contraindicated" in s for s in card.next_steps)
    caution = card.next_steps[nsaid - 1]
    assert caution.startswith("Avoid NSAIDs in pregnancy (weeks unknown): from 20 weeks they can cause")
    assert "low amniotic fluid and fetal kidney problems (FDA 2020)" in caution
    assert "paracetamol (acetaminophen) is the usual analgesic" in caution
    assert next_line(card) == "**Next:** Avoid NSAIDs in pregnancy (weeks unknown)."
    assert "FDA 2020" in {g.label for g in card.evidence}
    assert_house_rules(card)


def test_at_24_weeks_the_caution_says_avoid() -> None:
    card = card_of(run(radic(days=10), pregnancy(weeks=24, recorded=5)), "E1")
    assert any(s.startswith("Avoid NSAIDs in pregnancy (24 weeks):") for s in card.next_steps)


def test_before_20_weeks_the_caution_says_from_20_weeks_after_the_nsaid_step() -> None:
    card = card_of(run(radic(days=10), pregnancy(weeks=12, recorded=5)), "E1")
    nsaid = next(i for i, s in enumerate(card.next_steps) if "NSAID if not contraindicated" in s)
    assert card.next_steps[nsaid + 1].startswith("Avoid NSAIDs from 20 weeks of pregnancy (12 weeks now):")
    assert not any(s.startswith("Avoid NSAIDs in pregnancy") for s in card.next_steps)
    assert_house_rules(card)


def test_a_current_nsaid_prescription_named_on_the_card_gets_the_caution() -> None:
    """P1 names the patient's current ibuprofen as conservative care: at 28 weeks it must say avoid."""
    ibuprofen = med("nsaid-1", "rx_nsaids", start=30)
    card = card_of(
        run(radic(days=70), *conservative(60)[:2], ibuprofen, pregnancy(weeks=24, recorded=30)), "P1"
    )
    assert "MedicationRequest/nsaid-1" in {f.ref for f in card.why}
    assert any(s.startswith("Avoid NSAIDs in pregnancy (28 weeks)") for s in card.next_steps)


def test_a_red_flag_card_keeps_its_contrast_mri_selected_with_the_gadolinium_note() -> None:
    infection = cond("osteo", "red_flag_infection", onset=3)
    cards = run(radic(days=20), infection, pregnancy(weeks=20, recorded=10))
    assert states(cards) == ["R3"]
    (card,) = cards
    assert card.indicator == "critical"
    mri = next(s for s in card.suggestions if offers(card, s, CONTRAST))
    assert mri.is_recommended
    notes = [n["text"] for a in mri.actions for n in (a.resource or {}).get("note", [])]
    assert any("gadolinium only if it is essential to the diagnosis" in n for n in notes)
    assert card.next_steps[1] == steps().GADOLINIUM_NEEDED_STEP  # the emergency step stays first
    assert card.next_steps[0].startswith("Same-day emergency assessment")
    assert "Condition/preg-1" in {f.ref for f in card.why[:3]}
    assert_house_rules(card)


def test_a_post_surgical_contrast_mri_is_no_longer_selected() -> None:
    surgery = proc("disc", "prior_lumbar_spine_surgery", "63030", days=400, level="L5-S1")
    card = card_of(run(radic(days=200), surgery, pregnancy(weeks=20, recorded=10)), "S1")
    mri = next(s for s in card.suggestions if offers(card, s, CONTRAST))
    assert not mri.is_recommended
    assert card.next_steps[0] == steps().GADOLINIUM_STEP
    assert_house_rules(card)


def test_a_card_that_offers_nothing_pregnancy_changes_is_unchanged() -> None:
    """Severe acute pain (refer within 2 weeks): no procedure, contrast or NSAID in its steps."""
    control = run(radic(days=10), obs("p", "pain", 8, 1), obs("o", "odi", 50, 1))
    pregnant = run(radic(days=10), obs("p", "pain", 8, 1), obs("o", "odi", 50, 1), pregnancy(recorded=5))
    for c, p in zip(control, pregnant, strict=True):
        if not any("NSAID" in s or "ESI" in s or "epidural" in s for s in c.next_steps):
            assert c == p


# ---------------------------------------------------------------------------------------------
# 3. order checks (order-select and order-sign, on the service's own reading of the draft orders)

ORDER_TODAY = date(2026, 11, 20)


def order_pregnancy(weeks: int | None, days: int = 0) -> ConditionFact:
    """A pregnancy Condition for the order tests (their evaluation date is 2026-11-20)."""
    from orders_builders import ago as order_ago

    c = pregnancy(weeks=weeks)
    when = order_ago(days)
    return replace(c, onset=when, recorded=when, onset_from_record=True)


def order_delivery() -> ConditionFact:
    """A delivery 10 days before the order tests' evaluation date."""
    from orders_builders import ago as order_ago

    d = delivery()
    return replace(d, onset=order_ago(10), recorded=order_ago(10))


def radicular() -> ConditionFact:
    from orders_builders import cond as order_cond

    return order_cond("rad", "M54.16", 70, "Radiculopathy, lumbar region")


def mri_done() -> Any:
    """A lumbar MRI on record (an injection ordered without one draws another check's card)."""
    from orders_builders import proc as order_proc

    return order_proc("mri", "72148", 20, "MRI lumbar spine without contrast")


def judged(hook: str, orders: list[dict[str, Any]], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(order_input(hook, orders, order_history(*facts)))


def rules(cards: list[CardDraft]) -> list[tuple[str, str]]:
    return [(c.rule_id, c.indicator) for c in cards]


ESI = sr("sr-esi", "64483", "Transforaminal epidural injection L5-S1")
CONTRAST_MRI = sr("sr-mri", "72158", "MRI lumbar spine without and with contrast")
IBUPROFEN = mr("mr-ibu", "5640", "ibuprofen", 400, per=3)


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_a_fluoroscopic_esi_ordered_in_pregnancy_draws_a_warning_to_defer_it(hook: str) -> None:
    (card,) = judged(hook, [ESI], radicular(), mri_done(), order_pregnancy(24))
    assert (card.rule_id, card.indicator) == ("order.pregnancy-fluoroscopy", "warning")
    assert card.summary.startswith("Pregnant (24 weeks): defer this fluoroscopic or CT-guided procedure")
    assert card.why[1].ref == "Condition/preg-1"
    (remove,) = card.suggestions
    assert remove.is_recommended and [a.type for a in remove.actions] == ["delete"]
    assert "ACOG 2017" in render_detail(card) or card.evidence[0].label == "ACOG 2017"
    assert_house_rules(card)


def test_the_same_esi_for_a_patient_not_pregnant_draws_no_pregnancy_card() -> None:
    cards = judged("order-sign", [ESI], radicular(), mri_done())
    assert cards == [] and not any(c.rule_id.startswith("order.pregnancy") for c in cards)
    ended = judged(
        "order-sign", [ESI], radicular(), mri_done(), order_pregnancy(30, days=60), order_delivery()
    )
    assert ended == []


def test_a_contrast_mri_in_pregnancy_is_changed_to_mri_without_contrast() -> None:
    (card,) = judged("order-sign", [CONTRAST_MRI], radicular(), order_pregnancy(24))
    assert (card.rule_id, card.indicator) == ("order.pregnancy-gadolinium", "warning")
    (change,) = card.suggestions
    assert change.is_recommended and change.label == "Change to MRI lumbar spine without contrast"
    (action,) = change.actions
    without = TERM.first("mri_lumbar_without_contrast").code
    assert action.type == "update" and action.resource["code"]["coding"][0]["code"] == without
    assert action.resource["id"] == "sr-mri"
    assert_house_rules(card)


def test_a_contrast_mri_with_an_infection_red_flag_is_kept_with_an_info_card() -> None:
    from orders_builders import cond as order_cond

    osteo = order_cond("osteo", "M46.26", 3, "Osteomyelitis of vertebra, lumbar region")
    cards = judged("order-sign", [CONTRAST_MRI], radicular(), osteo, order_pregnancy(24))
    (card,) = [c for c in cards if c.rule_id == "order.pregnancy-gadolinium"]
    assert card.indicator == "info" and not card.suggestions
    assert "suspected spinal infection" in card.summary and "the radiologist decides" in card.summary


def test_an_nsaid_at_24_weeks_is_a_warning_and_at_12_weeks_info() -> None:
    (late,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(24))
    assert (late.rule_id, late.indicator) == ("order.pregnancy-nsaid", "warning")
    assert late.summary.startswith("NSAID in pregnancy (24 weeks): avoid from 20 weeks (FDA 2020)")
    assert [s.label for s in late.suggestions] == ["Remove the NSAID prescription"]
    (early,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(12))
    assert (early.rule_id, early.indicator) == ("order.pregnancy-nsaid", "info")
    assert "only until 20 weeks" in early.summary and not early.suggestions
    (unknown,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(None))
    assert unknown.indicator == "warning"
    for c in (late, early, unknown):
        assert c.evidence[0].label == "FDA 2020"
        assert_house_rules(c)


def test_low_dose_aspirin_in_pregnancy_is_not_an_nsaid_course() -> None:
    aspirin = mr("mr-asa", "1191", "aspirin", 81)
    assert judged("order-sign", [aspirin], radicular(), order_pregnancy(24)) == []
    high = mr("mr-asa", "1191", "aspirin", 600, per=3)
    assert rules(judged("order-sign", [high], radicular(), order_pregnancy(24))) == [
        ("order.pregnancy-nsaid", "warning")
    ]


def _ulcer() -> ConditionFact:
    from orders_builders import cond as order_cond

    return order_cond("du", "K26.9", 200, "Duodenal ulcer")


def _naproxen() -> Any:
    from orders_builders import med as order_med

    return order_med("nap", "7258", "naproxen 500 mg", 30)


@pytest.mark.parametrize("weeks", [24, None, 12], ids=["24-weeks", "weeks-unknown", "12-weeks"])
def test_an_nsaid_order_that_the_record_also_rules_out_draws_one_card_that_says_the_pregnancy(
    weeks: int | None,
) -> None:
    """A duodenal ulcer and a pregnancy: one card on the order (two warnings on one prescription, each
    offering to remove it, read as noise), and that card says both."""
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(weeks), _ulcer())
    assert (card.rule_id, card.indicator) == ("order.nsaid-co-prescription", "warning")
    refs = [f.ref for f in card.why]
    assert "Condition/du" in refs and "Condition/preg-1" in refs
    assert {"ACG 2009", "FDA 2020"} <= {e.label for e in card.evidence}
    (remove,) = card.suggestions
    assert remove.is_recommended
    late = weeks != 12
    # from 20 weeks, or with the weeks unknown, the summary names the pregnancy with the drug
    assert card.summary.startswith("Ibuprofen in pregnancy (") is late
    assert any("(FDA 2020)" in s and "low amniotic fluid" in s for s in card.next_steps)
    assert ("NSAIDs from 20 weeks of pregnancy" in card.avoid[0]) is late
    assert_house_rules(card)


def test_two_nsaids_from_20_weeks_say_to_avoid_both_and_recommend_removing_the_order() -> None:
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(24), _naproxen())
    assert card.rule_id == "order.nsaid-co-prescription"
    assert card.summary == (
        "Ibuprofen in pregnancy (24 weeks) with naproxen: two NSAIDs at once; avoid NSAIDs from 20 weeks "
        "(FDA 2020)"
    )
    assert "Do not start ibuprofen, and stop naproxen: NSAIDs are avoided from 20 weeks of pregnancy " \
        "(FDA 2020)." in card.next_steps
    # an essential NSAID is agreed with the obstetric team, not given with gastroprotection
    assert any("obstetric team" in s for s in card.next_steps)
    assert not any("gastroprotection" in s for s in card.next_steps)
    (remove,) = card.suggestions
    assert remove.is_recommended
    assert_house_rules(card)


def test_two_nsaids_before_20_weeks_keep_the_one_nsaid_advice_and_say_when_to_stop() -> None:
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(12), _naproxen())
    assert card.rule_id == "order.nsaid-co-prescription"
    assert card.summary == "Ibuprofen with naproxen: two NSAIDs at once; prescribe one only"
    when = "Avoid NSAIDs from 20 weeks of pregnancy (12 weeks now)"
    assert any(s.startswith(when) for s in card.next_steps)
    assert not card.suggestions[0].is_recommended


def test_many_partners_in_pregnancy_are_counted_so_the_summary_keeps_its_recommendation() -> None:
    """The pregnancy's words take room: five drugs named as well would cut the recommendation off."""
    from orders_builders import med as order_med

    partners = [
        order_med(rid, rx, text, 60)
        for rid, rx, text in (
            ("war", "11289", "warfarin 5 mg"), ("clo", "32968", "clopidogrel 75 mg"),
            ("nap", "7258", "naproxen 500 mg"), ("dic", "3355", "diclofenac 50 mg"),
            ("cel", "140587", "celecoxib 200 mg"),
        )
    ]  # fmt: skip
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(24), _ulcer(), *partners)
    assert card.summary == (
        "Ibuprofen in pregnancy (24 weeks) with 5 other drugs, peptic ulcer or GI bleed: bleeding risk; "
        "prefer another analgesic"
    )
    # every partner is still a fact on the card
    refs = {f.ref for f in card.why}
    assert {f"MedicationRequest/{rid}" for rid in ("war", "clo", "nap", "dic", "cel")} <= refs
    assert_house_rules(card)


@pytest.mark.parametrize("weeks", [24, None], ids=["24-weeks", "weeks-unknown"])
def test_from_20_weeks_a_second_nsaid_with_an_ulcer_is_not_told_one_nsaid_only(weeks: int | None) -> None:
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(weeks), _ulcer(), _naproxen())
    assert card.summary.endswith(": prefer another analgesic")
    assert "one NSAID only" not in card.summary
    assert any(s.startswith("Do not start ibuprofen, and stop naproxen") for s in card.next_steps)


def test_before_20_weeks_an_essential_nsaid_ends_before_them_without_misoprostol() -> None:
    from orders_builders import med as order_med

    warfarin = order_med("war", "11289", "warfarin 5 mg", 100)
    (card,) = judged("order-sign", [IBUPROFEN], radicular(), order_pregnancy(12), warfarin)
    (essential,) = [s for s in card.next_steps if s.startswith("If an NSAID is essential")]
    assert "ending before 20 weeks of pregnancy (FDA 2020)" in essential
    assert "other than misoprostol, which is contraindicated in pregnancy" in essential


def test_a_snoozed_co_prescription_card_leaves_the_pregnancy_card_to_say_it(make_app: Any) -> None:
    """The pregnancy card steps aside for the co-prescription card on the same order only while that
    card is shown: once a clinician has snoozed it for the patient, the pregnancy card is the one."""
    from test_card_budget import offline


    fixtures = ROOT / "fhir_fixtures" / "orders"
    when = json.loads((fixtures / "ibuprofen-on-apixaban.expected.json").read_text())["evaluationDate"]
    request = json.loads((fixtures / "ibuprofen-on-apixaban.order-sign.json").read_text())
    client = make_app(settings_overrides={"evaluation_date": when}).test_client()

    def cards(body: dict[str, Any]) -> list[dict[str, Any]]:
        r = client.post("/cds-services/radicular-order-sign", json=offline(body))
        assert r.status_code == 200, r.get_data(as_text=True)
        return list(r.get_json()["cards"])

    pregnant = _pregnant(request, when, 24)
    (both,) = cards(pregnant)  # one card while both apply
    assert both["source"]["topic"]["code"] == "order.nsaid-co-prescription"
    assert both["summary"].startswith("Ibuprofen in pregnancy (")
    feedback = snooze_feedback(both["uuid"])
    assert client.post("/cds-services/radicular-order-sign/feedback", json=feedback).status_code == 200
    (alone,) = cards(pregnant)
    assert alone["source"]["topic"]["code"] == "order.pregnancy-nsaid"
    assert alone["indicator"] == "warning"
    assert alone["summary"].startswith("NSAID in pregnancy (")


def test_a_lumbar_ct_in_pregnancy_is_changed_to_mri_and_with_a_red_flag_not_delayed() -> None:
    ct = sr("sr-ct", "72131", "CT lumbar spine without contrast")
    (card,) = judged("order-sign", [ct], radicular(), order_pregnancy(24))
    assert (card.rule_id, card.indicator) == ("order.pregnancy-fluoroscopy", "warning")
    assert card.suggestions[0].label == "Change to MRI lumbar spine without contrast"
    assert card.suggestions[0].is_recommended
    from orders_builders import cond as order_cond

    fracture = order_cond("fx", "S32.010A", 3, "Wedge compression fracture of first lumbar vertebra")
    flagged = judged("order-sign", [ct], radicular(), fracture, order_pregnancy(24))
    (card,) = [c for c in flagged if c.rule_id == "order.pregnancy-fluoroscopy"]
    assert card.indicator == "info" and "do not delay imaging" in card.summary


def test_another_checks_card_offering_an_image_guided_injection_no_longer_selects_it() -> None:
    """A blind epidural injection draws the blind-injection card, whose one-click alternatives are
    image-guided injections: in pregnancy none is pre-selected and the card says to defer."""
    blind = sr("sr-esi", "62322", "Lumbar interlaminar epidural injection without imaging guidance")
    (card,) = judged("order-sign", [blind], radicular(), order_pregnancy(24))
    assert card.rule_id == "order.esi-blind"
    assert not any(s.is_recommended for s in card.suggestions)
    assert card.next_steps[0] == steps().DEFER_STEP
    assert card.why[1].ref == "Condition/preg-1"  # after the draft order, the card's only other fact
    assert card.summary == (
        "Blind epidural injection ordered: use an image-guided (fluoroscopic or CT) injection instead "
        "(pregnant: procedures after delivery)"
    )
    assert_house_rules(card)


def test_an_elective_procedure_with_a_red_flag_draws_the_critical_card_alone() -> None:
    from orders_builders import cond as order_cond

    osteo = order_cond("osteo", "M46.26", 3, "Osteomyelitis of vertebra, lumbar region")
    cards = judged("order-sign", [ESI], radicular(), osteo, order_pregnancy(24))
    assert rules(cards) == [("order.red-flag-elective", "critical")]
    mri = next(s for s in cards[0].suggestions if any(a.type == "create" for a in s.actions))
    assert mri.is_recommended  # the contrast MRI for a suspected infection stays selected


def test_the_checks_apply_at_any_age() -> None:
    from orders_builders import history as h

    young = replace(
        h(radicular(), order_pregnancy(24)), patient=replace(h().patient, birth_date=date(2011, 1, 1))
    )
    cards = evaluate_orders(order_input("order-sign", [ESI, IBUPROFEN], young))
    assert {c.rule_id for c in cards} >= {"order.pregnancy-fluoroscopy", "order.pregnancy-nsaid"}


# ---------------------------------------------------------------------------------------------
# 4. through the HTTP service: the relevance screen keeps the pregnancy records

PREGNANCY_CONDITION = {
    "resourceType": "Condition",
    "id": "preg-1",
    "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                   "code": "active"}]},
    "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                       "code": "confirmed"}]},
    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                              "code": "encounter-diagnosis"}]}],
    "code": {"coding": [{"system": ICD, "code": f"{WEEKS}.24", "display": "24 weeks gestation of pregnancy"}],
             "text": "24 weeks gestation of pregnancy"},
    "subject": {"reference": "Patient/rad-001"},
    "onsetDateTime": "2026-11-06",
    "recordedDate": "2026-11-06",
}  # fmt: skip


def status_observation(value_set: str, when: str) -> dict[str, Any]:
    code = TERM.first("pregnancy_status_observations").coding()
    value = TERM.first(value_set).coding()
    rid = "obs-" + value_set.removeprefix("pregnancy_status_").replace("_", "-")  # obs-not-pregnant
    return {
        "resourceType": "Observation", "id": rid, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "social-history"}]}],
        "code": {"coding": [code.as_fhir()], "text": "Pregnancy status"},
        "subject": {"reference": "Patient/rad-001"}, "effectiveDateTime": when,
        "valueCodeableConcept": {"coding": [value.as_fhir()], "text": value.display},
    }  # fmt: skip


def test_the_relevance_screen_keeps_a_pregnancy_condition_and_a_pregnancy_status() -> None:
    assert is_relevant(PREGNANCY_CONDITION, TERM)
    assert is_relevant(status_observation("pregnancy_status_pregnant", "2026-11-01"), TERM)


def test_the_observations_prefetch_asks_for_the_pregnancy_status() -> None:
    from hooks.registry import history_prefetch

    code = TERM.first("pregnancy_status_observations").coding()
    assert f"{code.system}|{code.code}" in history_prefetch(TERM)["observations"]


def post_chart(
    client: FlaskClient, conditions: list[dict[str, Any]], observations: list[dict[str, Any]]
) -> Any:
    body = load_protocol("patient-view.full-prefetch.json")
    body["prefetch"]["conditions"]["entry"] += [{"resource": r} for r in conditions]
    body["prefetch"]["observations"]["entry"] += [{"resource": r} for r in observations]
    resp = client.post("/cds-services/radicular-pathway", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["cards"]


def test_a_pregnant_patient_through_the_http_service(real: FlaskClient) -> None:
    """The full chart (failed TFESI, concordant MRI) with a weeks-of-gestation diagnosis: the pathway
    card names the pregnancy with its weeks (24 on 2026-11-06, 26 on 2026-11-20), says to defer
    fluoroscopic procedures, and pre-selects none of them; without it, the same chart does not."""
    control = post_chart(real, [], [])
    cards = post_chart(real, [PREGNANCY_CONDITION], [])
    assert [c["source"]["topic"]["code"] for c in cards] == [c["source"]["topic"]["code"] for c in control]
    pathway = cards[0]
    assert "`Condition/preg-1` pregnant, 26 weeks today (24 weeks on 2026-11-06)" in pathway["detail"]
    assert not any("pregnan" in c["detail"].lower() for c in control)
    for s in pathway.get("suggestions", []):
        for a in s["actions"]:
            code = (a.get("resource") or {}).get("code", {}).get("coding", [{}])[0].get("code")
            if code in members(FLUORO):
                assert not s.get("isRecommended")
    by_status = post_chart(real, [], [status_observation("pregnancy_status_pregnant", "2026-11-01")])
    assert "`Observation/obs-pregnant` pregnant, weeks unknown" in by_status[0]["detail"]
    ended = post_chart(
        real, [], [status_observation("pregnancy_status_pregnant", "2026-09-01"),
                   status_observation("pregnancy_status_not_pregnant", "2026-11-01")],
    )  # fmt: skip
    assert [c["summary"] for c in ended] == [c["summary"] for c in control]


@pytest.fixture
def real(make_app: Any) -> FlaskClient:
    return make_app().test_client()


# ---------------------------------------------------------------------------------------------
# 5. every fixture, pregnant: the cards keep their budgets and pre-select no fluoroscopic order


def _pregnant(request: dict[str, Any], when: str, weeks: int | None) -> dict[str, Any]:
    """The request with a pregnancy diagnosis recorded a week before ``when`` (weeks of gestation, or
    supervision of a normal pregnancy when ``weeks`` is None)."""
    import copy
    from datetime import timedelta

    out = copy.deepcopy(request)
    recorded = (date.fromisoformat(when) - timedelta(days=7)).isoformat()
    condition = copy.deepcopy(PREGNANCY_CONDITION)
    condition["subject"] = {"reference": f"Patient/{out['context']['patientId']}"}
    condition.update(onsetDateTime=recorded, recordedDate=recorded)
    if weeks is None:
        condition["code"] = {
            "coding": [{"system": ICD, "code": "Z34.90"}],
            "text": "Supervision of pregnancy",
        }
    else:
        condition["code"]["coding"][0]["code"] = f"{WEEKS}.{weeks:02d}"
    bundle = out["prefetch"].get("conditions") or {"resourceType": "Bundle", "type": "searchset", "entry": []}
    bundle["entry"] = [*bundle.get("entry", []), {"resource": condition}]
    out["prefetch"]["conditions"] = bundle
    return out


def _fixture_requests() -> list[tuple[str, Any, str]]:
    from test_card_budget import REQUESTS

    return REQUESTS


@pytest.mark.parametrize("weeks", [24, 12, None], ids=["24-weeks", "12-weeks", "weeks-unknown"])
def test_every_fixture_pregnant_keeps_the_card_budget_and_preselects_no_fluoroscopic_order(
    weeks: int | None,
) -> None:
    """Every request in fhir_fixtures/ with a pregnancy added: every card keeps the ten-second budget
    (summary, detail, short forms whole, public sources only) and none pre-selects a fluoroscopic or
    CT-guided order; the card that offers or recommends one names the pregnancy."""
    import json
    from dataclasses import replace as dc_replace

    from test_card_budget import FORBIDDEN, cut_short_forms, offline

    from cds_service.fhir_client import FhirClient
    from cds_service.pipeline import Engine, Invocation
    from cds_service.settings import Settings
    from hooks.registry import services

    settings = Settings(auth_enabled=False, database_url="sqlite://")
    client = FhirClient(timeout=1.0, page_cap=1, max_response_bytes=1 << 20)
    engines: dict[str, Engine] = {}
    problems: list[str] = []
    named = 0
    for name, path, when in _fixture_requests():
        request = _pregnant(offline(json.loads(path.read_text())), when, weeks)
        engine = engines.get(when) or engines.setdefault(
            when, Engine(dc_replace(settings, evaluation_date=when), services(), client, TERM, Thresholds())
        )
        service = next(s for s in services() if request["hook"] in s.hooks)
        inv = engine.invoke(service.endpoint_id(request["hook"]), request, Invocation(service.id))
        for draft in inv.drafts:
            problems += [f"{name}: {p}" for p in cut_short_forms(draft, render_detail(draft))]
            if len(render_detail(draft)) > 400 or len(draft.summary) > 139:
                problems.append(f"{name}: {draft.rule_id} over budget")
            for s in draft.suggestions:
                if s.is_recommended and offers(draft, s, FLUORO):
                    problems.append(f"{name}: {draft.rule_id} pre-selects {s.label!r}")
            if codes_of(draft) & members(FLUORO) and "Condition/preg-1" not in {f.ref for f in draft.why}:
                problems.append(f"{name}: {draft.rule_id} offers a fluoroscopic order without the pregnancy")
            named += "Condition/preg-1" in {f.ref for f in draft.why}
            if FORBIDDEN.search(card_words(draft)):
                problems.append(f"{name}: {draft.rule_id} names an internal source")
    assert not problems, "\n".join(problems[:20])
    assert named > 50  # the pregnancy reached the cards (most fixtures offer or name what it changes)


def test_a_current_nsaid_is_named_on_the_first_card_even_when_it_is_about_something_else() -> None:
    """F3 (a surgical opinion) at 25 weeks while naproxen is still prescribed: the card's own
    recommendation stays first, and the NSAID she takes is named with the FDA caution after it."""
    conc = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
    naproxen = med("nsaid-1", "rx_nsaids", start=150)
    facts = (
        radic(days=150),
        *conservative(140)[:1],
        naproxen,
        report("mri", "72148", 120, conc),
        proc("e1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
        obs("b", "pain", 8, 62),
        obs("f", "pain", 8, 35),
        pregnancy(weeks=24, recorded=7),
    )
    c = card_of(run(*facts), "F3")
    assert "MedicationRequest/nsaid-1" in {f.ref for f in c.why}
    assert c.next_steps[0].startswith("Refer to a spine surgeon")
    assert any(s.startswith("Avoid NSAIDs in pregnancy") for s in c.next_steps)
    assert_house_rules(c)
    not_pregnant = card_of(run(*facts[:-1]), "F3")
    assert "MedicationRequest/nsaid-1" not in {f.ref for f in not_pregnant.why}


def test_an_nsaid_taken_past_20_weeks_is_named_to_stop_on_the_line_the_card_shows() -> None:
    """At 27 weeks on naproxen the first card's shown facts say to stop it (FDA 2020); its own
    recommendation stays first. Before 20 weeks it is named as taken, with the caution in the steps."""
    naproxen = med("nsaid-1", "rx_nsaids", start=60)
    care = (radic(days=70), *conservative(60)[:2], naproxen)
    late = card_of(run(*care, pregnancy(weeks=24, recorded=21)), "P1")
    fact = next(f for f in late.why if f.ref == "MedicationRequest/nsaid-1" and "pregnancy" in f.text)
    assert fact.text.startswith("to stop, past 20 weeks of pregnancy (FDA 2020): ")
    assert fact.short is not None and fact.short.startswith("to stop, past 20 weeks")
    early = card_of(run(*care, pregnancy(weeks=10, recorded=14)), "P1")
    assert any(f.text.startswith("taking in pregnancy: ") for f in early.why)
    # weeks unknown: the card does not say more than the chart does
    unknown = card_of(run(*care, cond("preg", "pregnancy_current", onset=60)), "P1")
    assert not any(f.text.startswith("to stop, past 20 weeks") for f in unknown.why)
    assert any(f.text.startswith("taking in pregnancy: ") for f in unknown.why)


def _egfr(value: float, days: int) -> ObservationFact:
    return replace(obs("egfr", "egfr", value, days), unit="mL/min/{1.73_m2}")


@pytest.mark.parametrize(
    ("weeks", "said"),
    [(24, "in pregnancy (27 weeks)"), (None, "in pregnancy (weeks unknown)")],
    ids=["27-weeks", "weeks-unknown"],
)
def test_two_nsaids_from_20_weeks_are_both_stopped_on_the_nsaid_card(weeks: int | None, said: str) -> None:
    """Naproxen and ibuprofen at 27 weeks (or with the weeks unknown): M5's headline said "review and
    stop one" while its first step said to avoid NSAIDs in pregnancy. It now says the pregnancy with
    the drugs and stops both, in its summary, its step and what it says to avoid."""
    care = (
        radic(days=70),
        *conservative(60)[:2],
        med("nsaid-1", "rx_nsaids", "7258", start=60),
        med("nsaid-2", "rx_nsaids", "5640", start=50),
    )
    found = pregnancy(weeks=weeks, recorded=21) if weeks else cond("preg", "pregnancy_current", onset=60)
    c = card_of(run(*care, found), "M5")
    assert c.summary == f"Naproxen and ibuprofen taken together {said}: review and stop them"
    own = next(s for s in c.next_steps if s.startswith("Review naproxen and ibuprofen"))
    assert "stop them:" in own and "NSAIDs are avoided from 20 weeks of pregnancy (FDA 2020)" in own
    assert "stop one" not in card_words(c)
    assert c.avoid == ("Taking naproxen and ibuprofen together; NSAIDs from 20 weeks of pregnancy.",)
    assert_house_rules(c)


def test_two_nsaids_before_20_weeks_still_stop_one_with_the_caution_after() -> None:
    care = (
        radic(days=70),
        *conservative(60)[:2],
        med("nsaid-1", "rx_nsaids", "7258", start=60),
        med("nsaid-2", "rx_nsaids", "5640", start=50),
    )
    c = card_of(run(*care, pregnancy(weeks=12, recorded=21)), "M5")
    assert c.summary == "Naproxen and ibuprofen taken together: review and stop one"
    assert c.next_steps[0].startswith("Review naproxen and ibuprofen with their prescribers and stop one")
    assert c.next_steps[1].startswith("Avoid NSAIDs from 20 weeks of pregnancy (15 weeks now)")


def test_an_nsaid_with_a_low_egfr_from_20_weeks_says_the_pregnancy_in_its_summary() -> None:
    """Ibuprofen with eGFR 24 at 27 weeks: the summary says the pregnancy with the drug, as the
    order-time card does, and the step names both reasons to stop it."""
    ibuprofen = med("nsaid-1", "rx_nsaids", "5640", start=60)
    care = (radic(days=70), *conservative(60)[:2], ibuprofen, _egfr(24, 20))
    c = card_of(run(*care, pregnancy(weeks=24, recorded=21)), "M5")
    assert c.summary == f"Ibuprofen in pregnancy (27 weeks) with eGFR 24 on {ago(20)}: review and stop it"
    own = next(s for s in c.next_steps if s.startswith("Review ibuprofen"))
    assert "KDIGO 2012" in own and "FDA 2020" in own
    assert_house_rules(c)
    early = card_of(run(*care, pregnancy(weeks=12, recorded=21)), "M5")
    assert early.summary == f"Ibuprofen with eGFR 24 on {ago(20)}: review and stop it"


def test_the_nsaid_summary_always_fits_and_keeps_its_recommendation() -> None:
    """Long names are counted and findings that leave no room are said by kind, never cut off: a
    summary over 139 characters would fail the whole call."""
    from hooks.pathway.rules.medication import _m5_summary

    cases = [
        (["a" * 120, "b" * 30], [], " in pregnancy (weeks unknown)"),
        (["a" * 120], ["x" * 130], ""),
        (["ibuprofen", "naproxen", "diclofenac"], ["apixaban", "eGFR 24", "heart failure"] * 5, " (27 wk)"),
        (["n" * 200, "m" * 200, "o" * 200], ["y" * 200], " in pregnancy (weeks unknown)"),
    ]
    for drugs, found, pregnant in cases:
        summary = _m5_summary(drugs, found, pregnant)
        assert len(summary) <= 139, summary
        assert summary.endswith("review and stop them" if len(drugs) > 1 else "review and stop it"), summary


# ---------------------------------------------------------------------------------------------
# A pregnancy shown only by a positive pregnancy test or by a pregnancy-only diagnosis: a
# fluoroscopic ESI drew no card (ACOG Committee Opinion 723). Read through the service's own reader.


def _hcg(ref: str, days: int, **value: Any) -> ObservationFact:
    from cds_service.fhir_facts import build_history

    resource = {
        "resourceType": "Observation", "id": ref, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3",
                             "display": "Choriogonadotropin (pregnancy test) [Presence] in Urine"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": ago(days).isoformat(), **value,
    }  # fmt: skip
    (o,) = build_history([resource], TERM).observations
    return o


SCT, LOINC = "http://snomed.info/sct", "http://loinc.org"
POSITIVE = {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "10828004", "display": "Positive"}]}}


@pytest.mark.parametrize("value", [POSITIVE, {"valueString": "Positive"}], ids=["coded", "words"])
def test_a_positive_pregnancy_test_is_a_pregnancy(value: dict[str, Any]) -> None:
    p = found(radic(), _hcg("hcg-1", 12, **value))
    assert p is not None and p.fact().ref == "Observation/hcg-1"


def test_a_negative_pregnancy_test_does_not_end_a_pregnancy_condition() -> None:
    """A qualitative test can read falsely negative later in pregnancy (hook effect, hCG variants): 24
    weeks of gestation recorded stand beside it."""
    negative = _hcg("hcg-2", 2, valueString="Negative")
    assert found(radic(), pregnancy(weeks=24, recorded=10), negative) is not None


def test_a_negative_pregnancy_test_ends_a_pregnancy_known_only_from_a_positive_test() -> None:
    positive, negative = _hcg("hcg-1", 40, **POSITIVE), _hcg("hcg-2", 5, valueString="Negative")
    assert found(radic(), positive, negative) is None


@pytest.mark.parametrize(
    "value",
    [
        {"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6576-8", "display": "Positive"}]}},
        {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "260373001", "display": "Detected"}]}},
        {"valueString": "Weakly positive"},
    ],
    ids=["loinc-answer", "detected", "weakly-positive"],
)
def test_other_ways_of_saying_positive(value: dict[str, Any]) -> None:
    assert found(radic(), _hcg("hcg-1", 12, **value)) is not None


@pytest.mark.parametrize(
    ("code", "display"),
    [("Z32.01", "Encounter for pregnancy test, result positive"), ("O21.0", "Mild hyperemesis gravidarum")],
)
def test_a_pregnancy_only_diagnosis_is_a_pregnancy(code: str, display: str) -> None:
    c = replace(pregnancy(recorded=20), codings=(icd(code, display),), text=display)
    assert found(radic(), c) is not None


def test_a_negative_test_after_a_positive_test_recorded_as_a_diagnosis_ends_it() -> None:
    """Z32.01 ("pregnancy test, result positive") is a test: a later negative test ends it, as it ends
    a positive test Observation."""
    positive = icd("Z32.01", "Encounter for pregnancy test, result positive")
    z3201 = replace(pregnancy(recorded=60), codings=(positive,))
    assert found(radic(), z3201, _hcg("hcg-2", 5, valueString="Negative")) is None
