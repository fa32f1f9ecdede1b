"""Django's Redis cache backend, with one client object per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` for every cache call, and each one
copies the library's table of ~200 response callbacks: on a page served from cached
fragments that was a sizeable share of the request. A client holds no per-call state and
is safe to share between threads (the pool hands out the connections), so one per pool is
kept and reused.
"""

from django.core.cache.backends import redis as django_redis


class ReusedClientRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # _get_connection_pool and _client are Django's private parts (absent from the
        # stubs): the very ones its own get_client uses.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
