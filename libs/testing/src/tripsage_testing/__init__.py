"""TripSage shared library."""
