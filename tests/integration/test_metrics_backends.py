"""Metrics read from a real Redis: the task broker's queues and the Redis cache's hit ratio."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from prometheus_client import REGISTRY

from ninevectors.services.cache.redis import RedisCache
from ninevectors.services.observability import metrics as nv_metrics


@pytest.fixture
def broker(redis_url: str) -> Iterator[RedisBroker]:
    namespace = f"test-metrics-{uuid.uuid4().hex[:8]}"
    broker = RedisBroker(url=redis_url, namespace=namespace)
    yield broker
    broker.close()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{namespace}:*"):
        client.delete(key)
    client.close()


def test_queue_depth_and_dead_letters_of_the_redis_broker(broker: RedisBroker) -> None:
    def always_fails() -> None:
        raise ValueError("no")

    actor = dramatiq.actor(
        always_fails, broker=broker, queue_name="metrics-test", max_retries=0, actor_name="af"
    )
    actor.send()
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("metrics-test", timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    actor.send()
    actor.send()
    actor.send_with_options(delay=600_000)  # a retry waiting for its backoff counts too
    assert nv_metrics.queue_stats(broker) == {"metrics-test": (3, 1)}


def test_redis_cache_hits_and_misses_are_counted(redis_url: str) -> None:
    def value(result: str) -> float:
        labels = {"backend": "redis", "result": result}
        return REGISTRY.get_sample_value("ninevectors_cache_lookups_total", labels) or 0

    hits, misses = value("hit"), value("miss")
    cache = RedisCache(redis_url, prefix=f"test:{uuid.uuid4().hex}:")
    try:
        cache.set("k", {"a": 1}, ttl_seconds=60)
        cache.get("k")
        cache.get_and_touch("k", 60)
        cache.get("absent")
    finally:
        cache.delete("k")
        cache.close()
    assert (value("hit"), value("miss")) == (hits + 2, misses + 1)
