from __future__ import annotations

from collections.abc import Iterator

import pytest

from tripsage_testing.servers import ScriptedUpstream, serve_in_thread


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[ScriptedUpstream, str]]:
    server = ScriptedUpstream()
    with serve_in_thread(server.app) as base_url:
        yield server, base_url
