"""Periodic work: scheduled reminders, expired-item purge, old session rows.

One scheduler per deployment runs them (``python -m ninevectors.cli serve --role scheduler``,
which ``serve`` starts beside the web workers; web workers never run them). It holds a
lock — in Redis with the Redis cache (any number of machines), a file lock in the data
folder with the embedded default (one machine) — runs every job when it takes the lock and
then every ``scheduler_interval_seconds``. Every job is safe to run again, so a takeover
simply runs them at once.

A second scheduler waits for the lock: it takes over as soon as the first stops (the lock is
released) or, if the first dies, once its lock expires (``scheduler_lock_seconds``; the
holder renews it every third of that).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

LOCK_KEY = "ninevectors:scheduler:lock"
LOCK_FILE_NAME = "scheduler.lock"
MAX_STANDBY_POLL_SECONDS = 2.0


def _send_scheduled_reminders() -> int:
    from ninevectors.services.assessments import send_scheduled_reminders

    return send_scheduled_reminders()


def _purge_expired_items() -> int:
    from ninevectors.services.backends import get_store

    return get_store().purge_expired()


def _purge_ended_sessions() -> int:
    from ninevectors.services.identity.sessions import purge_ended

    return purge_ended()


def _queue_usage_reports() -> int:
    from ninevectors.services.billing.usage_reports import queue_usage_reports

    return queue_usage_reports()  # nothing while billing is off


JOBS: dict[str, Callable[[], int]] = {
    "scheduled reminders": _send_scheduled_reminders,
    "expired items purge": _purge_expired_items,
    "ended sessions purge": _purge_ended_sessions,
    "usage reported to Stripe": _queue_usage_reports,
}


def run_jobs_once() -> dict[str, int]:
    """Run every job; a failing one is logged and runs again next round."""
    done: dict[str, int] = {}
    for name, job in JOBS.items():
        try:
            done[name] = job()
        except Exception:  # noqa: BLE001 — one failing job must not stop the others
            log.exception("periodic job %r failed; it runs again next round", name)
    return done


# ---- the lock ----------------------------------------------------------------------------


class LeaderLock(Protocol):
    holder: str

    def acquire(self) -> bool: ...

    def renew(self) -> bool | None:
        """True: renewed; False: lost (another holds it); None: unknown (unreachable)."""
        ...

    def release(self) -> None: ...


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RedisLeaderLock:
    """A Redis key with an expiry, held by whoever set it (redis-py's Lock)."""

    def __init__(self, url: str, ttl_seconds: float, key: str = LOCK_KEY) -> None:
        import redis

        self.holder = _holder()
        self._errors = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._lock = self._client.lock(key, timeout=ttl_seconds, thread_local=False)

    def acquire(self) -> bool:
        token = f"{self.holder}:{uuid.uuid4().hex}"  # readable: who runs the jobs
        try:
            return bool(self._lock.acquire(blocking=False, token=token))
        except self._errors as error:
            log.warning("scheduler lock: Redis unreachable (%s)", error)
            return False

    def renew(self) -> bool | None:
        from redis.exceptions import LockError

        try:
            self._lock.reacquire()
            return True
        except LockError:
            return False
        except self._errors as error:
            log.warning("scheduler lock not renewed: Redis unreachable (%s)", error)
            return None

    def release(self) -> None:
        from redis.exceptions import LockError

        try:
            self._lock.release()
        except (LockError, *self._errors):
            pass  # expired or unreachable: it frees itself when its time is up


class FileLeaderLock:
    """An exclusive lock on a file in the data folder: the embedded default's one machine.
    The kernel drops it when the holder dies, so there is nothing to renew."""

    def __init__(self, path: Path) -> None:
        self.holder = _holder()
        self._path = path
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        os.ftruncate(descriptor, 0)
        os.write(descriptor, self.holder.encode())
        self._descriptor = descriptor
        return True

    def renew(self) -> bool | None:
        return self._descriptor is not None

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


# ---- the scheduler -----------------------------------------------------------------------


@dataclass
class Scheduler:
    lock: LeaderLock
    interval_seconds: float
    lock_seconds: float
    jobs: Callable[[], dict[str, int]] = run_jobs_once
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def _renew_every(self) -> float:
        return self.lock_seconds / 3

    def run(self) -> None:
        """Wait for the lock, run the jobs while holding it; until ``stop`` is set."""
        log.info("scheduler %s waiting for the scheduler lock", self.lock.holder)
        while not self.stop.is_set():
            if not self.lock.acquire():
                self.stop.wait(min(self._renew_every, MAX_STANDBY_POLL_SECONDS))
                continue
            log.info("scheduler %s holds the scheduler lock", self.lock.holder)
            try:
                self._lead()
            finally:
                self.lock.release()
        log.info("scheduler %s stopped", self.lock.holder)

    def _lead(self) -> None:
        lost = threading.Event()
        done = threading.Event()
        renewer = threading.Thread(target=self._keep_renewing, args=(lost, done), daemon=True)
        renewer.start()
        try:
            while not self.stop.is_set() and not lost.is_set():
                log.info("periodic jobs ran: %s", self.jobs())
                deadline = time.monotonic() + self.interval_seconds
                while time.monotonic() < deadline and not (self.stop.is_set() or lost.is_set()):
                    self.stop.wait(min(1.0, max(deadline - time.monotonic(), 0.0)))
        finally:
            done.set()
            renewer.join()

    def _keep_renewing(self, lost: threading.Event, done: threading.Event) -> None:
        renewed_at = time.monotonic()
        while not done.wait(self._renew_every):
            renewed = self.lock.renew()
            if renewed:
                renewed_at = time.monotonic()
            elif renewed is False or time.monotonic() - renewed_at >= self.lock_seconds:
                log.warning("scheduler %s lost the scheduler lock", self.lock.holder)
                lost.set()
                return


def lock_from_settings() -> LeaderLock:
    from ninevectors.settings import get_settings

    settings = get_settings()
    if settings.cache_backend == "redis" and settings.redis_url:
        return RedisLeaderLock(settings.redis_url, settings.scheduler_lock_seconds)
    return FileLeaderLock(settings.data_dir / LOCK_FILE_NAME)


def main() -> None:
    """The scheduler process: run until SIGTERM/SIGINT (the job in hand finishes first)."""
    from ninevectors.services.observability.logs import configure_from_settings
    from ninevectors.serving.lifetime import end_with_supervisor
    from ninevectors.settings import get_settings

    configure_from_settings()
    end_with_supervisor()
    settings = get_settings()
    scheduler = Scheduler(
        lock=lock_from_settings(),
        interval_seconds=settings.scheduler_interval_seconds,
        lock_seconds=settings.scheduler_lock_seconds,
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: scheduler.stop.set())
    scheduler.run()
