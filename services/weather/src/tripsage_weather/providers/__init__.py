"""Where weather data comes from: one adapter per vendor behind the `WeatherProvider` interface."""
