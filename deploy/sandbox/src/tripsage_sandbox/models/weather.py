"""A deterministic seasonal weather model by latitude, day of year and local solar hour."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tripsage_sandbox.seeding import rng_for

KELVIN = 273.15


@dataclass(frozen=True, slots=True)
class Conditions:
    """Weather at one place and hour, in metric units (°C, m/s, hPa, mm/h)."""

    temp: float
    feels_like: float
    humidity: int
    pressure: int
    clouds: int
    wind_speed: float
    wind_deg: int
    wind_gust: float
    visibility: int
    rain_mm: float
    snow_mm: float
    pop: float
    condition_id: int
    main: str
    description: str
    icon: str
    dew_point: float
    uvi: float


def annual_mean_c(lat: float) -> float:
    """Annual mean temperature: 27 °C up to 15° latitude, 0.45 °C cooler per degree beyond."""
    return 27.0 - 0.45 * max(0.0, abs(lat) - 15.0)


def seasonal_amplitude_c(lat: float) -> float:
    """Half the summer-winter swing: 0.2 °C per degree of latitude, at most 14 °C."""
    return min(14.0, 0.2 * abs(lat))


def wetness(lat: float, day_of_year: int) -> float:
    """Chance of a rainy day: wet tropics, dry subtropics (20-32°), moderate mid-latitudes."""
    a = abs(lat)
    summer = math.cos(2 * math.pi * (day_of_year - (200 if lat >= 0 else 17)) / 365.25)
    if a < 20:
        return 0.35 + 0.25 * summer
    if a < 32:
        return 0.12
    return 0.38 - 0.05 * summer


def sun_times(lat: float, lon: float, day: date) -> tuple[datetime, datetime] | None:
    """Sunrise and sunset (UTC) from the solar declination; None in polar day or night."""
    doy = day.timetuple().tm_yday
    declination = math.radians(-23.44) * math.cos(2 * math.pi * (doy + 10) / 365.0)
    cos_hour = -math.tan(math.radians(lat)) * math.tan(declination)
    if not -1 <= cos_hour <= 1:
        return None
    half_day_h = math.degrees(math.acos(cos_hour)) / 15.0
    noon_utc_h = 12.0 - lon / 15.0
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return midnight + timedelta(hours=noon_utc_h - half_day_h), midnight + timedelta(hours=noon_utc_h + half_day_h)


def is_daylight(lat: float, lon: float, moment: datetime) -> bool:
    """True between sunrise and sunset (polar summer counts as day)."""
    local_day = (moment + timedelta(hours=lon / 15.0)).date()
    times = sun_times(lat, lon, local_day)
    if times is None:
        summer = (lat >= 0) == (4 <= moment.month <= 9)
        return summer
    return times[0] <= moment <= times[1]


def _condition(clouds: int, rain: float, snow: float, day: bool) -> tuple[int, str, str, str]:
    suffix = "d" if day else "n"
    if snow > 0:
        return (601, "Snow", "snow", "13" + suffix) if snow > 1 else (600, "Snow", "light snow", "13" + suffix)
    if rain > 0:
        if rain > 4:
            return 502, "Rain", "heavy intensity rain", "10" + suffix
        if rain > 1:
            return 501, "Rain", "moderate rain", "10" + suffix
        return 500, "Rain", "light rain", "10" + suffix
    if clouds < 11:
        return 800, "Clear", "clear sky", "01" + suffix
    if clouds < 25:
        return 801, "Clouds", "few clouds", "02" + suffix
    if clouds < 51:
        return 802, "Clouds", "scattered clouds", "03" + suffix
    if clouds < 85:
        return 803, "Clouds", "broken clouds", "04" + suffix
    return 804, "Clouds", "overcast clouds", "04" + suffix


def conditions_at(lat: float, lon: float, moment: datetime) -> Conditions:
    """Weather at a place and time; same inputs (to 0.01° and the hour) give the same answer."""
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    grid = (round(lat, 2), round(lon, 2))
    solar_hour = (moment.hour + lon / 15.0) % 24
    local_day = (moment + timedelta(hours=lon / 15.0)).date()
    doy = local_day.timetuple().tm_yday
    peak = 200 if lat >= 0 else 17
    daily = rng_for("weather-day", *grid, local_day)
    hourly = rng_for("weather-hour", *grid, moment.isoformat())
    anomaly = daily.gauss(0.0, 2.5)
    diurnal = 4.5 * math.cos(2 * math.pi * (solar_hour - 15.0) / 24.0)
    seasonal = seasonal_amplitude_c(lat) * math.cos(2 * math.pi * (doy - peak) / 365.25)
    temp = annual_mean_c(lat) + seasonal + diurnal + anomaly + hourly.uniform(-0.5, 0.5)
    rainy_day = daily.random() < wetness(lat, doy)
    raining_now = rainy_day and hourly.random() < 0.45
    intensity = round(daily.uniform(0.2, 6.0) * hourly.uniform(0.3, 1.2), 2) if raining_now else 0.0
    clouds = hourly.randint(70, 100) if rainy_day else int(daily.uniform(0, 80) * hourly.uniform(0.6, 1.2)) % 101
    snow = intensity if temp < 0.5 else 0.0
    rain = 0.0 if snow else intensity
    humidity = int(max(15, min(100, 60 + (25 if rainy_day else 0) - 1.5 * diurnal + hourly.uniform(-8, 8))))
    wind = round(daily.uniform(1.0, 8.0) + hourly.uniform(-0.8, 0.8), 2)
    wind = max(0.2, wind)
    day = is_daylight(lat, lon, moment)
    condition_id, main, description, icon = _condition(clouds, rain, snow, day)
    dew_point = temp - (100 - humidity) / 5.0
    feels = temp - 0.7 * wind * (1 if temp < 10 else 0) + (0.1 * (humidity - 40) if temp > 26 else 0)
    sun_elevation = max(0.0, math.cos(2 * math.pi * (solar_hour - 12.0) / 24.0)) if day else 0.0
    uvi = round(11 * sun_elevation * math.cos(math.radians(abs(lat) * 0.8)) * (1 - clouds / 150), 2)
    return Conditions(
        temp=round(temp, 2),
        feels_like=round(feels, 2),
        humidity=humidity,
        pressure=int(1013 + daily.uniform(-10, 10) - (6 if rainy_day else 0)),
        clouds=clouds,
        wind_speed=wind,
        wind_deg=daily.randrange(0, 360, 10),
        wind_gust=round(wind * 1.6, 2),
        visibility=10000 if not raining_now else int(10000 - intensity * 1200),
        rain_mm=rain,
        snow_mm=snow,
        pop=round(min(1.0, wetness(lat, doy) * (1.6 if rainy_day else 0.5)), 2),
        condition_id=condition_id,
        main=main,
        description=description,
        icon=icon,
        dew_point=round(dew_point, 2),
        uvi=max(0.0, uvi),
    )


def convert_temp(celsius: float, units: str) -> float:
    """°C to the OpenWeatherMap unit system: standard = kelvin, metric = °C, imperial = °F."""
    if units == "metric":
        return round(celsius, 2)
    if units == "imperial":
        return round(celsius * 9 / 5 + 32, 2)
    return round(celsius + KELVIN, 2)


def convert_speed(metres_per_second: float, units: str) -> float:
    """m/s, or miles per hour for imperial."""
    return round(metres_per_second * 2.23694, 2) if units == "imperial" else metres_per_second
