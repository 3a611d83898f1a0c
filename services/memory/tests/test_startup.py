"""Configuration that cannot work is refused at startup with a message naming what to change."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tripsage_core.settings import ConfigurationError
from tripsage_memory.app import create_app
from tripsage_memory.config import OPENAI_BASE_URL, MemorySettings
from tripsage_memory.errors import DimensionMismatch
from tripsage_testing.sandbox import SandboxControl


def test_a_table_built_for_another_dimension_stops_startup_before_any_insert(
    migrated_database: str, settings_for: Callable[..., MemorySettings]
) -> None:
    with TestClient(create_app(settings_for(migrated_database))) as client:
        assert client.get("/ready").json()["checks"]["memory_table"]["dims"] == 384

    # The sandbox honours `dimensions` like OpenAI's v3 models: it now returns 256-long vectors.
    app = create_app(settings_for(migrated_database, embedding_dims=256))
    with (
        pytest.raises(
            DimensionMismatch, match=r"'memories'\.vector has 384 dimensions but MEMORY_EMBEDDING_DIMS is 256"
        ),
        TestClient(app),
    ):
        pass


def test_an_embedder_that_cannot_produce_the_configured_dimension_stops_startup(
    migrated_database: str, settings_for: Callable[..., MemorySettings]
) -> None:
    app = create_app(settings_for(migrated_database, embedding_dims=1536))
    with (
        pytest.raises(ConfigurationError, match="rejected a 1536-dimension embedding of model 'all-MiniLM-L6-v2'"),
        TestClient(app),
    ):
        pass


def test_development_with_the_sandbox_needs_no_credentials() -> None:
    settings = MemorySettings(
        environment="development", database_url="postgresql://x@127.0.0.1/db", provider_base_url="http://127.0.0.1:1"
    )
    assert settings.embedder_base_url == "http://127.0.0.1:1/v1"
    assert (settings.embedder_model, settings.dims) == ("all-MiniLM-L6-v2", 384)
    assert settings.embedder_api_key is not None
    assert not settings.llm_enabled


def test_production_without_an_embedder_key_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="MEMORY_EMBEDDER_API_KEY"):
        MemorySettings(
            environment="production",
            jwt_secret="a-real-production-secret-0123456789",
            database_url="postgresql://x@db/tripsage",
            provider_base_url="http://127.0.0.1:8100",
        )


def test_production_never_falls_back_to_the_sandbox() -> None:
    settings = MemorySettings(
        environment="production",
        jwt_secret="a-real-production-secret-0123456789",
        database_url="postgresql://x@db/tripsage",
        provider_base_url="http://127.0.0.1:8100",
        embedder_api_key="sk-live-0123456789abcdef",
    )
    assert settings.embedder_base_url == OPENAI_BASE_URL
    assert (settings.embedder_model, settings.dims) == ("text-embedding-3-small", 1536)


def test_an_llm_outside_development_needs_its_key() -> None:
    with pytest.raises(ConfigurationError, match="MEMORY_LLM_API_KEY"):
        MemorySettings(
            environment="staging",
            jwt_secret="a-real-production-secret-0123456789",
            database_url="postgresql://x@db/tripsage",
            embedder_api_key="sk-live-0123456789abcdef",
            llm_model="gpt-4.1-mini",
        )


def test_an_embedder_unreachable_at_startup_is_checked_by_readiness_once_it_answers(
    migrated_database: str, settings_for: Callable[..., MemorySettings], sandbox: SandboxControl
) -> None:
    sandbox.fault(kind="drop")
    with TestClient(create_app(settings_for(migrated_database, embedding_dims=1536))) as client:
        sandbox.reset()
        response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["embedder"]["status"] == "down"
    assert "400" in response.json()["checks"]["embedder"]["error"]  # the sandbox refuses 1536 dimensions


def test_the_service_imports_without_loading_qdrant_client_and_it_still_imports_afterwards() -> None:
    # A fresh interpreter: this test process has imported everything already.
    probe = (
        "import sys, tripsage_memory.app; "
        "print(any(name.startswith('qdrant_client') for name in sys.modules)); "
        "import qdrant_client; print(qdrant_client.QdrantClient.__module__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "qdrant_client.qdrant_client"]
