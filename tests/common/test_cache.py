"""The Redis cache backend builds one client per connection pool (no server needed: a
redis client connects only when it sends a command)."""

from __future__ import annotations

from common.cache import PooledRedisCacheClient, RedisCache


def test_one_client_per_pool() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", {})
    client = cache._cache
    assert isinstance(client, PooledRedisCacheClient)
    first = client.get_client(write=True)
    assert client.get_client("key") is first
    assert client.get_client(write=True) is first
    assert first.connection_pool is client._get_connection_pool(write=True)


def test_replicas_get_their_own_client() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})
    client = cache._cache
    writer = client.get_client(write=True)
    readers = {id(client.get_client()) for _ in range(20)}
    assert writer.connection_pool.connection_kwargs["port"] == 1
    assert readers <= {id(client._clients[0]), id(client._clients[1])}
