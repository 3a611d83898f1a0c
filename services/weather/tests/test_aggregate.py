"""Local-date aggregation: steps land on the destination's own calendar days, DST included."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tripsage_weather.aggregate import daily_from_outlook, daily_from_steps, dominant_condition, merge_days
from tripsage_weather.providers.base import ForecastStep, ProviderDay
from tripsage_weather.schemas import Condition

CLEAR = Condition(code=800, main="Clear", description="clear sky", icon="01n")
CLOUDS = Condition(code=803, main="Clouds", description="broken clouds", icon="04d")
RAIN = Condition(code=500, main="Rain", description="light rain", icon="10d")


def _step(at: dt.datetime, temp: float = 10.0, *, condition: Condition = CLOUDS, **extra: float) -> ForecastStep:
    return ForecastStep(
        at=at,
        temperature=temp,
        humidity=int(extra.get("humidity", 50)),
        wind_speed=extra.get("wind", 2.0),
        pop=extra.get("pop", 0.0),
        rain_mm=extra.get("rain", 0.0),
        snow_mm=extra.get("snow", 0.0),
        condition=condition,
    )


def _steps(start: dt.datetime, count: int) -> list[ForecastStep]:
    return [_step(start + dt.timedelta(hours=3 * n), temp=float(n)) for n in range(count)]


def test_tokyo_steps_group_by_tokyo_dates() -> None:
    # 15:00 UTC is midnight in Tokyo: that step opens the next local day.
    steps = _steps(dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC), 40)
    days = daily_from_steps(steps, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert [d.date for d in days] == [dt.date(2026, 11, 26) + dt.timedelta(days=n) for n in range(6)]
    assert days[0].samples == 4  # 12:00, 15:00, 18:00, 21:00 local
    assert days[0].partial is True
    assert [d.samples for d in days[1:5]] == [8, 8, 8, 8]
    assert not any(d.partial for d in days[1:5])
    assert days[1].temp_min == 4.0  # the 15:00 UTC step is 00:00 on the 27th in Tokyo
    assert days[1].temp_max == 11.0


def test_steps_after_a_dst_change_keep_their_true_local_date() -> None:
    # Berlin leaves CEST (+2) at 01:00 UTC on 25 Oct 2026. The fetch-time fixed offset (+7200) would put
    # 22:00 UTC on the 26th at 00:00 on the 27th; in CET it is 23:00 on the 26th.
    steps = _steps(dt.datetime(2026, 10, 24, 22, tzinfo=dt.UTC), 17)
    days = daily_from_steps(steps, zoneinfo.ZoneInfo("Europe/Berlin"))
    by_date = {d.date: d for d in days}
    assert by_date[dt.date(2026, 10, 26)].samples == 8
    assert by_date[dt.date(2026, 10, 26)].temp_max == 16.0  # the 22:00 UTC step, hour 48 from the start
    fixed = daily_from_steps(steps, dt.timezone(dt.timedelta(seconds=7200)))
    assert {d.date: d.samples for d in fixed}[dt.date(2026, 10, 26)] == 8
    assert {d.date: d.temp_max for d in fixed}[dt.date(2026, 10, 26)] == 15.0


def test_precipitation_sums_amounts_and_takes_the_highest_chance() -> None:
    start = dt.datetime(2026, 6, 1, 0, tzinfo=dt.UTC)
    steps = [
        _step(start, pop=0.2, rain=0.5, condition=RAIN),
        _step(start + dt.timedelta(hours=3), pop=0.9, rain=1.25, snow=0.25, condition=RAIN),
        _step(start + dt.timedelta(hours=6), pop=0.1),
    ]
    [day] = daily_from_steps(steps, dt.UTC)
    assert day.precipitation_probability == pytest.approx(0.9)
    assert day.rain_mm == pytest.approx(1.75)
    assert day.snow_mm == pytest.approx(0.25)
    assert day.precipitation_mm == pytest.approx(2.0)
    assert day.condition.code == 500  # two rainy steps out of three


def test_dominant_condition_prefers_the_more_severe_on_a_tie_and_shows_the_day_icon() -> None:
    assert dominant_condition([CLEAR, RAIN]).code == 500
    assert dominant_condition([CLEAR, CLEAR, RAIN]).code == 800
    assert dominant_condition([CLEAR, CLEAR, RAIN]).icon == "01d"


def test_one_call_days_are_dated_in_the_destination_zone() -> None:
    # One Call dates a day at its local noon: 03:00 UTC on the 27th is noon on the 27th in Tokyo.
    day = ProviderDay(
        at=dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC),
        temp_min=5.0,
        temp_max=12.0,
        pop=0.4,
        rain_mm=1.5,
        snow_mm=0.0,
        wind_speed=4.0,
        humidity=60,
        condition=RAIN,
    )
    [daily] = daily_from_outlook([day], zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert daily.date == dt.date(2026, 11, 27)
    assert daily.source == "onecall-daily"
    assert daily.precipitation_mm == pytest.approx(1.5)


def _one_call_days_from_nov_26() -> list[ProviderDay]:
    """One Call's eight daily entries, from 2026-11-26 (noon in Tokyo) on."""
    return [
        ProviderDay(
            at=dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC) + dt.timedelta(days=n),
            temp_min=0.0,
            temp_max=1.0,
            pop=0.0,
            rain_mm=0.0,
            snow_mm=0.0,
            wind_speed=1.0,
            humidity=None,
            condition=CLEAR,
        )
        for n in range(8)
    ]


def test_merge_replaces_a_cut_short_last_day_and_extends_the_horizon() -> None:
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    primary = daily_from_steps(_steps(dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC), 40), tokyo)
    assert primary[-1].partial
    merged = merge_days(primary, daily_from_outlook(_one_call_days_from_nov_26(), tokyo))
    assert [d.date for d in merged] == [dt.date(2026, 11, 26) + dt.timedelta(days=n) for n in range(8)]
    assert [d.source for d in merged] == ["forecast-3h"] * 5 + ["onecall-daily"] * 3
    assert merged[0].partial  # today stays from the 3-hour forecast


def test_merge_takes_today_from_the_provider_when_the_3_hourly_forecast_has_no_step_left_today() -> None:
    # 12:00 UTC is 21:00 in Tokyo: the first 3-hourly step is tomorrow's midnight, One Call still has today.
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    primary = daily_from_steps(_steps(dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC), 40), tokyo)
    assert primary[0].date == dt.date(2026, 11, 27)
    merged = merge_days(primary, daily_from_outlook(_one_call_days_from_nov_26(), tokyo))
    assert [d.date for d in merged] == [dt.date(2026, 11, 26) + dt.timedelta(days=n) for n in range(8)]
    assert [d.source for d in merged] == ["onecall-daily"] + ["forecast-3h"] * 5 + ["onecall-daily"] * 2
