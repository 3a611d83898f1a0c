"""`tripsage-gateway`: serve the gateway with the server settings from the environment."""

from tripsage_core.server import run_service
from tripsage_gateway.config import GatewaySettings


def main() -> None:
    run_service("tripsage-gateway", GatewaySettings, "tripsage_gateway.app:create_app")


if __name__ == "__main__":
    main()
