"""Every request the service makes to the Routes API and Places API (New), sent through Google's official clients
(REST transport) against the sandbox: the bodies parse as the protos (unknown fields or enum values would raise)
and the official clients succeed with the service's field masks."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from google.api_core.client_options import ClientOptions
from google.maps import places_v1, routing_v2

from tripsage_maps.config import SANDBOX_GOOGLE_API_KEY
from tripsage_maps.providers.base import DirectionsQuery, MatrixQuery, NearbySearch, PlaceSearch
from tripsage_maps.providers.google_places_new import (
    DETAILS_FIELD_MASK,
    SEARCH_FIELD_MASK,
    search_nearby_body,
    search_text_body,
)
from tripsage_maps.providers.google_routes import (
    MATRIX_FIELD_MASK,
    ROUTES_FIELD_MASK,
    compute_routes_body,
    route_matrix_body,
)
from tripsage_testing.sandbox import SandboxControl

SOON = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
EIFFEL = "48.8584,2.2945"


@pytest.fixture
def options(sandbox: SandboxControl) -> ClientOptions:
    """The official clients pointed at the sandbox, with the key the service would send."""
    return ClientOptions(api_endpoint=sandbox.url, api_key=SANDBOX_GOOGLE_API_KEY)


def _mask(paths: str) -> list[tuple[str, str]]:
    return [("x-goog-fieldmask", paths)]


@pytest.mark.parametrize(
    "query",
    [
        DirectionsQuery("Kyoto", "Osaka"),
        DirectionsQuery("Kyoto", "Osaka", departure_time=SOON, alternatives=True),  # TRAFFIC_AWARE
        DirectionsQuery("Eiffel Tower", "Louvre Museum", mode="walking"),
        DirectionsQuery("Eiffel Tower", "Louvre Museum", mode="transit", departure_time=SOON),
        DirectionsQuery(EIFFEL, "Louvre Museum", mode="bicycling"),
        DirectionsQuery("Kyoto", "Osaka", mode="two_wheeler", departure_time="now"),
    ],
    ids=["drive", "drive-traffic", "walk", "transit", "bicycle-latlng", "two-wheeler"],
)
def test_compute_routes_as_the_service_sends_it(options: ClientOptions, query: DirectionsQuery) -> None:
    routes = routing_v2.RoutesClient(client_options=options, transport="rest")
    request = routing_v2.ComputeRoutesRequest.from_json(orjson.dumps(compute_routes_body(query)).decode())
    answer = routes.compute_routes(request=request, metadata=_mask(ROUTES_FIELD_MASK), retry=None)
    assert answer.routes
    leg = answer.routes[0].legs[0]
    assert leg.distance_meters > 0
    assert leg.steps
    if query.mode == "transit":
        assert any(step.transit_details.transit_line.name for step in leg.steps)


@pytest.mark.parametrize(
    "query",
    [
        MatrixQuery(("Kyoto", "Osaka"), ("Nara", "Kobe")),
        MatrixQuery(("Kyoto",), ("Nara",), departure_time="now"),
        MatrixQuery(("Kyoto",), ("Nara", "Osaka"), mode="transit"),
    ],
    ids=["drive", "drive-traffic", "transit"],
)
def test_compute_route_matrix_as_the_service_sends_it(options: ClientOptions, query: MatrixQuery) -> None:
    routes = routing_v2.RoutesClient(client_options=options, transport="rest")
    request = routing_v2.ComputeRouteMatrixRequest.from_json(orjson.dumps(route_matrix_body(query)).decode())
    elements = list(routes.compute_route_matrix(request=request, metadata=_mask(MATRIX_FIELD_MASK), retry=None))
    assert len(elements) == len(query.origins) * len(query.destinations)
    assert all(e.condition == routing_v2.RouteMatrixElementCondition.ROUTE_EXISTS for e in elements)


def test_search_text_and_get_place_as_the_service_sends_them(options: ClientOptions) -> None:
    places = places_v1.PlacesClient(client_options=options, transport="rest")
    search = PlaceSearch("museums in Kyoto", lat=35.0116, lon=135.7681, radius_m=5000, type="museum")
    request = places_v1.SearchTextRequest.from_json(orjson.dumps(search_text_body(search)).decode())
    found = places.search_text(request=request, metadata=_mask(SEARCH_FIELD_MASK), retry=None).places
    assert found
    assert found[0].display_name.text
    assert found[0].rating > 0
    place = places.get_place(name=f"places/{found[0].id}", metadata=_mask(DETAILS_FIELD_MASK), retry=None)
    assert place.id == found[0].id
    assert place.regular_opening_hours.weekday_descriptions
    assert place.photos[0].name.startswith(f"places/{found[0].id}/photos/")


def test_search_nearby_as_the_service_sends_it(options: ClientOptions) -> None:
    places = places_v1.PlacesClient(client_options=options, transport="rest")
    nearby = NearbySearch(lat=48.8584, lon=2.2945, radius_m=1500, type="museum")
    request = places_v1.SearchNearbyRequest.from_json(orjson.dumps(search_nearby_body(nearby)).decode())
    found = places.search_nearby(request=request, metadata=_mask(SEARCH_FIELD_MASK), retry=None).places
    assert found
    assert all("museum" in place.types for place in found)
