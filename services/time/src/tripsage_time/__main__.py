"""`tripsage-time`: serve the time service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_time.config import TimeSettings


def main() -> None:
    run_service("tripsage-time", TimeSettings, "tripsage_time.app:create_app")


if __name__ == "__main__":
    main()
