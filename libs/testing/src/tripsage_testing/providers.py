"""What every provider registry promises, checked the same way for each provider-backed service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


async def assert_every_provider_builds(
    settings_type: Callable[..., Any], registry: Iterable[str], service: str
) -> None:
    """Each registered provider is built by the settings that select it, under its registry name, on a caller of
    this service (its threads and circuit are the service's), with a closed circuit, and closes cleanly."""
    for name in registry:
        provider = settings_type(_env_file=None, provider=name, provider_base_url="http://127.0.0.1:9").build_provider()
        try:
            assert (provider.name, provider.caller.name) == (name, service)
            assert await provider.status() == {"provider": provider.caller.provider, "circuit": "closed"}
        finally:
            await provider.aclose()
