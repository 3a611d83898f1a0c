"""The SDK on our pooled transport: connections are kept alive, failures look to the SDK as urllib's did."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator

import amadeus
import pytest
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusServiceSettings, build_client
from tripsage_amadeus.errors import classify
from tripsage_http.provider import FailureKind
from tripsage_testing.sandbox import SandboxControl

DEPARTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


class DemoSettings(AmadeusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")


def _search(client: amadeus.Client) -> amadeus.Response:
    return client.shopping.flight_offers_search.get(
        originLocationCode="JFK", destinationLocationCode="LHR", departureDate=DEPARTURE, adults=1, max=2
    )


def test_token_and_searches_share_one_kept_alive_connection(sandbox: SandboxControl) -> None:
    client = build_client(DemoSettings(_env_file=None, provider_base_url=sandbox.url))
    for _ in range(5):
        assert _search(client).status_code == 200
    pool = client.http._pool.connection_from_url(sandbox.url)
    assert pool.num_requests == 6  # one OAuth token, five searches
    assert pool.num_connections == 1


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_provider_that_never_answers_is_a_timeout_within_the_attempt(silent_server: str) -> None:
    settings = DemoSettings(_env_file=None, provider_base_url=silent_server, provider_attempt_timeout_s=0.3)
    with pytest.raises(amadeus.NetworkError) as caught:
        _search(build_client(settings))
    failure = classify(caught.value)
    assert failure is not None
    assert failure.kind is FailureKind.TIMEOUT


def test_a_refused_connection_is_a_network_failure() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    settings = DemoSettings(_env_file=None, provider_base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(amadeus.NetworkError) as caught:
        _search(build_client(settings))
    failure = classify(caught.value)
    assert failure is not None
    assert failure.kind is FailureKind.UNAVAILABLE
