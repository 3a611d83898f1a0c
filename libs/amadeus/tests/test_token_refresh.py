"""The SDK owns its token: it fetches a new one on its own clock, before the old one expires."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import amadeus
import pytest
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusCaller, AmadeusServiceSettings, build_client
from tripsage_testing.sandbox import SandboxControl, running_sandbox


class DemoSettings(AmadeusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")


@pytest.fixture
def short_token_sandbox(tmp_path: Path) -> Iterator[SandboxControl]:
    # The SDK refreshes 10 s before expiry, so an 11 s token is refreshed after about a second.
    with running_sandbox(tmp_path, SANDBOX_AMADEUS_TOKEN_TTL="11") as sandbox:
        yield SandboxControl(sandbox, provider="amadeus")


async def test_calls_keep_working_across_token_refreshes(short_token_sandbox: SandboxControl) -> None:
    settings = DemoSettings(_env_file=None, provider_base_url=short_token_sandbox.url)
    caller = AmadeusCaller(build_client(settings), name="demo")
    departure = (dt.date.today() + dt.timedelta(days=20)).isoformat()

    def search(client: amadeus.Client) -> Any:
        return client.shopping.flight_offers_search.get(
            originLocationCode="CDG", destinationLocationCode="FCO", departureDate=departure, adults=1, max=1
        )

    assert (await caller.sdk("flight_offers", search))["data"]
    await asyncio.sleep(1.2)
    assert (await caller.sdk("flight_offers", search))["data"]
    assert short_token_sandbox.calls("token") == 2
    assert short_token_sandbox.calls("flight_offers") == 2
