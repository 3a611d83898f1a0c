"""`tripsage-maps`: serve the maps service with the server settings from the environment."""

from tripsage_core.server import serve
from tripsage_maps.config import MapsSettings


def main() -> None:
    serve("tripsage_maps.app:create_app", MapsSettings())


if __name__ == "__main__":
    main()
