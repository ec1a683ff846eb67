"""The Redis cache (Azure Cache for Redis in production), via the official ``redis`` client.

Values are stored as JSON strings; every key gets a prefix (default ``9v:``) so several
deployments or test runs can share one server.
"""

from __future__ import annotations

import json
from typing import Any

import redis

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
    def __init__(self, url: str, prefix: str = "9v:", timeout_seconds: float = 5.0) -> None:
        self._prefix = prefix
        self._client: redis.Redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            health_check_interval=30,
        )
        self._incr_script = self._client.register_script(_INCR_WITH_WINDOW)

    def _key(self, key: str) -> str:
        return self._prefix + key

    def get(self, key: str) -> Any | None:
        raw = self._client.get(self._key(key))
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        self._client.set(self._key(key), json.dumps(value), ex=ttl_seconds)

    def delete(self, key: str) -> None:
        self._client.delete(self._key(key))

    def expire(self, key: str, ttl_seconds: int) -> bool:
        return bool(self._client.expire(self._key(key), ttl_seconds))

    def ttl(self, key: str) -> int | None:
        seconds = int(self._client.ttl(self._key(key)))
        return None if seconds < 0 else seconds  # -2 missing, -1 no expiry

    def incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        result = self._incr_script(keys=[self._key(key)], args=[amount, ttl_seconds or 0])
        return int(result)

    def set_add(self, key: str, member: str, ttl_seconds: int | None = None) -> None:
        with self._client.pipeline(transaction=True) as pipe:
            pipe.sadd(self._key(key), member)
            if ttl_seconds is not None:
                pipe.expire(self._key(key), ttl_seconds)
            pipe.execute()

    def set_remove(self, key: str, member: str) -> None:
        self._client.srem(self._key(key), member)

    def set_members(self, key: str) -> set[str]:
        return set(self._client.smembers(self._key(key)))

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self._client.close()
