"""Faults under load against the running stack: `make chaos`."""
