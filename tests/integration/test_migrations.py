"""Alembic migrations: upgrade on SQLite and PostgreSQL, no drift from the models, round trip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.command import downgrade
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session

from ninevectors.models.tables import RELATIONAL_TABLES, UserCredential
from ninevectors.services.database import (
    alembic_config,
    check_database,
    make_engine,
    migrate,
    reset_engine,
)
from ninevectors.settings import get_settings
from tests.fixtures.postgres import admin_url, create_database, drop_database
from tests.servers import free_port

TABLE_NAMES = {model.__table__.name for model in RELATIONAL_TABLES}  # type: ignore[attr-defined]


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """An empty database of its own on the same server (other tests share ``postgres_url``)."""
    admin = admin_url()
    url = create_database(admin, prefix="ninevectors_migrations")
    assert url is not None, "the server answered for postgres_url a moment ago"
    try:
        yield url
    finally:
        drop_database(admin, url)


def _models_metadata() -> sa.MetaData:
    """Only our relational tables (other modules may add tables to SQLModel.metadata)."""
    metadata = sa.MetaData()
    for model in RELATIONAL_TABLES:
        model.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


def _drift(url: str, metadata: sa.MetaData | None = None) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata or _models_metadata()))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    migrate(url)
    assert TABLE_NAMES <= _tables(url)
    assert _drift(url) == []

    downgrade(alembic_config(url), "base")
    assert _tables(url) & TABLE_NAMES == set()

    migrate(url)
    assert TABLE_NAMES <= _tables(url)
    assert _drift(url) == []


def test_migrations_have_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge the migration branches: {heads}"


def test_sqlite_upgrade_matches_models_and_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path.parent)  # migrate() works from any working directory
    _round_trip(f"sqlite:///{(tmp_path / 'fresh' / 'db.sqlite').as_posix()}")


def test_drift_check_notices_a_model_change_without_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'db.sqlite').as_posix()}"
    migrate(url)
    changed = _models_metadata()
    changed.tables["audit_logs"].append_column(sa.Column("unmigrated", sa.String(10)))
    changed.tables["usage_metrics"].c.billing_period.type = sa.String(20)
    kinds = {diff[0][0] if isinstance(diff, list) else diff[0] for diff in _drift(url, changed)}
    assert kinds == {"add_column", "modify_type"}


def test_postgres_upgrade_matches_models_and_round_trips(fresh_postgres_url: str) -> None:
    _round_trip(fresh_postgres_url)


def test_postgres_stores_aware_utc_and_enforces_lower_case_email(
    fresh_postgres_url: str,
) -> None:
    migrate(fresh_postgres_url)
    engine = make_engine(fresh_postgres_url)
    paris = timezone(timedelta(hours=1))
    try:
        with Session(engine) as session:
            session.add(
                UserCredential(
                    user_id="usr_1",
                    organization_id="org_a",
                    email="ann@example.com",
                    locked_until=datetime(2025, 1, 1, 13, tzinfo=paris),
                )
            )
            session.commit()
            row = session.get(UserCredential, "usr_1")
            assert row is not None and row.locked_until is not None
            assert row.locked_until.utcoffset() == timedelta(0)
            assert row.locked_until == datetime(2025, 1, 1, 12, tzinfo=UTC)
            session.add(UserCredential(user_id="usr_2", organization_id="org_a", email="Bo@x.io"))
            with pytest.raises(sa.exc.IntegrityError):
                session.commit()
    finally:
        engine.dispose()


def test_check_database_reports_reachability(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def use(url: str) -> str | None:
        monkeypatch.setenv("NINEVECTORS_DATABASE_URL", url)
        get_settings.cache_clear()
        reset_engine()
        return check_database()

    try:
        assert use(f"sqlite:///{(tmp_path / 'ok.db').as_posix()}") is None
        reason = use(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
        assert reason is not None and "unreachable" in reason
    finally:
        reset_engine()
        get_settings.cache_clear()
