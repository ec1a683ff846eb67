"""Start the production app (``python -m ninevectors.cli serve``) on loopback for browser
tests, benches and the serving tests.

The frontend build bakes in the backend's URL, port included, so the app is served on one
port per checkout when that port is free (``preferred_port``): a second start then finds the
build current and serves at once instead of rebuilding.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from tests.servers import PROJECT_ROOT, free_port, start_process

STARTUP_TIMEOUT_S = 420
# Reflex builds into the project's .web folder: one app at a time may build and serve from it.
BUILD_LOCK = PROJECT_ROOT / ".web.lock"
BUILD_LOCK_TIMEOUT_S = 1800
TOOLS = PROJECT_ROOT / "tools" / "node_modules"
BUN = TOOLS / "bun" / "bin" / "bun.exe"
SHUTDOWN_TIMEOUT_S = 20  # the app's drain time (NINEVECTORS_SHUTDOWN_TIMEOUT_SECONDS)
STOP_GRACE_S = SHUTDOWN_TIMEOUT_S + 15  # drain of every process, one after the other


class AppStartError(RuntimeError):
    """The app could not be prepared or did not start serving."""


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]  # the supervisor (serve execs supervisord)
    env: dict[str, str]  # the app's settings, for code that talks to the same data
    lock: int  # file descriptor holding BUILD_LOCK while the app serves


def _take_build_lock() -> int:
    descriptor = os.open(BUILD_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    deadline = time.monotonic() + BUILD_LOCK_TIMEOUT_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(descriptor)
                raise AppStartError(
                    "another test run holds .web.lock (building or serving)"
                ) from None
            time.sleep(1)


def _release_build_lock(descriptor: int) -> None:
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)


def preferred_port() -> int:
    """This checkout's own port (the same every run) if it is free, else any free port."""
    digest = hashlib.sha256(str(PROJECT_ROOT).encode()).digest()
    port = 20000 + int.from_bytes(digest[:2], "big") % 10000
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


# ---- processes --------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid``, children first."""
    parents = _parents()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop(0)
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def role_pids(app: RunningApp, role: str) -> list[int]:
    """The processes supervisord started for ``role`` (web, worker, scheduler)."""
    marker = "ninevectors.worker" if role == "worker" else f"--role {role}"
    parents = _parents()
    return [
        pid
        for pid in descendants(app.process.pid)
        if parents.get(pid) == app.process.pid and marker in command_line(pid)
    ]


def web_worker_pids(app: RunningApp) -> list[int]:
    """The Granian worker processes (children of the web master)."""
    parents = _parents()
    masters = set(role_pids(app, "web"))
    return sorted(pid for pid, parent in parents.items() if parent in masters)


def stop_serving(process: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM to the supervisor (it drains and stops everything); SIGKILL to whatever is
    left after ``grace_s``."""
    if process.poll() is not None:
        return
    below = descendants(process.pid)
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
        return
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    for pid in [process.pid, *below]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def stop_app(app: RunningApp) -> None:
    try:
        stop_serving(app.process)
    finally:
        _release_build_lock(app.lock)


# ---- starting ---------------------------------------------------------------------------


def app_environment(port: int, data_dir: Path) -> dict[str, str]:
    """Embedded backends in ``data_dir``; Reflex offline with the project's own bun."""
    return {
        "NINEVECTORS_ENVIRONMENT": "test",
        "NINEVECTORS_PORT": str(port),
        "NINEVECTORS_PUBLIC_URL": f"http://localhost:{port}",
        "NINEVECTORS_API_URL": "",
        "NINEVECTORS_DATA_DIR": str(data_dir),
        "NINEVECTORS_DATABASE_URL": "",
        "NINEVECTORS_STORE_BACKEND": "sql",
        "NINEVECTORS_CACHE_BACKEND": "memory",
        "NINEVECTORS_BLOB_BACKEND": "local",
        "NINEVECTORS_SMTP_HOST": "",
        "NINEVECTORS_SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT_S),
        "REFLEX_BUN_PATH": str(BUN),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_USE_GRANIAN": "1",
        "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/"),
        "PATH": f"{Path(sys.executable).parent}:{TOOLS / '.bin'}:{os.environ.get('PATH', '')}",
    }


def wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = STARTUP_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AppStartError(f"the app exited while starting:\n{log.read_text()[-4000:]}")
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.2)
    raise AppStartError(f"the app did not serve {url} in {timeout_s} s:\n{log.read_text()[-4000:]}")


def prepare_data(env: dict[str, str]) -> None:
    """``ninevectors.cli prepare`` with these settings (migrations, key, demo organization)."""
    prepared = subprocess.run(
        [sys.executable, "-m", "ninevectors.cli", "prepare"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if prepared.returncode != 0:
        raise AppStartError(
            f"`ninevectors.cli prepare` failed:\n{prepared.stdout}\n{prepared.stderr}"
        )


def start_app(
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    *,
    port: int | None = None,
    log_name: str = "app.log",
) -> RunningApp:
    """Migrate and load the demo organization into ``data_dir``, then serve the app with
    ``python -m ninevectors.cli serve`` (``extra_env``: more settings for the app only;
    ``port``: this one rather than :func:`preferred_port`)."""
    if not BUN.exists():
        raise AppStartError("bun is not installed in tools/ (run scripts/bootstrap.sh)")
    lock = _take_build_lock()
    try:
        port = port or preferred_port()
        settings = {**app_environment(port, data_dir), **(extra_env or {})}
        env = {**os.environ, **settings, "NINEVECTORS_WEB_LOCK_HELD": "1"}
        prepare_data(env)
        log = data_dir / log_name
        args = [sys.executable, "-m", "ninevectors.cli", "serve"]
        process = start_process(args, log, env=env, cwd=PROJECT_ROOT)
    except BaseException:
        _release_build_lock(lock)
        raise
    app = RunningApp(url=f"http://localhost:{port}", process=process, env=settings, lock=lock)
    try:
        wait_until_serving(app.url + "/", process, log)
    except BaseException:
        stop_app(app)
        raise
    return app
