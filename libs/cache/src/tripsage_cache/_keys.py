"""Redis key layout: tripsage:<namespace>:<key>, with long keys hashed."""

from __future__ import annotations

import hashlib
import re

# Keys longer than this are hashed so a caller building keys from user input can't bloat Redis memory.
MAX_PLAIN_KEY_CHARS = 200
_NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def validate_namespace(namespace: str) -> str:
    """Return the namespace if it is a short lowercase slug, else raise ValueError."""
    if not _NAMESPACE_RE.match(namespace):
        raise ValueError(f"cache namespace must match {_NAMESPACE_RE.pattern} (lowercase slug), got {namespace!r}")
    return namespace


def full_key(namespace: str, key: str) -> str:
    """Namespaced storage key; keys over MAX_PLAIN_KEY_CHARS become a sha256 digest."""
    if len(key) > MAX_PLAIN_KEY_CHARS:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return f"tripsage:{namespace}:sha256:{digest}"
    return f"tripsage:{namespace}:{key}"
