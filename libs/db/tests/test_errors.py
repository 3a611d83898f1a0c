"""One classification of "Postgres is down", one status: every outage class is a 503, SQL errors stay bugs."""

from __future__ import annotations

import asyncpg
import pytest

from tripsage_db.errors import UNREACHABLE, DatabaseUnavailable, unavailable_when_unreachable


@pytest.mark.parametrize("outage", UNREACHABLE)
async def test_every_outage_is_database_unavailable_503(outage: type[Exception]) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        async with unavailable_when_unreachable():
            raise outage("the server went away")
    assert raised.value.status_code == 503
    assert raised.value.reason == outage.__name__
    assert "went away" not in raised.value.detail  # the low-level cause stays in logs, never in the answer


async def test_a_connection_lost_mid_operation_is_503_like_any_outage() -> None:
    # Trips answered 503 for it and memory 500; one list now decides for both.
    assert asyncpg.InternalClientError in UNREACHABLE


async def test_a_sql_error_is_not_an_outage() -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        async with unavailable_when_unreachable():
            raise asyncpg.UndefinedTableError("relation does not exist")
