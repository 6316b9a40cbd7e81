"""What every pathway rule shares: rule metadata as data, the card builder, the disagreements.

A ``Rule`` holds a state's id (the decision-model state, e.g. "F3"), its title, the topic it
competes in (one card per topic), and the guidelines it rests on. ``Rule.card`` builds the
``CardDraft`` and says out loud which prefetch data could not be had.

The ``Conflict`` constants are decision model §1.3: where the seeds and the guidelines disagree,
the card shows both positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hooks.cards import SUMMARY_MAX, CardDraft, Conflict, Fact, Indicator, LinkDraft, SuggestionDraft
from hooks.evidence import guideline
from hooks.pathway.context import PathwayContext

# Topics: one card per topic per response (alert fatigue, §1.1.5).
TOPIC_RED_FLAG = "radicular-red-flag"
TOPIC_PATHWAY = "radicular-pathway"
TOPIC_NEUROMODULATION = "radicular-neuromodulation"
TOPIC_ABLATION = "radicular-ablation"
TOPIC_OPIOIDS = "radicular-opioids"
TOPIC_NEUROPATHIC = "radicular-neuropathic-agents"
TOPIC_ORAL_STEROIDS = "radicular-oral-steroids"
TOPIC_PSYCHOSOCIAL = "radicular-psychosocial"

# Absolute links to the guidelines a card rests on (the detail cites them all; the card links the first few).
MAX_GUIDELINE_LINKS = 3


@dataclass(frozen=True)
class Rule:
    """A decision-model state as data: id, title, topic and the guidelines behind it."""

    id: str
    title: str
    topic: str
    evidence: tuple[str, ...]

    def card(
        self,
        ctx: PathwayContext,
        *,
        indicator: Indicator,
        summary: str,
        why: Iterable[Fact],
        next_steps: Sequence[str],
        avoid: Sequence[str],
        conflicts: Sequence[Conflict] = (),
        gaps: Iterable[str] = (),
        suggestions: Sequence[SuggestionDraft] = (),
        selection_behavior: str = "at-most-one",
        extra_evidence: Sequence[str] = (),
        needs: Sequence[str] = (),
    ) -> CardDraft:
        """The card for this state. ``needs`` names prefetch keys whose absence the card must admit."""
        if len(summary) > SUMMARY_MAX:  # a long free-text date or drug name must not cost the card
            summary = summary[: SUMMARY_MAX - 1].rstrip() + "…"
        facts = tuple(dict.fromkeys(f for f in why if f is not None))
        all_gaps = list(dict.fromkeys(gaps))
        for key in needs:
            reason = ctx.history.unavailable.get(key)
            if reason:
                all_gaps.append(f"{key} could not be retrieved ({reason}): that part was not checked")
        keys = tuple(dict.fromkeys((*self.evidence, *extra_evidence)))
        evidence = tuple(guideline(k) for k in keys)
        if selection_behavior == "at-most-one" and sum(s.is_recommended for s in suggestions) > 1:
            raise ValueError(f"{self.id}: at most one suggestion may be recommended with at-most-one")
        return CardDraft(
            rule_id=self.id,
            topic=self.topic,
            indicator=indicator,
            summary=summary,
            title=self.title,
            why=facts,
            next_steps=tuple(next_steps),
            avoid=tuple(avoid),
            evidence=evidence,
            conflicts=tuple(conflicts),
            gaps=tuple(all_gaps),
            suggestions=tuple(suggestions),
            selection_behavior="any" if selection_behavior == "any" else "at-most-one",
            links=tuple(LinkDraft(f"Guideline: {g.label}", g.url) for g in evidence[:MAX_GUIDELINE_LINKS]),
        )


# ---------------------------------------------------------------------------------------------
# §1.3 where the seeds conflict: both positions, never one silently
# ---------------------------------------------------------------------------------------------

NEUROPATHIC_AGENTS = Conflict(
    "Neuropathic agents (gabapentinoids, TCAs, SNRIs)",
    "seeds 000, 001 and 004 list gabapentinoids, TCAs and SNRIs for radicular pain.",
    "seed 003 notes negative trials in lumbosacral radiculopathy; the PRECISE RCT (NEJM 2017) found "
    "pregabalin no better than placebo at 8 or 52 weeks with more adverse events; Khoromi 2007 found no "
    "significant effect of nortriptyline or morphine; NICE NG59 says do not offer gabapentinoids or other "
    "antiepileptics for sciatica. Duloxetine's evidence for radicular pain is uncertain (chronic low back "
    "pain data do not transfer to sciatica).",
)
ORAL_STEROIDS = Conflict(
    "Oral corticosteroids",
    "seed 002 lists oral corticosteroids as a first approach to radicular pain.",
    "NICE NG59 says do not offer oral corticosteroids for managing sciatica.",
)
OPIOIDS = Conflict(
    "Opioids",
    "seed 000 lists opioids 'for severe cases'; seed 003 allows short-term lowest-dose use only.",
    "NICE NG59 says do not offer opioids for chronic sciatica; CDC 2022 prefers non-opioid therapies and "
    "asks for regular reassessment of long-term use.",
)
ESI_TIMING = Conflict(
    "Timing of epidural steroid injection",
    "seed 003: image-guided ESI only after 6 weeks of failed conservative care (the primary-care default).",
    "NICE NG59: a specialist may consider an epidural for acute and severe sciatica without waiting; "
    "CMS LCDs require pain for at least 4 weeks plus failed conservative care.",
)
ESI_STENOSIS = Conflict(
    "Epidural injections for neurogenic claudication",
    "ASIPP 2021 grades epidural injections for stenosis at evidence level II–III; seed 003 does not "
    "distinguish stenosis.",
    "NICE NG59: do not offer epidural injections for neurogenic claudication in central canal stenosis; "
    "seed 002 steers ligamentum-flavum stenosis to MILD or decompression.",
)
RFA_SCOPE = Conflict(
    "Radiofrequency ablation scope",
    "seed 000 lists RFA 'for facet joint-related radiculopathy'; seed 001 offers RFA after a failed ESI.",
    "medial-branch RFA treats facet-mediated (mostly axial) pain, not radicular pain; seed 002 and NICE NG59 "
    "allow it only after a positive diagnostic medial branch block (threshold configurable: ASRA 2020 "
    "≥ 50 % single block; Medicare facet LCDs two blocks ≥ 80 %). Some Medicare LCDs do not cover SI-joint "
    "RFA.",
)
DISCOGRAPHY = Conflict(
    "Discography",
    "seed 002 recommends discography for suspected discogenic pain.",
    "ACR 2021 rates discography 'usually not appropriate' and NASS and many payers doubt its value: only "
    "in a "
    "specialist setting, never from primary care.",
)
FUSION = Conflict(
    "Fusion",
    "seeds 000 and 001 list fusion for instability, recurrent herniation or severe degeneration.",
    "seed 003 and the NASS disc-herniation guideline: fusion is not for routine disc herniation; NICE NG59 "
    "restricts fusion for low back pain to trials. Fusion belongs only with instability or multiple "
    "recurrences.",
)
SCS_SELECTION = Conflict(
    "Spinal cord / DRG stimulation selection",
    "seeds 000, 001 and 004 offer SCS or DRG stimulation for chronic neuropathic radicular pain after "
    "failed care.",
    "NICE TA159 and NACC 2014 require ≥ 6 months of pain despite medical management, a psychological "
    "evaluation and a trial with ≥ 50 % relief; US DRG labelling and coverage are narrower (check payer).",
)
