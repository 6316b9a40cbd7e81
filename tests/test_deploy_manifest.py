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
    kinds = {"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"}
    assert {d["kind"] for d in docs} == kinds
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
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    client = make_app().test_client()
    for path in ("/health/ready", "/health/live"):
        assert client.get(path).status_code == 200, path
    # a replica that cannot serve fails readiness (taken out of the Service) but stays alive
    not_ready = make_app(settings_overrides={"auth_enabled": True, "trust_file": None}).test_client()
    assert not_ready.get("/health/ready").status_code == 503
    assert not_ready.get("/health/live").status_code == 200
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


def test_pods_are_hardened_and_survive_voluntary_disruption() -> None:
    """seccomp RuntimeDefault, no service-account token, and a PodDisruptionBudget that selects the
    Deployment's pods and keeps fewer of them down than there are replicas."""
    docs = _docs()
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"]:
        assert container["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    pdb = next(d for d in docs if d["kind"] == "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert 0 < pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_the_trust_file_in_the_manifest_loads(tmp_path: Path) -> None:
    """The example trust ConfigMap is a trust file the service accepts, with a FHIR server list."""
    from cds_service.auth.trust import load_trust

    trust = next(d for d in _docs() if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("trust"))
    path = tmp_path / "trust.json"
    path.write_text(trust["data"]["trust.json"])
    store = load_trust(path)
    assert store.all_fhir_servers() == frozenset({"https://ehr.example.org/fhir/r4"})


def test_the_readme_section_the_manifest_points_to_exists() -> None:
    readme = (MANIFEST.parents[2] / "README.md").read_text()
    assert '"Kubernetes"' in MANIFEST.read_text()
    assert "\n### Kubernetes\n" in readme
