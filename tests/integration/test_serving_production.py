"""`serve` with PostgreSQL and Redis, two web workers and a task worker, as real processes
on loopback: one web worker killed, the other keeps answering and the killed one is replaced
within seconds; sessions and Reflex state live outside the processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_server import RunningApp, role_pids, stop_app, web_worker_pids
from tests.restarts import kill_role, kill_web_worker, saves_status, sign_in
from tests.serving_tests import RESTORE_LIMIT_S, ROLE_RESTART_LIMIT_S, report, start_or_fail

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis_url: str
) -> Iterator[RunningApp]:
    settings = {
        "NINEVECTORS_DATABASE_URL": postgres_url,
        "NINEVECTORS_CACHE_BACKEND": "redis",
        "NINEVECTORS_REDIS_URL": redis_url,
        "NINEVECTORS_WEB_WORKERS": "2",
        "NINEVECTORS_TASK_WORKERS": "1",
    }
    running = start_or_fail(tmp_path_factory.mktemp("serve-production"), settings)
    try:
        yield running
    finally:
        stop_app(running)


def test_two_web_workers_a_task_worker_and_the_scheduler(app: RunningApp) -> None:
    assert len(web_worker_pids(app)) == 2
    assert len(role_pids(app, "worker")) == 1
    assert len(role_pids(app, "scheduler")) == 1


def test_one_killed_web_worker_is_replaced_while_the_other_answers(
    app: RunningApp, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = sign_in(app)
    assert saves_status(app, cookie) != 401

    recovery = kill_web_worker(app)

    report(
        capsys,
        f"postgres+redis, 2 web workers, one killed: {recovery.failed_requests} failed "
        f"requests, answering at {recovery.answered_s:.2f} s, replacement serving at "
        f"{recovery.replaced_s:.2f} s",
    )
    assert recovery.answered_s < RESTORE_LIMIT_S
    assert recovery.replaced_s < RESTORE_LIMIT_S
    assert len(web_worker_pids(app)) == 2
    assert saves_status(app, cookie) != 401


def test_killed_task_worker_is_restarted(
    app: RunningApp, capsys: pytest.CaptureFixture[str]
) -> None:
    restarted_s = kill_role(app, "worker")
    report(capsys, f"postgres+redis: task worker killed -> restarted in {restarted_s:.1f} s")
    assert restarted_s < ROLE_RESTART_LIMIT_S
