"""A real sandbox for the session and a real redis-server (emptied per test); faults reset around every test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_stays.app import create_app
from tripsage_stays.config import StaysSettings
from tripsage_testing.dates import iso_day
from tripsage_testing.sandbox import SandboxControl


@pytest.fixture
def sandbox_provider() -> str:
    return "amadeus"


@pytest.fixture
def auth() -> dict[str, str]:
    return {"authorization": "Bearer " + mint_token(sub="traveller-1", secret=DEVELOPMENT_JWT_SECRET)}


def search(url: str, auth: dict[str, str], **params: Any) -> httpx.Response:
    """GET /v1/stays/search for two adults, three nights in Paris in a month; None leaves a parameter out."""
    query = {"city_code": "PAR", "check_in": iso_day(30), "check_out": iso_day(33), "adults": 2, **params}
    query = {name: value for name, value in query.items() if value is not None}
    return httpx.get(f"{url}/v1/stays/search", params=query, headers=auth, timeout=20, trust_env=False)


AppFactory = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def stays_app(sandbox: SandboxControl, empty_redis: str) -> AppFactory:
    """ "Serve the real app over real HTTP; keyword arguments override settings."""
    from tripsage_testing.servers import serve_in_thread

    @contextmanager
    def serve(**overrides: Any) -> Iterator[str]:
        values: dict[str, Any] = {
            "provider_base_url": sandbox.url,
            "redis_url": empty_redis,
            # Seconds for a Redis operation: a busy machine must not turn an expected cache hit into a miss.
            "cache_op_timeout_s": 2.0,
            # Far above any load delay of the local sandbox: a test about the budget sets a short one of its own.
            "provider_timeout_s": 10.0,
            "access_log": False,
            **overrides,
        }
        settings = StaysSettings(_env_file=None, **values)
        with serve_in_thread(create_app(settings), ready_path="/health") as url:
            yield url

    return serve


@pytest.fixture
def statsd() -> Iterator[socket.socket]:
    """A UDP socket standing in for the DogStatsD agent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    yield sock
    sock.close()
