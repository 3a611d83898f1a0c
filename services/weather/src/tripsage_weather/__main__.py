"""`tripsage-weather`: serve the weather service with the server settings from the environment."""

from tripsage_core.server import serve
from tripsage_weather.config import WeatherSettings


def main() -> None:
    serve("tripsage_weather.app:create_app", WeatherSettings())


if __name__ == "__main__":
    main()
