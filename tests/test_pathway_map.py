"""The pathway page's map: every patient-view state has a label and a stage, and the stages the
record shows passed follow the pathway's own reading (a cervical operation is not the lumbar
surgery stage)."""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import TODAY, history, proc, radic

from cds_service.smart.pathway_map import RED_FLAGS, STAGES, STATE_NAMES, passed_stages
from hooks.catalogue import CATALOGUE
from hooks.terminology import default_terminology
from hooks.thresholds import DEFAULT_THRESHOLDS

PATHWAY_STATES = {r.id for r in CATALOGUE if r.hooks == ("patient-view",) and "." not in r.id}
CROSS_CUTTING = {"M1", "M2", "M3", "M4", "M5", "Y1", "X1"}


def _passed(*facts: object) -> frozenset[str]:
    return passed_stages(history(*facts), TODAY, default_terminology(), DEFAULT_THRESHOLDS)


def test_every_pathway_state_has_a_label_and_every_non_cross_cutting_one_a_stage() -> None:
    assert PATHWAY_STATES - {"X1"} <= set(STATE_NAMES)
    staged = {s for stage in (*STAGES, RED_FLAGS) for s in stage.states}
    assert staged >= PATHWAY_STATES - CROSS_CUTTING


def test_a_lumbar_operation_passes_the_surgery_stage() -> None:
    lumbar = replace(
        proc("op", "lumbar_decompression_discectomy", "387731002", days=700, text="Laminectomy"),
        body_site_text="L4-5",
    )
    assert "surgery" in _passed(radic(days=900), lumbar)


def test_a_cervical_discectomy_does_not_pass_the_surgery_stage() -> None:
    cervical = replace(
        proc(
            "op", "lumbar_decompression_discectomy", "3418002", days=700, text="Anterior cervical discectomy"
        ),
        body_site_text="C5-C6",
    )
    assert "surgery" not in _passed(radic(days=900), cervical)
