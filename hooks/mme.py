"""Morphine milligram equivalents (CDC 2022): conversion factors as data, read once.

The factors live in ``hooks/data/mme_conversion.json`` with their source; the pathway's M1 card
and the order guardrails' opioid check both read them from here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

MME_FILE = Path(__file__).resolve().parent / "data" / "mme_conversion.json"


@cache
def mme_factors() -> tuple[dict[str, float], dict[str, float]]:
    """(factors per mg/day, factors per mcg/h) by the ingredient name the rx_opioids value set displays."""
    raw: dict[str, Any] = json.loads(MME_FILE.read_text())
    return dict(raw["factors_per_mg_day"]), dict(raw["factors_per_mcg_hour"])
