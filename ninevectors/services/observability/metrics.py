"""Every Prometheus metric of the product, and the text ``/metrics`` serves.

Label values are bounded by the code, never by what a request carries: route templates
(``/files/{name:path}``, not the path), Reflex handler names (only registered handlers reach
the hook), status classes, fixed outcome and backend names, queue names.

Several Granian worker processes: prometheus-client's multiprocess mode. The process that
starts the server sets ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (see
:func:`prepare_multiprocess_dir`) before any worker starts; each worker then writes its
values to files there and ``/metrics``, in whichever worker serves it, adds them all up.
Without the variable, the process's own registry is served.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from dramatiq.brokers.stub import StubBroker
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ANSWER_SAVE_OUTCOMES = ("saved", "ignored", "rejected", "failed")
EVENT_OUTCOMES = ("ok", "error", "cancelled")
QUEUE_READ_TIMEOUT_SECONDS = 1.0

# Seconds; the SLOs speak of 650 ms at p95 and alert above 2 s.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.65, 1.0, 2.0, 5.0, 10.0, 30.0)
_EVENT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 120.0)

HTTP_REQUEST_SECONDS = Histogram(
    "ninevectors_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status class.",
    ["route", "status_class"],
    buckets=_HTTP_BUCKETS,
)
EVENT_HANDLER_SECONDS = Histogram(
    "ninevectors_event_handler_duration_seconds",
    "Time a Reflex event handler ran, from holding the state to its last update sent.",
    ["handler", "outcome"],
    buckets=_EVENT_BUCKETS,
)
ANSWER_SAVES = Counter(
    "ninevectors_answer_saves",
    "Assessment answers the wizard saved, by outcome (saved, ignored, rejected, failed).",
    ["outcome"],
)
CACHE_LOOKUPS = Counter(
    "ninevectors_cache_lookups",
    "Cache reads (get, get_and_touch) by backend and result (hit or miss).",
    ["backend", "result"],
)
WEBSOCKET_CONNECTIONS = Gauge(
    "ninevectors_websocket_connections",
    "Open websocket connections (Reflex's event socket).",
    multiprocess_mode="livesum",
)

# Bound once: a cache read pays for an increment, not for a label look-up.
_CACHE_RESULTS = {
    (backend, hit): CACHE_LOOKUPS.labels(backend=backend, result="hit" if hit else "miss")
    for backend in ("memory", "redis")
    for hit in (True, False)
}


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def record_http_request(route: str, status: int, seconds: float) -> None:
    HTTP_REQUEST_SECONDS.labels(route=route, status_class=status_class(status)).observe(seconds)


def record_event(handler: str, outcome: str, seconds: float) -> None:
    if outcome not in EVENT_OUTCOMES:
        raise ValueError(f"unknown event outcome {outcome!r}")
    EVENT_HANDLER_SECONDS.labels(handler=handler, outcome=outcome).observe(seconds)


def record_answer_saves(count: int, outcome: str) -> None:
    """Count ``count`` answers the wizard's save path handled with ``outcome``: ``saved``
    (written durably), ``ignored`` (an older write that a newer one superseded),
    ``rejected`` (invalid or not allowed) or ``failed`` (the backend failed)."""
    if outcome not in ANSWER_SAVE_OUTCOMES:
        raise ValueError(f"outcome must be one of {ANSWER_SAVE_OUTCOMES}, not {outcome!r}")
    if count < 0:
        raise ValueError("count must not be negative")
    if count:
        ANSWER_SAVES.labels(outcome=outcome).inc(count)


def record_cache_lookup(backend: str, hit: bool) -> None:
    _CACHE_RESULTS[(backend, hit)].inc()


def websocket_opened() -> None:
    WEBSOCKET_CONNECTIONS.inc()


def websocket_closed() -> None:
    WEBSOCKET_CONNECTIONS.dec()


# ---- task queues, read from the broker at scrape time --------------------------------------


def queue_stats(broker: Any, redis_client: redis.Redis | None = None) -> dict[str, tuple[int, int]]:
    """``{queue: (waiting messages, dead letters)}`` of the broker's declared queues; the
    waiting count includes the queue's delay queue (retries waiting for their backoff)."""
    names = sorted(name for name in broker.get_declared_queues() if not name.endswith(".DQ"))
    if isinstance(broker, StubBroker):
        return {name: _stub_queue_stats(broker, name) for name in names}
    client = redis_client or broker.client
    return _redis_queue_stats(client, broker.namespace, names)


def _stub_queue_stats(broker: StubBroker, name: str) -> tuple[int, int]:
    delayed = f"{name}.DQ"
    waiting = broker.queues[name].qsize() + broker.queues[delayed].qsize()
    dead = broker.dead_letters_by_queue
    return waiting, len(dead.get(name, ())) + len(dead.get(delayed, ()))


def _redis_queue_stats(
    client: redis.Redis, namespace: str, names: list[str]
) -> dict[str, tuple[int, int]]:
    # Key layout of Dramatiq's Redis broker (dramatiq/brokers/redis/dispatch.lua): a list of
    # message ids per queue and per delay queue, a sorted set of dead-lettered ids.
    with client.pipeline(transaction=False) as pipe:
        pipe.ping()  # the broker must answer even when no queue is declared yet
        for name in names:
            pipe.llen(f"{namespace}:{name}")
            pipe.llen(f"{namespace}:{name}.DQ")
            pipe.zcard(f"{namespace}:{name}.XQ")
        counts = pipe.execute()[1:]
    return {
        name: (int(counts[3 * i]) + int(counts[3 * i + 1]), int(counts[3 * i + 2]))
        for i, name in enumerate(names)
    }


@lru_cache(maxsize=4)
def _queue_client(url: str) -> redis.Redis:
    """A client of its own with short timeouts: a hung broker cannot hang a scrape."""
    return redis.Redis.from_url(
        url,
        socket_timeout=QUEUE_READ_TIMEOUT_SECONDS,
        socket_connect_timeout=QUEUE_READ_TIMEOUT_SECONDS,
    )


class TaskQueueCollector:
    """Queue depth and dead letters per queue, asked of this process's Dramatiq broker."""

    def describe(self) -> list[Metric]:
        return []  # registering must not read the broker

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "ninevectors_task_queue_depth",
            "Messages waiting in a task queue (its retry delay queue included).",
            labels=["queue"],
        )
        dead = GaugeMetricFamily(
            "ninevectors_task_dead_letters",
            "Messages of a task queue that failed every delivery.",
            labels=["queue"],
        )
        up = GaugeMetricFamily(
            "ninevectors_task_broker_up", "1 when the task broker answered this scrape."
        )
        try:
            stats = self._stats()
        except Exception as error:  # noqa: BLE001 — a scrape reports the broker down instead
            log.warning("task queue metrics unavailable: %s", error)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for name, (waiting, dead_letters) in stats.items():
                depth.add_metric([name], waiting)
                dead.add_metric([name], dead_letters)
        yield from (depth, dead, up)

    @staticmethod
    def _stats() -> dict[str, tuple[int, int]]:
        from ninevectors.services import tasks

        broker = tasks.runtime(start_worker=False).broker
        if isinstance(broker, StubBroker):
            return queue_stats(broker)
        from ninevectors.settings import get_settings

        return queue_stats(broker, _queue_client(get_settings().redis_url))


# ---- exposition ----------------------------------------------------------------------------

_TASK_QUEUES = TaskQueueCollector()
if os.environ.get(MULTIPROC_ENV) is None:
    REGISTRY.register(_TASK_QUEUES)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(path: str | Path) -> Path:
    """Empty (or create) ``path`` for a new server run: call it in the process that starts
    the workers, before any of them, with ``PROMETHEUS_MULTIPROC_DIR`` set to ``path``."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only the metric files: the folder may hold others
        stale.unlink()
    return folder


def forget_dead_processes(path: str) -> None:
    """Drop the live gauges (open websockets) of worker processes that are gone, so a crashed
    worker's connections stop counting. Counters and histograms of dead workers stay: their
    totals must not go down."""
    for file in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        match = re.search(r"_(\d+)\.db$", file)
        if match and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scrape_registry(path: str | None = None) -> CollectorRegistry:
    """What ``/metrics`` serves: every worker's files in multiprocess mode (``path``, default
    ``PROMETHEUS_MULTIPROC_DIR``), else this process's registry."""
    path = path or multiprocess_dir()
    if path is None:
        return REGISTRY
    forget_dead_processes(path)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)
    registry.register(_TASK_QUEUES)
    return registry


def render(accept_header: str | None = None, path: str | None = None) -> tuple[bytes, str]:
    """The exposition (Prometheus text, or OpenMetrics when asked) and its content type."""
    encoder, content_type = choose_encoder(accept_header or "")
    return encoder(scrape_registry(path)), content_type
