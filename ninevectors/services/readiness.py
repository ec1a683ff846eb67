"""Whether this process can serve: each configured backend answers, within a short time.

The checks (database, document store, and with Redis the cache and the task broker) run at
once on a small pool of their own, each bounded by ``NINEVECTORS_READINESS_TIMEOUT_SECONDS``:
a hung backend fails the probe after that long instead of hanging it. A check still running
from an earlier probe is waited on again rather than started twice, so a backend that hangs
for minutes ties up one thread, not one per probe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from functools import lru_cache

import redis

from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

PROBE_PARTITION = "__readiness__"  # no organization has this id: the count is always 0


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str | None]  # None when the backend answers, else a short reason


_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="nv-readiness")
_lock = threading.Lock()
_in_flight: dict[str, Future[str | None]] = {}


def check_readiness(timeout_seconds: float | None = None) -> list[str]:
    """Reasons the app cannot serve now (``"cache: Redis is unreachable"``); empty when ready."""
    timeout = timeout_seconds or get_settings().readiness_timeout_seconds
    futures = {check.name: _start(check) for check in configured_checks()}
    wait_for(futures.values(), timeout=timeout)
    problems: list[str] = []
    for name, future in futures.items():
        if not future.done():
            problems.append(f"{name}: no answer within {timeout:g} s")
        elif reason := future.result():
            problems.append(f"{name}: {reason}")
    if problems:
        log.warning("not ready: %s", "; ".join(problems))
    return problems


def configured_checks() -> list[Check]:
    settings = get_settings()
    checks = [Check("database", check_database), Check("store", check_store)]
    if settings.cache_backend == "redis":
        checks.append(Check("cache", check_cache))
        if settings.redis_url:  # the task queue uses Redis too (else its in-process broker)
            checks.append(Check("queue", check_queue_broker))
    return checks


def _start(check: Check) -> Future[str | None]:
    with _lock:
        running = _in_flight.get(check.name)
        if running is not None and not running.done():
            return running
        future = _pool.submit(_guarded, check)
        _in_flight[check.name] = future
        return future


def _guarded(check: Check) -> str | None:
    try:
        return check.run()
    except Exception as error:  # noqa: BLE001 — any failure means "not ready"
        log.warning("%s readiness check failed: %s", check.name, error)
        return f"unreachable ({type(error).__name__})"


def check_database() -> str | None:
    from ninevectors.services.database import check_database as database_answers

    return database_answers()


def check_store() -> str | None:
    from ninevectors.services.backends import get_store

    get_store().count("organizations", PROBE_PARTITION)
    return None


def check_cache() -> str | None:
    from ninevectors.services.backends import get_cache

    if not get_cache().ping():
        return "Redis is unreachable"
    return None


def check_queue_broker() -> str | None:
    if not _broker_client(get_settings().redis_url).ping():
        return "Redis did not answer"
    return None


@lru_cache(maxsize=4)
def _broker_client(url: str) -> redis.Redis:
    """The broker's Redis, with timeouts (Dramatiq's own client has none)."""
    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
