"""Normalisation of Google's documented response examples (each fixture's `_source` names its page)."""

from __future__ import annotations

import json
from typing import Any

from tripsage_maps.providers.google_directions import distance_matrix, route
from tripsage_maps.providers.google_places import geocode_result, place_details, place_summary

from .conftest import FIXTURES


def _example(name: str) -> Any:
    document = json.loads((FIXTURES / f"{name}.json").read_text())
    assert document["_source"].startswith("https://developers.google.com/maps/documentation/")
    return document["example"]


def test_geocode_result_keeps_address_location_place_id_types_and_boxes() -> None:
    result = geocode_result(_example("google_geocode")["results"][0])
    assert result.formatted_address == "Google Building 40, 1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA"
    assert (result.location.lat, result.location.lon) == (37.422388, -122.0841883)
    assert result.place_id
    assert result.location_type == "ROOFTOP"
    assert result.bounds is not None
    assert result.bounds.northeast.lat == 37.4226621
    assert result.viewport is not None
    assert result.viewport.southwest.lon < result.viewport.northeast.lon


def test_reverse_geocode_results_without_bounds_have_none() -> None:
    results = [geocode_result(r) for r in _example("google_geocode_reverse")["results"]]
    assert len(results) == 13
    assert results[0].formatted_address == "277 Bedford Ave, Brooklyn, NY 11211, USA"
    assert results[0].place_id == "ChIJd8BlQ2BZwokRAFUEcm_qrcA"
    assert results[0].bounds is None


def test_zero_results_example_has_nothing_to_normalise() -> None:
    example = _example("google_geocode_zero_results")
    assert example["status"] == "ZERO_RESULTS"
    assert [geocode_result(r) for r in example["results"]] == []


def test_text_search_summary_has_rating_price_and_open_now() -> None:
    results = [place_summary(r) for r in _example("google_places_textsearch")["results"]]
    assert len(results) == 20
    first = results[0]
    assert first.name == "Aria Restaurant Sydney"
    assert first.address == "1 Macquarie St, Sydney NSW 2000, Australia"
    assert (first.rating, first.price_level, first.open_now) == (4.5, 4, False)
    assert first.location is not None
    assert first.location.lat == -33.8592041
    assert "restaurant" in first.types


def test_place_details_has_hours_website_and_phones() -> None:
    details = place_details(_example("google_places_details")["result"])
    assert details.place_id == "ChIJN1t_tDeuEmsRUsoyG83frY4"
    assert details.name == "Google Workplace 6"
    assert details.address == "48 Pirrama Rd, Pyrmont NSW 2009, Australia"
    assert details.website == "http://google.com/"
    assert details.phone == "(02) 9374 4000"
    assert details.international_phone == "+61 2 9374 4000"
    assert details.utc_offset_minutes == 600
    assert details.opening_hours is not None
    monday = details.opening_hours.periods[0]
    assert (monday.open.day, monday.open.time) == (1, "0900")
    assert monday.close is not None
    assert monday.close.time == "1700"
    assert details.opening_hours.weekday_text[5] == "Saturday: Closed"


def test_directions_route_sums_legs_and_strips_html_from_steps() -> None:
    normalised = route(_example("google_directions_chicago_los_angeles")["routes"][0])
    assert normalised.summary == "I-55 S and I-44"
    assert len(normalised.legs) == 3
    assert normalised.distance_m == 932311 + 349512 + 2137682
    assert normalised.duration_s == 31653 + 11799 + 70097
    assert normalised.duration_in_traffic_s is None
    steps = normalised.legs[0].steps
    assert len(steps) == 26
    assert steps[0].instruction == "Head south on S Federal St toward W Van Buren St"
    assert steps[0].travel_mode == "driving"
    assert all("<" not in step.instruction for leg in normalised.legs for step in leg.steps)
    assert any(step.instruction.endswith(". Continue to follow I-55 S") for step in steps)
    assert normalised.overview_polyline


def test_distance_matrix_keeps_rows_in_order_with_traffic() -> None:
    matrix = distance_matrix(_example("google_distancematrix"))
    assert matrix.origin_addresses == ["Boston, MA, USA", "Charlestown, Boston, MA, USA"]
    assert matrix.destination_addresses == ["Lexington, MA, USA", "Concord, MA, USA"]
    first = matrix.rows[0].elements[0]
    assert first.status == "OK"
    assert first.distance is not None
    assert first.distance.meters == 33253
    assert first.duration_in_traffic is not None
    assert first.duration_in_traffic.seconds == 2019
    assert matrix.rows[1].elements[1].duration is not None
    assert matrix.rows[1].elements[1].duration.seconds == 1904
