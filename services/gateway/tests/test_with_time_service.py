"""The gateway and the time service as separate processes, over real HTTP, as they run in production."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_testing.ports import free_port
from tripsage_testing.servers import ServiceProcess

AUTH = {"authorization": f"Bearer {mint_token(sub='dev-user', secret=DEVELOPMENT_JWT_SECRET)}"}


def _time_process(port: int, log: Path) -> ServiceProcess:
    return ServiceProcess(
        [sys.executable, "-m", "tripsage_time"],
        env={"TIME_PORT": str(port)},
        ready_url=f"http://127.0.0.1:{port}/ready",
        log_path=log,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServiceProcess]]:
    logs = tmp_path_factory.mktemp("logs")
    time_port, gateway_port = free_port(), free_port()
    time_service = _time_process(time_port, logs / "time.log").start()
    gateway = ServiceProcess(
        [sys.executable, "-m", "tripsage_gateway"],
        env={"GATEWAY_PORT": str(gateway_port), "GATEWAY_UPSTREAMS__TIME": f"http://127.0.0.1:{time_port}"},
        ready_url=f"http://127.0.0.1:{gateway_port}/ready",
        log_path=logs / "gateway.log",
    ).start()
    try:
        yield f"http://127.0.0.1:{gateway_port}", time_service
    finally:
        gateway.stop()
        time_service.stop()


def test_gateway_serves_time_then_503_while_it_is_down_then_recovers(stack: tuple[str, ServiceProcess]) -> None:
    gateway_url, time_service = stack
    url = f"{gateway_url}/v1/time/timezone?lat=35.68&lon=139.69"
    with httpx.Client(trust_env=False, timeout=5) as client:
        first = client.get(url, headers=AUTH)
        assert first.status_code == 200
        assert first.json()["timezone"] == "Asia/Tokyo"

        # uvicorn drains, runs the lifespan shutdown, then re-raises SIGTERM so the exit status tells why it ended.
        assert time_service.stop() in (0, -signal.SIGTERM)
        started = time.perf_counter()
        down = client.get(url, headers=AUTH)
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert time.perf_counter() - started < 10.0  # refused at once; only a hang or long retries come near this

        time_service.start()
        # The circuit lets a probe through after its reset interval; the rest is how busy the machine is.
        deadline = time.monotonic() + 60
        while (back := client.get(url, headers=AUTH)).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert back.status_code == 200
