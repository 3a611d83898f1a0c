"""The stays API over real HTTP, with the real SDK against a real sandbox and a real Redis."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tripsage_core.settings import ConfigurationError
from tripsage_stays.config import StaysSettings
from tripsage_testing.dates import airport_off_utc_date, iso_day_in
from tripsage_testing.dates import iso_day as _day
from tripsage_testing.redis import RedisServer

from .conftest import AppFactory, SandboxControl
from .conftest import search as _search

PROBLEM = "application/problem+json"


def test_city_search_returns_hotels_with_offers(stays_app: AppFactory, auth: dict[str, str]) -> None:
    with stays_app() as url:
        response = _search(url, auth)
    assert response.status_code == 200
    hotels = response.json()["hotels"]
    assert hotels
    for hotel in hotels:
        assert hotel["id"]
        assert hotel["name"]
        assert hotel["location"]["lat"] is not None
        assert hotel["distance_km"] is not None
        assert 1 <= hotel["rating"] <= 5
        assert hotel["offers"]
        for offer in hotel["offers"]:
            assert offer["nights"] == 3
            assert offer["price"]["total"] > 0
            assert offer["price"]["per_night"] == pytest.approx(offer["price"]["total"] / 3, abs=0.01)
            assert "refundable" in offer["cancellation"]
    cheapest = [min(o["price"]["total"] for o in h["offers"]) for h in hotels]
    assert cheapest == sorted(cheapest)


def test_the_same_search_again_is_a_cache_hit_whatever_the_order_and_case(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app() as url:
        first = _search(url, auth, city_code="par", amenities="WIFI,restaurant")
        second = _search(url, auth, amenities="RESTAURANT,wifi", city_code="PAR")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert second.json()["meta"]["cache"] == "hit"
    assert sandbox.calls("hotel_offers") == 1


def test_coordinates_search_with_filters_and_sort(stays_app: AppFactory, auth: dict[str, str]) -> None:
    with stays_app() as url:
        response = _search(
            url, auth, city_code=None, lat=48.8566, lon=2.3522, radius_km=10, min_rating=3, sort="rating"
        )
    hotels = response.json()["hotels"]
    assert response.status_code == 200
    assert hotels
    assert all(h["rating"] >= 3 for h in hotels)
    assert [h["rating"] for h in hotels] == sorted((h["rating"] for h in hotels), reverse=True)


def test_max_price_drops_dearer_offers(stays_app: AppFactory, auth: dict[str, str]) -> None:
    with stays_app() as url:
        everything = _search(url, auth).json()["hotels"]
        limit = sorted(min(o["price"]["total"] for o in h["offers"]) for h in everything)[len(everything) // 2]
        capped = _search(url, auth, max_price=limit).json()["hotels"]
    assert 0 < len(capped) < len(everything)
    assert all(o["price"]["total"] <= limit for h in capped for o in h["offers"])


# Where each place of tripsage_testing.dates.airport_off_utc_date is, for a search by point.
_POINTS = {"HNL": (21.3069, -157.8583), "CXI": (1.8721, -157.4278)}


@pytest.mark.parametrize("by", ["city_code", "point"])
def test_a_check_in_is_in_the_past_only_once_its_date_is_over_at_the_hotel(
    stays_app: AppFactory, auth: dict[str, str], by: str
) -> None:
    # A place whose date is not UTC's right now: today there is UTC's yesterday (Honolulu) or yesterday there is
    # UTC's today (Kiritimati), so judging by UTC's date would fail one of the two.
    code, zone = airport_off_utc_date()
    lat, lon = _POINTS[code]
    place: dict[str, Any] = {"city_code": code} if by == "city_code" else {"city_code": None, "lat": lat, "lon": lon}
    with stays_app() as url:
        today = iso_day_in(zone, 0)
        tonight = _search(url, auth, **place, check_in=today, check_out=iso_day_in(zone, 2))
        yesterday = _search(url, auth, **place, check_in=iso_day_in(zone, -1), check_out=iso_day_in(zone, 2))
    assert iso_day_in(zone, 0) == today, "the place's date turned during the test; run it again"
    assert tonight.status_code == 200, tonight.text
    assert yesterday.status_code == 422
    assert yesterday.headers["content-type"] == PROBLEM
    assert yesterday.json()["errors"][0]["field"] == "check_in"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"city_code": "XXX"}, "city_code"),
        ({"city_code": None}, "city_code"),
        ({"lat": 48.85, "lon": 2.35}, "city_code"),
        ({"city_code": None, "lat": 48.85}, "lon"),
        ({"check_in": _day(-1)}, "check_in"),
        ({"check_in": _day(400), "check_out": _day(401)}, "check_in"),
        ({"check_out": _day(30)}, "check_out"),
        ({"check_out": _day(90)}, "check_out"),
        ({"adults": 1, "rooms": 2}, "rooms"),
        ({"adults": 10}, "adults"),
        ({"min_rating": 6}, "min_rating"),
        ({"amenities": "WI FI"}, "amenities"),
    ],
)
def test_invalid_searches_are_422_naming_the_field(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl, params: dict[str, Any], field: str
) -> None:
    with stays_app() as url:
        response = _search(url, auth, **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field
    assert sandbox.calls("hotels_by_city") == 0


def test_offer_recheck_confirms_price_and_is_never_cached(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app() as url:
        offer = _search(url, auth).json()["hotels"][0]["offers"][0]
        checks = [
            httpx.get(f"{url}/v1/stays/offers/{offer['id']}", headers=auth, trust_env=False, timeout=10)
            for _ in range(2)
        ]
    for check in checks:
        assert check.status_code == 200
        body = check.json()
        assert body["available"] is True
        assert body["offer"]["id"] == offer["id"]
        assert body["offer"]["price"]["total"] == offer["price"]["total"]
        assert check.headers["x-cache"] == "bypass"
    assert sandbox.calls("hotel_offer") == 2


def test_rechecking_an_unknown_offer_is_404_problem(stays_app: AppFactory, auth: dict[str, str]) -> None:
    with stays_app() as url:
        response = httpx.get(f"{url}/v1/stays/offers/SBXNOSUCHOFFER", headers=auth, trust_env=False)
        document = httpx.get(f"{url}/openapi.json", trust_env=False).json()
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "404" in document["paths"]["/v1/stays/offers/{offer_id}"]["get"]["responses"]


def test_provider_failing_after_a_search_serves_the_cached_hotels_marked_stale(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app(search_ttl_s=1) as url:
        fresh = _search(url, auth)
        time.sleep(1.1)
        sandbox.fault("error_500")
        stale = _search(url, auth)
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["meta"]["stale"] is True
    assert stale.json()["hotels"] == fresh.json()["hotels"]


def test_dropped_connections_without_a_cached_answer_are_503_within_the_budget(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("drop", endpoint="hotels_by_city")
    # A budget no load delay can spend, so the verdict is the attempts running out (503), never the clock (504).
    with stays_app(provider_timeout_s=30.0) as url:
        started = time.monotonic()
        response = _search(url, auth)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert sandbox.calls("hotels_by_city") == 3  # STAYS_PROVIDER_ATTEMPTS
    assert elapsed < 15.0  # three dropped attempts and their backoffs, far inside the budget


def test_a_rate_limited_offer_search_is_retried_after_retry_after(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("rate_limit", endpoint="hotel_offers", count=1, retry_after_s=1)
    with stays_app() as url:
        response = _search(url, auth)
    assert response.status_code == 200
    assert response.json()["hotels"]
    assert sandbox.calls("hotel_offers") == 2


def test_searches_still_succeed_while_redis_is_down(
    stays_app: AppFactory, auth: dict[str, str], redis_server: RedisServer
) -> None:
    with stays_app() as url:
        redis_server.stop()
        try:
            statuses = [_search(url, auth, check_in=_day(40 + i), check_out=_day(42 + i)).status_code for i in range(3)]
        finally:
            redis_server.start()
    assert statuses == [200, 200, 200]


def test_readiness_reports_provider_and_cache_as_non_critical(stays_app: AppFactory) -> None:
    with stays_app() as url:
        ready = httpx.get(f"{url}/ready", trust_env=False, timeout=5)
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["provider"]["circuit"] == "closed"
    assert checks["cache"]["backend"] == "redis"


def test_production_settings_without_credentials_raise() -> None:
    with pytest.raises(ConfigurationError, match="STAYS_AMADEUS_CLIENT_ID"):
        StaysSettings(_env_file=None, environment="production", jwt_secret="a-real-looking-jwt-secret-7f3a9c")


def test_a_refresh_during_an_outage_gets_the_cached_hotels_marked_stale(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app() as url:
        fresh = _search(url, auth)
        sandbox.fault("error_503")
        refreshed = _search(url, auth, refresh="true")
    assert refreshed.status_code == 200
    assert refreshed.headers["x-cache"] == "stale"
    assert refreshed.json()["hotels"] == fresh.json()["hotels"]


def test_the_list_and_offer_calls_of_one_search_share_one_time_budget(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    # The list answers after 4.5 s of a 5 s budget and the offers never do: sharing the budget ends the search at
    # about 5 s, a budget per call at 9.5 s. The bound sits 3 s above the first, out of reach of load delays.
    sandbox.fault("slow", endpoint="hotels_by_city", delay_s=4.5, count=1)
    sandbox.fault("slow", endpoint="hotel_offers", delay_s=60, count=1)
    with stays_app(provider_timeout_s=5.0, provider_attempt_timeout_s=60.0) as url:
        started = time.monotonic()
        response = _search(url, auth)
        elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["type"].endswith("provider-timeout")
    assert sandbox.calls("hotel_offers") == 1
    assert elapsed < 8.0
