"""Browser tests: the production build, started once per test session, driven by Playwright
on Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.app_server import BUN, AppStartError, RunningApp, start_app, stop_app
from tests.fixtures.claude_server import API_KEY, ClaudeServer
from tests.servers import missing_server

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


@pytest.fixture(scope="session")
def claude_for_app() -> Iterator[ClaudeServer]:
    """The local Messages API server the app's coach talks to (tests script its replies)."""
    server = ClaudeServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def running_app(
    tmp_path_factory: pytest.TempPathFactory, claude_for_app: ClaudeServer
) -> Iterator[RunningApp]:
    """The production build on a free loopback port, with the demo organization loaded and
    the coach on the local Messages API server (``env``: its settings, for the operator's
    command line against the same data)."""
    if not BUN.exists():
        missing_server("bun is not installed in tools/ (run scripts/bootstrap.sh)")
    coach = {
        "NINEVECTORS_ANTHROPIC_API_KEY": API_KEY,
        "NINEVECTORS_ANTHROPIC_BASE_URL": claude_for_app.url,
    }
    try:
        app = start_app(tmp_path_factory.mktemp("app-data"), extra_env=coach)
    except AppStartError as error:
        pytest.fail(str(error))
    try:
        yield app
    finally:
        stop_app(app)


@pytest.fixture(scope="session")
def app_url(running_app: RunningApp) -> str:
    return running_app.url


@pytest.fixture(scope="session")
def base_url(app_url: str) -> str:
    return app_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_server("Debian's chromium is not installed (make test installs it)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}
