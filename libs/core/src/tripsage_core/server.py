"""Run a service under uvicorn with its server configuration taken from the service's settings."""

from __future__ import annotations

import sys
from typing import NoReturn, TypeVar

import uvicorn
from pydantic import ValidationError

from tripsage_core.settings import ConfigurationError, ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
# The exit status of a process refusing its configuration: a usage error, never retried into a different outcome.
EXIT_BAD_CONFIGURATION = 2


def run_service(command: str, settings_type: type[SettingsT], app_factory: str) -> None:
    """A service's console script: its settings from the environment, then `serve`.

    Configuration it cannot run with is one line on stderr naming the variable, and exit status 2: what a
    crash-looping pod's log should say, not a traceback. Values are never echoed (they may be secrets).
    """
    try:
        settings = settings_type()
    except ConfigurationError as exc:
        _refuse(command, str(exc))
    except ValidationError as exc:
        _refuse(command, configuration_problems(exc, settings_type))
    serve(app_factory, settings)


def configuration_problems(error: ValidationError, settings_type: type[ServiceSettings]) -> str:
    """Each invalid setting as `<ENV_VARIABLE>: <why>`, on one line."""
    prefix = str(settings_type.model_config.get("env_prefix", ""))
    delimiter = str(settings_type.model_config.get("env_nested_delimiter") or "__")
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        variable = (prefix + delimiter.join(str(part) for part in detail["loc"])).upper() or prefix.rstrip("_")
        problems.append(f"{variable}: {detail['msg']}")
    return "; ".join(problems)


def _refuse(command: str, reason: str) -> NoReturn:
    sys.stderr.write(f"{command}: refusing to start: {' '.join(reason.split())}\n")
    raise SystemExit(EXIT_BAD_CONFIGURATION)


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
