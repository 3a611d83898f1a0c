"""JSON logs through structlog: one line per event with service, level, request id and trace/span ids.

stdlib loggers (uvicorn, libraries) are routed through the same processors, so every line has one shape.
Secrets are removed in a processor, not by the discipline of each caller.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor

from tripsage_core.telemetry import current_trace_ids

_SENSITIVE_KEYS = re.compile(r"(authorization|token|secret|password|passwd|api_?key|appid|cookie|credential)", re.I)
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+):[^@/\s]+@", re.I)
_QUERY_SECRET = re.compile(r"(?i)\b(key|appid|api_key|token|client_secret)=([^&\s]+)")
REDACTED = "[redacted]"


def redact_text(text: str, known_secrets: Iterable[str] = ()) -> str:
    """Strip bearer tokens, URL passwords, secret query parameters and known secret values from free text."""
    text = _BEARER.sub("Bearer " + REDACTED, text)
    text = _URL_PASSWORD.sub(r"\g<scheme>:" + REDACTED + "@", text)
    text = _QUERY_SECRET.sub(r"\1=" + REDACTED, text)
    for secret in known_secrets:
        if len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    return text


# Loggers cache their processor chain on first use (for speed), so what changes with configure_logging lives here,
# read by the processors at each call; tests that build several services in one process rely on it.
_service_fields: dict[str, str] = {}
_known_secrets: list[str] = []
# The processor chain, one list for the life of the process (see configure_logging).
_processors: list[Processor] = []


def _redact(_: Any, __: str, event: EventDict) -> EventDict:
    for key, value in list(event.items()):
        if _SENSITIVE_KEYS.search(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redact_text(value, _known_secrets)
    return event


def _add_service_fields(_: Any, __: str, event: EventDict) -> EventDict:
    for key, value in _service_fields.items():
        event.setdefault(key, value)
    return event


def _add_trace_ids(_: Any, __: str, event: EventDict) -> EventDict:
    ids = current_trace_ids()
    if ids is not None:
        trace_id, span_id = ids
        event["trace_id"], event["span_id"] = trace_id, span_id
        # Datadog joins logs to traces on the low 64 bits, in decimal.
        event["dd.trace_id"] = str(int(trace_id[16:], 16))
        event["dd.span_id"] = str(int(span_id, 16))
    return event


def _orjson_dumps(value: MutableMapping[str, Any], **_: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def configure_logging(
    *, service: str, environment: str, version: str, level: str = "INFO", secrets: Iterable[str] = ()
) -> None:
    """Configure structlog and stdlib logging to write JSON lines to stdout."""
    _service_fields.clear()
    _service_fields.update(
        {
            "service": service,
            "env": environment,
            "version": version,
            "dd.service": service,
            "dd.env": environment,
            "dd.version": version,
        }
    )
    _known_secrets[:] = [secret for secret in secrets if len(secret) >= 6]
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service_fields,
        _add_trace_ids,
        structlog.processors.format_exc_info,
        _redact,
    ]
    # In place: loggers cached on first use keep a reference to the list they were built with, so a new list would
    # leave them on the old chain (and out of reach of structlog.testing.capture_logs, which edits the list in place).
    _processors[:] = [*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter]
    structlog.configure(
        processors=_processors,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(serializer=_orjson_dumps),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own handlers would print a second, non-JSON copy; our middleware writes the access line.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lib_logger = logging.getLogger(name)
        lib_logger.handlers[:] = []
        lib_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
