"""`/ready` against real servers taken away and brought back: Redis (cache and task broker),
PostgreSQL (database and SQL store, behind a proxy: the machine's server stays up) and the
Cosmos DB emulator (document store)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import health
from ninevectors.services import readiness
from ninevectors.services.backends import reset_backends
from ninevectors.services.database import reset_engine
from ninevectors.services.store.containers import CONTAINERS
from ninevectors.services.store.cosmos import CosmosDocumentStore
from ninevectors.settings import get_settings
from tests.fixtures.cosmos import COSMOS_EMULATOR_KEY
from tests.fixtures.redis_server import REDIS_SERVER
from tests.servers import (
    find_tool,
    free_port,
    missing_server,
    start_process,
    stop_process,
    wait_for_port,
)
from tests.tcp_proxy import TcpProxy

Probe = Callable[[], tuple[int, list[str]]]


class RedisServer:
    """A private redis-server that a test stops and starts again on the same port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.workdir)]
        self.process = start_process(args, self.workdir / "redis.log")
        assert wait_for_port(self.port, timeout=15), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")
    if binary is None:
        missing_server("redis-server is not installed")
    assert binary is not None
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def apply(**env: str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(f"NINEVECTORS_{name.upper()}", value)
        get_settings.cache_clear()
        reset_engine()
        reset_backends()

    monkeypatch.setenv("NINEVECTORS_READINESS_TIMEOUT_SECONDS", "2")
    yield apply
    for future in list(readiness._in_flight.values()):  # no check outlives its test
        future.result(timeout=60)
    reset_backends()
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture
def probe() -> Probe:
    client = TestClient(Starlette(routes=health.routes))

    def ready() -> tuple[int, list[str]]:
        response = client.get("/ready")
        return response.status_code, response.json().get("reasons", [])

    return ready


def _eventually_ready(probe: Probe, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    status, reasons = probe()
    while status != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
        status, reasons = probe()
    assert status == 200, reasons


def _starts(reasons: list[str], prefix: str) -> bool:
    return any(reason.startswith(prefix) for reason in reasons)


def test_redis_down_fails_cache_and_queue_then_recovers(
    redis_server: RedisServer, temp_database: str, configure: Callable[..., None], probe: Probe
) -> None:
    configure(cache_backend="redis", redis_url=redis_server.url)
    assert probe() == (200, [])
    redis_server.stop()
    status, reasons = probe()
    assert status == 503
    assert "cache: Redis is unreachable" in reasons
    assert _starts(reasons, "queue: unreachable")
    assert not _starts(reasons, "database") and not _starts(reasons, "store")
    redis_server.start()
    _eventually_ready(probe)


@pytest.fixture
def postgres_proxy(postgres_url: str) -> Iterator[tuple[TcpProxy, str]]:
    url = sa.make_url(postgres_url)
    proxy = TcpProxy(upstream_port=url.port or 5432, upstream_host=url.host or "127.0.0.1")
    proxy.set_mode("forward")
    yield proxy, url.set(port=proxy.port).render_as_string(hide_password=False)
    proxy.close()


def test_postgres_down_fails_database_and_store_then_recovers(
    postgres_proxy: tuple[TcpProxy, str], configure: Callable[..., None], probe: Probe
) -> None:
    proxy, url = postgres_proxy
    configure(database_url=url, store_backend="sql", cache_backend="memory")
    assert probe() == (200, [])
    proxy.set_mode("down")
    status, reasons = probe()
    assert status == 503
    assert _starts(reasons, "database: database unreachable")
    assert _starts(reasons, "store: ")
    proxy.set_mode("forward")
    _eventually_ready(probe)


def test_postgres_hanging_fails_within_the_timeout_then_recovers(
    postgres_proxy: tuple[TcpProxy, str], configure: Callable[..., None], probe: Probe
) -> None:
    proxy, url = postgres_proxy
    configure(database_url=url, store_backend="sql", cache_backend="memory")
    assert probe() == (200, [])
    proxy.set_mode("hang")
    started = time.monotonic()
    status, reasons = probe()
    assert time.monotonic() - started < 4
    assert status == 503
    assert "database: no answer within 2 s" in reasons
    proxy.set_mode("forward")
    _eventually_ready(probe)


class CosmosEmulator:
    """A private Cosmos DB emulator that a test stops and starts again on the same port (the
    emulator advertises its own address, so a proxy in front of it would be bypassed)."""

    def __init__(self, tool: str, workdir: Path) -> None:
        self.tool = tool
        self.workdir = workdir
        self.port = free_port()
        self.process = None

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [self.tool, "-p", str(self.port), "--host", "127.0.0.1"]
        self.process = start_process(args, self.workdir / "cosmosdb-server.log")
        assert wait_for_port(self.port, timeout=30), "cosmosdb-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@pytest.fixture
def cosmos_emulator(tmp_path: Path) -> Iterator[CosmosEmulator]:
    tool = find_tool("cosmosdb-server")
    if tool is None:
        missing_server("cosmosdb-server (npm @vercel/cosmosdb-server) is not installed")
    assert tool is not None
    emulator = CosmosEmulator(tool, tmp_path)
    emulator.start()
    yield emulator
    emulator.stop()


def test_cosmos_down_fails_only_the_store_then_recovers(
    cosmos_emulator: CosmosEmulator,
    temp_database: str,
    configure: Callable[..., None],
    probe: Probe,
) -> None:
    configure(
        store_backend="cosmos",
        cosmos_endpoint=cosmos_emulator.endpoint,
        cosmos_key=COSMOS_EMULATOR_KEY,
        cosmos_verify_tls="false",
        cosmos_database="readiness",
        cache_backend="memory",
    )
    _eventually_ready(probe)  # the first check also creates the containers (slow)
    cosmos_emulator.stop()
    status, reasons = probe()
    assert status == 503
    assert [reason.split(":")[0] for reason in reasons] == ["store"]
    cosmos_emulator.start()
    # The emulator keeps nothing across a restart; the real service keeps its containers.
    restored = CosmosDocumentStore(
        cosmos_emulator.endpoint, COSMOS_EMULATOR_KEY, "readiness", verify_tls=False
    )
    restored.ensure_containers(CONTAINERS)
    restored.close()
    _eventually_ready(probe, timeout=90)
