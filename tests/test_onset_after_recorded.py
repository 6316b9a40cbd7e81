"""An onset later than the date the Condition was recorded is a typo, not a date to count from; an
encounter whose type and service type say the same is named once.

Onset 2027-11-20 on a radiculopathy recorded 9 weeks ago (with 6 weeks of physiotherapy since) read
as "-349 days" and drew the acute card. A Condition cannot begin after it was written down: such an
onset is kept as the words sent (the card names it) and the recordedDate dates the Condition.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir_facts import build_history
from hooks.terminology import default_terminology

TERM = default_terminology()


def condition(**dates: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition", "id": "radic-1", "subject": {"reference": "Patient/p"},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.17"}]}, **dates,
    }  # fmt: skip


def test_an_onset_after_the_recorded_date_is_not_read_as_the_onset() -> None:
    (c,) = build_history([condition(onsetDateTime="2027-11-20", recordedDate="2026-10-04")], TERM).conditions
    assert c.onset is not None and c.onset.isoformat() == "2026-10-04"
    assert c.onset_from_record and c.onset_unread == "2027-11-20"


def test_guard_an_onset_before_the_recorded_date_is_the_onset() -> None:
    (c,) = build_history([condition(onsetDateTime="2026-09-01", recordedDate="2026-10-04")], TERM).conditions
    assert c.onset is not None and c.onset.isoformat() == "2026-09-01" and not c.onset_from_record


def test_an_encounter_whose_type_and_service_say_the_same_is_named_once() -> None:
    name = "Spine surgery clinic consultation"
    visit = {
        "resourceType": "Encounter", "id": "spine-1", "status": "finished",
        "subject": {"reference": "Patient/p"}, "type": [{"text": name}], "serviceType": {"text": name},
        "period": {"start": "2025-12-06T10:00:00Z"},
    }  # fmt: skip
    (e,) = build_history([visit], TERM).encounters
    assert e.text == "Spine surgery clinic consultation"
