"""Settings: the sandbox key only in development with a sandbox URL; production without a real key won't start."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from tripsage_core.settings import ConfigurationError
from tripsage_weather.app import create_app
from tripsage_weather.config import OWM_BASE_URL, SANDBOX_OWM_API_KEY, WeatherSettings

JWT_SECRET = SecretStr("a-real-looking-jwt-secret-3f9c2a71")


def _production(**overrides: Any) -> WeatherSettings:
    return WeatherSettings(environment="production", jwt_secret=JWT_SECRET, **overrides)


def test_development_with_a_sandbox_url_uses_the_sandbox_key() -> None:
    settings = WeatherSettings(environment="development", provider_base_url="http://127.0.0.1:8100")
    assert settings.owm_key == SANDBOX_OWM_API_KEY
    assert settings.owm_base_url == "http://127.0.0.1:8100"


def test_development_without_key_or_sandbox_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="WEATHER_OWM_API_KEY"):
        WeatherSettings(environment="development", provider_base_url=None)


def test_production_without_key_refuses_to_start_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="WEATHER_OWM_API_KEY"):
        _production()


def test_production_never_falls_back_to_the_sandbox_key() -> None:
    with pytest.raises(ConfigurationError, match=r"(?i)owm_api_key"):
        _production(provider_base_url="http://127.0.0.1:8100")


def test_production_with_a_placeholder_key_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match=r"(?i)owm_api_key"):
        _production(owm_api_key=SecretStr("changeme"))


def test_production_from_the_environment_refuses_to_build_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEATHER_ENVIRONMENT", "production")
    monkeypatch.setenv("WEATHER_JWT_SECRET", "a-real-looking-jwt-secret-3f9c2a71")
    monkeypatch.delenv("WEATHER_OWM_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="WEATHER_OWM_API_KEY"):
        create_app()


def test_production_with_a_key_calls_the_real_api() -> None:
    settings = _production(owm_api_key=SecretStr("0123456789abcdef0123456789abcdef"))
    assert settings.owm_base_url == OWM_BASE_URL
    assert settings.owm_key == "0123456789abcdef0123456789abcdef"


def test_ttls_cannot_exceed_the_documented_content_classes() -> None:
    with pytest.raises(ValueError, match="ttl_current_s"):
        WeatherSettings(environment="test", provider_base_url="http://127.0.0.1:8100", ttl_current_s=3600)
