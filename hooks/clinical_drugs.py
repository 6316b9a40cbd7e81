"""Opioid clinical drugs: ingredient and strength per unit, and the MME per day of an order.

EHRs and the CDS Hooks Sandbox often send an opioid order as an RxNorm clinical drug (SCD/SBD)
code and its name only ("oxycodone hydrochloride 5 MG Oral Tablet", 2 tablets 4 times a day).
``clinical_drug`` finds the drug's ingredients and strengths in the shipped table of opioid
clinical drugs (``data/opioid_clinical_drugs.json``, from the CDC opioid MME toolkit data) or,
failing that, reads them from the RxNorm name; ``mme_per_day`` turns units per dose × doses per
day into morphine milligram equivalents with the CDC 2022 factors of ``data/mme_conversion.json``
(via ``hooks.mme``). When the MME cannot be computed the result says why, so a card can say so.

Pure functions over shipped data: no I/O beyond reading the two files once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hooks.mme import mme_factors

TABLE_FILE = Path(__file__).resolve().parent / "data" / "opioid_clinical_drugs.json"

# CDC 2022 factors are for opioids taken by mouth (per mg/day) and for transdermal fentanyl (per
# mcg/h); no factor applies to injected, rectal, buccal, sublingual or nasal forms.
_ORAL = re.compile(r"\boral\b", re.IGNORECASE)
_TRANSDERMAL = re.compile(r"\btransdermal\b", re.IGNORECASE)

# "<value> <MG|MCG>[/<per>]" inside one component of an RxNorm name.
_STRENGTH = re.compile(
    r"(?<![\w.])(?P<value>\d+(?:\.\d+)?)\s+(?P<unit>MG|MCG)(?:/(?P<per>ML|HR|ACTUAT))?(?![\w/])",
    re.IGNORECASE,
)
# Quantity and release prefixes before the ingredient ("12 HR", "1 ML", "168 HR") and RxNorm's
# qualitative distinctions ("Abuse-Deterrent", "Matrix Delivery").
_PREFIX = re.compile(
    r"^(?:(?:abuse-deterrent|matrix delivery)\s+)?(?:\d+(?:\.\d+)?\s+(?:hr|day|ml|actuat)\s+)?",
    re.IGNORECASE,
)
_BRAND = re.compile(r"\s*\[[^\]]*\]\s*$")


@dataclass(frozen=True, slots=True)
class Strength:
    """One ingredient of a clinical drug: ``value_mg`` mg per ``per`` (None: per tablet, capsule or
    other unit of the dose form; "ML"; "HR" for patches; "ACTUAT" for sprays). ``code`` is the
    RxNorm ingredient code when the table gives it."""

    ingredient: str
    value_mg: float
    per: str | None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class ClinicalDrug:
    name: str
    dose_form: str | None
    ingredients: tuple[Strength, ...]
    source: str  # "table" (the shipped opioid drug table) or "name" (read from the RxNorm name)


@dataclass(frozen=True, slots=True)
class IngredientMme:
    ingredient: str
    daily_amount: float  # mg/day, or mcg/h for a patch
    daily_unit: str  # "mg/day" or "mcg/h"
    factor: float
    mme: float


@dataclass(frozen=True, slots=True)
class MmeResult:
    """MME per day of one order, or ``mme_per_day`` None and ``reason`` saying why not."""

    mme_per_day: float | None
    parts: tuple[IngredientMme, ...] = ()
    reason: str | None = None
    no_factor: bool = False  # CDC 2022 gives the drug no conversion factor: no dose would help


@cache
def _table() -> dict[str, dict[str, Any]]:
    raw: dict[str, Any] = json.loads(TABLE_FILE.read_text())
    return dict(raw["drugs"])


@cache
def _opioid_names() -> frozenset[str]:
    """Opioid ingredient names the table and the CDC factors know."""
    per_mg, per_mcg_h = mme_factors()
    return frozenset(
        {i["name"] for d in _table().values() for i in d["ingredients"]} | set(per_mg) | set(per_mcg_h)
    )


@cache
def _opioid_pattern() -> re.Pattern[str]:
    """Any opioid ingredient name as a word, longest first ("dihydrocodeine" before "codeine")."""
    names = sorted(_opioid_names(), key=len, reverse=True)
    return re.compile(r"(?<![a-z])(" + "|".join(re.escape(n) for n in names) + r")(?![a-z])")


def _from_table(entry: dict[str, Any]) -> ClinicalDrug:
    strengths = []
    for i in entry["ingredients"]:
        unit, _, per = str(i["unit"]).partition("/")
        value = float(i["strength"]) * (0.001 if unit.upper() == "MCG" else 1.0)
        strengths.append(Strength(i["name"], value, per.upper() or None, str(i["code"])))
    return ClinicalDrug(entry["name"], entry["dose_form"], tuple(strengths), "table")


def _ingredient_name(text: str) -> str:
    text = _PREFIX.sub("", text.strip()).strip().lower()
    opioid = _opioid_pattern().search(text)
    return opioid.group(1) if opioid else text


def parse_clinical_drug_name(name: str | None) -> ClinicalDrug | None:
    """Ingredients and strengths read from an RxNorm clinical-drug name, or None if it is not one.

    "oxycodone hydrochloride 5 MG / acetaminophen 325 MG Oral Tablet" → oxycodone 5 mg and
    acetaminophen 325 mg per Oral Tablet. Opioid salts are named by their ingredient ("oxycodone");
    other ingredients keep the name as written. Packs ("{...} Pack") are not read.
    """
    if not name or "{" in name:
        return None
    text = _BRAND.sub("", name.strip())
    components = [c.strip() for c in text.split(" / ")]
    strengths: list[Strength] = []
    dose_form: str | None = None
    for i, component in enumerate(components):
        matches = list(_STRENGTH.finditer(component))
        if not matches:
            return None
        m = matches[-1]
        ingredient = _ingredient_name(component[: m.start()])
        if not ingredient:
            return None
        factor = 0.001 if m["unit"].upper() == "MCG" else 1.0
        per = m["per"].upper() if m["per"] else None
        strengths.append(Strength(ingredient, float(m["value"]) * factor, per))
        rest = component[m.end() :].strip()
        if i < len(components) - 1 and rest:
            return None  # a dose form can only follow the last ingredient
        if i == len(components) - 1:
            dose_form = rest or None
    return ClinicalDrug(name, dose_form, tuple(strengths), "name")


def clinical_drug(code: str | None = None, name: str | None = None) -> ClinicalDrug | None:
    """The drug for an RxNorm clinical-drug code (from the shipped table), else read from its name.

    The table lists opioid ingredients only; a name lists every ingredient.
    """
    entry = _table().get(code.strip()) if code else None
    if entry is not None:
        return _from_table(entry)
    return parse_clinical_drug_name(name)


# ER/LA opioids (CDC 2022 recommendation 3): extended-release forms ("Extended Release Oral Tablet",
# "24 HR ..." / "12 HR ..." release prefixes), transdermal systems, and methadone whatever its form.
_EXTENDED_FORM = re.compile(r"\bextended release\b|\btransdermal\b", re.IGNORECASE)
_RELEASE_PREFIX = re.compile(r"(?:^|\s)\d+(?:\.\d+)?\s+HR\s", re.IGNORECASE)
LONG_ACTING_INGREDIENTS = frozenset({"methadone"})


def is_extended_release_or_long_acting(drug: ClinicalDrug) -> bool:
    """Whether a clinical drug is an extended-release or long-acting opioid: an extended-release or
    transdermal dose form, a release-duration prefix ("12 HR", "24 HR", "72 HR"), or methadone."""
    if _EXTENDED_FORM.search(drug.dose_form or "") or _EXTENDED_FORM.search(drug.name):
        return True
    if _RELEASE_PREFIX.search(f" {_BRAND.sub('', drug.name)}"):
        return True
    return any(s.ingredient in LONG_ACTING_INGREDIENTS for s in drug.ingredients)


def mme_per_day(
    drug: ClinicalDrug | None, units_per_dose: float | None, doses_per_day: float | None
) -> MmeResult:
    """MME per day of taking ``units_per_dose`` (tablets, capsules, mL or sprays, as the strength is
    expressed; patches worn at once for a transdermal system) ``doses_per_day`` times a day.

    Uses the CDC 2022 factors: oral forms per mg/day, transdermal fentanyl per mcg/h (a patch's
    dose is its rate, whatever the frequency). Any opioid ingredient without a factor for its
    form (buprenorphine, parenteral or buccal forms ...) makes the whole result unknown, with the
    reason: a partial sum would understate the dose.
    """
    if drug is None:
        return MmeResult(
            None, reason="the drug's strength is not known (no opioid table entry and no readable name)"
        )
    per_mg, per_mcg_h = mme_factors()
    opioids = [s for s in drug.ingredients if s.ingredient in _opioid_names()]
    if not opioids:
        return MmeResult(None, reason=f"no opioid ingredient recognised in {drug.name}")
    form = drug.dose_form or ""
    patch = bool(_TRANSDERMAL.search(form))
    if not patch and (units_per_dose is None or doses_per_day is None):
        return MmeResult(
            None, reason=f"the dose of {drug.name} (amount per dose and doses per day) is not given"
        )
    if patch and units_per_dose is None:
        return MmeResult(None, reason=f"the number of {drug.name} patches is not given")
    parts: list[IngredientMme] = []
    for s in opioids:
        if patch and s.per == "HR" and s.ingredient in per_mcg_h:
            rate = s.value_mg * 1000.0 * float(units_per_dose or 0)
            factor = per_mcg_h[s.ingredient]
            parts.append(IngredientMme(s.ingredient, rate, "mcg/h", factor, rate * factor))
        elif not patch and _ORAL.search(form) and s.per != "HR" and s.ingredient in per_mg:
            daily = s.value_mg * float(units_per_dose or 0) * float(doses_per_day or 0)
            factor = per_mg[s.ingredient]
            parts.append(IngredientMme(s.ingredient, daily, "mg/day", factor, daily * factor))
        else:
            where = f" in {form}" if form else " (dose form unknown)"
            return MmeResult(
                None, reason=f"CDC 2022 gives no MME conversion factor for {s.ingredient}{where}"
            )
    return MmeResult(round(sum(p.mme for p in parts), 2), tuple(parts))
