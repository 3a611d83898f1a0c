"""TripSage weather service."""
