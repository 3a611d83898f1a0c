"""TripSage time service."""
