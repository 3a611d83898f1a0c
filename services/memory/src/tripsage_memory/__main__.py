"""`tripsage-memory`: serve the memory service with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_memory.config import MemorySettings


def main() -> None:
    run_service("tripsage-memory", MemorySettings, "tripsage_memory.app:create_app")


if __name__ == "__main__":
    main()
