"""Guideline citations as data (decision model §4). Cards cite these by key; never inline.

``verified`` is False where the decision model marks the citation or URL as recalled or not
re-verified; cards show that caveat next to the citation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Guideline:
    key: str
    label: str  # short name shown on cards, e.g. "NICE NG59"
    title: str
    year: str
    citation: str
    url: str  # absolute https URL
    verified: bool = True

    def markdown(self) -> str:
        caveat = "" if self.verified else " *(citation detail not re-verified)*"
        return f"[{self.label}]({self.url}) — {self.title} ({self.year}). {self.citation}{caveat}"


_ALL = (
    Guideline(
        "nice_ng59", "NICE NG59",
        "Low back pain and sciatica in over 16s: assessment and management",
        "2016, updated 2020", "National Institute for Health and Care Excellence.",
        "https://www.nice.org.uk/guidance/ng59/chapter/Recommendations",
    ),
    Guideline(
        "nass_ldh", "NASS LDH 2012",
        "Diagnosis and Treatment of Lumbar Disc Herniation with Radiculopathy",
        "2012 (summary 2014)",
        "Kreiner DS et al. Spine J 2014;14(1):180-191. doi:10.1016/j.spinee.2013.08.003",
        "https://doi.org/10.1016/j.spinee.2013.08.003",
    ),
    Guideline(
        "nass_stenosis", "NASS LSS 2011",
        "Diagnosis and Treatment of Degenerative Lumbar Spinal Stenosis",
        "2011 (summary 2013)", "Kreiner DS et al. Spine J 2013;13:734-743.",
        "https://www.spine.org/Research-Clinical-Care/Quality-Improvement/Clinical-Guidelines",
        verified=False,
    ),
    Guideline(
        "acr_lbp_2021", "ACR AC Low Back Pain 2021",
        "ACR Appropriateness Criteria® Low Back Pain: 2021 Update",
        "2021", "Hutchins TA et al. J Am Coll Radiol 2021;18(11S):S361-S379.",
        "https://acsearch.acr.org/list/GetAppendix?PanelName=Neurologic&TopicId=141",
    ),
    Guideline(
        "nacc_2014", "NACC 2014",
        "The appropriate use of neurostimulation of the spinal cord and peripheral nervous system "
        "for the treatment of chronic pain and ischemic diseases",
        "2014", "Deer TR et al. Neuromodulation 2014;17(6):515-550. doi:10.1111/ner.12208",
        "https://doi.org/10.1111/ner.12208",
    ),
    Guideline(
        "nacc_drg_2019", "NACC DRG 2019",
        "Best Practices for Dorsal Root Ganglion Stimulation",
        "2019", "Deer TR et al. Neuromodulation 2019;22(1):1-35.",
        "https://pubmed.ncbi.nlm.nih.gov/?term=Deer+dorsal+root+ganglion+stimulation+best+practices+2019",
        verified=False,
    ),
    Guideline(
        "nacc_salvage_2024", "NACC 2024",
        "Recommendations for SCS Long-Term Outcome Optimization and Salvage Therapy",
        "2024", "Deer TR et al. Neuromodulation 2024;27(6):951-976.",
        "https://pubmed.ncbi.nlm.nih.gov/?term=Deer+spinal+cord+stimulation+salvage+2024+Neuromodulation",
    ),
    Guideline(
        "pacc_2024", "PACC 2017/2024",
        "Polyanalgesic Consensus Conference: intrathecal drug delivery guidance for chronic noncancer pain",
        "2017; 2024", "Deer TR et al. Neuromodulation 2017;20(2):96-132; Neuromodulation 2024, "
        "doi:10.1016/j.neurom.2024.03.003 (PMID 38752946).",
        "https://doi.org/10.1016/j.neurom.2024.03.003",
    ),
    Guideline(
        "nice_ta159", "NICE TA159",
        "Spinal cord stimulation for chronic pain of neuropathic or ischaemic origin",
        "2008", "National Institute for Health and Care Excellence.",
        "https://www.nice.org.uk/guidance/ta159", verified=False,
    ),
    Guideline(
        "cdc_opioids_2022", "CDC 2022",
        "Clinical Practice Guideline for Prescribing Opioids for Pain — United States, 2022",
        "2022", "Dowell D et al. MMWR Recomm Rep 2022;71(No. RR-3):1-95.",
        "https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm",
    ),
    Guideline(
        "asipp_epidural_2021", "ASIPP 2021",
        "Epidural Interventions in the Management of Chronic Spinal Pain: ASIPP Comprehensive "
        "Evidence-Based Guidelines",
        "2021", "Manchikanti L et al. Pain Physician 2021;24(S1):S27-S208.",
        "https://www.painphysicianjournal.com/", verified=False,
    ),
    Guideline(
        "asipp_facet_2020", "ASIPP facet 2020",
        "Comprehensive Evidence-Based Guidelines for Facet Joint Interventions in the Management "
        "of Chronic Spinal Pain",
        "2020", "Manchikanti L et al. Pain Physician 2020;23(3S):S1-S127.",
        "https://www.painphysicianjournal.com/", verified=False,
    ),
    Guideline(
        "asra_facet_2020", "ASRA facet consensus 2020",
        "Consensus practice guidelines on interventions for lumbar facet joint pain",
        "2020", "Cohen SP et al. Reg Anesth Pain Med 2020;45(6):424-467. doi:10.1136/rapm-2019-101243",
        "https://doi.org/10.1136/rapm-2019-101243",
    ),
    Guideline(
        "cms_esi_lcd", "CMS ESI LCD",
        "Epidural Steroid Injections for Pain Management (L33906 and MAC equivalents)",
        "2021-2024", "Centers for Medicare & Medicaid Services, Local Coverage Determination.",
        "https://www.cms.gov/medicare-coverage-database/search.aspx", verified=False,
    ),
    Guideline(
        "cms_facet_lcd", "CMS facet LCD",
        "Facet Joint Interventions for Pain Management (L38765, L38803 and MAC equivalents)",
        "2021-2024", "Centers for Medicare & Medicaid Services, Local Coverage Determination.",
        "https://www.cms.gov/medicare-coverage-database/search.aspx", verified=False,
    ),
    Guideline(
        "precise_2017", "PRECISE (NEJM 2017)",
        "Trial of Pregabalin for Acute and Chronic Sciatica",
        "2017", "Mathieson S et al. N Engl J Med 2017;376:1111-1120.",
        "https://doi.org/10.1056/NEJMoa1614292",
    ),
    Guideline(
        "khoromi_2007", "Khoromi 2007",
        "Morphine, nortriptyline and their combination vs. placebo in patients with chronic lumbar "
        "root pain",
        "2007", "Khoromi S et al. Pain 2007;130:66-75.",
        "https://doi.org/10.1016/j.pain.2006.10.029", verified=False,
    ),
    Guideline(
        "farrar_2001", "Farrar 2001",
        "Clinical importance of changes in chronic pain intensity measured on an 11-point numerical "
        "pain rating scale",
        "2001", "Farrar JT et al. Pain 2001;94:149-158.",
        "https://doi.org/10.1016/S0304-3959(01)00349-9",
    ),
)

GUIDELINES: dict[str, Guideline] = {g.key: g for g in _ALL}


def guideline(key: str) -> Guideline:
    try:
        return GUIDELINES[key]
    except KeyError:
        raise KeyError(f"unknown guideline {key!r}") from None
