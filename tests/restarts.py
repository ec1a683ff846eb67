"""Killing parts of a running app and timing its recovery (serving tests, restart bench)."""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.app_server import RunningApp, role_pids, web_worker_pids

SAVES_PATH = "/api/wizard/answers"  # answers 401 unless the cookie names a live session
DEMO_ADMIN = ("user_acme_admin", "org_acme_demo", "ORG_ADMIN")


class NotRestored(AssertionError):
    """The app did not serve again in time."""


def _connection(app: RunningApp, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", urlsplit(app.url).port, timeout=timeout)


def answers(app: RunningApp, path: str = "/ping", timeout: float = 1.0) -> bool:
    """Whether ``path`` answers 200 now."""
    connection = _connection(app, timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Seconds until ``condition()`` held; NotRestored after ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise NotRestored(f"{what}: not within {timeout_s} s")


@dataclass(frozen=True)
class Recovery:
    """After a kill: when the service answered again, and when the killed process had a
    replacement that serves (for one web worker these are the same moment)."""

    answered_s: float
    replaced_s: float
    failed_requests: int


def kill_web_worker(app: RunningApp, timeout_s: float = 30) -> Recovery:
    """SIGKILL one Granian worker (not the master) and time the recovery."""
    before = web_worker_pids(app)
    assert before, "no web worker process found"
    victim = before[0]
    expected = len(before)
    started = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    failed = 0
    answered_s: float | None = None
    while time.monotonic() - started < timeout_s:
        if answers(app):
            answered_s = answered_s if answered_s is not None else time.monotonic() - started
            workers = web_worker_pids(app)
            if victim not in workers and len(workers) == expected and _fresh_worker_serves(app):
                return Recovery(answered_s, time.monotonic() - started, failed)
        else:
            failed += 1
            answered_s = None
        time.sleep(0.02)
    raise NotRestored(f"web worker {victim} not replaced within {timeout_s} s")


def _fresh_worker_serves(app: RunningApp) -> bool:
    """Enough requests answered in a row that the new worker took some of them (the kernel
    spreads connections over the workers accepting on the shared socket)."""
    return all(answers(app) for _ in range(3 * max(len(web_worker_pids(app)), 1)))


def kill_role(app: RunningApp, role: str, timeout_s: float = 60) -> float:
    """SIGKILL every process of ``role``; seconds until supervisord restarted them (and, for
    the web, until the service answers again)."""
    before = role_pids(app, role)
    assert before, f"no {role} process found"
    started = time.monotonic()
    for pid in before:
        os.kill(pid, signal.SIGKILL)

    def restarted() -> bool:
        now = role_pids(app, role)
        replaced = len(now) == len(before) and not set(now) & set(before)
        return replaced and (role != "web" or answers(app))

    wait_until(restarted, timeout_s, f"{role} restarted by the supervisor")
    return time.monotonic() - started


# ---- a signed-in person ---------------------------------------------------------------------


@contextmanager
def app_settings(env: dict[str, str]) -> Iterator[None]:
    """This process's settings, database and backends pointed at the app's for a while."""
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import reset_engine
    from ninevectors.settings import get_settings

    saved = {name: os.environ.get(name) for name in env}

    def reset() -> None:
        get_settings.cache_clear()
        reset_engine()
        reset_backends()

    os.environ.update(env)
    reset()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset()


def sign_in(app: RunningApp) -> str:
    """Sign the demo admin in as the pages do: a session row and its one-time hand-off code
    (written here, in the app's database), redeemed by the app's ``/auth/session`` route for
    the HttpOnly cookie. Returns the ``Cookie`` header value."""
    from ninevectors.services.identity import sessions

    with app_settings(app.env):
        handoff = sessions.begin_session(*DEMO_ADMIN).handoff
    connection = _connection(app, 10)
    try:
        connection.request("GET", f"/auth/session?code={handoff}&next=/dashboard")
        response = connection.getresponse()
        cookie = response.getheader("set-cookie") or ""
    finally:
        connection.close()
    assert response.status == 303, f"/auth/session answered {response.status}"
    assert cookie.startswith(f"{sessions.COOKIE_NAME}="), "no session cookie was set"
    return cookie.split(";", 1)[0]


def saves_status(app: RunningApp, cookie: str | None) -> int:
    """The status of a (deliberately empty) answer save: 401 means signed out."""
    headers = {"X-NV-Request": "1", "Origin": app.url, "Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    connection = _connection(app, 10)
    try:
        connection.request("POST", SAVES_PATH, body=b"{}", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def web_worker_pids_on_port(port: int) -> list[int]:
    """The Granian workers of the web role serving ``port`` (for tests that only know the
    app's URL): children of the process started as ``serve --role web`` with that port."""
    from tests.app_server import command_line

    masters = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        pid = int(environ.parent.name)
        if "ninevectors.cli serve --role web" not in command_line(pid):
            continue
        try:
            variables = environ.read_bytes().split(b"\0")
        except OSError:
            continue
        if f"NINEVECTORS_PORT={port}".encode() in variables:
            masters.append(pid)
    return sorted(pid for master in masters for pid in _children(master))


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for task in tasks for c in (task / "children").read_text().split()]
    except OSError:
        return []
