"""`tripsage-stays`: serve the stays service with the server settings from the environment."""

import sys

from tripsage_core.server import serve
from tripsage_core.settings import ConfigurationError
from tripsage_stays.config import StaysSettings


def main() -> None:
    try:
        settings = StaysSettings()
    except ConfigurationError as exc:
        # One clear line for whoever reads the crash-looping pod's log, not a traceback.
        sys.exit(f"tripsage-stays: refusing to start: {exc}")
    serve("tripsage_stays.app:create_app", settings)


if __name__ == "__main__":
    main()
