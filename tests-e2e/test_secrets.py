"""The stack runs with known, distinctive secrets (tests-e2e/conftest.py): none may appear in a response or a log.

The requests below walk the paths where secrets tend to escape: provider errors carrying the request that failed,
token refusals, validation errors echoing input, readiness reports of failing dependencies.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import SANDBOX_PORT, SERVICES


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _base64_forms(value: bytes) -> set[str]:
    """The value's base64 however it is aligned inside a longer encoded string, in both alphabets."""
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + value)
        # Only whole 4-character groups made of the value's bytes alone are the same wherever it sits.
        first = 4 if shift else 0
        last = 4 * ((shift + len(value)) // 3)
        stable = encoded[first:last].decode()
        forms |= {stable, stable.translate(str.maketrans("+/", "-_"))}
    return {form for form in forms if len(form) >= 16}


def _fingerprints(stack_secrets: dict[str, str]) -> dict[str, str]:
    """Every string whose presence would mean a leak, mapped to the variable it comes from."""
    found: dict[str, str] = {}
    for name, value in stack_secrets.items():
        found[value] = name
        for form in _base64_forms(value.encode()):
            found[form] = f"{name} (base64)"
    for prefix in ("FLIGHTS", "STAYS"):
        # OAuth client credentials travel as HTTP Basic (id:secret) as often as in a form body.
        pair = f"{stack_secrets[f'{prefix}_AMADEUS_CLIENT_ID']}:{stack_secrets[f'{prefix}_AMADEUS_CLIENT_SECRET']}"
        for form in _base64_forms(pair.encode()):
            found[form] = f"{prefix}_AMADEUS_CLIENT_ID:SECRET (base64)"
    return found


@pytest.fixture(scope="module")
def sandbox(stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10) as control:
        control.delete("/__sandbox/faults").raise_for_status()
        yield control
        control.delete("/__sandbox/faults").raise_for_status()


Call = tuple[str, str, dict[str, str | float] | None, dict[str, object] | None]


def _calls(round_: int) -> list[Call]:
    """One call per provider-backed route; new dates each round, as a cached answer would hide the provider."""
    return [
        (
            "GET",
            "/v1/flights/search",
            {"origin": "JFK", "destination": "LHR", "departure_date": _day(40 + round_)},
            None,
        ),
        ("GET", "/v1/flights/locations", {"q": ("LIS", "MAD", "BCN", "ROM", "BER", "AMS")[round_ % 6]}, None),
        (
            "GET",
            "/v1/stays/search",
            {"city_code": "LIS", "check_in": _day(40 + round_), "check_out": _day(42 + round_)},
            None,
        ),
        ("GET", "/v1/maps/geocode", {"address": f"Rua Augusta {round_}, Lisbon"}, None),
        ("GET", "/v1/maps/places", {"query": f"museums in Lisbon {round_}"}, None),
        ("GET", "/v1/weather/current", {"lat": 38.72 + round_ / 100, "lon": -9.14}, None),
        ("GET", "/v1/weather/forecast", {"lat": 38.72 + round_ / 100, "lon": -9.14}, None),
        ("GET", "/v1/time/now", {"tz": "Europe/Lisbon"}, None),
        ("POST", "/v1/memories", None, {"text": f"I travel with a folding bike ({round_})."}),
        ("GET", "/v1/memories/search", {"q": f"bicycle {round_}"}, None),
    ]


def _exercise(stack: RunningStack, sandbox: httpx.Client, secret: str) -> list[httpx.Response]:
    """Good calls, then the same calls while every provider fails in each way, then refusals of bad input."""
    seen: list[httpx.Response] = []
    user = f"secrets-{uuid.uuid4().hex[:8]}"
    good = {"authorization": f"Bearer {stack.token(user)}"}
    with httpx.Client(base_url=stack.topology.gateway_url, trust_env=False, timeout=20) as gateway:

        def run_round(round_: int) -> None:
            for index, (method, path, params, body) in enumerate(_calls(round_)):
                # A fresh user per call keeps the gateway's per-user search budget out of the way.
                headers = {"authorization": f"Bearer {mint_token(sub=f'{user}-{round_}-{index}', secret=secret)}"}
                seen.append(gateway.request(method, path, params=params, json=body, headers=headers))

        seen.append(gateway.get("/v1/trips", headers=good))
        run_round(0)
        for round_, kind in enumerate(("error_500", "rate_limit", "malformed", "drop"), start=1):
            for provider in ("amadeus", "duffel", "google", "owm", "embeddings"):
                sandbox.post("/__sandbox/faults", json={"provider": provider, "kind": kind}).raise_for_status()
            try:
                run_round(round_)
                for service in SERVICES:
                    seen.append(gateway.get(f"{stack.topology.url(service.port)}/ready"))
            finally:
                sandbox.delete("/__sandbox/faults").raise_for_status()
        # Amadeus's OAuth token endpoint alone failing: the call that carries the client id and secret.
        armed = sandbox.post(
            "/__sandbox/faults", json={"provider": "amadeus", "endpoint": "token", "kind": "error_500"}
        )
        armed.raise_for_status()
        try:
            seen.append(gateway.get("/v1/flights/locations", params={"q": "OPO"}, headers=good))
        finally:
            sandbox.delete("/__sandbox/faults").raise_for_status()
        _await_recovery(gateway, secret, user)
        # Refusals: malformed input and bad tokens, on the gateway and on each service directly.
        seen.append(gateway.get("/v1/maps/reverse-geocode", params={"lat": 95, "lon": 0}, headers=good))
        seen.append(gateway.post("/v1/trips", content=b"{not json", headers=good))
        seen.append(gateway.post("/v1/memories", json={"text": ""}, headers=good))
        for service in SERVICES:
            base = stack.topology.url(service.port)
            for authorization in ("Bearer garbage", f"Bearer {mint_token(sub='x', secret='wrong-' + secret)}"):
                seen.append(gateway.get(f"{base}/v1/{service.name}/x", headers={"authorization": authorization}))
    return seen


def _await_recovery(gateway: httpx.Client, secret: str, user: str, timeout_s: float = 45.0) -> None:
    """Wait out the circuit breakers the faults opened: the tests after this one expect healthy providers."""
    deadline = time.monotonic() + timeout_s
    for attempt in itertools.count():
        failing = []
        for index, (method, path, params, body) in enumerate(_calls(100 + attempt)):
            headers = {"authorization": f"Bearer {mint_token(sub=f'{user}-recovery-{attempt}-{index}', secret=secret)}"}
            response = gateway.request(method, path, params=params, json=body, headers=headers)
            if response.status_code >= 500:
                failing.append(path)
        if not failing:
            return
        assert time.monotonic() < deadline, f"providers still failing after the faults were cleared: {failing}"
        time.sleep(2)


def test_the_stack_really_runs_with_the_configured_secrets(stack: RunningStack, stack_secrets: dict[str, str]) -> None:
    # Otherwise the leak test below would look for values no process holds.
    secret = stack_secrets["GATEWAY_JWT_SECRET"]
    assert secret != DEVELOPMENT_JWT_SECRET
    with httpx.Client(trust_env=False, timeout=10) as client:
        for service in SERVICES:
            base = stack.topology.url(service.port)
            paths = client.get(f"{base}/openapi.json").json()["paths"]
            path = next(p for p, item in paths.items() if "{" not in p and item.get("get", {}).get("security"))
            for label, key, expected in (("configured", secret, {200, 422}), ("dev", DEVELOPMENT_JWT_SECRET, {401})):
                headers = {"authorization": f"Bearer {mint_token(sub='secrets-probe', secret=key)}"}
                assert client.get(base + path, headers=headers).status_code in expected, (service.name, path, label)


def _leaks(text: str, fingerprints: dict[str, str]) -> set[str]:
    return {name for value, name in fingerprints.items() if value in text}


def test_no_secret_leaves_the_stack_in_a_response_or_a_log(
    stack: RunningStack, sandbox: httpx.Client, stack_secrets: dict[str, str]
) -> None:
    fingerprints = _fingerprints(stack_secrets)
    responses = _exercise(stack, sandbox, stack_secrets["GATEWAY_JWT_SECRET"])

    statuses = {response.status_code for response in responses}
    assert {200, 201, 401, 422} <= statuses, f"paths not reached: {statuses}"
    assert statuses & {502, 503}, f"provider failures not reached: {statuses}"
    leaked_in_responses = {
        f"{response.request.method} {response.request.url.path} -> {name}"
        for response in responses
        for name in _leaks(
            response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items()), fingerprints
        )
    }
    assert leaked_in_responses == set()

    logs = [path for path in stack.run_dir.rglob("*") if path.is_file() and _is_log(stack.run_dir, path)]
    assert stack.run_dir / "stack.log" in logs
    log_text = "\n".join(path.read_text(errors="replace") for path in logs)
    assert '"path":"/v1/flights/search"' in log_text, "the exercise above should have left access lines"
    leaked_in_logs = {
        f"{path.relative_to(stack.run_dir)}: {line[:200]}"
        for path in logs
        for line in path.read_text(errors="replace").splitlines()
        if _leaks(line, fingerprints)
    }
    assert leaked_in_logs == set(), "\n".join(sorted(leaked_in_logs))


def _is_log(run_dir: Path, path: Path) -> bool:
    """Everything the stack writes except Postgres's data files (its own log directory is included)."""
    relative = path.relative_to(run_dir).parts
    return relative[0] != "pgdata" or "log" in relative[1:-1] or path.suffix == ".log"
