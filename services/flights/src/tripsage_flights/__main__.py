"""`tripsage-flights`: serve the flights service with the server settings from the environment."""

import sys

from tripsage_core.server import serve
from tripsage_core.settings import ConfigurationError
from tripsage_flights.config import FlightsSettings


def main() -> None:
    try:
        settings = FlightsSettings()
    except ConfigurationError as exc:
        # One clear line for whoever reads the crash-looping pod's log, not a traceback.
        sys.exit(f"tripsage-flights: refusing to start: {exc}")
    serve("tripsage_flights.app:create_app", settings)


if __name__ == "__main__":
    main()
