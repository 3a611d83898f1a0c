"""Amadeus SDK calls through the shared provider layer: its thread pool, budget, retries and circuit."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

import amadeus

from tripsage_amadeus.client import build_client
from tripsage_amadeus.config import AmadeusServiceSettings
from tripsage_amadeus.errors import PROVIDER, classify
from tripsage_core.blocking import BlockingPool
from tripsage_http.provider import CallerAdapter, CallPolicy, ProviderCaller

SdkCall = Callable[[amadeus.Client], Any]


class AmadeusCaller(ProviderCaller):
    """One per service: the SDK client, the threads it runs on and its circuit."""

    def __init__(self, client: amadeus.Client, *, name: str, policy: CallPolicy | None = None, concurrency: int = 8):
        super().__init__(
            name,
            provider=PROVIDER,
            classify=classify,
            policy=policy,
            pool=BlockingPool(f"{name}-amadeus", max_workers=concurrency),
        )
        self._client = client

    @classmethod
    def from_settings(cls, settings: AmadeusServiceSettings, *, name: str) -> AmadeusCaller:
        return cls(
            build_client(settings), name=name, policy=settings.call_policy(), concurrency=settings.provider_concurrency
        )

    async def sdk(
        self,
        operation: str,
        sdk_call: SdkCall,
        *,
        fields: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Any:
        """The parsed JSON body of one SDK call; raises the provider error family once retries and budget are spent.

        `fields` maps provider parameter names to ours, so a provider 400 becomes a 422 naming our field.
        """
        response = await self.call_blocking(
            operation,
            functools.partial(sdk_call, self._client),
            deadline=deadline,
            classify=functools.partial(classify, fields=fields or {}),
        )
        return response.result


class AmadeusAdapter(CallerAdapter[AmadeusCaller]):
    """Base of a domain's Amadeus adapter (flights, stays): one caller per service, built from its settings."""

    name = "amadeus"
    service: ClassVar[str]  # whose caller it is: names its threads and its circuit

    @classmethod
    def from_settings(cls, settings: AmadeusServiceSettings) -> Self:
        return cls(AmadeusCaller.from_settings(settings, name=cls.service))
