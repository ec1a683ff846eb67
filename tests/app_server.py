"""Start the production build of the app on a free loopback port (browser tests, benches)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from tests.servers import PROJECT_ROOT, free_port, start_process, stop_process

STARTUP_TIMEOUT_S = 420
# Reflex builds into the project's .web folder: one app at a time may build and serve from it.
BUILD_LOCK = PROJECT_ROOT / ".web.lock"
BUILD_LOCK_TIMEOUT_S = 1800
TOOLS = PROJECT_ROOT / "tools" / "node_modules"
BUN = TOOLS / "bun" / "bin" / "bun.exe"


class AppStartError(RuntimeError):
    """The app could not be prepared or did not start serving."""


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
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


def stop_app(app: RunningApp) -> None:
    stop_process(app.process)
    fcntl.flock(app.lock, fcntl.LOCK_UN)
    os.close(app.lock)


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
        "REFLEX_BUN_PATH": str(BUN),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_USE_GRANIAN": "1",
        "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/"),
        "PATH": f"{Path(sys.executable).parent}:{TOOLS / '.bin'}:{os.environ.get('PATH', '')}",
    }


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AppStartError(f"the app exited while starting:\n{log.read_text()[-4000:]}")
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.5)
    raise AppStartError(f"the app did not serve {url} in {STARTUP_TIMEOUT_S} s")


def start_app(data_dir: Path, extra_env: dict[str, str] | None = None) -> RunningApp:
    """Migrate and load the demo organization into ``data_dir``, then serve the app
    (``extra_env``: more settings for the app process only)."""
    if not BUN.exists():
        raise AppStartError("bun is not installed in tools/ (run scripts/bootstrap.sh)")
    port = free_port()
    settings = {**app_environment(port, data_dir), **(extra_env or {})}
    env = {**os.environ, **settings}
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
    log = data_dir / "app.log"
    reflex = str(Path(sys.executable).parent / "reflex")
    args = [
        reflex,
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(port),
        "--backend-port",
        str(port),
    ]
    lock = _take_build_lock()
    process = start_process(args, log, env=env, cwd=PROJECT_ROOT)
    app = RunningApp(url=f"http://localhost:{port}", process=process, env=settings, lock=lock)
    try:
        _wait_until_serving(app.url + "/", process, log)
    except AppStartError:
        stop_app(app)
        raise
    return app
