"""Run a service under uvicorn with its server configuration taken from the service's settings."""

from __future__ import annotations

import uvicorn

from tripsage_core.settings import ServiceSettings


def serve(app_factory: str, settings: ServiceSettings) -> None:
    """Serve `module:create_app` (a factory, so each worker builds its own app and clients)."""
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        timeout_keep_alive=settings.keep_alive_s,
        timeout_graceful_shutdown=settings.graceful_timeout_s,
        # The client address (per-IP rate limits, logs) comes from X-Forwarded-For only when a trusted proxy sent it.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=True,
    )
