"""Bad input gets the provider's error format, never a 500 or a stack trace."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest

BAD = ["", "abc", "-1", "999999999999", "1e400", "nan", "🙂", "JFK,LHR", "a" * 3000]

GETS: dict[str, list[str]] = {
    "/v2/shopping/flight-offers": [
        "originLocationCode",
        "destinationLocationCode",
        "departureDate",
        "returnDate",
        "adults",
        "children",
        "infants",
        "travelClass",
        "nonStop",
        "max",
        "maxPrice",
        "currencyCode",
        "includedAirlineCodes",
    ],
    "/v1/reference-data/locations": ["keyword", "subType", "page[limit]", "page[offset]", "countryCode"],
    "/v1/reference-data/locations/hotels/by-city": ["cityCode", "radius", "radiusUnit", "ratings"],
    "/v1/reference-data/locations/hotels/by-geocode": ["latitude", "longitude", "radius"],
    "/v3/shopping/hotel-offers": [
        "hotelIds",
        "adults",
        "checkInDate",
        "checkOutDate",
        "roomQuantity",
        "currency",
        "bestRateOnly",
    ],
    "/v3/shopping/hotel-offers/SBXSX00000020270101011001": ["lang"],
    "/maps/api/geocode/json": ["address", "latlng", "place_id", "components"],
    "/maps/api/place/textsearch/json": ["query", "location", "type", "opennow"],
    "/maps/api/place/details/json": ["place_id", "fields"],
    "/maps/api/directions/json": ["origin", "destination", "waypoints", "mode", "units", "departure_time"],
    "/maps/api/distancematrix/json": ["origins", "destinations", "mode"],
    "/maps/api/timezone/json": ["location", "timestamp"],
    "/data/2.5/weather": ["lat", "lon", "q", "id", "units", "appid"],
    "/data/2.5/forecast": ["lat", "lon", "cnt", "units"],
    "/data/3.0/onecall": ["lat", "lon", "exclude"],
}

BASE: dict[str, str] = {
    "originLocationCode": "JFK",
    "destinationLocationCode": "LHR",
    "departureDate": (datetime.date.today() + datetime.timedelta(days=9)).isoformat(),
    "adults": "1",
    "keyword": "LON",
    "subType": "CITY",
    "cityCode": "PAR",
    "latitude": "48.8",
    "longitude": "2.3",
    "hotelIds": "SX0001T0",
    "key": "AIza",
    "appid": "k",
    "address": "Paris",
    "query": "museums in Paris",
    "place_id": "SBX_C2988507",
    "origin": "Paris",
    "destination": "Lyon",
    "origins": "Paris",
    "destinations": "Lyon",
    "location": "48.8,2.3",
    "timestamp": "1700000000",
    "lat": "48.8",
    "lon": "2.3",
}

POSTS: list[tuple[str, str]] = [
    ("/v2/shopping/flight-offers", b)
    for b in [
        "{}",
        "[]",
        '{"originDestinations":[1]}',
        '{"originDestinations":[{"departureDateTimeRange":"x"}]}',
        '{"originDestinations":[{"originLocationCode":"JFK","destinationLocationCode":"LHR","departureDateTimeRange":{"date":"2030-01-01","time":"x"}}],"travelers":[1]}',
        '{"originDestinations":[{"originLocationCode":"JFK","destinationLocationCode":"LHR","departureDateTimeRange":{"date":"2030-01-01"}}],"travelers":[{"id":"1","travelerType":"ALIEN"}],"searchCriteria":{"flightFilters":{"cabinRestrictions":["x"]}}}',
        '{"originDestinations":[{"originLocationCode":"JFK","destinationLocationCode":"LHR","departureDateTimeRange":{"date":"2030-01-01"}}],"travelers":[{"id":"1"}],"searchCriteria":"x"}',
        "not json",
    ]
]
POSTS += [
    ("/v1/shopping/flight-offers/pricing", b)
    for b in [
        "{}",
        '{"data":1}',
        '{"data":{"flightOffers":[{"type":"flight-offer","price":{},"travelerPricings":[1],"itineraries":[1]}]}}',
        '{"data":{"flightOffers":[{"type":"flight-offer","price":{"currency":1},"travelerPricings":[{"price":{"total":"x"}}],"itineraries":["x"]}]}}',
        '{"data":{"flightOffers":[{"type":"flight-offer","price":{},"travelerPricings":[{"price":1}],"itineraries":[{"segments":[1,{"departure":1}]}]}]}}',
    ]
]
POSTS += [
    ("/v1/embeddings", b)
    for b in [
        '{"model":"all-MiniLM-L6-v2","input":[1,2]}',
        '{"model":"all-MiniLM-L6-v2","input":[[1],[2]]}',
        '{"model":"all-MiniLM-L6-v2","input":["a",1]}',
        '{"model":"all-MiniLM-L6-v2","input":"x","dimensions":true}',
        '{"model":5,"input":"x"}',
        "[]",
        '{"model":"all-MiniLM-L6-v2","input":"x","encoding_format":null}',
    ]
]
POSTS += [("/v1/security/oauth2/token", b) for b in ["grant_type=password&client_id=a&client_secret=b", "{}"]]


def _token(base_url: str) -> str:
    data = {"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}
    return str(httpx.post(base_url + "/v1/security/oauth2/token", data=data).json()["access_token"])


@pytest.mark.parametrize("path", sorted(GETS))
def test_garbage_query_parameters_never_cause_server_errors(base_url: str, path: str) -> None:
    headers = {"Authorization": f"Bearer {_token(base_url)}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for name in GETS[path]:
            for value in BAD:
                response = client.get(path, params={**BASE, name: value})
                assert response.status_code < 500, (path, name, value, response.text[:200])
                assert isinstance(response.json(), dict)


@pytest.mark.parametrize(("path", "body"), POSTS)
def test_garbage_bodies_get_client_errors(base_url: str, path: str, body: str) -> None:
    headers: dict[str, Any] = {"Authorization": f"Bearer {_token(base_url)}"}
    if path.endswith("token"):
        headers["content-type"] = "application/x-www-form-urlencoded"
    else:
        headers["content-type"] = "application/json"
    response = httpx.post(base_url + path, content=body, headers=headers, timeout=30)
    assert 400 <= response.status_code < 500, (path, body, response.text[:200])
    assert isinstance(response.json(), dict)


def test_unknown_paths_answer_in_the_providers_format(base_url: str) -> None:
    amadeus = httpx.get(base_url + "/v1/nothing-here")
    assert amadeus.status_code == 404
    assert amadeus.json()["errors"][0]["code"] == 38196
    assert httpx.get(base_url + "/data/2.5/nothing").json() == {"cod": "404", "message": "Not found"}
    assert httpx.put(base_url + "/v2/shopping/flight-offers").status_code == 405
    assert httpx.delete(base_url + "/__sandbox/faults/nope").json() == {"detail": "no armed fault nope"}
