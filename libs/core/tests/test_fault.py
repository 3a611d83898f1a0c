from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic_settings import SettingsConfigDict

from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import ServiceSettings

router = APIRouter()


@router.get("/echo")
async def echo() -> dict[str, str]:
    return {"echo": "ok"}


def test_fault_switch_is_off_by_default(make_app: Callable[..., FastAPI]) -> None:
    assert ServiceSettings().inject_faults is False
    with TestClient(make_app(router)) as client:
        assert client.get("/echo").json() == {"echo": "ok"}


def test_fault_switch_answers_api_requests_with_500_problem_while_probes_stay_green(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(router, settings=ServiceSettings(inject_faults=True))
    with TestClient(app) as client:
        failed = client.get("/echo")
        assert failed.status_code == 500
        assert failed.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
        assert failed.json()["type"].endswith("/injected-fault")
        assert failed.json()["instance"] == "/echo"
        assert failed.headers["x-request-id"]
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200


class _PrefixedSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FLIGHTS_")


def test_fault_switch_is_read_from_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTS_INJECT_FAULTS", "true")
    assert _PrefixedSettings().inject_faults is True
