from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET

DIET = "I am vegetarian and allergic to peanuts."
SEATS = "I prefer aisle seats on long flights."


def _auth(user: str) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(sub=user, secret=DEVELOPMENT_JWT_SECRET)}"}


A, B = _auth("traveller-a"), _auth("traveller-b")


def _remember(client: TestClient, text: str, headers: dict[str, str], **metadata: str) -> str:
    response = client.post("/v1/memories", json={"text": text, "metadata": metadata}, headers=headers)
    assert response.status_code == 201, response.text
    (added,) = response.json()["results"]
    assert added["memory"] == text
    return str(added["id"])


def test_search_ranks_the_diet_memory_first_for_a_question_sharing_no_word_with_it(client: TestClient) -> None:
    diet = _remember(client, DIET, A, category="constraint")
    _remember(client, SEATS, A, category="preference")

    response = client.get("/v1/memories/search", params={"q": "What can I eat on this trip?"}, headers=A)

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == diet
    assert results[0]["score"] > results[-1]["score"]
    assert results[0]["metadata"] == {"trip_id": None, "category": "constraint"}


def test_another_user_can_neither_find_nor_touch_a_memory(client: TestClient) -> None:
    diet = _remember(client, DIET, A)

    assert client.get("/v1/memories/search", params={"q": "food allergies"}, headers=B).json()["results"] == []
    assert client.get("/v1/memories", headers=B).json()["items"] == []
    for method, body in (("GET", None), ("PATCH", {"text": "I eat anything."}), ("DELETE", None)):
        response = client.request(method, f"/v1/memories/{diet}", json=body, headers=B)
        assert response.status_code == 404, method
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert client.get(f"/v1/memories/{diet}", headers=A).json()["memory"] == DIET


def test_erasure_leaves_nothing_of_the_user_in_the_database(client: TestClient, migrated_database: str) -> None:
    _remember(client, DIET, A, trip_id="trip-1")
    _remember(client, SEATS, A)
    kept = _remember(client, SEATS, B)

    response = client.delete("/v1/memories", headers=A)

    assert response.status_code == 200
    assert response.json() == {"deleted": 2}
    assert client.get("/v1/memories/search", params={"q": "seats"}, headers=A).json()["results"] == []
    assert client.get("/v1/memories", headers=A).json()["items"] == []
    with psycopg.connect(migrated_database) as conn:
        rows = conn.execute("SELECT payload->>'user_id', id::text FROM memories").fetchall()
    assert rows == [("traveller-b", kept)]


def test_list_pages_newest_first_with_a_cursor(client: TestClient) -> None:
    ids = [_remember(client, f"Memory number {n} about trains.", A, trip_id="rail") for n in range(5)]
    _remember(client, "Not on the rail trip.", A)

    first = client.get("/v1/memories", params={"limit": 2, "trip_id": "rail"}, headers=A).json()
    second = client.get(
        "/v1/memories", params={"limit": 2, "trip_id": "rail", "cursor": first["next_cursor"]}, headers=A
    )
    third = client.get(
        "/v1/memories", params={"limit": 2, "trip_id": "rail", "cursor": second.json()["next_cursor"]}, headers=A
    ).json()

    seen = [m["id"] for page in (first, second.json(), third) for m in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None


def test_a_forged_cursor_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.get("/v1/memories", params={"cursor": "not-a-cursor"}, headers=A)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_search_filters_by_category_and_trip(client: TestClient) -> None:
    _remember(client, DIET, A, category="constraint", trip_id="lisbon")
    seats = _remember(client, SEATS, A, category="preference", trip_id="lisbon")
    _remember(client, "I like window seats on short hops.", A, category="preference", trip_id="oslo")

    response = client.get(
        "/v1/memories/search", params={"q": "seating", "category": "preference", "trip_id": "lisbon"}, headers=A
    )

    assert [r["id"] for r in response.json()["results"]] == [seats]


def test_messages_become_one_memory_each_with_their_role(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "We travel with a toddler."},
        {"role": "assistant", "content": "Noted: family rooms and cots."},
    ]
    response = client.post("/v1/memories", json={"messages": messages, "metadata": {"category": "fact"}}, headers=A)

    assert response.status_code == 201
    results = response.json()["results"]
    assert [(r["role"], r["memory"]) for r in results] == [(m["role"], m["content"]) for m in messages]
    assert {r["metadata"]["category"] for r in results} == {"fact"}


def test_patch_changes_text_and_meaning(client: TestClient) -> None:
    memory_id = _remember(client, SEATS, A, category="preference")

    response = client.patch(
        f"/v1/memories/{memory_id}", json={"text": "I am vegan.", "metadata": {"trip_id": "rome"}}, headers=A
    )

    assert response.status_code == 200
    assert response.json()["memory"] == "I am vegan."
    assert response.json()["metadata"] == {"trip_id": "rome", "category": "preference"}
    hits = client.get("/v1/memories/search", params={"q": "plant-based diet", "limit": 1}, headers=A).json()
    assert hits["results"][0]["id"] == memory_id


def test_delete_forgets_one_memory(client: TestClient) -> None:
    memory_id = _remember(client, SEATS, A)

    assert client.delete(f"/v1/memories/{memory_id}", headers=A).status_code == 204
    assert client.get(f"/v1/memories/{memory_id}", headers=A).status_code == 404
    assert client.delete(f"/v1/memories/{memory_id}", headers=A).status_code == 404


def test_every_memory_route_needs_a_token(client: TestClient) -> None:
    for method, path in (("POST", "/v1/memories"), ("GET", "/v1/memories/search?q=x"), ("DELETE", "/v1/memories")):
        response = client.request(method, path, json={"text": "x"})
        assert response.status_code == 401, path


def test_bad_input_is_a_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ("POST", "/v1/memories", {"text": "a", "messages": [{"content": "b"}]}, "body"),
        ("POST", "/v1/memories", {"text": "a", "metadata": {"user_id": "someone-else"}}, "metadata.user_id"),
        ("POST", "/v1/memories", {"text": "a", "metadata": {"category": "gossip"}}, "metadata.category"),
        ("POST", "/v1/memories", {"text": "aisle\u0000seat"}, "text"),
        ("POST", "/v1/memories", {"messages": [{"content": "\u0000"}]}, "messages.0.content"),
        ("GET", "/v1/memories/search?q=", None, "q"),
        ("GET", "/v1/memories/search?q=%C2%A0%20%09", None, "q"),
        ("GET", "/v1/memories/search?q=x&limit=500", None, "limit"),
        ("GET", "/v1/memories/not-a-uuid", None, "memory_id"),
        ("PATCH", "/v1/memories/4f1c2ad8-8a2e-4f4e-9d43-6f1ad2b3c4d5", {}, "body"),
    ]
    for method, path, body, field in cases:
        response = client.request(method, path, json=body, headers=A)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
        assert any(error["field"].startswith(field) for error in response.json()["errors"]), response.json()


def test_erasure_also_clears_mem0s_entity_table_when_it_exists(client: TestClient, migrated_database: str) -> None:
    # mem0 creates `<collection>_entities` only with spaCy installed; erasure must not depend on that.
    with psycopg.connect(migrated_database) as conn:
        conn.execute("CREATE TABLE memories_entities (id uuid PRIMARY KEY, vector vector(384), payload jsonb)")
        conn.execute(
            "INSERT INTO memories_entities (id, payload) VALUES (gen_random_uuid(), %s), (gen_random_uuid(), %s)",
            ('{"user_id": "traveller-a", "data": "Lisbon"}', '{"user_id": "traveller-b", "data": "Oslo"}'),
        )
    _remember(client, DIET, A)

    assert client.delete("/v1/memories", headers=A).json() == {"deleted": 1}

    with psycopg.connect(migrated_database) as conn:
        owners = conn.execute("SELECT payload->>'user_id' FROM memories_entities").fetchall()
    assert owners == [("traveller-b",)]
