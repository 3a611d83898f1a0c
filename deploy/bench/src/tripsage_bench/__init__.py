"""TripSage benchmark suite: `make bench` (issue 10)."""
