"""X1 — an incidental disc finding without radicular symptoms: no card, by design.

When: disc displacement or degeneration codes (or an imaging report) but no lumbar radicular
  condition, no post-laminectomy syndrome and no stenosis with leg symptoms: the gate stays closed.
Then: no card. Disc abnormalities are common in people without symptoms (ACR 2021); an ESI, surgery,
  repeat imaging or RFA would not be indicated by the finding alone.
Evidence: ACR 2021; NICE NG59.

The declaration documents the silence (its indicators are empty); the closed gate is what keeps it
(``PathwayContext.gate_open``), so there is no card builder.
"""

from __future__ import annotations

from hooks.pathway.rules.common import TOPIC_PATHWAY, Rule

X1 = Rule(
    "X1", "Incidental disc finding without radicular symptoms", TOPIC_PATHWAY, ("acr_lbp_2021", "nice_ng59"),
    indicators=(), next_step="no card: disc findings are common without symptoms",
)
