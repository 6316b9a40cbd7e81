"""Two red flags that were missed: a fever recorded as a measured temperature, and new weakness of
both legs written under a code no value set holds (decision model §7.3).

- Fever: a body temperature (LOINC 8310-5, value set ``body_temperature_observations``) of 38.0 °C
  (100.4 °F) or more, measured with the present illness (on or after the radicular onset; within the
  last 14 days when no onset is on record), is an infection red flag: the critical R3 card ("same-day
  emergency assessment") names the temperature, and at order time an epidural injection is held.
  Before, the EHR was never asked for temperatures (the observations prefetch named no temperature
  code) and no rule read one, so E1/E2 said "no red flag".
- New weakness or numbness of both legs is a cauda equina warning sign whatever the code it is
  written under ("R29.898 Other symptoms and signs involving the musculoskeletal system", "R53.1
  Weakness"): the relevance screen used to drop such a Condition (an ICD-10-CM code in no value set)
  before R1 could read its note.

Every chart here goes through the relevance screen and the history builder as an EHR sends it (raw
FHIR JSON). The ``test_guard_*`` tests hold on the code before the change too: a normal temperature,
a fever before the leg pain began or long ago, a heart rate, and one leg's weakness stay quiet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from hooks.cards import CardDraft, render_detail
from hooks.evaluation import EvaluationInput
from hooks.facts import PatientHistory
from hooks.orders import evaluate_orders
from hooks.pathway import evaluate_pathway
from hooks.registry import history_prefetch
from tests import orders_builders as ob
from tests.pathway_builders import TERM, assert_house_rules, card_of, states

TODAY = ob.TODAY
LOINC = "http://loinc.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = [
    {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
        ]
    }
]
RED_FLAGS = {"R1", "R2", "R3"}


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def condition(
    rid: str,
    code: str,
    display: str,
    onset_days: int,
    note: str | None = None,
    category: str = "problem-list-item",
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "verificationStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}
            ]
        },
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": category}
                ]
            }
        ],
        "code": {"coding": [{"system": ICD, "code": code, "display": display}], "text": display},
        "subject": ob.SUBJECT,
        "onsetDateTime": ago(onset_days),
        "recordedDate": ago(onset_days),
    }
    if note is not None:
        res["note"] = [{"text": note}]
    return res


def radiculopathy(onset_days: int = 16) -> dict[str, Any]:
    return condition(
        "radic", "M54.16", "Radiculopathy, lumbar region", onset_days, category="encounter-diagnosis"
    )


def vital(rid: str, code: str, display: str, value: float, unit: str, days: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": VITAL_SIGNS,
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "subject": ob.SUBJECT,
        "effectiveDateTime": f"{ago(days)}T10:00:00Z",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def temperature(value: float, days: int, unit: str = "Cel", rid: str = "temp") -> dict[str, Any]:
    return vital(rid, "8310-5", "Body temperature", value, unit, days)


def read(*resources: dict[str, Any]) -> PatientHistory:
    """The history as the service reads it: the relevance screen, then the history builder."""
    return build_history([r for r in resources if is_relevant(r, TERM)], TERM)


def pathway(*resources: dict[str, Any]) -> list[CardDraft]:
    inp = EvaluationInput(
        hook="patient-view", today=TODAY, patient_id="p1", user_id="Practitioner/u1", encounter_id=None,
        history=read(*resources), terminology=TERM,
    )  # fmt: skip
    return evaluate_pathway(inp)


def order_sign(order: dict[str, Any], *resources: dict[str, Any]) -> list[CardDraft]:
    return evaluate_orders(ob.inp("order-sign", [order], read(*resources)))


# ---------------------------------------------------------------------------------------------
# fever measured (R3)
# ---------------------------------------------------------------------------------------------


def test_a_fever_measured_yesterday_with_new_radicular_pain_is_the_critical_infection_card() -> None:
    """38.6 °C yesterday, radicular pain for 16 days: R3, same-day emergency assessment, the
    temperature named with its value, unit, date and reference; no E1/E2 "no red flag" card."""
    cards = pathway(radiculopathy(16), temperature(38.6, 1))
    r3 = card_of(cards, "R3")
    assert r3.indicator == "critical"
    assert r3.summary.startswith("Red flag (infection): same-day emergency assessment")
    (fact,) = [f for f in r3.why if f.ref == "Observation/temp"]
    assert f"temperature 38.6 °C on {ago(1)}" in fact.text
    assert fact.short is not None and f"temperature 38.6 °C on {ago(1)}" in fact.short
    assert not {"E1", "E2"} & set(states(cards))
    assert_house_rules(r3)


def test_a_fever_in_fahrenheit_is_read_in_its_unit() -> None:
    """101.5 [degF] is 38.6 °C: a fever, named in the unit it was sent in and in °C."""
    cards = pathway(radiculopathy(16), temperature(101.5, 1, unit="[degF]"))
    r3 = card_of(cards, "R3")
    (fact,) = [f for f in r3.why if f.ref == "Observation/temp"]
    assert "temperature 101.5 °F (38.6 °C)" in fact.text


@pytest.mark.parametrize(("fever_days", "fires"), [(3, True), (20, False)])
def test_without_a_known_onset_a_fever_counts_for_14_days(fever_days: int, fires: bool) -> None:
    """A radicular diagnosis sent with neither an onset nor a recorded date: a fever of the last 14
    days is a finding of the present illness, an older one is not."""
    radic = radiculopathy()
    del radic["onsetDateTime"], radic["recordedDate"]
    cards = pathway(radic, temperature(38.4, fever_days))
    assert ("R3" in states(cards)) is fires


def test_guard_a_normal_temperature_is_no_red_flag() -> None:
    cards = pathway(radiculopathy(16), temperature(37.2, 1))
    assert not RED_FLAGS & set(states(cards))


@pytest.mark.parametrize(
    ("onset_days", "fever_days"),
    [
        pytest.param(16, 16 + 2 * 365, id="fever 2 years before the onset"),
        pytest.param(16, 26, id="fever 10 days before the onset"),
        pytest.param(3 * 365, 365, id="fever a year ago in an illness of 3 years"),
    ],
)
def test_guard_a_fever_before_the_leg_pain_or_long_ago_is_no_red_flag(
    onset_days: int, fever_days: int
) -> None:
    """An old febrile illness is not a finding of the present one."""
    cards = pathway(radiculopathy(onset_days), temperature(38.9, fever_days))
    assert "R3" not in states(cards)


def test_guard_readings_without_a_temperature_unit_or_value_are_not_read() -> None:
    """No unit, a unit that is no temperature's, or a °F value sent as Cel: no card from a guess."""
    for reading in (
        temperature(38.9, 1, unit=""),
        temperature(38.9, 1, unit="mmol/L"),
        temperature(101.3, 1),
    ):
        assert "R3" not in states(pathway(radiculopathy(16), reading))


def test_the_ehr_is_asked_for_temperatures_and_the_screen_keeps_them() -> None:
    """The observations prefetch names LOINC 8310-5, and the relevance screen keeps a temperature
    filed as a vital sign (its code is in a value set: checked before the category); a heart rate
    (LOINC 8867-4) is still dropped."""
    assert f"{LOINC}|8310-5" in history_prefetch(TERM)["observations"]
    assert is_relevant(temperature(38.6, 1), TERM)
    assert not is_relevant(vital("hr", "8867-4", "Heart rate", 112, "/min", 1), TERM)


def test_the_screen_keeps_a_temperature_only_when_it_is_a_fever() -> None:
    """No rule reads a normal temperature, and a large chart holds many: the screen drops them before
    they are validated, as it drops the other vital signs; a fever, in either unit, is kept."""
    assert is_relevant(temperature(101.5, 1, unit="[degF]"), TERM)
    for normal in (temperature(36.9, 1), temperature(98.6, 1, unit="[degF]"), temperature(38.6, 1, unit="")):
        assert not is_relevant(normal, TERM)
    assert not is_relevant(temperature(98.6, 1), TERM)  # 98.6 marked Cel is no temperature a patient has


def test_an_esi_signed_for_a_febrile_patient_is_held() -> None:
    """The order-time interception reads the pathway's red flags: the ESI gets the red-flag hold,
    naming the temperature."""
    cards = order_sign(
        ob.sr("esi", "62323", "Lumbar interlaminar ESI"), radiculopathy(16), temperature(38.7, 1)
    )
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    assert hold.indicator == "critical"
    assert "infection" in hold.summary
    assert any(f.ref == "Observation/temp" and "temperature 38.7 °C" in f.text for f in hold.why)


def test_a_contrast_mri_for_a_febrile_patient_is_not_called_too_early() -> None:
    """The MRI with and without contrast the infection asks for is not "imaging without red flags"."""
    mri = ob.sr("mri", "72158", "MRI lumbar spine without and with contrast")
    febrile = order_sign(mri, radiculopathy(16), temperature(38.7, 1))
    assert "order.mri-early" not in [c.rule_id for c in febrile]
    assert "order.mri-early" in [c.rule_id for c in order_sign(mri, radiculopathy(16), temperature(36.8, 1))]


# ---------------------------------------------------------------------------------------------
# new weakness of both legs under a code outside the value sets (R1)
# ---------------------------------------------------------------------------------------------

BOTH_LEGS = "New weakness of both legs since 3 days."


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("R29.898", "Other symptoms and signs involving the musculoskeletal system"),
        ("R53.1", "Weakness"),
    ],
)
def test_new_weakness_of_both_legs_under_any_code_prompts_cauda_equina_screening(
    code: str, display: str
) -> None:
    weak = condition("wk", code, display, 3, note=BOTH_LEGS, category="encounter-diagnosis")
    cards = pathway(radiculopathy(16), weak)
    r1 = card_of(cards, "R1")
    assert r1.indicator == "critical"
    assert any(f.ref == "Condition/wk" for f in r1.why)
    assert_house_rules(r1)


def test_guard_weakness_of_one_leg_under_such_a_code_is_no_cauda_equina_sign() -> None:
    weak = condition(
        "wk", "R29.898", "Other symptoms and signs involving the musculoskeletal system", 3,
        note="New weakness of the right leg since 3 days.", category="encounter-diagnosis",
    )  # fmt: skip
    assert "R1" not in states(pathway(radiculopathy(16), weak))
    assert not is_relevant(weak, TERM)


def test_the_held_esi_s_emergency_orders_give_the_temperature_as_their_reason() -> None:
    """The emergency imaging and referral the hold offers name the measured fever in reasonReference
    (a ServiceRequest may cite an Observation), as they name a coded red flag."""
    cards = order_sign(
        ob.sr("esi", "62323", "Lumbar interlaminar ESI"), radiculopathy(16), temperature(38.7, 1)
    )
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    created = [a.resource for s in hold.suggestions for a in s.actions if a.type == "create" and a.resource]
    assert created
    for resource in created:
        assert {"reference": "Observation/temp"} in resource.get("reasonReference", []), resource


def test_the_held_esi_s_short_card_names_the_weakness_of_both_legs_in_the_record_s_words() -> None:
    """The sidebar card of the hold shows the finding that fired it, as the record says it ("new
    weakness of both legs"), not only the draft order, and not the display of the code it was written
    under."""
    weak = condition(
        "wk", "R29.898", "Other symptoms and signs involving the musculoskeletal system", 3,
        note=BOTH_LEGS, category="encounter-diagnosis",
    )  # fmt: skip
    cards = order_sign(ob.sr("esi", "62323", "Lumbar interlaminar ESI"), radiculopathy(16), weak)
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    short = render_detail(hold)
    assert "`Condition/wk` red flag: new weakness of both legs" in short, short


def test_a_fever_of_weeks_ago_is_no_same_day_card() -> None:
    """Sciatica for two months, 38.6 °C three weeks ago and nothing since (normal readings are not
    kept): the same-day infection card is for a fever of this week."""
    assert "R3" not in states(pathway(radiculopathy(60), temperature(38.6, 21)))
    assert "R3" in states(pathway(radiculopathy(60), temperature(38.6, 5)))


def test_weakness_of_both_legs_with_another_cause_is_no_cauda_equina_sign() -> None:
    """Deconditioning after weeks in hospital (decision model §7.3: not a red flag), or weakness of
    both legs written as chronic, from multiple sclerosis: no cauda equina screen, no emergency card."""
    for note in (
        "Deconditioning: weakness of both legs after 3 weeks in hospital.",
        "Weakness of both legs, chronic, due to multiple sclerosis, unchanged for years.",
    ):
        weak = condition("wk", "R53.1", "Weakness", 3, note=note, category="encounter-diagnosis")
        assert "R1" not in states(pathway(radiculopathy(16), weak)), note
