"""The reference tables in data/*.csv: rows name real airports and countries, and every key is listed once."""

from __future__ import annotations

from collections import Counter

from tripsage_sandbox import geo, tables
from tripsage_sandbox.models.carriers import CARRIERS


def test_every_carrier_row_names_real_hub_airports_once() -> None:
    rows = tables.rows("carriers")

    assert [code for code, seen in Counter(r["code"] for r in rows).items() if seen > 1] == []
    assert len(CARRIERS) == len(rows) > 50
    assert [(c.code, hub) for c in CARRIERS.values() for hub in c.hubs if hub not in geo.airports()] == []


def test_every_airport_traffic_row_is_a_real_airport_with_a_positive_figure() -> None:
    rows = tables.rows("airport_traffic")

    assert [code for code, seen in Counter(r["code"] for r in rows).items() if seen > 1] == []
    assert [r["code"] for r in rows if r["code"] not in geo.airports() or float(r["passengers_m"]) <= 0] == []


def test_every_destination_row_is_one_city_in_one_tier() -> None:
    rows = tables.rows("city_destinations")

    assert [key for key, seen in Counter((r["city"], r["country"]) for r in rows).items() if seen > 1] == []
    assert {r["tier"] for r in rows} == {"top 20", "top 100"}
    assert sum(r["tier"] == "top 20" for r in rows) == 20
    assert [r["country"] for r in rows if r["country"] not in geo.countries()] == []
