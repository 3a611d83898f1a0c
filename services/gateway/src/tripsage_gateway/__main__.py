"""`tripsage-gateway`: serve the gateway with the server settings from the environment."""

from tripsage_core.server import serve
from tripsage_gateway.config import GatewaySettings


def main() -> None:
    serve("tripsage_gateway.app:create_app", GatewaySettings())


if __name__ == "__main__":
    main()
