"""Stays on Duffel over real HTTP: the adapter against the sandbox's Duffel Stays API and a real Redis."""

from __future__ import annotations

import httpx

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_testing.dates import iso_day as _day

from .conftest import AppFactory, SandboxControl
from .conftest import search as _search

PARIS_CENTRE = {"lat": 48.8566, "lon": 2.3522}


def _check(url: str, auth: dict[str, str], offer_id: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/stays/offers/{offer_id}", headers=auth, timeout=15, trust_env=False)


def test_a_city_search_on_duffel_returns_hotels_near_the_centre_with_every_rate_as_an_offer(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app(provider="duffel", hotels_per_search=5) as url:
        response = _search(url, auth)
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["provider"] == "duffel"
    hotels = body["hotels"]
    assert hotels
    for hotel in hotels:
        assert hotel["id"].startswith("acc_")
        assert hotel["distance_km"] <= 5.0  # the default radius around Paris's centre, not around CDG
        assert hotel["location"]["country_code"] == "FR"
        for offer in hotel["offers"]:
            assert offer["id"].startswith("rat_")
            assert (offer["check_in"], offer["check_out"], offer["nights"]) == (_day(30), _day(33), 3)
            assert offer["price"]["total"] > 0
            assert offer["price"]["per_night"] == round(offer["price"]["total"] / 3, 2)
    assert sandbox.calls("stays_search", provider="duffel") == 1
    assert 1 <= sandbox.calls("stays_rates", provider="duffel") <= 5  # the nearest `hotels_per_search` results
    assert sandbox.calls(provider="amadeus") == 0


def test_a_point_search_on_duffel_orders_hotels_by_distance_when_asked(
    stays_app: AppFactory, auth: dict[str, str]
) -> None:
    with stays_app(provider="duffel") as url:
        response = _search(url, auth, city_code=None, **PARIS_CENTRE, radius_km=3, sort="distance")
    assert response.status_code == 200
    distances = [hotel["distance_km"] for hotel in response.json()["hotels"]]
    assert distances
    assert distances == sorted(distances)
    assert max(distances) <= 3.0


def test_an_offer_is_rechecked_with_a_duffel_quote_under_the_same_id(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with stays_app(provider="duffel", hotels_per_search=3) as url:
        hotel = _search(url, auth, check_in=_day(50), check_out=_day(52)).json()["hotels"][0]
        offer = hotel["offers"][0]
        response = _check(url, auth, offer["id"])
    assert response.status_code == 200
    body = response.json()
    assert body["available"] is True
    assert body["hotel"]["id"] == hotel["id"]
    assert body["offer"]["id"] == offer["id"]
    assert body["offer"]["price"] == offer["price"]
    assert body["meta"]["cache"] == "bypass"
    assert sandbox.calls("stays_quotes", provider="duffel") == 1


def test_an_offer_duffel_does_not_know_is_the_domain_404_naming_the_offer(
    stays_app: AppFactory, auth: dict[str, str]
) -> None:
    with stays_app(provider="duffel") as url:
        response = _check(url, auth, "rat_0000NotAnOfferTheSandboxIssued")
    assert response.status_code == 404
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "offer-not-found"
    assert response.json()["errors"][0]["field"] == "offer_id"


def test_one_hotels_rates_failing_costs_that_hotel_not_the_search(
    stays_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("error_500", endpoint="stays_rates", provider="duffel", count=3)
    with stays_app(provider="duffel", hotels_per_search=4, provider_attempts=1) as url:
        response = _search(url, auth, check_in=_day(70), check_out=_day(71))
    assert response.status_code == 200
    assert 1 <= response.json()["count"] <= 3
    assert sandbox.calls("stays_rates", provider="duffel") == 4
