"""The cache's interface: Redis in production, an in-process dictionary by default.

Values are JSON-serialisable objects. Key names and TTLs follow the reference architecture
(see :mod:`ninevectors.services.cache.keys`).
"""

from __future__ import annotations

from typing import Any, Protocol


class CacheUnavailable(Exception):
    """The cache server cannot be reached (Redis down or timing out)."""


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl_seconds: int | None = None) -> None: ...

    def get_and_touch(self, key: str, ttl_seconds: int) -> Any | None:
        """``get`` and restart the key's time-to-live in one step (sliding expiry)."""
        ...

    def delete(self, key: str) -> None: ...

    def expire(self, key: str, ttl_seconds: int) -> bool:
        """Reset the key's time-to-live (sliding expiry); False when the key is gone."""
        ...

    def ttl(self, key: str) -> int | None:
        """Seconds left, None when the key is missing or never expires."""
        ...

    def incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        """Atomically add ``amount`` and return the new value. The TTL is set when the
        counter is created, so a fixed window expires on time however often it is hit."""
        ...

    def set_add(self, key: str, member: str, ttl_seconds: int | None = None) -> None:
        """Add a member to a set and (re)start the set's TTL (presence lists)."""
        ...

    def set_remove(self, key: str, member: str) -> None: ...

    def set_members(self, key: str) -> set[str]: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...
