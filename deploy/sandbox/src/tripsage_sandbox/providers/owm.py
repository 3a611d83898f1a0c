"""OpenWeatherMap: /data/2.5/weather, /data/2.5/forecast and One Call /data/3.0/onecall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox import geo
from tripsage_sandbox.errors import OWM_INVALID_KEY
from tripsage_sandbox.models.weather import Conditions, conditions_at, convert_speed, convert_temp, sun_times
from tripsage_sandbox.responses import json_response

_UNITS = ("standard", "metric", "imperial")


def _fail(status: int, message: str, numeric: bool = False) -> Response:
    # OWM is inconsistent: 401 and 429 carry a numeric cod, 400 and 404 a string one.
    return json_response({"cod": status if numeric else str(status), "message": message}, status)


def _place(request: Request) -> tuple[float, float, geo.City] | Response:
    q = request.query_params
    if q.get("lat") is not None or q.get("lon") is not None:
        try:
            lat = float(q.get("lat", ""))
        except ValueError:
            return _fail(400, "wrong latitude")
        try:
            lon = float(q.get("lon", ""))
        except ValueError:
            return _fail(400, "wrong longitude")
        if not -90 <= lat <= 90:
            return _fail(400, "wrong latitude")
        if not -180 <= lon <= 180:
            return _fail(400, "wrong longitude")
        return lat, lon, geo.locality_at(lat, lon)
    if q.get("q"):
        parts = [p.strip() for p in q["q"].split(",")]
        country = parts[-1].upper() if len(parts) > 1 and len(parts[-1]) == 2 else None
        found = geo.find_cities(parts[0], country)
        if not found:
            return _fail(404, "city not found")
        return found[0].lat, found[0].lon, found[0]
    if q.get("id"):
        city = geo.city_by_id(int(q["id"])) if q["id"].isdigit() else None
        if city is None:
            return _fail(404, "city not found")
        return city.lat, city.lon, city
    return _fail(400, "Nothing to geocode")


def _common(request: Request) -> tuple[float, float, geo.City, str] | Response:
    if not request.query_params.get("appid", "").strip():
        return _fail(401, OWM_INVALID_KEY, numeric=True)
    units = request.query_params.get("units", "standard")
    if units not in _UNITS:
        units = "standard"
    place = _place(request)
    if isinstance(place, Response):
        return place
    return (*place, units)


def _temperatures(c: Conditions, units: str, *, below: float, above: float) -> dict[str, float]:
    """Temperature and feeling, with the spread OWM reports around them (across a city now, within a 3 h step)."""
    return {
        "temp": convert_temp(c.temp, units),
        "feels_like": convert_temp(c.feels_like, units),
        "temp_min": convert_temp(c.temp - below, units),
        "temp_max": convert_temp(c.temp + above, units),
    }


def _wind(c: Conditions, units: str) -> dict[str, float]:
    return {"speed": convert_speed(c.wind_speed, units), "deg": c.wind_deg, "gust": convert_speed(c.wind_gust, units)}


def _weather_list(c: Conditions) -> list[dict[str, Any]]:
    return [{"id": c.condition_id, "main": c.main, "description": c.description, "icon": c.icon}]


def _offset_s(city: geo.City, moment: datetime) -> int:
    offset = moment.astimezone(ZoneInfo(city.tz)).utcoffset() or timedelta(0)
    return int(offset.total_seconds())


def _sun(lat: float, lon: float, moment: datetime) -> tuple[int, int]:
    times = sun_times(lat, lon, moment.date())
    if times is None:
        return 0, 0
    return int(times[0].timestamp()), int(times[1].timestamp())


async def current_weather(request: Request) -> Response:
    """GET /data/2.5/weather."""
    common = _common(request)
    if isinstance(common, Response):
        return common
    lat, lon, city, units = common
    now = datetime.now(UTC)
    c = conditions_at(lat, lon, now)
    sunrise, sunset = _sun(lat, lon, now)
    body: dict[str, Any] = {
        "coord": {"lon": round(lon, 4), "lat": round(lat, 4)},
        "weather": _weather_list(c),
        "base": "sandbox",
        "main": {
            **_temperatures(c, units, below=1.2, above=1.3),
            "pressure": c.pressure,
            "humidity": c.humidity,
            "sea_level": c.pressure,
            "grnd_level": c.pressure - 8,
        },
        "visibility": c.visibility,
        "wind": _wind(c, units),
        "clouds": {"all": c.clouds},
        "dt": int(now.timestamp()),
        "sys": {
            "type": 2,
            "id": 2000000 + city.geonameid % 99999,
            "country": city.country,
            "sunrise": sunrise,
            "sunset": sunset,
        },
        "timezone": _offset_s(city, now),
        "id": city.geonameid,
        "name": city.name,
        "cod": 200,
        "sandbox": True,
    }
    if c.rain_mm:
        body["rain"] = {"1h": c.rain_mm}
    if c.snow_mm:
        body["snow"] = {"1h": c.snow_mm}
    return json_response(body)


async def forecast(request: Request) -> Response:
    """GET /data/2.5/forecast: 5 days in 3-hour steps (cnt limits the count)."""
    common = _common(request)
    if isinstance(common, Response):
        return common
    lat, lon, city, units = common
    try:
        count = max(1, min(40, int(request.query_params.get("cnt") or 40)))
    except ValueError:
        return _fail(400, "cnt must be an integer")
    now = datetime.now(UTC)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=3 - now.hour % 3)
    entries = []
    for step in range(count):
        moment = start + timedelta(hours=3 * step)
        c = conditions_at(lat, lon, moment)
        entry: dict[str, Any] = {
            "dt": int(moment.timestamp()),
            "main": {
                **_temperatures(c, units, below=0.8, above=0.8),
                "pressure": c.pressure,
                "sea_level": c.pressure,
                "grnd_level": c.pressure - 8,
                "humidity": c.humidity,
                "temp_kf": 0,
            },
            "weather": _weather_list(c),
            "clouds": {"all": c.clouds},
            "wind": _wind(c, units),
            "visibility": c.visibility,
            "pop": c.pop,
            "sys": {"pod": "d" if c.icon.endswith("d") else "n"},
            "dt_txt": moment.strftime("%Y-%m-%d %H:%M:%S"),
        }
        if c.rain_mm:
            entry["rain"] = {"3h": round(c.rain_mm * 3, 2)}
        if c.snow_mm:
            entry["snow"] = {"3h": round(c.snow_mm * 3, 2)}
        entries.append(entry)
    sunrise, sunset = _sun(lat, lon, now)
    city_block = {
        "id": city.geonameid,
        "name": city.name,
        "coord": {"lat": round(lat, 4), "lon": round(lon, 4)},
        "country": city.country,
        "population": city.population,
        "timezone": _offset_s(city, now),
        "sunrise": sunrise,
        "sunset": sunset,
    }
    return json_response(
        {"cod": "200", "message": 0, "cnt": count, "list": entries, "city": city_block, "sandbox": True}
    )


def _onecall_entry(c: Conditions, moment: datetime, units: str, lat: float, lon: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "dt": int(moment.timestamp()),
        "temp": convert_temp(c.temp, units),
        "feels_like": convert_temp(c.feels_like, units),
        "pressure": c.pressure,
        "humidity": c.humidity,
        "dew_point": convert_temp(c.dew_point, units),
        "uvi": c.uvi,
        "clouds": c.clouds,
        "visibility": c.visibility,
        "wind_speed": convert_speed(c.wind_speed, units),
        "wind_deg": c.wind_deg,
        "wind_gust": convert_speed(c.wind_gust, units),
        "weather": _weather_list(c),
    }
    if c.rain_mm:
        entry["rain"] = {"1h": c.rain_mm}
    if c.snow_mm:
        entry["snow"] = {"1h": c.snow_mm}
    return entry


def _daily(lat: float, lon: float, city: geo.City, day_start: datetime, units: str) -> dict[str, Any]:
    hours = {h: conditions_at(lat, lon, day_start + timedelta(hours=h)) for h in (0, 3, 6, 9, 12, 15, 18, 21)}
    local = {h: hours[h] for h in hours}
    temps = [c.temp for c in local.values()]
    noon = local[12]
    sunrise, sunset = _sun(lat, lon, day_start)
    block = {
        "dt": int((day_start + timedelta(hours=12)).timestamp()),
        "sunrise": sunrise,
        "sunset": sunset,
        "moonrise": sunrise + 3 * 3600,
        "moonset": sunset + 3 * 3600,
        "moon_phase": round(((day_start.date().toordinal() - 738_000) % 29.53) / 29.53, 2),
        "summary": f"Expect a day of {noon.description}",
        "temp": {
            "day": convert_temp(noon.temp, units),
            "min": convert_temp(min(temps), units),
            "max": convert_temp(max(temps), units),
            "night": convert_temp(local[0].temp, units),
            "eve": convert_temp(local[18].temp, units),
            "morn": convert_temp(local[6].temp, units),
        },
        "feels_like": {
            "day": convert_temp(noon.feels_like, units),
            "night": convert_temp(local[0].feels_like, units),
            "eve": convert_temp(local[18].feels_like, units),
            "morn": convert_temp(local[6].feels_like, units),
        },
        "pressure": noon.pressure,
        "humidity": noon.humidity,
        "dew_point": convert_temp(noon.dew_point, units),
        "wind_speed": convert_speed(noon.wind_speed, units),
        "wind_deg": noon.wind_deg,
        "wind_gust": convert_speed(noon.wind_gust, units),
        "weather": _weather_list(noon),
        "clouds": noon.clouds,
        "pop": noon.pop,
        "uvi": noon.uvi,
    }
    rain = round(sum(c.rain_mm for c in local.values()) * 3, 2)
    if rain:
        block["rain"] = rain
    return block


async def onecall(request: Request) -> Response:
    """GET /data/3.0/onecall with current, minutely, hourly (48) and daily (8) blocks."""
    if not request.query_params.get("appid", "").strip():
        return _fail(401, OWM_INVALID_KEY, numeric=True)
    if request.query_params.get("lat") is None or request.query_params.get("lon") is None:
        return _fail(400, "Nothing to geocode")
    common = _common(request)
    if isinstance(common, Response):
        return common
    lat, lon, city, units = common
    exclude = {p.strip() for p in (request.query_params.get("exclude") or "").split(",") if p.strip()}
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "lat": round(lat, 4),
        "lon": round(lon, 4),
        "timezone": city.tz,
        "timezone_offset": _offset_s(city, now),
    }
    if "current" not in exclude:
        current = _onecall_entry(conditions_at(lat, lon, now), now, units, lat, lon)
        current["dt"] = int(now.timestamp())
        current["sunrise"], current["sunset"] = _sun(lat, lon, now)
        body["current"] = current
    if "minutely" not in exclude:
        rain_now = conditions_at(lat, lon, now).rain_mm
        minute0 = now.replace(second=0, microsecond=0)
        body["minutely"] = [
            {"dt": int((minute0 + timedelta(minutes=m)).timestamp()), "precipitation": rain_now} for m in range(60)
        ]
    if "hourly" not in exclude:
        hour0 = now.replace(minute=0, second=0, microsecond=0)
        hourly = []
        for h in range(48):
            moment = hour0 + timedelta(hours=h)
            c = conditions_at(lat, lon, moment)
            entry = _onecall_entry(c, moment, units, lat, lon)
            entry["pop"] = c.pop
            hourly.append(entry)
        body["hourly"] = hourly
    if "daily" not in exclude:
        # One Call's days are the place's own: daily[0] is today where the place is (its dt at local noon), which
        # for Kyoto just after midnight is already tomorrow in UTC.
        day0 = now.astimezone(ZoneInfo(city.tz)).replace(hour=0, minute=0, second=0, microsecond=0)
        body["daily"] = [_daily(lat, lon, city, day0 + timedelta(days=d), units) for d in range(8)]
    body["sandbox"] = True
    return json_response(body)
