"""The scheduler lock, with real scheduler processes (`serve --role scheduler`): of two
schedulers only one runs the periodic jobs; the other takes over when the first dies (once
its Redis lock expires) or stops (at once)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from ninevectors.jobs import LOCK_KEY
from tests.app_server import prepare_data
from tests.servers import PROJECT_ROOT, start_process, stop_process

pytestmark = pytest.mark.timeout(300)

LOCK_SECONDS = 3
RAN = "periodic jobs ran"
WAITING = "waiting for the scheduler lock"


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout_s} s")


class Schedulers:
    """Starts scheduler processes on one data folder and one Redis database."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "ninevectors.cli", "serve", "--role", "scheduler"]
        process = start_process(args, self.log(name), env=self.env, cwd=PROJECT_ROOT)
        self.started.append(process)
        return process

    def log(self, name: str) -> Path:
        return self.folder / f"scheduler-{name}.log"

    def runs(self, name: str) -> int:
        path = self.log(name)
        return path.read_text(errors="replace").count(RAN) if path.exists() else 0

    def says(self, name: str, text: str) -> bool:
        path = self.log(name)
        return path.exists() and text in path.read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            stop_process(process)


def _settings(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "NINEVECTORS_ENVIRONMENT": "test",
        "NINEVECTORS_DATA_DIR": str(folder),
        "NINEVECTORS_DATABASE_URL": "",
        "NINEVECTORS_LOAD_DEMO_DATA": "false",
        "NINEVECTORS_LOG_FORMAT": "text",
        "NINEVECTORS_SCHEDULER_INTERVAL_SECONDS": "1",
        "NINEVECTORS_SCHEDULER_LOCK_SECONDS": str(LOCK_SECONDS),
        **extra,
    }


@pytest.fixture
def redis_schedulers(tmp_path: Path, redis_url: str) -> Iterator[tuple[Schedulers, redis.Redis]]:
    url = redis_url.rsplit("/", 1)[0] + "/3"  # a database of its own
    client = redis.Redis.from_url(url)
    client.flushdb()
    env = _settings(tmp_path, {"NINEVECTORS_CACHE_BACKEND": "redis", "NINEVECTORS_REDIS_URL": url})
    prepare_data(env)
    schedulers = Schedulers(tmp_path, env)
    try:
        yield schedulers, client
    finally:
        schedulers.stop_all()
        client.flushdb()


def _holder(client: redis.Redis) -> str:
    value = client.get(LOCK_KEY)
    return value.decode() if value else ""


def _holds(client: redis.Redis, process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    return lambda: _holder(client).startswith(f"{socket.gethostname()}:{process.pid}:")


def test_only_one_scheduler_runs_the_jobs_and_the_other_takes_over_when_it_dies(
    redis_schedulers: tuple[Schedulers, redis.Redis], capsys: pytest.CaptureFixture[str]
) -> None:
    schedulers, client = redis_schedulers
    first = schedulers.start("first")
    _wait(_holds(client, first), 60, "the first scheduler takes the lock")
    _wait(lambda: schedulers.runs("first") >= 1, 30, "the first scheduler runs the jobs")
    second = schedulers.start("second")
    _wait(lambda: schedulers.says("second", WAITING), 60, "the second scheduler waits")
    runs_before = schedulers.runs("first")
    time.sleep(3 * LOCK_SECONDS)  # several renewals and job rounds
    assert schedulers.runs("first") >= runs_before + 3
    assert schedulers.runs("second") == 0
    assert _holds(client, first)()

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    takeover_s = _wait(_holds(client, second), LOCK_SECONDS + 5, "the second takes over")
    _wait(lambda: schedulers.runs("second") >= 1, 10, "the second scheduler runs the jobs")
    with capsys.disabled():
        print(f"\n    scheduler killed -> the other took over in {takeover_s:.1f} s")
    assert takeover_s <= LOCK_SECONDS + 3


def test_a_stopping_scheduler_hands_over_at_once(
    redis_schedulers: tuple[Schedulers, redis.Redis],
) -> None:
    schedulers, client = redis_schedulers
    first = schedulers.start("first")
    _wait(_holds(client, first), 60, "the first scheduler takes the lock")
    second = schedulers.start("second")
    _wait(lambda: schedulers.says("second", WAITING), 60, "the second scheduler waits")

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    takeover_s = _wait(_holds(client, second), LOCK_SECONDS + 5, "the second takes over")
    assert takeover_s < LOCK_SECONDS  # released, not expired


def test_embedded_schedulers_share_a_file_lock(tmp_path: Path) -> None:
    env = _settings(tmp_path, {"NINEVECTORS_CACHE_BACKEND": "memory"})
    prepare_data(env)
    schedulers = Schedulers(tmp_path, env)
    try:
        first = schedulers.start("first")
        _wait(lambda: schedulers.runs("first") >= 1, 60, "the first scheduler runs the jobs")
        schedulers.start("second")
        _wait(lambda: schedulers.says("second", WAITING), 60, "the second scheduler waits")
        time.sleep(3)
        assert schedulers.runs("second") == 0
        first.send_signal(signal.SIGKILL)
        _wait(lambda: schedulers.runs("second") >= 1, 10, "the second takes over")
    finally:
        schedulers.stop_all()
