"""TripSage stays service."""
