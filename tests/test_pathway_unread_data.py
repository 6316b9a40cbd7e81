"""Optional data the EHR could not give is named on every pathway card, never hidden by silence."""

from __future__ import annotations

from pathway_builders import cond, context, radic, run, states

from hooks.pathway import admit_unread_data

UNREAD = {"medicationRequests": "HTTP 500", "diagnosticReports": "timed out"}


def test_every_card_names_each_key_that_could_not_be_read() -> None:
    """It appends one gap per unread key to each card, with the reason, and keeps the state."""
    complete = run(radic(days=20))
    partial = run(radic(days=20), unavailable=UNREAD)
    assert states(partial) == states(complete) == ["E1"]
    gaps = partial[0].gaps
    assert any("medicationRequests" in g and "HTTP 500" in g for g in gaps)
    assert any("diagnosticReports" in g and "timed out" in g for g in gaps)
    assert not any("medicationRequests" in g for g in complete[0].gaps)


def test_a_gated_patient_with_no_card_gets_a_not_fully_checked_card() -> None:
    """It never returns an empty list for a patient in the gate while data is missing."""
    ctx = context(radic(days=20))
    ctx.history.unavailable.update(UNREAD)
    cards = admit_unread_data(ctx, [])
    assert [c.rule_id for c in cards] == ["pathway.not-fully-checked"]
    card = cards[0]
    assert card.indicator == "info"
    assert "imaging reports" in card.summary and "prescriptions" in card.summary  # named as clinicians do
    assert len(card.summary) <= 139
    assert any(f.ref == "Condition/radic-1" for f in card.why)  # the gate condition in scope


def test_outside_the_gate_missing_optional_data_changes_nothing() -> None:
    """A patient without a radicular condition still gets no card (the gate rests on required data)."""
    disc_only = cond("Condition/disc", "lumbar_disc_displacement_without_radiculopathy")
    ctx = context(disc_only)
    ctx.history.unavailable.update(UNREAD)
    assert admit_unread_data(ctx, []) == []
