"""Every operation of every service, directly and through the gateway, refuses a missing or bad token with 401.

The operations come from each process's own /openapi.json, so a route added later is covered without touching
this file; an undocumented route that skips authentication fails the census test instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tripsage_core.auth import mint_token
from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import SERVICES

PROBLEM = "application/problem+json"
# Open by design: the probes, the API description and its UI (the list); nothing else.
PUBLIC_OPERATIONS = {("GET", "/health"), ("GET", "/ready")}
PUBLIC_UNDOCUMENTED = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True, slots=True)
class Operation:
    process: str
    base_url: str
    method: str
    template: str
    url: str
    secured: bool

    def __str__(self) -> str:
        return f"{self.process} {self.method} {self.template}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(sub: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": sub, "aud": "authenticated", "role": "authenticated", "iat": now, "exp": now + 600, **overrides}


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64url(json.dumps(claims).encode())}."


def _tampered(secret: str) -> str:
    # A genuine token for one user, its payload swapped for another user's: the signature no longer matches.
    header, _, signature = mint_token(sub="e2e-auth-tamper-victim", secret=secret).split(".")
    return f"{header}.{_b64url(json.dumps(_claims('e2e-auth-tamper-attacker')).encode())}.{signature}"


_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

# Each kind maps the stack's real JWT secret to the Authorization header an attacker (or a stale client) sends.
BAD_CREDENTIALS: dict[str, Callable[[str], str | None]] = {
    "missing": lambda secret: None,
    "wrong-scheme": lambda secret: "Token " + mint_token(sub="e2e-auth-scheme", secret=secret),
    "garbage": lambda secret: "Bearer not-a-jwt",
    "expired": lambda secret: "Bearer " + mint_token(sub="e2e-auth-expired", secret=secret, ttl_s=-3600),
    "not-yet-valid": lambda secret: (
        "Bearer " + jwt.encode(_claims("e2e-auth-nbf", nbf=int(time.time()) + 3600), secret, algorithm="HS256")
    ),
    "wrong-audience": lambda secret: "Bearer " + mint_token(sub="e2e-auth-aud", secret=secret, audience="anon"),
    "bad-signature": lambda secret: (
        "Bearer " + mint_token(sub="e2e-auth-forged", secret="an-attackers-guess-at-the-secret-32bytes")
    ),
    "tampered-payload": lambda secret: "Bearer " + _tampered(secret),
    "alg-none": lambda secret: "Bearer " + _unsigned(_claims("e2e-auth-none")),
    "unaccepted-alg-hs512": lambda secret: (
        "Bearer " + jwt.encode(_claims("e2e-auth-hs512"), secret + secret, algorithm="HS512")
    ),
    "unknown-rs256-key": lambda secret: (
        "Bearer " + jwt.encode(_claims("e2e-auth-rs256"), _RSA_KEY, algorithm="RS256", headers={"kid": "attacker"})
    ),
}


def _sample(schema: dict[str, Any], name: str) -> str:
    """A plausible value for a parameter, so a request would reach its handler if the token were good."""
    for key in ("example", "default"):
        if schema.get(key) is not None:
            return str(schema[key])
    if schema.get("examples"):
        return str(schema["examples"][0])
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("format") == "uuid" or (name.endswith("_id") and schema.get("type") != "string"):
        return str(uuid.uuid4())
    if schema.get("format") == "date":
        return (dt.date.today() + dt.timedelta(days=60)).isoformat()
    if schema.get("type") in ("number", "integer"):
        return "1"
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _sample(option, name)
    return f"SBX_{name}"


def _operations(process: str, base_url: str, client: httpx.Client) -> list[Operation]:
    document = client.get(f"{base_url}/openapi.json").raise_for_status().json()
    found = []
    for template, item in document["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            path, query = template, {}
            for parameter in operation.get("parameters", []):
                value = _sample(parameter.get("schema", {}), parameter["name"])
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", value)
                elif parameter["in"] == "query" and parameter.get("required"):
                    query[parameter["name"]] = value
            url = str(httpx.URL(base_url + path, params=query))
            found.append(Operation(process, base_url, method.upper(), template, url, bool(operation.get("security"))))
    return found


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=15) as http:
        yield http


@pytest.fixture(scope="module")
def operations(stack: RunningStack, client: httpx.Client) -> list[Operation]:
    """Every documented operation of every process, the gateway's merged document included."""
    found: list[Operation] = []
    for service in (s for s in SERVICES if s.name != "gateway"):
        found += _operations(service.name, stack.topology.url(service.port), client)
    # The gateway merges the services' documents in the background as they come up: wait for the merge.
    gateway = stack.topology.gateway_url
    deadline = time.monotonic() + 30
    while True:
        merged = _operations("gateway", gateway, client)
        missing = {(op.method, op.template) for op in found if op.secured} - {(op.method, op.template) for op in merged}
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    found += merged
    # The gateway forwards any /v1/<prefix>/... path: undocumented ones must be refused just the same.
    for path in ("/v1/nowhere", "/v1/nowhere/at/all", f"/v1/trips/{uuid.uuid4()}/undocumented", "/v1/memories/x/y"):
        for method in ("GET", "POST", "DELETE"):
            found.append(Operation("gateway", gateway, method, path, gateway + path, secured=True))
    return found


@pytest.fixture(scope="module")
def protected(operations: list[Operation]) -> list[Operation]:
    return [op for op in operations if (op.method, op.template) not in PUBLIC_OPERATIONS]


def _headers(operation: Operation, index: int, authorization: str | None) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    if operation.process == "gateway":
        # The gateway limits unauthenticated callers per client IP (it trusts X-Forwarded-For from loopback, its
        # mesh): one documentation-range address per operation keeps this census from spending the budget of
        # 127.0.0.1 that other tests' callers share.
        headers["x-forwarded-for"] = f"198.51.{100 + index // 250}.{index % 250 + 1}"
    return headers


def _send(client: httpx.Client, operation: Operation, headers: dict[str, str]) -> httpx.Response:
    body = b"{}" if operation.method in ("POST", "PUT", "PATCH") else None
    return client.request(operation.method, operation.url, content=body, headers=headers)


def test_the_census_finds_every_service_and_only_probes_are_unauthenticated(
    stack: RunningStack, operations: list[Operation]
) -> None:
    processes = {op.process for op in operations}
    assert processes == {service.name for service in SERVICES}
    unauthenticated = {(op.method, op.template) for op in operations if not op.secured}
    assert unauthenticated <= PUBLIC_OPERATIONS, unauthenticated - PUBLIC_OPERATIONS
    # The gateway's merged document names every service's /v1 operation: nothing is reachable only directly.
    through_gateway = {(op.method, op.template) for op in operations if op.process == "gateway"}
    direct = {(op.method, op.template) for op in operations if op.process != "gateway"}
    assert direct - PUBLIC_OPERATIONS <= through_gateway


@pytest.mark.parametrize("kind", sorted(BAD_CREDENTIALS))
def test_every_operation_refuses_a_bad_token_with_401_problem(
    kind: str, stack: RunningStack, stack_secrets: dict[str, str], protected: list[Operation], client: httpx.Client
) -> None:
    authorization = BAD_CREDENTIALS[kind](stack_secrets["GATEWAY_JWT_SECRET"])
    failures = []
    for index, operation in enumerate(protected):
        response = _send(client, operation, _headers(operation, index, authorization))
        if (
            response.status_code != 401
            or response.headers.get("content-type") != PROBLEM
            or not response.headers.get("www-authenticate", "").startswith("Bearer")
            or response.json().get("status") != 401
        ):
            failures.append(f"{operation} -> {response.status_code} {response.text[:120]}")
        elif authorization and authorization.split(" ", 1)[-1] in response.text:
            failures.append(f"{operation} echoed the token")
    assert len(protected) >= 50, "the census lost operations"
    assert failures == [], "\n".join(failures)


def test_every_operation_lets_a_good_token_past_authentication(
    stack: RunningStack, stack_secrets: dict[str, str], protected: list[Operation], client: httpx.Client
) -> None:
    # The control: the same requests with a valid token are not refused as unauthenticated, so each 401 above was
    # the token's doing. A fresh user per operation keeps the gateway's per-user search budget out of the way.
    secret = stack_secrets["GATEWAY_JWT_SECRET"]
    assert client.get(
        f"{stack.topology.gateway_url}/v1/trips", headers={"authorization": f"Bearer {stack.token('e2e-auth-cli')}"}
    ).is_success, "`make token` does not sign with the stack's secret"
    failures = []
    for index, operation in enumerate(protected):
        authorization = f"Bearer {mint_token(sub=f'e2e-auth-control-{index}', secret=secret)}"
        response = _send(client, operation, _headers(operation, index, authorization))
        if response.status_code in (401, 403) or (response.status_code >= 500 and response.status_code != 503):
            failures.append(f"{operation} -> {response.status_code} {response.text[:120]}")
    assert failures == [], "\n".join(failures)


def test_probes_and_the_api_description_stay_open(stack: RunningStack, client: httpx.Client) -> None:
    for service in SERVICES:
        base = stack.topology.url(service.port)
        for method, path in sorted(PUBLIC_OPERATIONS):
            assert client.request(method, base + path).status_code == 200, f"{service.name} {path}"
        for path in PUBLIC_UNDOCUMENTED:
            assert client.get(base + path).status_code == 200, f"{service.name} {path}"
