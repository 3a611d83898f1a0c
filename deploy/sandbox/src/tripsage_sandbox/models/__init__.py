"""Deterministic data models behind the fake providers."""
