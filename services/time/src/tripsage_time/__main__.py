"""`tripsage-time`: serve the time service with the server settings from the environment."""

from tripsage_core.server import serve
from tripsage_time.config import TimeSettings


def main() -> None:
    serve("tripsage_time.app:create_app", TimeSettings())


if __name__ == "__main__":
    main()
