"""Answer saves survive what a service meets in production: a restarted Redis and a killed web
worker, while people keep answering.

Each test serves the app with Granian (several workers, failed workers respawned) and has
clients save the way the wizard's outbox does: one request at a time per person, the same
changes sent again after a failure. Then it checks, against the store, that every
acknowledged save is there, that no one was ever signed out, and that the service came back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from tests.servers import PROJECT_ROOT, free_port, start_process, stop_process, wait_for_port

PEOPLE = 8
SAVE_EVERY_S = 0.05
BUN = PROJECT_ROOT / "tools" / "node_modules" / "bun" / "bin" / "bun.exe"


@dataclass
class Person:
    token: str
    writer: str
    response_id: str
    number: int = 0
    acked: dict[str, int] = field(default_factory=dict)  # theme -> rating acknowledged


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    failures_while_down: int = 0
    saved_while_down: int = 0


def _app_env(data_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = {
        "NINEVECTORS_ENVIRONMENT": "test",
        "NINEVECTORS_DATA_DIR": str(data_dir),
        "NINEVECTORS_DATABASE_URL": database_url,
        "NINEVECTORS_STORE_BACKEND": "sql",
        "NINEVECTORS_CACHE_BACKEND": "redis" if redis_url else "memory",
        "NINEVECTORS_REDIS_URL": redis_url,
        "NINEVECTORS_SMTP_HOST": "",
        "NINEVECTORS_LOAD_DEMO_DATA": "false",
        "NINEVECTORS_SECRET_KEY": "resilience-test-secret-key-0123456789abcdef",
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_SKIP_COMPILE": "true",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_BUN_PATH": str(BUN),
    }
    if redis_url:
        env["REFLEX_REDIS_URL"] = redis_url
    return env


@pytest.fixture
def configured() -> Iterator[None]:
    """Forget the backends the test pointed at its own servers."""
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import reset_engine
    from ninevectors.settings import get_settings

    yield
    get_settings.cache_clear()
    reset_engine()
    reset_backends()


def _use(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import migrate, reset_engine
    from ninevectors.settings import get_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    migrate()


def _seed() -> tuple[str, str, list[Person]]:
    from ninevectors.services import assessments
    from ninevectors.services.assessments import _common as c
    from ninevectors.services.backends import get_store
    from ninevectors.services.identity import roles, sessions, signup, users

    admin = signup.sign_up(
        {
            "organization_name": "Resilient Ltd",
            "email": f"admin-{time.time_ns()}@resilient.example",
            "password": "Resilient-Password-1",
            "first_name": "Re",
            "last_name": "Silient",
            "plan": "enterprise",
        }
    ).principal
    created = assessments.create_assessment(admin, {"name": "Resilience"})
    people: list[Person] = []
    for index in range(PEOPLE):
        user = users.build_user(
            admin.organization_id, f"p{index}-{time.time_ns()}@resilient.example", "P",
            str(index), roles.Role.MEMBER,
        )  # fmt: skip
        get_store().create("users", user.to_item())
        assessments.add_participant(admin, created.id, {"user_id": user.id})
        principal = Principal(user.id, admin.organization_id, roles.Role.MEMBER.value)
        people.append(Person("", f"tab-resilience-{index}", c.response_id(created.id, user.id)))
        people[-1].token = _token(sessions, principal)
    assessments.change_status(admin, created.id, "in-progress")
    for person in people:
        principal = sessions.resolve_session(person.token)
        assert principal is not None
        assessments.open_response(principal, created.id)
    return admin.organization_id, created.id, people


def _token(sessions: Any, principal: Principal) -> str:
    started = sessions.begin_session(principal.user_id, principal.organization_id, principal.role)
    token = sessions.redeem_handoff(started.handoff)
    assert token is not None
    return token


def _serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    granian = str(Path(sys.executable).parent / "granian")
    args = [
        granian, "--factory", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--respawn-failed-workers", "--respawn-interval", "0.5",
        "ninevectors.ninevectors:app",
    ]  # fmt: skip
    process = start_process(args, log, env={**os.environ, **env}, cwd=PROJECT_ROOT)
    assert wait_for_port(port, timeout=120), log.read_text()[-3000:]
    return process, port


async def _until_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base}/health") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError("the app never became healthy")


async def _answering(
    base: str, assessment_id: str, people: list[Person], seconds: float, down: asyncio.Event
) -> Outcome:
    """Every person saves a new rating every SAVE_EVERY_S, retrying a failed one as is."""
    themes = [t.id for t in get_framework().themes]
    outcome = Outcome()
    deadline = time.monotonic() + seconds

    async def person_saves(http: aiohttp.ClientSession, person: Person) -> None:
        while time.monotonic() < deadline:
            person.number += 1
            theme = themes[person.number % len(themes)]
            rating = 1 + person.number % 5
            body = {
                "assessmentId": assessment_id,
                "writer": person.writer,
                "edits": [
                    {"themeId": theme, "number": person.number, "changes": {"rating": rating}}
                ],
            }
            while True:  # the outbox: the same change again until it is acknowledged
                try:
                    async with http.post(
                        f"{base}/api/wizard/answers",
                        json=body,
                        headers={"X-NV-Request": "1", "Cookie": f"nv_session={person.token}"},
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as answer:
                        await answer.read()
                        status = answer.status
                except (TimeoutError, aiohttp.ClientError):
                    status = 0
                outcome.statuses.append(status)
                if status == 200:
                    person.acked[theme] = rating
                    outcome.saved_while_down += down.is_set()
                    break
                outcome.failures_while_down += down.is_set()
                assert status != 401, "a person was signed out"
                await asyncio.sleep(0.2)
            await asyncio.sleep(SAVE_EVERY_S)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(*(person_saves(http, person) for person in people))
    return outcome


def _assert_everything_acknowledged_is_stored(organization_id: str, people: list[Person]) -> None:
    from ninevectors.services.assessments import _common as c
    from ninevectors.services.backends import get_store

    lost = []
    for person in people:
        answers = get_store().get(c.RESPONSES, organization_id, person.response_id)["answers"]
        for theme, rating in person.acked.items():
            if answers[theme]["rating"] != rating:
                lost.append((person.writer, theme, rating, answers[theme]["rating"]))
    assert sum(len(p.acked) for p in people) > 50, "too few saves to mean anything"
    assert lost == []


def _redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = start_process(args + ["--appendonly", "no"], workdir / f"redis-{time.time_ns()}.log")
    assert wait_for_port(port, timeout=15)
    return process


async def _ready_status(base: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/ready") as answer:
        return answer.status


def test_a_redis_restart_loses_no_save_and_signs_nobody_out(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: None
) -> None:
    redis_port = free_port()
    redis = _redis(redis_port, tmp_path)
    env = _app_env(tmp_path, postgres_url, f"redis://127.0.0.1:{redis_port}/0")
    _use(env, monkeypatch)
    organization_id, assessment_id, people = _seed()
    app, port = _serve(env, 2, tmp_path / "app.log")
    base = f"http://127.0.0.1:{port}"
    restarted: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(_until_ready(base))

        async def scenario() -> tuple[Outcome, int, int]:
            down = asyncio.Event()
            answering = asyncio.create_task(_answering(base, assessment_id, people, 12, down))
            await asyncio.sleep(3)
            stop_process(redis)  # Redis keeps nothing on disk: sessions and page state go
            down.set()
            await asyncio.sleep(1)
            during = await _ready_status(base)
            await asyncio.sleep(2)
            restarted.append(_redis(redis_port, tmp_path))
            down.clear()
            await asyncio.sleep(3)
            after = await _ready_status(base)
            return await answering, during, after

        outcome, ready_during, ready_after = asyncio.run(scenario())
        assert ready_during == 503 and ready_after == 200
        assert 401 not in outcome.statuses
        # Saves need no Redis: sessions fall back to their database rows meanwhile.
        assert outcome.saved_while_down > 0
        _assert_everything_acknowledged_is_stored(organization_id, people)
    finally:
        stop_process(app)
        for process in [redis, *restarted]:
            stop_process(process)


def _worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_killed_web_worker_is_replaced_and_loses_no_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: None
) -> None:
    """The embedded default: SQLite and the in-process cache, so the killed worker's cache
    is gone with it; the sessions' database rows keep everyone signed in."""
    env = _app_env(tmp_path, "", "")
    _use(env, monkeypatch)
    organization_id, assessment_id, people = _seed()
    app, port = _serve(env, 1, tmp_path / "app.log")
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_until_ready(base))
        (worker,) = _worker_pids(app.pid)

        async def scenario() -> tuple[Outcome, float]:
            down = asyncio.Event()
            answering = asyncio.create_task(_answering(base, assessment_id, people, 14, down))
            await asyncio.sleep(3)
            os.kill(worker, signal.SIGKILL)
            killed = time.monotonic()
            down.set()
            await _until_ready(base, timeout=60)
            restored = time.monotonic() - killed
            down.clear()
            return await answering, restored

        outcome, restored = asyncio.run(scenario())
        assert app.poll() is None, "the server exited with its worker"
        assert _worker_pids(app.pid) and worker not in _worker_pids(app.pid)
        assert restored < 30, f"service restored after {restored:.1f} s"
        assert 401 not in outcome.statuses
        _assert_everything_acknowledged_is_stored(organization_id, people)
    finally:
        stop_process(app)
