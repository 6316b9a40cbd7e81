"""After lumbar surgery, the post-surgical cards that order imaging, a revision or a stimulator (S1,
S2, S3) are for pain that is there. A pre-operative radicular diagnosis left on the problem list
with the leg pain now recorded as gone (≤ 1/10) drew S1's "MRI without and with contrast, then
surgical review"; it now draws nothing, as P1 and P2 stay silent when the pain has gone.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import obs, proc, radic, run

SURGERY = proc("surg", "prior_lumbar_spine_surgery", "63030", days=1200, level="L4-L5")


def _rules(pain: float) -> list[str]:
    return [c.rule_id for c in run(radic(days=1400), SURGERY, obs("nrs", "pain", pain, 5))]


def test_pain_gone_years_after_surgery_draws_no_post_surgical_card() -> None:
    assert not {"S1", "S2", "S3"} & set(_rules(1))


def test_guard_pain_after_surgery_still_draws_s1() -> None:
    assert "S1" in _rules(6)


def test_a_low_back_score_or_one_taken_during_a_block_is_not_the_leg_pain_gone() -> None:
    """Only a score of the leg (or of no named site), not taken as part of a procedure, says the leg
    pain has gone: a back-labelled 1/10, or a 0/10 recorded as part of a local-anaesthetic block, did
    and silenced the post-surgical card."""
    from dataclasses import replace

    back = replace(obs("back", "pain", 1, 3), body_site_text="Lower back")
    during_block = replace(obs("blk", "pain", 0, 3), part_of=("Procedure/snrb",))
    leg = obs("leg", "pain", 8, 20)
    for score in (back, during_block):
        assert "S1" in [c.rule_id for c in run(radic(days=1400), SURGERY, leg, score)]
