"""Errors of Google's current APIs (google.rpc.Status bodies) and the legacy APIs' "not enabled" refusal, each
answered by a real HTTP server replaying Google's documented shapes, mapped onto the shared provider errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tripsage_maps.config import SANDBOX_GOOGLE_API_KEY
from tripsage_testing.servers import serve_in_thread

from .conftest import MakeClient

PROBLEM = "application/problem+json"
DIRECTIONS = ("/v1/maps/directions", {"origin": "Kyoto", "destination": "Nara"})
# developers.google.com/maps/legacy: what a project that cannot enable a legacy API gets.
LEGACY_NOT_ENABLED = (
    "You're calling a legacy API, which is not enabled for your project. To get newer features and more "
    "functionality, switch to the Places API (New) or Routes API."
)


def _rpc_status(code: int, status: str, message: str, *details: dict[str, Any]) -> JSONResponse:
    # Shape of google.rpc.Status as JSON, as the Routes and Places (New) REST APIs send it.
    return JSONResponse({"error": {"code": code, "message": message, "status": status, "details": list(details)}}, code)


def _current_google(answer: Response) -> FastAPI:
    """A real HTTP server answering every Routes / Places (New) call with one canned answer, keeping the headers."""
    app = FastAPI()
    app.state.seen = []

    async def reply(request: Request) -> Response:
        app.state.seen.append(dict(request.headers))
        return answer

    for path in ("/directions/v2:computeRoutes", "/distanceMatrix/v2:computeRouteMatrix", "/v1/places:searchText"):
        app.add_api_route(path, reply, methods=["POST"])
    app.add_api_route("/v1/places/{place_id}", reply, methods=["GET"])
    return app


def _legacy_google(status: str, message: str) -> FastAPI:
    app = FastAPI()

    async def reply() -> Response:
        return JSONResponse({"error_message": message, "routes": [], "results": [], "status": status})

    for path in ("/maps/api/directions/json", "/maps/api/place/textsearch/json"):
        app.add_api_route(path, reply, methods=["GET"])
    return app


def test_a_field_violation_is_422_naming_our_field(make_client: MakeClient) -> None:
    violation = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": "destination.location.lat_lng", "description": "Invalid LatLng."}],
    }
    google = _current_google(_rpc_status(400, "INVALID_ARGUMENT", "Invalid LatLng.", violation))
    with serve_in_thread(google) as url, make_client(provider_base_url=url) as client:
        response = client.get(DIRECTIONS[0], params=DIRECTIONS[1])
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [p["field"] for p in response.json()["errors"]] == ["destination"]


def test_permission_denied_is_502_logged_loudly_and_the_key_travels_only_in_its_header(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    google = _current_google(_rpc_status(403, "PERMISSION_DENIED", "Routes API has not been used in project 1."))
    with serve_in_thread(google) as url, make_client(provider_base_url=url) as client:
        response = client.get(DIRECTIONS[0], params=DIRECTIONS[1])
    assert response.status_code == 502
    assert response.json()["type"].endswith("/provider-misconfigured")
    output = capsys.readouterr().out
    assert '"event":"provider_request_denied"' in output
    assert '"level":"error"' in output
    assert SANDBOX_GOOGLE_API_KEY not in output
    sent = google.state.seen[0]
    assert sent["x-goog-api-key"] == SANDBOX_GOOGLE_API_KEY
    assert "routes.legs.steps.transitDetails" in sent["x-goog-fieldmask"].split(",")


def test_an_unknown_place_is_404_place_not_found(make_client: MakeClient) -> None:
    google = _current_google(_rpc_status(404, "NOT_FOUND", "Place 'ChIJnope' was not found."))
    with serve_in_thread(google) as url, make_client(provider_base_url=url) as client:
        response = client.get("/v1/maps/places/places/ChIJnope")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/place-not-found")


def test_an_unreadable_answer_is_502_malformed(make_client: MakeClient) -> None:
    google = _current_google(Response(b'{"places": [', media_type="application/json"))
    with serve_in_thread(google) as url, make_client(provider_base_url=url) as client:
        response = client.get("/v1/maps/places", params={"query": "museums"})
    assert response.status_code == 502
    assert response.json()["type"].endswith("/provider-malformed")


@pytest.mark.parametrize(
    ("route", "params", "switch"),
    [
        (*DIRECTIONS, "MAPS_ROUTING_API=routes"),
        ("/v1/maps/places", {"query": "museums"}, "MAPS_PLACES_API=new"),
    ],
)
def test_a_legacy_api_not_enabled_makes_readiness_name_the_variable_to_switch(
    make_client: MakeClient, route: str, params: dict[str, str], switch: str
) -> None:
    legacy = _legacy_google("REQUEST_DENIED", LEGACY_NOT_ENABLED)
    with (
        serve_in_thread(legacy) as url,
        make_client(provider_base_url=url, routing_api="legacy", places_api="legacy") as client,
    ):
        ready_before = client.get("/ready").json()["checks"]["provider"]
        response = client.get(route, params=params)
        ready_after = client.get("/ready").json()["checks"]["provider"]
    assert response.status_code == 502
    assert ready_before["status"] == "ok"
    assert ready_after["status"] != "ok"
    assert switch in str(ready_after)
