"""The routing table: which public path prefix is served by which upstream service.

Adding a service to the public API is one line here plus its URL in settings.
"""

from types import MappingProxyType

# /v1/<prefix>/... is forwarded unchanged to the upstream named here.
ROUTES = MappingProxyType(
    {
        "time": "time",
        "flights": "flights",
        "stays": "stays",
        "maps": "maps",
        "weather": "weather",
        "memories": "memory",
    }
)
