"""Public sources as data: guidelines, coverage policies and studies. Cards cite them by key.

Every entry is a public source a clinician can look up, named as clinicians name it ("NICE NG59",
"PRECISE 2017"). Citation details were checked against the publisher or PubMed; where a detail
(volume, pages) could not be confirmed it is left out rather than shown with a caveat. ``kind``
keeps studies from being labelled guidelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["guideline", "coverage policy", "trial", "study"]


@dataclass(frozen=True, slots=True)
class Guideline:
    key: str
    label: str  # short name shown on cards, e.g. "NICE NG59"
    title: str
    year: str
    citation: str
    url: str  # absolute https URL
    kind: SourceKind = "guideline"

    def markdown(self) -> str:
        what = "" if self.kind == "guideline" else f" ({self.kind})"
        return f"[{self.label}]({self.url}){what} — {self.title} ({self.year}). {self.citation}"

    @property
    def link_label(self) -> str:
        """How a card's link names it: guidelines by name, studies and policies as what they are."""
        return self.label if self.kind == "guideline" else f"{self.label} ({self.kind})"


_ALL = (
    Guideline(
        "nice_ng59", "NICE NG59",
        "Low back pain and sciatica in over 16s: assessment and management",
        "2016, updated 2020", "National Institute for Health and Care Excellence.",
        "https://www.nice.org.uk/guidance/ng59/chapter/Recommendations",
    ),
    Guideline(
        "nass_ldh", "NASS 2014",
        "Diagnosis and Treatment of Lumbar Disc Herniation with Radiculopathy",
        "2012 (journal summary 2014)",
        "Kreiner DS et al. Spine J 2014;14(1):180-191. doi:10.1016/j.spinee.2013.08.003",
        "https://doi.org/10.1016/j.spinee.2013.08.003",
    ),
    Guideline(
        "nass_stenosis", "NASS 2011",
        "Diagnosis and Treatment of Degenerative Lumbar Spinal Stenosis",
        "2011 (journal summary 2013)",
        "Kreiner DS et al. Spine J 2013;13(7):734-743. doi:10.1016/j.spinee.2012.11.059",
        "https://doi.org/10.1016/j.spinee.2012.11.059",
    ),
    Guideline(
        "acr_lbp_2021", "ACR 2021",
        "ACR Appropriateness Criteria® Low Back Pain: 2021 Update",
        "2021", "Hutchins TA et al. J Am Coll Radiol 2021;18(11S):S361-S379. doi:10.1016/j.jacr.2021.08.002",
        "https://doi.org/10.1016/j.jacr.2021.08.002",
    ),
    Guideline(
        "nice_cg173", "NICE CG173",
        "Neuropathic pain in adults: pharmacological management in non-specialist settings",
        "2013, updated 2020", "National Institute for Health and Care Excellence.",
        "https://www.nice.org.uk/guidance/cg173",
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
        "The Neuromodulation Appropriateness Consensus Committee on Best Practices for Dorsal Root "
        "Ganglion Stimulation",
        "2019", "Deer TR et al. Neuromodulation 2019.",
        "https://pubmed.ncbi.nlm.nih.gov/?term=Neuromodulation+Appropriateness+Consensus+Committee+"
        "Dorsal+Root+Ganglion+Stimulation",
    ),
    Guideline(
        "nacc_salvage_2024", "NACC 2024",
        "Recommendations for SCS Long-Term Outcome Optimization and Salvage Therapy",
        "2024", "Deer TR et al. Neuromodulation 2024;27(6):951-976. doi:10.1016/j.neurom.2024.04.006",
        "https://doi.org/10.1016/j.neurom.2024.04.006",
    ),
    Guideline(
        "pacc_2024", "PACC 2024",
        "Polyanalgesic Consensus Conference: intrathecal drug delivery guidance for chronic noncancer pain",
        "2017; 2024", "Deer TR et al. Neuromodulation 2017;20(2):96-132; Neuromodulation 2024, "
        "doi:10.1016/j.neurom.2024.03.003 (PMID 38752946).",
        "https://doi.org/10.1016/j.neurom.2024.03.003",
    ),
    Guideline(
        "nice_ta159", "NICE TA159",
        "Spinal cord stimulation for chronic pain of neuropathic or ischaemic origin",
        "2008", "National Institute for Health and Care Excellence, technology appraisal guidance 159.",
        "https://www.nice.org.uk/guidance/ta159",
    ),
    Guideline(
        "cdc_opioids_2022", "CDC 2022",
        "Clinical Practice Guideline for Prescribing Opioids for Pain — United States, 2022",
        "2022", "Dowell D et al. MMWR Recomm Rep 2022;71(No. RR-3):1-95.",
        "https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm",
    ),
    Guideline(
        "asipp_epidural_2021", "ASIPP 2021",
        "Epidural Interventions in the Management of Chronic Spinal Pain: American Society of "
        "Interventional Pain Physicians (ASIPP) Comprehensive Evidence-Based Guidelines",
        "2021", "Manchikanti L et al. Pain Physician 2021.",
        "https://www.guidelinecentral.com/guideline/1285181/",
    ),
    Guideline(
        "asra_facet_2020", "ASRA 2020",
        "Consensus practice guidelines on interventions for lumbar facet joint pain",
        "2020", "Cohen SP et al. Reg Anesth Pain Med 2020;45(6):424-467. doi:10.1136/rapm-2019-101243",
        "https://doi.org/10.1136/rapm-2019-101243",
    ),
    Guideline(
        "asra_antithrombotics_2018", "ASRA 2018",
        "Interventional Spine and Pain Procedures in Patients on Antiplatelet and Anticoagulant "
        "Medications (Second Edition): Guidelines from the ASRA, ESRA, AAPM, INS, NANS and WIP",
        "2018", "Narouze S et al. Reg Anesth Pain Med 2018;43(3):225-262. doi:10.1097/AAP.0000000000000700",
        "https://doi.org/10.1097/AAP.0000000000000700",
    ),
    Guideline(
        "cms_esi_lcd", "Medicare ESI LCD",
        "Epidural Steroid Injections for Pain Management (L33906 and its regional equivalents)",
        "2021-2024", "Centers for Medicare & Medicaid Services, Local Coverage Determination L33906.",
        "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=33906", kind="coverage policy",
    ),
    Guideline(
        "cms_facet_lcd", "Medicare facet LCD",
        "Facet Joint Interventions for Pain Management (L34892 and its regional equivalents, e.g. L38765)",
        "2021-2024", "Centers for Medicare & Medicaid Services, Local Coverage Determination L34892.",
        "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=34892", kind="coverage policy",
    ),
    Guideline(
        "cms_si_lcd", "Medicare SI-joint LCD",
        "Sacroiliac Joint Injections and Procedures (L39455 and its regional equivalents)",
        "2021-2024", "Centers for Medicare & Medicaid Services, Local Coverage Determination L39455.",
        "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39455", kind="coverage policy",
    ),
    Guideline(
        "acog_imaging_2017", "ACOG 2017",
        "Guidelines for Diagnostic Imaging During Pregnancy and Lactation (Committee Opinion No. 723)",
        "2017", "American College of Obstetricians and Gynecologists, Committee on Obstetric Practice. "
        "Obstet Gynecol 2017;130(4):e210-e216. doi:10.1097/AOG.0000000000002355",
        "https://doi.org/10.1097/AOG.0000000000002355",
    ),
    Guideline(
        "fda_nsaids_2020", "FDA 2020",
        "FDA recommends avoiding use of NSAIDs in pregnancy at 20 weeks or later because they can "
        "result in low amniotic fluid (Drug Safety Communication)",
        "2020", "U.S. Food and Drug Administration, Drug Safety Communication.",
        "https://www.fda.gov/drugs/drug-safety-and-availability/fda-recommends-avoiding-use-nsaids-"
        "pregnancy-20-weeks-or-later-because-they-can-result-low-amniotic-fluid",
    ),
    Guideline(
        "precise_2017", "PRECISE 2017",
        "Trial of Pregabalin for Acute and Chronic Sciatica",
        "2017", "Mathieson S et al. N Engl J Med 2017;376:1111-1120.",
        "https://doi.org/10.1056/NEJMoa1614292", kind="trial",
    ),
    Guideline(
        "khoromi_2007", "Khoromi 2007",
        "Morphine, nortriptyline and their combination vs. placebo in patients with chronic lumbar "
        "root pain",
        "2007", "Khoromi S et al. Pain 2007;130(1-2):66-75. doi:10.1016/j.pain.2006.10.029",
        "https://doi.org/10.1016/j.pain.2006.10.029", kind="trial",
    ),
    Guideline(
        "farrar_2001", "Farrar 2001",
        "Clinical importance of changes in chronic pain intensity measured on an 11-point numerical "
        "pain rating scale",
        "2001", "Farrar JT et al. Pain 2001;94:149-158.",
        "https://doi.org/10.1016/S0304-3959(01)00349-9", kind="study",
    ),
    Guideline(
        "kroenke_phq9_2001", "PHQ-9 (Kroenke 2001)",
        "The PHQ-9: validity of a brief depression severity measure",
        "2001",
        "Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16(9):606-613. "
        "doi:10.1046/j.1525-1497.2001.016009606.x",
        "https://doi.org/10.1046/j.1525-1497.2001.016009606.x", kind="study",
    ),
    Guideline(
        "kdigo_ckd_2012", "KDIGO 2012",
        "Clinical Practice Guideline for the Evaluation and Management of Chronic Kidney Disease",
        "2012 (published 2013)",
        "KDIGO CKD Work Group. Kidney Int Suppl 2013;3(1):1-150. doi:10.1038/kisup.2012.73",
        "https://doi.org/10.1038/kisup.2012.73",
    ),
    Guideline(
        "aha_hf_2022", "AHA/ACC/HFSA 2022",
        "Guideline for the Management of Heart Failure",
        "2022",
        "Heidenreich PA et al. Circulation 2022;145:e895-e1032. doi:10.1161/CIR.0000000000001063",
        "https://doi.org/10.1161/CIR.0000000000001063",
    ),
    Guideline(
        "acg_nsaid_ulcer_2009", "ACG 2009",
        "Guidelines for prevention of NSAID-related ulcer complications",
        "2009",
        "Lanza FL, Chan FKL, Quigley EMM. Am J Gastroenterol 2009;104(3):728-738. PMID 19240698",
        "https://pubmed.ncbi.nlm.nih.gov/19240698/",
    ),
)

GUIDELINES: dict[str, Guideline] = {g.key: g for g in _ALL}


def guideline(key: str) -> Guideline:
    try:
        return GUIDELINES[key]
    except KeyError:
        raise KeyError(f"unknown guideline {key!r}") from None
