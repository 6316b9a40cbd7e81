"""Each worker warms up before its first call, without leaving a trace in the governance record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from cds_service.warmup import warm_up


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


def test_preload_reaches_nested_element_models() -> None:
    """It loads the element models nested in the resources the rules read (e.g. Dosage, Period)."""
    import sys

    from cds_service.fhir_adapter import VALIDATED_TYPES, preload_models

    assert preload_models(VALIDATED_TYPES) > len(VALIDATED_TYPES)
    assert "fhir.resources.R4B.dosage" in sys.modules
    assert "fhir.resources.R4B.period" in sys.modules
