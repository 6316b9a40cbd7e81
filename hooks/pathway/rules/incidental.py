"""X1: an incidental disc finding without radicular symptoms never opens the gate (no card)."""

from __future__ import annotations

from hooks.pathway.context import PathwayContext
from hooks.pathway.rules.common import TOPIC_PATHWAY, Rule

# No card, by design: the declaration documents the silence (indicators empty).
X1 = Rule(
    "X1", "Incidental disc finding without radicular symptoms", TOPIC_PATHWAY, ("acr_lbp_2021", "nice_ng59"),
    indicators=(), next_step="no card: disc findings are common without symptoms",
)


def x1_incidental_disc_finding(ctx: PathwayContext) -> bool:
    """X1 — incidental disc finding, no radicular symptoms.

    When: disc displacement/degeneration codes (or an imaging report) but no lumbar radicular condition,
      no post-laminectomy syndrome and no stenosis with leg symptoms.
    Then: no card. Disc abnormalities are common in asymptomatic people (ACR 2021); an ESI,
      surgery, repeat imaging or RFA would not be indicated by the finding alone.
    Evidence: ACR 2021; NASS 2014.
    Returns True when this is the situation, so the pathway can record why it stayed silent.
    """
    return not ctx.gate_open and bool(ctx.disc_conditions or ctx.imaging)
