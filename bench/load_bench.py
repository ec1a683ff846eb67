"""Answer saves under load: latency against echo baselines, saturation, acknowledged vs stored.

For each topology it seeds one organization with N respondents (each with a session and an
open response to an assessment of all nine vectors) and then, with the same clients:

1. an HTTP echo server (the same Granian, the same worker count, no application code) and a
   raw socket.io echo server: the floor any save path pays on this machine;
2. the product's save path (``POST /api/wizard/answers``, as the wizard's outbox sends it)
   at 50, 100 and 200 respondents × 1 answer per second each (open loop, phases spread):
   p50 / p95 and the ratio of p95 to the HTTP echo's p95 at the same rate;
3. saturation: closed loop with many concurrent clients saving back to back; saves/s;
4. acknowledged vs stored: every acknowledged save is compared with what the store holds
   (lost: the stored value is neither the acknowledged one nor a newer one of the same
   writer; reordered: an older value of the same field won).

Topologies: SQLite + in-process cache with 1 web worker (the embedded default), and
PostgreSQL + Redis with ``--workers`` web workers (default 2 on 2 cores). The load generator
runs on the same machine and takes CPU from the server; its own cost is printed.

    .venv/bin/python bench/load_bench.py [--topology sqlite|postgres|both] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.servers import free_port, start_process, stop_process, wait_for_port  # noqa: E402

SAVE_PATH = "/api/wizard/answers"
RATES = (50, 100, 200)
# Everyone saves for a while first (sittings begin, sessions and checks are cached, the
# first save of each sitting is audited); that round is not reported.
WARM_UP_RATE = 200
SATURATION_CLIENTS = 48
BUN = PROJECT_ROOT / "tools" / "node_modules" / "bun" / "bin" / "bun.exe"


@dataclass
class Respondent:
    token: str
    writer: str
    themes: list[str]
    number: int = 0
    acked: dict[str, tuple[int, int]] = field(default_factory=dict)  # theme -> (number, rating)
    sent: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def next_edit(self) -> tuple[str, int, int]:
        self.number += 1
        theme = self.themes[self.number % len(self.themes)]
        rating = 1 + (self.number * 7) % 5
        self.sent.setdefault(theme, []).append((self.number, rating))
        return theme, self.number, rating


@dataclass
class Seeded:
    assessment_id: str
    organization_id: str
    respondents: list[Respondent]
    response_ids: list[str]


# --- environment and seeding ---------------------------------------------------------------


def _environment(
    topology: str, data_dir: Path, database_url: str, redis_url: str
) -> dict[str, str]:
    env = {
        "NINEVECTORS_ENVIRONMENT": "test",
        "NINEVECTORS_DATA_DIR": str(data_dir),
        "NINEVECTORS_DATABASE_URL": database_url,
        "NINEVECTORS_STORE_BACKEND": "sql",
        "NINEVECTORS_CACHE_BACKEND": "redis" if topology == "postgres" else "memory",
        "NINEVECTORS_REDIS_URL": redis_url,
        "NINEVECTORS_SMTP_HOST": "",
        "NINEVECTORS_LOAD_DEMO_DATA": "false",
        "NINEVECTORS_SECRET_KEY": "load-bench-secret-key-0123456789abcdef",
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_SKIP_COMPILE": "true",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_BUN_PATH": str(BUN),
    }
    if topology == "postgres":
        env["REFLEX_REDIS_URL"] = redis_url
    return env


def _apply(env: dict[str, str]) -> None:
    os.environ.update(env)
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import migrate, reset_engine
    from ninevectors.settings import get_settings

    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    migrate()


def _seed(count: int) -> Seeded:
    from ninevectors.framework import get_framework
    from ninevectors.models.principal import Principal
    from ninevectors.services import assessments
    from ninevectors.services.assessments import _common as c
    from ninevectors.services.backends import get_store
    from ninevectors.services.identity import roles, sessions, signup, users

    admin = signup.sign_up(
        {
            "organization_name": "Load Bench Ltd",
            "email": f"admin-{random.randrange(10**9)}@loadbench.example",
            "password": "Load-Bench-Password-1",
            "first_name": "Lo",
            "last_name": "Ad",
            "plan": "enterprise",
        }
    ).principal
    people: list[Principal] = []
    for index in range(count):
        user = users.build_user(
            admin.organization_id, f"r{index}@loadbench.example", "R", str(index), roles.Role.MEMBER
        )
        get_store().create("users", user.to_item())
        people.append(Principal(user.id, admin.organization_id, roles.Role.MEMBER.value))
    created = assessments.create_assessment(admin, {"name": "Load", "description": "bench"})
    for person in people:
        assessments.add_participant(admin, created.id, {"user_id": person.user_id})
    assessments.change_status(admin, created.id, "in-progress")
    themes = [t.id for v in get_framework().vectors for t in v.themes]
    respondents = []
    for index, person in enumerate(people):
        assessments.open_response(person, created.id)
        started = sessions.begin_session(person.user_id, person.organization_id, person.role)
        token = sessions.redeem_handoff(started.handoff)
        assert token is not None
        respondents.append(Respondent(token, f"bench-{index:05d}", themes))
    response_ids = [c.response_id(created.id, p.user_id) for p in people]
    return Seeded(created.id, admin.organization_id, respondents, response_ids)


# --- servers ---------------------------------------------------------------------------------


def _granian(
    target: str, port: int, workers: int, env: dict[str, str], log: Path, cwd: Path = PROJECT_ROOT
) -> Any:
    granian = str(Path(sys.executable).parent / "granian")
    args = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers), target]
    if target.startswith(("ninevectors.", "bare.")):
        args.insert(1, "--factory")  # rx.App builds its ASGI app when called
    paths = {**env, "PYTHONPATH": str(PROJECT_ROOT)}
    process = start_process(args, log, env={**os.environ, **paths}, cwd=cwd)
    if not wait_for_port(port, timeout=120):
        stop_process(process)
        raise RuntimeError(f"{target} did not start: {log.read_text()[-2000:]}")
    return process


async def _wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{url} never answered 200")


# --- the bare Reflex handler -----------------------------------------------------------------
# A Reflex app of its own whose one event handler makes one store write (a patch of the
# respondent's response, off the event loop): what any save through a Reflex event costs.

BARE_RXCONFIG = """
import reflex as rx
from ninevectors.settings import get_settings

settings = get_settings()
config = rx.Config(
    app_name="bare",
    telemetry_enabled=False,
    redis_url=settings.redis_url if settings.cache_backend == "redis" else None,
    state_manager_mode="redis" if settings.cache_backend == "redis" else "memory",
    disable_plugins=[rx.plugins.SitemapPlugin],
)
"""
BARE_APP = """
import reflex as rx
from ninevectors.services.backends import get_store
from ninevectors.services.executor import run_blocking
from ninevectors.services.store.base import PatchOperation


class BareState(rx.State):
    saved: int = 0

    @rx.event
    async def save(self, value: int, organization_id: str, response_id: str) -> None:
        change = [PatchOperation("set", "/benchValue", value)]
        await run_blocking(get_store().patch, "responses", organization_id, response_id, change)
        self.saved = value


app = rx.App()
app.add_page(lambda: rx.text(BareState.saved), route="/")
"""
BARE_EVENT = "reflex___state____state.bare___bare____bare_state.save"


def _bare_app(workdir: Path) -> Path:
    root = workdir / "bare-app"
    (root / "bare").mkdir(parents=True, exist_ok=True)
    (root / "rxconfig.py").write_text(BARE_RXCONFIG)
    (root / "bare" / "__init__.py").write_text("")
    (root / "bare" / "bare.py").write_text(BARE_APP)
    return root


async def _bare_reflex_rates(url: str, seeded: Seeded, seconds: float) -> dict[str, Any]:
    import socketio

    namespace = "/_event"
    clients: list[tuple[Any, asyncio.Queue[Any]]] = []
    for _ in range(max(RATES)):
        client = socketio.AsyncClient(reconnection=False)
        replies: asyncio.Queue[Any] = asyncio.Queue()
        client.on("event", replies.put, namespace=namespace)
        token = f"bench-{len(clients)}-{random.randrange(10**9)}"
        await client.connect(
            f"{url}?token={token}", namespaces=[namespace], socketio_path="/_event",
            transports=["websocket"], wait_timeout=10,
        )  # fmt: skip
        clients.append((client, replies))
    results: dict[int, Any] = {}
    try:
        for label, rate in [("warm-up", WARM_UP_RATE), *((str(r), r) for r in RATES)]:

            async def send(index: int) -> float:
                client, replies = clients[index]
                payload = {
                    "value": index,
                    "organization_id": seeded.organization_id,
                    "response_id": seeded.response_ids[index],
                }
                event = {"name": BARE_EVENT, "payload": payload, "router_data": {"pathname": "/"}}
                started = time.perf_counter()
                await client.emit("event", event, namespace=namespace)
                await asyncio.wait_for(replies.get(), timeout=30)
                return (time.perf_counter() - started) * 1000

            samples, errors = await _open_loop(rate, seconds, send)
            if label != "warm-up":
                results[rate] = (samples, errors, 0.0)
        saturation = await _closed_loop(SATURATION_CLIENTS, seconds, send)
    finally:
        for client, _replies in clients:
            await client.disconnect()
    return {"rates": results, "saturation": saturation}


# --- load ----------------------------------------------------------------------------------


def _batch(seeded: Seeded, who: Respondent) -> dict[str, Any]:
    theme, number, rating = who.next_edit()
    return {
        "assessmentId": seeded.assessment_id,
        "writer": who.writer,
        "edits": [{"themeId": theme, "number": number, "changes": {"rating": rating}}],
    }


async def _save(http: aiohttp.ClientSession, url: str, seeded: Seeded, who: Respondent) -> float:
    body = _batch(seeded, who)
    edit = body["edits"][0]
    started = time.perf_counter()
    async with http.post(
        url,
        json=body,
        headers={"X-NV-Request": "1", "Cookie": f"nv_session={who.token}"},
    ) as answer:
        await answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise RuntimeError(f"save answered {answer.status}")
    who.acked[edit["themeId"]] = (edit["number"], edit["changes"]["rating"])
    return elapsed


async def _open_loop(
    count: int, seconds: float, send: Callable[[int], Awaitable[float]]
) -> tuple[list[float], int]:
    """``count`` clients, each sending once a second at its own phase."""
    samples: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.5

    async def client(index: int) -> None:
        nonlocal errors
        phase = index / count
        for tick in range(int(seconds)):
            delay = start + tick + phase - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                samples.append(await send(index))
            except Exception:  # noqa: BLE001 — counted, reported
                errors += 1

    await asyncio.gather(*(client(i) for i in range(count)))
    return samples, errors


async def _closed_loop(
    clients: int, seconds: float, send: Callable[[int], Awaitable[float]]
) -> tuple[list[float], int, float]:
    samples: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            try:
                samples.append(await send(index))
            except Exception:  # noqa: BLE001
                errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return samples, errors, time.perf_counter() - began


def _p(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _connector() -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=0, force_close=False)


async def _http_rates(url: str, seeded: Seeded, seconds: float, echo: bool) -> dict[int, Any]:
    results: dict[int, Any] = {}
    async with aiohttp.ClientSession(connector=_connector()) as http:
        for label, rate in [("warm-up", WARM_UP_RATE), *((str(r), r) for r in RATES)]:
            people = seeded.respondents[:rate]

            async def send(index: int, people: list[Respondent] = people) -> float:
                if echo:
                    started = time.perf_counter()
                    async with http.post(url, json=_batch(seeded, people[index])) as answer:
                        await answer.read()
                    return (time.perf_counter() - started) * 1000
                return await _save(http, url, seeded, people[index])

            cpu = time.process_time()
            samples, errors = await _open_loop(rate, seconds, send)
            if label != "warm-up":
                results[rate] = (samples, errors, time.process_time() - cpu)
    return results


async def _socketio_rates(url: str, seconds: float) -> dict[int, Any]:
    import socketio

    results: dict[int, Any] = {}
    clients = []
    for _ in range(max(RATES)):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, transports=["websocket"])
        clients.append(client)
    try:
        for rate in RATES:

            async def send(index: int) -> float:
                started = time.perf_counter()
                await clients[index].call("echo", {"themeId": "1.1.1", "rating": 3}, timeout=30)
                return (time.perf_counter() - started) * 1000

            samples, errors = await _open_loop(rate, seconds, send)
            results[rate] = (samples, errors, 0.0)
    finally:
        for client in clients:
            await client.disconnect()
    return results


async def _saturation(url: str, seeded: Seeded, seconds: float) -> tuple[list[float], int, float]:
    async with aiohttp.ClientSession(connector=_connector()) as http:
        people = seeded.respondents[:SATURATION_CLIENTS]

        async def send(index: int) -> float:
            return await _save(http, url, seeded, people[index])

        return await _closed_loop(len(people), seconds, send)


def _verify(seeded: Seeded) -> tuple[int, int, int]:
    """(acknowledged fields, lost, reordered) against what the store holds now."""
    from ninevectors.services.assessments import _common as c
    from ninevectors.services.backends import get_store

    store = get_store()
    acknowledged = lost = reordered = 0
    for who, response_id in zip(seeded.respondents, seeded.response_ids, strict=True):
        answers = store.get(c.RESPONSES, seeded.organization_id, response_id).get("answers", {})
        for theme, (number, rating) in who.acked.items():
            acknowledged += 1
            stored = (answers.get(theme) or {}).get("rating")
            newer = [r for n, r in who.sent.get(theme, []) if n > number]
            if stored == rating or stored in newer:
                continue
            older = [r for n, r in who.sent.get(theme, []) if n < number]
            if stored in older:
                reordered += 1
            else:
                lost += 1
    return acknowledged, lost, reordered


# --- the run --------------------------------------------------------------------------------


def _print_rates(label: str, results: dict[int, Any], echo: dict[int, Any] | None) -> None:
    for rate, (samples, errors, client_cpu) in results.items():
        p50, p95 = _p(samples, 0.5), _p(samples, 0.95)
        ratio = ""
        if echo is not None:
            echo_p95 = _p(echo[rate][0], 0.95)
            ratio = f"   p95 ÷ echo {p95 / echo_p95:5.1f}×"
        cpu = f"   load-generator CPU {client_cpu:5.1f} s" if client_cpu else ""
        print(
            f"  {label:<22} {rate:>3} respondents × 1/s: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
            f"{ratio}   errors {errors}{cpu}"
        )


def run(topology: str, seconds: float, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"load-{topology}-") as tmp:
        workdir = Path(tmp)
        redis_process = None
        database_url = ""
        redis_url = ""
        admin = None
        if topology == "postgres":
            from tests.fixtures.postgres import admin_url, create_database, drop_database

            admin = admin_url()
            database_url = create_database(admin, prefix="load_bench") or ""
            if not database_url:
                print("  PostgreSQL is not reachable: topology skipped")
                return
            redis_port = free_port()
            redis_process = start_process(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                workdir / "redis.log",  # fmt: skip
            )
            wait_for_port(redis_port)
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
        env = _environment(topology, workdir, database_url, redis_url)
        _apply(env)
        seeded = _seed(max(RATES))
        web_workers = 1 if topology == "sqlite" else workers
        print(f"== {topology}: {web_workers} web worker(s), {seconds:.0f} s per step")
        try:
            port = free_port()
            echo = _granian("bench.echo_http:app", port, web_workers, env, workdir / "echo.log")
            try:
                http_echo = asyncio.run(
                    _http_rates(f"http://127.0.0.1:{port}/echo", seeded, seconds, echo=True)
                )
            finally:
                stop_process(echo)
            _print_rates("HTTP echo", http_echo, None)
            port = free_port()
            sio = _granian("bench.echo_socketio:app", port, 1, env, workdir / "sio.log")
            try:
                sio_echo = asyncio.run(_socketio_rates(f"http://127.0.0.1:{port}", seconds))
            finally:
                stop_process(sio)
            _print_rates("socket.io echo", sio_echo, None)
            port = free_port()
            bare_root = _bare_app(workdir)
            bare = _granian(
                "bare.bare:app", port, web_workers, env, workdir / "bare.log", bare_root
            )
            try:
                asyncio.run(_wait_ready(f"http://127.0.0.1:{port}/ping"))
                bare_rates = asyncio.run(
                    _bare_reflex_rates(f"http://127.0.0.1:{port}", seeded, seconds)
                )
            finally:
                stop_process(bare)
            _print_rates("bare Reflex handler", bare_rates.pop("rates"), sio_echo)
            samples, errors, took = bare_rates["saturation"]
            print(
                f"  bare Reflex handler saturation ({SATURATION_CLIENTS} clients back to back): "
                f"{len(samples) / took:6.0f} events/s   p50 {_p(samples, 0.5):6.1f} ms  "
                f"p95 {_p(samples, 0.95):6.1f} ms   errors {errors}"
            )

            port = free_port()
            app = _granian(
                "ninevectors.ninevectors:app", port, web_workers, env, workdir / "app.log"
            )
            try:
                asyncio.run(_wait_ready(f"http://127.0.0.1:{port}/health"))
                url = f"http://127.0.0.1:{port}{SAVE_PATH}"
                saves = asyncio.run(_http_rates(url, seeded, seconds, echo=False))
                _print_rates("answer saves", saves, http_echo)
                samples, errors, took = asyncio.run(_saturation(url, seeded, seconds))
                print(
                    f"  saturation ({SATURATION_CLIENTS} clients back to back): "
                    f"{len(samples) / took:6.0f} saves/s   p50 {_p(samples, 0.5):6.1f} ms  "
                    f"p95 {_p(samples, 0.95):6.1f} ms   errors {errors}"
                )
            finally:
                stop_process(app)
            acknowledged, lost, reordered = _verify(seeded)
            print(
                f"  acknowledged vs stored: {acknowledged} acknowledged fields, "
                f"{lost} lost, {reordered} reordered"
            )
        finally:
            if redis_process is not None:
                stop_process(redis_process)
            if admin is not None and database_url:
                from ninevectors.services.backends import get_store
                from ninevectors.services.database import reset_engine

                get_store().close()
                reset_engine()
                drop_database(admin, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    topologies = ("sqlite", "postgres") if args.topology == "both" else (args.topology,)
    for topology in topologies:
        run(topology, args.seconds, args.workers)


if __name__ == "__main__":
    main()
