"""Travel data a traveller would believe, through the public API (issue 19's realism examples, end to end)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import httpx

from tripsage_devstack.harness import RunningStack


def _flights_section(client: httpx.Client, trip_id: str, deadline_s: float = 30.0) -> dict[str, Any]:
    # Earlier e2e files inject provider outages; their circuits close within seconds, so allow for that.
    deadline = time.monotonic() + deadline_s
    while True:
        section: dict[str, Any] = client.get(f"/v1/trips/{trip_id}/brief").json()["flights"]
        if section["status"] == "ok" or time.monotonic() > deadline:
            return section
        time.sleep(1.0)


def test_a_trip_to_kyoto_gets_flights_to_the_airports_that_serve_it(stack: RunningStack) -> None:
    auth = {"authorization": f"Bearer {stack.token(f'kyoto-{uuid.uuid4().hex[:8]}')}"}
    start = dt.date.today() + dt.timedelta(days=45)
    with httpx.Client(base_url=stack.topology.gateway_url, headers=auth, trust_env=False, timeout=15) as client:
        trip = client.post(
            "/v1/trips",
            json={
                "name": "Temples and gardens",
                "destination": "Kyoto, Japan",
                "origin": "LHR",
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=6)).isoformat(),
                "travelers": 3,
            },
        )
        assert trip.status_code == 201, trip.text
        section = _flights_section(client, trip.json()["id"])
    assert section["status"] == "ok", section
    offers = section["data"]["offers"]
    assert offers
    assert {o["destination_airport"] for o in offers} <= {"KIX", "ITM"}
    assert all(o["seats_left"] is None or o["seats_left"] >= 3 for o in offers)
