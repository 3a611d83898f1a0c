from __future__ import annotations

import asyncio
import threading
import time

import pytest

from tripsage_core.blocking import BlockingPool
from tripsage_core.errors import ServiceUnavailable, UpstreamTimeout


async def test_runs_the_call_off_the_event_loop_and_returns_its_value() -> None:
    pool = BlockingPool("sdk", max_workers=2)
    loop_thread = threading.get_ident()
    try:
        thread = await pool.run(1.0, threading.get_ident)
    finally:
        pool.shutdown()
    assert thread != loop_thread


async def test_exceptions_of_the_call_propagate() -> None:
    pool = BlockingPool("sdk", max_workers=1)

    def fail() -> None:
        raise KeyError("boom")

    try:
        with pytest.raises(KeyError):
            await pool.run(1.0, fail)
    finally:
        pool.shutdown()


async def test_a_call_past_its_budget_is_an_upstream_timeout_and_the_loop_stays_free() -> None:
    pool = BlockingPool("sdk", max_workers=1)
    started = time.perf_counter()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        with pytest.raises(UpstreamTimeout):
            await pool.run(0.2, time.sleep, 1.0)
    finally:
        task.cancel()
        pool.shutdown()
    assert time.perf_counter() - started < 0.5
    assert ticks >= 10  # the event loop kept running while the SDK blocked


async def test_a_saturated_pool_sheds_load_instead_of_queueing_without_bound() -> None:
    pool = BlockingPool("sdk", max_workers=1, max_queued=1)
    try:
        first = asyncio.create_task(pool.run(2.0, time.sleep, 0.3))
        second = asyncio.create_task(pool.run(2.0, time.sleep, 0.3))
        await asyncio.sleep(0.05)
        with pytest.raises(ServiceUnavailable):
            await pool.run(2.0, time.sleep, 0.3)
        await asyncio.gather(first, second)
    finally:
        pool.shutdown()
