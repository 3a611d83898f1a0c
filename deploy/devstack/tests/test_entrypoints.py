"""Every service's console script refuses configuration it cannot run with the same way: one line naming the
variable, exit status 2, no traceback and no echoed value."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tripsage_core.manifest import SERVICES, ManifestEntry

VALUE = "not-a-port-7f3a"  # must never be echoed: a mistyped variable may hold a secret


def _run(spec: ManifestEntry, **env: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which(spec.command)
    assert command, f"{spec.command} is not installed (make install)"
    clean = {key: value for key, value in os.environ.items() if not key.startswith(f"{spec.env_prefix}_")}
    return subprocess.run([command], env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_an_invalid_setting_is_one_line_naming_the_variable_and_exit_2(spec: ManifestEntry) -> None:
    result = _run(spec, **{f"{spec.env_prefix}_PORT": VALUE})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert VALUE not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{spec.command}: refusing to start: {spec.env_prefix}_PORT: "), last


def test_a_placeholder_secret_is_refused_naming_its_variable() -> None:
    time = next(spec for spec in SERVICES if spec.name == "time")
    result = _run(time, TIME_ENVIRONMENT="production", TIME_JWT_SECRET="changeme-" + VALUE)
    assert result.returncode == 2, result.stderr
    assert VALUE not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "tripsage-time: refusing to start: TIME_JWT_SECRET holds a placeholder value; set a real secret"
    )


def test_an_unsafe_configuration_is_refused_the_same_way() -> None:
    # Production without provider credentials: a ConfigurationError from the settings' own checks.
    flights = next(spec for spec in SERVICES if spec.name == "flights")
    result = _run(
        flights, FLIGHTS_ENVIRONMENT="production", FLIGHTS_JWT_SECRET="a-real-enough-secret-for-this-test-4217"
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tripsage-flights: refusing to start: "), last
    assert "FLIGHTS_AMADEUS_CLIENT_ID" in last
