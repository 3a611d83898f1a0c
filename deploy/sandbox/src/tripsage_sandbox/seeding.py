"""Deterministic randomness: the same normalised query always yields the same data."""

from __future__ import annotations

import hashlib
import random


def stable_seed(*parts: object) -> int:
    """Return a 64-bit seed from a SHA-256 of the normalised parts (never Python's salted hash())."""
    text = "\x1f".join(str(part).strip().lower() for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def rng_for(*parts: object) -> random.Random:
    """Return a private generator seeded from the parts; not for security, only for stable test data."""
    return random.Random(stable_seed(*parts))  # noqa: S311 - reproducible fixtures, not secrets
