"""TripSage gateway: the public API."""
