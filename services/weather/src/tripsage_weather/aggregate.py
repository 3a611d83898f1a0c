"""Turn 3-hourly forecast steps (and One Call days) into one entry per local calendar day at the destination."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from tripsage_weather.providers.base import ForecastStep, ProviderDay
from tripsage_weather.schemas import Condition, DailyForecast

STEPS_PER_DAY = 8

# When two conditions are equally frequent, the one that matters more to a traveller wins.
_SEVERITY_BY_GROUP = {2: 7, 6: 6, 5: 5, 3: 4, 7: 3, 8: 1}


def _severity(condition: Condition) -> tuple[int, int]:
    group = condition.code // 100
    if condition.code == 800:
        return 0, condition.code
    return _SEVERITY_BY_GROUP.get(group, 2), condition.code


def dominant_condition(conditions: Sequence[Condition]) -> Condition:
    """The most frequent condition of the day; ties go to the more severe one. Shown with its day icon."""
    counts = Counter(condition.code for condition in conditions)
    by_code = {condition.code: condition for condition in conditions}
    winner = max(by_code.values(), key=lambda c: (counts[c.code], _severity(c)))
    icon = winner.icon[:-1] + "d" if winner.icon.endswith("n") else winner.icon
    return winner.model_copy(update={"icon": icon})


def _local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return moment.astimezone(tz).date()


def daily_from_steps(steps: Iterable[ForecastStep], tz: dt.tzinfo) -> list[DailyForecast]:
    """One entry per local date the steps touch, in date order; a step counts for the local date it starts on."""
    by_date: defaultdict[dt.date, list[ForecastStep]] = defaultdict(list)
    for step in steps:
        by_date[_local_date(step.at, tz)].append(step)
    days = []
    for date in sorted(by_date):
        day = by_date[date]
        rain = round(sum(s.rain_mm for s in day), 2)
        snow = round(sum(s.snow_mm for s in day), 2)
        humidities = [s.humidity for s in day if s.humidity is not None]
        days.append(
            DailyForecast(
                date=date,
                source="forecast-3h",
                samples=len(day),
                partial=len(day) < STEPS_PER_DAY,
                temp_min=min(s.temperature for s in day),
                temp_max=max(s.temperature for s in day),
                precipitation_probability=max(s.pop for s in day),
                precipitation_mm=round(rain + snow, 2),
                rain_mm=rain,
                snow_mm=snow,
                wind_speed_max=max(s.wind_speed for s in day),
                humidity_mean=round(sum(humidities) / len(humidities)) if humidities else None,
                condition=dominant_condition([s.condition for s in day]),
            )
        )
    return days


def daily_from_outlook(days: Iterable[ProviderDay], tz: dt.tzinfo) -> list[DailyForecast]:
    """One Call's own daily entries, dated in the destination's zone."""
    return [
        DailyForecast(
            date=_local_date(day.at, tz),
            source="onecall-daily",
            samples=0,
            partial=False,
            temp_min=day.temp_min,
            temp_max=day.temp_max,
            precipitation_probability=day.pop,
            precipitation_mm=round(day.rain_mm + day.snow_mm, 2),
            rain_mm=day.rain_mm,
            snow_mm=day.snow_mm,
            wind_speed_max=day.wind_speed,
            humidity_mean=day.humidity,
            condition=dominant_condition([day.condition]),
        )
        for day in days
    ]


def merge_days(primary: Sequence[DailyForecast], extension: Sequence[DailyForecast]) -> list[DailyForecast]:
    """The 3-hourly aggregation, completed by provider days on either side (One Call reaches 8 days).

    The 5-day forecast's last local day is usually cut short; a whole provider day for that date replaces it. Late
    in the local evening the 3-hourly forecast has no step left today: the provider's day stands for today then.
    """
    extension_dates = {day.date for day in extension}
    kept = list(primary)
    while kept and kept[-1].partial and kept[-1].date in extension_dates:
        kept.pop()
    if not kept:
        return list(extension)
    first, last = kept[0].date, kept[-1].date
    return [
        *(day for day in extension if day.date < first),
        *kept,
        *(day for day in extension if day.date > last),
    ]
