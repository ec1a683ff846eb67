"""The secret key: the installation's own random key in the data folder unless one is
configured; production refuses a missing, default or weak one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ninevectors import cli, installation_secret
from ninevectors.settings import DEVELOPMENT_SECRET, Settings, get_settings

STRONG = "q2N8vT4xLp0sWd7kRf3yHb6mJc9zAe1uGi5oPl"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("NINEVECTORS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer .env file
    monkeypatch.setenv("NINEVECTORS_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()


def test_the_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    key, created = installation_secret.ensure(folder)
    again, created_again = installation_secret.ensure(folder)
    assert created and not created_again
    assert again == key
    assert len(key) >= 64 and key != DEVELOPMENT_SECRET
    assert stat.S_IMODE(installation_secret.path_in(folder).stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [installation_secret.FILE_NAME]


def test_each_installation_has_its_own_key(tmp_path: Path) -> None:
    first, _ = installation_secret.ensure(tmp_path / "one")
    second, _ = installation_secret.ensure(tmp_path / "two")
    assert first != second


def test_settings_use_the_data_folders_key(tmp_path: Path) -> None:
    key, _ = installation_secret.ensure(tmp_path / "data")
    assert Settings().secret_key.get_secret_value() == key


def test_without_a_stored_key_reading_writes_nothing_and_never_uses_a_public_key(
    tmp_path: Path,
) -> None:
    first = Settings().secret_key.get_secret_value()
    assert first == Settings().secret_key.get_secret_value()  # stable in this process
    assert first != DEVELOPMENT_SECRET and len(first) >= 64
    assert not (tmp_path / "data").exists()
    assert installation_secret.is_process_only(first)


def test_a_configured_key_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installation_secret.ensure(tmp_path / "data")
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", STRONG)
    assert Settings().secret_key.get_secret_value() == STRONG


def test_prepare_creates_the_key_used_by_every_later_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NINEVECTORS_LOAD_DEMO_DATA", "false")
    assert cli.main(["prepare"]) == 0
    stored = installation_secret.read(tmp_path / "data")
    assert stored is not None
    get_settings.cache_clear()
    assert get_settings().secret_key.get_secret_value() == stored
    assert cli.main(["prepare"]) == 0
    assert installation_secret.read(tmp_path / "data") == stored  # created once
    get_settings.cache_clear()


def test_a_data_folder_used_before_with_the_public_key_gets_its_own_and_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NINEVECTORS_LOAD_DEMO_DATA", "false")
    assert cli.main(["prepare"]) == 0
    installation_secret.path_in(tmp_path / "data").unlink()  # as before this key existed
    capsys.readouterr()
    get_settings.cache_clear()
    assert cli.main(["prepare"]) == 0
    assert "used before with the public development key" in capsys.readouterr().err
    assert installation_secret.read(tmp_path / "data") not in (None, DEVELOPMENT_SECRET)
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("configured", "problem"),
    [
        (None, "NINEVECTORS_SECRET_KEY is not set"),
        (DEVELOPMENT_SECRET, "NINEVECTORS_SECRET_KEY is the development default"),
        ("short-but-secret", "NINEVECTORS_SECRET_KEY is too weak"),
        ("a" * 40, "NINEVECTORS_SECRET_KEY is too weak"),
    ],
)
def test_production_refuses_a_missing_default_or_weak_key(
    monkeypatch: pytest.MonkeyPatch, configured: str | None, problem: str
) -> None:
    monkeypatch.setenv("NINEVECTORS_ENVIRONMENT", "production")
    if configured is not None:
        monkeypatch.setenv("NINEVECTORS_SECRET_KEY", configured)
    [found] = Settings().check_production_safety()
    assert found.startswith(problem)


def test_production_never_uses_a_data_folder_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    installation_secret.ensure(tmp_path / "data")
    monkeypatch.setenv("NINEVECTORS_ENVIRONMENT", "production")
    assert Settings().secret_key.get_secret_value() == ""
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", STRONG)
    assert Settings().check_production_safety() == []


@pytest.mark.parametrize("role", ["all", "web", "scheduler", "worker"])
def test_production_serve_refuses_to_start_without_a_strong_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], role: str
) -> None:
    monkeypatch.setenv("NINEVECTORS_ENVIRONMENT", "production")
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", DEVELOPMENT_SECRET)
    get_settings.cache_clear()
    assert cli.main(["serve", "--role", role]) == 1
    assert "development default" in capsys.readouterr().err
    get_settings.cache_clear()
