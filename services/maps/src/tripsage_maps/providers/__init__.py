"""Where map facts come from: Google Maps Platform through the googlemaps SDK, behind provider-neutral interfaces."""
