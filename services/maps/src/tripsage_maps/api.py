"""Maps routes: parse and validate, call the domain, answer with the cache state in a header and in `meta`."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from tripsage_cache.answers import AnswerMeta, mark_answer
from tripsage_cache.provider_backed import domain_of
from tripsage_core.auth import CurrentUser
from tripsage_core.query import Latitude, Longitude
from tripsage_maps.providers.base import DirectionsQuery, MatrixQuery, NearbySearch, PlaceSearch
from tripsage_maps.schemas import (
    DepartureTime,
    DirectionsResponse,
    DistanceMatrixRequest,
    DistanceMatrixResponse,
    GeocodeResponse,
    PlaceDetailsResponse,
    PlacesResponse,
    TravelMode,
)
from tripsage_maps.service import MapsService, Served

T = TypeVar("T")


Maps = Annotated[MapsService, Depends(domain_of)]
# `\S` (searched, not anchored) refuses blank values before they cost a provider call.
Place = Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S")]

router = APIRouter(prefix="/v1/maps", tags=["maps"])


def _meta(served: Served[T], request: Request, response: Response) -> AnswerMeta:
    """Make the cache visible three ways: header, JSON and a metric."""
    mark_answer(request, response, served.cache.value, service="maps")
    return AnswerMeta(cache=served.cache.value, age_s=served.age_s, provider=served.provider)


@router.get("/geocode", summary="Locations for an address or place name")
async def geocode(
    address: Annotated[str, Query(min_length=1, max_length=300, pattern=r"\S", examples=["Kyoto"])],
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
) -> GeocodeResponse:
    served = await maps.geocode(address.strip())
    return GeocodeResponse(results=served.value, meta=_meta(served, request, response))


@router.get("/reverse-geocode", summary="Addresses at a point, most specific first")
async def reverse_geocode(
    lat: Latitude, lon: Longitude, maps: Maps, request: Request, response: Response, _user: CurrentUser
) -> GeocodeResponse:
    served = await maps.reverse_geocode(lat, lon)
    return GeocodeResponse(results=served.value, meta=_meta(served, request, response))


@router.get("/places", summary="Text search for places, optionally biased towards a location")
async def search_places(
    query: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S", examples=["temples in Kyoto"])],
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[int | None, Query(ge=1, le=50_000, description="Bias radius; Google's maximum")] = None,
    type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$", examples=["museum"])] = None,
) -> PlacesResponse:
    served = await maps.search_places(PlaceSearch(query=query.strip(), lat=lat, lon=lon, radius_m=radius_m, type=type))
    return PlacesResponse(results=served.value, meta=_meta(served, request, response))


@router.get("/places/nearby", summary="Places within a circle, most prominent first, optionally of one type")
async def nearby_places(
    lat: Latitude,
    lon: Longitude,
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
    radius_m: Annotated[int, Query(ge=1, le=50_000, description="Circle radius; Google's maximum")] = 1_000,
    type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$", examples=["museum"])] = None,
) -> PlacesResponse:
    served = await maps.nearby_places(NearbySearch(lat=lat, lon=lon, radius_m=radius_m, type=type))
    return PlacesResponse(results=served.value, meta=_meta(served, request, response))


# Declared after /places/nearby: a route matches in declaration order, and no Google place id is "nearby".
@router.get(
    "/places/{place_id:path}",
    summary="Details of one place: address, location, rating, opening hours, website, phone",
    responses={404: {"description": "No place has this id"}},
)
async def place_details(
    place_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=520,
            pattern=r"^(places/)?[A-Za-z0-9_-]{1,512}$",
            description="A place id, bare or as the Places API (New) resource name `places/{id}`",
        ),
    ],
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
) -> PlaceDetailsResponse:
    served = await maps.place_details(place_id.removeprefix("places/"))
    return PlaceDetailsResponse(place=served.value, meta=_meta(served, request, response))


@router.get("/directions", summary="Routes with legs, distances, durations (in traffic when given) and steps")
async def directions(
    origin: Place,
    destination: Place,
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
    mode: TravelMode = "driving",
    departure_time: Annotated[
        DepartureTime,
        Query(description="'now' or a future ISO 8601 time; driving then reports duration in traffic"),
    ] = None,
    alternatives: bool = False,
) -> DirectionsResponse:
    served = await maps.directions(
        DirectionsQuery(
            origin=origin.strip(),
            destination=destination.strip(),
            mode=mode,
            departure_time=departure_time,
            alternatives=alternatives,
        )
    )
    return DirectionsResponse(routes=served.value, meta=_meta(served, request, response))


@router.post(
    "/distance-matrix",
    summary="Distances and durations for every origin x destination pair, within the provider's element limits",
)
async def distance_matrix(
    body: Annotated[DistanceMatrixRequest, Body()],
    maps: Maps,
    request: Request,
    response: Response,
    _user: CurrentUser,
) -> DistanceMatrixResponse:
    served = await maps.distance_matrix(
        MatrixQuery(
            origins=tuple(body.origins),
            destinations=tuple(body.destinations),
            mode=body.mode,
            departure_time=body.departure_time,
        )
    )
    return DistanceMatrixResponse(**served.value.model_dump(), meta=_meta(served, request, response))
