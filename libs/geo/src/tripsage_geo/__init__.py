"""Reference data about places, shared by every service and owned by no vendor.

tripsage_geo.iata    known IATA airport and city codes, nearby airports, an airport's local time
tripsage_geo.sphere  great-circle distance on a spherical Earth
tripsage_geo.zones   the IANA time zone at a point, today's date in a zone (tzf's bundled polygons, offline)
"""
