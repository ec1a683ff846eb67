"""Time from a killed web worker (SIGKILL to a Granian worker, not the master) to the service
restored, over several kills, for both topologies of `python -m ninevectors.cli serve`:

- embedded: SQLite, in-process cache, one web worker (what `make run` serves);
- production: PostgreSQL and Redis, two web workers and a task worker.

For each: p50 and max of "serving again" (the first of an unbroken run of answers from
/ping) and "replaced" (the killed worker's successor serves too), requests that failed in
between, and one kill of the whole web role (supervisord restarts it, no rebuild).

Usage: .venv/bin/python bench/restart_bench.py [--kills 5]
Needs what `make test` installs (bun, redis-server) and PostgreSQL on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.app_server import RunningApp, start_app, stop_app  # noqa: E402
from tests.fixtures.postgres import admin_url, create_database, drop_database  # noqa: E402
from tests.restarts import Recovery, kill_role, kill_web_worker  # noqa: E402
from tests.servers import free_port, start_process, stop_process, wait_for_port  # noqa: E402

# Granian gives up (and the supervisor restarts it whole) when a worker dies again within
# 5.5 s of being respawned: kills further apart than that measure a worker respawn each.
CRASH_LOOP_GAP_S = 6.5


@contextmanager
def _redis(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = start_process([*args, "--appendonly", "no"], folder / "redis.log")
    if not wait_for_port(port, timeout=15):
        stop_process(process)
        raise SystemExit("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


@contextmanager
def _postgres() -> Iterator[str]:
    admin = admin_url()
    url = create_database(admin, prefix="ninevectors_bench")
    if url is None:
        raise SystemExit(f"PostgreSQL is not reachable at {admin.render_as_string()}")
    try:
        yield url
    finally:
        drop_database(admin, url)


def _kills(app: RunningApp, count: int) -> list[Recovery]:
    recoveries: list[Recovery] = []
    for _ in range(count):
        recoveries.append(kill_web_worker(app))
        time.sleep(CRASH_LOOP_GAP_S)
    return recoveries


def _figures(label: str, values: list[float]) -> str:
    return f"{label} p50 {statistics.median(values):.2f} s, max {max(values):.2f} s"


def _report(title: str, app: RunningApp, kills: int) -> None:
    print(f"== {title}", flush=True)
    recoveries = _kills(app, kills)
    failed = sum(r.failed_requests for r in recoveries)
    answered = [r.answered_s for r in recoveries]
    print(f"   web worker killed x{kills}: {_figures('serving again', answered)}")
    print(f"   {_figures('killed worker replaced', [r.replaced_s for r in recoveries])}")
    print(f"   requests that failed meanwhile: {failed} (polled every 20 ms)")
    print(f"   whole web role killed: serving again in {kill_role(app, 'web'):.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5)
    kills = parser.parse_args().kills
    with tempfile.TemporaryDirectory(prefix="restart-bench-") as scratch:
        folder = Path(scratch)
        app = start_app(folder / "embedded")
        try:
            _report("embedded: SQLite, in-process cache, 1 web worker", app, kills)
        finally:
            stop_app(app)
        with _redis(folder) as redis_url, _postgres() as database_url:
            settings = {
                "NINEVECTORS_DATABASE_URL": database_url,
                "NINEVECTORS_CACHE_BACKEND": "redis",
                "NINEVECTORS_REDIS_URL": redis_url,
                "NINEVECTORS_WEB_WORKERS": "2",
                "NINEVECTORS_TASK_WORKERS": "1",
            }
            app = start_app(folder / "production", settings)
            try:
                _report("production: PostgreSQL + Redis, 2 web workers, 1 task worker", app, kills)
            finally:
                stop_app(app)


if __name__ == "__main__":
    main()
