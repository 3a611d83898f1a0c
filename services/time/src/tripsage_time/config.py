"""Time service settings (env prefix `TIME_`)."""

from pydantic_settings import SettingsConfigDict

from tripsage_core.settings import ServiceSettings


class TimeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIME_")

    port: int = 8005
