"""A drug drafted by its brand, coded at the clinical-drug level (SBD) no value set lists, is
judged as its ingredient, as a recorded "Eliquis" is: by the brand table (hooks/data/brand_names.json)
and the opioid clinical-drug table (hooks/data/opioid_clinical_drugs.json). Controls: the ingredient
orders are judged as before, and a brand with nothing to warn of draws no card."""

from __future__ import annotations

from tests.orders_builders import RADICULOPATHY, cond, med, mr, sr
from tests.test_orders_checks import one, rules, run

RAD = cond("rad", RADICULOPATHY, 90, "Radiculopathy, lumbar region")
ALPRAZOLAM = med("a", "596", "alprazolam", 20)
HEART_FAILURE = cond("hf", "I50.22", 400, "Heart failure")
TFESI = sr("t", "64483", "TFESI L5-S1")
NORCO = mr("m", "857004", "Norco 5 MG / 325 MG Oral Tablet", 1, unit="{tbl}")
PLAVIX = mr("m", "213169", "Plavix 75 MG Oral Tablet", 1, unit="{tbl}")
MOTRIN = mr("m", "206917", "Motrin 800 MG Oral Tablet", 1, unit="{tbl}")


def test_norco_with_alprazolam_draws_the_opioid_benzodiazepine_card() -> None:
    c = one(run("order-sign", [NORCO], RAD, ALPRAZOLAM), "order.opioid-risk")
    assert c.summary.startswith("Opioid with a benzodiazepine")


def test_norco_is_read_as_hydrocodone_from_the_opioid_drug_table() -> None:
    """Its dose is worked out from the table's strength: 5 mg hydrocodone a tablet, 1 a day."""
    c = one(run("order-sign", [mr("m", "857004", "Norco", 2, unit="{tbl}", per=6)], RAD), "order.opioid-risk")
    assert any("60 MME/day" in f.text for f in c.why), [f.text for f in c.why]


def test_plavix_drafted_with_a_tfesi_draws_the_antithrombotic_warning() -> None:
    c = one(run("order-sign", [PLAVIX, TFESI], RAD), "order.antithrombotic-procedure")
    assert c.indicator == "warning" and "clopidogrel" in c.summary


def test_motrin_with_heart_failure_draws_the_nsaid_card() -> None:
    c = one(run("order-sign", [MOTRIN], RAD, HEART_FAILURE), "order.nsaid-co-prescription")
    assert c.summary.startswith("Ibuprofen with heart failure")


def test_control_the_ingredient_orders_are_judged_as_before() -> None:
    hf = one(
        run("order-sign", [mr("m", "5640", "ibuprofen", 800)], RAD, HEART_FAILURE),
        "order.nsaid-co-prescription",
    )
    assert hf.summary.startswith("Ibuprofen with heart failure")
    benzo = one(
        run("order-sign", [mr("m", "7804", "oxycodone", 5, per=4)], RAD, ALPRAZOLAM), "order.opioid-risk"
    )
    assert benzo.summary.startswith("Opioid with a benzodiazepine")


def test_control_brands_with_nothing_to_warn_of_draw_no_card() -> None:
    assert "order.nsaid-co-prescription" not in rules(run("order-sign", [MOTRIN], RAD))
    assert "order.antithrombotic-procedure" not in rules(run("order-sign", [PLAVIX], RAD))
    # a word that only contains a brand ("somatostatin" holds "Soma") is no carisoprodol
    assert rules(run("order-sign", [mr("m", None, "somatostatin 0.25 MG Injection", 1)], RAD)) == []
