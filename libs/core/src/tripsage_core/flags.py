"""Feature flags, declared once, read from `FEATURE_*` variables (a ConfigMap in Kubernetes).

A canary Deployment gets its own ConfigMap, so a flag can turn a code path on for the canary only.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class FeatureFlags(BaseSettings):
    """Every flag the system knows; all default off so a missing ConfigMap never enables a path.

    A flag is declared here only with the code path it switches (a flag nothing reads is a promise nobody keeps).
    """

    model_config = SettingsConfigDict(env_prefix="FEATURE_", extra="ignore", frozen=True)

    alternative_routes: bool = False

    def enabled(self) -> list[str]:
        return [name for name, on in self.model_dump().items() if on]
