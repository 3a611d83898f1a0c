"""The flights API over real HTTP, with the real SDK against a real sandbox and a real Redis."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
import redis

from tripsage_core.flags import FeatureFlags
from tripsage_core.settings import ConfigurationError
from tripsage_flights.config import FlightsSettings
from tripsage_testing.dates import airport_off_utc_date, iso_day_in
from tripsage_testing.dates import iso_day as _day
from tripsage_testing.redis import RedisServer

from .conftest import AppFactory, SandboxControl

PROBLEM = "application/problem+json"


def _search(url: str, auth: dict[str, str], **params: Any) -> httpx.Response:
    query = {"origin": "JFK", "destination": "LHR", "departure_date": _day(30), "adults": 1, **params}
    return httpx.get(f"{url}/v1/flights/search", params=query, headers=auth, timeout=10, trust_env=False)


def test_search_returns_offers_from_jfk_to_lhr_with_positive_prices(
    flights_app: AppFactory, auth: dict[str, str]
) -> None:
    with flights_app() as url:
        response = _search(url, auth)
    assert response.status_code == 200
    offers = response.json()["offers"]
    assert offers
    for offer in offers:
        assert offer["price"]["total"] > 0
        segments = offer["itineraries"][0]["segments"]
        assert segments[0]["departure"]["airport"] == "JFK"
        assert segments[-1]["arrival"]["airport"] == "LHR"
        assert segments[0]["departure"]["utc_offset"] in ("-05:00", "-04:00")
    assert offers == sorted(offers, key=lambda o: o["price"]["total"])


def test_the_same_search_again_is_a_cache_hit_whatever_the_order_and_case(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl, statsd: socket.socket
) -> None:
    port = statsd.getsockname()[1]
    with flights_app(dogstatsd_host="127.0.0.1", dogstatsd_port=port) as url:
        first = _search(url, auth, origin="jfk", destination="LHR", airlines="BA,UA")
        second = _search(url, auth, airlines="ua,ba", destination="lhr", origin="JFK")
        metrics = _received(statsd)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert second.json()["meta"]["cache"] == "hit"
    assert second.json()["offers"] == first.json()["offers"]
    assert sandbox.calls("flight_offers") == 1
    assert "tripsage.cache:1|c" in metrics
    assert "result:hit" in metrics
    assert "result:miss" in metrics


def _received(sock: socket.socket) -> str:
    chunks: list[str] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and "result:hit" not in "".join(chunks):
        try:
            chunks.append(sock.recv(65536).decode())
        except TimeoutError:
            continue
    return "".join(chunks)


def test_unknown_origin_is_422_naming_origin_without_calling_the_provider(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app() as url:
        response = _search(url, auth, origin="XXX")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "origin"
    assert sandbox.calls("flight_offers") == 0
    assert sandbox.calls("token") == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"departure_date": iso_day_in("America/New_York", -1)}, "departure_date"),
        ({"departure_date": _day(400)}, "departure_date"),
        ({"return_date": _day(29)}, "return_date"),
        ({"adults": 1, "infants": 2}, "infants"),
        ({"adults": 5, "children": 3, "infants": 2}, "adults"),
        ({"destination": "JFK"}, "destination"),
        ({"airlines": "BA", "exclude_airlines": "UA"}, "exclude_airlines"),
        ({"airlines": "BAX"}, "airlines"),
        ({"cabin": "LUXURY"}, "cabin"),
        ({"sort": "random"}, "sort"),
        ({"adults": 0}, "adults"),
    ],
)
def test_invalid_searches_are_422_naming_the_field(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl, params: dict[str, Any], field: str
) -> None:
    with flights_app() as url:
        response = _search(url, auth, **params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert sandbox.calls("flight_offers") == 0


def test_a_departure_is_in_the_past_only_once_its_date_is_over_at_the_origin(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    # An origin whose date is not UTC's right now: today there is UTC's yesterday (Honolulu) or yesterday there is
    # UTC's today (Kiritimati), so judging by UTC's date would fail one of the two.
    origin, zone = airport_off_utc_date()
    destination = "LAX"
    with flights_app() as url:
        today = iso_day_in(zone, 0)
        tonight = _search(url, auth, origin=origin, destination=destination, departure_date=today)
        yesterday = _search(url, auth, origin=origin, destination=destination, departure_date=iso_day_in(zone, -1))
    assert iso_day_in(zone, 0) == today, "the origin's date turned during the test; run it again"
    assert tonight.status_code == 200, tonight.text
    assert yesterday.status_code == 422
    assert yesterday.headers["content-type"].startswith(PROBLEM)
    assert yesterday.json()["errors"][0]["field"] == "departure_date"
    assert sandbox.calls("flight_offers") == 1


def test_provider_failing_after_a_search_serves_the_cached_offers_marked_stale(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(search_ttl_s=1) as url:
        fresh = _search(url, auth)
        time.sleep(1.1)
        sandbox.fault("error_500", endpoint="flight_offers")
        stale = _search(url, auth)
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["meta"]["stale"] is True
    assert stale.json()["meta"]["age_s"] >= 1
    assert stale.json()["offers"] == fresh.json()["offers"]


def test_provider_failing_without_a_cached_answer_is_503_problem_within_the_budget(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("error_500", endpoint="flight_offers")
    # A budget no load delay can spend, so the verdict is the attempts running out (503), never the clock (504).
    with flights_app(provider_timeout_s=30.0) as url:
        started = time.monotonic()
        response = _search(url, auth)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"]
    assert elapsed < 15.0  # three failed attempts and their backoffs, far inside the budget
    assert sandbox.calls("flight_offers") == 3  # FLIGHTS_PROVIDER_ATTEMPTS


def test_a_provider_slower_than_the_budget_is_504_within_the_budget(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("slow", endpoint="flight_offers", delay_s=60)
    with flights_app(provider_timeout_s=1.0) as url:
        started = time.monotonic()
        response = _search(url, auth)
        elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["type"].endswith("provider-timeout")
    # Far below the provider's 60 s and far above the 1 s budget: machine load cannot move the verdict.
    assert elapsed < 30.0


def test_a_rate_limited_search_is_retried_after_retry_after(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("rate_limit", endpoint="flight_offers", count=1, retry_after_s=1)
    with flights_app() as url:
        response = _search(url, auth)
    assert response.status_code == 200
    assert sandbox.calls("flight_offers") == 2


def test_repeated_failures_open_the_circuit_fail_fast_and_readiness_stays_up(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("error_500", endpoint="flight_offers")
    with flights_app(provider_attempts=1, breaker_threshold=2, breaker_reset_s=30) as url:
        assert _search(url, auth, departure_date=_day(31)).status_code == 503
        assert _search(url, auth, departure_date=_day(32)).status_code == 503
        calls = sandbox.calls("flight_offers")
        started = time.monotonic()
        fast = _search(url, auth, departure_date=_day(33))
        elapsed = time.monotonic() - started
        ready = httpx.get(f"{url}/ready", timeout=5, trust_env=False)
    assert fast.status_code == 503
    assert "paused" in fast.json()["detail"]
    assert elapsed < 15.0  # far below the 30 s until the circuit would let a probe through
    assert sandbox.calls("flight_offers") == calls
    assert ready.status_code == 200
    assert ready.json()["checks"]["provider"]["status"] == "down"


def test_price_confirms_an_offer_and_is_never_cached(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app() as url:
        offer = _search(url, auth).json()["offers"][0]
        responses = [
            httpx.post(f"{url}/v1/flights/price", json={"offer_id": offer["id"]}, headers=auth, trust_env=False)
            for _ in range(2)
        ]
    for response in responses:
        assert response.status_code == 200
        body = response.json()
        assert body["offer_id"] == offer["id"]
        assert body["available"] is True
        assert body["price"]["total"] > 0
        assert body["price"]["total"] == offer["price"]["total"]
        assert body["price_changed"] is False
        assert response.headers["x-cache"] == "bypass"
    assert sandbox.calls("flight_offers_pricing") == 2


def _priceable_entry(redis_url: str) -> tuple[bytes, dict[str, Any]]:
    with redis.Redis.from_url(redis_url) as client:
        (key,) = client.keys("tripsage:flights:offers:*")
        return key, json.loads(client.get(key))


def test_a_searched_offer_is_kept_for_pricing_as_the_providers_offer_and_what_the_search_quoted(
    flights_app: AppFactory, auth: dict[str, str], empty_redis: str
) -> None:
    # The whole normalised offer is in the search's own entry already; a second copy here made the cold path's Redis
    # write 54 KB instead of ~30 KB for JFK-LHR (docs/benchmarks.md, "Cold search").
    with flights_app() as url:
        offers = _search(url, auth).json()["offers"]
    _, envelope = _priceable_entry(empty_redis)
    stored = envelope["v"]["offers"]
    assert set(stored) == {offer["id"] for offer in offers}
    for offer in offers:
        assert set(stored[offer["id"]]) == {"reference", "searched"}
        assert stored[offer["id"]]["searched"] == {
            "price": offer["price"],
            "provider_offer_id": offer["provider_offer_id"],
            "alternative": offer["alternative"],
        }


def test_an_offer_kept_in_the_earlier_form_with_the_whole_offer_still_prices(
    flights_app: AppFactory, auth: dict[str, str], empty_redis: str
) -> None:
    with flights_app() as url:
        offers = {offer["id"]: offer for offer in _search(url, auth).json()["offers"]}
        key, envelope = _priceable_entry(empty_redis)
        for offer_id, entry in envelope["v"]["offers"].items():
            envelope["v"]["offers"][offer_id] = {"reference": entry["reference"], "offer": offers[offer_id]}
        with redis.Redis.from_url(empty_redis) as client:
            client.set(key, json.dumps(envelope), keepttl=True)
        offer = next(iter(offers.values()))
        response = httpx.post(f"{url}/v1/flights/price", json={"offer_id": offer["id"]}, headers=auth, trust_env=False)
    assert response.status_code == 200
    assert response.json()["searched_price"] == offer["price"]
    assert response.json()["offer"]["provider_offer_id"] == offer["provider_offer_id"]


def test_pricing_an_unknown_offer_is_404_problem(flights_app: AppFactory, auth: dict[str, str]) -> None:
    with flights_app() as url:
        response = httpx.post(
            f"{url}/v1/flights/price", json={"offer_id": "0123456789abcdef01234567-1"}, headers=auth, trust_env=False
        )
        declared = httpx.get(f"{url}/openapi.json", trust_env=False).json()["paths"]["/v1/flights/price"]["post"]
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "offer_id"
    assert "404" in declared["responses"]


def test_locations_autocomplete_finds_airports_and_cities_and_is_cached(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app() as url:
        first = httpx.get(f"{url}/v1/flights/locations", params={"q": "lon"}, headers=auth, trust_env=False)
        second = httpx.get(f"{url}/v1/flights/locations", params={"q": "LON"}, headers=auth, trust_env=False)
    assert first.status_code == 200
    kinds = {(x["sub_type"], x["iata_code"]) for x in first.json()["locations"]}
    assert ("CITY", "LON") in kinds
    assert ("AIRPORT", "LCY") in kinds
    assert second.headers["x-cache"] == "hit"
    assert sandbox.calls("locations") == 1


def test_searches_still_succeed_while_redis_is_down(
    flights_app: AppFactory, auth: dict[str, str], redis_server: RedisServer
) -> None:
    with flights_app() as url:
        redis_server.stop()
        try:
            responses = [_search(url, auth, departure_date=_day(40 + i)) for i in range(3)]
        finally:
            redis_server.start()
    assert [r.status_code for r in responses] == [200, 200, 200]


def test_alternative_routes_flag_adds_offers_from_nearby_airports(
    flights_app: AppFactory, auth: dict[str, str]
) -> None:
    with flights_app(flags=FeatureFlags(alternative_routes=True), alternative_radius_km=80) as url:
        response = _search(url, auth, max_results=100)
    body = response.json()
    assert response.status_code == 200
    assert body["alternatives_searched"]
    alternatives = [o for o in body["offers"] if o["alternative"]]
    assert alternatives
    for offer in alternatives:
        assert (offer["origin_airport"], offer["destination_airport"]) != ("JFK", "LHR")
        assert f"{offer['origin_airport']}-{offer['destination_airport']}" in body["alternatives_searched"]


def test_alternative_routes_are_off_by_default(flights_app: AppFactory, auth: dict[str, str]) -> None:
    with flights_app() as url:
        body = _search(url, auth).json()
    assert body["alternatives_searched"] == []
    assert not any(o["alternative"] for o in body["offers"])


def test_requests_without_a_token_are_401(flights_app: AppFactory) -> None:
    with flights_app() as url:
        assert _search(url, {}).status_code == 401


def test_production_without_amadeus_credentials_refuses_to_start() -> None:
    env = {
        **os.environ,
        "FLIGHTS_ENVIRONMENT": "production",
        "FLIGHTS_JWT_SECRET": "a-real-looking-jwt-secret-7f3a9c",
        "FLIGHTS_PORT": "1",
    }
    env.pop("FLIGHTS_AMADEUS_CLIENT_ID", None)
    done = subprocess.run(
        [sys.executable, "-m", "tripsage_flights"], env=env, capture_output=True, timeout=30, check=False
    )
    assert done.returncode != 0
    assert done.stderr.decode().strip() == (
        "tripsage-flights: refusing to start: Amadeus credentials are missing: "
        "set FLIGHTS_AMADEUS_CLIENT_ID and FLIGHTS_AMADEUS_CLIENT_SECRET."
    )


def test_production_settings_without_credentials_raise() -> None:
    with pytest.raises(ConfigurationError, match="FLIGHTS_AMADEUS_CLIENT_SECRET"):
        FlightsSettings(_env_file=None, environment="production", jwt_secret="a-real-looking-jwt-secret-7f3a9c")


def test_a_refresh_during_an_outage_gets_the_cached_offers_marked_stale(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app() as url:
        fresh = _search(url, auth)
        sandbox.fault("error_500", endpoint="flight_offers")
        refreshed = _search(url, auth, refresh="true")
    assert refreshed.status_code == 200
    assert refreshed.headers["x-cache"] == "stale"
    assert refreshed.json()["meta"]["stale"] is True
    assert refreshed.json()["offers"] == fresh.json()["offers"]
    assert sandbox.calls("flight_offers") == 1 + 3  # the search, then the refresh's attempts


def test_a_refresh_asks_the_provider_even_when_a_fresh_copy_is_cached(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app() as url:
        _search(url, auth)
        refreshed = _search(url, auth, refresh="true")
        again = _search(url, auth)
    assert refreshed.headers["x-cache"] == "miss"
    assert again.headers["x-cache"] == "hit"
    assert sandbox.calls("flight_offers") == 2


def test_readiness_counts_cache_hits(flights_app: AppFactory, auth: dict[str, str]) -> None:
    with flights_app() as url:
        _search(url, auth)
        _search(url, auth)
        ready = httpx.get(f"{url}/ready", timeout=5, trust_env=False)
    assert ready.status_code == 200
    cache = ready.json()["checks"]["cache"]
    assert (cache["backend"], cache["hits"], cache["misses"]) == ("redis", 1, 1)


@pytest.mark.parametrize("sort", ["duration", "departure"])
def test_offers_come_back_in_the_asked_order(flights_app: AppFactory, auth: dict[str, str], sort: str) -> None:
    with flights_app() as url:
        offers = _search(url, auth, sort=sort, max_results=50).json()["offers"]
    assert len(offers) > 1
    if sort == "duration":
        keys = [o["total_duration_minutes"] for o in offers]
    else:
        keys = [
            dt.datetime.fromisoformat(o["itineraries"][0]["segments"][0]["departure"]["local_time"]) for o in offers
        ]
    assert keys == sorted(keys)


def test_locations_accept_a_place_with_a_country_hint(flights_app: AppFactory, auth: dict[str, str]) -> None:
    with flights_app() as url:
        response = httpx.get(
            f"{url}/v1/flights/locations", params={"q": "Paris, France"}, headers=auth, trust_env=False
        )
    assert response.status_code == 200
    assert ("CITY", "PAR") in {(x["sub_type"], x["iata_code"]) for x in response.json()["locations"]}
