"""The merged cross-cutting card says its lead's whole clauses and shows the lead's pair of facts.

An opioid, a benzodiazepine, gabapentin and a PHQ-9 of 18 merged into one card whose summary was cut
mid-phrase ("avoid the combination (CDC 2022), taper the… Also: ..."), and whose short form showed
the opioid, the gabapentin and the PHQ-9 but not the benzodiazepine its headline was about. The
summary now keeps the lead's last whole clause that fits, ended as a sentence; the lead's two
deciding facts come first; M1 puts the day's dose on the one prescription's line (a renewal written
twice is one prescription) so the benzodiazepine is second.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import med, obs, radic, run

from hooks.cards import SUMMARY_MAX, clip_clause, render_detail

OXY = med("oxy-1", "rx_opioids", "7804", start=200, daily_dose_mg=40, text="Oxycodone 20 mg ER tablet")
BENZO = med("alp", "rx_benzodiazepine_class", start=30, text="Alprazolam 0.5 mg tablet")
GABA = med("gaba", "rx_gabapentinoids", start=100, text="Gabapentin 600 mg tablet")
PHQ9 = obs("phq", "phq9", 18, 5)


def test_the_merged_summary_never_ends_mid_clause() -> None:
    cards = run(radic(300), OXY, BENZO, GABA, PHQ9)
    merged = cards[-1]
    assert "Also:" in merged.summary and len(merged.summary) <= SUMMARY_MAX
    head = merged.summary.split(" Also:")[0]
    assert head.endswith(".") and "…" not in head, merged.summary


def test_the_benzodiazepine_is_among_the_facts_the_short_card_shows() -> None:
    merged = run(radic(300), OXY, BENZO, GABA, PHQ9)[-1]
    assert merged.why[1].ref == BENZO.ref
    assert "Alprazolam" in render_detail(merged)


def test_clip_clause_keeps_whole_clauses() -> None:
    text = "Opioid with a benzodiazepine: avoid the combination (CDC 2022), taper the opioid slowly"
    assert clip_clause(text, 70) == "Opioid with a benzodiazepine: avoid the combination (CDC 2022)"
    assert clip_clause(text, 200) == text


def test_offer_naloxone_survives_the_merge_beside_two_other_rules() -> None:
    """Long-term oxycodone, gabapentin and a PHQ-9 of 18: the merged summary had cut "offer naloxone"
    (M1's last clause) to fit "Also: neuropathic-agent review, psychosocial risk."."""
    merged = run(radic(300), OXY, GABA, PHQ9)[-1]
    assert merged.rule_id == "M1" and "Also:" in merged.summary and len(merged.summary) <= SUMMARY_MAX
    assert "offer naloxone" in merged.summary, merged.summary


def test_the_short_card_never_shows_one_record_twice() -> None:
    """M1 names the gabapentin beside the opioid and M2's first fact is the same prescription: the
    short card listed it twice and left no line for a third fact."""
    merged = run(radic(300), OXY, GABA)[-1]
    shown = [line for line in render_detail(merged).splitlines() if line.startswith("- ")]
    assert sum("MedicationRequest/gaba" in line for line in shown) == 1, shown
    assert len(shown) == 3
