"""`STAYS_PROVIDER` selects a registered provider; anything else refuses to start, naming the variable."""

from __future__ import annotations

import pytest

from tripsage_core.settings import ConfigurationError
from tripsage_stays.config import StaysSettings
from tripsage_stays.providers import PROVIDERS
from tripsage_testing.providers import assert_every_provider_builds


def test_an_unknown_provider_refuses_to_start_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="STAYS_PROVIDER is 'nosuchvendor'; known providers: amadeus"):
        StaysSettings(_env_file=None, provider="nosuchvendor", provider_base_url="http://127.0.0.1:9")


def test_every_registered_provider_is_a_valid_choice() -> None:
    for name in PROVIDERS:
        assert StaysSettings(_env_file=None, provider=name, provider_base_url="http://127.0.0.1:9").provider == name


async def test_the_settings_build_each_registered_provider_on_this_service_s_own_caller() -> None:
    await assert_every_provider_builds(StaysSettings, PROVIDERS, "stays")
