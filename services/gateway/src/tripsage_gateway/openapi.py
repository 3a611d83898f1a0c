"""One OpenAPI document for the whole public API: the gateway's own routes plus every service's /v1 routes.

The services publish their own documents; the gateway fetches them in the background (they may start after it)
and serves the merge, so `/openapi.json` and `/docs` always describe what the gateway really forwards.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.openapi import PROBLEM_REF, with_problem_responses
from tripsage_http import ServiceClient

log = structlog.get_logger(__name__)

REFRESH_S = 60.0
RETRY_S = 2.0
_GATEWAY_PROBLEMS = {
    "429": "Rate limit exceeded; see Retry-After and RateLimit-* headers",
    "503": "The owning service cannot be reached",
    "504": "The owning service did not answer in time",
}


def _rename_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _rename_refs(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_refs(value, renames) for value in node]
    if isinstance(node, str) and node.startswith("#/components/schemas/"):
        name = node.removeprefix("#/components/schemas/")
        return "#/components/schemas/" + renames.get(name, name)
    return node


def merge(base: dict[str, Any], service: str, prefix: str, document: dict[str, Any]) -> None:
    """Add a service's `/v1/<prefix>` paths and their schemas to `base`; clashing schema names get the service's."""
    schemas = base.setdefault("components", {}).setdefault("schemas", {})
    theirs = document.get("components", {}).get("schemas", {})
    renames = {
        name: f"{service.capitalize()}{name}"
        for name, definition in theirs.items()
        if name in schemas and json.dumps(schemas[name], sort_keys=True) != json.dumps(definition, sort_keys=True)
    }
    for name, definition in theirs.items():
        schemas[renames.get(name, name)] = _rename_refs(definition, renames)
    for path, item in document.get("paths", {}).items():
        if path == f"/v1/{prefix}" or path.startswith(f"/v1/{prefix}/"):
            item = _rename_refs(copy.deepcopy(item), renames)
            for operation in item.values():
                for code, description in _GATEWAY_PROBLEMS.items():
                    operation.setdefault("responses", {}).setdefault(
                        code, {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}}
                    )
            base["paths"][path] = item


class OpenAPIAggregator:
    def __init__(self, app: FastAPI, *, clients: Mapping[str, ServiceClient], routes: Mapping[str, str]) -> None:
        self._app = app
        self._clients = clients
        self._routes = routes
        self._task: asyncio.Task[None] | None = None

    def own_document(self) -> dict[str, Any]:
        app = self._app
        return with_problem_responses(
            get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        )

    async def refresh(self) -> list[str]:
        """Rebuild the merged document; returns the services whose document could not be fetched."""
        document = self.own_document()
        missing = []
        for prefix, service in sorted(self._routes.items()):
            try:
                # Housekeeping must not open the circuit real traffic relies on while a service is still starting.
                response = await self._clients[service].probe("/openapi.json", timeout_s=1.0)
                response.raise_for_status()
                merge(document, service, prefix, response.json())
            except Exception as exc:  # one service down must not blank the whole document
                missing.append(service)
                log.info("openapi_fetch_failed", upstream=service, error=type(exc).__name__)
        if missing:
            document["info"]["x-tripsage-missing"] = missing
        self._app.openapi_schema = document
        return missing

    async def _keep_fresh(self) -> None:
        while True:
            missing = await self.refresh()
            await asyncio.sleep(RETRY_S if missing else REFRESH_S)

    def start(self) -> None:
        self._app.openapi_schema = self.own_document()
        self._task = asyncio.create_task(self._keep_fresh())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
