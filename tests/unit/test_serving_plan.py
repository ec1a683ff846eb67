"""What `serve` starts: process counts from flags, settings and the machine, and the
supervisord configuration (restart, order, drain) it runs them with."""

from __future__ import annotations

from pathlib import Path

import pytest
from supervisor.options import ServerOptions

from ninevectors.serving import counts, supervisor
from ninevectors.settings import Settings

REDIS = {"cache_backend": "redis", "redis_url": "redis://127.0.0.1:6379/0"}


@pytest.fixture(autouse=True)
def _two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counts, "_cores", lambda: 2)
    monkeypatch.delenv("GRANIAN_WORKERS", raising=False)


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="x" * 40, **values)  # type: ignore[arg-type]


def test_embedded_default_one_web_worker_and_no_task_worker(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert counts.web_workers(settings) == 1
    assert counts.task_workers(settings) == 0


def test_embedded_default_refuses_more_workers(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(counts.CountError, match="Redis"):
        counts.web_workers(settings, 2)
    with pytest.raises(counts.CountError, match="Redis"):
        counts.task_workers(settings, 1)


def test_redis_defaults_for_two_cores(tmp_path: Path) -> None:
    settings = _settings(tmp_path, **REDIS)
    assert counts.web_workers(settings) == 2
    assert counts.task_workers(settings) == 1


def test_flags_win_over_settings_over_granian_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANIAN_WORKERS", "3")
    assert counts.web_workers(_settings(tmp_path, **REDIS)) == 3
    settings = _settings(tmp_path, web_workers=4, task_workers=0, **REDIS)
    assert counts.web_workers(settings) == 4
    assert counts.web_workers(settings, 5) == 5
    assert counts.task_workers(settings) == 0
    assert counts.task_workers(settings, 2) == 2


def _parsed(tmp_path: Path, planned: list[supervisor.Program]) -> dict[str, object]:
    settings = _settings(tmp_path, shutdown_timeout_seconds=7, **REDIS)
    supervisor.run_dir(settings).mkdir()
    path = tmp_path / "supervisord.conf"
    path.write_text(supervisor.render_config(planned, settings))
    options = ServerOptions()
    options.realize(args=["--configuration", str(path)])
    return {group.name: group for group in options.process_group_configs}


def test_every_role_is_restarted_and_stopped_web_first(tmp_path: Path) -> None:
    groups = _parsed(tmp_path, supervisor.programs(web_workers=2, task_workers=3))
    assert list(groups) == ["scheduler", "worker", "web"]  # start order; stop is the reverse
    workers = groups["worker"].process_configs  # type: ignore[attr-defined]
    assert [p.name for p in workers] == ["worker-0", "worker-1", "worker-2"]
    for group in groups.values():
        for program in group.process_configs:  # type: ignore[attr-defined]
            assert program.autorestart is not False
            assert program.stopwaitsecs == 7 + supervisor.STOP_MARGIN_SECONDS
            assert program.killasgroup
    web = groups["web"].process_configs[0]  # type: ignore[attr-defined]
    assert "--role web --web-workers 2" in web.command


def test_embedded_plan_has_no_task_workers(tmp_path: Path) -> None:
    names = [program.name for program in supervisor.programs(web_workers=1, task_workers=0)]
    assert names == ["scheduler", "web"]


@pytest.mark.parametrize(("cache", "mode"), [("memory", "memory"), ("redis", "redis")])
def test_reflex_state_lives_in_memory_embedded_and_in_redis_otherwise(
    monkeypatch: pytest.MonkeyPatch, cache: str, mode: str
) -> None:
    """Never the disk state manager: it rescans .states every 2 s (0.4-1.5 s stalls)."""
    import importlib

    from reflex_base.constants import StateManagerMode

    import rxconfig
    from ninevectors.settings import get_settings

    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", cache)
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", REDIS["redis_url"])
    get_settings.cache_clear()
    try:
        assert importlib.reload(rxconfig).config.state_manager_mode == StateManagerMode(mode)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        importlib.reload(rxconfig)
