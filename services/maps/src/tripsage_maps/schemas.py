"""Public request and response models of the maps service (provider-neutral; Google's shapes stay in providers/)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, TypeAdapter

from tripsage_cache.answers import AnswerMeta

# `two_wheeler` (motorcycles, scooters) exists only on the Routes API; the legacy Directions API refuses it.
TravelMode = Literal["driving", "walking", "bicycling", "transit", "two_wheeler"]
_DATETIME = TypeAdapter(dt.datetime)
# Google refuses departure times in the past for driving; a minute of slack absorbs clock skew.
_DEPARTURE_SLACK = dt.timedelta(minutes=1)


def _departure_time(value: object) -> object:
    """'now' or an ISO 8601 time that is not in the past; a time without offset is read as UTC."""
    if value is None or value == "now":
        return value
    if not isinstance(value, str | dt.datetime):
        # pydantic would read a number as a Unix timestamp; the documented input is a date-time string.
        raise ValueError("must be 'now' or an ISO 8601 date-time")
    try:
        moment = _DATETIME.validate_python(value)
    except ValueError:
        raise ValueError("must be 'now' or an ISO 8601 date-time") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if moment < dt.datetime.now(dt.UTC) - _DEPARTURE_SLACK:
        raise ValueError("must be 'now' or in the future")
    return moment


# One error naming the field, instead of one per member of the union.
DepartureTime = Annotated[dt.datetime | Literal["now"] | None, BeforeValidator(_departure_time)]
# An address, "lat,lon" or "place_id:<id>".
Waypoint = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ResultT = TypeVar("ResultT", bound=BaseModel)


class Results(BaseModel, Generic[ResultT]):
    """A search's answer: what matched, and where the answer came from."""

    results: list[ResultT] = Field(description="Empty when nothing matches")
    meta: AnswerMeta


class LatLon(BaseModel):
    lat: float = Field(examples=[35.0116])
    lon: float = Field(examples=[135.7681])


class Box(BaseModel):
    northeast: LatLon
    southwest: LatLon


class GeocodeResult(BaseModel):
    formatted_address: str = Field(examples=["Kyoto, Japan"])
    location: LatLon
    place_id: str | None = None
    types: list[str] = Field(default_factory=list, examples=[["locality", "political"]])
    location_type: str | None = Field(None, examples=["APPROXIMATE"])
    viewport: Box | None = None
    bounds: Box | None = None


class GeocodeResponse(Results[GeocodeResult]):
    pass


class PlaceSummary(BaseModel):
    place_id: str
    name: str
    address: str | None = None
    location: LatLon | None = None
    rating: float | None = Field(None, ge=0, le=5)
    user_ratings_total: int | None = None
    price_level: int | None = Field(None, ge=0, le=4)
    types: list[str] = Field(default_factory=list)
    open_now: bool | None = None
    business_status: str | None = None


class PlacesResponse(Results[PlaceSummary]):
    pass


class DayTime(BaseModel):
    day: int = Field(ge=0, le=6, description="0 = Sunday, as Google counts")
    time: str = Field(pattern=r"^\d{4}$", examples=["0900"])


class OpeningPeriod(BaseModel):
    open: DayTime
    close: DayTime | None = Field(None, description="Absent for places open around the clock")


class OpeningHours(BaseModel):
    open_now: bool | None = None
    periods: list[OpeningPeriod] = Field(default_factory=list)
    weekday_text: list[str] = Field(default_factory=list)


class PlaceDetails(PlaceSummary):
    opening_hours: OpeningHours | None = None
    photos: list[str] = Field(
        default_factory=list,
        description="Photo references for the photo endpoint of the API that answered: Places (New) photo names"
        " (`places/{id}/photos/{ref}`) or legacy `photo_reference`s",
    )
    website: str | None = None
    phone: str | None = Field(None, examples=["(02) 9374 4000"])
    international_phone: str | None = Field(None, examples=["+61 2 9374 4000"])
    maps_url: str | None = None
    utc_offset_minutes: int | None = None


class PlaceDetailsResponse(BaseModel):
    place: PlaceDetails
    meta: AnswerMeta


class Distance(BaseModel):
    meters: int
    text: str


class Duration(BaseModel):
    seconds: int
    text: str


class TransitDetails(BaseModel):
    """The ride of a transit step; every field is optional because agencies publish different subsets."""

    line_name: str | None = Field(None, examples=["Keihan Main Line"])
    line_short_name: str | None = None
    vehicle: str | None = Field(None, description="The vehicle's name as Google shows it", examples=["Train"])
    vehicle_type: str | None = Field(None, examples=["HEAVY_RAIL", "BUS", "SUBWAY"])
    headsign: str | None = Field(None, description="Where the vehicle is heading")
    departure_stop: str | None = None
    arrival_stop: str | None = None
    departure_time: dt.datetime | None = None
    arrival_time: dt.datetime | None = None
    stop_count: int | None = Field(None, description="Stops from departure to arrival, the arrival stop included")
    agency: str | None = None


class RouteStep(BaseModel):
    instruction: str = Field(description="Plain text (Google's HTML tags removed)")
    distance: Distance
    duration: Duration
    start_location: LatLon
    end_location: LatLon
    travel_mode: str
    polyline: str | None = None
    transit: TransitDetails | None = Field(None, description="Transit steps only: line, vehicle, stops, times")


class RouteLeg(BaseModel):
    start_address: str | None = None
    end_address: str | None = None
    start_location: LatLon
    end_location: LatLon
    distance: Distance
    duration: Duration
    duration_in_traffic: Duration | None = Field(None, description="Driving with a departure time only")
    steps: list[RouteStep] = Field(default_factory=list)


class Route(BaseModel):
    summary: str
    distance_m: int = Field(description="Sum over the legs")
    duration_s: int = Field(description="Sum over the legs")
    duration_in_traffic_s: int | None = None
    legs: list[RouteLeg]
    overview_polyline: str | None = None
    bounds: Box | None = None
    warnings: list[str] = Field(default_factory=list)
    copyrights: str | None = None

    @classmethod
    def over(
        cls,
        legs: list[RouteLeg],
        *,
        summary: str,
        overview_polyline: str | None,
        bounds: Box | None,
        warnings: list[str],
        copyrights: str | None = None,
    ) -> Route:
        """A route with its totals summed over its legs; in traffic only when every leg has that duration."""
        in_traffic = [leg.duration_in_traffic for leg in legs]
        return cls(
            summary=summary,
            distance_m=sum(leg.distance.meters for leg in legs),
            duration_s=sum(leg.duration.seconds for leg in legs),
            duration_in_traffic_s=sum(d.seconds for d in in_traffic if d) if legs and all(in_traffic) else None,
            legs=legs,
            overview_polyline=overview_polyline,
            bounds=bounds,
            warnings=warnings,
            copyrights=copyrights,
        )


class DirectionsResponse(BaseModel):
    routes: list[Route] = Field(description="Empty when no route exists (e.g. across an ocean by car)")
    meta: AnswerMeta


class DistanceMatrixRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The provider's own limits (25 x 25, 100 elements) are checked by the service, which names them in the 422;
    # these bounds only keep bodies small.
    origins: list[Waypoint] = Field(min_length=1, max_length=100, examples=[["Kyoto", "Osaka"]])
    destinations: list[Waypoint] = Field(min_length=1, max_length=100, examples=[["Nara"]])
    mode: TravelMode = "driving"
    departure_time: DepartureTime = Field(
        None, description="'now' or a future ISO 8601 time; driving then reports duration in traffic"
    )


class MatrixElement(BaseModel):
    status: str = Field(description="OK, NOT_FOUND (a place could not be found) or ZERO_RESULTS (no route)")
    distance: Distance | None = None
    duration: Duration | None = None
    duration_in_traffic: Duration | None = None


class MatrixRow(BaseModel):
    elements: list[MatrixElement]


class DistanceMatrix(BaseModel):
    origin_addresses: list[str]
    destination_addresses: list[str]
    rows: list[MatrixRow] = Field(description="One row per origin, one element per destination, in request order")


class DistanceMatrixResponse(DistanceMatrix):
    meta: AnswerMeta
