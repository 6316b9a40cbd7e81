"""Whatever the history, the pathway keeps its promises: it never crashes, a critical card stands
alone, one card per topic, summaries fit, every card cites https evidence and names its data, and no
card ever suggests a gabapentinoid, an opioid or a fusion."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathway_builders import (
    codes_of,
    cond,
    med,
    obs,
    order,
    proc,
    report,
    run,
)

from hooks.pathway.failure import Outcome

NEVER_SUGGESTED = {"25480", "187832", "7804", "5489", "7052", "22612", "22630", "22633", "22558"}

FACTS = [
    cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=20),
    cond("radic-old", "lumbar_radiculopathy_conditions", "M54.16", onset=400),
    cond("disc", "lumbar_disc_displacement_without_radiculopathy"),
    cond("sten", "neurogenic_claudication", onset=300),
    cond("fbss", "postlaminectomy_syndrome_fbss", onset=500),
    cond("ces", "red_flag_cauda_equina", onset=1),
    cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=3),
    cond("drop", "red_flag_motor_deficit", "M21.371", onset=100),
    cond("ca", "red_flag_malignancy", "Z85.3", onset=3000),
    cond("fever", "red_flag_infection", "R50.9", onset=2),
    cond("facet", "facet_mediated_pain", "M47.816"),
    cond("si", "sacroiliac_joint_pain", "M46.1"),
    cond("spon", "spondylolisthesis_instability", "M43.16"),
    cond("dm", "alternative_or_mimicking_diagnoses", "E11.42"),
    cond("dep", "psychological_comorbidity", "F33.1"),
    cond("ann", "annulus_fibrosus_defect_post_discectomy", "M51.A2"),
    proc("esi-1", "esi_transforaminal_lumbar", "64483", days=200, level="L5-S1"),
    proc("esi-2", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
    proc("esi-3", "esi_without_image_guidance", "62322", days=30),
    proc("esi-4", "esi_image_guided", "62323", days=5),
    proc("disc-1", "lumbar_decompression_discectomy", "63030", days=700),
    proc("trial-1", "scs_percutaneous_lead", days=40),
    proc("ipg-1", "scs_permanent_system", "63685", days=300),
    proc("rfa-1", "facet_rfa_lumbar", "64635", days=150),
    proc("pt-1", "physical_therapy", "97161", days=120),
    proc("pt-2", "physical_therapy", "97110", days=70),
    obs("nrs-1", "pain", 8, 210),
    obs("nrs-2", "pain", 7, 40),
    obs("nrs-3", "pain", 3, 2),
    obs("odi", "odi", 48, 2),
    obs("phq", "phq9", 14, 10),
    obs("s1", "strength", 5, 30),
    obs("s2", "strength", 3, 1),
    med("nsaid", "rx_nsaids", start=120),
    med("gaba", "rx_gabapentinoids", start=40),
    med("oxy", "rx_opioids", "7804", start=150, daily_dose_mg=60),
    med("dz", "rx_benzodiazepines", start=30),
    med("pred", "rx_systemic_corticosteroids", "8640", start=5, end=1),
    order("esi-order", "esi_transforaminal_lumbar", "64483"),
    order("rfa-order", "facet_rfa_lumbar", "64635"),
    order("ipg-order", "scs_permanent_system"),
    order("mri-order", "mri_lumbar_without_contrast"),
    order("ref", "referral_spine_surgery", status="completed", authored=100, notes=("no surgical target",)),
    report(
        "mri-1", "72148", 100, "Right paracentral disc extrusion at L5-S1 compressing the traversing S1 root."
    ),
    report("mri-2", "72158", 20, "Enhancing epidural fibrosis. No recurrent disc herniation."),
    report("mri-3", "72148", 10, "Mild multilevel degenerative change without nerve root compression."),
]
PROCS = [
    "Procedure/esi-1",
    "Procedure/esi-2",
    "Procedure/esi-3",
    "Procedure/esi-4",
    "Procedure/trial-1",
    "Procedure/rfa-1",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    facts=st.lists(st.sampled_from(FACTS), min_size=1, max_size=14, unique_by=lambda f: f.ref),
    outcomes=st.dictionaries(st.sampled_from(PROCS), st.sampled_from(list(Outcome)), max_size=6),
)
def test_pathway_invariants_hold_for_any_history(facts, outcomes) -> None:  # type: ignore[no-untyped-def]
    cards = run(*facts, outcomes=outcomes)
    topics = [c.topic for c in cards]
    assert len(topics) == len(set(topics))
    if any(c.indicator == "critical" for c in cards):
        assert len(cards) == 1
    for c in cards:
        assert 0 < len(c.summary) <= 139
        assert any(f.ref for f in c.why), c.rule_id
        assert c.evidence and all(g.url.startswith("https://") for g in c.evidence)
        assert not codes_of(c) & NEVER_SUGGESTED, c.rule_id
        if c.selection_behavior == "at-most-one":
            assert sum(s.is_recommended for s in c.suggestions) <= 1
