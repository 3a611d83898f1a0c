from __future__ import annotations

from typing import Any

import pytest
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import SANDBOX_CLIENT_ID, AmadeusServiceSettings, build_client
from tripsage_core.settings import ConfigurationError


class DemoSettings(AmadeusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")


def _settings(**values: Any) -> DemoSettings:
    return DemoSettings(_env_file=None, **values)


def test_production_without_credentials_refuses_to_start_naming_the_variables() -> None:
    with pytest.raises(ConfigurationError, match="DEMO_AMADEUS_CLIENT_ID and DEMO_AMADEUS_CLIENT_SECRET"):
        _settings(environment="production", jwt_secret="a-real-looking-jwt-secret-7f3a9c")


def test_production_never_falls_back_to_the_sandbox_credentials() -> None:
    with pytest.raises(ConfigurationError, match="DEMO_AMADEUS_CLIENT_SECRET"):
        _settings(
            environment="production",
            jwt_secret="a-real-looking-jwt-secret-7f3a9c",
            provider_base_url="http://127.0.0.1:8100",
            amadeus_client_id="live-id-8d7f6e",
        )


def test_production_with_placeholder_credentials_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="DEMO_AMADEUS_CLIENT_SECRET holds a placeholder"):
        _settings(
            environment="production",
            jwt_secret="a-real-looking-jwt-secret-7f3a9c",
            amadeus_client_id="live-id-8d7f6e",
            amadeus_client_secret="changeme",
        )


def test_development_with_a_sandbox_url_uses_obvious_sandbox_credentials() -> None:
    settings = _settings(provider_base_url="http://127.0.0.1:8100")
    assert settings.amadeus_client_id is not None
    assert settings.amadeus_client_id.get_secret_value() == SANDBOX_CLIENT_ID


def test_development_without_url_or_credentials_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="DEMO_PROVIDER_BASE_URL"):
        _settings()


def test_a_base_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="DEMO_PROVIDER_BASE_URL"):
        _settings(provider_base_url="127.0.0.1:8100")


def test_client_points_at_the_sandbox_host_port_and_scheme() -> None:
    client = build_client(_settings(provider_base_url="http://127.0.0.1:8123"))
    assert (client.host, client.port, client.ssl) == ("127.0.0.1", 8123, False)


def test_client_uses_amadeus_production_host_in_production() -> None:
    settings = _settings(
        environment="production",
        jwt_secret="a-real-looking-jwt-secret-7f3a9c",
        amadeus_client_id="live-id-8d7f6e",
        amadeus_client_secret="live-secret-1b2c3d",
    )
    client = build_client(settings)
    assert (client.host, client.port, client.ssl) == ("api.amadeus.com", 443, True)


def test_client_uses_the_amadeus_test_host_when_asked() -> None:
    settings = _settings(amadeus_client_id="test-id-8d7f6e", amadeus_client_secret="s3", amadeus_hostname="test")
    assert build_client(settings).host == "test.api.amadeus.com"


def test_credentials_are_required_only_when_amadeus_is_the_selected_provider() -> None:
    settings = _settings(provider="another", environment="production", jwt_secret="a-real-looking-jwt-secret-7f3a9c")
    assert settings.amadeus_client_id is None
