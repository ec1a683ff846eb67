"""`/health` and `/ready` served beside the app."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import health
from ninevectors.services.database import reset_engine
from ninevectors.settings import get_settings


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=health.routes))


def test_health_answers_while_the_process_lives(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_answers(client: TestClient, temp_database: str) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_not_ready_names_the_reason(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PostgreSQL URL on a port where nothing listens.
    monkeypatch.setenv("NINEVECTORS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    reset_engine()
    try:
        response = client.get("/ready")
    finally:
        reset_engine()
        get_settings.cache_clear()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reasons"] and body["reasons"][0].startswith("database: database unreachable")
