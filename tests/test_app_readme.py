"""The README stays true: every setting is documented, the two commands exist, CI runs the test one."""

from __future__ import annotations

import os
import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    """Each CDS_* variable Settings.from_env reads has a row in the README table, and no row is stale."""
    settings_src = (ROOT / "cds_service" / "settings.py").read_text()
    read = set(re.findall(r'"(CDS_[A-Z0-9_]+)"', settings_src))
    documented = set(re.findall(r"^\| `(CDS_[A-Z0-9_]+)` \|", README, flags=re.MULTILINE))
    assert read, "no settings found"
    assert read - documented == set(), "settings missing from the README table"
    assert documented - read == set(), "README documents settings that do not exist"


def test_the_two_commands_exist_and_ci_runs_the_test_one() -> None:
    """scripts/dev-serve and scripts/test are executable, named in README, and .ci/run runs scripts/test."""
    for script in ("scripts/dev-serve", "scripts/test", ".ci/run"):
        assert os.access(ROOT / script, os.X_OK), script
    assert "scripts/dev-serve     # 1." in README and "scripts/test          # 2." in README
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert ci[-1] == "exec scripts/test"
    assert "CDS_DEV_DISABLE_AUTH" in (ROOT / "scripts" / "dev-serve").read_text()


def test_documented_endpoints_are_routes() -> None:
    """Every endpoint in the README table is a route of the app."""
    from cds_service.app import create_app
    from cds_service.settings import Settings

    class NoStore:
        def active_snoozes(self, *a: object) -> frozenset[str]:
            return frozenset()

        def take_turns_with(self, turn: object) -> None:
            pass

    app = create_app(Settings(auth_enabled=False), store=NoStore())  # type: ignore[arg-type]
    rules = {(m, r.rule) for r in app.url_map.iter_rules() for m in (r.methods or ()) if m in ("GET", "POST")}
    rows = re.findall(r"^\| `(GET|POST) ([^`]+)` \|", README, flags=re.MULTILINE)
    assert len(rows) == 11
    for method, path in rows:
        flask_path = re.sub(
            r"\{(\w+)\}", lambda m: "<" + ("service_id" if m.group(1) == "id" else m.group(1)) + ">", path
        )
        assert (method, flask_path) in rules, (method, path)


def test_the_test_command_names_its_prerequisites_and_a_fast_subset() -> None:
    """A newcomer learns before running it what scripts/test needs, how long it takes, how to run
    less of it, and how to reach the radicular-cds command."""
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    for needed in ("PostgreSQL", "127.0.0.1:5432", "TEST_POSTGRES_URL", "npm", "../shared", "minutes"):
        assert needed in section, needed
    assert "scripts/test -m 'not slow'" in section
    assert ".venv/bin/radicular-cds" in section
    markers = (ROOT / "pyproject.toml").read_text()
    assert '"slow:' in markers and '"postgres:' in markers  # the markers the fast subset names exist
