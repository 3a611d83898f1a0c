"""`tripsage-memory`: serve the memory service with the server settings from the environment."""

from tripsage_core.server import serve
from tripsage_memory.config import MemorySettings


def main() -> None:
    serve("tripsage_memory.app:create_app", MemorySettings())


if __name__ == "__main__":
    main()
