"""Post-laminectomy syndrome opens the radicular pathway only when it can be radicular pain.

- M96.1 whose words say the pain is the back's alone ("Axial low back pain only; no leg pain")
  drew S1's contrast MRI and surgical review; it is still lumbar surgery, but opens no radicular
  pathway by itself.
- SNOMED 429164009 "History of excision of lamina of lumbar vertebra" records the operation, not
  pain after it: it opened the pathway for a patient with facet pain only. It is now lumbar surgical
  status (as Z98.1 is): with a radicular diagnosis it routes to the post-surgical branch.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, context, obs, radic, run

PAIN = obs("nrs", "pain", 6, 5)


def test_axial_only_post_laminectomy_syndrome_opens_no_radicular_pathway() -> None:
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=2000,
                notes=["Axial low back pain only; no leg pain."])  # fmt: skip
    assert run(fbss, PAIN) == []
    assert context(fbss, PAIN).post_surgical  # still lumbar surgery


def test_guard_post_laminectomy_syndrome_with_no_such_words_opens_it() -> None:
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=2000)
    assert "S1" in [c.rule_id for c in run(fbss, PAIN)]


def test_a_history_of_laminectomy_code_is_surgical_status_not_a_pain_syndrome() -> None:
    history = cond("hx", "lumbar_surgery_status", "429164009", onset=2000)
    assert run(history, PAIN) == []  # no radicular diagnosis: no pathway
    ctx = context(radic(days=60), history, PAIN)
    assert ctx.post_surgical and "S1" in [c.rule_id for c in run(radic(days=60), history, PAIN)]


def test_a_history_of_lumbar_laminectomy_code_is_lumbar_whatever_its_text() -> None:
    """Sent as "Laminectomy history": the code's own name says lumbar vertebra."""
    history = cond("hx", "lumbar_surgery_status", "429164009", onset=2000, text="Laminectomy history")
    assert context(radic(days=60), history, PAIN).post_surgical


@pytest.mark.parametrize(
    "note", ["Chronic left S1 burning; no new leg symptoms", "No new leg pain since the review"]
)
def test_no_new_leg_symptoms_is_no_denial_of_leg_pain(note: str) -> None:
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=2000, notes=[note])
    assert "S1" in [c.rule_id for c in run(fbss, PAIN)]
