"""tripsage-smoke: after a deploy, prove the public gateway is up, ready, routing and checking tokens."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from tripsage_core.auth import mint_token

_TOKYO = {"lat": "35.68", "lon": "139.69"}


@dataclass(frozen=True, slots=True)
class Step:
    """One smoke check: its name and whether it passed, with what was seen."""

    name: str
    passed: bool
    detail: str


def _expect(name: str, response: httpx.Response, status: int, check: Callable[[httpx.Response], bool]) -> Step:
    passed = response.status_code == status and check(response)
    return Step(name, passed, f"{response.status_code} {response.headers.get('content-type', '')}".strip())


def run_smoke(client: httpx.Client, *, jwt_secret: str | None, jwt_issuer: str | None = None) -> list[Step]:
    """Liveness, readiness, an unauthenticated call refused as problem+json, and with a secret an authorised call."""
    steps = [
        _expect("health", client.get("/health"), 200, lambda _: True),
        _expect("ready", client.get("/ready"), 200, lambda _: True),
        _expect(
            "refuses a call without a token",
            client.get("/v1/time/timezone", params=_TOKYO),
            401,
            lambda r: r.headers.get("content-type", "").startswith("application/problem+json"),
        ),
    ]
    if jwt_secret:
        token = mint_token(sub="smoke-test", secret=jwt_secret, issuer=jwt_issuer, ttl_s=300)
        response = client.get("/v1/time/timezone", params=_TOKYO, headers={"Authorization": f"Bearer {token}"})
        steps.append(_expect("routes an authorised call to time", response, 200, lambda r: "Asia/Tokyo" in r.text))
    return steps


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `tripsage-smoke`: retries until every step passes or the deadline, then reports."""
    parser = argparse.ArgumentParser(prog="tripsage-smoke", description=__doc__)
    parser.add_argument("base_url", help="the gateway, e.g. https://api.staging.tripsage.dev")
    parser.add_argument("--deadline-s", type=float, default=120.0, help="keep retrying for this long")
    args = parser.parse_args(argv)
    # From the environment, never the command line: a secret in argv shows in process listings and CI logs.
    secret = os.environ.get("SMOKE_JWT_SECRET") or None
    issuer = os.environ.get("SMOKE_JWT_ISSUER") or None
    deadline = time.monotonic() + args.deadline_s
    with httpx.Client(base_url=args.base_url, timeout=10.0) as client:
        while True:
            try:
                steps = run_smoke(client, jwt_secret=secret, jwt_issuer=issuer)
            except httpx.HTTPError as exc:
                steps = [Step("connect", False, type(exc).__name__)]
            if all(step.passed for step in steps) or time.monotonic() >= deadline:
                break
            time.sleep(5)
    for step in steps:
        print(f"{'ok  ' if step.passed else 'FAIL'} {step.name}: {step.detail}")
    return 0 if all(step.passed for step in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
