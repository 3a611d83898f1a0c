"""`FLIGHTS_PROVIDER` selects a registered provider; anything else refuses to start, naming the variable."""

from __future__ import annotations

import pytest

from tripsage_core.settings import ConfigurationError
from tripsage_flights.config import FlightsSettings
from tripsage_flights.providers import PROVIDERS
from tripsage_testing.providers import assert_every_provider_builds


def test_an_unknown_provider_refuses_to_start_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="FLIGHTS_PROVIDER is 'nosuchvendor'; known providers: amadeus"):
        FlightsSettings(_env_file=None, provider="nosuchvendor", provider_base_url="http://127.0.0.1:9")


def test_every_registered_provider_is_a_valid_choice() -> None:
    for name in PROVIDERS:
        assert FlightsSettings(_env_file=None, provider=name, provider_base_url="http://127.0.0.1:9").provider == name


def test_only_the_selected_providers_credentials_are_required_in_production() -> None:
    production = {"environment": "production", "jwt_secret": "a-real-looking-jwt-secret-7f3a9c"}
    on_duffel = FlightsSettings(
        _env_file=None, provider="duffel", duffel_access_token="duffel_live_k3y9q", **production
    )
    assert on_duffel.amadeus_client_id is None
    with pytest.raises(ConfigurationError, match="FLIGHTS_DUFFEL_ACCESS_TOKEN"):
        FlightsSettings(_env_file=None, provider="duffel", **production)


async def test_the_settings_build_each_registered_provider_on_this_service_s_own_caller() -> None:
    await assert_every_provider_builds(FlightsSettings, PROVIDERS, "flights")
