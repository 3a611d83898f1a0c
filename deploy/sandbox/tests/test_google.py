"""Google Maps web services through the real googlemaps SDK."""

from __future__ import annotations

import time

import googlemaps
import httpx
import pytest

from tripsage_sandbox import geo


@pytest.fixture
def gmaps(port: int) -> googlemaps.Client:
    return googlemaps.Client(
        key="AIzaSandboxKey", base_url=f"http://127.0.0.1:{port}", retry_over_query_limit=False, retry_timeout=2
    )


def test_reverse_geocode_names_the_landmark_then_the_city(gmaps: googlemaps.Client) -> None:
    # 40 m from the Eiffel Tower: Google answers most specific first, so the landmark precedes the locality.
    results = gmaps.reverse_geocode((48.8584, 2.2945))
    assert results[0]["formatted_address"] == "Eiffel Tower, Paris, France"
    assert results[1]["formatted_address"] == "Paris, France"
    assert {"long_name": "France", "short_name": "FR", "types": ["country", "political"]} in results[1][
        "address_components"
    ]


def test_unknown_address_is_zero_results(gmaps: googlemaps.Client) -> None:
    assert gmaps.geocode("Qwxzzyplk Nowhereville") == []


def test_geocode_by_place_id_round_trips(gmaps: googlemaps.Client) -> None:
    kyoto = gmaps.geocode("Kyoto, Japan")[0]
    again = gmaps.geocode(place_id=kyoto["place_id"])[0]
    assert again["geometry"]["location"] == kyoto["geometry"]["location"]


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/maps/api/geocode/json", {"results": []}),
        ("/maps/api/place/textsearch/json", {"html_attributions": [], "results": []}),
        ("/maps/api/place/details/json", {"html_attributions": []}),
        ("/maps/api/directions/json", {"geocoded_waypoints": [], "routes": []}),
        ("/maps/api/distancematrix/json", {"destination_addresses": [], "origin_addresses": [], "rows": []}),
    ],
)
def test_missing_key_is_request_denied(base_url: str, path: str, empty: dict[str, list[object]]) -> None:
    response = httpx.get(base_url + path, params={"address": "Kyoto"})
    body = response.json()
    assert list(body) == [*empty, "error_message", "status"]
    assert {k: body[k] for k in empty} == empty
    assert body["status"] == "REQUEST_DENIED"
    assert "API key" in body["error_message"]


def test_missing_address_is_invalid_request(gmaps: googlemaps.Client) -> None:
    with pytest.raises(googlemaps.exceptions.ApiError) as raised:
        gmaps.geocode()
    assert raised.value.status == "INVALID_REQUEST"


def test_text_search_returns_museums_in_the_city(gmaps: googlemaps.Client) -> None:
    body = gmaps.places("museums in Kyoto")
    assert body["status"] == "OK"
    results = body["results"]
    assert len(results) >= 6
    for place in results:
        assert "museum" in place["types"]
        location = place["geometry"]["location"]
        assert geo.distance_km(location["lat"], location["lng"], 35.02107, 135.75385) < 15
        assert 3.5 <= place["rating"] <= 4.9
    details = gmaps.place(results[0]["place_id"], fields=["name", "formatted_phone_number", "geometry"])
    assert details["status"] == "OK"
    assert set(details["result"]) == {"name", "formatted_phone_number", "geometry"}
    assert details["result"]["name"] == results[0]["name"]


def test_details_of_unknown_place_is_not_found(gmaps: googlemaps.Client) -> None:
    with pytest.raises(googlemaps.exceptions.ApiError) as raised:
        gmaps.place("SBX_Pnot-a-place")
    assert raised.value.status == "NOT_FOUND"


def test_directions_distance_grows_with_separation(gmaps: googlemaps.Client) -> None:
    near = gmaps.directions("Paris, France", "Versailles, France")[0]["legs"][0]
    far = gmaps.directions("Paris, France", "Lyon, France")[0]["legs"][0]
    assert near["distance"]["value"] < far["distance"]["value"]
    assert near["duration"]["value"] < far["duration"]["value"]
    straight = geo.distance_km(48.85341, 2.3488, 45.74846, 4.84671)
    assert straight * 1000 < far["distance"]["value"] < straight * 1000 * 1.5
    walking = gmaps.directions("Paris, France", "Versailles, France", mode="walking")[0]["legs"][0]
    assert walking["duration"]["value"] > near["duration"]["value"]


def test_directions_across_an_ocean_is_zero_results(gmaps: googlemaps.Client) -> None:
    assert gmaps.directions("Paris, France", "New York City, USA") == []


def test_distance_matrix_has_one_element_per_pair(gmaps: googlemaps.Client) -> None:
    body = gmaps.distance_matrix(["Boston, USA", "Chicago, USA"], ["New York City, USA", "Zzxqv Nowhere"])
    assert body["status"] == "OK"
    assert len(body["rows"]) == 2
    assert [e["status"] for e in body["rows"][0]["elements"]] == ["OK", "NOT_FOUND"]
    boston_ny = body["rows"][0]["elements"][0]["distance"]["value"]
    chicago_ny = body["rows"][1]["elements"][0]["distance"]["value"]
    assert boston_ny < chicago_ny


def test_timezone_follows_dst(gmaps: googlemaps.Client) -> None:
    winter = gmaps.timezone((40.7128, -74.0060), timestamp=1736942400)  # 2025-01-15
    summer = gmaps.timezone((40.7128, -74.0060), timestamp=1752580800)  # 2025-07-15
    assert winter["timeZoneId"] == "America/New_York"
    assert (winter["rawOffset"], winter["dstOffset"]) == (-18000, 0)
    assert (summer["rawOffset"], summer["dstOffset"]) == (-18000, 3600)
    assert summer["timeZoneName"] == "Eastern Daylight Time"
    tokyo = gmaps.timezone((35.68, 139.69), timestamp=int(time.time()))
    assert (tokyo["timeZoneId"], tokyo["rawOffset"]) == ("Asia/Tokyo", 32400)


def test_details_fields_use_googles_singular_names_for_plural_keys(base_url: str) -> None:
    search = httpx.get(
        f"{base_url}/maps/api/place/textsearch/json", params={"query": "museum in Kyoto", "key": "k"}, trust_env=False
    ).json()
    place_id = search["results"][0]["place_id"]
    details = httpx.get(
        f"{base_url}/maps/api/place/details/json",
        params={"place_id": place_id, "fields": "name,type", "key": "k"},
        trust_env=False,
    ).json()
    assert set(details["result"]) == {"name", "types"}
    assert details["result"]["types"]


def test_nearby_search_finds_places_of_the_type_within_the_radius(gmaps: googlemaps.Client) -> None:
    eiffel = (48.8584, 2.2945)
    body = gmaps.places_nearby(location=eiffel, radius=1500, type="museum")
    assert body["status"] == "OK"
    assert 1 <= len(body["results"]) <= 20
    for place in body["results"]:
        location = place["geometry"]["location"]
        assert geo.distance_km(*eiffel, location["lat"], location["lng"]) <= 1.5
    # Its ids are ids Place Details knows.
    assert gmaps.place(body["results"][0]["place_id"])["status"] == "OK"


def test_nearby_search_beyond_the_maximum_radius_is_invalid_request(gmaps: googlemaps.Client) -> None:
    with pytest.raises(googlemaps.exceptions.ApiError, match="INVALID_REQUEST"):
        gmaps.places_nearby(location=(48.8584, 2.2945), radius=50_001, type="museum")
