"""The Kubernetes manifest is valid against the Kubernetes schemas and matches the service."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import yaml

from cds_service.settings import Settings

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "k8s" / "radicular-cds.yaml"


def _docs() -> list[dict]:
    return [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]


def test_every_resource_validates_strictly_against_the_kubernetes_schemas() -> None:
    """It passes kubernetes-validate in strict mode (unknown fields rejected) for each resource."""
    docs = _docs()
    assert {d["kind"] for d in docs} == {"ConfigMap", "Secret", "Deployment", "Service"}
    for doc in docs:
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_a_broken_manifest_is_rejected() -> None:
    """The validator really checks: a Deployment with a misspelt field fails."""
    deployment = next(d for d in _docs() if d["kind"] == "Deployment")
    deployment["spec"]["replica"] = 2
    try:
        kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)
    except kubernetes_validate.ValidationError:
        return
    raise AssertionError("a misspelt field passed validation")


def test_probes_hit_the_health_endpoint_and_the_database_url_comes_from_a_secret(make_app) -> None:
    """Readiness and liveness probe the service's real health path; the DB URL is never in the ConfigMap."""
    docs = _docs()
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    paths = {container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe")}
    client = make_app().test_client()
    for path in paths:
        assert client.get(path).status_code == 200, path
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("config"))
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert "CDS_DATABASE_URL" in secret["stringData"]
    assert "CDS_DATABASE_URL" not in config["data"]
    sources = {next(iter(s.values()))["name"] for s in container["envFrom"]}
    assert sources == {config["metadata"]["name"], secret["metadata"]["name"]}


def test_configured_environment_names_are_settings_the_service_reads() -> None:
    """Every CDS_* variable in the ConfigMap changes a setting (no dead configuration)."""
    config = next(d for d in _docs() if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("config"))

    class Recording(dict):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            self.read: set[str] = set()

        def get(self, key: str, default: object = None) -> object:
            self.read.add(key)
            return super().get(key, default)

    env = Recording(config["data"])
    Settings.from_env(env)  # also proves every configured value parses
    for name in config["data"]:
        assert name.startswith("CDS_"), name
        assert name in env.read, f"{name} is not read by Settings.from_env"
