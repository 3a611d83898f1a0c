"""Outages of the embedder and the database: 503 problems, nothing half-stored, readiness that tells the truth."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_testing import EmbeddedPostgres
from tripsage_testing.sandbox import SandboxControl

Headers = Callable[[str], dict[str, str]]


def _rows(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM memories").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def app_with_breaker(migrated_database: str, settings_for: Callable[..., MemorySettings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(migrated_database, breaker_threshold=2))) as client:
        yield client


def test_write_while_the_embedder_fails_is_a_503_and_stores_nothing(
    client: TestClient, migrated_database: str, sandbox: SandboxControl, as_user: Headers
) -> None:
    sandbox.fault(endpoint="embeddings", kind="error_503")

    response = client.post("/v1/memories", json={"text": "I am vegetarian."}, headers=as_user("a"))

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"].endswith("/provider-unavailable")
    assert _rows(migrated_database) == 0


def test_a_conversation_that_fails_halfway_leaves_nothing_stored(
    client: TestClient, migrated_database: str, sandbox: SandboxControl, as_user: Headers
) -> None:
    # Oldest fault first: the first message embeds (slowly), the second fails on both of the client's attempts.
    sandbox.fault(endpoint="embeddings", kind="slow", delay_s=0.01, count=1)
    sandbox.fault(endpoint="embeddings", kind="drop", count=2)
    body = {"messages": [{"content": "We travel with a toddler."}, {"content": "We avoid red-eye flights."}]}
    before = sandbox.calls("embeddings")  # the app's startup probe of the embedder is not this request's

    response = client.post("/v1/memories", json=body, headers=as_user("a"))

    assert response.status_code == 503
    # The first message was embedded (and stored) before the failure; the second failed on both attempts.
    assert sandbox.calls("embeddings") - before == 3
    assert _rows(migrated_database) == 0


def test_search_while_the_embedder_is_down_is_a_503(
    client: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    sandbox.fault(endpoint="embeddings", kind="drop")

    response = client.get("/v1/memories/search", params={"q": "food"}, headers=as_user("a"))

    assert response.status_code == 503


def test_reads_that_need_no_embedding_still_work_while_the_embedder_is_down(
    client: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    added = client.post("/v1/memories", json={"text": "Aisle seat."}, headers=as_user("a"))
    memory_id = added.json()["results"][0]["id"]
    sandbox.fault(kind="error_500")

    assert client.get(f"/v1/memories/{memory_id}", headers=as_user("a")).status_code == 200
    assert client.get("/v1/memories", headers=as_user("a")).json()["items"][0]["id"] == memory_id
    assert client.delete("/v1/memories", headers=as_user("a")).json() == {"deleted": 1}


def test_the_circuit_opens_after_repeated_failures_and_closes_when_the_embedder_recovers(
    app_with_breaker: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    sandbox.fault(endpoint="embeddings", kind="error_500")
    for _ in range(2):
        assert app_with_breaker.get("/v1/memories/search", params={"q": "x"}, headers=as_user("a")).status_code == 503
    sandbox.reset()

    opened = app_with_breaker.get("/v1/memories/search", params={"q": "x"}, headers=as_user("a"))
    assert opened.status_code == 503
    assert "circuit is open" in opened.json()["detail"]

    time.sleep(1.1)  # breaker_reset_s in the test settings
    assert app_with_breaker.get("/v1/memories/search", params={"q": "x"}, headers=as_user("a")).status_code == 200


def test_readiness_fails_while_the_embedder_is_unreachable(client: TestClient, sandbox: SandboxControl) -> None:
    assert client.get("/ready").status_code == 200
    sandbox.fault(kind="drop")

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["embedder"]["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_readiness_and_writes_fail_while_postgres_is_down_then_recover(
    client: TestClient, postgres_server: EmbeddedPostgres, as_user: Headers
) -> None:
    postgres_server.stop()
    try:
        ready = client.get("/ready")
        write = client.post("/v1/memories", json={"text": "Aisle seat."}, headers=as_user("a"))
        listing = client.get("/v1/memories", headers=as_user("a"))
    finally:
        postgres_server.start()

    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["status"] == "down"
    assert write.status_code == 503
    assert listing.status_code == 503
    # Both pools reconnect on their own, the psycopg one after its backoff (1 s, doubling while Postgres was down).
    # Generous: how soon Postgres answers again depends on the machine's load; only no recovery at all waits this long.
    deadline = time.monotonic() + 60
    while (
        status := client.post("/v1/memories", json={"text": "Aisle seat."}, headers=as_user("a")).status_code
    ) == 503:
        assert time.monotonic() < deadline, "no recovery within 60 s of Postgres coming back"
        time.sleep(0.5)
    assert status == 201


def test_a_database_without_the_migration_starts_but_is_not_ready(
    fresh_database: str, settings_for: Callable[..., MemorySettings], as_user: Headers
) -> None:
    with TestClient(create_app(settings_for(fresh_database))) as client:
        ready = client.get("/ready")
        write = client.post("/v1/memories", json={"text": "Aisle seat."}, headers=as_user("a"))

    assert ready.status_code == 503
    assert ready.json()["checks"]["memory_table"]["status"] == "down"
    assert write.status_code == 503
    assert write.json()["type"].endswith("/memory-store-not-ready")


def test_a_patch_while_the_embedder_fails_is_a_503_and_changes_nothing(
    client: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    added = client.post(
        "/v1/memories", json={"text": "Aisle seat.", "metadata": {"category": "preference"}}, headers=as_user("a")
    )
    memory_id = added.json()["results"][0]["id"]
    sandbox.fault(endpoint="embeddings", kind="error_503")

    for body in ({"text": "Window seat."}, {"metadata": {"category": "fact"}}):
        assert client.patch(f"/v1/memories/{memory_id}", json=body, headers=as_user("a")).status_code == 503

    sandbox.reset()
    unchanged = client.get(f"/v1/memories/{memory_id}", headers=as_user("a")).json()
    assert (unchanged["memory"], unchanged["metadata"]["category"]) == ("Aisle seat.", "preference")
