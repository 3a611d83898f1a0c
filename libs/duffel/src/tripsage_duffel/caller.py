"""Duffel calls over the shared HTTP client, through the shared provider layer: budget, retries, circuit."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import orjson

from tripsage_duffel.config import DuffelServiceSettings
from tripsage_duffel.errors import PROVIDER, classify
from tripsage_http import BreakerPolicy, CallPolicy, ProviderCaller, RetryPolicy, ServiceClient
from tripsage_http.provider import ProviderAnswered, ProviderUnreadable

API_VERSION = "v2"


class DuffelCaller(ProviderCaller):
    """One per service: the HTTP client holding the token and its circuit."""

    def __init__(self, client: ServiceClient, *, name: str, policy: CallPolicy | None = None) -> None:
        super().__init__(name, provider=PROVIDER, classify=classify, policy=policy)
        self._client = client

    @classmethod
    def from_settings(cls, settings: DuffelServiceSettings, *, name: str) -> DuffelCaller:
        token = settings.duffel_access_token
        if token is None:
            raise ValueError("no Duffel token")  # the settings validator fills or refuses it first
        client = ServiceClient(
            name=f"{name}-duffel",
            base_url=settings.duffel_base_url,
            timeout_s=settings.provider_timeout_s,
            # The provider layer retries and owns the circuit; the client only sends.
            retry=RetryPolicy(attempts=1),
            breaker=BreakerPolicy(enabled=False),
            max_connections=settings.provider_concurrency * 4,
            headers={
                "Authorization": f"Bearer {token.get_secret_value()}",
                "Duffel-Version": API_VERSION,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
            },
        )
        return cls(client, name=name, policy=settings.call_policy())

    async def send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        fields: Mapping[str, str] | None = None,
        idempotent: bool = True,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """Duffel's whole answer (`data`, and `meta` when paginated); raises the provider error family.

        Request bodies are wrapped in `{"data": …}` as Duffel expects. `fields` maps Duffel's field paths
        (`slices.0.origin`) to the caller's names, so its 422 becomes ours naming the field the caller sent.
        """

        async def attempt() -> dict[str, Any]:
            response = await self._client.request(
                method,
                path,
                params=params,
                json={"data": data} if data is not None else None,
                idempotent=idempotent,
            )
            if not response.is_success:
                raise ProviderAnswered(response, operation)
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                raise ProviderUnreadable(f"{operation}: the answer is not JSON") from None
            if not isinstance(body, dict) or "data" not in body:
                raise ProviderUnreadable(f"{operation}: the answer has no data")
            return body

        return await self.call(
            operation,
            attempt,
            idempotent=idempotent,
            deadline=deadline,
            classify=functools.partial(classify, fields=fields or {}),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        await super().aclose()
