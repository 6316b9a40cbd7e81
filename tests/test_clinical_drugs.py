"""Opioid clinical drugs: strength per unit from the shipped table or the RxNorm name, and MME/day.

The MME expectations follow the CDC 2022 conversion table (oxycodone 1.5, hydrocodone 1,
morphine 1, hydromorphone 5, methadone 4.7, tramadol 0.2, tapentadol 0.4, codeine 0.15,
transdermal fentanyl 2.4 per mcg/h), which hooks/data/mme_conversion.json holds.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from hooks.clinical_drugs import (
    TABLE_FILE,
    ClinicalDrug,
    Strength,
    clinical_drug,
    mme_per_day,
    parse_clinical_drug_name,
)
from hooks.mme import mme_factors

ROOT = Path(__file__).resolve().parent.parent
TABLE = json.loads(TABLE_FILE.read_text())


def _opioids(drug: ClinicalDrug | None) -> list[tuple[str, float, str | None]]:
    assert drug is not None
    names = {i["name"] for d in TABLE["drugs"].values() for i in d["ingredients"]}
    return sorted((s.ingredient, s.value_mg, s.per) for s in drug.ingredients if s.ingredient in names)


# ---------------------------------------------------------------------------------------------
# the shipped table
# ---------------------------------------------------------------------------------------------


def test_table_names_its_source_and_is_built_from_it() -> None:
    """The table records its public source (CDC OMTK data in cqframework/opioid-mme-r4), the
    source's SHA-256 the build script insists on, and the date it was taken."""
    assert "cqframework/opioid-mme-r4" in TABLE["_source"] and "RxNav" in TABLE["_source"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", TABLE["_retrieved"])
    spec = importlib.util.spec_from_file_location(
        "build_table", ROOT / "scripts" / "build_opioid_drug_table.py"
    )
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert TABLE["_source_sha256"] == build.SOURCE_SHA256
    assert len(TABLE["drugs"]) == 910


def test_table_rows_are_well_formed_and_hold_no_conversion_factors() -> None:
    """Every clinical drug has a name, a dose form and opioid ingredients with a strength per
    unit; MME factors live only in mme_conversion.json."""
    units = {"MG", "MG/ML", "MG/HR", "MG/ACTUAT"}
    for code, d in TABLE["drugs"].items():
        assert code.isdigit() and d["name"] and d["dose_form"], code
        assert set(d) == {"name", "dose_form", "dose_form_code", "ingredients"} and d["ingredients"], code
        for i in d["ingredients"]:
            assert set(i) == {"code", "name", "strength", "unit"}, code
            assert i["strength"] > 0 and i["unit"] in units, code


def test_reading_the_name_agrees_with_the_table_for_every_row() -> None:
    """For each of the table's clinical drugs (packs aside), the name parser finds the same opioid
    ingredients, strengths and dose form as the table: the parser is checked against RxNav data."""
    checked = 0
    for code, d in TABLE["drugs"].items():
        parsed = parse_clinical_drug_name(d["name"])
        if "{" in d["name"]:
            assert parsed is None
            continue
        table = clinical_drug(code)
        assert parsed is not None and table is not None, d["name"]
        assert _opioids(parsed) == _opioids(table), d["name"]
        assert parsed.dose_form == table.dose_form, d["name"]
        checked += 1
    assert checked == 906


# ---------------------------------------------------------------------------------------------
# code → drug, name → drug
# ---------------------------------------------------------------------------------------------


def test_a_code_in_the_table_gives_its_ingredient_and_strength() -> None:
    drug = clinical_drug("1049621")
    assert drug == ClinicalDrug(
        "oxycodone hydrochloride 5 MG Oral Tablet",
        "Oral Tablet",
        (Strength("oxycodone", 5.0, None, "7804"),),
        "table",
    )


def test_a_code_the_table_lacks_falls_back_to_the_name() -> None:
    drug = clinical_drug("999999999", "oxycodone hydrochloride 5 MG Oral Tablet")
    assert drug is not None and drug.source == "name"
    assert drug.ingredients == (Strength("oxycodone", 5.0, None),)


def test_no_code_and_no_readable_name_gives_nothing() -> None:
    assert clinical_drug(None, None) is None
    assert clinical_drug("999999999", "Oxycodone tablets") is None


@pytest.mark.parametrize(
    ("name", "form", "strengths"),
    [
        ("oxycodone hydrochloride 5 MG Oral Tablet", "Oral Tablet", [("oxycodone", 5.0, None)]),
        (
            "buprenorphine 0.02 MG/HR Transdermal System",
            "Transdermal System",
            [("buprenorphine", 0.02, "HR")],
        ),
        (
            "oxycodone hydrochloride 5 MG / acetaminophen 325 MG Oral Tablet",
            "Oral Tablet",
            [("oxycodone", 5.0, None), ("acetaminophen", 325.0, None)],
        ),
        (
            "Abuse-Deterrent 12 HR Oxycodone Hydrochloride 80 MG Extended Release Oral Tablet [OxyContin]",
            "Extended Release Oral Tablet",
            [("oxycodone", 80.0, None)],
        ),
        ("1 ML morphine sulfate 4 MG/ML Injection", "Injection", [("morphine", 4.0, "ML")]),
        (
            "72 HR fentanyl 0.075 MG/HR Transdermal System [Duragesic]",
            "Transdermal System",
            [("fentanyl", 0.075, "HR")],
        ),
        (
            "buprenorphine 8 MG / naloxone hydrochloride 2 MG Sublingual Film",
            "Sublingual Film",
            [("buprenorphine", 8.0, None), ("naloxone hydrochloride", 2.0, None)],
        ),
        ("fentanyl 100 MCG Buccal Tablet", "Buccal Tablet", [("fentanyl", 0.1, None)]),
        ("oxycodone hydrochloride 5 MG/ML Oral Solution", "Oral Solution", [("oxycodone", 5.0, "ML")]),
        (
            "dihydrocodeine bitartrate 16 MG / acetaminophen 356.4 MG Oral Capsule",
            "Oral Capsule",
            [("dihydrocodeine", 16.0, None), ("acetaminophen", 356.4, None)],
        ),
        ("tramadol hydrochloride 50 MG", None, [("tramadol", 50.0, None)]),  # no dose form given
        # any clinical drug, not only opioids: §7.6 classifies steroids by dose form, aspirin by dose
        (
            "methylprednisolone acetate 40 MG/ML Injectable Suspension",
            "Injectable Suspension",
            [("methylprednisolone acetate", 40.0, "ML")],
        ),
        ("predniSONE 20 MG Oral Tablet", "Oral Tablet", [("prednisone", 20.0, None)]),
        (
            "aspirin 81 MG Delayed Release Oral Tablet",
            "Delayed Release Oral Tablet",
            [("aspirin", 81.0, None)],
        ),
    ],
)
def test_rxnorm_names_are_read(
    name: str, form: str | None, strengths: list[tuple[str, float, str | None]]
) -> None:
    drug = parse_clinical_drug_name(name)
    assert drug is not None and drug.source == "name"
    assert drug.dose_form == form
    assert [(s.ingredient, pytest.approx(s.value_mg), s.per) for s in drug.ingredients] == strengths


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "oxycodone",
        "Oxycodone tablets, take two",
        "acetaminophen 325 MG / oxycodone Oral Tablet",  # a component without its strength
        "oxycodone 5 MG Oral Tablet / acetaminophen 325 MG Oral Tablet",  # dose form mid-name
        "{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray) } Pack",
        "lidocaine 5 % Topical Patch",
    ],
)
def test_what_is_not_an_rxnorm_clinical_drug_name_is_not_read(name: str | None) -> None:
    assert parse_clinical_drug_name(name) is None


# ---------------------------------------------------------------------------------------------
# MME per day
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "units", "per_day", "mme"),
    [
        (None, "oxycodone hydrochloride 5 MG Oral Tablet", 2, 4, 60.0),  # the Sandbox order
        ("1049621", None, 2, 4, 60.0),  # the same order by code
        ("856999", None, 1, 4, 40.0),  # hydrocodone 10 mg / acetaminophen 325 mg
        ("891885", None, 1, 2, 60.0),  # 12 HR morphine sulfate 30 mg ER
        (None, "hydromorphone hydrochloride 2 MG Oral Tablet", 1, 6, 60.0),
        ("864706", None, 1, 3, 141.0),  # methadone 10 mg three times a day (CDC 2022: 4.7)
        ("835603", None, 2, 4, 80.0),  # tramadol 50 mg
        (None, "tapentadol 50 MG Oral Tablet", 1, 4, 80.0),
        (None, "acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet", 2, 4, 36.0),
        (None, "oxycodone hydrochloride 5 MG/ML Oral Solution", 5, 4, 150.0),  # 5 mL a dose
        ("197696", None, 1, None, 180.0),  # fentanyl 75 mcg/h patch: the rate, whatever the frequency
        ("637540", None, 1, 4, 29.28),  # oxycodone hydrochloride 4.5 mg + terephthalate 0.38 mg
    ],
)
def test_mme_per_day_from_units_and_frequency(
    code: str | None, name: str | None, units: float, per_day: float | None, mme: float
) -> None:
    result = mme_per_day(clinical_drug(code, name), units, per_day)
    assert result.reason is None
    assert result.mme_per_day == pytest.approx(mme)
    assert sum(p.mme for p in result.parts) == pytest.approx(mme)


def test_mme_parts_show_the_daily_dose_and_the_factor_used() -> None:
    result = mme_per_day(clinical_drug("1049621"), 2, 4)
    (part,) = result.parts
    assert (part.ingredient, part.daily_amount, part.daily_unit) == ("oxycodone", 40.0, "mg/day")
    assert part.factor == mme_factors()[0]["oxycodone"]


@pytest.mark.parametrize(
    ("code", "name", "units", "per_day", "why"),
    [
        (None, None, 2, 4, "strength is not known"),
        ("999999999", "Oxycodone tablets", 2, 4, "strength is not known"),
        (None, "ibuprofen 200 MG Oral Tablet", 2, 4, "no opioid ingredient"),
        ("351265", None, 2, 1, "no MME conversion factor for buprenorphine"),  # buprenorphine 8 mg SL
        (
            None,
            "buprenorphine 0.02 MG/HR Transdermal System",
            1,
            None,
            "no MME conversion factor for buprenorphine",
        ),
        ("1010604", None, 2, 1, "no MME conversion factor for buprenorphine"),  # buprenorphine/naloxone
        ("1732006", None, 1, 6, "no MME conversion factor for morphine in Injection"),
        (None, "fentanyl 100 MCG Buccal Tablet", 1, 4, "no MME conversion factor for fentanyl"),
        (None, "tramadol hydrochloride 50 MG", 1, 4, "dose form unknown"),
        ("1049621", None, None, 4, "dose of oxycodone hydrochloride 5 MG Oral Tablet"),
        ("1049621", None, 2, None, "amount per dose and doses per day"),
        ("197696", None, None, None, "number of 72 HR fentanyl"),
    ],
)
def test_when_mme_cannot_be_computed_the_result_says_why(
    code: str | None, name: str | None, units: float | None, per_day: float | None, why: str
) -> None:
    result = mme_per_day(clinical_drug(code, name), units, per_day)
    assert result.mme_per_day is None and result.parts == ()
    assert result.reason is not None and why in result.reason


def test_the_factors_come_from_the_one_data_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """mme_per_day takes its factors from hooks.mme (hooks/data/mme_conversion.json) and holds none
    of its own: other factors there give another MME for the same order."""
    drug = clinical_drug("1049621")
    assert mme_per_day(drug, 1, 1).mme_per_day == pytest.approx(5 * mme_factors()[0]["oxycodone"])
    monkeypatch.setattr("hooks.clinical_drugs.mme_factors", lambda: ({"oxycodone": 2.0}, {}))
    assert mme_per_day(drug, 1, 1).mme_per_day == pytest.approx(10.0)
    source = (ROOT / "hooks" / "clinical_drugs.py").read_text()
    assert not re.search(r"\b(1\.5|4\.7|0\.15|2\.4)\b", source)
