"""The bounded thread pool that keeps blocking work off the event loop.

Reflex runs every event handler of a worker on one asyncio loop, and the HTTP routes share
it. The services are synchronous (SQLAlchemy, the Redis client, the Azure SDKs, argon2), so
callers on the loop hand them to :func:`run_blocking`, which runs them on a fixed number of
threads (``NINEVECTORS_BLOCKING_THREADS``) and awaits the result. A fixed size keeps a burst
of slow calls from opening more database connections than the pool has.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from ninevectors.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=get_settings().blocking_threads, thread_name_prefix="nv-blocking"
            )
        return _pool


async def run_blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` on the pool and await it; context variables (request id,
    principal for the logs) go along."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


def shutdown() -> None:
    """Finish queued calls and stop the threads (process exit, tests)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
