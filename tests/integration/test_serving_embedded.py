"""`serve` with the embedded default (SQLite, in-process cache, one web worker), as real
processes on loopback: whatever is killed comes back within seconds, without a rebuild, and
a session cookie obtained before the kill still works after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import RunningApp, role_pids, stop_app, web_worker_pids
from tests.restarts import kill_role, kill_web_worker, saves_status, sign_in
from tests.serving_tests import (
    RESTORE_LIMIT_S,
    ROLE_RESTART_LIMIT_S,
    WEB_ROLE_RESTORE_LIMIT_S,
    report,
    start_or_fail,
)

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_or_fail(tmp_path_factory.mktemp("serve-embedded"))
    try:
        yield running
    finally:
        stop_app(running)


def test_one_web_worker_and_the_scheduler_and_no_task_worker(app: RunningApp) -> None:
    assert len(role_pids(app, "web")) == 1
    assert len(web_worker_pids(app)) == 1
    assert len(role_pids(app, "scheduler")) == 1
    assert role_pids(app, "worker") == []  # the embedded queue runs in the web worker


def test_killed_web_worker_is_back_within_seconds_and_the_session_still_works(
    app: RunningApp, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sign_in(app)
    assert saves_status(app, None) == 401
    assert saves_status(app, cookie) != 401
    master = role_pids(app, "web")

    recovery = kill_web_worker(app)

    report(capsys, f"embedded: web worker killed -> serving again in {recovery.answered_s:.2f} s")
    assert recovery.answered_s < RESTORE_LIMIT_S
    assert role_pids(app, "web") == master  # Granian respawned the worker; nothing restarted
    assert saves_status(app, cookie) != 401  # the session is a database row


def test_killed_web_role_is_restarted_without_a_rebuild(
    app: RunningApp, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sign_in(app)
    log = Path(app.env["NINEVECTORS_DATA_DIR"]) / "app.log"
    builds_before = log.read_text().count("building the frontend")

    restarted_s = kill_role(app, "web", timeout_s=WEB_ROLE_RESTORE_LIMIT_S)

    report(capsys, f"embedded: whole web role killed -> serving again in {restarted_s:.1f} s")
    assert log.read_text().count("building the frontend") == builds_before
    assert saves_status(app, cookie) != 401


def test_killed_scheduler_is_restarted(app: RunningApp, capsys: pytest.CaptureFixture[str]) -> None:
    restarted_s = kill_role(app, "scheduler")
    report(capsys, f"embedded: scheduler killed -> restarted in {restarted_s:.1f} s")
    assert restarted_s < ROLE_RESTART_LIMIT_S
