"""The relational database: one engine per process, sessions, migrations, readiness.

The URL comes from ``get_settings().resolved_database_url`` (a SQLite file in the data folder
unless ``NINEVECTORS_DATABASE_URL`` names PostgreSQL). The schema is owned by Alembic:
``migrate()`` runs ``alembic upgrade head`` from any working directory.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from ninevectors.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ALEMBIC_SCRIPTS = PROJECT_ROOT / "alembic"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_file(url: sa.URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_sqlite_locks: dict[str, threading.RLock] = {}
_sqlite_locks_guard = threading.Lock()
# create_engine imports the driver: two threads importing psycopg at the same moment can meet a
# partially initialised module (seen with the database and store readiness checks at once).
driver_import_lock = threading.Lock()


def sqlite_write_lock(database_url: str) -> threading.RLock:
    """The one lock of this process for writing a SQLite file (shared by the relational
    tables and the document store on it). SQLite admits one writer at a time; threads queue
    here and wake at once, instead of in SQLite's busy handler, which sleeps in steps of up
    to 100 ms and so stalled every request behind an audit row or a session write."""
    key = str(make_url(database_url).database or ":memory:")
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(key, threading.RLock())


def make_engine(database_url: str) -> sa.Engine:
    """A new engine for ``database_url``, with SQLite made fit for a multi-threaded server."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    with driver_import_lock:
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@lru_cache(maxsize=1)
def get_engine() -> sa.Engine:
    return make_engine(get_settings().resolved_database_url)


def reset_engine() -> None:
    """Forget the cached engine (tests change the database URL between cases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits when the block ends and rolls back when it raises.

    Objects stay readable after the commit (``expire_on_commit=False``). On SQLite the block
    holds the file's write lock (see :func:`sqlite_write_lock`).
    """
    engine = get_engine()
    serialised = (
        sqlite_write_lock(str(engine.url))
        if engine.dialect.name == "sqlite"
        else contextlib.nullcontext()
    )
    with serialised, Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(database_url: str | None = None) -> Any:
    """An Alembic ``Config`` for this repository, usable from any working directory."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_SCRIPTS))
    config.attributes["database_url"] = database_url or get_settings().resolved_database_url
    config.attributes["configure_logger"] = False
    return config


def migrate(database_url: str | None = None) -> None:
    """Bring the database to the newest schema (``alembic upgrade head``)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def check_database() -> str | None:
    """None when the database answers, else a short reason (for the readiness probe)."""
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"
        log.warning("database check failed: %s", exc)
        return f"database unreachable ({type(exc).__name__})"
    return None
