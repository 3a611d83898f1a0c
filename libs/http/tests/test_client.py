from __future__ import annotations

import asyncio
import socket
import time
import uuid

import pytest

from tripsage_core.errors import UpstreamTimeout
from tripsage_http import BreakerPolicy, RetryPolicy, ServiceClient, UpstreamUnavailable
from tripsage_http.client import retry_after_s
from tripsage_testing.servers import ScriptedUpstream as Upstream

FAST_RETRY = RetryPolicy(attempts=3, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)


def _key() -> str:
    return uuid.uuid4().hex


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_success_returns_the_upstream_response(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY)
    try:
        response = await client.request(
            "GET", f"/scripted/{key}", headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"}
        )
    finally:
        await client.aclose()
    assert response.status_code == 200
    assert response.json() == {"key": key, "hit": 1, "query": ""}
    assert server.headers[key]["traceparent"].startswith("00-" + "a" * 32)


async def test_idempotent_call_is_retried_through_503s(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    server.script(key, 503, 503)
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY)
    try:
        response = await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    assert response.status_code == 200
    assert server.hits[key] == 3


async def test_retries_stop_after_the_attempt_budget_and_return_the_last_answer(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    server.script(key, 503, 503, 503, 503)
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY)
    try:
        response = await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    assert response.status_code == 503
    assert server.hits[key] == 3


async def test_post_is_not_retried_unless_declared_idempotent(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    plain, declared = _key(), _key()
    server.script(plain, 503)
    server.script(declared, 503)
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY)
    try:
        first = await client.request("POST", f"/scripted/{plain}", json={})
        second = await client.request("POST", f"/scripted/{declared}", json={}, idempotent=True)
    finally:
        await client.aclose()
    assert (first.status_code, server.hits[plain]) == (503, 1)
    assert (second.status_code, server.hits[declared]) == (200, 2)


async def test_retry_after_is_honoured(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    server.script(key, (429, {"Retry-After": "1"}))
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY, timeout_s=60)
    started = time.perf_counter()
    try:
        response = await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    waited = time.perf_counter() - started
    assert response.status_code == 200
    assert server.hits[key] == 2
    # At least the second asked for; the upper bound only catches a wait as long as the 30 s cap.
    assert 1.0 <= waited < 15.0


def test_retry_after_accepts_http_dates_and_caps_long_waits() -> None:
    assert retry_after_s({"retry-after": "3600"}) == 30.0
    assert retry_after_s({"retry-after": "2.5"}) == 2.5
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None


async def test_refused_connection_is_503_quickly() -> None:
    client = ServiceClient(name="down", base_url=f"http://127.0.0.1:{_closed_port()}", retry=FAST_RETRY)
    started = time.perf_counter()
    try:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.request("GET", "/anything")
    finally:
        await client.aclose()
    assert caught.value.status_code == 503
    assert time.perf_counter() - started < 10.0  # refused at once; only a hang or long retries come near this


async def test_slow_upstream_is_504_at_the_deadline(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY, timeout_s=0.3)
    started = time.perf_counter()
    try:
        with pytest.raises(UpstreamTimeout):
            await client.request("GET", f"/slow/{key}", params={"seconds": 60})
    finally:
        await client.aclose()
    # Far below the upstream's 60 s, far above the 0.3 s deadline: machine load cannot move the verdict.
    assert time.perf_counter() - started < 30.0
    assert server.hits[key] == 1


async def test_circuit_opens_after_repeated_failures_then_fails_fast_and_recovers(
    upstream: tuple[Upstream, str],
) -> None:
    server, base_url = upstream
    key = _key()
    server.script(key, 500, 500, 500)
    client = ServiceClient(
        name="flaky",
        base_url=base_url,
        retry=RetryPolicy(attempts=1),
        # Long enough that no load delay between the third failure and the fourth call lets a probe through.
        breaker=BreakerPolicy(threshold=3, reset_after_s=2.0),
    )
    try:
        for _ in range(3):
            assert (await client.request("GET", f"/scripted/{key}")).status_code == 500
        with pytest.raises(UpstreamUnavailable, match="circuit"):
            await client.request("GET", f"/scripted/{key}")
        assert server.hits[key] == 3  # the open circuit kept the fourth call off the wire
        await asyncio.sleep(2.1)
        recovered = await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    assert recovered.status_code == 200


async def test_concurrent_calls_share_the_connection_pool(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    client = ServiceClient(name="up", base_url=base_url)
    try:
        responses = await asyncio.gather(*(client.request("GET", f"/scripted/{key}") for _ in range(50)))
    finally:
        await client.aclose()
    assert all(r.status_code == 200 for r in responses)
    assert server.hits[key] == 50


async def test_server_errors_are_retried_for_idempotent_calls_but_not_when_the_policy_says_so(
    upstream: tuple[Upstream, str],
) -> None:
    server, base_url = upstream
    retried, untouched = _key(), _key()
    server.script(retried, 500)
    server.script(untouched, 500)
    client = ServiceClient(name="up", base_url=base_url, retry=FAST_RETRY)
    one_layer = ServiceClient(name="up2", base_url=base_url, retry=RetryPolicy(statuses=frozenset()))
    try:
        assert (await client.request("GET", f"/scripted/{retried}")).status_code == 200
        assert (await one_layer.request("GET", f"/scripted/{untouched}")).status_code == 500
    finally:
        await client.aclose()
        await one_layer.aclose()
    assert (server.hits[retried], server.hits[untouched]) == (2, 1)


async def test_answers_outside_the_counted_statuses_never_open_the_circuit(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    server.script(key, 503, 503, 503, 503)
    client = ServiceClient(
        name="reporting",
        base_url=base_url,
        retry=RetryPolicy(attempts=1),
        breaker=BreakerPolicy(threshold=2, reset_after_s=30, counted_statuses=frozenset({500})),
    )
    try:
        statuses = [(await client.request("GET", f"/scripted/{key}")).status_code for _ in range(4)]
        after = await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    assert statuses == [503, 503, 503, 503]  # each answer reached the upstream: the circuit stayed closed
    assert after.status_code == 200
    assert server.hits[key] == 5


async def test_a_deadline_the_caller_shortened_never_opens_the_circuit(upstream: tuple[Upstream, str]) -> None:
    server, base_url = upstream
    key = _key()
    breaker = BreakerPolicy(threshold=2, reset_after_s=30)
    client = ServiceClient(
        name="patient", base_url=base_url, timeout_s=1.5, retry=RetryPolicy(attempts=1), breaker=breaker
    )
    try:
        for _ in range(3):  # a brief's short section budget running out, again and again
            with pytest.raises(UpstreamTimeout):
                await client.request("GET", f"/slow/{key}", params={"seconds": 60}, timeout_s=0.1)
        healthy = await client.request("GET", f"/scripted/{key}")
        for _ in range(2):  # the upstream missing the client's own deadline does count
            with pytest.raises(UpstreamTimeout):
                await client.request("GET", f"/slow/{key}", params={"seconds": 60})
        with pytest.raises(UpstreamUnavailable, match="circuit"):
            await client.request("GET", f"/scripted/{key}")
    finally:
        await client.aclose()
    assert healthy.status_code == 200
    assert server.hits[key] == 6  # every call reached the upstream but the last, refused by the open circuit
