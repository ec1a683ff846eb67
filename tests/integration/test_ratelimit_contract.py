"""The rate limiter on both caches it runs on: the in-process dictionary and a real Redis."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from ninevectors.services.cache.base import Cache
from ninevectors.services.cache.memory import MemoryCache
from ninevectors.services.cache.redis import RedisCache
from ninevectors.services.ratelimit import Backoff, Flag, RateLimiter, Rule

MINUTE = Rule("test-minute", limit=3, window_seconds=60)
START = 1_800_000_015.0  # 15 s into a minute (and into a ten-minute window)
BACKOFF = Backoff("test-backoff", 3, first_wait_seconds=10, max_wait_seconds=35, memory_seconds=60)


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


@pytest.fixture
def limiter(cache: Cache) -> RateLimiter:
    return RateLimiter(lambda: cache)


def test_a_window_allows_the_limit_then_says_when_it_ends(limiter: RateLimiter) -> None:
    remaining = [limiter.hit(MINUTE, "org_a", now=START).remaining for _hit in range(3)]
    assert remaining == [2, 1, 0]
    refused = limiter.hit(MINUTE, "org_a", now=START)
    assert (refused.allowed, refused.retry_after, refused.remaining) == (False, 45, 0)
    late = limiter.hit(MINUTE, "org_a", now=START + 44.5)
    assert (late.allowed, late.retry_after) == (False, 1)  # rounded up, never 0
    fresh = limiter.hit(MINUTE, "org_a", now=START + 45)  # the next minute
    assert (fresh.allowed, fresh.retry_after, fresh.remaining) == (True, 0, 2)


def test_refused_hits_do_not_reopen_the_window(limiter: RateLimiter) -> None:
    for _hit in range(10):
        limiter.hit(MINUTE, "org_a", now=START)
    assert not limiter.hit(MINUTE, "org_a", now=START + 40).allowed


def test_keys_rules_and_part_boundaries_are_isolated(limiter: RateLimiter) -> None:
    other_rule = Rule("test-other", limit=3, window_seconds=60)
    for _hit in range(3):
        limiter.hit(MINUTE, "a:b", "c", now=START)
    assert not limiter.hit(MINUTE, "a:b", "c", now=START).allowed
    assert limiter.hit(MINUTE, "a", "b:c", now=START).remaining == 2
    assert limiter.hit(MINUTE, "a:b", now=START).remaining == 2
    assert limiter.hit(other_rule, "a:b", "c", now=START).remaining == 2


def test_a_refund_gives_one_hit_back(limiter: RateLimiter) -> None:
    for _hit in range(3):
        limiter.hit(MINUTE, "org_a", now=START)
    limiter.refund(MINUTE, "org_a", now=START)
    assert limiter.hit(MINUTE, "org_a", now=START).remaining == 0
    assert not limiter.hit(MINUTE, "org_a", now=START).allowed


def test_concurrent_hits_never_exceed_the_limit(limiter: RateLimiter) -> None:
    rule = Rule("test-burst", limit=20, window_seconds=600)
    allowed: list[bool] = []
    lock = threading.Lock()

    def one_hit() -> None:
        decision = limiter.hit(rule, "203.0.113.1", now=START)
        with lock:
            allowed.append(decision.allowed)

    threads = [threading.Thread(target=one_hit) for _thread in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 20 and len(allowed) == 60


def test_a_backoff_waits_longer_after_each_further_failure(limiter: RateLimiter) -> None:
    key = ("203.0.113.1", "ada@alpha.example")
    free = [limiter.backoff_failure(BACKOFF, *key, now=START) for _failure in range(2)]
    assert [(d.allowed, d.remaining) for d in free] == [(True, 2), (True, 1)]
    assert limiter.backoff_status(BACKOFF, *key, now=START).allowed
    moment, waits = START, []
    for _failure in range(4):
        decision = limiter.backoff_failure(BACKOFF, *key, now=moment)
        assert not decision.allowed
        waiting = limiter.backoff_status(BACKOFF, *key, now=moment + 1)
        assert (waiting.allowed, waiting.retry_after) == (False, decision.retry_after - 1)
        waits.append(decision.retry_after)
        moment += decision.retry_after
        assert limiter.backoff_status(BACKOFF, *key, now=moment).allowed
    assert waits == [10, 20, 35, 35]
    assert limiter.backoff_status(BACKOFF, "203.0.113.2", key[1], now=START).allowed


def test_clearing_a_backoff_starts_it_over(limiter: RateLimiter) -> None:
    for _failure in range(3):
        limiter.backoff_failure(BACKOFF, "k", now=START)
    assert not limiter.backoff_status(BACKOFF, "k", now=START).allowed
    limiter.backoff_clear(BACKOFF, "k")
    status = limiter.backoff_status(BACKOFF, "k", now=START)
    assert (status.allowed, status.remaining) == (True, 3)
    assert limiter.backoff_failure(BACKOFF, "k", now=START).allowed


def test_a_flag_is_remembered_per_key(limiter: RateLimiter) -> None:
    known = Flag("test-known", ttl_seconds=60)
    assert not limiter.is_marked(known, "192.0.2.1", "ada@alpha.example")
    limiter.mark(known, "192.0.2.1", "ada@alpha.example")
    assert limiter.is_marked(known, "192.0.2.1", "ada@alpha.example")
    assert not limiter.is_marked(known, "192.0.2.2", "ada@alpha.example")


def test_every_key_expires_in_redis(redis_url: str) -> None:
    """Nothing the limiter writes stays in Redis for ever (clients come and go)."""
    prefix = f"test:{uuid.uuid4().hex}:"
    backend = RedisCache(redis_url, prefix=prefix)
    limiter = RateLimiter(lambda: backend)
    limiter.hit(MINUTE, "org_a")
    for _failure in range(3):
        limiter.backoff_failure(BACKOFF, "k")
    limiter.mark(Flag("test-known", ttl_seconds=120), "k")
    raw = redis.Redis.from_url(redis_url)
    keys = list(raw.scan_iter(match=prefix + "*"))
    ttls = sorted(int(raw.ttl(key)) for key in keys)
    assert len(keys) == 4
    assert all(0 < ttl <= 120 for ttl in ttls)
    assert all(b"@" not in key and b"org_a" not in key for key in keys)  # digests only
    for key in keys:
        raw.delete(key)
    raw.close()
    backend.close()


def test_workers_on_one_redis_share_the_count(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisCache(redis_url, prefix=prefix), RedisCache(redis_url, prefix=prefix)
    one, other = RateLimiter(lambda: first), RateLimiter(lambda: second)
    assert [one.hit(MINUTE, "org_a", now=START).allowed for _hit in range(2)] == [True, True]
    assert other.hit(MINUTE, "org_a", now=START).remaining == 0
    assert not one.hit(MINUTE, "org_a", now=START).allowed
    raw = redis.Redis.from_url(redis_url)
    for key in raw.scan_iter(match=prefix + "*"):
        raw.delete(key)
    raw.close()
    first.close()
    second.close()
