"""The shared provider layer is in the memory path: the embedder's Retry-After is honoured, five outages open the
circuit, and the answer is the shared provider problem type."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_http import BreakerState
from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_testing.sandbox import SandboxControl

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def five_to_open(migrated_database: str, settings_for: Callable[..., MemorySettings]) -> Iterator[TestClient]:
    settings = settings_for(migrated_database, breaker_threshold=5, breaker_reset_s=60.0)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_429_is_retried_after_its_retry_after_within_the_budget(
    client: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    sandbox.fault(endpoint="embeddings", kind="rate_limit", retry_after_s=1, count=1)
    before = len(sandbox.arrivals("embeddings"))  # the app's startup probe of the embedder is not this request's
    response = client.get("/v1/memories/search", params={"q": "vegetarian"}, headers=as_user("a"))
    assert response.status_code == 200
    first, second = sandbox.arrivals("embeddings")[before:]
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    five_to_open: TestClient, sandbox: SandboxControl, as_user: Headers
) -> None:
    sandbox.fault(endpoint="embeddings", kind="error_500")
    before = sandbox.calls("embeddings")  # the app's startup probe of the embedder is not this request's
    answers = [five_to_open.get("/v1/memories/search", params={"q": f"x{i}"}, headers=as_user("a")) for i in range(3)]
    assert (
        sandbox.calls("embeddings") - before == 5
    )  # two attempts, two attempts, then the fifth failure opened the circuit
    state = asyncio.run(five_to_open.app.state.service.memories.embedder.state())  # type: ignore[attr-defined]
    assert state is BreakerState.OPEN
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert {a.json()["type"] for a in answers} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    refused = five_to_open.get("/v1/memories/search", params={"q": "y"}, headers=as_user("a"))
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert sandbox.calls("embeddings") - before == 5  # refused without reaching the embedder
