"""The routing table: which public path prefix is served by which upstream service.

Read from the service manifest (tripsage_core/services.toml): a service's `path_prefixes` there are its public API.
"""

from types import MappingProxyType

from tripsage_core.manifest import routes

# /v1/<prefix>/... is forwarded unchanged to the upstream named here.
ROUTES = MappingProxyType(routes())
