"""The in-process cache's expiry runs on the monotonic clock."""

from __future__ import annotations

import pytest

from ninevectors.services.cache import memory
from ninevectors.services.cache.memory import MemoryCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(memory.time, "monotonic", fake.monotonic)
    return fake


def test_expiry_follows_the_monotonic_clock(clock: FakeClock) -> None:
    cache = MemoryCache()
    cache.set("session:1", {"u": 1}, ttl_seconds=3600)
    clock.now += 3599
    assert cache.get("session:1") == {"u": 1}
    assert cache.ttl("session:1") == 1
    clock.now += 1
    assert cache.get("session:1") is None


def test_window_counter_resets_after_the_window(clock: FakeClock) -> None:
    cache = MemoryCache()
    for _ in range(5):
        cache.incr("ratelimit", ttl_seconds=3600)
        clock.now += 600
    assert cache.get("ratelimit") == 5
    clock.now += 600
    assert cache.incr("ratelimit", ttl_seconds=3600) == 1


def test_wrong_types_are_refused() -> None:
    cache = MemoryCache()
    cache.set("text", "hello")
    with pytest.raises(TypeError):
        cache.incr("text")
    cache.set_add("members", "a")
    with pytest.raises(TypeError):
        cache.get("members")
    cache.set("number", 5)
    assert cache.incr("number") == 6
