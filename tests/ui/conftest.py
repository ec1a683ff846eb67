"""Browser tests: the production build, started once per test session, driven by Playwright
on Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from tests.servers import PROJECT_ROOT, free_port, missing_server, start_process, stop_process

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_TIMEOUT_S = 420


def _app_environment(port: int, data_dir: Path) -> dict[str, str]:
    tools = PROJECT_ROOT / "tools" / "node_modules"
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
        "REFLEX_BUN_PATH": str(tools / "bun" / "bin" / "bun.exe"),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_USE_GRANIAN": "1",
        "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/"),
        "PATH": f"{Path(sys.executable).parent}:{tools / '.bin'}:{os.environ.get('PATH', '')}",
    }


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited while starting:\n{log.read_text()[-4000:]}")
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the app did not serve {url} in {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production build on a free loopback port, with the demo organization loaded."""
    if not (PROJECT_ROOT / "tools" / "node_modules" / "bun" / "bin" / "bun.exe").exists():
        missing_server("bun is not installed in tools/ (run scripts/bootstrap.sh)")
    port = free_port()
    data_dir = tmp_path_factory.mktemp("app-data")
    env = {**os.environ, **_app_environment(port, data_dir)}
    prepared = subprocess.run(
        [sys.executable, "-m", "ninevectors.cli", "prepare"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if prepared.returncode != 0:
        pytest.fail(f"`ninevectors.cli prepare` failed:\n{prepared.stdout}\n{prepared.stderr}")
    log = data_dir / "app.log"
    reflex = str(Path(sys.executable).parent / "reflex")
    process = start_process(
        [reflex, "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)],
        log,
        env=env,
        cwd=PROJECT_ROOT,
    )
    url = f"http://localhost:{port}"
    try:
        _wait_until_serving(url + "/", process, log)
        yield url
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def base_url(app_url: str) -> str:
    return app_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_server("Debian's chromium is not installed (make test installs it)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}
