from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tripsage_core.auth import CurrentUser
from tripsage_core.errors import PROBLEM_CONTENT_TYPE

router = APIRouter()


class _Note(BaseModel):
    text: str


@router.post("/v1/notes")
async def add_note(note: _Note, user: CurrentUser) -> dict[str, str]:
    return {"text": note.text, "user": user.user_id}


@router.get("/v1/notes")
async def list_notes(user: CurrentUser) -> dict[str, str]:
    return {"user": user.user_id}


def test_a_body_that_is_not_utf8_is_a_declared_400_problem(make_app: Callable[..., FastAPI], dev_token: str) -> None:
    app = make_app(router)
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        response = client.post(
            "/v1/notes",
            content=b'{"text": "\xff\xfe"}',
            headers={"authorization": f"Bearer {dev_token}", "content-type": "application/json"},
        )
    declared = document["paths"]["/v1/notes"]["post"]["responses"]
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert str(response.status_code) in declared
    assert declared["400"]["content"] == {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "413" in declared


@router.get("/v1/notes/search")
async def search_notes(q: str, user: CurrentUser) -> dict[str, str]:
    return {"q": q, "user": user.user_id}


def test_only_operations_that_read_a_body_or_query_declare_unreadable_input(
    make_app: Callable[..., FastAPI],
) -> None:
    with TestClient(make_app(router)) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/notes"]["get"]["responses"]).isdisjoint({"400", "413"})
    assert "400" in paths["/v1/notes/search"]["get"]["responses"]
    assert "413" not in paths["/v1/notes/search"]["get"]["responses"]
