"""tripsage-smoke against the real time service over HTTP (it serves the same /v1/time path the gateway routes)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tripsage_rollout.smoke import main, run_smoke
from tripsage_testing.ports import free_port
from tripsage_testing.servers import serve_in_thread
from tripsage_time.app import create_app
from tripsage_time.config import TimeSettings

SECRET = "smoke-test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def time_service() -> Iterator[str]:
    settings = TimeSettings(environment="test", jwt_secret=SECRET)
    with serve_in_thread(create_app(settings), ready_path="/ready") as base_url:
        yield base_url


def test_every_step_passes_against_a_healthy_service(time_service: str) -> None:
    with httpx.Client(base_url=time_service, timeout=5.0) as client:
        steps = run_smoke(client, jwt_secret=SECRET)
    assert [step.name for step in steps] == [
        "health",
        "ready",
        "refuses a call without a token",
        "routes an authorised call to time",
    ]
    assert all(step.passed for step in steps), steps


def test_a_token_signed_with_the_wrong_secret_fails_the_smoke(time_service: str) -> None:
    with httpx.Client(base_url=time_service, timeout=5.0) as client:
        steps = run_smoke(client, jwt_secret="not-the-deployed-secret-0123456789")
    assert not steps[-1].passed
    assert steps[-1].detail.startswith("401")


def test_exit_status_is_1_when_nothing_answers(capsys: pytest.CaptureFixture[str]) -> None:
    status = main([f"http://127.0.0.1:{free_port()}", "--deadline-s", "0"])
    assert status == 1
    assert "FAIL connect" in capsys.readouterr().out


def test_exit_status_is_0_against_a_healthy_service(
    time_service: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOKE_JWT_SECRET", SECRET)
    assert main([time_service, "--deadline-s", "0"]) == 0
    assert capsys.readouterr().out.count("ok  ") == 4
