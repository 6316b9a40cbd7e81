"""What every pathway rule shares: the topics, the rule shape (``hooks.rule.Rule``), the disagreements.

The ``Conflict`` constants are where public sources disagree: the full reasoning shows both
positions; a card shows one line when the patient has the contested treatment now.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from hooks import suggestions as sx
from hooks.cards import Fact
from hooks.rule import Rule, unread_gap
from hooks.text import short_name

if TYPE_CHECKING:  # the context module imports no rule module, but the rules need only its type here
    from hooks.facts import ServiceRequestFact
    from hooks.pathway.context import PathwayContext

# Topics: one card per topic per response (alert fatigue, §1.1.5).
TOPIC_RED_FLAG = "radicular-red-flag"
TOPIC_PATHWAY = "radicular-pathway"
TOPIC_NEUROMODULATION = "radicular-neuromodulation"
TOPIC_ABLATION = "radicular-ablation"
TOPIC_OPIOIDS = "radicular-opioids"
TOPIC_NEUROPATHIC = "radicular-neuropathic-agents"
TOPIC_ORAL_STEROIDS = "radicular-oral-steroids"
TOPIC_NSAIDS = "radicular-nsaids"
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


# Lumbar MRI orders: with none on file, a study already ordered is the one a card would offer (P1,
# P2, F2, F4 name it and review it instead of offering a second one).
MRI_ORDER_SETS = ("imaging_mri_lumbar",)


def pending_mri(ctx: PathwayContext) -> tuple[ServiceRequestFact, ...]:
    """Lumbar MRI orders not yet done (draft, active, on hold) while no MRI is on file: the study is
    on its way, so the card reviews it instead of offering a second one."""
    return () if ctx.mri_studies else ctx.pending(*MRI_ORDER_SETS)


def mri_order_name(ctx: PathwayContext, s: ServiceRequestFact) -> str:
    """The ordered MRI as the card names it: the order's own study when it is one the card could
    have offered (a code display is no name), else the order's text."""
    for spec in (sx.MRI_WITHOUT_CONTRAST, sx.MRI_WITH_AND_WITHOUT_CONTRAST):
        if ctx.matches(spec.value_set, s.codings):
            return spec.text
    return short_name(s.text) or "Lumbar MRI"


def ordered_fact(
    ctx: PathwayContext, s: ServiceRequestFact, prefix: str, kind: str, *, hold: bool = False
) -> Fact:
    """A pending order named in full after ``prefix``, its short form saying what it is in a word
    ("MRI ordered 2026-10-30"; with ``hold``, "hold pending order: ESI ordered …"): a code's long name
    would be cut mid-word in the sidebar."""
    when = f" {s.authored.isoformat()}" if s.authored else ""
    return replace(ctx.order_fact(s, prefix), short=f"{HOLD if hold else ''}{kind} ordered{when}")


def mri_ordered_fact(ctx: PathwayContext, s: ServiceRequestFact) -> Fact:
    """The pending MRI order, its short form saying what it is in a word ("MRI ordered 2026-10-30")."""
    return ordered_fact(ctx, s, "pending MRI order: ", "MRI")


def review_ordered_mri(ctx: PathwayContext, s: ServiceRequestFact) -> str:
    """The opening of a first step while the MRI a card would offer is already ordered: "Review the
    MRI lumbar spine without contrast already ordered on 2026-10-30" (what follows it is the card's)."""
    when = f" on {s.authored.isoformat()}" if s.authored else ""
    return f"Review the {mri_order_name(ctx, s)} already ordered{when}"


__all__ = [
    "DISCOGRAPHY",
    "ESI_STENOSIS",
    "ESI_TIMING",
    "FUSION",
    "HOLD",
    "MRI_ORDER_SETS",
    "NEUROPATHIC_AGENTS",
    "OPIOIDS",
    "ORAL_STEROIDS",
    "RFA_SCOPE",
    "SCS_SELECTION",
    "Rule",
    "count",
    "mri_order_name",
    "mri_ordered_fact",
    "ordered_fact",
    "pending_mri",
    "review_ordered_mri",
    "unread_gap",
]
