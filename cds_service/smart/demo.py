"""The demonstration charts: the synthetic pathway scenarios in ``fhir_fixtures/pathway``.

``GET /app/demo/<name>`` (only with ``CDS_DEV_DISABLE_AUTH``) renders the page for one of them at
the scenario's own evaluation date, so the picture matches the cards its tests expect.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "pathway"
_NAME = re.compile(r"[a-z0-9_]{1,80}")


@dataclass(frozen=True)
class DemoChart:
    name: str
    title: str
    request: dict[str, Any]
    evaluation_date: str | None


def demo_names(directory: Path = FIXTURES) -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in directory.glob("*.expected.json"))


def load_demo(name: str, directory: Path = FIXTURES) -> DemoChart | None:
    """The scenario's request and evaluation date, or None when there is no such scenario."""
    if not _NAME.fullmatch(name):
        return None
    request_file, expected_file = directory / f"{name}.json", directory / f"{name}.expected.json"
    if not request_file.is_file():
        return None
    expected: dict[str, Any] = {}
    if expected_file.is_file():
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
    return DemoChart(
        name=name,
        title=str(expected.get("title", name)),
        request=json.loads(request_file.read_text(encoding="utf-8")),
        evaluation_date=expected.get("evaluation_date"),
    )
