"""`tripsage-weather`: serve the weather service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_weather.config import WeatherSettings


def main() -> None:
    run_service("tripsage-weather", WeatherSettings, "tripsage_weather.app:create_app")


if __name__ == "__main__":
    main()
