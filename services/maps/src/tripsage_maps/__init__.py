"""TripSage maps service."""
