"""Amadeus endpoints through the real amadeus SDK, plus the raw auth handshake."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from amadeus import Client, Location, ResponseError
from amadeus.client.errors import AuthenticationError, ClientError, NotFoundError

from tripsage_testing.sandbox import RunningSandbox, running_sandbox

TOKEN_PATH = "/v1/security/oauth2/token"


@pytest.fixture
def amadeus(port: int) -> Client:
    return Client(client_id="sandbox-id", client_secret="sandbox-secret", host="127.0.0.1", port=port, ssl=False)


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def _token(base_url: str) -> str:
    response = httpx.post(
        base_url + TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}
    )
    assert response.status_code == 200
    return str(response.json()["access_token"])


def test_token_endpoint_answers_like_amadeus(base_url: str) -> None:
    response = httpx.post(
        base_url + TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1799
    assert body["access_token"].startswith("SBX")
    assert body["client_id"] == "id"


def test_empty_credentials_get_invalid_client(base_url: str) -> None:
    response = httpx.post(
        base_url + TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "", "client_secret": ""}
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client credentials are invalid",
        "code": 38187,
        "title": "Invalid parameters",
    }


def test_sdk_with_empty_secret_raises_authentication_error(port: int) -> None:
    client = Client(client_id="id", client_secret=" ", host="127.0.0.1", port=port, ssl=False)
    with pytest.raises(AuthenticationError):
        client.reference_data.locations.get(keyword="LON", subType=Location.ANY)


def test_missing_and_unknown_bearer_tokens_are_rejected(base_url: str) -> None:
    missing = httpx.get(base_url + "/v1/reference-data/locations", params={"keyword": "LON", "subType": "CITY"})
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["code"] == 38191
    assert missing.headers["content-type"] == "application/vnd.amadeus+json"
    unknown = httpx.get(
        base_url + "/v1/reference-data/locations",
        params={"keyword": "LON", "subType": "CITY"},
        headers={"Authorization": "Bearer nope"},
    )
    assert unknown.status_code == 401
    assert unknown.json()["errors"][0]["code"] == 38190


@pytest.fixture(scope="module")
def short_token_sandbox(model_ready: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("ttl"), SANDBOX_AMADEUS_TOKEN_TTL="1") as running:
        yield running


def test_tokens_survive_a_sandbox_restart(model_ready: Path, tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as first:
        token = _token(first.url)
    forged_token = token[:-1] + ("1" if token.endswith("0") else "0")
    with running_sandbox(tmp_path) as second:
        response = httpx.get(
            second.url + "/v1/reference-data/locations",
            params={"keyword": "PAR", "subType": "CITY"},
            headers={"Authorization": f"Bearer {token}"},
        )
        forged = httpx.get(
            second.url + "/v1/reference-data/locations",
            params={"keyword": "PAR", "subType": "CITY"},
            headers={"Authorization": f"Bearer {forged_token}"},
        )
    assert response.status_code == 200
    assert forged.json()["errors"][0]["code"] == 38190


def test_expired_token_gets_38192_and_sdk_keeps_working(short_token_sandbox: RunningSandbox) -> None:
    url = short_token_sandbox.url
    token = _token(url)
    params = {"keyword": "PAR", "subType": "CITY"}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url + "/v1/reference-data/locations", params=params, headers=headers).status_code == 200
    time.sleep(1.2)
    expired = httpx.get(url + "/v1/reference-data/locations", params=params, headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {
        "errors": [
            {"status": 401, "code": 38192, "title": "Access token expired", "detail": "The access token is expired"}
        ]
    }
    client = Client(client_id="id", client_secret="secret", host="127.0.0.1", port=short_token_sandbox.port, ssl=False)
    assert client.reference_data.locations.get(**params).data
    time.sleep(1.2)
    # The SDK sees expires_in=1 and refreshes before each call, so it never sends the expired token.
    assert client.reference_data.locations.get(**params).data


def test_flight_search_is_deterministic(amadeus: Client) -> None:
    query = {"originLocationCode": "CDG", "destinationLocationCode": "NRT", "departureDate": _day(45), "adults": 2}
    first = amadeus.shopping.flight_offers_search.get(**query).data
    second = amadeus.shopping.flight_offers_search.get(**query).data
    assert first == second
    assert all(len(o["travelerPricings"]) == 2 for o in first)


def test_business_class_costs_more_than_economy(amadeus: Client) -> None:
    query = {
        "originLocationCode": "LHR",
        "destinationLocationCode": "SIN",
        "departureDate": _day(60),
        "adults": 1,
        "nonStop": "true",
    }
    economy = amadeus.shopping.flight_offers_search.get(**query).data
    business = amadeus.shopping.flight_offers_search.get(**query, travelClass="BUSINESS").data
    assert economy
    assert business
    assert min(float(o["price"]["grandTotal"]) for o in business) > 2.5 * min(
        float(o["price"]["grandTotal"]) for o in economy
    )
    assert all(len(o["itineraries"][0]["segments"]) == 1 for o in economy)


def test_round_trip_has_two_itineraries_in_requested_currency(amadeus: Client) -> None:
    data = amadeus.shopping.flight_offers_search.get(
        originLocationCode="MAD",
        destinationLocationCode="BCN",
        departureDate=_day(20),
        returnDate=_day(27),
        adults=1,
        currencyCode="USD",
        max=3,
    ).data
    assert 0 < len(data) <= 3
    for offer in data:
        assert [i["segments"][0]["departure"]["iataCode"] for i in offer["itineraries"]] == ["MAD", "BCN"]
        assert offer["price"]["currency"] == "USD"


def test_post_search_and_pricing_round_trip(amadeus: Client) -> None:
    body = {
        "currencyCode": "EUR",
        "originDestinations": [
            {
                "id": "1",
                "originLocationCode": "SYD",
                "destinationLocationCode": "BKK",
                "departureDateTimeRange": {"date": _day(40), "time": "10:00:00"},
            }
        ],
        "travelers": [{"id": "1", "travelerType": "ADULT"}],
        "sources": ["GDS"],
        "searchCriteria": {"maxFlightOffers": 2},
    }
    offers = amadeus.shopping.flight_offers_search.post(body).data
    assert 1 <= len(offers) <= 2
    priced = amadeus.shopping.flight_offers.pricing.post(offers[0]).data
    assert priced["type"] == "flight-offers-pricing"
    confirmed = priced["flightOffers"][0]
    assert confirmed["price"]["grandTotal"] == offers[0]["price"]["grandTotal"]
    assert confirmed["travelerPricings"][0]["price"]["taxes"]


def test_missing_parameter_is_a_400_with_amadeus_error(amadeus: Client) -> None:
    with pytest.raises(ClientError) as raised:
        amadeus.shopping.flight_offers_search.get(originLocationCode="JFK", departureDate=_day(5), adults=1)
    error = raised.value.response.result["errors"][0]
    assert raised.value.response.status_code == 400
    assert error["code"] == 32171
    assert error["source"]["parameter"] == "destinationLocationCode"


def test_past_date_is_rejected(amadeus: Client) -> None:
    with pytest.raises(ResponseError) as raised:
        amadeus.shopping.flight_offers_search.get(
            originLocationCode="JFK", destinationLocationCode="LAX", departureDate=_day(-2), adults=1
        )
    assert raised.value.response.result["errors"][0]["code"] == 425


def test_location_search_finds_airports_and_cities(amadeus: Client) -> None:
    data = amadeus.reference_data.locations.get(keyword="LON", subType=Location.ANY).data
    codes = {(d["subType"], d["iataCode"]) for d in data}
    assert ("CITY", "LON") in codes
    heathrow = amadeus.reference_data.locations.get(keyword="LHR", subType=Location.AIRPORT).data[0]
    assert heathrow["iataCode"] == "LHR"
    assert heathrow["address"]["cityCode"] == "LON"
    assert heathrow["address"]["countryCode"] == "GB"
    assert abs(heathrow["geoCode"]["latitude"] - 51.47) < 0.05


def test_location_by_id_and_nearest_airports(amadeus: Client) -> None:
    heathrow = amadeus.reference_data.location("ALHR").get().data
    assert (heathrow["subType"], heathrow["iataCode"], heathrow["address"]["cityCode"]) == ("AIRPORT", "LHR", "LON")
    assert amadeus.reference_data.location("CPAR").get().data["subType"] == "CITY"
    with pytest.raises(NotFoundError):
        amadeus.reference_data.location("AZZZ").get()
    nearest = amadeus.reference_data.locations.airports.get(latitude=51.57, longitude=-0.7, sort="distance").data
    assert nearest[0]["distance"]["value"] <= nearest[-1]["distance"]["value"]
    assert "LHR" in {a["iataCode"] for a in nearest}


def test_hotel_list_by_city_and_geocode(amadeus: Client) -> None:
    by_city = amadeus.reference_data.locations.hotels.by_city.get(cityCode="PAR", radius=5).data
    assert len(by_city) >= 5
    assert all(h["hotelId"].startswith("SX") and len(h["hotelId"]) == 8 for h in by_city)
    assert all(h["distance"]["value"] <= 5 for h in by_city)
    assert all(h["address"]["countryCode"] == "FR" for h in by_city)
    by_geo = amadeus.reference_data.locations.hotels.by_geocode.get(
        latitude=35.0116, longitude=135.7681, radius=10
    ).data
    assert by_geo
    assert all(h["address"]["countryCode"] == "JP" for h in by_geo)


def test_unknown_city_is_nothing_found(amadeus: Client) -> None:
    with pytest.raises(ClientError) as raised:
        amadeus.reference_data.locations.hotels.by_city.get(cityCode="QQQ")
    assert raised.value.response.result["errors"][0]["code"] == 895


def test_hotel_offers_and_offer_lookup(amadeus: Client) -> None:
    hotels = amadeus.reference_data.locations.hotels.by_city.get(cityCode="LON").data
    ids = ",".join(h["hotelId"] for h in hotels[:5])
    offers = amadeus.shopping.hotel_offers_search.get(
        hotelIds=ids, adults=2, checkInDate=_day(30), checkOutDate=_day(33)
    ).data
    assert offers
    offer = offers[0]["offers"][0]
    assert offer["id"].startswith("SBX")
    assert offer["checkOutDate"] == _day(33)
    assert len(offer["price"]["variations"]["changes"]) == 3
    assert offer["price"]["currency"] == "GBP"
    again = amadeus.shopping.hotel_offer_search(offer["id"]).get().data
    assert again["offers"][0]["price"]["total"] == offer["price"]["total"]
    assert again["hotel"]["hotelId"] == offers[0]["hotel"]["hotelId"]
    in_dollars = amadeus.shopping.hotel_offers_search.get(
        hotelIds=offers[0]["hotel"]["hotelId"], adults=2, checkInDate=_day(30), checkOutDate=_day(33), currency="USD"
    ).data[0]["offers"][0]
    assert in_dollars["price"]["currency"] == "USD"
    assert amadeus.shopping.hotel_offer_search(in_dollars["id"]).get().data["offers"][0]["price"] == in_dollars["price"]


def test_five_star_nights_cost_more_than_one_star_in_same_city(amadeus: Client) -> None:
    hotels = amadeus.reference_data.locations.hotels.by_city.get(cityCode="NYC", radius=50).data
    by_rating: dict[str, list[str]] = {}
    for hotel in hotels:
        by_rating.setdefault(hotel["rating"], []).append(hotel["hotelId"])
    low, high = min(by_rating), max(by_rating)
    assert low < high

    def cheapest(ids: list[str]) -> float:
        data = amadeus.shopping.hotel_offers_search.get(hotelIds=",".join(ids), checkInDate=_day(40)).data
        return min(float(h["offers"][0]["price"]["total"]) for h in data)

    assert cheapest(by_rating[high]) > cheapest(by_rating[low])


def test_unknown_offer_is_not_found(amadeus: Client) -> None:
    with pytest.raises(NotFoundError):
        amadeus.shopping.hotel_offer_search("NOTANOFFER").get()


@pytest.mark.parametrize(
    ("path", "query", "body"),
    [
        (
            "/v1/reference-data/locations/airports",
            {"longitude": "2.35"},
            b'{"errors":[{"status":400,"code":32171,"title":"MANDATORY DATA MISSING",'
            b'"detail":"This attribute is required","source":{"parameter":"latitude"}}]}',
        ),
        (
            "/v1/reference-data/locations/airports",
            {"latitude": "north", "longitude": "2.35"},
            b'{"errors":[{"status":400,"code":477,"title":"INVALID FORMAT",'
            b'"detail":"invalid query parameter format"}]}',
        ),
        (
            "/v1/reference-data/locations/hotels/by-geocode",
            {"latitude": "48.85", "longitude": "east"},
            b'{"errors":[{"status":400,"code":477,"title":"INVALID FORMAT",'
            b'"detail":"invalid query parameter format","source":{"parameter":"latitude"}}]}',
        ),
        (
            "/v1/reference-data/locations/hotels/by-city",
            {"cityCode": "PARIS"},
            b'{"errors":[{"status":400,"code":477,"title":"INVALID FORMAT","detail":"invalid query parameter format",'
            b'"source":{"parameter":"cityCode","example":"PAR"}}]}',
        ),
    ],
)
def test_a_refused_search_is_answered_byte_for_byte_as_amadeus_does(
    base_url: str, path: str, query: dict[str, str], body: bytes
) -> None:
    response = httpx.get(base_url + path, params=query, headers={"Authorization": f"Bearer {_token(base_url)}"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/vnd.amadeus+json"
    assert response.content == body
