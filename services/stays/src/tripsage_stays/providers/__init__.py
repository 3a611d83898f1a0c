"""Stay providers, each one module behind `StayProvider`, chosen by `STAYS_PROVIDER` (docs/stays.md)."""

# The registry: name -> "module:Class" with `from_settings(settings)`; a module is imported only when selected.
PROVIDERS = {
    "amadeus": "tripsage_stays.providers.amadeus:AmadeusStays",
    "duffel": "tripsage_stays.providers.duffel:DuffelStays",
}
