"""Every list of services agrees with the manifest, and "Adding a service" (docs/architecture.md) holds as written."""

from __future__ import annotations

import importlib
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

from tripsage_core.manifest import SERVICES, ManifestEntry, ManifestError, parse_manifest
from tripsage_core.settings import ServiceSettings
from tripsage_devstack.generate import (
    DASHBOARD,
    GENERATED_FILES,
    MANIFEST,
    GenerateError,
    drifted,
    render_regions,
    write,
)

REPO = Path(__file__).resolve().parents[3]


def test_no_generated_file_drifts_from_the_manifest() -> None:
    assert drifted(REPO) == [], "run `make generate` and commit what it writes"


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_every_service_has_its_package_chart_and_dockerfile_on_its_port(spec: ManifestEntry) -> None:
    project = tomllib.loads((REPO / "services" / spec.name / "pyproject.toml").read_text())["project"]
    assert project["scripts"][spec.command], spec.name
    values = yaml.safe_load((REPO / spec.chart / "values.yaml").read_text())
    assert values["service"] == {**values["service"], "name": spec.name, "port": spec.port}
    assert f"EXPOSE {spec.port}" in (REPO / spec.dockerfile).read_text()
    config = importlib.import_module(f"tripsage_{spec.name}.config")
    settings = next(
        kind
        for kind in vars(config).values()
        if isinstance(kind, type)
        and issubclass(kind, ServiceSettings)
        and kind.model_config.get("env_prefix") == f"{spec.env_prefix}_"
    )
    assert settings.model_fields["port"].default == spec.port


def test_a_manifest_that_contradicts_itself_is_refused() -> None:
    text = (REPO / MANIFEST).read_text()
    with pytest.raises(ManifestError, match="port"):
        parse_manifest(text + '\n[[service]]\nname = "tours"\nport = 8001\n')
    with pytest.raises(ManifestError, match="prefix"):
        parse_manifest(text + '\n[[service]]\nname = "tours"\nport = 8007\npath_prefixes = ["maps"]\n')
    with pytest.raises(ManifestError, match="unknown keys"):
        parse_manifest(text + '\n[[service]]\nname = "tours"\nport = 8007\nprot = 1\n')


def test_a_file_whose_markers_were_removed_is_drift_not_silence() -> None:
    with pytest.raises(GenerateError, match="no generated region"):
        render_regions("SERVICES=(gateway time)\n", SERVICES, path=Path("build-images.sh"))


def _copy_of_the_repo_files_generation_reads(tmp_path: Path) -> Path:
    for path in (MANIFEST, DASHBOARD, *GENERATED_FILES):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / path, tmp_path / path)
    return tmp_path


def test_adding_a_service_as_the_walkthrough_says(tmp_path: Path) -> None:
    root = _copy_of_the_repo_files_generation_reads(tmp_path)
    before = {path: (root / path).read_text() for path in (MANIFEST, DASHBOARD, *GENERATED_FILES)}
    # Step 1 of the walkthrough: the new service's folders (services/tours/, helm/tours/) are new, not edits.
    # Step 2: one [[service]] entry in the manifest, the only existing file edited by hand.
    with (root / MANIFEST).open("a") as manifest:
        manifest.write('\n[[service]]\nname = "tours"\nport = 8007\npath_prefixes = ["tours"]\nuses_sandbox = true\n')
    # Step 3: `make generate`.
    written = set(write(root))
    assert drifted(root) == []

    edited_by_hand = {path for path, text in before.items() if (root / path).read_text() != text} - written
    assert edited_by_hand == {MANIFEST}
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    assert compose["tours"]["ports"] == ["127.0.0.1:8007:8007"]
    assert compose["tours"]["environment"]["TOURS_PROVIDER_BASE_URL"] == "http://sandbox:8100"
    assert compose["gateway"]["environment"]["GATEWAY_UPSTREAMS__TOURS"] == "http://tours:8007"
    assert compose["gateway"]["depends_on"]["tours"] == {"condition": "service_healthy"}
    values = yaml.safe_load((root / "helm/gateway/values.yaml").read_text())
    assert values["upstreams"]["tours"] == 8007
    assert values["config"]["GATEWAY_UPSTREAMS__TOURS"] == "http://tours:8007"
    release = yaml.safe_load((root / ".github/workflows/release.yml").read_text())
    assert "tours" in release["jobs"][next(iter(release["jobs"]))]["strategy"]["matrix"]["service"]
    assert "CHART_SERVICES := gateway flights stays maps weather time memory tours" in (root / "Makefile").read_text()
    assert "services/tours/Dockerfile" in (root / ".github/workflows/ci.yml").read_text()
    assert "tours" in (root / DASHBOARD).read_text()
    assert (
        "SERVICES=(gateway flights stays maps weather time memory tours)"
        in (root / "deploy/docker/build-images.sh").read_text()
    )


def test_tool_versions_are_written_only_in_tool_versions_env() -> None:
    versions = dict(
        line.split("=", 1) for line in (REPO / "tool-versions.env").read_text().splitlines() if line[:1].isalpha()
    )
    readers = [REPO / "Makefile", REPO / ".ci" / "run", *sorted((REPO / ".github" / "workflows").glob("*.yml"))]
    for path in readers:
        text = path.read_text()
        for name, version in versions.items():
            assert version not in text, f"{path.relative_to(REPO)} repeats {name}={version}: read tool-versions.env"
