"""Trips against a real Postgres with every migration applied."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_gateway.app import create_app
from tripsage_gateway.config import GatewaySettings
from tripsage_testing.postgres import EmbeddedPostgres
from tripsage_testing.servers import serve_in_thread

ALICE = {"authorization": f"Bearer {mint_token(sub='alice', secret=DEVELOPMENT_JWT_SECRET)}"}
BOB = {"authorization": f"Bearer {mint_token(sub='bob', secret=DEVELOPMENT_JWT_SECRET)}"}
START = dt.date.today() + dt.timedelta(days=60)


def _trip(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Autumn in Tokyo",
        "destination": "Tokyo",
        "origin": "SFO",
        "start_date": START.isoformat(),
        "end_date": (START + dt.timedelta(days=7)).isoformat(),
        "travelers": 2,
        "budget": {"amount": "4000.00", "currency": "USD"},
        "notes": "ramen",
    }
    body.update(overrides)
    return body


@pytest.fixture
def gateway(migrated_database: str) -> Iterator[TestClient]:
    settings = GatewaySettings(database_url=migrated_database, access_log=False)
    with TestClient(create_app(settings)) as client:
        yield client


def test_create_then_read_a_trip(gateway: TestClient) -> None:
    created = gateway.post("/v1/trips", json=_trip(), headers=ALICE)
    assert created.status_code == 201
    trip = created.json()
    assert created.headers["location"] == f"/v1/trips/{trip['id']}"
    assert trip["destination"] == {"text": "Tokyo", "place_id": None, "lat": None, "lon": None}
    assert trip["budget"] == {"amount": "4000.00", "currency": "USD"}
    assert gateway.get(f"/v1/trips/{trip['id']}", headers=ALICE).json() == trip


def test_list_is_newest_first_and_pages_by_cursor(gateway: TestClient) -> None:
    ids = [gateway.post("/v1/trips", json=_trip(name=f"trip {n}"), headers=ALICE).json()["id"] for n in range(5)]
    first = gateway.get("/v1/trips", params={"limit": 2}, headers=ALICE).json()
    second = gateway.get("/v1/trips", params={"limit": 2, "cursor": first["next_cursor"]}, headers=ALICE).json()
    third = gateway.get("/v1/trips", params={"limit": 2, "cursor": second["next_cursor"]}, headers=ALICE).json()
    seen = [t["id"] for page in (first, second, third) for t in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None


def test_a_bad_cursor_is_422_naming_it(gateway: TestClient) -> None:
    response = gateway.get("/v1/trips", params={"cursor": "not-a-cursor"}, headers=ALICE)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_another_users_trip_is_404_never_403(gateway: TestClient) -> None:
    trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
    responses = [
        gateway.get(f"/v1/trips/{trip_id}", headers=BOB),
        gateway.patch(f"/v1/trips/{trip_id}", json={"name": "mine now"}, headers=BOB),
        gateway.delete(f"/v1/trips/{trip_id}", headers=BOB),
        gateway.get(f"/v1/trips/{trip_id}/items", headers=BOB),
        gateway.post(f"/v1/trips/{trip_id}/items", json={"kind": "place", "ref": "p1", "title": "x"}, headers=BOB),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert gateway.get("/v1/trips", headers=BOB).json()["items"] == []
    assert gateway.get(f"/v1/trips/{trip_id}", headers=ALICE).json()["name"] == "Autumn in Tokyo"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": (START - dt.timedelta(days=1)).isoformat()}, "end_date"),
        ({"origin": "sfo"}, "origin"),
        ({"travelers": 10}, "travelers"),
        ({"budget": {"amount": "-5", "currency": "USD"}}, "budget.amount"),
        ({"name": ""}, "name"),
        ({"start_date": "next week"}, "start_date"),
        ({"owner": "bob"}, "owner"),
    ],
)
def test_bad_trips_are_422_naming_the_field(gateway: TestClient, overrides: dict[str, object], field: str) -> None:
    response = gateway.post("/v1/trips", json=_trip(**overrides), headers=ALICE)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_nul_characters_postgres_cannot_store_are_422_naming_the_field(gateway: TestClient) -> None:
    trip = gateway.post("/v1/trips", json=_trip(name="Tokyo\u0000"), headers=ALICE)
    trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
    item = gateway.post(
        f"/v1/trips/{trip_id}/items",
        json={"kind": "place", "ref": "p1", "title": "Temple", "snapshot": {"hours": [{"open": "9\u0000"}]}},
        headers=ALICE,
    )
    assert (trip.status_code, item.status_code) == (422, 422)
    assert trip.json()["errors"][0]["field"] == "name"
    assert item.json()["errors"][0]["field"] == "snapshot"


def test_a_snapshot_nested_deeper_than_jsonb_encoding_allows_is_422_not_500(gateway: TestClient) -> None:
    trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
    deep = '{"a":' * 900 + "1" + "}" * 900
    body = '{"kind": "place", "ref": "p1", "title": "Temple", "snapshot": ' + deep + "}"
    item = gateway.post(
        f"/v1/trips/{trip_id}/items", content=body, headers={**ALICE, "content-type": "application/json"}
    )
    assert item.status_code == 422
    assert item.json()["errors"][0]["field"] == "snapshot"


def test_retried_post_with_an_idempotency_key_creates_one_trip(gateway: TestClient) -> None:
    headers = {**ALICE, "Idempotency-Key": "create-tokyo-1"}
    first = gateway.post("/v1/trips", json=_trip(), headers=headers)
    again = gateway.post("/v1/trips", json=_trip(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(gateway.get("/v1/trips", headers=ALICE).json()["items"]) == 1


def test_same_idempotency_key_with_another_body_is_refused(gateway: TestClient) -> None:
    headers = {**ALICE, "Idempotency-Key": "create-tokyo-2"}
    assert gateway.post("/v1/trips", json=_trip(), headers=headers).status_code == 201
    conflict = gateway.post("/v1/trips", json=_trip(name="Different"), headers=headers)
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_keys_belong_to_their_user(gateway: TestClient) -> None:
    assert gateway.post("/v1/trips", json=_trip(), headers={**ALICE, "Idempotency-Key": "k"}).status_code == 201
    bobs = gateway.post("/v1/trips", json=_trip(), headers={**BOB, "Idempotency-Key": "k"})
    assert bobs.status_code == 201
    assert "idempotent-replayed" not in bobs.headers


def test_concurrent_retries_with_one_key_create_one_trip(migrated_database: str) -> None:
    app = create_app(GatewaySettings(database_url=migrated_database, access_log=False))
    with serve_in_thread(app, ready_path="/health") as base_url:

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
                headers = {**ALICE, "Idempotency-Key": "burst"}
                return await asyncio.gather(
                    *(client.post("/v1/trips", json=_trip(), headers=headers) for _ in range(8))
                )

        responses = asyncio.run(burst())
        listed = httpx.get(f"{base_url}/v1/trips", headers=ALICE, trust_env=False).json()["items"]
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(listed) == 1


def test_patch_changes_fields_and_keeps_dates_consistent(gateway: TestClient) -> None:
    trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
    renamed = gateway.patch(f"/v1/trips/{trip_id}", json={"name": "Kyoto too", "budget": None}, headers=ALICE)
    backwards = gateway.patch(
        f"/v1/trips/{trip_id}", json={"end_date": (START - dt.timedelta(days=3)).isoformat()}, headers=ALICE
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["budget"]) == ("Kyoto too", None)
    assert renamed.json()["updated_at"] > renamed.json()["created_at"]
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end_date"


def test_items_keep_their_save_time_snapshot_and_go_with_the_trip(gateway: TestClient) -> None:
    trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
    flight = {
        "kind": "flight",
        "ref": "SBX-OFFER-1",
        "title": "SFO → HND",
        "price": {"amount": "812.40", "currency": "USD"},
        "snapshot": {"carrier": "UA", "stops": 0, "departure": "2027-01-25T11:00"},
    }
    saved = gateway.post(f"/v1/trips/{trip_id}/items", json=flight, headers=ALICE)
    no_price = gateway.post(f"/v1/trips/{trip_id}/items", json={**flight, "price": None}, headers=ALICE)
    place = gateway.post(
        f"/v1/trips/{trip_id}/items", json={"kind": "place", "ref": "SBX_p", "title": "Senso-ji"}, headers=ALICE
    )
    assert saved.status_code == 201
    assert saved.json()["snapshot"] == flight["snapshot"]
    assert saved.json()["price"] == {"amount": "812.40", "currency": "USD"}
    assert no_price.status_code == 422
    assert no_price.json()["errors"][0]["field"] == "price"
    assert place.status_code == 201
    items = gateway.get(f"/v1/trips/{trip_id}/items", headers=ALICE).json()["items"]
    assert [i["kind"] for i in items] == ["flight", "place"]
    item_id = saved.json()["id"]
    assert gateway.get(f"/v1/trips/{trip_id}/items/{item_id}", headers=BOB).status_code == 404
    assert gateway.delete(f"/v1/trips/{trip_id}/items/{item_id}", headers=ALICE).status_code == 204
    assert gateway.get(f"/v1/trips/{trip_id}/items/{item_id}", headers=ALICE).status_code == 404
    assert gateway.delete(f"/v1/trips/{trip_id}", headers=ALICE).status_code == 204
    assert gateway.get(f"/v1/trips/{trip_id}/items", headers=ALICE).status_code == 404


def test_sql_and_template_text_is_stored_literally(gateway: TestClient) -> None:
    hostile = "Robert'); DROP TABLE trips;-- {{7*7}} ${jndi:x}"
    trip = gateway.post("/v1/trips", json=_trip(name=hostile, notes=hostile), headers=ALICE).json()
    assert gateway.get(f"/v1/trips/{trip['id']}", headers=ALICE).json()["notes"] == hostile


async def test_row_level_security_holds_a_direct_database_user_to_their_rows(
    gateway: TestClient, migrated_database: str
) -> None:
    gateway.post("/v1/trips", json=_trip(name="alice's"), headers=ALICE)
    gateway.post("/v1/trips", json=_trip(name="bob's"), headers=BOB)
    connection = await asyncpg.connect(migrated_database)
    try:
        await connection.execute("DROP ROLE IF EXISTS rls_probe; CREATE ROLE rls_probe")
        await connection.execute("GRANT SELECT, UPDATE ON trips TO rls_probe")
        async with connection.transaction():
            await connection.execute("SET LOCAL ROLE rls_probe")
            await connection.execute("SELECT set_config('request.jwt.claim.sub', 'bob', true)")
            visible = [r["name"] for r in await connection.fetch("SELECT name FROM trips")]
            changed = await connection.execute("UPDATE trips SET name = 'hijacked' WHERE name = 'alice''s'")
    finally:
        await connection.execute("DROP OWNED BY rls_probe; DROP ROLE IF EXISTS rls_probe")
        await connection.close()
    assert visible == ["bob's"]
    assert changed == "UPDATE 0"


def test_postgres_down_is_503_fast_and_trips_recover_without_a_restart(
    gateway: TestClient, postgres_server: EmbeddedPostgres
) -> None:
    assert gateway.post("/v1/trips", json=_trip(), headers=ALICE).status_code == 201
    postgres_server.stop()
    try:
        started = time.perf_counter()
        down = gateway.get("/v1/trips", headers=ALICE)
        elapsed = time.perf_counter() - started
        ready = gateway.get("/ready")
    finally:
        postgres_server.start()
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert elapsed < 10.0  # refused at once; only a hang or long retries come near this
    assert ready.status_code == 200  # forwarding does not need the database
    assert ready.json()["checks"]["database"]["status"] == "down"
    deadline = time.monotonic() + 60  # how soon Postgres answers again depends on the machine's load
    while (back := gateway.get("/v1/trips", headers=ALICE)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert back.status_code == 200
    assert len(back.json()["items"]) == 1


def test_created_trips_and_saved_items_are_counted_for_the_dashboards(migrated_database: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as agent:
        agent.bind(("127.0.0.1", 0))
        agent.settimeout(0.2)
        settings = GatewaySettings(
            database_url=migrated_database,
            access_log=False,
            dogstatsd_host="127.0.0.1",
            dogstatsd_port=agent.getsockname()[1],
        )
        with TestClient(create_app(settings)) as gateway:
            trip_id = gateway.post("/v1/trips", json=_trip(), headers=ALICE).json()["id"]
            gateway.post(
                f"/v1/trips/{trip_id}/items", json={"kind": "place", "ref": "p", "title": "Senso-ji"}, headers=ALICE
            )
            received = ""
            deadline = time.monotonic() + 60  # only a missing metric waits this long
            while "trip_items.saved" not in received and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError):
                    received += agent.recv(65536).decode()
    assert "tripsage.trips.created:1|c" in received
    assert "tripsage.trip_items.saved:1|c" in received
    assert "kind:place" in received
