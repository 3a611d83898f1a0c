"""Geography a traveller would recognise, through the legacy web services and the googlemaps SDK.

Reference coordinates below are the landmarks' Wikipedia coordinates, written out independently of the data file.
"""

from __future__ import annotations

import googlemaps
import pytest

from tripsage_sandbox import geo

LANDMARKS = {
    "Eiffel Tower": (48.8584, 2.2945),
    "Eiffel Tower, Paris": (48.8584, 2.2945),
    "Tokyo Tower": (35.6586, 139.7454),
    "Statue of Liberty": (40.6892, -74.0445),
    "Sydney Opera House": (-33.8568, 151.2153),
    "Colosseum, Rome": (41.8902, 12.4922),
}


@pytest.fixture
def gmaps(port: int) -> googlemaps.Client:
    return googlemaps.Client(
        key="AIzaSandboxKey", base_url=f"http://127.0.0.1:{port}", retry_over_query_limit=False, retry_timeout=2
    )


@pytest.mark.parametrize(("query", "expected"), LANDMARKS.items())
def test_geocoding_a_landmark_lands_within_300_m(
    gmaps: googlemaps.Client, query: str, expected: tuple[float, float]
) -> None:
    location = gmaps.geocode(query)[0]["geometry"]["location"]
    assert geo.distance_km(location["lat"], location["lng"], *expected) < 0.3


@pytest.mark.parametrize(
    ("query", "state", "near"),
    [
        ("Springfield, IL", "IL", (39.80, -89.64)),
        ("Springfield, MA", "MA", (42.10, -72.59)),
        ("Charlestown, MA", "MA", (42.38, -71.06)),
        ("Portland, ME", "ME", (43.66, -70.26)),
    ],
)
def test_state_hints_pick_the_town_in_that_state(
    gmaps: googlemaps.Client, query: str, state: str, near: tuple[float, float]
) -> None:
    result = gmaps.geocode(query)[0]
    states = [c["short_name"] for c in result["address_components"] if "administrative_area_level_1" in c["types"]]
    assert states == [state]
    location = result["geometry"]["location"]
    assert geo.distance_km(location["lat"], location["lng"], *near) < 15


def test_administrative_area_component_narrows_the_town(gmaps: googlemaps.Client) -> None:
    result = gmaps.geocode("Springfield", components={"administrative_area": "OR", "country": "US"})[0]
    assert result["formatted_address"] == "Springfield, OR, United States"


@pytest.mark.parametrize("point", [(30.0, -40.0), (-40.0, -20.0), (0.0, -160.0), (10.0, 90.0)])
def test_reverse_geocoding_open_water_is_zero_results(gmaps: googlemaps.Client, point: tuple[float, float]) -> None:
    assert gmaps.reverse_geocode(point) == []


@pytest.mark.parametrize("point", [(-25.34, 131.03), (-23.70, 133.88), (64.84, -147.72), (37.74, -25.67)])
def test_remote_land_and_islands_still_answer(gmaps: googlemaps.Client, point: tuple[float, float]) -> None:
    # Uluru, Alice Springs, Fairbanks and the Azores: far from big cities, but land.
    assert gmaps.reverse_geocode(point)


def test_walking_from_the_eiffel_tower_to_the_louvre_takes_under_an_hour(gmaps: googlemaps.Client) -> None:
    leg = gmaps.directions("Eiffel Tower, Paris", "Louvre Museum, Paris", mode="walking")[0]["legs"][0]
    assert 3000 <= leg["distance"]["value"] <= 5000
    assert 40 * 60 <= leg["duration"]["value"] <= 70 * 60


def test_modes_order_by_speed_over_the_same_trip(gmaps: googlemaps.Client) -> None:
    def seconds(mode: str) -> int:
        leg = gmaps.directions("Eiffel Tower", "Sacré-Cœur, Paris", mode=mode)[0]["legs"][0]
        return int(leg["duration"]["value"])

    assert seconds("driving") < seconds("bicycling") < seconds("walking")


def test_transit_route_names_its_line_stops_and_times(gmaps: googlemaps.Client) -> None:
    leg = gmaps.directions("Eiffel Tower", "Louvre Museum", mode="transit", departure_time=1767258000)[0]["legs"][0]
    rides = [step["transit_details"] for step in leg["steps"] if step["travel_mode"] == "TRANSIT"]
    assert len(rides) == 1
    ride = rides[0]
    assert ride["line"]["name"].startswith("Line ")
    assert ride["line"]["vehicle"]["type"] == "SUBWAY"
    assert ride["departure_stop"]["name"] == "Eiffel Tower Station"
    assert ride["arrival_stop"]["name"] == "Louvre Museum Station"
    assert ride["headsign"]
    assert 1767258000 < ride["departure_time"]["value"] < ride["arrival_time"]["value"]
    assert ride["num_stops"] >= 1
    assert leg["steps"][0]["travel_mode"] == "WALKING"


def test_text_search_for_a_landmark_finds_it_first(gmaps: googlemaps.Client) -> None:
    results = gmaps.places("Statue of Liberty")["results"]
    assert results[0]["name"] == "Statue of Liberty"
    assert results[0]["formatted_address"] == "Statue of Liberty, New York, NY, United States"


def test_places_near_a_landmark_are_kinds_not_brands(gmaps: googlemaps.Client) -> None:
    results = gmaps.places("pharmacy near the Eiffel Tower")["results"]
    assert len(results) >= 3
    for place in results:
        assert "pharmacy" in place["types"]
        assert place["name"].startswith("Pharmacy ")
        location = place["geometry"]["location"]
        assert geo.distance_km(location["lat"], location["lng"], 48.8584, 2.2945) < 1.6


def test_museums_in_a_city_start_with_its_famous_ones(gmaps: googlemaps.Client) -> None:
    names = [p["name"] for p in gmaps.places("museums in Paris")["results"]]
    assert {"Louvre Museum", "Musée d'Orsay"} <= set(names[:5])
