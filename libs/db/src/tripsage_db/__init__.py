"""Postgres access for TripSage: `tripsage_db.pool` (resilient asyncpg pools), `tripsage_db.migrations`."""
