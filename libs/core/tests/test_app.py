from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import metadata

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_core.auth import CurrentUser
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.flags import FeatureFlags
from tripsage_core.settings import ServiceSettings

router = APIRouter()


@router.get("/whoami")
async def whoami(user: CurrentUser) -> dict[str, str]:
    return {"user": user.user_id}


async def _ok() -> None:
    return None


async def _down() -> None:
    raise ConnectionRefusedError("connection refused")


async def _hangs() -> None:
    await asyncio.sleep(30)


def test_health_answers_without_checking_dependencies(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(readiness={"db": ReadinessCheck(_down)})
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "test"}


def test_ready_reports_each_check(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(readiness={"db": ReadinessCheck(_ok), "cache": ReadinessCheck(_down, critical=False)})
    with TestClient(app) as client:
        response = client.get("/ready")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["db"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "down"
    assert "connection refused" in body["checks"]["cache"]["error"]


def test_ready_is_503_problem_when_a_critical_dependency_is_down(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(readiness={"db": ReadinessCheck(_down)})
    with TestClient(app) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["checks"]["db"]["status"] == "down"


def test_ready_bounds_a_hanging_check(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(readiness={"db": ReadinessCheck(_hangs)})
    with TestClient(app) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["db"]["error"].startswith("TimeoutError")


def test_ready_turns_503_once_draining_starts(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        app.state.draining.started = True
        response = client.get("/ready")
        still_serving = client.get("/health")
    assert response.status_code == 503
    assert response.json()["detail"] == "Shutting down."
    assert still_serving.status_code == 200


def test_request_id_is_echoed_or_created(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as client:
        given = client.get("/health", headers={"x-request-id": "abc-123"})
        created = client.get("/health")
        hostile = client.get("/health", headers={"x-request-id": "evil\tvalue"})
    assert given.headers["x-request-id"] == "abc-123"
    assert len(created.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "evil\tvalue"


def test_routes_require_a_bearer_token(make_app: Callable[..., FastAPI], dev_token: str) -> None:
    with TestClient(make_app(router)) as client:
        anonymous = client.get("/whoami")
        wrong_scheme = client.get("/whoami", headers={"authorization": f"Basic {dev_token}"})
        authorised = client.get("/whoami", headers={"authorization": f"Bearer {dev_token}"})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert wrong_scheme.status_code == 401
    assert authorised.json() == {"user": "dev-user"}


def test_flags_endpoint_shows_flags_from_the_environment_to_a_caller_with_a_token(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch, dev_token: str
) -> None:
    monkeypatch.setenv("FEATURE_ALTERNATIVE_ROUTES", "true")
    from tripsage_core.flags import FeatureFlags

    flags = FeatureFlags()
    assert flags.enabled() == ["alternative_routes"]
    with TestClient(make_app()) as client:
        anonymous = client.get("/flags")
        response = client.get("/flags", headers={"authorization": f"Bearer {dev_token}"})
    assert anonymous.status_code == 401
    assert response.json()["alternative_routes"] is True


def test_access_log_is_json_with_service_level_and_request_id(
    make_app: Callable[..., FastAPI], capsys: pytest.CaptureFixture[str], dev_token: str
) -> None:
    app = make_app(router)
    with TestClient(app) as client:
        client.get("/whoami", headers={"authorization": f"Bearer {dev_token}", "x-request-id": "req-42"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request" and line.get("path") == "/whoami"]
    assert access, lines
    assert access[0]["service"] == "test"
    assert access[0]["level"] == "info"
    assert access[0]["request_id"] == "req-42"
    assert access[0]["status"] == 200
    assert dev_token not in json.dumps(lines)


def test_bodies_over_the_limit_are_413_declared_or_streamed(make_app: Callable[..., FastAPI], dev_token: str) -> None:
    from tripsage_core.settings import ServiceSettings

    echo = APIRouter()

    @echo.post("/echo")
    async def echo_body(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app = make_app(echo, settings=ServiceSettings(max_body_bytes=2048, access_log=False))
    with TestClient(app) as client:
        small = client.post("/echo", content=b"x" * 2000)
        declared = client.post("/echo", content=b"x" * 5000)
        streamed = client.post("/echo", content=iter([b"x" * 1500, b"x" * 1500]))
    assert small.json() == {"size": 2000}
    assert declared.status_code == 413
    assert declared.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert streamed.status_code == 413


def test_every_response_carries_security_headers(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as client:
        response = client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_cors_allows_only_configured_origins(make_app: Callable[..., FastAPI]) -> None:
    from tripsage_core.settings import ServiceSettings

    app = make_app(settings=ServiceSettings(cors_origins=["https://app.tripsage.dev"]))
    preflight = {"access-control-request-method": "GET", "access-control-request-headers": "authorization"}
    with TestClient(app) as client:
        allowed = client.options("/health", headers={"origin": "https://app.tripsage.dev", **preflight})
        refused = client.options("/health", headers={"origin": "https://evil.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://app.tripsage.dev"
    assert "access-control-allow-origin" not in refused.headers


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield None


def test_a_service_api_is_described_by_its_package_and_sees_its_settings_and_flags() -> None:
    settings, flags = ServiceSettings(), FeatureFlags(alternative_routes=True)
    # tripsage-core stands in for a service package: the description is whatever its pyproject says.
    app = create_service_app(ServiceSpec(name="core", routers=[], lifespan=_nothing), settings, flags)
    assert app.description == metadata.metadata("tripsage-core")["Summary"] != ""
    assert app.state.settings is settings
    assert app.state.flags is flags
