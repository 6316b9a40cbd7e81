"""Mimics to exclude before the next spine procedure (decision model §7.5).

Hip osteoarthritis, peripheral arterial disease with claudication, peroneal neuropathy, meralgia
paraesthetica, trochanteric bursitis, diabetic amyotrophy or polyneuropathy and sciatic neuropathy
all produce leg pain, numbness or weakness that can pass for a lumbar radiculopathy. When one is
on record beside a lumbar treatment that did not work, the next spine procedure (a repeat or
different injection, surgery, stimulation) may be aimed at the wrong pain generator.

When: a current mimic diagnosis and a card whose next step follows a failed or insufficient lumbar
  treatment — conservative care that did not settle the pain (P1, P2), failed injections (F2–F8),
  the post-surgical states (S1–S4), a failed ablation (A1), stimulation that failed or lost effect
  (N2, N3, L1).
Then: the card names the mimic among its deciding facts and its next step becomes that mimic's
  examination or test, before the spine procedure it recommends. F4 (diagnosis uncertain) is built
  around the mimic itself. Acute sciatica (E1, E2: no treatment has failed yet, the plan is
  conservative care and reassessment at 6 weeks), successes (F1, A2, N1), F0 and red flags are left
  unchanged: a red flag must stand alone.
Evidence: ACR 2021 (imaging abnormalities do not always explain the symptoms; look for other
  causes); NASS 2014 (diagnosis of lumbar disc herniation with radiculopathy: history and
  examination to exclude other causes of leg pain).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hooks.cards import CardDraft, Fact
from hooks.evidence import guideline
from hooks.facts import ConditionFact
from hooks.pathway.context import PathwayContext

MIMIC_EVIDENCE = ("acr_lbp_2021", "nass_ldh")


@dataclass(frozen=True, slots=True)
class Mimic:
    """One kind of mimic: its value set, how a card names it, and the examination or test that
    tells it from a radiculopathy (``emg``: that test is EMG/nerve conduction studies)."""

    value_set: str
    name: str
    test: str
    emg: bool = False


MIMICS: tuple[Mimic, ...] = (
    Mimic("mimic_hip_osteoarthritis", "hip osteoarthritis", "hip examination and a hip radiograph"),
    Mimic(
        "mimic_arterial_claudication",
        "peripheral arterial disease with claudication",
        "foot pulses and an ankle-brachial index",
    ),
    Mimic("mimic_peroneal_neuropathy", "peroneal neuropathy", "EMG/nerve conduction studies", emg=True),
    Mimic(
        "mimic_meralgia_paresthetica",
        "meralgia paraesthetica",
        "examination of lateral-thigh sensation (lateral femoral cutaneous nerve)",
    ),
    Mimic(
        "mimic_trochanteric_bursitis",
        "trochanteric bursitis",
        "examination for greater-trochanter tenderness",
    ),
    Mimic(
        "mimic_peripheral_neuropathy",
        "diabetic amyotrophy or polyneuropathy",
        "EMG/nerve conduction studies",
        emg=True,
    ),
    Mimic("mimic_sciatic_neuropathy", "sciatic neuropathy", "EMG/nerve conduction studies", emg=True),
)

# Cards whose next step follows a lumbar treatment that failed or did not settle the pain. F4 is
# not here: it is the mimic card itself.
AFTER_FAILED_TREATMENT = frozenset(
    ("P1", "P2", "F2", "F3", "F5", "F6", "F7", "F8", "S1", "S2", "S3", "S4", "A1", "N2", "N3", "L1")
)


def mimics_found(ctx: PathwayContext) -> tuple[tuple[ConditionFact, Mimic], ...]:
    """Each current mimic Condition with its kind, in record order (one kind per Condition)."""
    out = []
    for c in ctx.conditions("alternative_or_mimicking_diagnoses"):
        kind = next((m for m in MIMICS if ctx.matches(m.value_set, c.codings)), None)
        if kind is not None:
            out.append((c, kind))
    return tuple(out)


def mimic_facts(ctx: PathwayContext, found: tuple[tuple[ConditionFact, Mimic], ...]) -> tuple[Fact, ...]:
    """One deciding fact per mimic Condition (the Condition's own wording; its onset is not what
    decides); the card names the mimic by its kind ("possible mimic: peripheral arterial disease")."""
    return tuple(
        Fact(f"possible mimic: {c.text or m.name}", c.ref, short=f"possible mimic: {m.name}")
        for c, m in found
    )


def mimic_step(found: tuple[tuple[ConditionFact, Mimic], ...]) -> str:
    """The next step that excludes the mimics: each named once, with its examination or test."""
    kinds = list(dict.fromkeys(m for _, m in found))
    if len(kinds) == 1:
        what = f"{kinds[0].name}: {kinds[0].test}"
    else:
        what = "; ".join(f"{m.name} ({m.test})" for m in kinds)
    return f"Before the next spine procedure, exclude {what} (ACR 2021; NASS 2014)."


def with_mimics(ctx: PathwayContext, card: CardDraft) -> CardDraft:
    """``card`` with the mimics on record named after its first deciding fact and their test as the
    next step, when the card follows a failed lumbar treatment; otherwise ``card`` unchanged."""
    if card.rule_id not in AFTER_FAILED_TREATMENT:
        return card
    found = mimics_found(ctx)
    if not found:
        return card
    facts = mimic_facts(ctx, found)
    keys = {g.key for g in card.evidence}
    extra = tuple(guideline(k) for k in MIMIC_EVIDENCE if k not in keys)
    return replace(
        card,
        why=tuple(dict.fromkeys((*card.why[:1], *facts, *card.why[1:]))),
        next_steps=(mimic_step(found), *card.next_steps),
        evidence=card.evidence + extra,
    )
