"""Where public sources disagree, as data: both positions, never one silently.

The full reasoning (``render_full``, the pathway page) shows both sides of every conflict a rule
cites. A card shows one line (``Conflict.line``) only when the patient has the contested treatment
now: takes one of ``medications`` or has one of ``orders`` pending — or, on an order hook, is being
ordered it. Every position names a public source.
"""

from __future__ import annotations

from hooks.cards import Conflict

# ---------------------------------------------------------------------------------------------

GABAPENTINOIDS = Conflict(
    "Gabapentinoids (gabapentin, pregabalin) for sciatica",
    "NICE CG173 lists gabapentin and pregabalin for neuropathic pain in general.",
    "PRECISE 2017 found pregabalin no better than placebo for sciatica at 8 or 52 weeks, with more adverse "
    "events; NICE NG59 says do not offer gabapentinoids or other antiepileptics for sciatica.",
    line="NICE CG173 lists it for neuropathic pain; NICE NG59 advises against it for sciatica, where "
    "PRECISE 2017 found pregabalin no better than placebo.",
    # not the other antiepileptics: CG173 lists carbamazepine for trigeminal neuralgia only, so no
    # source is "for" them in sciatica and their line would cite one that is not
    medications=("rx_gabapentinoids",),
    brief="NICE CG173 for nerve pain; NICE NG59 against in sciatica (PRECISE 2017).",
)
# Not PRECISE (a pregabalin trial) nor NICE NG59's "do not offer" (gabapentinoids and antiepileptics):
# for these the evidence in sciatica is missing or negative, not a guideline's no.
NEUROPATHIC_ANTIDEPRESSANTS = Conflict(
    "Antidepressants for neuropathic pain (TCAs, SNRIs) in sciatica",
    "NICE CG173 lists amitriptyline and duloxetine for neuropathic pain in general.",
    "Khoromi 2007 found no significant effect of nortriptyline on chronic lumbar root pain; duloxetine's "
    "evidence for radicular pain is uncertain (chronic low back pain data do not transfer to sciatica).",
    line="NICE CG173 lists it for neuropathic pain; its benefit in sciatica is unproven (a nortriptyline "
    "trial, Khoromi 2007, found none).",
    medications=("rx_antidepressants_neuropathic",),
    brief="NICE CG173 for nerve pain; unproven in sciatica (nortriptyline failed: Khoromi 2007).",
)
# Both classes, as the rules that advise on neuropathic agents in general cite them.
NEUROPATHIC_AGENTS = (GABAPENTINOIDS, NEUROPATHIC_ANTIDEPRESSANTS)
ORAL_STEROIDS = Conflict(
    "Oral corticosteroids for sciatica",
    "A randomised trial of oral prednisone for acute sciatica (Goldberg, JAMA 2015) found a modest gain in "
    "function and none in pain.",
    "NICE NG59 says do not offer oral corticosteroids for managing sciatica.",
    line="a JAMA 2015 trial found a small gain in function; NICE NG59 advises against it for sciatica.",
    medications=("rx_systemic_corticosteroids",),
    brief="a JAMA 2015 trial found a small gain; NICE NG59 advises against.",
)
OPIOIDS = Conflict(
    "Opioids for radicular pain",
    "CDC 2022 allows opioids when benefit outweighs risk, at the lowest effective dose for the shortest "
    "time.",
    "NICE NG59 says do not offer opioids for chronic sciatica; CDC 2022 prefers non-opioid therapies and "
    "asks for regular reassessment of long-term use.",
    line="CDC 2022 allows the lowest effective dose if benefit outweighs risk; NICE NG59 advises against it "
    "for chronic sciatica.",
    medications=("rx_opioids",),
    brief="CDC 2022 allows the lowest effective dose; NICE NG59 advises against for chronic sciatica.",
)
ESI_TIMING = Conflict(
    "Timing of epidural steroid injection",
    "NICE NG59: a specialist may consider an epidural for acute and severe sciatica without waiting.",
    "ACR 2021 and the Medicare ESI LCD place imaging and injection after failed conservative care (the LCD "
    "asks for at least 4 weeks of pain); this service defaults to the conservative-care period.",
    line="NICE NG59 allows an epidural in acute severe sciatica; ACR 2021 and Medicare wait for failed "
    "conservative care.",
    orders=("esi_lumbar_all",),
    brief="NICE NG59 allows an early ESI in severe sciatica; ACR 2021 and Medicare wait.",
)
ESI_STENOSIS = Conflict(
    "Epidural injections for neurogenic claudication",
    "ASIPP 2021 grades epidural injections for spinal stenosis at evidence level II–III.",
    "NICE NG59: do not offer epidural injections for neurogenic claudication in central canal stenosis; "
    "decompression (or MILD for ligamentum flavum hypertrophy) is the alternative.",
    line="ASIPP 2021 supports epidurals for stenosis (level II–III); NICE NG59 advises against them for "
    "neurogenic claudication.",
    orders=("esi_lumbar_all",),
    brief="ASIPP 2021 for; NICE NG59 against in neurogenic claudication.",
)
RFA_SCOPE = Conflict(
    "Radiofrequency ablation: scope and diagnostic blocks",
    "ASRA 2020: one diagnostic medial branch block with at least 50 % relief is enough before RFA.",
    "Medicare facet LCDs require two blocks with at least 80 % relief. Medial-branch RFA treats facet-"
    "mediated (mostly axial) pain, not radicular pain; NICE NG59 allows it only after a positive block. "
    "Some Medicare LCDs do not cover SI-joint RFA.",
    line="ASRA 2020 accepts one positive block; Medicare LCDs require two, and RFA does not treat radicular "
    "pain.",
    orders=("facet_rfa_or_si_rfa",),
    brief="ASRA 2020 accepts one block ≥ 50 %; Medicare requires two ≥ 80 %.",
)
DISCOGRAPHY = Conflict(
    "Discography",
    "ASIPP guidelines rate the diagnostic evidence for lumbar provocative discography as strong.",
    "ACR 2021 rates discography 'usually not appropriate'; keep it to a specialist decision, never primary "
    "care.",
    line="ASIPP rates its diagnostic evidence strong; ACR 2021 rates it usually not appropriate.",
    orders=("discography_lumbar",),
    brief="ASIPP for; ACR 2021 usually not appropriate.",
)
FUSION = Conflict(
    "Fusion",
    "NASS guidelines suggest decompression with fusion for stenosis with spondylolisthesis or instability.",
    "NASS 2014: fusion is not recommended for routine disc herniation; NICE NG59 does not offer fusion for "
    "low back pain outside trials. Fusion belongs with instability or multiple recurrences.",
    line="NASS supports fusion with instability; NASS 2014 and NICE NG59 advise against it for disc "
    "herniation.",
    orders=("lumbar_fusion",),
    brief="NASS for instability; NASS 2014 and NICE NG59 against for disc herniation.",
)
# Not the one line of a failed-trial card (N2): every source asks for a successful trial first, so there
# the disagreement stays in the full reasoning only (``neuromodulation.n2_trial_failed``).
SCS_SELECTION = Conflict(
    "Spinal cord / DRG stimulation selection",
    "NACC 2014 supports stimulation for chronic neuropathic radicular pain after failed care.",
    "NICE TA159 requires at least 6 months of pain despite medical management and a successful trial; "
    "NACC 2014 asks for a psychological evaluation first; US DRG labelling and coverage are narrower.",
    line="NACC 2014 supports stimulation; NICE TA159 requires months of pain and a successful trial first.",
    orders=("spinal_cord_stimulation",),
    brief="NACC 2014 for; NICE TA159 wants 6 months of pain and a successful trial.",
)
