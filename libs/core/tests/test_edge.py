from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import ServiceSettings

router = APIRouter()


class _Note(BaseModel):
    text: str


@router.get("/echo")
async def echo(q: str) -> dict[str, str]:
    return {"q": q}


@router.post("/notes")
async def add_note(note: _Note) -> dict[str, int]:
    return {"size": len(note.text)}


def test_a_query_string_that_is_not_utf8_is_a_400_problem(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(router)) as client:
        refused = client.get("/echo?q=%FF%FEabc")
        accented = client.get("/echo?q=caf%C3%A9+cr%C3%A8me")
    assert refused.status_code == 400
    assert refused.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "UTF-8" in refused.json()["detail"]
    assert accented.json() == {"q": "café crème"}


def test_a_streamed_body_over_the_limit_is_413_even_where_a_model_parses_it(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(router, settings=ServiceSettings(max_body_bytes=2048, access_log=False))
    body = b'{"text": "' + b"x" * 3000 + b'"}'
    with TestClient(app) as client:
        streamed = client.post("/notes", content=iter([body[:1500], body[1500:]]))
        small = client.post("/notes", json={"text": "x" * 100})
    assert streamed.status_code == 413
    assert streamed.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert streamed.json()["status"] == 413
    assert small.json() == {"size": 100}
