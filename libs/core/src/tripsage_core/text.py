"""Input Postgres can store: `text` and `jsonb` refuse U+0000, and our JSON encoder stops at 255 levels.

Refused as 422 naming the field, instead of a 500 from the database driver.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

NUL_FREE = r"^[^\x00]*$"
NUL_MESSAGE = "must not contain NUL (U+0000) characters"
MAX_JSON_DEPTH = 32  # far beyond any real snapshot, far below orjson's limit of 255

# The pattern (not a validator) so the OpenAPI document tells clients too; it composes with other Field constraints.
StoredText = Annotated[str, Field(pattern=NUL_FREE)]


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    # Iterative: a client controls the nesting depth, and recursion would turn a deep body into a 500.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, str) and "\x00" in current:
            raise ValueError(NUL_MESSAGE)
        if isinstance(current, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"must not nest deeper than {MAX_JSON_DEPTH} levels")
            children = [*current.keys(), *current.values()] if isinstance(current, dict) else current
            pending.extend((child, depth + 1) for child in children)
    return value


StoredJson = Annotated[dict[str, Any], AfterValidator(_storable)]
"""A free-form JSON object stored as `jsonb`: no NUL in any key or string, at most MAX_JSON_DEPTH levels deep."""
