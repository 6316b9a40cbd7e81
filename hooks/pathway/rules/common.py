"""What every pathway rule shares: the topics, the rule shape (``hooks.rule.Rule``), the disagreements.

The ``Conflict`` constants are where public sources disagree: the full reasoning shows both
positions; a card shows one line when the patient has the contested treatment now.
"""

from __future__ import annotations

from hooks.rule import Rule, unread_gap

# Topics: one card per topic per response (alert fatigue, §1.1.5).
TOPIC_RED_FLAG = "radicular-red-flag"
TOPIC_PATHWAY = "radicular-pathway"
TOPIC_NEUROMODULATION = "radicular-neuromodulation"
TOPIC_ABLATION = "radicular-ablation"
TOPIC_OPIOIDS = "radicular-opioids"
TOPIC_NEUROPATHIC = "radicular-neuropathic-agents"
TOPIC_ORAL_STEROIDS = "radicular-oral-steroids"
TOPIC_PSYCHOSOCIAL = "radicular-psychosocial"

# The short form of a pending order a card says to hold (its next step says why).
HOLD = "hold pending order: "

# Where public sources disagree (shared with the order checks).
from hooks.conflicts import (  # noqa: E402
    DISCOGRAPHY,
    ESI_STENOSIS,
    ESI_TIMING,
    FUSION,
    NEUROPATHIC_AGENTS,
    OPIOIDS,
    ORAL_STEROIDS,
    RFA_SCOPE,
    SCS_SELECTION,
)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` ``noun`` as a card says it: "no lumbar ESI sessions", "1 lumbar ESI session", "2 …s"."""
    many = plural or f"{noun}s"
    if n == 0:
        return f"no {many}"
    return f"{n} {noun if n == 1 else many}"


__all__ = [
    "DISCOGRAPHY",
    "ESI_STENOSIS",
    "ESI_TIMING",
    "FUSION",
    "HOLD",
    "NEUROPATHIC_AGENTS",
    "OPIOIDS",
    "ORAL_STEROIDS",
    "RFA_SCOPE",
    "SCS_SELECTION",
    "Rule",
    "count",
    "unread_gap",
]
