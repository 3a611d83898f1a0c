from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from tripsage_core.settings import DEVELOPMENT_JWT_SECRET, ConfigurationError, ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_")


def test_development_runs_without_configuration_using_the_development_secret() -> None:
    settings = ExampleSettings()
    assert settings.environment == "development"
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET


def test_each_service_reads_only_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_PORT", "9123")
    monkeypatch.setenv("OTHER_PORT", "9999")
    assert ExampleSettings().port == 9123


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_production_without_a_jwt_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    monkeypatch.setenv("EXAMPLE_ENVIRONMENT", environment)
    with pytest.raises(
        (ConfigurationError, ValidationError), match="EXAMPLE_JWT_SECRET or EXAMPLE_JWT_JWKS_URL is required"
    ):
        ExampleSettings()


@pytest.mark.parametrize("secret", ["changeme", "your-secret-here", DEVELOPMENT_JWT_SECRET, "  "])
def test_production_refuses_placeholder_secrets(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("EXAMPLE_ENVIRONMENT", "production")
    monkeypatch.setenv("EXAMPLE_JWT_SECRET", secret)
    with pytest.raises((ConfigurationError, ValidationError), match="EXAMPLE_JWT_SECRET holds a placeholder"):
        ExampleSettings()


def test_production_accepts_a_real_secret_and_never_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_ENVIRONMENT", "production")
    monkeypatch.setenv("EXAMPLE_JWT_SECRET", "k3J9-vQ2m-Xr8t-Lp4w-Zs6y-Nb1c-Hd5f-Gj7k")
    settings = ExampleSettings()
    assert "k3J9" not in repr(settings)
    assert settings.secret_values() == {"jwt_secret": "k3J9-vQ2m-Xr8t-Lp4w-Zs6y-Nb1c-Hd5f-Gj7k"}


def test_production_accepts_a_jwks_url_instead_of_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_ENVIRONMENT", "production")
    monkeypatch.setenv("EXAMPLE_JWT_JWKS_URL", "https://project.supabase.co/auth/v1/.well-known/jwks.json")
    assert ExampleSettings().jwt_secret is None
