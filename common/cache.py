"""Django's Redis cache backend with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the (shared)
connection pool for every cache call. Building one fills a case-insensitive table of ~170
response callbacks, which cost about as much CPU as the Redis round trip itself (~60-90 us):
paid twice by every Caliper POST (the token lookup and the lane's queued flag). A
``redis.Redis`` holds no connection of its own and is safe to share between threads (each
command checks a connection out of the pool), so one per pool serves every call.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

__all__ = ["PooledRedisCacheClient", "RedisCache"]


class PooledRedisCacheClient(RedisCacheClient):
    """``RedisCacheClient`` that builds the client of each connection pool once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The stubs do not declare RedisCacheClient's private helpers used here.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` using ``PooledRedisCacheClient``
    (same ``LOCATION`` and ``OPTIONS``)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
