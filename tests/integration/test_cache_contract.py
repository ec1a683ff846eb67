"""One contract for every cache backend: the in-process dictionary and a real Redis."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from ninevectors.services.cache.base import Cache
from ninevectors.services.cache.memory import MemoryCache
from ninevectors.services.cache.redis import RedisCache


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[Cache]:
    if request.param == "memory":
        memory = MemoryCache()
        yield memory
        memory.close()
        return
    url: str = request.getfixturevalue("redis_url")
    prefix = f"test:{uuid.uuid4().hex}:"
    backend = RedisCache(url, prefix=prefix)
    yield backend
    backend.close()
    raw = redis.Redis.from_url(url)
    for key in raw.scan_iter(match=prefix + "*"):
        raw.delete(key)
    raw.close()


def test_ping(cache: Cache) -> None:
    assert cache.ping() is True


def test_get_missing_is_none(cache: Cache) -> None:
    assert cache.get("missing") is None


def test_set_get_delete(cache: Cache) -> None:
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    cache.set("k", "replaced")
    assert cache.get("k") == "replaced"
    cache.delete("k")
    assert cache.get("k") is None
    cache.delete("k")  # deleting a missing key is fine


def test_json_round_trip(cache: Cache) -> None:
    value = {
        "tuple": (1, 2),
        "nested": {"list": [1.5, True, None], "text": "Zürich ✓"},
        "int": 7,
    }
    cache.set("json", value)
    assert cache.get("json") == {
        "tuple": [1, 2],
        "nested": {"list": [1.5, True, None], "text": "Zürich ✓"},
        "int": 7,
    }
    cache.set("scalar", 42)
    assert cache.get("scalar") == 42


def test_unserialisable_value_is_refused(cache: Cache) -> None:
    with pytest.raises(TypeError):
        cache.set("bad", {"when": object()})
    assert cache.get("bad") is None


def test_value_expires(cache: Cache) -> None:
    cache.set("short", "v", ttl_seconds=1)
    cache.set("forever", "v")
    assert cache.get("short") == "v"
    time.sleep(1.2)
    assert cache.get("short") is None
    assert cache.get("forever") == "v"


def test_ttl(cache: Cache) -> None:
    assert cache.ttl("missing") is None
    cache.set("forever", 1)
    assert cache.ttl("forever") is None
    cache.set("session", 1, ttl_seconds=3600)
    remaining = cache.ttl("session")
    assert remaining is not None and 3590 <= remaining <= 3600


def test_expire_slides_the_ttl(cache: Cache) -> None:
    assert cache.expire("missing", 10) is False
    cache.set("session", {"user": "u1"}, ttl_seconds=1)
    time.sleep(0.6)
    assert cache.expire("session", 2) is True
    time.sleep(0.6)  # past the first deadline: only the slide keeps it alive
    assert cache.get("session") == {"user": "u1"}
    remaining = cache.ttl("session")
    assert remaining is not None and 1 <= remaining <= 2


def test_incr_counts(cache: Cache) -> None:
    assert cache.incr("counter") == 1
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 10) == 12
    assert cache.get("counter") == 12
    assert cache.ttl("counter") is None


def test_incr_is_atomic_under_threads(cache: Cache) -> None:
    def hammer() -> None:
        for _ in range(200):
            cache.incr("hits", ttl_seconds=60)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 1600
    remaining = cache.ttl("hits")
    assert remaining is not None and remaining <= 60


def test_incr_sets_window_ttl_only_on_creation(cache: Cache) -> None:
    assert cache.incr("window", ttl_seconds=100) == 1
    assert cache.incr("window", ttl_seconds=5000) == 2
    remaining = cache.ttl("window")
    assert remaining is not None and 95 <= remaining <= 100


def test_fixed_window_expires_however_often_hit(cache: Cache) -> None:
    assert cache.incr("window", ttl_seconds=1) == 1
    time.sleep(0.6)
    assert cache.incr("window", ttl_seconds=1) == 2
    time.sleep(0.6)
    assert cache.get("window") is None
    assert cache.incr("window", ttl_seconds=1) == 1


def test_sets(cache: Cache) -> None:
    assert cache.set_members("presence") == set()
    cache.set_add("presence", "u1", ttl_seconds=300)
    cache.set_add("presence", "u2", ttl_seconds=300)
    cache.set_add("presence", "u2", ttl_seconds=300)
    assert cache.set_members("presence") == {"u1", "u2"}
    remaining = cache.ttl("presence")
    assert remaining is not None and 295 <= remaining <= 300
    cache.set_remove("presence", "u1")
    cache.set_remove("presence", "nobody")
    assert cache.set_members("presence") == {"u2"}
    cache.set_remove("presence", "u2")
    assert cache.set_members("presence") == set()
    assert cache.ttl("presence") is None


def test_set_add_restarts_ttl_and_set_expires(cache: Cache) -> None:
    cache.set_add("presence", "u1", ttl_seconds=1)
    time.sleep(0.6)
    cache.set_add("presence", "u2", ttl_seconds=1)
    time.sleep(0.6)  # past the first deadline: the second add restarted the TTL
    assert cache.set_members("presence") == {"u1", "u2"}
    time.sleep(0.6)
    assert cache.set_members("presence") == set()


def test_redis_prefix_isolates(redis_url: str) -> None:
    first = RedisCache(redis_url, prefix=f"a-{uuid.uuid4().hex}:")
    second = RedisCache(redis_url, prefix=f"b-{uuid.uuid4().hex}:")
    try:
        first.set("shared", 1, ttl_seconds=60)
        assert first.get("shared") == 1
        assert second.get("shared") is None
        first.delete("shared")
    finally:
        first.close()
        second.close()


def test_redis_ping_false_when_unreachable() -> None:
    from tests.servers import free_port

    unreachable = RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=1)
    try:
        assert unreachable.ping() is False
    finally:
        unreachable.close()
