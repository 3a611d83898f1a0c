"""`tripsage-maps`: serve the maps service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_maps.config import MapsSettings


def main() -> None:
    run_service("tripsage-maps", MapsSettings, "tripsage_maps.app:create_app")


if __name__ == "__main__":
    main()
