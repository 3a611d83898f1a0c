from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
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


def test_fault_switch_answers_503_on_every_second_request_and_serves_the_rest(
    make_app: Callable[..., FastAPI],
) -> None:
    settings = ServiceSettings(inject_faults=True, inject_fault_status=503, inject_fault_every=2)
    with TestClient(make_app(router, settings=settings)) as client:
        answers = [client.get("/echo") for _ in range(3)]
        assert client.get("/health").status_code == 200  # probes are not counted: the pattern goes on below
        answers += [client.get("/echo") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 503] * 3
    assert answers[1].json()["type"].endswith("/injected-fault")
    assert answers[1].headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    assert answers[2].json() == {"echo": "ok"}


def test_fault_switch_holds_each_api_request_for_its_delay(make_app: Callable[..., FastAPI]) -> None:
    settings = ServiceSettings(inject_faults=True, inject_fault_every=1_000, inject_delay_s=0.3)
    with TestClient(make_app(router, settings=settings)) as client:
        started = time.monotonic()
        assert client.get("/echo").json() == {"echo": "ok"}
        held = time.monotonic() - started
    assert held >= 0.3  # a lower bound only: a busy machine may add to it, never take from it


def test_fault_switch_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTS_INJECT_FAULT_STATUS", "503")
    monkeypatch.setenv("FLIGHTS_INJECT_FAULT_EVERY", "2")
    monkeypatch.setenv("FLIGHTS_INJECT_DELAY_S", "21.0")
    settings = _PrefixedSettings()
    assert (settings.inject_fault_status, settings.inject_fault_every, settings.inject_delay_s) == (503, 2, 21.0)


def test_fault_switch_refuses_a_status_it_cannot_mean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTS_INJECT_FAULT_STATUS", "418")
    with pytest.raises(ValidationError, match="inject_fault_status"):
        _PrefixedSettings()
