"""How many processes of each role: flags, then settings, then defaults for the machine."""

from __future__ import annotations

import os

from ninevectors.settings import Settings

MAX_AUTO_WEB_WORKERS = 8


class CountError(ValueError):
    """A requested process count this configuration cannot run."""


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def uses_redis(settings: Settings) -> bool:
    return settings.cache_backend == "redis" and bool(settings.redis_url)


def web_workers(settings: Settings, requested: int | None = None) -> int:
    """Granian workers. With the embedded cache, Reflex state and the cache live in the one
    worker's memory, so only one can serve."""
    chosen = requested or settings.web_workers or _granian_workers_env()
    if not uses_redis(settings):
        if chosen and chosen > 1:
            raise CountError(
                f"{chosen} web workers need the Redis cache (NINEVECTORS_CACHE_BACKEND=redis): "
                "the embedded default keeps Reflex state in one process"
            )
        return 1
    return chosen or min(max(_cores(), 2), MAX_AUTO_WEB_WORKERS)


def task_workers(settings: Settings, requested: int | None = None) -> int:
    """Task-queue worker processes. The embedded queue lives inside the web process."""
    chosen = requested if requested is not None else settings.task_workers
    if not uses_redis(settings):
        if chosen:
            raise CountError(
                "task worker processes need the Redis broker (NINEVECTORS_CACHE_BACKEND=redis): "
                "the embedded queue runs inside the web process"
            )
        return 0
    return chosen if chosen is not None else max(_cores() // 2, 1)


def _granian_workers_env() -> int | None:
    value = os.environ.get("GRANIAN_WORKERS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None
