"""`/health` and `/ready` served beside the app."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import health
from ninevectors.services import readiness
from ninevectors.services.backends import reset_backends
from ninevectors.services.database import reset_engine
from ninevectors.settings import get_settings
from tests.tcp_proxy import TcpProxy


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=health.routes))


def test_health_answers_while_the_process_lives(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_answers(client: TestClient, temp_database: str) -> None:
    reset_backends()
    response = client.get("/ready")
    reset_backends()
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_not_ready_names_the_reason(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PostgreSQL URL on a port where nothing listens.
    monkeypatch.setenv("NINEVECTORS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    try:
        response = client.get("/ready")
    finally:
        reset_backends()
        reset_engine()
        get_settings.cache_clear()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reasons"] and body["reasons"][0].startswith("database: database unreachable")


@pytest.fixture
def hung_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    """A PostgreSQL URL whose server accepts connections and never answers."""
    proxy = TcpProxy(upstream_port=1)
    proxy.set_mode("hang")
    monkeypatch.setenv(
        "NINEVECTORS_DATABASE_URL", f"postgresql+psycopg://nv@127.0.0.1:{proxy.port}/nv"
    )
    monkeypatch.setenv("NINEVECTORS_READINESS_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    yield proxy
    proxy.close()  # the stuck checks fail at once and finish
    for future in list(readiness._in_flight.values()):
        future.result(timeout=10)
    reset_backends()
    reset_engine()
    get_settings.cache_clear()


def test_a_hung_backend_fails_the_probe_within_the_timeout(
    client: TestClient, hung_database: TcpProxy
) -> None:
    for _probe in range(3):  # a check still stuck is waited on again, not started again
        started = time.monotonic()
        response = client.get("/ready")
        assert time.monotonic() - started < 2.0
        assert response.status_code == 503
        reasons = response.json()["reasons"]
        assert "database: no answer within 0.5 s" in reasons
        assert "store: no answer within 0.5 s" in reasons
    assert client.get("/health").status_code == 200  # liveness asks no backend
