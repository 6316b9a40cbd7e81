"""What a clinician reads on the card is what the record and the sources say: found by reading the
cards of every fixture as a clinician would.

- A buprenorphine patch has no CDC 2022 conversion factor: the card says so, not that its dose is
  not recorded (the dose was on the order).
- A gestational age projected to today is said as today's, beside what the record said on its date.
- PRECISE 2017 tested pregabalin and NICE NG59 recommends, it does not find: the gabapentinoid
  cards say so; the antidepressant brief names the drug its trial tested (nortriptyline).
- F8 with a stimulator that still helps says to assess new pain, not to review a working device.
- R3 raised by a pain rise after an injection says what was seen and what to exclude.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from hooks.conflicts import NEUROPATHIC_ANTIDEPRESSANTS
from tests.test_card_wording import shown  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent
ORDERS = ROOT / "fhir_fixtures" / "orders"


def order_cards(make_app: Callable[..., Flask], name: str, hook: str) -> list[dict[str, Any]]:
    expected = json.loads((ORDERS / f"{name}.expected.json").read_text())
    app = make_app(settings_overrides={"evaluation_date": expected["evaluationDate"]})
    body = json.loads((ORDERS / f"{name}.{hook}.json").read_text())
    service = "radicular-order-select" if hook == "order-select" else "radicular-order-sign"
    resp = app.test_client().post(f"/cds-services/{service}", json=body)
    assert resp.status_code == 200
    cards: list[dict[str, Any]] = resp.get_json()["cards"]
    return cards


def test_a_buprenorphine_patch_is_said_to_have_no_conversion_factor_not_no_dose(
    shown: Callable[[str], dict[str, dict[str, Any]]],  # noqa: F811
) -> None:
    m1 = shown("m1_transdermal_buprenorphine_for_pain")["M1"]
    assert "daily opioid dose" not in m1["detail"]


def test_a_projected_gestational_age_is_said_as_today_beside_the_recorded_one(
    make_app: Callable[..., Flask],
) -> None:
    (card,) = [
        c for c in order_cards(make_app, "esi-pregnant-24-weeks", "order-sign") if "regnan" in c["summary"]
    ]
    assert "pregnant, 26 weeks today (24 weeks on 2026-11-06)" in card["detail"]
    assert "26 weeks (recorded" not in card["detail"]


def test_gabapentinoid_cards_say_who_recommends_and_what_was_tested(
    make_app: Callable[..., Flask],
    shown: Callable[[str], dict[str, dict[str, Any]]],  # noqa: F811
) -> None:
    assert "pregabalin failed in PRECISE 2017" in shown("m2_gabapentin_with_p1")["M2"]["summary"]
    cards = order_cards(make_app, "gabapentinoid-for-sciatica", "order-select")
    summaries = [
        c["summary"] for c in cards if c["source"]["topic"]["code"].startswith("order.gabapentinoid-sciatica")
    ]
    assert summaries
    for s in summaries:
        assert "found no benefit" not in s and "NICE NG59 advises against" in s
    assert "nortriptyline" in NEUROPATHIC_ANTIDEPRESSANTS.brief


def test_f8_with_a_working_stimulator_asks_to_assess_new_pain(
    shown: Callable[[str], dict[str, dict[str, Any]]],  # noqa: F811
) -> None:
    f8 = shown("f8_esi_ordered_despite_working_stimulator")["F8"]
    assert f8["summary"].startswith("Stimulator still helping after")
    assert "assess any new pain" in f8["summary"] and "review the stimulator" not in f8["summary"]


def test_r3_from_a_pain_rise_after_an_injection_says_what_was_seen(
    shown: Callable[[str], dict[str, dict[str, Any]]],  # noqa: F811
) -> None:
    r3 = shown("r3_pain_worse_after_recent_esi")["R3"]
    assert r3["indicator"] == "critical"
    assert r3["summary"].startswith("Red flag: pain much worse after TFESI")
    assert "exclude epidural abscess or discitis today" in r3["summary"]


def test_a_long_opioid_course_is_said_in_years_and_a_repeat_diagnosis_in_plain_words(
    shown: Callable[[str], dict[str, dict[str, Any]]],  # noqa: F811
) -> None:
    m1 = shown("m1_old_opioid_order_renewed_two_weeks_ago")["M1"]
    assert "continuous opioid course of 2 years (731 days)" in m1["detail"]
    f0 = shown("f0_outcome_unrecorded_one_proxy")["F0"]
    assert "still diagnosed with radicular pain on 2026-09-23" in f0["detail"]
    assert "re-asserted" not in f0["detail"]
