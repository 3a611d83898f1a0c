"""A traveller's trip as the frontend sends it, and its brief once every section is in: the journey tests of the dev
stack (tests-e2e) and of the cluster (deploy/cluster/tests) make the same requests."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx

BRIEF_SECTIONS = ("destination", "local_time", "weather", "stays", "flights")


def trip_body(
    *, destination: str = "Tokyo", origin: str = "SFO", start: dt.date, nights: int = 7, budget_usd: str | None = None
) -> dict[str, Any]:
    """The body of `POST /v1/trips` for one traveller."""
    body: dict[str, Any] = {
        "name": f"{nights} nights in {destination}",
        "destination": destination,
        "origin": origin,
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=nights)).isoformat(),
        "travelers": 1,
    }
    if budget_usd is not None:
        body["budget"] = {"amount": budget_usd, "currency": "USD"}
    return body


def brief_when_all_ok(client: httpx.Client, trip_id: str, *, deadline_s: float = 30.0) -> dict[str, Any]:
    """The trip's brief once every section is `ok`, or the last one seen at the deadline (for the caller to assert).

    A provider circuit opened by an earlier test closes within seconds; the brief is asked again until then."""
    deadline = time.monotonic() + deadline_s
    while True:
        brief: dict[str, Any] = client.get(f"/v1/trips/{trip_id}/brief").json()
        if all(brief[name]["status"] == "ok" for name in BRIEF_SECTIONS) or time.monotonic() > deadline:
            return brief
        time.sleep(1.0)
