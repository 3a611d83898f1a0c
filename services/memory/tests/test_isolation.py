"""mem0 phones home unless told not to: prove the service talks to its embedder and its database only."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_testing.sandbox import SandboxControl

_connections: list[Any] | None = None


def _record_connects(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _connections is not None:
        _connections.append(args[1])


sys.addaudithook(_record_connects)  # audit hooks cannot be removed; this one records only inside `_recording`


@pytest.fixture
def connections() -> Iterator[list[Any]]:
    global _connections
    _connections = []
    try:
        yield _connections
    finally:
        _connections = None


def test_mem0_telemetry_is_off_and_its_directory_is_private() -> None:
    import mem0.memory.telemetry as telemetry

    assert telemetry.MEM0_TELEMETRY is False
    assert telemetry.client_telemetry.posthog is None
    assert telemetry._get_oss_telemetry() is None or telemetry._get_oss_telemetry().posthog is None
    mem0_dir = Path(os.environ["MEM0_DIR"])
    assert mem0_dir != Path.home() / ".mem0"
    assert (mem0_dir / "config.json").exists()  # mem0 writes here at import, hence a writable temp dir


def test_a_full_session_connects_to_the_embedder_and_postgres_only(
    migrated_database: str,
    sandbox: SandboxControl,
    settings_for: Callable[..., MemorySettings],
    as_user: Callable[[str], dict[str, str]],
    connections: list[Any],
) -> None:
    headers = as_user("isolated")
    with TestClient(create_app(settings_for(migrated_database))) as client:
        added = client.post("/v1/memories", json={"text": "Vegetarian."}, headers=headers)
        memory_id = added.json()["results"][0]["id"]
        client.get("/v1/memories/search", params={"q": "food"}, headers=headers)
        client.patch(f"/v1/memories/{memory_id}", json={"text": "Vegan."}, headers=headers)
        client.get("/v1/memories", headers=headers)
        client.delete(f"/v1/memories/{memory_id}", headers=headers)
        client.delete("/v1/memories", headers=headers)
        assert client.get("/ready").status_code == 200

    # Python-level sockets only: httpx (OpenAI SDK), urllib (mem0's notices), requests (PostHog), asyncpg. psycopg
    # connects inside libpq, unseen here; its one target is MEMORY_DATABASE_URL.
    database = urlsplit(migrated_database)
    allowed = {("127.0.0.1", sandbox.port), (database.hostname, database.port)}
    destinations = {tuple(address[:2]) for address in connections if isinstance(address, tuple)}
    assert ("127.0.0.1", sandbox.port) in destinations
    assert destinations <= allowed, destinations - allowed
