"""What a new user trips on (issue 15 §7), each checked offline: the dependency lock the container
builds from, the SPDX licence, the JWT audience following the port served, and free-text feedback
comments that can be turned off."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from conftest import FIXED_NOW, ROOT, draft, load_protocol, make_probe_service
from flask import Flask
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sqlalchemy import select
from sqlalchemy.orm import Session

from cds_service.cli import settings_for_serve
from cds_service.settings import Settings
from cds_service.store import Store
from cds_service.store import models as m
from hooks.override_reasons import OVERRIDE_SYSTEM

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = (ROOT / "requirements.lock").read_text()


def locked() -> dict[str, tuple[str, list[str]]]:
    """name → (pinned version, hashes), from the pip-compile lock."""
    out: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK):
        m_ = re.match(r"([A-Za-z0-9_.\-]+)==([^\s\\]+)", block)
        if m_:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            out[canonicalize_name(m_.group(1))] = (m_.group(2), hashes)
    return out


def test_the_lock_pins_every_runtime_dependency_within_its_range_with_hashes() -> None:
    pins = locked()
    assert len(pins) >= len(PYPROJECT["project"]["dependencies"])
    for spec in PYPROJECT["project"]["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock"
        version, _ = pins[name]
        assert req.specifier.contains(version, prereleases=True), (name, version, str(req.specifier))
        for extra in req.extras:  # e.g. PyJWT[crypto] → cryptography, psycopg[binary] → psycopg-binary
            assert {"crypto": "cryptography", "binary": "psycopg-binary"}[extra] in pins, (name, extra)
    for name, (version, hashes) in pins.items():
        assert hashes, f"{name}=={version} has no hash"


def test_the_lock_names_no_machine_or_index() -> None:
    options = [ln for ln in LOCK.splitlines() if ln.startswith("-")]
    assert options == []  # no --find-links, --index-url or --extra-index-url of the machine it was made on
    assert "/opt/" not in LOCK and "/home/" not in LOCK


def test_the_container_installs_from_the_lock_with_hashes() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "-r /tmp/wheelhouse/requirements.lock" in dockerfile
    assert "--no-deps /tmp/wheelhouse/radicular_cds-" in dockerfile  # the service adds no unpinned deps
    wheelhouse = (ROOT / "scripts" / "container" / "wheelhouse").read_text()
    assert "cp requirements.lock wheelhouse/requirements.lock" in wheelhouse
    assert wheelhouse.count("--require-hashes -r requirements.lock") == 2
    readme = (ROOT / "README.md").read_text()
    assert "pip-audit --require-hashes --disable-pip -r requirements.lock" in readme
    assert "pip-compile --generate-hashes" in readme


def test_the_licence_is_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    build = PYPROJECT["build-system"]["requires"]
    setuptools = Requirement(next(r for r in build if r.startswith("setuptools")))
    assert not setuptools.specifier.contains("76.9")  # PEP 639 license strings need setuptools >= 77


@pytest.mark.parametrize(
    "env, bind, expected",
    [
        ({}, None, "http://localhost:8080"),
        ({"CDS_PORT": "9090"}, None, "http://localhost:9090"),
        ({"CDS_PORT": "9090"}, "127.0.0.1:7070", "http://localhost:7070"),
        ({}, "0.0.0.0:8181", "http://localhost:8181"),
        ({"CDS_PUBLIC_BASE_URL": "https://cds.example.org/"}, "127.0.0.1:7070", "https://cds.example.org"),
        ({"CDS_PUBLIC_BASE_URL": "https://cds.example.org", "CDS_PORT": "90"}, None, "https://cds.example.org"),
    ],
)
def test_the_jwt_audience_follows_the_port_served(
    env: dict[str, str], bind: str | None, expected: str
) -> None:
    settings = settings_for_serve(Settings.from_env(env), bind, env)
    assert settings.public_base_url == expected


@pytest.fixture
def comment_app(make_app: Callable[..., Flask]) -> Callable[[bool], Flask]:
    service = make_probe_service(lambda inp: [draft("A", "topic-a", "warning")], id="radicular-pathway")
    return lambda keep: make_app(services=(service,), settings_overrides={"feedback_comments": keep})


@pytest.mark.parametrize("keep", [True, False])
def test_free_text_feedback_comments_can_be_turned_off(
    comment_app: Callable[[bool], Flask], store: Store, keep: bool
) -> None:
    client = comment_app(keep).test_client()
    body = load_protocol("patient-view.full-prefetch.json")
    uuid = client.post("/cds-services/radicular-pathway", json=body).get_json()["cards"][0]["uuid"]
    comment = "pt says neighbour Mrs X drives her; call 555-0100"
    feedback: dict[str, Any] = {
        "feedback": [
            {
                "card": uuid,
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"system": OVERRIDE_SYSTEM, "code": "patient-declines"},
                    "userComment": comment,
                },
                "outcomeTimestamp": FIXED_NOW.isoformat().replace("+00:00", "Z"),
            }
        ]
    }
    assert client.post("/cds-services/radicular-pathway/feedback", json=feedback).status_code == 200
    with Session(store.engine) as s:
        stored = s.execute(select(m.Feedback.reason_code, m.Feedback.user_comment)).one()
    assert tuple(stored) == ("patient-declines", comment if keep else None)
    assert Settings.from_env({"CDS_FEEDBACK_COMMENTS": "false"}).feedback_comments is False
    assert Settings.from_env({}).feedback_comments is True
