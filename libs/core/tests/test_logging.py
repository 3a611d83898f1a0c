from __future__ import annotations

import json

import pytest
import structlog
import structlog.testing

from tripsage_core.logging import REDACTED, configure_logging, redact_text


def test_free_text_loses_bearer_tokens_url_passwords_and_secret_query_values() -> None:
    text = (
        "GET https://maps.example/geo?address=x&key=AIzaSECRET auth=Bearer eyJhbGc.abc.def db=postgresql://u:pw123@h/db"
    )
    cleaned = redact_text(text)
    assert "AIzaSECRET" not in cleaned
    assert "eyJhbGc" not in cleaned
    assert "pw123" not in cleaned
    assert "address=x" in cleaned


def test_log_lines_are_json_and_never_carry_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service="svc", environment="test", version="1.2.3", secrets=["s3cr3t-value-123"])
    log = structlog.get_logger("test")
    log.warning("provider_failed", api_key="abc", detail="client_secret=s3cr3t-value-123 failed", attempt=2)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "provider_failed"
    assert line["service"] == "svc"
    assert line["level"] == "warning"
    assert line["version"] == "1.2.3"
    assert line["api_key"] == REDACTED
    assert "s3cr3t-value-123" not in json.dumps(line)
    assert line["attempt"] == 2


def test_stdlib_loggers_share_the_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    configure_logging(service="svc", environment="test", version="1")
    logging.getLogger("some.library").error("library said %s", "hello")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "library said hello"
    assert line["level"] == "error"
    assert line["service"] == "svc"


def test_a_logger_used_before_a_reconfiguration_follows_the_new_one() -> None:
    # Every app factory configures logging; a module's logger cached under the first app must still reach what a
    # later configuration (or structlog's capture_logs) installs.
    configure_logging(service="first", environment="test", version="1")
    log = structlog.get_logger("test.reconfigured")
    log.info("warming_the_cache")
    configure_logging(service="second", environment="test", version="1")

    with structlog.testing.capture_logs() as logs:
        log.warning("after_reconfiguration")

    assert [entry["event"] for entry in logs] == ["after_reconfiguration"]
