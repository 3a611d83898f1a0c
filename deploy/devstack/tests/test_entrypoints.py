"""Every service's console script refuses configuration it cannot run with the same way: one line naming the
variable, exit status 2, no traceback and no echoed value."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tripsage_core.manifest import SERVICES, ManifestEntry, service

VALUE = "not-a-port-7f3a"  # must never be echoed: a mistyped variable may hold a secret

# (case, service, environment): each started at once, so the imports of nine processes overlap.
CASES: list[tuple[str, ManifestEntry, dict[str, str]]] = [
    *((f"port-{spec.name}", spec, {f"{spec.env_prefix}_PORT": VALUE}) for spec in SERVICES),
    ("placeholder", service("time"), {"TIME_ENVIRONMENT": "production", "TIME_JWT_SECRET": "changeme-" + VALUE}),
    (
        "credentials",
        service("flights"),
        {"FLIGHTS_ENVIRONMENT": "production", "FLIGHTS_JWT_SECRET": "a-real-enough-secret-for-this-test-4217"},
    ),
]


@pytest.fixture(scope="module")
def refusals() -> dict[str, tuple[int, str]]:
    """case -> (exit status, stderr) of the console script started with that case's environment."""
    started = {}
    for case, spec, env in CASES:
        command = shutil.which(spec.command)
        assert command, f"{spec.command} is not installed (make install)"
        clean = {key: value for key, value in os.environ.items() if not key.startswith(f"{spec.env_prefix}_")}
        started[case] = subprocess.Popen(
            [command], env={**clean, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
    results = {}
    for case, process in started.items():
        _, stderr = process.communicate(timeout=100)
        results[case] = (process.returncode, stderr)
    return results


def _refusal(refusals: dict[str, tuple[int, str]], case: str) -> str:
    status, stderr = refusals[case]
    assert status == 2, stderr
    assert "Traceback" not in stderr
    assert VALUE not in stderr
    return stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_an_invalid_setting_is_one_line_naming_the_variable_and_exit_2(
    refusals: dict[str, tuple[int, str]], spec: ManifestEntry
) -> None:
    last = _refusal(refusals, f"port-{spec.name}")
    assert last.startswith(f"{spec.command}: refusing to start: {spec.env_prefix}_PORT: "), last


def test_a_placeholder_secret_is_refused_naming_its_variable(refusals: dict[str, tuple[int, str]]) -> None:
    assert _refusal(refusals, "placeholder") == (
        "tripsage-time: refusing to start: TIME_JWT_SECRET holds a placeholder value; set a real secret"
    )


def test_missing_provider_credentials_are_refused_the_same_way(refusals: dict[str, tuple[int, str]]) -> None:
    last = _refusal(refusals, "credentials")
    assert last.startswith("tripsage-flights: refusing to start: "), last
    assert "FLIGHTS_AMADEUS_CLIENT_ID" in last
