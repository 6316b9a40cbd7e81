"""Each worker warms up before its first call, without leaving a trace in the governance record."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from cds_service.warmup import warm_up

FIXTURES = Path(__file__).resolve().parent.parent / "fhir_fixtures"


def test_every_service_and_hook_runs_once_on_the_synthetic_chart(make_app: Callable[..., Flask]) -> None:
    """It runs all three (service, hook) pairs; none fails on the warm-up chart."""
    engine = make_app().extensions["cds_engine"]
    expected = sum(len(s.hooks) for s in engine.services)
    assert expected == 3
    assert warm_up(engine) == expected


def test_warm_app_records_nothing(make_app: Callable[..., Flask], store: Any) -> None:
    """create_app(warm=True) answers normally afterwards and has written no audit rows."""
    recorded: list[Any] = []
    real = store.record_invocation
    store.record_invocation = lambda rec: (recorded.append(rec), real(rec))
    app = make_app(warm=True)
    assert recorded == []
    assert app.test_client().get("/cds-services").status_code == 200


def test_a_warm_app_has_compiled_its_routes(make_app: Callable[..., Flask]) -> None:
    """Werkzeug compiles the route matcher when it is first used; a warm app has done it, so the
    first request does not."""
    assert make_app(warm=True).url_map._remap is False
    assert make_app().url_map._remap is True


@pytest.mark.parametrize(
    ("fixture", "service"),
    [
        ("protocol/patient-view.full-prefetch.json", "radicular-pathway"),
        ("pathway/a1_failed_rfa.json", "radicular-pathway"),
        ("orders/discography.order-select.json", "radicular-order-select"),
        ("orders/discography.order-sign.json", "radicular-order-sign"),
    ],
)
def test_a_warm_app_answers_as_a_cold_one(make_app: Callable[..., Flask], fixture: str, service: str) -> None:
    """What the warm-up leaves in a worker's caches (validated models and elements, the value sets
    of each code, histories, remembered decisions) changes no answer: the same cards, word for
    word, with the same suggestions."""
    body = json.loads((FIXTURES / fixture).read_text())

    def answer(app: Flask) -> Any:
        resp = app.test_client().post(f"/cds-services/{service}", json=body)
        assert resp.status_code == 200
        cards = resp.get_json()["cards"]
        for card in cards:
            del card["uuid"]
            for suggestion in card.get("suggestions", []):
                del suggestion["uuid"]
        return cards

    cold = answer(make_app())
    assert cold, "a fixture that draws no card would compare nothing"
    assert answer(make_app(warm=True)) == cold


def test_a_failing_warm_up_call_is_logged_not_raised(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    """A service that errors during warm-up does not stop the worker; the failure is logged."""
    engine = make_app().extensions["cds_engine"]
    broken = type(engine.services[0])(**{**engine.services[0].__dict__, "evaluate": _boom})
    engine.services = (broken,)
    with caplog.at_level(logging.WARNING, logger="cds_service.warmup"):
        assert warm_up(engine) == 0
    assert any(getattr(r, "event", None) == "warmup_failed" for r in caplog.records)


def _boom(inp: Any) -> list[Any]:
    raise RuntimeError("rule failure")


def test_the_warm_up_chart_validates_every_type_the_adapter_reads(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every resource of the warm-up chart carries what the relevance screen keeps (codes of the
    shipped value sets, spine-care words), so each type the adapter validates is validated once
    before the first call, and the facts and rules run on it."""
    from cds_service import fhir_adapter

    engine = make_app().extensions["cds_engine"]
    validated: set[str] = set()
    real = fhir_adapter.parse_resource

    def parse_resource(raw: Any, where: str, elements: Any = None) -> Any:
        validated.add(raw["resourceType"])
        return real(raw, where, elements)

    monkeypatch.setattr(fhir_adapter, "parse_resource", parse_resource)
    assert warm_up(engine) == 3
    assert validated == set(fhir_adapter.VALIDATED_TYPES)


def test_the_warm_up_chart_takes_its_codes_from_the_value_sets(make_app: Callable[..., Flask]) -> None:
    """The chart's clinical codes are the first members of the value sets it names; none is
    written in the warm-up module."""
    from cds_service.warmup import _CODED_BY, _chart

    term = make_app().extensions["cds_engine"].terminology
    by_type, medication = _chart(term)
    for rtype, name in _CODED_BY.items():
        resource = medication if rtype == "Medication" else by_type[rtype]
        (coding,) = resource["code"]["coding"]
        first = term.first(name)
        assert (coding["system"], coding["code"]) == (first.system, first.code), rtype


def test_a_call_thread_warm_up_that_fails_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    """A database that cannot be reached as a call thread starts leaves the thread serving; the
    failure is logged and the thread's first call opens its connection itself."""
    from cds_service.warmup import warm_up_thread

    class Unreachable:
        def warm_up_thread(self) -> None:
            raise OSError("connection refused")

    with caplog.at_level(logging.WARNING, logger="cds_service.warmup"):
        warm_up_thread(Unreachable())  # type: ignore[arg-type]
    assert [getattr(r, "event", None) for r in caplog.records] == ["warmup_failed"]


def test_preload_reaches_nested_element_models() -> None:
    """It loads the element models nested in the resources the rules read (e.g. Dosage, Period)."""
    import sys

    from cds_service.fhir_adapter import VALIDATED_TYPES, preload_models

    assert preload_models(VALIDATED_TYPES) > len(VALIDATED_TYPES)
    assert "fhir.resources.R4B.dosage" in sys.modules
    assert "fhir.resources.R4B.period" in sys.modules
