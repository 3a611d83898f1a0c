"""Real Postgres and Redis servers for tests and the dev stack, plus the pytest plugin that provides them."""

from tripsage_testing.ports import free_port
from tripsage_testing.postgres import EmbeddedPostgres, EmbeddedPostgresError, client_bin_dir
from tripsage_testing.redis import RedisServer, RedisServerError

__all__ = [
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "RedisServer",
    "RedisServerError",
    "client_bin_dir",
    "free_port",
]
