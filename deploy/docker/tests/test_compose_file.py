"""docker-compose.yml wires the stack as `make run` does: read without an engine, so it runs in every `make test`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tripsage_devstack.topology import ALL_SERVICES

REPO = Path(__file__).resolve().parents[3]
APP_SERVICES = tuple(s.name for s in ALL_SERVICES)


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / name).read_text())
    return document


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load("docker-compose.yml")


def test_runs_every_service_the_sandbox_postgres_cache_and_a_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(APP_SERVICES) | {"sandbox", "postgres", "cache", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert services["cache"]["image"].startswith("docker.dragonflydb.io/dragonflydb/dragonfly")
    assert services["otel-collector"]["profiles"] == ["otel"]


def test_gateway_answers_on_loopback_8000_like_make_run(compose: dict[str, Any]) -> None:
    assert "127.0.0.1:8000:8000" in compose["services"]["gateway"]["ports"]
    for name in (*APP_SERVICES, "sandbox"):
        assert all(str(port).startswith("127.0.0.1:") for port in compose["services"][name].get("ports", [])), name


def test_services_start_only_after_what_they_need_is_healthy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for service in ALL_SERVICES:
        depends = services[service.name]["depends_on"]
        assert depends["cache"] == {"condition": "service_healthy"}, service.name
        if service.uses_database:
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, service.name
        if service.uses_sandbox:
            assert depends["sandbox"] == {"condition": "service_healthy"}, service.name
    gateway = services["gateway"]["depends_on"]
    assert all(gateway[name] == {"condition": "service_healthy"} for name in APP_SERVICES[1:])
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["migrate"]["command"][0] == "tripsage-migrate"


def test_every_tripsage_container_has_a_read_only_root_and_tmp_only(compose: dict[str, Any]) -> None:
    for name in (*APP_SERVICES, "sandbox"):
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert [mount.split(":")[0] for mount in service["tmpfs"]] == ["/tmp"], name  # noqa: S108


def test_local_override_swaps_in_the_stand_ins_built_on_the_local_base() -> None:
    override = _load("deploy/docker/compose.local.yml")["services"]
    assert override["postgres"]["image"].startswith("tripsage/postgres:")
    assert override["cache"]["image"].startswith("tripsage/redis:")
    for name in (*APP_SERVICES, "sandbox", "migrate"):
        assert override[name]["build"]["args"]["BASE_IMAGE"] == "tripsage/base:bookworm", name


def test_every_dockerfile_builds_on_the_base_argument_and_runs_as_10001() -> None:
    dockerfiles = [REPO / "services" / name / "Dockerfile" for name in APP_SERVICES]
    for path in [*dockerfiles, REPO / "deploy" / "sandbox" / "Dockerfile"]:
        text = path.read_text()
        assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text, path
        assert "USER 10001:10001" in text, path
        assert "HEALTHCHECK" in text, path
        assert "uv sync --frozen --no-dev" in text, path
