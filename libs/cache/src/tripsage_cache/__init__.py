"""TripSage cache: a fast path in front of slow or rate-limited upstreams that never becomes a failure point.

Usage::

    cache = await Cache.open(settings.redis_url, namespace="flights")
    result = await cache.get_or_fetch(f"search:{query_hash}", lambda: provider.search(q), TTLClass.SEARCH)
    result.value, result.state, result.age_s   # state is "hit", "miss" or "stale"

Backends
    ``Cache.open(url)`` uses Redis through redis-py's asyncio client (works with Redis and Dragonfly).
    With no URL (None or empty) it uses a bounded in-process LRU whose entries expire individually
    (``max_local_entries``, default 10 000), and logs ``cache_backend backend=memory reason=no_redis_url``.
    The memory backend is per process: replicas don't share it.

Values
    Values are stored as JSON with orjson, so they must be JSON-compatible (dict, list, str, int, float,
    bool, None; orjson also encodes datetime, UUID and dataclasses as strings/objects). Pass pydantic models
    as ``model.model_dump(mode="json")`` and validate the result back into the model. A miss returns the
    decoded copy of what was stored, so hit and miss results have identical types. Unencodable values raise
    TypeError (a programming error, not a cache fault).

Keys
    Stored as ``tripsage:<namespace>:<key>``; keys longer than 200 characters become
    ``tripsage:<namespace>:sha256:<hex>`` to bound key size. Namespaces are lowercase slugs.

Freshness and stale-if-error
    Each entry records when it was fetched and its fresh TTL: ``TTLClass.REALTIME`` 60 s, ``SEARCH`` 5 min,
    ``REFERENCE`` 24 h, or any positive int of seconds. Entries are kept ``stale_factor`` times longer
    (default 24x) so that, when ``fetch()`` raises, ``get_or_fetch`` returns the last good value with
    ``state="stale"`` and its ``age_s``. Without a stale copy the fetch exception propagates unchanged.
    ``is_error(exc)`` can restrict which exceptions may be answered with stale data (default: all).
    Freshness uses the writer's wall clock; modest clock skew between replicas only shifts expiry.

Single-flight
    Concurrent ``get_or_fetch`` calls for one key in one process share one ``fetch()``; the others await its
    result or its exception (``stats()["coalesced"]`` counts them). The fetch runs in its own task, so a
    cancelled caller doesn't fail the rest; when every caller has been cancelled the fetch is cancelled too.
    Single-flight is per process, not cross-process: N replicas make at most N concurrent fetches per key,
    which we accept rather than add a Redis lock whose failure modes would couple requests to Redis.

Redis faults
    Every Redis operation has a short timeout (``op_timeout``, default 50 ms, applied to connect and socket
    reads, with a hard ceiling of twice that per call) and no client-side retries. The first fault logs
    ``cache_unavailable`` once and closes a gate: for ``retry_after_s`` (default 2 s) requests skip Redis
    entirely and run uncached, so a dead or blackholed Redis costs ~nothing per request. After that one
    request probes Redis; on success ``cache_recovered`` is logged and caching resumes without recreating
    the Cache. ``get``/``set``/``delete``/``health`` never raise on Redis faults, and ``Cache.open`` never
    fails because Redis is down (it starts with the gate closed).
    A request about to fail gets one more look: when ``fetch()`` fails and the fast read found nothing (the gate
    was closed, or the read timed out because the event loop, not Redis, was slow), a rescue read goes past the
    gate with ``rescue_timeout`` (default 250 ms, twice that as a hard ceiling) for a stale copy
    (``stats()["rescued"]`` counts the answers it saved). Only failing requests pay for it.

Observability
    ``stats()`` returns counters (hits, misses, stale, coalesced, fetches, fetch_errors, backend_errors,
    in_flight) for services to export; ``health()`` returns e.g.
    ``{"backend": "redis", "status": "ok", "latency_ms": 0.4}`` or ``{"backend": "redis", "status": "down"}``.
"""

from tripsage_cache._cache import Cache
from tripsage_cache._types import CacheResult, CacheState, TTLClass

__all__ = ["Cache", "CacheResult", "CacheState", "TTLClass"]
