from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_gateway.app import create_app
from tripsage_gateway.config import GatewaySettings
from tripsage_testing.ports import free_port
from tripsage_testing.servers import ScriptedUpstream, serve_in_thread

TOKEN = mint_token(sub="dev-user", secret=DEVELOPMENT_JWT_SECRET)
AUTH = {"authorization": f"Bearer {TOKEN}"}
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[ScriptedUpstream, str]]:
    server = ScriptedUpstream()
    with serve_in_thread(server.app) as base_url:
        yield server, base_url


def _gateway(time_url: str, **settings: object) -> TestClient:
    options: dict[str, object] = {"upstreams": {"time": time_url}, "access_log": False}
    options.update(settings)
    return TestClient(create_app(GatewaySettings(**options)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def gateway(upstream: tuple[ScriptedUpstream, str]) -> Iterator[TestClient]:
    # A deadline far above any load delay of the local upstream; the test of the deadline sets its own.
    with _gateway(upstream[1], upstream_timeout_s=10.0, max_body_bytes=4096) as client:
        yield client


def _key() -> str:
    return uuid.uuid4().hex


def test_get_is_forwarded_with_query_token_request_id_and_trace_context(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    server, _ = upstream
    key = _key()
    response = gateway.get(
        f"/v1/time/scripted/{key}",
        params={"lat": "35.68", "lon": "139.69"},
        headers={
            **AUTH,
            "x-request-id": "req-7",
            "traceparent": TRACEPARENT,
            "cookie": "a=b",
            "x-tripsage-canary": "always",
        },
    )
    assert response.status_code == 200
    assert response.json()["query"] == "lat=35.68&lon=139.69"
    received = server.headers[key]
    assert received["authorization"] == f"Bearer {TOKEN}"
    assert received["x-request-id"] == "req-7"
    assert received["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert "cookie" not in received
    assert received["x-tripsage-canary"] == "always"


def test_post_body_is_forwarded_unchanged(gateway: TestClient, upstream: tuple[ScriptedUpstream, str]) -> None:
    server, _ = upstream
    key = _key()
    response = gateway.post(f"/v1/time/scripted/{key}", headers=AUTH, json={"from_tz": "UTC", "n": 1})
    assert response.status_code == 200
    assert server.bodies[key] == b'{"from_tz":"UTC","n":1}'


def test_upstream_problems_pass_through_with_status_and_headers(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    server, _ = upstream
    key = _key()
    server.script(key, (429, {"Retry-After": "7"}), (429, {"Retry-After": "7"}), (429, {"Retry-After": "7"}))
    response = gateway.post(f"/v1/time/scripted/{key}", headers=AUTH, json={})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


def test_no_token_is_401_and_never_reaches_the_service(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    server, _ = upstream
    key = _key()
    response = gateway.get(f"/v1/time/scripted/{key}")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert server.hits[key] == 0


def test_unknown_domain_is_a_404_problem(gateway: TestClient) -> None:
    response = gateway.get("/v1/teleport/now", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["type"].endswith("/unknown-route")


def test_a_hash_or_question_mark_inside_an_id_reaches_the_service_as_part_of_the_id(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    server, _ = upstream
    key = _key()
    response = gateway.get(f"/v1/time/scripted/{key}%23frag%3Fx=1", headers=AUTH)
    assert response.status_code == 200
    assert response.json()["key"] == f"{key}#frag?x=1"
    assert response.json()["query"] == ""
    assert server.hits[f"{key}#frag?x=1"] == 1


def test_dot_segments_are_refused(gateway: TestClient) -> None:
    response = gateway.get("/v1/time/a/%2e%2e/%2e%2e/health", headers=AUTH)
    assert response.status_code == 404


def test_oversized_body_is_413(gateway: TestClient) -> None:
    response = gateway.post("/v1/time/scripted/x", headers=AUTH, content=b"x" * 5000)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


def test_slow_service_is_504_within_the_budget(upstream: tuple[ScriptedUpstream, str]) -> None:
    with _gateway(upstream[1], upstream_timeout_s=0.5) as gateway:
        started = time.perf_counter()
        response = gateway.get(f"/v1/time/slow/{_key()}", params={"seconds": 60}, headers=AUTH)
        elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    # Far below the service's 60 s, far above the 0.5 s budget: machine load cannot move the verdict.
    assert elapsed < 30.0


def test_service_down_is_503_problem_fast() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with _gateway(f"http://127.0.0.1:{closed}") as client:
        started = time.perf_counter()
        response = client.get("/v1/time/timezone", params={"lat": 1, "lon": 1}, headers=AUTH)
        ready = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert time.perf_counter() - started < 10.0  # refused at once; only a hang or long retries come near this
    # One service down must not take the gateway out of rotation.
    assert ready.status_code == 200
    assert ready.json()["checks"]["upstream:time"]["status"] == "down"


def test_readiness_probes_never_open_the_circuit_for_real_traffic() -> None:
    port = free_port()
    with _gateway(f"http://127.0.0.1:{port}") as client:
        for _ in range(10):  # a service still starting: every probe fails
            assert client.get("/ready").json()["checks"]["upstream:time"]["status"] == "down"
        server = ScriptedUpstream()
        with serve_in_thread(server.app, port=port):
            response = client.get("/v1/time/scripted/after-start", headers=AUTH)
    assert response.status_code == 200


def test_gateway_does_not_retry_a_service_that_already_answered(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    # The service retried its provider already; a second layer of retries would multiply provider calls.
    server, _ = upstream
    key = _key()
    server.script(key, 503, 503)
    response = gateway.get(f"/v1/time/scripted/{key}", headers=AUTH)
    assert response.status_code == 503
    assert server.hits[key] == 1


def test_a_domains_collection_route_is_forwarded_without_a_redirect(
    gateway: TestClient, upstream: tuple[ScriptedUpstream, str]
) -> None:
    response = gateway.get("/v1/time", headers=AUTH, follow_redirects=False)
    # The scripted upstream has no /v1/time route: its 404 proves the request was forwarded, not redirected.
    assert response.status_code == 404
    assert "location" not in response.headers
