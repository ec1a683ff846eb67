"""The in-process cache: a dictionary behind a lock, for one machine and for tests.

Values go through JSON on the way in and out so code behaves the same as on Redis
(tuples come back as lists, non-serialisable values fail at ``set``).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from ninevectors.services.observability.metrics import record_cache_lookup


@dataclass
class _Entry:
    value: Any  # a JSON string, an int counter, or a set of members
    expires_at: float | None = None


class MemoryCache:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> _Entry | None:
        """The entry if present and not expired (drops an expired one). Hold the lock."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= time.monotonic():
            del self._entries[key]
            return None
        return entry

    @staticmethod
    def _deadline(ttl_seconds: int | None) -> float | None:
        return None if ttl_seconds is None else time.monotonic() + ttl_seconds

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._live(key)
        record_cache_lookup("memory", hit=entry is not None)
        if entry is None:
            return None
        if isinstance(entry.value, str):
            return json.loads(entry.value)
        if isinstance(entry.value, set):
            raise TypeError(f"cache key {key!r} holds a set")
        return entry.value

    def get_and_touch(self, key: str, ttl_seconds: int) -> Any | None:
        with self._lock:
            entry = self._live(key)
            if entry is not None:
                entry.expires_at = self._deadline(ttl_seconds)
        record_cache_lookup("memory", hit=entry is not None)
        if entry is None:
            return None
        if not isinstance(entry.value, str):
            raise TypeError(f"cache key {key!r} does not hold a value")
        return json.loads(entry.value)

    def set(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        encoded = json.dumps(value)
        with self._lock:
            self._entries[key] = _Entry(encoded, self._deadline(ttl_seconds))

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def expire(self, key: str, ttl_seconds: int) -> bool:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return False
            entry.expires_at = self._deadline(ttl_seconds)
            return True

    def ttl(self, key: str) -> int | None:
        with self._lock:
            entry = self._live(key)
            if entry is None or entry.expires_at is None:
                return None
            return max(0, round(entry.expires_at - time.monotonic()))

    def incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                entry = _Entry(0, self._deadline(ttl_seconds))
                self._entries[key] = entry
            entry.value = _as_counter(key, entry.value) + amount
            return int(entry.value)

    def set_add(self, key: str, member: str, ttl_seconds: int | None = None) -> None:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                entry = _Entry(set())
                self._entries[key] = entry
            _as_set(key, entry.value).add(member)
            if ttl_seconds is not None:
                entry.expires_at = self._deadline(ttl_seconds)

    def set_remove(self, key: str, member: str) -> None:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return
            members = _as_set(key, entry.value)
            members.discard(member)
            if not members:  # Redis drops an empty set
                del self._entries[key]

    def set_members(self, key: str) -> set[str]:
        with self._lock:
            entry = self._live(key)
            return set() if entry is None else set(_as_set(key, entry.value))

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        with self._lock:
            self._entries.clear()


def _as_counter(key: str, value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        decoded = json.loads(value)
        if isinstance(decoded, int) and not isinstance(decoded, bool):
            return decoded
    raise TypeError(f"cache key {key!r} does not hold an integer")


def _as_set(key: str, value: Any) -> set[str]:
    if isinstance(value, set):
        return value
    raise TypeError(f"cache key {key!r} does not hold a set")
