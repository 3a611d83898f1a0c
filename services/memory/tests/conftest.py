"""Real components for every memory test: embedded Postgres with pgvector, a sandbox embedder, the real app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_testing.sandbox import SandboxControl


@pytest.fixture
def sandbox_provider() -> str:
    return "embeddings"


@pytest.fixture
def settings_for(sandbox: SandboxControl) -> Callable[..., MemorySettings]:
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


@pytest.fixture(scope="session")
def as_user() -> Callable[[str], dict[str, str]]:
    return auth
