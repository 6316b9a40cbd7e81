"""M3 ("oral corticosteroid for sciatica: do not renew") is not for a steroid prescribed for
something else or taken longer than a course.

Prednisone 5 mg daily for rheumatoid arthritis, or 10 mg for polymyalgia rheumatica, drew "do not
renew or repeat the course": stopping long-term glucocorticoids risks adrenal crisis and a flare of
the disease they treat. The order check already read ``oral_steroid_other_indications``; the
pathway card now reads it too (the prescription's reason, or a current condition), and a steroid
taken for longer than ``oral_steroid_recent_days`` without an end is long-term therapy, not a course.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import cond, med, radic, run, states

from fhir_fixtures.fhir_builder import ICD10CM
from hooks.terminology import Coding

PRED = med("pred-1", "rx_systemic_corticosteroids", "8640", start=20, text="Prednisone 5 MG Oral Tablet")
RA = replace(cond("ra", "oral_steroid_other_indications", onset=2000), codings=(Coding(ICD10CM, "M06.9"),),
             text="Rheumatoid arthritis")  # fmt: skip


def test_prednisone_for_rheumatoid_arthritis_draws_no_do_not_renew_card() -> None:
    assert "M3" not in states(run(radic(20), PRED, RA))


def test_prednisone_whose_reason_is_polymyalgia_rheumatica_draws_no_card() -> None:
    pmr = cond("pmr", "oral_steroid_other_indications", onset=400)
    pmr = replace(pmr, codings=(Coding(ICD10CM, "M35.3"),), text="Polymyalgia rheumatica")
    prescribed = replace(PRED, reason_refs=(pmr.ref,))
    assert "M3" not in states(run(radic(20), prescribed, pmr))


def test_prednisone_taken_for_half_a_year_without_an_end_is_long_term_therapy_not_a_course() -> None:
    six_months = med(
        "pred-1", "rx_systemic_corticosteroids", "8640", start=180, text="Prednisone 5 MG Oral Tablet"
    )
    assert "M3" not in states(run(radic(20), six_months))


def test_guard_a_short_prednisone_course_for_sciatica_still_draws_m3() -> None:
    cards = run(radic(20), PRED)
    assert "M3" in states(cards)


def test_a_burst_whose_stated_reason_is_an_asthma_exacerbation_draws_no_card() -> None:
    asthma = cond("asthma", "red_flag_infection", onset=5)  # any coded Condition stands in for the reason
    asthma = replace(asthma, codings=(Coding(ICD10CM, "J45.901"),), text="Asthma with acute exacerbation")
    burst = replace(PRED, reason_refs=(asthma.ref,))
    assert "M3" not in states(run(radic(20), burst, asthma))


def test_guard_a_burst_given_for_low_back_pain_is_still_the_course_m3_is_about() -> None:
    lbp = cond("lbp", "red_flag_infection", onset=5)
    lbp = replace(
        lbp, codings=(Coding(ICD10CM, "M54.50", "Low back pain, unspecified"),), text="Low back pain"
    )
    assert "M3" in states(run(radic(20), replace(PRED, reason_refs=(lbp.ref,)), lbp))
