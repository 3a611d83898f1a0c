"""Settings: a Google key is required outside development, and the sandbox key only ever goes to the sandbox."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pydantic import SecretStr

from tripsage_core.settings import ConfigurationError
from tripsage_maps.config import SANDBOX_GOOGLE_API_KEY, MapsSettings
from tripsage_maps.service import MAX_RETENTION_S, CacheTTLs

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "jwt_secret": SecretStr("a-real-looking-jwt-secret-0f9a8b7c"),
}


def test_production_without_a_key_refuses_to_start_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="MAPS_GOOGLE_API_KEY"):
        MapsSettings(**PRODUCTION, provider_base_url="http://127.0.0.1:8100")


def test_staging_with_a_placeholder_key_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="MAPS_GOOGLE_API_KEY holds a placeholder"):
        MapsSettings(**{**PRODUCTION, "environment": "staging"}, google_api_key=SecretStr("AIza-changeme"))


def test_a_key_without_googles_prefix_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="AIza"):
        MapsSettings(**PRODUCTION, google_api_key=SecretStr("sk-live-0123456789abcdef"))


def test_production_with_a_real_looking_key_talks_to_google() -> None:
    settings = MapsSettings(**PRODUCTION, google_api_key=SecretStr("AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"))
    assert settings.google_base_url == "https://maps.googleapis.com"
    assert settings.google_key().startswith("AIzaSy")


def test_development_without_key_uses_the_sandbox_key_only_with_a_sandbox_url() -> None:
    settings = MapsSettings(environment="development", provider_base_url="http://127.0.0.1:8100/")
    assert settings.google_key() == SANDBOX_GOOGLE_API_KEY
    assert settings.google_base_url == "http://127.0.0.1:8100"
    with pytest.raises(ConfigurationError, match="MAPS_PROVIDER_BASE_URL"):
        MapsSettings(environment="development")


def _start_maps(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m tripsage_maps` with only `env`, as a container would start it; it must refuse before serving."""
    return subprocess.run(
        [sys.executable, "-m", "tripsage_maps"], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_console_script_exits_with_the_configuration_error_in_production() -> None:
    result = _start_maps({"MAPS_ENVIRONMENT": "production", "MAPS_JWT_SECRET": "a-real-looking-jwt-secret-0f9a8b7c"})
    assert result.returncode != 0
    assert "MAPS_GOOGLE_API_KEY is required in production" in result.stderr


def test_stale_copies_never_outlive_googles_thirty_day_limit() -> None:
    defaults = CacheTTLs()
    assert defaults.geocode_s * defaults.stale_factor(24) <= MAX_RETENTION_S
    week = CacheTTLs(geocode_s=7 * 24 * 3600)
    assert week.stale_factor(24) == 4
    assert week.geocode_s * week.stale_factor(24) <= MAX_RETENTION_S


def test_the_current_google_apis_are_the_default_each_on_its_own_host() -> None:
    settings = MapsSettings(**PRODUCTION, google_api_key=SecretStr("AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"))
    assert (settings.routing_api, settings.places_api) == ("routes", "new")
    assert settings.routes_base_url == "https://routes.googleapis.com"
    assert settings.places_base_url == "https://places.googleapis.com"


def test_an_unknown_api_generation_refuses_to_start_naming_the_variable() -> None:
    result = _start_maps({"MAPS_PROVIDER_BASE_URL": "http://127.0.0.1:8100", "MAPS_ROUTING_API": "directions"})
    assert result.returncode != 0
    assert "MAPS_ROUTING_API: Input should be 'routes' or 'legacy'" in result.stderr
