"""Entry point for `tripsage-chaos`."""


def main() -> None:
    raise SystemExit("tripsage-chaos: not implemented yet")
