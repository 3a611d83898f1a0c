"""Local stand-in for TripSage's external providers; never deployed."""
