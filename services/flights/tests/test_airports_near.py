"""A place without an airport is served by the airports near it; one with none in reach is a clear 404."""

from __future__ import annotations

import httpx
import pytest

from tripsage_core.errors import PROBLEM_TYPE_BASE

from .conftest import AppFactory, SandboxControl

# A lodge in the hills west of Kyoto (a city without an airport), by a name no provider knows.
ARASHIYAMA = {"lat": 35.0094, "lon": 135.6668}
TRISTAN_DA_CUNHA = {"lat": -37.0675, "lon": -12.3105}  # the nearest airport is some 2,400 km away
PROVIDERS = pytest.mark.parametrize("provider", ["amadeus", "duffel"])


def _locations(url: str, auth: dict[str, str], **params: object) -> httpx.Response:
    return httpx.get(f"{url}/v1/flights/locations", params=params, headers=auth, timeout=10, trust_env=False)


@PROVIDERS
def test_a_place_without_an_airport_gets_itami_and_kansai_nearest_and_largest_first(
    flights_app: AppFactory, auth: dict[str, str], provider: str
) -> None:
    with flights_app(provider=provider) as url:
        response = _locations(url, auth, q="Qzx Hillside Lodge", **ARASHIYAMA)
    assert response.status_code == 200
    locations = response.json()["locations"]
    assert [place["iata_code"] for place in locations][:2] == ["ITM", "KIX"]
    assert {place["city_code"] for place in locations[:2]} == {"OSA"}  # one city code covers both
    assert all(0 < place["distance_km"] <= 150 for place in locations)
    assert response.json()["meta"]["provider"] == provider


def test_a_place_with_no_airport_within_reach_is_a_404_naming_the_rule(
    flights_app: AppFactory, auth: dict[str, str]
) -> None:
    with flights_app(provider="duffel") as url:
        response = _locations(url, auth, q="Edinburgh of the Seven Seas", **TRISTAN_DA_CUNHA)
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == PROBLEM_TYPE_BASE + "no-airport-in-reach"
    assert "150 km" in problem["detail"]
    assert problem["errors"][0]["field"] == "q"


def test_a_place_the_provider_knows_is_answered_by_the_provider_not_by_distance(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(provider="duffel") as url:
        response = _locations(url, auth, q="Paris", lat=48.8566, lon=2.3522)
    assert response.status_code == 200
    assert response.json()["locations"][0]["iata_code"] == "PAR"
    assert all(place["distance_km"] is None for place in response.json()["locations"])
    assert sandbox.calls("places", provider="duffel") == 1


def test_lat_without_lon_is_a_422_naming_lon(flights_app: AppFactory, auth: dict[str, str]) -> None:
    with flights_app() as url:
        response = _locations(url, auth, q="Kyoto", lat=35.0)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lon"
