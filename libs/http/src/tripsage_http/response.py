"""The answer of an upstream, with the part of httpx.Response's surface callers use.

Building a real httpx.Response per call halved the proxy's throughput in our benchmark (docs/benchmarks.md),
so the client hands back this small, already-read value instead.
"""

from __future__ import annotations

from typing import Any

import orjson
from multidict import CIMultiDictProxy

from tripsage_core.errors import UpstreamError


class UpstreamResponse:
    __slots__ = ("content", "headers", "status_code", "url")

    def __init__(self, *, status_code: int, headers: CIMultiDictProxy[str], content: bytes, url: str) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.content)

    def raise_for_status(self) -> UpstreamResponse:
        if self.status_code >= 400:
            raise UpstreamError(f"{self.url} answered {self.status_code}.")
        return self

    def __repr__(self) -> str:
        return f"<UpstreamResponse {self.status_code} {self.url}>"
