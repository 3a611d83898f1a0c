"""Fast JSON responses with exact content types (the amadeus SDK rejects a charset suffix)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

AMADEUS_JSON = "application/vnd.amadeus+json"
PLAIN_JSON = "application/json"


class FastJSON(Response):
    """orjson-encoded response; media type given per provider."""

    media_type = PLAIN_JSON

    def render(self, content: Any) -> bytes:
        """Serialise with orjson (handles numpy-free floats and dataclasses quickly)."""
        return orjson.dumps(content)


def json_response(
    content: Any,
    status: int = 200,
    media_type: str = PLAIN_JSON,
    headers: Mapping[str, str] | None = None,
) -> FastJSON:
    """Return an orjson response with the given provider media type."""
    return FastJSON(content, status_code=status, media_type=media_type, headers=headers)
