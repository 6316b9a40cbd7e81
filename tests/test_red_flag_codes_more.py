"""Red-flag and pregnancy codes EHRs send beyond the first lists, each checked against the CMS
ICD-10-CM FY2026 release (``hooks/valuesets/icd10cm_release.json``): a discitis, an epidural abscess,
spinal tuberculosis, a sacral, osteoporotic or neoplastic fracture, overflow incontinence, and
conditions
coded only during a pregnancy. Each gave the routine pathway card (an epidural injection offered
beside a spinal infection) or no pregnancy caution.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import cond, context, radic, run, states

from hooks.terminology import Coding


@pytest.mark.parametrize(
    ("value_set", "code", "state"),
    [
        ("red_flag_infection", "M46.37", "R3"),
        ("red_flag_infection", "G06.2", "R3"),
        ("red_flag_infection", "A18.01", "R3"),
        ("red_flag_fracture", "M80.88XA", "R3"),
        ("red_flag_fracture", "M84.58XA", "R3"),
        ("red_flag_fracture", "S32.10XA", "R3"),
        ("red_flag_sphincter_saddle_symptoms", "N39.490", "R1"),
    ],
)
def test_new_red_flag_code_gives_its_critical_card(value_set: str, code: str, state: str) -> None:
    listed = "S32.1" if code == "S32.10XA" else code
    finding = cond("flag", value_set, listed, onset=2, recorded=2)
    if code != listed:
        finding = replace(finding, codings=(Coding(finding.codings[0].system, code, "Fracture of sacrum"),))
    cards = run(radic(days=20), finding)
    assert state in states(cards), [(c.rule_id, c.summary) for c in cards]
    assert any(c.indicator == "critical" for c in cards)


def test_guard_a_pathological_fracture_at_an_unnamed_site_is_no_vertebral_fracture() -> None:
    base = cond("flag", "red_flag_fracture", "S32.0", onset=2, recorded=2)
    rib_or_vertebra = replace(
        base, codings=(Coding(base.codings[0].system, "M84.48XA", "Pathological fracture"),)
    )
    assert "R3" not in states(run(radic(days=20), rib_or_vertebra))


@pytest.mark.parametrize("code", ["O26.89", "O24.41", "O99.891"])
def test_condition_coded_only_in_pregnancy_marks_a_current_pregnancy(code: str) -> None:
    assert (
        context(radic(days=60), cond("preg", "pregnancy_current", code, onset=30, recorded=30)).pregnancy
        is not None
    )
