"""The settings object: embedded defaults, environment overrides, production safety."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ninevectors.settings import DEVELOPMENT_SECRET, Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("NINEVECTORS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer .env file


def test_every_setting_has_an_embedded_default() -> None:
    settings = Settings()
    assert settings.store_backend == "sql"
    assert settings.cache_backend == "memory"
    assert settings.blob_backend == "local"
    assert settings.port == 3000
    assert settings.public_url == "http://localhost:3000"
    assert settings.api_url == settings.public_url
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("/ninevectors.db")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEVECTORS_PORT", "4100")
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", "redis")
    monkeypatch.setenv("NINEVECTORS_DATABASE_URL", "postgresql+psycopg://db/ninevectors")
    settings = Settings()
    assert settings.public_url == "http://localhost:4100"
    assert settings.cache_backend == "redis"
    assert settings.resolved_database_url == "postgresql+psycopg://db/ninevectors"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NINEVECTORS_APP_NAME=Acme Vectors\n")
    assert Settings().app_name == "Acme Vectors"


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEVECTORS_STORE_BACKEND", "mongodb")
    with pytest.raises(ValidationError, match="store_backend"):
        Settings()


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEVECTORS_ENVIRONMENT", "production")
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", DEVELOPMENT_SECRET)
    assert Settings().check_production_safety() == [
        "NINEVECTORS_SECRET_KEY is the development default"
    ]
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", "a-real-secret-from-the-vault-7Hq2xZ9pW4")
    assert Settings().check_production_safety() == []
