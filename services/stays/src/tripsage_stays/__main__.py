"""`tripsage-stays`: serve the stays service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_stays.config import StaysSettings


def main() -> None:
    run_service("tripsage-stays", StaysSettings, "tripsage_stays.app:create_app")


if __name__ == "__main__":
    main()
