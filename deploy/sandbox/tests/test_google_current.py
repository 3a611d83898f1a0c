"""Routes API v2 and Places API (New) through Google's official clients (REST transport) against the sandbox.

Field names and shapes are those of the protos in googleapis/googleapis (google/maps/routing/v2,
google/maps/places/v1) as compiled into the clients: a field the sandbox misnamed would parse as empty here.
Reference coordinates are the landmarks' Wikipedia coordinates, written out independently of the data file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import googlemaps
import httpx
import pytest
from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.maps import places_v1, routing_v2
from google.protobuf import timestamp_pb2
from google.type import latlng_pb2

from tripsage_sandbox import geo

EIFFEL = (48.8584, 2.2945)
ROUTE_MASK = "routes.distanceMeters,routes.duration,routes.staticDuration,routes.legs.steps"
ELEMENT_MASK = "originIndex,destinationIndex,status,condition,distanceMeters,duration"
PLACE_MASK = "places.id,places.displayName,places.location,places.types,places.formattedAddress"


def _options(port: int, key: str | None = "AIzaSandboxKey") -> ClientOptions:
    return ClientOptions(api_endpoint=f"http://127.0.0.1:{port}", api_key=key)


@pytest.fixture
def routes(port: int) -> routing_v2.RoutesClient:
    return routing_v2.RoutesClient(client_options=_options(port), transport="rest")


@pytest.fixture
def places(port: int) -> places_v1.PlacesClient:
    return places_v1.PlacesClient(client_options=_options(port), transport="rest")


def _mask(paths: str) -> list[tuple[str, str]]:
    return [("x-goog-fieldmask", paths)]


def _address(text: str) -> routing_v2.Waypoint:
    return routing_v2.Waypoint(address=text)


def _route(
    client: routing_v2.RoutesClient, origin: str, destination: str, mode: str, **extra: object
) -> routing_v2.ComputeRoutesResponse:
    request = routing_v2.ComputeRoutesRequest(
        origin=_address(origin), destination=_address(destination), travel_mode=mode, **extra
    )
    return client.compute_routes(request=request, metadata=_mask(ROUTE_MASK), retry=None)


def _future(hours: int) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours))
    return stamp


def test_walking_from_the_eiffel_tower_to_the_louvre(routes: routing_v2.RoutesClient) -> None:
    route = _route(routes, "Eiffel Tower, Paris", "Louvre Museum, Paris", "WALK").routes[0]
    assert 3000 <= route.distance_meters <= 5000
    assert timedelta(minutes=40) <= route.duration <= timedelta(minutes=70)
    # Outside the mask: absent, so the client sees defaults.
    assert not route.polyline.encoded_polyline
    assert not route.legs[0].distance_meters
    assert route.legs[0].steps[0].travel_mode == routing_v2.RouteTravelMode.WALK


def test_transit_route_names_its_line_stops_headsign_and_times(routes: routing_v2.RoutesClient) -> None:
    departure = _future(2)
    steps = _route(routes, "Eiffel Tower", "Louvre Museum", "TRANSIT", departure_time=departure).routes[0].legs[0].steps
    rides = [s.transit_details for s in steps if s.travel_mode == routing_v2.RouteTravelMode.TRANSIT]
    assert len(rides) == 1
    ride = rides[0]
    assert ride.transit_line.name.startswith("Line ")
    assert ride.transit_line.vehicle.type_ == routing_v2.TransitVehicle.TransitVehicleType.SUBWAY
    assert ride.transit_line.agencies[0].name
    assert ride.stop_details.departure_stop.name == "Eiffel Tower Station"
    assert ride.stop_details.arrival_stop.name == "Louvre Museum Station"
    assert ride.headsign
    assert ride.stop_count >= 1
    leaves, arrives = ride.stop_details.departure_time, ride.stop_details.arrival_time
    assert departure.ToDatetime(UTC) < leaves < arrives
    assert ride.localized_values.departure_time.time_zone == "Europe/Paris"


def test_traffic_aware_driving_is_never_faster_than_without_traffic(routes: routing_v2.RoutesClient) -> None:
    route = _route(
        routes,
        "Times Square",
        "Yankee Stadium",
        "DRIVE",
        routing_preference=routing_v2.RoutingPreference.TRAFFIC_AWARE,
        departure_time=_future(1),
    ).routes[0]
    assert route.duration >= route.static_duration > timedelta(0)
    straight_km = geo.distance_km(40.7580, -73.9855, 40.8296, -73.9262)
    assert straight_km * 1000 < route.distance_meters < straight_km * 1000 * 1.6


def test_no_route_across_an_ocean(routes: routing_v2.RoutesClient) -> None:
    assert list(_route(routes, "Eiffel Tower", "Statue of Liberty", "DRIVE").routes) == []


def test_routing_preference_for_walking_is_refused(routes: routing_v2.RoutesClient) -> None:
    with pytest.raises(exceptions.BadRequest) as raised:
        _route(routes, "Eiffel Tower", "Louvre", "WALK", routing_preference=routing_v2.RoutingPreference.TRAFFIC_AWARE)
    assert raised.value.details[0]["fieldViolations"][0]["field"] == "routing_preference"


def test_route_matrix_streams_every_element_with_its_indexes(routes: routing_v2.RoutesClient) -> None:
    request = routing_v2.ComputeRouteMatrixRequest(
        origins=[routing_v2.RouteMatrixOrigin(waypoint=_address(a)) for a in ("Eiffel Tower", "Colosseum, Rome")],
        destinations=[
            routing_v2.RouteMatrixDestination(waypoint=_address(d))
            for d in ("Louvre Museum", "Statue of Liberty", "Qwxzzyplk Nowhereville")
        ],
        travel_mode="DRIVE",
    )
    elements = list(routes.compute_route_matrix(request=request, metadata=_mask(ELEMENT_MASK), retry=None))
    by_pair = {(e.origin_index, e.destination_index): e for e in elements}
    assert set(by_pair) == {(o, d) for o in range(2) for d in range(3)}
    condition = routing_v2.RouteMatrixElementCondition
    assert by_pair[(0, 0)].condition == condition.ROUTE_EXISTS
    assert by_pair[(0, 0)].distance_meters < by_pair[(1, 0)].distance_meters
    assert by_pair[(0, 1)].condition == condition.ROUTE_NOT_FOUND
    assert by_pair[(1, 2)].status.code == 5  # NOT_FOUND: the address could not be geocoded


@pytest.mark.parametrize(("mode", "sides", "limit"), [("TRANSIT", (11, 10), 100), ("DRIVE", (26, 25), 625)])
def test_route_matrix_over_the_documented_limit_is_refused_up_front(
    routes: routing_v2.RoutesClient, mode: str, sides: tuple[int, int], limit: int
) -> None:
    def waypoint(i: int) -> routing_v2.Waypoint:
        return routing_v2.Waypoint(
            location=routing_v2.Location(lat_lng=latlng_pb2.LatLng(latitude=48.80 + i / 100, longitude=2.30))
        )

    request = routing_v2.ComputeRouteMatrixRequest(
        origins=[routing_v2.RouteMatrixOrigin(waypoint=waypoint(i)) for i in range(sides[0])],
        destinations=[routing_v2.RouteMatrixDestination(waypoint=waypoint(i)) for i in range(sides[1])],
        travel_mode=mode,
    )
    with pytest.raises(exceptions.BadRequest) as raised:
        list(routes.compute_route_matrix(request=request, metadata=_mask(ELEMENT_MASK), retry=None))
    assert f"limit of {limit}" in raised.value.message


def test_a_request_without_a_field_mask_is_invalid_argument(routes: routing_v2.RoutesClient) -> None:
    request = routing_v2.ComputeRoutesRequest(origin=_address("Eiffel Tower"), destination=_address("Louvre"))
    with pytest.raises(exceptions.BadRequest) as raised:
        routes.compute_routes(request=request, retry=None)
    assert "FieldMask is a required parameter" in raised.value.message


def test_a_request_without_an_api_key_is_permission_denied(port: int) -> None:
    client = places_v1.PlacesClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options=_options(port, key=None),
        transport="rest",
    )
    with pytest.raises(exceptions.Forbidden) as raised:
        client.search_text(request=places_v1.SearchTextRequest(text_query="Louvre"), metadata=_mask(PLACE_MASK))
    assert raised.value.message.endswith(": The request is missing a valid API key.")
    assert raised.value.details[0]["reason"] == "API_KEY_INVALID"


def test_errors_are_google_rpc_status_and_unknown_mask_paths_are_refused(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/places:searchText",
        json={"textQuery": "Louvre"},
        headers={"X-Goog-Api-Key": "k", "X-Goog-FieldMask": "places.displayName,places.colour"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert "places.colour" in error["message"]
    assert isinstance(error["details"], list)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("rate_limit", exceptions.TooManyRequests), ("error_503", exceptions.ServiceUnavailable)],
)
def test_faults_on_demand_reach_the_client_as_rpc_errors(
    routes: routing_v2.RoutesClient, fault: str, expected: type[Exception]
) -> None:
    request = routing_v2.ComputeRoutesRequest(origin=_address("Eiffel Tower"), destination=_address("Louvre"))
    with pytest.raises(expected):
        routes.compute_routes(request=request, metadata=[*_mask(ROUTE_MASK), ("x-sandbox-fault", fault)], retry=None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Eiffel Tower", EIFFEL), ("Tokyo Tower", (35.6586, 139.7454)), ("Statue of Liberty", (40.6892, -74.0445))],
)
def test_search_text_finds_the_landmark_within_300_m(
    places: places_v1.PlacesClient, query: str, expected: tuple[float, float]
) -> None:
    found = places.search_text(request=places_v1.SearchTextRequest(text_query=query), metadata=_mask(PLACE_MASK))
    first = found.places[0]
    assert first.display_name.text == query
    assert geo.distance_km(first.location.latitude, first.location.longitude, *expected) < 0.3
    assert not first.rating  # outside the mask


def test_search_text_honours_a_state_hint(places: places_v1.PlacesClient) -> None:
    request = places_v1.SearchTextRequest(text_query="museums in Springfield, IL", max_result_count=5)
    found = places.search_text(request=request, metadata=_mask(PLACE_MASK)).places
    assert found
    for place in found:
        assert "museum" in place.types
        assert geo.distance_km(place.location.latitude, place.location.longitude, 39.80, -89.64) < 20


def test_search_nearby_finds_kinds_of_places_around_a_landmark(places: places_v1.PlacesClient) -> None:
    circle = places_v1.Circle(center=latlng_pb2.LatLng(latitude=EIFFEL[0], longitude=EIFFEL[1]), radius=500.0)
    request = places_v1.SearchNearbyRequest(
        location_restriction=places_v1.SearchNearbyRequest.LocationRestriction(circle=circle),
        included_types=["pharmacy", "cafe"],
        max_result_count=10,
        rank_preference=places_v1.SearchNearbyRequest.RankPreference.DISTANCE,
    )
    found = places.search_nearby(request=request, metadata=_mask(PLACE_MASK)).places
    assert len(found) == 10
    distances = [geo.distance_km(p.location.latitude, p.location.longitude, *EIFFEL) for p in found]
    assert distances == sorted(distances)
    assert max(distances) <= 0.55
    for place in found:
        assert {"pharmacy", "cafe"} & set(place.types)
        assert place.display_name.text.split()[0] in ("Pharmacy", "Café")


def test_search_nearby_without_a_circle_names_the_field(places: places_v1.PlacesClient) -> None:
    with pytest.raises(exceptions.BadRequest) as raised:
        places.search_nearby(request=places_v1.SearchNearbyRequest(included_types=["cafe"]), metadata=_mask(PLACE_MASK))
    assert raised.value.details[0]["fieldViolations"][0]["field"] == "location_restriction"


def test_get_place_returns_what_the_legacy_details_return(places: places_v1.PlacesClient, port: int) -> None:
    found = places.search_text(
        request=places_v1.SearchTextRequest(text_query="cafe near the Louvre"), metadata=_mask(PLACE_MASK)
    ).places[0]
    place = places.get_place(name=f"places/{found.id}", metadata=_mask("*"))
    assert place.name == f"places/{found.id}"
    assert place.display_name.text == found.display_name.text
    assert place.business_status == places_v1.Place.BusinessStatus.OPERATIONAL
    assert place.price_level != places_v1.PriceLevel.PRICE_LEVEL_UNSPECIFIED
    assert len(place.regular_opening_hours.weekday_descriptions) == 7
    assert place.photos[0].name.startswith(f"places/{found.id}/photos/")
    legacy = googlemaps.Client(key="AIzaSandboxKey", base_url=f"http://127.0.0.1:{port}").place(found.id)["result"]
    assert legacy["name"] == place.display_name.text
    assert legacy["rating"] == place.rating
    assert legacy["geometry"]["location"] == {"lat": place.location.latitude, "lng": place.location.longitude}


def test_get_place_of_an_unknown_id_is_not_found(places: places_v1.PlacesClient) -> None:
    with pytest.raises(exceptions.NotFound):
        places.get_place(name="places/SBX_Lno-such-landmark-fr", metadata=_mask("displayName"))


def test_both_generations_route_over_the_same_geography(routes: routing_v2.RoutesClient, port: int) -> None:
    legacy = googlemaps.Client(key="AIzaSandboxKey", base_url=f"http://127.0.0.1:{port}")
    old = legacy.directions("Eiffel Tower", "Sacré-Cœur, Paris", mode="bicycling")[0]["legs"][0]
    new = _route(routes, "Eiffel Tower", "Sacré-Cœur, Paris", "BICYCLE").routes[0]
    assert new.distance_meters == old["distance"]["value"]
    assert new.duration == timedelta(seconds=old["duration"]["value"])


STRICT_CASES = [
    (
        "/directions/v2:computeRoutes",
        {"origin": {"address": "Eiffel Tower"}, "destination": {"placeId": "SBX_Llouvre-museum-fr"}, "travelMode": 7},
        routing_v2.ComputeRoutesResponse,
    ),
    (
        "/directions/v2:computeRoutes",
        {
            "origin": {"location": {"latLng": {"latitude": 40.7580, "longitude": -73.9855}}},
            "destination": {"address": "Yankee Stadium"},
            "intermediates": [{"address": "Central Park"}],
            "routingPreference": "TRAFFIC_AWARE",
            "units": "IMPERIAL",
        },
        routing_v2.ComputeRoutesResponse,
    ),
    ("/v1/places:searchText", {"textQuery": "cafe near the Louvre"}, places_v1.SearchTextResponse),
    (
        "/v1/places:searchNearby",
        {"locationRestriction": {"circle": {"center": {"latitude": 35.6586, "longitude": 139.7454}, "radius": 800}}},
        places_v1.SearchNearbyResponse,
    ),
]


@pytest.mark.parametrize(("path", "body", "message"), STRICT_CASES)
@pytest.mark.parametrize("enums", ["names", "numbers"])
def test_every_field_the_sandbox_sends_exists_in_the_protos(
    base_url: str, path: str, body: dict[str, object], message: Any, enums: str
) -> None:
    # The clients parse leniently (unknown fields dropped); a strict parse of the unmasked answer catches misnames.
    params = {"$alt": "json;enum-encoding=int"} if enums == "numbers" else {}
    response = httpx.post(
        base_url + path, json=body, params=params, headers={"X-Goog-Api-Key": "k", "X-Goog-FieldMask": "*"}
    )
    assert response.status_code == 200, response.text
    parsed = message.from_json(response.text, ignore_unknown_fields=False)
    assert message.to_dict(parsed)


def test_every_element_and_place_field_exists_in_the_protos(base_url: str) -> None:
    headers = {"X-Goog-Api-Key": "k", "X-Goog-FieldMask": "*"}
    matrix = httpx.post(
        f"{base_url}/distanceMatrix/v2:computeRouteMatrix",
        json={
            "origins": [{"waypoint": {"address": a}} for a in ("Eiffel Tower", "Nowhere Qwxzzyplk")],
            "destinations": [{"waypoint": {"address": d}} for d in ("Louvre", "Statue of Liberty")],
            "travelMode": "TRANSIT",
        },
        headers=headers,
    )
    elements = matrix.json()
    assert len(elements) == 4
    for element in elements:
        routing_v2.RouteMatrixElement.from_json(httpx.Response(200, json=element).text, ignore_unknown_fields=False)
    for place_id in ("SBX_Leiffel-tower-fr", "SBX_Ncafe_4886000_233000", "SBX_C2988507"):
        raw = httpx.get(f"{base_url}/v1/places/{place_id}", headers=headers)
        assert raw.status_code == 200
        place = places_v1.Place.from_json(raw.text, ignore_unknown_fields=False)
        assert place.id == place_id


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/directions/v2:computeRoutes", {"origin": {"location": "x"}, "destination": {"address": "Louvre"}}),
        ("/directions/v2:computeRoutes", {"origin": 5, "destination": {"address": "Louvre"}}),
        ("/directions/v2:computeRoutes", {"origin": {"address": "a"}, "destination": {"address": "b"}, "units": []}),
        (
            "/directions/v2:computeRoutes",
            {"origin": {"address": "a"}, "destination": {"address": "b"}, "departureTime": 5},
        ),
        ("/directions/v2:computeRoutes", {"origin": {"location": {"latLng": {"latitude": "n"}}}, "destination": {}}),
        (
            "/directions/v2:computeRoutes",
            {"origin": {"address": "a"}, "destination": {"address": "b"}, "intermediates": [3]},
        ),
        ("/distanceMatrix/v2:computeRouteMatrix", {"origins": [{"waypoint": []}], "destinations": "x"}),
        ("/distanceMatrix/v2:computeRouteMatrix", {"origins": {}, "destinations": []}),
        ("/v1/places:searchText", {"textQuery": 7}),
        ("/v1/places:searchText", {"textQuery": "cafe", "maxResultCount": "x"}),
        ("/v1/places:searchText", {"textQuery": "cafe", "locationBias": {"circle": {"center": [1, 2]}}}),
        ("/v1/places:searchText", {"textQuery": "cafe", "minRating": "high"}),
        ("/v1/places:searchText", {"textQuery": "cafe", "priceLevels": "cheap"}),
        ("/v1/places:searchText", {"textQuery": "cafe", "locationBias": "Paris"}),
        ("/v1/places:searchNearby", {"locationRestriction": {"circle": {"center": {"latitude": 1}, "radius": "far"}}}),
        ("/v1/places:searchNearby", {"locationRestriction": [], "includedTypes": "cafe"}),
        (
            "/v1/places:searchNearby",
            {"locationRestriction": {"circle": {"center": {}, "radius": 10}}, "excludedTypes": 3},
        ),
        ("/v1/places:searchText", [1, 2]),
    ],
)
def test_malformed_requests_are_invalid_argument_never_a_500(base_url: str, path: str, body: object) -> None:
    response = httpx.post(
        base_url + path, json=body, headers={"X-Goog-Api-Key": "k", "X-Goog-FieldMask": "*"}, timeout=30
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_armed_faults_and_counters_are_per_api_generation(
    base_url: str, places: places_v1.PlacesClient, routes: routing_v2.RoutesClient
) -> None:
    fault = {"provider": "google_places", "endpoint": "getPlace", "kind": "error_500", "count": 1}
    assert httpx.post(f"{base_url}/__sandbox/faults", json=fault).status_code in (200, 201)
    with pytest.raises(exceptions.InternalServerError):
        places.get_place(name="places/SBX_Leiffel-tower-fr", metadata=_mask("displayName"), retry=None)
    assert places.get_place(name="places/SBX_Leiffel-tower-fr", metadata=_mask("displayName")).display_name.text
    _route(routes, "Eiffel Tower", "Louvre", "WALK")
    stats = httpx.get(f"{base_url}/__sandbox/stats").json()["providers"]
    assert stats["google_places"]["endpoints"] == {"getPlace": 2}
    assert stats["google_routes"]["endpoints"] == {"computeRoutes": 1}
    assert stats["google"]["total"] == 0
