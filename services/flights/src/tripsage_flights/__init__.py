"""TripSage flights service."""
