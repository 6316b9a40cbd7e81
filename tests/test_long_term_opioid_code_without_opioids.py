"""A long-term opioid use code (Z79.891) whose opioids all ended long ago is a problem list to update.

Oxycodone that ended about two years ago and Z79.891 still active drew M1's warning "Long-term opioids
for radicular pain: reassess benefit and harm, taper if no benefit, offer naloxone" with a naloxone
prescription to sign, on the strength of the code alone. Taper and naloxone advice is for current
therapy (CDC 2022): the card is now an info note naming the code and the last prescription, asking to
confirm and update the problem list. The code with no opioid record at all, or beside a current or
recent opioid, still draws the warning.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import cond, med, radic, run

Z79891 = cond("lt", "opioid_risk_conditions", "Z79.891", onset=900)


def _m1(*facts):  # type: ignore[no-untyped-def]
    cards = run(radic(days=1000), Z79891, *facts)
    return [c for c in cards if c.rule_id == "M1" or "M1" in c.merged]


def test_a_code_beside_opioids_ended_two_years_ago_is_an_info_note() -> None:
    old = med("oxy", "rx_opioids", "7804", start=900, end=750, daily_dose_mg=20, text="Oxycodone 10 mg")
    (card,) = _m1(old)
    assert card.indicator == "info" and "update the problem list" in card.summary
    assert not any("naloxone" in s.label.lower() for s in card.suggestions)
    assert {f.ref for f in card.why} >= {"Condition/lt", "MedicationRequest/oxy"}


def test_guard_the_code_with_no_opioid_record_still_warns() -> None:
    (card,) = _m1()
    assert card.indicator == "warning"


def test_guard_the_code_beside_an_opioid_ended_last_month_still_warns() -> None:
    recent = med("oxy", "rx_opioids", "7804", start=200, end=30, daily_dose_mg=20, text="Oxycodone 10 mg")
    (card,) = _m1(recent)
    assert card.indicator == "warning"
