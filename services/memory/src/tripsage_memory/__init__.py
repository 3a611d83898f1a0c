"""TripSage memory service."""
