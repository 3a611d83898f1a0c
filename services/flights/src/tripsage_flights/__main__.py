"""`tripsage-flights`: serve the flights service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_flights.config import FlightsSettings


def main() -> None:
    run_service("tripsage-flights", FlightsSettings, "tripsage_flights.app:create_app")


if __name__ == "__main__":
    main()
