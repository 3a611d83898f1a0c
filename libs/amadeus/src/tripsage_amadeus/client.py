"""Build the `amadeus.Client` from settings: the sandbox by URL, or Amadeus's test or production host."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import amadeus

from tripsage_amadeus.config import AmadeusServiceSettings
from tripsage_amadeus.transport import PooledTransport
from tripsage_core.settings import ConfigurationError

# The SDK logs through this logger only at log_level "debug"/"warn"; it stays silent and we log its errors ourselves.
_SDK_LOGGER = logging.getLogger("tripsage_amadeus.sdk")


def build_client(settings: AmadeusServiceSettings) -> amadeus.Client:
    """An SDK client on kept-alive connections whose socket operations time out with an attempt."""
    if settings.amadeus_client_id is None or settings.amadeus_client_secret is None:
        raise ConfigurationError("Amadeus credentials are missing")  # the settings validator fills or refuses them
    options: dict[str, Any] = {
        "client_id": settings.amadeus_client_id.get_secret_value(),
        "client_secret": settings.amadeus_client_secret.get_secret_value(),
        "logger": _SDK_LOGGER,
        "log_level": "silent",
        "http": PooledTransport(
            timeout_s=min(settings.provider_attempt_timeout_s, settings.provider_timeout_s),
            connections=settings.provider_concurrency,
        ),
    }
    if settings.provider_base_url:
        parts = urlsplit(settings.provider_base_url)
        ssl = parts.scheme == "https"
        options.update(host=parts.hostname, ssl=ssl, port=parts.port or (443 if ssl else 80))
    else:
        options["hostname"] = settings.resolved_hostname
    return amadeus.Client(**options)
