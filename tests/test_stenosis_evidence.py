"""P1 and P2 for neurogenic claudication cite the NASS guideline on lumbar stenosis.

The cards said "a decompression opinion rather than an epidural injection" for stenosis with
claudication, correctly, but cited NASS 2014 on lumbar disc herniation. For neurogenic claudication
the NASS stenosis guideline backs the card instead; a disc herniation keeps NASS 2014.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import cond, conservative, radic, run

from hooks.cards import CardDraft


def keys(c: CardDraft) -> set[str]:
    return {g.key for g in c.evidence}


def test_p2_for_neurogenic_claudication_cites_the_stenosis_guideline() -> None:
    nc = cond("nc", "neurogenic_claudication", onset=200)
    (c,) = [c for c in run(radic(days=200), nc, *conservative(190)) if c.rule_id in ("P1", "P2")]
    assert "nass_stenosis" in keys(c) and "nass_ldh" not in keys(c)


def test_guard_radicular_pain_keeps_the_disc_herniation_guideline() -> None:
    (c,) = [c for c in run(radic(days=200), *conservative(190)) if c.rule_id in ("P1", "P2")]
    assert "nass_ldh" in keys(c)
