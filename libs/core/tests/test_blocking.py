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
    release = threading.Event()  # the SDK call blocks until the test ends, far past its 0.2 s budget
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    try:
        with pytest.raises(UpstreamTimeout):
            await pool.run(0.2, release.wait, 60.0)
        elapsed = time.perf_counter() - started
    finally:
        release.set()
        task.cancel()
        pool.shutdown()
    # Waiting for the call would take the full 60 s; anything far below it is the budget being enforced.
    assert elapsed < 30.0
    # The ticker's 10 ms timer is due before the 0.2 s budget's, so it ticks unless the SDK call blocked the loop.
    assert ticks >= 1


async def test_a_saturated_pool_sheds_load_instead_of_queueing_without_bound() -> None:
    pool = BlockingPool("sdk", max_workers=1, max_queued=1)
    # The two admitted calls block until released, so the third always finds the worker and the queue full.
    release = threading.Event()
    try:
        first = asyncio.create_task(pool.run(60.0, release.wait, 60.0))
        second = asyncio.create_task(pool.run(60.0, release.wait, 60.0))
        await asyncio.sleep(0.05)
        with pytest.raises(ServiceUnavailable):
            await pool.run(60.0, release.wait, 60.0)
        release.set()
        assert list(await asyncio.gather(first, second)) == [True, True]
    finally:
        release.set()
        pool.shutdown()
