"""The Redis cache (Azure Cache for Redis in production), via the official ``redis`` client.

Values are stored as JSON strings; every key gets a prefix (default ``9v:``) so several
deployments or test runs can share one server.

When Redis cannot be reached every call raises :class:`CacheUnavailable`, and for a second
after a failure calls fail at once instead of each waiting for the socket timeout: callers
with a durable fallback (sessions read the database) stay fast during an outage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.observability.metrics import record_cache_lookup

T = TypeVar("T")
FAIL_FAST_SECONDS = 1.0

# INCRBY, and start the window's TTL only when this call created the counter, atomically.
_INCR_WITH_WINDOW = """
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and tonumber(ARGV[2]) > 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return value
"""


class RedisCache:
    def __init__(self, url: str, prefix: str = "9v:", timeout_seconds: float = 2.0) -> None:
        self._prefix = prefix
        self._client: redis.Redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            health_check_interval=30,
        )
        self._incr_script = self._client.register_script(_INCR_WITH_WINDOW)
        self._down_until = 0.0

    def _key(self, key: str) -> str:
        return self._prefix + key

    def _call(self, operation: Callable[[], T]) -> T:
        if time.monotonic() < self._down_until:
            raise CacheUnavailable("Redis was unreachable a moment ago")
        try:
            return operation()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._down_until = time.monotonic() + FAIL_FAST_SECONDS
            raise CacheUnavailable(f"Redis is unreachable ({type(error).__name__})") from error

    def get(self, key: str) -> Any | None:
        raw = self._call(lambda: self._client.get(self._key(key)))
        record_cache_lookup("redis", hit=raw is not None)
        return None if raw is None else json.loads(raw)

    def get_and_touch(self, key: str, ttl_seconds: int) -> Any | None:
        raw = self._call(lambda: self._client.getex(self._key(key), ex=ttl_seconds))
        record_cache_lookup("redis", hit=raw is not None)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        encoded = json.dumps(value)
        self._call(lambda: self._client.set(self._key(key), encoded, ex=ttl_seconds))

    def delete(self, key: str) -> None:
        self._call(lambda: self._client.delete(self._key(key)))

    def expire(self, key: str, ttl_seconds: int) -> bool:
        return bool(self._call(lambda: self._client.expire(self._key(key), ttl_seconds)))

    def ttl(self, key: str) -> int | None:
        seconds = int(self._call(lambda: self._client.ttl(self._key(key))))
        return None if seconds < 0 else seconds  # -2 missing, -1 no expiry

    def incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        args = [amount, ttl_seconds or 0]
        return int(self._call(lambda: self._incr_script(keys=[self._key(key)], args=args)))

    def set_add(self, key: str, member: str, ttl_seconds: int | None = None) -> None:
        def add() -> None:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.sadd(self._key(key), member)
                if ttl_seconds is not None:
                    pipe.expire(self._key(key), ttl_seconds)
                pipe.execute()

        self._call(add)

    def set_remove(self, key: str, member: str) -> None:
        self._call(lambda: self._client.srem(self._key(key), member))

    def set_members(self, key: str) -> set[str]:
        return set(self._call(lambda: self._client.smembers(self._key(key))))

    def ping(self) -> bool:
        try:
            return bool(self._call(self._client.ping))
        except (CacheUnavailable, redis.RedisError):
            return False

    def close(self) -> None:
        self._client.close()
