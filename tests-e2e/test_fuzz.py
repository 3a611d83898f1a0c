"""Property-based fuzzing of every service's OpenAPI document, directly and through the gateway (schemathesis).

Every generated request, valid or deliberately invalid, must get: no 5xx, a status and body that match what the
document declares, and for every 4xx an RFC 9457 problem+json body. `TRIPSAGE_FUZZ_EXAMPLES` sets the cases per
operation and data kind (small and deterministic for `make test`); `make fuzz` raises it and randomises.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import SERVICES

EXAMPLES = int(os.environ.get("TRIPSAGE_FUZZ_EXAMPLES", "10"))
# `make fuzz` explores new inputs on every run; `make test` replays the same ones so it cannot flake.
RANDOMIZE = os.environ.get("TRIPSAGE_FUZZ_RANDOMIZE", "") == "1"
# The gateway's per-user rate limits (30 searches a minute) would turn most fuzz cases into 429s; rate limiting has
# its own tests, so each fuzz user makes fewer requests than any per-minute limit.
REQUESTS_PER_USER = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def problem_json_for_client_errors(ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]) -> None:
    """Every 4xx is `application/problem+json` with the RFC 9457 members, its `status` equal to the HTTP one."""
    if not 400 <= response.status_code < 500:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM_CONTENT_TYPE, f"4xx with content-type {content_type!r}"
    try:
        problem = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"problem+json body is not JSON: {response.content[:200]!r}") from None
    missing = {"type", "title", "status", "detail"} - set(problem)
    assert not missing, f"problem+json without {sorted(missing)}: {problem}"
    assert problem["status"] == response.status_code, f"problem status {problem['status']} != {response.status_code}"


class _FuzzUsers:
    """Bearer headers for a rotating pool of dedicated fuzz users, so fuzz data never touches a real user's."""

    def __init__(self, prefix: str, secret: str) -> None:
        self._prefix = prefix
        self._secret = secret
        self._requests = itertools.count()

    def headers(self) -> dict[str, str]:
        user = next(self._requests) // REQUESTS_PER_USER
        token = mint_token(sub=f"fuzz-{self._prefix}-{user}", secret=self._secret)
        return {"Authorization": f"Bearer {token}"}


def _wait_for_complete_document(url: str, timeout_s: float = 30.0) -> None:
    """The gateway merges the services' documents in the background; fuzz only the complete merge."""
    deadline = time.monotonic() + timeout_s
    while True:
        document = httpx.get(f"{url}/openapi.json", timeout=5, trust_env=False).json()
        missing = document["info"].get("x-tripsage-missing")
        if not missing:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the gateway's OpenAPI document still lacks {missing}")
        time.sleep(1.0)


def _config(base_url: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "request-timeout": 30,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": not RANDOMIZE,
                # Unknown query parameters are ignored by design (as in most HTTP APIs), so sending them proves
                # nothing; the bearer token is ours to send (test_auth.py covers missing and forged ones).
                "allow-extra-parameters": False,
                "with-security-parameters": False,
            },
        }
    )


def _load(stack: RunningStack, service: str) -> OpenApiSchema:
    port = next(s.port for s in SERVICES if s.name == service)
    url = stack.topology.url(port)
    if service == "gateway":
        _wait_for_complete_document(url)
    return schemathesis.openapi.from_url(f"{url}/openapi.json", config=_config(url), timeout=10)


def _fuzz(operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, users: _FuzzUsers) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(
            headers=users.headers(), checks=CHECKS, additional_checks=[problem_json_for_client_errors]
        )

    run()


def _provider_probes(attempt: int) -> list[tuple[str, dict[str, str]]]:
    """One call per provider the stack fronts, new each attempt: a cached answer would hide an open circuit."""
    return [
        ("/v1/flights/locations", {"q": f"PROBE{attempt}{time.monotonic_ns()}"}),
        ("/v1/maps/geocode", {"address": f"{attempt % 900 + 1} Rue de Rivoli {time.monotonic_ns()}, Paris"}),
        ("/v1/weather/current", {"lat": f"{48 + (time.monotonic_ns() % 10_000) / 10_000:.4f}", "lon": "2.35"}),
    ]


def _await_healthy_providers(gateway_url: str, headers: dict[str, str], timeout_s: float = 45.0) -> None:
    """Fuzz a healthy stack: wait out circuit breakers opened by the fault tests that ran before this file."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=10, trust_env=False) as client:
        for attempt in itertools.count():
            answers = {path: client.get(path, params=query) for path, query in _provider_probes(attempt)}
            failing = [path for path, answer in answers.items() if answer.is_server_error]
            if not failing:
                return
            assert time.monotonic() < deadline, f"providers still failing before fuzzing: {failing}"
            time.sleep(1.0)


@pytest.mark.parametrize("service", [service.name for service in SERVICES])
def test_every_response_is_declared_and_no_input_breaks_the_service(
    stack: RunningStack, stack_secrets: dict[str, str], service: str
) -> None:
    users = _FuzzUsers(service, stack_secrets["GATEWAY_JWT_SECRET"])
    _await_healthy_providers(stack.topology.gateway_url, users.headers())
    failures: list[str] = []
    operations = 0
    for result in _load(stack, service).get_all_operations():
        if isinstance(result, Err):
            failures.append(f"--- an operation the document describes wrongly\n{result.err()}")
            continue
        operation = result.ok()
        operations += 1
        # Invalid data needs an input to be invalid in; /health and friends take none.
        has_inputs = any(True for _ in operation.iter_parameters()) or any(True for _ in operation.body)
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_inputs else (GenerationMode.POSITIVE,)
        for mode in modes:
            try:
                _fuzz(operation, mode, users)
            except (Exception, FailureGroup) as exc:  # gather every operation's failure before reporting
                # schemathesis's message carries the failed checks, the response and a reproducing curl command.
                failures.append(f"--- {operation.label} ({mode.value} data)\n{exc}")
    assert operations > 0
    assert not failures, f"{len(failures)} fuzzing failure(s) on {service}:\n" + "\n".join(failures)
