"""Per-call overhead of ServiceClient over bare aiohttp: sequential calls to one upstream process.

uv run python libs/http/bench/client_overhead.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
import proxy_bench

from tripsage_http import ServiceClient

CALLS = 4000
WARM_UP = 200


async def _measure(label: str, call: Callable[[], Awaitable[bytes]]) -> None:
    for _ in range(WARM_UP):
        await call()
    started = time.perf_counter()
    for _ in range(CALLS):
        await call()
    print(f"{label:<16} {(time.perf_counter() - started) / CALLS * 1e6:7.1f} us/call")


async def _compare(url: str) -> None:
    session = aiohttp.ClientSession(url)
    client = ServiceClient(name="upstream", base_url=url)

    async def bare() -> bytes:
        async with session.get("/items") as response:
            return await response.read()

    async def service_client() -> bytes:
        return (await client.request("GET", "/items")).content

    try:
        for _ in range(2):
            await _measure("aiohttp", bare)
            await _measure("ServiceClient", service_client)
    finally:
        await session.close()
        await client.aclose()


def main() -> None:
    upstream, url = proxy_bench._start("upstream")
    try:
        asyncio.run(_compare(url))
    finally:
        proxy_bench._stop(upstream)


if __name__ == "__main__":
    main()
