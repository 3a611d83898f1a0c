"""Trips through the running stack: the gateway's own domain, on the stack's Postgres."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx

from tripsage_devstack.harness import RunningStack


def test_a_trip_is_created_once_listed_with_items_and_private(stack: RunningStack) -> None:
    start = dt.date.today() + dt.timedelta(days=60)
    body = {
        "name": "Tokyo",
        "destination": "Tokyo",
        "origin": "SFO",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=7)).isoformat(),
        "travelers": 1,
    }
    alice = {"authorization": f"Bearer {stack.token('e2e-alice-' + uuid.uuid4().hex[:6])}"}
    bob = {"authorization": f"Bearer {stack.token('e2e-bob')}"}
    with httpx.Client(base_url=stack.topology.gateway_url, trust_env=False, timeout=10) as client:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = client.post("/v1/trips", json=body, headers={**alice, **key})
        retry = client.post("/v1/trips", json=body, headers={**alice, **key})
        trip_id = first.json()["id"]
        item = client.post(
            f"/v1/trips/{trip_id}/items",
            headers=alice,
            json={"kind": "place", "ref": "SBX_sensoji", "title": "Senso-ji"},
        )
        listed = client.get("/v1/trips", headers=alice).json()["items"]
        items = client.get(f"/v1/trips/{trip_id}/items", headers=alice).json()["items"]
        stranger = client.get(f"/v1/trips/{trip_id}", headers=bob)
    assert (first.status_code, retry.status_code, item.status_code) == (201, 201, 201)
    assert retry.json()["id"] == trip_id
    assert [t["id"] for t in listed] == [trip_id]
    assert [i["title"] for i in items] == ["Senso-ji"]
    assert stranger.status_code == 404
