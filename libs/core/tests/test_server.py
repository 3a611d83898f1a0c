"""serve(): the server settings reach uvicorn; here, whose X-Forwarded-For is believed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tripsage_testing.ports import free_port
from tripsage_testing.servers import ServiceProcess

_APP = """
from fastapi import FastAPI, Request

def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/peer")
    async def peer(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else ""}

    return app
"""

_SERVE = (
    "import sys; from tripsage_core.server import serve; from tripsage_core.settings import ServiceSettings; "
    "serve('peer_app:create_app', ServiceSettings(port=int(sys.argv[1]), forwarded_allow_ips=sys.argv[2]))"
)


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    (tmp_path / "peer_app.py").write_text(_APP)
    started: list[ServiceProcess] = []

    def start(trusted: str) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = ServiceProcess(
            [sys.executable, "-c", _SERVE, str(port), trusted],
            env={"PYTHONPATH": str(tmp_path)},
            ready_url=url + "/peer",
        )
        started.append(process.start())
        return url

    yield start
    for process in started:
        process.stop()


def _client_seen(url: str) -> str:
    response = httpx.get(url + "/peer", headers={"x-forwarded-for": "203.0.113.9"}, trust_env=False, timeout=5)
    client: str = response.json()["client"]
    return client


def test_x_forwarded_for_is_believed_from_a_trusted_peer(serving: Callable[[str], str]) -> None:
    assert _client_seen(serving("127.0.0.1")) == "203.0.113.9"


def test_x_forwarded_for_from_any_other_peer_is_ignored(serving: Callable[[str], str]) -> None:
    assert _client_seen(serving("127.0.0.6")) == "127.0.0.1"
