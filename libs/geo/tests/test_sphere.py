import math

from tripsage_geo.sphere import EARTH_RADIUS_KM, distance_km


def test_distance_between_paris_and_london_is_the_published_great_circle() -> None:
    # Notre-Dame to Trafalgar Square: 343.9 km on the mean-radius sphere.
    assert abs(distance_km(48.8530, 2.3499, 51.5080, -0.1281) - 343.9) < 0.5


def test_antipodal_points_are_half_the_circumference_apart() -> None:
    for a, b in (((0.0, 0.0), (0.0, 180.0)), ((-60.5867, 9.8022), (60.5866993, -170.1978))):
        assert abs(distance_km(*a, *b) - EARTH_RADIUS_KM * math.pi) < 0.01
