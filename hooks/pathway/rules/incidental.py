"""X1: an incidental disc finding without radicular symptoms never opens the gate (no card)."""

from __future__ import annotations

from hooks.pathway.context import PathwayContext


def x1_incidental_disc_finding(ctx: PathwayContext) -> bool:
    """X1 — incidental disc finding, no radicular symptoms.

    When: disc displacement/degeneration codes (or an imaging report) but no lumbar radicular condition,
      no post-laminectomy syndrome and no stenosis with leg symptoms.
    Then: no card. Disc abnormalities are present in 29–43 % of asymptomatic people (seed 003); an ESI,
      surgery, repeat imaging or RFA would not be indicated by the finding alone.
    Evidence: seed 003; ACR 2021.
    Returns True when this is the situation, so the pathway can record why it stayed silent.
    """
    return not ctx.gate_open and bool(ctx.disc_conditions or ctx.imaging)
