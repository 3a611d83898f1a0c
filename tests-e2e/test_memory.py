"""The memory service's acceptance, through the gateway, against the whole stack (Postgres, sandbox embedder)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tripsage_devstack.harness import RunningStack as Stack

PROBLEM = "application/problem+json"
DIET = "I am vegetarian and allergic to peanuts."
SEATS = "I prefer aisle seats on long flights."
SANDBOX_PORT = 8100


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=15) as http:
        yield http


@pytest.fixture
def users(stack: Stack) -> tuple[dict[str, str], dict[str, str], str]:
    # Fresh users per test: the stack's database lives for the whole session.
    a = f"traveller-a-{uuid.uuid4().hex[:8]}"
    return (
        {"authorization": f"Bearer {stack.token(a)}"},
        {"authorization": f"Bearer {stack.token(f'traveller-b-{uuid.uuid4().hex[:8]}')}"},
        a,
    )


def _memories(stack: Stack) -> str:
    return f"{stack.topology.gateway_url}/v1/memories"


def _remember(stack: Stack, client: httpx.Client, text: str, headers: dict[str, str]) -> str:
    response = client.post(_memories(stack), json={"text": text}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["results"][0]["id"])


def test_the_diet_memory_answers_a_question_sharing_no_word_with_it(
    stack: Stack, client: httpx.Client, users: tuple[dict[str, str], dict[str, str], str]
) -> None:
    a, _, _ = users
    diet = _remember(stack, client, DIET, a)
    _remember(stack, client, SEATS, a)

    response = client.get(f"{_memories(stack)}/search", params={"q": "What can I eat on this trip?"}, headers=a)

    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == diet


def test_another_user_cannot_find_read_change_or_delete_a_memory(
    stack: Stack, client: httpx.Client, users: tuple[dict[str, str], dict[str, str], str]
) -> None:
    a, b, _ = users
    diet = _remember(stack, client, DIET, a)

    assert client.get(f"{_memories(stack)}/search", params={"q": "food"}, headers=b).json()["results"] == []
    for method, body in (("GET", None), ("PATCH", {"text": "I eat anything."}), ("DELETE", None)):
        response = client.request(method, f"{_memories(stack)}/{diet}", json=body, headers=b)
        assert response.status_code == 404, method
        assert response.headers["content-type"] == PROBLEM
    assert client.get(f"{_memories(stack)}/{diet}", headers=a).status_code == 200


def test_erasure_empties_search_list_and_the_table(
    stack: Stack, client: httpx.Client, users: tuple[dict[str, str], dict[str, str], str]
) -> None:
    a, _, user_a = users
    _remember(stack, client, DIET, a)
    _remember(stack, client, SEATS, a)

    assert client.delete(_memories(stack), headers=a).json() == {"deleted": 2}

    assert client.get(f"{_memories(stack)}/search", params={"q": "food"}, headers=a).json()["results"] == []
    assert client.get(_memories(stack), headers=a).json()["items"] == []
    with psycopg.connect(stack.topology.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM memories WHERE payload->>'user_id' = %s", (user_a,)).fetchone()
    assert row == (0,)


def test_a_write_while_the_embedder_fails_is_a_503_and_stores_nothing(
    stack: Stack, client: httpx.Client, users: tuple[dict[str, str], dict[str, str], str]
) -> None:
    a, _, _ = users
    control = f"{stack.topology.url(SANDBOX_PORT)}/__sandbox/faults"
    fault = client.post(control, json={"provider": "embeddings", "endpoint": "embeddings", "kind": "error_503"})
    assert fault.status_code == 201
    try:
        response = client.post(_memories(stack), json={"text": DIET}, headers=a)
    finally:
        client.delete(control)

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert client.get(_memories(stack), headers=a).json()["items"] == []
