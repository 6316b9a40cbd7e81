"""Morphine milligram equivalents (CDC 2022): conversion factors as data, read once, and the MME/day
of one medication's doses.

The factors live in ``hooks/data/mme_conversion.json`` with their source; the pathway's M1 card
and the order guardrails' opioid check both read them from here. ``dose_mme`` turns a dose written
in mg (or mcg/h for a fentanyl patch) or in tablets, capsules, mL, sprays or patches of an RxNorm
clinical drug (``hooks.clinical_drugs``) into MME/day, or says why it cannot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooks.facts import Dose, dose_steps
from hooks.terminology import Coding

if TYPE_CHECKING:  # hooks.clinical_drugs reads the factors from here: imported where used
    from hooks.clinical_drugs import ClinicalDrug, MmeResult

MME_FILE = Path(__file__).resolve().parent / "data" / "mme_conversion.json"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATCH_RATE_UNITS = frozenset({"ug/h", "mcg/h", "mcg/hr", "ug/hr"})
# Dose units that count presentation units (tablets, capsules, mL, sprays, patches) rather than mass,
# by what the clinical drug's strength is per (None: a tablet, capsule or other unit of the form).
UNIT_COUNTS = {
    None: frozenset({"{pill}", "pill", "pills", "tablet", "tablets", "tab", "{tbl}", "{tablet}", "capsule",
                     "capsules", "cap", "{cap}", "{capsule}", "{count}", "each", "ea", "1"}),
    "ML": frozenset({"ml", "milliliter", "millilitre"}),
    "ACTUAT": frozenset({"spray", "sprays", "{spray}", "actuat", "{actuat}", "{actuation}", "puff",
                         "{puff}"}),
    "HR": frozenset({"patch", "patches", "{patch}", "system", "{system}"}),
}  # fmt: skip


@cache
def mme_factors() -> tuple[dict[str, float], dict[str, float]]:
    """(factors per mg/day, factors per mcg/h) by the ingredient name the rx_opioids value set displays."""
    raw: dict[str, Any] = json.loads(MME_FILE.read_text())
    return dict(raw["factors_per_mg_day"]), dict(raw["factors_per_mcg_hour"])


def patch_mcg_per_hour(doses: Sequence[Dose]) -> float | None:
    """A patch's rate when a dose is written in mcg/h."""
    for d in doses:
        if d.value is not None and (d.unit or "").strip().lower() in PATCH_RATE_UNITS:
            return d.value
    return None


def dose_clinical_drug(codings: Sequence[Coding], text: str) -> ClinicalDrug | None:
    """The RxNorm clinical drug: by code from the opioid drug table, else read from a name."""
    from hooks.clinical_drugs import clinical_drug, parse_clinical_drug_name

    for c in codings:
        if c.system == RXNORM:
            drug = clinical_drug(c.code, c.display)
            if drug is not None:
                return drug
    return parse_clinical_drug_name(text)


def counts_units(drug: ClinicalDrug | None, dose: Dose) -> bool:
    """Whether the dose counts the units the drug's strength is given per (tablets for mg/tablet ...)."""
    if drug is None:
        return False
    unit = (dose.unit or "").strip().lower()
    pers = {s.per for s in drug.ingredients}
    return len(pers) == 1 and unit in UNIT_COUNTS.get(next(iter(pers)), frozenset())


def units_mme(drug: ClinicalDrug, doses: Sequence[Dose]) -> MmeResult:
    """MME/day of doses counted in the drug's units (tablets, mL, sprays, patches): the doses taken
    together summed, and of a taper's steps (``dose_steps``) the largest."""
    from hooks.clinical_drugs import MmeResult, mme_per_day

    best = 0.0
    for step in dose_steps(doses):
        total = 0.0
        for d in step:
            if d.per_day is None and all(s.per != "HR" for s in drug.ingredients):
                return MmeResult(None, reason=f"how often {drug.name} is taken (doses per day) is not given")
            result = mme_per_day(drug, d.value, d.per_day)
            if result.mme_per_day is None:
                return result
            total += result.mme_per_day
        best = max(best, total)
    return MmeResult(round(best, 2))


def why_no_mme(name: str, text: str, doses: Sequence[Dose], drug: ClinicalDrug | None) -> str:
    """Why the MME/day of a dose of ``name`` (an rx_opioids ingredient) cannot be computed."""
    per_mg, per_mcg_h = mme_factors()
    if name not in per_mg and name not in per_mcg_h:
        return f"CDC 2022 gives no MME conversion factor for {name}"
    given = [d for d in doses if d.value is not None]
    if not given:
        return f"the dose of {text} is not given"
    if any(d.per_day is None for d in given):
        return f"how often {text} is taken (doses per day) is not given"
    if drug is None:
        return f"the strength of {text} per {given[0].unit or 'unit'} is not known"
    return f"the dose unit ({given[0].unit or 'none'}) does not match the strength of {drug.name}"


def dose_mme(
    name: str, codings: Sequence[Coding], text: str, doses: Sequence[Dose], daily_mg: float | None
) -> MmeResult:
    """MME/day of one opioid medication with the CDC 2022 factors, or why it cannot be computed.

    ``name`` is its rx_opioids ingredient ("oxycodone"); ``daily_mg`` its mg/day when the dose is
    stated in mg. A fentanyl patch in mcg/h is converted per mcg/h; otherwise the strength per
    tablet, capsule, mL or patch comes from the RxNorm clinical drug (``codings`` or ``text``) and
    the dose in those units × doses per day.
    """
    from hooks.clinical_drugs import MmeResult

    per_mg, per_mcg_h = mme_factors()
    if name not in per_mg and name not in per_mcg_h:
        # buprenorphine: no factor, so no recorded dose would give an MME/day
        return MmeResult(None, reason=f"CDC 2022 gives no MME conversion factor for {name}", no_factor=True)
    stated: float | None = None
    if name in per_mcg_h:
        rate = patch_mcg_per_hour(doses)
        stated = rate * per_mcg_h[name] if rate is not None else None
    elif daily_mg is not None and name in per_mg:
        stated = daily_mg * per_mg[name]
    if stated is not None:
        return MmeResult(round(stated, 2))
    drug = dose_clinical_drug(codings, text)
    counted = [d for d in doses if d.value is not None and counts_units(drug, d)]
    if drug is not None and counted:
        return units_mme(drug, counted)
    return MmeResult(None, reason=why_no_mme(name, text, doses, drug))
