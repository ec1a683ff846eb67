"""Browser tests: the production build, started once per test session, driven by Playwright
on Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import BUN, AppStartError, RunningApp, app_environment, start_app, stop_app
from tests.fixtures import stripe_server as stripe_fixture
from tests.fixtures.claude_server import API_KEY, ClaudeServer
from tests.fixtures.stripe_server import stripe_server  # noqa: F401 — a fixture
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


def _extra_settings(app: RunningApp) -> dict[str, str]:
    """The settings ``app`` was started with beyond the embedded ones (the coach's)."""
    port, data_dir = int(app.env["NINEVECTORS_PORT"]), Path(app.env["NINEVECTORS_DATA_DIR"])
    embedded = app_environment(port, data_dir)
    return {key: value for key, value in app.env.items() if key not in embedded}


def _start_or_fail(data_dir: Path, extra_env: dict[str, str], port: int) -> RunningApp:
    try:
        return start_app(data_dir, extra_env=extra_env, port=port)
    except AppStartError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def billing_app(
    running_app: RunningApp,
    stripe_server: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningApp]:
    """For one module, the shared app swapped for one with billing on against localstripe
    (fresh data), on the same port so the build stays current (only one app may serve from
    .web); the shared app, its data kept, serves again afterwards."""
    port = int(running_app.env["NINEVECTORS_PORT"])
    data_dir = Path(running_app.env["NINEVECTORS_DATA_DIR"])
    extra = _extra_settings(running_app)
    stripe = {
        "NINEVECTORS_STRIPE_SECRET_KEY": stripe_fixture.API_KEY,
        "NINEVECTORS_STRIPE_WEBHOOK_SECRET": stripe_fixture.WEBHOOK_SECRET,
        "NINEVECTORS_STRIPE_API_BASE": stripe_server,
    }
    stop_app(running_app)
    app = _start_or_fail(tmp_path_factory.mktemp("app-billing"), {**extra, **stripe}, port)
    try:
        yield app
    finally:
        stop_app(app)
        back = _start_or_fail(data_dir, extra, port)
        running_app.process, running_app.lock, running_app.env = back.process, back.lock, back.env


@pytest.fixture(scope="session")
def base_url(app_url: str) -> str:
    return app_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_server("Debian's chromium is not installed (make test installs it)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}
