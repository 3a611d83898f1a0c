from __future__ import annotations

import sys
import time

from fastapi.testclient import TestClient

from tripsage_gateway.app import create_app
from tripsage_gateway.config import GatewaySettings
from tripsage_testing.ports import free_port
from tripsage_testing.servers import ServiceProcess


def test_openapi_documents_the_gateway_and_every_service_it_reaches() -> None:
    port = free_port()
    time_url = f"http://127.0.0.1:{port}"
    # The time service runs as its own process: services never import each other, tests included.
    with ServiceProcess(
        [sys.executable, "-m", "tripsage_time"], env={"TIME_PORT": str(port)}, ready_url=f"{time_url}/ready"
    ):
        settings = GatewaySettings(upstreams={"time": time_url}, access_log=False)
        with TestClient(create_app(settings)) as gateway:
            deadline = time.monotonic() + 60  # only a document that never merges waits this long
            while "/v1/time/timezone" not in (doc := gateway.get("/openapi.json").json())["paths"]:
                assert time.monotonic() < deadline, "time's routes never reached the gateway's document"
                time.sleep(0.2)
            docs = gateway.get("/docs")
    assert {"/v1/trips", "/v1/trips/{trip_id}", "/v1/time/timezone", "/v1/time/convert"} <= set(doc["paths"])
    assert not any(path.startswith("/v1/{prefix}") for path in doc["paths"])
    timezone = doc["paths"]["/v1/time/timezone"]["get"]
    assert timezone["security"] == [{"bearerAuth": []}]
    for code in ("401", "422", "429", "503", "504"):
        assert timezone["responses"][code]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    schemas = doc["components"]["schemas"]
    assert {"Problem", "TimezoneAtLocation", "TripCreate"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    # Unreachable services are named, not silently dropped.
    assert "flights" in doc["info"]["x-tripsage-missing"]
    assert docs.status_code == 200
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
