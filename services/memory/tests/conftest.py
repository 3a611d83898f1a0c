"""Real components for every memory test: embedded Postgres with pgvector, a sandbox embedder, the real app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_sandbox.testing import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def settings_for(sandbox: RunningSandbox) -> Callable[..., MemorySettings]:
    def build(database_url: str, **overrides: object) -> MemorySettings:
        values: dict[str, object] = {
            "environment": "test",
            "database_url": database_url,
            "provider_base_url": sandbox.url,
            "access_log": False,
            "breaker_reset_s": 1.0,
            **overrides,
        }
        return MemorySettings(**values)  # type: ignore[arg-type]

    return build


@pytest.fixture
def client(migrated_database: str, settings_for: Callable[..., MemorySettings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(migrated_database))) as test_client:
        yield test_client


def auth(user: str) -> dict[str, str]:
    """Headers with a development token whose `sub` is `user`."""
    return {"authorization": f"Bearer {mint_token(sub=user, secret=DEVELOPMENT_JWT_SECRET)}"}


class Faults:
    """The sandbox's fault API for the embeddings provider."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self._url = f"{sandbox.url}/__sandbox/faults"
        self._stats = f"{sandbox.url}/__sandbox/stats"

    def arm(self, **spec: object) -> None:
        response = httpx.post(self._url, json={"provider": "embeddings", **spec}, timeout=5)
        assert response.status_code == 201, response.text

    def clear(self) -> None:
        httpx.delete(self._url, timeout=5).raise_for_status()
        httpx.delete(self._stats, timeout=5).raise_for_status()

    def embedding_calls(self) -> int:
        """POST /v1/embeddings requests the sandbox received since the last clear()."""
        stats = httpx.get(self._stats, timeout=5).json()
        return int(stats["providers"].get("embeddings", {}).get("endpoints", {}).get("embeddings", 0))


@pytest.fixture
def faults(sandbox: RunningSandbox) -> Iterator[Faults]:
    armed = Faults(sandbox)
    armed.clear()
    yield armed
    armed.clear()


@pytest.fixture(scope="session")
def as_user() -> Callable[[str], dict[str, str]]:
    return auth
