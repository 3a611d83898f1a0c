"""Canary, promotion, rollback and blue/green switches of TripSage services on Kubernetes with Istio."""
