"""Flight providers, each one module behind `FlightProvider`, chosen by `FLIGHTS_PROVIDER` (docs/flights.md)."""

# The registry: name -> "module:Class" with `from_settings(settings)`; a module is imported only when selected.
PROVIDERS = {
    "amadeus": "tripsage_flights.providers.amadeus:AmadeusFlights",
    "duffel": "tripsage_flights.providers.duffel:DuffelFlights",
}
