"""Shared by the serving tests (tests/integration/test_serving_*.py): start the app or fail.

Each module starts its own app: an app holds .web.lock while it serves, so two modules'
apps never overlap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_server import AppStartError, RunningApp, start_app

RESTORE_LIMIT_S = 5  # one web worker killed: answering again within this
ROLE_RESTART_LIMIT_S = 10  # a task worker or scheduler killed: running again within this
WEB_ROLE_RESTORE_LIMIT_S = 60  # the whole web role killed: it re-imports the app


def start_or_fail(
    data_dir: Path, extra_env: dict[str, str] | None = None, port: int | None = None
) -> RunningApp:
    """Start the app; a missing tool or a failed start fails the test (never a skip)."""
    try:
        return start_app(data_dir, extra_env, port=port)
    except AppStartError as error:
        pytest.fail(str(error))


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """A measured figure, printed in the test run's output."""
    with capsys.disabled():
        print(f"\n    {line}")
