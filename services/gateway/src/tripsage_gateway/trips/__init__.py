"""Trips: the one domain the gateway owns (Postgres, row-level security, idempotent creation)."""
