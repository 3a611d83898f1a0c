"""Faults on demand: each kind behaves as configured and stops when its count or duration ends."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import googlemaps
import httpx
import pytest
from amadeus import Client
from amadeus.client.errors import ClientError, ParserError, ServerError

from tripsage_testing.sandbox import RunningSandbox, running_sandbox

KEY = {"appid": "k"}
SLOW_SANDBOX_LATENCY_S = 3.0
WEATHER: dict[str, str | float] = {"lat": 51.5, "lon": -0.12, **KEY}


def _arm(base_url: str, **spec: Any) -> dict[str, Any]:
    response = httpx.post(base_url + "/__sandbox/faults", json=spec)
    assert response.status_code == 201, response.text
    fault: dict[str, Any] = response.json()
    return fault


def _weather(base_url: str, **headers: str) -> httpx.Response:
    return httpx.get(base_url + "/data/2.5/weather", params=WEATHER, headers=headers, timeout=10)


def test_rate_limit_for_n_requests_then_recovers_through_amadeus_sdk(base_url: str, port: int) -> None:
    _arm(base_url, provider="amadeus", endpoint="flight_offers", kind="rate_limit", count=2, retry_after_s=7)
    amadeus = Client(client_id="a", client_secret="b", host="127.0.0.1", port=port, ssl=False)
    query = {
        "originLocationCode": "LHR",
        "destinationLocationCode": "CDG",
        "departureDate": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "adults": 1,
    }
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            amadeus.shopping.flight_offers_search.get(**query)
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "7"
        assert raised.value.response.result["errors"][0]["code"] == 38194
    assert amadeus.shopping.flight_offers_search.get(**query).data
    assert httpx.get(base_url + "/__sandbox/faults").json() == {"faults": []}


def test_google_over_query_limit_for_a_duration(base_url: str, port: int) -> None:
    # Long enough that both calls below fall inside it however busy the machine.
    _arm(base_url, provider="google", kind="rate_limit", duration_s=3.0)
    gmaps = googlemaps.Client(key="AIzaX", base_url=f"http://127.0.0.1:{port}", retry_over_query_limit=False)
    with pytest.raises(googlemaps.exceptions.ApiError) as raised:
        gmaps.geocode("Paris")
    assert raised.value.status == "OVER_QUERY_LIMIT"
    with pytest.raises(googlemaps.exceptions.ApiError):
        gmaps.geocode("Paris")
    time.sleep(3.1)
    assert gmaps.geocode("Paris")


def test_server_errors_carry_provider_bodies(base_url: str) -> None:
    _arm(base_url, provider="owm", kind="error_503", count=1)
    unavailable = _weather(base_url)
    assert unavailable.status_code == 503
    assert unavailable.json()["cod"] == "503"
    assert _weather(base_url).status_code == 200
    _arm(base_url, provider="embeddings", kind="error_500", count=1)
    failed = httpx.post(
        base_url + "/v1/embeddings",
        json={"model": "all-MiniLM-L6-v2", "input": "x"},
        headers={"Authorization": "Bearer k"},
    )
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error"


def test_amadeus_500_is_a_server_error_in_the_sdk(base_url: str, port: int) -> None:
    _arm(base_url, provider="amadeus", endpoint="/v1/reference-data/", kind="error_500", count=1)
    amadeus = Client(client_id="a", client_secret="b", host="127.0.0.1", port=port, ssl=False)
    with pytest.raises(ServerError):
        amadeus.reference_data.locations.get(keyword="PAR", subType="CITY")
    assert amadeus.reference_data.locations.get(keyword="PAR", subType="CITY").data


def test_slow_responses_wait_the_configured_delay(base_url: str) -> None:
    _arm(base_url, provider="owm", endpoint="weather", kind="slow", delay_s=0.5, count=1)
    started = time.monotonic()
    assert _weather(base_url).status_code == 200
    assert time.monotonic() - started >= 0.5
    # count=1: the fault is used up, so nothing delays the next call (asserted on the registry, not in milliseconds).
    armed = httpx.get(base_url + "/__sandbox/faults").json()["faults"]
    assert [fault for fault in armed if fault["provider"] == "owm"] == []
    assert _weather(base_url).status_code == 200


def test_malformed_json_breaks_parsers(base_url: str, port: int) -> None:
    _arm(base_url, provider="amadeus", endpoint="locations", kind="malformed", count=1)
    amadeus = Client(client_id="a", client_secret="b", host="127.0.0.1", port=port, ssl=False)
    with pytest.raises(ParserError):
        amadeus.reference_data.locations.get(keyword="PAR", subType="CITY")
    assert amadeus.reference_data.locations.get(keyword="PAR", subType="CITY").data


def test_dropped_connection_sends_no_response(base_url: str) -> None:
    _arm(base_url, provider="owm", kind="drop", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        _weather(base_url)
    assert _weather(base_url).status_code == 200


def test_header_fault_applies_to_that_request_only(base_url: str) -> None:
    assert _weather(base_url, **{"X-Sandbox-Fault": "rate_limit"}).status_code == 429
    assert _weather(base_url).status_code == 200


def test_faults_are_scoped_to_their_endpoint(base_url: str, port: int) -> None:
    _arm(base_url, provider="google", endpoint="directions", kind="error_500")
    gmaps = googlemaps.Client(key="AIzaX", base_url=f"http://127.0.0.1:{port}", retry_timeout=1)
    assert gmaps.geocode("Paris")
    with pytest.raises(googlemaps.exceptions.Timeout):
        gmaps.directions("Paris", "Lyon")
    assert _weather(base_url).status_code == 200


def test_control_api_lists_and_deletes_faults(base_url: str) -> None:
    first = _arm(base_url, provider="owm", kind="error_500", count=3)
    _arm(base_url, provider="google", kind="slow", duration_s=60)
    assert _weather(base_url).status_code == 500
    listed = {f["id"]: f for f in httpx.get(base_url + "/__sandbox/faults").json()["faults"]}
    assert listed[first["id"]]["remaining"] == 2
    assert listed[first["id"]]["triggered"] == 1
    assert httpx.delete(f"{base_url}/__sandbox/faults/{first['id']}").status_code == 200
    assert httpx.delete(f"{base_url}/__sandbox/faults/{first['id']}").status_code == 404
    assert _weather(base_url).status_code == 200
    assert httpx.delete(base_url + "/__sandbox/faults").json() == {"cleared": 1}


def test_bad_fault_spec_is_rejected(base_url: str) -> None:
    response = httpx.post(base_url + "/__sandbox/faults", json={"provider": "yahoo", "kind": "drop"})
    assert response.status_code == 422


def test_stats_count_upstream_calls_per_endpoint(base_url: str) -> None:
    for _ in range(3):
        _weather(base_url)
    httpx.get(base_url + "/data/2.5/forecast", params=WEATHER)
    stats = httpx.get(base_url + "/__sandbox/stats").json()
    owm = stats["providers"]["owm"]
    assert (owm["total"], owm["endpoints"]) == (4, {"forecast": 1, "weather": 3})
    assert [len(owm["arrivals"][name]) for name in ("forecast", "weather")] == [1, 3]  # when each call arrived
    assert stats["providers"]["amadeus"]["total"] == 0
    httpx.delete(base_url + "/__sandbox/stats")
    assert httpx.get(base_url + "/__sandbox/stats").json()["total"] == 0


@pytest.fixture(scope="module")
def slow_sandbox(model_ready: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    latency_ms = str(int(SLOW_SANDBOX_LATENCY_S * 1000))
    with running_sandbox(tmp_path_factory.mktemp("latency"), SANDBOX_LATENCY_MS=latency_ms) as running:
        yield running


def test_global_latency_delays_provider_calls_only(slow_sandbox: RunningSandbox) -> None:
    started = time.monotonic()
    assert _weather(slow_sandbox.url).status_code == 200
    assert time.monotonic() - started >= SLOW_SANDBOX_LATENCY_S
    started = time.monotonic()
    assert httpx.get(slow_sandbox.url + "/__sandbox/health").status_code == 200
    # Far below the 3 s every provider call waits; a local health answer under any plausible load is far quicker.
    assert time.monotonic() - started < SLOW_SANDBOX_LATENCY_S / 2
