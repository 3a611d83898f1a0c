"""A traveller's journey through the public API, as the frontend would make it (issue 7's acceptance)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx

from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import SANDBOX_PORT
from tripsage_testing.journey import BRIEF_SECTIONS as SECTIONS
from tripsage_testing.journey import brief_when_all_ok, trip_body


def test_plan_a_trip_to_tokyo(stack: RunningStack) -> None:
    user = f"journey-{uuid.uuid4().hex[:8]}"
    auth = {"authorization": f"Bearer {stack.token(user)}"}
    start = dt.date.today() + dt.timedelta(days=60)
    end = start + dt.timedelta(days=7)
    sandbox = httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10)
    with httpx.Client(base_url=stack.topology.gateway_url, headers=auth, trust_env=False, timeout=15) as client:
        trip = client.post("/v1/trips", json=trip_body(start=start, budget_usd="3500.00"))
        assert trip.status_code == 201, trip.text
        trip_id = trip.json()["id"]

        brief = brief_when_all_ok(client, trip_id)
        assert {name: brief[name]["status"] for name in SECTIONS} == dict.fromkeys(SECTIONS, "ok"), brief
        assert brief["local_time"]["data"]["timezone"] == "Asia/Tokyo"

        flights = client.get(
            "/v1/flights/search",
            params={
                "origin": "SFO",
                "destination": "TYO",
                "departure_date": start.isoformat(),
                "return_date": end.isoformat(),
                "adults": 1,
            },
        )
        stays = client.get(
            "/v1/stays/search",
            params={"city_code": "TYO", "check_in": start.isoformat(), "check_out": end.isoformat(), "adults": 1},
        )
        assert (flights.status_code, stays.status_code) == (200, 200)
        offer = flights.json()["offers"][0]
        hotel = next(h for h in stays.json()["hotels"] if h["offers"])
        room = hotel["offers"][0]
        saved = [
            client.post(
                f"/v1/trips/{trip_id}/items",
                json={
                    "kind": "flight",
                    "ref": offer["id"],
                    "title": f"SFO → {offer['destination_airport']}",
                    "price": {"amount": f"{offer['price']['total']:.2f}", "currency": offer["price"]["currency"]},
                    "snapshot": {"stops": offer["stops"], "seats_left": offer["seats_left"]},
                },
            ),
            client.post(
                f"/v1/trips/{trip_id}/items",
                json={
                    "kind": "stay",
                    "ref": room["id"],
                    "title": hotel["name"],
                    "price": {"amount": f"{room['price']['total']:.2f}", "currency": room["price"]["currency"]},
                    "snapshot": {"board": room["board"], "nights": room["nights"]},
                },
            ),
        ]
        assert [s.status_code for s in saved] == [201, 201]

        remembered = client.post(
            "/v1/memories",
            json={
                "text": "I am vegetarian and allergic to peanuts.",
                "metadata": {"trip_id": trip_id, "category": "constraint"},
            },
        )
        assert remembered.status_code in (200, 201), remembered.text

        listed = client.get("/v1/trips").json()["items"]
        items = client.get(f"/v1/trips/{trip_id}/items").json()["items"]
        assert [t["id"] for t in listed] == [trip_id]
        assert sorted(i["kind"] for i in items) == ["flight", "stay"]

        # The weather provider fails. Sixty days ahead is past any forecast, so the weather section above needed no
        # provider call (those days are `unavailable` inside it); bring the trip within the forecast so the section
        # must reach the provider, and check that only that section degrades.
        soon = dt.date.today() + dt.timedelta(days=1)
        moved = client.patch(
            f"/v1/trips/{trip_id}",
            json={"start_date": soon.isoformat(), "end_date": (soon + dt.timedelta(days=6)).isoformat()},
        )
        assert moved.status_code == 200
        sandbox.post("/__sandbox/faults", json={"provider": "owm", "kind": "error_500", "duration_s": 60})
        try:
            started = time.perf_counter()
            degraded = client.get(f"/v1/trips/{trip_id}/brief")
            elapsed = time.perf_counter() - started
        finally:
            sandbox.delete("/__sandbox/faults")
        assert degraded.status_code == 200
        body = degraded.json()
        assert body["weather"]["status"] in ("unavailable", "stale")
        assert all(body[name]["status"] == "ok" for name in SECTIONS if name != "weather"), body
        assert elapsed < 30.0  # the section budget cuts the failing weather; only a hang comes near this

        stranger = {"authorization": f"Bearer {stack.token(user + '-other')}"}
        assert client.get(f"/v1/trips/{trip_id}", headers=stranger).status_code == 404

        statuses = [
            client.get(
                "/v1/flights/search",
                params={"origin": "SFO", "destination": "TYO", "departure_date": start.isoformat(), "adults": 1},
            ).status_code
            for _ in range(40)
        ]
        assert 429 in statuses
        limited = client.get(
            "/v1/flights/search", params={"origin": "SFO", "destination": "TYO", "departure_date": start.isoformat()}
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
    sandbox.close()
