from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tripsage_core.errors import PROBLEM_CONTENT_TYPE, Conflict, FieldProblem, OfferNotFound, ValidationFailed

router = APIRouter()


class Body(BaseModel):
    name: str
    nights: int


@router.get("/conflict")
async def conflict() -> None:
    raise Conflict("Trip already exists.", headers={"X-Extra": "1"}, extensions={"trip_id": "t1"})


@router.get("/bounded")
async def bounded(lat: float = Query(ge=-90, le=90)) -> dict[str, float]:
    return {"lat": lat}


@router.post("/body")
async def body(payload: Body) -> Body:
    return payload


@router.get("/field")
async def field() -> None:
    raise ValidationFailed.for_field("budget.currency", "unknown currency", location="body")


@router.post("/raw")
async def raw(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret-internal-detail at /srv/app.py line 12")


def test_domain_error_renders_as_problem_json(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        response = client.get("/conflict")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["x-extra"] == "1"
    assert response.json() == {
        "type": "https://tripsage.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Trip already exists.",
        "instance": "/conflict",
        "trip_id": "t1",
    }


def test_query_validation_error_names_the_field(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        response = client.get("/bounded", params={"lat": 95})
    problem = response.json()
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert problem["type"].endswith("/validation-failed")
    assert "'lat'" in problem["detail"]
    assert problem["errors"][0]["field"] == "lat"
    assert problem["errors"][0]["location"] == "query"


def test_body_validation_errors_name_every_field(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        response = client.post("/body", json={"nights": "many"})
    fields = {e["field"] for e in response.json()["errors"]}
    assert response.status_code == 422
    assert fields == {"name", "nights"}


def test_invalid_json_is_a_422_on_the_body(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        response = client.post("/body", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_domain_validation_error_names_nested_field(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        response = client.get("/field")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "budget.currency", "location": "body", "message": "unknown currency"}
    ]


def test_unknown_route_and_wrong_method_are_problems(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        missing = client.get("/nowhere")
        wrong_method = client.delete("/conflict")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_CONTENT_TYPE)
    assert (wrong_method.status_code, wrong_method.headers["content-type"]) == (405, PROBLEM_CONTENT_TYPE)


def test_unexpected_error_is_a_500_problem_without_internals(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router), raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "secret-internal-detail" not in response.text
    assert "Traceback" not in response.text


async def test_a_client_gone_before_its_body_arrived_is_a_499_and_no_error(
    make_app: Callable[..., FastAPI], capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(router)
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/raw", "raw_path": b"/raw", "query_string": b"", "root_path": "",
        "headers": [(b"content-length", b"10")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)

    assert sent[0]["status"] == 499
    logged = capsys.readouterr().out
    assert "client_disconnected" in logged
    assert "unhandled_error" not in logged


class _SeatTaken(Conflict):
    code = "seat-taken"
    default_detail = "This seat is taken."
    default_errors = (FieldProblem(field="seat", location="body", message="taken"),)


def test_an_error_with_a_fixed_text_declares_it_once_and_a_raise_may_still_override_it() -> None:
    fixed = _SeatTaken().to_problem()
    assert fixed["detail"] == "This seat is taken."
    assert fixed["errors"] == [{"field": "seat", "location": "body", "message": "taken"}]
    overridden = _SeatTaken("Seat 12A is taken.", errors=[FieldProblem(field="seat", location="body", message="12A")])
    assert overridden.to_problem()["detail"] == "Seat 12A is taken."
    assert overridden.errors == [{"field": "seat", "location": "body", "message": "12A"}]
    assert Conflict().to_problem()["detail"] == "Conflict"
    assert "errors" not in Conflict().to_problem()


class _RoomGone(OfferNotFound):
    reason = "no longer offered; search again"
    location = "path"


def test_an_unknown_offer_is_one_problem_type_in_each_service_s_own_words() -> None:
    problem = _RoomGone("R" * 100).to_problem()
    assert (problem["status"], problem["type"]) == (404, "https://tripsage.dev/problems/offer-not-found")
    assert problem["detail"] == f"Offer '{'R' * 80}' is no longer offered; search again."
    assert problem["errors"] == [{"field": "offer_id", "location": "path", "message": "unknown or expired offer"}]
    assert OfferNotFound("X1").errors[0]["location"] == "body"
