"""The scheduler loop with in-memory locks: jobs run only while the lock is held, a lost
lock stops them, stopping releases it (real processes: integration/test_scheduler_lock.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ninevectors import jobs


class SharedLock:
    """One lock for several schedulers, like the Redis key."""

    def __init__(self) -> None:
        self.holder: str | None = None
        self.mutex = threading.Lock()


class FakeLock:
    def __init__(self, shared: SharedLock, name: str) -> None:
        self.shared = shared
        self.holder = name
        self.releases = 0

    def acquire(self) -> bool:
        with self.shared.mutex:
            if self.shared.holder is None:
                self.shared.holder = self.holder
            return self.shared.holder == self.holder

    def renew(self) -> bool | None:
        return self.shared.holder == self.holder

    def release(self) -> None:
        self.releases += 1
        with self.shared.mutex:
            if self.shared.holder == self.holder:
                self.shared.holder = None


def _scheduler(lock: FakeLock, runs: list[str]) -> jobs.Scheduler:
    def run_jobs() -> dict[str, int]:
        runs.append(lock.holder)
        return {"job": 0}

    return jobs.Scheduler(lock=lock, interval_seconds=0.05, lock_seconds=0.3, jobs=run_jobs)


def _start(scheduler: jobs.Scheduler) -> threading.Thread:
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    return thread


def test_only_the_holder_runs_the_jobs_and_a_stopped_one_hands_over() -> None:
    shared, runs = SharedLock(), []
    first = _scheduler(FakeLock(shared, "first"), runs)
    second = _scheduler(FakeLock(shared, "second"), runs)
    threads = [_start(first)]
    time.sleep(0.1)
    threads.append(_start(second))
    time.sleep(0.4)
    assert runs and set(runs) == {"first"}
    first.stop.set()
    threads[0].join(timeout=5)
    assert shared.holder in (None, "second")
    deadline = time.monotonic() + 5
    while "second" not in runs and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "second" in runs
    second.stop.set()
    threads[1].join(timeout=5)
    assert shared.holder is None


def test_a_lost_lock_stops_the_jobs() -> None:
    shared, runs = SharedLock(), []
    lock = FakeLock(shared, "first")
    scheduler = _scheduler(lock, runs)
    thread = _start(scheduler)
    time.sleep(0.2)
    shared.holder = "someone else"  # the lock expired and was taken meanwhile
    time.sleep(0.5)
    count = len(runs)
    time.sleep(0.3)
    assert len(runs) == count  # no more rounds while another holds it
    scheduler.stop.set()
    thread.join(timeout=5)
    assert shared.holder == "someone else"


def test_a_failing_job_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(jobs, "JOBS", {"broken": broken, "fine": lambda: 3})
    assert jobs.run_jobs_once() == {"fine": 3}


def test_the_file_lock_admits_one_holder_at_a_time(tmp_path: Path) -> None:
    first = jobs.FileLeaderLock(tmp_path / "scheduler.lock")
    second = jobs.FileLeaderLock(tmp_path / "scheduler.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
